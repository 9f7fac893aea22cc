"""The figure functions behind :mod:`iea_core.plot`. Each writes one PNG atomically and returns
its path. matplotlib is imported on first use, with the headless Agg backend."""
from __future__ import annotations

import io
import textwrap
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from ..fileio import atomic_write_bytes
from ..imageio import resize_max
from ..imageio import to_float as _float
from ..program import Program
from ..tools import TOOL_NAMES

LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)  # Rec. 709 / sRGB weights
POSITIVE, NEGATIVE, MUTED = "#d9822b", "#2b7bd9", "0.55"
METRIC_ORDER = ("L", "R_L", "R_U", "ROUGE-L", "RM")
#: metrics where a smaller value is better (drawn with a note so bars are read the right way)
LOWER_IS_BETTER = frozenset({"L", "d", "distance", "loss"})


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _thumb(image: np.ndarray, max_size: int) -> np.ndarray:
    """float32 0..1 RGB with the long side at most ``max_size`` (never upscaled)."""
    return _float(resize_max(np.asarray(image), max_size))


def _save(fig: Any, path: str | Path, dpi: int = 100, *, palette: bool = False) -> Path:
    """PNG bytes written atomically. ``palette`` stores 256 adaptive colours (dithered) instead
    of 24-bit RGB: 2-3x smaller files for figures that go into docs, at a cost in fine grain.

    The canvas is drawn once and encoded once by Pillow (matplotlib's own PNG writer would be a
    second full encode when a palette is wanted)."""
    from PIL import Image

    fig.set_dpi(dpi)
    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())
    _pyplot().close(fig)
    image = Image.fromarray(np.ascontiguousarray(rgba[..., :3]))
    if palette:
        # an adaptive palette, then Floyd-Steinberg dithering against it: without dithering,
        # smooth skies and greys posterise visibly and misrepresent what a tool does
        palette_image = image.quantize(256, method=Image.Quantize.FASTOCTREE)
        image = image.quantize(palette=palette_image, dither=Image.Dither.FLOYDSTEINBERG)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=palette, compress_level=6)
    path = Path(path)
    atomic_write_bytes(path, buffer.getvalue())
    return path


def _as_program(program: Program | Mapping[str, int]) -> Program:
    return program if isinstance(program, Program) else Program(program)


def program_label(program: Program | Mapping[str, int], limit: int = 4) -> str:
    """``"exposure +20, fade +10, ..."``: the largest values first, at most ``limit`` tools."""
    values = _as_program(program).to_dict()
    if not values:
        return "no change"
    ranked = sorted(values.items(), key=lambda kv: -abs(kv[1]))
    shown = ", ".join(f"{tool} {value:+d}" for tool, value in ranked[:limit])
    return shown + (f" (+{len(ranked) - limit} more)" if len(ranked) > limit else "")


def _histograms(images: Sequence[np.ndarray], max_samples: int = 400_000
                ) -> tuple[np.ndarray, list[np.ndarray]]:
    """Per image: 64-bin counts of R, G, B and luminance (rows), normalised to fractions."""
    bins = np.linspace(0, 1, 65)
    out = []
    for image in images:
        f = _float(image)
        step = max(1, int(np.sqrt(f.shape[0] * f.shape[1] / max_samples)))
        f = f[::step, ::step].reshape(-1, 3)
        rows = [np.histogram(f[:, c], bins=bins)[0] for c in range(3)]
        rows.append(np.histogram(f @ LUMA, bins=bins)[0])
        out.append(np.array(rows, dtype=np.float64) / max(1, f.shape[0]))
    return bins, out


def _draw_histogram(ax: Any, bins: np.ndarray, counts: np.ndarray, title: str,
                    top: float) -> None:
    centres = (bins[:-1] + bins[1:]) / 2
    ax.fill_between(centres, counts[3], color="0.45", alpha=0.35, lw=0, label="luminance")
    for row, colour in zip(counts[:3], ("#d62728", "#2ca02c", "#1f77b4")):
        ax.plot(centres, row, color=colour, lw=0.9, alpha=0.85)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, top)
    ax.set_yticks([])
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1], ["black", "", "mid", "", "white"])
    ax.tick_params(labelsize=7, length=2)
    ax.set_title(title, fontsize=9, loc="left")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


def program_bars(ax: Any, program: Program | Mapping[str, int]) -> None:
    """The 16 tool values as a diverging horizontal bar chart in tool order (unused tools grey)."""
    values = _as_program(program).to_vector()
    ys = np.arange(len(TOOL_NAMES))[::-1]
    ax.barh(ys, values, color=[POSITIVE if v > 0 else NEGATIVE for v in values], height=0.72)
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_yticks(ys, TOOL_NAMES, fontsize=8.5)
    for label, v in zip(ax.get_yticklabels(), values):
        label.set_color("black" if v else MUTED)
        label.set_fontweight("bold" if v else "normal")
    ax.set_xlim(-110, 110)
    ax.set_xticks([-100, -50, 0, 50, 100])
    ax.tick_params(axis="x", labelsize=7)
    ax.grid(axis="x", color="0.9", lw=0.6)
    ax.set_axisbelow(True)
    for y, v in zip(ys, values):
        if v:
            ax.text(v + (4 if v > 0 else -4), y, f"{v:+d}", va="center",
                    ha="left" if v > 0 else "right", fontsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title("program (-100 .. +100)", fontsize=10)


def edit_card(before: np.ndarray, after: np.ndarray, program: Program | Mapping[str, int],
              reasoning: str, path: str | Path, *, title: str | None = None,
              max_size: int = 900, palette: bool = False) -> Path:
    """One PNG that explains an edit without JSON: before and after, their luminance and RGB
    histograms (same scale, so shifts are visible), the program as a diverging bar chart of the 16
    values in tool order, and the agent's reasoning wrapped underneath."""
    plt = _pyplot()
    program = _as_program(program)
    b, a = _thumb(before, max_size), _thumb(after, max_size)
    aspect = b.shape[0] / b.shape[1]
    photo_h = min(5.2, 5.4 * aspect)  # inches: photos get most of the card
    fig = plt.figure(figsize=(14, photo_h + 3.3))
    rows = dict(height_ratios=[photo_h, 1.25, 0.75], hspace=0.28, top=0.92, bottom=0.02)
    grid = fig.add_gridspec(3, 2, wspace=0.09, left=0.015, right=0.735, **rows)
    side = fig.add_gridspec(3, 1, left=0.845, right=0.985, **rows)  # room for the tool names
    bins, (hb, ha) = _histograms([before, after])
    top = 1.08 * max(hb.max(), ha.max())
    for col, (image, hist, label) in enumerate(((b, hb, "before"), (a, ha, "after"))):
        ax = fig.add_subplot(grid[0, col])
        ax.imshow(image, interpolation="antialiased")
        ax.set_title(label, fontsize=11)
        ax.axis("off")
        _draw_histogram(fig.add_subplot(grid[1, col]), bins, hist,
                        f"{label}: luminance (grey) and R, G, B", top)
    program_bars(fig.add_subplot(side[0:2, 0]), program)
    text_ax = fig.add_subplot(grid[2, :])
    text_ax.axis("off")
    body = " ".join((reasoning or program.reasoning or "(no reasoning given)").split())
    lines = textwrap.wrap(body, 190)
    if len(lines) > 5:
        lines = lines[:5]
        lines[-1] = lines[-1][:186] + " ..."
    text_ax.text(0.005, 0.95, "\n".join(lines), va="top", ha="left", fontsize=9.5,
                 linespacing=1.4)
    fig.suptitle(title or program_label(program, limit=6), fontsize=12, x=0.015, ha="left")
    return _save(fig, path, palette=palette)


def _mosaic(tiles: Sequence[Sequence[np.ndarray]], gap: int) -> np.ndarray:
    """Rows of equally sized float tiles -> one white-separated float image."""
    h, w = tiles[0][0].shape[:2]
    rows, cols = len(tiles), max(len(r) for r in tiles)
    out = np.ones((rows * h + (rows - 1) * gap, cols * w + (cols - 1) * gap, 3), np.float32)
    for r, row in enumerate(tiles):
        for c, tile in enumerate(row):
            y, x = r * (h + gap), c * (w + gap)
            out[y:y + h, x:x + w] = tile
    return out


def tool_strip(image: np.ndarray, path: str | Path, profile: str = "default",
               values: Sequence[int] = (-100, -50, 50, 100), *, max_size: int = 200,
               blocks: int = 2, palette: bool = False) -> Path:
    """Every tool at each of ``values`` on ``image``, labelled: the quickest way to see what each
    tool and each profile does. Tools run down the rows in tool order, split into ``blocks`` side
    by side (two blocks of eight keep the sheet landscape); each row starts with the original.

    All renders come from one ``render_batch`` call and the grid is one mosaic image, so the
    figure costs one draw instead of 80 axes.
    """
    from ..editor import render_batch

    plt = _pyplot()
    small = resize_max(np.asarray(image), max_size)
    programs = [{tool: v} for tool in TOOL_NAMES for v in values]
    renders = render_batch(small, programs, profile)
    original = _float(small)
    per_block = -(-len(TOOL_NAMES) // blocks)
    n_cols = len(values) + 1
    gap, block_gap = 4, 150  # pixels; the block gap leaves room for the next block's tool names
    th, tw = original.shape[:2]
    label_w, head_h, foot_h = 150, 62, 8
    block_w = n_cols * tw + (n_cols - 1) * gap
    width = label_w + blocks * block_w + (blocks - 1) * block_gap
    height = head_h + per_block * th + (per_block - 1) * gap + foot_h
    dpi = 100
    fig = plt.figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    for block in range(blocks):
        tools = TOOL_NAMES[block * per_block:(block + 1) * per_block]
        tiles = [[original] + [renders[TOOL_NAMES.index(t) * len(values) + k]
                               for k in range(len(values))] for t in tools]
        mosaic = _mosaic(tiles, gap)
        x0 = label_w + block * (block_w + block_gap)
        ax = fig.add_axes((x0 / width, foot_h / height + (per_block - len(tools)) * (th + gap)
                           / height, mosaic.shape[1] / width, mosaic.shape[0] / height))
        ax.imshow(mosaic, interpolation="nearest")
        ax.axis("off")
        for c in range(n_cols):
            ax.text(c * (tw + gap) + tw / 2, -6, "original" if c == 0 else f"{values[c - 1]:+d}",
                    ha="center", va="bottom", fontsize=10,
                    fontweight="bold" if c == 0 else "normal")
        for r, tool in enumerate(tools):
            ax.text(-8, r * (th + gap) + th / 2, tool, ha="right", va="center", fontsize=10.5)
    fig.text(8 / width, 1 - 6 / height, f"iea tools, profile '{profile}'",
             ha="left", va="top", fontsize=12, fontweight="bold")
    return _save(fig, path, dpi=dpi, palette=palette)


def contact_sheet(items: Sequence[tuple], path: str | Path, *, columns: int = 2,
                  thumb: int = 320) -> Path:
    """Before/after thumbnails for review (``iea style apply --sheet``).

    ``items`` are ``(before, after)``, ``(before, after, label)`` or ``(before, after, label,
    program)``; a program (or a mapping) given as the label is shown as its values.
    """
    plt = _pyplot()
    if not items:
        raise ValueError("contact_sheet needs at least one (before, after) pair")
    rows = -(-len(items) // columns)
    fig, axes = plt.subplots(rows, columns * 2, figsize=(columns * 2 * 2.4, rows * 2.15),
                             squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for i, item in enumerate(items):
        before, after = item[0], item[1]
        label = item[2] if len(item) > 2 else f"#{i + 1}"
        program = item[3] if len(item) > 3 else None
        if isinstance(label, (Program, Mapping)):
            label, program = f"#{i + 1}", label
        r, c = divmod(i, columns)
        left, right = axes[r, 2 * c], axes[r, 2 * c + 1]
        left.imshow(_thumb(before, thumb))
        left.set_title(f"{label}: before", fontsize=7.5)
        right.imshow(_thumb(after, thumb))
        right.set_title("after", fontsize=7.5)
        if program is not None:
            right.text(0.5, -0.04, program_label(program, limit=3), transform=right.transAxes,
                       ha="center", va="top", fontsize=6.5)
    fig.tight_layout()
    return _save(fig, path, dpi=90)


def _bar_labels(ax: Any, xs: Sequence[float], vals: Sequence[float]) -> None:
    for x, v in zip(xs, vals):
        if v is not None and np.isfinite(v):
            ax.text(x, v, f"{v:.3g}", ha="center", va="bottom" if v >= 0 else "top", fontsize=6.5)


def metrics_bars(table: Mapping[str, Mapping[str, float]], path: str | Path, *,
                 title: str = "Table 2 metrics") -> Path:
    """Table-2 style: one panel per metric, one bar per backend/model (``{model: {metric: v}}``).
    Metrics where lower is better say so in their panel title."""
    plt = _pyplot()
    models = list(table)
    # Table-2 metrics first in the paper's order, then the others as the caller listed them
    # (dict.fromkeys keeps first-seen order; sorted() is stable)
    seen = dict.fromkeys(m for row in table.values() for m in row)
    metrics = sorted(seen, key=lambda m: METRIC_ORDER.index(m) if m in METRIC_ORDER else 99)
    if not metrics:
        raise ValueError("metrics_bars needs at least one metric")
    panel_w = 1.6 + 0.35 * len(models)
    fig, axes = plt.subplots(1, len(metrics), figsize=(panel_w * len(metrics) + 0.5, 3.4),
                             squeeze=False)
    palette = plt.get_cmap("tab10")
    for ax, metric in zip(axes[0], metrics):
        vals = [table[m].get(metric) for m in models]
        heights = [np.nan if v is None else float(v) for v in vals]
        xs = np.arange(len(models))
        ax.bar(xs, heights, color=[palette(i % 10) for i in range(len(models))])
        _bar_labels(ax, xs, heights)
        ax.set_xticks(xs, models, rotation=35, ha="right", fontsize=7)
        ax.set_title(metric + (" (lower is better)" if metric in LOWER_IS_BETTER else ""),
                     fontsize=9)
        ax.axhline(0, color="0.3", lw=0.6)
        ax.tick_params(axis="y", labelsize=7)
        ax.margins(y=0.15)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return _save(fig, path)


def sign_accuracy_bars(accuracy: Mapping[str, float], path: str | Path, *,
                       title: str = "sign accuracy per tool", target: float = 0.95) -> Path:
    """Per-tool share of predictions whose sign matches the reference, against ``target``."""
    plt = _pyplot()
    tools = [t for t in TOOL_NAMES if t in accuracy] + [t for t in accuracy if t not in TOOL_NAMES]
    if not tools:
        raise ValueError("sign_accuracy_bars needs at least one tool")
    fig, ax = plt.subplots(figsize=(8, 3.2))
    vals = [float(accuracy[t]) for t in tools]
    xs = np.arange(len(tools))
    ax.bar(xs, vals, color=[POSITIVE if v >= target else NEGATIVE for v in vals])
    _bar_labels(ax, xs, vals)
    ax.axhline(target, color="0.3", lw=0.8, ls="--")
    ax.set_ylim(0, 1.08)
    ax.set_xticks(xs, tools, rotation=45, ha="right", fontsize=8)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return _save(fig, path)


def curves(series: Mapping[str, Sequence[float]], path: str | Path, *,
           title: str = "training", xlabel: str = "step",
           steps: Mapping[str, Sequence[float]] | None = None, smooth: int = 0) -> Path:
    """One panel per series (loss, reward, ...) over steps; ``steps`` gives x values per series
    (default 1..n), ``smooth`` > 1 overlays a moving average of that window."""
    plt = _pyplot()
    names = [n for n, v in series.items() if len(v)]
    if not names:
        raise ValueError("curves needs at least one non-empty series")
    fig, axes = plt.subplots(1, len(names), figsize=(3.4 * len(names) + 0.4, 2.8),
                             squeeze=False)
    for ax, name in zip(axes[0], names):
        ys = np.asarray(series[name], dtype=np.float64)
        xs = np.asarray(steps[name]) if steps and name in steps else np.arange(1, len(ys) + 1)
        ax.plot(xs, ys, lw=1.0, alpha=0.5 if smooth > 1 else 1.0)
        if smooth > 1 and len(ys) >= smooth:
            kernel = np.ones(smooth) / smooth
            ax.plot(xs[smooth - 1:], np.convolve(ys, kernel, mode="valid"), lw=1.6)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(color="0.92", lw=0.6)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return _save(fig, path)
