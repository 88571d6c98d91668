"""Writes Tests/TrainTests/Fixtures/optimizer_fixtures.json: torch.optim and YOLOv5's training-loop bookkeeping on a
small seeded model, for the Swift optimizers, gradient clipping, warm-up/LR schedules and ModelEMA.

Run inside an Ultralytics YOLOv5 work tree (master 5081342f) with the reference venv (torch 2.13, numpy 2.4.6,
ultralytics 8.4.190, whose one_cycle master's utils.general re-exports):

    cd /tmp/yolov5-master && /work/venv-ref/bin/python /work/main/scripts/reference/optimizer_fixtures.py

What it records:

  optimizers  YOLOv5's own smart_optimizer(model, name, lr, momentum, decay) for SGD, Adam, AdamW and RMSProp on a
              tiny Conv/BN/Conv/BN/Conv-with-bias model (the three parameter groups and their names in order), then
              five optimizer.step() calls with seeded gradients; before each step every group's lr (and, where the
              group has a `momentum` key, its momentum) is set the way train.py's warm-up sets them. Stored: the
              starting parameters, each step's gradients and group settings, the parameters after every step, and
              the final optimizer.state (step count and buffers per parameter).
  clip        torch.nn.utils.clip_grad_norm_(params, max_norm=10) on 15 seeded gradients whose total norm is about
              15 (so the coefficient is below 1): the returned norm and the clipped gradients; and a second set
              whose norm is below 10 (only the norm: the gradients are unchanged).
  schedules   train.py's loop without the model: smart_optimizer, LambdaLR(lf) with `scheduler.last_epoch =
              start_epoch - 1`, and per batch the warm-up block (nw, accumulate, per-group lr and momentum, copied
              from train.py line for line), the `ni - last_opt_step >= accumulate` step condition and
              scheduler.step() after each epoch, for several (nb, epochs, batch, warmup_epochs, lf, optimizer).
              Also lf(0..epochs) for linear and cosine.
  ema         YOLOv5's ModelEMA on a model with a float `anchors` buffer and batch norms: three updates from
              updates=0, then `updates` set to 2500 (as smart_resume does) and two more; the model's floating and
              integer state changes between updates.

Float32 values are written in their shortest round-trip decimal form, so the Swift test reads them back exactly.
"""
import json
import math
import os
import platform
import sys
import warnings

sys.path.insert(0, os.getcwd())  # the YOLOv5 work tree

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.optim import lr_scheduler  # noqa: E402

from utils.general import one_cycle  # noqa: E402
from utils.torch_utils import ModelEMA, smart_optimizer  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "TrainTests", "Fixtures",
                   "optimizer_fixtures.json")
warnings.filterwarnings("ignore", category=UserWarning)  # LambdaLR's "step before optimizer.step" notice
torch.set_num_threads(2)


def f32_list(tensor):
    """Float32 values as Python floats whose repr is the shortest decimal that reads back to the same float32."""
    out = []
    for v in tensor.detach().reshape(-1).numpy().astype(np.float32):
        text = np.format_float_positional(v, unique=True, trim="-") if abs(v) >= 1e-4 or v == 0 else \
            np.format_float_scientific(v, unique=True, trim="-")
        x = float(text)
        assert np.float32(x) == v, (text, v)
        out.append(x)
    return out


class Tiny(nn.Module):
    """Conv(bias=False) + BN, Conv(bias=False) + BN, a Conv with bias: the parameter kinds YOLOv5 has."""

    def __init__(self, with_anchors=False):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3, bias=False)
        self.bn = nn.BatchNorm2d(3)
        self.cv2 = nn.Conv2d(3, 8, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.head = nn.Conv2d(8, 6, 1, bias=True)
        if with_anchors:
            self.register_buffer("anchors", torch.tensor([[1.25, 1.625], [2.0, 3.75], [4.125, 2.875]]))


def role(module, name):
    if name == "bias":
        return "normBias" if isinstance(module, nn.BatchNorm2d) else "convolutionBias"
    if isinstance(module, nn.BatchNorm2d):
        return {"weight": "normWeight", "running_mean": "runningMean", "running_var": "runningVariance",
                "num_batches_tracked": "batchesTracked"}[name]
    return "anchors" if name == "anchors" else "convolutionWeight"


def seeded_model(seed, **kwargs):
    torch.manual_seed(seed)
    model = Tiny(**kwargs)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn_like(p) * 0.2)
    return model


# ------------------------------------------------------------------------------------------------------------------
# optimizers


def optimizer_fixture():
    model = seeded_model(1)
    names = {id(p): n for n, p in model.named_parameters()}
    params = [{"name": n, "role": role(model.get_submodule(n.rsplit(".", 1)[0]), n.rsplit(".", 1)[1]),
               "shape": list(p.shape), "values": f32_list(p)} for n, p in model.named_parameters()]
    start = {n: p.detach().clone() for n, p in model.named_parameters()}

    steps = 5
    gen = torch.Generator().manual_seed(2)
    grads = []
    for s in range(steps):
        g = {}
        for n, p in model.named_parameters():
            v = torch.randn(p.shape, generator=gen) * 0.05
            v[torch.rand(p.shape, generator=gen) < 0.1] = 0.0  # some exact zeros
            g[n] = v
        grads.append(g)

    settings = {"SGD": (0.01, 0.937, 0.05), "Adam": (0.001, 0.937, 0.05), "AdamW": (0.001, 0.937, 0.05),
                "RMSProp": (0.01, 0.937, 0.05)}
    runs = {}
    for name, (lr0, momentum, decay) in settings.items():
        with torch.no_grad():
            for n, p in model.named_parameters():
                p.copy_(start[n])
        optimizer = smart_optimizer(model, name, lr0, momentum, decay)
        groups = [{"names": [names[id(p)] for p in g["params"]],
                   **{k: g[k] for k in ("lr", "momentum", "weight_decay", "nesterov", "betas", "alpha", "eps")
                      if k in g}} for g in optimizer.param_groups]
        # warm-up-like settings per step: the bias lr falls from 0.1, the others rise from 0, momentum from 0.8
        nw = 6
        step_settings, after = [], []
        for s in range(steps):
            ni = s + 1
            for j, x in enumerate(optimizer.param_groups):
                x["lr"] = float(np.interp(ni, [0, nw], [0.1 if j == 0 else 0.0, lr0 * (1 - 0.05 * s)]))
                if "momentum" in x:
                    x["momentum"] = float(np.interp(ni, [0, nw], [0.8, momentum]))
            step_settings.append([{k: x[k] for k in ("lr", "momentum") if k in x} for x in optimizer.param_groups])
            for n, p in model.named_parameters():
                p.grad = grads[s][n].clone()
            optimizer.step()
            after.append([f32_list(p) for _, p in model.named_parameters()])
        state = {}
        for p, st in optimizer.state.items():
            state[names[id(p)]] = {k: (int(v.item()) if k == "step" else f32_list(v)) for k, v in st.items()}
        runs[name] = {"lr0": lr0, "momentum": momentum, "decay": decay, "groups": groups,
                      "step_settings": step_settings, "after_step": after, "final_state": state}
    return {"params": params, "grads": [[f32_list(g[n]) for n, _ in model.named_parameters()] for g in grads],
            "runs": runs}


# ------------------------------------------------------------------------------------------------------------------
# gradient clipping


def clip_fixture():
    gen = torch.Generator().manual_seed(3)
    sizes = [1, 3, 7, 8, 9, 15, 16, 17, 24, 31, 40, 5, 12, 2, 20]
    cases = []
    for scale in (1.0, 0.2):
        ps = [nn.Parameter(torch.zeros(n)) for n in sizes]
        for p in ps:
            p.grad = torch.randn(p.shape, generator=gen) * scale
        before = [f32_list(p.grad) for p in ps]
        total = torch.nn.utils.clip_grad_norm_(ps, max_norm=10.0)
        case = {"max_norm": 10.0, "grads": before, "total_norm": float(total)}
        case["clipped"] = [f32_list(p.grad) for p in ps] if float(total) > 10 else None
        cases.append(case)
    assert cases[0]["total_norm"] > 10 > cases[1]["total_norm"], [c["total_norm"] for c in cases]
    return cases


# ------------------------------------------------------------------------------------------------------------------
# schedules: train.py's loop, model and data left out


def schedule_fixture(nb, epochs, batch_size, warmup_epochs, cos_lr, optimizer_name):
    hyp = {"lr0": 0.01, "lrf": 0.01, "momentum": 0.937, "weight_decay": 0.0005, "warmup_epochs": warmup_epochs,
           "warmup_momentum": 0.8, "warmup_bias_lr": 0.1}
    model = seeded_model(4)
    nbs = 64  # nominal batch size
    accumulate = max(round(nbs / batch_size), 1)  # accumulate loss before optimizing
    hyp["weight_decay"] *= batch_size * accumulate / nbs  # scale weight_decay
    optimizer = smart_optimizer(model, optimizer_name, hyp["lr0"], hyp["momentum"], hyp["weight_decay"])
    if cos_lr:
        lf = one_cycle(1, hyp["lrf"], epochs)  # cosine 1->hyp['lrf']
    else:
        def lf(x):
            return (1 - x / epochs) * (1.0 - hyp["lrf"]) + hyp["lrf"]  # linear
    scheduler = lr_scheduler.LambdaLR(optimizer, lr_lambda=lf)
    start_epoch = 0
    nw = max(round(hyp["warmup_epochs"] * nb), 100)  # number of warmup iterations, max(3 epochs, 100 iterations)
    last_opt_step = -1
    scheduler.last_epoch = start_epoch - 1  # do not move
    record = {"nb": nb, "epochs": epochs, "batch_size": batch_size, "warmup_epochs": warmup_epochs,
              "schedule": "cosine" if cos_lr else "linear", "optimizer": optimizer_name, "nw": nw,
              "initial_accumulate": accumulate, "weight_decay": hyp["weight_decay"],
              "initial_lr": [x["lr"] for x in optimizer.param_groups],
              "initial_momentum": [x.get("momentum") for x in optimizer.param_groups],
              "epoch": [], "i": [], "accumulate": [], "step": [], "lr": [], "momentum": [], "epoch_end_lr": []}
    for epoch in range(start_epoch, epochs):
        for i in range(nb):
            ni = i + nb * epoch  # number integrated batches (since train start)
            if ni <= nw:
                xi = [0, nw]  # x interp
                accumulate = max(1, np.interp(ni, xi, [1, nbs / batch_size]).round())
                for j, x in enumerate(optimizer.param_groups):
                    x["lr"] = np.interp(ni, xi, [hyp["warmup_bias_lr"] if j == 0 else 0.0, x["initial_lr"] * lf(epoch)])
                    if "momentum" in x:
                        x["momentum"] = np.interp(ni, xi, [hyp["warmup_momentum"], hyp["momentum"]])
            stepped = bool(ni - last_opt_step >= accumulate)
            if stepped:
                optimizer.step()  # no gradients: nothing moves, but LambdaLR sees the step
                last_opt_step = ni
            # one row per iteration ni = 0, 1, ...; momentum is the same in every group (None for Adam/AdamW)
            record["epoch"].append(epoch)
            record["i"].append(i)
            record["accumulate"].append(int(accumulate))
            record["step"].append(int(stepped))
            record["lr"].append([float(x["lr"]) for x in optimizer.param_groups])
            momenta = {float(x["momentum"]) if "momentum" in x else None for x in optimizer.param_groups}
            assert len(momenta) == 1, momenta
            record["momentum"].append(momenta.pop())
        scheduler.step()
        record["epoch_end_lr"].append([float(x["lr"]) for x in optimizer.param_groups])
    return record


def lf_values(epochs, lrf):
    cos = one_cycle(1, lrf, epochs)
    return {"epochs": epochs, "lrf": lrf, "linear": [(1 - x / epochs) * (1.0 - lrf) + lrf for x in range(epochs + 1)],
            "cosine": [cos(x) for x in range(epochs + 1)]}


# ------------------------------------------------------------------------------------------------------------------
# EMA


def ema_fixture():
    model = seeded_model(5, with_anchors=True)
    with torch.no_grad():
        for m in (model.bn, model.bn2):
            m.running_mean.copy_(torch.randn_like(m.running_mean) * 0.1)
            m.running_var.copy_(torch.rand_like(m.running_var) + 0.5)
    ema = ModelEMA(model)
    entries = [{"name": k, "role": role(model.get_submodule(k.rsplit(".", 1)[0]) if "." in k else model,
                                        k.rsplit(".", 1)[-1]),
                "floating": bool(v.dtype.is_floating_point), "shape": list(v.shape),
                "values": f32_list(v.float())} for k, v in ema.ema.state_dict().items()]
    gen = torch.Generator().manual_seed(6)
    updates = []
    for u in range(5):
        if u == 3:
            ema.updates = 2500  # as smart_resume restores it
        with torch.no_grad():
            for k, v in model.state_dict().items():
                if k == "anchors":
                    continue  # a buffer nothing trains
                if v.dtype.is_floating_point:
                    v.add_(torch.randn(v.shape, generator=gen) * 0.01)
                else:
                    v.add_(1)
        before = ema.updates
        ema.update(model)
        updates.append({"updates_before": before, "updates_after": ema.updates,
                        "decay": ema.decay(ema.updates),
                        "model": [f32_list(v.float()) for v in model.state_dict().values()],
                        "ema": [f32_list(v.float()) for v in ema.ema.state_dict().values()]})
    return {"entries": entries, "updates": updates}


def main():
    fixture = {
        "_generator": {
            "script": "scripts/reference/optimizer_fixtures.py",
            "yolov5": "master 5081342f (smart_optimizer, ModelEMA, train.py's warm-up loop)",
            "torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version(),
            "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(), "threads": torch.get_num_threads(),
        },
        "optimizers": optimizer_fixture(),
        "clip": clip_fixture(),
        "schedules": [
            schedule_fixture(7, 5, 16, 3.0, False, "SGD"),
            schedule_fixture(7, 5, 16, 3.0, True, "SGD"),
            schedule_fixture(30, 4, 24, 3.0, False, "SGD"),
            schedule_fixture(30, 4, 40, 3.3, True, "Adam"),
            schedule_fixture(25, 6, 10, 5.0, False, "RMSProp"),
            schedule_fixture(25, 5, 128, 0.5, True, "AdamW"),
        ],
        "lf": [lf_values(5, 0.01), lf_values(30, 0.01), lf_values(7, 0.2)],
        "ema": ema_fixture(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT)} ({os.path.getsize(OUT) / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
