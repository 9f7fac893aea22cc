"""The fused default-profile kernel against a float64 numpy reference of the documented math
(benchmarks/editor.py's ``straightforward``), and the approximations it makes for speed, each
within the tolerance docs/editor.md states."""
from __future__ import annotations

import math

import numpy as np
import pytest

from benchmarks.editor import PROGRAM, gaussian_exact, straightforward
from iea_core.editor import curves, default, render
from iea_core.program import Program
from iea_core.tools import TOOL_NAMES

POINTWISE = [t for t in TOOL_NAMES if t not in ("natural_contrast", "grain")]


def _levels(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(a.astype(int) - b.astype(int))


@pytest.mark.parametrize("tool", POINTWISE)
def test_every_tool_matches_the_float64_reference(photos, tool):
    # tone tools read a ratio table, 8-bit output a byte table, colour runs branch-free: none of
    # it may move a pixel by more than the float32 rounding of the reference
    image = photos["coffee"]
    for value in (-100, 100):
        diff = _levels(render(image, {tool: value}), straightforward(image, Program({tool: value})))
        assert diff.max() <= 2 and (diff > 1).mean() < 1e-3, (tool, value, diff.max())


def test_sixteen_tools_match_the_float64_reference(photos):
    program = PROGRAM.replace({"grain": 0})
    for name in ("astronaut", "coffee"):
        diff = _levels(render(photos[name], program), straightforward(photos[name], program))
        assert diff.max() <= 2 and (diff > 1).mean() < 1e-3, (name, diff.max())


def test_clarity_with_box_blurs_stays_close_to_the_exact_gaussian(photos):
    # the reference blurs its clarity map with the exact Gaussian; the kernel's three box filters
    # and its per-column curve move a few pixels by up to 5 levels at +-100
    image = photos["coffee"]
    for value in (-100, 100):
        program = Program({"natural_contrast": value})
        diff = _levels(render(image, program), straightforward(image, program))
        assert diff.max() <= 5 and (diff > 1).mean() < 0.03, (value, diff.max())


def test_box_blur_approximates_the_gaussian(photos):
    ctx = default.ImageContext(photos["astronaut"])
    small, factor = ctx.coarse_map()
    sigma = ctx.long_side * default.CLARITY_SCALE / factor
    exact = gaussian_exact(small.astype(np.float64), sigma)
    boxed = default.gaussian_blur(small, sigma)
    assert np.abs(exact - boxed).max() < 0.015
    assert np.abs(exact - boxed).mean() < 0.003
    widths = default.box_sizes(sigma)
    variance = sum((w * w - 1) / 12.0 for w in widths)
    assert abs(math.sqrt(variance) - sigma) < 0.5


def test_subsampled_clarity_map_is_indistinguishable(photos):
    # a long strip: blocks of 16 px, of which every second pixel of every second row is read
    strip = np.tile(photos["chelsea"], (1, 7, 1))[:, :3072]
    ctx = default.ImageContext(np.ascontiguousarray(strip))
    small, factor = ctx.coarse_map()
    full, _ = ctx.coarse_map(stride=1)
    assert factor == 16
    sigma = ctx.long_side * default.CLARITY_SCALE / factor
    blurred = default.gaussian_blur(small, sigma)
    blurred_full = default.gaussian_blur(full, sigma)
    assert np.abs(blurred - blurred_full).max() < 0.004


def test_lighter_vignette_adds_light_like_darktable():
    # darktable lifts the corners by adding linear light: black corners turn grey, which no gain
    # can do; the centre stays untouched
    black = np.zeros((60, 90, 3), dtype=np.uint8)
    out = render(black, {"vignette": 60})
    assert out[30, 45].max() == 0
    lift = curves.VIGNETTE_LIFT * 0.6 * curves.smoothstep(0.3, 1.05, np.array(1.0))
    expected = curves.linear_to_srgb(np.array(lift)) * 255
    assert abs(float(out[0, 0, 1]) - expected) <= 1
    # and darker corners still multiply (black stays black)
    assert render(black, {"vignette": -60}).max() == 0


def test_sixteen_bit_and_float_outputs_agree_with_eight_bit(photos):
    image = photos["astronaut"]
    eight = render(image, PROGRAM).astype(np.float64) / 255
    sixteen = render(image.astype(np.uint16) * 257, PROGRAM).astype(np.float64) / 65535
    as_float = render(image.astype(np.float64) / 255, PROGRAM)
    assert np.abs(eight - sixteen).max() <= 1.5 / 255
    assert np.abs(sixteen - as_float).max() <= 1e-3


def test_pointwise_path_for_eight_bit_matches_the_reference_and_the_general_kernel(photos):
    # 8-bit programs of tone, exposure, white balance, saturation, vibrance and fade take the
    # pointwise kernel
    # (polynomial decode, log-binned ratio table); it must agree with the float64 reference and
    # with the general kernel (reached through a 16-bit copy of the same photo)
    image = photos["coffee"].copy()
    image[:8, :8] = 0  # black turns grey at the curve's new luminance
    rng = np.random.default_rng(7)
    names = ["exposure", "brightness", "contrast", "highlights", "shadows", "whites", "blacks",
             "temperature", "tint", "saturation", "vibrance", "fade"]
    programs = [Program({"blacks": 100}), Program({"exposure": -100, "shadows": 100}),
                Program({"saturation": 100, "vibrance": 100}), Program({"vibrance": -100}),
                Program({"saturation": -100, "contrast": 50})]
    programs += [Program({n: int(rng.integers(-100, 101)) for n in names if rng.random() < 0.5}
                         or {"contrast": 40}) for _ in range(8)]
    for program in programs:
        eight = render(image, program)
        diff = _levels(eight, straightforward(image, program))
        assert diff.max() <= 1, (dict(program.values), diff.max())
        general = render(image.astype(np.uint16) * 257, program).astype(np.float64) / 257
        assert np.abs(eight - general).max() <= 1.01, dict(program.values)
    lifted = render(image, {"blacks": 100})
    assert lifted[0, 0, 0] > 0 and len(set(lifted[0, 0])) == 1


def test_log_bins_are_relative_and_ordered():
    from iea_core.editor import logbins

    bins = logbins.TONE_BINS
    centres = logbins.centres(bins)
    assert np.all(np.diff(centres) > 0)
    inner = centres[1:-1].astype(np.float32)
    assert np.array_equal(bins.index(inner), np.arange(1, bins.size - 1))
    assert bins.index(np.array([0.0, -1e-9, 1e9], np.float32)).tolist() == [0, 0, bins.size - 1]
    widths = np.diff(centres[1:-1]) / centres[1:-2]
    assert widths.max() < 2.0 ** -bins.bits * 1.01
