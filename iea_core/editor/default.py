"""Driver for the ``default`` profile: prepares per-image maps and per-program tables, then runs
the fused kernel. Per-image work (lightness map, clarity map, vignette radii) is shared by every
program rendered on the same image, which is what makes :func:`render_batch` cheap."""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ..program import Program
from . import curves, logbins

CLARITY_SCALE = 1 / 40  # clarity blur sigma, as a fraction of the long side
COARSE_TARGET = 192  # long side of the downsampled lightness map used for clarity


@lru_cache(maxsize=None)
def _decode_table(kind: str) -> np.ndarray:
    return curves.decode_table_u8() if kind == "u8" else curves.decode_table_u16()


def box_sizes(sigma: float, passes: int = 3) -> list[int]:
    """Odd box widths whose ``passes`` successive box filters have a variance close to sigma^2
    (the standard construction: widths w and w + 2, as many of each as fits best)."""
    ideal = math.sqrt(12.0 * sigma * sigma / passes + 1.0)
    low = int(math.floor(ideal))
    if low % 2 == 0:
        low -= 1
    low = max(low, 1)
    high = low + 2
    count = round((12.0 * sigma * sigma - passes * low * low - 4 * passes * low - 3 * passes)
                  / (-4.0 * low - 4.0))
    count = min(max(count, 0), passes)
    return [low if i < count else high for i in range(passes)]


def _box_chain(image: np.ndarray, widths: list[int], axis: int) -> np.ndarray:
    """Successive box filters of odd ``widths`` along ``axis`` by running sums: the cost does not
    depend on the widths. The image is edge-replicated once by the total radius and each box
    keeps only its valid part, so the chain equals one filter of the edge-replicated original
    (as a Gaussian on the replicated image would be)."""
    total = sum(w // 2 for w in widths)
    pad = [(0, 0)] * image.ndim
    pad[axis] = (total, total)
    out = np.pad(image, pad, mode="edge")
    for width in widths:
        zero_shape = list(out.shape)
        zero_shape[axis] = 1
        sums = np.concatenate([np.zeros(zero_shape), np.cumsum(out, axis=axis)], axis=axis)
        n = out.shape[axis] - width + 1
        hi = np.take(sums, np.arange(width, width + n), axis=axis)
        lo = np.take(sums, np.arange(0, n), axis=axis)
        out = (hi - lo) / width
    return out


def gaussian_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur approximated by three box filters per axis (edge replication); the clarity
    map it blurs differs from the exact Gaussian's by well under 1 % (tests/editor)."""
    out = np.asarray(image, dtype=np.float64)
    widths = box_sizes(sigma)
    return _box_chain(_box_chain(out, widths, 1), widths, 0)


#: the clarity map reads every COARSE_STRIDE-th pixel of every COARSE_STRIDE-th row of a block
#: (at least 8 x 8 samples per block): the block means then feed a blur many blocks wide
COARSE_SAMPLES = 8


class ImageContext:
    """Per-image state: the integer source array and the lazily built clarity map."""

    def __init__(self, rgb: np.ndarray) -> None:
        from . import kernels

        self._kernels = kernels
        if rgb.dtype == np.uint8:
            self.src, self.decode = rgb, _decode_table("u8")
        elif rgb.dtype == np.uint16:
            self.src, self.decode = rgb, _decode_table("u16")
        else:  # float 0..1: quantise to 16 bits (no visible banding) and use the exact table
            self.src = np.empty(rgb.shape[:2] + (3,), dtype=np.uint16)
            np.multiply(np.clip(rgb[..., :3], 0.0, 1.0), 65535.0, out=self.src,
                        casting="unsafe")
            self.src += (rgb[..., :3] * 65535.0 - self.src >= 0.5)
            self.decode = _decode_table("u16")
        self.height, self.width = self.src.shape[:2]
        self._coarse: tuple[np.ndarray, np.ndarray, np.ndarray, float] | None = None
        long_side = max(self.height, self.width)
        cx, cy = (self.width - 1) / 2.0, (self.height - 1) / 2.0
        self.vig_dx2 = (((np.arange(self.width) - cx) / max(cx, 1.0)) ** 2 / 2.0
                        ).astype(np.float32)
        self.vig_dy2 = (((np.arange(self.height) - cy) / max(cy, 1.0)) ** 2 / 2.0
                        ).astype(np.float32)
        self.long_side = long_side

    def contiguous_rgb(self) -> np.ndarray:
        """The integer source as a C-contiguous H x W x 3 array (a copy only when it is a view,
        e.g. the colour of an RGBA photo)."""
        if not self.src.flags.c_contiguous or self.src.shape[2] != 3:
            self.src = np.ascontiguousarray(self.src[..., :3])
        return self.src

    def coarse_map(self, stride: int | None = None) -> tuple[np.ndarray, int]:
        """Block means of the input lightness U = sqrt(Y), and the block size in pixels."""
        factor = max(1, int(math.ceil(self.long_side / COARSE_TARGET)))
        if stride is None:
            stride = max(1, factor // COARSE_SAMPLES)
        small = np.empty((-(-self.height // factor), -(-self.width // factor)), dtype=np.float32)
        self._kernels.coarse_lightness(self.src, self.decode, factor, stride, small)
        return small, factor

    def coarse(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """Blurred lightness (as u = sqrt(Y / Y_MAX)) at low resolution, and its step in pixels."""
        if self._coarse is None:
            small, factor = self.coarse_map()
            sigma = max(0.8, self.long_side * CLARITY_SCALE / factor)
            blurred = gaussian_blur(small, sigma)
            # the map holds U = sqrt(Y); the kernel indexes its tone table by sqrt(Y / Y_MAX)
            u = blurred / math.sqrt(curves.Y_MAX)
            cx = np.clip((np.arange(self.width) + 0.5) / factor - 0.5, 0.0, None)
            x0 = np.minimum(cx.astype(np.int64), u.shape[1] - 1)
            fx = np.clip(cx - x0, 0.0, 1.0)
            self._coarse = (np.ascontiguousarray(u, dtype=np.float32), x0.astype(np.uint32),
                            fx.astype(np.float32), float(factor))
        return self._coarse


_EMPTY_COARSE = (np.zeros((1, 1), dtype=np.float32), np.zeros(1, dtype=np.uint32),
                 np.zeros(1, dtype=np.float32), 1.0)

# The kernel encodes linear light by reading this table, which saves a sqrt per channel over a
# table on sqrt(linear). With 65536 entries the nearest entry is within 1e-4 of the exact value
# (at the darkest tones; far less above) and the interpolated one within 1e-6.
DIRECT_ENCODE_SIZE = 65536
_PREPARED_CACHE_SIZE = 1024
# outputs whose precision the nearest table entry (within 1e-4) serves: 8-bit images, and float32
# renders that feed rewards and previews and must agree with the 8-bit render of the same program;
# 16-bit and float64 outputs interpolate
_NEAREST_ENCODE = (np.dtype(np.uint8), np.dtype(np.float32))
def _padded(table: np.ndarray) -> np.ndarray:
    """The table with its last entry repeated: the kernel interpolates without bounds checks."""
    table = np.asarray(table, dtype=np.float32)
    return np.append(table, table[-1])


@lru_cache(maxsize=64)
def _direct_encode_table(fade: int) -> np.ndarray:
    lin = np.arange(DIRECT_ENCODE_SIZE + 1, dtype=np.float64) / DIRECT_ENCODE_SIZE
    return _padded(curves.fade_curve(curves.linear_to_srgb(lin), fade))


@lru_cache(maxsize=64)
def _u8_encode_table(fade: int) -> np.ndarray:
    """The nearest float entry, already rounded to the byte an 8-bit output stores."""
    table = _direct_encode_table(fade)
    return (np.clip(table, 0.0, 1.0) * np.float32(255.0) + np.float32(0.5)).astype(np.uint8)


_L_TO_Y = _padded(curves._L_TO_Y)


# (shift, base) of the tone ratio's log bins, as the kernels take them (arguments, not frozen globals: numba's
# cache of kernels.py would not see a change to logbins.py)
_TONE_BINS = (logbins.TONE_BINS.shift, logbins.TONE_BINS.base)
_RATIO_Y = logbins.centres(logbins.TONE_BINS)
_RATIO_Y[0] = 2.0 ** logbins.TONE_BINS.lowest  # bin 0: the darkest values, below the range
# where each bin's Y falls in the tone table over u = sqrt(Y / Y_MAX): entry and fraction
_RATIO_POS = np.sqrt(np.minimum(_RATIO_Y, curves.Y_MAX) / curves.Y_MAX) * curves.TONE_LUT_SIZE
_RATIO_I0 = np.minimum(_RATIO_POS.astype(np.int64), curves.TONE_LUT_SIZE - 1)
_RATIO_F = _RATIO_POS - _RATIO_I0


def tone_ratio_table(tone_L: np.ndarray) -> tuple[np.ndarray, float]:
    """The tone curve T(L) (``tone_L``, over u = sqrt(Y / Y_MAX)) as a luminance ratio Y' / Y
    over logbins.TONE_BINS, and Y' of black. Y' is smooth in u, so reading it between entries is
    exact to float32; the ratio, which is not (a lifted black's grows as 1 / Y), is formed
    per bin."""
    y_of_u = tone_L.astype(np.float64) ** curves.GAMMA  # Y' = T(L) ** 2.2, smooth in u too
    low = y_of_u[_RATIO_I0]
    y_new = low + (y_of_u[_RATIO_I0 + 1] - low) * _RATIO_F
    black = float(y_of_u[0])
    return (y_new / _RATIO_Y).astype(np.float32), black


class PreparedTables:
    """What the kernel reads for one program: :class:`curves.PreparedProgram` plus the tone
    curve as a luminance ratio and the padded tables."""

    __slots__ = ("prep", "tone_ratio", "black_y", "tone_L", "vignette")

    def __init__(self, prep: curves.PreparedProgram) -> None:
        self.prep = prep
        if prep.flags & curves.FLAG_TONE:
            self.tone_ratio, self.black_y = tone_ratio_table(prep.tone_L)
        else:
            self.tone_ratio, self.black_y = _UNIT_RATIO, 0.0
        self.tone_L = _padded(prep.tone_L)
        self.vignette = _padded(prep.vignette)


_UNIT_RATIO = np.ones(1, dtype=np.float32)  # not read: tone is skipped without FLAG_TONE


_prepared: dict[tuple, PreparedTables] = {}


def _prepare(program: Program) -> PreparedTables:
    """:func:`curves.prepare`, memoised by tool values: batch renders, parameter searches and
    GRPO rollouts render the same programs again and again on many images."""
    key = tuple(sorted(program.values.items()))
    tables = _prepared.get(key)
    if tables is None:
        if len(_prepared) >= _PREPARED_CACHE_SIZE:
            _prepared.clear()
        tables = _prepared[key] = PreparedTables(curves.prepare(program))
    return tables


#: tools that act on each pixel alone (exposure, white balance and fade have no flag: they live in
#: the gains and the encoding table)
_POINTWISE_FLAGS = curves.FLAG_TONE | curves.FLAG_COLOR


def _pointwise_u8(ctx: ImageContext, flags: int, out: np.ndarray) -> bool:
    """Whether :func:`kernels.render_pointwise_u8` renders: 8-bit in and out, and no tool beyond
    the pointwise ones."""
    return (not flags & ~_POINTWISE_FLAGS and ctx.src.dtype == np.uint8
            and out.dtype == np.uint8)


def _render_pointwise_u8(ctx: ImageContext, tables: PreparedTables, fade: int,
                         out: np.ndarray, threads: bool) -> None:
    """The pointwise kernel on C-contiguous RGB: an RGBA photo's colour goes through a
    contiguous copy (so that it renders exactly as the same photo without alpha)."""
    src = ctx.contiguous_rgb()
    direct = out.shape == src.shape and out.flags.c_contiguous
    target = out if direct else np.empty(src.shape, dtype=np.uint8)
    kernel = (ctx._kernels.render_pointwise_u8 if threads
              else ctx._kernels.render_pointwise_u8_serial)
    kernel(
        src, tables.prep.gains, tables.tone_ratio, _TONE_BINS, tables.black_y,
        _u8_encode_table(fade), bool(tables.prep.flags & curves.FLAG_TONE),
        tables.prep.saturation, tables.prep.vibrance,
        bool(tables.prep.flags & curves.FLAG_COLOR), target)
    if not direct:
        out[..., :3] = target


def render_into(ctx: ImageContext, program: Program, out: np.ndarray, *, seed: int,
                out_scale: float, out_offset: float, threads: bool = True) -> None:
    """Render ``program`` on the image of ``ctx`` into ``out`` (H x W x >=3); with
    ``threads=False`` on the calling thread only, without holding the GIL."""
    tables = _prepare(program)
    prep = tables.prep
    flags = prep.flags
    coarse, coarse_x0, coarse_fx, step = _EMPTY_COARSE
    if flags & curves.FLAG_CLARITY:
        coarse, coarse_x0, coarse_fx, step = ctx.coarse()
    # lightness scales with the luminance gain of exposure (white balance keeps grey's luminance)
    light_gain_u = math.sqrt(float(2.0 ** (2.0 * program["exposure"] / 100.0)))
    fade = program["fade"]
    # the same kernel with or without threads: a batch's 8-bit renders equal render()'s
    if _pointwise_u8(ctx, flags, out):
        _render_pointwise_u8(ctx, tables, fade, out, threads)
        return
    out_u8 = out.dtype == np.uint8 and not flags & curves.FLAG_GRAIN
    kernel = ctx._kernels.render_default if threads else ctx._kernels.render_default_serial
    kernel(
        ctx.src, ctx.decode, prep.gains, tables.tone_ratio, _TONE_BINS, tables.black_y,
        tables.tone_L, _L_TO_Y, _direct_encode_table(fade), _u8_encode_table(fade), out_u8,
        out.dtype in _NEAREST_ENCODE, tables.vignette, program["vignette"] > 0,
        ctx.vig_dx2, ctx.vig_dy2, coarse, coarse_x0, coarse_fx, step,
        light_gain_u, light_gain_u,
        prep.saturation, prep.vibrance, prep.clarity, prep.sharpen, prep.grain,
        int(seed) & 0xFFFFFFFF, flags, out, out_scale, out_offset)


#: below this many pixels a batch renders one program per Python thread (serial kernels, the GIL
#: released) rather than splitting each small image over the numba thread pool
SMALL_IMAGE_PIXELS = 1 << 20


def render_programs(ctx: ImageContext, programs: list[Program], out: np.ndarray, *, seed: int,
                    out_scale: float, out_offset: float) -> None:
    """Render ``programs[i]`` into ``out[i]``. Small images go one program per worker thread."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    workers = min(len(programs), os.cpu_count() or 1)
    if ctx.height * ctx.width >= SMALL_IMAGE_PIXELS or workers < 2:
        for program, target in zip(programs, out):
            render_into(ctx, program, target, seed=seed, out_scale=out_scale,
                        out_offset=out_offset)
        return
    if any(_prepare(p).prep.flags & curves.FLAG_CLARITY for p in programs):
        ctx.coarse()  # built once, before the workers read it
    if out.dtype == np.uint8 and ctx.src.dtype == np.uint8:
        ctx.contiguous_rgb()  # likewise the pointwise kernel's source

    def work(index: int) -> None:
        for i in range(index, len(programs), workers):
            render_into(ctx, programs[i], out[i], seed=seed, out_scale=out_scale,
                        out_offset=out_offset, threads=False)

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(work, range(workers)))
