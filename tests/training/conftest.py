"""Fixtures for the training area: tiny random models and a tiny synthetic dataset, built once
per session into a temp folder (nothing downloaded)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """{"vl": tiny Qwen2.5-VL folder, "rm": tiny Qwen3 reward-model folder}."""
    from training.tiny import build_tiny_rm, build_tiny_vl

    root = tmp_path_factory.mktemp("tiny-models")
    return {"vl": build_tiny_vl(root / "vl"), "rm": build_tiny_rm(root / "rm")}


@pytest.fixture(scope="session")
def photo_files(tmp_path_factory: pytest.TempPathFactory, photos) -> list[Path]:
    """Three real photos written as PNG files (small, to keep renders fast)."""
    from PIL import Image

    root = tmp_path_factory.mktemp("photos")
    paths = []
    for name in ("astronaut", "coffee", "chelsea"):
        image = Image.fromarray(photos[name])
        image.thumbnail((160, 160))
        path = root / f"{name}.png"
        image.save(path)
        paths.append(path)
    return paths


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory: pytest.TempPathFactory, photo_files) -> Path:
    """A synthetic Stage-3 dataset (edit, refine, summary records + RM pairs); returns its JSONL."""
    from training.data import build_synthetic_dataset

    out = tmp_path_factory.mktemp("dataset")
    build_synthetic_dataset(photo_files, out, n_programs=8, n_rm_references=10, seed=1,
                            max_side=96, refine_fraction=0.5)
    return out / "stage3.jsonl"
