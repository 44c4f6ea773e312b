#!/usr/bin/env python3
"""Praat (parselmouth) F0 at COVAREP's frame times, a second opinion on F0/VUV.
  /work/venvs/acoustics/bin/python scripts/reference/parselmouth_f0.py
Writes Tests/AcousticsTests/Fixtures/praat_<name>.csv with columns time,F0 (0 = unvoiced).
Input samples are decoded exactly as the Swift tests decode them (ffmpeg f32le 16 kHz mono).
Praat: To Pitch (ac), time step 10 ms, floor 50 Hz, ceiling 500 Hz (COVAREP's SRH range)."""
import os, subprocess, numpy as np, parselmouth
repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
shared = os.environ.get("SHARED", os.path.join(repo, "..", "shared"))
inputs = {
    "mosi_03bSnISJMiM_1": os.path.join(shared, "data/media/mosi_03bSnISJMiM_1.wav"),
    "ast_vm-intro": "/usr/share/asterisk/sounds/en/vm-intro.wav",
    "ast_conf-onlyperson": "/usr/share/asterisk/sounds/en/conf-onlyperson.wav",
}
for name, path in inputs.items():
    raw = subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", path, "-ac", "1", "-ar", "16000",
                          "-f", "f32le", "-"], check=True, capture_output=True).stdout
    x = np.frombuffer(raw, dtype=np.float32).astype(np.float64)
    snd = parselmouth.Sound(x, sampling_frequency=16000)
    pitch = snd.to_pitch_ac(time_step=0.01, pitch_floor=50.0, pitch_ceiling=500.0)
    n = (len(x) - 80) // 160 + 1 if len(x) >= 80 else 0
    times = (79 + 160 * np.arange(n)) / 16000.0
    f0 = np.array([pitch.get_value_at_time(t) for t in times])
    f0 = np.nan_to_num(f0, nan=0.0)
    out = os.path.join(repo, "Tests/AcousticsTests/Fixtures", f"praat_{name}.csv")
    with open(out, "w") as f:
        f.write("time,F0\n")
        for t, v in zip(times, f0):
            f.write(f"{t:.6f},{v:.3f}\n")
    print(out, n, "frames,", int((f0 > 0).sum()), "voiced")
