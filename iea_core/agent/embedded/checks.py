"""Guard rails and verification: render the program at preview size before answering.

1. **Clipping guard**: a render that clips more than :data:`verify.CLIP_ALLOWANCE` of the picture
   that was not clipped before (highlights or shadows) is replaced by the first variant that does
   not, in order of how much of the request it keeps: hold the highlights back with the
   highlights tool (or lift the shadows), then scale the moves that cause the clipping down.
   "Keep the sky / protect the highlights" tightens the guard to almost no new clipping and
   also keeps the brightest fifth of the picture close to where it was.
2. **Claims**: every tool set makes a promise (:data:`verify.CLAIMS`: exposure up = mean brightness
   up, warmer = b* up ...). A promise the final render does not show is checked on its own (the
   program with and without that tool): a tool that changes nothing at all (negative grain on a
   photo without grain) or that goes the wrong way is dropped; one that works but is masked by
   the others is kept and its own effect is quoted.
3. **The whole render goes the asked way** for the colour tools (:data:`BALANCED`): "cooler and
   more saturated" on a warm photo must not come out warmer because the saturation boost brings
   out the warm colours more than the white balance removes. The masked tool is strengthened (and,
   if that is not enough, the other colour tools eased) until the final render shows its promise;
   if nothing within reach does, the amounts stay and the answer says the render as a whole
   measures the other way.

One or two ``render_batch`` calls on a ~128 px preview (~10 ms per render).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from .. import verify as V
from .adapt import Photo

#: Tools that make the picture brighter / darker when positive (negative for "down" tools).
_BRIGHTENING = {"exposure": 1, "brightness": 1, "whites": 1, "highlights": 1, "contrast": 1}
#: When nothing brightens, clipping comes from colour: scale that instead.
_COLOURING = {"saturation": 1, "vibrance": 1, "temperature": 0, "tint": 0}


def _cause(values: Mapping[str, int]) -> dict[str, int]:
    brightening = any(values.get(t, 0) * s > 0 for t, s in _BRIGHTENING.items()
                      if t != "contrast")
    return _BRIGHTENING if brightening else {**_BRIGHTENING, **_COLOURING}
_DARKENING = {"exposure": -1, "brightness": -1, "blacks": -1, "shadows": -1, "contrast": 1}
PROTECT_ALLOWANCE = 0.002
RELAXED_ALLOWANCE = 0.03
SHADOW_ALLOWANCE = 0.02  # crushed blacks are a common, accepted price of contrast
PROTECT_BRIGHT_SHIFT = 0.03
NO_OP = 2e-4  # mean |pixel difference| below which a tool does nothing visible


@dataclass
class Checked:
    values: dict[str, int]
    before: V.Measures
    after: V.Measures
    notes: list[str] = field(default_factory=list)  # said to the user
    dropped: dict[str, str] = field(default_factory=dict)  # tool -> why
    own: dict[str, str] = field(default_factory=dict)  # tool -> its own measured effect
    #: tool -> what the whole render measures, where the other tools outweigh the tool's own
    #: effect and no adjustment turned that around (said, not hidden)
    overall: dict[str, str] = field(default_factory=dict)
    render: np.ndarray | None = None  # the render ``after`` was measured on
    stand_ins: dict[str, str] = field(default_factory=dict)  # tool -> the tool that does its job


def _clean(values: Mapping[str, int]) -> dict[str, int]:
    return {t: int(max(-100, min(100, v))) for t, v in values.items() if int(v)}


def _scaled(values: Mapping[str, int], tools: Mapping[str, int], factor: float) -> dict[str, int]:
    out = dict(values)
    for tool, sign in tools.items():
        v = out.get(tool, 0)
        if v and (sign == 0 or np.sign(v) == sign):
            out[tool] = int(round(v * factor))
    return _clean(out)


def _highlight_variants(values: dict[str, int], can_use_highlights: bool,
                        protect: bool) -> list[dict[str, int]]:
    """Variants that clip fewer highlights, in order of how much of the request they keep:
    hold the highlights back (when exposure is what pushes them), scale the brightening moves
    down, brighten mid-tones and shadows instead of the white point, scale further."""
    out = []
    h = values.get("highlights", 0)
    e = values.get("exposure", 0)
    compensate = can_use_highlights and h <= 0 and e > 0
    if compensate:
        for extra in (-30, -60, -90):
            out.append(_clean({**values, "highlights": max(-100, h + extra)}))
    cause = _cause(values)
    for factor in (0.75, 0.5):
        v = _scaled(values, cause, factor)
        out.append(v)
        if compensate:
            out.append(_clean({**v, "highlights": max(-100, h - 50)}))
    if compensate:
        for factor in (0.35, 0.25):
            v = _scaled(values, cause, factor)
            out.append(_clean({**v, "highlights": max(-100, h - 80)}))
    if e > 0 and "brightness" not in values:
        mixed = {**values, "exposure": round(e * 0.3), "brightness": min(100, round(e * 0.6))}
        if can_use_highlights and h <= 0:
            mixed["highlights"] = max(-100, h - 60)
        out.append(_clean(mixed))
        # Brighten the mid-tones and shadows instead: the white point stays where it is.
        rest = {k: v for k, v in values.items() if k != "exposure"}
        for share in (1.0, 0.6):
            swap = {"brightness": min(100, round(e * 0.9 * share)),
                    "shadows": min(100, max(values.get("shadows", 0), round(e * 0.5 * share)))}
            if can_use_highlights and h <= 0:
                swap["highlights"] = max(-100, h - 20)
            out.append(_clean({**rest, **swap}))
    for factor in (0.3, 0.15, 0.0):
        out.append(_scaled(values, cause, factor))
    return out


def _shadow_variants(values: dict[str, int]) -> list[dict[str, int]]:
    """Variants that crush fewer shadows: scale the darkening moves down first (the request's own
    tools), then open the shadows, then scale further."""
    out = [_scaled(values, _DARKENING, f) for f in (0.75, 0.5)]
    s = values.get("shadows", 0)
    if s >= 0:
        for extra in (20, 40):
            out.append(_clean({**values, "shadows": min(100, s + extra)}))
    out += [_scaled(values, _DARKENING, f) for f in (0.3, 0.15, 0.0)]
    return out


class _LazyRenders:
    """Renders of variants, made a few at a time: the first that passes usually comes early,
    and each render costs ~10 ms."""

    def __init__(self, preview: np.ndarray, variants: list[dict[str, int]], profile: str,
                 chunk: int = 4) -> None:
        self.preview, self.variants, self.profile, self.chunk = preview, variants, profile, chunk
        self.done: list[np.ndarray] = []

    def __getitem__(self, i: int) -> np.ndarray:
        while len(self.done) <= i:
            start = len(self.done)
            batch = self.variants[start:start + self.chunk]
            self.done.extend(V.render_previews(self.preview, batch, self.profile))
        return self.done[i]


def guard(photo: Photo, values: dict[str, int], *, profile: str = "default",
          allow_highlight_clip: bool = False, allow_shadow_clip: bool = False,
          protect_highlights: bool = False, locked: frozenset[str] = frozenset()
          ) -> tuple[dict[str, int], np.ndarray, list[str]]:
    """The program (possibly changed), its render and what was done, under the clipping guard."""
    values = _clean(values)
    base = photo.measures
    render = V.render_previews(photo.preview, [values], profile)[0]
    notes: list[str] = []
    hi_allow = PROTECT_ALLOWANCE if protect_highlights else V.CLIP_ALLOWANCE

    def ok(r: np.ndarray, hi: bool = True, lo: bool = True) -> bool:
        clip_high, clip_low, bright = V.clipping(r, photo.regions)
        new_hi = max(0.0, clip_high - base.clip_high)
        new_lo = max(0.0, clip_low - base.clip_low)
        good = True
        if hi and not allow_highlight_clip:
            good &= new_hi <= hi_allow
            if protect_highlights and base.bright > 0.6:  # a dim sky may brighten
                good &= bright - base.bright <= PROTECT_BRIGHT_SHIFT
        if lo and not allow_shadow_clip:
            good &= new_lo <= SHADOW_ALLOWANCE
        return bool(good)

    if not ok(render, lo=False):
        m_high = V.clipping(render, photo.regions)[0]
        variants = _highlight_variants(values, "highlights" not in locked, protect_highlights)
        renders = _LazyRenders(photo.preview, variants, profile)
        lost = (m_high - base.clip_high) * 100
        relaxed = False
        asked = [t for t in _BRIGHTENING if values.get(t, 0) > 0 and t != "contrast"]
        if asked:
            # Brightening: of the variants that pass, keep the one that keeps most of the
            # brightening (first in order among those within 80 % of the best).
            wanted = float(V.luminance(render).mean()) - base.mean
            gains = [float(V.luminance(renders[i]).mean()) - base.mean
                     for i in range(len(variants))]
            passing = [i for i in range(len(variants)) if ok(renders[i], lo=False)]
            best = max((gains[i] for i in passing), default=0.0)
            chosen = next((i for i in passing if gains[i] >= 0.8 * best), None)
            strict = chosen  # what a compromise falls back to: never the unguarded program
            if chosen is not None and best < 0.25 * wanted:
                chosen = None  # almost nothing of the request left: consider a compromise
        else:
            chosen = next((i for i in range(len(variants)) if ok(renders[i], lo=False)), None)
            strict = chosen

        def keeps(v: Mapping[str, int]) -> bool:
            return not asked or any(v.get(t, 0) > 0 for t in asked)

        if chosen is not None and not protect_highlights and not keeps(variants[chosen]):
            chosen = None  # the brightening was scaled away: prefer a compromise below
        if chosen is None and not protect_highlights:
            # Nothing keeps every highlight without undoing the request: accept a little
            # clipping rather than answer "brighter" with nothing, and say so.
            for i, v in enumerate(variants):
                r = renders[i]
                new_hi = max(0.0, V.clipping(r, photo.regions)[0] - base.clip_high)
                if keeps(v) and new_hi <= RELAXED_ALLOWANCE:
                    chosen, relaxed = i, True
                    break
            if chosen is None:
                # Still nothing: the variant that keeps some brightening and clips least, if
                # it stays within twice the relaxed share (said in the note), before giving the
                # brightening up altogether.
                keeping = [i for i, v in enumerate(variants) if keeps(v)]
                clips = {i: V.clipping(renders[i], photo.regions)[0] - base.clip_high
                         for i in keeping}
                least = min(clips, key=clips.__getitem__, default=None)
                if least is not None and clips[least] <= 2 * RELAXED_ALLOWANCE:
                    chosen, relaxed = least, True
            if chosen is None:
                chosen = strict
        if chosen is None and protect_highlights:
            chosen = strict
        if chosen is None:
            # no variant passes: the one that clips least, and the note says what still clips
            clips = [V.clipping(renders[i], photo.regions)[0] for i in range(len(variants))]
            least = int(np.argmin(clips))
            if clips[least] < m_high:
                chosen, relaxed = least, True
        if chosen is not None:
            v, r = variants[chosen], renders[chosen]
            what = ("keep the highlights where they were" if protect_highlights else
                    f"avoid clipping {lost:.0f}% of the picture to white")
            changed = ", ".join(f"{t} {values.get(t, 0):+d} \u2192 {v.get(t, 0):+d}"
                                for t in sorted(set(values) | set(v))
                                if values.get(t, 0) != v.get(t, 0))
            note = f"To {what} I adjusted {changed}"
            if relaxed:
                clipped = max(0.0, V.clipping(r, photo.regions)[0] - base.clip_high)
                note += (f"; {clipped * 100:.1f}% of the picture still clips (say \u201cprotect "
                         "the highlights\u201d to avoid it)")
            notes.append(note + ".")
            values, render = v, r
    if not ok(render, hi=False):
        m_low = V.clipping(render, photo.regions)[1]
        variants = _shadow_variants(values)
        renders = _LazyRenders(photo.preview, variants, profile)
        for i, v in enumerate(variants):
            r = renders[i]
            if ok(r, hi=False):
                lost = (m_low - base.clip_low) * 100
                changed = ", ".join(f"{t} {values.get(t, 0):+d} \u2192 {v.get(t, 0):+d}"
                                    for t in sorted(set(values) | set(v))
                                    if values.get(t, 0) != v.get(t, 0))
                notes.append(f"To avoid crushing {lost:.0f}% of the picture to black I adjusted "
                             f"{changed}.")
                values, render = v, r
                break
    return values, render, notes


def verify_claims(photo: Photo, values: dict[str, int], render: np.ndarray, *,
                  profile: str = "default", keep: frozenset[str] = frozenset(),
                  fixed: frozenset[str] = frozenset()) -> Checked:
    """Measure every tool's claim on ``render``; drop what does nothing or goes the wrong way;
    make the whole render go the asked way for the colour tools others outweigh.

    ``keep``: tools whose value the user gave as a number (never dropped nor changed, only
    measured). ``fixed``: tools the photo settled (a white-balance correction, an added fix):
    never strengthened or eased to serve another tool's claim."""
    before = photo.measures
    after = V.measure(render, photo.preview, photo.regions)
    out = Checked(dict(values), before, after, render=render)
    failing = [t for t, v in values.items()
               if t in V.CLAIMS and not V.claim_holds(t, v, before, after)]
    if not failing:
        return out
    without = [{k: v for k, v in values.items() if k != t} for t in failing]
    renders = V.render_previews(photo.preview, without, profile)
    masked: dict[str, float] = {}  # tool -> its own change (in the direction of a + value)
    for tool, r in zip(failing, renders):
        value = values[tool]
        others = V.measure(r, photo.preview, photo.regions)
        if V.difference(r, render) < NO_OP:
            why = "it would change nothing visible on this photo"
        elif V.claim_holds(tool, value, others, after):
            out.own[tool] = V.describe_change(tool, others, after)
            masked[tool] = V.claim_change(tool, others, after)
            continue
        else:
            why = "on this photo it would not do what it says"
        if tool in keep:
            out.notes.append(f"{tool.replace('_', ' ').capitalize()} {value:+d} is the value you "
                             f"gave, but {why}.")
            continue
        stand_in = _stand_in(photo, out.values, tool, value, before, profile)
        if stand_in is not None:
            alt, alt_value = stand_in
            out.values.pop(tool, None)
            out.values[alt] = alt_value
            out.stand_ins[tool] = alt
            out.notes.append(
                f"On this photo {tool.replace('_', ' ')} {value:+d} would not do what you asked, "
                f"so I used {alt.replace('_', ' ')} "
                f"{alt_value:+d} instead, which does.")
            out.dropped[tool] = "replaced"  # re-render below; not reported as left out
            continue
        out.dropped[tool] = why
        out.values.pop(tool, None)
    replaced = [t for t, w in out.dropped.items() if w == "replaced"]
    for t in replaced:
        out.dropped.pop(t)
    if out.dropped or replaced:
        final = V.render_previews(photo.preview, [out.values], profile)[0]
        out.after = V.measure(final, photo.preview, photo.regions)
        out.render = final
    for tool, own in masked.items():
        # A correction the photo settled (white balance toward neutral greys) is checked on the
        # cast itself (:func:`check_cast`), not on the direction of the whole picture.
        if tool in BALANCED and tool in out.values and tool not in fixed:
            _hold_overall(photo, out, tool, own, profile, keep, fixed)
    return out


#: A tool that fails its claim on a photo may have a stand-in that moves the same tones the same
#: way ("pull down the highlights" on clipped highlights: the highlights tool cannot darken pure
#: white, the whites and exposure can): (tool, factor on the value), in order of preference.
STAND_INS: dict[str, tuple[tuple[str, float], ...]] = {
    "highlights": (("whites", 1.0), ("exposure", 0.5)),
    "shadows": (("blacks", 1.0), ("brightness", 0.5)),
    "whites": (("highlights", 1.0), ("exposure", 0.5)),
    "blacks": (("shadows", 1.0),),
}


def _stand_in(photo: Photo, values: Mapping[str, int], tool: str, value: int,
              before: V.Measures, profile: str) -> tuple[str, int] | None:
    """(tool, value) that makes ``tool``'s claim true on this photo where ``tool`` itself does
    not, or None."""
    candidates = []
    for alt, factor in STAND_INS.get(tool, ()):
        if alt in values:
            continue
        alt_value = int(max(-100, min(100, round(value * factor))))
        if alt_value:
            candidates.append((alt, alt_value))
    if not candidates:
        return None
    rest = {k: v for k, v in values.items() if k != tool}
    renders = V.render_previews(photo.preview, [dict(rest, **{a: v}) for a, v in candidates],
                                profile)
    for (alt, alt_value), r in zip(candidates, renders):
        after = V.measure(r, photo.preview, photo.regions)
        if V.claim_holds(tool, value, before, after) and (
                alt not in V.CLAIMS or V.claim_holds(alt, alt_value, before, after)):
            return alt, alt_value
    return None


#: Tools whose promise is about the colour of the picture as a whole (warmer, cooler, greener,
#: more or less colourful): another colour tool may outweigh them, and then they are adjusted.
BALANCED = ("temperature", "tint", "saturation", "vibrance")
#: (factor on the outweighed tool, factor on the other colour tools), in order of how little
#: they change the request: strengthen the tool first, then ease the others as well.
_HOLD_STEPS = ((1.35, 1.0), (1.75, 1.0), (2.25, 1.0), (1.75, 0.7), (2.25, 0.7), (3.0, 1.0),
               (2.25, 0.5), (3.0, 0.5))
#: the whole render must show at least this share of the tool's own effect (and the claim's minimum)
HOLD_SHARE = 0.25
_DIRECTION = {("temperature", 1): "warmer", ("temperature", -1): "cooler",
              ("tint", 1): "greener", ("tint", -1): "more magenta",
              ("saturation", 1): "more colourful", ("saturation", -1): "less colourful",
              ("vibrance", 1): "more colourful", ("vibrance", -1): "less colourful"}


#: The same promise read on a measure that a change of brightness leaves alone (darkening lowers
#: Lab chroma and |b*| without making anything less warm or less colourful): log ratio of the
#: red and blue means (temperature), of green against red and blue (tint), mean HSV saturation.
_STEADY_MINIMUM = {"temperature": 0.01, "tint": 0.005, "saturation": 0.004, "vibrance": 0.004}


def _steady(tool: str, image: np.ndarray) -> float:
    m = image.reshape(-1, 3).mean(0) + 1e-3
    if tool == "temperature":
        return float(np.log(m[0] / m[2]))
    if tool == "tint":
        return float(np.log(m[1] / np.sqrt(m[0] * m[2])))
    mx, mn = image.max(-1), image.min(-1)
    return float(np.where(mx > 1e-6, (mx - mn) / np.maximum(mx, 1e-6), 0.0).mean())


def _shows(tool: str, sign: int, need: float, photo: Photo, m: V.Measures,
           render: np.ndarray) -> bool:
    """Does the whole render go the way ``tool``'s sign promises, on its claim's measure or on
    the brightness-independent one?"""
    if sign * V.claim_change(tool, photo.measures, m) >= need:
        return True
    change = _steady(tool, render) - _steady(tool, photo.preview)
    return sign * change >= _STEADY_MINIMUM[tool]


def _hold_overall(photo: Photo, out: Checked, tool: str, own: float, profile: str,
                  keep: frozenset[str], fixed: frozenset[str]) -> None:
    """Make the final render show ``tool``'s promise when the other tools outweigh it (see the
    module notes); updates ``out`` in place and says what was done."""
    before = photo.measures
    value = out.values[tool]
    sign = 1 if value > 0 else -1
    need = max(V.CLAIMS[tool].minimum, HOLD_SHARE * abs(own))
    if sign * V.claim_change(tool, before, out.after) >= need:
        out.own.pop(tool, None)  # dropping another tool already settled it
        return
    if out.render is not None and _shows(tool, sign, need, photo, out.after, out.render):
        return  # masked only by a change of brightness: the own effect is quoted, as before
    held = [t for t, v in out.values.items() if t != tool and t in V.CLAIMS
            and V.claim_holds(t, v, before, out.after)]
    label = tool.replace("_", " ").capitalize()
    frozen = keep | fixed
    if tool in frozen:
        ease: list[str] = []
        steps: tuple[tuple[float, float], ...] = ()
    else:
        ease = [t for t in out.values if t != tool and t in BALANCED and t not in frozen]
        steps = _HOLD_STEPS
    variants: list[dict[str, int]] = []
    for grow, soften in steps:
        if soften < 1.0 and not ease:
            continue
        v = dict(out.values)
        v[tool] = int(max(-100, min(100, round(value * grow))))
        for t in ease:
            v[t] = int(round(out.values[t] * soften)) or (1 if out.values[t] > 0 else -1)
        if v != out.values and v not in variants:
            variants.append(v)
    renders = _LazyRenders(photo.preview, variants, profile)
    for i, v in enumerate(variants):
        m = V.measure(renders[i], photo.preview, photo.regions)
        if not _shows(tool, sign, need, photo, m, renders[i]):
            continue
        if not all(V.claim_holds(t, v[t], before, m) for t in held):
            continue
        changed = ", ".join(f"{t.replace('_', ' ')} {out.values[t]:+d} \u2192 {v[t]:+d}"
                            for t in sorted(v) if v[t] != out.values[t])
        whole = V.describe_change(tool, before, out.after)
        out.notes.append(
            f"With the other changes the photo as a whole did not come out "
            f"{_DIRECTION.get((tool, sign), 'as asked')} ({whole}), so I adjusted {changed}: "
            f"now {V.describe_change(tool, before, m)} on the render.")
        out.values, out.after, out.render = v, m, renders[i]
        out.own.pop(tool, None)
        return
    whole = V.describe_change(tool, before, out.after)
    out.overall[tool] = whole
    greys = ""
    if tool in ("temperature", "tint"):
        # White balance read on the photo's least colourful mid-tones (its greys): what the
        # tool itself moves, apart from the colours the other tools bring out.
        key = "neutral_b" if tool == "temperature" else "neutral_a"
        shift = getattr(out.after, key) - getattr(before, key)
        if tool == "tint":
            shift = -shift
        if sign * shift > 0.3:
            greys = (f"; its greys do come out {_DIRECTION[(tool, sign)]} "
                     f"({'b*' if tool == 'temperature' else 'a*'} "
                     f"{getattr(out.after, key) - getattr(before, key):+.1f})")
    why = ("it is the value you gave, so I left it" if tool in keep else
           "nothing I tried within the tools' range turned that around")
    out.notes.append(
        f"{label} {value:+d} makes the photo {_DIRECTION.get((tool, sign), 'change as asked')} "
        f"on its own ({out.own.get(tool, '')}), but with the other changes the render as a whole "
        f"measures the other way ({whole}){greys}; {why}.")


@dataclass
class CastCheck:
    """A white-balance correction measured on its render."""

    values: dict[str, int]
    render: np.ndarray
    before: float  # estimated cast of the photo (Lab units)
    after: float  # ... of the render
    direction: str  # the photo's cast ("yellow", "blue-green" ...)
    note: str = ""  # said to the user when the correction was changed or given up


def check_cast(photo: Photo, values: dict[str, int], render: np.ndarray, *,
               profile: str = "default") -> CastCheck:
    """Did the white-balance correction shrink the cast on the render? The cast is estimated on
    the render with everything else the program does, with and without the correction (other
    tools, exposure above all, change which pixels the estimate can use, so the comparison is
    made on equal terms). If it did not shrink, the better of half the correction and none is
    kept, and said."""
    from . import whitebalance

    start = whitebalance.estimate(photo.linear)
    none = {k: v for k, v in values.items() if k not in ("temperature", "tint")}
    half = _clean({**values, "temperature": round(values.get("temperature", 0) / 2),
                   "tint": round(values.get("tint", 0) / 2)})
    if none == values:
        return CastCheck(dict(values), render, start.cast, start.cast, start.direction)
    without, halved = V.render_previews(photo.preview, [none, half], profile)
    base = whitebalance.estimate_encoded(without).cast
    after = whitebalance.estimate_encoded(render).cast
    out = CastCheck(dict(values), render, base, after, start.direction)
    if after < base:
        return out
    at_half = whitebalance.estimate_encoded(halved).cast
    if at_half < base:
        out.values, out.render, out.after = half, halved, at_half
        out.note = (f"The full white-balance correction did not make the greys more neutral on the "
                    f"render, so I used half of it (cast {base:.1f} \u2192 {at_half:.1f} Lab units).")
    else:
        out.values, out.render, out.after = none, without, base
        out.note = ("I left the white balance alone: no correction I tried made the greys more "
                    f"neutral on the render (estimated {start.direction} cast of {base:.1f} Lab "
                    "units).")
    return out
