"""Stage 2: GRPO on the SFT policy with rewards computed by iea's editor (TRL's GRPOTrainer).

Each prompt is rolled out ``num_generations`` times; every rollout is parsed, rendered with the
batch editor and scored R = 0.7 R_L + 0.3 R_U against the reference edit (Edit and Refine), an
unreadable answer gets the format reward's -1, and Summary rollouts are scored by the summary
reward model when ``rm_path`` is set. Advantages are normalised within each prompt's group (TRL).

    python -m training.grpo --config training/configs/grpo_stage2.yaml
"""
from __future__ import annotations

import functools
import sys
import time
from pathlib import Path
from typing import Any, Callable

from iea_core.errors import TrainingError

from .config import GrpoConfig
from .rewards import format_reward, make_edit_reward, make_summary_reward


class RewardTimer:
    """Wraps reward functions to measure the time a training run spends in them."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0
        self.completions = 0

    def wrap(self, func: Callable[..., list]) -> Callable[..., list]:
        @functools.wraps(func)
        def timed(completions, **kwargs):
            start = time.perf_counter()
            try:
                return func(completions, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
                self.calls += 1
                self.completions += len(completions)

        return timed


def reward_functions(config: GrpoConfig) -> tuple[list[Callable[..., list]], list[float]]:
    funcs: list[Callable[..., list]] = [
        make_edit_reward(profile=config.profile, likeness_weight=config.likeness_weight,
                         image_side=config.reward_image_side),
        format_reward,
    ]
    weights = [1.0, config.format_weight]
    if config.rm_path:
        funcs.append(make_summary_reward(config.rm_path))
        weights.append(config.summary_weight)
    return funcs, weights


def train_grpo(config: GrpoConfig, *, timer: RewardTimer | None = None) -> dict[str, Any]:
    """Run GRPO; returns {"rewards" (mean per logged step), "losses", "reward_seconds",
    "train_seconds", "output_dir"}."""
    from trl import GRPOTrainer

    from .data.prepare import load_mixture, rows_for_mixture, to_dataset
    from .sft import load_policy, save_policy, write_curves

    config.check_paths()
    tasks = ("edit", "refine", "summary") if config.rm_path else ("edit", "refine")
    items = load_mixture(config.train_file, seed=config.seed)
    rows = rows_for_mixture(items, Path(config.output_dir) / "prepared",
                            max_side=config.max_image_side, with_completion=False, tasks=tasks)
    if not rows:
        raise TrainingError(f"{config.train_file} holds no {'/'.join(tasks)} records")
    dataset = to_dataset(rows).remove_columns(["id"])
    timer = timer or RewardTimer()
    funcs, weights = reward_functions(config)
    funcs = [timer.wrap(f) for f in funcs]
    model, processor = load_policy(config)
    trainer = GRPOTrainer(model=model, reward_funcs=funcs,
                          args=config.to_trl(len(funcs), weights), train_dataset=dataset,
                          processing_class=processor, peft_config=config.peft_config())
    start = time.perf_counter()
    trainer.train()
    train_seconds = time.perf_counter() - start
    out = save_policy(trainer, processor, config.output_dir, config.use_lora,
                      config.model_path)
    history = trainer.state.log_history
    write_curves(history, out, {"loss": "loss", "reward": "reward",
                                "edit reward": "rewards/edit_reward/mean",
                                "summary reward": "rewards/summary_reward/mean"}, "GRPO")
    return {
        "rewards": [h["reward"] for h in history if "reward" in h],
        "edit_rewards": [h.get("rewards/edit_reward/mean") for h in history
                         if "rewards/edit_reward/mean" in h],
        "summary_rewards": [h.get("rewards/summary_reward/mean") for h in history
                            if "rewards/summary_reward/mean" in h],
        "losses": [h["loss"] for h in history if "loss" in h],
        "reward_seconds": timer.seconds,
        "reward_calls": timer.calls,
        "rewarded_completions": timer.completions,
        "train_seconds": train_seconds,
        "output_dir": str(out),
    }


def main(argv: list[str] | None = None) -> int:
    from .cli_args import run_stage

    return run_stage("grpo", argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
