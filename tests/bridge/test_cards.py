"""Edit cards on request: ``edit`` and ``refine`` with ``"card"`` make the worker draw the card."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bridge_helpers import schema_validator


def test_edit_and_refine_write_the_requested_card(daemon_factory, tmp_path: Path,
                                                    sample_jpeg: Path):
    from bridge.client import BridgeReplyError

    photo = tmp_path / "photo.jpg"
    shutil.copy(sample_jpeg, photo)
    original = photo.read_bytes()
    cards = tmp_path / "cards"
    daemon = daemon_factory("--backend", "embedded", workers=1)
    validator = schema_validator("edit_result")
    with daemon.client(timeout=170) as client:
        edited = client.request("edit", {"image": str(photo), "max_size": 384,
                                         "instruction": "much brighter and warmer",
                                         "card": str(cards / "edit.png")})
        refined = client.request("refine", {"image": str(photo), "max_size": 384,
                                            "program": edited["program"],
                                            "feedback": "a bit less warm",
                                            "card": str(cards / "refine.png")})
        plain = client.request("edit", {"image": str(photo), "instruction": "warmer",
                                        "max_size": 384})
        with pytest.raises(BridgeReplyError) as refused:
            client.request("edit", {"image": str(photo), "instruction": "warmer",
                                    "card": str(cards / "edit.jpg")})
    assert "card" in str(refused.value)
    assert "card" not in plain
    for result, name in ((edited, "edit.png"), (refined, "refine.png")):
        validator.validate(result)
        assert result["card"] == str(cards / name)
        card = Path(result["card"])
        assert card.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        with Image.open(card) as image:
            assert image.format == "PNG" and image.width > 600 and image.height > 300
            pixels = np.asarray(image.convert("RGB"), dtype=np.float64)
        assert pixels.std() > 10  # a drawn figure, not a blank canvas
    assert photo.read_bytes() == original
