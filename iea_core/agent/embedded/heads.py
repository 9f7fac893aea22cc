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
            params = {k: data[k] for k in data.files}
        return cls(params, json.loads(meta.read_text(encoding="utf-8")))

    def __call__(self, features: np.ndarray) -> HeadOutput:
        p = self.params
        h = _gelu(features.astype(np.float32) @ p["w1"] + p["b1"])
        h = _gelu(h @ p["w2"] + p["b2"])
        return HeadOutput(_softmax(h @ p["w_int"] + p["b_int"]),
                          _softmax(h @ p["w_pol"] + p["b_pol"]))
