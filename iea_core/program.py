"""Programs: a frozen set of tool values plus the reasoning that produced them.

Two text forms are read and written here:

* **IEA's model format** (what the released Qwen2.5-VL-7B-IEA emits and was trained on)::

      <think>
      ...reasoning...
      </think>
      <answer>
      ```json
      {"exposure": 20, "contrast": -10}
      ```
      </answer>

  :func:`parse_model_output` is tolerant of what language models actually write: missing or
  unclosed tags, missing code fences, trailing commas, single quotes, floats and numeric strings
  ("12.0"), tool names in any case or with spaces/hyphens. It is strict about what would change the
  meaning: unknown tools, values out of range, non-numbers and duplicate keys are errors, all of them
  listed in one :class:`~iea_core.errors.InvalidProgram`.

* **Canonical JSON** (files on disk, the bridge)::

      {"format": "iea.program", "version": 1, "tools": {"exposure": 20}, "reasoning": "..."}

  A plain flat ``{"exposure": 20}`` object is accepted on input too.
"""
from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Iterator, Mapping

from .errors import InvalidProgram
from .tools import MAX_VALUE, MIN_VALUE, TOOL_INDEX, TOOL_NAMES, TOOLS, normalize_tool_name

PROGRAM_FORMAT = "iea.program"
PROGRAM_VERSION = 1
#: a program file is a few hundred bytes; anything over this is refused unread
MAX_PROGRAM_BYTES = 1_000_000


def _coerce_value(tool: str, raw: Any, clamp: bool, problems: list[str]) -> int | None:
    """Turn one raw value into an int in range, or record why it cannot be."""
    value: float
    if isinstance(raw, bool):
        problems.append(f"{tool}: expected a number, got {json.dumps(raw)}")
        return None
    if isinstance(raw, (int, float)):
        value = float(raw)
    elif isinstance(raw, str):
        try:
            value = float(raw.strip().rstrip("%"))
        except ValueError:
            problems.append(f"{tool}: expected a number, got {raw!r}")
            return None
    else:
        problems.append(f"{tool}: expected a number, got {type(raw).__name__}")
        return None
    if not math.isfinite(value):
        problems.append(f"{tool}: value {raw!r} is not finite")
        return None
    # Round half away from zero: a model that writes 12.5 meant "a little over 12".
    rounded = int(math.copysign(math.floor(abs(value) + 0.5), value))
    if not MIN_VALUE <= rounded <= MAX_VALUE:
        if clamp:
            return max(MIN_VALUE, min(MAX_VALUE, rounded))
        problems.append(f"{tool}: {raw!r} is outside {MIN_VALUE}..{MAX_VALUE}")
        return None
    return rounded


def validate_values(
    items: Iterable[tuple[str, Any]], *, clamp: bool = False, source: str = "program"
) -> dict[str, int]:
    """Check (name, value) pairs and return a ``{tool: int}`` dict of the non-zero ones.

    Every problem is collected before raising, so a user or a model retry sees all of them at once.
    """
    problems: list[str] = []
    values: dict[str, int] = {}
    seen: dict[str, str] = {}
    for raw_name, raw_value in items:
        if not isinstance(raw_name, str):
            problems.append(f"tool name {raw_name!r} is not a string")
            continue
        name = normalize_tool_name(raw_name)
        if name not in TOOLS:
            problems.append(f"unknown tool {raw_name!r} (known: {', '.join(TOOL_NAMES)})")
            continue
        if name in seen:
            problems.append(f"duplicate tool {raw_name!r} (already given as {seen[name]!r})")
            continue
        seen[name] = raw_name
        value = _coerce_value(name, raw_value, clamp, problems)
        if value:
            values[name] = value
    if problems:
        raise InvalidProgram(problems, source)
    return values


class Program:
    """Tool values (only non-zero ones stored) and optional reasoning text.

    >>> p = Program({"exposure": 20, "Contrast": "-10.0"})
    >>> p["contrast"], p["fade"]
    (-10, 0)
    >>> p.to_dict()
    {'exposure': 20, 'contrast': -10}
    """

    __slots__ = ("values", "reasoning")
    values: Mapping[str, int]
    reasoning: str

    def __init__(self, values: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
                 reasoning: str = "", *, clamp: bool = False) -> None:
        items = values.items() if isinstance(values, Mapping) else (values or ())
        checked = validate_values(items, clamp=clamp)
        ordered = {name: checked[name] for name in TOOL_NAMES if name in checked}
        object.__setattr__(self, "values", MappingProxyType(ordered))
        object.__setattr__(self, "reasoning", str(reasoning or ""))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Program is immutable; use Program.replace()")

    def __reduce__(self) -> tuple[Any, ...]:
        return (Program, (dict(self.values), self.reasoning))

    # --- mapping-like access ------------------------------------------------------------------
    def __getitem__(self, tool: str) -> int:
        if tool not in TOOLS:
            raise KeyError(tool)
        return self.values.get(tool, 0)

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Program):
            return NotImplemented
        return dict(self.values) == dict(other.values) and self.reasoning == other.reasoning

    def __hash__(self) -> int:
        return hash((tuple(self.values.items()), self.reasoning))

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v:+d}" for k, v in self.values.items()) or "identity"
        return f"Program({inner})"

    @property
    def is_identity(self) -> bool:
        return not self.values

    def same_values(self, other: "Program") -> bool:
        """True when both programs set the same tools to the same values (reasoning ignored)."""
        return dict(self.values) == dict(other.values)

    def to_dict(self) -> dict[str, int]:
        """Non-zero values in the paper's listing order."""
        return dict(self.values)

    def to_vector(self) -> list[int]:
        """All 16 values in listing order (zeros included), for models and searches."""
        return [self.values.get(name, 0) for name in TOOL_NAMES]

    @classmethod
    def from_vector(cls, vector: Iterable[float], reasoning: str = "", *,
                    clamp: bool = True) -> "Program":
        vector = list(vector)
        if len(vector) != len(TOOL_NAMES):
            raise InvalidProgram([f"expected {len(TOOL_NAMES)} values, got {len(vector)}"])
        return cls(zip(TOOL_NAMES, (float(v) for v in vector)), reasoning, clamp=clamp)

    def replace(self, values: Mapping[str, Any] | None = None, *, reasoning: str | None = None,
                clamp: bool = False) -> "Program":
        """A copy with some tools set (0 removes a tool) and/or new reasoning."""
        merged: dict[str, Any] = dict(self.values)
        for raw_name, value in (values or {}).items():
            merged[normalize_tool_name(raw_name)] = value
        return Program(merged, self.reasoning if reasoning is None else reasoning, clamp=clamp)

    # --- canonical JSON ---------------------------------------------------------------------
    def to_json_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format": PROGRAM_FORMAT,
            "version": PROGRAM_VERSION,
            "tools": self.to_dict(),
        }
        if self.reasoning:
            data["reasoning"] = self.reasoning
        return data

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_json_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_json_dict(cls, data: Any, *, clamp: bool = False,
                       source: str = "program") -> "Program":
        """Read canonical JSON (``{"format": "iea.program", ...}``) or a flat ``{tool: value}``.

        ``data`` is a dict, or the ordered pair list :meth:`from_json` builds so that duplicate
        keys are reported instead of silently keeping the last one."""
        pairs = list(data) if isinstance(data, _PairList) else None
        if pairs is None and not isinstance(data, dict):
            raise InvalidProgram([f"expected a JSON object, got {type(data).__name__}"], source)
        keys = [k for k, _ in pairs] if pairs is not None else list(data)
        if "tools" not in keys and "format" not in keys:
            return cls._checked(pairs if pairs is not None else data, "", clamp, source)
        problems = [f"duplicate field {k!r}" for k in sorted({k for k in keys if keys.count(k) > 1})]
        fields = dict(pairs) if pairs is not None else data
        fmt = fields.get("format", PROGRAM_FORMAT)
        if fmt != PROGRAM_FORMAT:
            problems.append(f"format is {fmt!r}, expected {PROGRAM_FORMAT!r}")
        version = fields.get("version", PROGRAM_VERSION)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            problems.append(f"version {version!r} is not a positive integer")
        elif version > PROGRAM_VERSION:
            problems.append(f"version {version} is newer than this iea understands "
                            f"({PROGRAM_VERSION}); upgrade iea")
        tools = fields.get("tools", {})
        if not isinstance(tools, (dict, _PairList)):
            problems.append(f"'tools' must be an object, got {type(tools).__name__}")
        reasoning = fields.get("reasoning", "")
        if not isinstance(reasoning, str):
            problems.append("'reasoning' must be a string")
        unknown = sorted(set(fields) - {"format", "version", "tools", "reasoning"})
        if unknown:
            problems.append(f"unknown field(s) {', '.join(unknown)}")
        if problems:
            raise InvalidProgram(problems, source)
        return cls._checked(tools, reasoning, clamp, source)

    @classmethod
    def _checked(cls, values: Any, reasoning: str, clamp: bool, source: str) -> "Program":
        """``cls(values)`` with a validation error naming ``source`` (the user's file)."""
        try:
            return cls(values, reasoning, clamp=clamp)
        except InvalidProgram as exc:
            raise InvalidProgram(exc.problems, source) from None

    @classmethod
    def from_json(cls, text: str | bytes, *, clamp: bool = False,
                  source: str = "program") -> "Program":
        try:
            data = json.loads(text, object_pairs_hook=_pairs_hook)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidProgram([f"not valid JSON ({exc})"], source) from None
        except ValueError:  # an integer of thousands of digits (Python's conversion limit)
            raise InvalidProgram(["a number in it is far too long"], source) from None
        except RecursionError:
            raise InvalidProgram(["JSON nested too deeply"], source) from None
        return cls.from_json_dict(data, clamp=clamp, source=source)

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, clamp: bool = False) -> "Program":
        """Read a program file (canonical JSON, a flat object, or IEA model output)."""
        from .errors import read_error

        path = Path(path)
        where = f"program file {path}"
        try:
            if path.stat().st_size > MAX_PROGRAM_BYTES:   # before reading: a huge file is refused
                raise InvalidProgram(["file is larger than 1 MB"], where)
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise InvalidProgram(["file is not UTF-8 text"], where) from None
        except InvalidProgram:
            raise
        except OSError as exc:
            raise read_error(exc, path, what="program file") from None
        if len(text) > MAX_PROGRAM_BYTES:
            raise InvalidProgram(["file is larger than 1 MB"], where)
        if text.lstrip().startswith("{"):
            return cls.from_json(text, clamp=clamp, source=where)
        return parse_model_output(text, clamp=clamp, source=where)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write canonical JSON atomically (temp file, fsync, rename)."""
        from .fileio import atomic_write_text

        atomic_write_text(Path(path), self.to_json() + "\n")

    # --- IEA model format -------------------------------------------------------------------
    def to_model_output(self) -> str:
        """Emit the exact layout IEA's model was trained on."""
        return (f"<think>\n{self.reasoning.strip()}\n</think>\n<answer>\n```json\n"
                f"{json.dumps(self.to_dict())}\n```\n</answer>")


# --- tolerant parsing of model output ---------------------------------------------------------
class _PairList(list):
    """Marks a JSON object kept as ordered pairs so duplicate keys survive until validation."""


def _pairs_hook(pairs: list[tuple[str, Any]]) -> _PairList:
    return _PairList(pairs)


_THINK_RE = re.compile(r"<think>(.*?)(?:</think>|<answer>|$)", re.S | re.I)
_ANSWER_RE = re.compile(r"<answer>(.*?)(?:</answer>|$)", re.S | re.I)
_FENCE_RE = re.compile(r"```[a-zA-Z]*\s*(.*?)(?:```|$)", re.S)
_TRAILING_COMMA_RE = re.compile(r",\s*([}\]])")


def split_model_output(text: str) -> tuple[str, str]:
    """Split a model answer into (reasoning, answer body) without interpreting the body."""
    think = _THINK_RE.search(text)
    reasoning = think.group(1).strip() if think else ""
    answer = _ANSWER_RE.search(text)
    if answer:
        body = answer.group(1)
    elif re.search(r"</think>", text, re.I):
        body = re.split(r"</think>", text, flags=re.I)[-1]
    elif think:
        body = text[think.end():]
    else:
        body = text
    return reasoning, body.strip()


def _first_object(body: str) -> str | None:
    """The first balanced ``{...}`` in ``body`` (braces inside strings respected)."""
    start = body.find("{")
    while start != -1:
        depth, in_str, quote, escaped = 0, False, "", False
        for i in range(start, len(body)):
            ch = body[i]
            if in_str:
                if escaped:
                    escaped = False
                elif ch == "\\":
                    escaped = True
                elif ch == quote:
                    in_str = False
            elif ch in "\"'":
                in_str, quote = True, ch
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    return body[start:i + 1]
        start = body.find("{", start + 1)
    return None


def _relaxed_json(obj_text: str) -> str:
    """Repair the small JSON mistakes models make: trailing commas, single quotes, bare numbers
    with a leading '+'."""
    text = _TRAILING_COMMA_RE.sub(r"\1", obj_text)
    if "'" in text and '"' not in text:
        text = text.replace("'", '"')
    text = re.sub(r"(:\s*)\+(\d)", r"\1\2", text)
    # unquoted keys: {exposure: 10}
    text = re.sub(r"([{,]\s*)([A-Za-z_][A-Za-z0-9_ \-]*?)(\s*:)", r'\1"\2"\3', text)
    return text


def parse_model_output(text: str, *, clamp: bool = False, source: str = "model output") -> Program:
    """Parse IEA-format text (``<think>…</think><answer>```json {…}```</answer>``) into a Program.

    >>> parse_model_output('<think>too dark</think><answer>```json\\n{"Exposure": "12.0",}\\n```')
    Program(exposure=+12)
    """
    if not isinstance(text, str):
        raise InvalidProgram([f"expected text, got {type(text).__name__}"], source)
    reasoning, body = split_model_output(text)
    fenced = _FENCE_RE.search(body)
    candidate = _first_object(fenced.group(1) if fenced else body) or _first_object(body)
    if candidate is None:
        raise InvalidProgram(["no JSON object with tool values found in the answer"], source)
    try:
        data = json.loads(_relaxed_json(candidate), object_pairs_hook=_pairs_hook)
    except json.JSONDecodeError as exc:
        raise InvalidProgram([f"answer is not valid JSON ({exc.msg} at column {exc.colno})"],
                             source) from None
    except ValueError:  # an integer of thousands of digits (Python's conversion limit)
        raise InvalidProgram(["a number in the answer is far too long"], source) from None
    except RecursionError:
        raise InvalidProgram(["answer JSON nested too deeply"], source) from None
    program = Program.from_json_dict(data, clamp=clamp, source=source)
    return program.replace(reasoning=reasoning or program.reasoning)


def parse_summary_output(text: str) -> tuple[str, str]:
    """Parse an Image-Summary answer: returns (reasoning, one-sentence style description)."""
    reasoning, body = split_model_output(text)
    fenced = _FENCE_RE.search(body)
    if fenced:
        body = fenced.group(1)
    sentence = " ".join(body.replace("\n", " ").split()).strip().strip('"').strip()
    return reasoning, sentence


def vector_index(tool: str) -> int:
    """Position of ``tool`` in :meth:`Program.to_vector`."""
    return TOOL_INDEX[tool]
