"""Where the planner meets the rest of iea: route a request, refine a plan's step.

:func:`edit_with_plan` is what ``iea edit``, ``iea chat`` and the bridge's ``edit`` call: a request
that names a mood or look (or holds a contradiction) is planned, executed and judged; anything
else goes to the agent unchanged. :func:`refine_plan` turns chat feedback on a planned edit
("less blue", "a bit more contrast") into a change of the matching step's target, and carries
the plan out again, so the judge still checks every step.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Sequence

import numpy as np

from ..base import EditResult, Turn
from .judge import PlanResult, run_plan
from .planner import AGENT_LOOKS, PLAIN_STEPS, assign_tools
from .steps import KINDS, Step

#: feedback that strengthens / weakens a step it names
STRONGER, WEAKER = 1.5, 0.5
#: a tool within this much of +/-100 before a "more" is reported as at its limit
LIMIT_MARGIN = 5


def edit_with_plan(agent: Any, image: np.ndarray, instruction: str, history: Sequence[Turn] = (),
                   *, plan: bool | None = None, size: int = 1024
                   ) -> tuple[EditResult, PlanResult | None]:
    """The agent's answer for ``instruction``, planned when it asks for a mood or look.

    ``plan``: None decides by the request, True plans even a plain request (as steps), False
    never plans. A prompted VLM backend plans only when asked (``plan`` True): it has no cheap
    way to tell a mood from a plain request, and its own edit already reads moods."""
    from . import as_edit_result, plan_edit

    if plan and planner_is_vlm(agent):
        result = vlm_plan_edit(agent, image, instruction, size=size)
        return as_edit_result(result), result
    if plan is not False:
        try:
            result = plan_edit(agent, image, instruction, size=size, force=bool(plan))
        except Exception:
            if plan:  # asked for explicitly: the failure is the answer
                raise
            result = None  # routing must never cost the user the plain edit
        if result is not None:
            return as_edit_result(result), result
    return agent.edit(image, instruction, history), None


def planner_is_vlm(agent: Any) -> bool:
    """A prompted vision-language backend (it has no embedded encoder to match looks with)."""
    return not hasattr(agent, "interpreter") and callable(getattr(agent, "_complete", None))


def vlm_ask(agent: Any) -> Callable[[Sequence[np.ndarray], str], str]:
    """``ask(images, prompt) -> text`` through a prompted VLM backend's one completion call."""
    from ..vlm_common import _conversation, to_pil

    side = int(getattr(agent, "max_image_side", 1024))

    def ask(images: Sequence[np.ndarray], prompt: str) -> str:
        messages = _conversation("You are a careful photo editor. Answer exactly in the format "
                                 "asked for.", prompt, n_images=len(images))
        return str(agent._complete(messages, [to_pil(img, side) for img in images]))

    return ask


def vlm_plan_edit(agent: Any, image: np.ndarray, request: str, *, size: int = 1024
                  ) -> PlanResult:
    """A VLM backend plans with a prompt (steps from the same kinds), the executor finds the
    values, and the VLM judges each step on the before/after pictures; the guard rails stay
    measured."""
    from . import VlmJudge, parse_vlm_plan, vlm_plan_prompt

    ask = vlm_ask(agent)
    plan = parse_vlm_plan(request, ask([image], vlm_plan_prompt(request)))
    return run_plan(image, plan, judge=VlmJudge(ask), size=size)


def _feedback_steps(agent: Any, feedback: str) -> list[tuple[str, int, float]]:
    """(step kind, +1 want / -1 oppose, degree) for each plain clause of the feedback; bare
    "more" / "less" come back as ("", +1 / -1, degree)."""
    from ..embedded.interpret import merge_repeats

    out = []
    readings = agent.read(feedback)
    try:
        readings = merge_repeats(readings)  # "too much, back off a little" is one "less"
    except (AttributeError, TypeError):
        pass  # readings of another kind: taken as they are
    for r in readings:
        if r.intent in ("bare_more", "bare_less"):
            out.append(("", 1 if r.intent == "bare_more" else -1, r.factor))
            continue
        if r.intent in AGENT_LOOKS and r.polarity in ("WANT", "OPPOSE", "REMOVE"):
            # "less moody", "too cinematic now": the steps of that look, weaker or stronger
            out.append(("look:" + AGENT_LOOKS[r.intent], 1 if r.polarity == "WANT" else -1,
                        r.factor))
            continue
        kinds = PLAIN_STEPS.get(r.intent)
        if kinds is None:
            continue
        if getattr(r, "restore", False) and kinds[0] and r.polarity != "KEEP":
            # "bring back a little colour": the step that took it away, weaker
            out.append((kinds[0], 0, r.factor))
        elif r.polarity == "WANT" and kinds[0]:
            out.append((kinds[0], 1, r.factor))
        elif r.polarity in ("OPPOSE", "REMOVE") and kinds[0]:
            out.append((kinds[0], -1, r.factor))
    return out


def refine_plan(agent: Any, image: np.ndarray, previous: PlanResult, feedback: str, *,
                size: int = 1024) -> PlanResult | None:
    """``previous`` with its steps changed as ``feedback`` says, executed and judged again; None
    when the feedback names nothing the plan's steps or a new plain step can carry."""
    wanted = _feedback_steps(agent, feedback)
    sources = {s.source for s in previous.plan.steps}
    wanted = [w for w in wanted if not w[0].startswith("look:") or w[0][5:] in sources]
    if not wanted:
        return None
    steps = list(previous.plan.steps)
    notes: list[str] = []
    for kind_name, way, degree in wanted:
        factor = (STRONGER if way > 0 else WEAKER) ** min(2.0, max(0.5, degree))
        if not kind_name:  # bare "more" / "less": the whole plan
            steps = [s.scaled(factor) for s in steps]
            notes.append(f"every step {'stronger' if way > 0 else 'weaker'}")
            continue
        if kind_name.startswith("look:"):
            look = kind_name[5:]
            if not any(s.source == look for s in steps):
                continue  # not a look of this plan: nothing of it to weaken
            if way < 0 and degree >= 4.0:  # "no more moody at all": the look's steps go
                steps = [s for s in steps if s.source != look]
                notes.append(f"{look}: taken off")
                continue
            steps = [s.scaled(factor) if s.source == look else s for s in steps]
            notes.append(f"{look}: {'stronger' if way > 0 else 'weaker'}")
            continue
        kind = KINDS[kind_name]
        # the direction the user wants the metric to go
        target_way = way * Step(kind, "").direction
        match = next((k for k, s in enumerate(steps) if s.metric == kind.metric), None)
        if match is None:
            if way == 0:
                continue  # nothing of the plan to take back
            if way > 0:
                steps.append(Step(kind, feedback, min(2.5, degree), explicit=True))
                notes.append(f"added {kind.intent}")
            continue
        step = steps[match]
        if way == 0:  # restore: whichever way the step went, part of it goes back
            weaker = step.scaled(WEAKER ** min(2.0, max(0.5, degree)))
            steps[match] = weaker
            notes.append(f"{step.kind.intent}: partly taken back")
            continue
        if step.direction == target_way:
            steps[match] = step.scaled(factor if way > 0 else STRONGER)
            notes.append(f"{step.kind.intent}: stronger")
        else:
            weaker = step.scaled(WEAKER ** min(2.0, max(0.5, degree)))
            if weaker.strength < 0.2:
                steps.pop(match)
                notes.append(f"{step.kind.intent}: dropped")
            else:
                steps[match] = weaker
                notes.append(f"{step.kind.intent}: weaker")
    steps = [s.with_tool("", 1) for s in steps]
    assign_tools(steps)
    plan = replace(previous.plan, steps=steps,
                   notes=[n for n in previous.plan.notes if not n.startswith("this photo cannot")]
                   + [f"refined by \u201c{feedback}\u201d: " + "; ".join(notes)])
    result = run_plan(image, plan, size=size)
    if any(way > 0 for _, way, _ in wanted):
        # a stronger step whose tool was already at its limit did not move: say so
        limited = [t for t, v in result.program.to_dict().items()
                   if abs(v) >= 100 and abs(previous.program[t]) >= 100 - LIMIT_MARGIN]
        if limited:
            said = ", ".join(f"{t.replace('_', ' ')} {result.program[t]:+d}" for t in limited)
            extra = (" (no other tool warms or cools the photo)"
                     if {"temperature", "tint"} & set(limited) else "")
            result = replace(result, plan=replace(result.plan, notes=list(result.plan.notes) + [
                f"already at the limit, so it cannot go further: {said}{extra}"]))
    return result
