"""Driver for the ``default`` profile: prepares per-image maps and per-program tables, then runs
the fused kernel. Per-image work (lightness map, clarity map, vignette radii) is shared by every
program rendered on the same image, which is what makes :func:`render_batch` cheap."""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ..program import Program
from . import curves

CLARITY_SCALE = 1 / 40  # clarity blur sigma, as a fraction of the long side
COARSE_TARGET = 192  # long side of the downsampled lightness map used for clarity


@lru_cache(maxsize=None)
def _decode_table(kind: str) -> np.ndarray:
    return curves.decode_table_u8() if kind == "u8" else curves.decode_table_u16()


def _gaussian_kernel(sigma: float) -> np.ndarray:
    radius = max(1, int(math.ceil(3 * sigma)))
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    k = np.exp(-0.5 * (x / sigma) ** 2)
    return k / k.sum()


def _blur_small(image: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian blur with edge replication, for the small clarity map."""
    k = _gaussian_kernel(sigma)
    r = len(k) // 2
    padded = np.pad(image, ((0, 0), (r, r)), mode="edge")
    rows = sum(k[i] * padded[:, i:i + image.shape[1]] for i in range(len(k)))
    padded = np.pad(rows, ((r, r), (0, 0)), mode="edge")
    return sum(k[i] * padded[i:i + image.shape[0], :] for i in range(len(k)))


class ImageContext:
    """Per-image state: the integer source array and lazily built maps."""

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
        self._lmap: np.ndarray | None = None
        self._coarse: tuple[np.ndarray, float] | None = None
        long_side = max(self.height, self.width)
        cx, cy = (self.width - 1) / 2.0, (self.height - 1) / 2.0
        self.vig_dx2 = (((np.arange(self.width) - cx) / max(cx, 1.0)) ** 2 / 2.0
                        ).astype(np.float32)
        self.vig_dy2 = (((np.arange(self.height) - cy) / max(cy, 1.0)) ** 2 / 2.0
                        ).astype(np.float32)
        self.long_side = long_side

    @property
    def lmap(self) -> np.ndarray:
        if self._lmap is None:
            self._lmap = np.empty((self.height, self.width), dtype=np.uint16)
            self._kernels.lightness_map(self.src, self.decode, self._lmap)
        return self._lmap

    def coarse(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """Blurred lightness (as u = sqrt(Y / Y_MAX)) at low resolution, and its step in pixels."""
        if self._coarse is None:
            factor = max(1, int(math.ceil(self.long_side / COARSE_TARGET)))
            small = np.empty((-(-self.height // factor), -(-self.width // factor)),
                             dtype=np.float32)
            self._kernels.block_mean(self.lmap, factor, small)
            sigma = max(0.8, self.long_side * CLARITY_SCALE / factor)
            blurred = _blur_small(small.astype(np.float64), sigma)
            # the map holds U = sqrt(Y); the kernel indexes its tone table by sqrt(Y / Y_MAX)
            u = blurred / math.sqrt(curves.Y_MAX)
            cx = np.clip((np.arange(self.width) + 0.5) / factor - 0.5, 0.0, None)
            x0 = np.minimum(cx.astype(np.int64), u.shape[1] - 1)
            fx = np.clip(cx - x0, 0.0, 1.0)
            self._coarse = (u.astype(np.float32), x0, fx.astype(np.float32), float(factor))
        return self._coarse


_EMPTY_COARSE = (np.zeros((1, 1), dtype=np.float32), np.zeros(1, dtype=np.int64),
                 np.zeros(1, dtype=np.float32), 1.0)
_EMPTY_LMAP = np.zeros((1, 1), dtype=np.uint16)

# The kernel encodes linear light by interpolating in this table, which saves a sqrt per channel
# over the table on sqrt(linear) in curves.prepare. With 65536 entries (256 KiB, cache-resident)
# the interpolation error is below 1e-6 everywhere (sRGB's toe and power segment meet with almost
# equal slopes, so the kink costs nothing).
DIRECT_ENCODE_SIZE = 65536
_PREPARED_CACHE_SIZE = 1024
# outputs whose precision the nearest table entry (within 1e-4) serves: 8-bit images, and float32
# renders that feed rewards and previews and must agree with the 8-bit render of the same program;
# 16-bit and float64 outputs interpolate
_NEAREST_ENCODE = (np.dtype(np.uint8), np.dtype(np.float32))


@lru_cache(maxsize=64)
def _direct_encode_table(fade: int) -> np.ndarray:
    lin = np.arange(DIRECT_ENCODE_SIZE + 1, dtype=np.float64) / DIRECT_ENCODE_SIZE
    table = curves.fade_curve(curves.linear_to_srgb(lin), fade).astype(np.float32)
    return np.append(table, table[-1])  # the kernel interpolates without a bounds check


_prepared: dict[tuple, tuple[curves.PreparedProgram, np.ndarray]] = {}


def _prepare(program: Program) -> tuple[curves.PreparedProgram, np.ndarray]:
    """:func:`curves.prepare`, memoised by tool values: batch renders, parameter searches and
    GRPO rollouts render the same programs again and again on many images."""
    key = tuple(sorted(program.values.items()))
    prep = _prepared.get(key)
    if prep is None:
        if len(_prepared) >= _PREPARED_CACHE_SIZE:
            _prepared.clear()
        prepared = curves.prepare(program)
        # the tone curve as new luminance on the same grid: without clarity and sharpening the
        # kernel reads it directly instead of T(L) followed by the L -> Y table
        tone_y = (prepared.tone_L.astype(np.float64) ** curves.GAMMA).astype(np.float32)
        prep = _prepared[key] = (prepared, tone_y)
    return prep


def render_into(ctx: ImageContext, program: Program, out: np.ndarray, *, seed: int,
                out_scale: float, out_offset: float) -> None:
    """Render ``program`` on the image of ``ctx`` into ``out`` (H x W x >=3)."""
    prep, tone_y = _prepare(program)
    flags = prep.flags
    coarse, coarse_x0, coarse_fx, step = _EMPTY_COARSE
    if flags & curves.FLAG_CLARITY:
        coarse, coarse_x0, coarse_fx, step = ctx.coarse()
    lmap = ctx.lmap if flags & (curves.FLAG_SHARPEN | curves.FLAG_CLARITY) else _EMPTY_LMAP
    # lightness scales with the luminance gain of exposure (white balance keeps grey's luminance)
    light_gain = float(2.0 ** (2.0 * program["exposure"] / 100.0))
    light_gain_u = math.sqrt(light_gain)  # both maps hold sqrt(Y)
    ctx._kernels.render_default(
        ctx.src, ctx.decode, prep.gains, prep.tone_L, tone_y, prep.l_to_y,
        _direct_encode_table(program["fade"]), out.dtype in _NEAREST_ENCODE, prep.vignette,
        ctx.vig_dx2, ctx.vig_dy2, coarse, coarse_x0, coarse_fx, step, lmap,
        light_gain_u, light_gain_u,
        prep.saturation, prep.vibrance, prep.clarity, prep.sharpen, prep.grain,
        int(seed) & 0xFFFFFFFF, flags, out, out_scale, out_offset)
