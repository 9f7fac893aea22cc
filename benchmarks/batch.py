"""Batch benchmark: ``iea batch`` against a one-photo-at-a-time loop of ``iea style apply``.

Writes, into a temporary folder, a shoot of JPEGs (default 1,000 at 3000 x 2000) and of raw files
(default 200 synthetic DNGs, 3000 x 2000 Bayer mosaics written with tifffile that LibRaw reads),
learns an adaptive style from a few edited photos (``iea style learn``), then measures, side by side
in one run:

* ``iea batch STYLE jpegs/ --xmp lightroom -j JOBS`` (sidecar-only application of the adaptive
  style: reduced-size decode, prediction, sidecar write, journal);
* the same on the DNGs (half-size raw decode);
* ``iea style apply STYLE PHOTO --xmp lightroom``, one process per photo, on the first ``--loop``
  JPEGs (the way a script would do it before ``iea batch`` existed).

For each: photos/s, CPU use (CPU seconds of the command and all its processes / wall time, as a
share of the cores) and peak memory (largest sum of the resident sizes of the command's process
tree, sampled every 50 ms). Target: >= 20 JPEG/s on 2 cores.

To keep disk use small, the shoot holds ``--distinct`` different pictures and every further file is
a hard link to one of them under its own name (each photo still gets its own sidecar, and is
decoded from disk on its own; the page cache holds them, as it would after a copy from a card).

Usage: ``python benchmarks/batch.py [--jpegs N] [--raws N] [--loop N] [--jobs N] [--json OUT]``
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


# --- the shoot ----------------------------------------------------------------------------------
def base_picture(index: int, width: int, height: int) -> np.ndarray:
    """A real photo (scikit-image) scaled to ``width`` x ``height`` under a varied exposure and
    colour cast, with a little noise so JPEG sizes are realistic."""
    import skimage.data
    from PIL import Image

    names = ("astronaut", "coffee", "chelsea", "rocket", "immunohistochemistry")
    image = np.asarray(getattr(skimage.data, names[index % len(names)])())[..., :3]
    image = np.asarray(Image.fromarray(image).resize((width, height), Image.BILINEAR))
    rng = np.random.default_rng(index)
    gain = 2 ** rng.uniform(-1.0, 0.8)
    cast = rng.uniform(-0.2, 0.2)
    lin = (image / 255.0) ** 2.2 * gain * np.array([1 - cast, 1.0, 1 + cast])
    noisy = np.clip(lin, 0, 1) ** (1 / 2.2) * 255 + rng.normal(0, 2.0, image.shape)
    return np.clip(np.rint(noisy), 0, 255).astype(np.uint8)


def write_dng(path: Path, rgb8: np.ndarray) -> None:
    """A minimal linear-raw-free DNG: an RGGB Bayer mosaic (16 bit) with the tags LibRaw needs."""
    import tifffile

    lin = ((rgb8 / 255.0) ** 2.2 * 60000 + 500).astype(np.uint16)
    h, w = lin.shape[:2]
    cfa = np.empty((h, w), np.uint16)
    cfa[0::2, 0::2] = lin[0::2, 0::2, 0]
    cfa[0::2, 1::2] = lin[0::2, 1::2, 1]
    cfa[1::2, 0::2] = lin[1::2, 0::2, 1]
    cfa[1::2, 1::2] = lin[1::2, 1::2, 2]
    identity = (1, 1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1, 1, 1)
    tags = [(33421, "H", 2, (2, 2), True), (33422, "B", 4, (0, 1, 1, 2), True),
            (50706, "B", 4, (1, 4, 0, 0), True), (50707, "B", 4, (1, 1, 0, 0), True),
            (50708, "s", 0, "iea synthetic", True), (50714, "H", 1, 0, True),
            (50717, "H", 1, 65535, True), (50721, "2i", 9, identity, True),
            (50728, "2I", 3, (1, 1, 1, 1, 1, 1), True), (50778, "H", 1, 21, True)]
    tifffile.imwrite(path, cfa, photometric=32803, compression=None, subfiletype=0,
                     extratags=tags, metadata=None)


def make_shoot(folder: Path, count: int, distinct: int, kind: str, width: int,
               height: int) -> list[Path]:
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    originals = []
    for index in range(min(distinct, count)):
        picture = base_picture(index, width, height)
        path = folder / (f"IMG_{index:05d}.jpg" if kind == "jpeg" else f"RAW_{index:05d}.dng")
        if kind == "jpeg":
            Image.fromarray(picture).save(path, quality=90)
        else:
            write_dng(path, picture)
        originals.append(path)
    paths = list(originals)
    for index in range(len(originals), count):
        source = originals[index % len(originals)]
        target = folder / f"{source.stem[:4]}{index:05d}{source.suffix}"
        os.link(source, target)
        paths.append(target)
    return paths


def learn_bench_style(work: Path, env: dict[str, str]) -> None:
    """An adaptive style learned from 8 edited photos (Lightroom sidecars)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from catalogue.synthetic import make_shoot as edited_shoot  # noqa: E402

    from iea_core.hosts import lightroom

    for photo, program in edited_shoot(work / "edited", 8, seed=1):
        lightroom.write_sidecar(photo, program)
    run([sys.executable, "-m", "iea_core", "style", "learn", "bench", str(work / "edited")], env)


# --- measuring ----------------------------------------------------------------------------------
def tree_rss(pid: int) -> int:
    import psutil

    try:
        proc = psutil.Process(pid)
        total = proc.memory_info().rss
        for child in proc.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                pass
        return total
    except psutil.Error:
        return 0


def run(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Run ``command``; wall time, CPU seconds of its whole process tree, peak tree RSS."""
    before = os.times()
    start = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], tree_rss(proc.pid))
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate(timeout=3600)
    wall = time.perf_counter() - start
    stop.set()
    sampler.join()
    after = os.times()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command[:6])} ... failed:\n{err.decode()[-2000:]}")
    cpu = (after.children_user - before.children_user) + \
        (after.children_system - before.children_system)
    return {"wall_s": wall, "cpu_s": cpu, "peak_mb": peak[0] / 2 ** 20}


def measure_batch(paths: list[Path], jobs: int, env: dict[str, str], work: Path,
                  name: str) -> dict[str, Any]:
    stats = run([sys.executable, "-m", "iea_core", "batch", "bench", str(paths[0].parent),
                 "--xmp", "lightroom", "-j", str(jobs), "--journal", str(work / f"{name}.jsonl")],
                env)
    return dict(stats, photos=len(paths))


def measure_loop(paths: list[Path], env: dict[str, str]) -> dict[str, Any]:
    total = {"wall_s": 0.0, "cpu_s": 0.0, "peak_mb": 0.0}
    for path in paths:
        stats = run([sys.executable, "-m", "iea_core", "style", "apply", "bench", str(path),
                     "--xmp", "lightroom"], env)
        total["wall_s"] += stats["wall_s"]
        total["cpu_s"] += stats["cpu_s"]
        total["peak_mb"] = max(total["peak_mb"], stats["peak_mb"])
    return dict(total, photos=len(paths))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jpegs", type=int, default=1000)
    parser.add_argument("--raws", type=int, default=200)
    parser.add_argument("--loop", type=int, default=20,
                        help="photos for the one-process-per-photo `iea style apply` loop")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--distinct", type=int, default=10)
    parser.add_argument("--size", default="3000x2000", help="JPEG and raw size, WxH")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))

    work = Path(tempfile.mkdtemp(prefix="iea-bench-batch-"))
    env = dict(os.environ, IEA_DATA_DIR=str(work / "data"), IEA_CACHE_DIR=str(work / "cache"),
               IEA_RUNTIME_DIR=str(work / "run"), IEA_CONFIG=str(work / "config.toml"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    os.environ.update({k: env[k] for k in ("IEA_DATA_DIR", "IEA_CACHE_DIR", "IEA_RUNTIME_DIR",
                                          "IEA_CONFIG")})
    try:
        t0 = time.perf_counter()
        jpegs = make_shoot(work / "jpegs", args.jpegs, args.distinct, "jpeg", width, height)
        raws = make_shoot(work / "raws", args.raws, args.distinct, "dng", width, height) \
            if args.raws else []
        loop = make_shoot(work / "loop", args.loop, args.distinct, "jpeg", width, height) \
            if args.loop else []
        learn_bench_style(work, env)
        print(f"shoot written in {time.perf_counter() - t0:.0f} s: {len(jpegs)} JPEGs, "
              f"{len(raws)} DNGs at {width}x{height}, {args.distinct} distinct pictures; "
              f"{os.cpu_count()} cores, batch -j {args.jobs}")
        rows = {"batch JPEG": measure_batch(jpegs, args.jobs, env, work, "jpegs")}
        if raws:
            rows["batch DNG"] = measure_batch(raws, args.jobs, env, work, "raws")
        if loop:
            rows["loop of `style apply` (JPEG)"] = measure_loop(loop, env)
        cores = os.cpu_count() or 1
        print(f"\n{'run':<32}{'photos':>7}{'wall s':>9}{'photos/s':>10}{'CPU use':>9}"
              f"{'peak MB':>9}{'photos/CPU-s':>14}")
        for name, row in rows.items():
            row["photos_per_s"] = row["photos"] / row["wall_s"]
            row["cpu_share"] = row["cpu_s"] / row["wall_s"] / cores
            row["photos_per_cpu_s"] = row["photos"] / max(row["cpu_s"], 1e-9)
            print(f"{name:<32}{row['photos']:>7}{row['wall_s']:>9.1f}"
                  f"{row['photos_per_s']:>10.1f}{row['cpu_share']:>8.0%}{row['peak_mb']:>9.0f}"
                  f"{row['photos_per_cpu_s']:>14.1f}")
        load = os.getloadavg()[0]
        print(f"(load average {load:.1f} on {cores} cores during the run: when other programs "
              "hold the cores, photos/CPU-s x cores is the rate the same work reaches on idle "
              "cores)")
        loop_rate = rows.get("loop of `style apply` (JPEG)", {}).get("photos_per_s")
        jpeg_rate = rows["batch JPEG"]["photos_per_s"]
        if loop_rate:
            print(f"\nbatch / one-at-a-time loop (JPEG): {jpeg_rate / loop_rate:.1f}x")
        idle_rate = rows["batch JPEG"]["photos_per_cpu_s"] * min(args.jobs, cores)
        print(f"target >= 20 JPEG/s on 2 cores: measured {jpeg_rate:.1f} JPEG/s with "
              f"{args.jobs} workers ({'met' if jpeg_rate >= 20 else 'not met'}); "
              f"{idle_rate:.1f} JPEG/s from CPU time on {min(args.jobs, cores)} idle cores "
              f"({'met' if idle_rate >= 20 else 'not met'})")
        if args.json:
            args.json.write_text(json.dumps({"args": vars(args) | {"json": str(args.json)},
                                             "rows": rows}, indent=1, default=str))
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
