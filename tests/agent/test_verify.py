"""verify: the measures a claim is checked against move the way each tool's sign promises, on
rendered photos; negative grain on a photo without grain is caught as doing nothing."""
from __future__ import annotations

import numpy as np
import pytest

from iea_core.agent import verify as V
from iea_core.tools import TOOL_NAMES


@pytest.fixture(scope="module")
def chelsea():
    data = pytest.importorskip("skimage.data")
    return V.preview(data.chelsea())


def test_every_tool_keeps_its_promise_both_ways(chelsea, editor):
    programs = [{t: s * 40} for t in TOOL_NAMES for s in (1, -1) if not (t == "grain" and s < 0)]
    renders = V.render_previews(chelsea, programs)
    before = V.measure(chelsea)
    for program, render in zip(programs, renders):
        (tool, value), = program.items()
        after = V.measure(render, chelsea)
        assert V.claim_holds(tool, value, before, after), (tool, value,
                                                           V.claim_change(tool, before, after))
        # ... and the opposite value would not pass as this one.
        assert not V.claim_holds(tool, -value, before, after) or tool == "grain"


def test_negative_grain_is_a_no_op(chelsea, editor):
    render = V.render_previews(chelsea, [{"grain": -40}])[0]
    assert V.difference(render, chelsea) < 1e-4
    assert not V.claim_holds("grain", -40, V.measure(chelsea), V.measure(render, chelsea))


def test_clipping_guard_sees_blown_highlights(chelsea, editor):
    before = V.measure(chelsea)
    blown = V.measure(V.render_previews(chelsea, [{"exposure": 100}])[0], chelsea)
    hi, lo = V.new_clipping(before, blown)
    assert hi > 0.05 and lo == 0.0
    assert not V.clipping_ok(before, blown)
    assert "mean brightness +" in V.describe_change("exposure", before, blown)


def test_lab_of_neutral_grey_is_neutral():
    grey = np.full((8, 8, 3), 0.5, np.float32)
    L = V.lab(grey)
    assert np.allclose(L[..., 1:], 0.0, atol=0.05) and 50 < L[0, 0, 0] < 56
