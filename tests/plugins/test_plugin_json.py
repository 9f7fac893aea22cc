"""IeaJson, the data-only JSON reader/writer both plug-ins use, in Lua 5.1 and Lua 5.4.

Lightroom Classic runs Lua 5.1, darktable 4.2 runs Lua 5.4; the one file must behave the same in
both, agree with Python's json module, and refuse what a bridge never sends.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from lupa import lua51, lua54

JSON_LUA = (Path(__file__).resolve().parents[2] / "plugin" / "lightroom" / "iea.lrplugin"
            / "IeaJson.lua")


@pytest.fixture(params=["5.1", "5.4"])
def ieajson(request: pytest.FixtureRequest):
    runtime = (lua51 if request.param == "5.1" else lua54).LuaRuntime(unpack_returned_tuples=True)
    module = runtime.execute(JSON_LUA.read_text())
    # always two results (value, error), whatever the function returned
    wrapped = runtime.eval("""function(m) return {
        decode = function(s) local v, e = m.decode(s) return v, e end,
        encode = function(x) local v, e = m.encode(x) return v, e end,
        array = m.array } end""")(module)
    return runtime, wrapped


SAMPLES = [
    {"v": 1, "ok": True, "result": {"program": {"exposure": -20, "fade": 5}, "x": None}},
    {"text": "quotes \" back\\slash /slash \n\t\r\b\f ctrl \u0001 é ✓ 😀 del \u007f"},
    {"numbers": [0, -0.5, 1e-7, 123456789012, 3.25e10, -1.5e-300, 2 ** 53 - 1]},
    {"empty_list": [], "empty_object": {}, "nested": [[[{"a": [True, False, None]}]]]},
]


@pytest.mark.parametrize("value", SAMPLES)
def test_python_json_decodes_and_reencodes_identically(ieajson, value) -> None:
    runtime, module = ieajson
    text = json.dumps(value, ensure_ascii=True)
    decoded, err = module.decode(text)
    assert err is None
    again, err = module.encode(decoded)
    assert err is None
    assert json.loads(again) == value
    # and the raw UTF-8 form decodes the same
    decoded, _ = module.decode(json.dumps(value, ensure_ascii=False))
    assert json.loads(module.encode(decoded)[0]) == value


@pytest.mark.parametrize("text, problem", [
    ("", "end of text"),
    ("{'a': 1}", "object keys must be strings"),
    ('{"a": 1,}', "object keys must be strings"),
    ("[1, 2", "expected ','"),
    ("[01]", "expected ','"),
    ("[1.]", "digits must follow"),
    ("[.5]", "unexpected character"),
    ("[NaN]", "unexpected character"),
    ("[Infinity]", "unexpected character"),
    ("[1e400]", "out of range"),
    ('["\\ud800"]', "surrogate"),
    ('["\\x41"]', "unknown escape"),
    ('["a\nb"]', "control character"),
    ('{"a": 1, "a": 2}', "duplicate key"),
    ("[" * 65 + "]" * 65, "nested deeper"),
    ("true false", "after the value"),
    ("return {}", "unexpected character"),
    ("function() end", "unexpected character"),
])
def test_refuses_anything_but_json_data(ieajson, text, problem) -> None:
    _, module = ieajson
    value, err = module.decode(text)
    assert value is None and problem in err


def test_oversized_text_is_refused_before_parsing(ieajson) -> None:
    _, module = ieajson
    value, err = module.decode('"' + "a" * (8 * 1024 * 1024) + '"')
    assert value is None and "more than" in err


def test_encoder_refuses_what_json_cannot_hold(ieajson) -> None:
    runtime, module = ieajson
    for expr in ("{ f = print }", "{ [true] = 1 }", "{ 1/0 }", "{ 0/0 }"):
        text, err = module.encode(runtime.eval(expr))
        assert text is None and "cannot encode" in err
    loop = runtime.eval("(function() local t = {} t.self = t return t end)()")
    assert "contains itself" in module.encode(loop)[1]
    assert module.encode(module.array(runtime.table()))[0] == "[]"
