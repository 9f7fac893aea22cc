"""The ``default`` profile's math: what each tool does, as numbers a host mapping can match.

Notation: ``v`` is the tool value, ``a = v / 100`` in -1..1. Pixels are decoded from sRGB to
*linear light*; ``Y = 0.2126 R + 0.7152 G + 0.0722 B`` is linear luminance and ``L = Y ** (1/2.2)``
the perceptual lightness the tone tools work on (L = 1 is white; values above 1 are highlights that
exposure pushed past white and that may still be recovered before the final clip).

===================  ==========================================================================
tool                 what it does (``default`` profile)
===================  ==========================================================================
temperature          linear-light channel gains R x 2^(+0.30 a), B x 2^(-0.30 a); with tint,
                     normalised so a neutral grey keeps its luminance (+100 ~ +1900 K at 5500 K)
tint                 G x 2^(+0.20 a) (+ is green, as in IEA; Lightroom's sign is opposite)
exposure             linear gain 2^(2 a): +100 = +2 EV, -100 = -2 EV
brightness           mid-tone gamma on L: L' = L ^ (2 ^ (-0.75 a)), black and white fixed
contrast             S-curve on L pivoting at p = 0.46 (18 % grey): slope at the pivot is
                     k = 2 ^ (0.9 a); black and white fixed
highlights           m = 1 - L on the upper half: m' = m - 0.8 a m (1 - m / 0.65)^2 (bounded
                     bump, monotone); for a < 0 values above white are pulled back with slope
                     (1 + 0.6 a)
shadows              L' = L + 0.8 a L (1 - L / 0.65)^2 for L < 0.65 (lifted / deepened shadows)
whites               L' = L + 0.25 a L^3 (white point, linear beyond 1)
blacks               L' = L + 0.15 a (1 - L)^3 (black point; below 0 clips)
natural_contrast     clarity: detail = T(L) - T(L_blur) with L_blur a Gaussian of the image at a
                     scale of ~1/40 of its long side; L' = T(L) + c a * detail * w(L) with a
                     mid-tone weight w, c = 0.6 for a > 0 and 0.5 for a < 0 (so it never
                     inverts: -100 halves the local contrast, a soft glow)
saturation           chroma around linear luminance: rgb' = Y + (rgb - Y) * (1 + a) (-100 = B&W)
vibrance             same with a per-pixel factor 1 + 1.2 a (1 - s)^2 (1 - 0.85 skin) for a > 0
                     (muted colours gain most, saturated colours and skin are protected) and
                     1 + a (0.4 + 0.6 (1 - s)) for a < 0; s = (max - min) / max
sharpness            unsharp mask on lightness (sqrt Y) with a 3x3 binomial kernel: amount 2.0 a for
                     a > 0; a < 0 blends toward the blurred lightness (-100 = fully blurred)
vignette             w = smoothstep(0.3, 1.05, r), r = elliptical radius (corners = 1); a < 0:
                     linear gain 2 ^ (1.5 a w(r)) (-100 = corners 1.5 EV darker, Lightroom's
                     sign); a > 0: linear light lifted by 0.3 a w(r) (lighter corners, added
                     like darktable's vignette rather than multiplied)
fade                 on the encoded output: a > 0: y = 0.20 a + (1 - 0.26 a) x (raised blacks,
                     lowered whites, less contrast); a < 0: y = (x - 0.08 |a|) / (1 - 0.08 |a|)
                     (denser blacks)
grain                luminance noise on the encoded output, deterministic per pixel and seed:
                     sigma = 0.05 a * (0.25 + 3 y (1 - y)); a < 0 does nothing (a photo's own
                     grain is not removed)
===================  ==========================================================================

Every function here is pure numpy, called once per program to build small lookup tables; the
per-pixel work happens in :mod:`iea_core.editor.kernels`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..program import Program

GAMMA = 2.2  # tone space: L = Y ** (1 / GAMMA)
LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float64)  # Rec. 709 / sRGB luminance

TONE_LUT_SIZE = 2048  # tone LUT over u = sqrt(Y / Y_MAX)
L2Y_LUT_SIZE = 4096  # L -> Y over L in [0, L_MAX]
ENCODE_LUT_SIZE = 4096  # linear -> encoded output over sqrt(lin) in [0, 1]
DECODE_LUT_SIZE = 4096  # float input: encoded -> linear over x in [0, 1]
VIGNETTE_LUT_SIZE = 256  # r^2 in [0, 2] -> gain

Y_MAX = 8.0  # exposure +2 EV times white-balance gains stays below this
L_MAX = Y_MAX ** (1 / GAMMA)

PIVOT = 0.18 ** (1 / GAMMA)  # mid grey in L


def srgb_to_linear(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(y: np.ndarray) -> np.ndarray:
    y = np.clip(np.asarray(y, dtype=np.float64), 0.0, None)
    return np.where(y <= 0.0031308, y * 12.92, 1.055 * np.power(y, 1 / 2.4) - 0.055)


def smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


# --- white balance and exposure --------------------------------------------------------------
def channel_gains(temperature: int, tint: int, exposure: int) -> np.ndarray:
    """Linear-light RGB gains for white balance and exposure."""
    t, g = temperature / 100.0, tint / 100.0
    gains = np.array([2.0 ** (0.30 * t), 2.0 ** (0.20 * g), 2.0 ** (-0.30 * t)])
    gains /= float(LUMA @ gains)  # a neutral grey keeps its luminance
    return gains * 2.0 ** (2.0 * exposure / 100.0)


# --- tone ------------------------------------------------------------------------------------
def _brightness(L: np.ndarray, a: float) -> np.ndarray:
    gamma = 2.0 ** (-0.75 * a)
    inside = np.clip(L, 0.0, 1.0) ** gamma
    # beyond white continue with the curve's slope at 1 so the map stays monotone
    return np.where(L <= 1.0, inside, 1.0 + (L - 1.0) * gamma)


def _contrast(L: np.ndarray, a: float) -> np.ndarray:
    k = 2.0 ** (0.9 * a)
    p = PIVOT
    low = p * (np.clip(L, 0.0, p) / p) ** k
    high = 1.0 - (1.0 - p) * ((1.0 - np.clip(L, p, 1.0)) / (1.0 - p)) ** k
    out = np.where(L < p, low, high)
    return np.where(L <= 1.0, out, L)


def _bump(x: np.ndarray, a: float, q: float) -> np.ndarray:
    """x + 0.8 a x (1 - x/q)^2 on [0, q], identity elsewhere; monotone for |a| <= 1."""
    xc = np.clip(x, 0.0, q)
    return np.where((x >= 0) & (x <= q), x + 0.8 * a * xc * (1.0 - xc / q) ** 2, x)


def _shadows(L: np.ndarray, a: float) -> np.ndarray:
    return _bump(L, a, 0.65)


def _highlights(L: np.ndarray, a: float) -> np.ndarray:
    m = 1.0 - L
    inside = 1.0 - _bump(m, -a, 0.65)
    out = np.where(L <= 1.0, inside, L)
    if a < 0:
        out = np.where(L > 1.0, 1.0 + (L - 1.0) * (1.0 + 0.6 * a), out)
    return out


def _whites(L: np.ndarray, a: float) -> np.ndarray:
    inside = L + 0.25 * a * np.clip(L, 0, 1) ** 3
    return np.where(L <= 1.0, inside, 1.0 + 0.25 * a + (L - 1.0) * (1.0 + 0.75 * a))


def _blacks(L: np.ndarray, a: float) -> np.ndarray:
    return np.where(L < 1.0, L + 0.15 * a * (1.0 - np.clip(L, 0, 1)) ** 3, L)


TONE_STEPS = (("brightness", _brightness), ("contrast", _contrast),
              ("highlights", _highlights), ("shadows", _shadows), ("whites", _whites),
              ("blacks", _blacks))


def tone_curve(program: Program, L: np.ndarray) -> np.ndarray:
    """The composed tone curve T(L) of ``program`` (identity when no tone tool is set)."""
    out = np.asarray(L, dtype=np.float64).copy()
    for name, step in TONE_STEPS:
        value = program[name]
        if value:
            out = step(out, value / 100.0)
    # numerical safety: the composition is monotone by construction; enforce it exactly
    return np.maximum(np.maximum.accumulate(out), 0.0)


def has_tone(program: Program) -> bool:
    return any(program[name] for name, _ in TONE_STEPS)


# --- effects ---------------------------------------------------------------------------------
def fade_curve(x: np.ndarray, value: int) -> np.ndarray:
    a = value / 100.0
    if a > 0:
        return 0.20 * a + (1.0 - 0.26 * a) * x
    if a < 0:
        black = 0.08 * -a
        return np.clip((x - black) / (1.0 - black), 0.0, 1.0)
    return x


VIGNETTE_LIFT = 0.3  # linear light added at the corners at +100


def vignette_gain(r2: np.ndarray, value: int) -> np.ndarray:
    """Darker corners (value < 0): the linear gain at squared radius ``r2``."""
    a = value / 100.0
    return 2.0 ** (1.5 * a * smoothstep(0.3, 1.05, np.sqrt(r2)))


def vignette_lift(r2: np.ndarray, value: int) -> np.ndarray:
    """Lighter corners (value > 0): linear light added at squared radius ``r2``. darktable's
    vignette lifts by adding light, which a gain cannot imitate (it leaves dark pixels dark)."""
    a = value / 100.0
    return VIGNETTE_LIFT * a * smoothstep(0.3, 1.05, np.sqrt(r2))


def apply_vignette(linear: np.ndarray, r2: np.ndarray, value: int) -> np.ndarray:
    """The vignette on linear RGB (..., 3) at squared radii ``r2`` (...)."""
    if value > 0:
        return linear + vignette_lift(r2, value)[..., None]
    return linear * vignette_gain(r2, value)[..., None]


@dataclass(frozen=True)
class PreparedProgram:
    """Everything the fused kernel needs for one program: small float32 tables and scalars."""

    gains: np.ndarray  # (3,)
    tone_L: np.ndarray  # TONE_LUT_SIZE + 1: u = sqrt(Y/Y_MAX) -> T(L)
    l_to_y: np.ndarray  # L2Y_LUT_SIZE + 1: L/L_MAX -> Y
    encode: np.ndarray  # ENCODE_LUT_SIZE + 1: sqrt(lin) -> fade(srgb(lin))
    vignette: np.ndarray  # VIGNETTE_LUT_SIZE + 1: r^2 -> gain (lift, added, when value > 0)
    saturation: float
    vibrance: float
    clarity: float
    sharpen: float
    grain: float
    flags: int  # bit 0 tone, 1 clarity, 2 colour, 3 sharpen, 4 vignette, 5 grain


FLAG_TONE, FLAG_CLARITY, FLAG_COLOR, FLAG_SHARPEN, FLAG_VIGNETTE, FLAG_GRAIN = (
    1, 2, 4, 8, 16, 32)


def _l_to_y_table() -> np.ndarray:
    L = np.linspace(0.0, L_MAX, L2Y_LUT_SIZE + 1)
    return (L ** GAMMA).astype(np.float32)


_L_TO_Y = _l_to_y_table()
_U = np.linspace(0.0, 1.0, TONE_LUT_SIZE + 1)
_L_OF_U = (_U * _U * Y_MAX) ** (1 / GAMMA)
_IDENTITY_TONE = _L_OF_U.astype(np.float32)


def prepare(program: Program) -> PreparedProgram:
    """Build the tables for ``program`` (about 0.2 ms)."""
    flags = 0
    if has_tone(program):
        tone = tone_curve(program, _L_OF_U).astype(np.float32)
        flags |= FLAG_TONE
    else:
        tone = _IDENTITY_TONE
    s = np.linspace(0.0, 1.0, ENCODE_LUT_SIZE + 1)
    encode = fade_curve(linear_to_srgb(s * s), program["fade"]).astype(np.float32)
    r2 = np.linspace(0.0, 2.0, VIGNETTE_LUT_SIZE + 1)
    vignette = (vignette_lift(r2, program["vignette"]) if program["vignette"] > 0
                else vignette_gain(r2, program["vignette"])).astype(np.float32)
    if program["vignette"]:
        flags |= FLAG_VIGNETTE
    if program["natural_contrast"]:
        flags |= FLAG_CLARITY
    if program["saturation"] or program["vibrance"]:
        flags |= FLAG_COLOR
    if program["sharpness"]:
        flags |= FLAG_SHARPEN
    if program["grain"] > 0:
        flags |= FLAG_GRAIN
    sharp = program["sharpness"] / 100.0
    return PreparedProgram(
        gains=channel_gains(program["temperature"], program["tint"], program["exposure"]
                            ).astype(np.float32),
        tone_L=tone, l_to_y=_L_TO_Y, encode=encode, vignette=vignette,
        saturation=1.0 + program["saturation"] / 100.0,
        vibrance=program["vibrance"] / 100.0,
        clarity=(0.6 if program["natural_contrast"] > 0 else 0.5)
        * program["natural_contrast"] / 100.0,
        sharpen=2.0 * sharp if sharp > 0 else sharp,
        grain=0.05 * max(program["grain"], 0) / 100.0,
        flags=flags,
    )


def decode_table_u8() -> np.ndarray:
    return srgb_to_linear(np.arange(256) / 255.0).astype(np.float32)


def decode_table_u16() -> np.ndarray:
    return srgb_to_linear(np.arange(65536) / 65535.0).astype(np.float32)


def decode_table_float() -> np.ndarray:
    return srgb_to_linear(np.linspace(0.0, 1.0, DECODE_LUT_SIZE + 1)).astype(np.float32)
