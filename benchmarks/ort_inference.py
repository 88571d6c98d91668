#!/usr/bin/env python3
"""Times an ONNX export of YOLOv5 in ONNX Runtime (CPUExecutionProvider) at batch 1, the same
protocol as `yolo benchmark`: warm-up runs, then the median of timed runs. The input size is
the model's own (exports are fixed-size).

    python benchmarks/ort_inference.py --onnx yolov5n_320.onnx --threads 2
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402

from bench_common import print_peak_rss, row  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--onnx", required=True)
parser.add_argument("--runs", type=int, default=20)
parser.add_argument("--warmup", type=int, default=3)
parser.add_argument("--threads", type=int, default=2)
opt = parser.parse_args()

options = ort.SessionOptions()
options.intra_op_num_threads = opt.threads
options.inter_op_num_threads = 1
session = ort.InferenceSession(opt.onnx, options, providers=["CPUExecutionProvider"])
inp = session.get_inputs()[0]
shape = [d if isinstance(d, int) else 1 for d in inp.shape]
x = np.full(shape, 0.5, dtype=np.float32)
print(f"onnxruntime {ort.__version__}: {opt.onnx}, batch 1, {opt.threads} intra-op threads, "
      f"{opt.runs} runs after {opt.warmup} warm-up")
print("      size   median ms      min ms      max ms")
for _ in range(opt.warmup):
    session.run(None, {inp.name: x})
times = []
for _ in range(opt.runs):
    start = time.perf_counter()
    session.run(None, {inp.name: x})
    times.append((time.perf_counter() - start) * 1000)
print(row(shape[2], times))
print_peak_rss()
