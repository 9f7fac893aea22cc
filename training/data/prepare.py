"""Records -> rows a TRL trainer reads (prompt messages, image paths, reward columns).

The prompt of every row is built by the agent's own prompt code (``vlm_common``), so training and
inference see identical text; the model's image (the photo, or the side-by-side composite for
Refine and Summary) is written once to ``cache_dir`` and referenced by path.
"""
from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any, Sequence

from .records import Record, prompt_for, read_records


def _structured(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every content as a list of {type, text} parts: Arrow needs one type per column."""
    out = []
    for message in messages:
        content = message["content"]
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        else:
            content = [{"type": p["type"], "text": p.get("text")} for p in content]
        out.append({"role": message["role"], "content": content})
    return out


def prepare_rows(records: Sequence[Record], base: str | Path, cache_dir: str | Path, *,
                 max_side: int = 448, with_completion: bool = True,
                 tasks: Sequence[str] | None = None) -> list[dict[str, Any]]:
    from iea_core.agent.vlm_common import PromptSet

    base, cache = Path(base), Path(cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    prompts = PromptSet.load()
    rows = []
    for record in records:
        if tasks is not None and record.task not in tasks:
            continue
        messages, images = prompt_for(record, base, prompts, max_side)
        image_path = cache / f"{record.id}-{_image_key(record, base, max_side)}.png"
        if not image_path.exists():
            images[0].save(image_path)
        row: dict[str, Any] = {
            "id": record.id,
            "prompt": _structured(messages),
            "images": [str(image_path)],
            "task": record.task,
            "original_path": str(base / record.image),
            "reference_path": str(base / record.reference) if record.reference else "",
            "summary": record.summary,
        }
        if with_completion:
            row["completion"] = [{"role": "assistant",
                                  "content": [{"type": "text", "text": record.target_text()}]}]
        rows.append(row)
    return rows


def _image_key(record: Record, base: Path, max_side: int) -> str:
    """What the cached model image is made of (files and size): a cache entry is never reused for
    another record's photo, even if two records share an id."""
    import hashlib

    parts = [str(max_side), record.task]
    for rel in (record.image, record.reference, record.previous):
        parts.append(str((base / rel).resolve()) if rel else "")
    return hashlib.sha1("|".join(parts).encode("utf-8")).hexdigest()[:12]


def resample(items: Sequence[Any], ratio: float, rng: random.Random) -> list[Any]:
    """``ratio`` copies of ``items``: whole copies plus a random subset for the fraction
    (IEA re-samples Stage-1 data into Stage 3 this way).

    >>> len(resample(list(range(10)), 2.5, random.Random(0)))
    25
    """
    whole = int(math.floor(ratio))
    out = list(items) * whole
    extra = int(round((ratio - whole) * len(items)))
    out += rng.sample(list(items), extra)
    return out


def load_mixture(train_file: str | Path, mix_files: Sequence[str] = (),
                 mix_ratios: Sequence[float] = (), seed: int = 0) -> list[tuple[Record, Path]]:
    """(record, base folder) for the main file and the mixed-in files at their ratios."""
    rng = random.Random(seed)
    items = [(r, Path(train_file).parent) for r in read_records(train_file)]

    def files_of(record: Record, base: Path) -> tuple[str, ...]:
        return tuple(str((base / rel).resolve()) if rel else ""
                     for rel in (record.image, record.reference, record.previous))

    owners = {r.id: (str(train_file), files_of(r, b)) for r, b in items}
    ratios = list(mix_ratios) or [1.0] * len(mix_files)
    for mix_file, ratio in zip(mix_files, ratios):
        mixed = [(r, Path(mix_file).parent) for r in read_records(mix_file)]
        for record, base in mixed:
            owner, files = owners.setdefault(record.id, (str(mix_file), files_of(record, base)))
            if files != files_of(record, base):  # one id, two different photos
                from iea_core.errors import TrainingError

                raise TrainingError(
                    f"record id {record.id!r} names different images in {owner} and "
                    f"{mix_file}; ids must be unique across mixed files (rebuild one shard "
                    "with another --seed or --name)")
        items += resample(mixed, float(ratio), rng)
    rng.shuffle(items)
    return items


def to_dataset(rows: list[dict[str, Any]]):
    """A ``datasets.Dataset`` whose ``images`` column decodes paths to PIL images lazily."""
    from datasets import Dataset, Image, Sequence as HfSequence

    dataset = Dataset.from_list(rows)
    return dataset.cast_column("images", HfSequence(Image()))


def rows_for_mixture(items: Sequence[tuple[Record, Path]], cache_dir: str | Path, *,
                     max_side: int, with_completion: bool = True,
                     tasks: Sequence[str] | None = None) -> list[dict[str, Any]]:
    rows = []
    for record, base in items:
        rows += prepare_rows([record], base, cache_dir, max_side=max_side,
                             with_completion=with_completion, tasks=tasks)
    return rows
