"""Abstract request -> :class:`~.steps.Plan`: looks matched, their steps, conflicts, limitations.

The request is split into clauses (commas, "and", "but"; look names such as "teal and orange" stay
whole). A clause is a *look* when its wording is close to one in :mod:`.looks` (MiniLM cosine);
otherwise the embedded agent reads it, and a plain request ("warmer", "less contrast") becomes the
matching step with the agent's polarity and degree. Steps that want one metric opposite ways are a
:class:`~.steps.Conflict`: between two looks (or two plain requests) neither is applied and the
answer says so; a plain request beats a look's step ("cinematic but warmer") and the answer says
that too. Each step then gets its own tool (the first of its kind's tools that no earlier step
drives), so two steps never fight over one slider.

A look named to be taken away is never applied: "less moody", "it's too cinematic", "not so
dramatic" become gentle steps the other way (:func:`away_steps`; an unedited photo carries no edit
of that look to take back, and the answer says so), "don't make it moody" / "no vintage look"
become no step at all. The planner only takes what names a mood: a clause that is only in the
uncertain band of similarity is a look when something other than plain words (tones, colours,
tools, parts of the photo, frame words) still reads as one ("i don't like how dark it is" and
"make the colours colder" are the agent's); clauses with explicit values ("contrast to 30") send
the whole request to the agent, which applies them as given; what no global tool can do ("change
the sky to a sunset") is not faked with a look.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
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

#: each step kind -> the kind that moves its metric the other way ("less moody" on an unedited
#: photo); effects an unedited photo cannot have less of (vignette, grain, sharpening) have none
OPPOSITE: dict[str, str | None] = {
    "cooler_slight": "warmer_slight", "cooler": "warmer_slight", "much_cooler": "warmer_slight",
    "warmer_slight": "cooler_slight", "warmer": "cooler_slight", "much_warmer": "cooler_slight",
    "magenta": "green", "green": "magenta",
    "brighter": "darker", "much_brighter": "darker", "high_key": "darker",
    "darker": "brighter", "much_darker": "brighter", "low_key": "brighter",
    "lifted_blacks": "deep_blacks", "faded": "deep_blacks", "deep_blacks": "lifted_blacks",
    "lifted_shadows": "deep_shadows", "deep_shadows": "lifted_shadows",
    "soft_highlights": "bright_highlights", "bright_highlights": "soft_highlights",
    "more_contrast": "less_contrast", "strong_contrast": "less_contrast",
    "less_contrast": "more_contrast", "flat": "more_contrast",
    "more_colour": "less_colour", "vivid": "less_colour",
    # less colour is a look's restraint, not something an unedited photo has too much of
    "less_colour": None, "muted": "more_colour", "monochrome": None,
    "clarity": "softer", "softer": "clarity",
    "vignette": None, "strong_vignette": None, "sharper": None, "grain": None,
}
#: strength of the way back from a look, relative to the look's own step
AWAY_STRENGTH = 0.6
#: ... and each of its tools stays within this
AWAY_LIMIT = 40

#: words that say "less of it / not it" next to a look's name ("less moody", "too cinematic",
#: "don't make it vintage", "not so dramatic")
LOOK_NEGATION = re.compile(
    r"\b(less|fewer|not|no|nothing|none|never|don't|do not|doesn't|does not|shouldn't|"
    r"should not|isn't|is not|"
    r"won't|without|too|overly|stop|avoid|reduce|tone (it )?down|dial (it )?(back|down)|pull back|"
    r"remove|undo|get rid of|take (away|off|out)|lose|ditch|instead of|rather than|over the top|"
    r"overdone|overcooked)\b|n't\b")
#: the cue words that mean "less of it" (the rest mean "not it"), for when the heads read none
_LESS_CUE = re.compile(r"\b(less|fewer|too|overly|reduce|tone (it )?down|dial (it )?(back|down)|"
                       r"pull back|not so|not as|so much|over the top|overdone|overcooked)\b")

#: words of plain requests: tones, colours, tools and the parts of a photo. A clause that only
#: scores as a look in the uncertain band (below LOOK_SURE) is a look only when something is left
#: after these (and frame words) are taken off, and that rest still reads as a look: "make the
#: colours colder" and "i don't like how dark it is" name no mood, "misty lake at daybreak" does
PLAIN_WORDS = frozenset("""
bright brighter brightest brightness brighten brightened lighter lighten light lights dark darker
darkest darken darkened darkness dim dimmer dull duller warm warmer warmest warmth hot hotter cold
colder coldest cool cooler coolest chilly blue bluer blues yellow yellower yellows orange oranges
red redder reds green greener greens magenta pink pinker purple grey gray greyer grayer greyish
brown brownish beige tint tinted cast hue hues contrast
contrasty contrastier flat flatter colour color colours colors coloured colored colourful colorful
saturation saturated saturate desaturate desaturated vivid vibrant vibrance muted exposure exposed
overexposed underexposed shadows shadow highlights highlight blacks black whites white sharp
sharper sharpness soft softer blur blurry blurred clarity detail details grain grainy noise noisy
vignette fade faded tone tones temperature lift lifted deep deeper mid midtones balance neutral
strong stronger weak weaker intense intensity level levels crisp crisper punch
sky skies background foreground face faces eyes eye skin subject person people hair flag cat dog
cats dogs bird sun clouds cloud building buildings tree trees water grass car text logo watermark
mind never enough already maybe perhaps think guess how isn't doesn't shouldn't didn't wasn't
aren't won't don't do does did need needs needed want wanted like dislike hate love liked
fine okay good bad better worse best worst nice great slightly instead than now currently
yet still actually right wrong bit lot
""".split())

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
    #: the look is named to be taken away: "reduce" ("less moody", "too cinematic": steps the
    #: other way) or "forbid" ("don't make it moody": no step)
    negated: str = ""
    limit: str = ""  # what no global tool can do, said plainly ("change the sky to a sunset")
    numbers: bool = False  # explicit tool values ("contrast to 30"): the agent honours them


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


def away_steps(look: Look, strength: float = 1.0) -> tuple[Step, ...]:
    """Gentle steps the other way from ``look`` (one per metric), for "less moody" on a photo
    that carries no edit of that look to take back."""
    out: list[Step] = []
    seen: set[str] = set()
    for kind, s in look.step_kinds():
        opposite = OPPOSITE.get(kind)
        if opposite is None or KINDS[opposite].metric in seen:
            continue
        seen.add(KINDS[opposite].metric)
        # gentle: each tool at most AWAY_LIMIT, whatever the photo would take
        kind = replace(KINDS[opposite], limit=min(KINDS[opposite].limit, AWAY_LIMIT))
        out.append(Step(kind, f"less {look.name}",
                        max(0.3, min(1.2, AWAY_STRENGTH * s * strength))))
    return tuple(out)


def away_label(look: str, negated: str) -> str:
    """How a negated look is named in the plan: "less moody", "not moody"."""
    return f"{'less' if negated == 'reduce' else 'not'} {look}"


def look_negation(clause: str, readings: Sequence[Any]) -> str:
    """"reduce" / "forbid" when ``clause`` asks for less of a look or for no look, else ""."""
    text = clause.lower()
    if not LOOK_NEGATION.search(text) or re.search(r"\benough\b", text):
        return ""  # "not cinematic enough" asks for more of it
    from ..embedded.polarity import NEGATION

    polarity = next((r.polarity for r in readings if r.intent in AGENT_LOOKS), None)
    if polarity is None:
        polarity = next((r.polarity for r in readings if r.polarity != "NONE"), None)
    if polarity == "WANT" and any(r.intent in AGENT_LOOKS for r in readings) and \
            not NEGATION.search(text) and not _LESS_CUE.search(text) and \
            not re.search(r"\b(nothing|none)\b", text):
        return ""  # the heads read a plain wish for the look ("moody, remove the colour cast")
    if polarity == "OPPOSE":
        # "not moody" (no "so", "too", "less"): not that look, rather than less of it
        return "reduce" if _LESS_CUE.search(text) or not re.search(r"\bnot\b", text) else "forbid"
    if polarity in ("FORBID", "KEEP", "REMOVE"):
        return "forbid" if not _LESS_CUE.search(text) else "reduce"
    return "reduce" if _LESS_CUE.search(text) else "forbid"


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

    def _look(self, clause: str, look: Look, sim: float, strength: float,
              readings: Sequence[Any] | None = None) -> ClauseReading:
        """The clause as ``look``, or as that look taken away when the wording says so."""
        if LOOK_NEGATION.search(clause.lower()):
            negated = look_negation(clause, readings if readings is not None
                                    else self.agent.read(clause))
            if negated == "reduce":
                return ClauseReading(clause, look.name, sim, away_steps(look, strength),
                                     negated=negated)
            if negated:
                return ClauseReading(clause, look.name, sim, (), negated=negated)
        return ClauseReading(clause, look.name, sim, look_steps(look, strength))

    def mood_rest(self, clause: str) -> str:
        """The clause without frame, degree and plain words: what could name a mood."""
        from ..embedded.honesty import GENERIC_WORDS
        from ..embedded.text import extract_degree
        from .match import strip_frame

        core, _ = extract_degree(clause.lower())
        words = re.findall(r"[a-z][a-z'-]*", strip_frame(core))
        return " ".join(w for w in words if w not in PLAIN_WORDS and w not in GENERIC_WORDS
                        and len(w) > 2)

    def _names_mood(self, clause: str) -> bool:
        """In the uncertain band: does something other than plain words still read as a look?"""
        rest = self.mood_rest(clause)
        if not rest:
            return False
        return float(self.matcher.scores([rest]).max()) >= LOOK_MIN

    def _read_clause(self, clause: str, look: Look, sim: float) -> ClauseReading:
        from ..embedded.honesty import understood_clause, unsupported
        from ..embedded.text import extract_numbers

        strength = _degree(clause)
        limit = unsupported(clause.lower())
        if limit is not None:  # "change the sky to a sunset": no look fakes it
            return ClauseReading(clause, None, sim, agent=True, limit=limit[1])
        if extract_numbers(clause.lower())[1]:  # "contrast to 30": the values are the request
            return ClauseReading(clause, None, sim, agent=True, numbers=True)
        if sim >= LOOK_SURE:
            return self._look(clause, look, sim, strength)
        # Gibberish ("asdf qwer") is always nearest to some look; without a word that means
        # something it is left to the agent, which says it did not understand.
        if not understood_clause(clause.lower(), self._words):
            return ClauseReading(clause, None, sim)
        readings = self.agent.read(clause)
        moody = sim >= LOOK_MIN and self._names_mood(clause)
        # a clause of plain words only ("i don't like how dark it is") is the agent's, even when
        # the heads are not sure of it
        confident = PLAIN_CONFIDENCE if moody or sim < LOOK_MIN else 0.45
        plain: list[Step] = []
        agent_knows = False  # a confident plain reading ("fix the exposure", "undo") of the agent
        for r in readings:
            if r.intent in AGENT_LOOKS and sim < LOOK_MIN:
                named = BY_NAME[AGENT_LOOKS[r.intent]]
                if r.polarity == "WANT":
                    return ClauseReading(clause, named.name, sim, look_steps(named, strength))
                if r.polarity in ("OPPOSE", "FORBID", "REMOVE", "KEEP") and \
                        r.confidence >= PLAIN_CONFIDENCE:
                    return self._look(clause, named, sim, strength, readings)
            if r.confidence >= confident and r.intent not in AGENT_LOOKS and \
                    r.intent != "neutral":
                agent_knows = True
            kinds = PLAIN_STEPS.get(r.intent)
            if kinds is None or r.confidence < confident:
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
        if moody:
            return self._look(clause, look, sim, strength, readings)
        if sim >= LOOK_MIN:  # plain words the agent could not place: the agent answers for them
            return ClauseReading(clause, None, sim, agent=True)
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
            if r.look and r.negated:
                label = away_label(r.look, r.negated)
                if label not in [n for n, _ in plan.looks]:
                    plan.looks.append((label, r.similarity))
                if r.negated == "reduce" and r.steps:
                    plan.notes.append(
                        f"\u201c{r.text}\u201d asks for less of the {r.look} look; the photo "
                        f"carries no {r.look} edit to take back, so I moved it gently the other "
                        "way (" + ", ".join(s.kind.intent for s in r.steps) + ")")
                elif r.negated == "reduce":
                    plan.notes.append(f"\u201c{r.text}\u201d asks for less of the {r.look} "
                                      "look; the photo carries no edit of that look to take back, "
                                      "so I changed nothing for it")
                else:
                    plan.notes.append(f"\u201c{r.text}\u201d: I did not apply the {r.look} "
                                      "look, as you asked")
            elif r.look:
                if r.look not in [n for n, _ in plan.looks]:
                    plan.looks.append((r.look, r.similarity))
                    look = BY_NAME[r.look]
                    if look.note:
                        plan.notes.append(f"{look.name}: {look.note}")
                    for rail, limit in look.rails.items():
                        plan.rails[rail] = max(limit, plan.rails.get(rail, 0.0))
            elif r.limit:
                if r.limit not in plan.notes:
                    plan.notes.append(r.limit)
            elif r.numbers:
                plan.explicit_values = True
                plan.notes.append(f"\u201c{r.text}\u201d gives explicit values, which the "
                                  "agent applies as given")
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
