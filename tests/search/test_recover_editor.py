"""Recovery with the real editor: synthetic pairs from real photos come back within d <= 0.01.

A pair is a real photo at 512 px and its render with a random program of 2-7 tools whose strengths
follow the paper's synthetic bins (light 15-30, medium 45-60, heavy 75-90, extreme 100). d is
measured at 512 px between the render of the recovered program and the target, i.e. on the
result a user would see, not only at the search's own resolution.
"""
from __future__ import annotations

import time

import numpy as np
import pytest

from iea_core.program import Program
from iea_core.search import SearchReport, distances, recover_program, summarize_pair
from iea_core.tools import TOOL_NAMES

BINS = ((15, 30), (45, 60), (75, 90), (100, 100))


def random_program(rng: np.random.Generator) -> Program:
    tools = rng.choice(TOOL_NAMES, size=int(rng.integers(2, 8)), replace=False)
    values = {}
    for tool in tools:
        low, high = BINS[int(rng.integers(len(BINS)))]
        values[str(tool)] = int(rng.choice([-1, 1]) * rng.integers(low, high + 1))
    return Program(values)


def at_512(image: np.ndarray) -> np.ndarray:
    from PIL import Image

    h, w = image.shape[:2]
    scale = 512 / max(h, w)
    return np.asarray(Image.fromarray(image).resize((round(w * scale), round(h * scale)),
                                                    Image.Resampling.LANCZOS))


@pytest.fixture(scope="module")
def editor():
    from iea_core import editor

    return editor


@pytest.mark.parametrize("seed", [0, 1])
def test_synthetic_pairs_are_recovered_within_001(photos, editor, seed):
    rng = np.random.default_rng(seed)
    results = []
    for name in sorted(photos):
        before = at_512(photos[name])
        truth = random_program(rng)
        after = editor.render_batch(before, [truth])[0]
        report = SearchReport("auto", 0, 0)
        started = time.perf_counter()
        program, d_search = recover_program(before, after, report=report)
        seconds = time.perf_counter() - started
        d = float(distances(editor.render_batch(before, [program]), after)[0])
        results.append((name, truth, program, d_search, d, seconds, report.renders))
    failures = [r for r in results if r[4] > 0.01]
    assert not failures, "\n".join(
        f"{n}: truth {t.to_dict()} got {p.to_dict()} d={d:.4f} (search d={ds:.4f})"
        for n, t, p, ds, d, _, _ in failures)
    # only a sanity bound (the machine is shared); the < 2 s target is a benchmark's business
    assert max(r[5] for r in results) < 60


def test_fastsearch_runs_with_the_editor_and_improves(photos, editor):
    before = at_512(photos["coffee"])
    truth = Program({"exposure": 40, "temperature": -30})
    after = editor.render_batch(before, [truth])[0]
    report = SearchReport("fastsearch", 0, 0)
    program, d = recover_program(before, after, method="fastsearch", report=report)
    assert d < report.start_distance / 3
    assert program["exposure"] > 0 and program["temperature"] < 0


def test_summary_of_a_film_look(photos, editor):
    before = at_512(photos["chelsea"])
    truth = Program({"fade": 45, "grain": 20, "temperature": 35, "shadows": 30})
    after = editor.render_batch(before, [truth])[0]
    style = summarize_pair(before, after)
    assert style.distance <= 0.01
    assert "film" in style.sentence and "warm" in style.sentence, style
    assert style.program["fade"] > 0 and style.program["temperature"] > 0
