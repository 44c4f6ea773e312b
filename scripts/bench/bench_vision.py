#!/usr/bin/env python3
"""Reference side of `sentio bench vision`: OpenCV (C++ via opencv-python) Haar detection + dlib
68-point landmarks on the same raw gray frames, one thread. Prints one JSON line.

    /work/venvs/vision/bin/python scripts/bench/bench_vision.py FRAMES.gray WIDTH HEIGHT [--track]

--track: detect only on the first frame and after a failure, then reuse the previous box with a
local detectMultiScale around it (the same policy as Sentio's tracker).
"""
import json, sys, time
import numpy as np
import cv2
import dlib

path, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
track = "--track" in sys.argv
cv2.setNumThreads(1)
frames = np.fromfile(path, dtype=np.uint8).reshape(-1, h, w)
haar = cv2.CascadeClassifier("/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml")
sp = dlib.shape_predictor("/usr/share/dlib/shape_predictor_68_face_landmarks.dat")
found = 0
prev = None
t0 = time.perf_counter()
c0 = time.process_time()
for f in frames:
    box = None
    if track and prev is not None:
        x, y, bw, bh = prev
        g = int(bw * 0.3)
        x0, y0 = max(0, x - g), max(0, y - g)
        crop = f[y0:y + bh + g, x0:x + bw + g]
        r = haar.detectMultiScale(crop, scaleFactor=1.1, minNeighbors=1, minSize=(int(bw * 0.8),) * 2, maxSize=(int(bw * 1.25),) * 2)
        if len(r):
            bx = max(r, key=lambda b: b[2] * b[3])
            box = (int(bx[0]) + x0, int(bx[1]) + y0, int(bx[2]), int(bx[3]))
    if box is None:
        r = haar.detectMultiScale(f, scaleFactor=1.1, minNeighbors=3, minSize=(40, 40))
        if len(r):
            bx = max(r, key=lambda b: b[2] * b[3])
            box = tuple(int(v) for v in bx)
    prev = box
    if box is not None:
        x, y, bw, bh = box
        s = sp(f, dlib.rectangle(x, y, x + bw - 1, y + bh - 1))
        pts = np.array([[s.part(i).x, s.part(i).y] for i in range(68)], dtype=np.float32)
        found += 1
elapsed = time.perf_counter() - t0
cpu = time.process_time() - c0
print(json.dumps({"frames": len(frames), "faces": found, "seconds": elapsed, "fps": len(frames) / elapsed,
                  "cpu_seconds": cpu, "cpu_fps": len(frames) / cpu,
                  "track": track, "opencv": cv2.__version__, "dlib": dlib.__version__}))
