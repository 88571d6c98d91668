#!/usr/bin/env python3
"""Gradients of every module kind the stock models leave out, from Ultralytics' own code.

Builds Tests/ModelTests/Fixtures/extra-modules.yaml at width 0.125 (small enough to store), sets
every state_dict tensor to a fixed pattern, runs one train-mode forward on a fixed 2x3x128x128
input, back-propagates L = sum over levels of sum(raw * coef) (so dL/draw = coef), and stores the
input, the weights, coef, every parameter's gradient and the BatchNorm running statistics.

Training-mode batch norm over few values per channel is ill-conditioned, so float32 results drift
from the exact ones by up to ~1e-3 of a tensor's largest gradient, in PyTorch too. The stored
gradients and raw outputs therefore come from the same computation in float64, and for each
gradient tensor `torch32_error.<name>` holds how far PyTorch's own float32 run is from them
(max|diff|): the test holds us to a small multiple of that. (Some batch-norm biases feed another
training-mode batch norm, which removes any constant: their exact gradient is zero.)

    cd /tmp/yolov5-master && /work/venv-ref/bin/python /work/main/scripts/reference/module_gradient_fixtures.py
"""
import copy
import math
import os
import sys
from pathlib import Path

import torch
import yaml
from safetensors.torch import save_file

sys.path.insert(0, os.getcwd())  # the yolov5 checkout this runs in

from models.yolo import DetectionModel

REPO = Path(__file__).resolve().parents[2]
YAML = REPO / "Tests/ModelTests/Fixtures/extra-modules.yaml"
OUT = REPO / "Tests/ModelTests/Fixtures/extra_modules_gradients.safetensors"
WIDTH = 0.125


def pattern(count, phase, scale, offset=0.0):
    return torch.tensor([offset + scale * math.sin(0.7 * i + phase) for i in range(count)], dtype=torch.float64).float()


cfg = yaml.safe_load(YAML.read_text())
cfg["width_multiple"] = WIDTH
torch.manual_seed(0)
model = DetectionModel(cfg)
state = model.state_dict()
weights = {}
for k, (name, value) in enumerate(state.items()):
    if not value.dtype.is_floating_point or name.endswith("anchors"):
        continue
    n = value.numel()
    if name.endswith("running_mean"):
        new = pattern(n, k, 0.1)
    elif name.endswith("running_var"):
        new = pattern(n, k, 0.2, 1.0)
    elif name.endswith("bn.weight") or (value.dim() == 1 and name.endswith(".weight")):
        new = pattern(n, k, 0.2, 1.0)
    elif value.dim() == 1:  # biases
        new = pattern(n, k, 0.1)
    else:
        fan_in = value[0].numel()
        new = pattern(n, k, 1.0 / math.sqrt(fan_in))
    value.copy_(new.view_as(value))
    weights[name] = value.detach().clone().contiguous()
model.train()
model64 = copy.deepcopy(model).double()
image = pattern(2 * 3 * 128 * 128, 0.3, 0.5, 0.5).view(2, 3, 128, 128)


def run(net, dtype):
    raw = net(image.to(dtype))
    coefs = {f"coef.l{level}": pattern(x.numel(), level, 1.0).view_as(x) for level, x in enumerate(raw)}
    loss = sum((x * coefs[f"coef.l{level}"].to(dtype)).sum() for level, x in enumerate(raw))
    loss.backward()
    return raw, coefs, loss


raw32, _, _ = run(model, torch.float32)
raw, coefs, loss = run(model64, torch.float64)
tensors = {"input": image.contiguous()}
tensors.update({k: v.contiguous() for k, v in coefs.items()})
tensors.update({f"weight.{k}": v for k, v in weights.items()})
for (name, p32), (_, p) in zip(model.named_parameters(), model64.named_parameters()):
    tensors[f"grad.{name}"] = p.grad.detach().float().contiguous()
    error = (p32.grad.double() - p.grad).abs().max().item()
    tensors[f"torch32_error.{name}"] = torch.tensor([error])
for name, value in model64.state_dict().items():
    if name.endswith("running_mean") or name.endswith("running_var"):
        tensors[f"after.{name}"] = value.detach().float().contiguous()
for level, x in enumerate(raw):
    tensors[f"raw.l{level}"] = x.detach().float().contiguous()
    tensors[f"torch32_error.raw.l{level}"] = torch.tensor([(raw32[level].double() - x).abs().max().item()])
save_file(tensors, str(OUT))
print(f"wrote {OUT}: {sum(p.numel() for p in model.parameters())} parameters, loss {loss.item():.6f}, PyTorch float32 worst gradient error "
      f"{max(v.item() for k, v in tensors.items() if k.startswith('torch32_error.model')):.2e}", file=sys.stderr)
