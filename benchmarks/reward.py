"""GRPO reward throughput with the batch editor, and the reward's share of a GRPO step.

    python benchmarks/reward.py [--groups 6] [--generations 8] [--skip-grpo]

1. Rewards per second at 256x256 and 448x448: groups of ``--generations`` rollouts (3-5 tools
   each, as a Stage-1 policy writes them) on one photo, scored by ``training.rewards`` (every
   rollout and every leave-one-tool-out variant in one ``render_batch`` call), side by side with
   the one-program-at-a-time path (``editor.render`` + ``metrics`` per rollout) on the same data.
2. A few GRPO steps on the tiny random Qwen2.5-VL, rollouts steered to readable answers so each
   one is rendered and scored: seconds in reward functions / seconds of training.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _photo(side: int) -> np.ndarray:
    import skimage.data
    from PIL import Image

    image = Image.fromarray(skimage.data.astronaut()[..., :3])
    return np.asarray(image.resize((side, side), Image.Resampling.LANCZOS))


def _groups(n_groups: int, generations: int, seed: int = 0):
    from training.data.synthetic import sample_program

    rng = random.Random(seed)
    out = []
    for _ in range(n_groups):
        target, _ = sample_program(rng, n_tools=rng.randint(3, 5))
        rollouts = [sample_program(rng, n_tools=rng.randint(3, 5))[0] for _ in range(generations)]
        out.append((target, rollouts))
    return out


def reward_throughput(side: int, n_groups: int, generations: int) -> dict[str, float]:
    from iea_core.editor import render
    from iea_core.metrics import likeness_reward, usefulness_reward
    from training.rewards import edit_rewards_for_photo

    photo = _photo(side).astype(np.float32) / 255.0
    groups = _groups(n_groups, generations)
    references = [render(photo, target) for target, _ in groups]
    edit_rewards_for_photo(photo, references[0], groups[0][1][:2])  # warm-up (kernels, caches)

    start = time.perf_counter()
    batched = []
    for (_, rollouts), reference in zip(groups, references):
        batched += edit_rewards_for_photo(photo, reference, rollouts)
    t_batch = time.perf_counter() - start

    start = time.perf_counter()
    single = []
    for (_, rollouts), reference in zip(groups, references):
        for program in rollouts:
            edited = render(photo, program)
            r_l = likeness_reward(photo, edited, reference)
            r_u = usefulness_reward(photo, program, reference)
            single.append(0.7 * r_l + 0.3 * r_u)
    t_single = time.perf_counter() - start
    worst = max(abs(a[0] - b) for a, b in zip(batched, single))
    n = n_groups * generations
    return {"side": side, "rewards": n, "batched_per_s": n / t_batch,
            "single_per_s": n / t_single, "speedup": t_single / t_batch,
            "max_abs_diff": worst}


def grpo_share(steps: int = 3) -> dict[str, float]:
    from iea_core.agent.transformers_backend import load_processor
    from iea_core.program import Program
    from training.config import GrpoConfig
    from training.data import build_synthetic_dataset, read_records, write_records
    from training.grpo import train_grpo
    from training.tiny import build_tiny_vl, steering_bias

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        from PIL import Image

        photo = tmp / "astronaut.png"
        Image.fromarray(_photo(256)).save(photo)
        model = build_tiny_vl(tmp / "vl")
        build_synthetic_dataset([photo], tmp / "data", n_programs=2, max_side=256,
                                refine_fraction=0.0)
        record = next(r for r in read_records(tmp / "data" / "stage3.jsonl") if r.task == "edit")
        record.image = str(tmp / "data" / record.image)
        record.reference = str(tmp / "data" / record.reference)
        write_records(tmp / "one.jsonl", [record])
        right = Program(record.program, "as asked").to_model_output()
        wrong = Program({k: -v for k, v in record.program.items()}, "as asked").to_model_output()
        bias = steering_bias(load_processor(model).tokenizer, [right, wrong])
        config = GrpoConfig(
            model_path=str(model), train_file=str(tmp / "one.jsonl"), output_dir=str(tmp / "g"),
            learning_rate=1e-4, max_steps=steps, per_device_batch_size=8, num_generations=8,
            max_completion_length=160, reward_image_side=256, max_image_side=256,
            max_pixels=256 * 256, logging_steps=1, warmup_ratio=0.0,
            trl_extra={"generation_kwargs": {"sequence_bias": bias}})
        result = train_grpo(config)
    return {"steps": steps, "train_seconds": result["train_seconds"],
            "reward_seconds": result["reward_seconds"],
            "share": result["reward_seconds"] / result["train_seconds"],
            "completions": result["rewarded_completions"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--groups", type=int, default=6)
    parser.add_argument("--generations", type=int, default=8)
    parser.add_argument("--skip-grpo", action="store_true")
    parser.add_argument("--plot", type=Path, help="also draw the throughput table as bars (PNG)")
    args = parser.parse_args(argv)
    print("GRPO edit reward R = 0.7 R_L + 0.3 R_U, rollouts of 3-5 tools, "
          f"{args.groups} groups x {args.generations} rollouts")
    print(f"{'size':>8} {'batched rewards/s':>18} {'one-by-one rewards/s':>21} "
          f"{'ratio':>7} {'max |diff|':>11}")
    table = {}
    for side in (256, 448):
        row = reward_throughput(side, args.groups, args.generations)
        table[f"{side}x{side}"] = {"batched rewards/s": row["batched_per_s"],
                                   "one-by-one rewards/s": row["single_per_s"],
                                   "speedup": row["speedup"]}
        print(f"{side:>4}x{side:<3} {row['batched_per_s']:>18.1f} {row['single_per_s']:>21.1f} "
              f"{row['speedup']:>6.2f}x {row['max_abs_diff']:>11.2e}")
    if not args.skip_grpo:
        share = grpo_share()
        print(f"tiny Qwen2.5-VL GRPO, {share['steps']} steps x 8 rollouts at 256 px: "
              f"{share['reward_seconds']:.2f} s of {share['train_seconds']:.2f} s in rewards "
              f"({100 * share['share']:.0f}% of the step, {share['completions']} completions)")
    if args.plot:
        from iea_core.plot import metrics_bars

        print(f"wrote {metrics_bars(table, args.plot, title='GRPO edit reward throughput')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
