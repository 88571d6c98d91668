#!/usr/bin/env python3
"""Times Ultralytics YOLOv5's training step (PyTorch, CPU) on a fixed batch, the same step and
output as `yolo benchmark --train`: model.train() forward, ComputeLoss, backward, then
clip_grad_norm_(10) + SGD (nesterov, smart_optimizer's groups) step + zero_grad + ModelEMA
update — train.py's sequence with an optimizer step every batch and no AMP (CPU).

    python benchmarks/pytorch_train.py --yolov5 /tmp/yolov5-master --weights yolov5n.pt \
        --images b320_images.npy --targets b320_targets.npy
The batch files are what `yolo benchmark --train --save-batch PREFIX` writes, so both sides
step on the same images and targets.
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
import torch  # noqa: E402
import yaml  # noqa: E402

from bench_common import conv_gflops, print_peak_rss, row, use_yolov5  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--yolov5", required=True)
parser.add_argument("--weights")
parser.add_argument("--cfg")
parser.add_argument("--images", required=True, help="[B, 3, H, W] float32 .npy")
parser.add_argument("--targets", required=True, help="[n, 6] float32 .npy (image, class, x, y, w, h)")
parser.add_argument("--runs", type=int, default=3)
parser.add_argument("--warmup", type=int, default=1)
parser.add_argument("--threads", type=int, default=2)
opt = parser.parse_args()

use_yolov5(opt.yolov5)
from models.yolo import Model  # noqa: E402
from utils.general import intersect_dicts  # noqa: E402
from utils.loss import ComputeLoss  # noqa: E402
from utils.torch_utils import ModelEMA, smart_optimizer  # noqa: E402
from ultralytics.utils.patches import torch_load  # noqa: E402

torch.set_num_threads(opt.threads)
images = torch.from_numpy(np.load(opt.images))
targets = torch.from_numpy(np.load(opt.targets))
batch_size, imgsz = images.shape[0], images.shape[2]
with open(os.path.join(opt.yolov5, "data/hyps/hyp.scratch-low.yaml")) as f:
    hyp = yaml.safe_load(f)
nc = 80
if opt.weights:  # train.py's pretrained branch
    ckpt = torch_load(opt.weights, map_location="cpu")
    model = Model(opt.cfg or ckpt["model"].yaml, ch=3, nc=nc, anchors=hyp.get("anchors"))
    csd = intersect_dicts(ckpt["model"].float().state_dict(), model.state_dict(), exclude=["anchor"] if opt.cfg else [])
    model.load_state_dict(csd, strict=False)
    name = opt.weights
else:
    torch.manual_seed(0)
    model = Model(opt.cfg, ch=3, nc=nc)
    name = f"{opt.cfg} (random weights)"
gflops = conv_gflops(model, imgsz)
nl = model.model[-1].nl
hyp["box"] *= 3 / nl
hyp["cls"] *= nc / 80 * 3 / nl
hyp["obj"] *= (imgsz / 640) ** 2 * 3 / nl
hyp["label_smoothing"] = 0.0
model.nc, model.hyp = nc, hyp
accumulate = max(round(64 / batch_size), 1)
hyp["weight_decay"] *= batch_size * accumulate / 64
optimizer = smart_optimizer(model, "SGD", hyp["lr0"], hyp["momentum"], hyp["weight_decay"])
ema = ModelEMA(model)
compute_loss = ComputeLoss(model)
model.train()

print(f"pytorch {torch.__version__} --train: {name}, batch {batch_size}, {opt.threads} threads, "
      f"{opt.runs} runs after {opt.warmup} warm-up")
print(f"batch: {opt.images}, {targets.shape[0]} targets; forward GFLOPs per image {gflops:.3f}")
print("      size   median ms      min ms      max ms   images/s   forward      loss  backward  optimizer   loss first→last")
phases, totals, losses = [[], [], [], []], [], []
for run in range(opt.warmup + opt.runs):
    marks = [time.perf_counter()]
    pred = model(images)
    marks.append(time.perf_counter())
    loss, _ = compute_loss(pred, targets)
    marks.append(time.perf_counter())
    loss.backward()
    marks.append(time.perf_counter())
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=10.0)
    optimizer.step()
    optimizer.zero_grad()
    ema.update(model)
    marks.append(time.perf_counter())
    if run < opt.warmup:
        continue
    for k in range(4):
        phases[k].append((marks[k + 1] - marks[k]) * 1000)
    totals.append((marks[4] - marks[0]) * 1000)
    losses.append(loss.item())
median = statistics.median(totals)
print(row(imgsz, totals) + f"{batch_size / median * 1000:>11.1f}" + "".join(f"{statistics.median(p):>10.1f}" for p in phases)
      + f"    {losses[0]:.3f}→{losses[-1]:.3f}")
print_peak_rss()
