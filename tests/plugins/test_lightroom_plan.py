"""The Lightroom plug-in shows a planned mood's steps (pass/fail, measured) before Apply."""
from __future__ import annotations

from pathlib import Path

import pytest

from .lightroom_harness import Lightroom, envelope

PLANNED = {
    "program": {"temperature": -40, "saturation": -18, "brightness": 20},
    "reasoning": "I planned \u201ccold winter morning\u201d as cold winter morning: 3 step(s).",
    "explanations": {"temperature": "for \u201ccooler white balance\u201d"},
    "host_settings": {"IncrementalTemperature": -40, "Saturation": -18, "ProcessVersion": "11.0",
                      "HasSettings": True},
    "plan": {
        "request": "cold winter morning", "looks": [{"name": "cold winter morning"}],
        "steps": [], "passed": False,
        "verdicts": [
            {"target": "cooler white balance: mean b* down by 3-6", "passed": True,
             "before": 8.3, "measured": 3.7},
            {"target": "less saturated colour: mean chroma C* x0.72-0.88", "passed": False,
             "before": 22.9, "measured": 21.0},
            {"target": "os.execute('touch PWNED')", "passed": "yes", "before": "x"},
        ],
        "conflicts": [{"message": "conflict: \u201cwarm\u201d wants warmer but \u201ccold\u201d "
                                  "wants cooler; I applied neither"}],
        "notes": ["teal and orange: no split toning"],
    },
}


@pytest.fixture
def lr(tmp_path: Path) -> Lightroom:
    return Lightroom(tmp_path)


def test_review_lists_each_step_with_its_verdict_before_apply(lr: Lightroom) -> None:
    lr.select((7, "IMG_0007.JPG"))
    lr.reply("edit", envelope(PLANNED))
    lr.dialogs({"values": {"text": "cold winter morning"}}, {"button": "ok"})
    lr.menu("EditPhotos.lua")
    assert [m["message"] for m in lr.calls("message") if m["level"] == "critical"] == []
    review = [d for d in lr.calls("dialog") if d["verb"] == "Apply"][0]["text"]
    assert "Planned as: cold winter morning" in review
    assert "1. [pass] cooler white balance: mean b* down by 3-6 (8.3 -> 3.7)" in review
    assert "2. [FAIL] less saturated colour" in review
    assert "3. [FAIL] os.execute('touch PWNED')" in review  # text shown as text, never run
    assert not Path("PWNED").exists()
    assert "applied neither" in review and "Note: teal and orange" in review
    assert len(lr.calls("apply")) == 1


def test_a_reply_without_a_plan_shows_no_plan(lr: Lightroom) -> None:
    plain = {k: v for k, v in PLANNED.items() if k != "plan"}
    lr.select((8, "IMG_0008.JPG"))
    lr.reply("edit", envelope(plain))
    lr.dialogs({"values": {"text": "cooler"}}, {"button": "ok"})
    lr.menu("EditPhotos.lua")
    review = [d for d in lr.calls("dialog") if d["verb"] == "Apply"][0]["text"]
    assert "Plan" not in review and "temperature -40" in review
