#!/usr/bin/env python3
"""Creak behaviour numbers of docs/ACCURACY-acoustics.md ("creak"), from the release CLI:
  swift build -c release --product sentio && python3 scripts/reference/creak_behaviour.py
- creak frames over every asterisk prompt (/usr/share/asterisk/sounds/en/*.wav) and MOSI,
- white noise (5 seeds and levels), MOSI + white noise at 10 dB SNR,
- the synthetic creaky vowel (Fixtures/creaky_synthetic.wav) with white noise at 30/20/10
  dB SNR and band-limited to 8 kHz (upsampled back by the CLI's decoder).
Synthetic vowel frames 0-115 are modal, 122-215 creaky."""
import csv, glob, os, subprocess, sys, tempfile
import numpy as np
from scipy.io import wavfile

repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sentio = os.path.join(repo, '.build', 'release', 'sentio')
shared = os.environ.get('SHARED', os.path.join(os.path.dirname(repo), 'shared'))
mosi = os.path.join(shared, 'data', 'media', 'mosi_03bSnISJMiM_1.wav')
synthetic = os.path.join(repo, 'Tests', 'AcousticsTests', 'Fixtures', 'creaky_synthetic.wav')
tmp = tempfile.mkdtemp(prefix='sentio-creak-')


def creak(path):
    out = os.path.join(tmp, 'out.csv')
    subprocess.run([sentio, 'extract', 'audio', path, '--format', 'csv', '--out', out],
                   check=True, stderr=subprocess.DEVNULL)
    with open(out) as f:
        return [float(r['creak']) for r in csv.DictReader(f)]


def write(name, x):
    p = os.path.join(tmp, name)
    wavfile.write(p, 16000, x.astype(np.float32))
    return p


files = sorted(glob.glob('/usr/share/asterisk/sounds/en/*.wav')) + [mosi]
total = frames = 0.0; hits = []
for f in ([] if '--no-corpus' in sys.argv else files):
    c = creak(f); frames += len(c); total += sum(c)
    if sum(c) > 0: hits.append((os.path.basename(f), sum(c), len(c)))
if frames: print(f'corpus: {len(files)} files, {int(frames)} frames, creak {total} ({100 * total / frames:.3f} %)')
for h in sorted(hits, key=lambda t: -t[1]): print('  ', *h)

# Decoded as the tests decode (ffmpeg float down-mix).
x = np.frombuffer(subprocess.run(['ffmpeg', '-nostdin', '-loglevel', 'error', '-i', mosi, '-ac', '1', '-ar', '16000',
                                  '-f', 'f32le', '-'], check=True, capture_output=True).stdout, dtype=np.float32)
for seed in range(5):
    rng = np.random.default_rng(seed)
    n = (rng.random(48000) - 0.5) * (0.1 + 0.2 * seed)
    print(f'white noise seed {seed}: creak {sum(creak(write("n.wav", n)))}')
    p = np.sqrt(np.mean(x ** 2))
    if seed < 3:
        y = x + rng.standard_normal(len(x)) * p / 10 ** 0.5
        print(f'MOSI + noise 10 dB SNR seed {seed}: creak {sum(creak(write("m.wav", y)))}')

fs, s = wavfile.read(synthetic); s = s.astype(np.float32) / 32768
rng = np.random.default_rng(1); p = np.sqrt(np.mean(s ** 2))
def report(name, c): print(f'{name}: modal {sum(c[:116])} frames, creaky {100 * sum(c[122:216]) / 94:.0f} %')
report('synthetic', creak(synthetic))
for snr in (30, 20, 10):
    report(f'synthetic + noise {snr} dB SNR', creak(write('s.wav', s + rng.standard_normal(len(s)) * p / 10 ** (snr / 20))))
p8 = os.path.join(tmp, 's8k.wav')
subprocess.run(['ffmpeg', '-nostdin', '-loglevel', 'error', '-y', '-i', synthetic, '-ar', '8000', p8], check=True)
report('synthetic at 8 kHz', creak(p8))
