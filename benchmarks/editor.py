"""Editor benchmark: the fused default-profile editor against a straightforward per-operation numpy
implementation of the same program, measured side by side in one run.

    python benchmarks/editor.py            # 512², 1024², 24 MP, batch of 64 x 256²
    python benchmarks/editor.py --quick    # skip 24 MP
    python benchmarks/editor.py --plot editor.png

Prints, per size: best-of-N wall time of each, their ratio, the largest pixel difference between
the two (they implement the same math), the fused editor's CPU time on one thread (a figure that
other processes on a shared machine disturb much less than wall time), and its peak extra memory
beyond input and output in bytes per pixel: numpy allocations traced by tracemalloc, and for
24 MP also the growth of the peak resident set of a fresh process (which sees numba's
allocations too).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from iea_core.editor import render, render_batch, warm_up  # noqa: E402
from iea_core.editor import curves  # noqa: E402
from iea_core.program import Program  # noqa: E402

PROGRAM = Program({"exposure": 20, "brightness": 5, "contrast": 15, "highlights": -25,
                   "shadows": 30, "whites": 5, "blacks": -5, "saturation": 10,
                   "vibrance": 20, "temperature": 12, "tint": -4, "natural_contrast": 20,
                   "sharpness": 25, "vignette": -20, "fade": 10, "grain": 8})


def straightforward(image: np.ndarray, program: Program) -> np.ndarray:
    """The same default-profile math, one numpy operation at a time on full-size arrays."""
    p = program
    x = image.astype(np.float32) / 255
    lin = np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4).astype(np.float32)
    lum_in = lin @ curves.LUMA.astype(np.float32)
    u_in = np.sqrt(np.clip(lum_in, 0, 1))
    lin = lin * curves.channel_gains(p["temperature"], p["tint"], p["exposure"]
                                     ).astype(np.float32)
    lum = np.maximum(lin @ curves.LUMA.astype(np.float32), 0)
    L = lum ** (1 / curves.GAMMA)
    Lt = L
    for name, step in curves.TONE_STEPS:
        if p[name]:
            Lt = step(Lt, p[name] / 100)
    gain = 2.0 ** (2.0 * p["exposure"] / 100)
    if p["natural_contrast"]:
        h, w = u_in.shape
        f = max(1, int(np.ceil(max(h, w) / 192)))
        hh, ww = -(-h // f) * f, -(-w // f) * f
        padded = np.pad(u_in, ((0, hh - h), (0, ww - w)), mode="edge")
        small = padded.reshape(hh // f, f, ww // f, f).mean(axis=(1, 3))
        from iea_core.editor.default import _blur_small

        blurred = _blur_small(small, max(0.8, max(h, w) / 40 / f))
        big = np.repeat(np.repeat(blurred, f, axis=0), f, axis=1)[:h, :w]
        Lb = (big ** 2 * gain) ** (1 / curves.GAMMA)
        for name, step in curves.TONE_STEPS:
            if p[name]:
                Lb = step(Lb, p[name] / 100)
        mid = np.minimum(Lt, 1)
        Lt = Lt + (0.6 if p["natural_contrast"] > 0 else 0.5) * p["natural_contrast"] / 100 * (Lt - Lb) * (0.35 + 2.6 * mid * (1 - mid))
    if p["sharpness"]:
        pad = np.pad(u_in, 1, mode="edge")
        blur = (4 * u_in + 2 * (pad[:-2, 1:-1] + pad[2:, 1:-1] + pad[1:-1, :-2] + pad[1:-1, 2:])
                + pad[:-2, :-2] + pad[:-2, 2:] + pad[2:, :-2] + pad[2:, 2:]) / 16
        a = p["sharpness"] / 100
        Lt = Lt + (2 * a if a > 0 else a) * (u_in - blur) * np.sqrt(gain)
    ynew = np.maximum(Lt, 0) ** curves.GAMMA
    k = np.where(lum > 1e-9, ynew / np.maximum(lum, 1e-9), 0)
    lin = lin * k[..., None]
    if p["saturation"] or p["vibrance"]:
        lum = lin @ curves.LUMA.astype(np.float32)
        factor = np.full(lum.shape, 1 + p["saturation"] / 100, dtype=np.float32)
        mx, mn = lin.max(axis=2), lin.min(axis=2)
        s = np.where(mx > 1e-9, (mx - mn) / np.maximum(mx, 1e-9), 0)
        vib = p["vibrance"] / 100
        factor = factor * (1 + 1.2 * vib * (1 - s) ** 2) if vib > 0 else factor * (
            1 + vib * (0.4 + 0.6 * (1 - s)))
        limit = np.where(mn < lum, lum / np.maximum(lum - mn, 1e-9), np.inf)
        factor = np.where(factor > 1, np.minimum(factor, limit), factor)
        lin = lum[..., None] + (lin - lum[..., None]) * factor[..., None]
    if p["vignette"]:
        h, w = lum.shape
        yy = ((np.arange(h) - (h - 1) / 2) / max((h - 1) / 2, 1)) ** 2 / 2
        xx = ((np.arange(w) - (w - 1) / 2) / max((w - 1) / 2, 1)) ** 2 / 2
        lin = lin * curves.vignette_gain(yy[:, None] + xx[None, :], p["vignette"])[..., None]
    enc = curves.linear_to_srgb(np.clip(lin, 0, 1))
    enc = curves.fade_curve(enc, p["fade"])
    if p["grain"] > 0:
        ye = enc @ curves.LUMA
        noise = np.random.default_rng(0).standard_normal(ye.shape)
        enc = enc + (0.05 * p["grain"] / 100 * (0.25 + 3 * ye * (1 - ye)) * noise)[..., None]
    return np.clip(np.rint(np.clip(enc, 0, 1) * 255), 0, 255).astype(np.uint8)


def best_of(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def photo(height: int, width: int) -> np.ndarray:
    """A real photo (scikit-image's astronaut) tiled/resized to the size asked for."""
    from PIL import Image

    try:
        import skimage.data

        base = skimage.data.astronaut()
    except ImportError:  # pragma: no cover
        base = np.asarray(Image.open(Path(__file__).resolve().parents[1]
                                     / "iea_core/assets/sample.jpg").convert("RGB"))
    return np.asarray(Image.fromarray(base).resize((width, height), Image.BILINEAR))


def extra_bytes_per_pixel(image: np.ndarray) -> float:
    tracemalloc.start()
    tracemalloc.reset_peak()
    out = render(image, PROGRAM)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    pixels = image.shape[0] * image.shape[1]
    return max(0, peak - out.nbytes) / pixels


def cpu_one_thread(image: np.ndarray, repeats: int) -> float:
    """Best CPU time of a render on one numba thread (seconds)."""
    import numba

    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        best = float("inf")
        for _ in range(repeats):
            start = time.process_time()
            render(image, PROGRAM)
            best = min(best, time.process_time() - start)
        return best
    finally:
        numba.set_num_threads(threads)


_RSS_PROBE = """
import gc, sys
sys.path.insert(0, {root!r})
from benchmarks.editor import PROGRAM, photo
from iea_core.editor import render, warm_up


def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise SystemExit("no " + key)


warm_up()
image = photo({h}, {w})
render(image[:64, :64], PROGRAM)
gc.collect()
with open("/proc/self/clear_refs", "w") as f:  # reset the peak (VmHWM) to the current RSS
    f.write("5")
before = status("VmRSS")
result = render(image, PROGRAM)
print(max(0, status("VmHWM") - before - result.nbytes) / ({h} * {w}))
"""


def rss_extra_bytes_per_pixel(height: int, width: int) -> float:
    """Peak resident-set growth of a render in a fresh process, beyond input and output
    (Linux: the peak is reset through /proc/self/clear_refs just before the render)."""
    root = str(Path(__file__).resolve().parents[1])
    code = _RSS_PROBE.format(root=root, h=height, w=width)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 24 MP case")
    parser.add_argument("--plot", type=Path, help="also write the table as a bar chart (PNG)")
    args = parser.parse_args()
    warm_up()
    sizes = [("512x512", 512, 512, 5), ("1024x1024", 1024, 1024, 5)]
    if not args.quick:
        sizes.append(("24 MP (4000x6000)", 4000, 6000, 2))
    rows = []
    print(f"{'size':<20} {'fused':>10} {'numpy':>10} {'ratio':>7} {'max diff':>9} "
          f"{'1-thread CPU':>13} {'extra B/px':>10}")
    for label, h, w, repeats in sizes:
        image = photo(h, w)
        render(image, PROGRAM)
        fused = best_of(lambda: render(image, PROGRAM), repeats)
        plain = best_of(lambda: straightforward(image, PROGRAM), max(1, repeats // 2))
        diff = np.abs(render(image, PROGRAM.replace({"grain": 0})).astype(int)
                      - straightforward(image, PROGRAM.replace({"grain": 0}))).max()
        extra = f"{extra_bytes_per_pixel(image):.2f}"
        if h * w > 4_000_000:
            extra += f" (RSS {rss_extra_bytes_per_pixel(h, w):.2f})"
        cpu = cpu_one_thread(image, repeats)
        rows.append((label, fused, plain))
        print(f"{label:<20} {fused * 1000:>8.1f}ms {plain * 1000:>8.1f}ms {plain / fused:>6.1f}x "
              f"{diff:>9d} {cpu * 1000:>11.1f}ms {extra:>10}")
    small = photo(256, 256)
    programs = [PROGRAM.replace({"exposure": e}) for e in range(-32, 32)]
    render_batch(small, programs[:2])
    batch = best_of(lambda: render_batch(small, programs), 3)
    plain = best_of(lambda: [straightforward(small, p) for p in programs], 1)
    rows.append(("batch 64x256²", batch, plain))
    print(f"{'batch 64x256x256':<20} {batch * 1000:>8.1f}ms {plain * 1000:>8.1f}ms "
          f"{plain / batch:>6.1f}x   -> {64 / batch:.0f} images/s fused, {64 / plain:.0f} "
          f"images/s numpy")
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 3.5))
        labels = [r[0] for r in rows]
        xs = np.arange(len(rows))
        ax.bar(xs - 0.2, [r[1] * 1000 for r in rows], 0.4, label="fused (numba)")
        ax.bar(xs + 0.2, [r[2] * 1000 for r in rows], 0.4, label="numpy per operation")
        ax.set_xticks(xs, labels)
        ax.set_yscale("log")
        ax.set_ylabel("ms (log)")
        ax.legend()
        fig.tight_layout()
        fig.savefig(args.plot, dpi=110)
        print(f"wrote {args.plot}")


if __name__ == "__main__":
    main()
