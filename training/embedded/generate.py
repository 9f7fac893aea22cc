"""Synthetic instructions with known meaning, for training and for the held-out evaluation.

A *clause* is one intent (:mod:`.intents`) said in one frame (:mod:`.frames`), optionally with a
degree word and a typo. Its labels are what the heads learn: per tool the direction of the
property (none / + / - / auto) and its base magnitude, and the polarity (what the user wants done
with that property). :func:`edit_target` turns a list of labelled clauses into the program an
edit should produce, which is what the evaluation compares against.

The split is by *wording*: training draws only phrasings and frames whose index is not held out
(``index % 4 != 3``); the held-out split draws only held-out phrasings in held-out frames, so every
held-out clause is a sentence whose property words and whose frame were both unseen in training.

Photos "degraded in known ways" live in :func:`degraded_photos`: a real photo rendered with a
known program (too dark, too warm, flat...) so that the corrective request has a known answer
(the opposite direction), used by the evaluation of the photo-driven ("auto") corrections.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Iterator, Sequence

from iea_core.agent.embedded.text import DEGREE_FACTORS, DEGREE_WORDS, parse_clauses
from iea_core.agent.embedded.interpret import BARE_POLARITY
from iea_core.tools import TOOL_NAMES

from .frames import FRAMES, POLARITIES
from .intents import BARE_LESS, BARE_MORE, BARE_UNDO, INTENTS, NEUTRAL, Intent, heldout
from .synonyms import extra, extra_frames

INTENT_BY_NAME = {intent.name: intent for intent in INTENTS}
#: polarity -> the bare feedback group that says only that ("more", "too much", "undo", "ok")
BARE_GROUP = {polarity: group for group, polarity in BARE_POLARITY.items()}
# Which (polarity, slot) pairs each kind of intent can be said in.
_SLOTS = {
    "WANT": ("cmp", "verb", "noun", "adj", "full"),
    "OPPOSE": ("adj", "noun", "complaint"),
    "FORBID": ("cmp", "verb", "noun"),
    "REMOVE": ("noun",),
    "KEEP": ("noun",),
}
# How often each polarity is drawn (requests and complaints dominate real use).
_POLARITY_WEIGHTS = {"WANT": 0.45, "OPPOSE": 0.3, "FORBID": 0.08, "REMOVE": 0.09, "KEEP": 0.08}
_LEVELS = ("slight", "strong", "heavy", "extreme")
_WORDS_BY_LEVEL = {lvl: sorted(w for w, l in DEGREE_WORDS.items() if l == lvl and
                               not w.endswith((" more", " less"))) for lvl in _LEVELS}
_KEYBOARD = "qwertyuiopasdfghjklzxcvbnm"


@dataclass(frozen=True)
class LabelledClause:
    text: str  # raw clause as a user would type it
    intent: str | None  # None for neutral / bare feedback
    polarity: str
    degree: str  # intended degree level
    phrase: str = ""  # the phrasing the clause was built from (left out of its prototypes)
    frame: str = ""  # the frame template it was said in (left out of the frame prototypes)


def _pick(rng: random.Random, items: Sequence[str], held: bool,
          extra: Sequence[str] = ()) -> str | None:
    """A phrasing from the held-out or the training part of ``items``; training also draws
    from ``extra`` (the training-only wording of :mod:`.synonyms`)."""
    pool = [x for i, x in enumerate(items) if heldout(items, i) == held]
    if not held:
        pool += list(extra)
    return rng.choice(pool) if pool else None


def _pick_frame(rng: random.Random, polarity: str, slot: str, held: bool) -> tuple[str, bool] | None:
    frames = FRAMES.get((polarity, slot), ())
    pool = [f for i, f in enumerate(frames) if heldout(frames, i) == held]
    if not held:
        pool += list(extra_frames(polarity, slot))
    return rng.choice(pool) if pool else None


def typo(rng: random.Random, text: str) -> str:
    """One realistic slip on one longer word: a dropped, doubled, swapped or wrong key."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    w = words[i]
    k = rng.randrange(1, len(w) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        w = w[:k] + w[k + 1:]
    elif kind == 1:
        w = w[:k] + w[k] + w[k:]
    elif kind == 2:
        w = w[:k] + w[k + 1] + w[k] + w[k + 2:]
    else:
        w = w[:k] + rng.choice(_KEYBOARD) + w[k + 1:]
    words[i] = w
    return " ".join(words)


def _fill(rng: random.Random, template: str, phrase: str) -> tuple[str, str]:
    """Fill a frame; returns (text, intended degree level)."""
    level = "default"
    d = d2 = ""
    if "{d}" in template or "{d2}" in template:
        if rng.random() < 0.5:
            level = rng.choice(_LEVELS)
            word = rng.choice(_WORDS_BY_LEVEL[level])
            d, d2 = word + " ", word
    text = template.replace("{d}", d).replace("{d2}", d2).replace("{x}", phrase)
    text = " ".join(text.split())
    # Degree words written into the frame itself ("{x} a little") count too.
    _, written = _degree_of(text)
    if written != "default":
        level = written
    return text, level


def _degree_of(text: str) -> tuple[str, str]:
    clauses = parse_clauses(text)
    if not clauses:
        return text, "default"
    order = ("default", "tiny", "slight", "strong", "heavy", "extreme")
    level = max((c.degree for c in clauses), key=order.index)
    return text, level


def sample_clause(rng: random.Random, held: bool | tuple[bool, bool],
                  typo_rate: float = 0.15) -> LabelledClause:
    """One clause with its labels, from the training or the held-out wording.

    ``held`` may be a pair (held-out phrasings, held-out frames) to measure each kind of novelty
    on its own."""
    held_phrase, held_frame = held if isinstance(held, tuple) else (held, held)
    roll = rng.random()
    if roll < 0.06:
        kind, items = rng.choice((("NONE", NEUTRAL), ("WANT", BARE_MORE), ("OPPOSE", BARE_LESS),
                                  ("REMOVE", BARE_UNDO)))
        slot = "full" if kind == "NONE" else "bare"
        phrase = _pick(rng, items, held_phrase, extra(BARE_GROUP[kind], "full"))
        frame = _pick_frame(rng, kind, slot, held_frame)
        if phrase is None or frame is None:
            return sample_clause(rng, held, typo_rate)
        text, level = _fill(rng, frame[0], phrase)
        return LabelledClause(_maybe_typo(rng, text, typo_rate), None, kind, level, phrase,
                              frame[0])
    intent = rng.choice(INTENTS)
    polarity = rng.choices(list(_POLARITY_WEIGHTS), weights=list(_POLARITY_WEIGHTS.values()))[0]
    if intent.name.startswith("auto_"):
        polarity = "WANT"
    if intent.fixed and polarity == "OPPOSE":
        polarity = "WANT"
    slots = [s for s in _SLOTS[polarity] if getattr(intent, s) or extra(intent.name, s)]
    if not slots:
        return sample_clause(rng, held, typo_rate)
    slot = rng.choice(slots)
    phrase = _pick(rng, getattr(intent, slot), held_phrase, extra(intent.name, slot))
    frame = _pick_frame(rng, polarity, slot, held_frame)
    if phrase is None or frame is None:
        return sample_clause(rng, held, typo_rate)
    text, level = _fill(rng, frame[0], phrase)
    if len(parse_clauses(text)) != 1:  # e.g. "darker and moodier" splits: draw again
        return sample_clause(rng, held, typo_rate)
    name, polarity = canonical_label(intent.name, polarity, slot, phrase)
    return LabelledClause(_maybe_typo(rng, text, typo_rate), name, polarity, level, phrase,
                          frame[0])


# Properties whose values are exact opposites: "more of one" is "less of the other".
OPPOSITES = dict(pair for a, b in (
    ("bright", "dark"), ("warm", "cool"), ("green", "magenta"), ("contrasty", "flat"),
    ("clarity", "soft"), ("sharp", "blur"), ("saturated", "muted"),
    ("lift_shadows", "deep_shadows"), ("recover_highlights", "boost_highlights"),
    ("bright_whites", "dull_whites"), ("deep_blacks", "lift_blacks"),
    ("vignette", "light_corners")) for pair in ((a, b), (b, a)))
# Verbs that lower what they name; a request phrased with one ("tone down the colours") says
# "less of" the named property, the way the frames "tone down the {x}" do.
_LOWERING = re.compile(
    r"^(reduce|lower|decrease|tone down|tone the|dial back|dial down|dial the|cut|turn down|"
    r"pull back|pull down|pull the|bring down|bring the|ease|soften|knock down|knock back|"
    r"knock the|drop|take down|take the|minimi[sz]e|lessen|back off|calm down|calm the|rein in|"
    r"tame|mute|weaken|less)\b")


def canonical_label(intent: str, polarity: str, slot: str, phrase: str) -> tuple[str, str]:
    """One label per way of saying it. "lower the saturation" is a *muted* request in the lists,
    but the heads read "lower the {x}" as a frame (less of it) and "saturation" as the saturated
    property; labelling it (muted, WANT) teaches them to mix the two, and on new wording the mix
    flips the sign ("tone down the saturation" -> muted, less of it -> more saturation). Such
    phrasings are labelled (opposite property, OPPOSE), which asks for the same values."""
    if (polarity == "WANT" and slot in ("verb", "cmp") and intent in OPPOSITES
            and _LOWERING.match(phrase)):
        return OPPOSITES[intent], "OPPOSE"
    return intent, polarity


def _maybe_typo(rng: random.Random, text: str, rate: float) -> str:
    return typo(rng, text) if rng.random() < rate else text


def clauses(n: int, *, held: bool, seed: int, typo_rate: float = 0.15) -> Iterator[LabelledClause]:
    rng = random.Random(seed)
    for _ in range(n):
        yield sample_clause(rng, held, typo_rate)


# ----------------------------------------------------------------------------------------------
# labels
def property_labels(intent_name: str | None) -> tuple[list[int], list[float]]:
    """Per tool: class (0 none, 1 +, 2 -, 3 auto) and base magnitude (0..100) of the property."""
    classes = [0] * len(TOOL_NAMES)
    magnitude = [0.0] * len(TOOL_NAMES)
    if intent_name is None:
        return classes, magnitude
    for tool, value in INTENT_BY_NAME[intent_name].values.items():
        i = TOOL_NAMES.index(tool)
        if value == "auto":
            classes[i] = 3
        else:
            classes[i] = 1 if int(value) > 0 else 2
            magnitude[i] = abs(float(value))
    return classes, magnitude


def clause_effect(intent_name: str | None, polarity: str, degree: str) -> dict[str, int | str]:
    """What one clause does to an unedited photo (the edit semantics the agent implements)."""
    if intent_name is None or polarity in ("NONE", "FORBID", "KEEP"):
        return {}
    intent: Intent = INTENT_BY_NAME[intent_name]
    if polarity == "REMOVE" and intent.effect:
        return {}  # "no vignette" on an unedited photo: nothing to add, nothing to take away
    sign = 1 if polarity == "WANT" else -1
    factor = 1.0 if intent.fixed else DEGREE_FACTORS[degree if polarity != "REMOVE" else "default"]
    out: dict[str, int | str] = {}
    for tool, value in intent.values.items():
        if value == "auto":
            out[tool] = "auto"
        else:
            out[tool] = int(max(-100, min(100, round(sign * int(value) * factor))))
    return out


def edit_target(parts: Sequence[LabelledClause]) -> dict[str, int | str]:
    """Program an edit should produce for clauses whose tools do not overlap."""
    out: dict[str, int | str] = {}
    for part in parts:
        out.update(clause_effect(part.intent, part.polarity, part.degree))
    return out


def compound(rng: random.Random, held: bool, typo_rate: float = 0.15,
             max_clauses: int = 3) -> tuple[str, list[LabelledClause]]:
    """An instruction of 1-3 clauses on disjoint tools, joined the ways people join them."""
    n = rng.choices((1, 2, 3), weights=(0.45, 0.35, 0.2))[0]
    n = min(n, max_clauses)
    parts: list[LabelledClause] = []
    used: set[str] = set()
    tries = 0
    while len(parts) < n and tries < 50:
        tries += 1
        part = sample_clause(rng, held, typo_rate)
        if part.intent is None and part.polarity != "NONE":
            continue  # bare "more/less/undo" belong to refine
        tools = set(INTENT_BY_NAME[part.intent].values) if part.intent else set()
        if tools & used:
            continue
        used |= tools
        parts.append(part)
    text = parts[0].text
    for part in parts[1:]:
        joiner = rng.choice((", ", " and ", ", and ", "; ", " but ", ", also ", ". ", " plus "))
        text += joiner + part.text
    return text, parts


def degraded_photos(names: Sequence[str] = ("astronaut", "coffee", "chelsea", "rocket"),
                    max_size: int = 256):
    """(name, photo, degradation program, corrective request, tool, expected sign) cases.

    Each photo is spoiled with one known program; the request asks to fix it in words that do
    not say the direction, so the direction must come from the photo."""
    import numpy as np
    import skimage.data

    from iea_core.program import Program

    cases = (
        ({"exposure": -60}, "fix the exposure", "exposure", +1),
        ({"exposure": 50}, "correct the exposure", "exposure", -1),
        ({"temperature": 50}, "fix the white balance", "temperature", -1),
        ({"temperature": -50}, "correct the color cast", "temperature", +1),
        ({"tint": 50}, "fix the white balance", "tint", -1),
        ({"contrast": -50}, "fix the contrast", "contrast", +1),
        ({"exposure": -50}, "make it look better", "exposure", +1),
    )
    for name in names:
        image = np.ascontiguousarray(getattr(skimage.data, name)()[..., :3])
        step = max(1, max(image.shape[:2]) // max_size)
        image = np.ascontiguousarray(image[::step, ::step])
        for spoil, request, tool, sign in cases:
            yield name, image, Program(spoil), request, tool, sign


__all__ = ["LabelledClause", "POLARITIES", "clauses", "compound", "edit_target",
           "property_labels", "sample_clause", "typo", "degraded_photos"]
