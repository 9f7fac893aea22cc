"""Benchmark: parameter search, method "auto" vs IEA's FastSearch, side by side in one run.

    python benchmarks/search.py [--pairs 8] [--size 512]

For random 2-7 tool programs (the paper's strength bins) on the real photos scikit-image ships,
prints per method: share of pairs recovered within d <= 0.01 at full size, median d, median wall
and CPU seconds, median renders, and the ratios auto/FastSearch. The random programs come from the
search tests' generator (tests/search/test_recover_editor.py), so both measure the same thing.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "search"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=8)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--plot", type=Path, help="also draw the table as bars (PNG)")
    args = parser.parse_args()

    import skimage.data
    from PIL import Image

    from iea_core.editor import render_batch, warm_up
    from iea_core.search import SearchReport, distances, recover_program
    from test_recover_editor import random_program

    warm_up()
    rng = np.random.default_rng(2026)
    names = ("astronaut", "coffee", "chelsea", "rocket")
    pairs = []
    for i in range(args.pairs):
        image = getattr(skimage.data, names[i % len(names)])()[..., :3]
        h, w = image.shape[:2]
        scale = args.size / max(h, w)
        before = np.asarray(Image.fromarray(image).resize((round(w * scale), round(h * scale)),
                                                          Image.Resampling.LANCZOS))
        truth = random_program(rng)
        pairs.append((before, render_batch(before, [truth])[0]))
    recover_program(*pairs[0])  # compile/load kernels for these shapes outside the timing

    rows = {}
    for method in ("auto", "fastsearch"):
        ds, walls, cpus, renders = [], [], [], []
        for before, after in pairs:
            report = SearchReport(method, 0, 0)
            wall, cpu = time.perf_counter(), time.process_time()
            program, _ = recover_program(before, after, method=method, report=report)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
            renders.append(report.renders)
            ds.append(float(distances(render_batch(before, [program]), after)[0]))
        rows[method] = dict(ok=sum(d <= 0.01 for d in ds) / len(ds), d=statistics.median(ds),
                            wall=statistics.median(walls), cpu=statistics.median(cpus),
                            renders=statistics.median(renders))
    print(f"{args.pairs} pairs at {args.size} px (d at {args.size} px)")
    print(f"{'method':<11}{'d<=0.01':>9}{'median d':>10}{'wall s':>8}{'cpu s':>8}{'renders':>9}")
    for method, r in rows.items():
        print(f"{method:<11}{r['ok']:>9.0%}{r['d']:>10.4f}{r['wall']:>8.2f}{r['cpu']:>8.2f}"
              f"{r['renders']:>9.0f}")
    a, f = rows["auto"], rows["fastsearch"]
    print(f"ratios auto/fastsearch: d {a['d'] / max(f['d'], 1e-9):.2f}, wall "
          f"{a['wall'] / f['wall']:.2f}, renders {a['renders'] / f['renders']:.2f}")
    if args.plot:
        from iea_core.plot import metrics_bars

        table = {method: {"share d<=0.01": r["ok"], "median d": r["d"], "wall s": r["wall"],
                          "cpu s": r["cpu"], "renders": r["renders"]}
                 for method, r in rows.items()}
        print(f"wrote {metrics_bars(table, args.plot, title=f'{args.pairs} pairs at {args.size} px')}")


if __name__ == "__main__":
    main()
