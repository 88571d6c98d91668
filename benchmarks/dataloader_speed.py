"""Augmented training images per second of Ultralytics YOLOv5's LoadImagesAndLabels, one core.

The Ultralytics half of benchmarks/dataloader_speed.sh: builds the training dataset as train.py
does (augment=True, rect=False, so mosaic is on) with the given hyperparameter file and times a
loop of `__getitem__` over every image in one process, with `cv2.setNumThreads(1)` and
`torch.set_num_threads(1)`. Albumentations is used only if installed (as in Ultralytics); the
Swift side's equivalent (`photometric`) is off unless the hyp file asks for it.

    python benchmarks/dataloader_speed.py --repo /tmp/yolov5-master \
        --data ../shared/datasets/coco128/images/train2017 --hyp hyps/hyp.scratch-low.yaml --img 640

Prints one line: `ultralytics: N images in T s (C CPU s) = X images/s, Y images per CPU s`; the
second rate is the per-core one on a busy machine.
"""

import argparse
import os
import random
import shutil
import sys
import tempfile
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", required=True, help="an Ultralytics YOLOv5 checkout (master)")
    parser.add_argument("--data", required=True, help="the images folder (labels beside it in ../../labels)")
    parser.add_argument("--hyp", required=True)
    parser.add_argument("--img", type=int, default=640)
    parser.add_argument("--passes", type=int, default=1, help="passes over the images in the timed loop")
    parser.add_argument("--warmup", type=int, default=8, help="untimed samples first")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    sys.path.insert(0, args.repo)
    import cv2
    import numpy as np
    import torch
    import yaml

    cv2.setNumThreads(1)
    torch.set_num_threads(1)
    from utils.dataloaders import LoadImagesAndLabels

    # LoadImagesAndLabels writes `<labels folder>.cache` (numpy pickle) beside the labels when it
    # can, which is where our own JSON label cache lives: give it a scratch root whose images/ and
    # labels/ folders link to the dataset's, so its cache lands in the scratch folder instead.
    images = os.path.abspath(args.data)
    labels = os.path.join(os.path.dirname(os.path.dirname(images)), "labels", os.path.basename(images))
    scratch = tempfile.mkdtemp(prefix="dataloader_speed_")
    for kind, target in (("images", images), ("labels", labels)):
        os.makedirs(os.path.join(scratch, kind))
        os.symlink(target, os.path.join(scratch, kind, os.path.basename(images)))
    data = os.path.join(scratch, "images", os.path.basename(images))

    with open(args.hyp) as f:
        hyp = yaml.safe_load(f)
    random.seed(args.seed)
    np.random.seed(args.seed)
    # create_dataloader(train_path, imgsz, batch_size, gs, single_cls, hyp=hyp, augment=True, cache=None,
    #                   rect=False, rank=-1, workers=..., image_weights=False, quad=False, prefix=...)
    dataset = LoadImagesAndLabels(data, args.img, 16, augment=True, hyp=hyp, rect=False, cache_images=False,
                                  single_cls=False, stride=32, pad=0.0, prefix="")
    n = len(dataset)
    for i in range(min(args.warmup, n)):
        dataset[i]
    start, start_cpu = time.perf_counter(), time.process_time()
    count = 0
    for _ in range(args.passes):
        for i in range(n):
            dataset[i]
            count += 1
    elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    shutil.rmtree(scratch)
    print(f"ultralytics: {count} images in {elapsed:.2f} s ({cpu:.2f} CPU s) = {count / elapsed:.1f} images/s, "
          f"{count / cpu:.1f} images per CPU s (1 process)")


if __name__ == "__main__":
    main()
