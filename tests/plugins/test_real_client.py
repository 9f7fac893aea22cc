"""Both plug-ins against the real `iea client`: daemon started on demand, default agent, real files.

The other plug-in tests pin the Lua with a stand-in client; these check the whole path a
photographer takes: plug-in -> `iea client` -> bridge daemon -> agent -> host settings -> host.
The daemon runs in the test's private IEA_RUNTIME_DIR and is stopped afterwards.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import time
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest
from lxml import etree
from PIL import Image

from iea_core.plugins import find_client
from tests.conftest import require_tool

from .darktable_harness import run_darktable
from .lightroom_harness import Lightroom

NS = {"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "darktable": "http://darktable.sf.net/"}


def _luminance(path: Path) -> float:
    rgb = np.asarray(Image.open(path).convert("RGB"), dtype=np.float64) / 255.0
    return float((rgb @ np.array([0.2126, 0.7152, 0.0722])).mean())


@pytest.fixture
def real_client() -> Iterator[Path]:
    """The installed `iea`; the daemon it starts is stopped when the test ends."""
    client = Path(find_client())
    yield client
    from bridge.daemon import read_pid
    from bridge.endpoints import default_endpoint

    pid = read_pid(default_endpoint())
    if pid is None:
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)


def test_lightroom_edit_through_the_real_bridge(tmp_path: Path, real_client: Path,
                                                sample_jpeg: Path) -> None:
    lr = Lightroom(tmp_path)
    lr.set_config({"client": str(real_client)})
    # a fresh checkout compiles the editor's kernels on the first request: allow for it
    lr.R.prefs.timeout = 400
    lr.execute_timeout = 420
    lr.R.thumbnail = sample_jpeg.read_bytes()  # Lightroom hands the plug-in JPEG bytes
    lr.select((1, "sample.jpg"))
    lr.dialogs({"values": {"text": "make it much brighter"}}, {"button": "ok"})
    lr.menu("EditPhotos.lua")
    messages = [m["message"] for m in lr.calls("message")]
    assert messages == [], messages
    (apply,) = lr.calls("apply")
    assert apply["in_write"] is True
    assert apply["settings"].get("Exposure2012", 0) > 0 or \
        apply["settings"].get("Shadows2012", 0) > 0, apply["settings"]


def test_darktable_edit_through_the_real_bridge(tmp_path: Path, real_client: Path,
                                                sample_jpeg: Path) -> None:
    require_tool("darktable")
    require_tool("xvfb-run")
    photos = tmp_path / "photos"
    photos.mkdir()
    photo = Path(shutil.copy(sample_jpeg, photos / "real.jpg"))
    run = run_darktable(tmp_path, f"""
      dt.preferences.write("iea", "timeout", "integer", 400)
      local image = dt.database.import({json.dumps(str(photo))})
      dt.gui.selection({{image}})
      export(image, "before.jpg")
      iea.widgets.instruction.text = "make it much brighter"
      iea.actions.edit()
      record("edited", {{ status = status() }})
      export(image, "after.jpg")
    """, client=real_client, timeout=450)
    assert "LUA ERROR" not in run.log
    assert run.step("finished")["ok"] is True, run.step("finished")
    status = run.step("edited")["status"]
    assert "real.jpg:" in status and "no change" not in status, status
    root = etree.parse(str(photo.with_name("real.jpg.xmp")),
                       etree.XMLParser(resolve_entities=False, no_network=True))
    names = [li.get(f"{{{NS['darktable']}}}multi_name")
             for li in root.findall(".//darktable:history/rdf:Seq/rdf:li", NS)]
    assert any(name.startswith("iea") for name in names), names
    assert _luminance(run.out / "after.jpg") > _luminance(run.out / "before.jpg") + 0.02
