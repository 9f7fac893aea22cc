"""The decoding budget: giant or hostile headers are refused from the header, in milliseconds and
without memory; JPEG previews over the budget are decoded at reduced size instead."""
from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from iea_core.errors import ConfigError, ImageTooLarge
from iea_core.imageio import DecodeBudget, read_image

ROOT = Path(__file__).resolve().parents[2]


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + \
        struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def giant_png(path: Path, width: int, height: int) -> Path:
    """A PNG whose header declares width x height (RGB 8-bit) and whose IDAT holds the first
    all-black rows (a real decoder would have to allocate the whole image before noticing)."""
    rows = zlib.compress(b"\x00" * (1 + 3 * width) * 16, 9)
    path.write_bytes(b"\x89PNG\r\n\x1a\n"
                     + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                     + _chunk(b"IDAT", rows) + _chunk(b"IEND", b""))
    return path


def giant_tiff(path: Path, width: int, height: int, bits: int = 8) -> Path:
    """A little-endian baseline RGB TIFF declaring width x height, with one short strip."""
    entries = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, 3, 0), (259, 3, 1, 1),
               (262, 3, 1, 2), (273, 4, 1, 0), (277, 3, 1, 3), (278, 4, 1, height),
               (279, 4, 1, 0)]
    ifd_offset = 8
    ifd_size = 2 + 12 * len(entries) + 4
    bits_offset = ifd_offset + ifd_size
    strip_offset = bits_offset + 6
    strip = bytes(3 * width * bits // 8)   # one row only
    out = bytearray(b"II*\x00" + struct.pack("<I", ifd_offset))
    out += struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        if tag == 258:
            value = bits_offset
        elif tag == 273:
            value = strip_offset
        elif tag == 279:
            value = len(strip)
        if kind == 3 and count == 1:
            out += struct.pack("<HHIHH", tag, kind, count, value, 0)
        else:
            out += struct.pack("<HHII", tag, kind, count, value)
    out += struct.pack("<I", 0)
    out += struct.pack("<HHH", bits, bits, bits)
    out += strip
    path.write_bytes(bytes(out))
    return path


MEASURE = """
import json, sys, time
from iea_core.imageio import read_image
from iea_core.errors import ImageTooLarge
start = time.perf_counter()
try:
    photo = read_image(sys.argv[1], max_size=int(sys.argv[2]) or None)
    outcome = "decoded %dx%d" % photo.pixels.shape[1::-1]
except ImageTooLarge as exc:
    outcome = "refused: " + str(exc)
# VmHWM is this process's own peak; ru_maxrss would also count the pytest parent it was forked
# from (Linux keeps that figure across exec)
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status")
               if line.startswith("VmHWM:"))
print(json.dumps({"outcome": outcome, "seconds": time.perf_counter() - start,
                  "peak_rss_mb": peak_kb / 1024}))
"""


@pytest.mark.parametrize("size", [20000, 60000])
@pytest.mark.parametrize("kind", ["png", "tiff"])
def test_giant_header_is_refused_fast_and_small(tmp_path, size, kind):
    path = (giant_png if kind == "png" else giant_tiff)(tmp_path / f"giant.{kind}", size, size)
    for max_size in (0, 1024):
        out = subprocess.run([sys.executable, "-c", MEASURE, str(path), str(max_size)],
                             capture_output=True, text=True, timeout=120,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert out.returncode == 0, out.stderr
        report = json.loads(out.stdout)
        assert report["outcome"].startswith("refused"), report
        assert f"{size} x {size}" in report["outcome"] and "budget" in report["outcome"]
        assert report["seconds"] < 10 and report["peak_rss_mb"] < 2048, report


def test_budget_is_configurable(tmp_path, monkeypatch):
    path = tmp_path / "p.png"
    Image.fromarray(np.zeros((300, 400, 3), np.uint8)).save(path)
    assert read_image(path).pixels.shape == (300, 400, 3)
    monkeypatch.setenv("IEA_DECODE_MAX_PIXELS", "100000")
    with pytest.raises(ImageTooLarge, match="400 x 300"):
        read_image(path)
    monkeypatch.delenv("IEA_DECODE_MAX_PIXELS")
    monkeypatch.setenv("IEA_DECODE_MAX_BYTES", "200000")   # 360 000 bytes decoded
    with pytest.raises(ImageTooLarge):
        read_image(path)
    monkeypatch.delenv("IEA_DECODE_MAX_BYTES")
    config = tmp_path / "config.toml"
    config.write_text("[decode]\nmax_pixels = 100000\n")
    monkeypatch.setenv("IEA_CONFIG", str(config))
    assert DecodeBudget.configured().max_pixels == 100000
    with pytest.raises(ImageTooLarge):
        read_image(path)
    monkeypatch.setenv("IEA_DECODE_MAX_PIXELS", "lots")
    with pytest.raises(ConfigError):
        DecodeBudget.configured()


def test_default_budget_accepts_a_100_megapixel_photo():
    budget = DecodeBudget()
    assert budget.fits(11648, 8736, 3, 2) and budget.fits(11648, 8736, 4, 1)
    assert not budget.fits(20000, 20000, 3, 1)


def test_jpeg_over_budget_is_decoded_smaller_for_previews(tmp_path, monkeypatch):
    path = tmp_path / "wide.jpg"
    rng = np.random.default_rng(0)
    Image.fromarray((rng.random((1200, 1600, 3)) * 255).astype(np.uint8)).save(path)
    monkeypatch.setenv("IEA_DECODE_MAX_PIXELS", "500000")      # 1.92 MP is over it
    preview = read_image(path, max_size=256)
    assert max(preview.pixels.shape[:2]) == 256                 # draft decode, then resized
    with pytest.raises(ImageTooLarge, match="1600 x 1200"):
        read_image(path)                                        # the full photo is refused


def test_cli_refuses_a_giant_png_in_one_line(tmp_path):
    path = giant_png(tmp_path / "giant.png", 20000, 20000)
    program = tmp_path / "p.json"
    program.write_text('{"exposure": 10}')
    out = subprocess.run([sys.executable, "-m", "iea_core", "apply", str(path), str(program),
                          "-o", str(tmp_path / "o.jpg")], capture_output=True, text=True,
                         timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode != 0
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert "20000 x 20000" in out.stderr and "budget" in out.stderr
    assert not (tmp_path / "o.jpg").exists()
