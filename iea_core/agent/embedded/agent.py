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
from .. import verify as V
from . import adapt, honesty
from .adapt import Photo, look_at
from .checks import Checked, check_cast, guard, verify_claims
from .interpret import EditEffect, Interpreter, Reading, edit_effect
from .photo import photo_stats, to_float
from .refine import refine_values
from .screen import screen

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
    (False: no editor renders for corrections, closed-form estimates instead), ``auto_fix``
    (False: never fix an obvious fault the request did not mention, such as underexposure).
    """

    name = "embedded"

    def __init__(self, weights: str | Path | None = None, encoder: str | Path | None = None,
                 profile: str = "default", search: bool = True, auto_fix: bool = True,
                 **_: Any) -> None:
        self.weights_dir = Path(weights) if weights else None
        self.encoder_dir = Path(encoder) if encoder else None
        self.profile = profile
        self.search = bool(search)
        self.auto_fix = bool(auto_fix) and str(auto_fix).lower() not in ("false", "0", "no", "off")
        self._vocab: frozenset[str] | None = None
        self._fault_values: dict[str, int] = {}
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
            # The photo as it looks with the rest of the program applied decides; the
            # correction is added to what the program already has for those tools.
            from ...editor import render

            current = {k: int(v) for k, v in base.items() if int(v)}
            seen = render(V.preview(image), current, self.profile) if current else image
            delta = adapt.auto_values(look_at(seen), {t: 1 for t in tools}, asked=True)
            return {t: int(max(-100, min(100, base.get(t, 0) + v))) for t, v in delta.items()}
        from . import photo

        stats = photo_stats(image)
        return {t: photo._fallback(t, stats) for t in tools}

    # --- Image-Edit -------------------------------------------------------------------------
    def edit(self, image: np.ndarray, instruction: str, history: Sequence[Turn] = ()) -> EditResult:
        readings = self.read(instruction)
        photo = look_at(image)
        heads = self.interpreter.heads
        screened = screen(readings, instruction, self._vocabulary, heads.values, photo.measures,
                          english=self.interpreter.speller.known)
        if not screened.understood:
            message = " ".join(screened.messages)
            program = Program({}).replace(reasoning=message)
            return EditResult(program, message, {}, understood=False, message=message)
        effect = edit_effect(screened.readings)
        messages = list(screened.messages)
        for conflict in self._conflicts(screened.readings):
            effect.values.pop(conflict.tool, None)
            effect.locked.add(conflict.tool)
            messages.append(conflict.message())
        values = {t: v for t, v in effect.values.items() if isinstance(v, int)}
        autos = [t for t, v in effect.values.items() if v == "auto"]
        auto_done: dict[str, int] = {}
        notes: dict[str, str] = {}
        if autos:
            # "enhance" / "fix it" (the whole-photo correction) fixes only clear faults;
            # "fix the white balance" corrects what it names in full.
            general = all(effect.sources.get(t) is not None and
                          effect.sources[t].intent == "auto_all" for t in autos)
            if general and self.search:
                auto_done = self._enhance(photo, values, effect, notes, messages)
            else:
                auto_done = self._auto_photo(photo, autos, values, asked=not general)
            values.update(auto_done)
        values = self._adapt(photo, values, effect, set(auto_done), notes)
        auto_fixed: dict[str, str] = {}
        if self.auto_fix and not screened.only_asked:
            auto_fixed = self._fix_faults(photo, values, effect)
            for tool in auto_fixed:
                values[tool] = self._fault_values[tool]
        values = effect.apply_constraints(values)
        if values.get("saturation", 0) < screened.saturation_floor:
            values["saturation"] = screened.saturation_floor
        numbered = frozenset(t for r in screened.readings for t, _, _ in r.clause.numbers)
        allow_hi = screened.allow_highlight_clip or any(
            r.clause.degree == "extreme" for r in screened.readings) or bool(
            numbered & {"exposure", "whites", "highlights", "brightness"})
        allow_lo = any(r.clause.degree == "extreme" for r in screened.readings) or bool(
            numbered & {"exposure", "blacks", "contrast"}) or any(
            r.intent in ("deep_blacks", "bw") for r in screened.readings)
        values, render, guard_notes = guard(
            photo, values, profile=self.profile, allow_highlight_clip=allow_hi,
            allow_shadow_clip=allow_lo, protect_highlights=screened.protect_highlights,
            locked=frozenset(effect.locked))
        cast = None
        if {"temperature", "tint"} & set(auto_done):
            # "fix the white balance": the cast must shrink on the render, not just in the plan.
            cast = check_cast(photo, values, render, profile=self.profile)
            values, render = cast.values, cast.render
            if cast.note:
                messages.append(cast.note)
        checked = verify_claims(photo, values, render, profile=self.profile, keep=numbered,
                                fixed=frozenset(auto_done) | frozenset(auto_fixed))
        messages += guard_notes + checked.notes
        for tool, why in checked.dropped.items():
            messages.append(f"I left {tool.replace('_', ' ')} out: {why}.")
        program = Program(checked.values, clamp=True)
        fixed_now = {t: w for t, w in auto_fixed.items() if program[t]}
        for tool, why in fixed_now.items():
            messages.append(f"Also {tool.replace('_', ' ')} {program[tool]:+d}: {why}. Say "
                            "\u201conly what I asked\u201d to leave it out (or set auto_fix = "
                            "false under [agent]).")
        if cast is not None:
            for tool in ("temperature", "tint"):
                if tool in auto_done and program[tool]:
                    notes[tool] = (f"the estimated {cast.direction} cast of the greys went from "
                                   f"{cast.before:.1f} to {cast.after:.1f} Lab units on the render")
        explanations = self._explain_edit(program, effect, auto_done, checked, notes, fixed_now)
        reasoning = self._reasoning(screened.readings, program, effect, checked.stand_ins)
        message = " ".join(messages)
        if message:
            reasoning = f"{reasoning} {message}"
        return EditResult(program.replace(reasoning=reasoning), reasoning, explanations,
                          message=message, auto_fixed=tuple(sorted(fixed_now)))

    @property
    def _vocabulary(self) -> frozenset[str]:
        if self._vocab is None:
            m = self.interpreter.heads.manifest
            self._vocab = frozenset(m.get("phrase_words", ())) | frozenset(m.get("bag", ()))
        return self._vocab

    @staticmethod
    def _conflicts(readings: Sequence[Reading]) -> list[honesty.Conflict]:
        moves = []
        for r in readings:
            if r.polarity not in ("WANT", "OPPOSE") or not r.tools:
                continue
            numeric = {t: (d, m) for t, (d, m) in r.tools.items() if d != "auto"}
            if not numeric:
                continue
            tool, (direction, _) = max(numeric.items(), key=lambda kv: kv[1][1])
            sign = int(direction) * (1 if r.polarity == "WANT" else -1)
            moves.append((r.clause.text, r.intent, r.polarity, tool, sign))
        return honesty.conflicts(moves)

    @staticmethod
    def _enhance(photo: Photo, values: dict[str, int], effect: EditEffect,
                 notes: dict[str, str], messages: list[str]) -> dict[str, int]:
        """A general "make it better": the photo's clear faults, each with its reason; the fixed
        values of the general correction (its vibrance) give way to what the photo needs."""
        from .enhance import enhance

        for tool in [t for t in values if effect.sources.get(t) is not None
                     and effect.sources[t].intent == "auto_all"]:
            values.pop(tool)
        found = enhance(photo)
        done = {t: v for t, (v, _) in found.items() if t not in values and t not in effect.locked}
        for tool in done:
            notes[tool] = found[tool][1]
        if not done:
            messages.append("The photo looks well exposed, balanced and lively already: I found "
                            "no clear fault to correct, so I left it as it is (ask for something "
                            "specific, such as \u201cbrighter\u201d or \u201cmore contrast\u201d, "
                            "to change it anyway).")
        return done

    def _auto_photo(self, photo: Photo, tools: Sequence[str], base: Mapping[str, int],
                    asked: bool = True) -> dict[str, int]:
        if self.search:
            return adapt.auto_values(photo, {t: 1 for t in tools}, asked=asked)
        from . import photo as photo_mod

        stats = photo_stats(photo.preview)
        return {t: photo_mod._fallback(t, stats) for t in tools}

    def _adapt(self, photo: Photo, values: dict[str, int], effect: EditEffect,
               auto: set[str], notes: dict[str, str]) -> dict[str, int]:
        """The text's amounts, scaled to what this photo has room for."""
        out = dict(values)
        m = photo.measures
        lean: tuple[float, float] | None = None  # the photo's colour lean, measured when needed
        for tool, value in values.items():
            source = effect.sources.get(tool)
            if tool in auto or not value or source is None or source.fixed or any(
                    t == tool for t, _, _ in source.clause.numbers):
                continue
            sign = 1 if value > 0 else -1
            single = len(source.tools) == 1
            if tool == "exposure" and source.intent in ("bright", "dark") and single:
                share = min(1.0, adapt.DEGREE_SHARE * source.factor)
                complaint = source.polarity == "OPPOSE"
                goal = (adapt.brighten_target(m.mean, share, complaint) if sign > 0 else
                        adapt.darken_target(m.mean, share, complaint))
                if abs(goal - m.mean) < adapt.MIN_VISIBLE * source.factor:
                    goal = m.mean + sign * adapt.MIN_VISIBLE * source.factor
                # The amount asked; if it would clip, the guard rail trades it for highlight
                # recovery or mid-tone brightening, keeping as much of the brightening as it can.
                new = adapt.exposure_for(photo, goal, allow_clip=True)
                if np.sign(new) != sign:
                    new = sign * 3
                if sign > 0 and m.mean > 0.6:
                    notes[tool] = (f"the photo is already bright (mean brightness {m.mean:.2f}), "
                                   "so only a small lift")
                elif sign < 0 and m.mean < 0.25:
                    notes[tool] = (f"the photo is already dark (mean brightness {m.mean:.2f}), "
                                   "so only a small step down")
                elif abs(new) >= 1.5 * abs(value):
                    notes[tool] = f"a large step because the photo is dark (mean brightness " \
                                  f"{m.mean:.2f})" if sign > 0 else \
                        f"a large step because the photo is bright (mean brightness {m.mean:.2f})"
                out[tool] = int(new)
                continue
            if (tool in ("temperature", "tint") and single and source.polarity in (
                    "OPPOSE", "REMOVE") and source.intent in ("warm", "cool", "green", "magenta")):
                out[tool], notes[tool] = adapt.cast_complaint(photo, tool, value, source.factor)
                continue
            if tool in ("temperature", "tint") and lean is None:
                lean = adapt.colour_lean(photo)
            factor = adapt.room_factor(tool, sign, m, lean)
            if not single:
                factor = float(np.sqrt(factor))
            new = int(round(value * factor))
            if new == 0:
                new = sign
            out[tool] = int(max(-100, min(100, new)))
            if single:
                note = self._room_note(tool, sign, factor, m, lean)
                if note:
                    notes[tool] = note
        return out

    @staticmethod
    def _room_note(tool: str, sign: int, factor: float, m: V.Measures,
                   lean: tuple[float, float] | None) -> str:
        """Why the photo made the amount smaller or larger than the words alone (or "")."""
        if tool in ("temperature", "tint") and lean is not None:
            b, a = lean
            if tool == "temperature":
                size, colour = abs(b), ("yellow" if b > 0 else "blue")
                want = "warmer" if sign > 0 else "cooler"
                already = (b > 0) == (sign > 0)
            else:
                size, colour = abs(a), ("magenta" if a > 0 else "green")
                want = "greener" if sign > 0 else "more magenta"
                already = (a < 0) == (sign > 0)
            if factor < 0.8 and already:
                return (f"the photo already leans {colour} (about {size:.0f} Lab units in its "
                        f"greys), so a smaller step")
            if factor > 1.2 and not already:
                return (f"the photo leans {colour} (about {size:.0f} Lab units in its greys), so "
                        f"a larger step to make it visibly {want}")
            return ""
        if tool == "contrast":
            if factor > 1.3:
                return (f"the photo is flat (tonal spread {m.spread:.2f}; a typical photo has "
                        "about 0.21), so a larger step")
            if factor < 0.6:
                return (f"the photo is already contrasty (tonal spread {m.spread:.2f})" if sign > 0
                        else f"the photo is already flat (tonal spread {m.spread:.2f})") + \
                    ", so a smaller step"
            return ""
        if factor < 0.6:
            return "the photo already has a lot of that, so a smaller amount"
        if factor > 1.3:
            return "the photo has little of that, so a larger amount"
        return ""

    def _fix_faults(self, photo: Photo, values: Mapping[str, int],
                    effect: EditEffect) -> dict[str, str]:
        """Obvious faults the request did not touch: tool -> why (values in _fault_values)."""
        self._fault_values = {}
        out: dict[str, str] = {}
        touched = set(values) | set(effect.locked) | effect.forbid_up | effect.forbid_down
        for fault in adapt.obvious_faults(photo):
            if touched & {"exposure", "brightness", "shadows", "whites", "highlights"}:
                continue
            for tool, value in fault.tools.items():
                if tool not in touched:
                    self._fault_values[tool] = value
                    out[tool] = fault.why
        return out

    def _explain_edit(self, program: Program, effect: EditEffect, auto_done: Mapping[str, int],
                      checked: Checked, notes: Mapping[str, str],
                      fixed: Mapping[str, str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for tool, value in program.to_dict().items():
            source = effect.sources.get(tool)
            head = f"{_label(tool)} {value:+d}: {_phrase(tool, value)}"
            if tool in checked.overall:
                measured = (f"measured {checked.own.get(tool, '')} from this tool, but "
                            f"{checked.overall[tool]} on the whole render: the other changes "
                            "outweigh it")
            elif tool in checked.own:
                measured = f"measured {checked.own[tool]} from this tool"
            elif tool in V.CLAIMS:
                measured = f"measured {V.describe_change(tool, checked.before, checked.after)}"
            else:
                measured = ""
            if tool in fixed:
                why = f"added because {fixed[tool]}"
            elif tool in auto_done:
                why = f"measured from the photo{self._measure(tool, checked.before)}, because " \
                      f"you asked {_quote(source)}"
            elif source is not None and any(t == tool for t, _, _ in source.clause.numbers):
                why = "the value you gave"
            elif source is not None and source.polarity == "WANT":
                why = f"as you asked ({_quote(source)})"
            else:
                why = f"because you said {_quote(source)}"
            if tool in notes:
                why = f"{why}; {notes[tool]}"
            out[tool] = f"{head}, {why}" + (f" ({measured})." if measured else ".")
        return out

    @staticmethod
    def _measure(tool: str, stats: Any) -> str:
        if stats is None:
            return ""
        if tool in ("exposure", "brightness"):
            return f" (its mean brightness was {100 * stats.mean:.0f}% of white)"
        if tool == "contrast":
            return f" (its tonal spread was {stats.spread:.2f}, a well-spread photo has about 0.21)"
        # temperature / tint: the cast measured before and after is in the note (check_cast)
        return ""

    def _reasoning(self, readings: Sequence[Reading], program: Program, effect: EditEffect,
                   stand_ins: Mapping[str, str] | None = None) -> str:
        parts = []
        for r in readings:
            said = _quote(r)
            tools = [t for t in r.tools if program[t]]
            # a tool that did its job in place of the one read ("pull down the highlights" on
            # clipped highlights: the whites)
            tools += [alt for t, alt in (stand_ins or {}).items()
                      if t in r.tools and program[alt] and alt not in tools]
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
            elif r.polarity in ("WANT", "OPPOSE") and not r.clause.numbers and r.tools:
                parts.append(f"{said}: after checking the photo, nothing was kept for it (see "
                             "below)")
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
        screened = screen(readings, feedback, self._vocabulary, self.interpreter.heads.values, None,
                          grain_added=program["grain"] > 0,
                          english=self.interpreter.speller.known)
        if not screened.understood:
            message = " ".join(screened.messages)
            return EditResult(program.replace(reasoning=message), message,
                              {t: f"{_label(t)} {v:+d}: kept from the previous edit."
                               for t, v in program.to_dict().items()},
                              understood=False, message=message)
        if screened.only_asked:
            undone = self._auto_fixed_in(history)
            if undone:
                new = Program({t: v for t, v in program.to_dict().items() if t not in undone},
                              clamp=True)
                message = ("Taken back what I had added on my own: "
                           f"{', '.join(t.replace('_', ' ') for t in sorted(undone))}.")
                return EditResult(new.replace(reasoning=message), message,
                                  {t: f"{_label(t)} {v:+d}: kept from the previous edit."
                                   for t, v in new.to_dict().items()}, message=message)
        readings = screened.readings
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
                    "restored": "partly back toward 0",
                    "instead": "in place of a tool already at its limit",
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
        elif outcome.notes:
            reasoning = (f"Your feedback {_quote_text(feedback)} asks for a change I cannot "
                         "make, so the edit stays as it is.")
        else:
            reasoning = (f"Your feedback {_quote_text(feedback)} asks for no change I can make "
                         "to the current edit, so it stays as it is.")
        message = " ".join(list(outcome.notes) + list(screened.messages))
        if message:
            reasoning = f"{reasoning} {message}"
        return EditResult(new.replace(reasoning=reasoning), reasoning, explanations,
                          message=message)

    @staticmethod
    def _auto_fixed_in(history: Sequence[Turn]) -> set[str]:
        """Tools an earlier answer said it added on its own ("Also exposure +40: ...")."""
        import re

        found: set[str] = set()
        for turn in history:
            text = turn.text if turn.role == "agent" else ""
            if turn.program is not None and turn.program.reasoning:
                text += " " + turn.program.reasoning
            for name in re.findall(r"\bAlso ([a-z_ ]+?) [+-]\d+:", text):
                tool = name.strip().replace(" ", "_")
                if tool in TOOL_NAMES:
                    found.add(tool)
        return found

    # --- Image-Summary ----------------------------------------------------------------------
    def summarize(self, before: np.ndarray, after: np.ndarray) -> Style:
        try:
            from .summary import summarize
        except ImportError as exc:  # pragma: no cover - the search module ships with iea
            raise AgentError(f"summary needs iea_core.search: {exc}") from None
        return summarize(self, before, after, self.profile)


def _quote_text(text: str) -> str:
    text = " ".join(text.split())
    return f"\u201c{text[:120]}\u201d"
