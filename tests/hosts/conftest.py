"""Fixtures for host-format tests: small real photos on disk and one darktable-cli renderer."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np
import pytest
from PIL import Image

from tests.conftest import load_photo, require_tool


def small_photo(name: str, size: int = 192) -> np.ndarray:
    """A real photo downsized to ``size`` px on the long side (fast darktable renders)."""
    image = Image.fromarray(load_photo(name))
    image.thumbnail((size, size), Image.Resampling.LANCZOS)
    return np.asarray(image)


@pytest.fixture(scope="session")
def astronaut_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("photos") / "astronaut.png"
    Image.fromarray(small_photo("astronaut")).save(path)
    return path


@pytest.fixture(scope="session")
def renderer() -> Iterator[object]:
    require_tool("darktable-cli")
    from iea_core.hosts.darktable import Renderer

    with Renderer() as r:
        yield r


def read_rgb(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB")).astype(np.float64) / 255.0
