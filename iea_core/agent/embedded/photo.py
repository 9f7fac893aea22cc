"""What the photo says: statistics, and values for corrections the words leave open.

"Fix the exposure" or "correct the white balance" name a tool but not a direction; the photo
decides. :func:`auto_values` finds each such tool's value by rendering a small copy of the photo
with a handful of candidate values (one :func:`iea_core.editor.render_batch` call per tool, at about
96 px) and keeping the value whose render best meets a plain target:

* exposure: mean luminance near a mid grey (0.46 in sRGB), without clipping more than 1 % of the
  highlights;
* contrast: a luminance spread (standard deviation) near 0.21, typical of well-exposed photos;
* temperature / tint: the least colourful quarter of the mid-tones should be neutral (mean b*
  resp. a* near 0 in Lab): a white-patch / grey-pixel estimate that, unlike the grey world, does
  not mistake a red jacket or a sunset for a cast.

If the editor cannot be imported, closed-form estimates from the same statistics are used
(exposure is a gain in linear light, +100 = +2 EV).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

ANALYSIS_SIZE = 96
TARGET_MEAN = 0.46
TARGET_SPREAD = 0.21
CAST_KEEP = 0.3  # fraction of a colour cast deliberately left in (scenes have colour)
WB_SHARE = 0.6  # share of the estimated white-balance error that is corrected
WB_LIMIT = 40
_CANDIDATES = {
    "exposure": np.arange(-90, 91, 10),
    "contrast": np.arange(-60, 61, 10),
    "temperature": np.arange(-70, 71, 10),
    "tint": np.arange(-60, 61, 10),
    "brightness": np.arange(-60, 61, 10),
    "saturation": np.arange(-40, 41, 10),
    "vibrance": np.arange(-40, 41, 10),
}


def to_float(image: np.ndarray) -> np.ndarray:
    """float32 0..1 RGB (alpha dropped)."""
    a = np.asarray(image)
    if a.ndim != 3 or a.shape[2] < 3:
        from ...errors import ImageError

        raise ImageError(f"expected an H x W x 3 image, got shape {a.shape}")
    from ...editor.arrays import to_float01

    return to_float01(a[..., :3])


def small(image: np.ndarray, max_size: int = ANALYSIS_SIZE) -> np.ndarray:
    """Box-downscaled float copy whose long side is at most ``max_size``."""
    from ..verify import preview  # one box-downscale for the agent's statistics and its checks

    return preview(to_float(image), max_size)


def _linear(x: np.ndarray) -> np.ndarray:
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def lab(rgb: np.ndarray) -> np.ndarray:
    """CIE Lab (D65) of sRGB 0..1 pixels."""
    lin = _linear(rgb.reshape(-1, 3))
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = lin @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    L = 116 * f[:, 1] - 16
    return np.stack([L, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], 1)


@dataclass(frozen=True)
class PhotoStats:
    """The numbers the explanations quote and the fallbacks use."""

    mean: float  # mean luminance, sRGB 0..1
    p05: float
    p50: float
    p95: float
    clip_high: float  # fraction of pixels with a channel at >= 0.99
    clip_low: float
    spread: float  # luminance standard deviation
    saturation: float  # mean HSV saturation
    cast_a: float  # mean Lab a* of mid-tones (green- / magenta+)
    cast_b: float  # mean Lab b* of mid-tones (blue- / yellow+)


def luminance(rgb: np.ndarray) -> np.ndarray:
    return rgb[..., 0] * 0.2126 + rgb[..., 1] * 0.7152 + rgb[..., 2] * 0.0722


def photo_stats(image: np.ndarray) -> PhotoStats:
    f = small(image, 160)
    y = luminance(f)
    p05, p50, p95 = np.percentile(y, [5, 50, 95])
    mx, mn = f.max(-1), f.min(-1)
    sat = np.where(mx > 1e-6, (mx - mn) / np.maximum(mx, 1e-6), 0.0)
    L = lab(f)
    mid = (L[:, 0] > 15) & (L[:, 0] < 95)
    sel = L[mid] if mid.sum() > 50 else L
    return PhotoStats(float(y.mean()), float(p05), float(p50), float(p95),
                      float((mx >= 0.99).mean()), float((mn <= 0.01).mean()), float(y.std()),
                      float(sat.mean()), float(sel[:, 1].mean()), float(sel[:, 2].mean()))


# ----------------------------------------------------------------------------------------------
def neutral_pixels(picture: np.ndarray) -> np.ndarray | None:
    """Positions of the least colourful mid-tone pixels (a quarter of them): in most photos these
    are white, grey or black things whose true colour is neutral, so their mean cast is the
    white-balance error. (The whole-picture mean, the grey world, mistakes a red suit or a sunset
    for a cast.)"""
    L = lab(picture)
    chroma = np.hypot(L[:, 1], L[:, 2])
    mid = (L[:, 0] > 20) & (L[:, 0] < 97)
    if mid.sum() < 40:
        return None
    limit = np.percentile(chroma[mid], 25)
    return mid & (chroma <= limit)


def _score(tool: str, renders: np.ndarray, base: PhotoStats,
           neutral: np.ndarray | None = None) -> np.ndarray:
    """Lower is better, one score per render (N, H, W, 3)."""
    y = luminance(renders)
    if tool in ("exposure", "brightness"):
        mean = y.reshape(len(y), -1).mean(1)
        clip = (renders.max(-1) >= 0.99).reshape(len(y), -1).mean(1)
        return np.abs(mean - TARGET_MEAN) + 2.0 * np.maximum(0.0, clip - max(0.01, base.clip_high))
    if tool == "contrast":
        return np.abs(y.reshape(len(y), -1).std(1) - TARGET_SPREAD)
    if tool in ("temperature", "tint"):
        axis = 2 if tool == "temperature" else 1
        out = []
        for r in renders:
            pixels = r.reshape(-1, 3)
            L = lab(pixels[neutral] if neutral is not None else pixels)  # only what is scored
            out.append(abs(L[:, axis].mean()))
        return np.asarray(out)
    if tool in ("saturation", "vibrance"):
        mx, mn = renders.max(-1), renders.min(-1)
        sat = np.where(mx > 1e-6, (mx - mn) / np.maximum(mx, 1e-6), 0.0)
        return np.abs(sat.reshape(len(sat), -1).mean(1) - 0.32)
    raise KeyError(tool)


def _fallback(tool: str, s: PhotoStats) -> int:
    if tool in ("exposure", "brightness"):
        lin_now = max(1e-4, float(_linear(np.array(max(s.p50, 1e-3)))))
        lin_goal = float(_linear(np.array(TARGET_MEAN)))
        value = 50.0 * np.log2(lin_goal / lin_now)
    elif tool == "contrast":
        value = (TARGET_SPREAD / max(s.spread, 1e-3) - 1.0) * 80.0
    elif tool == "temperature":
        value = -2.0 * s.cast_b * (1 - CAST_KEEP)
    elif tool == "tint":
        value = 2.0 * s.cast_a * (1 - CAST_KEEP)  # IEA tint: + is green, i.e. a* down
    elif tool in ("saturation", "vibrance"):
        value = (0.32 - s.saturation) * 150.0
    else:
        return 0
    return int(np.clip(round(value), -80, 80))


def editor_renderer(profile: str) -> Callable[[np.ndarray, Sequence[Mapping[str, int]]], np.ndarray] | None:
    try:
        from ...editor import render_batch
    except ImportError:
        return None

    def run(image: np.ndarray, programs: Sequence[Mapping[str, int]]) -> np.ndarray:
        return np.asarray(render_batch(image, list(programs), profile))

    return run


def auto_values(image: np.ndarray, tools: Sequence[str], base: Mapping[str, int] | None = None,
                *, profile: str = "default") -> dict[str, int]:
    """Values for ``tools`` that bring the photo (with ``base`` applied) to a plain target.

    Tools are settled one after the other in a fixed order (white balance, exposure, contrast,
    colour), each on top of the ones already settled, as a photographer would."""
    order = ("temperature", "tint", "exposure", "brightness", "contrast", "saturation", "vibrance")
    todo = [t for t in order if t in tools]
    if not todo:
        return {}
    picture = small(image)
    stats = photo_stats(image)
    render = editor_renderer(profile)
    current = {k: int(v) for k, v in (base or {}).items() if int(v)}
    neutral = neutral_pixels(picture)
    out: dict[str, int] = {}
    for tool in todo:
        candidates = _CANDIDATES[tool]
        if render is None:
            value = _fallback(tool, stats)
        else:
            programs = [{**current, tool: int(c)} for c in candidates]
            scores = _score(tool, render(picture, programs), stats, neutral)
            # Prefer the smallest move among near-ties: don't edit what is already fine.
            best = scores.min()
            near = [i for i, sc in enumerate(scores) if sc <= best + 0.004]
            value = int(min((candidates[i] for i in near), key=abs))
            if tool in ("temperature", "tint"):
                # Even the least colourful pixels of a sunset or a café are warm on purpose:
                # correct part of the estimated cast, and never by more than a medium amount.
                value = int(np.clip(round(value * WB_SHARE), -WB_LIMIT, WB_LIMIT))
        out[tool] = value
        if value:
            current[tool] = value
    return out
