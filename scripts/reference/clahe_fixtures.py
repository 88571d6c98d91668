#!/usr/bin/env python3
"""Writes Tests/DataTests/Fixtures/photometric_*: what OpenCV and Albumentations give for the
photometric members of Ultralytics' Albumentations block (Blur, MedianBlur, ToGray, CLAHE).

Run it with a Python that has albumentations 2.x (it pulls opencv-python-headless 5.0.0.93
and numpy), for example a venv outside the repository:

    python3 -m venv /work/venv-alb
    /work/venv-alb/bin/pip install albumentations
    /work/venv-alb/bin/python scripts/reference/clahe_fixtures.py [--shared ../shared]

Every image array is uint8 HWC in RGB order, as the Swift pipeline holds images. Ultralytics
hands Albumentations the BGR array cv2.imread made, so the Albumentations outputs here are
computed on the reversed array and reversed back, exactly as in training. The plain cv2
fixtures (LAB conversions, CLAHE on one plane) are computed on the arrays as stored.

Inputs: a 64x48 and a 100x75 synthetic image (fixed seed; 100x75 divides by the 8x8 tile grid
in neither direction, so OpenCV pads) and bus.jpg from the shared folder shrunk to 120x90
(divisible in width only, which still makes OpenCV pad both ways). Parameters are fixed so
the Swift tests inject them as draws; cases are listed in photometric_cases.json.
"""
import argparse
import json
import os

import albumentations as A
import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, "Tests", "DataTests", "Fixtures")
PREFIX = "photometric_"


def save(name, array):
    array = np.ascontiguousarray(array)
    assert array.dtype == np.uint8
    np.save(os.path.join(OUT, PREFIX + name), array)


def reversed_channels(image):
    return np.ascontiguousarray(image[:, :, ::-1])


def synthetic(width, height, seed):
    """Smooth gradients, a few flat shapes and noise: a histogram with both spikes and spread."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    image = np.stack([
        40 + 150 * x / width,
        90 + 60 * np.sin(y / 7.0),
        200 - 140 * (x + y) / (width + height),
    ], axis=-1)
    image[height // 4:height // 2, width // 5:width // 2] = (250, 30, 30)
    image[height // 2:, width // 2:width // 2 + width // 6] = (10, 10, 12)
    image += rng.normal(0, 12, image.shape)
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def photo(shared):
    bgr = cv2.imread(os.path.join(shared, "images", "bus.jpg"), cv2.IMREAD_COLOR)
    assert bgr is not None, "bus.jpg not found under " + shared
    return reversed_channels(cv2.resize(bgr, (120, 90), interpolation=cv2.INTER_AREA))


def albumentations_on_bgr(transform, rgb, **params):
    """`transform.apply` on the array Ultralytics would pass (BGR), returned in RGB."""
    return reversed_channels(transform.apply(reversed_channels(rgb), **params))


def lattice_colours():
    """Every colour on a 0, 15, ..., 255 lattice (18^3) plus 4096 random ones: shape (n, 1, 3)."""
    steps = np.arange(0, 256, 15)
    grid = np.stack(np.meshgrid(steps, steps, steps, indexing="ij"), axis=-1).reshape(-1, 3)
    rng = np.random.default_rng(7)
    extra = rng.integers(0, 256, size=(4096, 3))
    return np.concatenate([grid, extra]).astype(np.uint8).reshape(-1, 1, 3)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)

    images = {
        "small": synthetic(64, 48, 1),
        "odd": synthetic(100, 75, 2),
        "bus": photo(args.shared),
    }
    for name, image in images.items():
        save(f"{name}.npy", image)

    # cv2 on its own: 8-bit LAB both ways (RGB order as stored) and CLAHE on one plane.
    colours = lattice_colours()
    save("lab_colours.npy", colours)
    save("lab_of_colours.npy", cv2.cvtColor(colours, cv2.COLOR_RGB2LAB))
    save("rgb_of_lab_colours.npy", cv2.cvtColor(colours, cv2.COLOR_LAB2RGB))  # the same bytes read as L, a, b

    cases = {"generator": {
        "albumentations": A.__version__, "opencv": cv2.__version__, "numpy": np.__version__,
    }, "clahe_plane": [], "clahe": [], "blur": [], "median": [], "gray": [], "apply": []}

    plane_cases = [("small", 4.0), ("small", 1.0), ("odd", 2.5), ("bus", 1.7), ("bus", 40.0)]
    for i, (name, clip) in enumerate(plane_cases):
        plane = cv2.cvtColor(images[name], cv2.COLOR_RGB2LAB)[:, :, 0]
        out = cv2.createCLAHE(clipLimit=clip, tileGridSize=(8, 8)).apply(np.ascontiguousarray(plane))
        save(f"clahe_plane_{i}.npy", np.stack([plane, out]))  # (2, h, w): the plane, then CLAHE of it
        cases["clahe_plane"].append({"image": name, "clip_limit": clip, "fixture": f"clahe_plane_{i}.npy"})

    clahe = A.CLAHE(clip_limit=(1, 4), tile_grid_size=(8, 8), p=1.0)
    for i, (name, clip) in enumerate([("small", 3.1), ("odd", 1.0), ("odd", 4.0), ("bus", 2.2)]):
        save(f"clahe_{i}.npy", albumentations_on_bgr(clahe, images[name], clip_limit=clip))
        cases["clahe"].append({"image": name, "clip_limit": clip, "fixture": f"clahe_{i}.npy"})

    blur = A.Blur(blur_limit=(3, 7), p=1.0)
    median = A.MedianBlur(blur_limit=(3, 7), p=1.0)
    for name, kernels in (("odd", (3, 5, 7)), ("bus", (7,))):
        for k in kernels:
            save(f"blur_{name}_{k}.npy", albumentations_on_bgr(blur, images[name], kernel=k))
            cases["blur"].append({"image": name, "kernel": k, "fixture": f"blur_{name}_{k}.npy"})
            save(f"median_{name}_{k}.npy", albumentations_on_bgr(median, images[name], kernel=k))
            cases["median"].append({"image": name, "kernel": k, "fixture": f"median_{name}_{k}.npy"})

    gray = A.ToGray(p=1.0)
    for name in ("odd", "bus"):
        save(f"gray_{name}.npy", reversed_channels(gray(image=reversed_channels(images[name]))["image"]))
        cases["gray"].append({"image": name, "fixture": f"gray_{name}.npy"})

    # The whole block with fixed draws, in the Swift pipeline's draw order: per transform a
    # unit draw against p = 0.01, then its parameter (kernel index from a unit draw, clip limit
    # from uniform(1, 4)). Blur k=5, no median, grey, CLAHE at 2.75.
    draws = [["random", 0.004], ["random", 0.5], ["random", 0.9], ["random", 0.0099], ["random", 0.002],
             ["uniform", 2.75]]
    out = reversed_channels(images["bus"])
    out = blur.apply(out, kernel=5)
    out = gray(image=out)["image"]
    out = clahe.apply(out, clip_limit=2.75)
    save("apply_bus.npy", reversed_channels(out))
    cases["apply"].append({"image": "bus", "draws": draws, "fixture": "apply_bus.npy"})

    with open(os.path.join(OUT, PREFIX + "cases.json"), "w") as f:
        json.dump(cases, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
