"""Abstract request -> :class:`~.steps.Plan`: looks matched, their steps, conflicts, limitations.

The request is split into clauses (commas, "and", "but"; look names such as "teal and orange" stay
whole). A clause is a *look* when its wording is close to one in :mod:`.looks` (MiniLM cosine);
otherwise the embedded agent reads it, and a plain request ("warmer", "less contrast") becomes the
matching step with the agent's polarity and degree. Steps that want one metric opposite ways are a
:class:`~.steps.Conflict`: between two looks (or two plain requests) neither is applied and the
answer says so; a plain request beats a look's step ("cinematic but warmer") and the answer says
that too. Each step then gets its own tool (the first of its kind's tools that no earlier step
drives), so two steps never fight over one slider.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from .looks import BY_NAME, LOOKS, Look
from .match import LookMatcher
from .steps import KINDS, Conflict, Plan, Step

#: a clause whose best look scores this much is a look, whatever the agent reads in it
LOOK_SURE = 0.8
#: below this a clause is not a look
LOOK_MIN = 0.5
#: the agent's reading wins (a plain request) when it is this confident about a plain property
PLAIN_CONFIDENCE = 0.85
#: ... unless a look this close holds that property's step and the wording says more than it
LOOK_RICHER = 0.7

#: the embedded agent's property groups -> step kind (WANT) and the opposite (OPPOSE / REMOVE)
PLAIN_STEPS: dict[str, tuple[str | None, str | None]] = {
    "bright": ("brighter", "darker"), "dark": ("darker", "brighter"),
    "warm": ("warmer", "cooler"), "cool": ("cooler", "warmer"),
    "green": ("green", "magenta"), "magenta": ("magenta", "green"),
    "contrasty": ("more_contrast", "less_contrast"), "flat": ("less_contrast", "more_contrast"),
    "clarity": ("clarity", "softer"), "soft": ("softer", "clarity"),
    "sharp": ("sharper", None), "blur": ("softer", "sharper"),
    "saturated": ("more_colour", "less_colour"), "vivid": ("more_colour", "less_colour"),
    "muted": ("less_colour", "more_colour"), "bw": ("monochrome", None),
    "lift_shadows": ("lifted_shadows", "deep_shadows"),
    "deep_shadows": ("deep_shadows", "lifted_shadows"),
    "recover_highlights": ("soft_highlights", "bright_highlights"),
    "boost_highlights": ("bright_highlights", "soft_highlights"),
    "bright_whites": ("bright_highlights", "soft_highlights"),
    "dull_whites": ("soft_highlights", "bright_highlights"),
    "deep_blacks": ("deep_blacks", "lifted_blacks"), "lift_blacks": ("lifted_blacks", "deep_blacks"),
    "vignette": ("vignette", None), "fade": ("faded", "deep_blacks"), "grain": ("grain", None),
}
#: the agent's own look groups -> the planner's look
AGENT_LOOKS = {"pop": "punchy", "moody": "moody", "dramatic": "dramatic", "vintage": "vintage",
               "airy": "airy", "dreamy": "dreamy", "hdr": "hdr", "golden_hour": "golden hour",
               "cinematic": "cinematic"}
_LOOK_STRENGTH_CAP = 1.8

_AND_LOOKS = sorted({p for look in LOOKS for p in (look.name,) + look.phrases
                     if re.search(r"\band\b|&", p)}, key=len, reverse=True)


@dataclass(frozen=True)
class ClauseReading:
    """How the planner read one clause."""

    text: str
    look: str | None  # the look it names, if any
    similarity: float
    steps: tuple[Step, ...] = ()
    agent: bool = False  # a plain request with no step of its own ("fix the exposure")


def split_request(text: str) -> list[str]:
    """Clauses of a request, keeping look names with "and" in them whole."""
    from ..embedded.text import normalize, split_clauses

    text = normalize(text)
    keep: dict[str, str] = {}
    for k, phrase in enumerate(_AND_LOOKS):
        if phrase in text:
            token = f"qlook{k}q"
            keep[token] = phrase
            text = text.replace(phrase, token)
    out = []
    for part in split_clauses(text):
        for token, phrase in keep.items():
            part = part.replace(token, phrase)
        out.append(part)
    return out


def _degree(text: str) -> float:
    from ..embedded.text import DEGREE_FACTORS, extract_degree

    _, level = extract_degree(text)
    return min(_LOOK_STRENGTH_CAP, DEGREE_FACTORS.get(level, 1.0))


def look_steps(look: Look, strength: float = 1.0) -> tuple[Step, ...]:
    return tuple(Step(KINDS[kind], look.name, s * strength) for kind, s in look.step_kinds())


class Planner:
    """Plans abstract requests with the embedded agent's encoder (and its reader for plain
    clauses). ``agent``: an :class:`~iea_core.agent.embedded.EmbeddedAgent`."""

    def __init__(self, agent: Any) -> None:
        self.agent = agent
        self.matcher = LookMatcher(agent.interpreter.encoder)

    # --- reading ----------------------------------------------------------------------------
    def read(self, request: str) -> list[ClauseReading]:
        clauses = split_request(request)
        if not clauses:
            return []
        scores = self.matcher.scores(clauses)
        out = []
        for clause, row in zip(clauses, scores):
            best = int(np.argmax(row))
            sim = float(row[best])
            out.append(self._read_clause(clause, LOOKS[best], sim))
        return out

    @property
    def _words(self) -> frozenset[str]:
        """Words with a meaning: the agent's vocabulary and the looks' own wordings."""
        words = getattr(self, "_word_cache", None)
        if words is None:
            import re

            from .looks import LOOKS as ALL_LOOKS

            phrase_words = {w for look in ALL_LOOKS for phrase in (look.name, *look.phrases)
                            for w in re.findall(r"[a-z][a-z'-]*", phrase.lower())}
            words = self._word_cache = frozenset(
                getattr(self.agent, "_vocabulary", frozenset())) | frozenset(phrase_words)
        return words

    def _read_clause(self, clause: str, look: Look, sim: float) -> ClauseReading:
        from ..embedded.honesty import understood_clause

        strength = _degree(clause)
        if sim >= LOOK_SURE:
            return ClauseReading(clause, look.name, sim, look_steps(look, strength))
        # Gibberish ("asdf qwer") is always nearest to some look; without a word that means
        # something it is left to the agent, which says it did not understand.
        if not understood_clause(clause.lower(), self._words):
            return ClauseReading(clause, None, sim)
        readings = self.agent.read(clause)
        plain: list[Step] = []
        agent_knows = False  # a confident plain reading ("fix the exposure", "undo") of the agent
        for r in readings:
            if r.intent in AGENT_LOOKS and r.polarity == "WANT" and sim < LOOK_MIN:
                named = BY_NAME[AGENT_LOOKS[r.intent]]
                return ClauseReading(clause, named.name, sim, look_steps(named, strength))
            if r.confidence >= PLAIN_CONFIDENCE and r.intent not in AGENT_LOOKS and \
                    r.intent != "neutral":
                agent_knows = True
            kinds = PLAIN_STEPS.get(r.intent)
            if kinds is None or r.confidence < PLAIN_CONFIDENCE:
                continue
            kind = kinds[0] if r.polarity == "WANT" else \
                kinds[1] if r.polarity in ("OPPOSE", "REMOVE") else None
            if kind is not None:
                plain.append(Step(KINDS[kind], r.clause.text, min(2.5, r.factor), explicit=True))
        if plain and sim >= LOOK_RICHER and self._names_more(clause) and \
                {p.kind.name for p in plain} <= {k for k, _ in look.step_kinds()}:
            # "like a 1940s film noir" reads as "black and white" to the agent, and the look
            # noir holds that step and more: the wording says more than the plain property
            return ClauseReading(clause, look.name, sim, look_steps(look, strength))
        if plain or agent_knows:
            return ClauseReading(clause, None, sim, tuple(plain), agent=not plain)
        if sim >= LOOK_MIN:
            return ClauseReading(clause, look.name, sim, look_steps(look, strength))
        return ClauseReading(clause, None, sim)

    @staticmethod
    def _names_more(clause: str) -> bool:
        """True when the clause has at least two meaning words (after frame and degree words):
        "cold" is a property, "cold winter" a scene."""
        from ..embedded.text import extract_degree
        from .match import strip_frame

        core, _ = extract_degree(clause)
        return len(strip_frame(core).split()) >= 2

    def is_abstract(self, request: str) -> bool:
        """True when some clause asks for a mood or look (then the request is planned)."""
        try:
            return any(c.look for c in self.read(request))
        except Exception:  # never let routing break an edit: the plain agent takes it
            return False

    # --- planning ---------------------------------------------------------------------------
    def plan(self, request: str) -> Plan:
        """The plan for ``request`` (steps relative to the photo; the executor measures it)."""
        readings = self.read(request)
        plan = Plan(request)
        steps: list[Step] = []
        for r in readings:
            if r.look:
                if r.look not in [n for n, _ in plan.looks]:
                    plan.looks.append((r.look, r.similarity))
                    look = BY_NAME[r.look]
                    if look.note:
                        plan.notes.append(f"{look.name}: {look.note}")
                    for rail, limit in look.rails.items():
                        plan.rails[rail] = max(limit, plan.rails.get(rail, 0.0))
            elif r.agent:
                plan.notes.append(f"\u201c{r.text}\u201d is not part of the plan; ask for it on "
                                  "its own and the agent measures it from the photo")
            elif not r.steps:
                plan.unread.append(r.text)
            steps.extend(r.steps)
        plan.steps, plan.conflicts = resolve(steps)
        assign_tools(plan.steps)
        for c in plan.conflicts:
            c.tool = c.tool or next((t for t, _ in c.first.kind.tools
                                     if t in dict(c.second.kind.tools)), "")
        return plan


def resolve(steps: Sequence[Step]) -> tuple[list[Step], list[Conflict]]:
    """One step per metric. Same direction: the explicit (user's own words), else the stronger
    one stays. Opposite: an explicit step beats a look's (reported as an override); otherwise
    both go and the conflict is reported."""
    kept: list[Step] = []
    conflicts: list[Conflict] = []
    dropped: set[int] = set()
    for step in steps:
        clash = next((k for k, s in enumerate(kept) if k not in dropped and s.metric == step.metric),
                     None)
        if clash is None:
            kept.append(step)
            continue
        other = kept[clash]
        if other.direction == step.direction:
            if step.explicit and not other.explicit or \
                    (step.explicit == other.explicit and step.strength > other.strength):
                kept[clash] = step
            continue
        if step.explicit != other.explicit:
            winner, loser = (step, other) if step.explicit else (other, step)
            conflicts.append(Conflict(loser, winner, step.metric, resolved="override"))
            kept[clash] = winner
            continue
        conflicts.append(Conflict(other, step, step.metric))
        dropped.add(clash)
    return [s for k, s in enumerate(kept) if k not in dropped], conflicts


def assign_tools(steps: list[Step]) -> None:
    """Give each step the first tool of its kind that no earlier step drives."""
    used: set[str] = set()
    for k, step in enumerate(steps):
        for tool, sign in step.kind.tools:
            if tool not in used:
                steps[k] = step.with_tool(tool, sign)
                used.add(tool)
                break
