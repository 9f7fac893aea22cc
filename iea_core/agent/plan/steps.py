"""Checkable steps: a photographic intent, the tool that makes it, and a target on the render.

A :class:`StepKind` says what one step wants in numbers *relative to the photo*: "cooler: mean b*
down by 4-8" is ``("delta", -8, -4)`` on metric ``b``; "lifted blacks: 1st-percentile luminance at
least 0.08" is ``("at_least", 0.08, 0.10)``: at least 0.08, but never asking for more than a 0.10
lift on a photo that starts very dark, so a dark and a bright photo get different edits and both
can meet the target. :meth:`Step.bounds` turns that into a ``(low, high)`` range for one photo.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Mapping

from .measure import METRICS

INF = math.inf


@dataclass(frozen=True)
class StepKind:
    """One kind of step. ``tools``: (tool, sign) in order of preference; sign +1 when raising
    the tool raises the metric. ``fixed``: the step is a switch (black and white), not an amount.
    ``guess``: the tool value the search starts from."""

    name: str
    intent: str
    metric: str
    target: tuple[str, float, float]
    tools: tuple[tuple[str, int], ...]
    guess: int = 25
    limit: int = 100
    fixed: int | None = None


def _k(name: str, intent: str, metric: str, target: tuple[str, float, float],
       tools: tuple[tuple[str, int], ...], guess: int = 25, limit: int = 100,
       fixed: int | None = None) -> StepKind:
    assert metric in METRICS, metric
    return StepKind(name, intent, metric, target, tools, guess, limit, fixed)


_WB = (("temperature", 1),)
_TINT = (("tint", -1),)
_LIGHT = (("exposure", 1), ("brightness", 1))
# mid-tone brightness first: it keeps the white and black points, so a bright photo made a little
# brighter does not clip (exposure, a linear gain, would)
_MID = (("brightness", 1), ("exposure", 1))
_BLACKS = (("blacks", 1), ("fade", 1))
_FADE = (("fade", 1), ("blacks", 1))
_SHADOWS = (("shadows", 1), ("blacks", 1))
_HIGH = (("highlights", 1), ("whites", 1))
_CONTRAST = (("contrast", 1),)
_SAT = (("saturation", 1), ("vibrance", 1))
_CORNERS = (("vignette", 1),)
_CLARITY = (("natural_contrast", 1),)
_SHARP = (("sharpness", 1),)
_GRAIN = (("grain", 1),)

KINDS: Mapping[str, StepKind] = {k.name: k for k in (
    # targets sit where a tool value of roughly 25-75 lands on typical photos (measured on
    # scikit-image's samples), so a look's steps are reachable without pinning any slider
    _k("cooler_slight", "slightly cooler white balance", "wb_b", ("delta", -3, -1), _WB, -20),
    _k("cooler", "cooler white balance", "wb_b", ("delta", -6, -3), _WB, -45),
    _k("much_cooler", "much cooler, blue white balance", "wb_b", ("delta", -10, -6), _WB, -75),
    _k("warmer_slight", "slightly warmer white balance", "wb_b", ("delta", 1, 3), _WB, 20),
    _k("warmer", "warmer white balance", "wb_b", ("delta", 3, 6), _WB, 45),
    _k("much_warmer", "much warmer, golden white balance", "wb_b", ("delta", 6, 10), _WB, 75),
    _k("magenta", "a magenta tint", "wb_a", ("delta", 1, 3), _TINT, -30),
    _k("green", "a green tint", "wb_a", ("delta", -3, -1), _TINT, 30),
    _k("brighter", "brighter overall", "L", ("delta", 4, 10), _MID, 20),
    _k("much_brighter", "much brighter overall", "L", ("delta", 10, 18), _MID, 60),
    _k("darker", "darker overall", "L", ("delta", -10, -4), _MID, -20),
    _k("much_darker", "much darker overall", "L", ("delta", -18, -10), _LIGHT, -45),
    _k("high_key", "high-key: bright mid-tones", "p50", ("at_least", 0.6, 0.18), _MID, 60),
    _k("low_key", "low-key: dark mid-tones", "p50", ("at_most", 0.28, 0.18), _LIGHT, -40),
    _k("lifted_blacks", "lifted blacks", "p01", ("at_least", 0.06, 0.07), _BLACKS, 40),
    _k("faded", "faded, milky blacks", "p01", ("at_least", 0.1, 0.12), _FADE, 45),
    _k("deep_blacks", "deep, dense blacks", "p01", ("at_most", 0.02, 0.04), (("blacks", 1),), -40),
    _k("lifted_shadows", "open, lifted shadows", "p25", ("delta", 0.02, 0.05), _SHADOWS, 45),
    _k("deep_shadows", "deeper shadows", "p25", ("delta", -0.045, -0.015), _SHADOWS, -45),
    _k("soft_highlights", "softer, held-back highlights", "p99", ("delta", -0.045, -0.012), _HIGH,
       -45),
    _k("bright_highlights", "brighter highlights", "p90", ("delta", 0.012, 0.04), _HIGH, 45),
    _k("more_contrast", "more contrast", "spread", ("ratio", 1.06, 1.2), _CONTRAST, 35),
    _k("strong_contrast", "strong contrast", "spread", ("ratio", 1.2, 1.4), _CONTRAST, 70),
    _k("less_contrast", "less contrast", "spread", ("ratio", 0.8, 0.94), _CONTRAST, -40),
    _k("flat", "flat, low contrast", "spread", ("ratio", 0.66, 0.82), _CONTRAST, -80),
    _k("more_colour", "richer colour", "chroma", ("ratio", 1.1, 1.3), _SAT, 20),
    _k("vivid", "vivid, saturated colour", "chroma", ("ratio", 1.3, 1.6), _SAT, 45),
    _k("less_colour", "less saturated colour (about a fifth less)", "chroma", ("ratio", 0.72, 0.88),
       _SAT, -20),
    _k("muted", "muted colour (about half)", "chroma", ("ratio", 0.4, 0.65), _SAT, -50),
    _k("monochrome", "black and white", "chroma", ("at_most", 1.0, 200.0),
       (("saturation", 1),), -100, fixed=-100),
    _k("vignette", "darker corners", "corners", ("delta", -0.2, -0.06), _CORNERS, -35),
    _k("strong_vignette", "strongly darkened corners", "corners", ("delta", -0.35, -0.18),
       _CORNERS, -70),
    _k("clarity", "more local contrast (clarity)", "local", ("ratio", 1.08, 1.3), _CLARITY, 40),
    _k("softer", "softer local contrast, a gentle glow", "local", ("ratio", 0.75, 0.93), _CLARITY,
       -50),
    _k("sharper", "crisper detail", "fine", ("ratio", 1.1, 1.6), _SHARP, 30),
    _k("grain", "film grain", "fine", ("ratio", 1.15, 2.5), _GRAIN, 30, 70),
)}


@dataclass(frozen=True)
class Step:
    """One step of a plan: a kind, where it came from, and how strongly (1 = as listed)."""

    kind: StepKind
    source: str  # the look ("cold winter morning") or the user's clause ("warmer")
    strength: float = 1.0
    explicit: bool = False  # the user asked for this step in so many words
    tool: str = ""  # the tool the executor drives (first free one of ``kind.tools``)
    sign: int = 1

    @property
    def metric(self) -> str:
        return self.kind.metric

    @property
    def direction(self) -> int:
        """+1 when the step raises its metric, -1 when it lowers it."""
        form, p, _ = self.kind.target
        if form == "delta":
            return 1 if p > 0 else -1
        if form == "ratio":
            return 1 if p > 1 else -1
        return 1 if form == "at_least" else -1

    def clamp(self, value: float) -> int:
        """A tool value for this step: within its limit and on the step's side of 0 (a "cooler"
        step never warms, even where that would balance another step's metric)."""
        limit = self.kind.limit
        if self.direction * (self.sign or 1) > 0:
            return int(max(0, min(limit, round(value))))
        return int(max(-limit, min(0, round(value))))

    def with_tool(self, tool: str, sign: int) -> "Step":
        return replace(self, tool=tool, sign=sign)

    def scaled(self, factor: float) -> "Step":
        return replace(self, strength=max(0.1, min(3.0, self.strength * factor)))

    def bounds(self, before: Mapping[str, float]) -> tuple[float, float]:
        """The range the metric must end in, for a photo whose metrics are ``before``."""
        form, p, q = self.kind.target
        now = before[self.kind.metric]
        s = self.strength
        if form == "delta":
            lo, hi = now + p * s, now + q * s
        elif form == "ratio":
            lo, hi = now * (1 + (p - 1) * s), now * (1 + (q - 1) * s)
        elif form == "at_least":
            lo, hi = (min(p, now + q * s) if now < p else p), INF
        elif form == "at_most":
            lo, hi = -INF, (max(p, now - q * s) if now > p else p)
        else:  # pragma: no cover - the table above is the only source
            raise ValueError(form)
        return (min(lo, hi), max(lo, hi))

    def describe(self) -> str:
        """The step as a user reads it: "cooler white balance: mean b* down by 4-8"."""
        form, p, q = self.kind.target
        what = METRICS[self.kind.metric]
        s = self.strength
        if form == "delta":
            lo, hi = sorted((abs(p * s), abs(q * s)))
            way = "up" if p > 0 else "down"
            return f"{self.kind.intent}: {what} {way} by {_num(lo)}-{_num(hi)}"
        if form == "ratio":
            lo, hi = 1 + (p - 1) * s, 1 + (q - 1) * s
            return f"{self.kind.intent}: {what} x{lo:.2f}-{hi:.2f}"
        if form == "at_least":
            return f"{self.kind.intent}: {what} at least {_num(p)} (lift at most {_num(q * s)})"
        return f"{self.kind.intent}: {what} at most {_num(p)} (lower at most {_num(q * s)})"


def _num(x: float) -> str:
    return f"{x:.2f}" if abs(x) < 1 else f"{x:.3g}"


def far_slack(low: float, high: float) -> float:
    """Extra room past a two-sided range's far edge: steps share the photo (darkening also mutes
    colour, lifting the blacks also lifts the shadows), so going up to half the range's width
    further in the step's own direction still counts as the step met."""
    return 0.5 * (high - low) if math.isfinite(low) and math.isfinite(high) else 0.0


def tolerance(metric: str, low: float, high: float) -> float:
    """Slack on a range's edges when judging (measurement noise between sizes, rounding)."""
    finite = [v for v in (low, high) if math.isfinite(v)]
    width = (high - low) if len(finite) == 2 else 0.0
    base = {"L": 0.3, "a": 0.2, "b": 0.2, "wb_a": 0.2, "wb_b": 0.2, "chroma": 0.2}.get(metric, 0.003)
    return max(base, 0.05 * width)


def aim(low: float, high: float, now: float) -> float:
    """The value the search steers to: the middle of a two-sided range; just inside a one-sided
    range's edge, or where the metric already is if that is inside."""
    if math.isfinite(low) and math.isfinite(high):
        return (low + high) / 2
    if math.isfinite(low):
        margin = 0.01 if abs(low) < 2 else 0.5
        return max(now, low + margin)
    if math.isfinite(high):
        margin = 0.01 if abs(high) < 2 else 0.3
        return min(now, high - margin)
    return now


@dataclass
class StepVerdict:
    """How one step did on the render."""

    step: Step
    low: float
    high: float
    before: float
    measured: float
    passed: bool
    rounds: int = 1  # judge rounds until it first passed (or the total when it never did)
    note: str = ""

    def to_dict(self) -> dict[str, object]:
        return {"step": self.step.kind.name, "intent": self.step.kind.intent,
                "target": self.step.describe(), "source": self.step.source,
                "metric": self.step.metric, "tool": self.step.tool,
                "low": None if not math.isfinite(self.low) else round(self.low, 4),
                "high": None if not math.isfinite(self.high) else round(self.high, 4),
                "before": round(self.before, 4), "measured": round(self.measured, 4),
                "passed": self.passed, "rounds": self.rounds, "note": self.note}


@dataclass
class Conflict:
    """Two steps that want the same thing opposite ways; neither is applied."""

    first: Step
    second: Step
    metric: str
    tool: str = ""
    resolved: str = ""  # "" = not applied; "override" = the explicit request won

    def describe(self) -> str:
        tool = f" ({self.tool} pulled both ways)" if self.tool else ""
        a, b = self.first, self.second
        if self.resolved == "override":
            return (f"\u201c{b.source}\u201d asks for {b.kind.intent}, overriding {a.kind.intent} "
                    f"from the look \u201c{a.source}\u201d{tool}")
        return (f"conflict: \u201c{a.source}\u201d wants {a.kind.intent} but \u201c{b.source}\u201d "
                f"wants {b.kind.intent}{tool}; I applied neither \u2014 say which you prefer")

    def to_dict(self) -> dict[str, object]:
        return {"first": self.first.kind.name, "first_source": self.first.source,
                "second": self.second.kind.name, "second_source": self.second.source,
                "metric": self.metric, "tool": self.tool, "resolved": self.resolved,
                "message": self.describe()}


@dataclass
class Plan:
    """What an abstract request became: looks matched, steps, conflicts, and what is not possible."""

    request: str
    looks: list[tuple[str, float]] = field(default_factory=list)  # (look name, similarity)
    steps: list[Step] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # limitations said plainly
    unread: list[str] = field(default_factory=list)  # clauses neither a look nor a tool request
    rails: dict[str, float] = field(default_factory=dict)  # per-look rail limit overrides
    #: a clause gives tool values in numbers: the agent's own edit honours them as given
    explicit_values: bool = False

    def lines(self) -> list[str]:
        out = []
        for name, sim in self.looks:
            out.append(f"look: {name} (match {sim:.2f})")
        for k, step in enumerate(self.steps, 1):
            out.append(f"{k}. {step.describe()} [{step.tool or '-'}]")
        out += [c.describe() for c in self.conflicts]
        out += [f"note: {n}" for n in self.notes]
        out += [f"not understood: \u201c{u}\u201d" for u in self.unread]
        return out

    def to_dict(self) -> dict[str, object]:
        return {"request": self.request,
                "looks": [{"name": n, "similarity": round(s, 3)} for n, s in self.looks],
                "steps": [{"step": s.kind.name, "target": s.describe(), "source": s.source,
                           "tool": s.tool, "strength": round(s.strength, 3)} for s in self.steps],
                "conflicts": [c.to_dict() for c in self.conflicts], "notes": list(self.notes),
                "unread": list(self.unread)}
