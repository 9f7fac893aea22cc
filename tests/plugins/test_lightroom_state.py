"""The Lightroom plug-in edits the photo as it is now: its Lua (lupa, Lua 5.1, SDK stubs) talks to
iea's real bridge methods and embedded agent through a client command, and the stubbed photo
keeps whatever the plug-in applied, as Lightroom does.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from tests.hosts.conftest import small_photo

from .lightroom_harness import Lightroom, envelope, replies

SEQUENCE = ("warmer", "a touch warmer", "a bit less warm")


def _jpeg(tmp_path: Path) -> bytes:
    path = tmp_path / "thumb.jpg"
    Image.fromarray(small_photo("coffee", 160)).save(path, quality=90)
    return path.read_bytes()


def _lr(tmp_path: Path, develop: dict, photo: tuple) -> Lightroom:
    lr = Lightroom(tmp_path, real_methods=True)
    lr.R.thumbnail = _jpeg(tmp_path)
    lr.R.develop = lr.lua.table_from({photo[0]: lr.lua.table_from(develop)})
    lr.select(photo)
    return lr


def _settings(lr: Lightroom, photo_id: int) -> dict:
    from .lightroom_harness import to_python

    return to_python(lr.R.develop[photo_id])


def _errors(lr: Lightroom) -> list[str]:
    return [m["message"] for m in lr.calls("message") if m["level"] == "critical"]


def _edit(lr: Lightroom, text: str, script: str = "EditPhotos.lua") -> None:
    lr.dialogs({"values": {"text": text}}, {"button": "ok"})
    lr.menu(script)
    assert _errors(lr) == []


@pytest.mark.slow
@pytest.mark.parametrize("as_shot", [3200, 7500])
def test_raw_warmth_sequence_moves_from_as_shot(tmp_path: Path, as_shot: int) -> None:
    lr = _lr(tmp_path, {"WhiteBalance": "As Shot", "Temperature": as_shot, "Tint": 4,
                        "Sharpness": 40, "Exposure2012": 0.3}, (7, "IMG_0007.CR2", "RAW"))
    temps = [as_shot]
    for text in SEQUENCE:
        _edit(lr, text)
        temps.append(_settings(lr, 7)["Temperature"])
    # steps compared in mired (1e6 / K), the scale Lightroom's slider and iea's mapping follow:
    # the same warming is more Kelvin at 8000 K than at 3200 K
    mired = [1e6 / t for t in temps]
    up1, up2, down = (a - b for a, b in zip(mired, mired[1:]))
    assert up1 > 0 and 0 < up2 < up1 and down < 0 and abs(down) < up1, temps
    assert min(temps[1:]) > as_shot, temps  # never crosses As Shot the wrong way
    assert temps[1] < as_shot * 1.35, temps  # a step, not a jump to orange
    first = lr.client_calls()[0]["params"]
    assert first["as_shot"] == {"Temperature": as_shot, "Tint": 4}
    assert first["develop_settings"]["Exposure2012"] == 0.3
    # the As Shot value is still sent after White Balance became "Custom"
    later = lr.client_calls()[-1]["params"]
    assert later["as_shot"] == {"Temperature": as_shot, "Tint": 4}
    for apply in lr.calls("apply"):
        assert set(apply["settings"]) <= {"Temperature", "Tint"}, apply["settings"]
    settings = _settings(lr, 7)
    assert settings["Sharpness"] == 40 and settings["Exposure2012"] == 0.3 and settings["Tint"] == 4
    review = [d for d in lr.calls("dialog") if d["verb"] == "Apply"][0]["text"]
    assert f"Temperature {as_shot} -> {temps[1]}" in review


def test_refine_after_restart_starts_from_the_current_settings(tmp_path: Path) -> None:
    lr = _lr(tmp_path, {"Exposure2012": 1.0, "Clarity2012": 20}, (9, "IMG_9.JPG"))
    _edit(lr, "brighter")
    after_edit = _settings(lr, 9)["Exposure2012"]
    assert after_edit > 1.0
    preview = Path(lr.client_calls()[-1]["params"]["image"])
    prefs = {k: v for k, v in lr.R.prefs.items()}

    # Lightroom restarted: a fresh plug-in, its temp preview gone, a fresh bridge per call
    preview.unlink()
    lr2 = _lr(tmp_path, _settings(lr, 9), (9, "IMG_9.JPG"))
    for key, value in prefs.items():
        lr2.R.prefs[key] = value
    _edit(lr2, "a bit less bright", "RefineEdit.lua")
    call = lr2.client_calls()[-1]
    assert call["method"] == "refine" and call["params"]["develop_settings"]["Exposure2012"] == \
        pytest.approx(after_edit)
    assert Path(call["params"]["image"]).read_bytes()[:2] == b"\xff\xd8"  # a current preview
    refined = _settings(lr2, 9)
    assert 1.0 < refined["Exposure2012"] < after_edit, (after_edit, refined)
    assert refined["Clarity2012"] == 20
    reply = replies(lr2)[-1]["result"]
    assert reply["change"]["exposure"] < 0


def test_apply_style_is_a_change_to_each_photos_own_settings(tmp_path: Path) -> None:
    lr = Lightroom(tmp_path, real_methods=False)
    lr.select((1, "before.jpg"), (2, "after.jpg"))
    lr.reply("summarize", envelope({
        "sentence": "Warmer.", "program": {"temperature": 20, "exposure": 10}, "distance": 0.01,
        "host_settings": {"Exposure2012": 0.2, "IncrementalTemperature": 20}}))
    lr.dialogs({"values": {"name": "Warm", "swap": False}}, {"button": "ok"})
    lr.menu("SummarizeStyle.lua")
    prefs = {k: v for k, v in lr.R.prefs.items()}

    lr2 = _lr(tmp_path, {"WhiteBalance": "As Shot", "Temperature": 3200, "Tint": 0,
                         "Exposure2012": -0.5, "Sharpness": 40}, (5, "IMG_5.NEF", "RAW"))
    for key, value in prefs.items():
        lr2.R.prefs[key] = value
    lr2.dialogs({"values": {"style": "Warm"}}, {"button": "ok"})
    lr2.menu("ApplyStyle.lua")
    assert _errors(lr2) == []
    (apply,) = lr2.calls("apply")
    assert set(apply["settings"]) == {"Temperature", "Exposure2012"}
    assert 3200 < apply["settings"]["Temperature"] < 3700
    assert apply["settings"]["Exposure2012"] == pytest.approx(-0.3)
    review = [d for d in lr2.calls("dialog") if d["verb"] == "Apply"][-1]["text"]
    assert "Exposure2012 -0.50 -> -0.30" in review
