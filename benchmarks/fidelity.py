"""How closely darktable renders iea's sidecars compared with iea's own ``default`` editor.

For every tool at -100, -50, -25, 25, 50, 100 (``--values``) the same photos are rendered twice:
by ``iea_core.editor.render(..., profile="default")`` and by the real ``darktable-cli`` from the
sidecar :mod:`iea_core.hosts.darktable` writes. The table gives, per tool and value, the paper's
distance d (mean of L1 and RMS on RGB in 0..1) and the mean CIEDE2000 colour difference, averaged
over the photos, plus how far the edit moves the photo at all (d to the original) for scale.

To keep it cheap on a shared 2-core machine the photos are tiled into one mosaic, so each tool
value costs one darktable-cli run (~1-2 s); both renderers see the same mosaic, so tools that look
at neighbours or at the frame (clarity, sharpening, vignette) are compared like for like.

``--fit`` first measures the editor's response and writes
``iea_core/hosts/darktable_calibration.json``:

* tone tools: the editor's output on uniform grey patches (20 levels, values every 10) becomes the
  ``rgbcurve`` nodes, and the colour mode (per channel or luminance-preserving) is picked by which
  darktable render lands closer;
* temperature and tint: the editor's linear per-channel gains on grey patches;
* exposure: EV per unit from the gain on grey;
* the remaining scalar mappings (saturation, vibrance, clarity, sharpening, vignette, grain): a
  short search over the scale, one darktable render per candidate.

Usage::

    python benchmarks/fidelity.py                 # table for the current mapping
    python benchmarks/fidelity.py --fit --markdown docs/fidelity.md
    python benchmarks/fidelity.py --values 50 -50 --tools exposure contrast   # a reduced grid
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from iea_core.hosts import darktable as D  # noqa: E402
from iea_core.hosts import darktable_mapping as M  # noqa: E402
from iea_core.program import Program  # noqa: E402
from iea_core.tools import TOOL_NAMES  # noqa: E402

PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "camera", "sample")
DEFAULT_VALUES = (-100, -50, -25, 25, 50, 100)
TARGET_D = 0.02

EditorFn = Callable[[np.ndarray, Program], np.ndarray]


# --- photos and metrics ---------------------------------------------------------------------------
def load_photos(size: int) -> list[np.ndarray]:
    import skimage.data

    out = []
    for name in PHOTOS:
        if name == "sample":
            image = Image.open(ROOT / "iea_core" / "assets" / "sample.jpg").convert("RGB")
        else:
            array = getattr(skimage.data, name)()
            if array.ndim == 2:
                array = np.stack([array] * 3, axis=-1)
            image = Image.fromarray(np.ascontiguousarray(array[..., :3]))
        image.thumbnail((size, size), Image.Resampling.LANCZOS)
        out.append(np.asarray(image))
    return out


def mosaic(photos: Sequence[np.ndarray], columns: int = 3) -> tuple[np.ndarray, list[tuple]]:
    """Tile photos on a grey canvas; returns (image, [(y, x, h, w) of each photo])."""
    rows = [photos[i:i + columns] for i in range(0, len(photos), columns)]
    cell_h = max(p.shape[0] for p in photos)
    cell_w = max(p.shape[1] for p in photos)
    canvas = np.full((cell_h * len(rows), cell_w * columns, 3), 118, dtype=np.uint8)
    boxes = []
    for r, row in enumerate(rows):
        for c, photo in enumerate(row):
            h, w = photo.shape[:2]
            y, x = r * cell_h + (cell_h - h) // 2, c * cell_w + (cell_w - w) // 2
            canvas[y:y + h, x:x + w] = photo
            boxes.append((y, x, h, w))
    return canvas, boxes


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """The IEA paper's d: mean of L1 and RMS over RGB in 0..1."""
    try:
        from iea_core.metrics import distance as metric

        return float(metric(a, b))
    except ImportError:
        diff = np.asarray(a, np.float64) - np.asarray(b, np.float64)
        return float((np.abs(diff).mean() + np.sqrt((diff ** 2).mean())) / 2)


def delta_e(a: np.ndarray, b: np.ndarray) -> float:
    """Mean CIEDE2000 between two sRGB images in 0..1."""
    try:
        from iea_core.metrics import delta_e as metric

        return float(metric(a, b))
    except ImportError:
        from skimage.color import deltaE_ciede2000, rgb2lab

        return float(deltaE_ciede2000(rgb2lab(np.clip(a, 0, 1)), rgb2lab(np.clip(b, 0, 1))).mean())


def per_photo(fn: Callable[[np.ndarray, np.ndarray], float], a: np.ndarray, b: np.ndarray,
              boxes: list[tuple]) -> float:
    return float(np.mean([fn(a[y:y + h, x:x + w], b[y:y + h, x:x + w]) for y, x, h, w in boxes]))


# --- the two renderers ----------------------------------------------------------------------------
def load_editor(spec: str) -> EditorFn:
    module_name, _, func_name = spec.partition(":")
    func = getattr(importlib.import_module(module_name), func_name or "render")

    def render(image: np.ndarray, program: Program) -> np.ndarray:
        pixels = image.astype(np.float32) / 255.0 if image.dtype == np.uint8 else \
            image.astype(np.float32)
        out = func(pixels, program, profile="default")
        return np.clip(np.asarray(out, dtype=np.float64), 0.0, 1.0)

    return render


class DarktableSide:
    """Renders programs on one image file with one darktable-cli config directory."""

    def __init__(self, image: np.ndarray) -> None:
        self.renderer = D.Renderer()
        self.dir = Path(self.renderer._tmp.name)
        self.image_path = self.dir / "mosaic.png"
        Image.fromarray(image).save(self.image_path)
        self.count = 0

    def render(self, program: Program) -> np.ndarray:
        self.count += 1
        out = self.dir / "render.png"
        self.renderer.render(self.image_path, program, out)
        return np.asarray(Image.open(out).convert("RGB")).astype(np.float64) / 255.0

    def close(self) -> None:
        self.renderer.close()


# --- fitting ----------------------------------------------------------------------------------------
def _grey_patches(levels: np.ndarray, size: int = 8) -> np.ndarray:
    return np.repeat(levels[:, None, None, None], 3, axis=3).repeat(size, 1).repeat(size, 2)


def fit_editor_response(editor: EditorFn, cal: M.Calibration, log: Callable[[str], None]) -> None:
    """Measure tone curves, white balance gains and exposure on uniform grey patches."""
    x = np.asarray(cal.curve_x, dtype=np.float64)
    grid = list(range(-100, 101, 10))
    patches = _grey_patches(x)
    for tool in M.TONE_TOOLS:
        rows = []
        for value in grid:
            program = Program({tool: value})
            y = np.array([editor(p, program)[..., :3].mean() for p in patches])
            rows.append([float(v) for v in y])
        # the editor's value at 0 may not be exactly x (8-bit input): express every curve
        # relative to the identity so darktable's identity stays exact
        zero = np.asarray(rows[grid.index(0)])
        rows = [np.clip(np.asarray(r) - zero + x, 0, 1) for r in rows]
        # Decoding finds a value by its curve, so no two values may share one: where the editor's
        # response stops changing (a clipped extreme), a 1e-5 step at mid-grey keeps them apart.
        mid = int(np.argmin(np.abs(x - 0.5)))
        rows = [list(map(float, r + np.eye(len(x))[mid] * 2e-5 * v / 100))
                for r, v in zip(rows, grid)]
        cal.curves[tool] = {"grid": grid, "y": rows}
        log(f"  measured {tool} tone response")
    grey = np.full((8, 8, 3), 128, np.uint8)
    lin_in = M.srgb_to_linear(np.array(128 / 255.0))
    for tool in ("temperature", "tint"):
        gains = []
        for value in grid:
            out = editor(grey, Program({tool: value}) if value else Program({}))
            lin = M.srgb_to_linear(out.reshape(-1, out.shape[-1])[:, :3].mean(axis=0))
            gains.append([float(g) for g in lin / lin_in])
        zero = np.asarray(gains[grid.index(0)])
        cal.wb[tool] = {"grid": grid, "gains": [list(np.asarray(g) / zero) for g in gains]}
        log(f"  measured {tool} gains: {np.round(cal.wb[tool]['gains'][-1], 3)} at +100")
    dark = np.full((8, 8, 3), 60, np.uint8)
    out = editor(dark, Program({"exposure": 50}))
    gain = M.srgb_to_linear(out[..., :3].mean()) / M.srgb_to_linear(np.array(60 / 255.0))
    # rounded: the 8-bit grey patch measures the gain to about 1e-4, the editor's rule is exact
    cal.scales["exposure_ev"] = round(float(np.log2(gain) / 50), 4)
    log(f"  exposure: {cal.scales['exposure_ev']:.4f} EV per unit")


#: scalar mappings fitted by search: scale name -> (tool, values to test, candidate scales)
SCALAR_FITS = {
    "vibrance": ("vibrance", (50, 100), (0.3, 0.6, 1.0, 1.5, 2.0)),
    "vibrance_neg": ("vibrance", (-50, -100), (0.3, 0.6, 1.0, 1.5, 2.0)),
    "natural_contrast": ("natural_contrast", (50, 100), (0.3, 0.5, 0.7, 1.0, 1.5)),
    "natural_contrast_neg": ("natural_contrast", (-50, -100), (0.3, 0.5, 0.7, 1.0, 1.5)),
    "sharpen_amount": ("sharpness", (50, 100), (0.5, 1.0, 2.0, 3.0)),
    "soften_amount": ("sharpness", (-50, -100), (0.3, 0.6, 1.0, 1.5)),
    "vignette_brightness_neg": ("vignette", (-50, -100), (0.3, 0.5, 0.8, 1.0)),
    # darktable lightens corners by adding linear light, as the editor does (0.3 at +100)
    "vignette_brightness": ("vignette", (50, 100), (0.2, 0.25, 0.3, 0.35)),
    "vignette_scale": ("vignette", (-50,), (20.0, 40.0, 60.0, 80.0)),
    "vignette_falloff": ("vignette", (-50,), (50.0, 100.0, 150.0)),
}
#: grain is random: both renderers draw different noise, so d cannot rank candidates; the fit
#: matches the amount of noise added instead (std of the render minus the unedited render)
GRAIN_CANDIDATES = (0.3, 0.5, 0.7, 0.9, 1.1, 1.3)


def fit_scalars(editor: EditorFn, dt: DarktableSide, image: np.ndarray, boxes: list[tuple],
                cal: M.Calibration, log: Callable[[str], None],
                only: Sequence[str] | None = None) -> None:
    targets = {}
    for name, (tool, values, candidates) in SCALAR_FITS.items():
        if only and tool not in only:
            continue
        def error_of(candidate: float) -> float:
            cal.scales[name] = candidate
            _install(cal)
            err = 0.0
            for value in values:
                key = (tool, value)
                if key not in targets:
                    targets[key] = editor(image, Program({tool: value}))
                err += per_photo(distance, targets[key], dt.render(Program({tool: value})), boxes)
            return err / len(values)

        candidates = list(candidates)
        errors = [error_of(c) for c in candidates]
        # one refinement step: the midpoints either side of the best grid point, or a step
        # beyond the grid when the best is at its edge
        i = int(np.argmin(errors))
        grid = list(candidates)
        for j in (i - 1, i + 1):
            if 0 <= j < len(grid):
                extra = (grid[i] + grid[j]) / 2
            else:
                extra = grid[i] / 2 if j < 0 else grid[i] * 1.5
            candidates.append(round(extra, 4))
            errors.append(error_of(candidates[-1]))
        best = candidates[int(np.argmin(errors))]
        cal.scales[name] = best
        _install(cal)
        log(f"  {name}: {best} (d {min(errors):.4f}; tried "
            + ", ".join(f"{c}:{e:.4f}" for c, e in zip(candidates, errors)) + ")")
    if not only or "grain" in only:
        base_e, base_d = editor(image, Program({})), dt.render(Program({}))
        want = float(np.std(editor(image, Program({"grain": 50})) - base_e))
        got = {}
        for candidate in GRAIN_CANDIDATES:
            cal.scales["grain_strength"] = candidate
            _install(cal)
            got[candidate] = float(np.std(dt.render(Program({"grain": 50})) - base_d))
        best = min(got, key=lambda c: abs(got[c] - want))
        cal.scales["grain_strength"] = best
        _install(cal)
        log(f"  grain_strength: {best} (noise std {got[best]:.4f}, editor {want:.4f})")
    for tool in M.TONE_TOOLS:
        if only and tool not in only:
            continue
        errors = {}
        for mode in (0, 1):  # per channel, luminance-preserving
            cal.scales[f"preserve_{tool}"] = mode
            _install(cal)
            err = 0.0
            for value in (50, -50):
                key = (tool, value)
                if key not in targets:
                    targets[key] = editor(image, Program({tool: value}))
                err += per_photo(distance, targets[key], dt.render(Program({tool: value})), boxes)
            errors[mode] = err / 2
        best = min(errors, key=errors.get)
        cal.scales[f"preserve_{tool}"] = best
        _install(cal)
        log(f"  preserve_{tool}: {'luminance' if best else 'per channel'} "
            f"(d {errors[0]:.4f} per channel, {errors[1]:.4f} luminance)")


def _install(cal: M.Calibration) -> None:
    """Make the mapping use ``cal`` in this process (without writing the file)."""
    M.calibration = lambda: cal  # type: ignore[assignment]


# --- the table ------------------------------------------------------------------------------------
def measure(editor: EditorFn, dt: DarktableSide, image: np.ndarray, boxes: list[tuple],
            tools: Sequence[str], values: Sequence[int], log: Callable[[str], None]) -> list[dict]:
    rows = []
    source = image.astype(np.float64) / 255.0
    base_e, base_d = editor(image, Program({})), dt.render(Program({}))
    rows.append({"tool": "(none)", "value": 0, "d": per_photo(distance, base_e, base_d, boxes),
                 "de": per_photo(delta_e, base_e, base_d, boxes),
                 "effect": per_photo(distance, base_e, source, boxes)})
    for tool in tools:
        for value in values:
            program = Program({tool: value})
            ours, theirs = editor(image, program), dt.render(program)
            rows.append({"tool": tool, "value": value,
                         "d": per_photo(distance, ours, theirs, boxes),
                         "de": per_photo(delta_e, ours, theirs, boxes),
                         "effect": per_photo(distance, ours, source, boxes)})
            log(f"  {tool:>16} {value:+4d}  d {rows[-1]['d']:.4f}  dE {rows[-1]['de']:.2f}  "
                f"(edit moves the photo by d {rows[-1]['effect']:.4f})")
    return rows


def markdown(rows: list[dict], values: Sequence[int], meta: dict) -> str:
    lines = [
        "# darktable fidelity of the `default` profile",
        "",
        "Generated by `python benchmarks/fidelity.py" + (" --fit" if meta["fit"] else "")
        + " --markdown docs/fidelity.md`; do not edit by hand.",
        "",
        f"Each cell: d (IEA paper distance, RGB 0..1) / mean CIEDE2000 between iea's editor "
        f"(`default` profile) and darktable-cli {meta['darktable']} rendering the sidecar iea "
        f"writes, averaged over {meta['photos']} photos ({', '.join(PHOTOS)}; "
        f"{meta['size']} px long side, tiled into one mosaic). The last column is how far the "
        f"edit at +50 moves the photo at all (d to the unedited photo), for scale. "
        f"Target: d <= {TARGET_D} at +/-50. Calibration: {meta['calibration']}.",
        "",
        "| tool | " + " | ".join(f"{v:+d}" for v in values) + " | effect at +50 |",
        "| --- | " + " | ".join("---" for _ in values) + " | --- |",
    ]
    by_tool: dict[str, dict[int, dict]] = {}
    for row in rows:
        by_tool.setdefault(row["tool"], {})[row["value"]] = row
    base = by_tool.pop("(none)", {}).get(0)
    for tool, cells in by_tool.items():
        texts = []
        for v in values:
            c = cells.get(v)
            if c is None:
                texts.append("")
                continue
            flag = " **!**" if abs(v) == 50 and c["d"] > TARGET_D else ""
            texts.append(f"{c['d']:.4f} / {c['de']:.2f}{flag}")
        effect = cells.get(50, cells.get(values[-1]))
        lines.append(f"| {tool} | " + " | ".join(texts) + f" | {effect['effect']:.4f} |")
    if base:
        lines += ["", f"Unedited (identity) render: d {base['d']:.4f}, dE {base['de']:.2f}."]
    over = [f"{r['tool']} {r['value']:+d} (d {r['d']:.3f})" for r in rows
            if abs(r["value"]) == 50 and r["d"] > TARGET_D]
    lines += ["", "Above target at +/-50: " + (", ".join(over) if over else "none") + ".",
              "", f"{meta['renders']} darktable renders in {meta['seconds']:.0f} s.", "",
              "Known limits:", "",
              "- grain: the editor and darktable draw different random noise, so d measures two "
              "independent noise fields (about the noise's own size) rather than a mismatch; the "
              "fit matches the amount of noise instead.",
              "- vignette: darker corners multiply linear light, lighter corners add to it (0.3 "
              "a w(r) in the editor), as darktable's vignette does for each sign.",
              "- tools with local support (natural_contrast, sharpness) depend on the photo's size; "
              "they are measured at this size.", ""]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tools", nargs="+", default=list(TOOL_NAMES), choices=TOOL_NAMES)
    parser.add_argument("--values", nargs="+", type=int, default=list(DEFAULT_VALUES))
    parser.add_argument("--size", type=int, default=384, help="long side of each photo (px)")
    parser.add_argument("--fit", action="store_true",
                        help="measure the editor and write iea_core/hosts/darktable_calibration.json")
    parser.add_argument("--no-table", action="store_true", help="only fit")
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown here")
    parser.add_argument("--json", type=Path, help="also write the raw rows as JSON here")
    parser.add_argument("--from-json", type=Path, metavar="ROWS",
                        help="only format rows saved by an earlier --json run (no rendering)")
    parser.add_argument("--editor", default="iea_core.editor:render",
                        help="MODULE:FUNCTION of the editor to compare with")
    args = parser.parse_args(argv)
    log = lambda text: print(text, flush=True)  # noqa: E731
    if args.from_json:
        saved = json.loads(args.from_json.read_text())
        text = markdown(saved["rows"], saved["values"], saved["meta"])
        print(text)
        if args.markdown:
            args.markdown.write_text(text)
        return 0

    editor = load_editor(args.editor)
    photos = load_photos(args.size)
    image, boxes = mosaic(photos)
    log(f"mosaic {image.shape[1]}x{image.shape[0]} of {len(photos)} photos")
    dt = DarktableSide(image)
    start = time.perf_counter()
    try:
        if args.fit:
            cal = M.Calibration(source="fitted by benchmarks/fidelity.py --fit")
            if set(args.tools) != set(TOOL_NAMES):
                # a partial fit keeps every other tool's fitted scales
                cal.scales.update(M.calibration().scales)
            log("fitting the editor's response on grey patches")
            fit_editor_response(editor, cal, log)
            _install(cal)
            log("fitting scalar mappings against darktable renders")
            fit_scalars(editor, dt, image, boxes, cal, log, only=args.tools)
            M.CALIBRATION_PATH.write_text(cal.to_json() + "\n")
            log(f"wrote {M.CALIBRATION_PATH}")
        if args.no_table:
            return 0
        log("measuring")
        rows = measure(editor, dt, image, boxes, args.tools, args.values, log)
        import subprocess

        version = subprocess.run([D.darktable_cli(), "--version"], capture_output=True,
                                 text=True).stdout.split("\n")[0].replace("this is darktable-cli ",
                                                                         "")
        meta = {"fit": args.fit, "darktable": version, "photos": len(photos), "size": args.size,
                "calibration": M.calibration().source, "renders": dt.count,
                "seconds": time.perf_counter() - start}
        text = markdown(rows, args.values, meta)
        print()
        print(text)
        if args.markdown:
            args.markdown.write_text(text)
        if args.json:
            args.json.write_text(json.dumps({"rows": rows, "values": args.values, "meta": meta},
                                            indent=1))
    finally:
        dt.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
