"""The Lightroom Classic plug-in, run outside Lightroom (Lua 5.1 via lupa, recording SDK stubs).

The plug-in really runs its client command through /bin/sh; a fake `iea` answers with canned
reply envelopes, so these tests pin the Lua: what it sends, what it applies, what it refuses.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from .lightroom_harness import PLUGIN_SRC, Lightroom, envelope

EDIT_RESULT = {
    "program": {"exposure": 20, "temperature": 15, "shadows": 30},
    "reasoning": "The photo is a little dark and cold; brighten it and warm it slightly.",
    "explanations": {"exposure": "brighter overall", "temperature": "warmer light"},
    "host_settings": {"Exposure2012": 0.4, "IncrementalTemperature": 15, "Shadows2012": 30,
                      "ProcessVersion": "11.0", "HasSettings": True},
}
APPLIED = {"Exposure2012": 0.4, "IncrementalTemperature": 15, "Shadows2012": 30}


@pytest.fixture
def lr(tmp_path: Path) -> Lightroom:
    return Lightroom(tmp_path)


def critical_messages(lr: Lightroom) -> list[str]:
    return [m["message"] for m in lr.calls("message") if m["level"] == "critical"]


def test_every_plugin_file_compiles_as_lua_5_1(lr: Lightroom) -> None:
    files = sorted(PLUGIN_SRC.glob("*.lua"))
    assert len(files) >= 10
    compiles = lr.lua.eval("function(p) local f, e = loadfile(p) return f ~= nil, e end")
    for path in files:
        ok, err = compiles(str(path))
        assert ok, f"{path.name} does not compile: {err}"
    info = lr.lua.eval(f"dofile({json.dumps(str(PLUGIN_SRC / 'Info.lua'))})")
    titles = [info.LrLibraryMenuItems[i].title for i in range(1, len(info.LrLibraryMenuItems) + 1)]
    assert titles == ["Edit with iea…", "Refine last edit…", "Summarize style from two photos…",
                      "Apply style to selected…", "Export style as preset…", "iea status",
                      "Learn style from selected photos…", "Apply learned style to selected…"]
    for i in range(1, len(info.LrLibraryMenuItems) + 1):
        assert (PLUGIN_SRC / info.LrLibraryMenuItems[i].file).exists()


def test_edit_applies_crs_settings_inside_one_write_block(lr: Lightroom) -> None:
    instruction = """it's "warmer" $(touch PWNED) `touch PWNED2`; lift shadows"""
    lr.select((41, "IMG_0041.JPG"))
    lr.reply("edit", envelope(EDIT_RESULT))
    lr.dialogs({"values": {"text": instruction}}, {"button": "ok"})
    lr.menu("EditPhotos.lua")

    assert critical_messages(lr) == []
    (call,) = lr.client_calls()
    assert call["method"] == "edit"
    params = call["params"]
    assert params["instruction"] == instruction  # reached the client intact, not run by a shell
    assert params["host"] == "lightroom" and params["raw"] is False and params["history"] == []
    preview = Path(params["image"])
    assert preview.suffix == ".jpg" and preview.parent == lr.temp
    assert preview.read_bytes().startswith(b"\xff\xd8")
    assert not (Path.cwd() / "PWNED").exists() and not (Path.cwd() / "PWNED2").exists()
    assert not Path(call["out"]).exists(), "the reply file is removed after reading"
    assert not Path(call["request"]).exists(), "and so is the request file"
    assert call["timeout"] == "120"

    kinds = [c["kind"] for c in lr.calls() if c["kind"] in ("write_begin", "apply", "write_end")]
    assert kinds == ["write_begin", "apply", "write_end"]
    (apply,) = lr.calls("apply")
    assert apply["photo"] == 41 and apply["in_write"] is True
    assert apply["settings"] == APPLIED  # bookkeeping keys (ProcessVersion...) are not applied

    review = [d for d in lr.calls("dialog") if d["verb"] == "Apply"][0]
    assert "brighten it and warm it" in review["text"]
    assert "exposure +20" in review["text"] and "temperature +15" in review["text"]
    # the instruction is offered again next time
    assert json.loads(lr.R.prefs.recentInstructions) == [instruction]


def test_edit_sends_the_photo_as_it_is_now_and_applies_the_reply_as_is(lr: Lightroom) -> None:
    """iea adds its change to the settings the plug-in sends; the plug-in applies the reply's
    final values unchanged and shows each one's before -> after first."""
    lr.select((9, "IMG_9.CR2", "RAW"))
    lr.R.develop = lr.lua.table_from({9: lr.lua.table_from(
        {"Exposure2012": 1.0, "Shadows2012": 90, "Temperature": 5000, "Tint": 3,
         "WhiteBalance": "As Shot", "Dehaze": 12, "CameraProfile": "Adobe Standard",
         "ToneCurvePV2012": lr.lua.table_from([0, 0, 255, 255])})})
    result = dict(EDIT_RESULT, host_settings={"Exposure2012": 1.4, "Shadows2012": 100,
                                              "Temperature": 5400},
                  changes=[{"key": "Exposure2012", "before": 1.0, "after": 1.4},
                           {"key": "Shadows2012", "before": 90, "after": 100},
                           {"key": "Temperature", "before": 5000, "after": 5400}],
                  notes=["shadows: Shadows2012 is already at its limit +100"])
    lr.reply("edit", envelope(result))
    lr.dialogs({"values": {"text": "warmer"}})
    lr.menu("EditPhotos.lua")
    assert critical_messages(lr) == []
    params = lr.client_calls()[0]["params"]
    assert params["develop_settings"] == {
        "Exposure2012": 1.0, "Shadows2012": 90, "Temperature": 5000, "Tint": 3,
        "WhiteBalance": "As Shot", "Dehaze": 12, "CameraProfile": "Adobe Standard",
        "ToneCurvePV2012": [0, 0, 255, 255]}
    assert params["as_shot"] == {"Temperature": 5000, "Tint": 3} and params["raw"] is True
    applied = lr.calls("apply")[0]["settings"]
    assert applied == {"Exposure2012": 1.4, "Shadows2012": 100, "Temperature": 5400}
    review = [d for d in lr.calls("dialog") if d["verb"] == "Apply"][0]["text"]
    assert "Exposure2012 +1.00 -> +1.40" in review and "Temperature 5000 -> 5400" in review
    assert "Note: shadows: Shadows2012 is already at its limit" in review


def test_refine_sends_the_current_settings_and_applies_the_reply(lr: Lightroom) -> None:
    lr.select((4, "a.jpg"))
    lr.R.develop = lr.lua.table_from({4: lr.lua.table_from({"Exposure2012": 1.0})})
    lr.reply("edit", envelope(dict(EDIT_RESULT, host_settings={"Exposure2012": 1.4})))
    lr.dialogs({"values": {"text": "brighter"}})
    lr.menu("EditPhotos.lua")
    lr.reply("refine", envelope(dict(EDIT_RESULT, host_settings={"Exposure2012": 1.2})))
    lr.dialogs({"values": {"text": "a bit less"}})
    lr.menu("RefineEdit.lua")
    call = lr.client_calls()[-1]
    assert call["params"]["develop_settings"] == {"Exposure2012": 1.4}  # holds the last edit
    assert lr.calls("apply")[-1]["settings"] == {"Exposure2012": 1.2}
    assert critical_messages(lr) == []


def test_several_photos_each_get_their_own_edit_and_one_undo_step(lr: Lightroom) -> None:
    lr.select((1, "a.jpg"), (2, "b.jpg"), (3, "c.jpg"))
    lr.reply("edit", envelope(EDIT_RESULT))
    lr.dialogs({"values": {"text": "brighter"}})
    lr.menu("EditPhotos.lua")
    assert critical_messages(lr) == []
    assert len(lr.client_calls()) == 3
    assert len({c["params"]["image"] for c in lr.client_calls()}) == 3
    assert [c["photo"] for c in lr.calls("apply")] == [1, 2, 3]
    assert len(lr.calls("write_begin")) == 1
    assert [p["done"] for p in lr.calls("portion")] == [0, 1, 2]
    assert lr.calls("progress_done")


def test_cancelling_the_progress_stops_the_batch(lr: Lightroom) -> None:
    lr.select((1, "a.jpg"), (2, "b.jpg"), (3, "c.jpg"))
    lr.reply("edit", envelope(EDIT_RESULT))
    lr.R.cancel_after = 1
    lr.dialogs({"values": {"text": "brighter"}})
    lr.menu("EditPhotos.lua")
    assert len(lr.client_calls()) == 1
    assert [c["photo"] for c in lr.calls("apply")] == [1]


def test_declining_the_review_changes_nothing(lr: Lightroom) -> None:
    lr.select((1, "a.jpg"))
    lr.reply("edit", envelope(EDIT_RESULT))
    lr.dialogs({"values": {"text": "brighter"}}, {"button": "cancel"})
    lr.menu("EditPhotos.lua")
    assert lr.calls("apply") == [] and lr.calls("write_begin") == []
    assert critical_messages(lr) == []


def test_no_selection_and_empty_instruction_are_explained(lr: Lightroom) -> None:
    lr.select()
    lr.menu("EditPhotos.lua")
    assert critical_messages(lr) == ["Select a photo in the Library first."]
    lr.select((1, "a.jpg"))
    lr.dialogs({"values": {"text": "   "}})
    lr.menu("EditPhotos.lua")
    assert "Type what should change" in critical_messages(lr)[-1]
    assert lr.client_calls() == []


def _with_settings(settings: object) -> dict:
    return envelope(dict(EDIT_RESULT, host_settings=settings))


HOSTILE = {
    "code in a number": _with_settings({"Exposure2012": "os.execute('touch PWNED')"}),
    "lua chunk instead of json": "return { Exposure2012 = os.execute('touch PWNED') }",
    "function literal": '{"v":1,"ok":true,"result":{"program":{"exposure":function() end}}}',
    "unknown key": _with_settings({"Exposure2012": 0.5, "os.execute": 1}),
    "metatable key": _with_settings({"__index": 1}),
    "allowed pattern, not a setting": _with_settings({"LrTasks": 1}),
    "nested table for a number": _with_settings({"Contrast2012": {"value": 10}}),
    "list for a number": _with_settings({"Contrast2012": [10]}),
    "huge number": _with_settings({"Exposure2012": 1e308}),
    "overflowing number": json.dumps(_with_settings({"Exposure2012": 1})).replace(
        '"Exposure2012": 1', '"Exposure2012": 1e999'),
    "out of range": _with_settings({"Shadows2012": 101}),
    "boolean for a number": _with_settings({"Shadows2012": True}),
    "settings as a list": _with_settings([["Exposure2012", 1]]),
    "settings missing": envelope({k: v for k, v in EDIT_RESULT.items() if k != "host_settings"}),
    "fractional tool value": envelope(dict(EDIT_RESULT, program={"exposure": 20.5})),
    "unknown tool": envelope(dict(EDIT_RESULT, program={"dofile": 1})),
    "duplicate keys": '{"v":1,"ok":true,"ok":true,"result":{}}',
    "deep nesting": '{"v":1,"ok":true,"result":' + "[" * 5000 + "]" * 5000 + "}",
    "bad curve": _with_settings({"ToneCurvePV2012": ["0, 0", "x, 255"]}),
    "trailing garbage": json.dumps(envelope(EDIT_RESULT)) + " os.exit()",
    "wrong protocol version": dict(envelope(EDIT_RESULT), v=2),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_replies_are_refused_with_one_message(lr: Lightroom, name: str) -> None:
    lr.select((1, "a.jpg"))
    lr.reply("edit", HOSTILE[name])
    lr.dialogs({"values": {"text": "brighter"}})
    lr.menu("EditPhotos.lua")
    assert lr.calls("apply") == [] and lr.calls("write_begin") == []
    messages = critical_messages(lr)
    assert len(messages) == 1, messages
    assert "refused" in messages[0] or "cannot read" in messages[0] or "unknown format" in messages[0]
    assert "stack traceback" not in messages[0] and "did not expect" not in messages[0]
    assert not (Path.cwd() / "PWNED").exists()


def test_code_inside_text_is_shown_as_text_never_run(lr: Lightroom) -> None:
    trap = "]] os.execute('touch PWNED') --[[ \\u0000 ${IFS}"
    lr.select((1, "a.jpg"))
    lr.reply("edit", envelope(dict(EDIT_RESULT, reasoning=trap)))
    lr.dialogs({"values": {"text": "brighter"}})
    lr.menu("EditPhotos.lua")
    assert len(lr.calls("apply")) == 1
    assert any(trap in d["text"] for d in lr.calls("dialog"))
    assert not (Path.cwd() / "PWNED").exists()


@pytest.mark.parametrize("body, code, expected", [
    (envelope(error=("timeout", "no answer within 120 s")), 1, "did not answer in time"),
    (envelope(error=("unavailable", "cannot start daemon")), 3, "not running"),
    (None, 3, "not running"),
    (envelope(error=("model_output_error", "the model's answer was not a program")), 1,
     "the model's answer was not a program"),
    (None, 0, "stopped without answering"),
])
def test_client_failures_show_one_clear_message(lr: Lightroom, body, code, expected) -> None:
    lr.select((1, "a.jpg"))
    lr.reply("edit", body, exit_code=code)
    lr.dialogs({"values": {"text": "brighter"}})
    lr.menu("EditPhotos.lua")
    messages = critical_messages(lr)
    assert len(messages) == 1 and expected in messages[0], messages
    assert lr.calls("apply") == []


def test_missing_client_program_is_explained(lr: Lightroom) -> None:
    lr.set_config({"client": str(lr.root / "no-such-iea")})
    lr.menu("ShowStatus.lua")
    (message,) = critical_messages(lr)
    assert "could not be run" in message and "iea plugin install lightroom" in message
    lr.set_config({})
    lr.menu("ShowStatus.lua")
    assert "does not know where iea is" in critical_messages(lr)[-1]


def test_status_shows_backend_and_version(lr: Lightroom) -> None:
    lr.reply("health", envelope({"version": "0.1.0", "workers": 2, "backend": "embedded"}))
    lr.menu("ShowStatus.lua")
    (info,) = [m for m in lr.calls("message") if m["level"] == "info"]
    assert "0.1.0" in info["message"] and "embedded" in info["message"]
    assert lr.client_calls()[0]["method"] == "health"


def test_refine_sends_the_last_program_with_the_feedback(lr: Lightroom) -> None:
    lr.select((5, "e.jpg"))
    lr.menu("RefineEdit.lua")
    assert "no iea edit to refine yet" in critical_messages(lr)[-1]

    lr.reply("edit", envelope(EDIT_RESULT))
    lr.dialogs({"values": {"text": "warmer"}})
    lr.menu("EditPhotos.lua")
    refined = dict(EDIT_RESULT, program={"exposure": 20, "temperature": 8, "shadows": 30},
                   host_settings={"Exposure2012": 0.4, "IncrementalTemperature": 8,
                                  "Shadows2012": 30})
    lr.reply("refine", envelope(refined))
    lr.dialogs({"values": {"text": "a bit less warm"}})
    lr.menu("RefineEdit.lua")
    call = lr.client_calls()[-1]
    assert call["method"] == "refine"
    assert call["params"]["program"] == EDIT_RESULT["program"]
    assert call["params"]["feedback"] == "a bit less warm"
    assert lr.calls("apply")[-1]["settings"]["IncrementalTemperature"] == 8
    assert len(critical_messages(lr)) == 1


def test_summarize_then_apply_and_export_the_style(lr: Lightroom) -> None:
    lr.select((1, "before.jpg"), (2, "after.jpg"))
    style = {"sentence": "Warmer and brighter, with softer contrast.",
             "program": {"exposure": 10, "temperature": 20, "contrast": -15}, "distance": 0.02,
             "host_settings": {"Exposure2012": 0.2, "IncrementalTemperature": 20,
                               "Contrast2012": -15}}
    lr.reply("summarize", envelope(style))
    lr.dialogs({"values": {"name": "Golden hour", "swap": False}}, {"button": "ok"})
    lr.menu("SummarizeStyle.lua")
    assert critical_messages(lr) == []
    call = lr.client_calls()[0]
    assert call["method"] == "summarize" and call["params"]["host"] == "lightroom"
    assert call["params"]["before"] != call["params"]["after"]

    lr.select((7, "x.jpg"), (8, "y.jpg"))
    lr.reply("compose", envelope(dict(EDIT_RESULT, program=style["program"],
                                      host_settings={"Exposure2012": 0.2})))
    lr.dialogs({"values": {"style": "Golden hour"}}, {"button": "ok"})
    lr.menu("ApplyStyle.lua")
    composes = [c for c in lr.client_calls() if c["method"] == "compose"]
    assert [c["params"]["program"] for c in composes] == [style["program"]] * 2
    assert all("develop_settings" in c["params"] for c in composes)
    applies = lr.calls("apply")
    assert [a["photo"] for a in applies] == [7, 8]
    assert all(a["in_write"] and a["settings"] == {"Exposure2012": 0.2} for a in applies)
    assert len(lr.calls("write_begin")) == 1

    lr.reply("export_preset", envelope({"files": ["/presets/iea/Golden hour.xmp"]}))
    lr.dialogs({"values": {"style": "Golden hour"}})
    lr.menu("ExportPreset.lua")
    call = lr.client_calls()[-1]
    assert call["method"] == "export_preset"
    assert call["params"]["program"] == style["program"]
    assert call["params"]["host"] == "lightroom" and call["params"]["name"] == "Golden hour"
    assert call["params"]["dest"].endswith("Adobe/CameraRaw/Settings")
    assert "Golden hour.xmp" in lr.calls("message")[-1]["message"]
    assert critical_messages(lr) == []


def test_settings_iea_writes_for_any_program_pass_the_allow_list(lr: Lightroom) -> None:
    """Contract with iea_core.hosts.lightroom: what the bridge sends is what the plug-in accepts."""
    import random

    from iea_core.hosts.lightroom import program_to_crs
    from iea_core.program import Program
    from iea_core.tools import TOOL_NAMES

    settings_module = lr.module("IeaSettings")
    check = lr.lua.eval("function(m, s) local v, e = m.develop_settings(s) return v ~= nil, e end")
    decode = lr.module("IeaJson").decode
    rng = random.Random(7)
    programs = [{t: v for t in TOOL_NAMES} for v in (-100, 100)]
    programs += [{t: rng.randint(-100, 100) for t in rng.sample(TOOL_NAMES, 5)} for _ in range(40)]
    for values in programs:
        for raw in (False, True):
            crs = program_to_crs(Program(values), raw=raw)
            ok, problem = check(settings_module, decode(json.dumps(crs)))
            assert ok, (values, raw, problem)


def test_refine_without_the_old_preview_sends_a_current_preview(lr: Lightroom) -> None:
    lr.select((3, "IMG_3.CR2", "RAW"))
    lr.reply("edit", envelope(EDIT_RESULT))
    lr.dialogs({"values": {"text": "warmer"}})
    lr.menu("EditPhotos.lua")
    Path(lr.client_calls()[0]["params"]["image"]).unlink()  # temp folder cleaned meanwhile
    lr.reply("refine", envelope(EDIT_RESULT))
    lr.dialogs({"values": {"text": "less warm"}})
    lr.menu("RefineEdit.lua")
    params = lr.client_calls()[-1]["params"]
    image = Path(params["image"])
    assert image.parent == lr.temp and image.exists() and params["raw"] is True
    assert "develop_settings" in params
    assert critical_messages(lr) == []


@pytest.mark.parametrize("arg", ["/Users/ann/My Photos/iea", "it's $HOME `id` \"x\" \\ ;|&",
                                 "C:\\Program Files\\iea\\iea.exe", ""])
def test_arguments_survive_the_shell_verbatim(lr: Lightroom, arg: str) -> None:
    import subprocess

    quote = lr.module("IeaClient").quote
    out = subprocess.run(["/bin/sh", "-c", "printf %s " + quote(arg)], capture_output=True,
                         text=True, timeout=10).stdout
    assert out == arg


def test_windows_quoting_escapes_quotes_and_trailing_backslashes(lr: Lightroom) -> None:
    lr.lua.globals().WIN_ENV = True
    quote = lr.module("IeaClient").quote
    assert quote("C:\\Program Files\\iea\\iea.exe") == '"C:\\Program Files\\iea\\iea.exe"'
    assert quote('say "hi"') == '"say \\"hi\\""'
    assert quote("C:\\temp dir\\") == '"C:\\temp dir\\\\"'
