"""The ``transformers`` backend: a Qwen2.5-VL-family model from a local folder, on CPU or GPU.

Works with the released ``Qwen2.5-VL-7B-IEA`` checkpoint (same chat layout: system message, one
user message starting with the image; answers in IEA's ``<think>/<answer>`` format) and with any
checkpoint ``training/`` writes. Nothing is downloaded: ``model_path`` must be a folder.

The processor is assembled from the folder's tokenizer and the PIL Qwen2-VL image processor, so
neither torchvision nor a video processor is needed.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..errors import BackendUnavailable
from .vlm_common import Message, PromptedVlmAgent


def _processor_class():
    from transformers import Qwen2_5_VLProcessor
    from transformers.processing_utils import ProcessorMixin

    class ImageOnlyQwenVLProcessor(Qwen2_5_VLProcessor):
        """Qwen2.5-VL's processor without the video half (whose fast processor needs
        torchvision). Images and text behave exactly as in the original."""

        def __init__(self, image_processor=None, tokenizer=None, chat_template=None, **kwargs):
            self.image_token = getattr(tokenizer, "image_token", None) or "<|image_pad|>"
            self.video_token = getattr(tokenizer, "video_token", None) or "<|video_pad|>"
            self.image_token_id = tokenizer.convert_tokens_to_ids(self.image_token)
            self.video_token_id = tokenizer.convert_tokens_to_ids(self.video_token)
            ProcessorMixin.__init__(self, image_processor, tokenizer, chat_template=chat_template)

    return ImageOnlyQwenVLProcessor


def load_processor(model_path: str | os.PathLike[str], *, min_pixels: int | None = None,
                   max_pixels: int | None = None):
    """Tokenizer + PIL image processor + chat template from a checkpoint folder."""
    from transformers import AutoTokenizer
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    folder = Path(model_path)
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    settings: dict[str, Any] = {}
    if (folder / "preprocessor_config.json").is_file():  # the released checkpoints
        settings = json.loads((folder / "preprocessor_config.json").read_text())
    elif (folder / "processor_config.json").is_file():  # written by transformers 5
        settings = json.loads((folder / "processor_config.json").read_text()).get(
            "image_processor", {})
    keep = {"do_convert_rgb", "do_normalize", "do_rescale", "do_resize", "image_mean",
            "image_std", "merge_size", "patch_size", "resample", "rescale_factor",
            "temporal_patch_size", "min_pixels", "max_pixels", "size"}
    kwargs = {k: v for k, v in settings.items() if k in keep}
    if "size" in kwargs and ("min_pixels" in kwargs or "max_pixels" in kwargs):
        kwargs.pop("size")
    if min_pixels is not None or max_pixels is not None:
        kwargs.pop("size", None)
        size = settings.get("size") or {}
        kwargs["min_pixels"] = min_pixels or kwargs.get("min_pixels") or size.get(
            "shortest_edge", 56 * 56)
        kwargs["max_pixels"] = max_pixels or kwargs.get("max_pixels") or size.get(
            "longest_edge", 28 * 28 * 1280)
    image_processor = Qwen2VLImageProcessorPil(**kwargs)
    template = _chat_template(folder, tokenizer)
    return _processor_class()(image_processor=image_processor, tokenizer=tokenizer,
                              chat_template=template)


def _chat_template(folder: Path, tokenizer) -> str | None:
    if (folder / "chat_template.jinja").is_file():
        return (folder / "chat_template.jinja").read_text(encoding="utf-8")
    if (folder / "chat_template.json").is_file():
        return json.loads((folder / "chat_template.json").read_text()).get("chat_template")
    return getattr(tokenizer, "chat_template", None)


def load_model(model_path: str | os.PathLike[str], *, device: str = "cpu", dtype: str = "auto",
               attn_implementation: str | None = None):
    """The Qwen2.5-VL model in eval mode on ``device``."""
    import torch
    from transformers import AutoConfig, Qwen2_5_VLForConditionalGeneration

    config = AutoConfig.from_pretrained(model_path, local_files_only=True)
    if getattr(config, "model_type", "") not in ("qwen2_5_vl", "qwen2_vl"):
        raise BackendUnavailable(
            f"{model_path} holds a {config.model_type!r} model; the transformers backend runs "
            "Qwen2.5-VL-family checkpoints (e.g. Qwen2.5-VL-7B-IEA)")
    if dtype == "auto":
        torch_dtype = torch.bfloat16 if str(device).startswith("cuda") else torch.float32
    else:
        torch_dtype = getattr(torch, dtype)
    kwargs: dict[str, Any] = {"dtype": torch_dtype, "local_files_only": True}
    if attn_implementation:
        kwargs["attn_implementation"] = attn_implementation
    if config.model_type == "qwen2_vl":
        from transformers import Qwen2VLForConditionalGeneration as cls
    else:
        cls = Qwen2_5_VLForConditionalGeneration
    model = cls.from_pretrained(model_path, **kwargs)
    return model.to(device).eval()


class TransformersAgent(PromptedVlmAgent):
    """Qwen2.5-VL (IEA checkpoint or one trained with ``iea train``) through transformers.

    Options (config ``[agent.options]`` or keyword arguments): ``model_path`` (required, a local
    folder), ``device`` ("cpu", "cuda", "cuda:1"), ``dtype`` ("auto", "bfloat16", "float32"),
    ``max_new_tokens``, ``temperature`` (0 = greedy), ``top_p``, ``min_pixels``/``max_pixels``
    (the vision budget), ``max_image_side``, ``prompts_dir``, ``generation_kwargs`` (passed to
    ``model.generate``), ``seed``, ``history_turns`` (earlier turns shown in the prompt; 0 as
    in the training records).
    """

    name = "transformers"

    def __init__(self, model_path: str | os.PathLike[str] | None = None, device: str = "cpu", *,
                 dtype: str = "auto", max_new_tokens: int = 512, temperature: float = 0.0,
                 top_p: float = 1.0, min_pixels: int | None = None,
                 max_pixels: int | None = 448 * 448, max_image_side: int = 1024,
                 prompts_dir: str | os.PathLike[str] | None = None,
                 generation_kwargs: dict[str, Any] | None = None, seed: int = 0,
                 attn_implementation: str | None = None,
                 recover_summary_program: bool = True, profile: str = "default",
                 history_turns: int = 0) -> None:
        super().__init__(prompts_dir=prompts_dir, max_image_side=max_image_side,
                         recover_summary_program=recover_summary_program, profile=profile,
                         history_turns=history_turns)
        if not model_path:
            raise BackendUnavailable(
                "the transformers backend needs model_path: a local folder holding a "
                "Qwen2.5-VL checkpoint (e.g. Qwen2.5-VL-7B-IEA, or one from `iea train`)")
        folder = Path(model_path).expanduser()
        if not (folder / "config.json").is_file():
            raise BackendUnavailable(f"no model at {str(folder)!r} (config.json is missing)")
        try:
            import torch  # noqa: F401
            import transformers  # noqa: F401
        except ImportError as exc:
            raise BackendUnavailable(f"the transformers backend needs torch and transformers: "
                                     f"{exc}") from None
        self.model_path = folder
        self.device = device
        self.max_new_tokens = int(max_new_tokens)
        self.temperature = float(temperature)
        self.top_p = float(top_p)
        self.seed = int(seed)
        self.generation_kwargs = dict(generation_kwargs or {})
        self.processor = load_processor(folder, min_pixels=min_pixels, max_pixels=max_pixels)
        self.model = load_model(folder, device=device, dtype=dtype,
                                attn_implementation=attn_implementation)

    def _complete(self, messages: list[Message], images: list[Any]) -> str:
        import torch

        text = self.processor.apply_chat_template(messages, add_generation_prompt=True,
                                                  tokenize=False)
        inputs = self.processor(text=[text], images=images or None, return_tensors="pt")
        inputs = {k: v.to(self.device) for k, v in inputs.items() if k != "mm_token_type_ids"}
        tokenizer = self.processor.tokenizer
        settings: dict[str, Any] = {
            "max_new_tokens": self.max_new_tokens,
            "pad_token_id": tokenizer.pad_token_id,
            "eos_token_id": tokenizer.convert_tokens_to_ids("<|im_end|>"),
        }
        if self.temperature > 0:
            settings.update(do_sample=True, temperature=self.temperature, top_p=self.top_p)
            torch.manual_seed(self.seed)
        else:
            settings.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        settings.update(self.generation_kwargs)
        with torch.inference_mode():
            output = self.model.generate(**inputs, **settings)
        new_tokens = output[0, inputs["input_ids"].shape[1]:]
        return tokenizer.decode(new_tokens, skip_special_tokens=True).strip()
