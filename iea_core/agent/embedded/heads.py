"""The trained heads: one small MLP over a clause's sentence embedding and cue features.

Outputs, for one clause:

* ``intent``: probabilities over the *properties* a clause can talk about ("too orange now" talks
  about warmth); each property maps to tool values in the manifest (warm: temperature +30; the
  look "moody": five tools at once), plus the groups "neutral" and bare "more" / "less" / "undo";
* ``polarity``: probabilities of WANT / OPPOSE / FORBID / REMOVE / KEEP / NONE, i.e. what the user
  wants done with that property ("too orange now" -> OPPOSE).

Keeping the two apart is what makes negation and complaints generalise: "warm", "too warm",
"not so warm", "don't make it warmer" and "remove the warmth" share one property, and the polarity
head only has to learn the frames.

Weights live in ``iea_core/agent/weights/embedded_heads.npz`` with ``embedded_heads.json`` (the
manifest: shapes, training data hash, vocabulary for the speller, evaluation figures). They are
produced by ``python -m training.embedded.train`` and read here with numpy only.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...errors import BackendUnavailable
from ...tools import TOOL_NAMES

POLARITIES = ("WANT", "OPPOSE", "FORBID", "REMOVE", "KEEP", "NONE")
PROP_CLASSES = ("none", "+", "-", "auto")
WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"
WEIGHTS_NAME = "embedded_heads"
N_TOOLS = len(TOOL_NAMES)


@dataclass(frozen=True)
class HeadOutput:
    intent: np.ndarray  # (N, G) probabilities over the property groups of the manifest
    polarity: np.ndarray  # (N, 6) probabilities


#: Suffixes of int8 tables on disk: ``name.q8`` (int8) with ``name.scale`` (one float per row).
Q8, SCALE = ".q8", ".scale"


def quantize_rows(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per row: the embedding tables and the first layer are most of the file,
    and 8 bits keep cosines to about 1e-3, far below what moves a decision."""
    table = np.asarray(table, np.float32)
    scale = np.abs(table).max(axis=1) / 127.0
    scale = np.where(scale > 0, scale, 1.0).astype(np.float16)
    q = np.clip(np.rint(table / scale.astype(np.float32)[:, None]), -127, 127).astype(np.int8)
    return q, scale


def dequantize_rows(q: np.ndarray, scale: np.ndarray) -> np.ndarray:
    return q.astype(np.float32) * scale.astype(np.float32)[:, None]


def unpack(stored: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Arrays as saved (float16, or int8 + row scales) -> float32 parameters by name."""
    params: dict[str, np.ndarray] = {}
    for key, value in stored.items():
        if key.endswith(SCALE):
            continue
        if key.endswith(Q8):
            name = key[:-len(Q8)]
            if name + SCALE not in stored:
                raise BackendUnavailable(
                    f"embedded agent weights are damaged: {key} has no {name + SCALE}; rebuild "
                    "them with `python -m training.embedded.train --out iea_core/agent/weights`")
            params[name] = dequantize_rows(value, stored[name + SCALE])
        else:
            params[key] = value.astype(np.float32)
    return params


def _softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    x = x - x.max(axis, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis, keepdims=True)


def _gelu(h: np.ndarray) -> np.ndarray:
    return 0.5 * h * (1.0 + np.tanh(0.7978845608 * (h + 0.044715 * h ** 3)))  # tanh-GELU


class Heads:
    """numpy forward pass of the MLP trained by ``training.embedded.train``."""

    def __init__(self, params: dict[str, np.ndarray], manifest: dict) -> None:
        self.params = {k: v.astype(np.float32) for k, v in params.items()}
        self.manifest = manifest
        self.groups: list[str] = list(manifest.get("groups", ()))
        #: group -> {tool: signed base value or "auto"} (what "more of it" means)
        self.values: dict[str, dict[str, int | str]] = {
            g: dict(v) for g, v in manifest.get("intents", {}).items()}
        self.fixed: set[str] = set(manifest.get("fixed", ()))

    @classmethod
    def load(cls, directory: str | Path | None = None) -> "Heads":
        directory = Path(directory) if directory else WEIGHTS_DIR
        npz = directory / f"{WEIGHTS_NAME}.npz"
        meta = directory / f"{WEIGHTS_NAME}.json"
        if not npz.is_file() or not meta.is_file():
            raise BackendUnavailable(
                f"embedded agent weights missing under {directory}; rebuild them with "
                "`python -m training.embedded.train --out iea_core/agent/weights`")
        with np.load(npz) as data:
            params = unpack({k: data[k] for k in data.files})
        return cls(params, json.loads(meta.read_text(encoding="utf-8")))

    def __call__(self, features: np.ndarray) -> HeadOutput:
        p = self.params
        h = _gelu(features.astype(np.float32) @ p["w1"] + p["b1"])
        h = _gelu(h @ p["w2"] + p["b2"])
        return HeadOutput(_softmax(h @ p["w_int"] + p["b_int"]),
                          _softmax(h @ p["w_pol"] + p["b_pol"]))
