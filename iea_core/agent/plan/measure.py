"""Numbers a plan's steps and guard rails are checked against, measured on a rendered photo.

Every function takes float RGB in 0..1 (H x W x 3, sRGB-encoded, as ``render_batch`` returns).
Tone is measured on luma ``Y' = 0.2126 R' + 0.7152 G' + 0.0722 B'`` (0..1, what a histogram shows),
colour in CIE Lab (D65): a step such as "cooler: mean b* down by 4-8" reads ``b`` here.

Metrics (:data:`METRICS`):

``L`` ``a`` ``b`` ``chroma``   mean L*, a*, b* and C* = hypot(a*, b*) over all pixels
``spread``                  luma standard deviation (global contrast)
``p01`` ... ``p99``         luma percentiles (1st: where the blacks sit; 99th: the whites)
``corners``                 mean luma of the four corner patches / mean luma of the centre
``local``                   mean |luma - luma blurred over ~1/24 of the picture| (clarity)
``fine``                    mean |luma - 3x3 box mean| (sharpness and grain)

Guard rails (:func:`rails`) compare a render with the photo it came from: new highlight and
shadow clipping, the hue shift of skin pixels, and banding (8-bit levels inside the tonal range
that the render leaves empty while the photo used them).
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

#: metric -> what it is, for plans printed to the user.
METRICS: Mapping[str, str] = {
    "L": "mean L*",
    "a": "mean a*",
    "b": "mean b*",
    "wb_a": "white balance a* (most neutral quarter)",
    "wb_b": "white balance b* (most neutral quarter)",
    "chroma": "mean chroma C*",
    "spread": "luminance spread (std)",
    "p01": "1st-percentile luminance",
    "p10": "10th-percentile luminance",
    "p25": "25th-percentile luminance",
    "p50": "median luminance",
    "p90": "90th-percentile luminance",
    "p99": "99th-percentile luminance",
    "corners": "corner / centre brightness",
    "local": "local contrast",
    "fine": "fine detail energy",
}

_PERCENTILES = {"p01": 1, "p10": 10, "p25": 25, "p50": 50, "p90": 90, "p99": 99}
_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]],
                np.float32)
_WHITE = np.array([0.95047, 1.0, 1.08883], np.float32)


def _rgb(image: np.ndarray) -> np.ndarray:
    a = np.asarray(image)
    if a.dtype == np.uint8:
        return a[..., :3].astype(np.float32) / 255.0
    if a.dtype == np.uint16:
        return a[..., :3].astype(np.float32) / 65535.0
    return np.clip(a[..., :3].astype(np.float32, copy=False), 0.0, 1.0)


def luma(rgb: np.ndarray) -> np.ndarray:
    return rgb[..., 0] * 0.2126 + rgb[..., 1] * 0.7152 + rgb[..., 2] * 0.0722


_LUT_SIZE = 4096
_grid = np.linspace(0.0, 1.0, _LUT_SIZE, dtype=np.float64)
#: sRGB -> linear light, tabulated: the power function dominates a Lab conversion otherwise
_LINEAR = np.where(_grid <= 0.04045, _grid / 12.92, ((_grid + 0.055) / 1.055) ** 2.4
                   ).astype(np.float32)


def lab(rgb: np.ndarray) -> np.ndarray:
    """CIE Lab (D65) of sRGB 0..1 pixels, shape (..., 3) (linearised through a 12-bit table)."""
    idx = np.clip(rgb * (_LUT_SIZE - 1) + 0.5, 0, _LUT_SIZE - 1).astype(np.int32)
    lin = _LINEAR[idx]
    xyz = lin @ (_XYZ.T / _WHITE)
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]),
                     200 * (f[..., 1] - f[..., 2])], -1)


def _box(y: np.ndarray, step: int) -> np.ndarray:
    """Mean over step x step blocks, upsampled back by repetition (a cheap wide blur)."""
    h, w = (y.shape[0] // step) * step, (y.shape[1] // step) * step
    blocks = y[:h, :w].reshape(h // step, step, w // step, step).mean(axis=(1, 3))
    return np.repeat(np.repeat(blocks, step, 0), step, 1), h, w


def _sample(rgb: np.ndarray, max_pixels: int = 80_000) -> np.ndarray:
    """Every k-th pixel in both directions: means and percentiles barely move, time drops."""
    k = max(1, int(np.ceil(np.sqrt(rgb.shape[0] * rgb.shape[1] / max_pixels))))
    return rgb[::k, ::k]


def neutral_mask(image: np.ndarray) -> np.ndarray:
    """The least colourful quarter of the mid-tone pixels of the photo (on :func:`measure`'s
    sample of pixels): white, grey and black things, whose colour *is* the white balance.
    Desaturating barely moves them, a white-balance change moves them fully, so "cooler" is
    measured there and cannot be met by taking colour out."""
    L = lab(_sample(_rgb(image)).reshape(-1, 3))
    chroma = np.hypot(L[:, 1], L[:, 2])
    mid = (L[:, 0] > 15) & (L[:, 0] < 95)
    if mid.sum() < 40:
        mid = np.ones_like(mid)
    cut = np.percentile(chroma[mid], 25)
    return mid & (chroma <= cut)


_COLOUR = frozenset({"L", "a", "b", "chroma", "wb_a", "wb_b"})
_TONE = frozenset({"spread"} | set(_PERCENTILES))


def measure(image: np.ndarray, neutral: np.ndarray | None = None,
            only: frozenset[str] | set[str] | None = None) -> dict[str, float]:
    """The metrics of :data:`METRICS` for one picture (``only``: just those, which is what the
    executor's many small renders need); ``neutral`` is :func:`neutral_mask` of the photo it was
    rendered from (same size), for the white-balance metrics."""
    want = set(METRICS) if only is None else set(only)
    rgb = _rgb(image)
    few = _sample(rgb)
    out: dict[str, float] = {}
    if want & _COLOUR:
        L = lab(few.reshape(-1, 3))
        out.update({"L": float(L[:, 0].mean()), "a": float(L[:, 1].mean()),
                    "b": float(L[:, 2].mean()), "chroma": float(np.hypot(L[:, 1], L[:, 2]).mean())})
        ref = L[neutral] if neutral is not None and neutral.shape == (L.shape[0],) and \
            neutral.any() else L
        out["wb_a"], out["wb_b"] = float(ref[:, 1].mean()), float(ref[:, 2].mean())
    if want & _TONE:
        y_few = luma(few)
        out["spread"] = float(y_few.std())
        pct = np.percentile(y_few, list(_PERCENTILES.values()))
        out.update({k: float(v) for k, v in zip(_PERCENTILES, pct)})
    if not want & {"corners", "local", "fine"}:
        return out
    y = luma(rgb)
    h, w = y.shape
    if "corners" in want:
        ch, cw = max(1, h // 6), max(1, w // 6)
        corners = np.concatenate([y[:ch, :cw].ravel(), y[:ch, -cw:].ravel(),
                                  y[-ch:, :cw].ravel(), y[-ch:, -cw:].ravel()])
        centre = y[h // 3: h - h // 3, w // 3: w - w // 3]
        out["corners"] = float(corners.mean() / max(float(centre.mean()), 1e-3))
    if "local" in want:
        step = max(2, max(h, w) // 24)
        blurred, bh, bw = _box(y, step)
        out["local"] = float(np.abs(y[:bh, :bw] - blurred).mean())
    if "fine" in want:
        if h >= 3 and w >= 3:
            c = y[1:-1, 1:-1]
            box3 = (y[:-2, :-2] + y[:-2, 1:-1] + y[:-2, 2:] + y[1:-1, :-2] + c + y[1:-1, 2:]
                    + y[2:, :-2] + y[2:, 1:-1] + y[2:, 2:]) / 9.0
            out["fine"] = float(np.abs(c - box3).mean())
        else:
            out["fine"] = 0.0
    return out


# --- guard rails ------------------------------------------------------------------------------
#: rail -> (limit, what it means). Limits are on the change the edit makes, not the photo itself.
RAIL_LIMITS: Mapping[str, tuple[float, str]] = {
    "clip_high": (0.015, "new clipped highlights (share of pixels)"),
    "clip_low": (0.03, "new crushed shadows (share of pixels)"),
    "skin_hue": (12.0, "skin hue shift (degrees)"),
    "banding": (0.12, "tonal levels lost to banding (share)"),
}


RAIL_PIXELS = 120_000


def skin_mask(image: np.ndarray) -> np.ndarray:
    """Pixels that look like skin (a classic RGB rule, tightened by Lab hue), on the same sample
    of pixels :func:`rails` looks at: bool array."""
    rgb = _sample(_rgb(image), RAIL_PIXELS)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    mx, mn = rgb.max(-1), rgb.min(-1)
    rule = (r > 0.37) & (g > 0.16) & (b > 0.08) & (r > g) & (r > b) & (mx - mn > 0.06) & \
        (np.abs(r - g) > 0.06)
    if not rule.any():
        return rule
    L = lab(rgb)
    hue = np.degrees(np.arctan2(L[..., 2], L[..., 1]))
    return rule & (hue > 15) & (hue < 80) & (np.hypot(L[..., 1], L[..., 2]) > 8)


def _clip_high(rgb: np.ndarray) -> float:
    return float((rgb.max(-1) >= 0.995).mean())


def _clip_low(rgb: np.ndarray) -> float:
    return float((rgb.max(-1) <= 0.01).mean())


def _skin_hue(rgb: np.ndarray, mask: np.ndarray) -> tuple[float, float]:
    """Circular mean hue (degrees) and mean chroma of the masked pixels."""
    L = lab(rgb[mask])
    hue = np.arctan2(L[:, 2], L[:, 1])
    return float(np.degrees(np.arctan2(np.sin(hue).mean(), np.cos(hue).mean()))), \
        float(np.hypot(L[:, 1], L[:, 2]).mean())


def _level_gaps(rgb: np.ndarray) -> tuple[float, np.ndarray]:
    """Share of empty 8-bit luma levels between the 1st and 99th percentile."""
    levels = np.clip(np.rint(luma(rgb) * 255), 0, 255).astype(np.int64).ravel()
    hist = np.bincount(levels, minlength=256)
    cum = np.cumsum(hist) / max(1, levels.size)
    lo, hi = int(np.searchsorted(cum, 0.01)), int(np.searchsorted(cum, 0.99))
    span = hist[lo:hi + 1]
    return float((span == 0).mean()) if span.size > 8 else 0.0, hist


def rails(before: np.ndarray, after: np.ndarray, mask: np.ndarray | None = None,
          cache: dict | None = None) -> dict[str, float]:
    """The change each guard rail watches, ``after`` against ``before`` (same size).

    Clipping and skin are measured on every k-th pixel (at most :data:`RAIL_PIXELS`); ``mask``
    is :func:`skin_mask` of that sample of ``before`` (computed here when not given).
    ``skin_hue`` is 0 when the photo shows (almost) no skin or the render leaves it colourless
    (black and white has no hue to shift). ``cache``: a dict kept between calls on the same
    ``before`` (the judge's rounds), so the photo's own numbers are measured once."""
    cache = {} if cache is None else cache
    a_full = _rgb(after)
    a_rgb = _sample(a_full, RAIL_PIXELS)
    if "clip" not in cache:
        b_full = _rgb(before)
        b_rgb = _sample(b_full, RAIL_PIXELS)
        cache["clip"] = (_clip_high(b_rgb), _clip_low(b_rgb))
        cache["mask"] = skin_mask(b_rgb) if mask is None else mask
        cache["skin"] = _skin_hue(b_rgb, cache["mask"])[0] if cache["mask"].mean() >= 0.01 \
            else None
        cache["gaps"] = _level_gaps(b_full)[0]
    high, low = cache["clip"]
    out = {"clip_high": max(0.0, _clip_high(a_rgb) - high),
           "clip_low": max(0.0, _clip_low(a_rgb) - low)}
    shift = 0.0
    if cache["skin"] is not None:
        ha, chroma_after = _skin_hue(a_rgb, cache["mask"])
        if chroma_after >= 6.0:
            shift = abs((ha - cache["skin"] + 180.0) % 360.0 - 180.0)
    out["skin_hue"] = shift
    gaps_before = cache["gaps"]
    gaps_after, _ = _level_gaps(a_full)
    out["banding"] = max(0.0, gaps_after - gaps_before)
    return out


def rail_failures(changes: Mapping[str, float],
                  limits: Mapping[str, float] | None = None) -> list[str]:
    """Names of the rails whose change exceeds its limit (``limits`` overrides per look)."""
    out = []
    for name, (limit, _) in RAIL_LIMITS.items():
        limit = (limits or {}).get(name, limit)
        if changes.get(name, 0.0) > limit:
            out.append(name)
    return out
