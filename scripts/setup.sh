#!/usr/bin/env bash
# Installs the Debian packages the project builds against, when they are missing.
# Safe to run repeatedly; needs root (or sudo) only when something must be installed.
set -euo pipefail

packages=(
    libyaml-dev        # YAML parsing (model, hyperparameter and dataset files)
    libopenblas-dev    # cblas_sgemm for every convolution
    libturbojpeg0-dev  # JPEG decoding and encoding (libjpeg-turbo, images)
    libpng-dev         # PNG decoding and encoding (images)
)

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    sudo_cmd=()
    if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v swift >/dev/null; then
    echo "setup: the Swift toolchain (6.0 or newer) must be on PATH" >&2
    exit 1
fi
