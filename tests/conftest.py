"""Shared fixtures: real photos that packages ship, and an isolated iea home per test.

Photos come from scikit-image (astronaut: NASA, public domain; coffee, chelsea, rocket: CC0) and
from iea's bundled sample. Nothing is downloaded.

Tests that need a host program (darktable-cli, exiftool, lua5.1, Xvfb) call :func:`require_tool`.
On a developer machine without it they skip; in CI (``IEA_REQUIRE_HOST_TOOLS=1``, set by
``.ci/run``) a missing tool is a failure, so those tests can never pass by skipping.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

PHOTO_NAMES = ("astronaut", "coffee", "chelsea", "rocket")
SAMPLE_JPEG = Path(__file__).resolve().parents[1] / "iea_core" / "assets" / "sample.jpg"


def require_tool(name: str) -> str:
    """Path of host program ``name``; skip (dev) or fail (CI) when it is missing."""
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed"
    if os.environ.get("IEA_REQUIRE_HOST_TOOLS") == "1":
        pytest.fail(message + " (IEA_REQUIRE_HOST_TOOLS=1: .ci/run must install it)")
    pytest.skip(message)
    raise AssertionError("unreachable")


def load_photo(name: str) -> np.ndarray:
    """A real photo as an H x W x 3 uint8 array."""
    import skimage.data

    image = getattr(skimage.data, name)()
    return np.ascontiguousarray(image[..., :3])


@pytest.fixture(scope="session")
def photos() -> dict[str, np.ndarray]:
    """name -> H x W x 3 uint8 array, for every photo in PHOTO_NAMES."""
    return {name: load_photo(name) for name in PHOTO_NAMES}


@pytest.fixture(params=PHOTO_NAMES)
def photo(request: pytest.FixtureRequest, photos: dict[str, np.ndarray]) -> np.ndarray:
    """Each real photo in turn."""
    return photos[request.param]


@pytest.fixture(scope="session")
def sample_jpeg() -> Path:
    return SAMPLE_JPEG


@pytest.fixture(autouse=True)
def isolated_iea_home(tmp_path_factory: pytest.TempPathFactory,
                      monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every user directory iea uses at a fresh temporary folder for each test."""
    home = tmp_path_factory.mktemp("iea-home")
    for var, sub in (("IEA_DATA_DIR", "data"), ("IEA_CACHE_DIR", "cache"),
                     ("IEA_RUNTIME_DIR", "run")):
        (home / sub).mkdir()
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("IEA_CONFIG", str(home / "config.toml"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    return home
