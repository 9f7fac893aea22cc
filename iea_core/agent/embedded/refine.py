"""Image-Refine: feedback relative to the current program.

Feedback reads like an edit instruction ("too orange now", "a bit less", "undo the vignette",
"perfect but brighter") but acts on the program the user is looking at, and must change only what
it names. Rules, on top of the same clause readings edits use:

* **named tools, want / oppose**: a move away from 0 adds a step (60 % of the base amount, scaled by
  the degree); a move back toward 0 takes off a share of the current value (35 % at the default
  degree, "a bit" less, "much" more) and never overshoots 0 in one go. A look that spans several
  tools ("less moody") only touches the tools the current program already uses for it.
* **bare "more" / "less"** ("a bit less", "too much", "push it further"): scales the tools that the
  last turn changed (from ``history``), or every tool when there is no history.
* **remove** ("undo the vignette", "get rid of the grain"): sets the named tools to 0 when the
  program has them in that direction; a bare "undo" restores the previous program.
* **forbid** ("don't make it brighter"): a tool the last turn pushed that way goes back.
* **keep** ("leave the colours alone"): the named tools are frozen for this turn.
* **"auto"** ("fix the exposure"): the photo decides again, with the rest of the program applied.
* explicit numbers: "exposure +20" sets it, "exposure by -10" moves it.
* **one sentence, one move**: clauses that say the same thing twice ("too much, back off a
  little", "too warm, cool it down") count once, with the degree word setting how much
  (:func:`.interpret.merge_repeats`).
* **keep the rest** ("undo the warmth but keep the rest"): every tool the feedback does not name
  is frozen.
* **restore** ("bring back a little colour", "give back some warmth"): a tool the program moved
  goes part of the way back toward 0, whichever way the heads read the property.
* **at a limit**: a move that a tool at +/-100 cannot make goes to a tool that moves the picture
  the same way (exposure -> brightness, shadows); where there is none (temperature, tint) the
  answer says that the tool is at its limit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

from ...program import Program
from ...tools import TOOL_NAMES
from ..base import Turn
from .interpret import EFFECT_TOOLS, Reading, clause_values, merge_repeats

STEP_SHARE = 0.6  # a further move in one direction, as a share of the base amount
BACK_SHARE = 0.35  # a move back toward 0, as a share of the current value (default degree)
MIN_CHANGE = 5

#: tools that move the picture the same way as a tool, in the same direction, in order of
#: preference: where a refine asks a tool at its limit for more, the rest goes there
ALTERNATIVES: dict[str, tuple[str, ...]] = {
    "exposure": ("brightness", "shadows"), "brightness": ("exposure", "shadows"),
    "shadows": ("brightness", "blacks"), "blacks": ("shadows",), "highlights": ("whites",),
    "whites": ("highlights", "exposure"), "contrast": ("natural_contrast",),
    "natural_contrast": ("contrast",), "saturation": ("vibrance",),
    "vibrance": ("saturation",), "sharpness": ("natural_contrast",),
}
#: what a tool's + / - direction does, for the note when it is at its limit
_WAY = {("temperature", 1): "warmer", ("temperature", -1): "cooler",
        ("tint", 1): "greener", ("tint", -1): "more magenta",
        ("exposure", 1): "brighter", ("exposure", -1): "darker",
        ("brightness", 1): "brighter", ("brightness", -1): "darker",
        ("saturation", 1): "more colourful", ("saturation", -1): "less colourful",
        ("contrast", 1): "more contrasty", ("contrast", -1): "flatter"}


def _label(tool: str) -> str:
    return tool.replace("_", " ").capitalize()


@dataclass
class RefineOutcome:
    values: dict[str, int]
    why: dict[str, tuple[Reading | None, str]] = field(default_factory=dict)  # tool -> (clause, how)
    notes: list[str] = field(default_factory=list)  # said to the user (a tool at its limit)


def previous_programs(history: Sequence[Turn], current: Program) -> tuple[Program | None, set[str]]:
    """(the program before the last turn, the tools the last turn changed)."""
    programs = [t.program for t in history if t.role == "agent" and t.program is not None]
    if programs and programs[-1].same_values(current):
        programs = programs[:-1]
    before = programs[-1] if programs else None
    reference = before.to_dict() if before is not None else {}
    now = current.to_dict()
    changed = {t for t in TOOL_NAMES if reference.get(t, 0) != now.get(t, 0)}
    if not changed:
        changed = set(now)
    return before, changed


def _toward_zero(value: int, factor: float) -> int:
    cut = max(MIN_CHANGE, round(abs(value) * min(0.9, BACK_SHARE * factor)))
    if cut >= abs(value):
        return 0
    return value - cut if value > 0 else value + cut


def refine_values(current: Program, readings: Sequence[Reading], history: Sequence[Turn],
                  auto: Callable[[Sequence[str], Mapping[str, int]], dict[str, int]]) -> RefineOutcome:
    values = {t: current[t] for t in TOOL_NAMES}
    before, changed = previous_programs(history, current)
    out = RefineOutcome(values)
    readings = merge_repeats(readings)
    # KEEP clauses hold for the whole feedback, whatever their order, but never over a tool
    # another clause of it names ("keep the rest, but undo the warmth").
    named: set[str] = set()
    for r in readings:
        named |= {t for t, _, _ in r.clause.numbers}
        if r.polarity not in ("KEEP", "NONE"):
            named |= set(r.tools) if r.tools else set(changed)
    frozen: set[str] = set()
    for r in readings:
        if r.polarity == "KEEP":
            frozen |= (set(TOOL_NAMES) if r.intent == "bare_keep" else set(r.tools)) - named

    def put(tool: str, value: int, reading: Reading | None, how: str) -> None:
        if tool in frozen:
            return
        values[tool] = int(max(-100, min(100, value)))
        out.why[tool] = (reading, how)

    def push(tool: str, delta: int, reading: Reading, how: str) -> None:
        """Move ``tool`` by ``delta``; what its limit leaves undone goes to a tool that moves
        the picture the same way, or the answer says the tool is at its limit."""
        if tool in frozen:
            return
        v = values[tool]
        new = int(max(-100, min(100, v + delta)))
        if new != v:
            put(tool, new, reading, how)
        left = delta - (new - v)
        if abs(left) < MIN_CHANGE or abs(new - v) >= MIN_CHANGE:
            return
        for alt in ALTERNATIVES.get(tool, ()):
            a = values[alt]
            if alt in frozen or (out.why.get(alt, (None, ""))[0] is reading):
                continue
            moved = int(max(-100, min(100, a + left)))
            if abs(moved - a) >= MIN_CHANGE:
                put(alt, moved, reading, "instead")
                out.notes.append(f"{_label(tool)} is already at its limit ({new:+d}), so "
                                 f"{alt.replace('_', ' ')} goes {'up' if left > 0 else 'down'} "
                                 f"instead ({a:+d} \u2192 {moved:+d}).")
                return
        way = _WAY.get((tool, 1 if left > 0 else -1))
        out.notes.append(f"{_label(tool)} is already at its limit ({new:+d})"
                         + (f" and no other tool makes the photo {way}" if way else "")
                         + ", so it cannot go further that way.")

    for r in readings:
        for tool, value, relative in r.clause.numbers:
            put(tool, values[tool] + value if relative else value, r, "set")
        if r.polarity in ("NONE", "KEEP"):
            continue
        if not r.tools:  # bare feedback about the last change
            if r.polarity in ("WANT", "OPPOSE"):
                grow = r.polarity == "WANT"
                for tool in sorted(changed):
                    v = values[tool]
                    if not v:
                        continue
                    if grow:
                        step = max(MIN_CHANGE, round(abs(v) * 0.4 * r.factor))
                        push(tool, step if v > 0 else -step, r, "more")
                    else:
                        put(tool, _toward_zero(v, r.factor), r, "less")
            elif r.polarity == "REMOVE":
                reference = before.to_dict() if before is not None else {}
                for tool in sorted(changed):
                    put(tool, reference.get(tool, 0), r, "undo")
            continue
        directions = {t: d for t, (d, _) in r.tools.items()}
        if r.restore:
            # "bring back a little colour": part of an earlier change to it goes back
            hit = [t for t in directions if values[t]]
            if hit:
                for tool in hit:
                    put(tool, _toward_zero(values[tool], r.factor), r, "restored")
                continue
        if r.polarity == "REMOVE":
            hit = [t for t, d in directions.items()
                   if d == "auto" or (values[t] and (values[t] > 0) == (d == 1))]
            if hit:
                for tool in hit:
                    put(tool, 0, r, "removed")
                continue
            if set(directions) <= EFFECT_TOOLS:
                continue  # nothing of that effect to take away
            # Nothing of ours to undo: the photo itself has it ("remove the yellow") -> oppose.
        if r.polarity == "FORBID":
            reference = before.to_dict() if before is not None else {}
            for tool, d in directions.items():
                v = values[tool]
                if d != "auto" and v and (v > 0) == (d == 1):
                    back = reference.get(tool, 0)
                    put(tool, back if not back or (back > 0) != (d == 1) else 0, r, "forbidden")
            continue
        sign = 1 if r.polarity == "WANT" else -1
        wanted = clause_values(r, sign=sign, factor=1.0 if r.polarity == "REMOVE" else None)
        autos = [t for t, v in wanted.items() if v == "auto"]
        numeric = {t: v for t, v in wanted.items() if v != "auto"}
        if len(numeric) > 1:
            # A look: touch only the tools the program already uses that way, if any.
            used = {t: v for t, v in numeric.items()
                    if values[t] and ((values[t] > 0) == (v > 0) or sign < 0)}
            if used:
                numeric = used
        for tool, target in numeric.items():
            v = values[tool]
            if not isinstance(target, int) or target == 0:
                continue
            if v and (v > 0) != (target > 0):
                put(tool, _toward_zero(v, r.factor), r, "back")
            elif v:
                step = max(MIN_CHANGE, round(abs(target) * STEP_SHARE))
                push(tool, step if target > 0 else -step, r, "further")
            else:
                put(tool, target, r, "new")
        if autos:
            base = {t: v for t, v in values.items() if v and t not in autos}
            for tool, value in auto(autos, base).items():
                put(tool, value, r, "auto")
    return out
