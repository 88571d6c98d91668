#!/usr/bin/env python3
"""Writes Tests/DataTests/Fixtures/dataset_<name>.json: what YOLOv5's own validation dataloader
(`LoadImagesAndLabels(rect=True, pad=0.5, augment=False)`, as val.py builds it) makes of a
dataset in the shared folder: coco128 and raccoon (val split) with rect batches of 32 at 640, and
raccoon once more with `rect=False` (square 640 letterbox, path order).

Run it inside a YOLOv5 master work tree (5081342f) with the reference venv, for example

    mkdir -p /tmp/yolov5-master && git -C /work/.mirror/ultralytics+yolov5/repo archive 5081342f | tar -x -C /tmp/yolov5-master
    cd /tmp/yolov5-master && /work/venv-ref/bin/python /path/to/repo/scripts/reference/dataset_fixtures.py [--shared ../shared]

Rect order: stock YOLOv5 sorts the aspect ratios with numpy's default (unstable) argsort, whose
order of ties depends on the CPU. Like the shared reference data (reference/README.md §1), this
script re-compiles `LoadImagesAndLabels.__init__` from its own source with that one line changed
to `argsort(kind="stable")` and checks the resulting order (non-decreasing h/w, ties in path
order). Nothing else is patched. Each dataset is copied to a temporary folder first, so YOLOv5's
label cache (`labels/<split>.cache`) is written there and never into the shared folder (which is
writable for root even though it is meant to be read-only).

For each image, in feeding order, the file records:
  - `file` (relative to the dataset root), `shape_wh` (the cached, EXIF-corrected size), `batch`;
  - `labels`: the verified label rows `[class, x, y, w, h]` (float32 values, as float64 text);
  - `hw0`, `hw`: original and `load_image`-resized size; `ratio_pad`: `[[h/h0, w/w0], [dw, dh]]`;
  - `pixel_xyxy`: the rows after `xywhn2xyxy(..., ratio[0]*w, ratio[1]*h, padw, padh)` (float32);
  - `targets`: `__getitem__`'s `labels_out[:, 1:]` (xyxy2xywhn with clip, eps 1e-3; float32);
  - `input_hw` and two uint64 checksums of the CHW RGB input bytes b_i: `byte_sum` = sum b_i and
    `weighted_sum` = sum (i + 1) * b_i modulo 2^64.
The output is deterministic.
"""
import argparse
import inspect
import json
import os
import shutil
import sys
import tempfile
import textwrap

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, "Tests", "DataTests", "Fixtures")

sys.path.insert(0, os.getcwd())
import utils.dataloaders as dl  # noqa: E402  (YOLOv5's own module, from the work tree)
from utils.augmentations import letterbox  # noqa: E402
from utils.general import xywhn2xyxy  # noqa: E402

# (fixture name, dataset, split, rect): val.py's rect batches, and the square (rect=False) loader
# whose letterbox target is a plain int (other float32/float64 promotions in the label maths).
CONFIGS = [
    ("coco128", "coco128", "images/train2017", True),
    ("raccoon", "raccoon", "images/val", True),
    ("raccoon_square", "raccoon", "images/val", False),
]


def patch_stable_rect_sort():
    source = textwrap.dedent(inspect.getsource(dl.LoadImagesAndLabels.__init__))
    old = "irect = ar.argsort()"
    assert source.count(old) == 1, "the rect sort line was not found exactly once"
    namespace = {}
    exec(compile(source.replace(old, 'irect = ar.argsort(kind="stable")'), dl.__file__, "exec"), dl.__dict__, namespace)
    dl.LoadImagesAndLabels.__init__ = namespace["__init__"]


def checksums(chw):
    flat = np.ascontiguousarray(chw).reshape(-1).astype(np.uint64)
    weights = np.arange(1, flat.size + 1, dtype=np.uint64)
    return int(flat.sum(dtype=np.uint64)), int((flat * weights).sum(dtype=np.uint64))


def f32list(rows):
    return [[float(v) for v in row] for row in np.asarray(rows, dtype=np.float32)]


def describe(root, split, rect, img_size=640, batch_size=32, stride=32, pad=0.5):
    source = os.path.join(root, split)
    ds = dl.LoadImagesAndLabels(source, img_size, batch_size, augment=False, rect=rect, stride=stride, pad=pad)
    ar = ds.shapes[:, 1] / ds.shapes[:, 0]
    for a, b, fa, fb in zip(ar[:-1], ar[1:], ds.im_files[:-1], ds.im_files[1:]):
        if rect:
            assert a < b or (a == b and fa < fb), "order is not a stable sort by h/w"
        else:
            assert fa < fb, "order is not the path order"
    images = []
    for index in range(ds.n):
        img, (h0, w0), (h, w) = ds.load_image(index)
        shape = ds.batch_shapes[ds.batch[index]] if rect else img_size
        boxed, ratio, padding = letterbox(img, shape, auto=False, scaleup=False)
        labels = ds.labels[index].copy()
        pixel = labels.copy()
        if labels.size:
            pixel[:, 1:] = xywhn2xyxy(labels[:, 1:], ratio[0] * w, ratio[1] * h, padw=padding[0], padh=padding[1])
        tensor, labels_out, path, shapes = ds[index]
        assert path == ds.im_files[index]
        assert tuple(tensor.shape[1:]) == boxed.shape[:2]
        byte_sum, weighted_sum = checksums(tensor.numpy())
        (sh0, sw0), ((gh, gw), (dw, dh)) = shapes
        assert (sh0, sw0) == (h0, w0)
        images.append({
            "file": os.path.relpath(path, root),
            "shape_wh": [int(v) for v in ds.shapes[index]],
            "batch": int(ds.batch[index]),
            "labels": f32list(ds.labels[index]),
            "hw0": [int(h0), int(w0)],
            "hw": [int(h), int(w)],
            "ratio_pad": [[float(gh), float(gw)], [float(dw), float(dh)]],
            "ratio_type": type(ratio[0]).__name__,
            "pixel_xyxy": f32list(pixel),
            "targets": f32list(labels_out[:, 1:].numpy()),
            "input_hw": [int(tensor.shape[1]), int(tensor.shape[2])],
            "byte_sum": byte_sum,
            "weighted_sum": weighted_sum,
        })
    return {
        "source": split,
        "img_size": img_size,
        "batch_size": batch_size,
        "stride": stride,
        "rect": rect,
        "pad": pad,
        "image_count": ds.n,
        "label_count": int(sum(len(lb) for lb in ds.labels)),
        "batch_shapes_hw": [[int(v) for v in s] for s in ds.batch_shapes] if rect else None,
        "images": images,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", default=os.path.join(os.path.dirname(ROOT), "shared"))
    args = parser.parse_args()
    patch_stable_rect_sort()
    import cv2
    import torch
    import ultralytics
    for fixture, name, split, rect in CONFIGS:
        shared_root = os.path.join(os.path.abspath(args.shared), "datasets", name)
        with tempfile.TemporaryDirectory() as temporary:
            root = os.path.join(temporary, name)
            shutil.copytree(shared_root, root)
            result = describe(root, split, rect)
        result["_generator"] = {
            "script": "scripts/reference/dataset_fixtures.py",
            "yolov5": "master 5081342f, LoadImagesAndLabels with a stable rect sort",
            "numpy": np.__version__, "opencv": cv2.__version__, "torch": torch.__version__,
            "ultralytics": ultralytics.__version__,
        }
        path = os.path.join(OUT, f"dataset_{fixture}.json")
        images = result.pop("images")
        with open(path, "w") as f:  # compact: one line per image
            text = json.dumps(result, separators=(",", ":"))
            f.write(text[:-1] + ',"images":[\n')
            f.write(",\n".join(json.dumps(image, separators=(",", ":")) for image in images))
            f.write("\n]}\n")
        result["images"] = images
        print(f"{path}: {result['image_count']} images, {result['label_count']} labels, "
              f"batch shapes {result['batch_shapes_hw']}, letterbox ratio types "
              f"{sorted(set(i['ratio_type'] for i in images))}")


if __name__ == "__main__":
    main()
