#!/usr/bin/env python3
"""A third-party client for Sentio's ZeroMQ topics, written only from docs/MESSAGES.md.

Subscribes to ENDPOINT with a topic prefix, validates every message against schema
sentio.v1 (two frames; topic `sentio.<stream>.utterance|status`; field names and types;
stream equal to the topic's; sentiment in [-3, 3]; label matching the sign; modality score
null exactly when absent; seq without gaps per topic) and prints a summary. Exit status 0
when every message was valid and no seq was missing, 1 otherwise.

CI-optional (CI does not run it): it needs pyzmq, installed in a venv outside the repo:
  python3 -m venv /work/venvs/transport && /work/venvs/transport/bin/pip install pyzmq
Against Sentio's sample publisher:
  sentio bench transport --serve tcp://127.0.0.1:5556 --messages 200 &
  /work/venvs/transport/bin/python scripts/reference/pyzmq_subscriber.py tcp://127.0.0.1:5556 --count 220
"""
import argparse
import json
import math
import re
import sys

import zmq

TOPIC = re.compile(r"^sentio\.([A-Za-z0-9_-]{1,64})\.(utterance|status)$")
NUMBER = (int, float)


def is_number(value):
    return isinstance(value, NUMBER) and not isinstance(value, bool) and math.isfinite(value)


def check_utterance(m):
    errors = []
    expected = {"schema", "type", "stream", "seq", "start", "end", "text", "sentiment", "label",
                "modalities", "model", "time", "latency_ms"}
    if set(m) != expected:
        errors.append(f"fields {sorted(set(m) ^ expected)} differ from the schema")
    for key in ("start", "end", "sentiment", "time", "latency_ms"):
        if not is_number(m.get(key)):
            errors.append(f"{key} is not a number")
    if not errors:
        if m["end"] < m["start"]:
            errors.append("end before start")
        if not -3 <= m["sentiment"] <= 3:
            errors.append(f"sentiment {m['sentiment']} outside [-3, 3]")
        sign = "negative" if m["sentiment"] < 0 else "positive" if m["sentiment"] > 0 else "neutral"
        if m.get("label") != sign:
            errors.append(f"label {m.get('label')!r} does not match sentiment {m['sentiment']}")
    if m.get("text") is not None and not isinstance(m.get("text"), str):
        errors.append("text is neither a string nor null")
    if not isinstance(m.get("model"), str) or not m.get("model"):
        errors.append("model is not a non-empty string")
    modalities = m.get("modalities")
    if not isinstance(modalities, dict) or set(modalities) != {"text", "audio", "vision"}:
        errors.append("modalities must hold text, audio and vision")
    else:
        for name, value in modalities.items():
            if not isinstance(value, dict) or set(value) != {"present", "score"} or not isinstance(value["present"], bool):
                errors.append(f"modalities.{name} must be {{present: bool, score}}")
            elif value["present"] != (value["score"] is not None) or (value["present"] and not is_number(value["score"])):
                errors.append(f"modalities.{name}.score must be a number when present and null when absent")
                
    if m.get("text") is None and isinstance(modalities, dict) and modalities.get("text", {}).get("present"):
        errors.append("text is null but the text modality is present")
    return errors


def check_status(m):
    errors = []
    expected = {"schema", "type", "stream", "seq", "time", "state", "uptime", "counters"}
    if set(m) != expected:
        errors.append(f"fields {sorted(set(m) ^ expected)} differ from the schema")
    if m.get("state") not in {"starting", "running", "reconnecting", "draining", "stopped"}:
        errors.append(f"state {m.get('state')!r} unknown")
    for key in ("time", "uptime"):
        if not is_number(m.get(key)):
            errors.append(f"{key} is not a number")
    counters = m.get("counters")
    if not isinstance(counters, dict) or set(counters) != {"utterances", "dropped", "reconnects", "rejected"} \
            or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in counters.values()):
        errors.append("counters must be utterances, dropped, reconnects, rejected: non-negative integers")
    return errors


def validate(frames):
    if len(frames) != 2:
        return None, [f"{len(frames)} frames, expected 2"]
    topic = frames[0].decode("ascii", "replace")
    match = TOPIC.match(topic)
    if not match:
        return topic, [f"topic {topic!r} is not sentio.<stream>.utterance|status"]
    try:
        m = json.loads(frames[1].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        return topic, [f"payload is not UTF-8 JSON: {error}"]
    if not isinstance(m, dict):
        return topic, ["payload is not an object"]
    errors = []
    if m.get("schema") != "sentio.v1":
        errors.append(f"schema {m.get('schema')!r}")
    if m.get("stream") != match.group(1):
        errors.append(f"stream {m.get('stream')!r} differs from the topic's {match.group(1)!r}")
    if m.get("type") != match.group(2):
        errors.append(f"type {m.get('type')!r} differs from the topic's {match.group(2)!r}")
    if not isinstance(m.get("seq"), int) or isinstance(m.get("seq"), bool) or m["seq"] < 1:
        errors.append("seq is not a positive integer")
    errors += check_utterance(m) if match.group(2) == "utterance" else check_status(m)
    return topic, errors if errors else m


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("endpoint")
    parser.add_argument("--topic", default="sentio.")
    parser.add_argument("--count", type=int, default=0, help="stop after this many messages (0: until --timeout)")
    parser.add_argument("--timeout", type=float, default=10.0, help="stop after this many idle seconds")
    args = parser.parse_args()

    context = zmq.Context()
    socket = context.socket(zmq.SUB)
    socket.setsockopt(zmq.LINGER, 0)
    socket.setsockopt(zmq.SUBSCRIBE, args.topic.encode())
    socket.connect(args.endpoint)
    last, received, invalid, missing = {}, 0, 0, 0
    while not args.count or received < args.count:
        if not socket.poll(int(args.timeout * 1000)):
            break
        frames = socket.recv_multipart()
        received += 1
        topic, result = validate(frames)
        if isinstance(result, list):
            invalid += 1
            print(f"invalid {topic}: {'; '.join(result)}", file=sys.stderr)
            continue
        if not topic.startswith(args.topic):
            invalid += 1
            print(f"invalid {topic}: does not match the subscription {args.topic!r}", file=sys.stderr)
            continue
        seq = result["seq"]
        if topic in last and seq != last[topic] + 1:
            if seq > last[topic]:
                missing += seq - last[topic] - 1
            print(f"gap: {topic} from {last[topic]} to {seq}", file=sys.stderr)
        last[topic] = seq
    print(f"pyzmq {zmq.__version__} (libzmq {zmq.zmq_version()}): {received} messages on {len(last)} topics, "
          f"{invalid} invalid, {missing} missing; last seq {dict(sorted(last.items()))}")
    socket.close()
    context.term()
    return 0 if received and not invalid and not missing else 1


if __name__ == "__main__":
    sys.exit(main())
