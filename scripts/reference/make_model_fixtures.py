#!/usr/bin/env python3
"""Reference fixtures for Tests/ModelTests from MMSA's own SELF_MM code (PyTorch, CPU).

Nothing of Self-MM is reimplemented here: the network is MMSA's `models.multiTask.SELF_MM`
and the label generation (ULGM), centres, feature memory and weighted loss are the methods
of MMSA's trainer `trains.multiTask.SELF_MM`. Only its epoch loop (`do_train`, which also
saves checkpoints, runs tqdm and early-stops) is re-stated below with the same call order,
so that exactly two epochs run on a fixed batch order.

The text encoder is frozen in the parity set-up (as in Sentio's shipped model): MMSA's
BertTextEncoder is replaced by an identity module and the "text" tensor (B, 3, L) carries the
precomputed F_t in its row 0, which is what SELF_MM.forward reads (`text_model(text)[:, 0, :]`).
The Swift BERT encoder's own parity with transformers is established in docs/ACCURACY-text.md.

Also writes metric fixtures computed with MMSA's MetricsTop (numpy + sklearn) and a CORAL
value computed with torch.

Environment: MMSA 2.2.1 from PyPI installed with --no-deps into /work/venvs/mmsa (plus
scikit-learn, scipy, joblib, threadpoolctl, tqdm); run with the torch venv:
    PYTHONPATH=/work/venvs/mmsa/lib/python3.11/site-packages \
        /work/venvs/hf/bin/python scripts/reference/make_model_fixtures.py
"""
import json
import os
import sys
import types

import numpy as np
import torch
from safetensors.torch import save_file

SITE = "/work/venvs/mmsa/lib/python3.11/site-packages"
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "ModelTests", "Fixtures")

# Import MMSA's modules without running MMSA/__init__.py (which imports every model and
# the download helpers): register the packages by path only.
for name in ["MMSA", "MMSA.models", "MMSA.models.multiTask", "MMSA.trains", "MMSA.trains.multiTask"]:
    m = types.ModuleType(name)
    m.__path__ = [os.path.join(SITE, *name.split("."))]
    sys.modules[name] = m
import MMSA.models.multiTask.SELF_MM as mmsa_model  # noqa: E402
import MMSA.trains.multiTask.SELF_MM as mmsa_train  # noqa: E402
from MMSA.utils.metricsTop import MetricsTop  # noqa: E402


class IdentityText(torch.nn.Module):
    def forward(self, text):
        return text


mmsa_model.BertTextEncoder = lambda **kw: IdentityText()


class Args(dict):
    __getattr__ = dict.__getitem__
    __setattr__ = dict.__setitem__


def main():
    torch.manual_seed(0)
    rng = np.random.default_rng(1234)
    N, B = 32, 8
    DT, DA, DV, TA, TV = 12, 5, 4, 6, 7
    args = Args(
        need_data_aligned=False, use_finetune=False, transformers="bert", pretrained="none",
        feature_dims=[DT, DA, DV], a_lstm_hidden_size=6, v_lstm_hidden_size=5, audio_out=4, video_out=3,
        a_lstm_layers=1, v_lstm_layers=1, a_lstm_dropout=0.0, v_lstm_dropout=0.0,
        post_fusion_dropout=0.0, post_text_dropout=0.0, post_audio_dropout=0.0, post_video_dropout=0.0,
        post_fusion_dim=10, post_text_dim=8, post_audio_dim=6, post_video_dim=7, text_out=DT,
        train_mode="regression", dataset_name="mosei", train_samples=N, device=torch.device("cpu"),
        excludeZero=True, H=3.0, update_epochs=2,
        learning_rate_bert=5e-5, weight_decay_bert=0.0,
        learning_rate_audio=5e-3, weight_decay_audio=0.0,
        learning_rate_video=4e-3, weight_decay_video=0.001,
        learning_rate_other=1e-3, weight_decay_other=0.01,
    )

    def split(n):
        text = rng.normal(size=(n, DT)).astype(np.float32)
        audio = np.zeros((n, TA, DA), np.float32)
        vision = np.zeros((n, TV, DV), np.float32)
        la = rng.integers(1, TA + 1, n)
        lv = rng.integers(1, TV + 1, n)
        for i in range(n):
            audio[i, :la[i]] = rng.normal(size=(la[i], DA))
            vision[i, :lv[i]] = rng.normal(size=(lv[i], DV))
        y = np.clip(np.round(rng.normal(scale=1.5, size=n) * 3) / 3, -3, 3).astype(np.float32)
        y[:3] = 0.0
        return dict(text=text, audio=audio, vision=vision, la=la, lv=lv, y=y)

    train, valid, test = split(N), split(8), split(8)
    data = {}
    for name, s in [("train", train), ("valid", valid), ("test", test)]:
        data[f"{name}.labels"] = torch.tensor(s["y"])
        data[f"{name}.text"] = torch.tensor(s["text"])
        data[f"{name}.audio"] = torch.tensor(s["audio"])
        data[f"{name}.audio_lengths"] = torch.tensor(s["la"], dtype=torch.float32)
        data[f"{name}.visual"] = torch.tensor(s["vision"])
        data[f"{name}.visual_lengths"] = torch.tensor(s["lv"], dtype=torch.float32)
    save_file(data, os.path.join(OUT, "parity-data.safetensors"))

    net = mmsa_model.SELF_MM(args)
    net.eval()
    init = {k: v.detach().clone().contiguous() for k, v in net.state_dict().items()}
    save_file(init, os.path.join(OUT, "parity-init.safetensors"))

    def inputs(s, idx):
        text = torch.zeros(len(idx), 3, DT)
        text[:, 0, :] = torch.tensor(s["text"][idx])
        return (text, (torch.tensor(s["audio"][idx]), torch.tensor(s["la"][idx])),
                (torch.tensor(s["vision"][idx]), torch.tensor(s["lv"][idx])))

    with torch.no_grad():
        out = net(*inputs(train, np.arange(N)))
    fwd = {k: out[k].detach().contiguous() for k in ["M", "T", "A", "V", "Feature_f", "Feature_t", "Feature_a", "Feature_v"]}
    save_file(fwd, os.path.join(OUT, "parity-forward.safetensors"))

    # Two epochs of MMSA's SELF_MM training: same call order as its do_train.
    trainer = mmsa_train.SELF_MM(args)
    params = dict(net.named_parameters())
    groups = [
        {"params": [p for n, p in params.items() if n.startswith("audio_model")], "weight_decay": args.weight_decay_audio, "lr": args.learning_rate_audio},
        {"params": [p for n, p in params.items() if n.startswith("video_model")], "weight_decay": args.weight_decay_video, "lr": args.learning_rate_video},
        {"params": [p for n, p in params.items() if not n.startswith(("audio_model", "video_model", "text_model"))],
         "weight_decay": args.weight_decay_other, "lr": args.learning_rate_other},
    ]
    optimizer = torch.optim.Adam(groups)
    trainer.init_labels(torch.arange(N), torch.tensor(train["y"]))
    labels_after = {}
    net.train()
    for epochs in (1, 2):
        left = args.update_epochs
        for b in range(N // B):
            if left == args.update_epochs:
                optimizer.zero_grad()
            left -= 1
            idx = np.arange(b * B, (b + 1) * B)
            indexes = torch.tensor(idx)
            outputs = net(*inputs(train, idx))
            loss = 0.0
            for m in "MTAV":
                loss += trainer.weighted_loss(outputs[m], trainer.label_map[trainer.name_map[m]][indexes], indexes=indexes, mode=trainer.name_map[m])
            loss.backward()
            f = [outputs[k].detach() for k in ["Feature_f", "Feature_t", "Feature_a", "Feature_v"]]
            if epochs > 1:
                trainer.update_labels(*f, epochs, indexes, outputs)
            trainer.update_features(*f, indexes)
            trainer.update_centers()
            if not left:
                optimizer.step()
                left = args.update_epochs
        for k in ["text", "audio", "vision"]:
            labels_after[f"epoch{epochs}.{k}"] = trainer.label_map[k].clone()
    with torch.no_grad():
        net.eval()
        out2 = net(*inputs(train, np.arange(N)))
    labels_after["trained.M"] = out2["M"].detach().contiguous()
    save_file(labels_after, os.path.join(OUT, "parity-ulgm.safetensors"))
    json.dump({k: v for k, v in args.items() if isinstance(v, (int, float, str, bool, list))},
              open(os.path.join(OUT, "parity-args.json"), "w"), indent=1, sort_keys=True)

    # Metrics with MMSA's MetricsTop (rounding to 4 places is MMSA's; compare at 1e-4).
    mrng = np.random.default_rng(99)
    y = np.clip(np.round(mrng.normal(scale=1.6, size=200) * 3) / 3, -3, 3).astype(np.float32)
    y[:20] = 0
    p = (0.6 * y + mrng.normal(scale=0.9, size=200)).astype(np.float32)
    p[20:25] = 0
    ys = np.clip(np.round(mrng.normal(scale=0.5, size=150) * 5) / 5, -1, 1).astype(np.float32)
    ps = (0.5 * ys + mrng.normal(scale=0.4, size=150)).astype(np.float32)
    mt = MetricsTop("regression")
    mosei = mt.getMetics("MOSEI")(torch.tensor(p), torch.tensor(y))
    sims = mt.getMetics("SIMS")(torch.tensor(ps), torch.tensor(ys))
    json.dump({"mosei": {"pred": p.tolist(), "true": y.tolist(), "metrics": {k: float(v) for k, v in mosei.items()}},
               "sims": {"pred": ps.tolist(), "true": ys.tolist(), "metrics": {k: float(v) for k, v in sims.items()}}},
              open(os.path.join(OUT, "metrics.json"), "w"))

    # CORAL value and gradient with torch autograd.
    x = torch.tensor(mrng.normal(size=(9, 5)), dtype=torch.float64, requires_grad=True)
    z = torch.tensor(mrng.normal(size=(9, 5)) * 0.5 + 0.2, dtype=torch.float64, requires_grad=True)
    def cov(a):
        c = a - a.mean(0, keepdim=True)
        return c.T @ c / (a.shape[0] - 1)
    loss = ((cov(x) - cov(z)) ** 2).sum() / (4 * 5 * 5)
    loss.backward()
    json.dump({"x": x.detach().tolist(), "y": z.detach().tolist(), "loss": loss.item(), "grad_x": x.grad.tolist(), "grad_y": z.grad.tolist()},
              open(os.path.join(OUT, "coral.json"), "w"))
    make_pickles()
    print("fixtures written to", os.path.abspath(OUT))


def make_pickles():
    """Tiny MMSA-layout pickles written by pickle + numpy (protocols 2 and 4), one with a
    missing key, one with a wrong shape and one that would run code (os.system)."""
    import pickle
    prng = np.random.default_rng(5)
    def split(n):
        la = prng.integers(1, 5, n)
        return {
            "raw_text": np.array([f"sentence {i} \u00e9" for i in range(n)], dtype=object),
            "id": np.array([f"vid{i}$_$clip{i}" for i in range(n)], dtype=object),
            "audio": prng.normal(size=(n, 4, 3)).astype(np.float32),
            "vision": prng.normal(size=(n, 5, 2)).astype(np.float32),
            "text": prng.normal(size=(n, 6, 7)).astype(np.float32),
            "text_bert": prng.integers(0, 100, size=(n, 3, 6)).astype(np.float64),
            "audio_lengths": [int(x) for x in la],
            "vision_lengths": np.full(n, 5, dtype=np.int64),
            "regression_labels": prng.normal(size=n).astype(np.float32),
        }
    d = {"train": split(3), "valid": split(2), "test": split(2)}
    for proto in (2, 4):
        with open(os.path.join(OUT, f"mmsa-p{proto}.pkl"), "wb") as f:
            pickle.dump(d, f, protocol=proto)
    expected = {"train.audio": d["train"]["audio"].ravel().tolist(), "train.audio_lengths": d["train"]["audio_lengths"],
                "train.labels": d["train"]["regression_labels"].tolist(), "train.ids": d["train"]["id"].tolist(),
                "train.text_mean": d["train"]["text"].mean(axis=1).ravel().tolist(), "test.raw_text": d["test"]["raw_text"].tolist()}
    json.dump(expected, open(os.path.join(OUT, "mmsa-expected.json"), "w"))
    bad = {k: dict(v) for k, v in d.items()}
    del bad["valid"]["regression_labels"]
    pickle.dump(bad, open(os.path.join(OUT, "mmsa-missing-key.pkl"), "wb"), protocol=4)
    bad = {k: dict(v) for k, v in d.items()}
    bad["test"]["audio"] = bad["test"]["audio"][:, :, 0]
    pickle.dump(bad, open(os.path.join(OUT, "mmsa-bad-shape.pkl"), "wb"), protocol=4)

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))
    pickle.dump({"train": Evil()}, open(os.path.join(OUT, "mmsa-evil.pkl"), "wb"), protocol=4)


if __name__ == "__main__":
    main()
