"""Faults that would corrupt a paper-scale run, each with the check that would have caught it."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image


# --- stage checkpoints under ZeRO-3 / FSDP ----------------------------------------------------
class _Sharded:
    """A model whose parameters live in shards: only the trainer can gather and save it."""

    def save_pretrained(self, *args, **kwargs):
        raise AssertionError("model.save_pretrained on a sharded model writes partial tensors")

    def merge_and_unload(self):
        raise AssertionError("merging a sharded model in place")


class _Trainer:
    def __init__(self, rank: int) -> None:
        self.model = _Sharded()
        self.rank = rank
        self.saved: list[str] = []
        self.waited = 0
        self.accelerator = self

    def save_model(self, path: str) -> None:  # every rank calls it; rank 0 writes
        self.saved.append(path)
        if self.rank == 0:
            Path(path).mkdir(parents=True, exist_ok=True)
            (Path(path) / "model.safetensors").write_bytes(b"gathered")

    def is_world_process_zero(self) -> bool:
        return self.rank == 0

    def wait_for_everyone(self) -> None:
        self.waited += 1


class _Processor:
    def __init__(self) -> None:
        self.saved: list[Path] = []

    def save_pretrained(self, path) -> None:
        self.saved.append(Path(path))


@pytest.mark.parametrize("rank", [0, 1])
def test_full_checkpoint_is_saved_through_the_trainer_on_every_rank(tmp_path, rank):
    from training.sft import save_policy

    trainer, processor = _Trainer(rank), _Processor()
    out = save_policy(trainer, processor, tmp_path / "run", use_lora=False,
                      base_model_path="unused")
    assert trainer.saved == [str(tmp_path / "run")]       # the trainer's gather-and-save
    assert processor.saved == ([out] if rank == 0 else [])  # only rank 0 writes files
    assert trainer.waited == 1                              # ranks leave together


def test_lora_is_merged_into_a_fresh_base_not_the_sharded_model(tiny_models, tmp_path):
    """The adapter saved by the trainer is merged into the base read from disk."""
    import torch
    from peft import LoraConfig, get_peft_model

    from iea_core.agent.transformers_backend import load_model
    from training.sft import save_policy

    base = load_model(tiny_models["vl"], dtype="float32")
    peft = get_peft_model(base, LoraConfig(r=2, target_modules=["q_proj"], lora_alpha=4))
    with torch.no_grad():
        for name, parameter in peft.named_parameters():
            if "lora_B" in name:
                parameter.fill_(0.05)  # a non-zero delta: merging must change q_proj

    class Trainer(_Trainer):
        def save_model(self, path: str) -> None:
            self.saved.append(path)
            peft.save_pretrained(path)

    trainer = Trainer(0)
    trainer.model = peft  # parameters() gives the dtype; merge_and_unload must not be used
    peft.merge_and_unload = _Sharded().merge_and_unload
    out = save_policy(trainer, _Processor(), tmp_path / "run", use_lora=True,
                      base_model_path=str(tiny_models["vl"]))
    merged = load_model(out, dtype="float32")
    fresh = load_model(tiny_models["vl"], dtype="float32")
    name = next(n for n, _ in merged.named_parameters() if "q_proj.weight" in n)
    delta = (dict(merged.named_parameters())[name] - dict(fresh.named_parameters())[name]).abs()
    assert float(delta.detach().max()) > 1e-4
    assert trainer.saved == [str(tmp_path / "run" / "adapter")]


def test_zero3_and_fsdp_configs_gather_full_weights_on_save():
    root = Path(__file__).resolve().parents[2] / "training" / "configs"
    zero3 = json.loads((root / "deepspeed_zero3.json").read_text())
    assert zero3["zero_optimization"]["stage3_gather_16bit_weights_on_model_save"] is True
    assert "fsdp_state_dict_type: FULL_STATE_DICT" in (root / "accelerate_fsdp.yaml").read_text()


# --- synthetic shards ---------------------------------------------------------------------------
def test_separately_built_shards_never_share_ids_or_photos(photo_files, tmp_path):
    from training.data import build_synthetic_dataset, read_records
    from training.data.prepare import load_mixture, rows_for_mixture

    a = build_synthetic_dataset(photo_files[:2], tmp_path / "a", n_programs=4, seed=1,
                                max_side=64, refine_fraction=0.0)
    b = build_synthetic_dataset(photo_files[1:], tmp_path / "b", n_programs=4, seed=2,
                                max_side=64, refine_fraction=0.0)
    ids_a = {r.id for r in read_records(a["jsonl"])}
    ids_b = {r.id for r in read_records(b["jsonl"])}
    assert ids_a and ids_b and not ids_a & ids_b

    items = load_mixture(a["jsonl"], mix_files=[b["jsonl"]], mix_ratios=[1.0])
    rows = rows_for_mixture(items, tmp_path / "cache", max_side=64, tasks=("edit",))
    assert len({row["images"][0] for row in rows}) == len(rows)
    for row in rows:  # each cached model image is this row's own photo
        with Image.open(row["images"][0]) as cached, Image.open(row["original_path"]) as photo:
            assert cached.size == photo.size
            assert np.abs(np.asarray(cached, float) - np.asarray(photo.convert("RGB"), float)
                          ).mean() < 2


def test_mixing_files_that_share_an_id_is_refused(photo_files, tmp_path):
    from iea_core.errors import TrainingError
    from training.data import build_synthetic_dataset
    from training.data.prepare import load_mixture

    one = build_synthetic_dataset(photo_files[:1], tmp_path / "one", n_programs=2, seed=3,
                                  max_side=48, refine_fraction=0.0)
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "stage3.jsonl").write_text(Path(one["jsonl"]).read_text())
    with pytest.raises(TrainingError, match="unique across mixed files"):
        load_mixture(one["jsonl"], mix_files=[str(copy / "stage3.jsonl")])


# --- rewards: the data's resolution, 8-bit renders, one function for GRPO and eval -------------
def _reward_files(root: Path, photo: np.ndarray, program) -> tuple[str, str]:
    from iea_core.editor import render

    root.mkdir(parents=True, exist_ok=True)
    Image.fromarray(photo).save(root / "original.png")
    Image.fromarray(render(photo, program)).save(root / "reference.png")
    return str(root / "original.png"), str(root / "reference.png")


def _reward(func, program, original: str, reference: str) -> float:
    from iea_core.program import Program

    text = Program(program).to_model_output()
    return func([[{"role": "assistant", "content": text}]], task=["edit"],
                original_path=[original], reference_path=[reference])[0]


@pytest.mark.parametrize("side", [448, 200])
def test_pixel_size_tools_get_full_reward_at_any_data_resolution(photos, tmp_path, side):
    from iea_core.program import Program
    from training.rewards import make_edit_reward

    image = Image.fromarray(photos["astronaut"])
    image.thumbnail((side, side))
    photo = np.asarray(image)
    program = Program({"sharpness": 70, "grain": 45, "exposure": 15})
    original, reference = _reward_files(tmp_path / str(side), photo, program)
    # rendered at the data's own size, the correct program is the reference exactly
    assert _reward(make_edit_reward(), program.to_dict(), original, reference) > 0.999
    # what a fixed 256 px render did to such programs at 448 px (the bug): far from 1
    if side == 448:
        assert _reward(make_edit_reward(image_side=256), program.to_dict(), original,
                       reference) < 0.9


def test_grpo_reward_equals_eval_scoring_on_8_bit_renders(photos, tmp_path):
    """Independent check: R from GRPO's reward equals 0.7 R_L + 0.3 R_U computed the way a user's
    file is scored (render() on the 8-bit photo gives 8-bit pixels)."""
    import random

    from iea_core.editor import render
    from iea_core.metrics import distance, likeness_reward
    from iea_core.program import Program
    from training.data.synthetic import sample_program
    from training.rewards import make_edit_reward

    image = Image.fromarray(photos["coffee"])
    image.thumbnail((120, 120))
    photo = np.asarray(image)
    target, _ = sample_program(random.Random(5))
    original, reference = _reward_files(tmp_path, photo, target)
    ref = np.asarray(Image.open(reference))
    reward = make_edit_reward()
    rng = random.Random(11)
    for _ in range(20):
        program, _ = sample_program(rng)
        edited = render(photo, program)
        d_edit = distance(edited, ref)
        r_u = np.mean([1.0 if distance(render(photo, program.replace({t: 0})), ref) > d_edit
                       else -1.0 for t in program.to_dict()])
        expected = 0.7 * likeness_reward(photo, edited, ref) + 0.3 * r_u
        assert _reward(reward, program.to_dict(), original, reference) == \
            pytest.approx(expected, abs=1e-6), program
    assert isinstance(Program, type)


def test_eval_scores_failures_at_the_floor_and_reports_refine_apart(tiny_dataset, tmp_path):
    from click.testing import CliRunner

    from iea_core.cli import main
    from training.data import read_records

    records = list(read_records(tiny_dataset))
    n_edit = sum(r.task == "edit" for r in records)
    n_refine = sum(r.task == "refine" for r in records)
    assert n_edit and n_refine
    summaries = {}
    for name, extra in (("identity", ["-o", "mode=identity"]), ("failing", ["-o", "fail_edits=true"])):
        result = CliRunner().invoke(main, ["eval", "-b", "vlm_oracle_agent:OracleAgent", "-o",
                                           f"data={tiny_dataset}", *extra, "--data",
                                           str(tiny_dataset), "--out", str(tmp_path / name)],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        summaries[name] = json.loads((tmp_path / name / "eval.json").read_text())["summary"]
        if name == "failing":
            assert "(refine)" in result.output and "scored at the floor" in result.output
    identity, failing = summaries["identity"], summaries["failing"]
    # Table 2's edit columns hold the Image-Edit rows only; refine has its own entry
    assert identity["L_n"] == n_edit and identity["refine"]["records"] == n_refine
    # a model that answers nothing scores below one that answers "no change"
    assert failing["failed_by_task"] == {"edit": n_edit, "refine": n_refine, "summary": 0}
    assert failing["R_L"] == -1.0 and failing["R_U"] == -1.0
    assert failing["L"] == pytest.approx(identity["L"])   # the photo stayed as it was
    assert failing["R_L"] < identity["R_L"] and failing["R_U"] < identity["R_U"]
    assert failing["refine"]["R_L"] == -1.0


# --- the format reward is strict ----------------------------------------------------------------
def test_format_reward_pays_only_for_the_exact_layout(tiny_dataset):
    from training.data import read_records
    from training.rewards import format_reward

    good_edit = '<think>\ntoo dark\n</think>\n<answer>\n```json\n{"exposure": 20}\n```\n</answer>'
    bad_edits = [
        '{"exposure": 20}',                                               # bare JSON
        'Sure! Here is the edit: {"exposure": 20} Hope it helps.',       # JSON in prose
        '<think>x</think><answer>{"exposure": 20}</answer>',             # no json fence
        '<think>x</think><answer>```json\n{"exposure": 20,}\n```</answer>',  # trailing comma
        '<think>x</think><answer>```json\n{"glow": 20}\n```</answer>',   # unknown tool
        '<think>x</think><answer>```json\n{"exposure": 20.5}\n```</answer>',  # not an integer
        good_edit + " and more",                                          # text after the tags
    ]
    assert format_reward([good_edit] + bad_edits, task=["edit"] * 8) == [0.0] + [-1.0] * 7
    bad_summaries = ["<think>x</think><answer><<<<<<</answer>", "<answer>Warmer.</answer>",
                     "<think>x</think><answer>ok</answer>", "Make it warmer."]
    assert format_reward(bad_summaries, task=["summary"] * 4) == [-1.0] * 4
    # every training target is in the layout the reward pays for
    records = list(read_records(tiny_dataset))
    assert format_reward([r.target_text() for r in records],
                         task=[r.task for r in records]) == [0.0] * len(records)


def test_serving_refuses_a_summary_without_words():
    from iea_core.agent.vlm_common import AnswerUnusable, parse_summary_answer

    with pytest.raises(AnswerUnusable):
        parse_summary_answer("<think>x</think><answer><<<<<<</answer>")
    assert parse_summary_answer("<answer>Warmer and brighter.</answer>")[1] == \
        "Warmer and brighter."


# --- reward model: vectorised pair scoring, held-out accuracy -----------------------------------
def test_pair_accuracy_is_vectorised_and_equals_the_pairwise_definition():
    import itertools
    import random
    import time

    from training.rm import pair_accuracy

    rng = random.Random(0)
    items = [{"reference": f"r{k % 40}", "prediction": str(k), "score": rng.randint(-10, 10)}
             for k in range(400)]
    raw = [rng.gauss(0, 1) + 0.1 * i["score"] for i in items]
    brute = [raw[a] > raw[b] for a, b in itertools.permutations(range(len(items)), 2)
             if items[a]["reference"] == items[b]["reference"]
             and items[a]["score"] - items[b]["score"] >= 1.0]
    assert pair_accuracy(items, raw, 1.0) == pytest.approx(sum(brute) / len(brute))
    # the paper's scale: 141k scored predictions of 23.5k references, in seconds not an hour
    big = [{"reference": f"r{k // 6}", "score": (k * 7) % 21 - 10} for k in range(141_000)]
    start = time.perf_counter()
    value = pair_accuracy(big, np.arange(len(big), dtype=float), 1.0)
    assert value is not None and time.perf_counter() - start < 20


def test_held_out_references_never_reach_training():
    from training.rm import split_by_reference

    items = [{"reference": f"r{k // 5}", "prediction": str(k), "score": 0} for k in range(500)]
    train, held = split_by_reference(items, 0.1, seed=3)
    assert len({i["reference"] for i in held}) == 10
    assert not {i["reference"] for i in held} & {i["reference"] for i in train}
    assert len(train) + len(held) == len(items)
    assert split_by_reference(items[:5], 0.5)[1] == []  # one reference: all of it trains


# --- prompt parity: what training shows is what serving sends ----------------------------------
def test_serving_prompts_equal_the_training_records_prompts(tiny_dataset):
    from iea_core.agent.base import Turn
    from iea_core.agent.vlm_common import PromptedVlmAgent
    from iea_core.program import Program
    from training.data import read_records
    from training.data.records import load_image, prompt_for

    class Recorder(PromptedVlmAgent):
        def __init__(self, **kwargs):
            super().__init__(max_image_side=448, **kwargs)
            self.sent = []

        def _complete(self, messages, images):
            self.sent.append((messages, [image.size for image in images]))
            return '<think>ok</think><answer>```json\n{"exposure": 5}\n```</answer>'

    base = tiny_dataset.parent
    records = list(read_records(tiny_dataset))
    refine = next(r for r in records if r.task == "refine")
    edit = next(r for r in records if r.task == "edit")
    agent = Recorder()
    photo = np.asarray(load_image(base, refine.image))
    previous = Program(refine.previous_program or {})
    # a plug-in's refine: the conversation so far is the first request and its result
    history = [Turn("user", refine.instruction, previous), Turn("agent", "done", previous)]
    agent.refine(photo, previous, refine.feedback, history)
    agent.edit(np.asarray(load_image(base, edit.image)), edit.instruction,
               [Turn("user", "an earlier request", Program({"fade": 10}))])
    (served_refine, _), (served_edit, _) = agent.sent
    assert served_refine == prompt_for(refine, base, max_side=448)[0]
    assert served_edit == prompt_for(edit, base, max_side=448)[0]
    assert "Earlier in this conversation" not in json.dumps(served_refine)
    # a model trained with conversation context can still be shown it
    Recorder(history_turns=2).refine(photo, previous, refine.feedback, history)


# --- synthetic targets never hold a tool that does nothing --------------------------------------
@pytest.mark.parametrize("profile", ["default", "iea-compat"])
def test_synthetic_programs_use_no_do_nothing_tool(profile):
    import random

    from training.data.synthetic import inert_sides, perturb, sample_program

    inert = inert_sides(profile)
    assert ("grain", -1) in inert  # a photo's own grain is never removed
    rng = random.Random(0)
    for _ in range(1500):
        program, _ = sample_program(rng, profile=profile)
        refined = perturb(program, rng, profile)
        for values in (program.to_dict(), refined.to_dict()):
            assert not {(t, 1 if v > 0 else -1) for t, v in values.items()} & inert, values


# --- Stage 1: several instructions per expert pair, as GIER has --------------------------------
def test_stage1_pairs_with_several_instructions_search_once(tmp_path, photo_files, monkeypatch):
    import iea_core.search
    from iea_core.editor import render
    from iea_core.program import Program
    from training.data import build_stage1_dataset, read_records

    before = np.asarray(Image.open(photo_files[1]).convert("RGB"))
    Image.fromarray(render(before, Program({"exposure": 30}))).save(tmp_path / "after.png")
    lines = [{"before": str(photo_files[1]), "after": "after.png", "instruction": text}
             for text in ("brighter", "more light please", "lift it a bit")]
    (tmp_path / "pairs.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    calls = []
    real = iea_core.search.recover_program
    monkeypatch.setattr(iea_core.search, "recover_program",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    result = build_stage1_dataset(tmp_path / "pairs.jsonl", tmp_path / "out", max_side=64)
    records = list(read_records(result["jsonl"]))
    assert len(calls) == 1
    assert [r.task for r in records].count("edit") == 3
    assert [r.task for r in records].count("summary") == 1
    assert len({r.id for r in records}) == len(records)
    assert {r.instruction for r in records if r.task == "edit"} == {
        "brighter", "more light please", "lift it a bit"}
    assert len({r.image for r in records}) == 1


def test_train_without_the_training_packages_is_one_clear_line(monkeypatch, tiny_dataset):
    from click.testing import CliRunner

    import training.commands.train as train_command
    from iea_core.cli import main

    monkeypatch.setattr(train_command, "TRAINING_PACKAGES", ("torch", "no_such_trainer_pkg"))
    result = CliRunner().invoke(main, ["train", "sft", "--set", "model_path=/nowhere",
                                       "--set", f"train_file={tiny_dataset}"])
    assert result.exit_code == 1
    assert "training needs no_such_trainer_pkg" in result.output
    assert "pip install 'iea[train]'" in result.output and "Traceback" not in result.output
