"""Helpers shared by the training-area tests (importable: this folder is on sys.path)."""
from __future__ import annotations

import numpy as np


def steering_bias(tokenizer, answers: list[str], *, n: int = 8, strength: float = 40.0):
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


def random_image(seed: int = 0, shape=(64, 80, 3)) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)
