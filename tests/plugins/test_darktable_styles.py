"""darktable: "learn style from selected", "review learned style", "apply reviewed" in real
darktable 4.2 under Xvfb (the stand-in client answers style_learn / style_programs with real
.dtstyle files, see darktable_harness.FAKE_CLIENT)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import require_tool
from .darktable_harness import run_darktable
from .test_darktable_plugin import assert_clean_log, copy_photo, exposures

pytestmark = [pytest.mark.xvfb, pytest.mark.darktable]


@pytest.fixture(autouse=True)
def _tools() -> None:
    require_tool("darktable")
    require_tool("xvfb-run")


@pytest.mark.slow
def test_learn_review_then_apply_each_images_own_values(tmp_path: Path, sample_jpeg: Path
                                                        ) -> None:
    photos = [copy_photo(sample_jpeg, tmp_path, f"p{i}.jpg") for i in range(7)]
    run = run_darktable(tmp_path, f"""
      local images = {{}}
      for _, path in ipairs({{{", ".join(json.dumps(str(p)) for p in photos)}}}) do
        images[#images + 1] = dt.database.import(path)
      end
      dt.gui.selection({{images[1], images[2], images[3]}})
      iea.actions.learn_style()
      record("too_few", {{ status = status() }})
      dt.gui.selection({{images[1], images[2], images[3], images[4], images[5]}})
      iea.widgets.name.text = "my look"
      iea.actions.learn_style()
      record("learned", {{ status = status() }})
      dt.gui.selection({{images[6], images[7]}})
      iea.actions.review_learned()
      record("reviewed", {{ status = status() }})
      iea.actions.apply_reviewed()
      record("applied", {{ status = status() }})
    """)
    assert_clean_log(run.log)
    assert run.step("finished")["ok"] is True, run.step("finished")
    assert "select 5 images first" in run.step("too_few")["status"]
    assert "learned 'my look' from 5 images" in run.step("learned")["status"], json.dumps(run.steps)
    assert "exposure: per photo" in run.step("learned")["status"]
    reviewed = run.step("reviewed")["status"]
    assert "p5.jpg: exposure +50" in reviewed and "p6.jpg: exposure -50" in reviewed
    assert "applied 'my look' to 2 image(s)" in run.step("applied")["status"]
    # each image got its own values; nothing was written before "apply reviewed"
    assert exposures(photos[5].with_name("p5.jpg.xmp")) == pytest.approx([1.0])
    assert exposures(photos[6].with_name("p6.jpg.xmp")) == pytest.approx([-1.0])
