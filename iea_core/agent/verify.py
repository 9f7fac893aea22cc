"""Render a program at preview size and measure what it did: the agent's evidence.

An agent that says "brighter, no new clipping" must have looked. This module holds the looking,
independent of any backend:

* :func:`preview` makes a small float copy of a photo (verification does not need detail, and a
  render costs about the same at 64 or 128 px);
* :func:`render_previews` renders several programs on it in one :func:`iea_core.editor.render_batch`;
* :func:`measure` reads the numbers a claim is about (mean luminance, the darkest and brightest
  quarter, clipping, Lab a*/b*, chroma, local contrast, corner darkening, fine detail); regions
  are fixed by a *reference* image (the unedited preview), so before and after are compared on the
  same pixels;
* :data:`CLAIMS` says, per tool, which measure its sign promises to move, and :func:`claim_change`
  / :func:`check_claims` whether a render keeps that promise;
* :func:`new_clipping` is the guard rail: the share of pixels a render clipped that were not
  clipped before.

Everything is plain numpy on float32 sRGB 0..1 arrays; only :func:`render_previews` needs the
editor. ``iea_core.agent.planner`` and the embedded agent both build on these functions.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Mapping, Sequence

import numpy as np

PREVIEW_SIZE = 128
#: A channel at or above this is clipped white; luminance at or below CLIP_LOW is crushed black.
CLIP_HIGH = 0.995
CLIP_LOW = 0.004
#: New clipping allowed without being asked (share of the picture).
CLIP_ALLOWANCE = 0.01

_M_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]],
                  np.float32)
_WHITE = np.array([0.95047, 1.0, 1.08883], np.float32)


# --- images ----------------------------------------------------------------------------------
def to_float(image: np.ndarray) -> np.ndarray:
    """float32 0..1 RGB (alpha dropped) from uint8 / uint16 / float arrays."""
    a = np.asarray(image)
    if a.ndim != 3 or a.shape[2] < 3:
        from ..errors import ImageError

        raise ImageError(f"expected an H x W x 3 image, got shape {a.shape}")
    a = a[..., :3]
    if a.dtype == np.uint8:
        return a.astype(np.float32) / np.float32(255.0)
    if a.dtype == np.uint16:
        return a.astype(np.float32) / np.float32(65535.0)
    return np.clip(a.astype(np.float32), 0.0, 1.0)


def preview(image: np.ndarray, max_size: int = PREVIEW_SIZE) -> np.ndarray:
    """Box-downscaled float32 copy whose long side is at most ``max_size``."""
    f = to_float(image)
    step = max(1, int(np.ceil(max(f.shape[:2]) / max_size)))
    if step == 1:
        return np.ascontiguousarray(f)
    h, w = (f.shape[0] // step) * step, (f.shape[1] // step) * step
    return np.ascontiguousarray(
        f[:h, :w].reshape(h // step, step, w // step, step, 3).mean(axis=(1, 3)))


def render_previews(image: np.ndarray, programs: Sequence[Mapping[str, int]],
                    profile: str = "default") -> np.ndarray:
    """(N, H, W, 3) float32 renders of ``programs`` on ``image`` (already a preview)."""
    from ..editor import render_batch

    clean = [{k: int(v) for k, v in p.items() if int(v)} for p in programs]
    return np.asarray(render_batch(np.ascontiguousarray(image, np.float32), clean, profile))


# --- colour ----------------------------------------------------------------------------------
def luminance(rgb: np.ndarray) -> np.ndarray:
    """Rec. 709 weights on the encoded values (what the eye reads as 'brighter')."""
    return rgb[..., 0] * 0.2126 + rgb[..., 1] * 0.7152 + rgb[..., 2] * 0.0722


def srgb_to_linear(x: np.ndarray) -> np.ndarray:
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def lab(rgb: np.ndarray) -> np.ndarray:
    """CIE Lab (D65) of sRGB 0..1 pixels, shape (..., 3)."""
    lin = srgb_to_linear(np.asarray(rgb, np.float32))
    xyz = lin @ _M_XYZ.T / _WHITE
    f = np.where(xyz > 0.008856, np.cbrt(np.maximum(xyz, 0.0)), 7.787 * xyz + 16 / 116)
    L = 116 * f[..., 1] - 16
    return np.stack([L, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


def _box_blur(y: np.ndarray, r: int = 2) -> np.ndarray:
    pad = np.pad(y, r, mode="edge")
    c = pad.cumsum(0).cumsum(1)
    c = np.pad(c, ((1, 0), (1, 0)))
    k = 2 * r + 1
    h, w = y.shape
    return (c[k:k + h, k:k + w] - c[:h, k:k + w] - c[k:k + h, :w] + c[:h, :w]) / (k * k)


# --- regions ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Regions:
    """Pixel masks taken from the unedited preview, so every render is measured on the same pixels."""

    dark: np.ndarray  # darkest quarter
    bright: np.ndarray  # brightest fifth
    deepest: np.ndarray  # darkest 5 %
    top: np.ndarray  # brightest 5 %
    neutral: np.ndarray  # least colourful quarter of the mid-tones (white-balance evidence)
    mid: np.ndarray  # mid-tones
    corners: np.ndarray
    centre: np.ndarray


def regions(reference: np.ndarray) -> Regions:
    y = luminance(reference)
    q25, q80, q05, q95 = np.percentile(y, [25, 80, 5, 95])
    L = lab(reference)
    chroma = np.hypot(L[..., 1], L[..., 2])
    mid = (L[..., 0] > 20) & (L[..., 0] < 97)
    if mid.sum() >= 20:
        neutral = mid & (chroma <= np.percentile(chroma[mid], 25))
    else:
        neutral = np.ones_like(mid)
    h, w = y.shape
    yy, xx = np.mgrid[0:h, 0:w]
    r = np.hypot((yy - (h - 1) / 2) / (h / 2), (xx - (w - 1) / 2) / (w / 2))
    return Regions(y <= q25, y >= q80, y <= q05, y >= q95, neutral,
                   (y > 0.15) & (y < 0.85), r > 0.95, r < 0.45)


def _mean(x: np.ndarray, mask: np.ndarray) -> float:
    return float(x[mask].mean()) if mask.any() else float(x.mean())


# --- measures --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Measures:
    """What a preview looks like, in numbers (luminance values are encoded sRGB 0..1)."""

    mean: float  # mean luminance
    median: float
    spread: float  # luminance standard deviation
    dark: float  # mean luminance of the (reference's) darkest quarter
    bright: float  # ... of its brightest fifth
    deepest: float  # ... of its darkest 5 %
    top: float  # ... of its brightest 5 %
    clip_high: float  # share of pixels with a channel >= CLIP_HIGH
    clip_low: float  # share of pixels with luminance <= CLIP_LOW
    L: float  # mean Lab L*
    a: float  # mean a* (green - / magenta +)
    b: float  # mean b* (blue - / yellow +)
    chroma: float  # mean Lab chroma
    neutral_a: float  # mean a* of the reference's least colourful mid-tones
    neutral_b: float  # mean b* of those pixels
    local_contrast: float  # mean |Y - blur(Y)| (clarity)
    detail: float  # mean |Y - 3x3 blur(Y)| (sharpness, grain)
    corners: float  # corner / centre luminance ratio (vignette)
    mid_chroma: float  # mean chroma of the mid-tones (vibrance protects saturated colours)

    @property
    def cast(self) -> float:
        """Size of the white-balance error estimated from the least colourful pixels."""
        return float(np.hypot(self.neutral_a, self.neutral_b))

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def measure(image: np.ndarray, reference: np.ndarray | None = None,
            region: Regions | None = None) -> Measures:
    """Measures of ``image`` (a preview), on the regions of ``reference`` (default: itself)."""
    f = to_float(image)
    ref = f if reference is None else to_float(reference)
    reg = region if region is not None else regions(ref)
    y = luminance(f)
    L = lab(f)
    chroma = np.hypot(L[..., 1], L[..., 2])
    fine = np.abs(y - _box_blur(y, 1))
    coarse = np.abs(y - _box_blur(y, 3))
    return Measures(
        mean=float(y.mean()), median=float(np.median(y)), spread=float(y.std()),
        dark=_mean(y, reg.dark), bright=_mean(y, reg.bright), deepest=_mean(y, reg.deepest),
        top=_mean(y, reg.top),
        clip_high=float((f.max(-1) >= CLIP_HIGH).mean()), clip_low=float((y <= CLIP_LOW).mean()),
        L=float(L[..., 0].mean()), a=float(L[..., 1].mean()), b=float(L[..., 2].mean()),
        chroma=float(chroma.mean()), neutral_a=_mean(L[..., 1], reg.neutral),
        neutral_b=_mean(L[..., 2], reg.neutral), local_contrast=float(coarse.mean()),
        detail=float(fine.mean()),
        corners=_mean(y, reg.corners) / max(1e-4, _mean(y, reg.centre)),
        mid_chroma=_mean(chroma, reg.mid))


def clipping(image: np.ndarray, region: Regions) -> tuple[float, float, float]:
    """(clip_high, clip_low, mean luminance of the bright region): the guard rail's numbers only,
    a fraction of :func:`measure`'s cost."""
    f = to_float(image)
    y = luminance(f)
    return (float((f.max(-1) >= CLIP_HIGH).mean()), float((y <= CLIP_LOW).mean()),
            _mean(y, region.bright))


def measure_batch(renders: np.ndarray, reference: np.ndarray) -> list[Measures]:
    reg = regions(to_float(reference))
    return [measure(r, reference, reg) for r in renders]


# --- claims ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Claim:
    """What a tool's positive value promises: ``measure`` goes up by at least ``minimum``
    (the sign flips for negative values and when ``inverse``)."""

    measure: str
    minimum: float
    words: str  # how the measured quantity is named in explanations
    scale: float = 1.0  # shown value = change * scale
    unit: str = ""
    inverse: bool = False


CLAIMS: dict[str, Claim] = {
    "exposure": Claim("mean", 0.004, "mean brightness"),
    "brightness": Claim("median", 0.004, "mid-tones"),
    "contrast": Claim("spread", 0.002, "tonal spread"),
    "natural_contrast": Claim("local_contrast", 0.0004, "local contrast", 1000, " (x1000)"),
    "highlights": Claim("bright", 0.002, "brightest fifth"),
    "shadows": Claim("dark", 0.003, "darkest quarter"),
    "whites": Claim("top", 0.002, "brightest tones"),
    "blacks": Claim("deepest", 0.002, "deepest tones"),
    "saturation": Claim("chroma", 0.3, "colourfulness (Lab chroma)"),
    "vibrance": Claim("mid_chroma", 0.15, "colourfulness of the muted mid-tones"),
    "temperature": Claim("b", 0.3, "yellow-blue balance (Lab b*)"),
    "tint": Claim("a", 0.2, "magenta-green balance (Lab a*)", inverse=True),
    "sharpness": Claim("detail", 0.0003, "fine detail", 1000, " (x1000)"),
    "vignette": Claim("corners", 0.004, "corner brightness against the centre"),
    "fade": Claim("deepest", 0.002, "deepest tones"),
    "grain": Claim("detail", 0.0003, "fine texture", 1000, " (x1000)"),
}


def claim_change(tool: str, before: Measures, after: Measures) -> float:
    """Change of the tool's measure in the direction a *positive* value of ``tool`` promises."""
    c = CLAIMS[tool]
    d = getattr(after, c.measure) - getattr(before, c.measure)
    return -d if c.inverse else d


def claim_holds(tool: str, value: int, before: Measures, after: Measures) -> bool:
    """Does the render show what ``tool = value`` promises (direction and a visible amount)?"""
    if not value or tool not in CLAIMS:
        return True
    return np.sign(value) * claim_change(tool, before, after) >= CLAIMS[tool].minimum


def check_claims(program: Mapping[str, int], before: Measures,
                 after: Measures) -> dict[str, bool]:
    """tool -> whether the render keeps that tool's promise, for every tool set in ``program``."""
    return {t: claim_holds(t, int(v), before, after) for t, v in program.items() if int(v)}


def describe_change(tool: str, before: Measures, after: Measures) -> str:
    """'mean brightness +0.08 (0.21 -> 0.29)': what was measured for ``tool``'s claim."""
    c = CLAIMS[tool]
    b, a = getattr(before, c.measure), getattr(after, c.measure)
    d = (a - b) * c.scale
    if c.scale != 1.0 or c.measure in ("chroma", "mid_chroma", "a", "b"):
        return f"{c.words} {d:+.1f}{c.unit}"
    return f"{c.words} {d:+.3f} ({b:.2f} \u2192 {a:.2f})"


def new_clipping(before: Measures, after: Measures) -> tuple[float, float]:
    """(new highlight clipping, new shadow clipping) as shares of the picture (never negative)."""
    return max(0.0, after.clip_high - before.clip_high), max(0.0, after.clip_low - before.clip_low)


def clipping_ok(before: Measures, after: Measures, allowance: float = CLIP_ALLOWANCE,
                *, highlights: bool = True, shadows: bool = True) -> bool:
    hi, lo = new_clipping(before, after)
    return (not highlights or hi <= allowance) and (not shadows or lo <= allowance)


def difference(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute pixel difference: does a program change anything visible at all?"""
    return float(np.abs(to_float(a) - to_float(b)).mean())


__all__ = ["CLAIMS", "CLIP_ALLOWANCE", "Claim", "Measures", "Regions", "check_claims", "clipping",
           "claim_change", "claim_holds", "clipping_ok", "describe_change", "difference", "lab",
           "luminance", "measure", "measure_batch", "new_clipping", "preview", "regions",
           "render_previews", "to_float"]
