"""Lightroom: "Learn style from selected photos…" and "Apply learned style to selected…" (Lua 5.1
via lupa, recording SDK stubs, a fake `iea` client answering with canned replies)."""
from __future__ import annotations

from pathlib import Path

import pytest

from .lightroom_harness import Lightroom, envelope

LEARNED = {"name": "My look", "examples": 5, "skipped": [], "tools": ["exposure", "contrast"],
           "sentence": "Brighter with more contrast.",
           "report": [{"tool": "exposure", "verdict": "per photo",
                       "sentence": "exposure: per photo (+20 +/- 15); follows the photo"},
                      {"tool": "contrast", "verdict": "consistent",
                       "sentence": "contrast: consistent, about +18 on every photo"},
                      {"tool": "fade", "verdict": "not used", "sentence": "fade: not used"}]}


def programs_reply(*exposures: int) -> dict:
    results = []
    for value in exposures:
        results.append({"image": "x", "ok": True,
                        "program": {"exposure": value, "contrast": 18},
                        "host_settings": {"Exposure2012": value * 0.02, "Contrast2012": 18,
                                          "Clarity2012": 0, "Saturation": 0,
                                          "ProcessVersion": "11.0"}})
    return {"style": "My look", "tools": ["exposure", "contrast"], "results": results}


@pytest.fixture
def lr(tmp_path: Path) -> Lightroom:
    return Lightroom(tmp_path)


def critical(lr: Lightroom) -> list[str]:
    return [m["message"] for m in lr.calls("message") if m["level"] == "critical"]


def test_learn_sends_each_photos_own_settings_and_shows_the_report(lr: Lightroom) -> None:
    lr.select(*[(i, f"IMG_{i}.JPG") for i in range(1, 6)])
    lr.R.develop = lr.lua.table_from({
        1: lr.lua.table_from({"Exposure2012": 0.5, "Contrast2012": 18, "LensProfileEnable": 1}),
        2: lr.lua.table_from({"Exposure2012": -0.2, "Contrast2012": 18})})
    lr.reply("style_learn", envelope(LEARNED))
    lr.dialogs({"values": {"name": "My look"}})
    lr.menu("LearnStyle.lua")
    assert critical(lr) == []
    (call,) = lr.client_calls()
    assert call["method"] == "style_learn"
    params = call["params"]
    assert params["name"] == "My look" and params["host"] == "lightroom"
    assert params["images"] == [f"/photos/IMG_{i}.JPG" for i in range(1, 6)]
    assert params["settings"][0] == {"Exposure2012": 0.5, "Contrast2012": 18}  # tools only
    assert params["settings"][2] == {}
    message = lr.calls("message")[-1]["message"]
    assert "exposure: per photo" in message and "contrast: consistent" in message
    assert "fade" not in message


def test_learn_needs_five_photos(lr: Lightroom) -> None:
    lr.select((1, "a.jpg"), (2, "b.jpg"), (3, "c.jpg"))
    lr.menu("LearnStyle.lua")
    assert lr.client_calls() == []
    assert "at least 5 photos" in critical(lr)[0]


def test_apply_reviews_then_one_undo_step_per_photo_with_only_the_styles_tools(lr) -> None:
    lr.select((7, "x.jpg"), (8, "y.CR3", "RAW"))
    lr.reply("style_programs", envelope(programs_reply(30, -10)))
    lr.dialogs({"values": {"name": "My look"}}, {"button": "ok"})
    lr.menu("ApplyLearnedStyle.lua")
    assert critical(lr) == []
    (call,) = lr.client_calls()
    assert call["method"] == "style_programs"
    assert call["params"]["raw"] == [False, True] and call["params"]["style"] == "My look"
    assert len(call["params"]["develop_settings"]) == 2  # each photo as it is now
    applies = lr.calls("apply")
    assert [a["photo"] for a in applies] == [7, 8]
    assert applies[0]["settings"] == {"Exposure2012": 0.6, "Contrast2012": 18}
    assert applies[1]["settings"] == {"Exposure2012": -0.2, "Contrast2012": 18}
    assert all(a["in_write"] for a in applies)
    assert len(lr.calls("write_begin")) == 2  # one undo step per photo
    assert lr.calls("progress_done")


def test_declined_review_or_cancel_changes_nothing_more(lr: Lightroom) -> None:
    lr.select((7, "x.jpg"), (8, "y.jpg"))
    lr.reply("style_programs", envelope(programs_reply(30, -10)))
    lr.dialogs({"values": {"name": "My look"}}, {"button": "cancel"})
    lr.menu("ApplyLearnedStyle.lua")
    assert lr.calls("apply") == [] and lr.calls("write_begin") == []

    lr.R.cancel_after = 1
    lr.dialogs({"values": {"name": "My look"}}, {"button": "ok"})
    lr.menu("ApplyLearnedStyle.lua")
    assert [a["photo"] for a in lr.calls("apply")] == [7]
