"""Image-Summary in the user's words, checked by a round trip.

1. The parameter search recovers the program behind the pair (:func:`iea_core.search.summarize_pair`).
2. Pairs that are not one photo before and after an edit are caught: the recovered program
   leaves a distance far beyond what global tools leave on a real edit, or the two pictures do
   not share their structure (edges in different places). The style is then marked
   ``aligned=False`` with a warning; the CLI refuses to save it without ``--force``.
3. The sentence is the instruction a person would give (:func:`iea_core.describe.instruction_for`),
   main changes first. Its degree words are chosen by asking the agent itself: the sentence is
   read back with ``edit(before, sentence)``, rendered, and each main tool's degree word is
   moved one step up or down while that brings the result closer to ``after`` (a few edits on a
   ~96 px preview, two main tools). ``Style.round_trip`` is the final distance.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from ..base import Style

#: A real edit recovered by the 16 tools leaves d around 0.002-0.02; unrelated photos 0.1-0.3.
MISALIGNED_DISTANCE = 0.06
#: Correlation of the two pictures' edge maps below which they are not the same scene.
MIN_STRUCTURE = 0.35
ROUND_TRIP_SIZE = 96
_LEVELS = ("tiny", "slight", "default", "strong", "heavy")


def _edges(image: np.ndarray) -> np.ndarray:
    from ..verify import luminance

    y = luminance(image)
    gx = np.diff(y, axis=1)[:-1]
    gy = np.diff(y, axis=0)[:, :-1]
    return np.hypot(gx, gy)


def structure_similarity(before: np.ndarray, after: np.ndarray) -> float:
    """Correlation of the edge magnitudes of two same-size previews (1 = same structure)."""
    a, b = _edges(before).ravel(), _edges(after).ravel()
    a = a - a.mean()
    b = b - b.mean()
    denom = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denom) if denom > 1e-12 else 0.0


def alignment(before: np.ndarray, after: np.ndarray, distance: float | None) -> tuple[bool, str]:
    """(looks like one photo before/after a global edit, why not)."""
    from ...search import prepare_pair

    b, a = prepare_pair(before, after, 96)
    similarity = structure_similarity(b, a)
    if similarity < MIN_STRUCTURE:
        return False, (f"the two pictures do not show the same scene (structure similarity "
                       f"{similarity:.2f}, an edit of one photo keeps about 0.8 or more)")
    if distance is not None and distance > MISALIGNED_DISTANCE:
        return False, (f"no program of the 16 tools reproduces the after picture (distance "
                       f"{distance:.3f}; a real edit is reproduced to about 0.02)")
    return True, ""


def summarize(agent: Any, before: np.ndarray, after: np.ndarray, profile: str = "default") -> Style:
    from ...describe import _level_of, instruction_for, main_tools
    from ...editor import render
    from ...metrics import distance
    from ...search import prepare_pair, summarize_pair

    style = summarize_pair(before, after, profile=profile)
    aligned, warning = alignment(before, after, style.distance)
    program = style.program
    tools = main_tools(program)
    if not aligned or not tools:
        sentence = instruction_for(program)
        return replace(style, sentence=sentence, program=program.replace(reasoning=sentence),
                       aligned=aligned, warning=warning)
    small_before, small_after = prepare_pair(before, after, ROUND_TRIP_SIZE)
    levels = {t: _level_of(program[t]) for t in tools}
    cache: dict[str, float] = {}

    def trip(lv: dict[str, str]) -> float:
        sentence = instruction_for(program, lv)
        if sentence not in cache:
            result = agent.edit(small_before, sentence)
            cache[sentence] = distance(render(small_before, result.program, profile), small_after)
        return cache[sentence]

    best = trip(levels)
    for tool in tools[:2]:
        for step in (-1, 1):
            while True:
                k = _LEVELS.index(levels[tool]) + step
                if not 0 <= k < len(_LEVELS):
                    break
                trial = {**levels, tool: _LEVELS[k]}
                d = trip(trial)
                if d + 1e-4 < best:
                    levels, best = trial, d
                else:
                    break
    sentence = instruction_for(program, levels)
    return replace(style, sentence=sentence, program=program.replace(reasoning=sentence),
                   round_trip=best, aligned=True, warning="")
