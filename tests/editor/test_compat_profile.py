"""The iea-compat profile against an independent, straightforward reference written here from the
documented formulas of IEA's editor (per-pixel math, colorsys for HSV), and its known defects."""
from __future__ import annotations

import colorsys

import numpy as np
import pytest

from iea_core.editor import render, render_batch
from iea_core.tools import TOOL_NAMES


def reference(image: np.ndarray, p: dict[str, int]) -> np.ndarray:
    """IEA's editor, written the plain way. Grain is left out (noise, tested separately);
    blurs are left to the sharpness test."""
    v = {name: p.get(name, 0) for name in TOOL_NAMES}
    # the original's float stage runs in float32, and truncation is sensitive to that
    f32 = np.float32
    x = image.astype(f32) / f32(255)
    if v["exposure"]:
        x = x * f32(2 ** (v["exposure"] / 100))
    if v["brightness"]:
        x = x + f32(v["brightness"] / 200)
    if v["contrast"]:
        x = f32(0.5) + f32(1.25 + 0.0075 * v["contrast"]) * (x - f32(0.5))
    if v["fade"] > 0:
        s = f32(0.006 * v["fade"])
        x = x + s * (f32(1) - x)
        x = f32(0.5) + (f32(1) - s / f32(2)) * (x - f32(0.5))
    q = (np.clip(x, 0, 1) * f32(255)).astype(int)

    def lut(fn):
        return np.array([int(np.clip(fn(i), 0, 255)) for i in range(256)])

    if v["natural_contrast"]:
        f = v["natural_contrast"] / 10
        q = lut(lambda i: 255 / (1 + np.exp(-f * (i - 128) / 255)))[q]
    for name, curve in (("highlights", lambda n, s: n + s * (1 - n) * n),
                        ("shadows", lambda n, s: n + s * (1 - n * n) * (1 - n)),
                        ("whites", lambda n, s: n + s * n),
                        ("blacks", lambda n, s: n + s * (1 - n))):
        if v[name]:
            s = 0.008 * v[name]
            q = lut(lambda i: curve(i / 255, s) * 255 + 1e-9)[q]
    out = np.empty_like(q)
    sat_factor = 1 + v["saturation"] / 100
    for idx in np.ndindex(q.shape[:2]):
        r, g, b = q[idx] / 255
        h, s, val = colorsys.rgb_to_hsv(r, g, b)
        # OpenCV divides in 12-bit fixed point: hue = round(hue_diff * round(30 * 4096 / diff)
        # / 4096), which differs from exact rounding by one step now and then
        ri, gi, bi = (int(c) for c in q[idx])
        diff = max(ri, gi, bi) - min(ri, gi, bi)
        if diff == 0:
            h_cv = 0
        else:
            num = (gi - bi if max(ri, gi, bi) == ri else
                   (bi - ri + 2 * diff if max(ri, gi, bi) == gi else ri - gi + 4 * diff))
            h_cv = (num * int(np.floor(180 * 4096 / (6 * diff) + 0.5)) + 2048) >> 12
            h_cv = h_cv + 180 if h_cv < 0 else h_cv
        # the original keeps S in float32 (S / 255, scale, * 255, truncate): so does this
        f32 = np.float32
        s_cv = f32(np.floor(s * 255 + 0.5 + 1e-7)) / f32(255)
        if v["saturation"]:
            s_cv = s_cv * f32(sat_factor)
        s_cv = min(max(s_cv, f32(0)), f32(1))
        if v["vibrance"] < 0:
            s_cv = min(max(s_cv + f32(v["vibrance"] / 100) * s_cv, f32(0)), f32(1))
        s_cv = int(f32(s_cv) * f32(255)) / 255
        rgb = colorsys.hsv_to_rgb(h_cv / 180, s_cv, val)
        out[idx] = [int(np.floor(c * 255 + 0.5)) for c in rgb]
    if v["temperature"]:
        t = 0.5 * v["temperature"]
        out = np.stack([np.clip(out[..., 0] + t, 0, 255).astype(int),
                        np.clip(out[..., 1] + 0.6 * t, 0, 255).astype(int),
                        np.clip(out[..., 2] - t, 0, 255).astype(int)], axis=-1)
    if v["tint"]:
        out[..., 1] = np.clip(np.round(out[..., 1] + 0.3 * v["tint"]), 0, 255)
    x = out / 255
    if v["vignette"]:
        h, w = x.shape[:2]
        yy, xx = np.mgrid[:h, :w]
        r = np.hypot(xx - w / 2, yy - h / 2)
        r = r / r.max()
        a = abs(v["vignette"])
        base = np.clip(r / (1 - 0.005 * a), 0, 1) ** (0.5 + 0.015 * a)
        strength = 0.009 * a
        x = x * (1 - strength * base[..., None]) if v["vignette"] > 0 else \
            x + strength * base[..., None] * (1 - x)
    return np.floor(np.clip(x, 0, 1) * 255 + 1e-9).astype(np.uint8)


def small(photos, name):
    return photos[name][::4, ::4].copy()  # the per-pixel reference is slow


PROGRAMS = [
    {"exposure": 30}, {"brightness": -40}, {"contrast": 25}, {"contrast": -60},
    {"fade": 50}, {"natural_contrast": 35}, {"natural_contrast": -20}, {"highlights": -50},
    {"shadows": 60}, {"whites": 20}, {"blacks": -30}, {"saturation": 40},
    {"saturation": -70}, {"vibrance": -50}, {"vibrance": 60}, {"temperature": 45},
    {"temperature": -35}, {"tint": 33}, {"tint": -41}, {"vignette": 40}, {"vignette": -70},
    {"exposure": 20, "contrast": -10, "shadows": 30, "saturation": 20, "temperature": 15,
     "fade": 20, "vignette": 25},
]


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: ",".join(f"{k}{v:+d}" for k, v in
                                                                     p.items()))
def test_agrees_with_reference(photos, program):
    for name in ("astronaut", "coffee"):
        image = small(photos, name)
        ours = render(image, program, profile="iea-compat").astype(int)
        ref = reference(image, program).astype(int)
        close = np.abs(ours - ref) <= 1
        assert close.mean() >= 0.999, (name, program, close.mean())


def test_sharpness_blur_and_unsharp_mask_behave(photos):
    image = photos["chelsea"]
    lum = lambda a: a.astype(float).mean(axis=2)  # noqa: E731
    detail = lambda a: np.abs(np.diff(lum(a), axis=1)).mean()  # noqa: E731
    assert detail(render(image, {"sharpness": 60}, profile="iea-compat")) > detail(image)
    assert detail(render(image, {"sharpness": -60}, profile="iea-compat")) < detail(image)


def test_grain_is_seeded_gaussian(photos):
    image = np.full((200, 200, 3), 128, dtype=np.uint8)
    a = render(image, {"grain": 10}, profile="iea-compat", seed=1)
    assert np.array_equal(a, render(image, {"grain": 10}, profile="iea-compat", seed=1))
    noise = a.astype(float) / 255 - render(image, {}, profile="iea-compat") / 255
    assert abs(noise.std() - 0.03) < 0.004  # sigma = 0.003 v


def test_documented_defects_are_reproduced(photos):
    image = small(photos, "astronaut")
    # contrast jumps at 0: +1 is already a strong change
    jump = np.abs(render(image, {"contrast": 1}, profile="iea-compat").astype(int)
                  - render(image, {}, profile="iea-compat")).mean()
    assert jump > 5
    # natural_contrast below 0 inverts the image
    inv = render(image, {"natural_contrast": -80}, profile="iea-compat").astype(float)
    assert np.corrcoef(inv.mean(axis=2).ravel(), image.mean(axis=2).ravel())[0, 1] < -0.5
    # vibrance up does nothing beyond the HSV round trip
    assert np.array_equal(render(image, {"vibrance": 80}, profile="iea-compat"),
                          render(image, {}, profile="iea-compat"))
    # vignette up darkens the corners (Lightroom's opposite)
    out = render(image, {"vignette": 80}, profile="iea-compat").astype(float)
    assert out[:8, :8].mean() < image[:8, :8].astype(float).mean()


def test_compat_handles_other_dtypes_and_batch(photos):
    image = small(photos, "coffee")
    program = {"exposure": 20, "saturation": 30}
    u8 = render(image, program, profile="iea-compat")
    f = render(image.astype(np.float32) / 255, program, profile="iea-compat")
    assert f.dtype == np.float32 and np.abs(f * 255 - u8).max() <= 0.5
    batch = render_batch(image, [program, {}], profile="iea-compat")
    assert np.allclose(batch[0] * 255, u8, atol=1e-3)
