"""The agent looks at the photo and tells the truth (issue 15), measured on rendered photos."""
from __future__ import annotations

import numpy as np
import pytest

from iea_core.agent import verify as V


@pytest.fixture(scope="module")
def astro(photos):
    return V.preview(photos["astronaut"], 128)


@pytest.fixture(scope="module")
def cat(photos):
    return V.preview(photos["chelsea"], 128)


def test_same_request_on_dark_and_bright_versions_gets_different_amounts(agent, editor, cat):
    dark = editor.render(cat, {"exposure": -50})
    bright = editor.render(cat, {"exposure": 30})
    for text in ("brighter", "make it a bit lighter"):
        on_dark = agent.edit(dark, text)
        on_bright = agent.edit(bright, text)
        gain_dark = V.measure(editor.render(dark, on_dark.program)).mean - V.measure(dark).mean
        gain_bright = (V.measure(editor.render(bright, on_bright.program)).mean
                       - V.measure(bright).mean)
        assert on_dark.program["exposure"] > on_bright.program["exposure"] + 10, text
        assert gain_dark > 2 * max(gain_bright, 0.0) and gain_dark > 0.03, (text, gain_dark,
                                                                            gain_bright)


@pytest.mark.parametrize("text", [
    "brighter and more vibrant", "warmer, lift the shadows, less harsh", "moody", "reduce the noise",
    "less saturated but not black and white", "make it pop", "cooler with more contrast",
])
def test_no_claim_the_render_does_not_show(agent, editor, astro, text):
    result = agent.edit(astro, text)
    before = V.measure(astro)
    after = V.measure(editor.render(astro, result.program), astro)
    for tool, value in result.program.to_dict().items():
        if V.claim_holds(tool, value, before, after):
            continue
        alone = V.measure(editor.render(astro, {tool: value}), astro)
        assert V.claim_holds(tool, value, before, alone), (text, tool, value)
    assert result.program["grain"] >= 0  # negative grain does nothing on an unedited photo


@pytest.mark.parametrize("text", ["reduce the noise", "the picture is too grainy and noisy",
                                  "remove the person on the left", "crop it square",
                                  "replace the sky", "blur the background"])
def test_what_no_tool_can_do_is_said_plainly(agent, astro, text):
    result = agent.edit(astro, text)
    assert result.program.is_identity and result.understood
    assert "can't" in result.message and result.message in result.reasoning


@pytest.mark.parametrize("text", ["asdf qwer", "blah blah", "plus chaud", "hazlo más cálido"])
def test_gibberish_and_other_languages_are_not_understood(agent, astro, text):
    result = agent.edit(astro, text)
    assert result.understood is False and result.program.is_identity and result.message


def test_gibberish_in_a_conversation_keeps_the_edit(agent, astro):
    from iea_core.program import Program

    current = Program({"temperature": 30})
    result = agent.refine(astro, current, "blah blah")
    assert result.understood is False and result.program.same_values(current)


def test_contradictions_are_named(agent, astro):
    result = agent.edit(astro, "brighter but darker")
    assert result.program["exposure"] == 0 and "opposite" in result.message


def test_numbers_alone_add_nothing_else(agent, astro):
    assert agent.edit(astro, "set exposure to 100").program.to_dict() == {"exposure": 100}


def test_complaint_about_darkness_brightens(agent, editor, cat):
    dark = editor.render(cat, {"exposure": -60})
    result = agent.edit(dark, "I can barely see anything, it's so dark")
    assert result.program["exposure"] > 20, result.program


def test_white_balance_moves_temperature_and_tint_toward_neutral(agent, editor, astro):
    cast = editor.render(astro, {"temperature": 60, "tint": -25})
    result = agent.edit(cast, "fix the white balance")
    assert result.program["temperature"] < 0 and result.program["tint"] > 0, result.program
    # The cast is measured against the unspoiled photo (its mean a*, b* shift over the mid-tones),
    # not by the agent's own estimator: the render must be closer to the truth.
    def shift(image):
        a, b = V.lab(image), V.lab(V.to_float(astro))
        mid = (b[..., 0] > 15) & (b[..., 0] < 95)
        return float(np.hypot(*(a - b)[mid][:, 1:].mean(0)))

    fixed = editor.render(cast, result.program)
    assert shift(fixed) < 0.6 * shift(cast), (shift(cast), shift(fixed))


def test_keep_the_sky_adds_no_clipping_but_still_brightens(agent, editor, astro):
    result = agent.edit(astro, "brighter but keep the sky")
    before = V.measure(astro)
    after = V.measure(editor.render(astro, result.program), astro)
    assert V.new_clipping(before, after)[0] <= 0.003
    assert after.mean > before.mean


def test_enhance_does_not_flatten_or_darken_a_dark_photo(agent, editor, cat):
    dark = editor.render(cat, {"exposure": -55})
    for text in ("enhance", "fix it", "make it look better"):
        program = agent.edit(dark, text).program
        assert program["exposure"] > 0 and program["contrast"] >= 0, (text, program)


def test_unasked_underexposure_is_fixed_said_and_can_be_turned_off(agent, editor, cat):
    from iea_core.agent.base import Turn
    from iea_core.agent.embedded import EmbeddedAgent

    dark = editor.render(cat, {"exposure": -70})
    result = agent.edit(dark, "warmer")
    assert result.program["exposure"] > 0 and "exposure" in result.auto_fixed
    assert "only what I asked" in result.message
    history = (Turn("user", "warmer"), Turn("agent", result.reasoning, result.program))
    back = agent.refine(dark, result.program, "only what I asked", history)
    assert back.program["exposure"] == 0 and back.program["temperature"] > 0
    plain = EmbeddedAgent(auto_fix=False).load().edit(dark, "warmer")
    assert plain.program.to_dict().keys() == {"temperature"}


@pytest.mark.parametrize("small, default, tool", [
    ("a very small amount brighter", "brighter", "exposure"),
    ("just a touch warmer", "warmer", "temperature"),
    ("the tiniest bit more contrast", "more contrast", "contrast"),
])
def test_small_degree_words_stay_small(agent, astro, small, default, tool):
    a, b = agent.edit(astro, small).program[tool], agent.edit(astro, default).program[tool]
    assert abs(a) <= abs(b) and np.sign(a) in (0, np.sign(b)), (a, b)


@pytest.mark.slow
def test_summary_sentence_round_trips_and_unrelated_pairs_are_flagged(agent, editor, photos):
    before = V.preview(photos["coffee"], 96)
    after = editor.render(before, {"temperature": -30, "saturation": -25})
    style = agent.summarize(before, after)
    assert style.aligned and style.sentence[0].isupper()
    assert "cooler" in style.sentence.lower()
    assert style.round_trip is not None and style.round_trip <= 0.03, style
    other = V.preview(photos["astronaut"], 96)[: before.shape[0], : before.shape[1]]
    unrelated = agent.summarize(before, other)
    assert not unrelated.aligned and unrelated.warning


@pytest.mark.parametrize("cast", [{"temperature": -70}, {"temperature": 70, "tint": -15},
                                  {"temperature": -50, "tint": 40}])
def test_white_balance_cast_shrinks_on_render_against_the_original(agent, editor, astro, cast):
    """Casts both ways on both axes: the corrected render is closer in colour to the unspoiled
    photo, and the explanation quotes the cast measured on the render."""
    spoiled = editor.render(astro, cast)
    result = agent.edit(spoiled, "the colours look off")

    def shift(image):
        a, b = V.lab(image), V.lab(V.to_float(astro))
        mid = (b[..., 0] > 15) & (b[..., 0] < 95)
        return float(np.hypot(*(a - b)[mid][:, 1:].mean(0)))

    assert shift(editor.render(spoiled, result.program)) < 0.7 * shift(spoiled), result.program
    assert "Lab units on the render" in result.explanations["temperature"]


def test_enhance_leaves_a_good_photo_nearly_alone_and_says_so(agent, editor, astro):
    from iea_core.metrics import distance

    result = agent.edit(astro, "make it look better")
    assert distance(editor.render(astro, result.program), astro) <= 0.01, result.program
    if result.program.is_identity:
        assert "no clear fault" in result.message
