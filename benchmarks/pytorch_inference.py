#!/usr/bin/env python3
"""Times Ultralytics YOLOv5 (PyTorch, CPU) fused inference at batch 1, the same protocol as
`yolo benchmark`: warm-up runs, then the median of timed runs per square size.

    python benchmarks/pytorch_inference.py --yolov5 /path/to/yolov5 --weights yolov5n.pt --img 640 320
    python benchmarks/pytorch_inference.py --yolov5 /path/to/yolov5 --cfg models/yolov5s.yaml  # random weights
Run it through benchmarks/compare (or compare_inference.sh), which interleave it with `yolo benchmark`.
After the table: the network's GFLOPs per size (2 x conv MACs) and the process's peak RSS.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402

from bench_common import conv_gflops, print_peak_rss, row, use_yolov5  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--yolov5", required=True, help="a checkout of ultralytics/yolov5")
parser.add_argument("--weights")
parser.add_argument("--cfg")
parser.add_argument("--img", type=int, nargs="+", default=[640, 320])
parser.add_argument("--runs", type=int, default=20)
parser.add_argument("--warmup", type=int, default=3)
parser.add_argument("--threads", type=int, default=2)
opt = parser.parse_args()

use_yolov5(opt.yolov5)
from models.experimental import attempt_load  # noqa: E402
from models.yolo import Model  # noqa: E402

torch.set_num_threads(opt.threads)
if opt.weights:
    model = attempt_load(opt.weights, device="cpu", fuse=True)
    name = opt.weights
else:
    model = Model(opt.cfg).fuse().eval()
    name = f"{opt.cfg} (random weights)"
print(f"pytorch {torch.__version__}: {name}, fused, batch 1, {opt.threads} threads, {opt.runs} runs after {opt.warmup} warm-up")
print("      size   median ms      min ms      max ms")
with torch.no_grad():
    for size in opt.img:
        x = torch.full((1, 3, size, size), 0.5)
        for _ in range(opt.warmup):
            model(x)
        times = []
        for _ in range(opt.runs):
            start = time.perf_counter()
            model(x)
            times.append((time.perf_counter() - start) * 1000)
        print(row(size, times))
for size in opt.img:
    print(f"GFLOPs at {size}: {conv_gflops(model, size):.3f}")
print_peak_rss()
