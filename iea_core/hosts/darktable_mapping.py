"""How each iea tool becomes darktable module parameters, and back.

Per tool (scales in ``docs/hosts.md``; fitted against the ``default`` editor profile by
``benchmarks/fidelity.py --fit``, which writes ``darktable_calibration.json`` beside this file):

* exposure -> ``exposure`` (EV = value x 0.02: +100 = +2 EV, a gain in linear light);
* temperature, tint -> ``channelmixerrgb`` as a pure 3x3 matrix (no chromatic adaptation): the
  per-channel linear gains the editor applies, moved into darktable's linear Rec.2020 working space;
* brightness, contrast, highlights, shadows, whites, blacks, fade -> one ``rgbcurve`` instance
  each, whose nodes are the editor's tone response for that value (measured on neutral patches),
  so darktable draws the same curve the preview does;
* saturation, vibrance -> ``colorbalancergb`` chroma and vibrance;
* natural_contrast -> ``bilat`` (local contrast, local laplacian) detail;
* sharpness -> ``sharpen`` amount (negative amounts make the unsharp mask a blur);
* vignette -> ``vignette`` brightness; grain -> ``grain`` strength (negative grain: nothing).

Decoding inverts each mapping exactly for the values it produces (tone curves by matching the
nodes of every candidate value), so Program -> history -> Program is the identity.
"""
from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import darktable_params as P

CALIBRATION_PATH = Path(__file__).with_name("darktable_calibration.json")
TONE_TOOLS = ("brightness", "contrast", "highlights", "shadows", "whites", "blacks", "fade")
CURVE_NODES = 20

# sRGB-linear -> Rec.2020-linear (both D65): darktable's default working space is linear Rec.2020.
SRGB_TO_REC2020 = np.array([[0.6274039, 0.3292830, 0.0433131],
                            [0.0690973, 0.9195404, 0.0113623],
                            [0.0163914, 0.0880133, 0.8955953]])
REC2020_TO_SRGB = np.linalg.inv(SRGB_TO_REC2020)


def srgb_to_linear(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return np.where(x <= 0.04045, x / 12.92, ((np.clip(x, 0.04045, None) + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(x: np.ndarray) -> np.ndarray:
    x = np.clip(np.asarray(x, dtype=np.float64), 0.0, None)
    return np.where(x <= 0.0031308, x * 12.92, 1.055 * np.power(x, 1 / 2.4) - 0.055)


# --- built-in tone curves (used until a calibration file is written) ------------------------------
def _bump(t: np.ndarray) -> np.ndarray:
    t = np.clip(t, 0.0, 1.0)
    return 16.0 * t * t * (1 - t) * (1 - t)


def analytic_tone_curve(tool: str, value: int, x: np.ndarray) -> np.ndarray:
    """A display-referred tone response for ``tool`` at ``value`` (x, y in 0..1, sRGB-encoded)."""
    a = value / 100.0
    if tool == "brightness":
        y = np.power(x, 2.0 ** (-0.7 * a))
    elif tool == "contrast":
        y = x - 0.12 * a * np.sin(2 * np.pi * x)
    elif tool == "highlights":
        y = x + 0.15 * a * _bump(2 * x - 1)
    elif tool == "shadows":
        y = x + 0.15 * a * _bump(2 * x)
    elif tool == "whites":
        y = x + 0.15 * a * x ** 3
    elif tool == "blacks":
        y = x + 0.10 * a * (1 - x) ** 3
    elif tool == "fade":
        y = 0.25 * a + (1 - 0.25 * a) * x if a > 0 else np.power(x, 1 - 0.6 * a)
    else:
        raise KeyError(tool)
    return np.clip(y, 0.0, 1.0)


def analytic_wb_gains(tool: str, value: int) -> tuple[float, float, float]:
    """Linear sRGB channel gains for temperature (+ warmer) or tint (+ greener)."""
    a = value / 100.0
    if tool == "temperature":
        return 2.0 ** (0.35 * a), 1.0, 2.0 ** (-0.35 * a)
    if tool == "tint":
        return 2.0 ** (-0.12 * a), 2.0 ** (0.25 * a), 2.0 ** (-0.12 * a)
    raise KeyError(tool)


DEFAULT_SCALES = {
    "exposure_ev": 0.02,  # EV per unit
    # Magnitudes at +/-100; "_neg" is the scale for negative values where darktable's module
    # responds differently to the two directions.
    "saturation": 1.0,  # chroma factor 1 + value/100 x this around linear luminance
    "vibrance": 1.0,  # colorbalancergb vibrance at +100
    "vibrance_neg": 1.0,
    "natural_contrast": 1.0,  # bilat detail at +100
    "natural_contrast_neg": 1.0,
    # clarity as darktable's bilateral local contrast: the spatial sigma follows the editor's blur
    # (1/40 of the long side, in pixels, capped at the module's 100); sigma_r is the range sigma
    "clarity_sigma_fraction": 1 / 40,
    "clarity_sigma_r": 50.0,
    "sharpen_amount": 1.5,  # sharpen amount at +100
    "soften_amount": 1.0,  # -amount at -100
    # darktable's sharpen blurs with sigma = radius / 2.5: 1.8 matches a 3x3 binomial kernel
    "sharpen_radius": 1.8,
    "vignette_brightness": 0.3,  # vignette brightness at +100 (lighter corners)
    "vignette_brightness_neg": 1.0,  # -brightness at -100 (darker corners)
    "vignette_scale": 50.0,
    "vignette_falloff": 100.0,
    "grain_strength": 0.3,  # grain strength per unit
    "grain_scale": 1600.0 / 213.2,
    # rgbcurve colour preservation per tone tool: luminance keeps hue and saturation, but a
    # luminance ratio cannot lift pure black, so the black-point tools work per channel.
    **{f"preserve_{tool}": P.RGB_NORM_LUMINANCE for tool in TONE_TOOLS},
    "preserve_fade": P.RGB_NORM_NONE,
    "preserve_blacks": P.RGB_NORM_NONE,
}


@dataclass
class Calibration:
    """Everything the mapping reads; fitted by ``benchmarks/fidelity.py --fit``."""

    scales: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SCALES))
    curve_x: list[float] = field(default_factory=lambda: list(np.linspace(0, 1, CURVE_NODES)))
    curves: dict[str, dict[str, list]] = field(default_factory=dict)  # tool -> {grid, y}
    wb: dict[str, dict[str, list]] = field(default_factory=dict)  # tool -> {grid, gains}
    source: str = "built-in"

    def to_json(self) -> str:
        return json.dumps({"version": 1, "source": self.source, "scales": self.scales,
                           "curve_x": self.curve_x, "curves": self.curves, "wb": self.wb},
                          indent=1)

    @classmethod
    def from_json(cls, text: str) -> "Calibration":
        data = json.loads(text)
        scales = dict(DEFAULT_SCALES)
        scales.update(data.get("scales", {}))
        return cls(scales=scales, curve_x=data.get("curve_x") or list(
            np.linspace(0, 1, CURVE_NODES)), curves=data.get("curves", {}),
            wb=data.get("wb", {}), source=data.get("source", "file"))


@functools.lru_cache(maxsize=1)
def calibration() -> Calibration:
    if CALIBRATION_PATH.exists():
        return Calibration.from_json(CALIBRATION_PATH.read_text())
    return Calibration()


def _interp_grid(grid: list[float], rows: list[list[float]], value: float) -> np.ndarray:
    grid_a = np.asarray(grid, dtype=np.float64)
    rows_a = np.asarray(rows, dtype=np.float64)
    i = int(np.clip(np.searchsorted(grid_a, value) - 1, 0, len(grid_a) - 2))
    t = (value - grid_a[i]) / (grid_a[i + 1] - grid_a[i])
    return rows_a[i] * (1 - t) + rows_a[i + 1] * t


def tone_response(tool: str, value: int, cal: Calibration | None = None) -> tuple[np.ndarray,
                                                                                  np.ndarray]:
    """(x, y) display-referred samples of ``tool``'s tone curve at ``value``."""
    cal = cal or calibration()
    x = np.asarray(cal.curve_x, dtype=np.float64)
    table = cal.curves.get(tool)
    if table:
        y = _interp_grid(table["grid"], table["y"], value)
    else:
        y = analytic_tone_curve(tool, value, x)
    return x, np.clip(y, 0.0, 1.0)


def curve_points(tool: str, value: int, cal: Calibration | None = None
                 ) -> list[tuple[float, float]]:
    """rgbcurve nodes (linear working-space x, y) reproducing the tool's display response.

    The nodes are float32-rounded so that decoding can compare them bit for bit.
    """
    x, y = tone_response(tool, value, cal)
    xl = srgb_to_linear(x)
    yl = srgb_to_linear(y)
    yl = np.maximum.accumulate(yl)  # rgbcurve's monotone spline wants non-decreasing nodes
    return [(float(np.float32(a)), float(np.float32(b))) for a, b in zip(xl, yl)]


def wb_gains(temperature: int, tint: int, cal: Calibration | None = None) -> np.ndarray:
    """Linear sRGB per-channel gains of temperature and tint combined (they multiply)."""
    cal = cal or calibration()
    gains = np.ones(3)
    for tool, value in (("temperature", temperature), ("tint", tint)):
        if not value:
            continue
        table = cal.wb.get(tool)
        if table:
            gains = gains * _interp_grid(table["grid"], table["gains"], value)
        else:
            gains = gains * np.asarray(analytic_wb_gains(tool, value))
    return gains


def wb_matrix(temperature: int, tint: int, cal: Calibration | None = None) -> np.ndarray:
    """The gains as a 3x3 matrix acting on linear Rec.2020 (darktable's working space)."""
    gains = wb_gains(temperature, tint, cal)
    matrix = SRGB_TO_REC2020 @ np.diag(gains) @ REC2020_TO_SRGB
    return matrix.astype(np.float32).astype(np.float64)


LUMA = np.array([0.2126, 0.7152, 0.0722])  # linear sRGB luminance weights


def saturation_matrix(value: int, cal: Calibration | None = None) -> np.ndarray:
    """Saturation as a matrix on linear Rec.2020: rgb' = Y + (rgb - Y) * f around linear
    luminance (f = 0: black and white), the same operator the editor documents, moved into
    darktable's working space. It commutes with luminance-preserving tone curves."""
    f = 1.0 + value / 100.0 * scale("saturation", cal)
    linear = f * np.eye(3) + (1.0 - f) * np.outer(np.ones(3), LUMA)
    return (SRGB_TO_REC2020 @ linear @ REC2020_TO_SRGB).astype(np.float32).astype(np.float64)


def decode_saturation(matrix: np.ndarray, cal: Calibration | None = None) -> tuple[int, float]:
    """(value, error) of a :func:`saturation_matrix`."""
    linear = REC2020_TO_SRGB @ np.asarray(matrix, dtype=np.float64) @ SRGB_TO_REC2020
    f = 1.0 - linear[0, 1] / LUMA[1]
    value = invert_linear(f - 1.0, scale("saturation", cal) / 100.0)
    return value, float(np.abs(saturation_matrix(value, cal) - matrix).max())


#: Long side assumed when the photo is not known (styles, presets): a 24 MP camera frame.
DEFAULT_LONG_SIDE = 6000


def clarity_sigma_s(long_side: int | None, cal: Calibration | None = None) -> float:
    side = long_side or DEFAULT_LONG_SIDE
    return float(min(100.0, max(1.0, side * scale("clarity_sigma_fraction", cal))))


def round_half_away(value: float) -> int:
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def scale(name: str, cal: Calibration | None = None) -> float:
    return float((cal or calibration()).scales[name])


def signed_scale(name: str, value: float, cal: Calibration | None = None) -> float:
    """The magnitude at 100 for ``value``'s direction (``name_neg`` for negative values)."""
    scales = (cal or calibration()).scales
    if value < 0 and f"{name}_neg" in scales:
        return float(scales[f"{name}_neg"])
    return float(scales[name])


def as_f32(value: float) -> float:
    return float(np.float32(value))


def invert_linear(param: float, per_unit: float) -> int:
    """The integer tool value whose ``value * per_unit`` encodes to ``param``."""
    if per_unit == 0:
        return 0
    return max(-100, min(100, round_half_away(param / per_unit)))


def decode_curve(tool: str, nodes: list[tuple[float, float]],
                 cal: Calibration | None = None) -> tuple[int, float]:
    """The value whose curve matches ``nodes`` best, and the largest node difference."""
    cal = cal or calibration()
    target = np.asarray(nodes, dtype=np.float64)
    candidates = _candidate_curves(cal, tool)
    if candidates.shape[1:] != target.shape:
        return 0, math.inf
    errors = np.abs(candidates - target).max(axis=(1, 2))
    best = int(np.argmin(errors))
    return best - 100, float(errors[best])


_CANDIDATES: dict[tuple[int, str], np.ndarray] = {}


def _candidate_curves(cal: Calibration, tool: str) -> np.ndarray:
    """The nodes of every value -100..100 of ``tool`` (201 x nodes x 2), cached per calibration."""
    key = (id(cal), tool)
    if key not in _CANDIDATES:
        if len(_CANDIDATES) > 64:
            _CANDIDATES.clear()
        _CANDIDATES[key] = np.array([curve_points(tool, v, cal) for v in range(-100, 101)])
    return _CANDIDATES[key]


def decode_wb(matrix: np.ndarray, cal: Calibration | None = None) -> tuple[int, int, float]:
    """(temperature, tint, error) whose matrix is closest to ``matrix``."""
    gains = np.diag(REC2020_TO_SRGB @ np.asarray(matrix, dtype=np.float64) @ SRGB_TO_REC2020)
    values = np.arange(-100, 101)
    cal = cal or calibration()
    temp_g = np.array([wb_gains(int(v), 0, cal) for v in values])
    tint_g = np.array([wb_gains(0, int(v), cal) for v in values])
    combo = np.log(np.maximum(temp_g[:, None, :] * tint_g[None, :, :], 1e-9))
    err = np.abs(combo - np.log(np.maximum(gains, 1e-9))).max(axis=2)
    i, j = np.unravel_index(np.argmin(err), err.shape)
    return int(values[i]), int(values[j]), float(err[i, j])


def params_summary(_: Any = None) -> dict[str, Any]:
    """The scales in use (for ``iea xmp read`` and docs)."""
    cal = calibration()
    return {"source": cal.source, **cal.scales}
