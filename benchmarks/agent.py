"""Embedded agent timings: load, per-instruction latency, refine, and summary at 512 px.

    python benchmarks/agent.py [--repeat 3]

Prints load time (encoder + heads, in a fresh process so nothing is cached), p50/p95 latency of
``edit`` over 30 varied instructions on a 512 px photo (with and without photo-driven corrections,
which render with the editor), ``refine`` latency, and the time of ``summarize`` on a synthetic
512 px before/after pair. Side by side in one run, the ratio of the agent's latency to one bare
MiniLM encoding of the same text shows what the heads and rules cost on top of the encoder.
Targets (issue 5): load < 3 s, latency < 150 ms after load, summary < 2 s.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

INSTRUCTIONS = [
    "too dark", "make it pop", "moody", "like an old photo", "less harsh", "it looks washed out",
    "not so warm", "don't make it brighter", "slightly warmer", "a lot more contrast",
    "warmer, lift the shadows, less harsh", "make it brigther and cooler", "add a vignette",
    "black and white please", "the sky is blown out", "way too orange", "give it a cinematic look",
    "bring out the details but keep the colours as they are", "a touch of grain",
    "the shadows are crushed", "make the colours more vivid", "dreamy and soft",
    "it's a bit flat and dull", "crush the blacks", "really bright and airy",
    "exposure +20, contrast -10", "fix the exposure", "correct the white balance",
    "make it look better", "fix the contrast and add a vignette",
]
FEEDBACK = ["a bit less", "more", "too orange now", "undo the vignette", "perfect but brighter",
            "much less contrast", "not so dark"]


def photo(size: int = 512) -> np.ndarray:
    import skimage.data

    image = skimage.data.astronaut()[..., :3]
    step = max(1, max(image.shape[:2]) // size)
    return np.ascontiguousarray(image[::step, ::step]).astype(np.float32) / 255.0


def load_time() -> float:
    code = ("import time; t=time.perf_counter(); from iea_core.agent import get_agent; "
            "a=get_agent('embedded'); a.load(); print(time.perf_counter()-t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def percentiles(samples: list[float]) -> tuple[float, float]:
    s = sorted(samples)
    return statistics.median(s), s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description="embedded agent timings")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--plot", type=Path, help="also draw the timings as bars (PNG)")
    args = parser.parse_args()
    from iea_core.agent.base import Turn
    from iea_core.agent.embedded import EmbeddedAgent
    from iea_core.program import Program

    loads = [load_time() for _ in range(2)]
    table: dict[str, dict[str, float]] = {"load": {"p50 ms": 1000 * min(loads)}}
    print(f"load (fresh process, encoder + heads): {min(loads):.2f} s (best of 2; target < 3 s)")

    image = photo()
    agent = EmbeddedAgent().load()
    agent.edit(image, "fix the exposure and the white balance")  # warm-up: BLAS, editor kernels
    encoder = agent.interpreter.encoder
    edit_t, enc_t = [], []
    for _ in range(args.repeat):
        for text in INSTRUCTIONS:
            t = time.perf_counter()
            agent.edit(image, text)
            edit_t.append(time.perf_counter() - t)
            t = time.perf_counter()
            encoder.encode([text])
            enc_t.append(time.perf_counter() - t)
    p50, p95 = percentiles(edit_t)
    e50, _ = percentiles(enc_t)
    print(f"edit latency at 512 px over {len(INSTRUCTIONS)} instructions x {args.repeat}: "
          f"p50 {1000 * p50:.0f} ms, p95 {1000 * p95:.0f} ms (target < 150 ms)")
    table["edit"] = {"p50 ms": 1000 * p50, "p95 ms": 1000 * p95}
    table["MiniLM encode"] = {"p50 ms": 1000 * e50}
    print(f"  one bare MiniLM encoding of the same text: p50 {1000 * e50:.1f} ms "
          f"(edit / encode = {p50 / e50:.1f}x)")
    words_only = EmbeddedAgent(search=False).load()
    wt = []
    for text in INSTRUCTIONS:
        t = time.perf_counter()
        words_only.edit(image, text)
        wt.append(time.perf_counter() - t)
    w50, w95 = percentiles(wt)
    table["edit, search=False"] = {"p50 ms": 1000 * w50, "p95 ms": 1000 * w95}
    print(f"edit latency without editor searches (search=False): p50 {1000 * w50:.0f} ms, "
          f"p95 {1000 * w95:.0f} ms")

    program = Program({"temperature": 40, "vignette": -30, "contrast": 20})
    history = (Turn("user", "warmer with a vignette"), Turn("agent", "", program))
    rt = []
    for _ in range(args.repeat):
        for text in FEEDBACK:
            t = time.perf_counter()
            agent.refine(image, program, text, history)
            rt.append(time.perf_counter() - t)
    r50, r95 = percentiles(rt)
    table["refine"] = {"p50 ms": 1000 * r50, "p95 ms": 1000 * r95}
    print(f"refine latency over {len(FEEDBACK)} feedbacks: p50 {1000 * r50:.0f} ms, "
          f"p95 {1000 * r95:.0f} ms")

    try:
        from iea_core.editor import render
    except ImportError as exc:
        print(f"summary: not measured, the editor is not available here ({exc})")
        _plot(table, args.plot)
        return
    after = render(image, Program({"exposure": 25, "temperature": 30, "fade": 20, "shadows": 15}))
    st = []
    for _ in range(max(1, args.repeat - 1)):
        t = time.perf_counter()
        style = agent.summarize(image, after)
        st.append(time.perf_counter() - t)
    print(f"summary at 512 px: {min(st):.2f} s best, {max(st):.2f} s worst (target < 2 s); "
          f"d = {style.distance:.4f}, \u201c{style.sentence}\u201d, {style.program.to_dict()}")
    table["summary"] = {"p50 ms": 1000 * statistics.median(st)}
    _plot(table, args.plot)


def _plot(table: dict[str, dict[str, float]], path: Path | None) -> None:
    """The printed timings as bars, one panel per percentile (``--plot``)."""
    if path is None:
        return
    from iea_core.plot import metrics_bars

    print(f"wrote {metrics_bars(table, path, title='embedded agent timings (ms)')}")


if __name__ == "__main__":
    main()
