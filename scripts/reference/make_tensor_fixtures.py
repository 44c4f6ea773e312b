#!/usr/bin/env python3
"""Reference fixtures for Sentio's Tensor target, made with PyTorch (CPU) and safetensors.

    /work/venvs/hf/bin/python scripts/reference/make_tensor_fixtures.py

Writes Tests/TensorTests/Fixtures/:
  lstm_reference.safetensors  torch.nn.LSTM(3→4) weights, a padded batch x [3,5,3] with
                              lengths [5,2,3], packed-sequence h_n [3,4] and padded outputs
  adam_reference.safetensors  a parameter after 3 steps of torch Adam (L2 decay) and AdamW
                              (decoupled decay) with given gradients; clip_grad_norm_ result
  dtypes.safetensors          the same values stored as F16, BF16 (with torch's Float32
                              conversions) and an I64 tensor (unsupported dtype)
"""
import os

import numpy as np
import torch
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "TensorTests", "Fixtures")
os.makedirs(OUT, exist_ok=True)
torch.manual_seed(1111)

# LSTM over a padded batch with true lengths.
lstm = torch.nn.LSTM(3, 4, batch_first=True)
x = torch.randn(3, 5, 3)
lengths = torch.tensor([5, 2, 3])
packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
out, (h_n, _) = lstm(packed)
outputs, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=5)
save_file({
    "weight_ih": lstm.weight_ih_l0.detach().contiguous(), "weight_hh": lstm.weight_hh_l0.detach().contiguous(),
    "bias_ih": lstm.bias_ih_l0.detach().contiguous(), "bias_hh": lstm.bias_hh_l0.detach().contiguous(),
    "x": x, "lengths": lengths.float(), "h_n": h_n[0].detach().contiguous(), "outputs": outputs.detach().contiguous(),
}, os.path.join(OUT, "lstm_reference.safetensors"))

# Adam / AdamW with weight decay, three steps with fixed gradients; gradient clipping.
p0 = torch.randn(6)
grads = torch.randn(3, 6)
res = {"p0": p0.clone(), "grads": grads.clone()}
for name, cls, wd in [("adam", torch.optim.Adam, 0.01), ("adamw", torch.optim.AdamW, 0.1)]:
    p = torch.nn.Parameter(p0.clone())
    opt = cls([p], lr=0.05, betas=(0.9, 0.999), eps=1e-8, weight_decay=wd)
    for g in grads:
        p.grad = g.clone()
        opt.step()
    res[name] = p.detach().clone()
a = torch.nn.Parameter(torch.zeros(6)); a.grad = grads[0].clone()
b = torch.nn.Parameter(torch.zeros(6)); b.grad = grads[1].clone()
norm = torch.nn.utils.clip_grad_norm_([a, b], max_norm=1.0)
res["clip_norm"] = norm.reshape(1).float()
res["clipped_a"] = a.grad.clone()
res["clipped_b"] = b.grad.clone()
save_file(res, os.path.join(OUT, "adam_reference.safetensors"))

# F16 / BF16 conversion.
vals = torch.tensor([0.0, -0.0, 1.0, -2.5, 0.1, 3.14159, 65504.0, 1e-5, 6e-8, -1e4, 123.456, 1e-30])
save_file({
    "f16": vals.half(), "bf16": vals.bfloat16(),
    "f16_as_f32": vals.half().float(), "bf16_as_f32": vals.bfloat16().float(),
    "position_ids": torch.arange(4, dtype=torch.int64).reshape(1, 4),
}, os.path.join(OUT, "dtypes.safetensors"))
print("wrote", sorted(os.listdir(OUT)))
