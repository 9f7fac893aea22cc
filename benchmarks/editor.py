"""Editor benchmark: iea's fused editor against IEA's editor as its code runs it (OpenCV, one
operation per tool) and against the memory floor (one table read per byte), side by side in one
run.

    python benchmarks/editor.py            # 6 MP and 24 MP, batch of 64 x 256², accuracy
    python benchmarks/editor.py --quick    # 6 MP only
    python benchmarks/editor.py --plot editor.png

Needs ``opencv-python-headless`` (``pip install -e '.[bench]'``) for IEA's editor and the floor.

Per size, each contender runs once per round, rounds alternate (so a shared machine's load hits
them alike) and the best round counts:

* ``iea 16`` : ``render(photo, PROGRAM)`` (all 16 tools, 8-bit in and out, default profile);
* ``IEA 16`` : :func:`iea_editor_opencv`, the original editor's pipeline (float stage, ``cv2.LUT``
  tables, ``cv2.cvtColor`` HSV round trip, white balance, grain, vignette, ``cv2.GaussianBlur``
  unsharp mask) on the same photo and program; ``iea-compat`` reproduces it (checked against it
  by tests/editor/test_compat_opencv.py when OpenCV is installed);
* ``iea tone`` : a tone-only program (6 tone tools);
* ``floor`` : one 256-entry table read per byte, ``cv2.LUT`` (OpenCV's vectorised, threaded
  loop) and the same pass in numba on this editor's threads: what reading and writing the image
  once costs.

Then the batch throughput of ``render_batch`` (64 programs x 256², float32 out: what GRPO rewards
and parameter searches call), and the largest 8-bit difference to a float64 numpy reference of
the same math (``straightforward``) at 1024².
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from iea_core.editor import curves, render, render_batch, warm_up  # noqa: E402
from iea_core.program import Program  # noqa: E402

PROGRAM = Program({"exposure": 20, "brightness": 5, "contrast": 15, "highlights": -25,
                   "shadows": 30, "whites": 5, "blacks": -5, "saturation": 10,
                   "vibrance": 20, "temperature": 12, "tint": -4, "natural_contrast": 20,
                   "sharpness": 25, "vignette": -20, "fade": 10, "grain": 8})
TONE_PROGRAM = Program({"brightness": 5, "contrast": 15, "highlights": -25, "shadows": 30,
                        "whites": 5, "blacks": -5})


def iea_editor_opencv(bgr: np.ndarray, program: Program, seed: int = 0) -> np.ndarray:
    """IEA's editor as its code runs it: one OpenCV/numpy operation per tool on a BGR uint8 image
    (as ``cv2.imread`` gives it), written from the documented formulas that the ``iea-compat``
    profile reproduces (docs/editor.md). Grain draws ``np.random.randn``-style noise from
    ``RandomState(seed)``. Returns BGR uint8."""
    import cv2

    p = program
    x = bgr.astype(np.float32) / 255.0
    if p["exposure"]:
        x = x * np.float32(2.0 ** (p["exposure"] / 100.0))
    if p["brightness"]:
        x = x + np.float32(0.5 * p["brightness"] / 100.0)
    if p["contrast"]:
        x = np.float32(0.5) + np.float32(1.25 + 0.0075 * p["contrast"]) * (x - np.float32(0.5))
    if p["fade"] < 0:  # the strength is clamped to 0, the arithmetic still runs
        x = np.float32(0.5) + np.float32(1.0) * (x - np.float32(0.5))
    if p["fade"] > 0:
        s = np.float32(0.006 * p["fade"])
        x = x + s * (1 - x)
        x = np.float32(0.5) + (1 - s * np.float32(0.5)) * (x - np.float32(0.5))
    img = (np.clip(x, 0, 1) * 255).astype(np.uint8)
    i = np.arange(256, dtype=np.float64)
    n = i / 255.0
    if p["natural_contrast"]:
        lut = 255.0 / (1.0 + np.exp(-(p["natural_contrast"] / 10.0) * (i - 128.0) / 255.0))
        img = cv2.LUT(img, np.clip(lut.astype(np.float32), 0, 255).astype(np.uint8))
    for name, curve in (("highlights", lambda s: n + s * (1 - n) * n),
                        ("shadows", lambda s: n + s * (1 - n ** 2) * (1 - n)),
                        ("whites", lambda s: n + s * n),
                        ("blacks", lambda s: n + s * (1 - n))):
        if p[name]:
            lut = (curve(0.008 * p[name]) * 255.0).astype(np.float32)
            img = cv2.LUT(img, np.clip(lut, 0, 255).astype(np.uint8))
    hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV).astype(np.float32)
    sat = hsv[..., 1] / np.float32(255.0)
    if p["saturation"]:
        sat = sat * np.float32(1.0 + p["saturation"] / 100.0)
    sat = np.clip(sat, 0.0, 1.0)
    if p["vibrance"] < 0:
        sat = np.clip(sat + np.float32(p["vibrance"] / 100.0) * sat, 0.0, 1.0)
    hsv[..., 1] = sat * np.float32(255.0)
    img = cv2.cvtColor(np.clip(hsv, 0, 255).astype(np.uint8), cv2.COLOR_HSV2BGR)
    if p["temperature"]:
        t = 0.5 * p["temperature"]
        f = img.astype(np.float32)
        f[..., 2] += np.float32(t)
        f[..., 1] += np.float32(0.6 * t)
        f[..., 0] -= np.float32(t)
        img = np.clip(f, 0, 255).astype(np.uint8)
    if p["tint"]:
        # the shift rounded half to even first, as OpenCV 5.0 did for cv2.add(image, scalar)
        img = cv2.add(img, (0.0, float(np.rint(0.3 * p["tint"])), 0.0, 0.0))
    x = img.astype(np.float32) / np.float32(255.0)
    if p["grain"] > 0:
        x = x + np.random.RandomState(seed & 0xFFFFFFFF).standard_normal(x.shape) * (
            0.003 * p["grain"])
    if p["vignette"]:
        h, w = x.shape[:2]
        yy, xx = np.ogrid[:h, :w]
        radius = np.sqrt((xx - w / 2) ** 2 + (yy - h / 2) ** 2)
        radius = radius / radius.max()
        a = abs(p["vignette"])
        strength, k, gamma = 0.009 * a, 1.0 - 0.005 * a, 0.5 + 0.015 * a
        base = (np.clip(radius / k, 0, 1) ** gamma)[..., None]
        x = np.clip(x.astype(np.float32), 0.0, 1.0)
        x = x * (1.0 - strength * base) if p["vignette"] > 0 else x + strength * base * (1.0 - x)
    img = (np.clip(x, 0, 1) * 255).astype(np.uint8)
    if p["sharpness"] > 0:
        amount = 1.5 * p["sharpness"] / 100.0
        img = cv2.addWeighted(img, 1.0 + amount, cv2.GaussianBlur(img, (0, 0), 3), -amount, 0)
    elif p["sharpness"] < 0:
        ksize = int(3 + 12 * abs(p["sharpness"]) / 100.0) | 1
        img = cv2.GaussianBlur(img, (ksize, ksize), 0)
    return img


def gaussian_exact(image: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian (3 sigma radius) with edge replication, in float64."""
    radius = max(1, int(np.ceil(3 * sigma)))
    k = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    k /= k.sum()
    padded = np.pad(image, ((0, 0), (radius, radius)), mode="edge")
    rows = sum(k[i] * padded[:, i:i + image.shape[1]] for i in range(len(k)))
    padded = np.pad(rows, ((radius, radius), (0, 0)), mode="edge")
    return sum(k[i] * padded[i:i + image.shape[0], :] for i in range(len(k)))


def upsample(small: np.ndarray, factor: int, height: int, width: int) -> np.ndarray:
    """Bilinear interpolation of a map of ``factor``-pixel blocks back to full size (block
    centres on the pixel grid, edges held)."""
    def axis(n: int, size: int):
        c = np.clip((np.arange(n) + 0.5) / factor - 0.5, 0.0, None)
        i0 = np.minimum(c.astype(int), size - 1)
        return i0, np.minimum(i0 + 1, size - 1), np.clip(c - i0, 0.0, 1.0)

    y0, y1, fy = axis(height, small.shape[0])
    x0, x1, fx = axis(width, small.shape[1])
    top = small[y0][:, x0] + (small[y0][:, x1] - small[y0][:, x0]) * fx
    bottom = small[y1][:, x0] + (small[y1][:, x1] - small[y1][:, x0]) * fx
    return top + (bottom - top) * fy[:, None]


def straightforward(image: np.ndarray, program: Program) -> np.ndarray:
    """The default profile's math in float64 numpy, one operation at a time on full-size arrays
    (exact Gaussian for clarity, no tables): the reference the fused kernel's tolerances are
    measured against."""
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
        blurred = gaussian_exact(small, max(0.8, max(h, w) / 40 / f))
        big = upsample(blurred, f, h, w)
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
    # black has no hue: it becomes grey at the new luminance (blacks > 0 lifts it)
    lin = np.where((lum > 1e-9)[..., None], lin * k[..., None], ynew[..., None])
    if p["saturation"] or p["vibrance"]:
        lum = lin @ curves.LUMA.astype(np.float32)
        factor = np.full(lum.shape, 1 + p["saturation"] / 100, dtype=np.float32)
        mx, mn = lin.max(axis=2), lin.min(axis=2)
        s = np.where(mx > 1e-9, (mx - mn) / np.maximum(mx, 1e-9), 0)
        vib = p["vibrance"] / 100
        r, g, b = lin[..., 0], lin[..., 1], lin[..., 2]

        def tri(x, lo, peak, hi):
            return np.clip(np.minimum((x - lo) / (peak - lo), (hi - x) / (hi - peak)), 0, 1)

        hue = (g - b) / np.maximum(r - b, 1e-9)
        skin = np.where((r > g) & (g > b), tri(hue, 0.02, 0.3, 0.7) * tri(s, 0.1, 0.55, 1.0), 0)
        factor = factor * (1 + 1.2 * vib * (1 - s) ** 2 * (1 - 0.85 * skin)) if vib > 0 else (
            factor * (1 + vib * (0.4 + 0.6 * (1 - s))))
        limit = np.where(mn < lum, lum / np.maximum(lum - mn, 1e-9), np.inf)
        factor = np.where(factor > 1, np.minimum(factor, limit), factor)
        lin = lum[..., None] + (lin - lum[..., None]) * factor[..., None]
    if p["vignette"]:
        h, w = lum.shape
        yy = ((np.arange(h) - (h - 1) / 2) / max((h - 1) / 2, 1)) ** 2 / 2
        xx = ((np.arange(w) - (w - 1) / 2) / max((w - 1) / 2, 1)) ** 2 / 2
        lin = curves.apply_vignette(lin, yy[:, None] + xx[None, :], p["vignette"])
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


def rounds(contenders: dict, n: int) -> dict[str, float]:
    """Best wall time of each contender over ``n`` rounds, the contenders alternating."""
    best = {name: float("inf") for name in contenders}
    for fn in contenders.values():
        fn()  # warm: caches, OpenCV's thread pool
    for _ in range(n):
        for name, fn in contenders.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def _numba_lut():
    from numba import njit, prange

    @njit(parallel=True, cache=False)
    def lut_pass(src, table, out):
        for y in prange(src.shape[0]):
            for x in range(src.shape[1]):
                out[y, x, 0] = table[src[y, x, 0]]
                out[y, x, 1] = table[src[y, x, 1]]
                out[y, x, 2] = table[src[y, x, 2]]

    return lut_pass


def load_line() -> str:
    load = os.getloadavg()
    return (f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} "
            f"CPUs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="6 MP only, fewer rounds")
    parser.add_argument("--plot", type=Path, help="also write the timings as a bar chart (PNG)")
    args = parser.parse_args()
    import cv2

    warm_up()
    lut_pass = _numba_lut()
    table = (255 - np.arange(256)).astype(np.uint8)
    print(f"before: {load_line()}; OpenCV {cv2.__version__} on {cv2.getNumThreads()} threads")
    sizes = [("6 MP (2000x3000)", 2000, 3000, 5 if args.quick else 7)]
    if not args.quick:
        sizes.append(("24 MP (4000x6000)", 4000, 6000, 3))
    header = (f"{'size':<18} {'iea 16':>8} {'IEA 16':>8} {'ratio':>6} {'iea tone':>9} "
              f"{'floor cv2':>9} {'floor nb':>9} {'tone/floor':>11}")
    print(header)
    rows = []
    for label, h, w, n in sizes:
        image = photo(h, w)
        bgr = np.ascontiguousarray(image[..., ::-1])
        out = np.empty_like(image)
        times = rounds({
            "iea": lambda: render(image, PROGRAM),
            "IEA": lambda: iea_editor_opencv(bgr, PROGRAM),
            "tone": lambda: render(image, TONE_PROGRAM),
            "cv2": lambda: cv2.LUT(image, table),
            "numba": lambda: lut_pass(image, table, out),
        }, n)
        floor = min(times["cv2"], times["numba"])
        rows.append((label, times))
        print(f"{label:<18} {times['iea'] * 1e3:>6.1f}ms {times['IEA'] * 1e3:>6.0f}ms "
              f"{times['IEA'] / times['iea']:>5.1f}x {times['tone'] * 1e3:>7.1f}ms "
              f"{times['cv2'] * 1e3:>7.1f}ms {times['numba'] * 1e3:>7.1f}ms "
              f"{times['tone'] / floor:>10.2f}x")
    small = photo(256, 256)
    programs = [PROGRAM.replace({"exposure": e}) for e in range(-32, 32)]
    render_batch(small, programs[:2])
    batch = best_of(lambda: render_batch(small, programs), 3)
    fresh = [PROGRAM.replace({"exposure": e, "contrast": c})
             for e, c in zip(range(-40, 24), range(-20, 44))]
    start = time.perf_counter()
    render_batch(small, fresh)
    cold = time.perf_counter() - start
    print(f"batch 64 x 256x256, 16 tools, float32 out: {batch * 1e3:.1f} ms -> "
          f"{64 / batch:.0f} images/s ({64 / cold:.0f} images/s with 64 programs never seen "
          "before)")
    reference = photo(1024, 1024)
    quiet = PROGRAM.replace({"grain": 0})
    diff = np.abs(render(reference, quiet).astype(int)
                  - straightforward(reference, quiet).astype(int))
    print(f"1024x1024 against the float64 numpy reference (16 tools, no grain): max "
          f"{diff.max()} levels, {100 * (diff > 1).mean():.3f} % of values off by more than 1")
    if not args.quick:
        big = photo(4000, 6000)
        print(f"24 MP extra memory beyond input and output: {extra_bytes_per_pixel(big):.2f} "
              f"B/px traced, {rss_extra_bytes_per_pixel(4000, 6000):.2f} B/px peak RSS")
    print(f"after: {load_line()}")
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 3.5))
        names = ["IEA", "iea", "tone", "numba", "cv2"]
        labels = ["IEA's editor (16)", "iea (16)", "iea tone-only", "floor (numba)",
                  "floor (cv2.LUT)"]
        xs = np.arange(len(rows))
        for i, (name, text) in enumerate(zip(names, labels)):
            ax.bar(xs + (i - 2) * 0.16, [r[1][name] * 1000 for r in rows], 0.16, label=text)
        ax.set_xticks(xs, [r[0] for r in rows])
        ax.set_yscale("log")
        ax.set_ylabel("ms (log)")
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(args.plot, dpi=110)
        print(f"wrote {args.plot}")


if __name__ == "__main__":
    main()
