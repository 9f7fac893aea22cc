"""SFT, GRPO and the reward model, a few steps each on tiny random models (CPU)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from iea_core.program import Program
from training.config import GrpoConfig, RmConfig, SftConfig
from training.data import read_records
from vlm_helpers import random_image, steering_bias

SMALL = dict(max_image_side=64, max_pixels=64 * 64, logging_steps=1, warmup_ratio=0.0)


def _assert_curves(path, panels: int) -> None:
    """The training plot written beside the checkpoint: a PNG as wide as its panels."""
    from PIL import Image

    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(path) as image:
        # curves() draws 3.4 in per panel + 0.4 in at 100 dpi, 2.8 in high
        assert image.size == (int(round(100 * (3.4 * panels + 0.4))), 280)
        assert np.asarray(image.convert("L")).std() > 5  # lines and labels, not a blank canvas


def test_sft_loss_decreases_and_the_result_loads_as_an_agent(tiny_models, tiny_dataset, tmp_path):
    from iea_core.agent.transformers_backend import TransformersAgent
    from training.sft import train_sft

    config = SftConfig(model_path=str(tiny_models["vl"]), train_file=str(tiny_dataset),
                       output_dir=str(tmp_path / "sft"), learning_rate=3e-3, max_steps=8,
                       per_device_batch_size=2, max_length=2048, **SMALL)
    result = train_sft(config)
    losses = result["losses"]
    assert len(losses) == 8
    assert np.mean(losses[-2:]) < np.mean(losses[:2]) - 0.3
    agent = TransformersAgent(result["output_dir"], max_new_tokens=4, max_pixels=64 * 64)
    assert agent.model.training is False
    assert (tmp_path / "sft" / "iea_sft_config.yaml").exists() is False  # only the CLI dumps it
    _assert_curves(tmp_path / "sft" / "curves.png", panels=1)


def test_stage3_lora_with_resampled_stage1_mix(tiny_models, tiny_dataset, tmp_path):
    from training.sft import train_sft

    stage1 = tmp_path / "stage1.jsonl"
    records = [r for r in read_records(tiny_dataset) if r.task == "edit"][:2]
    from training.data import write_records

    for r in records:
        r.image = str(tiny_dataset.parent / r.image)
        r.reference = str(tiny_dataset.parent / r.reference)
        r.source = "stage1"
    write_records(stage1, records)
    config = SftConfig(model_path=str(tiny_models["vl"]), train_file=str(tiny_dataset),
                       output_dir=str(tmp_path / "lora"), learning_rate=1e-2, max_steps=3,
                       per_device_batch_size=2, max_length=2048, use_lora=True, lora_r=4,
                       lora_alpha=8, mix_files=[str(stage1)], mix_ratios=[1.5], **SMALL)
    result = train_sft(config)
    n_main = sum(1 for _ in read_records(tiny_dataset))
    assert result["examples"] == n_main + 3  # 1.5 x 2 stage-1 records
    assert (tmp_path / "lora" / "adapter" / "adapter_config.json").is_file()
    assert (tmp_path / "lora" / "model.safetensors").is_file()  # merged, loadable as-is


def test_grpo_steps_use_rewards_from_real_renders(tiny_models, tiny_dataset, tmp_path):
    """Rollouts are steered between a right and a wrong answer, so every group mixes rewards
    computed by rendering each rollout with the editor."""
    from iea_core.agent.transformers_backend import load_processor
    from training.data import write_records
    from training.grpo import train_grpo

    record = next(r for r in read_records(tiny_dataset) if r.task == "edit")
    record.image = str(tiny_dataset.parent / record.image)
    record.reference = str(tiny_dataset.parent / record.reference)
    data = tmp_path / "one.jsonl"
    write_records(data, [record])
    right = Program(record.program, "as asked").to_model_output()
    wrong = Program({k: -v for k, v in record.program.items()}, "as asked").to_model_output()
    tokenizer = load_processor(tiny_models["vl"]).tokenizer
    config = GrpoConfig(
        model_path=str(tiny_models["vl"]), train_file=str(data), output_dir=str(tmp_path / "g"),
        learning_rate=1e-3, max_steps=2, per_device_batch_size=4, num_generations=4,
        max_completion_length=160, reward_image_side=64, **SMALL,
        trl_extra={"generation_kwargs": {"sequence_bias": steering_bias(tokenizer,
                                                                        [right, wrong])}})
    result = train_grpo(config)
    assert result["rewarded_completions"] >= 16
    edit_means = [r for r in result["edit_rewards"] if r is not None]
    assert len(edit_means) == 2  # every step had readable rollouts scored by the editor
    assert all(-1.0 <= r <= 1.0 for r in edit_means)
    assert result["reward_seconds"] > 0
    assert (tmp_path / "g" / "model.safetensors").is_file()
    _assert_curves(tmp_path / "g" / "curves.png", panels=3)  # loss, reward, edit reward


def test_reward_model_trains_calibrates_and_scores(tiny_models, tiny_dataset, tmp_path):
    from training.rewards import SummaryScorer, make_summary_reward
    from training.rm import train_rm

    config = RmConfig(model_path=str(tiny_models["rm"]),
                      train_file=str(tiny_dataset.parent / "rm_pairs.jsonl"),
                      output_dir=str(tmp_path / "rm"), learning_rate=3e-3, max_steps=12,
                      per_device_batch_size=8, logging_steps=1, warmup_ratio=0.0)
    result = train_rm(config)
    assert len(result["losses"]) == 12
    assert np.mean(result["losses"][-3:]) < np.mean(result["losses"][:3])
    calibration = json.loads((tmp_path / "rm" / "iea_rm.json").read_text())
    assert calibration["scale"] > 0 and result["mae"] < 10
    # accuracy is also measured on references the model never trained on
    assert result["heldout_references"] >= 1 and result["references"] >= 1
    assert result["heldout_mae"] is not None and result["heldout_mae"] <= 20
    scores = SummaryScorer(tmp_path / "rm").score(["Make it warmer."] * 2,
                                                  ["Warmer please.", "Bananas are yellow."])
    assert all(-10 <= s <= 10 for s in scores)
    reward = make_summary_reward(tmp_path / "rm")
    values = reward(["<think>warm</think><answer>Make it a bit warmer.</answer>", "x",
                     "<answer>Warmer.</answer>"], task=["summary", "edit", "summary"],
                    summary=["Make it warmer.", "", "Make it warmer."])
    assert values[1] is None and -1 <= values[0] <= 1
    assert values[2] == -1.0  # not IEA's layout: the rubric's floor, the RM never asked


def test_grpo_scores_summary_rollouts_with_the_reward_model(tiny_models, tiny_dataset, tmp_path):
    from iea_core.agent.transformers_backend import load_processor
    from training.data import write_records
    from training.grpo import train_grpo

    record = next(r for r in read_records(tiny_dataset) if r.task == "summary")
    record.image = str(tiny_dataset.parent / record.image)
    record.reference = str(tiny_dataset.parent / record.reference)
    data = tmp_path / "summary.jsonl"
    write_records(data, [record])
    answers = [f"<think>\nchanged\n</think>\n<answer>\n{record.summary}\n</answer>",
               "<think>\nchanged\n</think>\n<answer>\nBananas are yellow.\n</answer>"]
    tokenizer = load_processor(tiny_models["vl"]).tokenizer
    config = GrpoConfig(
        model_path=str(tiny_models["vl"]), train_file=str(data), output_dir=str(tmp_path / "g"),
        rm_path=str(tiny_models["rm"]), learning_rate=1e-3, max_steps=1,
        per_device_batch_size=4, num_generations=4, max_completion_length=80, **SMALL,
        trl_extra={"generation_kwargs": {"sequence_bias": steering_bias(tokenizer, answers)}})
    result = train_grpo(config)
    assert len(result["summary_rewards"]) == 1 and result["summary_rewards"][0] is not None
    assert result["edit_rewards"] == [None]  # no edit record: the editor reward abstains
