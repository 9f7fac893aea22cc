"""Configuration of the three training stages and the reward model.

Each stage is one dataclass; every field carries ``metadata={"help": ...}`` (shown by
``iea train <stage> --help-config``) and ``__post_init__`` rejects combinations that cannot work
with a message saying what to set instead. A YAML file holds the same keys
(``training/configs/*.yaml``); command-line ``--set key=value`` overrides win over the file.
The ``to_trl`` methods translate into TRL's own config classes, so anything TRL understands but
iea does not expose can still be passed through ``trl_extra``.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from iea_core.errors import ConfigError

C = TypeVar("C")


def _f(default: Any, help: str, **kw: Any) -> Any:
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata={"help": help}, **kw)
    return field(default=default, metadata={"help": help}, **kw)


@dataclass
class CommonConfig:
    """Fields every stage shares (model, data, optimisation, logging)."""

    model_path: str = _f("", "Local folder of the starting checkpoint (Qwen2.5-VL, or Qwen3 for "
                             "the reward model).")
    train_file: str = _f("", "JSONL of records (stages) or scored pairs (reward model).")
    output_dir: str = _f("runs/out", "Where checkpoints, logs and the final model go.")
    learning_rate: float = _f(1e-5, "Peak learning rate.")
    epochs: float = _f(1.0, "Passes over the data (ignored when max_steps > 0).")
    max_steps: int = _f(-1, "Stop after this many optimiser steps (-1: use epochs).")
    per_device_batch_size: int = _f(1, "Examples per device per forward pass.")
    gradient_accumulation_steps: int = _f(1, "Forward passes per optimiser step.")
    warmup_ratio: float = _f(0.03, "Share of steps spent warming the learning rate up.")
    weight_decay: float = _f(0.0, "AdamW weight decay.")
    bf16: bool = _f(False, "Train in bfloat16 (GPUs from Ampere on).")
    gradient_checkpointing: bool = _f(False, "Trade compute for memory (needed for 7B).")
    seed: int = _f(0, "Random seed (data order, LoRA init, sampling).")
    logging_steps: int = _f(1, "Log every N steps.")
    save_steps: int = _f(0, "Checkpoint every N steps (0: only at the end).")
    report_to: str = _f("none", "Experiment tracker: none, tensorboard, wandb, trackio.")
    max_image_side: int = _f(448, "Long side of images given to the model, in pixels.")
    max_pixels: int = _f(448 * 448, "Vision budget of the image processor (pixels per image).")
    use_lora: bool = _f(False, "Train LoRA adapters instead of all weights.")
    lora_r: int = _f(16, "LoRA rank.")
    lora_alpha: int = _f(32, "LoRA scaling numerator.")
    lora_dropout: float = _f(0.05, "LoRA dropout.")
    lora_target_modules: list = _f(["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
                                    "up_proj", "down_proj"], "Module names LoRA wraps.")
    trl_extra: dict = _f({}, "Extra keyword arguments for the TRL config (advanced).")

    def __post_init__(self) -> None:
        problems = []
        if self.learning_rate <= 0:
            problems.append("learning_rate must be > 0")
        if self.max_steps == 0 or self.max_steps < -1:
            problems.append("max_steps must be -1 (use epochs) or a positive number")
        if self.max_steps == -1 and self.epochs <= 0:
            problems.append("set epochs > 0 or max_steps > 0")
        if self.per_device_batch_size < 1 or self.gradient_accumulation_steps < 1:
            problems.append("per_device_batch_size and gradient_accumulation_steps must be >= 1")
        if self.use_lora and (self.lora_r < 1 or self.lora_alpha < 1):
            problems.append("use_lora needs lora_r >= 1 and lora_alpha >= 1")
        if not 0 <= self.warmup_ratio < 1:
            problems.append("warmup_ratio must be in [0, 1)")
        if self.max_image_side < 28:
            problems.append("max_image_side must be at least 28 (one vision patch pair)")
        if problems:
            raise ConfigError(f"{type(self).__name__}: " + "; ".join(problems))

    def check_paths(self) -> None:
        """Called before training (not at construction, so configs can be built and edited)."""
        if not self.model_path or not (Path(self.model_path) / "config.json").is_file():
            raise ConfigError(f"model_path {self.model_path!r} is not a model folder "
                              "(config.json missing); build one with `python -m training.tiny` "
                              "or point it at a local checkpoint")
        if not self.train_file or not Path(self.train_file).is_file():
            raise ConfigError(f"train_file {self.train_file!r} does not exist; build data with "
                              "`iea train data ...`")

    def common_trl_kwargs(self) -> dict[str, Any]:
        kwargs = dict(
            output_dir=self.output_dir, learning_rate=self.learning_rate,
            num_train_epochs=self.epochs, max_steps=self.max_steps,
            per_device_train_batch_size=self.per_device_batch_size,
            gradient_accumulation_steps=self.gradient_accumulation_steps,
            warmup_steps=self.warmup_ratio, weight_decay=self.weight_decay, bf16=self.bf16,
            seed=self.seed,
            logging_steps=self.logging_steps, report_to=self.report_to,
            save_strategy="steps" if self.save_steps else "no",
            remove_unused_columns=False, dataloader_num_workers=0,
        )
        if self.save_steps:
            kwargs["save_steps"] = self.save_steps
        if self.gradient_checkpointing:  # only when asked: the name is being renamed upstream
            kwargs["gradient_checkpointing"] = True
        if not self.bf16:
            kwargs["use_cpu"] = not _has_cuda()
        return kwargs

    def peft_config(self):
        if not self.use_lora:
            return None
        from peft import LoraConfig

        return LoraConfig(r=self.lora_r, lora_alpha=self.lora_alpha,
                          lora_dropout=self.lora_dropout,
                          target_modules=list(self.lora_target_modules), task_type="CAUSAL_LM")


def _has_cuda() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except ImportError:  # pragma: no cover
        return False


@dataclass
class SftConfig(CommonConfig):
    """Stage 1 (expert pairs) and Stage 3 (synthetic + re-sampled Stage 1) supervised tuning."""

    learning_rate: float = _f(1e-5, "Peak learning rate (IEA: 1e-5 full fine-tuning).")
    mix_files: list = _f([], "Extra JSONL files mixed in (Stage 3: the Stage-1 records).")
    mix_ratios: list = _f([], "Sampling ratio per mix file (1.0 = once, 0.5 = half, 2 = twice).")
    max_length: int = _f(4096, "Longest tokenised example (prompt + image tokens + answer).")
    freeze_vision: bool = _f(True, "Keep the vision tower frozen (IEA tunes the language side).")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.mix_ratios and len(self.mix_ratios) != len(self.mix_files):
            raise ConfigError("SftConfig: mix_ratios needs one ratio per entry of mix_files "
                              f"({len(self.mix_files)}), got {len(self.mix_ratios)}")
        if any(float(r) < 0 for r in self.mix_ratios):
            raise ConfigError("SftConfig: mix_ratios must be >= 0")
        if self.max_length < 64:
            raise ConfigError("SftConfig: max_length below 64 cannot hold an image and an answer")

    def to_trl(self):
        from trl import SFTConfig

        return SFTConfig(**self.common_trl_kwargs(), max_length=self.max_length,
                         completion_only_loss=True,
                         **self.trl_extra)


@dataclass
class GrpoConfig(CommonConfig):
    """Stage 2: GRPO with the editor reward R = w R_L + (1 - w) R_U (IEA: w = 0.7)."""

    learning_rate: float = _f(1e-6, "Peak learning rate.")
    num_generations: int = _f(8, "Rollouts per prompt; advantages are normalised in each group.")
    max_completion_length: int = _f(512, "Longest sampled answer, in tokens.")
    temperature: float = _f(1.0, "Sampling temperature of the rollouts.")
    beta: float = _f(0.0, "KL penalty to the reference model (0 = none, saves memory).")
    likeness_weight: float = _f(0.7, "w in R = w R_L + (1 - w) R_U.")
    format_weight: float = _f(1.0, "Weight of the format reward (-1 for unreadable answers).")
    summary_weight: float = _f(0.1, "Weight of the summary reward (RM score / 10 is in -1..1).")
    rm_path: str = _f("", "Summary reward model folder (from `iea train rm`); empty: no "
                          "summary reward, summary records are skipped.")
    profile: str = _f("default", "Editor profile for reward renders (default or iea-compat).")
    reward_image_side: int = _f(0, "Long side at which rollouts are rendered for the reward; 0: "
                                   "the data's own size, as `iea eval` scores (sharpness and "
                                   "grain act in pixels, so a smaller side changes the reward).")
    use_vllm: bool = _f(False, "Generate rollouts with vLLM (GPU).")
    vllm_mode: str = _f("colocate", "vLLM placement: colocate (same GPUs) or server.")
    vllm_server_base_url: str = _f("", "URL of `trl vllm-serve` when vllm_mode is server.")

    def __post_init__(self) -> None:
        super().__post_init__()
        problems = []
        if self.num_generations < 2:
            problems.append("num_generations must be >= 2 (advantages compare rollouts)")
        generation_batch = self.per_device_batch_size * self.gradient_accumulation_steps
        if generation_batch % self.num_generations:
            problems.append(
                f"per_device_batch_size x gradient_accumulation_steps ({generation_batch}) must "
                f"be a multiple of num_generations ({self.num_generations}); e.g. set "
                f"gradient_accumulation_steps to {self.num_generations}")
        if not 0.0 <= self.likeness_weight <= 1.0:
            problems.append("likeness_weight must be in [0, 1]")
        if self.vllm_mode not in ("colocate", "server"):
            problems.append("vllm_mode must be colocate or server")
        if self.use_vllm and self.vllm_mode == "server" and not self.vllm_server_base_url:
            problems.append("vllm_mode server needs vllm_server_base_url")
        if self.temperature <= 0:
            problems.append("temperature must be > 0 (GRPO needs diverse rollouts)")
        if problems:
            raise ConfigError("GrpoConfig: " + "; ".join(problems))

    def to_trl(self, n_rewards: int, weights: list[float]):
        from trl import GRPOConfig

        kwargs = dict(self.common_trl_kwargs(), num_generations=self.num_generations,
                      max_completion_length=self.max_completion_length,
                      temperature=self.temperature, beta=self.beta, reward_weights=weights,
                      use_vllm=self.use_vllm, log_completions=False)
        if self.use_vllm:
            kwargs["vllm_mode"] = self.vllm_mode
            if self.vllm_server_base_url:
                kwargs["vllm_server_base_url"] = self.vllm_server_base_url
        kwargs.update(self.trl_extra)
        assert len(weights) == n_rewards
        return GRPOConfig(**kwargs)


@dataclass
class RmConfig(CommonConfig):
    """The summary reward model: a Qwen3-class scorer of (reference, prediction) pairs."""

    learning_rate: float = _f(1e-5, "Peak learning rate (IEA: 1e-5, 10 epochs).")
    max_length: int = _f(256, "Longest tokenised (reference, prediction) text.")
    min_margin: float = _f(1.0, "Pairs whose rubric scores differ by less are not compared.")
    max_pairs_per_reference: int = _f(16, "Cap on (chosen, rejected) pairs per reference.")
    heldout_fraction: float = _f(0.1, "Share of references kept out of training; the reported "
                                      "heldout_pair_accuracy / heldout_mae are measured on them.")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.min_margin < 0:
            raise ConfigError("RmConfig: min_margin must be >= 0")
        if not 0.0 <= self.heldout_fraction < 1.0:
            raise ConfigError("RmConfig: heldout_fraction must be in [0, 1)")

    def to_trl(self):
        from trl import RewardConfig

        return RewardConfig(**self.common_trl_kwargs(), max_length=self.max_length,
                            **self.trl_extra)


STAGES: dict[str, type] = {"sft": SftConfig, "grpo": GrpoConfig, "rm": RmConfig}


def config_help(cls: type) -> str:
    """One line per field: name, default, help."""
    lines = []
    for f in dataclasses.fields(cls):
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        lines.append(f"{f.name} (default {default!r}): {f.metadata.get('help', '')}")
    return "\n".join(lines)


def _coerce(cls: type, key: str, raw: str) -> Any:
    import yaml

    known = {f.name: f for f in dataclasses.fields(cls)}
    if key not in known:
        raise ConfigError(f"{cls.__name__} has no setting {key!r}; "
                          f"known: {', '.join(sorted(known))}")
    return yaml.safe_load(raw)


def load_config(cls: type[C], path: str | os.PathLike[str] | None = None,
                overrides: dict[str, Any] | list[str] | None = None) -> C:
    """Build ``cls`` from a YAML file plus overrides (``{"key": value}`` or ``["key=value"]``)."""
    import yaml

    data: dict[str, Any] = {}
    if path is not None:
        try:
            if Path(path).stat().st_size > 10_000_000:
                raise ConfigError(f"{path}: larger than 10 MB; not a settings file")
            loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as exc:
            why = " ".join(str(exc).split()) or "nested too deeply"
            raise ConfigError(f"{path}: not valid YAML ({why}); fix it") from None
        except OSError as exc:
            from iea_core.errors import read_error

            raise read_error(exc, path, what="YAML settings file") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"{path}: expected a mapping of settings")
        data.update(loaded or {})
    if isinstance(overrides, list):
        parsed = {}
        for item in overrides:
            if "=" not in item:
                raise ConfigError(f"override {item!r} is not key=value")
            key, raw = item.split("=", 1)
            parsed[key.strip()] = _coerce(cls, key.strip(), raw)
        overrides = parsed
    data.update(overrides or {})
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    where = str(path) if path is not None else cls.__name__
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(unknown)}; "
                          f"see --help-config for the settings of {cls.__name__}")
    _check_types(cls, data, where)
    return cls(**data)


def _check_types(cls: type, data: dict[str, Any], where: str) -> None:
    """Refuse a value of the wrong kind (``learning_rate: abc``, ``epochs: true``) with one line
    naming the setting, instead of a TypeError deep inside the trainer."""
    import math

    problems = []
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        value = data[f.name]
        default = f.default if f.default is not dataclasses.MISSING else (
            f.default_factory() if f.default_factory is not dataclasses.MISSING else None)
        if default is None or value is None and default is None:
            continue
        kind = type(default)
        if kind is bool:
            ok, want = isinstance(value, bool), "true or false"
        elif kind is int:
            ok, want = isinstance(value, int) and not isinstance(value, bool), "a whole number"
        elif kind is float:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and \
                math.isfinite(value)
            want = "a finite number"
        elif kind in (str, list, dict):
            ok, want = isinstance(value, kind), {str: "text", list: "a list",
                                                  dict: "a mapping"}[kind]
        else:
            continue
        if not ok:
            problems.append(f"{f.name} must be {want}, got {value!r}"[:200])
    if problems:
        raise ConfigError(f"{where}: " + "; ".join(problems))


def dump_config(config: Any, path: str | os.PathLike[str]) -> None:
    import yaml

    from iea_core.fileio import atomic_write_text

    atomic_write_text(Path(path), yaml.safe_dump(dataclasses.asdict(config), sort_keys=False))
