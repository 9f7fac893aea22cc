"""Training data: Stage-1 records from real pairs, Stage-3 synthetic records, reward-model pairs.

Entry points: :func:`build_synthetic_dataset` and :func:`build_stage1_dataset` write
``<out>/<name>.jsonl`` + ``<out>/images/`` + ``<out>/<name>.card.md``; ``iea train data`` wraps
them.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

from .card import write_card
from .records import Record, read_records, write_records
from .synthetic import build_synthetic, load_sources, rm_pairs, sample_program

SYNTHETIC_HOW = """\
Latent programs of 2 to 7 tools were sampled with strengths from IEA's bins (light 15-30, medium
45-60, heavy 75-90, extreme 100, random sign) and rendered on the source photos with iea's editor
(profile `{profile}`). Instructions come from templates in two registers (expert: tools and
degrees; amateur: visible effects). Summary targets are one sentence from the same templates.
Refine records pair a first edit with a related program differing in one or two tools and
feedback worded from that difference. Reasoning is templated and never contains numbers."""

STAGE1_HOW = """\
Real before/after pairs; each pair's program was recovered by iea's parameter search (IEA's
coarse-to-fine per-tool line search, profile `{profile}`, search size {search_size} px), and the
recovered distance d is stored per record. Reasoning is the teacher text from the pairs file when
given, else written by the teacher model when one is set (numbers refused), templated otherwise."""


def build_synthetic_dataset(photos: Sequence[str | Path], out_dir: str | Path, *,
                            n_programs: int, n_rm_references: int = 0, seed: int = 0,
                            max_side: int = 448, profile: str = "default",
                            refine_fraction: float = 0.3, name: str = "stage3") -> dict[str, Any]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sources = load_sources(photos, max_side)
    records = build_synthetic(sources, out, n_programs=n_programs, seed=seed,
                              refine_fraction=refine_fraction, profile=profile)
    write_records(out / f"{name}.jsonl", records)
    pairs = rm_pairs(n_rm_references, seed=seed + 1) if n_rm_references else []
    if pairs:
        from iea_core.fileio import atomic_write_text

        atomic_write_text(out / "rm_pairs.jsonl",
                          "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs))
    settings = {"photos": len(sources), "n_programs": n_programs, "seed": seed,
                "max_side": max_side, "profile": profile, "refine_fraction": refine_fraction}
    write_card(out / f"{name}.card.md", name, records, SYNTHETIC_HOW.format(profile=profile),
               rm_pairs=pairs, settings=settings)
    return {"records": len(records), "rm_pairs": len(pairs), "jsonl": str(out / f"{name}.jsonl")}


def build_stage1_dataset(pairs_file: str | Path, out_dir: str | Path, *, seed: int = 0,
                         max_side: int = 448, search_size: int = 0, profile: str = "default",
                         name: str = "stage1", teacher: Any = None) -> dict[str, Any]:
    from .stage1 import build_stage1, read_pairs

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    search_size = search_size or max_side  # recover programs at the size training renders at
    records = build_stage1(read_pairs(pairs_file), out, max_side=max_side,
                           search_size=search_size, profile=profile, seed=seed, teacher=teacher)
    write_records(out / f"{name}.jsonl", records)
    settings = {"pairs_file": str(pairs_file), "seed": seed, "max_side": max_side,
                "search_size": search_size, "profile": profile,
                "teacher": getattr(teacher, "describe", lambda: None)() if teacher else None}
    write_card(out / f"{name}.card.md", name, records,
               STAGE1_HOW.format(profile=profile, search_size=search_size), settings=settings)
    return {"records": len(records), "jsonl": str(out / f"{name}.jsonl")}


__all__ = ["Record", "read_records", "write_records", "build_synthetic", "rm_pairs",
           "sample_program", "build_synthetic_dataset", "build_stage1_dataset", "write_card"]
