#!/usr/bin/env python3
"""Writes Tests/DataTests/Fixtures/augment_*: what YOLOv5 master's own training-data code
(utils/augmentations.py, utils/dataloaders.py LoadImagesAndLabels) and OpenCV 5.0 make of fixed
inputs, so the Swift pipeline can be compared arithmetic for arithmetic.

Run it inside a YOLOv5 master work tree (5081342f) with the reference venv (torch, numpy,
opencv-python 5.0.0; albumentations must NOT be installed, as in /work/venv-ref, so Ultralytics'
Albumentations block is inactive):

    mkdir -p /tmp/yolov5-master && git -C /work/.mirror/ultralytics+yolov5/repo archive 5081342f | tar -x -C /tmp/yolov5-master
    cd /tmp/yolov5-master && /work/venv-ref/bin/python /path/to/repo/scripts/reference/augmentation_fixtures.py [--shared ../shared]

Random draws: Ultralytics draws from Python's `random` and numpy's global generator. Those calls
are wrapped so that each value is recorded (in call order) in `augment_cases.json`; the Swift
tests replay the recorded values instead of drawing, so only the deterministic arithmetic is
compared. Nothing in YOLOv5's code is modified.

Outputs (images are uint8 `.npy` in RGB HWC order):
  - augment_warp_source.npy, augment_warp_<i>.npy: cv2.warpAffine / warpPerspective with the
    matrices in the JSON (bilinear, borderValue 114), sizes with and without a 16-pixel tail;
  - augment_hsv_rgb.npy / augment_hsv_of_rgb.npy: COLOR_BGR2HSV of the (BGR view of the) RGB image;
    augment_hsv_hsv.npy / augment_hsv_rgb_of_hsv.npy: COLOR_HSV2BGR back (stored as RGB);
    augment_hsv_augmented.npy: augment_hsv with the recorded gains;
  - augment_perspective_<name>.npy + JSON labels: random_perspective with recorded draws;
  - augment_item_<name>.npy + JSON: LoadImagesAndLabels.__getitem__ on coco128 images.
"""
import argparse
import json
import math
import os
import random
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, os.getcwd())
import utils.augmentations as aug  # noqa: E402
import utils.dataloaders as dl  # noqa: E402

OUT = Path(__file__).resolve().parents[2] / "Tests" / "DataTests" / "Fixtures"


class Recorder:
    """Wraps the random functions Ultralytics calls and records what they returned."""

    def __init__(self, seed):
        self.log = []
        self.py = random.Random(seed)
        self.np = np.random.default_rng(seed)

    def install(self):
        rec = self

        def rnd():
            v = rec.py.random()
            rec.log.append(["random", v])
            return v

        def uniform(a, b):
            v = rec.py.uniform(a, b)
            rec.log.append(["uniform", v])
            return v

        def choices(population, k=1):
            v = rec.py.choices(list(population), k=k)
            v = [int(x) for x in v]
            rec.log.append(["choices", v])
            return v

        def choice(seq):
            v = int(rec.py.choice(list(seq)))
            rec.log.append(["choices", [v]])
            return v

        def shuffle(x):
            rec.py.shuffle(x)
            rec.log.append(["shuffle", [int(i) for i in x]])

        def np_uniform(low=0.0, high=1.0, size=None):
            v = rec.np.uniform(low, high, size)
            for x in np.atleast_1d(v):
                rec.log.append(["uniform", float(x)])
            return v

        def beta(a, b):
            v = float(rec.np.beta(a, b))
            rec.log.append(["beta", v])
            return v

        random.random, random.uniform, random.choices, random.choice, random.shuffle = rnd, uniform, choices, choice, shuffle
        np.random.uniform, np.random.beta = np_uniform, beta


def save_rgb(name, bgr):
    np.save(OUT / name, np.ascontiguousarray(bgr[..., ::-1]))


def warp_cases(cases):
    rng = np.random.default_rng(7)
    h, w = 61, 83
    yy, xx = np.mgrid[0:h, 0:w]
    smooth = np.stack([(xx * 3) % 256, (yy * 4) % 256, ((xx + yy) * 2) % 256], -1)
    noise = rng.integers(0, 256, (h, w, 3))
    rgb = np.where(rng.random((h, w, 1)) < 0.5, smooth, noise).astype(np.uint8)
    np.save(OUT / "augment_warp_source.npy", rgb)
    bgr = np.ascontiguousarray(rgb[..., ::-1])
    out = []
    specs = [(10.0, 1.2, 3.0, -2.0, 0.55, 0.45, 0.0, (80, 64)), (-25.0, 0.7, 0.0, 6.0, 0.5, 0.5, 0.0, (79, 57)),
             (3.0, 1.5, -4.0, 1.0, 0.62, 0.38, 0.0, (96, 70)), (0.0, 1.0, 0.0, 0.0, 0.5, 0.5, 0.0, (64, 48)),
             (8.0, 0.9, 2.0, -3.0, 0.52, 0.48, 0.0008, (75, 60))]
    for i, (a, s, shx, shy, tx, ty, p, (W, H)) in enumerate(specs):
        C = np.eye(3); C[0, 2] = -w / 2; C[1, 2] = -h / 2
        P = np.eye(3); P[2, 0] = p; P[2, 1] = -p / 2
        R = np.eye(3); R[:2] = cv2.getRotationMatrix2D(angle=a, center=(0, 0), scale=s)
        S = np.eye(3); S[0, 1] = math.tan(shx * math.pi / 180); S[1, 0] = math.tan(shy * math.pi / 180)
        T = np.eye(3); T[0, 2] = tx * W; T[1, 2] = ty * H
        M = T @ S @ R @ P @ C
        if p:
            res = cv2.warpPerspective(bgr, M, dsize=(W, H), borderValue=(114, 114, 114))
        else:
            res = cv2.warpAffine(bgr, M[:2], dsize=(W, H), borderValue=(114, 114, 114))
        save_rgb(f"augment_warp_{i}.npy", res)
        out.append({"matrix": M.ravel().tolist(), "perspective": bool(p), "width": W, "height": H,
                    "file": f"augment_warp_{i}.npy",
                    "draw": {"angle": a, "scale": s, "shear_x": shx, "shear_y": shy, "translate_x": tx,
                             "translate_y": ty, "perspective_x": p, "perspective_y": -p / 2},
                    "input_width": w, "input_height": h})
    cases["warp"] = out


def hsv_cases(cases):
    rng = np.random.default_rng(11)
    rgb = rng.integers(0, 256, (37, 100, 3), dtype=np.uint8)
    rgb[0, :6] = [[0, 0, 0], [255, 255, 255], [255, 0, 0], [0, 255, 0], [0, 0, 255], [128, 128, 128]]
    np.save(OUT / "augment_hsv_rgb.npy", rgb)
    hsv = cv2.cvtColor(np.ascontiguousarray(rgb[..., ::-1]), cv2.COLOR_BGR2HSV)
    np.save(OUT / "augment_hsv_of_rgb.npy", hsv)
    hsv_in = rng.integers(0, 256, (37, 100, 3), dtype=np.uint8)
    hsv_in[..., 0] = rng.integers(0, 180, (37, 100))
    hsv_in[:3, :, 0] = rng.integers(180, 256, (3, 100))  # hues past 180 wrap in OpenCV too
    np.save(OUT / "augment_hsv_hsv.npy", hsv_in)
    save_rgb("augment_hsv_rgb_of_hsv.npy", cv2.cvtColor(hsv_in, cv2.COLOR_HSV2BGR))
    rec = Recorder(3)
    rec.install()
    im = np.ascontiguousarray(rgb[..., ::-1])
    aug.augment_hsv(im, hgain=0.5, sgain=0.7, vgain=0.4)
    save_rgb("augment_hsv_augmented.npy", im)
    cases["hsv"] = {"gains": [0.5, 0.7, 0.4], "draws": rec.log}


def perspective_cases(cases):
    src = np.load(OUT / "augment_warp_source.npy")
    out = {}
    targets = np.array([[0, 5.5, 4.25, 40.0, 30.5], [3, 30, 20, 75.75, 58], [7, 60, 2, 62.5, 4.5],
                        [1, 10, 10, 11.5, 40], [2, -3, 50, 20, 65]], dtype=np.float32)
    for name, kw, border, seed in [("rotate", dict(degrees=10, translate=0.1, scale=0.5, shear=2, perspective=0.0), (0, 0), 5),
                                   ("border", dict(degrees=0, translate=0.1, scale=0.5, shear=0, perspective=0.0), (-12, -12), 6),
                                   ("perspective", dict(degrees=5, translate=0.1, scale=0.3, shear=1, perspective=0.0005), (0, 0), 9)]:
        rec = Recorder(seed)
        rec.install()
        im, t = aug.random_perspective(np.ascontiguousarray(src[..., ::-1]), targets.copy(), border=border, **kw)
        save_rgb(f"augment_perspective_{name}.npy", im)
        out[name] = {"border": border[0], "settings": kw, "draws": rec.log, "targets_in": targets.tolist(),
                     "targets_out": t.astype(np.float64).tolist()}
    cases["perspective"] = out


def read_labels(path):
    with open(path) as f:
        lb = [x.split() for x in f.read().strip().splitlines() if len(x)]
    return np.array(lb, dtype=np.float32).reshape(-1, 5)


def item_cases(cases, shared):
    root = Path(shared) / "datasets" / "coco128"
    names = ["000000000009", "000000000025", "000000000030", "000000000034", "000000000036", "000000000042"]
    files = [str(root / "images" / "train2017" / f"{n}.jpg") for n in names]
    labels = [read_labels(root / "labels" / "train2017" / f"{n}.txt") for n in names]
    hyp_high = dict(hsv_h=0.015, hsv_s=0.7, hsv_v=0.4, degrees=5.0, translate=0.1, scale=0.5, shear=2.0,
                    perspective=0.0, flipud=0.5, fliplr=0.5, mosaic=1.0, mixup=1.0, copy_paste=0.0)
    hyp_single = dict(hyp_high, mosaic=0.0, mixup=0.0, degrees=10.0)
    hyp_none = dict(hsv_h=0, hsv_s=0, hsv_v=0, degrees=0.0, translate=0, scale=0, shear=0, perspective=0.0,
                    flipud=0.0, fliplr=0.0, mosaic=0.0, mixup=0.0, copy_paste=0.0)
    out = {"files": [os.path.relpath(f, shared) for f in files], "labels": [l.astype(np.float64).tolist() for l in labels],
           "cases": {}}
    for name, img_size, augment, rect, hyp, positions, seed in [
        ("mosaic_mixup", 64, True, False, hyp_high, [0, 3], 21),
        ("single", 96, True, False, hyp_single, [1, 2, 4], 22),
        ("no_augmentation", 96, True, False, hyp_none, [0, 5], 23),
        ("rect_eval", 128, False, True, hyp_none, [0, 1, 2, 3, 4, 5], 24),
    ]:
        ds = object.__new__(dl.LoadImagesAndLabels)
        n = len(files)
        ds.img_size, ds.augment, ds.hyp, ds.image_weights = img_size, augment, hyp, False
        ds.rect = rect
        ds.mosaic = augment and not rect
        ds.mosaic_border = [-img_size // 2, -img_size // 2]
        ds.stride = 32
        ds.albumentations = aug.Albumentations(size=img_size) if augment else None
        assert ds.albumentations is None or ds.albumentations.transform is None, "albumentations must be absent"
        ds.im_files = list(files)
        ds.labels = [l.copy() for l in labels]
        ds.segments = [[] for _ in files]
        ds.ims = [None] * n
        ds.npy_files = [Path("/nonexistent/cache.npy")] * n
        ds.n = n
        batch_size = 4
        bi = np.floor(np.arange(n) / batch_size).astype(int)
        ds.batch = bi
        ds.indices = np.arange(n)
        shapes = np.array([cv2.imread(f).shape[1::-1] for f in files])
        ds.shapes = shapes
        order = list(range(n))
        if rect:
            ar = shapes[:, 1] / shapes[:, 0]
            irect = ar.argsort(kind="stable")
            order = irect.tolist()
            ds.im_files = [ds.im_files[i] for i in irect]
            ds.labels = [ds.labels[i] for i in irect]
            ds.segments = [ds.segments[i] for i in irect]
            ar = ar[irect]
            nb = bi[-1] + 1
            sh = [[1, 1]] * nb
            for i in range(nb):
                ari = ar[bi == i]
                mini, maxi = ari.min(), ari.max()
                if maxi < 1:
                    sh[i] = [maxi, 1]
                elif mini > 1:
                    sh[i] = [1, 1 / mini]
            ds.batch_shapes = np.ceil(np.array(sh) * img_size / 32 + 0.0).astype(int) * 32
        samples = []
        for position in positions:
            rec = Recorder(seed * 100 + position)
            rec.install()
            img, lab, path, shp = ds[position]
            fname = f"augment_item_{name}_{position}.npy"
            np.save(OUT / fname, img.numpy().transpose(1, 2, 0))  # CHW RGB -> HWC RGB
            samples.append({"position": position, "dataset_index": order[position], "file": fname,
                            "labels_out": lab[:, 1:].numpy().astype(np.float64).tolist(),
                            "path": os.path.relpath(path, shared),
                            "shapes": None if shp is None else [list(shp[0]), [list(shp[1][0]), list(shp[1][1])]],
                            "draws": rec.log})
        out["cases"][name] = {"img_size": img_size, "augment": augment, "rect": rect, "hyp": hyp,
                              "batch_size": batch_size, "order": order,
                              "batch_shapes": ds.batch_shapes.tolist() if rect else None, "samples": samples}
    cases["items"] = out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[3] / "shared"))
    args = ap.parse_args()
    cases = {"_generator": {"yolov5": "5081342f", "opencv": cv2.__version__, "numpy": np.__version__}}
    warp_cases(cases)
    hsv_cases(cases)
    perspective_cases(cases)
    item_cases(cases, os.path.abspath(args.shared))
    with open(OUT / "augment_cases.json", "w") as f:
        json.dump(cases, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
