"""The darktable script in real darktable 4.2 under Xvfb, driven through its own functions.

One darktable session per test (a few seconds each): the script is installed by
`iea plugin install darktable`, loaded from luarc, and its actions run on real imported photos.
The client is a stand-in that writes real .dtstyle files (see darktable_harness.FAKE_CLIENT), so
these tests pin the darktable side: style import and apply, history, export, progress, errors.
"""
from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
from lxml import etree
from PIL import Image

from tests.conftest import require_tool
from .darktable_harness import run_darktable

pytestmark = [pytest.mark.xvfb, pytest.mark.darktable]

NS = {"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "darktable": "http://darktable.sf.net/"}


@pytest.fixture(autouse=True)
def _tools() -> None:
    require_tool("darktable")
    require_tool("xvfb-run")


def history(sidecar: Path | str) -> tuple[list[tuple[str, str]], int]:
    """(operation, params) of each item in a darktable XMP's history stack, and history_end."""
    text = sidecar.read_bytes() if isinstance(sidecar, Path) else sidecar.encode()
    root = etree.fromstring(text, etree.XMLParser(resolve_entities=False, no_network=True))
    desc = root.find(".//rdf:Description", NS)
    dt = f"{{{NS['darktable']}}}"
    items = [(li.get(dt + "operation"), li.get(dt + "params"))
             for li in root.findall(".//darktable:history/rdf:Seq/rdf:li", NS)]
    return items, int(desc.get(dt + "history_end"))


def exposures(sidecar: Path | str) -> list[float]:
    """EV of every exposure item in the history (exposure v6 params: <iffffi)."""
    items, end = history(sidecar)
    return [struct.unpack("<iffffi", bytes.fromhex(params))[2]
            for op, params in items[:end] if op == "exposure"]


def luminance(path: Path) -> float:
    rgb = np.asarray(Image.open(path).convert("RGB"), dtype=np.float64) / 255.0
    return float((rgb @ np.array([0.2126, 0.7152, 0.0722])).mean())


def assert_clean_log(log: str) -> None:
    assert "LUA ERROR" not in log, log[-4000:]


def copy_photo(src: Path, root: Path, name: str) -> Path:
    photos = root / "photos"
    photos.mkdir(exist_ok=True)
    return Path(shutil.copy(src, photos / name))


def test_edit_adds_history_and_brightens_the_export(tmp_path: Path, sample_jpeg: Path) -> None:
    photo = copy_photo(sample_jpeg, tmp_path, "street.jpg")
    run = run_darktable(tmp_path, f"""
      local image = dt.database.import({json.dumps(str(photo))})
      dt.gui.selection({{image}})
      export(image, "before.jpg")
      iea.widgets.instruction.text = "a little brighter please"
      iea.actions.edit()
      record("edited", {{ status = status(), xmp = sidecar(image) }})
      export(image, "after.jpg")
      iea.widgets.instruction.text = "a touch less"
      iea.actions.refine()
      record("refined", {{ status = status(), xmp = sidecar(image) }})
    """)
    assert_clean_log(run.log)
    assert run.step("loaded")["module"] is True and run.step("loaded")["lib"] is True
    assert run.step("finished")["ok"] is True, run.step("finished")
    assert "exposure +50" in run.step("edited")["status"]
    assert "asked: a little brighter please" in run.step("edited")["status"]

    calls = [json.loads(line) for line in
             (tmp_path / "client-state" / "calls.jsonl").read_text().splitlines()]
    assert [c["method"] for c in calls] == ["edit", "refine"]
    preview = calls[0]["params"].pop("image")
    assert preview.endswith(".jpg") and preview != str(photo)  # darktable's render of the photo
    # the image's sidecar (darktable wrote it on import) is its current state
    assert calls[0]["params"] == {"instruction": "a little brighter please", "host": "darktable",
                                  "raw": False, "history": [], "sidecar": str(photo) + ".xmp"}
    # refine shows iea the image as it is now; no preview is left in the temp folder
    assert calls[1]["params"]["image"] != preview
    assert not Path(preview).exists() and not Path(calls[1]["params"]["image"]).exists()
    assert calls[1]["params"]["program"] == {"exposure": 50}
    assert calls[1]["params"]["feedback"] == "a touch less"

    # the edit added an exposure item at +1 EV on top of darktable's defaults for a JPEG
    items, end = history(run.step("edited")["xmp"])
    assert [op for op, _ in items] == ["colorin", "colorout", "gamma", "flip", "exposure"]
    assert end == len(items)
    assert exposures(run.step("edited")["xmp"]) == pytest.approx([1.0])
    # refining replaces that module's values (darktable merges a style into the same instance)
    assert exposures(run.step("refined")["xmp"]) == pytest.approx([0.5])
    assert exposures(photo.with_name(photo.name + ".xmp")) == pytest.approx([0.5])
    before, after = luminance(run.out / "before.jpg"), luminance(run.out / "after.jpg")
    assert after > before + 0.08, (before, after)
    original = luminance(photo)
    assert abs(before - original) < 0.02  # the baseline export is the untouched photo


def test_iea_darktable_styles_apply_and_warm_the_export(tmp_path: Path, photos) -> None:
    """A multi-module style from iea_core.hosts.darktable, imported and applied by the script."""
    folder = tmp_path / "photos"
    folder.mkdir()
    photo = folder / "coffee.jpg"
    Image.fromarray(photos["coffee"]).save(photo, quality=95)
    run = run_darktable(tmp_path, f"""
      local image = dt.database.import({json.dumps(str(photo))})
      dt.gui.selection({{image}})
      export(image, "before.jpg")
      iea.widgets.instruction.text = "warmer and a bit brighter"
      iea.actions.edit()
      record("edited", {{ status = status() }})
      export(image, "after.jpg")
    """)
    assert_clean_log(run.log)
    assert run.step("finished")["ok"] is True, run.step("finished")
    assert "temperature +60" in run.step("edited")["status"]
    root = etree.fromstring(photo.with_name("coffee.jpg.xmp").read_bytes(),
                            etree.XMLParser(resolve_entities=False, no_network=True))
    names = {li.get(f"{{{NS['darktable']}}}multi_name")
             for li in root.findall(".//darktable:history/rdf:Seq/rdf:li", NS)}
    assert {"iea exposure", "iea white balance", "iea shadows"} <= names, names
    before = np.asarray(Image.open(run.out / "before.jpg"), dtype=np.float64)
    after = np.asarray(Image.open(run.out / "after.jpg"), dtype=np.float64)
    warmth = lambda rgb: float((rgb[..., 0] - rgb[..., 2]).mean())  # noqa: E731
    assert warmth(after) > warmth(before) + 3, (warmth(before), warmth(after))
    assert after.mean() > before.mean() + 2


def test_batch_summarize_apply_and_export(tmp_path: Path, sample_jpeg: Path) -> None:
    photos = [copy_photo(sample_jpeg, tmp_path, f"p{i}.jpg") for i in range(3)]
    run = run_darktable(tmp_path, f"""
      local images = {{}}
      for _, path in ipairs({{{", ".join(json.dumps(str(p)) for p in photos)}}}) do
        images[#images + 1] = dt.database.import(path)
      end
      dt.gui.selection({{images[1], images[2]}})
      iea.widgets.instruction.text = "darker"
      iea.actions.edit()
      record("batch", {{ status = status() }})
      iea.widgets.name.text = "  golden  "
      iea.actions.summarize()
      record("summarized", {{ status = status() }})
      dt.gui.selection({{images[3]}})
      iea.actions.apply_style()
      record("applied", {{ status = status() }})
      export(images[3], "styled.jpg")
      iea.widgets.name.text = "my look"
      iea.actions.export_preset()
      local names = {{}}
      for _, s in ipairs(dt.styles) do names[#names + 1] = s.name end
      record("exported", {{ status = status(), styles = table.concat(names, "|") }})
    """)
    assert_clean_log(run.log)
    assert run.step("finished")["ok"] is True, run.step("finished")
    assert "p0.jpg: exposure -50" in run.step("batch")["status"]
    assert "p1.jpg: exposure -50" in run.step("batch")["status"]
    for photo in photos[:2]:
        assert exposures(photo.with_name(photo.name + ".xmp")) == pytest.approx([-1.0])
    assert "style 'golden'" in run.step("summarized")["status"]
    assert exposures(photos[2].with_name(photos[2].name + ".xmp")) == pytest.approx([0.8])
    # the style went through iea as a change to p2.jpg as it is now
    assert "p2.jpg:\niea exposure +0 -> +40" in run.step("applied")["status"]
    compose = [json.loads(line) for line in (tmp_path / "client-state" / "calls.jsonl")
               .read_text().splitlines() if '"compose"' in line][0]
    assert compose["params"]["program"] == {"exposure": 40}
    assert compose["params"]["sidecar"] == str(photos[2]) + ".xmp"
    assert luminance(run.out / "styled.jpg") > luminance(photos[2]) + 0.05
    styles = run.step("exported")["styles"].split("|")
    # edit styles are removed once applied; the summary and the exported preset stay
    assert sorted(styles) == ["golden", "my look"], styles
    assert (run.configdir / "styles" / "my look.dtstyle").exists()


def test_unreachable_client_is_reported_not_raised(tmp_path: Path, sample_jpeg: Path) -> None:
    photo = copy_photo(sample_jpeg, tmp_path, "quiet.jpg")
    run = run_darktable(tmp_path, f"""
      local image = dt.database.import({json.dumps(str(photo))})
      dt.gui.selection({{image}})
      iea.widgets.instruction.text = "brighter but unreachable"
      iea.actions.edit()
      record("failed", {{ status = status() }})
      iea.actions.refine()
      record("refine first", {{ status = status() }})
      iea.actions.summarize()
      record("one image", {{ status = status() }})
      iea.actions.apply_style()
      record("no style", {{ status = status() }})
      dt.gui.selection({{}})
      iea.actions.edit()
      record("nothing selected", {{ status = status() }})
    """)
    assert_clean_log(run.log)
    assert run.step("finished")["ok"] is True
    assert "not running and could not be started" in run.step("failed")["status"]
    # without an earlier edit in this session a refine works on what the history holds
    assert "not running and could not be started" in run.step("refine first")["status"]
    assert "select 2 images first" in run.step("one image")["status"]
    assert "summarize a before/after pair first" in run.step("no style")["status"]
    assert "select an image first" in run.step("nothing selected")["status"]
    assert exposures(photo.with_name(photo.name + ".xmp")) == pytest.approx([])


def test_missing_client_is_reported_at_startup_and_on_use(tmp_path: Path, sample_jpeg: Path) -> None:
    photo = copy_photo(sample_jpeg, tmp_path, "lost.jpg")
    missing = tmp_path / "uninstalled" / "iea"
    run = run_darktable(tmp_path, f"""
      local image = dt.database.import({json.dumps(str(photo))})
      dt.gui.selection({{image}})
      iea.widgets.instruction.text = "brighter"
      iea.actions.edit()
      record("failed", {{ status = status() }})
    """, client=missing)
    assert_clean_log(run.log)
    assert f"iea: client program not found: {missing}" in run.log
    assert "could not be run" in run.step("failed")["status"]
