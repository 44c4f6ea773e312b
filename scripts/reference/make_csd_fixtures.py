#!/usr/bin/env python3
"""Small CMU-MultimodalSDK computational sequences (.csd) for Tests/ModelTests (CSDTests).

Written with h5py exactly as mmsdk's write_CSD does (mmsdk/mmdatasdk/computational_sequence/
file_ops.py): a root group named after the sequence, `<root>/data/<video_id>/features` (T, d)
and `intervals` (T, 2) datasets, and `<root>/metadata/<key>` one-element variable-length string
datasets holding json.dumps(value). Values are random; csd_expected.json carries them for the
Swift tests. Also writes the bad files the tests expect to be refused.

    python3 -m venv /work/venvs/h5 && /work/venvs/h5/bin/pip install h5py
    /work/venvs/h5/bin/python scripts/reference/make_csd_fixtures.py
"""
import json
import os

import h5py
import numpy as np

out = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "ModelTests", "Fixtures", "csd")
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(6)
vlen = h5py.special_dtype(vlen=str)


def write_csd(path, root, data, metadata, compression=None):
    # As mmsdk's write_CSD (compression optional, "gzip" level 9 there when asked).
    with h5py.File(path, "w") as f:
        r = f.create_group(root)
        d = r.create_group("data")
        for vid, entry in data.items():
            g = d.create_group(vid)
            kw = {"compression": compression, "compression_opts": 9} if compression else {}
            g.create_dataset("features", data=entry["features"], **kw)
            g.create_dataset("intervals", data=entry["intervals"], **kw)
        m = r.create_group("metadata")
        for key, value in metadata.items():
            m.create_dataset(key, (1,), dtype=vlen)
            m[key][0] = json.dumps(value)


def intervals(n, step):
    start = np.arange(n) * step
    return np.stack([start, start + step], axis=1).astype(np.float64)


def meta(root, names):
    return {"root name": root, "computational sequence description": f"{root} test sequence",
            "computational sequence version": "1.0", "alignment compatible": True,
            "dataset name": "Sentio CSD fixture", "dataset version": "1.0", "creator": "make_csd_fixtures.py",
            "contact": "", "featureset bib citation": "", "dataset bib citation": "", "dimension names": names}


expected = {}
# COVAREP-like audio: 74 columns every 10 ms (float32 as in CMU-MOSEI), two videos.
covarep = {vid: {"features": rng.normal(size=(n, 74)).astype(np.float32), "intervals": intervals(n, 0.01)}
           for vid, n in [("vidA", 6), ("vid_B-2", 3)]}
covarep["vidA"]["features"][2, 5] = np.nan  # CMU-MOSEI's COVAREP has NaN; the reader keeps it
write_csd(os.path.join(out, "covarep.csd"), "COVAREP", covarep, meta("COVAREP", [f"c{i}" for i in range(74)]))
# A label sequence (CMU_MOSEI_Labels layout: sentiment + six emotions per segment), gzip as mmsdk can write.
labels = {"vidA": {"features": np.array([[1.5, 0, 0, 0, 0, 0, 0], [-2.0, 0, 1, 0, 0, 0, 0]], dtype=np.float32),
                   "intervals": np.array([[0.0, 0.03], [0.03, 0.06]])},
          "vid_B-2": {"features": np.array([[0.333, 1, 0, 0, 0, 0, 0]], dtype=np.float32), "intervals": np.array([[0.0, 0.03]])}}
write_csd(os.path.join(out, "labels.csd"), "All Labels", labels,
          meta("All Labels", ["sentiment", "happy", "sad", "anger", "surprise", "disgust", "fear"]), compression="gzip")
for name, root, data in [("covarep", "COVAREP", covarep), ("labels", "All Labels", labels)]:
    expected[name] = {"root": root, "data": {vid: {"features": [[None if np.isnan(x) else float(x) for x in row] for row in e["features"]],
                                                   "intervals": e["intervals"].tolist()} for vid, e in data.items()}}
expected["covarep"]["metadata_root_name"] = json.dumps("COVAREP")
expected["labels"]["metadata_dimension_names"] = json.dumps(["sentiment", "happy", "sad", "anger", "surprise", "disgust", "fear"])

# Bad files.
with h5py.File(os.path.join(out, "missing_data.csd"), "w") as f:  # root without data/
    f.create_group("COVAREP").create_group("metadata")
with h5py.File(os.path.join(out, "wrong_rank.csd"), "w") as f:  # features 1-D
    g = f.create_group("COVAREP").create_group("data").create_group("vidA")
    g.create_dataset("features", data=np.arange(4, dtype=np.float32))
    g.create_dataset("intervals", data=intervals(4, 0.01))
    f["COVAREP"].create_group("metadata")
with h5py.File(os.path.join(out, "interval_mismatch.csd"), "w") as f:  # 3 feature rows, 2 intervals
    g = f.create_group("COVAREP").create_group("data").create_group("vidA")
    g.create_dataset("features", data=np.zeros((3, 2), dtype=np.float32))
    g.create_dataset("intervals", data=intervals(2, 0.01))
    f["COVAREP"].create_group("metadata")
with h5py.File(os.path.join(out, "string_features.csd"), "w") as f:  # features of strings
    g = f.create_group("words").create_group("data").create_group("vidA")
    g.create_dataset("features", data=np.array([b"hello", b"world"]).reshape(2, 1))
    g.create_dataset("intervals", data=intervals(2, 0.5))
    f["words"].create_group("metadata")
whole = open(os.path.join(out, "covarep.csd"), "rb").read()
open(os.path.join(out, "truncated.csd"), "wb").write(whole[: len(whole) * 2 // 3])
# A string attribute (not used by mmsdk; exercises the HDF5 wrapper's attribute reader).
with h5py.File(os.path.join(out, "attributes.h5"), "w") as f:
    f.create_group("g").attrs["note"] = "written by h5py"
    f["g"].attrs.create("fixed", np.bytes_("ascii fixed"))
    f.create_dataset("fixed_strings", data=np.array([b"ab", b"cde"], dtype="S4"))
expected["attributes"] = {"note": "written by h5py", "fixed": "ascii fixed", "fixed_strings": ["ab", "cde"]}

# A folder `sentio train --data` reads: labels.csd (3 segments of 1 s per video, sentiment in
# column 0), text.csd (5-d "word vectors", 2 words per segment), audio.csd (6-d every 0.25 s),
# visual.csd (3-d every 0.5 s; video v3 has none in its last segment), splits.csv.
folder = os.path.join(out, "folder")
os.makedirs(folder, exist_ok=True)
videos = ["v1", "v2", "v3", "v4"]
seg = intervals(3, 1.0)
fl = {"labels": {}, "text": {}, "audio": {}, "visual": {}}
for v in videos:
    y = rng.uniform(-3, 3, size=(3, 1))
    fl["labels"][v] = {"features": np.concatenate([y, np.zeros((3, 6))], axis=1).astype(np.float32), "intervals": seg}
    fl["text"][v] = {"features": rng.normal(size=(6, 5)).astype(np.float32), "intervals": intervals(6, 0.5)}
    fl["audio"][v] = {"features": (rng.normal(size=(12, 6)) + np.repeat(y, 4, axis=0)).astype(np.float32), "intervals": intervals(12, 0.25)}
    nv = 4 if v == "v3" else 6
    fl["visual"][v] = {"features": rng.normal(size=(nv, 3)).astype(np.float32), "intervals": intervals(nv, 0.5)}
for name, data in fl.items():
    write_csd(os.path.join(folder, f"{name}.csd"), {"labels": "All Labels", "text": "glove_vectors", "audio": "COVAREP", "visual": "FACET 4.2"}[name],
              data, meta(name, []))
with open(os.path.join(folder, "splits.csv"), "w") as f:
    f.write("video_id,clip_id,text,label,mode\nv1,0,a,1,train\nv1,1,b,1,train\nv2,0,c,1,train\nv3,0,d,1,valid\nv4,0,e,1,test\n")
# Segment 1 of v1 (1 s … 2 s): text rows 2–3 (mean), audio rows 4–7, visual rows 2–3.
expected["folder"] = {"v1_1_label": float(fl["labels"]["v1"]["features"][1, 0]),
                      "v1_1_text": fl["text"]["v1"]["features"][2:4].mean(axis=0).astype(np.float32).tolist(),
                      "v1_1_audio": fl["audio"]["v1"]["features"][4:8].tolist(),
                      "v3_2_visual_rows": 0}

with open(os.path.join(out, "csd_expected.json"), "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True)
print("wrote", sorted(os.listdir(out)))
