#!/usr/bin/env bash
# Augmented training images per second on one core: our loader (`yolo dataset --speed`, 1 worker
# thread) against Ultralytics' LoadImagesAndLabels (`__getitem__` loop, one process,
# cv2.setNumThreads(1)), alternated on the same machine, one right after the other.
#
#   benchmarks/dataloader_speed.sh                       # coco128 at 640, hyp.scratch-low, 3 rounds
#   ROUNDS=5 IMG=320 benchmarks/dataloader_speed.sh
#
# Environment:
#   REF_PYTHON   a Python with torch, numpy, opencv-python, pyyaml (default /work/venv-ref/bin/python)
#   YOLOV5_REPO  an Ultralytics YOLOv5 checkout (default /tmp/yolov5-master, exported from the
#                mirror at commit 5081342f when missing)
#   YOLO         the yolo binary (default: release build in .build-aug, built when missing)
#   DATA         the data YAML (default ../shared/datasets/coco128/data.yaml); the Ultralytics side
#                uses its images/train2017 folder
#   HYP, IMG, ROUNDS
set -euo pipefail
cd "$(dirname "$0")/.."

python=${REF_PYTHON:-/work/venv-ref/bin/python}
repo=${YOLOV5_REPO:-/tmp/yolov5-master}
data=${DATA:-../shared/datasets/coco128/data.yaml}
hyp=${HYP:-hyps/hyp.scratch-low.yaml}
img=${IMG:-640}
rounds=${ROUNDS:-3}
images=$(dirname "$data")/images/train2017

if [ ! -f "$repo/utils/dataloaders.py" ]; then
    mkdir -p "$repo"
    git -C /work/.mirror/ultralytics+yolov5/repo archive 5081342f | tar -x -C "$repo"
fi
if [ -z "${YOLO:-}" ]; then
    swift build --scratch-path .build-aug -c release --product yolo >&2
    YOLO=.build-aug/release/yolo
fi

echo "images/s per core, $(basename "$(dirname "$data")") at $img, $hyp, $rounds rounds ($(nproc) cores here)"
for round in $(seq 1 "$rounds"); do
    echo "round $round"
    "$YOLO" dataset --data "$data" --hyp "$hyp" --img "$img" --workers 1 --speed | grep '^swift:'
    "$python" benchmarks/dataloader_speed.py --repo "$repo" --data "$images" --hyp "$hyp" --img "$img" 2>/dev/null \
        | grep '^ultralytics:'
done
