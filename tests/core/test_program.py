"""Programs: validation, IEA model format and canonical JSON."""
from __future__ import annotations

import json

import pytest

from iea_core.errors import InvalidProgram
from iea_core.program import (PROGRAM_VERSION, Program, parse_model_output,
                              parse_summary_output)
from iea_core.tools import APPLICATION_ORDER, TOOL_NAMES, TOOLS


def test_tool_set_is_the_papers():
    assert TOOL_NAMES == (
        "exposure", "brightness", "contrast", "natural_contrast", "highlights", "shadows",
        "whites", "blacks", "saturation", "vibrance", "temperature", "tint", "sharpness",
        "vignette", "fade", "grain")
    assert sorted(APPLICATION_ORDER) == sorted(TOOL_NAMES)
    # white balance and exposure run in linear light before the tone curve
    assert APPLICATION_ORDER.index("temperature") < APPLICATION_ORDER.index("contrast")
    assert APPLICATION_ORDER.index("exposure") < APPLICATION_ORDER.index("shadows")
    assert TOOLS["temperature"].describe(-20) == "cooler"
    assert TOOLS["vignette"].describe(-30) == "darker corners"


def test_zero_values_are_not_stored_and_order_is_canonical():
    program = Program({"grain": 5, "exposure": 0, "contrast": -10})
    assert program.to_dict() == {"contrast": -10, "grain": 5}
    assert list(program.to_dict()) == ["contrast", "grain"]
    assert program["exposure"] == 0
    assert Program().is_identity


def test_program_is_immutable_and_hashable():
    program = Program({"fade": 10})
    with pytest.raises(AttributeError):
        program.values = {}  # type: ignore[misc]
    assert program.replace({"fade": 0}).is_identity
    assert {program, Program({"fade": 10})} == {program}


def test_every_problem_is_listed_at_once():
    with pytest.raises(InvalidProgram) as info:
        Program({"exposure": 500, "sparkle": 3, "tint": "green", "fade": None, "grain": True})
    problems = info.value.problems
    assert len(problems) == 5
    text = str(info.value)
    for needle in ("exposure", "outside -100..100", "unknown tool 'sparkle'", "tint",
                   "fade", "grain"):
        assert needle in text


def test_clamp_instead_of_failing():
    assert Program({"exposure": 250, "blacks": -101}, clamp=True).to_dict() == {
        "exposure": 100, "blacks": -100}


def test_nan_and_infinity_are_refused_even_with_clamp():
    with pytest.raises(InvalidProgram, match="not finite"):
        Program({"exposure": float("nan")}, clamp=True)


@pytest.mark.parametrize("text, expected", [
    ('<think>\nToo dark.\n</think>\n<answer>\n```json\n{"exposure": 20, "contrast": -10}\n```\n'
     '</answer>', {"exposure": 20, "contrast": -10}),
    ('{"exposure": 20}', {"exposure": 20}),  # no tags at all
    ('<answer>{"Exposure": "12.0", "NATURAL_CONTRAST": 5,}</answer>',
     {"exposure": 12, "natural_contrast": 5}),  # case, numeric strings, trailing comma
    ("<think>x</think><answer>```json\n{'shadows': 30, 'fade': 12.6}\n```", {"shadows": 30,
                                                                           "fade": 13}),
    ('<think>hmm {not json}</think>\n<answer>\n```\n{"natural contrast": +15}\n```',
     {"natural_contrast": 15}),
    ("<answer>{temperature: -20, tint: 5}</answer>", {"temperature": -20, "tint": 5}),
    ("<think>unclosed think <answer>{\"grain\": 10}", {"grain": 10}),
    ('<answer>```json\n{"format": "iea.program", "version": 1, "tools": {"fade": 40}}\n```'
     '</answer>', {"fade": 40}),
])
def test_model_output_tolerance(text, expected):
    assert parse_model_output(text).to_dict() == expected


def test_model_output_reasoning_is_kept_and_round_trips():
    program = Program({"shadows": 30, "temperature": 15}, "Lift the shadows; warm it up.")
    text = program.to_model_output()
    assert text.startswith("<think>\nLift the shadows; warm it up.\n</think>\n<answer>\n```json\n")
    assert parse_model_output(text) == program


@pytest.mark.parametrize("text, needle", [
    ('<answer>{"exposure": 20, "exposure": 30}</answer>', "duplicate"),
    ('<answer>{"exposure": 20, "Exposure": 30}</answer>', "duplicate"),
    ("<answer>I would brighten it.</answer>", "no JSON object"),
    ('<answer>{"exposure": [1]}</answer>', "expected a number"),
    ('<answer>{"glow": 10}</answer>', "unknown tool 'glow'"),
    ('<answer>{"exposure": 20 "contrast": 3}</answer>', "not valid JSON"),
])
def test_model_output_errors_name_the_problem(text, needle):
    with pytest.raises(InvalidProgram, match=needle):
        parse_model_output(text)


def test_summary_output():
    reasoning, sentence = parse_summary_output(
        "<think>\nwarmer, faded\n</think>\n<answer>\nA warm, faded film look.\n</answer>")
    assert reasoning == "warmer, faded"
    assert sentence == "A warm, faded film look."


def test_canonical_json_round_trip_and_version(tmp_path):
    program = Program({"vibrance": 35, "vignette": -20}, "more colour, darker corners")
    data = json.loads(program.to_json())
    assert data == {"format": "iea.program", "version": PROGRAM_VERSION,
                    "tools": {"vibrance": 35, "vignette": -20},
                    "reasoning": "more colour, darker corners"}
    path = tmp_path / "p.json"
    program.save(path)
    assert Program.load(path) == program
    assert not list(tmp_path.glob(".*.tmp")), "no temporary file left behind"


@pytest.mark.parametrize("text, needle", [
    ('{"format": "iea.program", "version": 99, "tools": {}}', "newer than this iea"),
    ('{"format": "other", "version": 1, "tools": {}}', "format is 'other'"),
    ('{"format": "iea.program", "version": 1, "tools": [1, 2]}', "'tools' must be an object"),
    ('{"format": "iea.program", "version": 1, "tools": {}, "extra": 1}', "unknown field"),
    ('{"version": 1, "tools": {"fade": 1}, "tools": {}}', "duplicate field 'tools'"),
    ("[1, 2]", "expected a JSON object"),
    ("{", "not valid JSON"),
])
def test_canonical_json_errors(text, needle):
    with pytest.raises(InvalidProgram, match=needle):
        Program.from_json(text)


def test_load_reads_model_output_files(tmp_path):
    path = tmp_path / "answer.txt"
    path.write_text('<think>ok</think><answer>```json\n{"fade": 30}\n```</answer>')
    assert Program.load(path).to_dict() == {"fade": 30}


def test_vector_round_trip():
    program = Program({"exposure": -5, "grain": 100})
    vector = program.to_vector()
    assert len(vector) == 16 and vector[0] == -5 and vector[-1] == 100
    assert Program.from_vector([v + 0.4 for v in vector]).to_dict() == program.to_dict()
    assert Program.from_vector([300] * 16)["fade"] == 100  # clamps by default


def test_doctests():
    import doctest

    import iea_core.program

    result = doctest.testmod(iea_core.program)
    assert result.attempted >= 3 and result.failed == 0
