"""Nothing the photographer owns is lost by a command: metadata, alpha and existing files.

A camera-like JPEG is made with exiftool (camera, lens, capture date, artist, copyright, GPS, XMP
keywords and rating, IPTC keywords/by-line/city, an ICC profile, orientation "Rotate 90 CW"); the
files ``edit``, ``apply`` and ``style apply`` render from it are read back with exiftool and
compared field by field. RGBA PNGs stay RGBA with the same alpha; ``-o`` never replaces a file.
"""
from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image, ImageCms

from iea_core.agent.base import EditResult
from iea_core.cli import main
from iea_core.program import Program

from tests.conftest import load_photo, require_tool

#: fields that must survive, as exiftool names them (group:tag)
KEPT_FIELDS = (
    "IFD0:Make", "IFD0:Model", "IFD0:Artist", "IFD0:Copyright", "ExifIFD:DateTimeOriginal",
    "ExifIFD:ExposureTime", "ExifIFD:FNumber", "ExifIFD:ISO", "ExifIFD:LensModel",
    "GPS:GPSLatitude", "GPS:GPSLatitudeRef", "GPS:GPSLongitude", "GPS:GPSLongitudeRef",
    "XMP-dc:Subject", "XMP-dc:Title", "XMP-xmp:Rating", "IPTC:Keywords", "IPTC:By-line",
    "IPTC:City", "ICC_Profile:ProfileDescription", "ICC-header:ColorSpaceData")


class WarmAgent:
    """Deterministic stand-in agent: always a warmer, brighter program."""

    name = "warm"

    def __init__(self, **options):
        pass

    def edit(self, image, instruction, history=()):
        return EditResult(Program({"temperature": 20, "exposure": 10}), "warmer")


@pytest.fixture
def warm_backend(monkeypatch):
    module = types.ModuleType("iea_test_warm_agent")
    module.WarmAgent = WarmAgent
    monkeypatch.setitem(sys.modules, "iea_test_warm_agent", module)
    from iea_core import agent

    monkeypatch.setitem(agent.BACKENDS, "warm", "iea_test_warm_agent:WarmAgent")
    monkeypatch.setenv("IEA_AGENT", "warm")


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def exif_fields(path: Path) -> dict[str, object]:
    out = subprocess.run([require_tool("exiftool"), "-j", "-G1", "-n", "-a", str(path)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)[0]


@pytest.fixture
def camera_jpeg(tmp_path) -> Path:
    """A JPEG as a camera and a cataloguing program leave it, stored rotated (Orientation 6)."""
    exiftool = require_tool("exiftool")
    path = tmp_path / "IMG_0001.jpg"
    Image.fromarray(load_photo("chelsea")).save(path, quality=92)
    icc = tmp_path / "srgb.icc"
    icc.write_bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    subprocess.run([
        exiftool, "-q", "-overwrite_original", "-Make=Canon", "-Model=Canon EOS R5",
        "-DateTimeOriginal=2024:05:06 07:08:09", "-Artist=Jane Doe",
        "-Copyright=(c) 2024 Jane Doe", "-LensModel=RF24-70mm F2.8 L IS USM",
        "-ExposureTime=1/250", "-FNumber=4.0", "-ISO=400", "-GPSLatitude=48.8584",
        "-GPSLatitudeRef=N", "-GPSLongitude=2.2945", "-GPSLongitudeRef=E",
        "-XMP-dc:Subject=cat", "-XMP-dc:Subject=garden", "-XMP-xmp:Rating=4",
        "-XMP-dc:Title=Chelsea", "-XMP-tiff:Orientation#=6", "-IPTC:Keywords=cat",
        "-IPTC:Keywords=garden", "-IPTC:By-line=Jane Doe", "-IPTC:City=Paris",
        "-Orientation#=6", f"-ICC_Profile<={icc}", str(path)], check=True)
    icc.unlink()
    return path


def assert_metadata_kept(source: Path, rendered: Path) -> None:
    before, after = exif_fields(source), exif_fields(rendered)
    for field in KEPT_FIELDS:
        assert field in before, f"the test photo lacks {field}"
        assert after.get(field) == before[field], (field, after.get(field), before[field])
    # the pixels are stored upright now, so the orientation must say so (else: rotated twice)
    assert after["IFD0:Orientation"] == 1 and after.get("XMP-tiff:Orientation") == 1
    upright = Image.open(rendered)
    assert upright.size == (300, 451)   # chelsea is 451 x 300, turned 90 degrees


def test_edit_keeps_exif_xmp_iptc_icc(warm_backend, camera_jpeg, tmp_path):
    out = tmp_path / "edited.jpg"
    result = invoke("edit", camera_jpeg, "warmer", "-o", out)
    assert result.exit_code == 0, result.output
    assert_metadata_kept(camera_jpeg, out)


def test_apply_keeps_exif_xmp_iptc_icc(camera_jpeg, tmp_path):
    program = tmp_path / "p.json"
    program.write_text('{"contrast": 20}')
    for name in ("applied.jpg", "applied.png", "applied.tif"):
        result = invoke("apply", camera_jpeg, program, "-o", tmp_path / name)
        assert result.exit_code == 0, result.output
    for name in ("applied.jpg", "applied.png", "applied.tif"):   # every field, every format
        assert_metadata_kept(camera_jpeg, tmp_path / name)


@pytest.fixture
def camera_tiff16(camera_jpeg, tmp_path) -> Path:
    """A 16-bit TIFF as a raw converter exports it, with the camera JPEG's EXIF (Exif and GPS
    sub-IFDs), XMP, IPTC and ICC profile (copied by exiftool), stored rotated (Orientation 6)."""
    import tifffile

    rng = np.random.default_rng(5)
    rgb = load_photo("chelsea").astype(np.uint16) * 257 + rng.integers(0, 200, (300, 451, 3),
                                                                       dtype=np.uint16)
    path = tmp_path / "IMG_0001_16.tif"
    tifffile.imwrite(path, rgb, photometric="rgb", metadata=None)
    subprocess.run([require_tool("exiftool"), "-q", "-overwrite_original", "-tagsfromfile",
                    str(camera_jpeg), "-all:all", "-ICC_Profile", str(path)], check=True)
    return path


def test_sixteen_bit_tiff_keeps_exif_xmp_iptc_icc(camera_tiff16, tmp_path):
    """16-bit TIFF in and out: every field survives (EXIF as Exif/GPS sub-IFDs), whatever the
    output format, read back by exiftool, Pillow and tifffile; the pixels stay 16-bit."""
    import tifffile

    from iea_core.imageio import read_image

    program = tmp_path / "p.json"
    program.write_text('{"contrast": 20}')
    for name in ("out16.tif", "out16.png", "out16.jpg"):
        result = invoke("apply", camera_tiff16, program, "-o", tmp_path / name)
        assert result.exit_code == 0, result.output
        assert "Warning" not in result.output
        assert_metadata_kept(camera_tiff16, tmp_path / name)
    out = tmp_path / "out16.tif"
    fields = exif_fields(out)
    # the output's layout is its own (not the source's strip offsets), and nothing is invalid
    assert fields["IFD0:BitsPerSample"] == "16 16 16" and fields["IFD0:ImageWidth"] == 300
    check = subprocess.run([require_tool("exiftool"), "-validate", "-warning", "-a", "-s3",
                            str(out)], capture_output=True, text=True, check=True).stdout
    assert "IPTC" not in check and "not allowed" not in check, check
    with tifffile.TiffFile(out) as tif:
        page = tif.pages[0]
        assert page.dtype == np.uint16 and page.tags[0x0112].value == 1
        assert page.tags[0x8769].value["LensModel"] == "RF24-70mm F2.8 L IS USM"
        assert page.tags[0x8825].value["GPSLatitudeRef"] == "N"
    with Image.open(out) as image:
        exif = image.getexif()
        assert exif[0x010F] == "Canon" and exif[0x013B] == "Jane Doe"
        assert exif.get_ifd(0x8769)[0x8827] == 400                     # ISO
    # and iea reads it back as a photo with the same metadata, 16-bit, upright
    photo = read_image(out)
    assert photo.bit_depth == 16 and photo.pixels.shape == (451, 300, 3)
    assert b"Jane Doe" in photo.metadata.exif and b"garden" in photo.metadata.xmp
    assert b"Paris" in photo.metadata.iptc


def test_style_apply_keeps_exif_xmp_iptc_icc(camera_jpeg, tmp_path):
    from iea_core.styles import StyleLibrary

    with StyleLibrary() as library:
        library.save("Warm film", "warm and faded", Program({"temperature": 25, "fade": 20}))
    out_dir = tmp_path / "styled"
    result = invoke("style", "apply", "Warm film", camera_jpeg, "-o", out_dir)
    assert result.exit_code == 0, result.output
    assert_metadata_kept(camera_jpeg, out_dir / "IMG_0001_warm-film.jpg")


def _rgba_photo(tmp_path: Path) -> tuple[Path, np.ndarray]:
    rgb = load_photo("astronaut")[::4, ::4]
    h, w = rgb.shape[:2]
    alpha = np.zeros((h, w), np.uint8)
    alpha[h // 4: 3 * h // 4, w // 4: 3 * w // 4] = 255   # a cut-out
    alpha[:, :8] = 128                                      # and a soft edge
    path = tmp_path / "cutout.png"
    Image.fromarray(np.dstack([rgb, alpha]), "RGBA").save(path)
    return path, alpha


def test_rgba_stays_rgba_in_edit_and_apply(warm_backend, tmp_path):
    source, alpha = _rgba_photo(tmp_path)
    program = tmp_path / "p.json"
    program.write_text('{"exposure": 20}')
    assert invoke("edit", source, "warmer", "-o", tmp_path / "e.png").exit_code == 0
    assert invoke("apply", source, program, "-o", tmp_path / "a.png").exit_code == 0
    assert invoke("apply", source, program, "-o", tmp_path / "a.tif").exit_code == 0
    for name in ("e.png", "a.png", "a.tif"):
        image = Image.open(tmp_path / name)
        assert image.mode == "RGBA", name
        assert np.array_equal(np.asarray(image)[..., 3], alpha), name
    before = np.asarray(Image.open(source))[..., :3].astype(int)
    after = np.asarray(Image.open(tmp_path / "a.png"))[..., :3].astype(int)
    assert after.mean() > before.mean() + 3   # the edit itself was applied


def test_sixteen_bit_alpha_round_trips(tmp_path):
    from iea_core.imageio import read_image, write_image

    rgb = (np.random.default_rng(1).random((40, 50, 3)) * 65535).astype(np.uint16)
    alpha = np.tile(np.linspace(0, 65535, 50).astype(np.uint16), (40, 1))
    for name in ("x.png", "x.tif"):
        write_image(tmp_path / name, rgb, alpha=alpha)
        photo = read_image(tmp_path / name)
        assert photo.bit_depth == 16 and np.array_equal(photo.alpha, alpha), name
        assert np.array_equal(photo.pixels, rgb), name


def test_output_that_exists_is_never_replaced(warm_backend, camera_jpeg, tmp_path):
    program = tmp_path / "p.json"
    program.write_text('{"contrast": 20}')
    precious = tmp_path / "precious.jpg"
    precious.write_bytes(camera_jpeg.read_bytes() + b"user data")
    original = precious.read_bytes()
    for args in (("edit", camera_jpeg, "warmer", "-o", precious),
                 ("apply", camera_jpeg, program, "-o", precious),
                 ("edit", camera_jpeg, "warmer", "-o", tmp_path / "new.jpg",
                  "--card", precious.with_suffix(".png"))):
        if args[-1] == precious.with_suffix(".png"):
            precious.with_suffix(".png").write_bytes(b"user's png")
        result = invoke(*args)
        assert result.exit_code != 0, args
        assert "exists already" in result.output and "--overwrite" in result.output
        assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert precious.read_bytes() == original
    assert precious.with_suffix(".png").read_bytes() == b"user's png"
    assert not (tmp_path / "new.jpg").exists()   # refused before anything was written
    # style apply: the existing rendering is reported before any photo is touched
    out_dir = tmp_path / "styled"
    out_dir.mkdir()
    from iea_core.styles import StyleLibrary

    with StyleLibrary() as library:
        library.save("Warm", "warm", Program({"temperature": 25}))
    (out_dir / "IMG_0001_warm.jpg").write_bytes(b"earlier")
    result = invoke("style", "apply", "Warm", camera_jpeg, "-o", out_dir)
    assert result.exit_code != 0 and "exists already" in result.output
    assert (out_dir / "IMG_0001_warm.jpg").read_bytes() == b"earlier"
    # and --overwrite says yes
    assert invoke("apply", camera_jpeg, program, "-o", precious, "--overwrite").exit_code == 0
    assert precious.read_bytes() != original


def test_default_output_name_never_replaces_a_file(warm_backend, camera_jpeg, tmp_path,
                                                   monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "IMG_0001_iea.jpg").write_bytes(b"an earlier result the user kept")
    result = invoke("edit", camera_jpeg, "warmer")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "IMG_0001_iea.jpg").read_bytes() == b"an earlier result the user kept"
    assert (tmp_path / "IMG_0001_iea-2.jpg").exists()


def test_style_apply_refuses_two_photos_with_one_output_name(camera_jpeg, tmp_path):
    from iea_core.styles import StyleLibrary

    with StyleLibrary() as library:
        library.save("Warm", "warm", Program({"temperature": 25}))
    twin = tmp_path / "other" / camera_jpeg.name
    twin.parent.mkdir()
    twin.write_bytes(camera_jpeg.read_bytes())
    out_dir = tmp_path / "styled"
    result = invoke("style", "apply", "Warm", camera_jpeg, twin, "-o", out_dir)
    assert result.exit_code != 0 and "would both be written" in result.output
    assert not out_dir.exists() or list(out_dir.iterdir()) == []


# --- transparency is never dropped into a JPEG without being asked ------------------------------
def _refused_before_decoding(monkeypatch) -> None:
    """Any decode from here on fails the test: the refusal must come from the header."""
    import iea_core.imageio

    def no_decode(*args, **kwargs):
        raise AssertionError("the photo was decoded before the output was checked")

    monkeypatch.setattr(iea_core.imageio, "read_image", no_decode)


@pytest.mark.parametrize("kind", ["rgba", "la", "palette"])
def test_jpeg_of_a_photo_with_transparency_is_refused_at_once(warm_backend, tmp_path, kind,
                                                              monkeypatch):
    rgba_path, _ = _rgba_photo(tmp_path)
    image = Image.open(rgba_path)
    if kind == "la":
        image.convert("LA").save(tmp_path / "grey.png")
        source = tmp_path / "grey.png"
    elif kind == "palette":   # a GIF-like palette with one transparent colour
        source = tmp_path / "pal.png"
        pal = image.convert("RGB").convert("P", palette=Image.ADAPTIVE, colors=16)
        pal.info["transparency"] = 0
        pal.save(source, transparency=0)
    else:
        source = rgba_path
    program = tmp_path / "p.json"
    program.write_text('{"exposure": 20}')
    _refused_before_decoding(monkeypatch)
    out = tmp_path / "out.jpg"
    for args in (("edit", source, "warmer", "-o", out), ("apply", source, program, "-o", out),
                 ("apply", source, program, "-o", tmp_path / "out.JPEG"),
                 ("chat", source, "--preview", tmp_path / "v.png", "-o", out)):
        result = invoke(*args)
        assert result.exit_code == 1, (args, result.output)
        line = result.output.strip()
        assert "\n" not in line and "Traceback" not in result.output
        assert str(args[-1]) in line and str(source) in line
        assert "transparency" in line and "--flatten" in line and ".png" in line
    assert not out.exists() and not (tmp_path / "out.JPEG").exists()


def test_flatten_composites_over_white_and_says_so(warm_backend, tmp_path):
    source, alpha = _rgba_photo(tmp_path)
    program = tmp_path / "p.json"
    program.write_text('{"exposure": 20}')
    result = invoke("apply", source, program, "-o", tmp_path / "flat.jpg", "--flatten",
                    "--compare")
    assert result.exit_code == 0, result.output
    assert "flattened over white" in result.output
    assert invoke("apply", source, program, "-o", tmp_path / "keep.png").exit_code == 0
    flat = np.asarray(Image.open(tmp_path / "flat.jpg")).astype(int)
    kept = np.asarray(Image.open(tmp_path / "keep.png")).astype(int)
    clear, solid = alpha == 0, alpha == 255
    assert flat[clear].min() >= 245                                   # white where transparent
    assert np.abs(flat[solid] - kept[..., :3][solid]).mean() < 6        # the edit where opaque
    half = alpha == 128                                                 # halfway on soft edges
    expect = kept[..., :3][half] * 128 / 255 + 255 * 127 / 255
    assert np.abs(flat[half] - expect).mean() < 4
    # the compare sheet shows the cut-out as on a white page too
    compare = np.asarray(Image.open(tmp_path / "flat_compare.jpg")).astype(int)
    assert compare[:, :alpha.shape[1]][clear].min() >= 240
    result = invoke("edit", source, "warmer", "-o", tmp_path / "e.jpg", "--flatten")
    assert result.exit_code == 0 and "flattened over white" in result.output


def test_default_names_keep_transparency(warm_backend, tmp_path, monkeypatch):
    """A name iea picks itself is never a JPEG for a photo with transparency (WebP input)."""
    rgba_path, alpha = _rgba_photo(tmp_path)
    source = tmp_path / "cutout.webp"
    Image.open(rgba_path).save(source, lossless=True)
    monkeypatch.chdir(tmp_path)
    assert invoke("edit", source, "warmer").exit_code == 0
    written = Image.open(tmp_path / "cutout_iea.png")
    assert written.mode == "RGBA" and np.array_equal(np.asarray(written)[..., 3], alpha)
    from iea_core.styles import StyleLibrary

    with StyleLibrary() as library:
        library.save("Warm", "warm", Program({"temperature": 25}))
    result = invoke("style", "apply", "Warm", source, "-o", tmp_path / "styled")
    assert result.exit_code == 0, result.output
    styled = Image.open(tmp_path / "styled" / "cutout_warm.png")
    assert np.array_equal(np.asarray(styled)[..., 3], alpha)


def test_library_refuses_alpha_into_jpeg_unless_flattened_or_opaque(tmp_path):
    from iea_core.errors import AlphaNotKept
    from iea_core.imageio import has_alpha, write_image

    rgb = np.full((20, 30, 3), 40, np.uint8)
    alpha = np.zeros((20, 30), np.uint8)
    with pytest.raises(AlphaNotKept, match=r"x\.jpg.*transparency"):
        write_image(tmp_path / "x.jpg", np.dstack([rgb, alpha]))
    assert not (tmp_path / "x.jpg").exists()
    write_image(tmp_path / "x.jpg", rgb, alpha=alpha, flatten=True)
    assert np.asarray(Image.open(tmp_path / "x.jpg")).min() >= 250
    write_image(tmp_path / "o.jpg", rgb, alpha=np.full((20, 30), 65535, np.uint16))  # opaque
    assert has_alpha(write_image(tmp_path / "a.tif", (rgb.astype(np.uint16) * 257),
                                 alpha=alpha.astype(np.uint16)))
    assert has_alpha(write_image(tmp_path / "a.png", rgb, alpha=alpha))
    assert not has_alpha(tmp_path / "o.jpg") and not has_alpha(tmp_path / "missing.png")


def test_chat_keeps_transparency_and_previews_it_over_white(warm_backend, tmp_path):
    source, alpha = _rgba_photo(tmp_path)
    preview, out = tmp_path / "view.jpg", tmp_path / "chat.png"
    result = CliRunner().invoke(main, ["chat", str(source), "--preview", str(preview), "-o",
                                       str(out)], input="warmer\nquit\n")
    assert result.exit_code == 0, result.output
    assert np.array_equal(np.asarray(Image.open(out))[..., 3], alpha)
    shown = np.asarray(Image.open(preview)).astype(int)
    assert shown[alpha == 0].min() >= 240


def test_render_darktable_refuses_transparency_it_would_drop(tmp_path):
    source, _ = _rgba_photo(tmp_path)
    program = tmp_path / "p.json"
    program.write_text('{"exposure": 20}')
    result = invoke("render-darktable", source, program, "-o", tmp_path / "dt.png")
    assert result.exit_code == 1 and "Traceback" not in result.output
    line = result.output.strip()
    assert "\n" not in line and str(source) in line and "iea apply" in line
    assert not (tmp_path / "dt.png").exists()


def test_chat_never_replaces_a_file_it_did_not_write_as_its_preview(warm_backend, camera_jpeg,
                                                                     tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    mine = tmp_path / "IMG_0001_iea_preview.jpg"   # the default preview name, the user's file
    mine.write_bytes(b"the user's own picture")
    for args in ((), ("--preview", mine)):
        result = invoke("chat", camera_jpeg, *args)
        assert result.exit_code == 1 and "--overwrite" in result.output, result.output
        assert result.output.count("\n") == 1
    assert mine.read_bytes() == b"the user's own picture"
    # a preview iea wrote is iea's to rewrite on the next turn or chat
    mine.unlink()
    for _ in range(2):
        result = CliRunner().invoke(main, ["chat", str(camera_jpeg)], input="warmer\nquit\n")
        assert result.exit_code == 0, result.output
    assert mine.exists() and b"iea:Preview" in mine.read_bytes()
    wrong = invoke("chat", camera_jpeg, "--preview", camera_jpeg)
    assert wrong.exit_code == 1 and "--preview" in wrong.output and " -o" not in wrong.output


def test_preset_export_never_replaces_a_preset_unless_asked(tmp_path):
    program = tmp_path / "p.json"
    program.write_text('{"exposure": 20}')
    out = tmp_path / "presets"
    assert invoke("preset", "export", program, "--name", "Warm", "-o", out).exit_code == 0
    kept = {p.name: p.read_bytes() for p in out.iterdir()}
    program.write_text('{"exposure": -50}')
    refused = invoke("preset", "export", program, "--name", "Warm", "-o", out)
    assert refused.exit_code == 1 and "--overwrite" in refused.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == kept
    assert invoke("preset", "export", program, "--name", "Warm", "-o", out,
                  "--overwrite").exit_code == 0
    assert (out / "Warm.xmp").read_bytes() != kept["Warm.xmp"]


def test_a_program_with_an_absurdly_long_number_is_one_line(camera_jpeg, tmp_path):
    program = tmp_path / "p.json"
    program.write_text('{"exposure": ' + "9" * 5000 + "}")
    result = invoke("apply", camera_jpeg, program, "-o", tmp_path / "o.jpg")
    assert result.exit_code == 1 and "invalid program" in result.output
    assert result.output.count("\n") == 1 and not (tmp_path / "o.jpg").exists()


def test_a_sidecar_that_is_a_symlink_is_written_through(tmp_path):
    photo = tmp_path / "a.jpg"
    Image.fromarray(np.full((16, 16, 3), 120, np.uint8)).save(photo)
    store = tmp_path / "store"
    store.mkdir()
    program = tmp_path / "p.json"
    program.write_text('{"exposure": 20}')
    assert invoke("xmp", "write", photo, program, "--host", "lightroom").exit_code == 0
    photo.with_suffix(".xmp").rename(store / "a.xmp")
    photo.with_suffix(".xmp").symlink_to(store / "a.xmp")
    assert invoke("xmp", "write", photo, program, "--host", "lightroom").exit_code == 0
    assert photo.with_suffix(".xmp").is_symlink()
    from iea_core.hosts import lightroom

    assert lightroom.read_settings(store / "a.xmp")["Exposure2012"] == pytest.approx(0.8)
