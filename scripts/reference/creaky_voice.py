#!/usr/bin/env python3
"""Writes Tests/AcousticsTests/Fixtures/creaky_synthetic.wav: a synthetic /a/ (16 kHz,
16-bit), 1.2 s modal voice (F0 130 -> 110 Hz, 1 % jitter) then 1.0 s of creak (periods of
18-30 ms drawn at random, i.e. 33-55 Hz, irregular amplitudes, 40 % of pulses followed by
a secondary pulse 4-7 ms later: the double-pulsed creak of Kane et al. 2013), both through
the same four-formant vowel filter. Deterministic (seeded). Used by the creak tests and by
scripts/reference/creak_fixtures.sh (COVAREP's creak features on the same samples).
  python3 scripts/reference/creaky_voice.py"""
import os
import numpy as np
from scipy.io import wavfile
from scipy.signal import lfilter

fs = 16000
rng = np.random.default_rng(20130401)


def rosenberg_derivative(open_len):
    """Flow derivative of a Rosenberg pulse with a 60/40 opening/closing split."""
    tp = max(2, int(0.6 * open_len)); tn = max(1, open_len - tp)
    g = np.concatenate([0.5 * (1 - np.cos(np.pi * np.arange(tp) / tp)),
                        np.cos(np.pi * np.arange(tn) / (2 * tn)), [0.0]])
    return np.diff(g)


def source(segments):
    out = []
    for kind, dur, f0a, f0b in segments:
        n = int(dur * fs); x = np.zeros(n + 2000); t = 0
        while t < n:
            f0 = f0a + (f0b - f0a) * t / n
            if kind == 'modal':
                period = int(fs / f0 * (1 + 0.01 * rng.standard_normal()))
                p = rosenberg_derivative(int(0.6 * period))
                x[t:t + len(p)] += p
            else:
                period = int(fs * rng.uniform(0.018, 0.030))
                p = rosenberg_derivative(int(0.0035 * fs)) * rng.uniform(0.7, 1.3)
                x[t:t + len(p)] += p
                if rng.random() < 0.4:
                    d = int(fs * rng.uniform(0.004, 0.007))
                    x[t + d:t + d + len(p)] += 0.5 * p
            t += period
        out.append(x[:n])
    return np.concatenate(out)


def vowel(x):
    for f, bw in [(700, 80), (1220, 90), (2600, 120), (3300, 150)]:
        r = np.exp(-np.pi * bw / fs); th = 2 * np.pi * f / fs
        x = lfilter([1 - r], [1, -2 * r * np.cos(th), r * r], x)
    return x


x = vowel(source([('modal', 1.2, 130, 110), ('creak', 1.0, 0, 0)]))
fade = int(0.02 * fs)
x[:fade] *= np.linspace(0, 1, fade); x[-fade:] *= np.linspace(1, 0, fade)
x = 0.5 * x / np.max(np.abs(x)) + 1e-4 * rng.standard_normal(len(x))
repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
out = os.path.join(repo, 'Tests', 'AcousticsTests', 'Fixtures', 'creaky_synthetic.wav')
wavfile.write(out, fs, np.round(np.clip(x, -1, 1) * 32767).astype(np.int16))
print(out, len(x) / fs, 's')
