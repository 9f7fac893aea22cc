"""The render as a whole must not go the other way than a planned look means, and a request
for one part of the scene ("brighten only the cat") is said to be impossible, not done globally."""
from __future__ import annotations

import numpy as np
import pytest

from iea_core.agent.embedded.honesty import unsupported
from iea_core.agent.plan.judge import OVERALL_MIN, _overall_b, hold_overall
from iea_core.agent.plan.steps import KINDS, Step
from iea_core.editor import render
from iea_core.program import Program


@pytest.mark.parametrize("text", [
    "brighten only the cat", "brighten only the rocket", "make just the flag brighter",
    "darken the rocket only", "brighten the cat alone", "warm up just the car",
])
def test_local_nouns_are_caught(text):
    limit = unsupported(text)
    assert limit is not None and limit[0] == "local"
    assert "whole picture" in limit[1]


@pytest.mark.parametrize("text", [
    "brighten only the shadows", "just the highlights", "brighten just the highlights",
    "only a little", "just a bit brighter", "only warmer", "warmer, only a little",
    "brighten the shadows only", "only the skin tones", "make only the blues pop",
    "darken just the corners", "just the whole image", "just the right amount of warmth",
    "the cat alone looks fine", "just the midtones please", "only the colours",
])
def test_tonal_regions_and_degrees_are_not_caught(text):
    limit = unsupported(text)
    assert limit is None or limit[0] != "local", text


def _photo() -> np.ndarray:
    """A warm, colourful photo with a few neutral greys, where fade and a saturation cut pull
    the whole picture's b* down more than a warmer white balance lifts it."""
    rng = np.random.default_rng(0)
    img = np.empty((96, 128, 3), np.float32)
    img[:] = (0.85, 0.55, 0.15)  # saturated orange
    img[:, :32] = 0.5 + rng.normal(0, 0.02, (96, 32, 1))  # grey strip (the neutral pixels)
    img[:40, 32:] = (0.95, 0.8, 0.3)  # yellow
    return np.clip(img, 0, 1)


def _agent():
    from iea_core.agent import get_agent

    return get_agent("embedded")


def test_hold_overall_says_so_or_adjusts():
    img = _photo()
    steps = [Step(KINDS["warmer"], "vintage").with_tool("temperature", 1),
             Step(KINDS["faded"], "vintage").with_tool("fade", 1),
             Step(KINDS["muted"], "vintage").with_tool("saturation", 1)]
    values = {"temperature": 60, "fade": 80, "saturation": -80}
    base = _overall_b(img)
    whole = _overall_b(render(img, Program(values, clamp=True))) - base
    assert whole < OVERALL_MIN  # the premise: this program renders cooler overall
    held = hold_overall(img, steps, values)
    assert held is not None
    variant, text, note = held
    assert "cooler" in text and "warmer" in text
    if variant is not None:
        after = _overall_b(render(img, Program({k: v for k, v in variant.items() if v},
                                               clamp=True))) - base
        assert after >= 1.0
        assert "warmer overall" in note
    # a program without competing steps that warms is left alone
    assert hold_overall(img, steps[:1], {"temperature": 60}) is None


@pytest.mark.parametrize("name,request_,way", [
    ("chelsea", "vintage 70s", 1), ("coffee", "vintage 70s", 1),
    ("rocket", "crisp winter morning", -1),
])
def test_planned_look_whole_render_direction(name, request_, way):
    from skimage import data

    from iea_core.agent.plan.measure import lab
    from iea_core.agent.plan.route import edit_with_plan
    from iea_core.imageio import resize_max, to_float

    img = to_float(resize_max(np.asarray(getattr(data, name)())[..., :3], 384)).astype(np.float32)
    res, planned = edit_with_plan(_agent(), img, request_)
    assert planned is not None
    out = render(img, res.program)
    moved = (float(lab(out)[..., 2].mean()) - float(lab(img)[..., 2].mean())) * way
    said = (res.message + " " + res.reasoning).lower()
    # either the whole render goes the look's way, or the answer says plainly it does not
    assert moved > 0 or "render as a whole comes out" in said
    if moved <= 0:
        assert "render as a whole comes out" in res.message.lower()


@pytest.mark.parametrize("request_", ["brighten only the cat", "make just the flag brighter",
                                      "brighten just the sky"])
def test_local_requests_are_answered_not_done(request_):
    from skimage import data

    from iea_core.agent.plan.route import edit_with_plan
    from iea_core.imageio import resize_max, to_float

    img = to_float(resize_max(np.asarray(data.chelsea())[..., :3], 256)).astype(np.float32)
    res, _ = edit_with_plan(_agent(), img, request_)
    assert not res.program.to_dict()
    assert "whole picture" in res.message
    out = render(img, res.program)
    assert np.allclose(out, img, atol=1e-3)


@pytest.mark.parametrize("request_", ["brighten only the shadows", "just a bit brighter",
                                      "only warmer"])
def test_global_only_requests_still_edit(request_):
    from skimage import data

    from iea_core.agent.plan.route import edit_with_plan
    from iea_core.imageio import resize_max, to_float

    img = to_float(resize_max(np.asarray(data.chelsea())[..., :3], 256)).astype(np.float32)
    res, _ = edit_with_plan(_agent(), img, request_)
    assert res.program.to_dict()
    assert "whole picture" not in res.message
