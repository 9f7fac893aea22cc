"""``iea train``: build data and run the training stages (thin wrappers over ``training``).

    iea train data synthetic --photos DIR --out data/ --programs 20000 --rm-references 5000
    iea train data stage1 --pairs pairs.jsonl --out data/
    iea train sft --config training/configs/sft_stage1.yaml [--set max_steps=10 ...]
    iea train grpo --config training/configs/grpo_stage2.yaml
    iea train rm --config training/configs/rm.yaml
    iea train tiny OUT_DIR       # tiny random models for smoke runs
"""
from __future__ import annotations

import json
from pathlib import Path

import click

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp"}


@click.group()
def cli() -> None:
    """Build training data and train the agent (SFT, GRPO) and the summary reward model."""


#: what the training stages import; the base install has none of them
TRAINING_PACKAGES = ("torch", "transformers", "trl", "peft", "accelerate", "datasets")


def _check_training_packages() -> None:
    """One clear line instead of a traceback from deep inside a stage."""
    import importlib.util

    from iea_core.errors import TrainingError

    missing = [name for name in TRAINING_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        raise TrainingError(f"training needs {', '.join(missing)}, which this install lacks: "
                            "pip install 'iea[train]' (with the torch build for your machine)")


def _stage_command(stage: str) -> click.Command:
    @click.command(name=stage)
    @click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False),
                  help="YAML file of settings (see training/configs/).")
    @click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
                  help="Override one setting (YAML value syntax); repeatable.")
    @click.option("--help-config", is_flag=True, help="List every setting and exit.")
    def command(config_path: str | None, overrides: tuple[str, ...], help_config: bool) -> None:
        from training.cli_args import run
        from training.config import STAGES, config_help, load_config

        if help_config:
            click.echo(config_help(STAGES[stage]))
            return
        config = load_config(STAGES[stage], config_path, list(overrides))
        _check_training_packages()
        click.echo(json.dumps(run(stage, config), indent=2))

    command.help = {"sft": "Stage 1 / Stage 3 supervised fine-tuning (TRL SFTTrainer).",
                    "grpo": "Stage 2 GRPO with the editor reward (TRL GRPOTrainer).",
                    "rm": "Summary reward model (TRL RewardTrainer)."}[stage]
    return command


for _stage in ("sft", "grpo", "rm"):
    cli.add_command(_stage_command(_stage))


@cli.group()
def data() -> None:
    """Build datasets (JSONL records + images + dataset card)."""


@data.command()
@click.option("--photos", required=True, type=click.Path(exists=True, file_okay=False),
              help="Folder of source photos (searched recursively).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False))
@click.option("--programs", default=1000, show_default=True, help="Latent programs to render.")
@click.option("--rm-references", default=0, show_default=True,
              help="References to build scored reward-model pairs from (6 pairs each).")
@click.option("--refine-fraction", default=0.3, show_default=True)
@click.option("--max-side", default=448, show_default=True, help="Long side of stored images.")
@click.option("--profile", default="default", show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option("--name", default="stage3", show_default=True)
def synthetic(photos: str, out_dir: str, programs: int, rm_references: int,
              refine_fraction: float, max_side: int, profile: str, seed: int, name: str) -> None:
    """Stage-3 synthetic Edit/Refine/Summary records (and reward-model pairs)."""
    from iea_core.errors import TrainingError
    from training.data import build_synthetic_dataset

    files = sorted(p for p in Path(photos).rglob("*") if p.suffix.lower() in PHOTO_SUFFIXES)
    if not files:
        raise TrainingError(f"no photos ({', '.join(sorted(PHOTO_SUFFIXES))}) under {photos}")
    result = build_synthetic_dataset(files, out_dir, n_programs=programs,
                                     n_rm_references=rm_references, seed=seed,
                                     max_side=max_side, profile=profile,
                                     refine_fraction=refine_fraction, name=name)
    click.echo(json.dumps(result, indent=2))


@data.command()
@click.option("--pairs", required=True, type=click.Path(exists=True, dir_okay=False),
              help='JSONL of {"before", "after", "instruction"?, "reasoning"?}.')
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False))
@click.option("--max-side", default=448, show_default=True)
@click.option("--search-size", default=0, show_default=True,
              help="Long side at which the parameter search compares renders; 0: --max-side, "
                   "the size training renders at (sharpness and grain act in pixels, so a "
                   "program recovered smaller renders differently there).")
@click.option("--profile", default="default", show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option("--teacher-url", help="OpenAI-compatible VLM endpoint that writes the reasoning "
                                    "(e.g. http://127.0.0.1:8000/v1); default: templates.")
@click.option("--teacher-model", help="Model name at --teacher-url (default: the first listed).")
@click.option("--name", default="stage1", show_default=True,
              help="File stem of the JSONL and card (e.g. test for a held-out split).")
def stage1(pairs: str, out_dir: str, max_side: int, search_size: int, profile: str,
           seed: int, teacher_url: str | None, teacher_model: str | None, name: str) -> None:
    """Stage-1 records from before/after pairs via the parameter search."""
    from training.data import build_stage1_dataset

    teacher = None
    if teacher_url:
        from training.data.teacher import OpenAITeacher

        teacher = OpenAITeacher(teacher_url, model=teacher_model)
    result = build_stage1_dataset(pairs, out_dir, seed=seed, max_side=max_side,
                                  search_size=search_size, profile=profile, teacher=teacher,
                                  name=name)
    click.echo(json.dumps(result, indent=2))


@cli.command()
@click.argument("out_dir", type=click.Path(file_okay=False))
def tiny(out_dir: str) -> None:
    """Tiny random Qwen2.5-VL (OUT/vl) and Qwen3 reward model (OUT/rm) for smoke runs."""
    from training.tiny import build_tiny_rm, build_tiny_vl

    click.echo(build_tiny_vl(Path(out_dir) / "vl"))
    click.echo(build_tiny_rm(Path(out_dir) / "rm"))
