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
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

from ...program import Program
from ...tools import TOOL_NAMES
from ..base import Turn
from .interpret import EFFECT_TOOLS, Reading, clause_values

STEP_SHARE = 0.6  # a further move in one direction, as a share of the base amount
BACK_SHARE = 0.35  # a move back toward 0, as a share of the current value (default degree)
MIN_CHANGE = 5


@dataclass
class RefineOutcome:
    values: dict[str, int]
    why: dict[str, tuple[Reading | None, str]] = field(default_factory=dict)  # tool -> (clause, how)


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
    frozen: set[str] = set()

    def put(tool: str, value: int, reading: Reading | None, how: str) -> None:
        if tool in frozen:
            return
        values[tool] = int(max(-100, min(100, value)))
        out.why[tool] = (reading, how)

    for r in readings:
        for tool, value, relative in r.clause.numbers:
            put(tool, values[tool] + value if relative else value, r, "set")
        if r.polarity == "NONE":
            continue
        if r.polarity == "KEEP":
            frozen |= set(r.tools)
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
                        put(tool, v + step if v > 0 else v - step, r, "more")
                    else:
                        put(tool, _toward_zero(v, r.factor), r, "less")
            elif r.polarity == "REMOVE":
                reference = before.to_dict() if before is not None else {}
                for tool in sorted(changed):
                    put(tool, reference.get(tool, 0), r, "undo")
            continue
        directions = {t: d for t, (d, _) in r.tools.items()}
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
                put(tool, v + step if target > 0 else v - step, r, "further")
            else:
                put(tool, target, r, "new")
        if autos:
            base = {t: v for t, v in values.items() if v and t not in autos}
            for tool, value in auto(autos, base).items():
                put(tool, value, r, "auto")
    return out
