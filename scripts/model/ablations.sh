#!/usr/bin/env bash
# Ablations of the Self-MM method on the synthetic multimodal generator (docs/ACCURACY-model.md).
#   swift build -c release && scripts/model/ablations.sh [OUTDIR]
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-/tmp/sentio-ablations}"
bin="$repo/.build/release/sentio"
seeds=1111,1112,1113,1114,1115
run() { local name="$1"; shift; "$bin" train --data synthetic --out "$out/$name" --seeds $seeds --quiet "$@" | tail -2 | head -1 | sed "s/^/$name: /"; }
run full
run no-coral --coral-weight 0
run no-ulgm --no-ulgm
run text-only --modalities text
run audio-visual --modalities audio,visual
