#!/usr/bin/env bash
# Single model vs 5-seed ensemble on MOSEI text: trains 5 disjoint ensembles (seeds 1111–1115,
# 1116–1120, …, 1131–1135) with `sentio train --ensemble` and summarises, from their manifests
# and train logs, valid (the deciding split) and test: each single seed vs each ensemble,
# mean ± std (sample std) over seeds / over ensembles.
#   swift build -c release && SENTIO_CACHE=/work/cache/sentio scripts/model/ensemble_study.sh [OUT_DIR]
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
labels="${MOSEI_LABELS:-$repo/../shared/data/mosei/label.csv}"
out="${1:-/tmp/sentio-ensemble-study}"
mkdir -p "$out"
for first in 1111 1116 1121 1126 1131; do
    seeds="$first,$((first+1)),$((first+2)),$((first+3)),$((first+4))"
    [ -f "$out/$first/manifest.json" ] && grep -q '"ensemble"' "$out/$first/manifest.json" && continue
    "$repo/.build/release/sentio" train --data "$labels" --out "$out/$first" --pooling layer-mean --quiet \
        --seeds "$seeds" --ensemble --config "$repo/scripts/model/mosei-text-layer-mean.json" | tail -2
done
python3 - "$out" <<'PY'
import json, statistics as st, sys, os
out = sys.argv[1]
keys = ["MAE", "Corr", "Has0_acc_2", "Has0_F1_score", "Non0_acc_2", "Non0_F1_score", "Acc_5", "Acc_7"]
single = {"valid": [], "test": []}; ens = {"valid": [], "test": []}
for first in ["1111", "1116", "1121", "1126", "1131"]:
    d = os.path.join(out, first)
    m = json.load(open(os.path.join(d, "manifest.json")))["metrics"]
    # A seed's valid metrics: those of its best (last improved) epoch in the log.
    best = {}
    for line in open(os.path.join(d, "train-log.jsonl")):
        e = json.loads(line)
        if "seed" in e and e["improved"]:
            best[e["seed"]] = dict(e["valid_metrics"], valid_loss=e["valid_loss"])
    for seed, v in sorted(best.items()):
        single["valid"].append(v); single["test"].append(m[f"test_seed_{seed}"])
    ens["valid"].append(m["valid_ensemble"]); ens["test"].append(m["test_ensemble"])
def fmt(rows, k):
    v = [r[k] for r in rows if k in r]
    scale = 100 if "acc" in k.lower() or "F1" in k else 1
    return f"{st.mean(v)*scale:.4f} ± {st.stdev(v)*scale:.4f}" if len(v) > 1 else "-"
for split in ["valid", "test"]:
    ks = (["valid_loss"] if split == "valid" else []) + keys
    print(f"{split}: single model ({len(single[split])} seeds) | 5-seed ensemble ({len(ens[split])} ensembles)")
    for k in ks: print(f"  {k:14s} {fmt(single[split], k):>20s} | {fmt(ens[split], k):>20s}")
print("per ensemble (valid loss, test MAE / Corr / Acc-2 non0):")
for first, v, t in zip(["1111", "1116", "1121", "1126", "1131"], ens["valid"], ens["test"]):
    print(f"  {first}: {v['valid_loss']:.4f}  {t['MAE']:.4f} / {t['Corr']:.4f} / {100*t['Non0_acc_2']:.2f}")
PY
