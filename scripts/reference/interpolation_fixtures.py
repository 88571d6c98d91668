#!/usr/bin/env python3
"""PyTorch's bilinear interpolate (align_corners=False) on a fixed 2x3x7x9 input, for multi-scale training.

    /work/venv-ref/bin/python scripts/reference/interpolation_fixtures.py
"""
import json
import math
from pathlib import Path

import torch

OUT = Path(__file__).resolve().parents[2] / "Tests/TensorCoreTests/Fixtures/bilinear_interpolation.json"
x = torch.tensor([math.sin(0.37 * i) for i in range(2 * 3 * 7 * 9)], dtype=torch.float64).float().view(2, 3, 7, 9)
cases = []
for h, w in [(11, 5), (3, 13), (7, 9), (14, 18), (4, 4)]:
    y = torch.nn.functional.interpolate(x, size=(h, w), mode="bilinear", align_corners=False)
    cases.append({"height": h, "width": w, "output": y.flatten().tolist()})
OUT.write_text(json.dumps({"input_shape": [2, 3, 7, 9], "input": "sin(0.37*i) as float32", "cases": cases}) + "\n")
