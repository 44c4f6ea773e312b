#!/usr/bin/env python3
"""One training epoch of MMSA's SELF_MM (PyTorch CPU) on the MOSEI text embeddings that
`sentio train` cached, for docs/PERFORMANCE-model.md. Same set-up as Sentio's text-only
model: frozen encoder (identity text model over the cached pooled vectors), batch 32,
ULGM bookkeeping with MMSA's own trainer methods after every batch. MMSA's network always
has audio and visual subnets: they get 1-step, 1-d zero inputs (negligible cost).
    PYTHONPATH=/work/venvs/mmsa/lib/python3.11/site-packages \
        /work/venvs/hf/bin/python scripts/bench/model_epoch.py CACHED_TRAIN.safetensors [threads]
"""
import os, sys, time, types
import numpy as np
import torch
from safetensors.torch import load_file

SITE = "/work/venvs/mmsa/lib/python3.11/site-packages"
for name in ["MMSA", "MMSA.models", "MMSA.models.multiTask", "MMSA.trains", "MMSA.trains.multiTask"]:
    m = types.ModuleType(name); m.__path__ = [os.path.join(SITE, *name.split("."))]; sys.modules[name] = m
import MMSA.models.multiTask.SELF_MM as mm
import MMSA.trains.multiTask.SELF_MM as mt

class IdentityText(torch.nn.Module):
    def forward(self, t): return t
mm.BertTextEncoder = lambda **kw: IdentityText()

class Args(dict):
    __getattr__ = dict.__getitem__; __setattr__ = dict.__setitem__

x = load_file(sys.argv[1])["text"]
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
torch.set_num_threads(threads)
N, D = x.shape
y = torch.tensor(np.random.default_rng(0).normal(size=N).astype(np.float32))
args = Args(need_data_aligned=False, use_finetune=False, transformers="bert", pretrained="none", feature_dims=[D, 1, 1],
            a_lstm_hidden_size=16, v_lstm_hidden_size=32, audio_out=16, video_out=32, a_lstm_layers=1, v_lstm_layers=1,
            a_lstm_dropout=0.0, v_lstm_dropout=0.0, post_fusion_dropout=0.1, post_text_dropout=0.1, post_audio_dropout=0.1,
            post_video_dropout=0.1, post_fusion_dim=128, post_text_dim=32, post_audio_dim=16, post_video_dim=32, text_out=D,
            train_mode="regression", dataset_name="mosei", train_samples=N, device=torch.device("cpu"), excludeZero=True, H=3.0)
net = mm.SELF_MM(args); tr = mt.SELF_MM(args)
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
tr.init_labels(torch.arange(N), y)
B = 32
t0 = time.time()
for epochs in (1, 2):
    start = time.time()
    perm = torch.randperm(N)
    for b in range(0, N, B):
        idx = perm[b:b + B]
        text = torch.zeros(len(idx), 3, D); text[:, 0] = x[idx]
        a = (torch.zeros(len(idx), 1, 1), torch.ones(len(idx), dtype=torch.long))
        out = net(text, a, a)
        opt.zero_grad()
        loss = sum(tr.weighted_loss(out[m], tr.label_map[tr.name_map[m]][idx], indexes=idx, mode=tr.name_map[m]) for m in "MTAV")
        loss.backward()
        f = [out[k].detach() for k in ["Feature_f", "Feature_t", "Feature_a", "Feature_v"]]
        if epochs > 1: tr.update_labels(*f, epochs, idx, out)
        tr.update_features(*f, idx); tr.update_centers()
        opt.step()
    print(f"MMSA SELF_MM epoch {epochs} ({'no label update' if epochs == 1 else 'with ULGM update'}): {time.time() - start:.2f} s, {N} samples, threads {threads}")
