#!/usr/bin/env python3
"""Writes an Ultralytics-style checkpoint ({'model': DetectionModel in fp16, ...}, as
strip_optimizer leaves it) of a model built from a YAML with seeded random weights, so that
`yolo`, PyTorch and the ONNX export all run the same weights when no trained .pt is at hand.

    python benchmarks/make_checkpoint.py --yolov5 /tmp/yolov5-master --cfg models/yolov5s.yaml --out yolov5s_random.pt
"""
import argparse
import os
import sys
from copy import deepcopy

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402

from bench_common import use_yolov5  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--yolov5", required=True)
parser.add_argument("--cfg", required=True)
parser.add_argument("--out", required=True)
parser.add_argument("--seed", type=int, default=0)
opt = parser.parse_args()

use_yolov5(opt.yolov5)
from models.yolo import Model  # noqa: E402

torch.manual_seed(opt.seed)
model = Model(opt.cfg, ch=3, nc=80)
model.names = {i: f"class{i}" for i in range(80)}
half = deepcopy(model).half()
for p in half.parameters():
    p.requires_grad = False
torch.save({"epoch": -1, "best_fitness": None, "model": half, "ema": None, "updates": None,
            "optimizer": None, "opt": None, "git": None, "date": None}, opt.out)
print(f"wrote {opt.out}: {opt.cfg} with random weights (torch.manual_seed({opt.seed}))")
