"""Sentio dataset files (train/valid/test .labels/.text) from OUT/layers.npz of
explore_pooling.py, one per candidate pooling, for `sentio train --data OUT/<variant>.safetensors`.

    /work/venvs/hf/bin/python scripts/model/explore_variants.py /work/cache/macc
"""
import sys, numpy as np
from safetensors.numpy import save_file

out = sys.argv[1]
z = np.load(f"{out}/layers.npz")
variants = {
    "mean6": lambda s: z[f"{s}.mean6"],
    "mean6_max6": lambda s: np.concatenate([z[f"{s}.mean6"], z[f"{s}.max6"]], 1),
    "cls6_mean6": lambda s: np.concatenate([z[f"{s}.cls6"], z[f"{s}.mean6"]], 1),
    "mean56": lambda s: np.concatenate([z[f"{s}.mean5"], z[f"{s}.mean6"]], 1),
    "mean456": lambda s: np.concatenate([z[f"{s}.mean{l}"] for l in (4, 5, 6)], 1),
    "mean1to6": lambda s: np.concatenate([z[f"{s}.mean{l}"] for l in range(1, 7)], 1),
    "mean0to6": lambda s: np.concatenate([z[f"{s}.mean{l}"] for l in range(0, 7)], 1),
    "avg1to6": lambda s: np.mean([z[f"{s}.mean{l}"] for l in range(1, 7)], 0),
    "avg456": lambda s: np.mean([z[f"{s}.mean{l}"] for l in (4, 5, 6)], 0),
    "avg0to6": lambda s: np.mean([z[f"{s}.mean{l}"] for l in range(0, 7)], 0),
    "avg2to6": lambda s: np.mean([z[f"{s}.mean{l}"] for l in range(2, 7)], 0),
    "avg3to6": lambda s: np.mean([z[f"{s}.mean{l}"] for l in range(3, 7)], 0),
    "avg56": lambda s: np.mean([z[f"{s}.mean{l}"] for l in (5, 6)], 0),
    "avg456_max6": lambda s: np.concatenate([np.mean([z[f"{s}.mean{l}"] for l in (4, 5, 6)], 0), z[f"{s}.max6"]], 1),
}
only = sys.argv[2:]
variants = {k: v for k, v in variants.items() if not only or k in only}
for name, f in variants.items():
    t = {}
    for s in ["train", "valid", "test"]:
        t[f"{s}.labels"] = z[f"{s}.labels"].astype(np.float32)
        t[f"{s}.text"] = np.ascontiguousarray(f(s).astype(np.float32))
    save_file(t, f"{out}/{name}.safetensors")
    print(name, t["train.text"].shape)
