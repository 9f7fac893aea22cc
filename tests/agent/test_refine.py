"""Image-Refine: feedback changes only what it names, relative to the current program."""
from __future__ import annotations

import numpy as np

from iea_core.agent.base import Turn
from iea_core.program import Program

GREY = np.full((48, 64, 3), 0.45, np.float32)
FIRST = Program({"exposure": 20, "vignette": -30})
CURRENT = Program({"exposure": 20, "vignette": -30, "temperature": 40})
HISTORY = (Turn("user", "brighter with a vignette"), Turn("agent", "", FIRST),
           Turn("user", "warmer"), Turn("agent", "", CURRENT))


def refine(agent, text, program=CURRENT, history=HISTORY):
    return agent.refine(GREY, program, text, history).program


def test_bare_less_reduces_the_last_change_only(agent):
    new = refine(agent, "a bit less")
    assert 0 < new["temperature"] < 40
    assert new["exposure"] == 20 and new["vignette"] == -30


def test_bare_less_without_history_scales_everything(agent):
    new = refine(agent, "less", history=())
    assert 0 < new["exposure"] < 20 and -30 < new["vignette"] < 0 and 0 < new["temperature"] < 40


def test_more_grows_the_last_change(agent):
    new = refine(agent, "more")
    assert new["temperature"] > 40 and new["exposure"] == 20


def test_named_feedback_changes_only_that_tool(agent):
    new = refine(agent, "too orange now")
    assert 0 <= new["temperature"] < 40
    assert new["exposure"] == 20 and new["vignette"] == -30


def test_undo_the_vignette_zeroes_only_the_vignette(agent):
    new = refine(agent, "undo the vignette")
    assert new.to_dict() == {"exposure": 20, "temperature": 40}


def test_perfect_but_brighter(agent):
    new = refine(agent, "perfect but brighter")
    assert new["exposure"] > 20
    assert new["temperature"] == 40 and new["vignette"] == -30


def test_bare_undo_restores_the_previous_program(agent):
    assert refine(agent, "undo that").same_values(FIRST)


def test_degree_in_feedback(agent):
    slight = refine(agent, "a little less warm")["temperature"]
    strong = refine(agent, "much less warm")["temperature"]
    assert 0 <= strong < slight < 40


def test_result_is_absolute_and_explained(agent):
    result = agent.refine(GREY, CURRENT, "too orange now", HISTORY)
    assert set(result.explanations) == set(result.program.to_dict())
    assert "\u2192" in result.explanations["temperature"]
    assert "temperature" in result.reasoning
