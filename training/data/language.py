"""Words for programs: instructions, reasoning, refine feedback and summary sentences.

Template-based and seeded, so a dataset is reproducible without a teacher model. Two registers,
as in IEA's synthesis: an *expert* instruction naming tools and strengths ("Increase exposure
slightly, lower temperature strongly.") and an *amateur* request describing the visible effect
("Could you make it a little brighter and much cooler?"). Reasoning never contains numbers (IEA's
targets talk in degrees, the numbers live in the JSON).
"""
from __future__ import annotations

import random

from iea_core.program import Program
from iea_core.tools import TOOLS, TOOL_NAMES

#: Strength bins of IEA's Stage-3 synthesis: name -> (low, high) absolute value.
STRENGTH_BINS: dict[str, tuple[int, int]] = {
    "light": (15, 30), "medium": (45, 60), "heavy": (75, 90), "extreme": (100, 100)}

_DEGREE_EXPERT = {"light": ("slightly", "a little"), "medium": ("moderately", "noticeably"),
                  "heavy": ("strongly", "significantly"), "extreme": ("to the maximum", "fully")}
_DEGREE_AMATEUR = {"light": ("a bit", "a touch", "slightly"),
                   "medium": ("", "noticeably", "quite a bit"),
                   "heavy": ("much", "a lot", "way"),
                   "extreme": ("extremely", "as much as possible", "totally")}
_OPENERS = ("Could you make it {}?", "Make it {}.", "I'd like the photo {}.",
            "Please make this {}.", "This needs to be {}.", "Can you make the picture {}?",
            "I want it {}.")
_VAGUE = ("Make the image nicer.", "Improve this photo.", "Make it look better.",
          "The user wants a better picture.")
_NONSENSE = ("Today is a sunny day.", "The cat sat on the mat.", "Bananas are yellow.",
             "photo photo photo photo photo", "Il fait beau aujourd'hui.",
             "Remember to buy milk.")


def strength_of(value: int) -> str:
    """The bin a value falls in (nearest bin for values between bins)."""
    magnitude = abs(value)
    if magnitude >= 95:
        return "extreme"
    if magnitude >= 68:
        return "heavy"
    if magnitude >= 38:
        return "medium"
    return "light"


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def expert_instruction(program: Program, rng: random.Random) -> str:
    parts = []
    for name, value in program.to_dict().items():
        verb = "increase" if value > 0 else "decrease"
        degree = rng.choice(_DEGREE_EXPERT[strength_of(value)])
        parts.append(f"{verb} {name.replace('_', ' ')} {degree}")
    text = _join(parts) or "leave the photo as it is"
    return text[0].upper() + text[1:] + "."


def effect_phrase(name: str, value: int, rng: random.Random) -> str:
    """'a bit warmer', 'much more faded' ... the visible effect of one tool move."""
    degree = rng.choice(_DEGREE_AMATEUR[strength_of(value)])
    effect = TOOLS[name].describe(value)
    return f"{degree} {effect}".strip()


def _effects(program: Program, rng: random.Random) -> list[str]:
    """The visible effect of each tool, in a random order (people list them any way)."""
    items = list(program.to_dict().items())
    rng.shuffle(items)
    return [effect_phrase(name, value, rng) for name, value in items]


def amateur_instruction(program: Program, rng: random.Random) -> str:
    parts = _effects(program, rng)
    if not parts:
        return "Keep the photo as it is."
    return rng.choice(_OPENERS).format(_join(parts))


def summary_sentence(program: Program, rng: random.Random) -> str:
    """How a photographer would sum the look up (IEA's Image-Summary target)."""
    parts = _effects(program, rng)
    if not parts:
        return "Leave the photo unchanged."
    opener = rng.choice(("The user prefers a photo that is {}.", "Make the photo {}.",
                         "Give it a look that is {}."))
    return opener.format(_join(parts))


def reasoning(program: Program, rng: random.Random, instruction: str = "") -> str:
    """A short chain of thought without numbers, grouped like a retoucher's checklist."""
    groups = {
        "light": ("exposure", "brightness", "highlights", "shadows", "whites", "blacks"),
        "tone": ("contrast", "natural_contrast", "fade"),
        "colour": ("saturation", "vibrance", "temperature", "tint"),
        "finish": ("sharpness", "vignette", "grain"),
    }
    lines = []
    if instruction:
        lines.append(f"The request is: {instruction.strip()}")
    for group, tools in groups.items():
        moves = [f"{TOOLS[t].describe(program[t])} ({t.replace('_', ' ')}, "
                 f"{strength_of(program[t])})" for t in tools if program[t]]
        if moves:
            lines.append(f"For {group}, the photo should become {_join(moves)}.")
    if len(lines) <= (1 if instruction else 0):
        lines.append("The photo already looks right; no slider needs to move.")
    else:
        lines.append("Other sliders can stay where they are.")
    return "\n".join(lines)


def refine_feedback(old: Program, new: Program, rng: random.Random) -> str:
    """What a photographer says to get from ``old`` to ``new`` (1-2 tools differ)."""
    phrases = []
    for name in TOOL_NAMES:
        a, b = old[name], new[name]
        if a == b:
            continue
        label = name.replace("_", " ")
        if b == 0:
            phrases.append(rng.choice((f"drop the {label} change", f"undo the {label}",
                                       f"leave {label} alone")))
        elif a == 0:
            phrases.append(f"make it {effect_phrase(name, b, rng)}")
        elif (a > 0) != (b > 0):
            phrases.append(f"go the other way: {TOOLS[name].describe(b)} instead")
        elif abs(b) < abs(a):
            phrases.append(rng.choice((
                f"the {TOOLS[name].describe(a)} look is too strong, dial it back",
                f"a bit less {label}", f"tone down the {label}")))
        else:
            phrases.append(rng.choice((f"even {TOOLS[name].describe(b)}",
                                       f"push the {label} further", f"more {label}")))
    text = _join(phrases) or "keep it as it is"
    return text[0].upper() + text[1:] + "."


def vague_sentence(rng: random.Random) -> str:
    return rng.choice(_VAGUE)


def nonsense_sentence(rng: random.Random) -> str:
    return rng.choice(_NONSENSE)
