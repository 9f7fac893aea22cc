"""Every figure renders headless into a non-empty PNG whose panels differ where they should."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
from PIL import Image

from iea_core.editor import render
from iea_core.plot import (contact_sheet, curves, edit_card, metrics_bars, sign_accuracy_bars,
                           tool_strip)


def load(path):
    return np.asarray(Image.open(path).convert("RGB")).astype(int)


def test_edit_card_shows_before_and_after(tmp_path, photos):
    before = photos["coffee"]
    program = {"exposure": 40, "saturation": -60}
    after = render(before, program)
    path = edit_card(before, after, program, "Brighter and more muted.", tmp_path / "c.png")
    card = load(path)
    assert card.shape[1] >= 1000 and card.shape[0] >= 600
    h, w = card.shape[:2]
    left = card[int(0.1 * h):int(0.45 * h), int(0.03 * w):int(0.3 * w)]
    right = card[int(0.1 * h):int(0.45 * h), int(0.38 * w):int(0.65 * w)]
    assert np.abs(left.mean(axis=(0, 1)) - right.mean(axis=(0, 1))).max() > 5


def test_tool_strip_and_contact_sheet(tmp_path, photos):
    path = tool_strip(photos["chelsea"], tmp_path / "s.png", max_size=96)
    assert load(path).std() > 10
    pairs = [(photos[n], render(photos[n], {"fade": 60}), n) for n in ("coffee", "rocket")]
    sheet = load(contact_sheet(pairs, tmp_path / "sheet.png"))
    assert sheet.shape[1] > sheet.shape[0]


def test_reports(tmp_path):
    table = {"IEA stage 3": {"L": 0.103, "R_L": 0.149, "R_U": 0.402},
             "embedded": {"L": 0.12, "R_L": -0.1, "R_U": 0.2}}
    assert load(metrics_bars(table, tmp_path / "m.png")).std() > 5
    assert load(sign_accuracy_bars({"exposure": 0.99, "tint": 0.8}, tmp_path / "a.png")).std() > 5
    assert load(curves({"loss": [3, 2, 1.5], "reward": [0.1, 0.3]}, tmp_path / "l.png")).std() > 5


def test_no_figure_code_at_import():
    code = "import sys, iea_core.plot; print('matplotlib.pyplot' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.stdout.strip() == "False", out.stderr
