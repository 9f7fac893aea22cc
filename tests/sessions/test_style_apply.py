"""Applying styles with the editor: the look is kept, exposure adapts to each photo."""
from __future__ import annotations

import numpy as np

from iea_core.program import Program
from iea_core.styles import StyleLibrary, adapt_exposure, median_luminance


def test_apply_renders_the_style(photos):
    photo = photos["coffee"][::2, ::2]
    with StyleLibrary() as library:
        library.save("Cool", "cooler", Program({"temperature": -50}))
        pixels, program = library.apply("Cool", photo)
    assert pixels.dtype == np.uint8 and pixels.shape == photo.shape
    assert program.to_dict() == {"temperature": -50}
    blue_minus_red = lambda a: float(a[..., 2].astype(float).mean() - a[..., 0].astype(float).mean())
    assert blue_minus_red(pixels) > blue_minus_red(photo) + 5


def test_adapted_exposure_reaches_the_reference_median(photos):
    style = Program({"contrast": 20, "temperature": 15, "exposure": 10})
    dark = (photos["astronaut"][::2, ::2] * 0.6).astype(np.uint8)
    bright = np.clip(photos["chelsea"][::2, ::2].astype(int) + 70, 0, 255).astype(np.uint8)
    from iea_core.editor import render

    for photo in (dark, bright):
        adapted = adapt_exposure(photo, style, 0.45)
        # only the exposure moved; the rest of the look is untouched
        assert {t: v for t, v in adapted.to_dict().items() if t != "exposure"} == \
            {"contrast": 20, "temperature": 15}
        assert abs(median_luminance(render(photo, adapted)) - 0.45) < 0.04
        assert "exposure adapted" in adapted.reasoning
    assert adapt_exposure(dark, style, 0.45)["exposure"] > adapt_exposure(bright, style, 0.45)[
        "exposure"]


def test_program_for_uses_the_styles_reference(photos):
    photo = photos["coffee"][::2, ::2]
    with StyleLibrary() as library:
        library.save("Bright", "brighter", Program({"exposure": 5}), reference_median=0.5)
        plain = library.program_for("Bright")
        adapted = library.program_for("Bright", photo, adapt=True)
    assert plain.to_dict() == {"exposure": 5}
    from iea_core.editor import render

    assert abs(median_luminance(render(photo, adapted)) - 0.5) < 0.04


def test_unreachable_targets_stop_at_the_tool_range(photos):
    very_dark = (photos["rocket"][::2, ::2] * 0.2).astype(np.uint8)
    assert adapt_exposure(very_dark, Program({"fade": 20}), 0.6)["exposure"] == 100
