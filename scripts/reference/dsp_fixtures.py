#!/usr/bin/env python3
"""Prints reference values (numpy/scipy) that Tests/DSPTests embeds.
Run: /work/venvs/acoustics/bin/python scripts/reference/dsp_fixtures.py
Signal: x[n] = sin(0.05 n) + 0.5 cos(0.31 n + 1) + 0.1 (n mod 7) / 7, float64, then float32."""
import numpy as np, scipy.linalg, scipy.signal

def sig(n):
    k = np.arange(n)
    return (np.sin(0.05 * k) + 0.5 * np.cos(0.31 * k + 1) + 0.1 * (k % 7) / 7).astype(np.float32)

for n, bins in [(16000, [0, 1, 80, 493, 2500, 8000]), (4096, [0, 3, 200, 2048]), (1598, [0, 13, 799]), (1009, [0, 5, 504])]:
    X = np.fft.fft(sig(n).astype(np.float64))
    print(f"fft n={n}: " + ", ".join(f"({b}, {X[b].real:.6f}, {X[b].imag:.6f})" for b in bins))

x = sig(401) * np.hanning(401 + 2)[1:-1].astype(np.float32)
r = np.array([np.dot(x[: len(x) - l], x[l:]) for l in range(13)], dtype=np.float64)
a = scipy.linalg.solve_toeplitz(r[:12], -r[1:13])
print("lpc order 12:", ", ".join(f"{v:.6f}" for v in np.concatenate([[1], a])))
b, aa = scipy.signal.butter(2, 0.2)
y = scipy.signal.lfilter(b, aa, sig(50))
print("butter(2,0.2) b:", list(b), "a:", list(aa))
print("lfilter y[10,25,49]:", y[10], y[25], y[49])
# Well-conditioned LPC case: an AR(2) process driven by a deterministic pseudo-random sequence.
e = ((np.arange(401) * 7919) % 101) / 101.0 - 0.5
x2 = scipy.signal.lfilter([1], [1, -0.9, 0.5], e).astype(np.float32).astype(np.float64)
r2 = np.array([np.dot(x2[: len(x2) - l], x2[l:]) for l in range(5)])
a2 = scipy.linalg.solve_toeplitz(r2[:4], -r2[1:5])
print("lpc AR2 order 4:", ", ".join(f"{v:.6f}" for v in np.concatenate([[1], a2])))
