"""Real methods end to end through the daemon: sidecars, presets, batches, previews, edits."""
from __future__ import annotations

import base64
import importlib.util
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from bridge_helpers import RawPeer, request


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


@pytest.fixture
def photos_dir(tmp_path: Path, sample_jpeg: Path, photos) -> Path:
    from PIL import Image

    folder = tmp_path / "photos"
    folder.mkdir()
    shutil.copy(sample_jpeg, folder / "sample.jpg")
    for name in ("astronaut", "coffee"):
        Image.fromarray(photos[name]).save(folder / f"{name}.jpg", quality=92)
    return folder


def test_write_xmp_for_lightroom_and_darktable(daemon, photos_dir):
    from iea_core.hosts import darktable, lightroom
    from iea_core.program import Program

    program = {"exposure": 20, "contrast": -15, "temperature": 30, "vignette": -10}
    image = str(photos_dir / "sample.jpg")
    with daemon.client() as client:
        lr = client.request("write_xmp", {"image": image, "program": program,
                                          "host": "lightroom"})
        settings = lightroom.read_settings(lr["sidecar"])
        expected = lightroom.program_to_crs(program)
        assert settings["Exposure2012"] == pytest.approx(expected["Exposure2012"])
        assert settings["Contrast2012"] == expected["Contrast2012"]
        assert lr["backup"] is None
        again = client.request("write_xmp", {"image": image, "program": {"exposure": 5},
                                             "host": "lightroom"})
        assert again["backup"] and Path(again["backup"]).exists()

        dt = client.request("write_xmp", {"image": image, "program": program,
                                          "host": "darktable"})
        assert darktable.read_sidecar(dt["sidecar"]) == Program(program)

        bad = client.call("write_xmp", {"image": image, "program": {"exposure": 500},
                                        "host": "lightroom"})
        assert bad["error"]["code"] == "invalid_program" and "exposure" in \
            bad["error"]["message"]
        missing = client.call("write_xmp", {"image": str(photos_dir / "nope.jpg"),
                                            "program": program, "host": "darktable"})
        assert missing["error"]["code"] == "file_not_found"
        relative = client.call("write_xmp", {"image": "sample.jpg", "program": program,
                                             "host": "darktable"})
        assert relative["error"]["code"] == "bad_request" and "absolute" in \
            relative["error"]["message"]


def test_export_preset_for_both_hosts(daemon, tmp_path):
    from iea_core.hosts import darktable, lightroom
    from iea_core.program import Program

    program = {"shadows": 30, "highlights": -20, "fade": 10}
    with daemon.client() as client:
        lr = client.request("export_preset", {"program": program, "name": "Soft lift",
                                              "host": "lightroom", "dest": str(tmp_path / "lr")})
        dt = client.request("export_preset", {"program": program, "name": "Soft lift",
                                              "host": "darktable", "dest": str(tmp_path / "dt")})
    settings = lightroom.read_settings(lr["files"][0])
    assert settings["Shadows2012"] == lightroom.program_to_crs(program)["Shadows2012"]
    name, parsed = darktable.read_dtstyle(dt["files"][0])
    assert name == "Soft lift" and parsed == Program(program)


def test_batch_apply_streams_progress_and_reports_each_image(daemon, photos_dir):
    from iea_core.hosts import lightroom

    images = [str(p) for p in sorted(photos_dir.glob("*.jpg"))]
    images.insert(1, str(photos_dir / "missing.jpg"))
    peer = RawPeer(daemon.endpoint)
    try:
        peer.send_json(request("batch_apply", {"images": images, "host": "lightroom",
                                               "program": {"vibrance": 25}}, "batch"))
        events = []
        while True:
            message = peer.recv(30)
            assert message is not None
            if "event" in message:
                events.append(message)
            else:
                break
    finally:
        peer.close()
    assert [e["done"] for e in events] == list(range(1, len(images) + 1))
    assert all(e["total"] == len(images) for e in events)
    results = message["result"]["results"]
    assert [r["image"] for r in results] == images
    assert [r["ok"] for r in results] == [True, False, True, True]
    assert results[1]["error"]["code"] == "file_not_found"
    for entry in results:
        if entry["ok"]:
            assert lightroom.read_settings(entry["sidecar"])["Vibrance"] == 25


def test_batch_apply_with_a_saved_style(daemon, photos_dir):
    from iea_core.hosts import darktable
    from iea_core.program import Program
    from iea_core.styles import StyleLibrary

    with StyleLibrary() as library:
        library.save("crisp", "crisper and a little warmer",
                     Program({"sharpness": 40, "temperature": 10}))
    images = [str(photos_dir / "coffee.jpg")]
    with daemon.client() as client:
        result = client.request("batch_apply", {"images": images, "host": "darktable",
                                                "style": "crisp"})
        unknown = client.call("batch_apply", {"images": images, "host": "darktable",
                                              "style": "nope"})
    assert darktable.read_sidecar(result["results"][0]["sidecar"])["sharpness"] == 40
    if _has("iea_core.editor") and _has("iea_core.imageio"):
        # adapt: the style's exposure follows each photo's brightness, the rest is kept
        dark = photos_dir / "dark.jpg"
        from PIL import Image

        Image.fromarray((np.asarray(Image.open(photos_dir / "coffee.jpg")) * 0.3)
                        .astype(np.uint8)).save(dark)
        with daemon.client(timeout=60) as client:
            adapted = client.request("batch_apply", {"images": [str(dark), images[0]],
                                                     "host": "lightroom", "style": "crisp",
                                                     "adapt": True})
        dark_program, normal_program = (r["program"] for r in adapted["results"])
        assert dark_program["sharpness"] == normal_program["sharpness"] == 40
        assert dark_program.get("exposure", 0) > normal_program.get("exposure", 0)
    assert unknown["error"]["code"] in ("session_error",) or "nope" in \
        unknown["error"]["message"]


@pytest.mark.skipif(not (_has("iea_core.editor") and _has("iea_core.imageio")),
                    reason="the editor and image I/O are not in the repository yet")
def test_render_preview_on_a_real_photo(daemon, photos_dir, tmp_path):
    from PIL import Image

    image = str(photos_dir / "astronaut.jpg")
    with daemon.client(timeout=120) as client:
        plain = client.request("render_preview", {"image": image, "program": {},
                                                  "max_size": 256})
        bright = client.request("render_preview", {"image": image,
                                                   "program": {"exposure": 60},
                                                   "max_size": 256})
        out = tmp_path / "preview.jpg"
        written = client.request("render_preview", {"image": image,
                                                    "program": {"saturation": -100},
                                                    "out": str(out), "max_size": 200})
    a = np.asarray(Image.open(io.BytesIO(base64.b64decode(plain["jpeg_base64"]))), np.float32)
    b = np.asarray(Image.open(io.BytesIO(base64.b64decode(bright["jpeg_base64"]))), np.float32)
    assert max(a.shape[:2]) == 256 and a.shape == b.shape
    assert b.mean() > a.mean() + 10          # exposure +60 brightens the photo
    grey = np.asarray(Image.open(written["path"]).convert("RGB"), np.float32)
    assert max(grey.shape[:2]) == 200
    assert np.abs(grey[..., 0] - grey[..., 1]).mean() < 3  # saturation -100 is grey

    broken = tmp_path / "broken.jpg"
    broken.write_bytes((photos_dir / "astronaut.jpg").read_bytes()[:2000])
    with daemon.client(timeout=60) as client:
        reply = client.call("render_preview", {"image": str(broken), "program": {}})
        again = client.call("render_preview", {"image": str(photos_dir / "coffee.jpg"),
                                               "program": {"exposure": 500}})
        health = client.request("health", {})
    assert reply["error"]["code"] in ("corrupt_image", "unsupported_image"), reply
    assert again["error"]["code"] == "invalid_program"
    assert health["workers"] == 2  # bad photos cost a reply, never a worker


@pytest.mark.skipif(not (_has("iea_core.editor") and _has("iea_core.imageio")),
                    reason="the editor and image I/O are not in the repository yet")
def test_render_preview_keeps_transparency(daemon, photos, tmp_path):
    """An out PNG keeps the photo's alpha; an out JPEG is refused (one line naming it) unless
    ``flatten``; the inline preview shows the cut-out over white."""
    from PIL import Image

    rgb = photos["astronaut"][::2, ::2]
    alpha = np.zeros(rgb.shape[:2], np.uint8)
    alpha[64:192, 64:192] = 255
    image = tmp_path / "cutout.png"
    Image.fromarray(np.dstack([rgb, alpha]), "RGBA").save(image)
    refused_out = tmp_path / "preview.jpg"
    with daemon.client(timeout=120) as client:
        png = client.request("render_preview", {"image": str(image), "program": {},
                                                "out": str(tmp_path / "preview.png"),
                                                "max_size": 128})
        refused = client.call("render_preview", {"image": str(image), "program": {},
                                                 "out": str(refused_out)})
        flat = client.request("render_preview", {"image": str(image), "program": {},
                                                 "out": str(refused_out), "flatten": True,
                                                 "max_size": 128})
        inline = client.request("render_preview", {"image": str(image), "program": {},
                                                   "max_size": 128})
    kept = np.asarray(Image.open(png["path"]))
    assert kept.shape == (128, 128, 4) and kept[..., 3][40:88, 40:88].min() == 255
    assert kept[..., 3][:24, :24].max() == 0
    assert refused["error"]["code"] == "alpha_not_kept", refused
    message = refused["error"]["message"]
    assert str(refused_out) in message and '"flatten": true' in message and "\n" not in message
    for shown in (np.asarray(Image.open(flat["path"])),
                  np.asarray(Image.open(io.BytesIO(base64.b64decode(inline["jpeg_base64"]))))):
        assert shown[:24, :24].min() >= 245                        # white where transparent
        assert shown[40:88, 40:88].mean() < 200                    # the photo where opaque


@pytest.mark.skipif(not (_has("iea_core.editor") and _has("iea_core.imageio")),
                    reason="the editor and image I/O are not in the repository yet")
def test_render_preview_says_what_metadata_a_jpeg_could_not_hold(daemon, photos, tmp_path):
    from PIL import Image

    from iea_core.imagemeta import ImageMetadata, embed_png
    from tests.cli.test_big_metadata import big_exif

    buffer = io.BytesIO()
    Image.fromarray(photos["coffee"][::4, ::4]).save(buffer, "PNG")
    image = tmp_path / "big_exif.png"
    image.write_bytes(embed_png(buffer.getvalue(), ImageMetadata(exif=big_exif(40_000, 30_000))))
    with daemon.client(timeout=120) as client:
        jpeg = client.request("render_preview", {"image": str(image), "program": {},
                                                 "out": str(tmp_path / "p.jpg")})
        png = client.request("render_preview", {"image": str(image), "program": {},
                                                "out": str(tmp_path / "p.png")})
    assert len(jpeg["warnings"]) == 1 and str(tmp_path / "p.jpg") in jpeg["warnings"][0]
    assert "thumbnail" in jpeg["warnings"][0] and png["warnings"] == []



@pytest.mark.skipif(not (_has("iea_core.agent.embedded") and _has("iea_core.imageio")),
                    reason="the embedded agent is not in the repository yet")
def test_edit_with_the_embedded_agent(daemon_factory, photos_dir):
    from iea_core.program import Program

    daemon = daemon_factory("--backend", "embedded", workers=1)
    image = str(photos_dir / "coffee.jpg")
    with daemon.client(timeout=170) as client:
        result = client.request("edit", {"image": image, "host": "lightroom",
                                         "instruction": "make it much brighter and warmer"})
    program = Program(result["program"])
    assert program["exposure"] > 0 or program["brightness"] > 0
    assert result["reasoning"]
    # Lightroom gets exactly the settings that move (current state + change)
    settings = result["host_settings"]
    assert ("Exposure2012" in settings) == bool(program["exposure"]), settings
    assert ("ParametricLights" in settings) == bool(program["brightness"]), settings
    json.dumps(result)

    from iea_core.hosts import darktable

    with daemon.client(timeout=170) as client:
        warm = {"temperature": 50, "exposure": 10}
        refined = client.request("refine", {"image": image, "program": warm,
                                            "feedback": "a bit less warm", "host": "darktable",
                                            "history": [{"role": "user", "text": "warmer",
                                                         "program": warm}]})
        before = str(photos_dir / "astronaut.jpg")
        after = photos_dir / "astronaut-edited.jpg"
        from iea_core.editor import render
        from iea_core.imageio import read_image, write_image

        target = {"exposure": 30, "saturation": -40}
        write_image(after, render(read_image(before).pixels, target))
        summary = client.request("summarize", {"before": before, "after": str(after),
                                               "host": "lightroom", "max_size": 256})
    assert 0 < Program(refined["program"])["temperature"] < 50
    name, style_program = darktable.read_dtstyle(refined["host_settings"]["dtstyle"])
    assert name == refined["host_settings"]["style_name"]
    # the style carries the new value of each iea instance the refine moves (the photo holds
    # the last edit, `warm`, already); instances it does not move are left out
    new = refined["program"]
    moved = {t: new.get(t, 0) for t in set(new) | set(warm) if new.get(t, 0) != warm.get(t, 0)}
    assert style_program.to_dict() == {t: v for t, v in moved.items() if v}  # 0: switched off
    assert refined["change"] == {t: v - warm.get(t, 0) for t, v in moved.items()}
    recovered = Program(summary["program"])
    assert recovered["exposure"] > 0 or recovered["brightness"] > 0   # lighter ...
    assert recovered["saturation"] < 0                                  # ... and more muted
    from iea_core.imageio import read_preview
    from iea_core.metrics import distance

    unedited = distance(read_preview(before, 256), read_preview(after, 256))
    assert summary["distance"] < 0.5 * unedited     # the recovered style explains the pair
    assert summary["sentence"] and summary["host_settings"]["Saturation"] < 0


@pytest.mark.skipif(not (_has("iea_core.editor") and _has("iea_core.imageio")),
                    reason="the editor and image I/O are not in the repository yet")
def test_iea_worker_command_serves_previews_over_curve(daemon_factory, photos_dir, tmp_path):
    """`iea worker` as a GPU box would run it: no shared disk, photos come from the daemon."""
    import subprocess
    import sys

    from PIL import Image

    from bridge.keys import generate
    from bridge_helpers import free_port, wait_for

    keys = tmp_path / "keys"
    generate(keys, "client")
    generate(keys, "gpu1")
    backend = f"tcp://127.0.0.1:{free_port()}"
    daemon = daemon_factory("--worker-endpoint", backend, "--curve-keys", str(keys), workers=0)
    worker = subprocess.Popen(
        [sys.executable, "-m", "iea_core", "worker", "--connect", backend, "--curve-keys",
         str(keys), "--key-name", "gpu1", "--methods", "render_preview", "--identity", "gpu1"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: daemon.status()["workers"]["remote"] == 1, 30, "the iea worker")
        with daemon.client(timeout=120) as client:
            result = client.request("render_preview", {"image": str(photos_dir / "coffee.jpg"),
                                                       "program": {"exposure": 40},
                                                       "max_size": 128})
            status = client.request("status", {})
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
    preview = Image.open(io.BytesIO(base64.b64decode(result["jpeg_base64"])))
    assert max(preview.size) == 128
    assert [w["identity"] for w in status["workers"]["list"]] == ["gpu1"]
    assert status["workers"]["list"][0]["served"] == 1
