"""The darktable script edits the image as it is now, in real darktable 4.2 under Xvfb.

The client here answers with iea's real bridge methods and embedded agent (run in the client
process, a fresh "bridge" per request), so the whole chain is real: darktable's own render as
the agent's preview, the image's sidecar as its current state, the style iea writes, darktable
applying it, and darktable's export of the result.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from lxml import etree
from PIL import Image

from tests.conftest import require_tool
from tests.hosts.conftest import small_photo

from .darktable_harness import run_darktable
from .lightroom_harness import METHODS_CLIENT, REPO

pytestmark = [pytest.mark.xvfb, pytest.mark.darktable, pytest.mark.slow]

NS = {"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "darktable": "http://darktable.sf.net/"}


@pytest.fixture(autouse=True)
def _tools() -> None:
    require_tool("darktable")
    require_tool("xvfb-run")


def methods_client(root: Path) -> Path:
    state = root / "client-state"
    state.mkdir(exist_ok=True)
    client = root / "iea-methods"
    client.write_text(METHODS_CLIENT.format(python=sys.executable, state=str(state),
                                            repo=str(REPO)))
    client.chmod(0o755)
    return client


def calls(root: Path) -> list[dict]:
    path = root / "client-state" / "calls.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def results(root: Path) -> list[dict]:
    path = root / "client-state" / "replies.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def warmth(path: Path) -> float:
    rgb = np.asarray(Image.open(path).convert("RGB"), dtype=np.float64)
    return float((rgb[..., 0] - rgb[..., 2]).mean())


def iea_items(sidecar: Path) -> list[tuple[str, str, bool]]:
    root = etree.fromstring(sidecar.read_bytes(),
                            etree.XMLParser(resolve_entities=False, no_network=True))
    dt = f"{{{NS['darktable']}}}"
    end = int(root.find(".//rdf:Description", NS).get(dt + "history_end"))
    items = root.findall(".//darktable:history/rdf:Seq/rdf:li", NS)[:end]
    return [(li.get(dt + "multi_name"), li.get(dt + "multi_priority"),
             li.get(dt + "enabled") == "1") for li in items
            if (li.get(dt + "multi_name") or "").startswith("iea")]


@pytest.fixture()
def photo(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    path = folder / "coffee.jpg"
    Image.fromarray(small_photo("coffee", 320)).save(path, quality=95)
    return path


def test_repeated_edits_accumulate_and_leave_no_temp_files(tmp_path: Path, photo: Path) -> None:
    client = methods_client(tmp_path)
    run = run_darktable(tmp_path, f"""
      dt.preferences.write("iea", "timeout", "integer", 300)
      local image = dt.database.import({json.dumps(str(photo))})
      dt.gui.selection({{image}})
      export(image, "step0.jpg")
      for i, text in ipairs({{"warmer", "a touch warmer", "a bit less warm"}}) do
        iea.widgets.instruction.text = text
        iea.actions.edit()
        record("edit" .. i, {{ status = status() }})
        export(image, "step" .. i .. ".jpg")
      end
    """, client=client, timeout=400)
    assert "LUA ERROR" not in run.log
    assert run.step("finished")["ok"] is True, run.step("finished")
    w = [warmth(run.out / f"step{i}.jpg") for i in range(4)]
    up1, up2, down = w[1] - w[0], w[2] - w[1], w[3] - w[2]
    assert up1 > 1 and up2 > 0.3 and down < -0.3, w  # warmer, warmer still, then less warm
    assert up2 < up1 and abs(down) < up1, w  # "a touch" and "a bit" are smaller steps
    assert w[3] > w[0], w
    # the status shows each instance's before -> after
    assert "iea white balance (temperature) +" in run.step("edit2")["status"]
    assert " -> " in run.step("edit2")["status"]
    # one white-balance instance, updated by each edit (darktable keeps at most one history
    # entry per edit for it), not a pile of instances
    items = [i for i in iea_items(photo.with_name("coffee.jpg.xmp"))
             if i[0] == "iea white balance"]
    assert 1 <= len(items) <= 3 and len({p for _, p, _ in items}) == 1, items
    # each request after the first carried the sidecar holding iea's earlier instances
    sent = calls(tmp_path)
    assert all(c["params"]["sidecar"] == str(photo) + ".xmp" for c in sent)
    for reply in results(tmp_path):
        changes = reply["result"]["changes"]
        assert [c["tool"] for c in changes] == ["temperature"], changes
    # nothing left behind: previews, request/reply files, style files
    for call in sent:
        image = Path(call["params"]["image"])
        for leftover in (image, image.with_suffix(""), Path(call["request"]), Path(call["out"])):
            assert not leftover.exists(), leftover
    for reply in results(tmp_path):
        assert not Path(reply["result"]["host_settings"]["dtstyle"]).exists()


def test_refine_after_restart_starts_from_the_images_history(tmp_path: Path,
                                                             photo: Path) -> None:
    client = methods_client(tmp_path)
    body = f"""
      dt.preferences.write("iea", "timeout", "integer", 300)
      local image = dt.database.import({json.dumps(str(photo))})
      dt.gui.selection({{image}})
      export(image, "NAME0.jpg")
      iea.widgets.instruction.text = "TEXT"
      iea.actions.ACTION()
      record("done", {{ status = status() }})
      export(image, "NAME1.jpg")
    """

    def script(name: str, text: str, action: str) -> str:
        return body.replace("NAME", name).replace("TEXT", text).replace("ACTION", action)

    first = run_darktable(tmp_path, script("first", "much warmer", "edit"), client=client,
                          timeout=300)
    assert first.step("finished")["ok"] is True, first.step("finished")
    original = warmth(first.out / "first0.jpg")
    edited = warmth(first.out / "first1.jpg")
    assert edited > original + 2
    # darktable restarted: a new library reads the sidecar; the script remembers nothing
    second = run_darktable(tmp_path, script("second", "a bit less warm", "refine"),
                           client=client, timeout=300)
    assert "LUA ERROR" not in second.log
    assert second.step("finished")["ok"] is True, second.step("finished")
    before, after = warmth(second.out / "second0.jpg"), warmth(second.out / "second1.jpg")
    assert before == pytest.approx(edited, abs=0.5)  # the history came back from the sidecar
    assert original < after < before - 0.3, (original, before, after)
    refine = calls(tmp_path)[-1]
    assert refine["method"] == "refine" and refine["params"]["program"] == {}
    assert refine["params"]["sidecar"] == str(photo) + ".xmp"


def test_summarize_takes_the_click_order_and_swaps(tmp_path: Path, photo: Path) -> None:
    from iea_core.editor import render
    from iea_core.imageio import read_image, write_image

    brighter = photo.with_name("brighter.jpg")
    write_image(brighter, render(read_image(photo).pixels, {"exposure": 40}))
    client = methods_client(tmp_path)
    run = run_darktable(tmp_path, f"""
      dt.preferences.write("iea", "timeout", "integer", 300)
      local original = dt.database.import({json.dumps(str(photo))})
      local edited = dt.database.import({json.dumps(str(brighter))})
      -- clicked: the edited one first, then the original
      dt.gui.selection({{edited}})
      dt.control.sleep(300) -- the selection-changed event runs between clicks
      dt.gui.selection({{edited, original}})
      dt.control.sleep(300)
      iea.actions.summarize()
      record("edited first", {{ status = status() }})
      iea.widgets.swap.value = true
      iea.actions.summarize()
      record("swapped", {{ status = status() }})
      iea.widgets.swap.value = false
      dt.gui.selection({{original}})
      dt.control.sleep(300)
      dt.gui.selection({{original, edited}})
      dt.control.sleep(300)
      iea.actions.summarize()
      record("original first", {{ status = status() }})
    """, client=client, timeout=400)
    assert "LUA ERROR" not in run.log
    assert run.step("finished")["ok"] is True, run.step("finished")
    assert "(brighter.jpg -> coffee.jpg)" in run.step("edited first")["status"]
    assert "(coffee.jpg -> brighter.jpg)" in run.step("swapped")["status"]
    assert "(coffee.jpg -> brighter.jpg)" in run.step("original first")["status"]
    programs = [r["result"]["program"] for r in results(tmp_path)]
    light = [p.get("exposure", 0) + p.get("brightness", 0) for p in programs]
    assert light[0] < 0 < light[1] and light[2] > 0, programs
