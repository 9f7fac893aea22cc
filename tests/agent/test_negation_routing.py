"""Negations, reductions and plain requests go the way the words say, measured on the render.

Audit of the embedded agent: "less moody" was planned as *moody*, "i don't like how dark it is" as
*night* (darker), "it shouldn't be this bright" read as "it should be this bright", explicit
values were replaced by a look. Each test renders the agent's answer (through ``edit_with_plan``,
the path of ``iea edit``) on a scikit-image photo and measures the direction; wordings beyond the
audit's show that the rules are general.
"""
from __future__ import annotations

import numpy as np
import pytest

from iea_core.agent import verify as V
from iea_core.agent.plan.route import edit_with_plan


def _lum(x: np.ndarray) -> np.ndarray:
    return 0.2126 * x[..., 0] + 0.7152 * x[..., 1] + 0.0722 * x[..., 2]


def _measure(x: np.ndarray) -> dict[str, float]:
    x = np.asarray(x, np.float32)
    if x.max() > 1.5:
        x = x / 255.0
    lum = _lum(x)
    return {"L": float(lum.mean()), "C": float(lum.std()),
            "W": float(np.log((x[..., 0].mean() + 1e-3) / (x[..., 2].mean() + 1e-3)))}


def _edit(agent, editor, image, text):
    result, planned = edit_with_plan(agent, image, text)
    after = editor.render(image, result.program)
    before_m, after_m = _measure(image), _measure(after)
    delta = {k: after_m[k] - before_m[k] for k in before_m}
    return result, planned, delta


# --- 1. a look named to be reduced or refused is never applied ---------------------------------
@pytest.mark.parametrize("text", [
    "less moody", "make it less depressing", "it's too moody", "it's way too gloomy",
    "a bit less moody please", "less film noir",
])
def test_less_of_a_dark_look_does_not_darken(agent, editor, views, text):
    result, planned, d = _edit(agent, editor, views["cat"], text)
    assert d["L"] >= 0.0, (text, result.program.to_dict(), d)
    assert result.program["vignette"] >= 0 and result.program["exposure"] >= 0
    assert planned is None or not any(n == "moody" for n, _ in planned.plan.looks)


@pytest.mark.parametrize("photo", ["cat", "coffee"])
@pytest.mark.parametrize("text", ["make it less dramatic", "too dramatic", "tone down the drama",
                                  "the drama is overdone", "not so cinematic"])
def test_less_of_a_contrasty_look_lowers_contrast(agent, editor, views, photo, text):
    result, _, d = _edit(agent, editor, views[photo], text)
    assert d["C"] < 0.0, (text, result.program.to_dict(), d)
    assert result.program["contrast"] <= 0 and result.program["vignette"] >= 0


@pytest.mark.parametrize("text", ["make it less vintage please", "less vintage",
                                  "this looks too retro"])
def test_less_vintage_adds_no_fade_grain_or_warmth(agent, editor, views, text):
    result, _, d = _edit(agent, editor, views["cat"], text)
    program = result.program
    assert program["fade"] <= 0 and program["grain"] <= 0 and program["temperature"] <= 0, \
        (text, program.to_dict())
    assert d["W"] <= 0.01, (text, d)


@pytest.mark.parametrize("text", ["dont make it moody", "not moody", "nothing moody please",
                                  "i don't want it to look vintage", "no cinematic look"])
def test_a_refused_look_changes_nothing_and_says_so(agent, views, text):
    result, planned = edit_with_plan(agent, views["astro"], text)
    assert result.program.is_identity, (text, result.program.to_dict())
    assert "did not apply" in result.reasoning or "not push" in result.reasoning, result.reasoning


def test_a_reduced_look_says_what_it_did(agent, views):
    result, planned = edit_with_plan(agent, views["cat"], "less moody")
    assert planned is not None
    assert [n for n, _ in planned.plan.looks] == ["less moody"]
    assert "less of the moody look" in result.reasoning
    assert "as moody" not in result.reasoning


def test_a_wish_for_a_look_is_still_planned(agent, views):
    for text, look in (("moody", "moody"), ("make it more cinematic", "cinematic"),
                       ("dark and moody", "moody"), ("winter-ish dawn", "cold winter morning")):
        _, planned = edit_with_plan(agent, views["cat"], text)
        assert planned is not None and [n for n, _ in planned.plan.looks] == [look], text


# --- 2. plain requests are the text reader's, not a mood's ---------------------------------------
@pytest.mark.parametrize("photo, text, metric, sign", [
    ("cat", "i dont like how dark it is", "L", 1),
    ("dark", "isnt it too dark?", "L", 1),
    ("dark", "isnt bright enough", "L", 1),
    ("cat", "never mind the colour, just darker", "L", -1),
    ("cat", "make the colours colder", "W", -1),
    ("bright", "dont make it so bright", "L", -1),
    ("cat", "i hate how dim this is", "L", 1),
    ("cat", "the colours should be colder", "W", -1),
    ("bright", "could it be a little less bright", "L", -1),
    ("cat", "i'd like it cooler than now", "W", -1),
    ("dark", "why is it so dark", "L", 1),
])
def test_plain_requests_go_the_way_they_say(agent, editor, views, photo, text, metric, sign):
    result, planned, d = _edit(agent, editor, views[photo], text)
    assert planned is None, (text, planned and planned.plan.looks)
    assert sign * d[metric] > 0.005, (text, result.program.to_dict(), d)


def test_no_more_contrast_just_warmer(agent, editor, views):
    result, planned, d = _edit(agent, editor, views["cat"],
                               "doesnt need more contrast, just warmer")
    assert planned is None
    assert result.program["temperature"] > 0 and result.program["contrast"] <= 0
    assert result.program["saturation"] >= 0 and d["W"] > 0


@pytest.mark.parametrize("text, expected", [
    ("set contrast to 30 and saturation to -20", {"contrast": 30, "saturation": -20}),
    ("exposure +20 and temperature -15", {"exposure": 20, "temperature": -15}),
])
def test_explicit_values_are_honoured(agent, views, text, expected):
    result, planned = edit_with_plan(agent, views["cat"], text)
    assert planned is None
    assert result.program.to_dict() == expected


def test_a_repeated_word_is_not_a_mood(agent, views):
    result, planned = edit_with_plan(agent, views["cat"], " ".join(["brighter"] * 22))
    assert planned is None
    assert set(result.program.to_dict()) <= {"exposure", "brightness", "highlights", "whites"}


# --- 3. negations and hedges in the text reader -------------------------------------------------
@pytest.mark.parametrize("photo, text, metric, sign", [
    ("bright", "it shouldnt be this bright", "L", -1),
    ("bright", "doesnt need to be this bright", "L", -1),
    ("bright", "maybe too bright", "L", -1),
    ("bright", "it really shouldn't look this bright", "L", -1),
    ("cat", "slightly cooler than it is now", "W", -1),
    ("cat", "slightly warmer than it is right now", "W", 1),
    ("cat", "it's not warm enough", "W", 1),
    ("cat", "no warmer, cooler instead", "W", -1),
    ("cat", "no brighter, darker instead", "L", -1),
    ("blue", "it shouldn't be this blue", "W", 1),
    ("coffee", "i don't like how orange it is", "W", -1),
    ("dark", "don't make it darker, it's already too dark", "L", 1),
    ("dark", "please don't leave it this dark", "L", 1),
    ("dark", "it doesn't have to be this dark", "L", 1),
    ("flat", "not contrasty enough", "C", 1),
])
def test_negations_and_hedges(agent, editor, views, photo, text, metric, sign):
    result, _, d = _edit(agent, editor, views[photo], text)
    assert sign * d[metric] > 0.004, (text, result.program.to_dict(), d)


def test_instead_is_not_read_as_a_property(agent):
    readings = agent.read("no warmer, cooler instead")
    assert [(r.intent, r.polarity) for r in readings] == [("warm", "FORBID"), ("cool", "WANT")]


@pytest.mark.parametrize("text, polarity", [
    ("it shouldnt be this bright", "OPPOSE"), ("doesnt need to be this bright", "OPPOSE"),
    ("maybe too bright", "OPPOSE"), ("it's not warm enough", "WANT"),
    ("don't make it brighter", "FORBID"), ("don't make it too bright", "FORBID"),
    ("keep it this bright", "KEEP"), ("not too warm", "OPPOSE"),
])
def test_polarity_frames(agent, text, polarity):
    assert agent.read(text)[-1].polarity == polarity, text


# --- what no global tool can do ------------------------------------------------------------------
@pytest.mark.parametrize("text", ["change the sky to a sunset", "make the sky bluer",
                                  "darken the background only", "add text saying hello",
                                  "add a watermark", "make her smile", "put a hat on her",
                                  "make the cat bigger", "erase the flag"])
def test_impossible_requests_are_said_plainly_not_faked(agent, views, text):
    result, planned = edit_with_plan(agent, views["astro"], text)
    assert planned is None, (text, planned and planned.plan.looks)
    assert result.program.is_identity, (text, result.program.to_dict())
    assert "can't" in result.message


def test_the_possible_part_is_still_done(agent, editor, views):
    result, planned, d = _edit(agent, editor, views["cat"],
                               "remove the flag and make it brighter and warmer")
    assert planned is None
    assert "can't remove" in result.message
    assert d["L"] > 0 and d["W"] > 0


@pytest.mark.parametrize("text", ["remove the yellow cast", "get rid of the blue tint",
                                  "remove the vignette and make it warmer"])
def test_removing_a_property_is_not_an_impossible_request(agent, views, text):
    result, _ = edit_with_plan(agent, views["coffee"], text)
    assert "can't remove" not in result.message


def test_less_of_the_planned_look_in_chat_weakens_it(agent, editor, views):
    from iea_core.agent.plan.route import refine_plan

    image = views["cat"]
    _, planned = edit_with_plan(agent, image, "moody")
    assert planned is not None
    weaker = refine_plan(agent, image, planned, "a bit less moody")
    assert weaker is not None
    before, after = planned.program.to_dict(), weaker.program.to_dict()
    assert sum(abs(v) for v in after.values()) < sum(abs(v) for v in before.values())
    assert all(before.get(t, 0) * v >= 0 for t, v in after.items())  # no tool flips sign
    lum = [_measure(editor.render(image, p))["L"] for p in (planned.program, weaker.program)]
    assert lum[1] > lum[0]
