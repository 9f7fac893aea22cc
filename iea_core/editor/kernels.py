"""Fused numba kernels for the ``default`` profile.

One pass over the pixels does everything pointwise: decode to linear light, white balance and
exposure gains, the tone curve (a lookup table), clarity and sharpening (from small precomputed
lightness maps), colour, vignette, encoding with fade, and grain. Rows are processed in parallel;
no full-size float intermediate is allocated, so a 24 MP render needs only its output (plus a
2-byte-per-pixel lightness map when sharpening).

Kernels compile on first use and are cached on disk (``cache=True``); see
:func:`iea_core.editor.warm_up`.
"""
from __future__ import annotations

import math
import os

import numpy as np


def _configure_cache() -> None:
    """numba writes its cache beside the source; fall back to the user cache dir when the
    package folder is read-only (a system-wide install)."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    here = os.path.join(os.path.dirname(__file__), "__pycache__")
    try:
        os.makedirs(here, exist_ok=True)
        probe = os.path.join(here, ".write-probe")
        with open(probe, "w"):
            pass
        os.unlink(probe)
    except OSError:
        from ..config import user_cache_dir

        os.environ["NUMBA_CACHE_DIR"] = str(user_cache_dir() / "numba")


_configure_cache()

from numba import njit, prange  # noqa: E402  (after the cache location is decided)

# numba's on-disk cache is invalidated only when *this* file changes, while the globals below are
# frozen into the compiled code: table sizes are therefore taken from the tables' shapes, and a
# change to Y_MAX, L_MAX or the FLAG_* values in curves.py must come with a touch of this file.
from .curves import (FLAG_CLARITY, FLAG_COLOR, FLAG_GRAIN, FLAG_SHARPEN,  # noqa: E402
                     FLAG_TONE, FLAG_VIGNETTE, L_MAX, Y_MAX)

_FLAGS_LIGHTNESS = FLAG_TONE | FLAG_CLARITY | FLAG_SHARPEN


@njit(cache=True, inline="always")
def _lerp(table, pos):
    """Linear interpolation in ``table`` at fractional index ``pos`` (clamped)."""
    n = table.shape[0] - 1
    if pos <= 0.0:
        return table[0]
    if pos >= n:
        return table[n]
    i = int(pos)
    f = pos - i
    return table[i] + (table[i + 1] - table[i]) * f


@njit(cache=True, inline="always")
def _tri(x, lo, peak, hi):
    if x <= lo or x >= hi:
        return 0.0
    if x < peak:
        return (x - lo) / (peak - lo)
    return (hi - x) / (hi - peak)


@njit(cache=True, inline="always")
def _noise(x, y, seed):
    """Deterministic approximately-normal noise (mean 0, sd 1) for one pixel."""
    h = (x * 0x8DA6B343 + y * 0xD8163841 + seed * 0xCB1AB31F + 0x9E3779B9) & 0xFFFFFFFF
    h = ((h ^ (h >> 16)) * 0x7FEB352D) & 0xFFFFFFFF
    h = ((h ^ (h >> 15)) * 0x846CA68B) & 0xFFFFFFFF
    h = h ^ (h >> 16)
    u1 = (h & 0xFFFF) / 65535.0
    u2 = (h >> 16) / 65535.0
    return (u1 + u2 - 1.0) * 2.449489742783178  # triangular, variance 1


@njit(cache=True, parallel=True, fastmath=True)
def lightness_map(src, decode, out):
    """U = sqrt(Y) of the input (a perceptual lightness close to Y ** (1/2.2), without a pow
    per pixel), stored as uint16; used by sharpening and clarity."""
    height, width = src.shape[0], src.shape[1]
    for y in prange(height):
        for x in range(width):
            lum = (0.2126 * decode[src[y, x, 0]] + 0.7152 * decode[src[y, x, 1]]
                   + 0.0722 * decode[src[y, x, 2]])
            lum = min(max(lum, 0.0), 1.0)
            out[y, x] = int(math.sqrt(lum) * 65535.0 + 0.5)


@njit(cache=True, parallel=True)
def block_mean(lmap, factor, out):
    """Box-downsample a uint16 lightness map by ``factor`` into float32 ``out`` (0..1)."""
    oh, ow = out.shape
    height, width = lmap.shape
    for by in prange(oh):
        y0 = by * factor
        y1 = min(y0 + factor, height)
        for bx in range(ow):
            x0 = bx * factor
            x1 = min(x0 + factor, width)
            total = 0.0
            for y in range(y0, y1):
                for x in range(x0, x1):
                    total += lmap[y, x]
            count = (y1 - y0) * (x1 - x0)
            out[by, bx] = total / (count * 65535.0) if count > 0 else 0.0


@njit(cache=True, parallel=True, fastmath=True)
def render_default(src, decode, gains, tone_L, l_to_y, encode, vignette, vig_dx2, vig_dy2,
                   coarse, coarse_x0, coarse_fx, coarse_step, lmap, clarity_gain, sharpen_gain, saturation, vibrance, clarity,
                   sharpen, grain, seed, flags, out, out_scale, out_offset):
    """The fused ``default``-profile pipeline (see curves.py for the math of each tool).

    ``src`` is uint8/uint16 H x W x >=3; ``out`` H x W x >=3 of any numeric dtype; the result is
    written as ``value * out_scale + out_offset`` (offset 0.5 rounds for integer outputs).
    """
    height, width = src.shape[0], src.shape[1]
    g0, g1, g2 = gains[0], gains[1], gains[2]
    tone_scale = float(tone_L.shape[0] - 1)
    l2y_scale = (l_to_y.shape[0] - 1) / L_MAX
    enc_scale = float(encode.shape[0] - 1)
    vig_scale = (vignette.shape[0] - 1) / 2.0
    inv_ymax = 1.0 / Y_MAX
    ch, cw = coarse.shape
    do_light = (flags & _FLAGS_LIGHTNESS) != 0
    do_clarity = (flags & FLAG_CLARITY) != 0
    do_sharpen = (flags & FLAG_SHARPEN) != 0
    do_color = (flags & FLAG_COLOR) != 0
    do_vignette = (flags & FLAG_VIGNETTE) != 0
    do_grain = (flags & FLAG_GRAIN) != 0
    for y in prange(height):
        cy = (y + 0.5) / coarse_step - 0.5
        if cy < 0.0:
            cy = 0.0
        cy0 = min(int(cy), ch - 1)
        cy1 = min(cy0 + 1, ch - 1)
        fy = cy - cy0
        if fy > 1.0:
            fy = 1.0
        ym = max(y - 1, 0)
        yp = min(y + 1, height - 1)
        for x in range(width):
            r = decode[src[y, x, 0]] * g0
            g = decode[src[y, x, 1]] * g1
            b = decode[src[y, x, 2]] * g2
            if do_light:
                lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
                if lum < 0.0:
                    lum = 0.0
                lt = _lerp(tone_L, math.sqrt(lum * inv_ymax) * tone_scale)
                if do_clarity:
                    cx0 = coarse_x0[x]
                    cx1 = min(cx0 + 1, cw - 1)
                    fx = coarse_fx[x]
                    top = coarse[cy0, cx0] + (coarse[cy0, cx1] - coarse[cy0, cx0]) * fx
                    bot = coarse[cy1, cx0] + (coarse[cy1, cx1] - coarse[cy1, cx0]) * fx
                    ub = (top + (bot - top) * fy) * clarity_gain
                    lb = _lerp(tone_L, ub * tone_scale)
                    mid = lt if lt < 1.0 else 1.0
                    weight = 0.35 + 2.6 * mid * (1.0 - mid)
                    lt = lt + clarity * (lt - lb) * weight
                if do_sharpen:
                    xm = max(x - 1, 0)
                    xp = min(x + 1, width - 1)
                    centre = float(lmap[y, x])
                    blur = (4.0 * centre
                            + 2.0 * (float(lmap[ym, x]) + float(lmap[yp, x])
                                     + float(lmap[y, xm]) + float(lmap[y, xp]))
                            + float(lmap[ym, xm]) + float(lmap[ym, xp]) + float(lmap[yp, xm])
                            + float(lmap[yp, xp])) / 16.0
                    lt = lt + sharpen * (centre - blur) * (1.0 / 65535.0) * sharpen_gain
                if lt < 0.0:
                    lt = 0.0
                ynew = _lerp(l_to_y, lt * l2y_scale)
                if lum > 1e-9:
                    k = ynew / lum
                    r *= k
                    g *= k
                    b *= k
                else:
                    r = ynew
                    g = ynew
                    b = ynew
            if do_color:
                lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
                mx = max(r, max(g, b))
                mn = min(r, min(g, b))
                s = (mx - mn) / mx if mx > 1e-9 else 0.0
                factor = saturation
                if vibrance > 0.0:
                    skin = 0.0
                    if r > g and g > b and r - b > 1e-9:
                        # skin tones: orange hues at moderate linear-light saturation
                        skin = _tri((g - b) / (r - b), 0.02, 0.3, 0.7) * _tri(s, 0.1, 0.55, 1.0)
                    factor *= 1.0 + 1.2 * vibrance * (1.0 - s) * (1.0 - s) * (1.0 - 0.85 * skin)
                elif vibrance < 0.0:
                    factor *= 1.0 + vibrance * (0.4 + 0.6 * (1.0 - s))
                if factor > 1.0 and mn < lum:
                    limit = lum / (lum - mn)
                    if factor > limit:
                        factor = limit
                r = lum + (r - lum) * factor
                g = lum + (g - lum) * factor
                b = lum + (b - lum) * factor
            if do_vignette:
                vg = _lerp(vignette, (vig_dx2[x] + vig_dy2[y]) * vig_scale)
                r *= vg
                g *= vg
                b *= vg
            r = min(max(r, 0.0), 1.0)
            g = min(max(g, 0.0), 1.0)
            b = min(max(b, 0.0), 1.0)
            er = _lerp(encode, math.sqrt(r) * enc_scale)
            eg = _lerp(encode, math.sqrt(g) * enc_scale)
            eb = _lerp(encode, math.sqrt(b) * enc_scale)
            if do_grain:
                ye = 0.2126 * er + 0.7152 * eg + 0.0722 * eb
                amp = grain * (0.25 + 3.0 * ye * (1.0 - ye)) * _noise(x, y, seed)
                er += amp
                eg += amp
                eb += amp
            out[y, x, 0] = min(max(er, 0.0), 1.0) * out_scale + out_offset
            out[y, x, 1] = min(max(eg, 0.0), 1.0) * out_scale + out_offset
            out[y, x, 2] = min(max(eb, 0.0), 1.0) * out_scale + out_offset
