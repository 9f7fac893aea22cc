"""Dataset records: one JSON object per line, images referenced by path.

A record (``format: "iea.record"``, ``version: 1``) holds everything any stage needs::

    {"format": "iea.record", "version": 1, "id": "syn-000012-edit", "task": "edit",
     "source": "synthetic", "image": "images/000012.png", "reference": "images/000012_ref.png",
     "instruction": "Make it a bit warmer.", "program": {"temperature": 22},
     "reasoning": "...", "strength": "light"}

* ``edit``: ``image`` (original) + ``instruction`` -> ``program``; ``reference`` is the target
  render (GRPO's reward and ``iea eval`` compare against it).
* ``refine``: also ``previous_program`` and ``previous`` (its render) and ``feedback``;
  ``program`` is the full new program.
* ``summary``: ``image`` and ``reference`` (before/after) -> ``summary`` (one sentence).

Paths are relative to the JSONL file's folder. Reward-model pairs live in their own file
(``{"reference": ..., "prediction": ..., "score": ...}``).
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from iea_core.errors import TrainingError
from iea_core.program import Program

RECORD_FORMAT = "iea.record"
RECORD_VERSION = 1
TASKS = ("edit", "refine", "summary")


@dataclass
class Record:
    id: str
    task: str
    image: str
    source: str = "synthetic"
    reference: str | None = None
    instruction: str = ""
    program: dict[str, int] = field(default_factory=dict)
    reasoning: str = ""
    summary: str = ""
    previous: str | None = None
    previous_program: dict[str, int] | None = None
    feedback: str = ""
    strength: str | None = None
    distance: float | None = None

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise TrainingError(f"record {self.id}: task {self.task!r} is not one of {TASKS}")
        if self.task == "summary" and not self.summary:
            raise TrainingError(f"record {self.id}: a summary record needs 'summary'")
        if self.task == "refine" and (self.previous_program is None or not self.feedback):
            raise TrainingError(f"record {self.id}: a refine record needs previous_program "
                                "and feedback")
        Program(self.program)  # validates tool names and ranges
        if self.previous_program is not None:
            Program(self.previous_program)

    def to_json(self) -> dict[str, Any]:
        data = {"format": RECORD_FORMAT, "version": RECORD_VERSION}
        data.update({k: v for k, v in asdict(self).items() if v not in (None, "")})
        return data

    def target_text(self) -> str:
        """The assistant answer in IEA's format (what SFT teaches)."""
        if self.task == "summary":
            return f"<think>\n{self.reasoning.strip()}\n</think>\n<answer>\n" \
                   f"{self.summary.strip()}\n</answer>"
        return Program(self.program, self.reasoning).to_model_output()


def write_records(path: str | os.PathLike[str], records: Iterable[Record]) -> int:
    """Write records as JSONL atomically; returns how many."""
    from iea_core.fileio import atomic_write_text

    lines = [json.dumps(r.to_json(), ensure_ascii=False) for r in records]
    atomic_write_text(Path(path), "\n".join(lines) + ("\n" if lines else ""))
    return len(lines)


def read_records(path: str | os.PathLike[str]) -> Iterator[Record]:
    """Records from a JSONL file; a bad line raises TrainingError naming the line."""
    path = Path(path)
    known = set(Record.__dataclass_fields__)
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise TrainingError(f"{path}:{number}: not JSON ({exc.msg})") from None
            if not isinstance(data, dict):
                raise TrainingError(f"{path}:{number}: expected an object")
            if data.get("format", RECORD_FORMAT) != RECORD_FORMAT or \
                    data.get("version", 1) > RECORD_VERSION:
                raise TrainingError(f"{path}:{number}: unsupported record format/version")
            try:
                yield Record(**{k: v for k, v in data.items() if k in known})
            except TypeError as exc:
                raise TrainingError(f"{path}:{number}: {exc}") from None


def resolve(base: Path, relative: str | None) -> Path | None:
    return None if relative is None else (base / relative)


def load_image(base: Path, relative: str, max_side: int | None = None):
    from iea_core.agent.vlm_common import to_pil
    from PIL import Image

    with Image.open(base / relative) as img:
        return to_pil(img.convert("RGB"), max_side)


def prompt_for(record: Record, base: Path, prompts=None, max_side: int | None = 448):
    """(messages, images) exactly as the agent builds them at inference."""
    from iea_core.agent.vlm_common import (PromptSet, edit_messages, refine_messages,
                                           side_by_side, summary_messages)

    prompts = prompts or PromptSet.load()
    original = load_image(base, record.image)
    if record.task == "edit":
        return edit_messages(prompts, record.instruction), [to_side(original, max_side)]
    if record.task == "refine":
        previous = load_image(base, record.previous) if record.previous else original
        messages = refine_messages(prompts, Program(record.previous_program or {}),
                                   record.feedback, record.instruction)
        return messages, [side_by_side(original, previous, max_side)]
    if record.reference is None:
        raise TrainingError(f"record {record.id}: a summary record needs 'reference'")
    after = load_image(base, record.reference)
    return summary_messages(prompts), [side_by_side(original, after, max_side)]


def to_side(image, max_side: int | None):
    from iea_core.agent.vlm_common import to_pil

    return to_pil(image, max_side)
