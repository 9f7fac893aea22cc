"""The agent's programs, rendered by the editor, change real photos the way the words asked.

Measured on pixels: mean luminance, red/blue ratio, chroma, local contrast, corner brightness."""
from __future__ import annotations

import numpy as np
import pytest

from iea_core.agent.base import Turn


def small(image: np.ndarray, size: int = 160) -> np.ndarray:
    step = max(1, max(image.shape[:2]) // size)
    return np.ascontiguousarray(image[::step, ::step]).astype(np.float32) / 255.0


def luminance(x: np.ndarray) -> np.ndarray:
    return x[..., 0] * 0.2126 + x[..., 1] * 0.7152 + x[..., 2] * 0.0722


def brightness(x):
    return float(luminance(x).mean())


def red_blue(x):
    return float(x[..., 0].mean() / max(1e-6, x[..., 2].mean()))


def chroma(x):
    return float((x.max(-1) - x.min(-1)).mean())


def local_contrast(x):
    y = luminance(x)
    pad = np.pad(y, 2, mode="edge")
    blur = sum(pad[i:i + y.shape[0], j:j + y.shape[1]] for i in range(5) for j in range(5)) / 25
    return float(np.abs(y - blur).mean())


def corners_vs_centre(x):
    h, w = x.shape[:2]
    y = luminance(x)
    c = y[h // 3:2 * h // 3, w // 3:2 * w // 3].mean()
    k = y[:h // 6, :w // 6].mean() + y[-h // 6:, -w // 6:].mean()
    return float(k / 2 / max(c, 1e-6))


CASES = [
    ("too dark", brightness, +1),
    ("it's way too bright", brightness, -1),
    ("make it warmer", red_blue, +1),
    ("everything looks blue", red_blue, +1),
    ("a bit cooler please", red_blue, -1),
    ("make the colours more saturated", chroma, +1),
    ("black and white", chroma, -1),
    ("bring out the details", local_contrast, +1),
    ("add a vignette", corners_vs_centre, -1),
]


@pytest.mark.parametrize("text, measure, sign", CASES, ids=[c[0] for c in CASES])
def test_rendered_change_goes_the_asked_way(agent, editor, photos, text, measure, sign):
    for name in ("astronaut", "coffee"):
        image = small(photos[name])
        result = agent.edit(image, text)
        after = editor.render(image, result.program)
        before_v, after_v = measure(image), measure(after)
        assert (after_v - before_v) * sign > 0.01 * abs(before_v), (
            name, text, result.program, before_v, after_v)


def test_compound_request_moves_every_measure(agent, editor, photos):
    image = small(photos["chelsea"])
    result = agent.edit(image, "warmer, brighter and more saturated")
    after = editor.render(image, result.program)
    assert red_blue(after) > red_blue(image)
    assert brightness(after) > brightness(image)
    assert chroma(after) > chroma(image)


@pytest.mark.parametrize("spoil, asked, measure, sign", [
    ({"exposure": -60}, "fix the exposure", brightness, +1),
    ({"exposure": 50}, "correct the exposure", brightness, -1),
    ({"temperature": 60}, "fix the white balance", red_blue, -1),
    ({"temperature": -60}, "correct the colour cast", red_blue, +1),
])
def test_corrections_take_direction_from_the_photo(agent, editor, photos, spoil, asked,
                                                   measure, sign):
    image = small(photos["astronaut"])
    spoiled = editor.render(image, spoil)
    result = agent.edit(spoiled, asked)
    fixed = editor.render(spoiled, result.program)
    assert (measure(fixed) - measure(spoiled)) * sign > 0, (spoil, result.program)
    # ... and it moves back toward the unspoiled photo rather than past it by a mile.
    assert abs(measure(fixed) - measure(image)) < abs(measure(spoiled) - measure(image))


def test_refine_less_lands_between(agent, editor, photos):
    image = small(photos["coffee"])
    first = agent.edit(image, "much warmer")
    history = (Turn("user", "much warmer"), Turn("agent", first.reasoning, first.program))
    second = agent.refine(image, first.program, "a bit less", history)
    rb = [red_blue(editor.render(image, p)) for p in (first.program, second.program)]
    assert red_blue(image) < rb[1] < rb[0]
    assert set(second.program.to_dict()) == set(first.program.to_dict())


def test_summary_recovers_a_synthetic_pair(agent, editor, photos):
    pytest.importorskip("iea_core.search")
    from iea_core.program import Program

    image = small(photos["rocket"], 128)
    target = Program({"exposure": 25, "temperature": 30, "fade": 20})
    style = agent.summarize(image, editor.render(image, target))
    assert style.sentence and style.distance is not None and style.distance <= 0.01
    assert style.program["temperature"] > 0 and style.program["exposure"] > 0
