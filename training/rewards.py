"""GRPO rewards as plain callables ``f(completions, **kwargs) -> list[float | None]``.

Dataset columns arrive as keyword arguments (``task``, ``original_path``, ``reference_path``,
``summary``); ``None`` means "this reward does not apply to that sample" (TRL then leaves it out
of the weighted sum). Three rewards, each logged on its own by TRL (``rewards/<name>/mean``):

* :func:`make_edit_reward` -- IEA's R = 0.7 R_L + 0.3 R_U for Edit and Refine, computed from real
  renders by the project's batch editor: every rollout of a group and every "rollout minus one
  tool" variant is rendered in one ``render_batch`` call per photo;
* :func:`format_reward` -- 0 for an answer our parser reads, -1 for one it cannot;
* :func:`make_summary_reward` -- the summary reward model's score of the predicted sentence against
  the reference, scaled from -10..10 to -1..1.
"""
from __future__ import annotations

import functools
import json
import re
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from iea_core.agent.vlm_common import AnswerUnusable, parse_edit_answer, parse_summary_answer
from iea_core.metrics import completion_text
from iea_core.program import Program

RewardFunc = Callable[..., list]


def _task_list(kwargs: dict[str, Any], n: int) -> list[str]:
    tasks = kwargs.get("task")
    return list(tasks) if tasks is not None else ["edit"] * n


_LAYOUT_RE = re.compile(
    r"\A\s*<think>(?P<think>.*?)</think>\s*<answer>(?P<answer>.*?)</answer>\s*\Z", re.S)
_JSON_ANSWER_RE = re.compile(r"\A\s*```json\s*\n(?P<body>.*?)\n?\s*```\s*\Z", re.S)


def layout_problem(text: str, task: str) -> str | None:
    """Why ``text`` is not exactly IEA's answer layout for ``task`` (None when it is).

    Edit/Refine: ``<think>reasoning</think><answer>```json {...}```</answer>`` with nothing around
    the tags, strict JSON (no trailing commas, no comments) of known tools to integers in
    -100..100. Summary: ``<think>reasoning</think><answer>one sentence</answer>``, a sentence of
    words. The serving parser is lenient on purpose (a user gets an edit from a sloppy answer);
    the reward is not, so training never pays for a sloppy layout.

    >>> layout_problem('<think>dim</think><answer>```json\\n{"exposure": 20}\\n```</answer>', "edit")
    >>> layout_problem('{"exposure": 20}', "edit")
    'not <think>...</think><answer>...</answer>'
    >>> layout_problem('<think>x</think><answer><<<<<<</answer>', "summary")
    'the sentence holds tags, JSON or code'
    >>> layout_problem('<think>x</think><answer>.... ,,,, !!!</answer>', "summary")
    'the sentence has no words'
    """
    from iea_core.tools import TOOL_NAMES

    match = _LAYOUT_RE.match(text or "")
    if match is None:
        return "not <think>...</think><answer>...</answer>"
    answer = match.group("answer").strip()
    if task == "summary":
        if any(mark in answer for mark in ("<", ">", "{", "}", "```")):
            return "the sentence holds tags, JSON or code"
        words = re.findall(r"[^\W\d_]{2,}", answer)
        if len(words) < 3:
            return "the sentence has no words" if not words else "the sentence is too short"
        letters = sum(ch.isalpha() for ch in answer)
        if letters < 0.6 * len(answer.replace(" ", "")) or len(answer) > 600:
            return "not a plain sentence"
        return None
    fenced = _JSON_ANSWER_RE.match(answer)
    if fenced is None:
        return "the answer is not one ```json block"
    try:
        values = json.loads(fenced.group("body"))
    except json.JSONDecodeError:
        return "the JSON is not strict JSON"
    if not isinstance(values, dict):
        return "the JSON is not an object"
    for key, value in values.items():
        if key not in TOOL_NAMES:
            return f"unknown tool {key!r}"
        if isinstance(value, bool) or not isinstance(value, int) or not -100 <= value <= 100:
            return f"{key} is not an integer in -100..100"
    return None


def format_reward(completions: Sequence[Any], **kwargs: Any) -> list[float]:
    """0 when the answer is exactly IEA's layout for its task (:func:`layout_problem`), -1
    otherwise.

    >>> good = '<think>dim</think><answer>```json\\n{"exposure": 20}\\n```</answer>'
    >>> format_reward([good, "no idea", '{"exposure": 20}'], task=["edit"] * 3)
    [0.0, -1.0, -1.0]
    >>> format_reward(["<think>x</think><answer>Make it warmer, please.</answer>"],
    ...               task=["summary"])
    [0.0]
    """
    tasks = _task_list(kwargs, len(completions))
    return [0.0 if layout_problem(completion_text(c), task) is None else -1.0
            for c, task in zip(completions, tasks)]


def combine_edit_reward(d_original: float, d_edit: float, d_without: Sequence[float],
                        likeness_weight: float = 0.7) -> tuple[float, float, float]:
    """(R, R_L, R_U) from distances to the reference: of the original, of the edit, and of the
    edit with each emitted tool set back to 0.

    R_L = (d_original - d_edit) / d_original floored at -1; R_U is the mean over emitted tools of
    +1 when removing the tool moves the edit away from the reference, else -1 (0 when no tool).

    >>> combine_edit_reward(0.2, 0.1, [0.15, 0.09])
    (0.35, 0.5, 0.0)
    >>> combine_edit_reward(0.2, 0.5, [])[1]
    -1.0
    """
    from iea_core.metrics import likeness_from_distances

    r_l = likeness_from_distances(d_original, d_edit)
    r_u = float(np.mean([1.0 if d > d_edit else -1.0 for d in d_without])) if d_without else 0.0
    reward = likeness_weight * r_l + (1.0 - likeness_weight) * r_u
    return round(reward, 10), round(r_l, 10), round(r_u, 10)


class _ImageCache:
    """Decoded reward images by path, as 8-bit arrays (a GRPO step sees each photo
    num_generations times; decoding it once matters at 448 px). ``max_side`` None keeps the
    file's own size: the data was rendered at that size, and the pixel-size tools (sharpness,
    grain) only give the reference's look at the resolution it was rendered at."""

    def __init__(self, max_side: int | None, capacity: int = 256) -> None:
        self.max_side = max_side
        self.capacity = capacity
        self._items: OrderedDict[tuple[str, tuple[int, int] | None], np.ndarray] = OrderedDict()

    def get(self, path: str, size: tuple[int, int] | None = None) -> np.ndarray:
        key = (str(path), size)
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        from PIL import Image

        from iea_core.agent.vlm_common import to_pil

        with Image.open(path) as img:
            pil = img.convert("RGB")
            if self.max_side:
                pil = to_pil(pil, self.max_side)
        if size is not None and pil.size != size:
            pil = pil.resize(size, Image.Resampling.LANCZOS)
        array = np.asarray(pil, dtype=np.uint8)
        self._items[key] = array
        if len(self._items) > self.capacity:
            self._items.popitem(last=False)
        return array


def edit_scores(original: np.ndarray, reference: np.ndarray, programs: Sequence[Program], *,
                profile: str = "default",
                likeness_weight: float = 0.7) -> list[tuple[float, float, float, float]]:
    """(R, R_L, R_U, L) for several programs on one photo: GRPO's reward and ``iea eval``'s
    columns come from this one function, so they agree.

    All programs and every leave-one-tool-out variant are rendered in a single batched call
    (duplicates once). An 8-bit photo is rendered to 8 bits by render()'s own kernels, giving the
    edited file the photographer (and ``iea eval``) sees; float renders move d by up to half a
    level, enough to flip R_U on tools whose effect is small.
    """
    from iea_core.editor import render_batch
    from iea_core.metrics import distance, distance_batch

    unique: dict[tuple[int, ...], int] = {}
    variants: list[Program] = []

    def slot(program: Program) -> int:
        key = tuple(program.to_vector())
        if key not in unique:
            unique[key] = len(variants)
            variants.append(program)
        return unique[key]

    plan = []
    for program in programs:
        own = slot(program)
        without = [slot(program.replace({tool: 0})) for tool in program.to_dict()]
        plan.append((own, without))
    if original.dtype == np.uint8:
        # the 8-bit files a photographer (and `iea eval`) sees, exactly as render() writes them,
        # scored like any two images
        edited = render_batch(original, variants, profile, dtype=np.uint8)
        d = np.array([distance(image, reference) for image in edited], dtype=np.float64)
    else:
        renders = render_batch(original, variants, profile)
        d = np.asarray(distance_batch(renders, reference), dtype=np.float64)
    d_original = float(distance(original, reference))
    out = []
    for own, without in plan:
        reward, r_l, r_u = combine_edit_reward(d_original, float(d[own]),
                                               [float(d[i]) for i in without], likeness_weight)
        out.append((reward, r_l, r_u, float(d[own])))
    return out


def edit_rewards_for_photo(original: np.ndarray, reference: np.ndarray,
                           programs: Sequence[Program], *, profile: str = "default",
                           likeness_weight: float = 0.7) -> list[tuple[float, float, float]]:
    """(R, R_L, R_U) for several programs on one photo (see :func:`edit_scores`)."""
    return [score[:3] for score in edit_scores(original, reference, programs, profile=profile,
                                               likeness_weight=likeness_weight)]


def make_edit_reward(*, profile: str = "default", likeness_weight: float = 0.7,
                     image_side: int | None = None) -> RewardFunc:
    """The Edit/Refine reward R for GRPO (None for summary samples and unreadable answers; the
    format reward scores those). ``image_side`` None (or 0) renders at the data's own size,
    as ``iea eval`` does; a smaller side is faster but changes what sharpness and grain do."""
    cache = _ImageCache(image_side or None)

    def edit_reward(completions: Sequence[Any], **kwargs: Any) -> list[float | None]:
        n = len(completions)
        tasks = _task_list(kwargs, n)
        originals = kwargs.get("original_path") or [None] * n
        references = kwargs.get("reference_path") or [None] * n
        rewards: list[float | None] = [None] * n
        groups: dict[tuple[str, str], list[tuple[int, Program]]] = {}
        for i, (completion, task) in enumerate(zip(completions, tasks)):
            if task == "summary" or not originals[i] or not references[i]:
                continue
            try:
                program = parse_edit_answer(completion_text(completion))
            except AnswerUnusable:
                continue
            groups.setdefault((originals[i], references[i]), []).append((i, program))
        for (original_path, reference_path), items in groups.items():
            original = cache.get(original_path)
            reference = cache.get(reference_path, (original.shape[1], original.shape[0]))
            scores = edit_rewards_for_photo(original, reference, [p for _, p in items],
                                            profile=profile, likeness_weight=likeness_weight)
            for (i, _), (reward, _r_l, _r_u) in zip(items, scores):
                rewards[i] = reward
        return rewards

    edit_reward.__name__ = "edit_reward"
    return edit_reward


# --- the summary reward model -------------------------------------------------------------------
def rm_text(reference: str, prediction: str) -> str:
    """The text the summary reward model scores (training and scoring use this one layout).

    >>> rm_text("Make it warmer.", "The user wants warmth.")
    'Reference request: Make it warmer.\\nPredicted request: The user wants warmth.\\nAgreement:'
    """
    return (f"Reference request: {reference.strip()}\nPredicted request: {prediction.strip()}\n"
            "Agreement:")


class SummaryScorer:
    """A trained summary reward model: ``score(references, predictions) -> list[float]`` on the
    rubric's -10..10 scale (the model's raw output mapped by the calibration ``iea train rm``
    stores in ``iea_rm.json``)."""

    def __init__(self, model_path: str | Path, device: str = "cpu", batch_size: int = 32) -> None:
        import json

        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        folder = Path(model_path)
        self.tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        self.tokenizer.padding_side = "right"
        self.model = AutoModelForSequenceClassification.from_pretrained(
            folder, local_files_only=True, dtype=torch.float32).to(device).eval()
        calibration = folder / "iea_rm.json"
        data = json.loads(calibration.read_text()) if calibration.is_file() else {}
        self.scale = float(data.get("scale", 1.0))
        self.bias = float(data.get("bias", 0.0))
        self.device = device
        self.batch_size = batch_size

    def raw(self, references: Sequence[str], predictions: Sequence[str]) -> list[float]:
        import torch

        out: list[float] = []
        eos = self.tokenizer.eos_token or ""  # TRL's RewardTrainer ends every text with EOS
        texts = [rm_text(r, p) + eos for r, p in zip(references, predictions)]
        for start in range(0, len(texts), self.batch_size):
            batch = self.tokenizer(texts[start:start + self.batch_size], padding=True,
                                   truncation=True, max_length=512, return_tensors="pt")
            with torch.inference_mode():
                logits = self.model(**{k: v.to(self.device) for k, v in batch.items()}).logits
            out.extend(float(v) for v in logits[:, 0].float().cpu())
        return out

    def score(self, references: Sequence[str], predictions: Sequence[str]) -> list[float]:
        return [float(np.clip(self.scale * r + self.bias, -10.0, 10.0))
                for r in self.raw(references, predictions)]


@functools.lru_cache(maxsize=4)
def _scorer(model_path: str, device: str) -> SummaryScorer:
    return SummaryScorer(model_path, device)


def make_summary_reward(rm_path: str | Path, device: str = "cpu") -> RewardFunc:
    """Summary reward: RM score / 10 (in -1..1) for summary samples, None elsewhere."""

    def summary_reward(completions: Sequence[Any], **kwargs: Any) -> list[float | None]:
        n = len(completions)
        tasks = _task_list(kwargs, n)
        references = kwargs.get("summary") or [""] * n
        rewards: list[float | None] = [None] * n
        todo, refs, preds = [], [], []
        for i, (completion, task) in enumerate(zip(completions, tasks)):
            if task != "summary" or not references[i]:
                continue
            text = completion_text(completion)
            if layout_problem(text, "summary") is not None:
                rewards[i] = -1.0  # the rubric's -10 for nonsense; the RM never sees it
                continue
            try:
                _reasoning, sentence = parse_summary_answer(text)
            except AnswerUnusable:
                rewards[i] = -1.0
                continue
            todo.append(i)
            refs.append(references[i])
            preds.append(sentence)
        if todo:
            for i, score in zip(todo, _scorer(str(rm_path), device).score(refs, preds)):
                rewards[i] = score / 10.0
        return rewards

    summary_reward.__name__ = "summary_reward"
    return summary_reward
