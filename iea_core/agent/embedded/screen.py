"""Before composing an edit: keep only the clause readings that may become tool values.

Uses the rules of :mod:`.honesty` and what the photo looks like:

* clauses asking for what no tool can do are dropped, with the answer for the user;
* clauses with no word the agent knows are dropped; if none is left the request was not
  understood;
* a clause that only gives numbers ("set exposure to 100") contributes only its numbers;
* fixed complaint phrasings replace the heads' reading ("I can barely see anything");
* a description of a state the photo clearly has ("it's so dark" on a dark photo) is a complaint;
* "not black and white" limits desaturation instead of asking for it;
* "keep the sky / protect the highlights" becomes a guard rail, not a locked slider.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Mapping, Sequence

from .. import verify as V
from . import honesty
from .interpret import Reading
from .polarity import NEGATION, NO_MORE
from .text import normalize, split_clauses

PROTECT = re.compile(
    r"\b(keep|protect|preserve|save|hold|retain|don'?t (blow|lose|clip|burn|touch)|without "
    r"(blowing|clipping|losing|burning)|careful with)\b.{0,25}\b(sky|skies|highlights?|clouds?|"
    r"bright (parts|areas|bits)|whites?|windows?|the light)\b|\b(sky|highlights?|clouds?)\b.{0,20}"
    r"\b(as (it is|they are)|intact|alone|untouched|the same|safe)\b")
ALLOW_CLIP = re.compile(r"\bblow (it |them |the \w+ )?out\b|\bover-?expose\b|\bhigh[- ]key\b|"
                        r"\bblown[- ]out look\b|\bburn (it )?out\b|\bcrush(ed)? (the )?blacks\b")
_STATE = re.compile(r"\b(it's|it is|is|are|was|looks?|seems?|feels?|so|way|very|kind of|kinda|"
                    r"pretty|super|really|rather|quite|came out|comes out|turned out|got|looking)\b")
_ASKING = re.compile(r"\b(make|more|add|give|go|want|need|let's|can you|could you|please|turn|"
                     r"should be|needs to|i'd like|would like)\b|\w+er\b")


def _has_state(intent: str, m: V.Measures) -> bool:
    """Does the photo clearly have ``intent`` already?"""
    return {
        "dark": m.mean < 0.3, "bright": m.mean > 0.62, "warm": m.neutral_b > 4,
        "cool": m.neutral_b < -3, "saturated": m.chroma > 38, "vivid": m.chroma > 38,
        "muted": m.chroma < 12, "contrasty": m.spread > 0.27, "flat": m.spread < 0.14,
    }.get(intent, False)


#: the property on the other side of each one :func:`_has_state` knows
_OPPOSITE = {"dark": "bright", "bright": "dark", "warm": "cool", "cool": "warm",
             "saturated": "muted", "vivid": "muted", "muted": "saturated",
             "contrasty": "flat", "flat": "contrasty"}


@dataclass
class Screened:
    readings: list[Reading]
    understood: bool = True
    messages: list[str] = field(default_factory=list)
    protect_highlights: bool = False
    allow_highlight_clip: bool = False
    saturation_floor: int = -100
    only_asked: bool = False


def _as_intent(r: Reading, intent: str, polarity: str, values: Mapping[str, Mapping]) -> Reading:
    tools: dict = {}
    for tool, value in values.get(intent, {}).items():
        tools[tool] = ("auto", 0.0) if value == "auto" else (
            1 if int(value) > 0 else -1, float(abs(int(value))))
    return replace(r, intent=intent, polarity=polarity, tools=tools, fixed=False)


def screen(readings: Sequence[Reading], instruction: str, vocabulary: frozenset[str] | set[str],
           intent_values: Mapping[str, Mapping], measures: V.Measures | None,
           grain_added: bool = False, english: frozenset[str] | set[str] = frozenset()
           ) -> Screened:
    """``grain_added``: the current edit has film grain, so "too grainy" is about that tool."""
    out = Screened([])
    said = " ".join(instruction.lower().split())
    out.protect_highlights = bool(PROTECT.search(said))
    out.allow_highlight_clip = bool(ALLOW_CLIP.search(said))
    out.only_asked = bool(honesty.ONLY_ASKED.search(said))
    any_understood = False
    if english and honesty.foreign(instruction, english):
        readings = []
    # The speller may have changed the words ("denoise"); limits are also checked as typed.
    raw = split_clauses(normalize(instruction))
    typed = raw if len(raw) == len(readings) else [r.clause.text for r in readings]
    previous: Reading | None = None
    for r, as_typed in zip(readings, typed):
        text = r.clause.text
        limit = honesty.unsupported(text) or honesty.unsupported(as_typed)
        if limit is not None and limit[0] == "noise" and grain_added and "nois" not in text:
            limit = None
        if limit is not None:
            if limit[1] not in out.messages:
                out.messages.append(limit[1])
            any_understood = True  # we understood well enough to say no
            continue
        if honesty.ONLY_ASKED.search(text):
            any_understood = True
            continue
        # Bare feedback ("a bit less", "more", "undo") has no content word and needs none.
        knows = r.intent.startswith("bare_") or honesty.understood_clause(r.clause.core,
                                                                          vocabulary)
        if r.clause.numbers:
            any_understood = True
            if not knows:  # "set exposure to 100": the numbers are the whole request
                r = replace(r, intent="neutral", polarity="NONE", tools={})
            out.readings.append(r)
            continue
        if not knows:
            if r.clause.core.strip():
                out.messages.append(f"I didn't understand \u201c{text}\u201d, so I left it out.")
            continue
        any_understood = True
        override = honesty.complaint_override(text)
        if override is not None and override[0] in intent_values:
            r = _as_intent(r, override[0], override[1], intent_values)
        elif honesty.GENERAL_FIX.search(text) and "auto_all" in intent_values:
            r = _as_intent(r, "auto_all", "WANT", intent_values)
        elif (measures is not None and r.polarity == "WANT" and _has_state(r.intent, measures)
              and _STATE.search(text) and not _ASKING.search(r.clause.core)
              and not NEGATION.search(text) and "enough" not in text):
            r = replace(r, polarity="OPPOSE")  # "it's so dark" on a dark photo: a complaint
        elif (measures is not None and r.polarity in ("FORBID", "REMOVE") and r.tools
              and NO_MORE.search(text)
              and not _has_state(_OPPOSITE.get(r.intent, ""), measures)):
            # "no more blue please" said of an unedited photo: it has too much of it, take it
            # away (unless the photo clearly leans the other way: then "don't add any")
            r = replace(r, polarity="OPPOSE")
        elif (previous is not None and previous.polarity == "OPPOSE" and r.polarity == "WANT"
              and len(r.clause.core.split()) <= 2 and not _ASKING.search(r.clause.core)):
            r = replace(r, polarity="OPPOSE")  # "it's so dim and murky": one list of complaints
        if r.fixed and honesty.NEGATED.search(text):
            out.saturation_floor = -70  # "less saturated but not black and white"
            continue
        if r.polarity == "KEEP" and set(r.tools) and set(r.tools) <= {"highlights", "whites"}:
            out.protect_highlights = True  # "keep the sky": hold it with the guard rail
            continue
        out.readings.append(r)
        previous = r
    if not any_understood:
        out.understood = False
        out.readings = []
        out.messages = [honesty.not_understood_message(instruction)]
    return out
