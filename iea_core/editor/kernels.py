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


# float32 constants: numba types a float literal as float64, and one float64 operand promotes a
# whole expression (wider registers, slower division and sqrt); these keep the kernel in float32.
_F = np.float32
_0 = _F(0.0)
_1 = _F(1.0)
_KR, _KG, _KB = _F(0.2126), _F(0.7152), _F(0.0722)
_HALF = _F(0.5)
_TINY = _F(1e-9)
_ONE_U = np.uint64(1)


@njit(cache=True, parallel=True, fastmath=True)
def lightness_map(src, decode, out):
    """U = sqrt(Y) of the input (a perceptual lightness close to Y ** (1/2.2), without a pow
    per pixel), stored as uint16; used by sharpening and clarity."""
    height, width = src.shape[0], src.shape[1]
    for y in prange(height):
        for x in range(width):
            lum = (_KR * decode[src[y, x, 0]] + _KG * decode[src[y, x, 1]]
                   + _KB * decode[src[y, x, 2]])
            lum = min(max(lum, _0), _1)
            out[y, x] = np.uint16(math.sqrt(lum) * _F(65535.0) + _HALF)


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


@njit(cache=True, inline="always")
def _lerp32(table, pos):
    """Linear interpolation in ``table`` at fractional index ``pos`` (clamped), in float32."""
    n = table.shape[0] - 1
    if pos <= _0:
        return table[0]
    if pos >= n:
        return table[n]
    i = np.uint64(pos)  # unsigned: no negative-index wraparound check per read
    f = pos - _F(i)
    return table[i] + (table[i + _ONE_U] - table[i]) * f


@njit(cache=True, inline="always")
def _lerp_padded(table, pos):
    """:func:`_lerp32` without the clamps, for 0 <= pos <= len(table) - 2 (the table repeats its
    last entry once, so ``pos`` at the end still reads two entries)."""
    i = np.uint64(pos)  # unsigned: no negative-index wraparound check per read
    f = pos - _F(i)
    return table[i] + (table[i + _ONE_U] - table[i]) * f


@njit(cache=True, inline="always")
def _tri32(x, lo, peak, hi, inv_rise, inv_fall):
    if x <= lo or x >= hi:
        return _0
    if x < peak:
        return (x - lo) * inv_rise
    return (hi - x) * inv_fall


@njit(cache=True, parallel=True, fastmath=True, error_model="numpy")
def render_default(src, decode, gains, tone_L, tone_Y, l_to_y, encode_lin, encode_nearest,
                   vignette, vig_dx2, vig_dy2, coarse, coarse_x0, coarse_fx, coarse_step, lmap,
                   clarity_gain, sharpen_gain, saturation, vibrance, clarity, sharpen, grain, seed,
                   flags, out, out_scale, out_offset):
    """The fused ``default``-profile pipeline (see curves.py for the math of each tool).

    ``src`` is uint8/uint16 H x W x >=3; ``out`` H x W x >=3 of any numeric dtype; the result is
    written as ``value * out_scale + out_offset`` (offset 0.5 rounds for integer outputs).
    ``tone_Y`` is the tone curve as new luminance on the grid of ``tone_L`` (T(L) ** 2.2), used
    when neither clarity nor sharpening changes the lightness between the two tables.
    ``encode_lin`` maps linear light directly to the encoded output (interpolated; no sqrt per
    channel; its last entry repeated once, see :func:`_lerp_padded`), or, with
    ``encode_nearest``, reads its nearest entry: about 20 % faster for the whole kernel, within
    1e-4 of the interpolated value (0.03 of an 8-bit level, at the darkest tones; far less above),
    which is what 8-bit and float32 outputs get. All arithmetic is float32.
    """
    height, width = src.shape[0], src.shape[1]
    g0, g1, g2 = _F(gains[0]), _F(gains[1]), _F(gains[2])
    tone_scale = _F(tone_L.shape[0] - 1)
    l2y_scale = _F((l_to_y.shape[0] - 1) / L_MAX)
    lin_scale = _F(encode_lin.shape[0] - 2)
    vig_scale = _F((vignette.shape[0] - 1) / 2.0)
    inv_ymax = _F(1.0 / Y_MAX)
    ch, cw = coarse.shape
    step = _F(coarse_step)
    cl_gain = _F(clarity_gain)
    sat = _F(saturation)
    vib = _F(vibrance)
    vib_pos = _F(1.2 * vibrance)
    cla = _F(clarity)
    # (16 c - sum of the 3x3 binomial weights) / 16 / 65535 * amount, on integer sums
    k_sharp = _F(sharpen * sharpen_gain / (16.0 * 65535.0))
    grn = _F(grain)
    o_scale = _F(out_scale)
    o_off = _F(out_offset)
    noise_scale = _F(2.449489742783178 / 65535.0)
    noise_off = _F(2.449489742783178)
    do_light = (flags & _FLAGS_LIGHTNESS) != 0
    do_clarity = (flags & FLAG_CLARITY) != 0
    do_sharpen = (flags & FLAG_SHARPEN) != 0
    do_detail = do_clarity or do_sharpen
    do_color = (flags & FLAG_COLOR) != 0
    do_vignette = (flags & FLAG_VIGNETTE) != 0
    do_grain = (flags & FLAG_GRAIN) != 0
    for y in prange(height):
        cy = (_F(y) + _HALF) / step - _HALF
        if cy < _0:
            cy = _0
        cy0 = min(int(cy), ch - 1)
        cy1 = min(cy0 + 1, ch - 1)
        fy = cy - _F(cy0)
        if fy > _1:
            fy = _1
        ym = max(y - 1, 0)
        yp = min(y + 1, height - 1)
        vy = vig_dy2[y]
        for x in range(width):
            r = decode[src[y, x, 0]] * g0
            g = decode[src[y, x, 1]] * g1
            b = decode[src[y, x, 2]] * g2
            if do_light:
                lum = _KR * r + _KG * g + _KB * b
                if lum < _0:
                    lum = _0
                upos = math.sqrt(lum * inv_ymax) * tone_scale
                if do_detail:
                    lt = _lerp32(tone_L, upos)
                    if do_clarity:
                        cx0 = coarse_x0[x]
                        cx1 = min(cx0 + 1, cw - 1)
                        fx = coarse_fx[x]
                        top = coarse[cy0, cx0] + (coarse[cy0, cx1] - coarse[cy0, cx0]) * fx
                        bot = coarse[cy1, cx0] + (coarse[cy1, cx1] - coarse[cy1, cx0]) * fx
                        ub = (top + (bot - top) * fy) * cl_gain
                        lb = _lerp32(tone_L, ub * tone_scale)
                        mid = lt if lt < _1 else _1
                        weight = _F(0.35) + _F(2.6) * mid * (_1 - mid)
                        lt = lt + cla * (lt - lb) * weight
                    if do_sharpen:
                        xm = max(x - 1, 0)
                        xp = min(x + 1, width - 1)
                        centre = np.int32(lmap[y, x])
                        total = (4 * centre
                                 + 2 * (np.int32(lmap[ym, x]) + np.int32(lmap[yp, x])
                                        + np.int32(lmap[y, xm]) + np.int32(lmap[y, xp]))
                                 + np.int32(lmap[ym, xm]) + np.int32(lmap[ym, xp])
                                 + np.int32(lmap[yp, xm]) + np.int32(lmap[yp, xp]))
                        lt = lt + _F(16 * centre - total) * k_sharp
                    if lt < _0:
                        lt = _0
                    ynew = _lerp32(l_to_y, lt * l2y_scale)
                else:  # tone alone: one table straight to the new luminance
                    ynew = _lerp32(tone_Y, upos)
                if lum > _TINY:
                    k = ynew / lum
                    r *= k
                    g *= k
                    b *= k
                else:
                    r = ynew
                    g = ynew
                    b = ynew
            if do_color:
                lum = _KR * r + _KG * g + _KB * b
                mx = max(r, max(g, b))
                mn = min(r, min(g, b))
                s = (mx - mn) / mx if mx > _TINY else _0
                factor = sat
                if vib > _0:
                    skin = _0
                    if r > g and g > b and r - b > _TINY:
                        # skin tones: orange hues at moderate linear-light saturation
                        skin = (_tri32((g - b) / (r - b), _F(0.02), _F(0.3), _F(0.7),
                                       _F(1.0 / 0.28), _F(1.0 / 0.4))
                                * _tri32(s, _F(0.1), _F(0.55), _1, _F(1.0 / 0.45),
                                         _F(1.0 / 0.45)))
                    factor *= _1 + vib_pos * (_1 - s) * (_1 - s) * (_1 - _F(0.85) * skin)
                elif vib < _0:
                    factor *= _1 + vib * (_F(0.4) + _F(0.6) * (_1 - s))
                # keep the smallest channel at or above 0: factor <= lum / (lum - mn), tested
                # without the division, which only clipping pixels then pay
                if factor > _1 and mn < lum and factor * (lum - mn) > lum:
                    factor = lum / (lum - mn)
                r = lum + (r - lum) * factor
                g = lum + (g - lum) * factor
                b = lum + (b - lum) * factor
            if do_vignette:
                vg = _lerp32(vignette, (vig_dx2[x] + vy) * vig_scale)
                r *= vg
                g *= vg
                b *= vg
            r = min(max(r, _0), _1)
            g = min(max(g, _0), _1)
            b = min(max(b, _0), _1)
            if encode_nearest:
                er = encode_lin[np.uint64(r * lin_scale + _HALF)]
                eg = encode_lin[np.uint64(g * lin_scale + _HALF)]
                eb = encode_lin[np.uint64(b * lin_scale + _HALF)]
            else:
                er = _lerp_padded(encode_lin, r * lin_scale)
                eg = _lerp_padded(encode_lin, g * lin_scale)
                eb = _lerp_padded(encode_lin, b * lin_scale)
            if do_grain:
                ye = _KR * er + _KG * eg + _KB * eb
                h = (x * 0x8DA6B343 + y * 0xD8163841 + seed * 0xCB1AB31F + 0x9E3779B9) & 0xFFFFFFFF
                h = ((h ^ (h >> 16)) * 0x7FEB352D) & 0xFFFFFFFF
                h = ((h ^ (h >> 15)) * 0x846CA68B) & 0xFFFFFFFF
                h = h ^ (h >> 16)
                # deterministic, approximately normal noise per pixel and seed: the sum of two
                # uniform 16-bit halves of a hash, centred (triangular, mean 0, variance 1)
                noise = _F((h & 0xFFFF) + (h >> 16)) * noise_scale - noise_off
                amp = grn * (_F(0.25) + _F(3.0) * ye * (_1 - ye)) * noise
                er += amp
                eg += amp
                eb += amp
            out[y, x, 0] = min(max(er, _0), _1) * o_scale + o_off
            out[y, x, 1] = min(max(eg, _0), _1) * o_scale + o_off
            out[y, x, 2] = min(max(eb, _0), _1) * o_scale + o_off
