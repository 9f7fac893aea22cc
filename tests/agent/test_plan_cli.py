"""``iea edit`` and ``iea chat`` with a planned mood, through the real command line."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
from click.testing import CliRunner


def _invoke(args, input=None):
    from iea_core.cli import main

    return CliRunner().invoke(main, args, input=input, catch_exceptions=False)


def test_edit_plans_a_mood_and_prints_the_plan(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "winter.jpg"
    result = _invoke(["edit", "--sample", "make it feel like a cold winter morning", "--plan",
                      "--backend", "embedded", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "plan:" in result.output and "look: cold winter morning" in result.output
    assert "[pass] cooler white balance" in result.output
    assert "guard rails: all held" in result.output
    assert out.is_file()

    data = json.loads(_invoke(["edit", "--sample", "make it feel like a cold winter morning",
                               "--json", "--backend", "embedded", "-o",
                               str(tmp_path / "w2.jpg")]).output)
    plan = data["plan"]
    assert plan["looks"][0]["name"] == "cold winter morning"
    assert plan["passed"] and all(v["passed"] for v in plan["verdicts"])
    assert data["program"] == plan["program"] and data["program"]["temperature"] < 0
    # the written photo is the program's render: cooler than the sample
    from PIL import Image

    from iea_core.cli.cmd_edit import sample_path

    before = np.asarray(Image.open(sample_path()).convert("RGB"), np.float64)
    after = np.asarray(Image.open(tmp_path / "w2.jpg").convert("RGB"), np.float64)
    assert (after[..., 2] - after[..., 0]).mean() > (before[..., 2] - before[..., 0]).mean() + 2


def test_edit_reports_a_contradiction_and_plain_requests_are_unchanged(tmp_path: Path,
                                                                        monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _invoke(["edit", "--sample", "warm and cold", "--backend", "embedded", "--json",
                      "-o", str(tmp_path / "a.jpg")])
    data = json.loads(result.output)
    assert data["plan"]["conflicts"] and "temperature" not in data["program"]
    assert "applied neither" in data["reasoning"]
    plain = json.loads(_invoke(["edit", "--sample", "warmer", "--backend", "embedded", "--json",
                                "-o", str(tmp_path / "b.jpg")]).output)
    # a plain request is the agent's own answer (its amount depends on the photo)
    assert plain["plan"] is None and set(plain["program"]) == {"temperature"}
    assert plain["program"]["temperature"] > 0
    never = json.loads(_invoke(["edit", "--sample", "cold winter morning", "--no-plan",
                                "--backend", "embedded", "--json", "-o",
                                str(tmp_path / "c.jpg")]).output)
    assert never["plan"] is None


def test_chat_refines_a_step_of_the_plan(tmp_path: Path, monkeypatch, sample_jpeg):
    monkeypatch.chdir(tmp_path)
    result = _invoke(["chat", str(sample_jpeg), "--backend", "embedded"],
                     input="cold winter morning\nless blue\nquit\n")
    assert result.exit_code == 0, result.output
    turns = result.output.split("> less blue")
    assert "look: cold winter morning" in turns[0]
    assert "refined by \u201cless blue\u201d: cooler white balance: weaker" in turns[1]
    assert os.path.exists(tmp_path / "sample_iea_preview.jpg")
