"""The shipped weights: small, described, loadable fast, offline."""
from __future__ import annotations

import json
import time

from iea_core.agent.embedded.heads import WEIGHTS_DIR, WEIGHTS_NAME


def test_weights_are_small_and_described():
    npz = WEIGHTS_DIR / f"{WEIGHTS_NAME}.npz"
    manifest = json.loads((WEIGHTS_DIR / f"{WEIGHTS_NAME}.json").read_text())
    assert npz.stat().st_size < 5 * 1024 * 1024
    assert len(manifest["training"]["data_sha256"]) == 64
    assert "training.embedded.train" in manifest["training"]["command"]
    assert set(manifest["intents"]) <= set(manifest["groups"])


def test_agent_loads_fast_and_through_the_registry():
    from iea_core.agent import get_agent

    started = time.perf_counter()
    agent = get_agent("embedded")
    agent.load()
    assert time.perf_counter() - started < 5.0  # target < 3 s; slack for a loaded CI box
    assert agent.name == "embedded"


def test_no_weights_is_a_clear_error(tmp_path):
    import pytest

    from iea_core.agent.embedded import EmbeddedAgent
    from iea_core.errors import BackendUnavailable

    with pytest.raises(BackendUnavailable, match="training.embedded.train"):
        EmbeddedAgent(weights=tmp_path).load()
