"""Writes the small torch.save fixtures of Tests/CheckpointTests/Fixtures and their expected contents.

Run with the reference venv (torch 2.13):  /work/venv-ref/bin/python scripts/reference/checkpoint_fixtures.py

Files (all tiny, deterministic):
  small_state_dict.pt            plain state_dict (OrderedDict name -> tensor), default protocol 2; every dtype the
                                 reader supports, a 0-d int64 > 2**31, an empty tensor, and two tensors that share one
                                 storage (one a view at storage_offset 3). Record prefix = file stem, not 'archive'.
  small_state_dict_protocol4.pt  the same dict saved with pickle_protocol=4 (FRAME, SHORT_BINUNICODE, MEMOIZE, ...).
  tiny_model.pt                  an Ultralytics-style whole-model checkpoint {'epoch', 'model', 'ema', ...}: nn.Modules
                                 pickled whole, fp16, with a None bias, a persistent and a non-persistent buffer, a
                                 `names` dict and a `yaml` dict. 'ema' is set, so the reader must take it over 'model'.
  tiny_state_dict.pt             {'epoch': 1, 'model': ema.state_dict()}: a checkpoint dict whose 'model' is a plain
                                 state_dict, with the `_metadata` BUILD that Module.state_dict() attaches.
  noncontiguous.pt               a state_dict holding a transposed (non-contiguous) view, which the reader must reject.
  checkpoint_fixtures.json       expected name, dtype, shape and raw little-endian bytes (hex) of every state_dict entry.
"""
import json
import os
import pickletools
from collections import OrderedDict

import torch
from torch import nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "CheckpointTests", "Fixtures")
DTYPES = {torch.float16: "float16", torch.float32: "float32", torch.float64: "float64", torch.int64: "int64",
          torch.int32: "int32", torch.uint8: "uint8", torch.bool: "bool"}


def describe(state_dict):
    return [{"name": k, "dtype": DTYPES[v.dtype], "shape": list(v.shape),
             "hex": v.detach().contiguous().numpy().tobytes().hex()} for k, v in state_dict.items()]


def opcodes(path, record_suffix="/data.pkl"):
    import zipfile
    with zipfile.ZipFile(path) as z:
        name = next(n for n in z.namelist() if n.endswith(record_suffix))
        return name, sorted({op.name for op, _, _ in pickletools.genops(z.read(name))})


def small_state_dict():
    base = torch.arange(10, dtype=torch.float32) * 0.5
    return OrderedDict([
        ("conv.weight", torch.tensor([[1.0, -0.0, 3.5], [1e-40, -2.25, 1e30]], dtype=torch.float32).reshape(2, 3, 1, 1)),
        ("half", torch.tensor([1.0, -2.5, 65504.0, 6e-8, -0.0, float("inf")], dtype=torch.float16)),
        ("double", torch.tensor([[0.1, -1e300], [5e-324, 2.0]], dtype=torch.float64)),
        ("steps", torch.tensor(123456789012, dtype=torch.int64)),
        ("int32", torch.tensor([-1, 0, 2147483647], dtype=torch.int32)),
        ("bytes", torch.tensor([0, 1, 127, 128, 255], dtype=torch.uint8)),
        ("mask", torch.tensor([[True, False], [False, True]])),
        ("empty", torch.zeros(0, 3)),
        ("base", base),
        ("window", base[3:7]),  # a view: same storage, storage_offset 3
    ])


def tiny_model(seed):
    torch.manual_seed(seed)
    model = nn.Sequential(OrderedDict([
        ("conv", nn.Conv2d(3, 4, 1, bias=False)),
        ("bn", nn.BatchNorm2d(4)),
        ("head", nn.Sequential(nn.Conv2d(4, 2, 1), nn.SiLU())),
    ]))
    model.bn.running_mean.uniform_(-1, 1)
    model.bn.num_batches_tracked.fill_(7)
    model.register_buffer("anchors", torch.tensor([[1.25, 1.625], [2.0, 3.75]]))
    model.register_buffer("scratch", torch.zeros(2), persistent=False)  # must not be in the state_dict
    model.names = {0: "cat", 1: "dog"}
    model.yaml = {"nc": 2, "depth_multiple": 0.33, "width_multiple": 0.25, "backbone": [[-1, 1, "Conv", [4, 1]]],
                  "head": [[-1, 1, "Conv", [2, 1]]]}
    return model.half().eval()


def main():
    os.makedirs(OUT, exist_ok=True)
    expected = {}

    sd = small_state_dict()
    for name, kwargs in [("small_state_dict", {}), ("small_state_dict_protocol4", {"pickle_protocol": 4})]:
        path = os.path.join(OUT, name + ".pt")
        torch.save(sd, path, **kwargs)
        record, ops = opcodes(path)
        loaded = torch.load(path, weights_only=False)  # our own file; the weights_only loader lacks FRAME
        assert list(loaded) == list(sd) and all(torch.equal(loaded[k], sd[k]) for k in sd)
        expected[name + ".pt"] = {"kind": "stateDict", "prefix": record.split("/")[0], "opcodes": ops,
                                  "state_dict": describe(sd)}

    model, ema = tiny_model(0), tiny_model(1)
    path = os.path.join(OUT, "tiny_model.pt")
    torch.save({"epoch": 3, "best_fitness": 0.5, "model": model, "ema": ema, "updates": None,
                "date": "2024-01-02T03:04:05"}, path)
    record, ops = opcodes(path)
    loaded = torch.load(path, weights_only=False)
    assert list(loaded["ema"].state_dict()) == list(ema.state_dict())
    expected["tiny_model.pt"] = {"kind": "wholeModel", "prefix": record.split("/")[0], "opcodes": ops,
                                 "state_dict": describe(ema.state_dict()), "names": ["cat", "dog"], "nc": 2,
                                 "epoch": 3}

    path = os.path.join(OUT, "tiny_state_dict.pt")
    torch.save({"epoch": 1, "model": ema.state_dict()}, path)
    record, ops = opcodes(path)
    assert "BUILD" in ops
    expected["tiny_state_dict.pt"] = {"kind": "stateDict", "prefix": record.split("/")[0], "opcodes": ops,
                                      "state_dict": describe(ema.state_dict())}

    path = os.path.join(OUT, "noncontiguous.pt")
    torch.save(OrderedDict([("transposed", torch.arange(6, dtype=torch.float32).reshape(2, 3).t())]), path)
    expected["noncontiguous.pt"] = {"error": "not contiguous"}

    expected["_generator"] = {"script": "scripts/reference/checkpoint_fixtures.py", "torch": torch.__version__}
    with open(os.path.join(OUT, "checkpoint_fixtures.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    for name in sorted(os.listdir(OUT)):
        print(f"{os.path.getsize(os.path.join(OUT, name)):8d}  {name}")


if __name__ == "__main__":
    main()
