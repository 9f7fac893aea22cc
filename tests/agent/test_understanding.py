"""What the embedded agent reads into amateur wording: directions, degrees, negation, compounds.

These check program values; ``test_pixels.py`` checks what the same programs do to photos."""
from __future__ import annotations

import numpy as np
import pytest

from iea_core.tools import TOOL_NAMES

def _plain_photo() -> np.ndarray:
    """A small, ordinary-looking picture: a tonal ramp from deep shadow to bright (not clipped),
    mild colour variation and texture. (A flat grey card would be honest grounds for the agent to
    drop contrast or clarity: they change nothing on it.)"""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:48, 0:64].astype(np.float32)
    ramp = 0.08 + 0.8 * x / 63.0
    tint = np.stack([1.0 + 0.08 * np.sin(y / 7), np.ones_like(y), 1.0 - 0.08 * np.sin(y / 9)], -1)
    texture = 1.0 + 0.05 * rng.standard_normal((48, 64, 1)).astype(np.float32)
    return np.clip(ramp[..., None] * tint * texture, 0.0, 0.95).astype(np.float32)


GREY = _plain_photo()


def edit(agent, text):
    return agent.edit(GREY, text).program


@pytest.mark.parametrize("text, tool, sign", [
    ("too dark", "exposure", +1), ("it's way too bright", "exposure", -1),
    ("make it warmer", "temperature", +1), ("too orange", "temperature", -1),
    ("not so warm", "temperature", -1), ("cooler please", "temperature", -1),
    ("less harsh", "contrast", -1), ("it looks a bit flat", "contrast", +1),
    ("lift the shadows", "shadows", +1), ("the sky is blown out", "highlights", -1),
    ("make the colours more vivid", "vibrance", +1), ("the colours are garish", "saturation", -1),
    ("black and white please", "saturation", -1), ("add a vignette", "vignette", -1),
    ("add some film grain", "grain", +1), ("sharpen it", "sharpness", +1),
    ("it looks washed out", "fade", -1), ("give it a matte faded look", "fade", +1),
    ("brigther pls", "exposure", +1), ("shaddows are too dark", "shadows", +1),
])
def test_direction(agent, text, tool, sign):
    program = edit(agent, text)
    assert np.sign(program[tool]) == sign, (text, program)


@pytest.mark.parametrize("text, expected", [
    ("make it pop", {"contrast": +1, "vibrance": +1}),
    ("moody", {"exposure": -1, "vignette": -1}),
    ("like an old photo", {"fade": +1, "grain": +1}),
])
def test_looks_set_several_tools(agent, text, expected):
    program = edit(agent, text)
    for tool, sign in expected.items():
        assert np.sign(program[tool]) == sign, (text, program)


def test_untouched_tools_stay_exactly_zero(agent):
    program = edit(agent, "make it warmer")
    assert program.to_dict().keys() == {"temperature"}
    program = edit(agent, "warmer, lift the shadows, less harsh")
    assert set(program.to_dict()) == {"temperature", "shadows", "contrast"}
    assert program["temperature"] > 0 and program["shadows"] > 0 and program["contrast"] < 0


def test_negation_flips_direction(agent):
    assert edit(agent, "warmer")["temperature"] > 0
    assert edit(agent, "not so warm")["temperature"] < 0
    assert edit(agent, "brighter")["exposure"] > 0
    assert edit(agent, "too bright")["exposure"] < 0


def test_prohibition_blocks_a_direction(agent):
    assert edit(agent, "don't make it brighter").to_dict() == {}
    program = edit(agent, "fix the exposure but don't make it brighter")
    assert program["exposure"] <= 0


def test_degree_words_order_magnitudes(agent):
    values = [edit(agent, f"{d} warmer".strip())["temperature"]
              for d in ("slightly", "", "a lot", "way")]
    assert all(v > 0 for v in values)
    assert values == sorted(values) and len(set(values)) == 4, values
    assert 15 <= values[0] <= 30  # IEA's light bin


def test_compound_sets_every_named_tool(agent):
    program = edit(agent, "cooler, add a vignette and more contrast; a bit of grain")
    assert program["temperature"] < 0 and program["vignette"] < 0
    assert program["contrast"] > 0 and program["grain"] > 0


def test_keep_and_numbers(agent):
    program = edit(agent, "exposure +20, contrast -10")
    assert program.to_dict() == {"exposure": 20, "contrast": -10}
    program = edit(agent, "leave the colours alone, make it brighter")
    assert program["exposure"] > 0 and program["saturation"] == 0


def test_neutral_words_change_nothing(agent):
    assert edit(agent, "looks great, thanks").to_dict() == {}


def test_every_set_tool_is_explained(agent):
    result = agent.edit(GREY, "warmer, lift the shadows, less harsh")
    assert set(result.explanations) == set(result.program.to_dict())
    for tool, sentence in result.explanations.items():
        assert sentence.count(".") >= 1 and len(sentence) < 200
    assert "warmer" in result.reasoning and result.program.reasoning == result.reasoning
    assert all(t in TOOL_NAMES for t in result.explanations)


def test_bad_input_is_a_clear_error(agent):
    from iea_core.errors import AgentError, ImageError

    with pytest.raises(AgentError):
        agent.edit(GREY, "x" * 5000)
    with pytest.raises(ImageError):
        agent.edit(np.zeros((4, 4)), "fix the exposure")
