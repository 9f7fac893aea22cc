"""Stage-1 and Stage-3 data: programs, renders, records, cards, reward-model pairs."""
from __future__ import annotations

import json
import random

import numpy as np
import pytest
from PIL import Image

from iea_core.errors import TrainingError
from iea_core.program import Program
from training.data import language, read_records
from training.data.synthetic import perturb, rm_pairs, sample_program


def test_sampled_programs_use_2_to_7_tools_in_the_paper_bins():
    rng = random.Random(0)
    bins_seen = set()
    for _ in range(300):
        program, bin_name = sample_program(rng)
        low, high = language.STRENGTH_BINS[bin_name]
        assert 2 <= len(program) <= 7
        assert all(low <= abs(v) <= high for v in program.to_dict().values())
        bins_seen.add(bin_name)
        changed = perturb(program, rng)
        differing = [t for t in set(program) | set(changed) if program[t] != changed[t]]
        assert 1 <= len(differing) <= 3 and not changed.same_values(program)
    assert bins_seen == {"light", "medium", "heavy", "extreme"}
    assert language.STRENGTH_BINS == {"light": (15, 30), "medium": (45, 60),
                                      "heavy": (75, 90), "extreme": (100, 100)}


def test_wording_follows_the_program():
    rng = random.Random(3)
    program = Program({"temperature": 80, "exposure": -20})
    amateur = language.amateur_instruction(program, rng)
    assert "warmer" in amateur and "darker" in amateur
    expert = language.expert_instruction(program, rng).lower()
    assert "increase temperature" in expert and "decrease exposure" in expert
    thought = language.reasoning(program, rng, amateur)
    assert not any(ch.isdigit() for ch in thought.replace(amateur, ""))
    feedback = language.refine_feedback(program, Program({"temperature": 40, "exposure": -20}),
                                        rng)
    assert "temperature" in feedback or "warm" in feedback


def test_synthetic_dataset_records_renders_and_card(tiny_dataset):
    from iea_core.editor import render

    base = tiny_dataset.parent
    records = list(read_records(tiny_dataset))
    tasks = {r.task for r in records}
    assert tasks == {"edit", "refine", "summary"}
    for record in records:
        assert (base / record.image).is_file() and (base / record.reference).is_file()
        if record.task == "refine":
            assert record.feedback and record.previous_program is not None
            assert (base / record.previous).is_file()
            assert not Program(record.previous_program).same_values(Program(record.program))
        if record.task == "summary":
            assert record.summary and record.target_text().startswith("<think>")
    edit = next(r for r in records if r.task == "edit")
    original = np.asarray(Image.open(base / edit.image).convert("RGB"))
    reference = np.asarray(Image.open(base / edit.reference).convert("RGB"))
    assert np.array_equal(render(original, Program(edit.program)), reference)
    card = (base / "stage3.card.md").read_text()
    assert "| edit |" in card and "light 15-30" in card and "Reward-model pairs" in card
    pairs = [json.loads(line) for line in (base / "rm_pairs.jsonl").read_text().splitlines()]
    assert {p["score"] for p in pairs} >= {10.0, -5.0, 0.0, -10.0}


def test_rm_pairs_follow_the_rubric():
    pairs = rm_pairs(5, seed=2)
    by_score = {}
    for pair in pairs:
        by_score.setdefault(pair["score"], []).append(pair["prediction"])
        assert -10 <= pair["score"] <= 10
    assert any(p in language._NONSENSE for p in by_score[-10.0])
    assert any(p in language._VAGUE for p in by_score[0.0])


def test_bad_record_lines_name_the_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "task": "edit", "image": "x.png", "program": {}}\nnot json\n')
    with pytest.raises(TrainingError, match="bad.jsonl:2"):
        list(read_records(path))
    path.write_text('{"id": "a", "task": "edit", "image": "x.png", "program": {"zoom": 3}}\n')
    with pytest.raises(Exception, match="zoom"):
        list(read_records(path))
    path.write_text('{"id": "a", "task": "summary", "image": "x.png"}\n')
    with pytest.raises(TrainingError, match="needs 'summary'"):
        list(read_records(path))


def test_training_prompts_are_the_agents_prompts(tiny_dataset, tmp_path):
    from iea_core.agent.vlm_common import PromptSet, edit_messages
    from training.data.prepare import prepare_rows

    records = list(read_records(tiny_dataset))
    rows = prepare_rows(records, tiny_dataset.parent, tmp_path)
    edit_row = next(row for row in rows if row["task"] == "edit")
    record = next(r for r in records if r.id == edit_row["id"])
    expected = edit_messages(PromptSet.load(), record.instruction)
    assert edit_row["prompt"][0]["content"][0]["text"] == expected[0]["content"]
    assert edit_row["prompt"][1]["content"][1]["text"] == expected[1]["content"][1]["text"]
    assert Program.from_json_dict(record.program).to_model_output().split("```json")[1] in \
        edit_row["completion"][0]["content"][0]["text"]
    refine_row = next(row for row in rows if row["task"] == "refine")
    width = Image.open(refine_row["images"][0]).size[0]
    assert width > Image.open(edit_row["images"][0]).size[0]  # side by side


def test_stage1_records_come_from_the_parameter_search(tmp_path, photo_files):
    from iea_core.editor import render
    from training.data import build_stage1_dataset

    target = Program({"exposure": 30, "saturation": 40})
    before = np.asarray(Image.open(photo_files[1]).convert("RGB"))
    Image.fromarray(render(before, target)).save(tmp_path / "after.png")
    (tmp_path / "pairs.jsonl").write_text(json.dumps(
        {"before": str(photo_files[1]), "after": "after.png",
         "instruction": "brighter and more colourful"}) + "\n")
    result = build_stage1_dataset(tmp_path / "pairs.jsonl", tmp_path / "out", max_side=96,
                                  search_size=64)
    records = list(read_records(result["jsonl"]))
    assert [r.task for r in records] == ["edit", "summary"]
    edit = records[0]
    recovered = Program(edit.program)
    assert recovered["exposure"] > 0 and recovered["saturation"] > 0
    assert edit.distance is not None and edit.distance < 0.03
    assert records[1].summary == "brighter and more colourful"
    assert "parameter search" in (tmp_path / "out" / "stage1.card.md").read_text()


def test_stage1_reasoning_from_a_teacher_model(tmp_path, photo_files):
    from iea_core.editor import render
    from training.data import build_stage1_dataset
    from training.data.teacher import OpenAITeacher
    from vlm_helpers import FakeServer

    before = np.asarray(Image.open(photo_files[0]).convert("RGB"))
    Image.fromarray(render(before, Program({"exposure": 40}))).save(tmp_path / "a.png")
    Image.fromarray(render(before, Program({"contrast": 40}))).save(tmp_path / "b.png")
    (tmp_path / "pairs.jsonl").write_text("".join(json.dumps(
        {"before": str(photo_files[0]), "after": name}) + "\n" for name in ("a.png", "b.png")))
    answers = ["<think>The portrait is underexposed, so it needs clearly more light.</think>",
               "Raise contrast by 40."]  # numbers: refused, the template takes over
    with FakeServer(answers) as server:
        teacher = OpenAITeacher(server.url, model="teacher-vlm")
        result = build_stage1_dataset(tmp_path / "pairs.jsonl", tmp_path / "out", max_side=64,
                                      search_size=48, teacher=teacher)
        sent = server.requests[0][2]
    edits = [r for r in read_records(result["jsonl"]) if r.task == "edit"]
    assert edits[0].reasoning == "The portrait is underexposed, so it needs clearly more light."
    assert edits[1].reasoning and "40" not in edits[1].reasoning
    assert sent["model"] == "teacher-vlm" and sent["messages"][1]["content"][0]["type"] == \
        "image_url"
    assert "teacher-vlm at http://127.0.0.1" in (tmp_path / "out" / "stage1.card.md").read_text()
