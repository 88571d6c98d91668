#!/usr/bin/env bash
# Regenerate Tests/ModelTests/Fixtures/ultralytics_model_figures.json from the Ultralytics YOLOv5 PyTorch code.
# See README.md beside this file. Arguments are passed on to model_figures.py (e.g. a list of YAML files).
#
# Environment:
#   REF_VENV        Python venv to use / create (outside the repo)      default /work/venv-ref
#   YOLOV5_DIR      an existing ultralytics/yolov5 work tree; if unset, one is exported from YOLOV5_MIRROR
#   YOLOV5_MIRROR   a git clone (bare is fine) of ultralytics/yolov5     default /work/.mirror/ultralytics+yolov5/repo
#   YOLOV5_REF      commit to export                                     default 5081342f04fb287fc2e5f2b5a4e06752b7937b1c
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REF_VENV="${REF_VENV:-/work/venv-ref}"
YOLOV5_MIRROR="${YOLOV5_MIRROR:-/work/.mirror/ultralytics+yolov5/repo}"
YOLOV5_REF="${YOLOV5_REF:-5081342f04fb287fc2e5f2b5a4e06752b7937b1c}"

# Pinned versions. 'torch===2.13.0' (arbitrary equality) selects the plain 2.13.0 wheel: a plain '==2.13.0' may pick
# the '2.13.0+cpu' build, which the registry's torchvision 0.28.0 wheel cannot load its operators with.
PACKAGES=("torch===2.13.0" "torchvision==0.28.0" "ultralytics==8.4.190" "ultralytics-thop==2.2.3" "pyyaml" "numpy" "pandas" "scipy" "seaborn")

if [ ! -x "$REF_VENV/bin/python" ]; then
    echo "creating venv $REF_VENV" >&2
    python3 -m venv "$REF_VENV"
    "$REF_VENV/bin/pip" install -q --upgrade pip
fi
if ! "$REF_VENV/bin/python" - <<'EOF' 2>/dev/null; then
import torch, torchvision, ultralytics, thop, yaml, numpy, pandas, scipy, seaborn
from torchvision.ops import nms  # fails when torch and torchvision builds do not match
assert torch.__version__.startswith("2.13.0") and ultralytics.__version__ == "8.4.190"
EOF
    echo "installing ${PACKAGES[*]} into $REF_VENV" >&2
    "$REF_VENV/bin/pip" install -q "${PACKAGES[@]}"
fi

CLEANUP=""
if [ -z "${YOLOV5_DIR:-}" ]; then
    YOLOV5_DIR="$(mktemp -d "${TMPDIR:-/tmp}/yolov5-src.XXXXXX")"
    CLEANUP="$YOLOV5_DIR"
    git -C "$YOLOV5_MIRROR" archive "$YOLOV5_REF" | tar -x -C "$YOLOV5_DIR"
    COMMIT="$(git -C "$YOLOV5_MIRROR" rev-parse "$YOLOV5_REF^{commit}")"
else
    COMMIT="$(git -C "$YOLOV5_DIR" rev-parse HEAD 2>/dev/null || echo "${YOLOV5_REF}")"
fi
trap 'if [ -n "$CLEANUP" ]; then rm -rf "$CLEANUP"; fi' EXIT

"$REF_VENV/bin/python" "$HERE/model_figures.py" --yolov5 "$YOLOV5_DIR" --yolov5-commit "$COMMIT" "$@"
