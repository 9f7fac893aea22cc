"""Metadata over the 64 KB a JPEG segment holds: XMP goes as StandardXMP + ExtendedXMP (exiftool
and iea read it all back), EXIF loses its thumbnail and then its largest entries with a warning
naming the file, and ICC profiles of any size travel in JPEG, PNG (8 and 16 bits) and TIFF."""
from __future__ import annotations

import io
import json
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image, ImageCms

from iea_core.cli import main
from iea_core.imagemeta import ImageMetadata, embed_png
from iea_core.imageio import read_image, write_image
from iea_core.tiffifd import EXIF_IFD, Entry, parse_exif, serialize

from tests.conftest import load_photo, require_tool

KEYWORDS = 500   # exiftool lists at most 1000 items of one property without -m


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def exiftool_json(path: Path, *tags: str) -> dict:
    out = subprocess.run([require_tool("exiftool"), "-j", "-G1", "-a", *tags, str(path)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)[0]


@pytest.fixture
def program(tmp_path) -> Path:
    path = tmp_path / "p.json"
    path.write_text('{"contrast": 20}')
    return path


@pytest.fixture
def big_xmp_png(tmp_path) -> Path:
    """A PNG whose XMP (written by exiftool) is ~120 KB: 500 long keywords and a title."""
    path = tmp_path / "big_xmp.png"
    Image.fromarray(load_photo("coffee")[::8, ::8]).save(path)
    args = tmp_path / "args.txt"
    args.write_text("\n".join(["-q", "-overwrite_original", "-XMP-dc:Title=Big one",
                               "-XMP-xmp:Rating=3"]
                              + [f"-XMP-dc:Subject=keyword {i:05d} {'x' * 200}"
                                 for i in range(KEYWORDS)] + [str(path)]))
    subprocess.run([require_tool("exiftool"), "-@", str(args)], check=True)
    return path


def _xmp_facts(path: Path) -> tuple:
    fields = exiftool_json(path, "-XMP-dc:Subject", "-XMP-dc:Title", "-XMP-xmp:Rating",
                           "-Warning")
    return (len(fields.get("XMP-dc:Subject", [])), fields.get("XMP-dc:Title"),
            fields.get("XMP-xmp:Rating"), fields.get("ExifTool:Warning"))


def test_big_xmp_goes_into_a_jpeg_as_extended_xmp(big_xmp_png, program, tmp_path):
    out = tmp_path / "out.jpg"
    result = invoke("apply", big_xmp_png, program, "-o", out)
    assert result.exit_code == 0 and "Warning" not in result.output, result.output
    assert _xmp_facts(out) == (KEYWORDS, "Big one", 3, None)          # exiftool reads it all
    with Image.open(out) as image:
        app1 = [p for m, p in image.applist if m == "APP1"]
    assert sum(p.startswith(b"http://ns.adobe.com/xmp/extension/\x00") for p in app1) >= 2
    assert all(len(p) <= 65533 for p in app1)
    xmp = read_image(out).metadata.xmp                                   # so does iea
    assert xmp.count(b"keyword 0") == KEYWORDS and b"Big one" in xmp
    # and on to another JPEG and a PNG, nothing lost on the way
    for name in ("again.jpg", "again.png"):
        assert invoke("apply", out, program, "-o", tmp_path / name).exit_code == 0
        assert _xmp_facts(tmp_path / name) == (KEYWORDS, "Big one", 3, None)


def test_extended_xmp_written_by_exiftool_is_read_whole(big_xmp_png, program, tmp_path):
    source = tmp_path / "camera.jpg"
    Image.fromarray(load_photo("chelsea")[::4, ::4]).save(source)
    subprocess.run([require_tool("exiftool"), "-q", "-overwrite_original", "-tagsfromfile",
                    str(big_xmp_png), "-xmp:all", str(source)], check=True)
    assert _xmp_facts(source)[0] == KEYWORDS
    for name in ("out.png", "out.tif", "out.jpg"):
        assert invoke("apply", source, program, "-o", tmp_path / name).exit_code == 0
        assert _xmp_facts(tmp_path / name) == (KEYWORDS, "Big one", 3, None), name


# --- EXIF over 64 KB --------------------------------------------------------------------------
def _ascii(tag: int, text: str) -> Entry:
    raw = text.encode() + b"\x00"
    return Entry(tag, 2, len(raw), raw)


def big_exif(maker_note: int, thumbnail: int) -> bytes:
    """A big-endian EXIF block: IFD0 (make, artist, orientation), an Exif IFD with an exposure
    time and a ``maker_note``-byte maker note, and (when ``thumbnail``) an IFD1 thumbnail."""
    exif_ifd = (Entry(0x829A, 5, 1, struct.pack(">II", 1, 250)),
                Entry(0x927C, 7, maker_note, bytes(range(256)) * (maker_note // 256)
                      + b"\x00" * (maker_note % 256)))
    ifd0 = [_ascii(0x010F, "TestCam"), _ascii(0x013B, "Jane Doe"),
            Entry(0x0112, 3, 1, struct.pack(">H", 1) + b"\x00\x00"),
            Entry(EXIF_IFD, 4, 1, b"\x00" * 4, exif_ifd)]
    head = b"MM\x00*" + struct.pack(">I", 8)
    first = serialize(ifd0, 8, ">")
    if not thumbnail:
        return head + first
    ifd1_at = 8 + len(first)
    jpeg = io.BytesIO()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(jpeg, "JPEG")
    data = jpeg.getvalue()[:-2] + b"\x00" * (thumbnail - len(jpeg.getvalue())) + b"\xff\xd9"
    ifd1 = [Entry(0x0103, 3, 1, struct.pack(">H", 6) + b"\x00\x00"),
            Entry(0x0201, 4, 1, struct.pack(">I", ifd1_at + 2 + 3 * 12 + 4)),
            Entry(0x0202, 4, 1, struct.pack(">I", len(data)))]
    return head + serialize(ifd0, 8, ">", next_ifd=ifd1_at) + serialize(ifd1, ifd1_at, ">") \
        + data


def _png_with_exif(path: Path, exif: bytes) -> Path:
    buffer = io.BytesIO()
    Image.fromarray(load_photo("coffee")[::8, ::8]).save(buffer, "PNG")
    path.write_bytes(embed_png(buffer.getvalue(), ImageMetadata(exif=exif)))
    return path


@pytest.mark.parametrize("maker_note,thumbnail,left_out", [
    (40_000, 30_000, "its embedded thumbnail"),     # the thumbnail alone makes room
    (70_000, 0, "its maker note"),                  # no thumbnail: the maker note goes
    (66_000, 20_000, "its embedded thumbnail and its maker note")])
def test_big_exif_in_a_jpeg_keeps_what_fits_and_says_what_not(tmp_path, program, maker_note,
                                                               thumbnail, left_out):
    source = _png_with_exif(tmp_path / "big_exif.png", big_exif(maker_note, thumbnail))
    assert len(read_image(source).metadata.exif) > 65527
    out = tmp_path / "out.jpg"
    result = invoke("apply", source, program, "-o", out)
    assert result.exit_code == 0, result.output
    warning = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    assert len(warning) == 1 and str(out) in warning[0] and left_out + "," in warning[0]
    assert ".png or .tif" in warning[0]
    fields = exiftool_json(out, "-IFD0:Artist", "-ExifIFD:ExposureTime", "-IFD1:all")
    assert fields["IFD0:Artist"] == "Jane Doe" and fields["ExifIFD:ExposureTime"] == "1/250"
    assert not any(key.startswith("IFD1:") for key in fields)        # no thumbnail in a JPEG
    order, entries, ifd1 = parse_exif(read_image(out).metadata.exif)
    exif_tags = {e.tag for e in next(e for e in entries if e.tag == EXIF_IFD).sub}
    assert ifd1 == 0 and (0x927C in exif_tags) == ("maker note" not in left_out)
    # PNG and TIFF have room for all of it, without a word
    for name in ("out.png", "out.tif"):
        result = invoke("apply", source, program, "-o", tmp_path / name)
        assert result.exit_code == 0 and "Warning" not in result.output
        kept = parse_exif(read_image(tmp_path / name).metadata.exif)[1]
        assert 0x927C in {e.tag for e in next(e for e in kept if e.tag == EXIF_IFD).sub}


# --- ICC profiles over 64 KB ------------------------------------------------------------------
def big_icc(extra: int = 150_000) -> bytes:
    """The sRGB profile with a private ``zzzz`` tag of ``extra`` bytes: a valid ICC profile
    larger than one JPEG segment (like many printer and camera profiles)."""
    base = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    count = struct.unpack(">I", base[128:132])[0]
    table_end = 132 + 12 * count
    entries = [struct.unpack(">4sII", base[132 + 12 * i:144 + 12 * i]) for i in range(count)]
    body = base[table_end:]
    blob = b"data" + b"\x00" * 4 + struct.pack(">I", 1) + bytes(range(256)) * (extra // 256)
    blob_at = len(base) + 12 + (-(len(base) + 12) % 4)
    entries = [(sig, offset + 12, size) for sig, offset, size in entries]
    entries.append((b"zzzz", blob_at, len(blob)))
    table = struct.pack(">I", count + 1) + b"".join(struct.pack(">4sII", *e) for e in entries)
    profile = bytearray(base[:128] + table + body)
    profile += b"\x00" * (blob_at - len(profile)) + blob
    struct.pack_into(">I", profile, 0, len(profile))
    profile[84:100] = b"\x00" * 16    # no profile ID (it would no longer match)
    return bytes(profile)


def test_icc_profiles_over_64_kb_travel_in_every_format(tmp_path):
    icc = big_icc()
    assert len(icc) > 65519 * 2          # three ICC_PROFILE segments in a JPEG
    rgb8 = load_photo("astronaut")[::16, ::16]
    rgb16 = rgb8.astype(np.uint16) * 257 + 3
    for name, pixels in (("i.jpg", rgb8), ("i.png", rgb8), ("i16.png", rgb16),
                         ("i.tif", rgb8), ("i16.tif", rgb16)):
        path = write_image(tmp_path / name, pixels, icc_profile=icc)
        assert read_image(path).icc_profile == icc, name                  # iea reads it whole
        with Image.open(path) as image:
            assert image.info.get("icc_profile") == icc, name             # and so does Pillow
        fields = exiftool_json(path, "-ICC_Profile:ProfileDescription", "-Warning")
        assert fields.get("ICC_Profile:ProfileDescription") == "sRGB built-in", (name, fields)
        assert "ExifTool:Warning" not in fields, (name, fields)
    with Image.open(tmp_path / "i.jpg") as image:
        chunks = [p for m, p in image.applist if m == "APP2" and p.startswith(b"ICC_PROFILE")]
    assert len(chunks) == 3 and [c[12] for c in chunks] == [1, 2, 3]
