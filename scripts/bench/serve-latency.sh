#!/usr/bin/env bash
# Latency of `sentio serve` from the end of an utterance (its cue end, as played) to the message
# at a ZeroMQ subscriber, with the shipped model, on loopback.
#   scripts/bench/serve-latency.sh [LOOPS] [SENDER-MUX-OPTIONS…]
#   (default 10 loops of the 12.6 s sample = 30 utterances; e.g. `… 10 -pes_payload_size 0`
#   makes ffmpeg's MPEG-TS muxer send audio as it comes instead of in ~0.5 s PES packets)
# ffmpeg pushes samples/sample.mp4 looped LOOPS times over UDP in real time; the sidecar SRT has
# the caption cues shifted per loop. `sentio subscribe` records each message. Two latencies:
#   daemon: latency_ms in the message, measured by the daemon from the played end of the cue on
#           its own estimate of the stream's clock;
#   wire:   independent of that estimate: a UDP relay between ffmpeg and the daemon notes when the
#           first datagram (media time 0) went through; played end = that instant + the cue end,
#           latency = the message's publish time (`time`, same machine's clock) − played end.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
loops="${1:-10}"; shift || true
sender_options=("$@")
cd "$repo"
swift build -c release --product sentio >/dev/null
bin="$repo/.build/release/sentio"
tmp="$(mktemp -d)"; trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
ffmpeg -v error -nostdin -y -i samples/sample.mp4 -map 0:s "$tmp/one.srt"
python3 - "$tmp/one.srt" "$loops" > "$tmp/loop.srt" <<'PY'
import re, sys
text = open(sys.argv[1]).read().strip().split("\n\n")
def sec(t): h, m, s = t.replace(",", ".").split(":"); return int(h) * 3600 + int(m) * 60 + float(s)
def fmt(x): ms = round(x * 1000); return "%02d:%02d:%02d,%03d" % (ms // 3600000, ms // 60000 % 60, ms // 1000 % 60, ms % 1000)
n = 0
for k in range(int(sys.argv[2])):
    for block in text:
        lines = block.split("\n"); a, b = lines[1].split(" --> ")
        n += 1
        print(n); print(fmt(sec(a) + 12.6 * k) + " --> " + fmt(sec(b) + 12.6 * k)); print(" ".join(lines[2:])); print()
PY
ffmpeg -v error -nostdin -y -stream_loop $((loops - 1)) -i samples/sample.mp4 -map 0:v -map 0:a -c copy -f mpegts "$tmp/loop.ts"
port=$((20000 + RANDOM % 20000)); relay_port=$((port + 1))
udp="udp://127.0.0.1:$port"; pub="tcp://127.0.0.1:$((20000 + RANDOM % 20000))"
python3 - "$relay_port" "$port" "$tmp/first-datagram" <<'PY' &
import socket, sys, time
inbound = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); inbound.bind(("127.0.0.1", int(sys.argv[1])))
outbound = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); target = ("127.0.0.1", int(sys.argv[2]))
first = True
while True:
    data = inbound.recv(65536)
    outbound.sendto(data, target)
    if first:
        open(sys.argv[3], "w").write(repr(time.time())); first = False
PY
"$bin" serve --input "$udp" --stream bench --publish "$pub" --transcript "$tmp/loop.srt" --timeout 10 2> "$tmp/serve.log" &
serve=$!
utterances=$((loops * 3))
"$bin" subscribe "$pub" --topic sentio.bench.utterance --count "$utterances" --timeout $((loops * 13 + 30)) > "$tmp/messages.jsonl" 2>/dev/null &
sub=$!
sleep 3
ffmpeg -v error -nostdin -re -i "$tmp/loop.ts" -c copy "${sender_options[@]}" -f mpegts "udp://127.0.0.1:$relay_port"
wait $sub || true
kill -TERM $serve; wait $serve || true
grep -v "^publishing on" "$tmp/serve.log" | sed "s/^/  daemon said: /" || true  # reconnects, drops, errors
python3 - "$tmp/messages.jsonl" "$tmp/first-datagram" "$utterances" <<'PY'
import json, statistics, sys
messages = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
if not messages: sys.exit("no messages received")
t0 = float(open(sys.argv[2]).read())
def report(name, values):
    values = sorted(values)
    q = lambda p: values[min(len(values) - 1, int(round(p * (len(values) - 1))))]
    print(f"  {name:6s} latency ms: p50 {q(0.5):.1f}  p95 {q(0.95):.1f}  max {values[-1]:.1f}  mean {statistics.mean(values):.1f}")
seqs = [m["seq"] for m in messages]
print(f"utterances {len(messages)} of {sys.argv[3]}  seq {'without gaps' if seqs == list(range(seqs[0], seqs[0] + len(seqs))) else 'WITH GAPS'}")
report("daemon", [m["latency_ms"] for m in messages])
report("wire", [(m["time"] - t0 - m["end"]) * 1000 for m in messages])
PY
