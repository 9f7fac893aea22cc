"""tiffifd: IFDs are serialized and read back exactly, in both byte orders, and EXIF added to a
written TIFF is what Pillow, tifffile and exiftool read."""
from __future__ import annotations

import io
import random
import struct

import numpy as np
import pytest
import tifffile
from PIL import Image

from iea_core.tiffifd import (EXIF_IFD, GPS_IFD, Entry, add_exif, exif_block, exif_of_tiff,
                              parse_exif, read_ifd, serialize)


def _ascii(tag: int, text: str, order: str = "<") -> Entry:
    raw = text.encode() + b"\x00"
    return Entry(tag, 2, len(raw), raw)


def _rational(tag: int, num: int, den: int, order: str = "<") -> Entry:
    return Entry(tag, 5, 1, struct.pack(order + "II", num, den))


def _exif_entries(order: str) -> list[Entry]:
    exif_ifd = (_rational(0x829A, 1, 250, order),                           # ExposureTime
                Entry(0x8827, 3, 1, struct.pack(order + "H", 400)),          # ISO
                _ascii(0x9003, "2024:05:06 07:08:09"),                       # DateTimeOriginal
                Entry(0x927C, 7, 6, b"MAKER\x01"))                           # MakerNote, as is
    gps = (_ascii(1, "N"), Entry(2, 5, 3, struct.pack(order + "6I", 48, 1, 51, 1, 3024, 100)))
    return [_ascii(0x010F, "Canon"), _ascii(0x013B, "Jane Doe"),
            Entry(0x0112, 3, 1, struct.pack(order + "H", 1)),
            Entry(EXIF_IFD, 4, 1, b"\x00" * 4, exif_ifd), Entry(GPS_IFD, 4, 1, b"\x00" * 4, gps)]


def _plain(entries):
    """Entries without the pointer values (which depend on where an IFD is laid out)."""
    return sorted((e.tag, e.type, e.count, None if e.sub is not None else e.value,
                   _plain(e.sub) if e.sub is not None else None) for e in entries)


@pytest.mark.parametrize("order", ["<", ">"])
def test_serialize_then_read_gives_the_same_entries(order):
    entries = _exif_entries(order)
    block = exif_block(entries, order)
    parsed = parse_exif(block)
    assert parsed is not None and parsed[0] == order and parsed[2] == 0
    assert _plain(parsed[1]) == _plain(entries)
    # and at any (even) base offset inside a larger file
    blob = serialize(entries, 1000, order)
    back, next_ifd = read_ifd(b"\x00" * 1000 + blob, 1000, order)
    assert _plain(back) == _plain(entries) and next_ifd == 0


def test_byte_order_swap_converts_by_element_size():
    little, big = _exif_entries("<"), _exif_entries(">")
    assert _plain([e.swapped() for e in little]) == _plain(big)
    assert _plain([e.swapped().swapped() for e in little]) == _plain(little)


def test_pillow_reads_a_built_block():
    exif = Image.Exif()
    exif.load(b"Exif\x00\x00" + exif_block(_exif_entries(">"), ">"))
    assert exif[0x010F] == "Canon" and exif[0x013B] == "Jane Doe"
    sub = exif.get_ifd(EXIF_IFD)
    assert float(sub[0x829A]) == pytest.approx(1 / 250) and sub[0x8827] == 400
    assert exif.get_ifd(GPS_IFD)[1] == "N"


def test_damaged_data_never_raises():
    rng = random.Random(7)
    good = exif_block(_exif_entries("<"))
    for _ in range(300):
        data = bytearray(good)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        data = bytes(data[:rng.randint(0, len(data))])
        parse_exif(data)
        exif_of_tiff(data)
        assert isinstance(add_exif(data, good), bytes)
    assert parse_exif(b"garbage") is None and add_exif(b"not a tiff", good) == b"not a tiff"


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_add_exif_to_a_tifffile_tiff_keeps_pixels_and_adds_tags(dtype):
    rng = np.random.default_rng(3)
    top = np.iinfo(dtype).max
    pixels = rng.integers(0, top, (17, 23, 4), dtype=dtype, endpoint=True)
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, pixels, photometric="rgb", extrasamples=("unassalpha",),
                     metadata=None, software=False)
    out = add_exif(buffer.getvalue(), exif_block(_exif_entries(">"), ">"))
    with tifffile.TiffFile(io.BytesIO(out)) as tif:
        page = tif.pages[0]
        assert np.array_equal(page.asarray(), pixels)                      # bit-identical
        assert page.tags[0x010F].value == "Canon" and page.tags[0x0112].value == 1
        assert page.tags[258].value == (np.dtype(dtype).itemsize * 8,) * 4  # layout is its own
        exif = page.tags[EXIF_IFD].value
        assert exif["ExposureTime"] == (1, 250) and exif["ISOSpeedRatings"] == 400
    # a TIFF's own EXIF comes back without its layout tags
    parsed = parse_exif(exif_of_tiff(out))
    tags = {e.tag for e in parsed[1]}
    assert {0x010F, 0x013B, EXIF_IFD, GPS_IFD} <= tags and not tags & {256, 257, 273, 279}
