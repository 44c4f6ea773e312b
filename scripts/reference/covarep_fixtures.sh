#!/usr/bin/env bash
# Makes the COVAREP reference fixtures of Tests/AcousticsTests/Fixtures.
#   needs: apt-get install -y octave octave-signal asterisk-core-sounds-en-wav ffmpeg
#          COVAREP exported without distribution/ at $COVAREP (default /tmp/covarep)
#          shared/tools/covarep-octave (run-covarep + shims) beside the repo
# Every input is decoded exactly as the Swift tests decode it
# (ffmpeg -i X -ac 1 -ar 16000 -f f32le -) and handed to COVAREP as a 32-bit float WAV,
# so that both sides see bit-identical samples (ffmpeg's s16 downmix is scaled
# differently from its float downmix).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
shared="${SHARED:-$repo/../shared}"
covarep="${COVAREP:-/tmp/covarep}"
work="${WORK:-/tmp/sentio-covref}"
out="$repo/Tests/AcousticsTests/Fixtures"
mkdir -p "$work" "$out"
declare -A inputs=(
  [mosi_03bSnISJMiM_1]="$shared/data/media/mosi_03bSnISJMiM_1.wav"
  [ast_vm-intro]="/usr/share/asterisk/sounds/en/vm-intro.wav"
  [ast_conf-onlyperson]="/usr/share/asterisk/sounds/en/conf-onlyperson.wav"
)
rm -f "$work"/*.wav "$work"/*.mat "$work"/*.csv
for name in "${!inputs[@]}"; do
  ffmpeg -nostdin -loglevel error -i "${inputs[$name]}" -ac 1 -ar 16000 -f f32le - |
    ffmpeg -nostdin -loglevel error -y -f f32le -ar 16000 -ac 1 -i - -c:a pcm_f32le "$work/$name.wav"
done
start=$(date +%s.%N)
"$shared/tools/covarep-octave/run-covarep" "$covarep" "$work" > "$work/octave.log" 2>&1
end=$(date +%s.%N)
echo "COVAREP (Octave) wall time for all inputs: $(echo "$end - $start" | bc) s" >&2
for name in "${!inputs[@]}"; do
  # 5 significant digits keep the fixtures small and are far below the tolerances.
  awk -F, 'NR==1{print; next} {for(i=1;i<=NF;i++){ if(i>1) printf ","; printf "%.5g", $i } printf "\n"}' \
    "$work/$name.csv" > "$out/covarep_$name.csv"
done
ls -la "$out"
