"""What every vision-language backend shares: prompts, images, parsing, and the one retry.

Backends (``transformers``, ``vllm``) only turn a conversation into text; this module builds that
conversation and reads the answer, so both behave the same and training data is built with the
very same prompts the agent uses at inference (:func:`edit_messages` and friends are imported by
``training.data``).

Prompt layout follows the released IEA checkpoint: a system message, then one user message that
starts with one image. Edit shows the photo; Refine and Summary show two photos side by side
(left the original, right the edit), as IEA's Image-Refine and Image-Summary were trained. The
prompt texts are our own and live in ``prompts/*.txt``; a user overrides any of them by putting a
file with the same name in ``prompts_dir`` (default ``<iea data dir>/prompts``).

A conversation here is ``(messages, images)``: messages in the chat format transformers and TRL
use (``{"type": "image"}`` parts stand for the images, in order), images as PIL images.
"""
from __future__ import annotations

import json
import os
import string
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Sequence, TypeVar

import numpy as np

from ..errors import BackendUnavailable, ConfigError, InvalidProgram, ModelOutputError
from ..program import Program, parse_model_output, parse_summary_output
from ..tools import TOOLS, TOOL_NAMES
from .base import EditResult, Style, Turn

PROMPT_NAMES = ("edit", "refine", "summary", "retry")
Message = dict[str, Any]
T = TypeVar("T")


# --- prompt templates ---------------------------------------------------------------------------
def tool_table() -> str:
    """The slider list every prompt shows, read from the one tool declaration."""
    rows = [f"- {name}: {spec.meaning} (+ {spec.increase}, - {spec.decrease})"
            for name, spec in TOOLS.items()]
    return "Sliders:\n" + "\n".join(rows) + "\n"


@dataclass(frozen=True)
class PromptTemplate:
    """One task's prompt: a system part and a user part, ``string.Template`` syntax (``$name``)."""

    name: str
    system: str
    user: str

    @classmethod
    def parse(cls, name: str, text: str) -> "PromptTemplate":
        if "[user]" not in text:
            raise ConfigError(f"prompt template {name!r} has no [user] section")
        head, user = text.split("[user]", 1)
        system = head.split("[system]", 1)[1] if "[system]" in head else head
        return cls(name, system.strip(), user.strip())


@dataclass
class PromptSet:
    """The four templates, the packaged ones unless a file in ``override_dir`` replaces one."""

    templates: dict[str, PromptTemplate] = field(default_factory=dict)
    retry: str = ""

    @classmethod
    def load(cls, override_dir: str | os.PathLike[str] | None = None) -> "PromptSet":
        folder = _override_folder(override_dir)
        templates: dict[str, PromptTemplate] = {}
        retry = ""
        for name in PROMPT_NAMES:
            custom = folder / f"{name}.txt" if folder else None
            if custom is not None and custom.is_file():
                text = custom.read_text(encoding="utf-8")
            else:
                text = resources.files("iea_core.agent").joinpath(
                    f"prompts/{name}.txt").read_text(encoding="utf-8")
            if name == "retry":
                retry = text.strip()
            else:
                templates[name] = PromptTemplate.parse(name, text)
        return cls(templates, retry)

    def render(self, name: str, **fields: str) -> tuple[str, str]:
        """(system, user) text with ``fields`` substituted; unknown ``$names`` stay as written."""
        template = self.templates[name]
        values = {"tools": tool_table(), **fields}
        return (string.Template(template.system).safe_substitute(values).strip(),
                string.Template(template.user).safe_substitute(values).strip())


def _override_folder(override_dir: str | os.PathLike[str] | None) -> Path | None:
    if override_dir is not None:
        folder = Path(override_dir).expanduser()
        if not folder.is_dir():
            raise ConfigError(f"prompts_dir {str(folder)!r} is not a folder")
        return folder
    try:
        from ..config import user_data_dir

        folder = Path(user_data_dir()) / "prompts"
    except Exception:  # a broken config must not stop the packaged prompts from working
        return None
    return folder if folder.is_dir() else None


# --- images -------------------------------------------------------------------------------------
def to_pil(image: Any, max_side: int | None = None):
    """An editor-convention array (uint8, uint16 or float 0..1, H x W x 3|4) or PIL image as an
    RGB PIL image whose long side is at most ``max_side``."""
    from PIL import Image

    if isinstance(image, Image.Image):
        pil = image.convert("RGB")
    else:
        array = np.asarray(image)
        if array.ndim == 2:
            array = np.repeat(array[..., None], 3, axis=2)
        if array.ndim != 3 or array.shape[2] not in (3, 4):
            raise ValueError(f"expected an H x W x 3 image, got shape {array.shape}")
        array = array[..., :3]
        if array.dtype == np.uint8:
            pass
        elif array.dtype == np.uint16:
            array = (array.astype(np.float32) / 257.0 + 0.5).astype(np.uint8)
        else:
            array = (np.clip(array.astype(np.float32), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
        pil = Image.fromarray(np.ascontiguousarray(array), "RGB")
    if max_side and max(pil.size) > max_side:
        scale = max_side / max(pil.size)
        pil = pil.resize((max(1, round(pil.width * scale)), max(1, round(pil.height * scale))),
                         Image.Resampling.LANCZOS)
    return pil


def side_by_side(left: Any, right: Any, max_side: int | None = None, gap: int = 8):
    """Two images next to each other on a white gap, as IEA's Refine and Summary inputs."""
    from PIL import Image

    a, b = to_pil(left), to_pil(right)
    if b.size != a.size:
        b = b.resize(a.size, Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", (a.width * 2 + gap, a.height), (255, 255, 255))
    canvas.paste(a, (0, 0))
    canvas.paste(b, (a.width + gap, 0))
    return to_pil(canvas, max_side)


# --- conversations ------------------------------------------------------------------------------
def program_json(program: Program | dict[str, int]) -> str:
    values = program.to_dict() if isinstance(program, Program) else dict(program)
    return json.dumps(values)


def _history_text(history: Sequence[Turn]) -> str:
    if not history:
        return ""
    lines = ["Earlier in this conversation:"]
    for turn in history[-8:]:  # the last few turns are what matters; keeps prompts short
        line = f"- {turn.role}: {turn.text.strip()}"
        if turn.program is not None:
            line += f" (sliders then: {program_json(turn.program)})"
        lines.append(line)
    return "\n".join(lines) + "\n\n"


def _conversation(system: str, user: str, n_images: int = 1) -> list[Message]:
    content: list[dict[str, Any]] = [{"type": "image"} for _ in range(n_images)]
    content.append({"type": "text", "text": user})
    return [{"role": "system", "content": system}, {"role": "user", "content": content}]


def edit_messages(prompts: PromptSet, instruction: str,
                  history: Sequence[Turn] = ()) -> list[Message]:
    """Image-Edit prompt; the one image is the unedited photo."""
    instruction = (instruction or "").strip()
    block = (f"The photographer asks: {instruction}\n" if instruction
             else "The photographer gave no request; make the photo look its best.\n")
    system, user = prompts.render("edit", instruction_block=block,
                                  history=_history_text(history), instruction=instruction)
    return _conversation(system, user)


def refine_messages(prompts: PromptSet, program: Program, feedback: str,
                    instruction: str = "", history: Sequence[Turn] = ()) -> list[Message]:
    """Image-Refine prompt; the one image is original | current edit side by side."""
    line = f"The first request was: {instruction.strip()}\n" if instruction.strip() else ""
    system, user = prompts.render("refine", program=program_json(program),
                                  feedback=feedback.strip(), instruction_line=line,
                                  history=_history_text(history))
    return _conversation(system, user)


def summary_messages(prompts: PromptSet) -> list[Message]:
    """Image-Summary prompt; the one image is before | after side by side."""
    system, user = prompts.render("summary")
    return _conversation(system, user)


def first_request(history: Sequence[Turn]) -> str:
    """The first thing the user asked for in ``history`` (Refine shows it, as IEA did)."""
    for turn in history:
        if turn.role == "user" and turn.text.strip():
            return turn.text
    return ""


# --- reading answers ----------------------------------------------------------------------------
class AnswerUnusable(ValueError):
    """An answer that cannot be read; the message goes back to the model on the retry."""


def parse_edit_answer(text: str) -> Program:
    """IEA's edit/refine layout -> Program; out-of-range values are clamped (a model that writes
    120 meant "a lot"), everything else the tolerant parser rejects is an :class:`AnswerUnusable`."""
    try:
        return parse_model_output(text, clamp=True)
    except InvalidProgram as exc:
        raise AnswerUnusable(str(exc)) from None


def parse_summary_answer(text: str) -> tuple[str, str]:
    """IEA's summary layout -> (reasoning, sentence); the sentence must be short plain text."""
    reasoning, sentence = parse_summary_output(text or "")
    if not sentence:
        raise AnswerUnusable("the answer holds no sentence")
    if "{" in sentence or "<think>" in sentence.lower():
        raise AnswerUnusable("the answer must be one plain sentence, not JSON or tags")
    if len([w for w in sentence.split() if any(ch.isalpha() for ch in w)]) < 2:
        raise AnswerUnusable("the answer must be a sentence of words")
    if len(sentence) > 600:
        raise AnswerUnusable(f"the sentence is {len(sentence)} characters long; keep it short")
    return reasoning, sentence


def with_one_retry(generate: Callable[[list[Message]], str], messages: list[Message],
                   parse: Callable[[str], T], prompts: PromptSet,
                   expected: str) -> tuple[T, str]:
    """Ask once; if the answer cannot be read, tell the model why and ask once more.

    Returns (parsed value, raw text of the answer that parsed). A second unreadable answer raises
    :class:`ModelOutputError` naming both problems; a backend failure propagates as it is.
    """
    first = generate(messages)
    try:
        return parse(first), first
    except AnswerUnusable as exc:
        first_problem = str(exc)
    retry_text = string.Template(prompts.retry).safe_substitute(
        error=first_problem, expected=expected)
    followup = messages + [{"role": "assistant", "content": first},
                           {"role": "user", "content": [{"type": "text", "text": retry_text}]}]
    second = generate(followup)
    try:
        return parse(second), second
    except AnswerUnusable as exc:
        raise ModelOutputError(
            f"the model's answer could not be read after one retry: {exc} "
            f"(first attempt: {first_problem}); raw answer starts {second[:120]!r}") from None


def explain_program(program: Program) -> dict[str, str]:
    """One short sentence per tool that is set, from the tool declarations."""
    out = {}
    for name in TOOL_NAMES:
        value = program[name]
        if value:
            strength = ("slightly" if abs(value) <= 20 else "clearly" if abs(value) <= 60
                        else "strongly")
            out[name] = f"{name.replace('_', ' ').capitalize()} {value:+d}: " \
                        f"{strength} {TOOLS[name].describe(value)}."
    return out


# --- the agent ----------------------------------------------------------------------------------
class PromptedVlmAgent:
    """Edit, Refine and Summary on top of one method a backend provides:
    ``_complete(messages, images) -> str`` (a single assistant answer, no sampling tricks)."""

    name = "vlm"

    def __init__(self, *, prompts_dir: str | os.PathLike[str] | None = None,
                 max_image_side: int = 1024, recover_summary_program: bool = True,
                 profile: str = "default", history_turns: int = 0) -> None:
        self.prompts = PromptSet.load(prompts_dir)
        self.max_image_side = int(max_image_side)
        self.recover_summary_program = recover_summary_program
        self.profile = profile
        # Training records (``training.data.records.prompt_for``) carry no "Earlier in this
        # conversation" block, so by default the served prompt has none either: the model sees
        # exactly what it was trained on. A model trained with conversation context may set
        # history_turns to show that many earlier turns.
        self.history_turns = max(0, int(history_turns))

    def _shown_history(self, history: Sequence[Turn]) -> Sequence[Turn]:
        return tuple(history)[-self.history_turns:] if self.history_turns else ()

    def _complete(self, messages: list[Message], images: list[Any]) -> str:  # pragma: no cover
        raise NotImplementedError

    # Agent protocol ------------------------------------------------------------------------
    def edit(self, image: np.ndarray, instruction: str,
             history: Sequence[Turn] = ()) -> EditResult:
        images = [to_pil(image, self.max_image_side)]
        messages = edit_messages(self.prompts, instruction, self._shown_history(history))
        program, raw = with_one_retry(lambda m: self._complete(m, images), messages,
                                      parse_edit_answer, self.prompts, "a JSON object of sliders")
        return EditResult(program, program.reasoning, explain_program(program), raw)

    def refine(self, image: np.ndarray, program: Program, feedback: str,
               history: Sequence[Turn] = ()) -> EditResult:
        current = _render(image, program, self.profile)
        images = [side_by_side(image, current, self.max_image_side)]
        messages = refine_messages(self.prompts, program, feedback, first_request(history),
                                   self._shown_history(history))
        new, raw = with_one_retry(lambda m: self._complete(m, images), messages,
                                  parse_edit_answer, self.prompts,
                                  "the complete new JSON object of sliders")
        return EditResult(new, new.reasoning, explain_program(new), raw)

    def summarize(self, before: np.ndarray, after: np.ndarray) -> Style:
        images = [side_by_side(before, after, self.max_image_side)]
        messages = summary_messages(self.prompts)
        (reasoning, sentence), _raw = with_one_retry(
            lambda m: self._complete(m, images), messages, parse_summary_answer, self.prompts,
            "one short sentence")
        program, distance = Program({}, reasoning), None
        if self.recover_summary_program:
            program, distance = _recover(before, after, self.profile)
        return Style(sentence=sentence, program=program, distance=distance)


def _render(image: np.ndarray, program: Program, profile: str) -> np.ndarray:
    try:
        from ..editor import render
    except ImportError as exc:
        raise BackendUnavailable(f"the editor is needed to show the current edit: {exc}") from None
    return render(image, program, profile)


def _recover(before: np.ndarray, after: np.ndarray, profile: str) -> tuple[Program, float | None]:
    """The program that turns ``before`` into ``after`` (so a summarised style can be applied)."""
    try:
        from ..search import recover_program
    except ImportError:
        return Program({}), None
    program, distance = recover_program(np.asarray(before), np.asarray(after), profile=profile)
    return program, float(distance)
