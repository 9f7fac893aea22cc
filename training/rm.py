"""The summary reward model (IEA Appendix G): scores a predicted request against the reference.

IEA tunes Qwen3-0.6B to output a rubric score in -10..10. Here the model is a Qwen3
sequence-classification head trained with TRL's RewardTrainer on pairs built from the rubric
scores: for one reference, the prediction with the higher score is "chosen", with the score gap
as the margin. A least-squares line then maps the model's raw output onto the rubric's scale; it
is saved as ``iea_rm.json`` beside the weights and :class:`training.rewards.SummaryScorer` applies
it. Ranking is what GRPO needs; the calibration keeps ``iea eval``'s RM column comparable with the
paper's.

Pairs file: JSONL of ``{"reference": str, "prediction": str, "score": float}``.

    python -m training.rm --config training/configs/rm.yaml
"""
from __future__ import annotations

import itertools
import json
import random
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from iea_core.errors import TrainingError

from .config import RmConfig
from .rewards import SummaryScorer, rm_text
from .sft import write_curves

#: Rubric points per unit of margin handed to the pairwise loss.
MARGIN_SCALE = 4.0


def read_scored(path: str | Path) -> list[dict[str, Any]]:
    items = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            score = float(item["score"])
            reference, prediction = str(item["reference"]), str(item["prediction"])
        except (json.JSONDecodeError, KeyError, TypeError, ValueError):
            raise TrainingError(f"{path}:{number}: expected {{reference, prediction, score}}") \
                from None
        if not -10.0 <= score <= 10.0:
            raise TrainingError(f"{path}:{number}: score {score} is outside -10..10")
        items.append({"reference": reference, "prediction": prediction, "score": score})
    return items


def preference_pairs(items: list[dict[str, Any]], *, min_margin: float = 1.0,
                     max_per_reference: int = 16, seed: int = 0) -> list[dict[str, Any]]:
    """(chosen, rejected, margin) rows for RewardTrainer from rubric-scored predictions."""
    rng = random.Random(seed)
    by_reference: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        by_reference[item["reference"]].append(item)
    rows = []
    for reference, group in by_reference.items():
        candidates = [(a, b) for a, b in itertools.permutations(group, 2)
                      if a["score"] - b["score"] >= min_margin]
        rng.shuffle(candidates)
        for a, b in candidates[:max_per_reference]:
            rows.append({"chosen": rm_text(reference, a["prediction"]),
                         "rejected": rm_text(reference, b["prediction"]),
                         "margin": (a["score"] - b["score"]) / MARGIN_SCALE})
    rng.shuffle(rows)
    return rows


def calibrate(raw: list[float], scores: list[float]) -> tuple[float, float]:
    """Least-squares (scale, bias) with score ~ scale * raw + bias (scale kept positive).

    >>> calibrate([0.0, 1.0, 2.0], [-10.0, 0.0, 10.0])
    (10.0, -10.0)
    """
    x, y = np.asarray(raw, dtype=np.float64), np.asarray(scores, dtype=np.float64)
    if len(x) < 2 or float(np.var(x)) < 1e-12:
        return 1.0, float(np.mean(y)) if len(y) else 0.0
    scale, bias = np.polyfit(x, y, 1)
    if scale <= 0:  # an untrained or collapsed model: keep the order, centre the scale
        scale, bias = 1.0, float(np.mean(y) - np.mean(x))
    return round(float(scale), 6), round(float(bias), 6)


def split_by_reference(items: list[dict[str, Any]], fraction: float,
                       seed: int = 0) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(train, held out): whole references go to one side, so the held-out accuracy is measured
    on requests the model never saw scored. At least one reference stays in training.

    >>> items = [{"reference": r, "prediction": p, "score": 0} for r in "abcd" for p in "xy"]
    >>> train, held = split_by_reference(items, 0.25)
    >>> len(train), len(held), {i["reference"] for i in held} & {i["reference"] for i in train}
    (6, 2, set())
    """
    references = sorted({item["reference"] for item in items})
    random.Random(seed).shuffle(references)
    n_held = min(len(references) - 1, int(round(fraction * len(references))))
    held = set(references[:max(0, n_held)])
    return ([i for i in items if i["reference"] not in held],
            [i for i in items if i["reference"] in held])


def pair_accuracy(items: list[dict[str, Any]], raw: list[float] | np.ndarray,
                  min_margin: float) -> float | None:
    """Share of same-reference pairs whose rubric scores differ by ``min_margin`` or more that the
    model orders the same way; vectorised per reference (141k items take well under a second,
    where a Python loop over all pairs took most of an hour).

    >>> items = [{"reference": "r", "score": s} for s in (10, 0, -10)]
    >>> pair_accuracy(items, [2.0, 1.0, 1.5], 1.0)
    0.6666666666666666
    """
    raw = np.asarray(raw, dtype=np.float64)
    groups: dict[str, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        groups[item["reference"]].append(index)
    right = total = 0
    for members in groups.values():
        if len(members) < 2:
            continue
        idx = np.asarray(members)
        scores = np.asarray([items[i]["score"] for i in members], dtype=np.float64)
        better = scores[:, None] - scores[None, :] >= min_margin
        total += int(better.sum())
        right += int((raw[idx][:, None] > raw[idx][None, :])[better].sum())
    return right / total if total else None


def train_rm(config: RmConfig) -> dict[str, Any]:
    """Train, calibrate and save the reward model; returns losses, MAE and pair accuracy, on the
    training references and on ``heldout_fraction`` of the references kept out of training."""
    import torch
    from datasets import Dataset
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from trl import RewardTrainer

    config.check_paths()
    all_items = read_scored(config.train_file)
    items, held_out = split_by_reference(all_items, config.heldout_fraction, config.seed)
    rows = preference_pairs(items, min_margin=config.min_margin,
                            max_per_reference=config.max_pairs_per_reference, seed=config.seed)
    if not rows:
        raise TrainingError(f"{config.train_file}: no two predictions of one reference differ "
                            f"by {config.min_margin} points; nothing to learn from")
    tokenizer = AutoTokenizer.from_pretrained(config.model_path, local_files_only=True)
    tokenizer.padding_side = "right"
    model = AutoModelForSequenceClassification.from_pretrained(
        config.model_path, num_labels=1, local_files_only=True,
        dtype=torch.bfloat16 if config.bf16 else torch.float32)
    if model.config.pad_token_id is None:
        model.config.pad_token_id = tokenizer.pad_token_id
    trainer = RewardTrainer(model=model, args=config.to_trl(),
                            train_dataset=Dataset.from_list(rows), processing_class=tokenizer,
                            peft_config=config.peft_config())
    trainer.train()
    out = Path(config.output_dir)
    if config.use_lora:
        if trainer.is_world_process_zero():
            trainer.model.merge_and_unload().save_pretrained(out)
    else:
        trainer.save_model(str(out))  # every rank: gathers sharded weights, rank 0 writes
    history = trainer.state.log_history
    result: dict[str, Any] = {"losses": [h["loss"] for h in history if "loss" in h],
                              "pairs": len(rows), "output_dir": str(out),
                              "references": len({i["reference"] for i in items}),
                              "heldout_references": len({i["reference"] for i in held_out})}
    if trainer.is_world_process_zero():
        tokenizer.save_pretrained(out)
        result.update(_calibrate_and_measure(out, items, held_out, config.min_margin))
        write_curves(history, out, {"loss": "loss", "accuracy": "accuracy"}, "reward model")
    accelerator = getattr(trainer, "accelerator", None)
    if accelerator is not None:
        accelerator.wait_for_everyone()
    return result


def _calibrate_and_measure(out: Path, items: list[dict[str, Any]],
                           held_out: list[dict[str, Any]], min_margin: float) -> dict[str, Any]:
    """Fit the rubric calibration on the training items; MAE and pair accuracy on both sides."""
    (out / "iea_rm.json").write_text(json.dumps({"scale": 1.0, "bias": 0.0}))
    scorer = SummaryScorer(out)
    everything = items + held_out
    raw_all = np.asarray(scorer.raw([i["reference"] for i in everything],
                                    [i["prediction"] for i in everything]), dtype=np.float64)
    raw, raw_held = raw_all[:len(items)], raw_all[len(items):]
    scale, bias = calibrate(list(raw), [i["score"] for i in items])
    (out / "iea_rm.json").write_text(json.dumps(
        {"format": "iea.rm", "version": 1, "scale": scale, "bias": bias,
         "text_layout": "training.rewards.rm_text"}, indent=2))

    def mae(part: list[dict[str, Any]], part_raw: np.ndarray) -> float | None:
        if not part:
            return None
        predicted = np.clip(scale * part_raw + bias, -10, 10)
        return float(np.mean(np.abs(predicted - np.asarray([i["score"] for i in part]))))

    return {"mae": mae(items, raw), "pair_accuracy": pair_accuracy(items, raw, min_margin),
            "heldout_mae": mae(held_out, raw_held),
            "heldout_pair_accuracy": pair_accuracy(held_out, raw_held, min_margin),
            "scale": scale, "bias": bias}


def main(argv: list[str] | None = None) -> int:
    from .cli_args import run_stage

    return run_stage("rm", argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
