"""Array conventions shared by every profile, the same as matplotlib's ``imshow``.

* shape H x W x 3 (RGB) or H x W x 4 (RGBA: alpha is passed through untouched);
* ``uint8`` 0-255, ``uint16`` 0-65535, or floating point (``float32``/``float64``) in 0..1;
* the output has the input's dtype and range.

Anything else is refused with :class:`~iea_core.errors.ArrayConventionError` naming the problem,
rather than guessed at: a float image with values up to 255 is almost always 0-255 data that
forgot a ``/ 255``, and silently clipping it would turn the photo white.
"""
from __future__ import annotations

import numpy as np

from ..errors import ArrayConventionError

#: floats may overshoot 1 by this much (resampling ringing, earlier float edits) and are clipped
FLOAT_TOLERANCE = 1e-3


def check_image(image: object) -> np.ndarray:
    """Validate ``image`` against the conventions and return it as an ndarray (no copy)."""
    if not isinstance(image, np.ndarray):
        raise ArrayConventionError(
            f"expected a numpy array (H x W x 3), got {type(image).__name__}")
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ArrayConventionError(
            f"expected an H x W x 3 (RGB) or H x W x 4 (RGBA) array, got shape {image.shape}")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ArrayConventionError(f"image is empty (shape {image.shape})")
    dtype = image.dtype
    if dtype in (np.uint8, np.uint16):
        return image
    if dtype in (np.float32, np.float64):
        rgb = image[..., :3]
        low, high = float(np.min(rgb)), float(np.max(rgb))
        if not (np.isfinite(low) and np.isfinite(high)):
            raise ArrayConventionError("image contains NaN or infinite values")
        if high > 1.0 + FLOAT_TOLERANCE:
            hint = " (looks like 0-255 data: divide by 255 or pass uint8)" if high > 1.5 else ""
            raise ArrayConventionError(
                f"float image values must lie in 0..1, found a maximum of {high:.4g}{hint}")
        if low < -FLOAT_TOLERANCE:
            raise ArrayConventionError(
                f"float image values must lie in 0..1, found a minimum of {low:.4g}")
        return image
    raise ArrayConventionError(
        f"unsupported dtype {dtype}: use uint8 (0-255), uint16 (0-65535) or float32/float64 (0..1)")


def split_alpha(image: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """(RGB view, alpha view or None)."""
    if image.shape[2] == 4:
        return image[..., :3], image[..., 3]
    return image, None


def to_float01(rgb: np.ndarray) -> np.ndarray:
    """RGB in any accepted dtype -> float32 0..1 (copy)."""
    if rgb.dtype == np.uint8:
        return rgb.astype(np.float32) / np.float32(255.0)
    if rgb.dtype == np.uint16:
        return rgb.astype(np.float32) / np.float32(65535.0)
    return np.clip(rgb, 0.0, 1.0).astype(np.float32)


def from_float01(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """float 0..1 -> ``dtype`` with rounding to nearest (never truncation)."""
    if dtype == np.uint8:
        return np.clip(np.rint(values * 255.0), 0, 255).astype(np.uint8)
    if dtype == np.uint16:
        return np.clip(np.rint(values * 65535.0), 0, 65535).astype(np.uint16)
    return np.clip(values, 0.0, 1.0).astype(dtype)


def with_alpha(rgb: np.ndarray, alpha: np.ndarray | None) -> np.ndarray:
    if alpha is None:
        return rgb
    return np.concatenate([rgb, alpha[..., None].astype(rgb.dtype)], axis=2)
