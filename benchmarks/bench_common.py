"""Helpers shared by the benchmark workers: the yolov5 import path, peak RSS, FLOP counting,
and the table row format `yolo benchmark` prints (size, median, min, max in ms)."""
import resource
import statistics
import sys


def use_yolov5(path):
    """Makes a checkout of ultralytics/yolov5 importable (models.*, utils.*)."""
    sys.path.insert(0, path)
    _stand_in_for_broken_torchvision()


def _stand_in_for_broken_torchvision():
    """yolov5's utils import torchvision only for NMS, dataset transforms and classification
    helpers, none of which the timed code calls. Where PyPI offers only a CUDA torchvision (its
    ops library needs libcudart) next to a CPU torch, importing it fails; then stand-in modules
    let yolov5 import, and any use of them raises."""
    try:
        import torchvision  # noqa: F401
    except (ImportError, OSError, RuntimeError):
        import importlib.abc
        import importlib.machinery
        import types

        for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
            del sys.modules[name]

        class Chain(type):
            def __getattr__(cls, attribute):
                if attribute.startswith("__"):
                    raise AttributeError(attribute)
                return cls

        class Unavailable(metaclass=Chain):
            def __init__(self, *_args, **_kwargs):
                raise RuntimeError("torchvision is not usable in this environment (benchmark stand-in)")

        class StandIn(importlib.abc.MetaPathFinder, importlib.abc.Loader):
            def find_spec(self, fullname, _path=None, _target=None):
                if fullname == "torchvision" or fullname.startswith("torchvision."):
                    return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
                return None

            def create_module(self, spec):
                module = types.ModuleType(spec.name)
                module.__path__ = []
                module.__version__ = "0.0"
                def missing(attribute):
                    if attribute.startswith("__"):
                        raise AttributeError(attribute)
                    return Unavailable

                module.__getattr__ = missing
                return module

            def exec_module(self, module):
                pass

        sys.meta_path.insert(0, StandIn())
        print("note: torchvision could not be imported; stand-ins without function are used", file=sys.stderr)


def peak_rss_mib():
    """This process's peak resident set (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def print_peak_rss():
    print(f"peak resident memory: {peak_rss_mib():.1f} MiB (ru_maxrss)")


def row(size, times):
    return f"{size:>10}{statistics.median(times):>14.1f}{min(times):>12.1f}{max(times):>12.1f}"


def conv_gflops(model, size):
    """2 x multiply-accumulates of every Conv2d for one 1x3xsize x size image (what thop reports for YOLOv5)."""
    import torch

    macs = []

    def hook(module, _inputs, output):
        k = module.kernel_size[0] * module.kernel_size[1]
        macs.append(output.numel() * (module.in_channels // module.groups) * k)

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size))
    model.train(training)
    for h in handles:
        h.remove()
    return 2 * sum(macs) / 1e9
