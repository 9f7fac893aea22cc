"""describe_program: canonical looks in a photographer's words, deterministic."""
from __future__ import annotations

import pytest

from iea_core.describe import TOOL_PHRASES, degree, describe_program, explain_tool, tool_phrase
from iea_core.program import Program
from iea_core.tools import TOOL_NAMES


@pytest.mark.parametrize("values, expected", [
    ({"fade": 40, "grain": 25, "temperature": 30, "shadows": 35},
     "warm, faded, grainy film look with lifted shadows"),
    ({"saturation": -100}, "black and white"),
    ({"saturation": -100, "contrast": 40, "grain": 30},
     "high-contrast, grainy black-and-white film look"),
    ({"vignette": -40, "contrast": 30, "exposure": -20}, "dark, moody look"),
    ({"exposure": 20, "shadows": 30, "contrast": -20}, "bright, airy look"),
    ({"saturation": 30, "contrast": 30, "vignette": -10},
     "punchy, vivid look with slightly darker corners"),
    ({"exposure": 35, "saturation": 40, "temperature": -20},
     "brighter and more saturated, with a slightly cooler tone"),
    ({"exposure": 50, "vibrance": 55, "temperature": -40},
     "brighter and more vibrant, with a cooler tone"),
    ({"temperature": -80}, "much cooler"),
    ({"shadows": 20}, "slightly lifted shadows"),
    ({}, "no visible change"),
])
def test_canonical_looks(values, expected):
    assert describe_program(Program(values)) == expected


def test_degree_words_follow_magnitude():
    assert tool_phrase("exposure", 20, form="comparative") == "slightly brighter"
    assert tool_phrase("exposure", 50, form="comparative") == "brighter"
    assert tool_phrase("exposure", 90, form="comparative") == "much brighter"
    assert tool_phrase("shadows", 80) == "strongly lifted shadows"
    assert tool_phrase("grain", 10) == "subtle film grain"
    assert [degree(v) for v in (15, -30, 31, 65, 66, -100)] == [
        "slight", "slight", "moderate", "moderate", "strong", "strong"]


def test_every_tool_direction_has_words_and_a_sentence():
    for tool in TOOL_NAMES:
        for value in (-60, 60):
            sentence = describe_program(Program({tool: value}))
            assert sentence and sentence == sentence.strip() and "  " not in sentence
            assert TOOL_PHRASES[tool][1 if value > 0 else -1].comparative
            assert explain_tool(tool, value).endswith(".")


def test_negligible_values_are_not_mentioned_and_order_is_deterministic():
    program = Program({"exposure": 40, "tint": 2, "sharpness": -3, "contrast": 35})
    sentence = describe_program(program)
    assert "magenta" not in sentence and "green" not in sentence and "soft" not in sentence
    assert sentence == describe_program(Program(dict(reversed(list(program.to_dict().items())))))


def test_opposite_programs_get_opposite_words():
    warm = describe_program(Program({"temperature": 45, "exposure": 40}))
    cool = describe_program(Program({"temperature": -45, "exposure": -40}))
    assert "warmer" in warm and "brighter" in warm
    assert "cooler" in cool and "darker" in cool


def test_flat_mappings_are_accepted():
    assert describe_program({"saturation": -100}) == "black and white"
