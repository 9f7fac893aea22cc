"""Fixed rules for the frames the polarity head gets wrong, applied after the heads.

The heads learn frames from training phrasings; a few frames of everyday speech turn a request
around and are regular enough that a rule gets them right every time:

* "it's not warm enough", "isn't bright enough", "not enough contrast": a wish for *more*;
* "maybe too bright", "it's already too dark": "too" without a negation before it is a
  complaint about having too much;
* "it shouldn't be this bright", "don't make it so bright", "please don't leave it this dark",
  "I don't like how dark it is", "doesn't need to be this bright": a negation about the photo's
  *present* state ("this / so / how" + a plain adjective) is a complaint, not "don't go further";
* a clause that names one direction in so many words ("make the colours colder") but that the
  heads gave, with little confidence, to another property is read as that direction.

Each rule only moves the polarity of a reading whose property has a direction (warm, dark,
contrast, ...); looks, corrections and bare feedback keep what the heads said.
"""
from __future__ import annotations

import re

#: properties whose values have one direction (the rules below make sense for them only)
DIRECTIONAL = frozenset({
    "bright", "dark", "warm", "cool", "green", "magenta", "contrasty", "flat", "clarity", "soft",
    "sharp", "blur", "saturated", "vivid", "muted", "lift_shadows", "deep_shadows",
    "recover_highlights", "boost_highlights", "bright_whites", "dull_whites", "deep_blacks",
    "lift_blacks", "vignette", "light_corners", "fade", "grain", "pop", "lifeless"})

NEGATION = re.compile(
    r"\b(not|no|never|don't|do not|doesn't|does not|didn't|did not|shouldn't|should not|"
    r"isn't|is not|aren't|are not|wasn't|was not|won't|will not|can't|cannot|mustn't|needn't|"
    r"hardly|without|ain't)\b")
_ENOUGH = re.compile(r"\benough\b")
_TOO = re.compile(r"\b(too|overly|excessively|over the top)\b")
#: a negation, then (within the clause) "this / so / how / that" + a plain adjective: the photo's
#: present state ("it shouldn't be this bright", "don't leave it so dark", "don't like how dark")
_STATE_NEG = re.compile(
    r"\b(not|never|don't|do not|doesn't|does not|shouldn't|should not|isn't|is not|won't|"
    r"needn't|mustn't)\b(?P<mid>.{0,30}?)\b(this|so|how|that)\s+(?P<adj>[a-z]+)\b")
_NOT_ADJ = frozenset({"much", "many", "more", "less", "far", "way", "a", "an", "the", "it", "is",
                      "bad", "good", "fine", "nice", "great", "well", "often", "long", "i",
                      "you", "we", "they", "there", "here", "far", "quickly", "fast", "hard",
                      "strong", "strongly", "heavy", "heavily", "big", "extreme", "harsh"})
#: verbs after which "this / so" is about keeping something, not about the present fault
_KEEPING = re.compile(r"\b(change|changing|touch|alter|lose|losing|ruin|mess|spoil|overdo|"
                      r"overcook|break|damage|kill|remove|take away|go|push|pushing)\b")
_DISLIKE = re.compile(r"\b(don't|do not|didn't|not) (really )?(like|love|enjoy)\b.{0,12}\b(how|the|"
                      r"that|it's|it being|its)\b|\b(hate|dislike|can't stand|annoyed by|bothers "
                      r"me)\b")

#: one word that names a direction outright -> the property it names
DIRECTION_WORDS: dict[str, str] = {
    "warmer": "warm", "hotter": "warm", "warm": "warm", "warmth": "warm",
    "cooler": "cool", "colder": "cool", "cold": "cool", "icier": "cool", "cool": "cool",
    "brighter": "bright", "lighter": "bright", "brighten": "bright", "lighten": "bright",
    "darker": "dark", "darken": "dark", "dimmer": "dark",
}
_FAMILY = {"warm": "warm", "cool": "warm", "bright": "bright", "dark": "bright",
           "auto_exposure": "bright", "auto_wb": "warm", "golden_hour": "warm"}
#: below this confidence a reading that contradicts an outright direction word gives way
BACKSTOP_CONFIDENCE = 0.6


def direction_word(text: str) -> str | None:
    """The one property named outright in ``text`` by a direction word, or None (none or
    several)."""
    found = {DIRECTION_WORDS[w] for w in re.findall(r"[a-z]+", text) if w in DIRECTION_WORDS}
    return found.pop() if len(found) == 1 else None


def backstop_intent(text: str, intent: str, confidence: float) -> str | None:
    """The intent a plain direction word in ``text`` names when the heads, unsure, gave the
    clause to another family ("make the colours colder" read as a white-balance correction);
    None to keep the heads' intent."""
    named = direction_word(text)
    if named is None or confidence >= BACKSTOP_CONFIDENCE:
        return None
    if _FAMILY.get(intent) == _FAMILY[named] and intent in ("warm", "cool", "bright", "dark"):
        return None  # the same family: the polarity rules decide the way
    return named


def _negated_before(text: str, end: int) -> bool:
    return NEGATION.search(text[:end]) is not None


#: "no warmer", "no brighter": "not more of it", not "take it away" (which on an unedited photo
#: would move the other way)
_NO_COMPARATIVE = re.compile(r"\bno (warmer|cooler|colder|hotter|brighter|darker|lighter|sharper|"
                             r"softer|punchier|flatter|richer|deeper|bluer|yellower|greener)\b")


_NO_NEED = re.compile(r"\b(doesn't|does not|don't|do not|didn't|shouldn't|won't|no) "
                     r"(really |even )?"
                     r"(need|want|have to|require|need to)\b|\bno need\b")
#: someone's verdict on the photo ("she finds it cold", "my friend thinks it's too dark")
_REPORTED = re.compile(r"\b(finds?|found|thinks?|thought|says?|said|calls?|called|considers?)\b "
                       r"(that )?(it|it's|it is|this|the (photo|picture|image|shot|pic))\b")
_ASKS = re.compile(r"\b(should|could|would|needs?|wants?|more|less|make)\b|\b\w+er\b")


#: "keep the rest", "leave everything else (as is)", "don't touch anything else", "the rest is
#: fine": a clause about the tools the feedback does not name
_KEEP_VERB = re.compile(r"\b(keep|keeping|leave|leaving|preserve|maintain|hold|don't touch|do not "
                        r"touch|don't change|do not change|as is|as it is|alone|unchanged|the same|"
                        r"untouched|stays?|is fine|are fine|is good|are good|looks? (fine|good|"
                        r"great))\b")
_REST = re.compile(r"\b(the rest|everything else|all else|anything else|the others|(all )?the "
                   r"other (ones|things|stuff|settings|tools|edits|changes|adjustments)|other "
                   r"(things|stuff|settings|tools|edits|changes|adjustments)|otherwise|rest of "
                   r"(it|the (edit|photo|image|picture|changes)))\b")


def keeps_rest(text: str) -> bool:
    """A clause that keeps whatever the rest of the feedback does not name."""
    return _REST.search(text) is not None and _KEEP_VERB.search(text) is not None


#: "bring back a little colour", "restore the warmth", "give back some contrast", "add back":
#: take back part of an earlier change to what it names
RESTORE = re.compile(r"\b(bring|brings|bringing|give|put|add|get|let)\b(\s+[a-z']+){0,5}?\s+back\b"
                     r"(?!\s+(off|down)\b)|\brestore\b|\brestoring\b|\breintroduce\b|"
                     r"\breturn (some|a bit|a little|the)\b")

#: "enough with the blue", "enough of the grain", "enough already": stop it, i.e. less of it
_ENOUGH_WITH = re.compile(r"\benough (with|of)\b|\benough already\b|\bquit (it )?with\b|"
                          r"\bstop with\b")
#: "no more blue please": on a photo that has it, take it away (see :mod:`.screen`)
NO_MORE = re.compile(r"\bno more\b(?! (than|like)\b)")


def adjust(text: str, intent: str, polarity: str) -> str:
    """The polarity for a clause ``text`` (cleaned, lower case) read as ``intent``/``polarity``
    by the heads, after the fixed frame rules of this module."""
    if intent not in DIRECTIONAL:
        return polarity
    if polarity == "REMOVE" and _NO_COMPARATIVE.search(text):
        return "FORBID"
    if _ENOUGH_WITH.search(text) and not _negated_before(text, _ENOUGH_WITH.search(text).start()):
        return "OPPOSE"  # "enough with the blue": less of it
    if _ENOUGH.search(text):
        m = _ENOUGH.search(text)
        if _negated_before(text, m.start()) or re.search(r"\bnot enough\b|\benough\b.{0,12}"
                                                         r"\b(isn't|is not|aren't|not)\b", text):
            return "WANT"  # "not warm enough", "isn't bright enough", "not enough contrast"
        return polarity
    too = _TOO.search(text)
    if too is not None:
        if not _negated_before(text, too.start()):
            return "OPPOSE"  # "maybe too bright", "it's already too dark"
        return polarity  # "not too bright", "don't make it too warm": a limit
    if _DISLIKE.search(text):
        return "OPPOSE"  # "I don't like how dark it is"
    m = _STATE_NEG.search(text)
    if m is not None and m.group("adj") not in _NOT_ADJ and not m.group("adj").endswith("er") \
            and not _KEEPING.search(text):
        return "OPPOSE"  # "it shouldn't be this bright", "don't make it so bright"
    if polarity == "WANT" and _NO_NEED.search(text):
        return "FORBID"  # "doesn't need more contrast", "no need to make it brighter"
    if polarity == "WANT" and _REPORTED.search(text) and not _ASKS.search(text):
        return "OPPOSE"  # "she finds it a bit cold": a complaint someone reports
    return polarity
