"""Judge: does the render meet every step's target, and does it stay inside the guard rails?

:class:`MeasureJudge` (the default) measures the render (:mod:`.measure`). :func:`run_plan` renders
the program at the working size (1024 px by default), asks the judge, and when a step misses or a
rail breaks it adjusts the tools (a least-squares move from the executor's Jacobian for a missed
step; backing off the tools that cause a broken rail) and tries again, up to ``rounds`` renders.
The best round is kept, and the answer lists every step with pass/fail and the measured value.

A VLM can judge instead (:class:`VlmJudge`): it answers yes/no per step from the before/after
pictures through any ``ask(images, prompt) -> str`` callable; the measured rails still apply,
because a model that says "looks fine" must not hide clipped highlights.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable, Mapping, Protocol, Sequence

import numpy as np

from ...program import Program
from .executor import (Solution, back_off, downscale, newton_move, one_render_thread,
                       residuals, room_of, solve, step_scales)
from .measure import RAIL_LIMITS, measure, neutral_mask, rail_failures, rails, skin_mask
from .steps import Conflict, Plan, Step, StepVerdict, far_slack, tolerance

WORK_SIZE = 1024
ROUNDS = 3

@dataclass
class Verdict:
    """A judge's answer for one render."""

    steps: list[StepVerdict]
    rails: dict[str, float]
    failed_rails: list[str]

    @property
    def passed(self) -> bool:
        return all(v.passed for v in self.steps) and not self.failed_rails

    def score(self) -> tuple[int, int]:
        return (-len(self.failed_rails), sum(v.passed for v in self.steps))


class Judge(Protocol):
    name: str

    def judge(self, before: np.ndarray, after: np.ndarray, steps: Sequence[Step],
              before_metrics: Mapping[str, float], rail_limits: Mapping[str, float],
              skin: np.ndarray | None = None, neutral: np.ndarray | None = None,
              program: Program | None = None) -> Verdict: ...


def _rail_check(before: np.ndarray, after: np.ndarray, limits: Mapping[str, float],
                skin: np.ndarray | None, cache: dict | None = None
                ) -> tuple[dict[str, float], list[str]]:
    changes = rails(before, after, skin, cache)
    return changes, rail_failures(changes, limits)


class MeasureJudge:
    """Checks each step's metric on the render against its range (with a small tolerance)."""

    name = "measure"

    def __init__(self) -> None:
        self._rail_cache: tuple[int, dict] | None = None  # (id of the photo, its rail numbers)

    def judge(self, before: np.ndarray, after: np.ndarray, steps: Sequence[Step],
              before_metrics: Mapping[str, float], rail_limits: Mapping[str, float],
              skin: np.ndarray | None = None, neutral: np.ndarray | None = None,
              program: Program | None = None) -> Verdict:
        now = measure(after, neutral, {s.metric for s in steps})
        verdicts = []
        for step in steps:
            lo, hi = step.bounds(before_metrics)
            tol = tolerance(step.metric, lo, hi)
            value = now[step.metric]
            extra = far_slack(lo, hi)
            passed = (lo - tol - (extra if step.direction < 0 else 0.0) <= value
                      <= hi + tol + (extra if step.direction > 0 else 0.0))
            note = ""
            past = value > hi + tol if step.direction > 0 else value < lo - tol
            if not passed and past and program is not None and step.tool and \
                    program[step.tool] == 0:
                # other steps carried the metric past the range in the step's own direction
                # and its own tool is not pushing at all: the intent holds on the render
                passed, note = True, "went past the range through the other steps"
            verdicts.append(StepVerdict(step, lo, hi, before_metrics[step.metric], value,
                                        passed, note=note))
        if self._rail_cache is None or self._rail_cache[0] != id(before):
            self._rail_cache = (id(before), {})
        changes, failed = _rail_check(before, after, rail_limits, skin, self._rail_cache[1])
        return Verdict(verdicts, changes, failed)


class VlmJudge:
    """Asks a vision-language model whether each step shows; the rails stay measured.

    ``ask(images, prompt)`` gets [before, after] float images and returns the model's text; the
    prompt asks for one line per step, ``N: yes`` or ``N: no``. Steps the model does not answer
    fall back to the measurement."""

    name = "vlm"

    def __init__(self, ask: Callable[[Sequence[np.ndarray], str], str]) -> None:
        self.ask = ask
        self.fallback = MeasureJudge()

    @staticmethod
    def prompt(steps: Sequence[Step]) -> str:
        lines = ["The first picture is the original photo, the second the edit. For each change "
                 "below answer on its own line with the number, a colon and yes or no: does the "
                 "edit show that change compared with the original?"]
        lines += [f"{k}: {s.kind.intent}" for k, s in enumerate(steps, 1)]
        return "\n".join(lines)

    @staticmethod
    def parse(text: str, n: int) -> dict[int, bool]:
        out: dict[int, bool] = {}
        for m in re.finditer(r"(?m)^\s*(\d+)\s*[:.)-]\s*(yes|no)\b", text.lower()):
            k = int(m.group(1))
            if 1 <= k <= n:
                out[k - 1] = m.group(2) == "yes"
        return out

    def judge(self, before: np.ndarray, after: np.ndarray, steps: Sequence[Step],
              before_metrics: Mapping[str, float], rail_limits: Mapping[str, float],
              skin: np.ndarray | None = None, neutral: np.ndarray | None = None,
              program: Program | None = None) -> Verdict:
        measured = self.fallback.judge(before, after, steps, before_metrics, rail_limits, skin,
                                       neutral, program)
        answers = self.parse(self.ask([before, after], self.prompt(steps)), len(steps))
        for k, verdict in enumerate(measured.steps):
            if k in answers:
                verdict.passed = answers[k]
                verdict.note = "judged by the vision model"
        return measured


@dataclass
class PlanResult:
    """A plan carried out: the program, each step's verdict, the rails, and the conflicts."""

    plan: Plan
    program: Program
    verdicts: list[StepVerdict]
    rails: dict[str, float]
    failed_rails: list[str]
    rounds: int
    judge: str = "measure"
    first_try: list[bool] = field(default_factory=list)  # step met on the first render
    #: what the user must be told beyond the step lines (the render as a whole going the
    #: other way than the look means)
    warnings: list[str] = field(default_factory=list)

    @property
    def conflicts(self) -> list[Conflict]:
        return self.plan.conflicts

    @property
    def passed(self) -> bool:
        return all(v.passed for v in self.verdicts) and not self.failed_rails

    def lines(self) -> list[str]:
        """The answer: each step with pass/fail and the measured value, then rails and conflicts."""
        out = [f"look: {n} (match {s:.2f})" for n, s in self.plan.looks]
        for k, v in enumerate(self.verdicts, 1):
            mark = "pass" if v.passed else "FAIL"
            out.append(f"{k}. [{mark}] {v.step.describe()} \u2014 {v.step.metric} "
                       f"{_fmt(v.before)} \u2192 {_fmt(v.measured)} ({v.step.tool} "
                       f"{self.program[v.step.tool]:+d})" if v.step.tool else
                       f"{k}. [{mark}] {v.step.describe()}")
        broken = ", ".join(f"{r} {self.rails[r]:.3f}" for r in self.failed_rails)
        out.append(f"guard rails: {'broken: ' + broken if broken else 'all held'} "
                   f"({', '.join(f'{k} {v:.3f}' for k, v in self.rails.items())})")
        out += [c.describe() for c in self.plan.conflicts]
        out += [f"note: {n}" for n in self.plan.notes]
        out += [f"warning: {w}" for w in self.warnings]
        out += [f"not understood: \u201c{u}\u201d" for u in self.plan.unread]
        return out

    def reasoning(self) -> str:
        met = sum(v.passed for v in self.verdicts)
        looks = " + ".join(n for n, _ in self.plan.looks)
        if not self.verdicts:
            text = f"I changed nothing for \u201c{self.plan.request}\u201d"
        else:
            text = (f"I planned \u201c{self.plan.request}\u201d as {looks or 'steps'}: "
                    f"{len(self.verdicts)} step(s), {met} met on the render")
        if self.failed_rails:
            text += f"; guard rail(s) broken: {', '.join(self.failed_rails)}"
        text += "."
        for c in self.plan.conflicts:
            text += " " + c.describe()[0].upper() + c.describe()[1:] + "."
        for n in self.plan.notes:
            text += f" Note: {n}."
        for w in self.warnings:
            text += " " + w
        if self.plan.unread:
            text += " I could not read " + ", ".join(f"\u201c{u}\u201d" for u in self.plan.unread) \
                + "."
        return text

    def to_dict(self) -> dict[str, object]:
        return {**self.plan.to_dict(), "program": self.program.to_dict(),
                "verdicts": [v.to_dict() for v in self.verdicts],
                "rails": {k: round(v, 4) for k, v in self.rails.items()},
                "rail_limits": {k: RAIL_LIMITS[k][0] for k in RAIL_LIMITS},
                "failed_rails": list(self.failed_rails), "rounds": self.rounds,
                "judge": self.judge, "passed": self.passed,
                "first_try": list(self.first_try), "warnings": list(self.warnings)}


def _fmt(x: float) -> str:
    return f"{x:.3f}" if abs(x) < 2 else f"{x:.1f}"


def run_plan(image: np.ndarray, plan: Plan, *, judge: Judge | None = None, size: int = WORK_SIZE,
             rounds: int = ROUNDS, profile: str = "default",
             solution: Solution | None = None) -> PlanResult:
    """Execute ``plan`` on ``image`` and judge it at ``size`` px, retrying up to ``rounds``."""
    from ...editor import render

    judge = judge or MeasureJudge()
    view = downscale(image, size)
    if hasattr(judge, "_rail_cache"):
        judge._rail_cache = None  # a new photo (ids of freed arrays can repeat)
    solution = solution or solve(view, plan.steps, profile=profile, rail_limits=plan.rails)
    if solution.scaled:
        plan = replace(plan, steps=list(solution.steps), notes=plan.notes + [
            f"this photo cannot take the full {', '.join(k.replace('_', ' ') for k in solution.scaled)}"
            " step(s) (its tool would hit the end stop), so their targets were scaled down"])
    steps = plan.steps
    values = dict(solution.values)
    neutral = neutral_mask(view)
    before = measure(view, neutral, {s.metric for s in steps})
    skin = skin_mask(view)
    limits = dict(plan.rails)
    free = [s for s in steps if s.kind.fixed is None and s.tool]
    index = {s.tool: j for j, s in enumerate(free)}
    best: tuple[tuple[int, int], dict[str, int], Verdict, int] | None = None
    first_try: list[bool] = []
    first_pass_round: dict[int, int] = {}
    done = 0
    for rnd in range(1, max(1, rounds) + 1):
        program = Program({t: v for t, v in values.items() if v}, clamp=True)
        after = render(view, program, profile)
        verdict = judge.judge(view, after, steps, before, limits, skin, neutral, program)
        done = rnd
        if rnd == 1:
            first_try = [v.passed for v in verdict.steps]
        for k, v in enumerate(verdict.steps):
            if v.passed and k not in first_pass_round:
                first_pass_round[k] = rnd
        if best is None or verdict.score() > best[0]:
            best = (verdict.score(), dict(values), verdict, rnd)
        if verdict.passed:
            break
        if verdict.failed_rails:
            values = back_off(values, verdict.failed_rails, step_tools=[s.tool for s in steps if s.tool])
            continue
        now = {v.step.metric: v.measured for v in verdict.steps}
        if free and solution.jacobian.size:
            r = residuals(free, before, {**before, **now}, values)
            scales = step_scales(free, before)
            move = newton_move(solution.jacobian, r, scales, room_of(free, values))
            for s in free:
                values[s.tool] = s.clamp(values[s.tool] + move[index[s.tool]])
    assert best is not None
    _, values, verdict, _ = best
    for k, v in enumerate(verdict.steps):
        v.rounds = first_pass_round.get(k, done)
    warnings: list[str] = []
    held = hold_overall(view, steps, values, profile)
    if held is not None:
        tried, warning, note = held
        if tried is not None and isinstance(judge, MeasureJudge):
            program = Program({t: v for t, v in tried.items() if v}, clamp=True)
            after = render(view, program, profile)
            again = judge.judge(view, after, steps, before, limits, skin, neutral, program)
            if len(again.failed_rails) <= len(verdict.failed_rails):
                values, verdict = tried, again
                for v in verdict.steps:
                    v.rounds = done
                plan = replace(plan, notes=plan.notes + [note])
                warning = ""
            done += 1
        if warning:
            warnings.append(warning)
    program = Program({t: v for t, v in values.items() if v}, clamp=True)
    return PlanResult(plan, program, verdict.steps, verdict.rails, verdict.failed_rails, done,
                      getattr(judge, "name", "custom"), first_try, warnings)


#: the whole render's mean b* must move at least this far the way a warmer / cooler step means;
#: a softened variant is taken only when it moves at least :data:`OVERALL_ADOPT`
OVERALL_MIN, OVERALL_ADOPT = 0.5, 1.0
OVERALL_SIZE = 256
#: tools that pull the whole picture's colour toward grey, and so against a warmer/cooler step
#: (tool, the direction that competes)
COMPETING = (("fade", 1), ("saturation", -1), ("vibrance", -1))
SOFTEN = (0.75, 0.5, 0.25, 0.0)


def _overall_b(rgb: np.ndarray) -> float:
    from .measure import lab

    return float(lab(np.clip(rgb, 0.0, 1.0).reshape(-1, 3))[:, 2].mean())


def hold_overall(view: np.ndarray, steps: Sequence[Step], values: Mapping[str, int],
                 profile: str = "default"
                 ) -> tuple[dict[str, int] | None, str, str] | None:
    """The look's warmth as the whole render shows it, not just its neutral pixels.

    A warmer (cooler) step is measured on the photo's most neutral pixels; fade and a saturation
    cut pull *every* pixel toward grey, and on a warm (cool) photo that can outweigh the white
    balance so that the render as a whole comes out cooler (warmer). None when the look has no
    white-balance step or the whole render moves its way; else (values of a variant that holds,
    or None; the sentence for the user when it is not used; the note when it is).
    Variants: the step's own tool to its end stop, then the competing tools softened."""
    from ...editor import render_batch

    wb = next((s for s in steps if s.metric == "wb_b" and s.tool), None)
    if wb is None:
        return None
    way = wb.direction
    small = downscale(view, OVERALL_SIZE)
    base = _overall_b(small)
    current = {t: v for t, v in values.items() if v}
    compete = [(t, d) for t, d in COMPETING if current.get(t, 0) * d > 0]
    variants: list[dict[str, int]] = []
    push = dict(current)
    push[wb.tool] = wb.clamp(way * (wb.sign or 1) * 100)
    if push[wb.tool] != current.get(wb.tool, 0):
        variants.append(push)
    for k in SOFTEN:
        if not compete:
            break
        variants.append({**push, **{t: int(round(current[t] * k)) for t, _ in compete}})
    programs = [Program(current, clamp=True)] + [
        Program({t: v for t, v in p.items() if v}, clamp=True) for p in variants]
    with one_render_thread():
        renders = render_batch(small, programs, profile)
    moved = [(_overall_b(r) - base) * way for r in renders]
    if moved[0] >= OVERALL_MIN:
        return None
    warm, cool = ("warmer", "cooler") if way > 0 else ("cooler", "warmer")
    chosen, note = None, ""
    for variant, m in zip(variants, moved[1:]):
        if m >= OVERALL_ADOPT:
            changed = ", ".join(f"{t.replace('_', ' ')} {current.get(t, 0):+d} \u2192 "
                                f"{variant.get(t, 0):+d}" for t in sorted(variant)
                                if variant.get(t, 0) != current.get(t, 0))
            note = (f"on this photo the {wb.kind.intent} was outweighed and the render as a "
                    f"whole measured {cool}, so I changed {changed} to keep the look {warm} "
                    "overall")
            chosen = variant
            break
    others = " and ".join({"fade": "the fade", "saturation": "the saturation cut",
                           "vibrance": "the vibrance cut"}[t] for t, _ in compete)
    why = f" ({others} outweigh the white balance)" if others else ""
    if moved[0] < 0:
        text = (f"On this photo the render as a whole comes out {cool} than the original, "
                f"although the look means {warm}{why}; the {wb.kind.intent} holds only on the "
                "neutral tones.")
    else:
        text = (f"On this photo the render as a whole comes out barely {warm} than the "
                f"original, although the look means {warm}{why}.")
    return chosen, text, note

