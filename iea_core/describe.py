"""Programs in a photographer's words: one sentence for a whole program, a phrase per tool.

:func:`describe_program` is the "say it" half of Image-Summary: the parameter search
(:mod:`iea_core.search`) recovers *what* was done, this module says it the way a photographer
would write it in a style library ("warm, faded film look with lifted shadows", "brighter and more
vivid, with a cooler tone"). It works in three steps:

1. **looks**: combinations of tools that photographers name as one thing are recognised first
   (fade + grain/warmth -> *film look*, saturation -100 -> *black and white*, darker corners +
   contrast -> *moody*, ...). A look consumes the tools it explains so they are not repeated.
2. **phrases**: every remaining tool that matters becomes a phrase from :data:`TOOL_PHRASES`, with a
   degree word from its magnitude (:func:`degree`): "slightly warmer", "much brighter".
3. **sentence**: the look (if any) heads the sentence and the strongest remaining phrases follow
   ("... with lifted shadows and darker corners"); without a look the two strongest global changes
   lead in comparative form ("brighter and more vivid") and the rest follows after "with".

Everything is deterministic (ties broken by the paper's tool order) and needs no parser or model,
so the embedded agent reuses the vocabulary (:func:`tool_phrase`, :func:`explain_tool`) for its
per-tool reasoning.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from .program import Program
from .tools import TOOL_INDEX, TOOLS

#: Values with a smaller magnitude are not worth a word (a recovered program often carries a few).
NEGLIGIBLE = 5
#: Upper bounds (inclusive) of the degree classes, matching the synthetic-data strength bins
#: (light 15-30, medium 45-60, heavy 75-90, extreme 100).
SLIGHT_MAX = 30
MODERATE_MAX = 65


@dataclass(frozen=True)
class Phrase:
    """How one direction of one tool is said.

    ``comparative`` reads after "make it" ("brighter", "more vivid"); ``noun`` reads after "with"
    ("lifted shadows", "a warmer tone"). ``kind`` picks the degree words: ``"cmp"`` takes
    slightly/much ("much brighter", "slightly lifted" reads badly, so participles take
    slightly/strongly: ``"ptc"``), ``"noun"`` takes subtle/strong ("strong film grain").
    """

    comparative: str
    noun: str
    kind: str = "cmp"


#: tool -> {+1: phrase for positive values, -1: phrase for negative values}.
TOOL_PHRASES: Mapping[str, Mapping[int, Phrase]] = {
    "exposure": {1: Phrase("brighter", "a brighter exposure"),
                 -1: Phrase("darker", "a darker exposure")},
    "brightness": {1: Phrase("lighter in the mid-tones", "lighter mid-tones"),
                   -1: Phrase("darker in the mid-tones", "darker mid-tones")},
    "contrast": {1: Phrase("more contrasty", "more contrast"),
                 -1: Phrase("flatter", "less contrast")},
    "natural_contrast": {1: Phrase("crisper", "more clarity"),
                         -1: Phrase("softer in texture", "softened texture", "ptc")},
    "highlights": {1: Phrase("brighter in the highlights", "brighter highlights"),
                   -1: Phrase("gentler in the highlights", "recovered highlights", "ptc")},
    "shadows": {1: Phrase("more open in the shadows", "lifted shadows", "ptc"),
                -1: Phrase("deeper in the shadows", "deeper shadows")},
    "whites": {1: Phrase("brighter in the whites", "brighter whites"),
               -1: Phrase("duller in the whites", "duller whites")},
    "blacks": {1: Phrase("lighter in the blacks", "lifted blacks", "ptc"),
               -1: Phrase("deeper in the blacks", "deeper blacks")},
    "saturation": {1: Phrase("more saturated", "richer colours"),
                   -1: Phrase("more muted", "muted colours", "ptc")},
    "vibrance": {1: Phrase("more vibrant", "more vibrant colours"),
                 -1: Phrase("more subdued", "subdued colours", "ptc")},
    "temperature": {1: Phrase("warmer", "a warmer tone"),
                    -1: Phrase("cooler", "a cooler tone")},
    "tint": {1: Phrase("greener", "a green tint", "noun"),
             -1: Phrase("more magenta", "a magenta tint", "noun")},
    "sharpness": {1: Phrase("sharper", "crisper detail"),
                  -1: Phrase("softer", "a softer focus")},
    "vignette": {1: Phrase("lighter at the corners", "lighter corners"),
                 -1: Phrase("darker at the corners", "darker corners")},
    "fade": {1: Phrase("more faded", "a faded finish", "noun"),
             -1: Phrase("denser", "denser tones")},
    "grain": {1: Phrase("grainier", "film grain", "noun"),
              -1: Phrase("cleaner", "less grain")},
}

assert set(TOOL_PHRASES) == set(TOOLS)

# Tools whose change is a global impression (lead the sentence in comparative form); the others
# (tone zones, detail, effects) read better as "with ..." details.
_GLOBAL = ("exposure", "brightness", "contrast", "saturation", "vibrance", "temperature", "tint",
           "sharpness", "fade")


def degree(value: int) -> str:
    """The degree class of a value: ``"slight"`` (up to 30), ``"moderate"`` or ``"strong"``."""
    magnitude = abs(int(value))
    if magnitude <= SLIGHT_MAX:
        return "slight"
    if magnitude <= MODERATE_MAX:
        return "moderate"
    return "strong"


def _with_degree(text: str, kind: str, value: int) -> str:
    level = degree(value)
    if level == "moderate":
        return text
    if kind == "noun":
        # "a warmer tone" -> "a slightly warmer tone"; "film grain" -> "subtle film grain"
        word = "subtle" if level == "slight" else "strong"
        if text.startswith("a "):
            return f"a {word} {text[2:]}"
        return f"{word} {text}"
    if kind == "ptc":
        word = "slightly" if level == "slight" else "strongly"
    else:
        word = "slightly" if level == "slight" else "much"
    if text.startswith("a "):
        return f"a {word} {text[2:]}"
    return f"{word} {text}"


def tool_phrase(tool: str, value: int, *, form: str = "noun") -> str:
    """One tool's change as a phrase with its degree, e.g. ``tool_phrase("shadows", 20) ==
    "slightly lifted shadows"`` or ``tool_phrase("exposure", 80, form="comparative") ==
    "much brighter"``. ``value`` must be non-zero."""
    if value == 0:
        raise ValueError(f"{tool} is 0: nothing to say")
    phrase = TOOL_PHRASES[tool][1 if value > 0 else -1]
    if form == "comparative":
        return _with_degree(phrase.comparative, "cmp", value)
    return _with_degree(phrase.noun, phrase.kind, value)


def explain_tool(tool: str, value: int) -> str:
    """One short sentence of reasoning for one tool, e.g. ``"Temperature +20: slightly warmer."``"""
    if value == 0:
        return f"{_label(tool)} left unchanged."
    return f"{_label(tool)} {value:+d}: {tool_phrase(tool, value, form='comparative')}."


def _label(tool: str) -> str:
    return tool.replace("_", " ").capitalize()


# --- looks --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Look:
    """A recognised combination: the words that head the sentence and the tools it explains."""

    head: str
    consumed: frozenset[str]


def _adjectives(words: Iterable[str]) -> str:
    return ", ".join(w for w in words if w)


def _find_look(v: Mapping[str, int]) -> Look | None:
    """The strongest named look in ``v`` (tool -> value, zeros included), or None."""
    sat, vib, temp = v["saturation"], v["vibrance"], v["temperature"]
    fade, grain, vignette, contrast = v["fade"], v["grain"], v["vignette"], v["contrast"]
    exposure, brightness, shadows, highlights = (v["exposure"], v["brightness"], v["shadows"],
                                                 v["highlights"])
    clarity, sharp, blacks = v["natural_contrast"], v["sharpness"], v["blacks"]
    tone_warm = "warm" if temp >= 15 else "cool" if temp <= -15 else ""

    if sat <= -85:
        words = []
        consumed = {"saturation", "vibrance"}
        if tone_warm:
            words.append(f"{tone_warm}-toned")
            consumed.add("temperature")
        if contrast >= 20:
            words.append("high-contrast")
            consumed.add("contrast")
        if fade >= 15:
            words.append("faded")
            consumed.add("fade")
        if grain >= 15:
            words.append("grainy")
            consumed.add("grain")
        noun = "black-and-white film look" if (fade >= 15 or grain >= 15) else \
            "black and white" if not words else "black-and-white look"
        head = f"{_adjectives(words)} {noun}".strip()
        return Look(head, frozenset(consumed))

    if fade >= 15 and (grain >= 10 or abs(temp) >= 10 or sat <= -10 or vib <= -10):
        words = [tone_warm, "faded" if fade < 66 else "heavily faded"]
        consumed = {"fade"}
        if tone_warm:
            consumed.add("temperature")
        if sat <= -10 or vib <= -10:
            words.insert(1, "muted")
            consumed |= {"saturation", "vibrance"} & {k for k in ("saturation", "vibrance")
                                                       if v[k] < 0}
        if grain >= 10:
            words.append("grainy")
            consumed.add("grain")
        return Look(f"{_adjectives(words)} film look", frozenset(consumed))

    if vignette <= -15 and (contrast >= 10 or exposure <= -10 or brightness <= -10
                            or sat <= -10 or shadows <= -15):
        consumed = {"vignette"}
        words = []
        if exposure <= -10 or brightness <= -10:
            words.append("dark")
            consumed |= {t for t in ("exposure", "brightness") if v[t] <= -10}
        if tone_warm:
            words.append(tone_warm)
            consumed.add("temperature")
        if sat <= -10:
            words.append("desaturated")
            consumed.add("saturation")
        if contrast >= 10:
            consumed.add("contrast")
        if shadows <= -15:
            consumed.add("shadows")
        return Look(f"{_adjectives(words + ['moody'])} look", frozenset(consumed))

    if fade >= 15 or (blacks >= 20 and contrast <= -10):
        consumed = {"fade"} | ({"blacks", "contrast"} if blacks >= 20 and contrast <= -10 else set())
        return Look("soft, matte look" if fade < 66 else "strongly faded, matte look",
                    frozenset(consumed))

    if highlights <= -30 and shadows >= 30 and clarity >= 20:
        return Look("HDR-style look with recovered highlights and opened shadows",
                    frozenset({"highlights", "shadows", "natural_contrast"}))

    if (sharp <= -15 or clarity <= -15) and (exposure > 0 or highlights > 0 or contrast < 0):
        consumed = {t for t in ("sharpness", "natural_contrast") if v[t] <= -15}
        consumed |= {t for t in ("exposure", "highlights") if v[t] > 0}
        consumed |= {"contrast"} if contrast < 0 else set()
        return Look("soft, dreamy look", frozenset(consumed))

    if (exposure >= 15 or brightness >= 15) and (shadows >= 15 or contrast <= -15) and sat < 30:
        consumed = {t for t in ("exposure", "brightness", "shadows") if v[t] >= 15}
        consumed |= {"contrast"} if contrast <= -15 else set()
        return Look("bright, airy look", frozenset(consumed))

    if (sat >= 15 or vib >= 15) and contrast >= 15:
        consumed = {"contrast"} | {t for t in ("saturation", "vibrance") if v[t] >= 15}
        return Look("punchy, vivid look", frozenset(consumed))

    if temp >= 15 and (sat <= -15 or vib <= -15):
        consumed = {"temperature"} | {t for t in ("saturation", "vibrance") if v[t] <= -15}
        return Look("warm vintage look", frozenset(consumed))
    return None


# --- the sentence -------------------------------------------------------------------------------
def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _ranked(values: Mapping[str, int], skip: Iterable[str] = ()) -> list[str]:
    skipped = set(skip)
    tools = [t for t, x in values.items() if t not in skipped and abs(x) >= NEGLIGIBLE]
    return sorted(tools, key=lambda t: (-abs(values[t]), TOOL_INDEX[t]))


def describe_program(program: Program | Mapping[str, int], *, max_details: int = 3) -> str:
    """One sentence describing ``program`` the way a photographer would write a style.

    >>> describe_program(Program({"fade": 40, "grain": 25, "temperature": 30, "shadows": 35}))
    'warm, faded, grainy film look with lifted shadows'
    >>> describe_program(Program({"exposure": 35, "saturation": 40, "temperature": -20}))
    'brighter and more saturated, with a slightly cooler tone'
    """
    if not isinstance(program, Program):
        program = Program(program, clamp=True)
    values = {tool: program[tool] for tool in TOOLS}
    look = _find_look(values)

    if look is not None:
        rest = _ranked({t: values[t] for t in program}, look.consumed)[:max_details]
        details = [tool_phrase(t, values[t]) for t in rest]
        return f"{look.head} with {_join(details)}" if details else look.head

    ranked = _ranked({t: values[t] for t in program})
    if not ranked:
        if program.is_identity:
            return "no visible change"
        # only tiny values: say the biggest one, softly
        tool = max(program, key=lambda t: (abs(values[t]), -TOOL_INDEX[t]))
        return f"a barely visible tweak: {tool_phrase(tool, values[tool], form='comparative')}"
    # the two strongest global changes lead, said in the tools' natural order (light, then
    # contrast, then colour): "brighter and more saturated", not "more saturated and brighter"
    leads = sorted([t for t in ranked if t in _GLOBAL][:2], key=TOOL_INDEX.__getitem__)
    if not leads:  # only zone/detail/effect tools: a "with" sentence on its own
        return _capitalise_free(_join([tool_phrase(t, values[t]) for t in ranked[:max_details]]))
    head = _join([tool_phrase(t, values[t], form="comparative") for t in leads])
    rest = [t for t in ranked if t not in leads][:max(0, max_details - 1)]
    if not rest:
        return head
    return f"{head}, with {_join([tool_phrase(t, values[t]) for t in rest])}"


def _capitalise_free(text: str) -> str:
    """Sentences stay lower-case (a style line, not prose); only strip a leading article."""
    return text[2:] if text.startswith("a ") else text


__all__ = ["describe_program", "tool_phrase", "explain_tool", "degree", "TOOL_PHRASES", "Phrase",
           "NEGLIGIBLE"]


# --- the instruction a person would give (Image-Summary) ---------------------------------------
#: tool -> {+1: imperative for positive values, -1: for negative}; "{d}" is where a degree word
#: goes. Worded the way people ask for an edit ("make the image brighter", "increase the
#: contrast"), and each one read back correctly by the embedded agent (tested).
INSTRUCTIONS: Mapping[str, Mapping[int, str]] = {
    "exposure": {1: "make the image {d}brighter", -1: "make the image {d}darker"},
    "brightness": {1: "brighten the midtones{d}", -1: "darken the midtones{d}"},
    "contrast": {1: "increase the contrast{d}", -1: "reduce the contrast{d}"},
    "natural_contrast": {1: "add {d}clarity", -1: "soften the details{d}"},
    "highlights": {1: "brighten the highlights{d}", -1: "bring down the highlights{d}"},
    "shadows": {1: "lift the shadows{d}", -1: "darken the shadows{d}"},
    "whites": {1: "brighten the whites{d}", -1: "tone down the whites{d}"},
    "blacks": {1: "lift the blacks{d}", -1: "deepen the blacks{d}"},
    "saturation": {1: "increase the saturation{d}", -1: "reduce the saturation{d}"},
    "vibrance": {1: "make the colors {d}more vibrant", -1: "make the colors {d}more muted"},
    "temperature": {1: "make the image {d}warmer", -1: "make the image {d}cooler"},
    "tint": {1: "add {d}green tint", -1: "add {d}magenta tint"},
    "sharpness": {1: "sharpen the image{d}", -1: "soften the image{d}"},
    "vignette": {1: "lighten the corners{d}", -1: "add {d}vignette"},
    "fade": {1: "add {d}faded matte look", -1: "remove the haze{d}"},
    "grain": {1: "add {d}film grain", -1: "remove the grain{d}"},
}
#: Degree words, weakest first, in the two positions the templates use.
DEGREE_BEFORE = {"tiny": "very slightly ", "slight": "slightly ", "default": "",
                 "strong": "much ", "heavy": "way "}
DEGREE_AFTER = {"tiny": " very slightly", "slight": " slightly", "default": "",
                "strong": " a lot", "heavy": " dramatically"}
DEGREE_NOUN = {"tiny": "a tiny bit of ", "slight": "a bit of ", "default": "",
               "strong": "a lot of ", "heavy": "loads of "}
_ARTICLE_TOOLS = {"tint", "vignette", "fade"}
#: How much one unit of each tool shows (for "main changes first"): exposure and white balance
#: move every pixel, the zone tools part of them.
VISIBILITY = {"exposure": 1.4, "temperature": 1.0, "tint": 0.9, "contrast": 1.0, "saturation": 0.9,
              "brightness": 1.0, "vibrance": 0.7, "shadows": 0.7, "highlights": 0.7,
              "whites": 0.5, "blacks": 0.6, "fade": 0.8, "natural_contrast": 0.5,
              "sharpness": 0.3, "vignette": 0.5, "grain": 0.4}


def main_tools(program: Program | Mapping[str, int], limit: int = 4) -> list[str]:
    """Tools worth saying, most visible first."""
    values = dict(program.to_dict() if isinstance(program, Program) else program)
    tools = [t for t, v in values.items() if abs(int(v)) >= 8]
    tools.sort(key=lambda t: (-abs(values[t]) * VISIBILITY.get(t, 0.5), TOOL_INDEX[t]))
    return tools[:limit]


def instruction_clause(tool: str, value: int, level: str = "default") -> str:
    """One imperative clause ("increase the contrast slightly")."""
    if tool == "saturation" and value <= -90:
        return "make the image black and white"
    template = INSTRUCTIONS[tool][1 if value > 0 else -1]
    if "{d}" in template and template.index("{d}") < len(template) - 3:
        if template.startswith("add {d}"):  # a noun: "add a bit of vignette", "add a vignette"
            word = DEGREE_NOUN[level]
            if level == "default" and tool in _ARTICLE_TOOLS:
                word = "a "
            return template.replace("{d}", word)
        return template.replace("{d}", DEGREE_BEFORE[level])
    return template.replace("{d}", DEGREE_AFTER[level])


def instruction_for(program: Program | Mapping[str, int],
                    levels: Mapping[str, str] | None = None, limit: int = 4) -> str:
    """The instruction a person would give for ``program``: "Make the image brighter and warmer,
    increase the contrast slightly and lift the shadows". ``levels`` gives a degree per tool
    (default: from the value's magnitude)."""
    values = dict(program.to_dict() if isinstance(program, Program) else program)
    tools = main_tools(values, limit)
    if not tools:
        return "Leave the photo as it is"
    levels = dict(levels or {})
    clauses: list[str] = []
    merged: list[str] = []  # "make the image brighter and warmer": one verb for several
    for tool in tools:
        level = levels.get(tool) or _level_of(values[tool])
        clause = instruction_clause(tool, values[tool], level)
        if clause.startswith("make the image ") and tool != "saturation":
            merged.append(clause[len("make the image "):])
            if len(merged) == 1:
                clauses.append("\0")  # where the merged clause goes (order = visibility)
            continue
        clauses.append(clause)
    if merged:
        clauses[clauses.index("\0")] = "make the image " + _join(merged)
    text = _join(clauses) if len(clauses) <= 2 else ", ".join(clauses[:-1]) + " and " + clauses[-1]
    return text[0].upper() + text[1:]


def _level_of(value: int) -> str:
    v = abs(int(value))
    if v < 14:
        return "tiny"
    if v < 24:
        return "slight"
    if v < 42:
        return "default"
    if v < 70:
        return "strong"
    return "heavy"


__all__ += ["instruction_for", "instruction_clause", "main_tools", "INSTRUCTIONS"]
