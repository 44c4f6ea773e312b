#!/usr/bin/env bash
# Records Tests/ModelTests/Fixtures/shipped-subset.json: the shipped checkpoint's predictions and
# metrics (release build) on the fixed MOSEI test subset of ShippedModelTests (texts are read
# from ../shared at test time, never committed).
#   swift build -c release && scripts/model/make_shipped_fixture.sh
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
labels="${MOSEI_LABELS:-$repo/../shared/data/mosei/label.csv}"
tmp="$(mktemp -d)"
python3 - "$labels" "$tmp/subset.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
t = [r for r in rows if r["mode"] == "test" and 6 <= len(r["text"].split()) <= 14]
sub = [r for r in t if float(r["label"]) >= 2.5][:4] + [r for r in t if float(r["label"]) <= -2.5][:4]
with open(sys.argv[2], "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=["video_id", "clip_id", "text", "label", "mode"], extrasaction="ignore")
    w.writeheader(); w.writerows(sub)
PY
SENTIO_CACHE="$tmp/cache" "$repo/.build/release/sentio" evaluate --model "$repo/models/sentio-default" --data "$tmp/subset.csv" --json --predictions > "$tmp/eval.json"
python3 - "$tmp/eval.json" "$repo/Tests/ModelTests/Fixtures/shipped-subset.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
right = sum((p > 0) == (y > 0) for p, y in zip(e["predictions"], e["labels"]))
json.dump({"ids": e["ids"], "predictions": e["predictions"], "labels": e["labels"], "metrics": e["metrics"],
           "min_correct_signs": right}, open(sys.argv[2], "w"), indent=1)
print(f"{right} of {len(e['ids'])} signs right; metrics {e['metrics']}")
PY
rm -rf "$tmp"
