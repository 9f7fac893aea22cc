"""Every figure renders headless into a non-empty PNG of the expected size whose panels differ
where they should (after != before), and nothing draws at import time."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from iea_core.editor import render
from iea_core.plot import (contact_sheet, curves, edit_card, metrics_bars, sign_accuracy_bars,
                           tool_strip)
from iea_core.plot.figures import program_label
from iea_core.tools import TOOL_NAMES


def load(path) -> np.ndarray:
    image = Image.open(path)
    assert image.format == "PNG"
    return np.asarray(image.convert("RGB")).astype(int)


def region_mean(img, y0, y1, x0, x1):
    h, w = img.shape[:2]
    return img[int(y0 * h):int(y1 * h), int(x0 * w):int(x1 * w)].mean(axis=(0, 1))


def test_edit_card_shows_before_after_histograms_and_bars(tmp_path, photos):
    before = photos["coffee"]
    program = {"exposure": 40, "saturation": -60, "vignette": -50}
    after = render(before, program)
    path = edit_card(before, after, program, "Brighter and more muted. " * 40, tmp_path / "c.png")
    card = load(path)
    assert card.shape == (int(round(100 * (min(5.2, 5.4 * 400 / 600) + 3.3))), 1400, 3)
    # photo panels: the after (right) is brighter and greyer than the before (left)
    left = region_mean(card, 0.15, 0.5, 0.03, 0.34)
    right = region_mean(card, 0.15, 0.5, 0.41, 0.72)
    assert right.mean() > left.mean() + 10
    assert np.ptp(right) < np.ptp(left)
    # histogram panels differ too (the after's mass moved right)
    hist_left = card[int(0.62 * card.shape[0]):int(0.78 * card.shape[0]), 20:500]
    hist_right = card[int(0.62 * card.shape[0]):int(0.78 * card.shape[0]), 540:1020]
    assert np.abs(hist_left - hist_right).mean() > 3
    # the bar chart draws orange for +40 and blue for the two negative values
    bars = card[:, int(0.85 * 1400):]
    orange = np.all(np.abs(bars - [217, 130, 43]) < 30, axis=-1).sum()
    blue = np.all(np.abs(bars - [43, 123, 217]) < 30, axis=-1).sum()
    assert orange > 100 and blue > orange  # two negative bars, one positive


def test_edit_card_identity_has_matching_photo_panels(tmp_path, photos):
    before = photos["rocket"][::2, ::2]
    card = load(edit_card(before, before.copy(), {}, "", tmp_path / "same.png"))
    offset = (0.735 - 0.015) / (2 + 0.09) * 1.09  # second photo column, in figure widths
    left = region_mean(card, 0.15, 0.5, 0.05, 0.3)
    right = region_mean(card, 0.15, 0.5, 0.05 + offset, 0.3 + offset)
    assert left.std() > 0 and np.abs(left - right).max() < 1.5


def test_tool_strip_rows_change_with_the_value(tmp_path, photos):
    path = tool_strip(photos["chelsea"], tmp_path / "s.png", max_size=64)
    strip = load(path)
    th, tw = 43, 64  # chelsea is 300 x 451: 64 x 43 thumbnails
    assert strip.shape == (62 + 8 * th + 7 * 4 + 8, 150 + 2 * (5 * tw + 4 * 4) + 150, 3)
    # exposure row (first of block one): -100 darker than original darker than +100
    y0 = 62
    cells = [strip[y0:y0 + th, 150 + c * (tw + 4):150 + c * (tw + 4) + tw].mean()
             for c in range(5)]
    assert cells[1] < cells[2] < cells[0] < cells[3] < cells[4]


def test_tool_strip_compat_profile_and_palette(tmp_path, photos):
    default = tool_strip(photos["coffee"], tmp_path / "d.png", max_size=48)
    compat = tool_strip(photos["coffee"], tmp_path / "c.png", "iea-compat", max_size=48,
                        palette=True)
    assert Image.open(compat).mode == "P"
    a, b = load(default), load(compat)
    assert a.shape == b.shape and np.abs(a - b).mean() > 1  # the profiles differ


def test_contact_sheet_with_programs(tmp_path, photos):
    items = [(photos[n], render(photos[n], {"fade": 60}), n) for n in ("coffee", "rocket")]
    items.append((photos["chelsea"], render(photos["chelsea"], {"exposure": -50}),
                  "chelsea", {"exposure": -50}))
    sheet = load(contact_sheet(items, tmp_path / "sheet.png"))
    assert sheet.shape == (387, 864, 3)  # 2 rows x 2 pairs: (2 * 2.15, 4 * 2.4) in at 90 dpi
    assert sheet.std() > 20
    assert program_label({"exposure": -50, "fade": 3}) == "exposure -50, fade +3"
    with pytest.raises(ValueError):
        contact_sheet([], tmp_path / "none.png")


def test_reports(tmp_path):
    table = {"IEA stage 3": {"L": 0.103, "R_L": 0.149, "R_U": 0.402},
             "embedded": {"L": 0.12, "R_L": -0.1, "R_U": 0.2}}
    bars = load(metrics_bars(table, tmp_path / "m.png"))
    assert bars.shape[1] > bars.shape[0] and bars.std() > 5
    acc = load(sign_accuracy_bars({t: 0.5 + i / 40 for i, t in enumerate(TOOL_NAMES)},
                                  tmp_path / "a.png"))
    assert acc.shape == (320, 800, 3)
    steps = list(range(0, 300, 10))
    lines = load(curves({"loss": np.exp(-np.arange(30) / 10), "reward": np.linspace(-1, 1, 30)},
                        tmp_path / "l.png", steps={"loss": steps}, smooth=5))
    assert lines.shape == (280, 720, 3) and lines.std() > 5
    with pytest.raises(ValueError):
        curves({"loss": []}, tmp_path / "empty.png")


def test_no_figure_code_at_import():
    code = ("import sys, iea_core.plot, iea_core.metrics, iea_core.imageio; "
            "print('matplotlib' in sys.modules, 'numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.stdout.strip() == "False False", out.stderr


def test_docs_figures_are_committed_small_and_regenerable(tmp_path):
    from pathlib import Path

    from iea_core.plot.docs import make_docs_figures

    docs = Path(__file__).resolve().parents[2] / "docs"
    for name in ("edit-card.png", "tool-strip.png"):
        committed = docs / name
        assert committed.stat().st_size < 400_000, name
        assert Image.open(committed).format == "PNG"
    card, strip = make_docs_figures(tmp_path)
    assert Image.open(card).size == Image.open(docs / "edit-card.png").size
    assert Image.open(strip).size == Image.open(docs / "tool-strip.png").size
    assert strip.stat().st_size < 400_000 and card.stat().st_size < 400_000
