"""Abstract goals: plan a mood ("a cold winter morning") into checkable steps, execute, judge.

    from iea_core.agent import get_agent
    from iea_core.agent.plan import plan_edit

    agent = get_agent("embedded")
    result = plan_edit(agent, preview, "make it feel like a cold winter morning")
    if result is not None:          # None: a plain request, the agent's own edit fits it
        result.program              # one program for all steps
        result.lines()              # each step: pass/fail and the measured value

Modules: :mod:`.looks` (the vocabulary), :mod:`.match` (embedding match), :mod:`.planner`
(request -> steps, conflicts), :mod:`.executor` (steps -> tool values), :mod:`.judge` (render,
measure, retry), :mod:`.measure` (the numbers), :mod:`.refine` (chat feedback on a plan's step).
"""
from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from ..base import EditResult
from .judge import Judge, MeasureJudge, PlanResult, VlmJudge, run_plan
from .planner import Planner
from .steps import Conflict, Plan, Step, StepVerdict

_PLANNERS: "weakref.WeakKeyDictionary[Any, Planner]" = weakref.WeakKeyDictionary()


def planner_for(agent: Any) -> Planner | None:
    """The planner that rides on ``agent`` (its encoder and reader), or None when the agent is
    not the embedded one (VLM backends plan with a prompt: :func:`vlm_plan_prompt`)."""
    if not hasattr(agent, "interpreter") or not hasattr(agent, "read"):
        return None
    planner = _PLANNERS.get(agent)
    if planner is None:
        planner = Planner(agent)
        _PLANNERS[agent] = planner
    return planner


def plan_request(agent: Any, request: str) -> Plan | None:
    """The plan for ``request``, or None when it names no mood or look."""
    planner = planner_for(agent)
    if planner is None:
        return None
    plan = planner.plan(request)
    if plan.explicit_values:
        return None
    return plan if plan.looks or plan.conflicts else None


def plan_edit(agent: Any, image: np.ndarray, request: str, *, judge: Judge | None = None,
              size: int = 1024, rounds: int = 3, profile: str = "default",
              force: bool = False) -> PlanResult | None:
    """Plan, execute and judge ``request`` on ``image``; None when it names no mood or look and
    holds no contradiction (the agent's own edit fits it), unless ``force``: then a plain
    request is planned too, as steps."""
    planner = planner_for(agent)
    if planner is None:
        return None
    plan = planner.plan(request)
    if plan.explicit_values and not force:
        return None  # "set contrast to 30": the agent applies the numbers as given
    if not plan.looks and not plan.conflicts and not (force and plan.steps):
        return None
    return run_plan(image, plan, judge=judge, size=size, rounds=rounds, profile=profile)


def as_edit_result(result: PlanResult) -> EditResult:
    """The agent-protocol answer for a planned edit: explanations name the step each tool serves."""
    explanations: dict[str, str] = {}
    for v in result.verdicts:
        tool = v.step.tool
        if tool and result.program[tool]:
            state = "met" if v.passed else "not met"
            explanations[tool] = (f"{tool.replace('_', ' ').capitalize()} {result.program[tool]:+d}"
                                  f": for \u201c{v.step.kind.intent}\u201d ({v.step.source}); "
                                  f"target {state}, {v.step.metric} {v.before:.2f} \u2192 "
                                  f"{v.measured:.2f}.")
    guards = {"whites": "keeps the highlights from clipping", "blacks": "keeps the shadows from "
              "crushing to black"}
    served = {v.step.tool for v in result.verdicts}
    for tool, value in result.program.to_dict().items():
        if tool not in served and tool in explanations:
            continue
        if tool not in served:
            why = guards.get(tool, "part of a step")
            explanations[tool] = (f"{tool.replace('_', ' ').capitalize()} {value:+d}: guard rail, "
                                  f"{why}.")
    reasoning = result.reasoning()
    return EditResult(result.program.replace(reasoning=reasoning), reasoning, explanations,
                      message=" ".join(getattr(result, "warnings", ())))


def vlm_plan_prompt(request: str) -> str:
    """The prompt a VLM backend plans with: it picks steps from the same vocabulary, so its plan
    is executed and judged like the embedded one (parse the answer with :func:`parse_vlm_plan`)."""
    from .steps import KINDS

    kinds = "\n".join(f"- {k.name}: {k.intent}" for k in KINDS.values())
    return ("Turn this photo-editing request into 2-5 concrete steps. Use only these step names, "
            "one per line, optionally followed by a strength between 0.3 and 2 "
            f"(e.g. 'cooler 0.8'):\n{kinds}\nRequest: {request}\nSteps:")


def parse_vlm_plan(request: str, text: str) -> Plan:
    """A :class:`Plan` from a VLM's step list (unknown names are reported, not guessed)."""
    import re

    from .planner import assign_tools, resolve
    from .steps import KINDS

    steps: list[Step] = []
    unread: list[str] = []
    for line in text.splitlines():
        m = re.match(r"\s*[-*\d.)]*\s*([a-z_]+)\s*([0-9.]+)?", line.lower())
        if not m or not m.group(1):
            continue
        if m.group(1) in KINDS:
            strength = float(m.group(2)) if m.group(2) else 1.0
            steps.append(Step(KINDS[m.group(1)], request, max(0.3, min(2.0, strength))))
        else:
            unread.append(line.strip())
    plan = Plan(request, looks=[("planned by the vision model", 1.0)], unread=unread)
    plan.steps, plan.conflicts = resolve(steps)
    assign_tools(plan.steps)
    return plan


__all__ = ["Conflict", "Judge", "MeasureJudge", "Plan", "PlanResult", "Planner", "Step",
           "StepVerdict", "VlmJudge", "as_edit_result", "parse_vlm_plan", "plan_edit",
           "plan_request", "planner_for", "run_plan", "vlm_plan_prompt"]
