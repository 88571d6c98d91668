#!/usr/bin/env bash
# Interleaves `yolo benchmark` (release build) with PyTorch's CPU inference on the same machine,
# A B A B, so minute-to-minute drift of the machine hits both sides alike.
#   benchmarks/compare_inference.sh [rounds]
# Needs: a yolov5 checkout in $YOLOV5_DIR and a Python with torch in $REF_PYTHON
# (scripts/reference/model_figures.sh sets both up: /work/venv-ref and an exported master tree).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
python=${REF_PYTHON:-/work/venv-ref/bin/python}
yolov5=${YOLOV5_DIR:-/tmp/yolov5-master}
weights=${WEIGHTS:-../shared/weights/yolov5n.pt}
swift build -c release --product yolo >/dev/null
for round in $(seq "$rounds"); do
    echo "== round $round"
    .build/release/yolo benchmark --weights "$weights" --img 640 320 --threads 2
    "$python" benchmarks/pytorch_inference.py --yolov5 "$yolov5" --weights "$weights" --img 640 320 --threads 2
    .build/release/yolo benchmark --cfg models/yolov5s.yaml --img 640 320 --threads 2
    "$python" benchmarks/pytorch_inference.py --yolov5 "$yolov5" --cfg models/yolov5s.yaml --img 640 320 --threads 2
done
