"""Stage 1 and Stage 3: supervised fine-tuning of the Qwen2.5-VL policy with TRL's SFTTrainer.

Stage 1 trains on records from expert pairs; Stage 3 on synthetic records with the Stage-1 file
mixed back in (``mix_files`` / ``mix_ratios``). The loss covers the answer only (prompt-completion
data, ``completion_only_loss``). With ``use_lora`` the adapters are trained and merged at the end,
so ``output_dir`` always holds a complete checkpoint the agent backends load directly.

    python -m training.sft --config training/configs/sft_stage1.yaml --set max_steps=10
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from iea_core.errors import TrainingError

from .config import SftConfig


def load_policy(config: Any, *, trainable_vision: bool = False):
    """(model, processor) from ``config.model_path`` in the dtype the config asks for."""
    import torch

    from iea_core.agent.transformers_backend import load_processor

    from transformers import Qwen2_5_VLForConditionalGeneration

    processor = load_processor(config.model_path, max_pixels=config.max_pixels)
    processor.tokenizer.padding_side = "left"
    model = Qwen2_5_VLForConditionalGeneration.from_pretrained(
        config.model_path, local_files_only=True,
        dtype=torch.bfloat16 if config.bf16 else torch.float32)
    if not trainable_vision:
        visual = getattr(model, "visual", None) or getattr(model.model, "visual", None)
        if visual is not None:
            for parameter in visual.parameters():
                parameter.requires_grad_(False)
    return model, processor


def losses_from(trainer) -> list[float]:
    return [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]


def write_curves(history: list[dict[str, Any]], output_dir: str | Path,
                 keys: dict[str, str], title: str) -> Path | None:
    """``<output_dir>/curves.png``: each ``keys`` entry (label -> log_history key) over steps.
    Best effort: a chart must never cost a finished training run, so any failure is reported on
    stderr and ``None`` returned."""
    try:
        from iea_core.plot import curves

        series: dict[str, list[float]] = {}
        steps: dict[str, list[float]] = {}
        for label, key in keys.items():
            rows = [h for h in history if isinstance(h.get(key), (int, float))]
            if rows:
                series[label] = [float(h[key]) for h in rows]
                steps[label] = [float(h.get("step", i + 1)) for i, h in enumerate(rows)]
        if not series:
            return None
        smooth = 5 if max(len(v) for v in series.values()) >= 20 else 0
        return curves(series, Path(output_dir) / "curves.png", title=title, steps=steps,
                      smooth=smooth)
    except Exception as exc:  # noqa: BLE001 - the plot is a convenience, the model is the result
        print(f"warning: could not write curves.png: {exc}", file=sys.stderr)
        return None


def save_policy(trainer, processor, output_dir: str | Path, use_lora: bool,
                base_model_path: str | None = None) -> Path:
    """Write a loadable checkpoint (LoRA merged) plus the processor to ``output_dir``.

    Every rank calls this; the weights go through the trainer's own save
    (``trainer.save_model``), which gathers ZeRO-3 partitions
    (``stage3_gather_16bit_weights_on_model_save``) and FSDP shards (``FULL_STATE_DICT``) before
    rank 0 writes. ``model.save_pretrained`` on a sharded model would write each rank's empty or
    partial tensors. A LoRA adapter is saved the same way, then merged on rank 0 into a fresh
    copy of the base model read from ``base_model_path`` (the trained, possibly sharded, model is
    never merged in place).
    """
    out = Path(output_dir)
    if not use_lora:
        trainer.save_model(str(out))
        if trainer.is_world_process_zero():
            processor.save_pretrained(out)
        _wait_for_everyone(trainer)
        return out
    trainer.save_model(str(out / "adapter"))
    if trainer.is_world_process_zero():
        merged = _merge_adapter(trainer, out / "adapter", base_model_path)
        merged.save_pretrained(out)
        processor.save_pretrained(out)
    _wait_for_everyone(trainer)
    return out


def _merge_adapter(trainer, adapter_dir: Path, base_model_path: str | None):
    """The base model with the saved adapter merged in (rank 0, CPU)."""
    if base_model_path is None:  # single process, nothing sharded: merge the live model
        return trainer.model.merge_and_unload()
    import torch
    from peft import PeftModel

    from iea_core.agent.transformers_backend import load_model

    dtype = next(trainer.model.parameters()).dtype
    name = "bfloat16" if dtype == torch.bfloat16 else "float32"
    base = load_model(Path(base_model_path), device="cpu", dtype=name)
    return PeftModel.from_pretrained(base, str(adapter_dir)).merge_and_unload()


def _wait_for_everyone(trainer) -> None:
    accelerator = getattr(trainer, "accelerator", None)
    if accelerator is not None:
        accelerator.wait_for_everyone()


def train_sft(config: SftConfig) -> dict[str, Any]:
    """Run SFT; returns {"losses", "output_dir", "examples"}."""
    from trl import SFTTrainer

    from .data.prepare import load_mixture, rows_for_mixture, to_dataset

    config.check_paths()
    items = load_mixture(config.train_file, config.mix_files, config.mix_ratios, config.seed)
    if not items:
        raise TrainingError(f"{config.train_file} holds no records")
    rows = rows_for_mixture(items, Path(config.output_dir) / "prepared",
                            max_side=config.max_image_side)
    dataset = to_dataset(rows).remove_columns(
        ["id", "task", "original_path", "reference_path", "summary"])
    model, processor = load_policy(config, trainable_vision=not config.freeze_vision)
    trainer = SFTTrainer(model=model, args=config.to_trl(), train_dataset=dataset,
                         processing_class=processor, peft_config=config.peft_config())
    trainer.train()
    out = save_policy(trainer, processor, config.output_dir, config.use_lora,
                      config.model_path)
    write_curves(trainer.state.log_history, out, {"loss": "loss"}, "SFT")
    return {"losses": losses_from(trainer), "output_dir": str(out), "examples": len(rows)}


def main(argv: list[str] | None = None) -> int:
    from .cli_args import run_stage

    return run_stage("sft", argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
