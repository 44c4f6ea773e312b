#!/usr/bin/env bash
# Makes Tests/AcousticsTests/Fixtures/creak_*.csv: COVAREP's creak features (its private
# functions of glottalsource/creaky_voice_detection, called by creak_features.m) under
# Octave at the ANN frames (1-based samples 160·k) of the same inputs as
# covarep_fixtures.sh plus the synthetic creaky vowel of creaky_voice.py.
#   needs: apt-get install -y octave octave-signal asterisk-core-sounds-en-wav ffmpeg
#          COVAREP exported without distribution/ at $COVAREP (default /tmp/covarep)
#          shared/tools/covarep-octave (shims) beside the repo
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
shared="${SHARED:-$repo/../shared}"
covarep="${COVAREP:-/tmp/covarep}"
work="${WORK:-/tmp/sentio-creakref}"
out="$repo/Tests/AcousticsTests/Fixtures"
mkdir -p "$work/private-copy"
# Octave lets only a private folder's parent call it: put a copy on the path instead.
cp "$covarep"/glottalsource/creaky_voice_detection/private/*.m "$work/private-copy/"
declare -A inputs=(
  [mosi_03bSnISJMiM_1]="$shared/data/media/mosi_03bSnISJMiM_1.wav"
  [ast_vm-intro]="/usr/share/asterisk/sounds/en/vm-intro.wav"
  [ast_conf-onlyperson]="/usr/share/asterisk/sounds/en/conf-onlyperson.wav"
  [creaky_synthetic]="$out/creaky_synthetic.wav"
)
for name in "${!inputs[@]}"; do
  # Decoded exactly as the Swift tests decode (ffmpeg float), handed over as float WAV.
  ffmpeg -nostdin -loglevel error -i "${inputs[$name]}" -ac 1 -ar 16000 -f f32le - |
    ffmpeg -nostdin -loglevel error -y -f f32le -ar 16000 -ac 1 -i - -c:a pcm_f32le "$work/$name.wav"
  octave --no-gui --quiet --eval "
pkg load signal
addpath(genpath('$covarep')); rmpath('$covarep/external/backcompatibility_2015');
addpath('$shared/tools/covarep-octave'); addpath('$work/private-copy'); addpath('$repo/scripts/reference');
creak_features('$work/$name.wav', '$work/$name.csv');
" > "$work/$name.log" 2>&1
  # 6 significant digits: far below the tolerances, small files.
  cp "$work/$name.csv" "$out/creak_$name.csv"
done
ls -la "$out"/creak_*
