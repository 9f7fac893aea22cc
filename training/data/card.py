"""The dataset card written next to every dataset: what is in it and how it was made."""
from __future__ import annotations

import collections
import datetime as _dt
from pathlib import Path
from typing import Any, Sequence

from iea_core.fileio import atomic_write_text
from iea_core.tools import TOOL_NAMES

from .records import Record


def card_text(name: str, records: Sequence[Record], how: str, *,
              rm_pairs: Sequence[dict[str, Any]] = (), settings: dict[str, Any] | None = None) -> str:
    tasks = collections.Counter(r.task for r in records)
    sources = collections.Counter(r.source for r in records)
    strengths = collections.Counter(r.strength for r in records if r.strength)
    tools = collections.Counter(t for r in records for t in r.program)
    sizes = collections.Counter(len(r.program) for r in records if r.task != "summary")
    lines = [f"# Dataset card: {name}", "",
             f"Built {_dt.datetime.now(_dt.timezone.utc):%Y-%m-%d %H:%M} UTC by iea's "
             "`training.data`.", "", "## How it was made", "", how.strip(), ""]
    if settings:
        lines += ["## Settings", ""] + [f"- `{k}`: {v!r}" for k, v in settings.items()] + [""]
    lines += ["## Contents", "", "| task | records |", "| --- | --- |"]
    lines += [f"| {t} | {tasks.get(t, 0)} |" for t in ("edit", "refine", "summary")]
    lines += ["", "Sources: " + ", ".join(f"{k} {v}" for k, v in sorted(sources.items())), ""]
    if strengths:
        lines += ["Strength bins: " + ", ".join(f"{k} {v}" for k, v in sorted(strengths.items())),
                  ""]
    if sizes:
        lines += ["Tools per program: " + ", ".join(f"{k}: {v}" for k, v in sorted(sizes.items())),
                  ""]
    lines += ["Tool coverage (records setting each tool):", ""]
    lines += [f"- {t}: {tools.get(t, 0)}" for t in TOOL_NAMES] + [""]
    if rm_pairs:
        scores = collections.Counter(float(p["score"]) for p in rm_pairs)
        lines += ["## Reward-model pairs", "",
                  f"{len(rm_pairs)} scored (reference, prediction) pairs on the IEA rubric "
                  "(10 same intent, partial coverage positive, a wrong key attribute -5, "
                  "unrelated program -6, vague 0, nonsense -10).", "",
                  "Scores: " + ", ".join(f"{k:g}: {v}" for k, v in sorted(scores.items())), ""]
    lines += ["## Layout", "",
              "JSONL, one `iea.record` v1 object per line; image paths are relative to the "
              "JSONL file. See `training/data/records.py` and `docs/training.md`.", "",
              "## Licence of the images", "",
              "The images are renders of the source photos; they carry the source photos' "
              "licence.", ""]
    return "\n".join(lines)


def write_card(path: str | Path, *args: Any, **kwargs: Any) -> Path:
    path = Path(path)
    atomic_write_text(path, card_text(*args, **kwargs))
    return path
