#!/usr/bin/env python3
"""Writes Tests/DataTests/Fixtures: what OpenCV's imread and resize give for small inputs.

Run it with a Python that has opencv-python-headless 5.0.0.93 (the version Ultralytics'
reference data was made with), numpy and pillow, for example a venv outside the repository:

    python3 -m venv /work/venv-cv
    /work/venv-cv/bin/pip install opencv-python-headless==5.0.0.93 numpy pillow
    /work/venv-cv/bin/python scripts/reference/image_fixtures.py [--shared ../shared]

Every array is uint8 HWC in RGB order (cv2's BGR reversed). Outputs that start from bus.jpg
(1080x810, from the shared folder, never copied here) are stored as row samples so each
fixture stays well under 300 kB; the Swift tests take the same rows. The output is
deterministic: random inputs use fixed seeds.
"""
import argparse
import json
import math
import os
import struct
import zlib

import cv2
import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, "Tests", "DataTests", "Fixtures")


def save(name, array):
    array = np.ascontiguousarray(array)
    assert array.dtype == np.uint8
    np.save(os.path.join(OUT, name), array)


def rgb(bgr):
    return np.ascontiguousarray(bgr[:, :, ::-1])


def imread_rgb(path):
    im = cv2.imread(path, cv2.IMREAD_COLOR)
    assert im is not None, path
    return rgb(im)


# ---------------------------------------------------------------- resize on random pixels

def resize_fixtures():
    """A random 48x36 image resized by every kernel cv::resize chooses between."""
    source = np.random.default_rng(20240601).integers(0, 256, (36, 48, 3), dtype=np.uint8)
    save("resize_source_48x36.npy", source)
    cases = {
        "linear": [(31, 23), (100, 77), (96, 72), (24, 18), (48, 20), (7, 50), (1, 1)],
        "area": [(24, 18), (16, 12), (12, 9), (24, 12), (30, 20), (17, 35), (60, 50), (30, 50)],
    }
    flags = {"linear": cv2.INTER_LINEAR, "area": cv2.INTER_AREA}
    for mode, sizes in cases.items():
        for (w, h) in sizes:
            save(f"resize_{mode}_{w}x{h}.npy", cv2.resize(source, (w, h), interpolation=flags[mode]))
    return cases


def bus_fixtures(shared):
    """bus.jpg through the resizes the YOLOv5 pipelines use, stored as row samples."""
    bus = cv2.imread(os.path.join(shared, "images", "bus.jpg"))
    h0, w0 = bus.shape[:2]
    # val.py's load_image (master): long side to 640 with ceil, INTER_AREA when shrinking.
    r = 640 / max(h0, w0)
    size = (math.ceil(w0 * r), math.ceil(h0 * r))
    area = rgb(cv2.resize(bus, size, interpolation=cv2.INTER_AREA))
    rows = list(range(0, size[1], 4)) + [size[1] - 1]
    save("bus_area_valpy_rows.npy", area[rows])
    half = rgb(cv2.resize(bus, (w0 // 2, h0 // 2), interpolation=cv2.INTER_AREA))
    save("bus_area_half_rows.npy", half[0::4])
    third = rgb(cv2.resize(bus, (w0 // 3, h0 // 3), interpolation=cv2.INTER_AREA))
    save("bus_area_third_rows.npy", third[0::2])
    crop = bus[200:248, 300:364]
    save("bus_linear_crop_up.npy", rgb(cv2.resize(crop, (150, 113), interpolation=cv2.INTER_LINEAR)))
    return {"valpy_size_wh": list(size), "valpy_rows": "range(0, h, 4) + [h - 1]", "half_rows": "0::4",
            "third_rows": "0::2", "crop_up": "bus[200:248, 300:364] -> 150x113"}


# ---------------------------------------------------------------- JPEG decoding

def exif_segment(orientation, big_endian=False):
    e = ">" if big_endian else "<"
    tiff = (b"MM\x00*" if big_endian else b"II*\x00") + struct.pack(e + "I", 8) + struct.pack(e + "H", 1)
    tiff += struct.pack(e + "HHI", 0x0112, 3, 1) + struct.pack(e + "HH", orientation, 0) + struct.pack(e + "I", 0)
    body = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body, tiff


def jpeg_fixtures(shared):
    bus = cv2.imread(os.path.join(shared, "images", "bus.jpg"))
    crop = np.ascontiguousarray(bus[400:461, 500:547])          # 47x61, odd on both axes
    variants = {
        "jpeg_420": [cv2.IMWRITE_JPEG_QUALITY, 90, cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420],
        "jpeg_422": [cv2.IMWRITE_JPEG_QUALITY, 90, cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_422],
        "jpeg_444": [cv2.IMWRITE_JPEG_QUALITY, 90, cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444],
        "jpeg_progressive": [cv2.IMWRITE_JPEG_QUALITY, 80, cv2.IMWRITE_JPEG_PROGRESSIVE, 1],
    }
    for name, params in variants.items():
        ok, data = cv2.imencode(".jpg", crop, params)
        assert ok
        path = os.path.join(OUT, name + ".jpg")
        open(path, "wb").write(data.tobytes())
        save(name + ".npy", imread_rgb(path))
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY), [cv2.IMWRITE_JPEG_QUALITY, 90])
    open(os.path.join(OUT, "jpeg_gray.jpg"), "wb").write(data.tobytes())
    save("jpeg_gray.npy", imread_rgb(os.path.join(OUT, "jpeg_gray.jpg")))
    # Adobe CMYK JPEG (pillow writes inverted CMYK with an APP14 marker, as Photoshop does).
    cmyk = Image.fromarray(rgb(crop)).convert("CMYK")
    cmyk.save(os.path.join(OUT, "jpeg_cmyk.jpg"), quality=90)
    save("jpeg_cmyk.npy", imread_rgb(os.path.join(OUT, "jpeg_cmyk.jpg")))

    # EXIF orientation: one small non-symmetric picture stored with each of the 8 tags.
    small = np.ascontiguousarray(bus[300:312, 100:120])        # 20 wide, 12 high
    ok, base = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 95])
    base = base.tobytes()
    for orientation in range(1, 9):
        segment, _ = exif_segment(orientation, big_endian=(orientation % 2 == 0))
        path = os.path.join(OUT, f"exif_orientation_{orientation}.jpg")
        open(path, "wb").write(base[:2] + segment + base[2:])
        save(f"exif_orientation_{orientation}.npy", imread_rgb(path))
        if orientation == 1:
            ignored = cv2.imread(path, cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
            assert (ignored == cv2.imread(path)).all()


# ---------------------------------------------------------------- PNG decoding

def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def write_png(path, samples, color_type, bit_depth, palette=None, trns=None, extra=b""):
    """A minimal PNG writer (so bit depth, colour type and chunks are exactly as asked)."""
    h, w = samples.shape[:2]
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color_type]
    samples = samples.reshape(h, w, channels)
    raw = b""
    for y in range(h):
        row = samples[y].reshape(-1)
        if bit_depth == 16:
            data = row.astype(">u2").tobytes()
        elif bit_depth == 8:
            data = row.astype(np.uint8).tobytes()
        else:
            per = 8 // bit_depth
            packed = bytearray()
            for i in range(0, len(row), per):
                byte = 0
                for j in range(per):
                    value = int(row[i + j]) if i + j < len(row) else 0
                    byte |= value << (8 - bit_depth * (j + 1))
                packed.append(byte)
            data = bytes(packed)
        # Filter type 0 (none) or 1 (sub) alternately, so the decoder's unfiltering is exercised.
        bpp = max(1, channels * bit_depth // 8)
        if y % 2 == 1:
            b = np.frombuffer(data, np.uint8).astype(np.int32)
            prev = np.concatenate([np.zeros(bpp, np.int32), b[:-bpp]])
            raw += b"\x01" + ((b - prev) % 256).astype(np.uint8).tobytes()
        else:
            raw += b"\x00" + data
    out = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 0))
    out += extra
    if palette is not None:
        out += png_chunk(b"PLTE", bytes(np.asarray(palette, np.uint8).reshape(-1)))
    if trns is not None:
        out += png_chunk(b"tRNS", trns)
    out += png_chunk(b"IDAT", zlib.compress(raw, 9)) + png_chunk(b"IEND", b"")
    open(path, "wb").write(out)


def png_fixtures():
    rng = np.random.default_rng(12345)
    h, w = 5, 7
    cases = {}
    cases["png_gray8"] = dict(samples=rng.integers(0, 256, (h, w)), color_type=0, bit_depth=8)
    for bits in (1, 2, 4):
        cases[f"png_gray{bits}"] = dict(samples=rng.integers(0, 1 << bits, (h, w)), color_type=0, bit_depth=bits)
    cases["png_gray16"] = dict(samples=rng.integers(0, 65536, (h, w)), color_type=0, bit_depth=16)
    cases["png_gray_alpha8"] = dict(samples=rng.integers(0, 256, (h, w, 2)), color_type=4, bit_depth=8)
    cases["png_rgb8_gamma"] = dict(samples=rng.integers(0, 256, (h, w, 3)), color_type=2, bit_depth=8,
                                   extra=png_chunk(b"gAMA", struct.pack(">I", 100000)))
    cases["png_rgb8_srgb_trns"] = dict(samples=rng.integers(0, 256, (h, w, 3)), color_type=2, bit_depth=8,
                                       extra=png_chunk(b"sRGB", b"\x00"), trns=struct.pack(">HHH", 1, 2, 3))
    cases["png_rgb16"] = dict(samples=rng.integers(0, 65536, (h, w, 3)), color_type=2, bit_depth=16)
    cases["png_rgba8"] = dict(samples=rng.integers(0, 256, (h, w, 4)), color_type=6, bit_depth=8)
    opaque = rng.integers(0, 65536, (h, w, 4))
    opaque[:, :, 3] = 65535
    cases["png_rgba16_opaque"] = dict(samples=opaque, color_type=6, bit_depth=16)
    cases["png_rgba16"] = dict(samples=rng.integers(0, 65536, (h, w, 4)), color_type=6, bit_depth=16)
    palette = rng.integers(0, 256, (16, 3))
    cases["png_palette4_trns"] = dict(samples=rng.integers(0, 16, (h, w)), color_type=3, bit_depth=4,
                                      palette=palette, trns=bytes([0, 64, 128, 255]))
    cases["png_palette8"] = dict(samples=rng.integers(0, 16, (h, w)), color_type=3, bit_depth=8, palette=palette)
    # eXIf orientation 6 (rotate 90° clockwise): OpenCV applies it to PNGs too.
    _, tiff = exif_segment(6)
    cases["png_exif6"] = dict(samples=rng.integers(0, 256, (h, w, 3)), color_type=2, bit_depth=8,
                              extra=png_chunk(b"eXIf", tiff))
    for name, spec in cases.items():
        path = os.path.join(OUT, name + ".png")
        write_png(path, **spec)
        save(name + ".npy", imread_rgb(path))
    return sorted(cases)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=os.path.join(os.path.dirname(ROOT), "shared"))
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    info = {
        "generator": "scripts/reference/image_fixtures.py",
        "opencv": cv2.__version__, "numpy": np.__version__,
        "resize_cases": resize_fixtures(),
        "bus": bus_fixtures(args.shared),
        "png": png_fixtures(),
    }
    jpeg_fixtures(args.shared)
    with open(os.path.join(OUT, "image_fixtures.json"), "w") as f:
        json.dump(info, f, indent=1, sort_keys=True)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    largest = max(os.listdir(OUT), key=lambda n: os.path.getsize(os.path.join(OUT, n)))
    print(f"{len(os.listdir(OUT))} files, {total / 1024:.0f} kB; largest {largest} "
          f"{os.path.getsize(os.path.join(OUT, largest)) / 1024:.0f} kB")


if __name__ == "__main__":
    main()
