"""Amounts from the photo: the words give the direction and the degree, the photo the amount.

* "brighter" moves the mean luminance a share of the way toward a bright ceiling (0.72); the share
  is the degree ("slightly" 0.2, default 0.38, "much" 0.6 ...). A dark photo therefore gets a large
  exposure change and an already bright one a small one or none (and the agent says so). The
  exposure that reaches the target is found on a simulation of the editor's linear-light gain
  (``curves.channel_gains``), without rendering.
* Other tools are scaled by the room the photo leaves in that direction (:func:`room_factor`):
  more contrast on a flat photo (up to ~3x the words' amount on a very flat one), less on a
  contrasty one; less saturation boost on a colourful photo; white balance symmetrically from the
  photo's colour lean (:func:`colour_lean`: its greys and the grey-edge cast estimate): warming
  (cooling) a photo that already leans yellow (blue) gets less, one that leans the other way
  more.
* Corrections ("fix the white balance", "enhance") are estimated from the photo: white balance
  from a grey-edge estimate of the illuminant checked against the bright unclipped pixels
  (:mod:`.whitebalance`), a share of it that grows with the size of the cast and the agreement.

Guard rails and the check that every claim shows in the render live in :mod:`.checks`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from .. import verify as V

BRIGHT_CEILING = 0.72  # mean luminance a "brighter" request approaches
DARK_FLOOR = 0.12
WELL_EXPOSED = 0.46
DEGREE_SHARE = 0.38  # share of the way to the ceiling at the default degree
MIN_VISIBLE = 0.012  # a brightness change below this is not worth a value
WB_ASKED_SHARE = 0.85  # share of the estimated white-balance error corrected when asked
WB_AUTO_SHARE = 0.6  # ... when the agent decides on its own ("enhance", an obvious cast)


@dataclass(frozen=True)
class Photo:
    """A preview and what the agent knows about it."""

    preview: np.ndarray  # float32 sRGB, long side ~128 px
    linear: np.ndarray
    regions: V.Regions
    measures: V.Measures

    @property
    def mean(self) -> float:
        return self.measures.mean


def look_at(image: np.ndarray) -> Photo:
    p = V.preview(image)
    reg = V.regions(p)
    return Photo(p, V.srgb_to_linear(p).astype(np.float32), reg, V.measure(p, p, reg))


def _gains(temperature: float, tint: float, exposure: float) -> np.ndarray:
    from ...editor.curves import channel_gains

    return np.asarray(channel_gains(int(round(temperature)), int(round(tint)),
                                    int(round(exposure))), np.float32)


def _encode(lin: np.ndarray) -> np.ndarray:
    y = np.clip(lin, 0.0, 1.0)
    return np.where(y <= 0.0031308, y * 12.92, 1.055 * np.power(y, 1 / 2.4) - 0.055)


def simulate(photo: Photo, temperature: float = 0, tint: float = 0,
             exposure: float = 0) -> np.ndarray:
    """The editor's white balance + exposure on the preview, without tone tools."""
    return _encode(photo.linear * _gains(temperature, tint, exposure)).astype(np.float32)


# --- exposure ----------------------------------------------------------------------------------
_EXPOSURES = np.unique(np.concatenate([np.arange(0, 101, 3), -np.arange(0, 101, 3), [100, -100]]))


def exposure_curve(photo: Photo, temperature: int = 0, tint: int = 0,
                   sample: int = 2000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(exposure values, mean luminance, highlight clipping share) after each value."""
    flat = photo.linear.reshape(-1, 3)
    if len(flat) > sample:
        flat = flat[:: int(np.ceil(len(flat) / sample))]
    wb = _gains(temperature, tint, 0)
    gain = 2.0 ** (2.0 * _EXPOSURES / 100.0)
    lin = flat[None] * wb[None, None] * gain[:, None, None]
    enc = _encode(lin)
    y = V.luminance(enc)
    return _EXPOSURES, y.mean(1), (enc.max(-1) >= V.CLIP_HIGH).mean(1)


def exposure_for(photo: Photo, target: float, *, temperature: int = 0, tint: int = 0,
                 allow_clip: bool = False, allowance: float = V.CLIP_ALLOWANCE) -> int:
    """The exposure value whose simulated mean luminance is nearest ``target``; without
    ``allow_clip``, no more than :data:`verify.CLIP_ALLOWANCE` new clipped highlights."""
    values, means, clips = exposure_curve(photo, temperature, tint)
    base_clip = clips[values == 0][0]
    ok = np.ones_like(means, bool) if allow_clip else clips <= base_clip + allowance
    ok |= values <= 0
    cost = np.abs(means - target) + np.where(ok, 0.0, 10.0)
    return int(values[int(np.argmin(cost))])


def brighten_target(mean: float, share: float, complaint: bool) -> float:
    """Where "brighter" (share = degree) takes a photo of mean luminance ``mean``."""
    goal = mean + share * (BRIGHT_CEILING - mean)
    if complaint:  # "too dark": toward a well-exposed rendering, not far past it
        goal = max(goal, min(WELL_EXPOSED, mean + 0.5 * (WELL_EXPOSED - mean) + 0.05))
        goal = min(goal, max(mean, WELL_EXPOSED + 0.10))
    return goal


def darken_target(mean: float, share: float, complaint: bool) -> float:
    goal = mean - 0.7 * share * (mean - DARK_FLOOR)
    if complaint:  # "too bright": toward a well-exposed rendering, not past it
        goal = min(goal, max(WELL_EXPOSED, mean - 0.5 * (mean - WELL_EXPOSED) - 0.05))
        goal = max(goal, min(mean, WELL_EXPOSED - 0.06))
    return goal


# --- room for other tools ----------------------------------------------------------------------
def _clip(x: float, lo: float = 0.35, hi: float = 1.6) -> float:
    return float(min(hi, max(lo, x)))


#: How far the room factor may scale the text's amount, per tool (low, high). Contrast may grow
#: most: the editor's S-curve multiplies the spread by at most ~1.9 (+100), so a flat photo needs
#: a large value before it looks any more contrasty, while a contrasty one needs little.
ROOM_LIMITS = {"contrast": (0.3, 3.0), "temperature": (0.45, 1.45), "tint": (0.6, 1.3)}
#: Lab units of lean (toward the asked colour) that halve a white-balance step / grow it by half.
WB_LEAN_SCALE = 18.0


def colour_lean(photo: "Photo") -> tuple[float, float]:
    """(b, a): how far the photo already leans yellow (+b) / blue (-b) and magenta (+a) / green
    (-a), in Lab units, from two kinds of evidence.

    * the least colourful mid-tones (:attr:`verify.Measures.neutral_b`): what the eye reads as
      the photo's overall warmth, but blind to a cast over a coloured subject (a blue cast over an
      orange cat makes the fur the "least colourful" pixels, which then read neutral);
    * the grey-edge estimate of the illuminant (:mod:`.whitebalance`), which sees such a cast but
      carries a scene bias, weighted by how well it agrees with the bright-pixel check.

    The mean of the two, so a blue-cast photo is seen as cool and an orange cat in neutral light
    as somewhat warm."""
    from . import whitebalance

    est = whitebalance.estimate(photo.linear)
    support = float(np.clip(0.5 + 0.5 * est.agreement, 0.0, 1.0))
    m = photo.measures
    return (0.5 * (m.neutral_b + support * est.b), 0.5 * (m.neutral_a + support * est.a))


def room_factor(tool: str, sign: int, m: V.Measures,
                lean: tuple[float, float] | None = None) -> float:
    """How much of the text's amount this photo has room for (1 = an ordinary photo).

    ``lean``: :func:`colour_lean` of the photo, for temperature and tint (without it the
    least colourful mid-tones of ``m`` stand in)."""
    lo, hi = ROOM_LIMITS.get(tool, (0.35, 1.6))
    if tool == "contrast":
        # spread 0.21 (a typical photo) -> 1; 0.12 -> ~1.9; 0.03 (very flat) -> ~2.8; 0.29 -> 0.3
        return _clip((0.31 - m.spread) / 0.10, lo, hi) if sign > 0 else \
            _clip((m.spread - 0.09) / 0.12, 0.35, 1.6)
    if tool in ("saturation", "vibrance"):
        return _clip((48 - m.chroma) / 22) if sign > 0 else _clip((m.chroma - 4) / 20)
    if tool == "shadows":
        return _clip((0.42 - m.dark) / 0.27) if sign > 0 else _clip((m.dark - 0.02) / 0.13)
    if tool == "highlights":
        return _clip((m.bright - 0.5) / 0.3 + 3 * m.clip_high) if sign < 0 else \
            _clip((0.98 - m.bright) / 0.18)
    if tool == "blacks":
        return _clip((m.deepest - 0.005) / 0.05) if sign < 0 else _clip((0.25 - m.deepest) / 0.2)
    if tool == "whites":
        return _clip((0.995 - m.top) / 0.12) if sign > 0 else _clip((m.top - 0.6) / 0.3)
    # White balance, symmetric: "warmer" on a photo that already leans yellow gets less, on one
    # that leans blue more; "cooler" the other way round. (A later "a bit less warm" in a chat is
    # a refinement of the program, not a new edit, so it is not scaled here.)
    if tool in ("temperature", "tint"):
        b, a = lean if lean is not None else (m.neutral_b, m.neutral_a)
        toward = sign * b if tool == "temperature" else -sign * a  # tint + is green: a* down
        return _clip(1.0 - toward / (2 * WB_LEAN_SCALE) if toward < 0 else
                     1.0 / (1.0 + toward / WB_LEAN_SCALE), lo, hi)
    if tool in ("brightness", "exposure"):
        if sign > 0:
            return _clip((BRIGHT_CEILING - m.mean) / (BRIGHT_CEILING - WELL_EXPOSED), 0.15, 1.8)
        return _clip((m.mean - DARK_FLOOR) / (WELL_EXPOSED - DARK_FLOOR), 0.15, 1.8)
    return 1.0


# --- white balance -----------------------------------------------------------------------------
WB_DEAD_ZONE = 1.5  # Lab units of estimated cast taken as scene colour when asked
WB_AUTO_DEAD_ZONE = 3.0  # ... when the agent decides on its own: only a clear cast


def wb_plan(photo: Photo, asked: bool) -> tuple[int, int, "whitebalance.Estimate", float]:
    """(temperature, tint, the estimate, the share of it corrected).

    Scenes have colour, so the estimate carries a bias of a few Lab units on most photos (more on
    a photo dominated by one colour: an orange cat, a red fundus). The correction is therefore a
    share of the estimate: the first ``dead zone`` Lab units are taken as the scene's own colour
    (a soft threshold, so an already neutral photo changes little and a strong cast is corrected
    almost in full), and less of it when the bright-pixel check disagrees with the grey-edge
    estimate about the direction."""
    from . import whitebalance

    est = whitebalance.estimate(photo.linear)
    if est.cast <= 0:
        return 0, 0, est, 0.0
    support = 0.5 + 0.5 * max(0.0, est.agreement)
    dead = WB_DEAD_ZONE if asked else WB_AUTO_DEAD_ZONE
    share = (WB_ASKED_SHARE if asked else WB_AUTO_SHARE) * support * max(0.0, 1 - dead / est.cast)
    if not asked and est.agreement < 0.5:
        share = 0.0  # the two estimates disagree: not a clear cast
    limit = 100 if asked else 40
    return (int(np.clip(round(est.temperature * share), -limit, limit)),
            int(np.clip(round(est.tint * share), -limit, limit)), est, share)


_CAST_COLOUR = {("temperature", -1): "yellow", ("temperature", 1): "blue",
                ("tint", 1): "magenta", ("tint", -1): "green"}


def cast_complaint(photo: Photo, tool: str, value: int, factor: float) -> tuple[int, str]:
    """"Too yellow", "remove the green cast": the words give the direction, the photo the amount.

    ``value`` is the text's move (temperature -30 for "too warm"). When the photo's estimated
    cast lies that way, the move corrects that share of it (never less than 60 % of the text's
    amount, so the request is visibly served); when it does not, the text's amount is kept, a
    little smaller, and the note says what was measured."""
    from . import whitebalance

    est = whitebalance.estimate(photo.linear)
    sign = 1 if value > 0 else -1
    colour = _CAST_COLOUR[(tool, sign)]
    full = est.temperature if tool == "temperature" else est.tint
    ka, kb = whitebalance.sensitivity()
    size = abs(full) * (kb if tool == "temperature" else ka)
    if full * sign > 0 and size >= WB_DEAD_ZONE:
        support = 0.5 + 0.5 * max(0.0, est.agreement)
        amount = abs(full) * WB_ASKED_SHARE * support * min(1.4, max(0.6, factor))
        new = sign * int(round(min(100.0, max(0.6 * abs(value), amount))))
        return new, (f"the photo's greys had a {colour} cast of about {size:.1f} Lab units, "
                     "so the amount comes from that")
    return int(round(value * 0.7)), (f"the photo's greys did not look {colour} to me (estimated "
                                     f"cast: {est.direction}, {est.cast:.1f} Lab units), so a "
                                     "moderate step")


def wb_correction(photo: Photo, asked: bool) -> tuple[int, int, float]:
    """Temperature and tint toward neutral greys, and the cast found (Lab units)."""
    t, g, est, _ = wb_plan(photo, asked)
    return t, g, est.cast


# --- the photo corrections -------------------------------------------------------------------
def exposure_correction(photo: Photo, temperature: int = 0, tint: int = 0,
                        asked: bool = True) -> int:
    """Exposure toward a well-exposed rendering; never darkens a dark photo nor brightens a
    bright one; a photo already in the good range is left alone unless asked."""
    m = photo.mean
    if m < 0.36:
        goal = m + 0.7 * (WELL_EXPOSED - m) if asked else m + 0.6 * (0.42 - m)
    elif m > 0.58:
        goal = m - 0.6 * (m - 0.5)
    else:
        goal = m + 0.5 * (WELL_EXPOSED - m) if asked and abs(m - WELL_EXPOSED) > 0.05 else m
    if abs(goal - m) < MIN_VISIBLE:
        return 0
    value = exposure_for(photo, goal, temperature=temperature, tint=tint)
    if m < 0.36:
        value = max(0, value)
    if m > 0.58:
        value = min(0, value)
    return value


def contrast_correction(photo: Photo, asked: bool = True) -> int:
    """Contrast toward a typical spread, gently: flat photos gain, contrasty ones lose a little."""
    s = photo.measures.spread
    if s < 0.17:
        return int(min(45, round((0.20 - s) * 450)))
    if s > 0.30 and asked:
        return int(max(-20, round((0.28 - s) * 300)))
    if s < 0.22:
        return 10  # a retoucher's light touch of contrast
    return 0


def auto_values(photo: Photo, tools: Mapping[str, object], asked: bool = True) -> dict[str, int]:
    """Values for the tools a correction leaves to the photo ("auto")."""
    out: dict[str, int] = {}
    t = g = 0
    if "temperature" in tools or "tint" in tools:
        t, g, _ = wb_correction(photo, asked)
        if "temperature" in tools:
            out["temperature"] = t
        if "tint" in tools:
            out["tint"] = g
    if "exposure" in tools or "brightness" in tools:
        key = "exposure" if "exposure" in tools else "brightness"
        out[key] = exposure_correction(photo, t, g, asked)
    if "contrast" in tools:
        out["contrast"] = contrast_correction(photo, asked)
    for tool in ("saturation", "vibrance"):
        if tool in tools:
            c = photo.measures.chroma
            out[tool] = int(np.clip(round((30 - c) * 1.2), -20, 25)) if abs(c - 30) > 6 else 0
    return out


@dataclass(frozen=True)
class Fault:
    """An obvious technical fault the request did not mention."""

    tools: dict[str, int]
    why: str


def obvious_faults(photo: Photo) -> list[Fault]:
    """Clear underexposure (a retoucher fixes it whatever else was asked). Casts are not fixed
    unasked: a warm café or a blue dusk is often meant."""
    m = photo.measures
    out = []
    # Dark overall and nothing bright anywhere (a night scene has its lights): underexposed.
    if m.clip_high < 0.002 and ((m.mean < 0.22 and m.top < 0.75) or (m.mean < 0.3 and m.top < 0.5)):
        value = exposure_correction(photo, asked=False)
        if value >= 10:
            out.append(Fault({"exposure": value},
                             f"the photo was underexposed (mean brightness {m.mean:.2f})"))
    return out
