"""Fused numba kernels for the ``default`` profile.

One pass over the pixels does everything: decode to linear light, white balance and exposure
gains, the tone curve (one table read per pixel), clarity and sharpening, colour, vignette,
encoding with fade, and grain. Blocks of rows are processed in parallel; the only buffers are a
few rows per block (the lightness of three rows for sharpening, the clarity map's current row), so
a 24 MP render needs nothing beyond its output and a coarse map of at most 192 px.

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
# change to Y_MAX or the FLAG_* values in curves.py must come with a touch of this file.
from .curves import (FLAG_CLARITY, FLAG_COLOR, FLAG_GRAIN, FLAG_SHARPEN,  # noqa: E402
                     FLAG_TONE, FLAG_VIGNETTE, Y_MAX)

# float32 constants: numba types a float literal as float64, and one float64 operand promotes a
# whole expression (wider registers, slower division and sqrt); these keep the kernel in float32.
_F = np.float32
_0 = _F(0.0)
_1 = _F(1.0)
_KR, _KG, _KB = _F(0.2126), _F(0.7152), _F(0.0722)
_HALF = _F(0.5)
_TINY = _F(1e-9)
_ONE = np.uint32(1)
_I0 = np.int32(0)

#: rows per parallel block: the three lightness rows sharpening reads are computed once per row
#: plus two halo rows per block (2 / 32 = 6 % extra lightness work, no full-size map)
BLOCK_ROWS = 32


@njit(cache=True, inline="always")
def _lerp(table, pos):
    """Linear interpolation in ``table`` at ``0 <= pos <= len(table) - 2`` (tables repeat their
    last entry once, so the end still reads two entries); unsigned index: no wraparound check."""
    i = np.uint32(pos)
    f = pos - _F(i)
    a = table[i]
    return a + (table[i + _ONE] - a) * f


@njit(cache=True, inline="always")
def _lightness_row(src, decode, y, row):
    """U = sqrt(Y) of the input's row ``y`` (clamped to 0..1) into ``row[1:-1]``, its end pixels
    repeated once at each side: the perceptual lightness (close to Y ** (1/2.2), without a pow)
    that sharpening works on."""
    width = src.shape[1]
    for x in range(width):
        lum = (_KR * decode[src[y, x, 0]] + _KG * decode[src[y, x, 1]]
               + _KB * decode[src[y, x, 2]])
        row[x + 1] = math.sqrt(min(max(lum, _0), _1))
    row[0] = row[1]
    row[width + 1] = row[width]


@njit(cache=True, parallel=True, fastmath=True)
def coarse_lightness(src, decode, factor, stride, out):
    """Block means of U = sqrt(Y) over ``factor`` x ``factor`` blocks, read every ``stride``-th
    pixel of every ``stride``-th row (the map is then blurred by a Gaussian many blocks wide, so
    the subsampling is invisible; see docs/editor.md)."""
    oh, ow = out.shape
    height, width = src.shape[0], src.shape[1]
    for by in prange(oh):
        y0 = by * factor
        y1 = min(y0 + factor, height)
        for bx in range(ow):
            x0 = bx * factor
            x1 = min(x0 + factor, width)
            total = _0
            count = 0
            for y in range(y0, y1, stride):
                for x in range(x0, x1, stride):
                    lum = (_KR * decode[src[y, x, 0]] + _KG * decode[src[y, x, 1]]
                           + _KB * decode[src[y, x, 2]])
                    total += math.sqrt(min(max(lum, _0), _1))
                    count += 1
            out[by, bx] = total / _F(count) if count > 0 else _0


@njit(cache=True, inline="always")
def _tri32(x, lo, inv_rise, hi, inv_fall):
    """A triangle 0 at ``lo``, 1 at the peak, 0 at ``hi``, without branches (the two lines meet
    at the peak)."""
    return max(_0, min((x - lo) * inv_rise, (hi - x) * inv_fall))


@njit(cache=True, inline="always")
def _colour(r, g, b, sat, vib, vib_pos):
    """Saturation and vibrance of one linear-light pixel (curves.py has the math): the pixel
    moves away from (or towards) its luminance by one factor, which vibrance makes larger for
    dull colours and smaller for skin tones, capped so that no channel goes below 0."""
    lum = _KR * r + _KG * g + _KB * b
    mx = max(r, max(g, b))
    mn = min(r, min(g, b))
    s = (mx - mn) / max(mx, _TINY)
    # skin tones: orange hues (r > g > b) at moderate linear-light saturation
    hue = (g - b) / max(r - b, _TINY)
    skin = (_tri32(hue, _F(0.02), _F(1.0 / 0.28), _F(0.7), _F(1.0 / 0.4))
            * _tri32(s, _F(0.1), _F(1.0 / 0.45), _1, _F(1.0 / 0.45)))
    skin = skin if (r > g and g > b) else _0
    grow = _1 + vib_pos * (_1 - s) * (_1 - s) * (_1 - _F(0.85) * skin)
    shrink = _1 + vib * (_F(0.4) + _F(0.6) * (_1 - s))
    factor = sat * (grow if vib > _0 else shrink)
    # keep the smallest channel at or above 0: factor <= lum / (lum - mn)
    spread = max(lum - mn, _TINY)
    limit = lum / spread
    factor = min(factor, limit) if (factor > _1 and mn < lum) else factor
    return lum + (r - lum) * factor, lum + (g - lum) * factor, lum + (b - lum) * factor


@njit(cache=True, parallel=True, fastmath=True, error_model="numpy")
def render_default(src, decode, gains, tone_ratio, tone_bins, black_y, tone_L, l_to_y,
                   encode_lin, encode_u8, out_u8, encode_nearest, vignette,
                   vignette_add, vig_dx2, vig_dy2, coarse, coarse_x0, coarse_fx, coarse_step, clarity_gain, sharpen_gain, saturation,
                   vibrance, clarity, sharpen, grain, seed, flags, out, out_scale, out_offset):
    """The fused ``default``-profile pipeline (see curves.py for the math of each tool).

    ``src`` is uint8/uint16 H x W x >=3; ``out`` H x W x >=3 of any numeric dtype; the result is
    written as ``value * out_scale + out_offset`` (offset 0.5 rounds for integer outputs), or, with
    ``out_u8``, read straight from the 8-bit table ``encode_u8`` (no grain).

    Each row goes through short stages on row buffers (decode; tone or detail; colour; vignette;
    encoding and grain; store), each a loop without branches that the compiler turns into SIMD
    code with gathers for the table reads; the stages of unused tools are skipped.

    ``tone_ratio`` is the tone curve as a luminance *ratio* Y' / Y over log-spaced bins of Y
    (logbins.TONE_BINS, passed as ``tone_bins`` = (shift, base): the float's bits shifted, 0.1 to
    0.2 % of Y wide, as fine in the shadows as in the highlights), so a tone-only pixel costs one table read and three multiplies
    (hue kept); black, which has no hue, becomes grey at ``black_y``, the curve's new luminance
    for Y = 0. The other tables are float32 over u = sqrt(Y / Y_MAX), each repeating its last
    entry once: ``tone_L`` is T(L) and ``l_to_y`` L -> Y, used when clarity or sharpening changes
    the lightness between the two. ``encode_lin`` maps linear light to the encoded output (fade
    folded in), read at the nearest entry (``encode_nearest``: within 1e-4, for float32 outputs)
    or interpolated; ``encode_u8`` is that nearest entry already rounded to the byte an 8-bit
    output stores (so an 8-bit render is exactly the float32 render rounded), read for 8-bit
    outputs without grain.
    ``vignette`` maps r^2 / 2 to a gain, or with ``vignette_add`` to a lift added to linear light
    (lighter corners, darktable's way). ``coarse`` is the blurred lightness (as u) for clarity at
    ``coarse_step`` pixels per entry. All arithmetic is float32.
    """
    height, width = src.shape[0], src.shape[1]
    g0, g1, g2 = _F(gains[0]), _F(gains[1]), _F(gains[2])
    tone_scale = _F(tone_L.shape[0] - 2)
    # log-bin lookups (logbins.py): index = (float32 pattern >> shift) - base, clamped
    tone_shift, tone_base = np.int32(tone_bins[0]), np.int32(tone_bins[1])
    tone_top = np.int32(tone_ratio.shape[0] - 1)
    u8_scale = _F(encode_u8.shape[0] - 2)
    grey = _F(black_y)
    l2y_max = _F(l_to_y.shape[0] - 2)
    l2y_scale = l2y_max / _F(Y_MAX ** (1 / 2.2))
    lin_scale = _F(encode_lin.shape[0] - 2)
    vig_scale = _F((vignette.shape[0] - 2) / 2.0)
    inv_ymax = _F(1.0 / Y_MAX)
    ch, cw = coarse.shape
    step = _F(coarse_step)
    cl_gain = _F(clarity_gain) * tone_scale
    sat = _F(saturation)
    vib = _F(vibrance)
    vib_pos = _F(1.2 * vibrance)
    cla = _F(clarity)
    k_sharp = _F(sharpen * sharpen_gain / 16.0)
    grn = _F(grain)
    o_scale = _F(out_scale)
    o_off = _F(out_offset)
    noise_scale = _F(2.449489742783178 / 65535.0)
    noise_off = _F(2.449489742783178)
    do_tone = (flags & FLAG_TONE) != 0
    do_clarity = (flags & FLAG_CLARITY) != 0
    do_sharpen = (flags & FLAG_SHARPEN) != 0
    do_detail = do_clarity or do_sharpen
    do_color = (flags & FLAG_COLOR) != 0
    do_vignette = (flags & FLAG_VIGNETTE) != 0
    do_grain = (flags & FLAG_GRAIN) != 0
    seed_mix = (np.uint64(seed) * np.uint64(0xCB1AB31F) + np.uint64(0x9E3779B9)) & np.uint64(
        0xFFFFFFFF)
    n_blocks = (height + BLOCK_ROWS - 1) // BLOCK_ROWS
    for block in prange(n_blocks):
        y_start = block * BLOCK_ROWS
        y_end = min(y_start + BLOCK_ROWS, height)
        red = np.empty(width, np.float32)
        green = np.empty(width, np.float32)
        blue = np.empty(width, np.float32)
        red2 = np.empty(width, np.float32)
        green2 = np.empty(width, np.float32)
        blue2 = np.empty(width, np.float32)
        lum_row = np.empty(width, np.float32)
        lum_bits = lum_row.view(np.int32)
        ratio = np.empty(width, np.float32)
        light = np.empty(width, np.float32)
        light2 = np.empty(width, np.float32)
        encoded = np.empty(3 * width, np.float32)
        bytes_row = np.empty(3 * width if out_u8 else 1, np.uint8)
        # sharpening: lightness of rows y-1, y, y+1 with one replicated pixel at each end, and
        # their vertical binomial sums; clarity: the map's row at y through the curve (+1 entry)
        side = width + 2 if do_sharpen else 1
        l_prev = np.empty(side, np.float32)
        l_cur = np.empty(side, np.float32)
        l_next = np.empty(side, np.float32)
        vsum = np.empty(side, np.float32)
        crow = np.empty(cw + 1 if do_clarity else 1, np.float32)
        if do_sharpen:
            _lightness_row(src, decode, max(y_start - 1, 0), l_cur)
            _lightness_row(src, decode, y_start, l_next)
        for y in range(y_start, y_end):
            for x in range(width):
                red[x] = decode[src[y, x, 0]] * g0
                green[x] = decode[src[y, x, 1]] * g1
                blue[x] = decode[src[y, x, 2]] * g2
            if do_detail:
                if do_sharpen:
                    l_prev, l_cur, l_next = l_cur, l_next, l_prev
                    _lightness_row(src, decode, min(y + 1, height - 1), l_next)
                    for x in range(width + 2):
                        vsum[x] = l_prev[x] + _F(2.0) * l_cur[x] + l_next[x]
                if do_clarity:
                    cy = max((_F(y) + _HALF) / step - _HALF, _0)
                    cy0 = min(int(cy), ch - 1)
                    cy1 = min(cy0 + 1, ch - 1)
                    fy = min(cy - _F(cy0), _1)
                    for j in range(cw):
                        ub = (coarse[cy0, j] + (coarse[cy1, j] - coarse[cy0, j]) * fy) * cl_gain
                        crow[j] = _lerp(tone_L, min(ub, tone_scale))
                    crow[cw] = crow[cw - 1]
                for x in range(width):
                    lum = max(_KR * red[x] + _KG * green[x] + _KB * blue[x], _0)
                    lum_row[x] = lum
                    light[x] = _lerp(tone_L, min(math.sqrt(lum * inv_ymax) * tone_scale,
                                                 tone_scale))
                if do_clarity:
                    for x in range(width):
                        c0 = coarse_x0[x]
                        a = crow[c0]
                        lb = a + (crow[c0 + _ONE] - a) * coarse_fx[x]
                        lt = light[x]
                        mid = min(lt, _1)
                        light2[x] = lt + cla * (lt - lb) * (_F(0.35) + _F(2.6) * mid * (_1 - mid))
                    light, light2 = light2, light
                if do_sharpen:
                    for x in range(width):
                        blur = vsum[x] + _F(2.0) * vsum[x + 1] + vsum[x + 2]
                        light2[x] = light[x] + (_F(16.0) * l_cur[x + 1] - blur) * k_sharp
                    light, light2 = light2, light
                for x in range(width):
                    ynew = _lerp(l_to_y, min(max(light[x], _0) * l2y_scale, l2y_max))
                    lum = lum_row[x]
                    dark = lum <= _TINY
                    k = ynew / max(lum, _TINY)
                    red2[x] = ynew if dark else red[x] * k
                    green2[x] = ynew if dark else green[x] * k
                    blue2[x] = ynew if dark else blue[x] * k
                red, red2 = red2, red
                green, green2 = green2, green
                blue, blue2 = blue2, blue
            elif do_tone:  # tone alone: one table read of the luminance ratio
                for x in range(width):
                    lum_row[x] = _KR * red[x] + _KG * green[x] + _KB * blue[x]
                for x in range(width):
                    i = (lum_bits[x] >> tone_shift) - tone_base
                    ratio[x] = tone_ratio[min(max(i, _I0), tone_top)]
                for x in range(width):
                    k = ratio[x]
                    black = lum_row[x] <= _0
                    red2[x] = grey if black else red[x] * k
                    green2[x] = grey if black else green[x] * k
                    blue2[x] = grey if black else blue[x] * k
                red, red2 = red2, red
                green, green2 = green2, green
                blue, blue2 = blue2, blue
            if do_color:
                for x in range(width):
                    red2[x], green2[x], blue2[x] = _colour(red[x], green[x], blue[x], sat, vib,
                                                           vib_pos)
                red, red2 = red2, red
                green, green2 = green2, green
                blue, blue2 = blue2, blue
            if do_vignette:
                vy = vig_dy2[y]
                if vignette_add:
                    for x in range(width):
                        vg = _lerp(vignette, (vig_dx2[x] + vy) * vig_scale)
                        red2[x] = red[x] + vg
                        green2[x] = green[x] + vg
                        blue2[x] = blue[x] + vg
                else:
                    for x in range(width):
                        vg = _lerp(vignette, (vig_dx2[x] + vy) * vig_scale)
                        red2[x] = red[x] * vg
                        green2[x] = green[x] * vg
                        blue2[x] = blue[x] * vg
                red, red2 = red2, red
                green, green2 = green2, green
                blue, blue2 = blue2, blue
            if out_u8:  # 8-bit output without grain: the table holds the final byte
                for x in range(width):
                    bytes_row[3 * x] = encode_u8[np.uint32(
                        min(max(red[x], _0), _1) * u8_scale + _HALF)]
                    bytes_row[3 * x + 1] = encode_u8[np.uint32(
                        min(max(green[x], _0), _1) * u8_scale + _HALF)]
                    bytes_row[3 * x + 2] = encode_u8[np.uint32(
                        min(max(blue[x], _0), _1) * u8_scale + _HALF)]
                for x in range(width):
                    out[y, x, 0] = bytes_row[3 * x]
                    out[y, x, 1] = bytes_row[3 * x + 1]
                    out[y, x, 2] = bytes_row[3 * x + 2]
                continue
            if encode_nearest:
                for x in range(width):
                    encoded[3 * x] = encode_lin[np.uint32(
                        min(max(red[x], _0), _1) * lin_scale + _HALF)]
                    encoded[3 * x + 1] = encode_lin[np.uint32(
                        min(max(green[x], _0), _1) * lin_scale + _HALF)]
                    encoded[3 * x + 2] = encode_lin[np.uint32(
                        min(max(blue[x], _0), _1) * lin_scale + _HALF)]
            else:
                for x in range(width):
                    encoded[3 * x] = _lerp(encode_lin, min(max(red[x], _0), _1) * lin_scale)
                    encoded[3 * x + 1] = _lerp(encode_lin,
                                               min(max(green[x], _0), _1) * lin_scale)
                    encoded[3 * x + 2] = _lerp(encode_lin,
                                               min(max(blue[x], _0), _1) * lin_scale)
            if do_grain:
                row_mix = (np.uint64(y) * np.uint64(0xD8163841) + seed_mix) & np.uint64(
                    0xFFFFFFFF)
                for x in range(width):
                    er = encoded[3 * x]
                    eg = encoded[3 * x + 1]
                    eb = encoded[3 * x + 2]
                    ye = _KR * er + _KG * eg + _KB * eb
                    h = (np.uint64(x) * np.uint64(0x8DA6B343) + row_mix) & np.uint64(0xFFFFFFFF)
                    h = ((h ^ (h >> np.uint64(16))) * np.uint64(0x7FEB352D)) & np.uint64(
                        0xFFFFFFFF)
                    h = ((h ^ (h >> np.uint64(15))) * np.uint64(0x846CA68B)) & np.uint64(
                        0xFFFFFFFF)
                    h = h ^ (h >> np.uint64(16))
                    # deterministic, approximately normal noise per pixel and seed: the sum of
                    # two uniform 16-bit halves of a hash, centred (triangular, variance 1)
                    noise = (_F((h & np.uint64(0xFFFF)) + (h >> np.uint64(16))) * noise_scale
                             - noise_off)
                    amp = grn * (_F(0.25) + _F(3.0) * ye * (_1 - ye)) * noise
                    encoded[3 * x] = er + amp
                    encoded[3 * x + 1] = eg + amp
                    encoded[3 * x + 2] = eb + amp
            for x in range(width):
                out[y, x, 0] = min(max(encoded[3 * x], _0), _1) * o_scale + o_off
                out[y, x, 1] = min(max(encoded[3 * x + 1], _0), _1) * o_scale + o_off
                out[y, x, 2] = min(max(encoded[3 * x + 2], _0), _1) * o_scale + o_off


def _srgb_decode_polynomial() -> tuple:
    """float32 coefficients (constant term first) of a degree-7 polynomial for the sRGB curve
    ((x + 0.055) / 1.055) ** 2.4 on [0.04045, 1]: within 6e-6 of it, far below what an 8-bit
    output resolves, and a few multiply-adds that run 16 lanes wide where a table read would
    run one value at a time."""
    x = np.linspace(0.04045, 1.0, 4001)
    fit = np.polynomial.chebyshev.Chebyshev.fit(x, ((x + 0.055) / 1.055) ** 2.4, 7)
    return tuple(_F(c) for c in fit.convert(kind=np.polynomial.Polynomial).coef)


_D0, _D1, _D2, _D3, _D4, _D5, _D6, _D7 = _srgb_decode_polynomial()
_INV255 = _F(1.0 / 255.0)


@njit(cache=True, inline="always")
def _encode_index(value, scale):
    """Index of the byte table entry nearest a linear value (clamped to the table)."""
    return np.uint16(min(max(value, _0) * scale + _HALF, _F(65535.0)))


@njit(cache=True, parallel=True, fastmath=True, error_model="numpy")
def render_pointwise_u8(src, gains, tone_ratio, tone_bins, black_y, encode_u8, do_tone,
                        saturation, vibrance, do_color, out):
    """The ``default`` profile for 8-bit RGB in and out when every tool used acts on each pixel
    alone: exposure, white balance, the tone tools, saturation and vibrance, fade (folded into
    ``encode_u8``). The same math and tables as :func:`render_default`, laid out for speed:
    rows stay interleaved (R, G, B, R, ...; no split into planes), sRGB is decoded by a
    polynomial instead of a table, and every stage but the two table reads (the tone ratio per
    pixel, the output byte per value) is a branch-free loop the compiler vectorises. ``src`` and
    ``out`` are C-contiguous H x W x 3 uint8."""
    height, width = src.shape[0], src.shape[1]
    rows_in = src.reshape(height, 3 * width)
    rows_out = out.reshape(height, 3 * width)
    g0, g1, g2 = _F(gains[0]), _F(gains[1]), _F(gains[2])
    w0, w1, w2 = _KR * g0, _KG * g1, _KB * g2
    # the bins' shift and subtraction done in float32, 16 lanes wide (numba widens int32
    # arithmetic to int64, which halves the lanes); the pattern's rounding to float32 moves it
    # by under 1 % of a bin
    tone_step = _F(2.0 ** -tone_bins[0])
    tone_first = _F(tone_bins[1])
    tone_last = _F(tone_ratio.shape[0] - 1)
    enc_scale = _F(encode_u8.shape[0] - 2)
    grey = _F(black_y)
    sat = _F(saturation)
    vib = _F(vibrance)
    vib_pos = _F(1.2 * vibrance)
    knee = _F(0.04045)
    linear_slope = _F(1.0 / 12.92)
    n = 3 * width
    n_blocks = (height + BLOCK_ROWS - 1) // BLOCK_ROWS
    for block in prange(n_blocks):
        linear = np.empty(n, np.float32)
        # table indices as uint16 (the tone table has under 65,536 entries, the byte table's last
        # entry is never read): a narrow buffer
        # between the vectorised index loop and the serial reads measured 15 % faster overall
        idx16 = np.empty(n, np.uint16)
        tidx = np.empty(width, np.uint16)
        lum = np.empty(width, np.float32)
        lum_bits = lum.view(np.int32)
        ratio = np.empty(width, np.float32)
        # whole rows per stage: loops over runs of a row (to keep the buffers in the L1 cache)
        # measured twice as slow, the compiler no longer vectorising them
        for y in range(block * BLOCK_ROWS, min((block + 1) * BLOCK_ROWS, height)):
            row_in = rows_in[y]
            row_out = rows_out[y]
            for i in range(n):
                v = _F(row_in[i]) * _INV255
                p = ((((((_D7 * v + _D6) * v + _D5) * v + _D4) * v + _D3) * v + _D2) * v
                     + _D1) * v + _D0
                linear[i] = p if v > knee else v * linear_slope
            for x in range(width):
                lum[x] = w0 * linear[3 * x] + w1 * linear[3 * x + 1] + w2 * linear[3 * x + 2]
            if do_tone:
                # index, then read: the first loop runs vectorised, only the reads are serial
                for x in range(width):
                    tidx[x] = np.uint16(min(max(_F(lum_bits[x]) * tone_step - tone_first,
                                                _0), tone_last))
                for x in range(width):
                    ratio[x] = tone_ratio[tidx[x]]
            else:
                for x in range(width):
                    ratio[x] = _1
                    tidx[x] = 1
            # scale, then the nearest of the 65,537 byte entries (the last one, 1.0, read as its
            # neighbour), in one loop: a float buffer between the two measured 6 % slower
            if do_color:
                for x in range(width):
                    k = ratio[x]
                    a = grey if tidx[x] == 0 else _0
                    r, g, b = _colour(linear[3 * x] * (g0 * k) + a,
                                      linear[3 * x + 1] * (g1 * k) + a,
                                      linear[3 * x + 2] * (g2 * k) + a, sat, vib, vib_pos)
                    idx16[3 * x] = _encode_index(r, enc_scale)
                    idx16[3 * x + 1] = _encode_index(g, enc_scale)
                    idx16[3 * x + 2] = _encode_index(b, enc_scale)
            else:
                for x in range(width):
                    k = ratio[x]
                    # black has no hue: it becomes grey at the new luminance (added, so the
                    # loop stays free of branches); an 8-bit black is alone in bin 0
                    a = grey if tidx[x] == 0 else _0
                    idx16[3 * x] = _encode_index(linear[3 * x] * (g0 * k) + a, enc_scale)
                    idx16[3 * x + 1] = _encode_index(linear[3 * x + 1] * (g1 * k) + a,
                                                     enc_scale)
                    idx16[3 * x + 2] = _encode_index(linear[3 * x + 2] * (g2 * k) + a,
                                                     enc_scale)
            for i in range(n):
                row_out[i] = encode_u8[idx16[i]]


def _serial_twin(dispatcher, name: str):
    """The same kernel compiled without threads and releasing the GIL, under its own name (so
    numba caches it apart): small images rendered many at a time (render_batch) run one program
    per Python thread instead of waking the thread pool for every few thousand pixels."""
    import types

    source = dispatcher.py_func
    twin = types.FunctionType(source.__code__, source.__globals__, name, source.__defaults__,
                              source.__closure__)
    twin.__qualname__ = name
    twin.__doc__ = source.__doc__
    return njit(cache=True, fastmath=True, nogil=True, error_model="numpy")(twin)


render_default_serial = _serial_twin(render_default, "render_default_serial")
render_pointwise_u8_serial = _serial_twin(render_pointwise_u8, "render_pointwise_u8_serial")
