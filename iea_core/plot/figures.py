"""The figure functions behind :mod:`iea_core.plot`. Each writes one PNG atomically and returns
its path."""
from __future__ import annotations

import io
import textwrap
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from ..fileio import atomic_write_bytes
from ..program import Program
from ..tools import TOOL_NAMES

LUMA = np.array([0.2126, 0.7152, 0.0722])
POSITIVE, NEGATIVE = "#d9822b", "#2b7bd9"


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _float(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return image[..., :3].astype(np.float32) / 255
    if image.dtype == np.uint16:
        return image[..., :3].astype(np.float32) / 65535
    return np.clip(image[..., :3], 0, 1).astype(np.float32)


def _save(fig: Any, path: str | Path, dpi: int = 100) -> Path:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    _pyplot().close(fig)
    path = Path(path)
    atomic_write_bytes(path, buffer.getvalue())
    return path


def _histogram(ax: Any, image: np.ndarray, title: str) -> None:
    f = _float(image)
    bins = np.linspace(0, 1, 65)
    for channel, colour in enumerate(("#d62728", "#2ca02c", "#1f77b4")):
        counts, _ = np.histogram(f[..., channel], bins=bins)
        ax.plot(bins[:-1], counts, color=colour, lw=0.8, alpha=0.8)
    lum_counts, _ = np.histogram(f @ LUMA, bins=bins)
    ax.fill_between(bins[:-1], lum_counts, color="0.5", alpha=0.35, lw=0)
    ax.set_title(title, fontsize=9)
    ax.set_yticks([])
    ax.set_xlim(0, 1)
    ax.tick_params(labelsize=7)


def program_bars(ax: Any, program: Program) -> None:
    """The 16 tool values as a diverging horizontal bar chart in tool order."""
    values = program.to_vector()
    ys = np.arange(len(TOOL_NAMES))[::-1]
    colours = [POSITIVE if v > 0 else NEGATIVE for v in values]
    ax.barh(ys, values, color=colours, height=0.7)
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_yticks(ys, TOOL_NAMES, fontsize=8)
    ax.set_xlim(-100, 100)
    ax.tick_params(axis="x", labelsize=7)
    for y, v in zip(ys, values):
        if v:
            ax.text(v + (3 if v > 0 else -3), y, f"{v:+d}", va="center",
                    ha="left" if v > 0 else "right", fontsize=7)
    ax.set_title("program", fontsize=9)


def edit_card(before: np.ndarray, after: np.ndarray, program: Program | Mapping[str, int],
              reasoning: str, path: str | Path, *, title: str | None = None) -> Path:
    """One PNG explaining an edit: photos, histograms, the program and the agent's reasoning."""
    plt = _pyplot()
    program = program if isinstance(program, Program) else Program(program)
    fig = plt.figure(figsize=(13, 7.0))
    grid = fig.add_gridspec(3, 3, height_ratios=[3.2, 1.1, 0.9], width_ratios=[1, 1, 0.7],
                            hspace=0.35, wspace=0.45, left=0.03, right=0.97, top=0.94,
                            bottom=0.03)
    for col, (image, label) in enumerate(((before, "before"), (after, "after"))):
        ax = fig.add_subplot(grid[0, col])
        ax.imshow(_float(image))
        ax.set_title(label, fontsize=10)
        ax.axis("off")
        _histogram(fig.add_subplot(grid[1, col]), image, f"{label}: luminance and RGB")
    program_bars(fig.add_subplot(grid[0:2, 2]), program)
    text_ax = fig.add_subplot(grid[2, :])
    text_ax.axis("off")
    body = reasoning.strip() or program.reasoning or "(no reasoning given)"
    wrapped = "\n".join(textwrap.wrap(" ".join(body.split()), 150)[:6])
    text_ax.text(0, 1, wrapped, va="top", ha="left", fontsize=9, family="sans-serif")
    if title:
        fig.suptitle(title, fontsize=11)
    return _save(fig, path)


def tool_strip(image: np.ndarray, path: str | Path, profile: str = "default",
               values: Sequence[int] = (-100, -50, 50, 100), *, max_size: int = 200) -> Path:
    """Every tool at each of ``values`` on ``image``: one row per tool, original first."""
    from ..editor import render
    from ..imageio import resize_max

    plt = _pyplot()
    small = resize_max(np.asarray(image), max_size)
    cols = len(values) + 1
    h, w = small.shape[:2]
    fig, axes = plt.subplots(len(TOOL_NAMES), cols, figsize=(cols * 1.6 * w / h + 1.0,
                                                             len(TOOL_NAMES) * 1.6))
    for row, tool in enumerate(TOOL_NAMES):
        for col in range(cols):
            ax = axes[row, col]
            shown = small if col == 0 else render(small, {tool: values[col - 1]}, profile)
            ax.imshow(_float(shown))
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title("original" if col == 0 else f"{values[col - 1]:+d}", fontsize=9)
            if col == 0:
                ax.set_ylabel(tool, fontsize=9, rotation=0, ha="right", va="center")
    fig.suptitle(f"iea tools, profile '{profile}'", fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.985))
    return _save(fig, path, dpi=80)


def contact_sheet(items: Sequence[tuple], path: str | Path, *, columns: int = 2) -> Path:
    """Before/after thumbnails: ``items`` are ``(before, after)`` or ``(before, after, label)``."""
    plt = _pyplot()
    if not items:
        raise ValueError("contact_sheet needs at least one (before, after) pair")
    rows = -(-len(items) // columns)
    fig, axes = plt.subplots(rows, columns * 2, figsize=(columns * 2 * 2.2, rows * 2.0),
                             squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for i, item in enumerate(items):
        before, after = item[0], item[1]
        label = item[2] if len(item) > 2 else f"#{i + 1}"
        r, c = divmod(i, columns)
        axes[r, 2 * c].imshow(_float(before))
        axes[r, 2 * c].set_title(f"{label}: before", fontsize=7)
        axes[r, 2 * c + 1].imshow(_float(after))
        axes[r, 2 * c + 1].set_title("after", fontsize=7)
    fig.tight_layout()
    return _save(fig, path, dpi=90)


def metrics_bars(table: Mapping[str, Mapping[str, float]], path: str | Path, *,
                 title: str = "Table 2 metrics") -> Path:
    """Bars per metric (one panel each), one bar per backend/model: ``{model: {metric: v}}``."""
    plt = _pyplot()
    models = list(table)
    metrics = sorted({m for row in table.values() for m in row},
                     key=lambda m: ["L", "R_L", "R_U", "ROUGE-L", "RM"].index(m)
                     if m in ["L", "R_L", "R_U", "ROUGE-L", "RM"] else 99)
    if not metrics:
        raise ValueError("metrics_bars needs at least one metric")
    fig, axes = plt.subplots(1, len(metrics), figsize=(2.6 * len(metrics) + 0.5, 3.2),
                             squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        vals = [table[m].get(metric, np.nan) for m in models]
        ax.bar(range(len(models)), vals, color=[POSITIVE if (v or 0) >= 0 else NEGATIVE
                                                for v in vals])
        ax.set_xticks(range(len(models)), models, rotation=30, ha="right", fontsize=7)
        ax.set_title(metric, fontsize=9)
        ax.axhline(0, color="0.3", lw=0.6)
        ax.tick_params(axis="y", labelsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return _save(fig, path)


def sign_accuracy_bars(accuracy: Mapping[str, float], path: str | Path, *,
                       title: str = "sign accuracy per tool") -> Path:
    plt = _pyplot()
    tools = [t for t in TOOL_NAMES if t in accuracy] + [t for t in accuracy if t not in TOOL_NAMES]
    fig, ax = plt.subplots(figsize=(8, 3.2))
    vals = [accuracy[t] for t in tools]
    ax.bar(range(len(tools)), vals, color=[POSITIVE if v >= 0.95 else NEGATIVE for v in vals])
    ax.axhline(0.95, color="0.3", lw=0.8, ls="--")
    ax.set_ylim(0, 1.02)
    ax.set_xticks(range(len(tools)), tools, rotation=45, ha="right", fontsize=8)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return _save(fig, path)


def curves(series: Mapping[str, Sequence[float]], path: str | Path, *,
           title: str = "training", xlabel: str = "step") -> Path:
    """One panel per series (loss, reward, ...) over steps."""
    plt = _pyplot()
    names = [n for n, v in series.items() if len(v)]
    if not names:
        raise ValueError("curves needs at least one non-empty series")
    fig, axes = plt.subplots(1, len(names), figsize=(3.4 * len(names) + 0.4, 2.8),
                             squeeze=False)
    for ax, name in zip(axes[0], names):
        ax.plot(np.arange(1, len(series[name]) + 1), series[name], lw=1.2)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.tick_params(labelsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return _save(fig, path)
