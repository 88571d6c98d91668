"""Helpers shared by the benchmark workers: the yolov5 import path, peak RSS, FLOP counting,
and the table row format `yolo benchmark` prints (size, median, min, max in ms)."""
import resource
import statistics
import sys


def use_yolov5(path):
    """Makes a checkout of ultralytics/yolov5 importable (models.*, utils.*)."""
    sys.path.insert(0, path)


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
