"""Image I/O on real files the tests write: bit depths, orientation, ICC, damaged files, bombs."""
from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageCms, ImageOps

from iea_core.editor import render
from iea_core.errors import ArrayConventionError, CorruptImage, ImageTooLarge, UnsupportedImage
from iea_core.imageio import (apply_orientation, read_image, read_preview, resize_max, to_float,
                              write_image)

SRGB_ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png16_with_filters(rgb: np.ndarray, kinds=(0, 1, 2, 3, 4)) -> bytes:
    """A 16-bit RGB PNG whose rows use every PNG filter, as other encoders write them (a plain
    reference implementation of the PNG spec's filters, independent of the reader)."""
    h, w, _ = rgb.shape
    bpp = 6
    raw = np.ascontiguousarray(rgb, dtype=">u2").view(np.uint8).reshape(h, w * 6).astype(int)
    prev = np.zeros(w * 6, dtype=int)
    rows = []
    for y in range(h):
        kind = kinds[y % len(kinds)]
        line = raw[y]
        left = np.concatenate([np.zeros(bpp, int), line[:-bpp]])
        upleft = np.concatenate([np.zeros(bpp, int), prev[:-bpp]])
        if kind == 0:
            pred = 0
        elif kind == 1:
            pred = left
        elif kind == 2:
            pred = prev
        elif kind == 3:
            pred = (left + prev) // 2
        else:
            p = left + prev - upleft
            pa, pb, pc = abs(p - left), abs(p - prev), abs(p - upleft)
            pred = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, prev, upleft))
        rows.append(bytes([kind]) + ((line - pred) % 256).astype(np.uint8).tobytes())
        prev = line
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0))
            + png_chunk(b"IDAT", zlib.compress(b"".join(rows))) + png_chunk(b"IEND", b""))


def noise16(shape=(37, 53, 3), seed=1) -> np.ndarray:
    return (np.random.default_rng(seed).random(shape) * 65535).astype(np.uint16)


@pytest.mark.parametrize("ext", [".tif", ".png"])
def test_sixteen_bit_round_trip_keeps_every_bit_and_the_profile(tmp_path, ext):
    pixels = noise16()
    path = write_image(tmp_path / f"x{ext}", pixels, icc_profile=SRGB_ICC)
    photo = read_image(path)
    assert photo.bit_depth == 16 and photo.pixels.dtype == np.uint16
    assert np.array_equal(photo.pixels, pixels)
    assert photo.icc_profile == SRGB_ICC
    assert Image.open(path).info.get("icc_profile") == SRGB_ICC  # other readers see it too


def test_sixteen_bit_png_from_another_encoder_uses_all_filters(tmp_path):
    pixels = noise16((24, 31, 3))
    pixels[:, :10] = 40000  # flat areas make Sub/Up/Paeth predictions matter
    (tmp_path / "f.png").write_bytes(png16_with_filters(pixels))
    photo = read_image(tmp_path / "f.png")
    assert photo.bit_depth == 16 and np.array_equal(photo.pixels, pixels)


def test_sixteen_bit_tiff_planar_and_oriented(tmp_path):
    import tifffile

    pixels = noise16((20, 30, 3))
    tifffile.imwrite(tmp_path / "planar.tif", np.moveaxis(pixels, -1, 0).copy(),
                     photometric="rgb", planarconfig="separate")
    assert np.array_equal(read_image(tmp_path / "planar.tif").pixels, pixels)
    tifffile.imwrite(tmp_path / "rot.tif", pixels, photometric="rgb",
                     extratags=[(274, "H", 1, 6, True)])  # Orientation: rotate 90 CW to show
    assert np.array_equal(read_image(tmp_path / "rot.tif").pixels, np.rot90(pixels, -1))


def test_eight_bit_png_with_pillow_filters_and_gray(tmp_path, photos):
    image = photos["chelsea"]
    Image.fromarray(image).save(tmp_path / "c.png", optimize=True)
    photo = read_image(tmp_path / "c.png")
    assert photo.bit_depth == 8 and np.array_equal(photo.pixels, image)
    Image.fromarray(image[..., 1]).save(tmp_path / "g.png")
    gray = read_image(tmp_path / "g.png").pixels
    assert gray.shape == image.shape and np.array_equal(gray[..., 0], gray[..., 2])


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_matches_what_viewers_show(tmp_path, photos, orientation):
    image = photos["rocket"][::4, ::4].copy()
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(image).save(tmp_path / "r.png", exif=exif)
    shown = np.asarray(ImageOps.exif_transpose(Image.open(tmp_path / "r.png")).convert("RGB"))
    assert np.array_equal(read_image(tmp_path / "r.png").pixels, shown)
    assert np.array_equal(apply_orientation(image, orientation), shown)


def test_exif_orientation_on_jpeg_and_sixteen_bit_png(tmp_path, photos):
    image = photos["rocket"]
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(image).save(tmp_path / "r.jpg", exif=exif, quality=95)
    assert read_image(tmp_path / "r.jpg").pixels.shape[:2] == (image.shape[1], image.shape[0])
    # a 16-bit PNG with an eXIf chunk: the 16-bit decoder honours the orientation too
    pixels = noise16((10, 16, 3))
    data = png16_with_filters(pixels, kinds=(0,))
    exif_chunk = png_chunk(b"eXIf", exif.tobytes())
    data = data[:33] + exif_chunk + data[33:]
    (tmp_path / "r16.png").write_bytes(data)
    photo = read_image(tmp_path / "r16.png")
    assert photo.bit_depth == 16 and np.array_equal(photo.pixels, np.rot90(pixels, -1))


def test_icc_profile_is_kept_through_an_edit(tmp_path, photos):
    Image.fromarray(photos["coffee"]).save(tmp_path / "in.jpg", icc_profile=SRGB_ICC)
    photo = read_image(tmp_path / "in.jpg")
    assert photo.icc_profile == SRGB_ICC
    write_image(tmp_path / "out.jpg", render(photo.pixels, {"exposure": 10}),
                icc_profile=photo.icc_profile)
    assert Image.open(tmp_path / "out.jpg").info.get("icc_profile") == SRGB_ICC


def test_cmyk_jpeg_is_converted_and_its_profile_not_put_on_rgb(tmp_path, photos):
    Image.fromarray(photos["coffee"]).convert("CMYK").save(tmp_path / "c.jpg")
    photo = read_image(tmp_path / "c.jpg")
    assert photo.pixels.shape == photos["coffee"].shape and photo.icc_profile is None
    gray_icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    Image.fromarray(photos["coffee"]).save(tmp_path / "lab.jpg", icc_profile=gray_icc)
    assert read_image(tmp_path / "lab.jpg").icc_profile is None  # not an RGB profile


def test_damaged_files_get_a_sentence_naming_file_and_problem(tmp_path, photos):
    Image.fromarray(photos["coffee"]).save(tmp_path / "ok.jpg")
    data = (tmp_path / "ok.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 3])
    with pytest.raises(CorruptImage, match=r"cut\.jpg is damaged or truncated"):
        read_image(tmp_path / "cut.jpg")
    (tmp_path / "text.jpg").write_text("not an image")
    with pytest.raises(CorruptImage, match=r"text\.jpg is not an image"):
        read_image(tmp_path / "text.jpg")
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(CorruptImage, match=r"empty\.png is empty"):
        read_image(tmp_path / "empty.png")
    (tmp_path / "fake.CR2").write_bytes(b"\x00garbage" * 64)
    with pytest.raises(CorruptImage, match=r"fake\.CR2 is not a raw file"):
        read_image(tmp_path / "fake.CR2")
    cut16 = png16_with_filters(noise16((20, 20, 3)))
    (tmp_path / "cut16.png").write_bytes(cut16[: len(cut16) // 2] + png_chunk(b"IEND", b""))
    with pytest.raises(CorruptImage, match="cut16.png"):
        read_image(tmp_path / "cut16.png")
    with pytest.raises(FileNotFoundError):
        read_image(tmp_path / "missing.jpg")
    with pytest.raises(UnsupportedImage, match="folder"):
        read_image(tmp_path)


def test_decompression_bomb_is_refused(tmp_path):
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    bomb = (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header)
            + png_chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + png_chunk(b"IEND", b""))
    (tmp_path / "bomb.png").write_bytes(bomb)
    with pytest.raises(ImageTooLarge, match=r"bomb\.png.*(bomb|too large)"):
        read_image(tmp_path / "bomb.png")
    header16 = struct.pack(">IIBBBBB", 100_000, 100_000, 16, 2, 0, 0, 0)
    (tmp_path / "bomb16.png").write_bytes(bomb.replace(png_chunk(b"IHDR", header),
                                                       png_chunk(b"IHDR", header16)))
    with pytest.raises(ImageTooLarge):
        read_image(tmp_path / "bomb16.png")


def write_dng(path, scene: np.ndarray, neutral=(1.0, 1.0, 1.0)) -> None:
    """A minimal RGGB DNG (12-bit) of a linear scene, with the camera's as-shot neutral."""
    import tifffile

    h, w, _ = scene.shape
    s = np.clip(scene, 0, 1) * 4095
    cfa = np.zeros((h, w), np.uint16)
    cfa[0::2, 0::2], cfa[0::2, 1::2] = s[0::2, 0::2, 0], s[0::2, 1::2, 1]
    cfa[1::2, 0::2], cfa[1::2, 1::2] = s[1::2, 0::2, 1], s[1::2, 1::2, 2]
    xyz_to_srgb = [3.2404542, -1.5371385, -0.4985314, -0.9692660, 1.8760108, 0.0415560,
                   0.0556434, -0.2040259, 1.0572252]
    matrix = tuple(v for x in xyz_to_srgb for v in (round(x * 1e6), 1_000_000))
    as_shot = tuple(v for n in neutral for v in (round(n * 10000), 10000))
    tags = [(50706, "B", 4, (1, 4, 0, 0), True),       # DNGVersion
            (50708, "s", 0, "iea test camera", True),  # UniqueCameraModel
            (271, "s", 0, "iea", True), (272, "s", 0, "test", True),
            (33421, "H", 2, (2, 2), True), (33422, "B", 4, (0, 1, 1, 2), True),  # RGGB
            (50717, "I", 1, 4095, True),                 # WhiteLevel
            (50721, 10, 9, matrix, True),                # ColorMatrix1
            (50728, 5, 3, as_shot, True),                # AsShotNeutral
            (50778, "H", 1, 21, True)]                   # CalibrationIlluminant1 = D65
    tifffile.imwrite(path, cfa, photometric=32803, extratags=tags, subfiletype=0)


def test_raw_is_a_half_size_preview_with_camera_white_balance(tmp_path):
    # a grey ramp seen by a camera whose red channel is half as sensitive; its as-shot neutral
    # says so, and honouring it makes the preview grey again
    ramp = np.linspace(0.02, 0.5, 96)[None, :, None] * np.ones((64, 96, 3))
    ramp[..., 0] *= 0.5
    write_dng(tmp_path / "cam.dng", ramp, neutral=(0.5, 1.0, 1.0))
    photo = read_image(tmp_path / "cam.dng")
    assert photo.is_raw and photo.bit_depth == 16 and photo.pixels.dtype == np.uint16
    assert photo.pixels.shape == (32, 48, 3)  # half size
    mid = photo.pixels[:, 20].astype(float).mean(axis=0)
    assert abs(mid[0] - mid[1]) < 0.03 * mid[1]  # balanced by the camera's white balance
    assert photo.pixels[:, 40].mean() > photo.pixels[:, 5].mean()  # the ramp survives
    eight = read_image(tmp_path / "cam.dng", raw_bit_depth=8, max_size=24)
    assert eight.pixels.dtype == np.uint8 and eight.bit_depth == 8
    assert max(eight.pixels.shape[:2]) == 24
    assert read_preview(tmp_path / "cam.dng").dtype == np.float32
    with pytest.raises(ValueError):
        read_image(tmp_path / "cam.dng", raw_bit_depth=12)
    (tmp_path / "x.nef").write_bytes(b"II*\x00" + b"\x00" * 200)
    with pytest.raises(CorruptImage, match=r"x\.nef is not a raw file"):
        read_image(tmp_path / "x.nef")


def test_writes_are_atomic_and_checked(tmp_path, photos):
    target = tmp_path / "keep.jpg"
    target.write_bytes(b"precious")
    with pytest.raises(ArrayConventionError):
        write_image(target, np.zeros((4, 4), dtype=np.uint8))
    assert target.read_bytes() == b"precious"  # nothing half-written
    with pytest.raises(UnsupportedImage, match=r"\.gif"):
        write_image(tmp_path / "x.gif", photos["coffee"])
    write_image(target, photos["coffee"], backup=True)
    assert read_image(target).pixels.shape == photos["coffee"].shape
    assert not list(tmp_path.glob("*.tmp*"))
    # float input becomes 16-bit PNG, 8-bit JPEG
    f = to_float(photos["coffee"])
    assert read_image(write_image(tmp_path / "f.png", f)).bit_depth == 16
    jpeg = read_image(write_image(tmp_path / "f.jpg", f, quality=95)).pixels
    assert np.abs(jpeg.astype(int) - photos["coffee"]).mean() < 3


def test_preview_and_resize(tmp_path, photos):
    write_image(tmp_path / "a.png", photos["astronaut"])
    preview = read_preview(tmp_path / "a.png", max_size=128)
    assert preview.shape == (128, 128, 3) and preview.dtype == np.float32
    assert 0 <= preview.min() and preview.max() <= 1
    assert resize_max(photos["astronaut"], 1000) is photos["astronaut"]
    small16 = resize_max(noise16((100, 60, 3)), 50)
    assert small16.shape == (50, 30, 3) and small16.dtype == np.uint16


def test_reduced_jpeg_decode_matches_a_full_decode_resized(tmp_path, photos):
    big = np.asarray(Image.fromarray(photos["astronaut"]).resize((2048, 1536), Image.BICUBIC))
    exif = Image.Exif()
    exif[0x0112] = 8
    Image.fromarray(big).save(tmp_path / "big.jpg", quality=92, exif=exif)
    full = read_image(tmp_path / "big.jpg").pixels
    quick = read_image(tmp_path / "big.jpg", max_size=400).pixels
    expected = resize_max(full, 400)
    assert quick.shape == expected.shape == (400, 300, 3)  # orientation 8: portrait
    assert np.abs(quick.astype(int) - expected).mean() < 2
