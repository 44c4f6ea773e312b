#!/usr/bin/env python3
"""pyzmq side of `sentio bench transport`: the same measurement with pyzmq.

One process binds an XPUB, connects a SUB (receiver thread) subscribed to `sentio.bench.`,
waits until the subscription reaches the XPUB, then sends MESSAGES sentio.v1 utterance
messages of about SIZE bytes at RATE per second from the main thread. Latency: from just
before json.dumps + send_multipart to just after recv_multipart + json.loads. The first 5%
are warm-up. Prints one JSON object (the row `sentio bench transport` prints).

Run with a venv that has pyzmq (outside the repository), e.g.
  python3 -m venv /work/venvs/transport && /work/venvs/transport/bin/pip install pyzmq
  /work/venvs/transport/bin/python scripts/bench/transport_pyzmq.py --messages 5000
"""
import argparse
import json
import threading
import time

import zmq


def message(seq, size):
    m = {
        "schema": "sentio.v1", "type": "utterance", "stream": "bench", "seq": seq,
        "start": float(seq), "end": seq + 2.5, "text": "", "sentiment": 0.75, "label": "positive",
        "modalities": {"text": {"present": True, "score": 1.25}, "audio": {"present": True, "score": -0.5},
                       "vision": {"present": True, "score": 0.125}},
        "model": "self-mm-coral-v1", "time": time.time(), "latency_ms": 12.5,
    }
    base = len(json.dumps(m, sort_keys=True, separators=(",", ":")))
    words = "the pipeline keeps every stage bounded and publishes each utterance as soon as it is scored "
    m["text"] = (words * (size // len(words) + 1))[: max(0, size - base)]
    return m


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--endpoint", default="tcp://127.0.0.1:*")
    parser.add_argument("--bytes", action="store_true",
                        help="send pre-encoded payloads and skip json.loads (transport alone)")
    args = parser.parse_args()

    context = zmq.Context()
    pub = context.socket(zmq.XPUB)
    pub.setsockopt(zmq.LINGER, 0)
    pub.setsockopt(zmq.SNDHWM, max(1000, args.messages))
    pub.bind(args.endpoint)
    endpoint = pub.getsockopt_string(zmq.LAST_ENDPOINT)

    sub = context.socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    sub.setsockopt(zmq.SUBSCRIBE, b"sentio.bench.")
    sub.connect(endpoint)
    if not pub.poll(10_000):
        raise SystemExit("the subscriber never connected")
    pub.recv()  # the subscription

    sent = [0] * args.messages
    latencies = []

    def receive():
        poller = zmq.Poller()
        poller.register(sub, zmq.POLLIN)
        while len(latencies) < args.messages:
            if not poller.poll(5000):
                break
            topic, payload = sub.recv_multipart()
            index = len(latencies) if args.bytes else json.loads(payload)["seq"] - 1
            now = time.monotonic_ns()
            latencies.append((now - sent[index]) / 1e6)

    receiver = threading.Thread(target=receive)
    receiver.start()
    template = message(0, args.size)
    payload_bytes = len(json.dumps(template, sort_keys=True, separators=(",", ":")).encode())
    interval = 1.0 / args.rate
    encoded = []
    if args.bytes:
        for index in range(args.messages):
            m = dict(template)
            m["seq"] = index + 1
            encoded.append(json.dumps(m, sort_keys=True, separators=(",", ":")).encode())
    start = time.monotonic_ns()
    for index in range(args.messages):
        due = start + int(index * interval * 1e9)
        while time.monotonic_ns() < due:
            left = due - time.monotonic_ns()
            if left > 200_000:
                time.sleep(left / 2e9)
        sent[index] = time.monotonic_ns()
        if args.bytes:
            pub.send_multipart([b"sentio.bench.utterance", encoded[index]])
        else:
            m = dict(template)
            m["seq"] = index + 1
            pub.send_multipart([b"sentio.bench.utterance",
                                json.dumps(m, sort_keys=True, separators=(",", ":")).encode()])
    receiver.join()
    measured = sorted(latencies[len(latencies) // 20:])

    def percentile(p):
        return measured[min(len(measured) - 1, round(p * (len(measured) - 1)))] if measured else float("nan")

    print(json.dumps({
        "client": "pyzmq" + (" bytes" if args.bytes else ""), "endpoint": endpoint, "messages": args.messages,
        "received": len(latencies), "payloadBytes": payload_bytes,
        "p50": percentile(0.5), "p95": percentile(0.95), "p99": percentile(0.99),
        "max": measured[-1] if measured else float("nan"),
        "mean": sum(measured) / len(measured) if measured else float("nan"),
    }))
    sub.close()
    pub.close()
    context.term()


if __name__ == "__main__":
    main()
