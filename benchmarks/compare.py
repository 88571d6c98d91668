#!/usr/bin/env python3
"""Issue 8's comparison: `yolo` (Swift) against Ultralytics YOLOv5 in PyTorch and ONNX Runtime
on this machine, interleaved A B C A B C so that drift of a shared machine hits all sides alike.
Run it through benchmarks/compare, which sets up Python, the yolov5 tree and the release build.

Per round (default 5):
  * inference, batch 1, fused: for yolov5n and yolov5s at 640 and 320, `yolo benchmark`,
    pytorch_inference.py (torch.set_num_threads, no_grad) and ort_inference.py (intra-op threads,
    CPUExecutionProvider) on an export made by Ultralytics' export.py (opset 17, fp32);
  * the training step, yolov5n, batch 16, at 320 and 640: `yolo benchmark --train` and
    pytorch_train.py on the same batch (the first 16 coco128 images letterboxed, written by the
    Swift side with --save-batch; seeded synthetic images without the dataset);
  * sgemm 2048³: `yolo benchmark --gemm` (OpenBLAS) and torch.mm, the yardstick for GFLOP/s.
Ctrl-C reports the rounds completed so far. Every worker is a fresh process; its peak RSS is the kernel's ru_maxrss for that child (os.wait4).
Per pair the table gives the median of the round medians, the min–max over all timed runs, the
ratio ours/theirs of those medians with its range over rounds, GFLOP/s and peak RSS.
"""
import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--yolo", required=True, help="the release `yolo` executable")
parser.add_argument("--yolov5", required=True, help="an ultralytics/yolov5 tree")
parser.add_argument("--python", default=sys.executable, help="a Python with torch, onnxruntime, onnx")
parser.add_argument("--rounds", type=int, default=5)
parser.add_argument("--runs", type=int, default=10, help="timed inference runs per process")
parser.add_argument("--warmup", type=int, default=3, help="untimed inference runs per process")
parser.add_argument("--train-runs", type=int, default=2, help="timed training steps per process")
parser.add_argument("--train-warmup", type=int, default=1)
parser.add_argument("--train-sizes", type=int, nargs="+", default=[320, 640])
parser.add_argument("--batch-size", type=int, default=16)
parser.add_argument("--sizes", type=int, nargs="+", default=[640, 320])
parser.add_argument("--models", nargs="+", default=["yolov5n", "yolov5s"])
parser.add_argument("--gemm", type=int, default=2048)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--bf16", action="store_true",
                    help="also time our inference with --bf16 (bfloat16 products, float32 sums) in every round")
parser.add_argument("--only", nargs="+", choices=["inference", "train", "gemm"], default=["inference", "train", "gemm"])
parser.add_argument("--cache", default=os.path.join(HERE, ".cache"), help="exports, checkpoints and batches")
parser.add_argument("--shared", default=os.environ.get("YOLO_SHARED", os.path.join(ROOT, "..", "shared")))
opt = parser.parse_args()
os.makedirs(opt.cache, exist_ok=True)
notes = []


def log(message):
    print(message, file=sys.stderr, flush=True)


def run(cmd, cwd=ROOT):
    """Runs a worker; returns its stdout and its own peak RSS in MiB (ru_maxrss of the child)."""
    with tempfile.TemporaryFile() as err:
        process = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=err)
        out = process.stdout.read().decode()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            err.seek(0)
            sys.exit(f"failed ({process.returncode}): {' '.join(cmd)}\n{out}\n{err.read().decode()}")
    return out, usage.ru_maxrss / 1024


ROW = re.compile(r"^\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)(.*)$")


def table_row(out):
    """The first row under a `size   median ms` header: size, median, min, max and the rest."""
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if "median ms" in line:
            m = ROW.match(lines[i + 1])
            if m:
                return int(m[1]), float(m[2]), float(m[3]), float(m[4]), m[5].split()
    sys.exit(f"no result row in:\n{out}")


def version_line(out):
    return next((line for line in out.splitlines() if line.startswith(("pytorch", "onnxruntime", "benchmark", "gemm"))), "")


# ---- models, exports, batches -------------------------------------------------------------

def model_weights(name):
    env = os.environ.get(f"{name.upper()}_WEIGHTS")
    local = os.path.join(opt.shared, "weights", f"{name}.pt")
    for candidate in [env, local]:
        if candidate and os.path.exists(candidate):
            return os.path.abspath(candidate), "official weights"
    path = os.path.join(opt.cache, f"{name}_random_seed0.pt")
    if not os.path.exists(path):
        log(f"{name}.pt not found: writing {path} (random weights from models/{name}.yaml)")
        run([opt.python, os.path.join(HERE, "make_checkpoint.py"), "--yolov5", opt.yolov5,
             "--cfg", f"models/{name}.yaml", "--out", path], cwd=opt.yolov5)
    notes.append(f"{name}: no {name}.pt here, so all sides run one checkpoint of random weights built from "
                 f"models/{name}.yaml with torch.manual_seed(0) (fp16 as Ultralytics saves it; {path})")
    return path, "random weights"


def onnx_export(name, weights, size):
    target = os.path.join(opt.cache, f"{name}_{size}.onnx")
    if not os.path.exists(target):
        staged = os.path.join(opt.cache, f"{name}_{size}.pt")
        shutil.copyfile(weights, staged)
        log(f"exporting {target} with export.py (opset 17, fp32)")
        run([opt.python, os.path.join(HERE, "yolov5_script.py"), opt.yolov5, "export.py", "--weights", staged, "--include", "onnx", "--imgsz", str(size),
             "--opset", "17", "--device", "cpu"], cwd=opt.yolov5)
        os.remove(staged)
    return target


weights = {name: model_weights(name)[0] for name in opt.models}
exports = {}
if "inference" in opt.only:
    for name in opt.models:
        for size in opt.sizes:
            exports[name, size] = onnx_export(name, weights[name], size)
coco = os.path.join(opt.shared, "datasets", "coco128", "data.yaml")
train_weights = weights.get("yolov5n") or model_weights("yolov5n")[0]
if not os.path.exists(coco):
    notes.append("coco128 not found: the training batch is seeded synthetic noise images with random targets")

# ---- the rounds ---------------------------------------------------------------------------
results = {}  # key -> list of dicts per round
labels = {}


def record(key, out, rss):
    size, median, low, high, rest = table_row(out)
    results.setdefault(key, []).append({"median": median, "min": low, "max": high, "rest": rest, "rss": rss, "out": out})
    labels.setdefault(key, version_line(out))


threads = str(opt.threads)
commit = subprocess.run(["git", "-C", ROOT, "log", "-1", "--format=%h %s"], capture_output=True, text=True).stdout.strip()
load_start = os.getloadavg()
started = time.time()


def one_round(r):
    log(f"== round {r}/{opt.rounds} ({time.time() - started:.0f}s)")
    if "inference" in opt.only:
        for name in opt.models:
            for size in opt.sizes:
                common = ["--runs", str(opt.runs), "--warmup", str(opt.warmup), "--threads", threads]
                record(("inf", name, size, "ours"), *run([opt.yolo, "benchmark", "--weights", weights[name], "--img", str(size)] + common))
                if opt.bf16:
                    record(("inf", name, size, "ours-bf16"), *run([opt.yolo, "benchmark", "--weights", weights[name], "--img", str(size),
                                                                   "--bf16"] + common))
                record(("inf", name, size, "torch"), *run([opt.python, os.path.join(HERE, "pytorch_inference.py"), "--yolov5", opt.yolov5,
                                                          "--weights", weights[name], "--img", str(size)] + common))
                record(("inf", name, size, "ort"), *run([opt.python, os.path.join(HERE, "ort_inference.py"), "--onnx", exports[name, size]] + common))
    if "train" in opt.only:
        for size in opt.train_sizes:
            prefix = os.path.join(opt.cache, f"batch{opt.batch_size}_{size}_")
            steps = ["--runs", str(opt.train_runs), "--warmup", str(opt.train_warmup), "--threads", threads]
            cmd = [opt.yolo, "benchmark", "--train", "--weights", train_weights, "--img", str(size),
                   "--batch-size", str(opt.batch_size), "--save-batch", prefix] + steps
            if os.path.exists(coco):
                cmd += ["--data", coco]
            record(("train", "yolov5n", size, "ours"), *run(cmd))
            record(("train", "yolov5n", size, "torch"), *run([opt.python, os.path.join(HERE, "pytorch_train.py"), "--yolov5", opt.yolov5,
                                                             "--weights", train_weights, "--images", prefix + "images.npy",
                                                             "--targets", prefix + "targets.npy"] + steps))
    if "gemm" in opt.only:
        record(("gemm", "sgemm", opt.gemm, "ours"), *run([opt.yolo, "benchmark", "--gemm", str(opt.gemm), "--runs", "5",
                                                          "--warmup", "1", "--threads", threads]))
        record(("gemm", "sgemm", opt.gemm, "torch"), *run([opt.python, os.path.join(HERE, "pytorch_gemm.py"), "--size", str(opt.gemm),
                                                           "--runs", "5", "--warmup", "1", "--threads", threads]))


completed = 0
try:
    for r in range(1, opt.rounds + 1):
        one_round(r)
        completed = r
except KeyboardInterrupt:  # report the rounds that finished
    log(f"interrupted: reporting {completed} complete rounds")
    if completed == 0:
        sys.exit(1)
    for key in results:
        del results[key][completed:]
    opt.rounds = completed
elapsed = time.time() - started

# ---- the report ---------------------------------------------------------------------------


def summary(key):
    rounds = results[key]
    return {"median": statistics.median(x["median"] for x in rounds), "min": min(x["min"] for x in rounds),
            "max": max(x["max"] for x in rounds), "rss": max(x["rss"] for x in rounds), "rounds": rounds}


def ratio(ours, theirs):
    per_round = [a["median"] / b["median"] for a, b in zip(ours["rounds"], theirs["rounds"])]
    return f"{ours['median'] / theirs['median']:.2f} [{min(per_round):.2f}–{max(per_round):.2f}]"


def gflops_line(out, size):
    m = re.search(rf"GFLOPs at {size}: ([\d.]+)", out) or re.search(r"forward GFLOPs per image ([\d.]+)", out)
    return float(m[1]) if m else None


NAMES = {"ours": "ours (yolo, Swift)", "torch": "PyTorch", "ort": "ONNX Runtime", "ours-bf16": "ours, --bf16"}
print(f"# benchmarks/compare: {opt.rounds} rounds interleaved, {opt.threads} threads each; "
      f"{platform.machine()}, {os.cpu_count()} CPUs; load average {load_start[0]:.2f} at start, "
      f"{os.getloadavg()[0]:.2f} at end; {elapsed / 60:.1f} min")
print(f"#   {NAMES['ours']}: {opt.yolo} (release build at {commit[:72]}, plus the working tree), OpenBLAS")
for impl in ["torch", "ort"]:
    line = next((labels[k] for k in labels if k[3] == impl and not labels[k].startswith("gemm")), None)
    if line:
        print(f"#   {NAMES[impl]}: {line}")
for note in notes:
    print(f"# note: {note}")
print("# time: median of the round medians; min–max over every timed run; ours/this: ratio of the medians "
      "[range of the per-round ratios]; RSS: peak resident set of the process (ru_maxrss)")

if "inference" in opt.only:
    print(f"\n## inference, batch 1, fused ({opt.runs} runs after {opt.warmup} warm-up per process and round)")
    print(f"{'model':<8}{'size':>5}  {'implementation':<20}{'median ms':>10}{'min–max ms':>16}{'GFLOP/s':>9}{'peak RSS MiB':>14}   ours/this")
    for name in opt.models:
        for size in opt.sizes:
            ours = summary(("inf", name, size, "ours"))
            gf = gflops_line(results[("inf", name, size, "torch")][0]["out"], size)
            for impl in ["ours", "torch", "ort"]:
                s = summary(("inf", name, size, impl))
                rate = f"{gf / s['median'] * 1000:.1f}" if gf else "-"
                print(f"{name if impl == 'ours' else '':<8}{size if impl == 'ours' else '':>5}  {NAMES[impl]:<20}{s['median']:>10.1f}"
                      f"{s['min']:>8.1f}–{s['max']:<7.1f}{rate:>9}{s['rss']:>14.0f}   {'' if impl == 'ours' else ratio(ours, s)}")
            if opt.bf16:
                b = summary(("inf", name, size, "ours-bf16"))
                rate = f"{gf / b['median'] * 1000:.1f}" if gf else "-"
                versus = "  ".join(f"{NAMES[impl]} {ratio(b, summary(('inf', name, size, impl)))}" for impl in ["torch", "ort"])
                print(f"{'':<13}  {NAMES['ours-bf16']:<20}{b['median']:>10.1f}{b['min']:>8.1f}–{b['max']:<7.1f}{rate:>9}{b['rss']:>14.0f}"
                      f"   this/{versus}")
    print("GFLOP/s: the network's conv FLOPs (2 × MACs, fused, from the PyTorch model) over the median time")
    if opt.bf16:
        print("ours, --bf16: bfloat16 products summed in float32 (PyTorch and ONNX Runtime run float32); its ratios are against them")

if "train" in opt.only:
    print(f"\n## training step, yolov5n, batch {opt.batch_size} ({opt.train_runs} steps after {opt.train_warmup} warm-up per process and round)")
    print("   step = forward (train mode) + loss + backward + clip_grad_norm 10 + SGD nesterov + zero_grad + EMA update")
    print(f"{'size':>5}  {'implementation':<20}{'median ms':>10}{'min–max ms':>18}{'img/s':>7}{'fwd':>8}{'loss':>7}{'bwd':>8}{'opt':>7}"
          f"{'GFLOP/s':>9}{'peak RSS MiB':>14}   ours/this")
    for size in opt.train_sizes:
        ours = summary(("train", "yolov5n", size, "ours"))
        gf = gflops_line(results[("train", "yolov5n", size, "torch")][0]["out"], size)
        for impl in ["ours", "torch"]:
            s = summary(("train", "yolov5n", size, impl))
            phases = [statistics.median(float(x["rest"][k]) for x in s["rounds"]) for k in range(1, 5)]
            rate = f"{3 * gf * opt.batch_size / s['median'] * 1000:.1f}" if gf else "-"
            print(f"{size if impl == 'ours' else '':>5}  {NAMES[impl]:<20}{s['median']:>10.0f}{s['min']:>9.0f}–{s['max']:<8.0f}"
                  f"{opt.batch_size / s['median'] * 1000:>7.1f}" + "".join(f"{p:>{w}.0f}" for p, w in zip(phases, [8, 7, 8, 7]))
                  + f"{rate:>9}{s['rss']:>14.0f}   {'' if impl == 'ours' else ratio(ours, s)}")
    first = results[("train", "yolov5n", opt.train_sizes[0], "ours")][0]["out"]
    batch = next((line for line in first.splitlines() if line.startswith("batch:")), "")
    print(f"{batch}\nGFLOP/s: 3 × forward conv FLOPs × batch over the median step (backward ≈ 2 × forward)")

if "gemm" in opt.only:
    print(f"\n## sgemm {opt.gemm}×{opt.gemm}×{opt.gemm}, float32 (5 runs after 1 warm-up per process and round)")
    ours = summary(("gemm", "sgemm", opt.gemm, "ours"))
    for impl, title in [("ours", "OpenBLAS (yolo --gemm)"), ("torch", "torch.mm")]:
        s = summary(("gemm", "sgemm", opt.gemm, impl))
        rate = 2 * opt.gemm ** 3 / s["median"] / 1e6
        print(f"  {title:<24}{s['median']:>8.1f} ms  {s['min']:.1f}–{s['max']:.1f}  {rate:>6.1f} GFLOP/s"
              + ("" if impl == "ours" else f"   ours/this {ratio(ours, s)}"))
