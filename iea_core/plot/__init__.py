"""Figures that show an edit instead of describing it (matplotlib, headless Agg backend).

* :func:`edit_card` — before / after, histograms, the program as a diverging bar chart, reasoning;
* :func:`tool_strip` — every tool at -100, -50, +50, +100 on one photo;
* :func:`contact_sheet` — before/after thumbnails for a batch (``iea style apply --sheet``);
* :func:`metrics_bars`, :func:`sign_accuracy_bars`, :func:`curves` — evaluation and training
  reports.

Nothing here runs at import time; matplotlib is imported (with the Agg backend) on first use.
Images follow the editor's array conventions (uint8, uint16 or float 0..1).
"""
from __future__ import annotations

from .figures import (contact_sheet, curves, edit_card, metrics_bars, sign_accuracy_bars,
                      tool_strip)

__all__ = ["edit_card", "tool_strip", "contact_sheet", "metrics_bars", "sign_accuracy_bars",
           "curves"]
