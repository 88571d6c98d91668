#!/usr/bin/env python3
"""torch.mm of two N×N float32 matrices with N threads set: PyTorch's own BLAS, the counterpart
of `yolo benchmark --gemm N` (OpenBLAS)."""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402

from bench_common import print_peak_rss, row  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--size", type=int, default=2048)
parser.add_argument("--runs", type=int, default=10)
parser.add_argument("--warmup", type=int, default=2)
parser.add_argument("--threads", type=int, default=2)
opt = parser.parse_args()
torch.set_num_threads(opt.threads)
n = opt.size
a = torch.rand(n, n) - 0.5
b = torch.rand(n, n) - 0.5
c = torch.empty(n, n)
for _ in range(opt.warmup):
    torch.mm(a, b, out=c)
times = []
for _ in range(opt.runs):
    start = time.perf_counter()
    torch.mm(a, b, out=c)
    times.append((time.perf_counter() - start) * 1000)
median = sorted(times)[len(times) // 2] if len(times) % 2 else sum(sorted(times)[len(times) // 2 - 1:len(times) // 2 + 1]) / 2
print(f"gemm: torch.mm {n}×{n}×{n} (float32), torch {torch.__version__}, {opt.threads} threads, {opt.runs} runs after {opt.warmup} warm-up")
print("      size   median ms      min ms      max ms   GFLOP/s")
print(row(n, times) + f"{2 * n ** 3 / median / 1e6:>10.1f}")
print_peak_rss()
