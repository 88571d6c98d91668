#!/usr/bin/env python3
"""Record per-model reference figures from the Ultralytics YOLOv5 PyTorch code.

For every model YAML this builds ``DetectionModel(cfg, ch=3, nc=...)`` with the YOLOv5 sources given by
``--yolov5`` (an exported work tree, not part of this repository) and writes one JSON object per model:
parameter / gradient counts, both "layers" conventions, GFLOPs, the summary line and the parse_model table as
the YOLOv5 logger printed them, the per-row data behind that table, strides, anchors and (for a few models)
the state_dict names and shapes.

Run it through ``model_figures.sh``, which prepares the Python environment and the YOLOv5 sources.
See README.md in this folder.
"""

from __future__ import annotations

import argparse
import inspect
import json
import logging
import os
import platform
import sys
from copy import deepcopy
from pathlib import Path

os.environ.setdefault("YOLO_OFFLINE", "1")  # the ultralytics package must not try to reach the network

REPO = Path(__file__).resolve().parents[2]
DEFAULT_MODELS_DIR = REPO / "models"
DEFAULT_OUT = REPO / "Tests" / "ModelTests" / "Fixtures" / "ultralytics_model_figures.json"

# Default YAML files that are not plain detection models (or that this fixture leaves out on purpose).
SKIP_NAMES = {"anchors.yaml", "yolov5s-transformer.yaml"}
SKIP_DIRS = {"segment"}

# Extra figures for a few models.
STATE_DICT_KEYS = {"yolov5n.yaml", "yolov5s.yaml"}  # keys whose full state_dict (name, shape) list is stored
GFLOPS_320_STEMS = {"yolov5n", "yolov5s"}  # models whose 320x320 GFLOPs are also stored
EXTRA_VARIANTS = [("yolov5s.yaml", 3)]  # (yaml relative to the models dir, nc override)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("yamls", nargs="*", help="model YAML files; 'path@nc=N' overrides nc (default: every *.yaml "
                   "in --models-dir and --models-dir/hub, plus the built-in extra variants)")
    p.add_argument("--yolov5", required=True, help="root of an exported ultralytics/yolov5 work tree")
    p.add_argument("--yolov5-commit", default="unknown", help="commit of that work tree, recorded in _generator")
    p.add_argument("--models-dir", default=str(DEFAULT_MODELS_DIR), help="JSON keys are paths relative to this")
    p.add_argument("--out", default=str(DEFAULT_OUT), help="output JSON file")
    p.add_argument("--no-extras", action="store_true", help="do not add the built-in extra variants (nc=3)")
    return p.parse_args()


class Capture(logging.Handler):
    """Collects every message sent to the YOLOv5 / ultralytics logger."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def main():
    args = parse_args()
    yolov5 = Path(args.yolov5).resolve()
    models_dir = Path(args.models_dir).resolve()
    out_path = Path(args.out).resolve()
    specs = [(str(Path(p).resolve()), o) for p, _, o in (y.partition("@") for y in args.yamls)]  # before chdir
    sys.path.insert(0, str(yolov5))
    os.chdir(yolov5)  # models/yolo.py makes ROOT relative to the working directory

    import numpy
    import thop
    import torch
    import ultralytics
    from ultralytics.utils.torch_utils import get_flops  # the function master's model_info calls

    import models.yolo as yolo  # YOLOv5's own code
    from models.common import Conv
    from utils.general import LOGGER

    torch.manual_seed(0)
    default_act = Conv.default_act  # parse_model overwrites this class attribute for YAMLs with 'activation:'

    # --- find the parse_model line that logs one table row, to read its locals while it runs -------------------
    src, first = inspect.getsourcelines(yolo.parse_model)
    row_lines = [first + k for k, s in enumerate(src) if 'LOGGER.info(f"{i:>3}' in s]
    assert len(row_lines) == 1, "parse_model's row log line not found; YOLOv5 sources changed?"
    row_lineno = row_lines[0]
    orig_parse_model = yolo.parse_model
    trace = {}

    def traced_parse_model(d, ch):
        rows, final = [], {}

        def local(frame, event, arg):
            if event == "line" and frame.f_lineno == row_lineno:
                v = frame.f_locals
                rows.append({"i": v["i"], "from": v["f"], "n": v["n_"], "params": int(v["np"]), "module": v["t"],
                             "arguments": str(v["args"])})
            elif event == "return":
                final["ch"] = list(frame.f_locals["ch"])
            return local

        def glob(frame, event, arg):
            return local if event == "call" and frame.f_code is orig_parse_model.__code__ else None

        sys.settrace(glob)
        try:
            out = orig_parse_model(d, ch)
        finally:
            sys.settrace(None)
        trace["rows"], trace["ch"] = rows, final["ch"]
        return out

    yolo.parse_model = traced_parse_model

    header = f"{'':>3}{'from':>18}{'n':>3}{'params':>10}  {'module':<40}{'arguments':<30}"

    def gflops_direct(model, size):
        im = torch.zeros(1, 3, size, size)
        return thop.profile(deepcopy(model), inputs=(im,), verbose=False)[0] / 1e9 * 2

    def gflops_v7(model, size):
        # v6.x / v7.0 model_info: profile one stride x stride image, scale by (size / stride)^2
        stride = max(int(model.stride.max()), 32)
        im = torch.empty((1, 3, stride, stride))
        flops = thop.profile(deepcopy(model), inputs=(im,), verbose=False)[0] / 1e9 * 2
        return flops * size / stride * size / stride

    def figures(cfg: Path, nc, key):
        Conv.default_act = default_act  # every model starts from a fresh process's state
        cap, quiet = Capture(), LOGGER.handlers[:]
        for hd in quiet:  # keep the console tidy: messages go to the capture only
            LOGGER.removeHandler(hd)
        LOGGER.addHandler(cap)
        try:
            trace.clear()
            model = yolo.DetectionModel(str(cfg), ch=3, nc=nc)
        finally:
            LOGGER.removeHandler(cap)
            for hd in quiet:
                LOGGER.addHandler(hd)
        model.eval()
        lines = [ln for msg in cap.messages for ln in msg.split("\n")]
        rows, ch = trace["rows"], trace["ch"]

        # the printed table: the header, then one line per row, each checked against the traced values
        # (for a YAML with 'activation:', parse_model logs that line between the header and row 0)
        used = [lines.index(header)]
        for r in rows:
            expect = f"{r['i']:>3}{r['from']!s:>18}{r['n']:>3}{r['params']:10.0f}  {r['module']:<40}{r['arguments']:<30}"
            used.append(lines.index(expect, used[-1] + 1))  # ValueError if the logged line differs
        table = [lines[k] for k in used]
        summary = [ln for ln in lines if " summary" in ln and " layers, " in ln]
        assert len(summary) == 1, (key, summary)
        other = [ln for k, ln in enumerate(lines) if ln and k not in used and ln != summary[0]]

        det = model.model[-1]
        n_p = sum(x.numel() for x in model.parameters())
        n_g = sum(x.numel() for x in model.parameters() if x.requires_grad)
        leaf = sum(1 for m in model.modules() if len(m._modules) == 0)
        for r, m, c in zip(rows, model.model, ch):
            assert (r["i"], r["from"], r["params"], r["module"]) == (m.i, m.f, m.np, m.type), (key, r)
            r["out_channels"] = c
        rec = {
            "yaml": cfg.name,
            "nc": model.yaml["nc"],
            "depth_multiple": model.yaml["depth_multiple"],
            "width_multiple": model.yaml["width_multiple"],
            "params": n_p,
            "gradients": n_g,
            "layers": leaf,
            "layers_v7": len(list(model.modules())),
            "gflops_640": get_flops(model, 640),
            "gflops_640_direct": gflops_direct(model, 640),
            "gflops_640_v7": gflops_v7(model, 640),
            "summary_line": summary[0],
            "other_log_lines": other,
            "strides": model.stride.tolist(),
            "anchors_grid_units": det.anchors.tolist(),
            "rows": rows,
            "table": table,
            "state_dict_entries": len(model.state_dict()),
        }
        assert f"{leaf:,} layers, {n_p:,} parameters, {n_g:,} gradients, {rec['gflops_640']:.1f} GFLOPs" in summary[0]
        if Path(cfg).stem in GFLOPS_320_STEMS:
            rec["gflops_320"] = get_flops(model, 320)
            rec["gflops_320_direct"] = gflops_direct(model, 320)
        if key in STATE_DICT_KEYS:
            rec["state_dict"] = [[k, list(v.shape)] for k, v in model.state_dict().items()]
        return rec

    # --- which models -------------------------------------------------------------------------------------------
    jobs = []  # (cfg path, nc override, key)

    def key_for(path: Path):
        try:
            return path.resolve().relative_to(models_dir).as_posix()
        except ValueError:
            return path.name

    if specs:
        for path, opt in specs:
            nc = int(opt.split("=", 1)[1]) if opt else None
            key = key_for(Path(path)) + (f"@nc={nc}" if nc else "")
            jobs.append((Path(path).resolve(), nc, key))
    else:
        found = sorted(models_dir.glob("*.yaml")) + sorted((models_dir / "hub").glob("*.yaml"))
        for path in found:
            if path.name in SKIP_NAMES or SKIP_DIRS & set(path.relative_to(models_dir).parts):
                continue
            jobs.append((path, None, key_for(path)))
        if not args.no_extras:
            for rel, nc in EXTRA_VARIANTS:
                if (models_dir / rel).exists():
                    jobs.append((models_dir / rel, nc, f"{rel}@nc={nc}"))

    out = {}
    failed = {}
    for cfg, nc, key in jobs:
        try:
            out[key] = figures(cfg, nc, key)
            r = out[key]
            print(f"{key:32s} params {r['params']:>11,}  layers {r['layers']:>4}/{r['layers_v7']:<4} "
                  f"GFLOPs@640 {r['gflops_640']:.4f}", file=sys.stderr)
        except Exception as e:  # record and go on with the other models
            failed[key] = f"{type(e).__name__}: {e}"
            print(f"{key:32s} FAILED {failed[key]}", file=sys.stderr)

    out["_generator"] = {
        "script": "scripts/reference/model_figures.py",
        "yolov5_commit": args.yolov5_commit,
        "torch": torch.__version__,
        "ultralytics": ultralytics.__version__,
        "ultralytics_thop": getattr(thop, "__version__", "unknown"),
        "numpy": numpy.__version__,
        "python": platform.python_version(),
        "failed": failed,
        "notes": [
            "params/gradients: sum of numel over model.parameters() (requires_grad only for gradients)",
            "layers: leaf modules (modules without children), as today's model_info counts them; "
            "layers_v7: len(list(model.modules())) as v6.x/v7.0 model_info printed",
            "gflops_640: ultralytics get_flops(model, 640) as called by model_info (not rounded); "
            "gflops_640_direct: thop on a 640x640 input; gflops_640_v7: v7.0 formula (stride x stride, scaled)",
            "table: the lines parse_model logged (header first; the header's leading newline dropped)",
            "rows[].out_channels: the value parse_model appended to its channel list for that row "
            "(for Detect this is the previous row's value, left over in parse_model's c2 variable)",
            "anchors_grid_units: Detect.anchors buffer after division by the strides",
            "state_dict: [name, shape] for every entry, buffers included, only for some models",
        ],
    }
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with open(out_path, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {out_path}: {len(out) - 1} models, {len(failed)} failed", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
