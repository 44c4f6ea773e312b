#!/usr/bin/env python3
"""Reference fixtures for Tests/VisionTests: OpenCV cascade detections and dlib landmarks.

Run in a venv outside the repo (CI never runs this):
    python3 -m venv /work/venvs/vision
    /work/venvs/vision/bin/pip install "opencv-python-headless<5" dlib-bin numpy
    /work/venvs/vision/bin/python scripts/reference/make_vision_fixtures.py

Frames: ../shared/data/media/mosi_Oz06ZWiO20M_6.mp4 decoded by the ffmpeg CLI exactly as the
Swift tests decode them (`-vf fps=2 -pix_fmt gray -f image2 %03d.pgm`), plus synthetic variants the
tests build the same way (a two-face side-by-side composite of half-size frames).
Models: /usr/share/opencv4/{haarcascades,lbpcascades} (opencv-data) and
/usr/share/dlib/shape_predictor_68_face_landmarks.dat (libdlib-data), as Sentio loads them.
"""
import json, os, subprocess, sys, tempfile
import numpy as np
import cv2
import dlib

repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
shared = os.path.join(os.path.dirname(repo), "shared")
clip = os.path.join(shared, "data", "media", "mosi_Oz06ZWiO20M_6.mp4")
out_dir = os.path.join(repo, "Tests", "VisionTests", "Fixtures")
HAAR = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"
LBP = "/usr/share/opencv4/lbpcascades/lbpcascade_frontalface_improved.xml"
ALT2 = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_alt2.xml"  # 2-split trees instead of stumps
DAT = "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"
PARAMS = dict(scaleFactor=1.1, minNeighbors=3, minSize=(40, 40))
# Real photographs shipped by Debian's python3-skimage (scikit-image data, permissive licences);
# the tests read them from there when the package is installed.
PHOTO_DIR = "/usr/lib/python3/dist-packages/skimage/data"
PHOTOS = ["astronaut.png", "camera.png", "chelsea.png", "coffee.png"]


def read_pgm(path):
    with open(path, "rb") as f:
        data = f.read()
    parts = data.split(maxsplit=4)
    assert parts[0] == b"P5"
    w, h = int(parts[1]), int(parts[2])
    return np.frombuffer(parts[4][: w * h], dtype=np.uint8).reshape(h, w)


def decode(tmp):
    subprocess.run(["ffmpeg", "-v", "error", "-i", clip, "-vf", "fps=2", "-pix_fmt", "gray",
                    "-f", "image2", os.path.join(tmp, "%03d.pgm")], check=True)
    names = sorted(n for n in os.listdir(tmp) if n.endswith(".pgm"))
    return [read_pgm(os.path.join(tmp, n)) for n in names]


def decode_photo(path, tmp):
    out = os.path.join(tmp, os.path.basename(path) + ".pgm")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", path, "-pix_fmt", "gray", "-f", "image2", out], check=True)
    return read_pgm(out)


def detect(cascade, img):
    r = cascade.detectMultiScale(img, **PARAMS)
    return [list(map(int, b)) for b in r] if len(r) else []


def landmarks(sp, img, box):
    x, y, w, h = box
    s = sp(img, dlib.rectangle(x, y, x + w - 1, y + h - 1))
    return [[s.part(i).x, s.part(i).y] for i in range(s.num_parts)]


# Sentio's generic 3-D mean face (Sources/Vision/HeadPose.swift), camera frame x right, y down, z away.
POSE_IDX = [30, 8, 36, 45, 48, 54, 39, 42, 27, 33, 31, 35, 0, 16]
POSE_MODEL = np.array([[0, 0, 0], [0, 330, 65], [-225, -170, 135], [225, -170, 135], [-150, 150, 125], [150, 150, 125],
                       [-75, -165, 125], [75, -165, 125], [0, -170, 95], [0, 60, 60], [-50, 45, 75], [50, 45, 75],
                       [-370, -120, 420], [370, -120, 420]], dtype=np.float64)


def pose_reference(pts, w, h):
    """cv2.solvePnP (iterative, perspective, OpenFace's default intrinsics fx = fy = 500*w/640, centre
    (w/2, h/2)) on the same model points -> Euler Rx, Ry, Rz in the R = Rx*Ry*Rz convention."""
    img = np.array([pts[i] for i in POSE_IDX], dtype=np.float64)
    f = 500.0 * w / 640.0
    K = np.array([[f, 0, w / 2], [0, f, h / 2], [0, 0, 1]], dtype=np.float64)
    # Start in front of the camera (frontal face, depth from the jaw width) so the iteration cannot
    # settle on the mirrored solution behind the camera.
    z = f * 740.0 / max(np.linalg.norm(img[12] - img[13]), 1.0)
    c = img[0]
    rvec0 = np.zeros((3, 1)); tvec0 = np.array([[(c[0] - w / 2) * z / f], [(c[1] - h / 2) * z / f], [z]])
    ok, rvec, tvec = cv2.solvePnP(POSE_MODEL, img, K, None, rvec0, tvec0, useExtrinsicGuess=True, flags=cv2.SOLVEPNP_ITERATIVE)
    R, _ = cv2.Rodrigues(rvec)
    ry = float(np.arcsin(np.clip(R[0, 2], -1, 1)))
    rx = float(np.arctan2(-R[1, 2], R[2, 2]))
    rz = float(np.arctan2(-R[0, 1], R[0, 0]))
    return [rx, ry, rz]


def main():
    haar = cv2.CascadeClassifier(HAAR)
    lbp = cv2.CascadeClassifier(LBP)
    alt2 = cv2.CascadeClassifier(ALT2)
    sp = dlib.shape_predictor(DAT)
    cv2.setNumThreads(1)
    with tempfile.TemporaryDirectory() as tmp:
        frames = decode(tmp)
    out = {"clip": "mosi_Oz06ZWiO20M_6.mp4", "ffmpeg": "-vf fps=2 -pix_fmt gray", "opencv": cv2.__version__,
           "dlib": dlib.__version__, "params": {"scaleFactor": 1.1, "minNeighbors": 3, "minSize": 40},
           "haar": os.path.basename(HAAR), "lbp": os.path.basename(LBP), "frames": []}
    for i, f in enumerate(frames):
        hb, lb = detect(haar, f), detect(lbp, f)
        rec = {"index": i, "width": f.shape[1], "height": f.shape[0], "haar": hb, "lbp": lb, "alt2": detect(alt2, f)}
        if hb:
            box = max(hb, key=lambda b: b[2] * b[3])
            rec["box"] = box
            rec["landmarks"] = landmarks(sp, f, box)
            rec["pose_pnp"] = pose_reference(rec["landmarks"], f.shape[1], f.shape[0])
            # Landmarks on a shifted and rescaled box too, so the regressor is checked off the detector's box.
            bx = [box[0] + box[2] // 10, box[1] - box[3] // 12, box[2] * 9 // 10, box[3] * 9 // 10]
            rec["box2"] = bx
            rec["landmarks2"] = landmarks(sp, f, bx)
        out["frames"].append(rec)
    # Two faces: frames 0 and 7 at half size (cv2.INTER_AREA exact 2x = 2x2 mean, rounded), side by side.
    def half(img):
        h, w = img.shape[0] // 2 * 2, img.shape[1] // 2 * 2
        a = img[:h, :w].astype(np.uint16)
        return ((a[0::2, 0::2] + a[1::2, 0::2] + a[0::2, 1::2] + a[1::2, 1::2] + 2) // 4).astype(np.uint8)
    left, right = half(frames[0]), half(frames[7])
    pair = np.hstack([left, right[:, ::-1]])
    out["pair"] = {"frames": [0, 7], "mirror_right": True, "width": pair.shape[1], "height": pair.shape[0],
                   "haar": [list(map(int, b)) for b in haar.detectMultiScale(pair, scaleFactor=1.1, minNeighbors=3, minSize=(30, 30))]}
    pair_boxes = out["pair"]["haar"]
    out["pair"]["landmarks"] = [landmarks(sp, pair, b) for b in pair_boxes]
    # Cascades with 45-degree (tilted) Haar features, on frame 0: smile (stumps) and right eye (2-split trees).
    out["tilted"] = {}
    for name in ["haarcascade_smile.xml", "haarcascade_righteye_2splits.xml"]:
        c = cv2.CascadeClassifier("/usr/share/opencv4/haarcascades/" + name)
        r = c.detectMultiScale(frames[0], scaleFactor=1.1, minNeighbors=3, minSize=(20, 20))
        out["tilted"][name] = [list(map(int, b)) for b in r] if len(r) else []
    out["photos"] = []
    if os.path.isdir(PHOTO_DIR):
        with tempfile.TemporaryDirectory() as tmp:
            for name in PHOTOS:
                img = decode_photo(os.path.join(PHOTO_DIR, name), tmp)
                rec = {"name": name, "width": img.shape[1], "height": img.shape[0], "haar": detect(haar, img), "lbp": detect(lbp, img)}
                if rec["haar"]:
                    box = max(rec["haar"], key=lambda b: b[2] * b[3])
                    rec["box"], rec["landmarks"] = box, landmarks(sp, img, box)
                out["photos"].append(rec)
    with open(os.path.join(out_dir, "vision_reference.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print(f"{len(frames)} frames; haar per frame: {[len(r['haar']) for r in out['frames']]}; "
          f"lbp: {[len(r['lbp']) for r in out['frames']]}; pair: {pair_boxes}; "
          f"photos: {[(p['name'], p['haar'], p['lbp']) for p in out['photos']]}", file=sys.stderr)


if __name__ == "__main__":
    main()
