"""Writes Tests/EvalTests/Fixtures/metrics_fixtures.json: YOLOv5's validation metrics on seeded toy scenarios.

Run inside an Ultralytics YOLOv5 work tree (master 5081342f) with the reference venv (torch 2.13, numpy 2.4.6,
ultralytics 8.4.190, whose box_iou and smooth master imports):

    cd /tmp/yolov5-master && /work/venv-ref/bin/python /work/main/scripts/reference/metrics_fixtures.py

What it does, per scenario (several images with labels `class x1 y1 x2 y2` and detections `x1 y1 x2 y2 conf class`,
all in pixels, every coordinate on a 0.5 px grid and every value exactly a float32):

  1. val.py's per-image loop: an image without detections adds its labels to the targets (and, when it has labels,
     is a "background FN" row for the confusion matrix); an image with detections and labels goes through
     utils.metrics.process_batch (the correct matrix at torch.linspace(0.5, 0.95, 10)) and
     ConfusionMatrix.process_batch (conf 0.25, IoU 0.45); an image with detections and no labels adds
     all-false rows.
  2. The concatenated statistics go through utils.metrics.ap_per_class; the index that maximizes the smoothed
     mean F1 is captured by wrapping `smooth`. The summary (mp, mr, map50, map) is val.py's: zeros unless some
     detection is correct at some threshold. fitness() of the summary is recorded too.

Sort order of ties: numpy's default argsort ('quicksort') dispatches to x86-simd-sort on AVX2/AVX-512 CPUs, whose
order of equal keys differs from CPU to CPU. This script therefore re-executes itself with
NPY_DISABLE_CPU_FEATURES set so that numpy uses its portable scalar introsort, which the Swift code reproduces; it
checks that on a probe array. With --compare-default-sort it also runs the scenarios with the machine's default
numpy dispatch and records, per scenario, whether every output is the same.
"""
import json
import os
import subprocess
import sys

SCALAR_SORT_ENV = "X86_V3 X86_V4 AVX512_ICL AVX512_SPR"
if os.environ.get("METRICS_FIXTURES_CHILD") != "default-sort" and \
        os.environ.get("NPY_DISABLE_CPU_FEATURES") != SCALAR_SORT_ENV:
    os.environ["NPY_DISABLE_CPU_FEATURES"] = SCALAR_SORT_ENV
    os.execv(sys.executable, [sys.executable, *sys.argv])

sys.path.insert(0, os.getcwd())  # the YOLOv5 work tree

import numpy as np  # noqa: E402
import torch  # noqa: E402

import utils.metrics as M  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "EvalTests", "Fixtures",
                   "metrics_fixtures.json")
IOUV = torch.linspace(0.5, 0.95, 10)


def scalar_sort_in_use():
    # numpy's scalar introsort is an insertion sort below 17 elements, hence stable on this probe.
    probe = np.array([1, 1, 1, 0, 0, 1, 0, 1], np.float32)
    return np.argsort(probe).tolist() == [3, 4, 6, 0, 1, 2, 5, 7]


# ----------------------------------------------------------------------------------------------------------------
# scenarios


def grid(v, step=0.5):
    return float(np.round(np.asarray(v) / step) * step)


def clip_box(x1, y1, x2, y2, w, h):
    x1, x2 = sorted((min(max(x1, 0.0), w), min(max(x2, 0.0), w)))
    y1, y2 = sorted((min(max(y1, 0.0), h), min(max(y2, 0.0), h)))
    if x2 - x1 < 1:
        x2 = min(x1 + 1, w) if x1 + 1 <= w else x2
        x1 = x2 - 1
    if y2 - y1 < 1:
        y2 = min(y1 + 1, h) if y1 + 1 <= h else y2
        y1 = y2 - 1
    return [grid(x1), grid(y1), grid(x2), grid(y2)]


def f32(x):
    return float(np.float32(x))


def random_box(rng, w, h):
    bw, bh = rng.uniform(12, w / 2), rng.uniform(12, h / 2)
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    return clip_box(cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2, w, h)


def jitter(rng, box, scale, w, h):
    bw, bh = box[2] - box[0], box[3] - box[1]
    d = rng.normal(0, scale, 4) * np.array([bw, bh, bw, bh])
    return clip_box(box[0] + d[0], box[1] + d[1], box[2] + d[2], box[3] + d[3], w, h)


def random_scenario(seed, n_images, nc, label_classes, pred_classes, special, conf_levels=None, w=640, h=480):
    """Labels of `label_classes`, detections around them (some of another class) plus false positives of
    `pred_classes`. `special` maps an image index to 'no_pred', 'no_label' or 'empty'."""
    rng = np.random.default_rng(seed)

    def conf():
        if conf_levels:
            return f32(rng.integers(1, conf_levels) / conf_levels)
        return f32(rng.uniform(0.001, 1.0))

    images = []
    for k in range(n_images):
        kind = special.get(k, "normal")
        labels, dets = [], []
        if kind in ("normal", "no_pred"):
            for _ in range(rng.integers(1, 9)):
                labels.append([int(rng.choice(label_classes)), *random_box(rng, w, h)])
        if kind in ("normal", "no_label"):
            for lab in labels:
                if rng.random() < 0.85:
                    for _ in range(rng.integers(1, 4)):
                        c = lab[0] if rng.random() < 0.85 else int(rng.choice(pred_classes))
                        dets.append([*jitter(rng, lab[1:], rng.choice([0.02, 0.08, 0.2]), w, h), conf(), c])
            for _ in range(rng.integers(0, 5) if kind == "normal" else 4):
                dets.append([*random_box(rng, w, h), conf(), int(rng.choice(pred_classes))])
        rng.shuffle(dets)
        dets.sort(key=lambda d: -d[4])  # NMS output order: confidence descending (stable)
        images.append({"labels": labels, "detections": dets})
    return {"nc": nc, "images": images}


def iou_ties_scenario():
    """Boxes on a 16 px lattice, duplicated labels and detections, IoU exactly 0.5: many exactly equal IoUs,
    including more than 16 candidate pairs in one image (numpy's introsort partitions instead of insertion sort)."""
    rng = np.random.default_rng(7)
    images = []
    # image 0: two identical labels of class 0 and one detection on them; two labels placed symmetrically
    # left and right of a detection; a detection with IoU exactly 0.5 (with the 1e-7 eps, in float32).
    images.append({
        "labels": [[0, 32, 32, 96, 96], [0, 32, 32, 96, 96], [1, 0, 200, 80, 264], [1, 32, 200, 112, 264],
                   [2, 300, 300, 364, 332]],
        "detections": [[32, 32, 96, 96, 0.9, 0], [16, 200, 96, 264, 0.8, 1], [300, 300, 332, 332, 0.7, 2],
                       [32, 32, 96, 96, 0.6, 0], [36, 36, 92, 92, 0.5, 0], [16, 200, 96, 264, 0.4, 1]],
    })
    # images 1-3: random lattice boxes, few classes, quantized confidences
    for k in range(3):
        labels, dets = [], []
        for _ in range(10):
            x, y = rng.integers(0, 8, 2) * 16
            bw, bh = rng.integers(2, 5, 2) * 16
            labels.append([int(rng.integers(0, 2)), float(x), float(y), float(x + bw), float(y + bh)])
        for _ in range(28):
            lab = labels[rng.integers(0, len(labels))]
            dx, dy, dw, dh = (rng.integers(-1, 2, 4) * 16).tolist()
            box = [lab[1] + dx, lab[2] + dy, lab[3] + dx + dw, lab[4] + dy + dh]
            box = [max(0.0, v) for v in box]
            if box[2] - box[0] < 16 or box[3] - box[1] < 16:
                continue
            c = lab[0] if rng.random() < 0.8 else 1 - lab[0]
            dets.append([*box, f32(rng.integers(1, 16) / 16), int(c)])
        dets.sort(key=lambda d: -d[4])
        images.append({"labels": labels, "detections": dets})
    return {"nc": 3, "images": images}


def single_scenario():
    return {"nc": 1, "images": [{"labels": [[0, 10, 20, 110, 220]], "detections": [[12, 18, 108, 224, 0.75, 0]]}]}


def no_tp_scenario():
    return {"nc": 2, "images": [
        {"labels": [[0, 0, 0, 50, 50]], "detections": [[300, 300, 400, 400, 0.9, 0], [0, 0, 50, 50, 0.5, 1]]},
        {"labels": [[1, 100, 100, 200, 200]], "detections": []},
    ]}


def scenarios():
    return {
        # class 4 has labels but is never predicted, class 5 is predicted but has no labels; image 3 has labels and no
        # detections, image 5 detections and no labels, image 7 nothing.
        "mixed": random_scenario(1, 12, 6, [0, 1, 2, 3, 4], [0, 1, 2, 3, 5],
                                 {3: "no_pred", 5: "no_label", 7: "empty"}),
        "iou_ties": iou_ties_scenario(),
        # confidences on a 1/24 grid: many equal confidences within a class
        "conf_ties": random_scenario(3, 20, 3, [0, 1, 2], [0, 1, 2], {4: "no_pred"}, conf_levels=24),
        "large": random_scenario(11, 60, 10, list(range(10)), list(range(10)), {0: "empty", 9: "no_label"}),
        "single": single_scenario(),
        "no_true_positive": no_tp_scenario(),
    }


# ----------------------------------------------------------------------------------------------------------------
# Ultralytics' metrics, run as val.py runs them


def run_scenario(sc):
    nc = sc["nc"]
    cm = M.ConfusionMatrix(nc=nc)
    stats, per_image = [], []
    for im in sc["images"]:
        labels = torch.tensor(im["labels"], dtype=torch.float32).reshape(-1, 5)
        pred = torch.tensor(im["detections"], dtype=torch.float32).reshape(-1, 6)
        nl, npr = labels.shape[0], pred.shape[0]
        correct = torch.zeros(npr, len(IOUV), dtype=torch.bool)
        out = {}
        if nl and npr:
            iou = M.box_iou(labels[:, 1:], pred[:, :4])
            out["iou_f32_bits"] = [[int(v) for v in row] for row in iou.numpy().view(np.uint32)]
        if npr == 0:
            if nl:
                stats.append((correct, *torch.zeros((2, 0)), labels[:, 0]))
                cm.process_batch(detections=None, labels=labels[:, 0])
            per_image.append({**out, "correct": []})
            continue
        if nl:
            correct = M.process_batch(pred, labels, IOUV)
            cm.process_batch(pred, labels)
        stats.append((correct, pred[:, 4], pred[:, 5], labels[:, 0]))
        per_image.append({**out, "correct": ["".join("1" if b else "0" for b in row) for row in correct.tolist()]})

    stats = [torch.cat(x, 0).cpu().numpy() for x in zip(*stats)]
    captured = {}
    original_smooth = M.smooth

    def spy(y, f=0.05):
        s = original_smooth(y, f)
        captured["argmax"] = int(s.argmax())
        captured["max"] = float(s.max())
        return s

    M.smooth = spy
    try:
        tp, fp, p, r, f1, ap, ap_class = M.ap_per_class(*stats, names={i: str(i) for i in range(nc)})
    finally:
        M.smooth = original_smooth
    ap_out = {"tp": tp.tolist(), "fp": fp.tolist(), "p": p.tolist(), "r": r.tolist(), "f1": f1.tolist(),
              "ap": ap.tolist(), "classes": ap_class.tolist(), "smooth_argmax": captured["argmax"],
              "smooth_max": captured["max"]}
    mp = mr = map50 = map_ = 0.0
    if stats[0].any():
        ap50, apm = ap[:, 0], ap.mean(1)
        mp, mr, map50, map_ = p.mean(), r.mean(), ap50.mean(), apm.mean()
    summary = [float(mp), float(mr), float(map50), float(map_)]
    fit = float(M.fitness(np.array(summary + [0.0, 0.0, 0.0]).reshape(1, -1))[0])
    return {"per_image": per_image, "ap_per_class": ap_out, "summary": {
        "mp": summary[0], "mr": summary[1], "map50": summary[2], "map": summary[3], "fitness": fit,
        "any_correct": bool(stats[0].any()), "nt": np.bincount(stats[3].astype(int), minlength=nc).tolist()},
        "confusion_matrix": cm.matrix.tolist()}


def quicksort_adversary(n):
    """McIlroy's "killer adversary for quicksort" played against numpy's own argsort (object dtype, which runs
    the same introsort through Python comparisons): keys that exhaust the depth budget, so the heapsort
    fallback sorts most of the array."""
    gas = n
    val, state = [gas] * n, {"solid": 0, "candidate": 0}

    def cmp(x, y):
        if val[x] == gas and val[y] == gas:
            val[x if x == state["candidate"] else y] = state["solid"]
            state["solid"] += 1
        if val[x] == gas:
            state["candidate"] = x
        elif val[y] == gas:
            state["candidate"] = y
        return val[x] - val[y]

    class Item:
        def __init__(self, i):
            self.i = i

        def __lt__(self, other):
            return cmp(self.i, other.i) < 0

        def __gt__(self, other):
            return cmp(self.i, other.i) > 0

    items = np.empty(n, dtype=object)
    items[:] = [Item(i) for i in range(n)]
    np.argsort(items)
    return np.array(val)


def kernel_probes():
    """numpy building blocks on their own: argsort of tie-heavy float32 keys (insertion sort, partitioning,
    large sizes, and the heapsort fallback: adversary keys halved so that the heapsorted part has ties) and
    Ultralytics' smooth() of a 1000-point curve."""
    rng = np.random.default_rng(21)
    keys_list = [(rng.integers(0, max(2, n // 6), n) / 8).astype(np.float32) for n in (8, 16, 17, 40, 100, 333, 2000)]
    keys_list.append(np.floor(quicksort_adversary(1000) / 2).astype(np.float32))
    probes = [{"keys": keys.tolist(), "order": np.argsort(keys).tolist(), "negated_order": np.argsort(-keys).tolist()}
              for keys in keys_list]
    y = rng.random(1000) * 0.8
    y[:150] = y[150]  # a plateau at the start, as F1 curves have
    return {"argsort": probes, "smooth": {"y": y.tolist(), "f": 0.1, "out": M.smooth(y, 0.1).tolist()}}


def compute():
    return {name: run_scenario(sc) for name, sc in scenarios().items()}


def blas_core():
    import ctypes
    import glob
    libs = glob.glob(os.path.join(os.path.dirname(np.__file__), "..", "numpy.libs", "libscipy_openblas*.so"))
    try:
        lib = ctypes.CDLL(libs[0])
        fn = next(getattr(lib, n) for n in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename")
                  if hasattr(lib, n))
        fn.restype = ctypes.c_char_p
        return fn().decode()
    except (IndexError, OSError, StopIteration):
        return "unknown"


def main():
    if os.environ.get("METRICS_FIXTURES_CHILD") == "default-sort":
        json.dump(compute(), sys.stdout)
        return
    assert scalar_sort_in_use(), "numpy is not using its scalar introsort; NPY_DISABLE_CPU_FEATURES had no effect"
    scs = scenarios()
    results = compute()
    doc = {
        "source": "ultralytics/yolov5 master 5081342f utils/metrics.py (process_batch, ap_per_class, "
                  "ConfusionMatrix, fitness) with ultralytics 8.4.190 box_iou/smooth; val.py's per-image loop",
        "versions": {"numpy": np.__version__, "torch": torch.__version__},
        "numpy_sort": "scalar introsort (NPY_DISABLE_CPU_FEATURES='%s')" % SCALAR_SORT_ENV,
        "iouv_f32_bits": [int(v) for v in IOUV.numpy().view(np.uint32)],
        "confusion_matrix_conf": 0.25, "confusion_matrix_iou": 0.45,
        "openblas_core": blas_core(),  # np.convolve (inside smooth) sums with this BLAS kernel's ddot
        "kernels": kernel_probes(),
        "scenarios": {name: {"nc": scs[name]["nc"], "images": scs[name]["images"], **results[name]}
                      for name in scs},
    }
    if "--compare-default-sort" in sys.argv:
        env = dict(os.environ, METRICS_FIXTURES_CHILD="default-sort")
        env.pop("NPY_DISABLE_CPU_FEATURES", None)
        other = json.loads(subprocess.run([sys.executable, os.path.abspath(__file__)], env=env, check=True,
                                          capture_output=True, text=True).stdout)
        same = {name: other[name] == results[name] for name in results}
        doc["default_numpy_sort_gives_same_results"] = same
        print("default numpy sort dispatch gives the same results:", same)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    print("wrote", os.path.normpath(OUT), os.path.getsize(OUT), "bytes")
    for name, res in results.items():
        s = res["summary"]
        print(f"{name:18s} mp {s['mp']:.6f} mr {s['mr']:.6f} map50 {s['map50']:.6f} map {s['map']:.6f}")


if __name__ == "__main__":
    main()
