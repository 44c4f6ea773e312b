#!/usr/bin/env bash
# Latency of utterances whose windows come from Sentio's own speech recognition on a live
# stream: `sentio serve --transcript asr` reads an MPEG-TS stream that FFmpeg plays in real
# time (-re) over UDP on loopback; `sentio subscribe` prints what is published. latency_ms is
# the daemon's own measure: from the moment the utterance's end was played to its publication
# (chunk closing pause + recognition + scoring).
#
#   swift build -c release --product sentio
#   scripts/bench/speech-live-latency.sh [MEDIA]      # default samples/sample.mp4
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
sentio="${SENTIO:-$repo/.build/release/sentio}"
media="${1:-$repo/samples/sample.mp4}"
work="$(mktemp -d)"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
udp="udp://127.0.0.1:$(port)"; endpoint="tcp://127.0.0.1:$(port)"

cd "$repo"
"$sentio" serve --input "$udp" --stream live --publish "$endpoint" --transcript asr --timeout 3 --heartbeat 1 \
  2> "$work/serve.log" & daemon=$!
"$sentio" subscribe "$endpoint" --topic sentio.live.utterance --format jsonl > "$work/utterances.jsonl" 2> /dev/null & subscriber=$!
trap 'kill $daemon $subscriber 2>/dev/null || true; rm -rf "$work"' EXIT
sleep 3   # model loaded, sockets up
ffmpeg -v error -nostdin -re -i "$media" -map 0:a -c:a aac -f mpegts "$udp"
sleep 6   # the last chunk closes, is transcribed and published
kill -TERM $daemon; wait $daemon || true
kill -TERM $subscriber; wait $subscriber || true
python3 - "$work/utterances.jsonl" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
for r in rows:
    print(f"{r['start']:7.2f} {r['end']:7.2f}  {r['latency_ms']:7.0f} ms  {r.get('text')}")
lat = [r["latency_ms"] for r in rows]
if lat:
    print(f"{len(lat)} utterances; latency median {statistics.median(lat):.0f} ms, max {max(lat):.0f} ms")
EOF
