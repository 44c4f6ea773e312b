#!/usr/bin/env bash
# Sentio's 74-column acoustic extractor vs COVAREP (Octave) vs openSMILE eGeMAPS, same file,
# same run. Prints CPU seconds, real-time factors and the COVAREP/Sentio ratio.
#   scripts/bench/acoustics.sh [AUDIO]          (default: shared MOSI utterance)
# Needs: release build (swift build -c release --product sentio), octave + octave-signal,
# COVAREP exported at $COVAREP (default /tmp/covarep), a venv with opensmile at $VENV
# (default /work/venvs/acoustics: python -m venv …; pip install opensmile numpy).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
shared="${SHARED:-$repo/../shared}"
audio="${1:-$shared/data/media/mosi_03bSnISJMiM_1.wav}"
covarep="${COVAREP:-/tmp/covarep}"
venv="${VENV:-/work/venvs/acoustics}"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/wav"
ffmpeg -nostdin -loglevel error -i "$audio" -ac 1 -ar 16000 -f f32le "$tmp/x.f32"
ffmpeg -nostdin -loglevel error -f f32le -ar 16000 -ac 1 -i "$tmp/x.f32" -c:a pcm_f32le "$tmp/wav/x.wav"
secs=$(python3 -c "import os; print(os.path.getsize('$tmp/x.f32')/4/16000)")
echo "input: $audio ($secs s)"

# Sentio (release), median CPU time of 5 runs after a warm-up.
sentio=$("$repo/.build/release/sentio" bench acoustics --input "$tmp/x.f32" --repeat-count 5)
echo "sentio: $sentio"
s_cpu=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['batch_cpu_seconds'])" "$sentio")

# COVAREP under Octave: CPU (user+sys) of the whole run (start-up ≈ 1 s included).
/usr/bin/time -f "%U %S %e" -o "$tmp/cov.time" "$shared/tools/covarep-octave/run-covarep" "$covarep" "$tmp/wav" > "$tmp/cov.log" 2>&1
read -r cu cs ce < "$tmp/cov.time"
c_cpu=$(python3 -c "print($cu+$cs)")
echo "covarep: cpu ${c_cpu} s, wall ${ce} s, realtime factor $(python3 -c "print(round($secs/$c_cpu,3))")"

# openSMILE eGeMAPSv02 low-level descriptors (industry anchor), CPU time of 5 runs.
"$venv/bin/python" - "$tmp/x.f32" <<'PY'
import sys, time, numpy as np, opensmile
x = np.fromfile(sys.argv[1], dtype=np.float32)
smile = opensmile.Smile(feature_set=opensmile.FeatureSet.eGeMAPSv02,
                        feature_level=opensmile.FeatureLevel.LowLevelDescriptors)
smile.process_signal(x, 16000)
ts = []
for _ in range(5):
    t0 = time.process_time(); smile.process_signal(x, 16000); ts.append(time.process_time() - t0)
t = sorted(ts)[2]
print(f"opensmile eGeMAPSv02 LLD: cpu {t:.4f} s, realtime factor {len(x)/16000/t:.1f}")
PY
echo "COVAREP cpu / Sentio cpu: $(python3 -c "print(round($c_cpu/$s_cpu,1))")x"
