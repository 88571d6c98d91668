#!/usr/bin/env python3
"""Figures for Tests/ModelTests/Fixtures/extra-modules.yaml from Ultralytics' own code.

Run from a checkout of ultralytics/yolov5 (master) with the reference venv (see README.md here):
    cd /tmp/yolov5-master && /work/venv-ref/bin/python /work/main/scripts/reference/extra_modules_figures.py
The stock runner (model_figures.sh) asserts on a GFLOPs figure, which Ultralytics cannot produce
for a model starting with Focus (its profiler builds a 12-channel input from the first weight),
so this script profiles a 3-channel 640x640 input directly instead.
"""
import io
import json
import logging
import os
import sys
from copy import deepcopy
from pathlib import Path

import thop
import torch

sys.path.insert(0, os.getcwd())  # the yolov5 checkout this runs in

from models.yolo import DetectionModel
from utils.general import LOGGER

REPO = Path(__file__).resolve().parents[2]
YAML = REPO / "Tests/ModelTests/Fixtures/extra-modules.yaml"
OUT = REPO / "Tests/ModelTests/Fixtures/extra_modules_figures.json"

captured = io.StringIO()
handler = logging.StreamHandler(captured)
LOGGER.addHandler(handler)
model = DetectionModel(str(YAML))
LOGGER.removeHandler(handler)

lines = [line for line in captured.getvalue().split("\n") if line.strip()]
summary = [line for line in lines if line.startswith("extra-modules summary")]
table = [line for line in lines if not line.startswith("extra-modules summary")]
image = torch.empty((1, 3, 640, 640))
gflops = thop.profile(deepcopy(model), inputs=[image], verbose=False)[0] / 1e9 * 2
figures = {
    "params": sum(p.numel() for p in model.parameters()),
    "layers": sum(1 for m in model.modules() if len(list(m.children())) == 0),
    "gflops_640_direct": gflops,
    "strides": model.stride.tolist(),
    "anchors_grid_units": model.model[-1].anchors.tolist(),
    "table": table,
    "summary_line_ultralytics": summary[0] if summary else None,
    "state_dict": [[name, list(value.shape)] for name, value in model.state_dict().items()],
    "_note": "Ultralytics prints no GFLOPs for this model (Focus first layer); gflops_640_direct is thop on a 3x640x640 input",
}
OUT.write_text(json.dumps({"extra-modules.yaml": figures}, indent=1, sort_keys=True) + "\n")
print(f"wrote {OUT}: {figures['params']} parameters, {figures['layers']} layers, {gflops:.4f} GFLOPs", file=sys.stderr)
