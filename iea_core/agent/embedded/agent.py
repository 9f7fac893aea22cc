"""EmbeddedAgent: iea's default, offline CPU backend (edit, refine, summarize)."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from ...errors import AgentError
from ...program import Program
from ...tools import TOOL_NAMES, TOOLS
from ..base import EditResult, Style, Turn
from .interpret import EditEffect, Interpreter, Reading, edit_effect
from .photo import auto_values, photo_stats, to_float
from .refine import refine_values

MAX_INSTRUCTION = 2000  # characters; a request is a sentence or two, not an essay


def _label(tool: str) -> str:
    return tool.replace("_", " ").capitalize()


def _phrase(tool: str, value: int) -> str:
    try:
        from ...describe import tool_phrase

        return tool_phrase(tool, value, form="comparative")
    except Exception:  # describe is another helper's module; never let wording break an edit
        return TOOLS[tool].describe(value)


def _quote(reading: Reading | None) -> str:
    return f"\u201c{reading.clause.text}\u201d" if reading is not None else "your request"


class EmbeddedAgent:
    """Agent protocol on CPU with the shipped heads; options come from ``[agent]`` in the config.

    Options: ``weights`` (folder with ``embedded_heads.npz/.json``; default the shipped ones),
    ``encoder`` (folder of a MiniLM sentence-transformers model; default the packaged one),
    ``profile`` (editor profile used for photo-driven corrections and summaries), ``search``
    (False: no editor renders for corrections, closed-form estimates instead).
    """

    name = "embedded"

    def __init__(self, weights: str | Path | None = None, encoder: str | Path | None = None,
                 profile: str = "default", search: bool = True, **_: Any) -> None:
        self.weights_dir = Path(weights) if weights else None
        self.encoder_dir = Path(encoder) if encoder else None
        self.profile = profile
        self.search = bool(search)
        self._interpreter: Interpreter | None = None
        self._lock = threading.Lock()

    # --- loading ----------------------------------------------------------------------------
    @property
    def interpreter(self) -> Interpreter:
        """Encoder + heads, loaded on first use (about 0.2 s)."""
        if self._interpreter is None:
            with self._lock:
                if self._interpreter is None:
                    from .encoder import MiniLMEncoder
                    from .heads import Heads

                    self._interpreter = Interpreter(Heads.load(self.weights_dir),
                                                    MiniLMEncoder(self.encoder_dir))
        return self._interpreter

    def load(self) -> "EmbeddedAgent":
        _ = self.interpreter
        return self

    def read(self, text: str) -> list[Reading]:
        if not isinstance(text, str):
            raise AgentError(f"instruction must be text, got {type(text).__name__}")
        if len(text) > MAX_INSTRUCTION:
            raise AgentError(f"instruction is {len(text)} characters; at most {MAX_INSTRUCTION}")
        return self.interpreter.read(text)

    def _auto(self, image: np.ndarray, tools: Sequence[str], base: Mapping[str, int]) -> dict[str, int]:
        if self.search:
            return auto_values(image, tools, base, profile=self.profile)
        from . import photo

        stats = photo_stats(image)
        return {t: photo._fallback(t, stats) for t in tools}

    # --- Image-Edit -------------------------------------------------------------------------
    def edit(self, image: np.ndarray, instruction: str, history: Sequence[Turn] = ()) -> EditResult:
        readings = self.read(instruction)
        effect = edit_effect(readings)
        values = {t: v for t, v in effect.values.items() if isinstance(v, int)}
        autos = [t for t, v in effect.values.items() if v == "auto"]
        auto_done: dict[str, int] = {}
        if autos:
            auto_done = self._auto(to_float(image), autos, values)
            values.update(auto_done)
        values = effect.apply_constraints(values)
        program = Program({t: v for t, v in values.items() if v}, clamp=True)
        explanations = self._explain_edit(program, effect, auto_done, image if autos else None)
        reasoning = self._reasoning(readings, program, effect)
        return EditResult(program.replace(reasoning=reasoning), reasoning, explanations)

    def _explain_edit(self, program: Program, effect: EditEffect, auto_done: Mapping[str, int],
                      image: np.ndarray | None) -> dict[str, str]:
        out: dict[str, str] = {}
        stats = photo_stats(image) if image is not None else None
        for tool, value in program.to_dict().items():
            source = effect.sources.get(tool)
            head = f"{_label(tool)} {value:+d}: {_phrase(tool, value)}"
            if tool in auto_done:
                out[tool] = f"{head}, measured from the photo{self._measure(tool, stats)}, " \
                            f"because you asked {_quote(source)}."
            elif source is not None and any(t == tool for t, _, _ in source.clause.numbers):
                out[tool] = f"{head}, the value you gave."
            elif source is not None and source.polarity == "WANT":
                out[tool] = f"{head}, as you asked ({_quote(source)})."
            else:
                out[tool] = f"{head}, because you said {_quote(source)}."
        return out

    @staticmethod
    def _measure(tool: str, stats: Any) -> str:
        if stats is None:
            return ""
        if tool in ("exposure", "brightness"):
            return f" (its mean brightness was {100 * stats.mean:.0f}% of white)"
        if tool == "contrast":
            return f" (its tonal spread was {stats.spread:.2f}, a well-spread photo has about 0.21)"
        if tool == "temperature":
            side = "yellow" if stats.cast_b > 0 else "blue"
            return f" (a {side} cast of {abs(stats.cast_b):.1f} Lab units)"
        if tool == "tint":
            side = "magenta" if stats.cast_a > 0 else "green"
            return f" (a {side} cast of {abs(stats.cast_a):.1f} Lab units)"
        return ""

    def _reasoning(self, readings: Sequence[Reading], program: Program, effect: EditEffect) -> str:
        parts = []
        for r in readings:
            said = _quote(r)
            tools = [t for t in r.tools if program[t]]
            if r.clause.numbers:
                parts.append(f"{said} gives explicit values")
            if r.polarity == "NONE" and not r.clause.numbers:
                parts.append(f"{said} asks for no change")
            elif r.polarity == "KEEP":
                parts.append(f"{said}: {', '.join(map(_label, r.tools)) or 'those'} stay as they are")
            elif r.polarity == "FORBID":
                parts.append(f"{said}: I will not push {', '.join(map(_label, r.tools)) or 'that'} "
                             f"that way")
            elif r.polarity == "REMOVE" and not tools:
                parts.append(f"{said}: there is nothing of that to take off an unedited photo, "
                             f"so {', '.join(map(_label, r.tools)) or 'it'} stays at 0")
            elif tools:
                what = ", ".join(_phrase(t, program[t]) for t in tools)
                kind = {"WANT": "a request", "OPPOSE": "a complaint about having too much of it",
                        "REMOVE": "a request to take it away"}.get(r.polarity, "a request")
                degree = "" if r.clause.degree == "default" else f" ({r.clause.degree} degree)"
                parts.append(f"{said} reads as {kind}{degree}: {what}")
            elif r.polarity in ("WANT", "OPPOSE") and not r.clause.numbers:
                parts.append(f"{said} names no tool I can tie to this photo, so nothing changes "
                             "for it")
        if not parts:
            return "I found nothing to change in that request, so the photo stays as it is."
        text = "; ".join(parts) + "."
        untouched = 16 - len(program)
        text = text[0].upper() + text[1:]
        return f"{text} The other {untouched} tools stay at 0." if program else \
            f"{text} No tool needed to move."

    # --- Image-Refine -----------------------------------------------------------------------
    def refine(self, image: np.ndarray, program: Program, feedback: str,
               history: Sequence[Turn] = ()) -> EditResult:
        if not isinstance(program, Program):
            program = Program(program, clamp=True)
        readings = self.read(feedback)
        img = to_float(image)
        outcome = refine_values(program, readings, history,
                                lambda tools, base: self._auto(img, tools, base))
        new = Program({t: v for t, v in outcome.values.items() if v}, clamp=True)
        explanations: dict[str, str] = {}
        changed = []
        for tool in TOOL_NAMES:
            old, now = program[tool], new[tool]
            if old == now:
                if now:
                    explanations[tool] = f"{_label(tool)} {now:+d}: kept from the previous edit."
                continue
            reading, how = outcome.why.get(tool, (None, "set"))
            verb = {"removed": "removed", "undo": "back to the previous value",
                    "forbidden": "taken back", "auto": "re-measured from the photo",
                    "set": "set to the value you gave"}.get(how)
            if verb is None:
                verb = _phrase(tool, now - old)
            explanations[tool] = (f"{_label(tool)} {old:+d} \u2192 {now:+d}: {verb}, because you "
                                  f"said {_quote(reading)}.")
            changed.append(f"{_label(tool).lower()} {old:+d} \u2192 {now:+d}")
        if changed:
            reasoning = (f"From your feedback {_quote_text(feedback)} I changed "
                         f"{', '.join(changed)}; everything else stays as it was.")
        else:
            reasoning = (f"Your feedback {_quote_text(feedback)} asks for no change I can make "
                         "to the current edit, so it stays as it is.")
        return EditResult(new.replace(reasoning=reasoning), reasoning, explanations)

    # --- Image-Summary ----------------------------------------------------------------------
    def summarize(self, before: np.ndarray, after: np.ndarray) -> Style:
        try:
            from ...search import summarize_pair
        except ImportError as exc:  # pragma: no cover - the search module ships with iea
            raise AgentError(f"summary needs iea_core.search: {exc}") from None
        return summarize_pair(before, after, profile=self.profile)


def _quote_text(text: str) -> str:
    text = " ".join(text.split())
    return f"\u201c{text[:120]}\u201d"
