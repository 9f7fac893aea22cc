"""The planner without rendering: vocabulary, embedding match, conflicts, targets, VLM parsing."""
from __future__ import annotations

import math

import numpy as np
import pytest


@pytest.fixture(scope="module")
def planner(agent):
    from iea_core.agent.plan import planner_for

    return planner_for(agent)


def test_vocabulary_has_sixty_looks_of_every_family_with_one_step_per_metric():
    from iea_core.agent.plan.looks import LOOKS
    from iea_core.agent.plan.steps import KINDS

    assert len(LOOKS) >= 60
    names = {look.name for look in LOOKS}
    for family in ("winter", "autumn", "dawn", "golden hour", "night", "foggy", "rainy day",
                   "kodachrome", "portra film", "moody", "airy", "matte", "cinematic", "vintage",
                   "high-key", "low-key", "teal and orange", "bleach bypass"):
        assert family in names
    for look in LOOKS:
        metrics = [KINDS[kind].metric for kind, _ in look.step_kinds()]
        assert 2 <= len(metrics) <= 5, look.name
        assert len(set(metrics)) == len(metrics), f"{look.name}: two steps on one metric"


def test_shipped_embedding_table_matches_the_vocabulary():
    """A stale table would be silently re-embedded at every start (seconds); rebuild it with
    python -m iea_core.agent.plan.match."""
    from iea_core.agent.plan.match import TABLE_FILE, phrase_table, phrases_hash

    phrases, _ = phrase_table()
    with np.load(TABLE_FILE) as data:
        assert str(data["hash"]) == phrases_hash(phrases)
        assert data["emb"].shape == (len(phrases), 384)


def test_table_matches_a_fresh_embedding(agent):
    from iea_core.agent.plan.match import LookMatcher, phrase_table

    phrases, _ = phrase_table()
    fresh = agent.interpreter.encoder.encode(phrases[:12])
    shipped = LookMatcher(agent.interpreter.encoder).table[:12]
    assert np.abs(fresh - shipped).max() < 2e-3


@pytest.mark.parametrize("wording, look", [
    ("winter-ish dawn", "cold winter morning"),
    ("make it feel like a cold winter morning", "cold winter morning"),
    ("icy january sunrise", "cold winter morning"),
    ("misty lake at daybreak", "foggy"),
    ("cosy fireside evening", "candlelight"),
    ("old school kodak slide", "kodachrome"),
    ("spooky halloween vibe", "eerie"),
    ("a gloomy rainy afternoon", "rainy day"),
    ("like an old film photo", "old film photo"),
    ("noir detective", "noir"),
    ("like a 1940s film noir", "noir"),
    ("summer vibes", "summer"),
    ("make the product look fresh", "fresh product"),
    ("more dramatic", "dramatic"),
    ("cozy autumn afternoon", "cozy autumn afternoon"),
])
def test_wordings_land_on_the_right_look(planner, wording, look):
    plan = planner.plan(wording)
    assert [name for name, _ in plan.looks] == [look]
    assert plan.steps and not plan.conflicts


def test_plain_requests_are_not_planned(agent):
    from iea_core.agent.plan import plan_request

    for text in ("warmer", "lift the shadows", "fix the exposure", "cold", "much warmer",
                 "black and white", "a bit less saturated"):
        assert plan_request(agent, text) is None, text


def test_contradictory_requests_are_explicit_conflicts(planner):
    plan = planner.plan("warm and cold")
    assert len(plan.conflicts) == 1 and not plan.steps
    conflict = plan.conflicts[0]
    assert conflict.metric == "wb_b" and conflict.tool == "temperature"
    assert conflict.resolved == ""
    assert "applied neither" in conflict.describe()

    both = planner.plan("bright and airy but dark and moody")
    assert {n for n, _ in both.looks} == {"airy", "moody"}
    pulled = {c.metric for c in both.conflicts}
    assert {"L", "spread"} <= pulled
    # nothing that conflicts is executed: no step left on a pulled metric
    assert not pulled & {s.metric for s in both.steps}


def test_an_explicit_request_overrides_the_looks_step_and_says_so(planner):
    plan = planner.plan("cinematic but warmer")
    assert [n for n, _ in plan.looks] == ["cinematic"]
    assert [c.resolved for c in plan.conflicts] == ["override"]
    wb = [s for s in plan.steps if s.metric == "wb_b"]
    assert len(wb) == 1 and wb[0].kind.name == "warmer" and wb[0].explicit


def test_each_step_drives_its_own_tool(planner):
    for text in ("cinematic", "vintage", "cold winter morning", "bleach bypass", "matte"):
        tools = [s.tool for s in planner.plan(text).steps]
        assert all(tools) and len(set(tools)) == len(tools), text


def test_targets_are_relative_to_the_photo():
    from iea_core.agent.plan.steps import KINDS, Step

    lifted = Step(KINDS["lifted_blacks"], "matte")
    dark, light = {"p01": 0.0}, {"p01": 0.1}
    assert lifted.bounds(dark) == (0.06, math.inf)  # at least 0.06 (a lift of at most 0.07)
    assert lifted.bounds(light)[0] == 0.06  # already there: holds without a change
    cooler = Step(KINDS["cooler"], "winter")
    assert cooler.bounds({"wb_b": 10.0}) == (4.0, 7.0)
    assert cooler.scaled(0.5).bounds({"wb_b": 10.0}) == (7.0, 8.5)
    assert "down by 3-6" in cooler.describe()
    assert Step(KINDS["less_colour"], "x").bounds({"chroma": 20.0}) == pytest.approx((14.4, 17.6))


def test_vlm_plan_prompt_and_parse():
    from iea_core.agent.plan import parse_vlm_plan, vlm_plan_prompt

    prompt = vlm_plan_prompt("make it feel like a cold winter morning")
    assert "cooler" in prompt and "cold winter morning" in prompt
    plan = parse_vlm_plan("cold morning", "1. cooler 0.8\n2. less_colour\n3. sparkle")
    assert [s.kind.name for s in plan.steps] == ["cooler", "less_colour"]
    assert plan.steps[0].strength == pytest.approx(0.8)
    assert [s.tool for s in plan.steps] == ["temperature", "saturation"]
    assert plan.unread == ["3. sparkle"]
    # a model that contradicts itself gets the same explicit conflict as a user
    torn = parse_vlm_plan("x", "cooler\nwarmer\nvignette")
    assert [s.kind.name for s in torn.steps] == ["vignette"]
    assert torn.conflicts and torn.conflicts[0].metric == "wb_b"


def test_vlm_judge_reads_yes_no_lines():
    from iea_core.agent.plan import VlmJudge

    assert VlmJudge.parse("1: yes\n2: No, too subtle\n 3) yes\n9: yes", 3) == \
        {0: True, 1: False, 2: True}
