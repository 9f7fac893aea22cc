"""Tiny random models for tests and CPU smoke runs: real architectures, random weights.

Nothing here touches a hub. :func:`build_tiny_vl` writes a Qwen2.5-VL checkpoint (config, weights,
a byte-level BPE tokenizer trained here on a few KB of iea text, Qwen's chat special tokens, a chat
template, and the PIL Qwen2-VL image processor) with ``save_pretrained``, so tests load it back
through exactly the path real weights take. :func:`build_tiny_rm` does the same for a Qwen3
sequence-classification model, the architecture of IEA's summary reward model.

:func:`steering_bias` makes such a random model write a chosen answer (through ``generate``'s
``sequence_bias``), which is how tests and ``benchmarks/reward.py`` drive the real generation,
parsing and reward path without trained weights.

Run ``python -m training.tiny OUT_DIR`` to build both (``OUT_DIR/vl`` and ``OUT_DIR/rm``).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from iea_core.tools import TOOLS, TOOL_NAMES

#: Qwen's special tokens, in the order the released tokenizers number them.
SPECIAL_TOKENS = (
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
    "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>",
    "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>",
)

#: A ChatML template that renders images the way Qwen2.5-VL's does (one vision block per image,
#: in message order). Written for iea; it supports string content and typed content lists.
CHAT_TEMPLATE = (
    "{%- for message in messages %}"
    "{%- if loop.first and message['role'] != 'system' %}"
    "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}"
    "{%- endif %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' }}"
    "{%- if message['content'] is string %}{{ message['content'] }}"
    "{%- else %}{%- for part in message['content'] %}"
    "{%- if part['type'] == 'image' or 'image' in part %}"
    "{{ '<|vision_start|><|image_pad|><|vision_end|>' }}"
    "{%- elif part['type'] == 'text' %}{{ part['text'] }}"
    "{%- endif %}{%- endfor %}{%- endif %}"
    "{{ '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{%- endif %}"
)


def _corpus() -> list[str]:
    """Text the tiny tokenizer is trained on: prompts, tool names, IEA-format answers, digits."""
    from iea_core.program import Program

    lines = []
    for name, spec in TOOLS.items():
        lines.append(f"{name}: {spec.meaning}; + {spec.increase}, - {spec.decrease}")
    for i, name in enumerate(TOOL_NAMES):
        value = (i * 37) % 201 - 100 or 5
        program = Program({name: value, TOOL_NAMES[(i + 3) % 16]: -value // 2 or 7},
                          reasoning=f"The photo looks {TOOLS[name].decrease}; make it "
                                    f"{TOOLS[name].increase}.")
        lines.append(program.to_model_output())
    lines += [" ".join(str(v) for v in range(-100, 101))]
    lines += ["You are an expert photo editor. Look at the photo and the instruction.",
              "Make it warmer, lift the shadows, less harsh. The user prefers a brighter image.",
              "Answer with <think> reasoning </think> then <answer> ```json {} ``` </answer>."]
    return lines * 4


def build_tokenizer(vocab_size: int = 800):
    """A byte-level BPE ``PreTrainedTokenizerFast`` with Qwen's special tokens and chat template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=list(SPECIAL_TOKENS),
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    core.train_from_iterator(_corpus(), trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core, eos_token="<|im_end|>", pad_token="<|endoftext|>",
        unk_token=None, bos_token=None, model_max_length=4096,
        extra_special_tokens={"image_token": "<|image_pad|>", "video_token": "<|video_pad|>",
                              "vision_start_token": "<|vision_start|>",
                              "vision_end_token": "<|vision_end|>"})
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.padding_side = "left"
    return tokenizer


def tiny_image_processor():
    """The PIL Qwen2-VL image processor with a small pixel budget (torchvision is not needed)."""
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    return Qwen2VLImageProcessorPil(min_pixels=28 * 28 * 4, max_pixels=28 * 28 * 16)


def build_tiny_vl(out_dir: str | Path, *, seed: int = 0, hidden_size: int = 64,
                  layers: int = 2) -> Path:
    """Write a random Qwen2.5-VL (about 0.2 M parameters) with processor to ``out_dir``."""
    import torch
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration

    from iea_core.agent.transformers_backend import _processor_class

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer()
    vocab = len(tokenizer)
    ids = {tok: tokenizer.convert_tokens_to_ids(tok) for tok in SPECIAL_TOKENS}
    heads = 4
    head_dim = hidden_size // heads
    section = [head_dim // 2 - 2 * (head_dim // 6), head_dim // 6, head_dim // 6]
    config = Qwen2_5_VLConfig(
        text_config=dict(
            vocab_size=vocab, hidden_size=hidden_size, intermediate_size=hidden_size * 2,
            num_hidden_layers=layers, num_attention_heads=heads, num_key_value_heads=2,
            max_position_embeddings=4096, rope_parameters={
                "rope_type": "default", "rope_theta": 10000.0, "mrope_section": section},
            bos_token_id=ids["<|endoftext|>"], eos_token_id=ids["<|im_end|>"],
            pad_token_id=ids["<|endoftext|>"], tie_word_embeddings=True),
        vision_config=dict(
            depth=1, hidden_size=32, intermediate_size=64, num_heads=2, patch_size=14,
            spatial_merge_size=2, temporal_patch_size=2, out_hidden_size=hidden_size,
            window_size=56, fullatt_block_indexes=[0]),
        image_token_id=ids["<|image_pad|>"], video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"], vision_end_token_id=ids["<|vision_end|>"],
        tie_word_embeddings=True,
    )
    torch.manual_seed(seed)
    model = Qwen2_5_VLForConditionalGeneration(config)
    model.generation_config.eos_token_id = ids["<|im_end|>"]
    model.generation_config.pad_token_id = ids["<|endoftext|>"]
    model.generation_config.do_sample = False
    model.save_pretrained(out)
    processor = _processor_class()(image_processor=tiny_image_processor(), tokenizer=tokenizer,
                                   chat_template=CHAT_TEMPLATE)
    processor.save_pretrained(out)
    (out / "iea_tiny.json").write_text(json.dumps({"kind": "tiny-qwen2.5-vl", "seed": seed}))
    return out


def build_tiny_rm(out_dir: str | Path, *, seed: int = 0, hidden_size: int = 64,
                  layers: int = 2) -> Path:
    """Write a random Qwen3 sequence-classification model (one regression output) to ``out_dir``."""
    import torch
    from transformers import Qwen3Config, Qwen3ForSequenceClassification

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer()
    config = Qwen3Config(
        vocab_size=len(tokenizer), hidden_size=hidden_size, intermediate_size=hidden_size * 2,
        num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=2, head_dim=16,
        max_position_embeddings=2048, num_labels=1,
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.pad_token_id, tie_word_embeddings=True)
    torch.manual_seed(seed)
    model = Qwen3ForSequenceClassification(config)
    model.save_pretrained(out)
    tokenizer.padding_side = "right"
    tokenizer.save_pretrained(out)
    (out / "iea_tiny.json").write_text(json.dumps({"kind": "tiny-qwen3-rm", "seed": seed}))
    return out


def steering_bias(tokenizer, answers: list[str], *, n: int = 8,
                  strength: float = 40.0) -> list[list]:
    """``sequence_bias`` entries that make generation follow one of ``answers`` token by token
    (each key is the n tokens ending at a position, anchored on the assistant header), so a model
    with random weights writes a known answer through the real generate/decode path."""
    tail = tokenizer("<|im_start|>assistant\n", add_special_tokens=False)["input_ids"]
    end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    bias = {}
    for text in answers:
        ids = tail + tokenizer(text, add_special_tokens=False)["input_ids"] + [end]
        for i in range(len(tail), len(ids)):
            bias[tuple(ids[max(0, i - n + 1):i + 1])] = strength
    return [[list(key), value] for key, value in bias.items()]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m training.tiny OUT_DIR", file=sys.stderr)
        return 2
    root = Path(args[0])
    print(build_tiny_vl(root / "vl"))
    print(build_tiny_rm(root / "rm"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
