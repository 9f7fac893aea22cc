"""Stage-1 SFT records from real before/after pairs (IEA section 3.2).

For each pair the parameter search (``iea_core.search.recover_program``: IEA's coarse-to-fine
per-tool line search) recovers the program whose render of *before* is closest to *after*; the
target's reasoning comes from templates (or, at paper scale, a teacher model's text placed in the
pairs file). Each pair yields an Image-Edit record and an Image-Summary record.

Pairs file (JSONL, paths relative to it): ``{"before": "a.jpg", "after": "a_expert.jpg",
"instruction": "brighten it and warm it up", "reasoning": "(optional teacher text)"}``.
"""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np

from iea_core.errors import TrainingError
from iea_core.program import Program

from . import language
from .records import Record
from .synthetic import _save_png


def read_pairs(path: str | Path) -> list[dict[str, Any]]:
    path = Path(path)
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TrainingError(f"{path}:{number}: not JSON ({exc.msg})") from None
        if not isinstance(item, dict) or "before" not in item or "after" not in item:
            raise TrainingError(f"{path}:{number}: needs 'before' and 'after'")
        item["before"] = str((path.parent / item["before"]).resolve())
        item["after"] = str((path.parent / item["after"]).resolve())
        pairs.append(item)
    return pairs


def _load(path: str, max_side: int) -> np.ndarray:
    from .synthetic import load_sources

    return load_sources([path], max_side)[0].pixels


def _pairs_tag(pairs: list[dict[str, Any]]) -> str:
    """``s1-`` + 8 hex digits naming the pairs list, so that Stage-1 sets built from different
    pairs files never share a record id when mixed."""
    import hashlib

    digest = hashlib.sha1()
    for pair in pairs:
        digest.update(f"{pair['before']}|{pair['after']}|{pair.get('instruction', '')}\n"
                      .encode("utf-8", "replace"))
    return f"s1-{digest.hexdigest()[:8]}"


def build_stage1(pairs: list[dict[str, Any]], out_dir: str | Path, *, max_side: int = 448,
                 search_size: int = 0, profile: str = "default", seed: int = 0,
                 budget: int | None = None, teacher: Any = None) -> list[Record]:
    """Recover each pair's program and write Edit + Summary records with copies of the images
    (downsized to ``max_side``) under ``out_dir/images``. Reasoning: the pairs file's text, else
    ``teacher(before, after, program, instruction)`` (see ``teacher.py``), else templates."""
    from iea_core.search import recover_program

    rng = random.Random(seed)
    out = Path(out_dir)
    records: list[Record] = []
    tag = _pairs_tag(pairs)
    # GIER lists several instructions per expert pair (2.4k pairs -> 25.8k Image-Edit items in
    # the paper): lines with the same before/after share one search, one image copy and one
    # Summary record, and each instruction becomes its own Edit record.
    searched: dict[tuple[str, str], tuple[str, Program, float, np.ndarray, np.ndarray]] = {}
    for k, pair in enumerate(pairs):
        key = (str(pair["before"]), str(pair["after"]))
        first = key not in searched
        if first:
            before, after = _load(pair["before"], max_side), _load(pair["after"], max_side)
            if before.shape != after.shape:
                from PIL import Image

                after = np.asarray(Image.fromarray(after).resize(before.shape[1::-1]))
            program, distance = recover_program(before, after, profile=profile,
                                                max_size=search_size or max_side, budget=budget)
            stem = f"{tag}-{len(searched):06d}"
            searched[key] = (stem, Program(program.to_dict()), float(distance), before, after)
            _save_png(before, out / f"images/{stem}.png")
            _save_png(after, out / f"images/{stem}_ref.png")
        stem, program, distance, before, after = searched[key]
        before_rel, after_rel = f"images/{stem}.png", f"images/{stem}_ref.png"
        instruction = str(pair.get("instruction") or "")
        thought = str(pair.get("reasoning") or "")
        if not thought and teacher is not None:
            thought = teacher(before, after, program, instruction) or ""
        thought = thought or language.reasoning(program, rng, instruction)
        records.append(Record(
            id=f"{stem}-edit" if first else f"{stem}-edit-{k:06d}", task="edit",
            source="stage1", image=before_rel, reference=after_rel, instruction=instruction,
            program=program.to_dict(), reasoning=thought, distance=distance))
        if not first:
            continue
        summary = instruction or language.summary_sentence(program, rng)
        records.append(Record(
            id=f"{stem}-summary", task="summary", source="stage1", image=before_rel,
            reference=after_rel, summary=summary, program=program.to_dict(),
            reasoning="The right side differs from the left: "
                      + language.reasoning(program, rng).replace("\n", " "),
            distance=distance))
    return records
