"""Runs one of yolov5's own scripts (e.g. export.py) with its arguments, after bench_common's
torchvision check, so the script imports where only a CUDA torchvision is on PyPI:
    python yolov5_script.py <yolov5 dir> <script.py> [args...]"""
import os
import runpy
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import use_yolov5  # noqa: E402

yolov5, script = sys.argv[1], sys.argv[2]
use_yolov5(yolov5)
sys.argv = [script] + sys.argv[3:]
runpy.run_path(os.path.join(yolov5, script), run_name="__main__")
