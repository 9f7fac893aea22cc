"""White balance from the photo: which temperature and tint make its greys grey.

A colour cast is a gain per channel in linear light, so the illuminant is estimated by
statistics that a per-channel gain moves exactly along with it (a cast photo gives the cast
estimate, whatever the strength), on pixels that carry the evidence:

* **grey edge** (the main estimate): the Minkowski 6-norm of each channel's gradient on a lightly
  blurred linear preview. Edges between surfaces average many reflectances, so a large uniformly
  coloured subject (a red jacket, an orange wall, a blue sky) counts only at its borders, which is
  what defeats grey-world and "least colourful pixels" estimates on strongly coloured scenes. Two
  rounds then weight each edge by how neutral its colour is under the current estimate, so the
  texture of a coloured subject (fur, foliage) counts less than edges in greys and whites;
* **bright unclipped pixels** (the check): the mean of the brightest 2 % that no channel clips
  (white-patch without the blown highlights, which carry no colour information).

Only unclipped pixels above the noise floor count. The correction is the editor's closed-form
inverse (``curves.channel_gains``: red/blue ratio -> temperature, green against red x blue ->
tint). How far to trust it is a separate question (``agreement`` of the two estimates, the size of
the cast): scenes have colour, and :func:`iea_core.agent.embedded.adapt.wb_correction` corrects a
share of the estimate that grows with the evidence.

Measured on scikit-image photos and crops with synthetic casts (see docs/agent.md): the grey-edge
estimate has the smallest scene bias of grey-world, shades-of-grey, white-patch, grey-pixel and
the previous weighted near-neutral estimate.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import verify as V

#: Linear value at or above which a channel is treated as clipped (sRGB ~0.975).
LINEAR_CLIP = 0.94
#: Linear luminance below which pixels are noise, not evidence: a share of the bright tones'
#: level, never below an absolute floor (encoded ~0.02).
RELATIVE_FLOOR = 0.04
LINEAR_FLOOR = 0.0015
#: Editor white balance: log2 gain per unit (``curves.channel_gains``).
_T_LOG2 = 0.30 / 100.0  # red +, blue - per temperature unit
_G_LOG2 = 0.20 / 100.0  # green + per tint unit
_LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)


def _blur(lin: np.ndarray, r: int = 1) -> np.ndarray:
    return np.stack([V._box_blur(lin[..., c], r) for c in range(3)], -1)


def usable(lin: np.ndarray) -> np.ndarray:
    """Pixels that carry colour evidence: no channel clipped, above the noise floor.

    The floor is relative to the photo's bright tones (4 % of the 98th percentile of luminance),
    so brightening the photo, or a cast, does not change which pixels count: with an absolute
    floor the dark pixels of a dim photo entered the estimate once it was brightened and moved
    it by several Lab units."""
    y = lin @ _LUMA
    unclipped = lin.max(-1) < LINEAR_CLIP
    if not unclipped.any():
        return unclipped
    floor = max(LINEAR_FLOOR, RELATIVE_FLOOR * float(np.percentile(y[unclipped], 98)))
    return unclipped & (y > floor)


def grey_edge(lin: np.ndarray, p: float = 6.0, rounds: int = 2,
              width: float = 0.12) -> np.ndarray | None:
    """Illuminant (linear RGB, unnormalised) from the p-norm of each channel's gradient, refined
    ``rounds`` times by weighting each edge with how neutral its colour is under the current
    estimate (a Gaussian of width ``width`` on its largest log channel deviation from grey).

    The refinement keeps the estimate gain-equivariant (deviations are measured relative to the
    estimate) and lets edges inside greys, whites and blacks outvote the edges of a coloured
    subject's texture (fur, foliage, a sunset's clouds): on scikit-image scenes with casts it
    raised the share of casts that shrink from 53 % to 72 % (docs/agent.md)."""
    b = _blur(lin)
    gx = np.zeros_like(b)
    gy = np.zeros_like(b)
    gx[:, 1:-1] = (b[:, 2:] - b[:, :-2]) * 0.5
    gy[1:-1] = (b[2:] - b[:-2]) * 0.5
    # An edge next to a clipped pixel is partly a clipping edge: those pixels are left out too.
    ok = usable(lin)
    ok = ok & (_blur(ok[..., None].astype(np.float32).repeat(3, -1))[..., 0] > 0.999)
    mag = np.hypot(gx, gy)[ok]
    if len(mag) < 50 or float(mag.max()) <= 0:
        return None
    power = np.power(mag / float(mag.max()), p)  # normalised: the 6th powers stay in range
    e = np.power(power.mean(0), 1.0 / p)
    colours = np.maximum(b[ok], 1e-6)
    for _ in range(rounds):
        rel = np.log(colours / np.maximum(e, 1e-9))
        dev = np.abs(rel - rel.mean(-1, keepdims=True)).max(-1)
        w = np.exp(-np.square(dev / width))
        if float(w.sum()) < 5:
            break
        e = np.power((power * w[:, None]).sum(0) / float(w.sum()), 1.0 / p)
    return e


def bright_unclipped(lin: np.ndarray, percentile: float = 98.0) -> np.ndarray | None:
    """Illuminant from the mean of the brightest unclipped pixels."""
    ok = usable(lin)
    if ok.sum() < 50:
        return None
    y = lin @ _LUMA
    cut = np.percentile(y[ok], percentile)
    return lin[ok & (y >= cut)].mean(0)


def correction_for(illuminant: np.ndarray) -> tuple[float, float]:
    """(temperature, tint) that map ``illuminant`` to grey in the editor (unclamped)."""
    e = np.maximum(np.asarray(illuminant, np.float64), 1e-9)
    temperature = -np.log2(e[0] / e[2]) / (2 * _T_LOG2)
    tint = -np.log2(e[1] / np.sqrt(e[0] * e[2])) / _G_LOG2
    return float(temperature), float(tint)


_SENSITIVITY: tuple[float, float] | None = None


def sensitivity() -> tuple[float, float]:
    """|Lab a*| per tint unit and |Lab b*| per temperature unit on a mid grey."""
    global _SENSITIVITY
    if _SENSITIVITY is None:
        from ...editor.curves import channel_gains

        def ab(t: int, g: int) -> np.ndarray:
            lin = np.full((1, 3), 0.18, np.float32) * np.asarray(channel_gains(t, g, 0), np.float32)
            enc = np.where(lin <= 0.0031308, lin * 12.92, 1.055 * np.power(lin, 1 / 2.4) - 0.055)
            return V.lab(enc.astype(np.float32))[0, 1:]

        base = ab(0, 0)
        _SENSITIVITY = (abs(float(ab(0, 50)[0] - base[0])) / 50,
                        abs(float(ab(50, 0)[1] - base[1])) / 50)
    return _SENSITIVITY


def lab_size(temperature: float, tint: float) -> float:
    """How large a (temperature, tint) move looks on a mid grey, in Lab units."""
    ka, kb = sensitivity()
    return float(np.hypot(kb * temperature, ka * tint))


@dataclass(frozen=True)
class Estimate:
    """What the photo's colour balance looks like."""

    temperature: float  # full correction toward neutral (editor units, unclamped)
    tint: float
    cast: float  # size of the estimated cast on a mid grey (Lab units)
    b: float  # the cast's yellow (+) / blue (-) part, Lab b* units
    a: float  # its magenta (+) / green (-) part, Lab a* units
    agreement: float  # cosine between the grey-edge and bright-pixel corrections (-1..1)
    evidence: float  # share of the preview's pixels that are usable

    @property
    def direction(self) -> str:
        """'yellow', 'blue', 'magenta', 'green' or a pair ("yellow-green")."""
        parts = []
        if abs(self.b) >= 0.4 * self.cast:
            parts.append("yellow" if self.b > 0 else "blue")
        if abs(self.a) >= 0.4 * self.cast:
            parts.append("magenta" if self.a > 0 else "green")
        return "-".join(parts) or "neutral"


NEUTRAL = Estimate(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


def estimate(lin: np.ndarray) -> Estimate:
    """The photo's cast from its linear-light preview (float32 H x W x 3)."""
    lin = np.asarray(lin, np.float32)
    main = grey_edge(lin)
    check = bright_unclipped(lin)
    if main is None:
        main, check = check, None
    if main is None:
        return NEUTRAL
    t, g = correction_for(main)
    ka, kb = sensitivity()
    agreement = 1.0
    if check is not None:
        t2, g2 = correction_for(check)
        v1 = np.array([kb * t, ka * g])
        v2 = np.array([kb * t2, ka * g2])
        n = float(np.linalg.norm(v1) * np.linalg.norm(v2))
        agreement = float(v1 @ v2 / n) if n > 1e-9 else 1.0
    # The cast is the opposite of its correction: warming (t > 0) fixes a blue cast (b < 0);
    # adding green (g > 0) fixes a magenta cast (a > 0).
    return Estimate(t, g, lab_size(t, g), -kb * t, ka * g, agreement,
                    float(usable(lin).mean()))


def estimate_encoded(image: np.ndarray) -> Estimate:
    """:func:`estimate` of an encoded sRGB preview (a render)."""
    return estimate(V.srgb_to_linear(V.to_float(image)).astype(np.float32))
