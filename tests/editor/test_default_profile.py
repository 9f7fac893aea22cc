"""The default profile on real photos: identity, monotonicity, direction of every tool, 16 bit,
array conventions and batch/single agreement."""
from __future__ import annotations

import numpy as np
import pytest

from iea_core.editor import render, render_batch, render_many
from iea_core.errors import ArrayConventionError, InvalidProgram
from iea_core.tools import TOOL_NAMES

LUMA = np.array([0.2126, 0.7152, 0.0722])


def _f(image: np.ndarray) -> np.ndarray:
    return image[..., :3].astype(np.float64) / (65535.0 if image.dtype == np.uint16 else 255.0)


def mean_luma(image: np.ndarray) -> float:
    return float((_f(image) @ LUMA).mean())


def chroma(image: np.ndarray) -> np.ndarray:
    f = _f(image)
    return f.max(axis=2) - f.min(axis=2)


def local_contrast(image: np.ndarray, block: int = 16) -> float:
    """Mean absolute deviation of lightness from its block mean (texture / clarity)."""
    lum = _f(image) @ LUMA
    h, w = (lum.shape[0] // block) * block, (lum.shape[1] // block) * block
    tiles = lum[:h, :w].reshape(h // block, block, w // block, block)
    return float(np.abs(tiles - tiles.mean(axis=(1, 3), keepdims=True)).mean())


def fine_detail(image: np.ndarray) -> float:
    lum = _f(image) @ LUMA
    return float(np.abs(np.diff(lum, axis=1)).mean() + np.abs(np.diff(lum, axis=0)).mean())


def corner_vs_centre(image: np.ndarray) -> float:
    lum = _f(image) @ LUMA
    h, w = lum.shape
    c = lum[h // 3: 2 * h // 3, w // 3: 2 * w // 3].mean()
    k = max(4, h // 10)
    corners = np.mean([lum[:k, :k].mean(), lum[:k, -k:].mean(), lum[-k:, :k].mean(),
                       lum[-k:, -k:].mean()])
    return float(corners / max(c, 1e-6))


def rb_ratio(image: np.ndarray) -> float:
    f = _f(image)
    return float(f[..., 0].mean() / max(f[..., 2].mean(), 1e-6))


def green_ratio(image: np.ndarray) -> float:
    f = _f(image)
    return float(f[..., 1].mean() / max((f[..., 0].mean() + f[..., 2].mean()) / 2, 1e-6))


def shadow_mean(image: np.ndarray, original: np.ndarray) -> float:
    mask = (_f(original) @ LUMA) < np.quantile(_f(original) @ LUMA, 0.2)
    return float((_f(image) @ LUMA)[mask].mean())


def highlight_mean(image: np.ndarray, original: np.ndarray) -> float:
    mask = (_f(original) @ LUMA) > np.quantile(_f(original) @ LUMA, 0.8)
    return float((_f(image) @ LUMA)[mask].mean())


def spread(image: np.ndarray) -> float:
    lum = _f(image) @ LUMA
    return float(np.quantile(lum, 0.9) - np.quantile(lum, 0.1))


def black_level(image: np.ndarray) -> float:
    return float(np.quantile(_f(image) @ LUMA, 0.01))


def white_level(image: np.ndarray) -> float:
    return float(np.quantile(_f(image) @ LUMA, 0.99))


def grain_energy(image: np.ndarray) -> float:
    return fine_detail(image)


# tool -> measurement that must increase with the value (given the original for masks)
MEASURES = {
    "exposure": lambda img, orig: mean_luma(img),
    "brightness": lambda img, orig: mean_luma(img),
    "contrast": lambda img, orig: spread(img),
    "natural_contrast": lambda img, orig: local_contrast(img),
    "highlights": lambda img, orig: highlight_mean(img, orig),
    "shadows": lambda img, orig: shadow_mean(img, orig),
    "whites": lambda img, orig: white_level(img),
    "blacks": lambda img, orig: black_level(img),
    "saturation": lambda img, orig: float(chroma(img).mean()),
    "vibrance": lambda img, orig: float(chroma(img).mean()),
    "temperature": lambda img, orig: rb_ratio(img),
    "tint": lambda img, orig: green_ratio(img),
    "sharpness": lambda img, orig: fine_detail(img),
    "vignette": lambda img, orig: corner_vs_centre(img),
    "fade": lambda img, orig: black_level(img),
    "grain": lambda img, orig: grain_energy(img),
}


def test_every_tool_has_a_measure():
    assert set(MEASURES) == set(TOOL_NAMES)


@pytest.mark.parametrize("tool", TOOL_NAMES)
def test_zero_is_exact_identity(photos, tool):
    image = photos["coffee"]
    out = render(image, {tool: 0})
    assert out.dtype == image.dtype and np.array_equal(out, image)
    assert out is not image


@pytest.mark.parametrize("tool", TOOL_NAMES)
def test_direction_and_monotonicity(photos, tool):
    measure = MEASURES[tool]
    values = (-100, -50, -10, 0, 10, 50, 100) if tool != "grain" else (0, 10, 50, 100)
    for name in ("astronaut", "coffee", "rocket"):
        image = photos[name]
        scores = [measure(render(image, {tool: v}), image) for v in values]
        assert all(b >= a - 1e-4 for a, b in zip(scores, scores[1:])), (name, tool, scores)
        assert scores[-1] > scores[0] + 1e-3, (name, tool, scores)


@pytest.mark.parametrize("tool", TOOL_NAMES)
def test_no_jump_at_zero(photos, tool):
    image = photos["chelsea"]
    step = np.abs(_f(render(image, {tool: 1})) - _f(image)).mean()
    assert step < 0.01, f"{tool}=1 changes the photo by {step:.4f} on average"


def test_negative_grain_leaves_the_photo_alone(photos):
    image = photos["rocket"]
    assert np.array_equal(render(image, {"grain": -50}), image)


def test_vibrance_protects_saturated_colours_and_skin(photos):
    image = photos["astronaut"]
    before = chroma(image)
    after = chroma(render(image, {"vibrance": 80}))
    gain = after - before
    muted = before < np.quantile(before, 0.3)
    vivid = before > np.quantile(before, 0.9)
    assert gain[muted].mean() > gain[vivid].mean()
    # a skin tone gains less colour than a sky tone of the same chroma and lightness
    patches = np.array([[[225, 180, 150], [150, 180, 225]]], dtype=np.uint8)
    boosted = chroma(render(patches, {"vibrance": 80})) - chroma(patches)
    assert 0 <= boosted[0, 0] < 0.6 * boosted[0, 1]
    # and vibrance works the other way too
    assert chroma(render(image, {"vibrance": -80})).mean() < before.mean()


def test_saturation_minus_100_is_black_and_white(photos):
    out = render(photos["coffee"], {"saturation": -100})
    assert chroma(out).max() <= 2 / 255


def test_clarity_never_inverts(photos):
    image = photos["astronaut"]
    out = render(image, {"natural_contrast": -100})
    lum_in, lum_out = _f(image) @ LUMA, _f(out) @ LUMA
    assert np.corrcoef(lum_in.ravel(), lum_out.ravel())[0, 1] > 0.8


def test_vignette_has_lightrooms_sign(photos):
    image = photos["rocket"]
    assert corner_vs_centre(render(image, {"vignette": -60})) < corner_vs_centre(image)
    assert corner_vs_centre(render(image, {"vignette": 60})) > corner_vs_centre(image)


def test_grain_is_deterministic_by_seed(photos):
    image = photos["chelsea"]
    a = render(image, {"grain": 60}, seed=3)
    assert np.array_equal(a, render(image, {"grain": 60}, seed=3))
    assert not np.array_equal(a, render(image, {"grain": 60}, seed=4))


def test_sixteen_bit_has_no_banding():
    ramp = np.linspace(0.2, 0.3, 4000)
    image = np.repeat(np.repeat(ramp[None, :, None], 8, axis=0), 3, axis=2)
    image16 = np.rint(image * 65535).astype(np.uint16)
    out = render(image16, {"exposure": 40, "contrast": 30, "shadows": 20})
    assert out.dtype == np.uint16
    levels = len(np.unique(out[4, :, 1]))
    assert levels > 3000, f"only {levels} distinct levels in a smooth 16-bit ramp"
    assert np.all(np.diff(out[4, :, 1].astype(np.int64)) >= 0)


def test_float_in_float_out_and_agreement_with_uint8(photos):
    image = photos["coffee"]
    program = {"exposure": 15, "temperature": -20, "vibrance": 30, "vignette": -30}
    as_float = image.astype(np.float32) / 255
    out32 = render(as_float, program)
    out64 = render(as_float.astype(np.float64), program)
    assert out32.dtype == np.float32 and out64.dtype == np.float64
    assert 0.0 <= out32.min() and out32.max() <= 1.0
    out8 = render(image, program)
    assert np.abs(out32 * 255 - out8).max() <= 1.5


def test_alpha_passes_through(photos):
    image = photos["chelsea"]
    alpha = np.linspace(0, 255, image.shape[1]).astype(np.uint8)[None, :].repeat(
        image.shape[0], 0)
    rgba = np.dstack([image, alpha])
    out = render(rgba, {"exposure": 30})
    assert out.shape == rgba.shape and np.array_equal(out[..., 3], alpha)
    assert np.array_equal(out[..., :3], render(image, {"exposure": 30}))


@pytest.mark.parametrize("bad, needle", [
    (np.zeros((4, 4)), "H x W x 3"),
    (np.zeros((4, 4, 2)), "H x W x 3"),
    (np.full((4, 4, 3), 200.0), "looks like 0-255"),
    (np.full((4, 4, 3), np.nan), "NaN"),
    (np.zeros((4, 4, 3), dtype=np.int32), "unsupported dtype"),
    (np.zeros((0, 4, 3), dtype=np.uint8), "empty"),
    ([[1, 2, 3]], "numpy array"),
])
def test_bad_arrays_are_refused_clearly(bad, needle):
    with pytest.raises(ArrayConventionError, match=needle):
        render(bad, {"exposure": 10})


def test_bad_program_and_profile():
    image = np.zeros((4, 4, 3), dtype=np.uint8)
    with pytest.raises(InvalidProgram, match="unknown tool"):
        render(image, {"glow": 1})
    with pytest.raises(InvalidProgram, match="unknown editor profile"):
        render(image, {"exposure": 1}, profile="fancy")


def test_batch_matches_single_renders(photos):
    image = photos["rocket"]
    programs = [{}, {"exposure": 30, "grain": 20}, {"natural_contrast": 40, "sharpness": 30},
                {"saturation": -100, "fade": 50}]
    batch = render_batch(image, programs)
    assert batch.shape == (4,) + image.shape and batch.dtype == np.float32
    for program, rendered in zip(programs, batch):
        single = render(image, program).astype(np.float32) / 255
        # the float render rounded, except that an 8-bit render of per-pixel tools goes through
        # the pointwise kernel (polynomial decode): up to one level, never more
        pointwise = not set(program) - {"saturation", "fade", "exposure"}
        tolerance = 1.0 / 255 if pointwise else 0.5 / 255
        assert np.abs(rendered - single).max() <= tolerance + 1e-6, program
    many = render_many([image, image[::-1].copy()], programs[1:3])
    assert np.allclose(many[0], batch[1], atol=1e-6)


@pytest.mark.parametrize("side", [64, 1100])  # one program per thread; threads per program
def test_batch_in_the_photos_dtype_is_exactly_what_render_writes(photos, side):
    """GRPO's and eval's rewards score 8-bit renders from render_batch: they must be the very
    bytes render() gives, tone-only programs (the 8-bit pointwise kernel) included."""
    photo = photos["coffee"]
    reps = -(-side // min(photo.shape[:2]))
    image = np.ascontiguousarray(np.tile(photo, (reps, reps, 1))[:side, :side])
    rgba = np.dstack([image, np.full(image.shape[:2], 200, np.uint8)])
    programs = [{}, {"contrast": 17, "highlights": -17, "whites": -27, "blacks": -25,
                     "temperature": -24},
                {"exposure": -35, "shadows": 60, "fade": 20}, {"brightness": 40},
                {"contrast": 30, "saturation": 25, "vignette": -20}, {"grain": -10}]
    for source in (image, rgba):
        batch = render_batch(source, programs, dtype=np.uint8)
        assert batch.shape == (len(programs),) + image.shape and batch.dtype == np.uint8
        for program, rendered in zip(programs, batch):
            assert np.array_equal(rendered, render(image, program)), program
    assert np.array_equal(render_batch(image.astype(np.uint16) * 257, programs[1:2],
                                       dtype=np.uint16)[0],
                          render(image.astype(np.uint16) * 257, programs[1]))
    with pytest.raises(ArrayConventionError, match="uint8, uint16"):
        render_batch(image, programs[:1], dtype=np.int32)
