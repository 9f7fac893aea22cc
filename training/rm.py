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


def train_rm(config: RmConfig) -> dict[str, Any]:
    """Train, calibrate and save the reward model; returns losses, MAE and pair accuracy."""
    import torch
    from datasets import Dataset
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from trl import RewardTrainer

    config.check_paths()
    items = read_scored(config.train_file)
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
    final = trainer.model.merge_and_unload() if config.use_lora else trainer.model
    final.save_pretrained(out)
    tokenizer.save_pretrained(out)
    (out / "iea_rm.json").write_text(json.dumps({"scale": 1.0, "bias": 0.0}))
    scorer = SummaryScorer(out)
    raw = scorer.raw([i["reference"] for i in items], [i["prediction"] for i in items])
    scale, bias = calibrate(raw, [i["score"] for i in items])
    (out / "iea_rm.json").write_text(json.dumps(
        {"format": "iea.rm", "version": 1, "scale": scale, "bias": bias,
         "text_layout": "training.rewards.rm_text"}, indent=2))
    predicted = np.clip(scale * np.asarray(raw) + bias, -10, 10)
    truth = np.asarray([i["score"] for i in items])
    raw_of = {(i["reference"], i["prediction"]): r for i, r in zip(items, raw)}
    correct = [raw_of[(a["reference"], a["prediction"])] > raw_of[(b["reference"], b["prediction"])]
               for a, b in itertools.permutations(items, 2)
               if a["reference"] == b["reference"] and a["score"] - b["score"] >= config.min_margin]
    history = trainer.state.log_history
    write_curves(history, out, {"loss": "loss", "accuracy": "accuracy"}, "reward model")
    return {"losses": [h["loss"] for h in history if "loss" in h],
            "pairs": len(rows), "mae": float(np.mean(np.abs(predicted - truth))),
            "pair_accuracy": float(np.mean(correct)) if correct else None,
            "scale": scale, "bias": bias, "output_dir": str(out)}


def main(argv: list[str] | None = None) -> int:
    from .cli_args import run_stage

    return run_stage("rm", argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
