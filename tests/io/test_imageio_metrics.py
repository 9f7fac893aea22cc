"""Image I/O on real files written here, and the paper's metrics."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageCms

from iea_core.errors import CorruptImage, ImageTooLarge, UnsupportedImage
from iea_core.imageio import read_image, read_preview, resize_max, write_image
from iea_core.metrics import (ciede2000, delta_e, distance, distance_batch, edit_reward,
                              likeness_reward, rouge_l, usefulness_reward)
from iea_core.editor import render


@pytest.mark.parametrize("ext", [".tif", ".png"])
def test_sixteen_bit_round_trip(tmp_path, ext):
    pixels = (np.random.default_rng(1).random((37, 53, 3)) * 65535).astype(np.uint16)
    path = write_image(tmp_path / f"x{ext}", pixels)
    photo = read_image(path)
    assert photo.bit_depth == 16 and photo.pixels.dtype == np.uint16
    assert np.array_equal(photo.pixels, pixels)


def test_png_written_by_another_encoder_with_filters(tmp_path, photos):
    image = photos["chelsea"]
    Image.fromarray(image).save(tmp_path / "c.png", optimize=True)  # Pillow uses row filters
    assert np.array_equal(read_image(tmp_path / "c.png").pixels, image)


def test_exif_orientation_is_applied(tmp_path, photos):
    image = photos["rocket"]
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW on display
    Image.fromarray(image).save(tmp_path / "r.jpg", exif=exif, quality=95)
    pixels = read_image(tmp_path / "r.jpg").pixels
    assert pixels.shape[:2] == (image.shape[1], image.shape[0])


def test_icc_profile_is_kept(tmp_path, photos):
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.fromarray(photos["coffee"]).save(tmp_path / "in.jpg", icc_profile=icc)
    photo = read_image(tmp_path / "in.jpg")
    assert photo.icc_profile == icc
    write_image(tmp_path / "out.jpg", render(photo.pixels, {"exposure": 10}),
                icc_profile=photo.icc_profile)
    assert Image.open(tmp_path / "out.jpg").info.get("icc_profile") == icc


def test_damaged_files_get_clear_errors(tmp_path, photos):
    Image.fromarray(photos["coffee"]).save(tmp_path / "ok.jpg")
    data = (tmp_path / "ok.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 3])
    with pytest.raises(CorruptImage, match="cut.jpg"):
        read_image(tmp_path / "cut.jpg")
    (tmp_path / "text.jpg").write_text("not an image")
    with pytest.raises(CorruptImage, match="not an image"):
        read_image(tmp_path / "text.jpg")
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(CorruptImage, match="empty"):
        read_image(tmp_path / "empty.png")
    (tmp_path / "fake.CR2").write_bytes(b"\x00garbage" * 64)
    with pytest.raises(CorruptImage, match="raw"):
        read_image(tmp_path / "fake.CR2")
    with pytest.raises(FileNotFoundError):
        read_image(tmp_path / "missing.jpg")
    with pytest.raises(UnsupportedImage, match=".gif"):
        write_image(tmp_path / "x.gif", photos["coffee"])


def test_decompression_bomb_is_refused(tmp_path):
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    bomb = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b""))
    (tmp_path / "bomb.png").write_bytes(bomb)
    with pytest.raises(ImageTooLarge, match="bomb|too large"):
        read_image(tmp_path / "bomb.png")


def test_preview_and_resize(tmp_path, photos):
    write_image(tmp_path / "a.png", photos["astronaut"])
    preview = read_preview(tmp_path / "a.png", max_size=128)
    assert preview.shape == (128, 128, 3) and preview.dtype == np.float32
    assert resize_max(photos["astronaut"], 1000) is photos["astronaut"]


def test_distance_matches_the_papers_formula():
    a = np.zeros((4, 4, 3), dtype=np.uint8)
    b = a.copy()
    b[0, 0] = 255  # one pixel fully different
    l1 = 3 / 48
    l2 = np.sqrt(3 / 48)
    assert distance(a, b) == pytest.approx((l1 + l2) / 2)
    assert distance_batch(np.stack([a, b]).astype(np.float32) / 255, a)[1] == pytest.approx(
        distance(a, b))


def test_rewards_on_a_real_pair(photos):
    original = photos["coffee"][::2, ::2].copy()
    target = {"exposure": 30, "saturation": -40}
    reference = render(original, target)
    assert likeness_reward(original, reference, reference) == pytest.approx(1.0)
    assert likeness_reward(original, render(original, {"exposure": -60}), reference) < 0
    assert usefulness_reward(original, target, reference) == pytest.approx(1.0)
    # a useless extra tool drags usefulness down
    assert usefulness_reward(original, {**target, "vignette": -80}, reference) < 1.0
    good = edit_reward(original, target, reference)
    bad = edit_reward(original, {"exposure": -30, "saturation": 40}, reference)
    assert good == pytest.approx(1.0, abs=0.01) and bad < 0
    assert likeness_reward(original, original, original) == 1.0


def test_rouge_and_ciede2000():
    assert rouge_l("warm faded film look", "a warm, faded film look") > 0.8
    assert rouge_l("cooler and darker", "warm faded film look") == 0.0
    # Sharma, Wu and Dalal (2005) test pairs
    pairs = [((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425),
             ((50, 2.49, -0.001), (50, -2.49, 0.0009), 7.1792),
             ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
             ((90.9257, -0.5406, -0.9208), (88.6381, -0.8985, -0.7239), 1.5381),
             ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082)]
    for lab1, lab2, expected in pairs:
        assert float(ciede2000(np.array(lab1), np.array(lab2))) == pytest.approx(expected,
                                                                                 abs=1e-4)
    img = np.full((8, 8, 3), 128, dtype=np.uint8)
    assert delta_e(img, img) == 0.0
    assert delta_e(img, img + 20) > 3
