"""From an instruction to readings: per clause, which tools, which way, how much, and why.

:class:`Interpreter` ties the pieces together: clean-up and clauses (:mod:`.text`), the encoder
(:mod:`.encoder`) and the heads (:mod:`.heads`). A :class:`Reading` is one clause understood;
:func:`edit_effect` turns readings into what an edit of an unedited photo should do, with
``"auto"`` where the photo has to decide (``fix the exposure``) and the constraints the user set
("don't make it brighter" forbids exposure going up, "leave the colors alone" locks saturation).
Refinement of an existing program reads the same :class:`Reading` objects (see :mod:`.refine`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from ...tools import TOOL_NAMES
from .encoder import MiniLMEncoder
from . import polarity as polarity_rules
from .heads import POLARITIES, Heads
from .text import DEGREE_FACTORS, Clause, Speller, cue_vector, extract_degree, parse_clauses

#: A tool is read as touched when the head gives "untouched" less than this probability.
TOUCH_THRESHOLD = 0.5
#: Tools that only add an effect: "no vignette" on an unedited photo means "leave it at 0".
EFFECT_TOOLS = frozenset({"vignette", "grain", "fade"})


def make_speller(vocabulary: Iterable[str], model_path: Path | None = None) -> Speller:
    """Speller that corrects toward the training vocabulary and leaves real English alone."""
    from .encoder import default_model_path

    known: list[str] = []
    vocab_file = (model_path or default_model_path()) / "vocab.txt"
    if vocab_file.is_file():
        known = [w for w in vocab_file.read_text(encoding="utf-8").split()
                 if w.isalpha() and not w.startswith("##")]
    # MiniLM's vocabulary holds a few photo-word look-alikes that are typos here.
    known = [w for w in known if w not in _NOT_WORDS]
    return Speller(vocabulary, known)


_NOT_WORDS = frozenset({"brigher", "shadowns", "colours"})


def content_of(core: str, frame_words: frozenset[str] | set[str]) -> str:
    """The clause without the words of request frames: what it talks about ("too orange now"
    -> "orange")."""
    kept = [w for w in core.split() if w.strip(",.?!") not in frame_words]
    return " ".join(kept)


@dataclass(frozen=True)
class Prototypes:
    """Embeddings of the training phrasings, grouped by intent: a clause's content is compared
    with them (max cosine per group), which carries over to synonyms the heads never saw."""

    embeddings: np.ndarray  # (P, 384) unit vectors
    group: np.ndarray  # (P,) group index of each phrasing
    n_groups: int

    def similarities(self, content_emb: np.ndarray,
                     exclude: Sequence[Sequence[int]] | None = None) -> np.ndarray:
        sims = content_emb @ self.embeddings.T  # (N, P)
        if exclude is not None:
            for row, cols in enumerate(exclude):
                if len(cols):
                    sims[row, list(cols)] = -1.0
        out = np.full((len(sims), self.n_groups), -1.0, np.float32)
        for g in range(self.n_groups):
            cols = self.group == g
            if cols.any():
                out[:, g] = sims[:, cols].max(1)
        return out


#: Words that name *where* (a tone region, a part of the picture) rather than *which way*; the
#: "modifier" view of a clause drops them so "heavy in the blacks" and "lifted blacks" differ by
#: their only informative words.
REGION_WORDS = frozenset({
    "shadows", "shadow", "blacks", "black", "whites", "white", "highlights", "highlight", "corners",
    "corner", "edges", "edge", "colors", "color", "tones", "tone", "skin", "sky", "contrast",
    "exposure", "point", "areas", "area", "parts", "part", "detail", "details", "the", "in", "of",
    "at", "around", "level", "brightness", "image", "photo", "picture", "it", "a", "dark", "bright"})


def modifier_of(content: str) -> str:
    return " ".join(w for w in content.split() if w not in REGION_WORDS)


def frame_of(core: str, phrase_words: frozenset[str] | set[str]) -> str:
    """The clause without the words of known phrasings: how it is said ("too orange now" ->
    "too now"), which is what decides the polarity."""
    return " ".join(w for w in core.split() if w.strip(",.?!") not in phrase_words)


@dataclass(frozen=True)
class Encoded:
    """Everything the heads need about a batch of clause cores except the weights."""

    bag: Sequence[str]
    frame_words: frozenset[str] | set[str]
    phrase_words: frozenset[str] | set[str]
    prototypes: Prototypes
    frames: Prototypes
    modifiers: Prototypes  # the phrasings without region words, grouped like ``prototypes``


def clause_features(encoder: MiniLMEncoder, cores: Sequence[str], ctx: Encoded,
                    use_torch: bool = False,
                    exclude: Sequence[Sequence[int]] | None = None,
                    exclude_frames: Sequence[Sequence[int]] | None = None) -> np.ndarray:
    """Head input per clause core: MiniLM mean+max pooling of the core, mean pooling of its
    content, the content's similarity to each intent's phrasings, the similarity of its frame
    words to each polarity's frames, cue features, bag of words.

    ``ctx.bag`` is the word list of the training phrasings (in the manifest): words outside it
    contribute only through the embeddings, which is what lets unseen synonyms work.
    ``exclude``/``exclude_frames`` (training only) hide each clause's own phrasing and frame from
    the prototypes, so the heads learn from similarities as high as unseen wording will give,
    not from exact hits."""
    cores = list(cores)
    n = len(cores)
    contents = [content_of(c, ctx.frame_words) for c in cores]
    frames = [frame_of(c, ctx.phrase_words) for c in cores]
    modifiers = [modifier_of(c) for c in contents]
    bs = 128 if use_torch else 64
    emb = encoder.encode(cores + contents + frames + modifiers, batch_size=bs,
                         use_torch=use_torch, with_max=True)
    core_emb = emb[:n]
    content_emb = emb[n:2 * n, :encoder.dim]
    frame_emb = emb[2 * n:3 * n, :encoder.dim]
    modifier_emb = emb[3 * n:, :encoder.dim]
    sims = ctx.prototypes.similarities(content_emb, exclude)
    mod_sims = ctx.modifiers.similarities(modifier_emb, exclude)
    frame_sims = ctx.frames.similarities(frame_emb, exclude_frames)
    cues = np.asarray([cue_vector(c) for c in cores], np.float32).reshape(n, -1)
    index = {w: i for i, w in enumerate(ctx.bag)}
    bow = np.zeros((n, len(ctx.bag)), np.float32)
    for row, core in enumerate(cores):
        for w in core.split():
            j = index.get(w.strip(",.?!"))
            if j is not None:
                bow[row, j] = 1.0
    return np.concatenate([core_emb, content_emb, frame_emb, sims, mod_sims, frame_sims, cues,
                           bow], axis=1).astype(np.float32)


@dataclass(frozen=True)
class Reading:
    """One clause understood."""

    clause: Clause
    polarity: str
    confidence: float
    #: tool -> (+1 | -1 | "auto", base magnitude at the default degree)
    tools: dict[str, tuple[int | str, float]] = field(default_factory=dict)
    intent: str = "neutral"
    fixed: bool = False  # black and white: saturation -100 is a switch, not an amount
    #: "bring back / restore / give back <property>": undo part of an earlier change to it
    restore: bool = False

    @property
    def factor(self) -> float:
        return DEGREE_FACTORS[self.clause.degree]


#: The bare feedback groups and the polarity each one stands for (training labels them the same way).
BARE_POLARITY = {"bare_more": "WANT", "bare_less": "OPPOSE", "bare_undo": "REMOVE",
                  "neutral": "NONE", "bare_keep": "KEEP"}

#: "too much" is the complaint itself, not a degree word ("too much, back off a little" asks for a
#: little less)
_COMPLAINT_MUCH = re.compile(r"\b(too|so) much\b")
_DEGREE_ORDER = ("default", "tiny", "slight", "strong", "heavy", "extreme")


def _own_degree(clause: Clause) -> str:
    """The degree the clause's words give besides the "much" of "too much"."""
    return extract_degree(_COMPLAINT_MUCH.sub(" ", clause.text))[1]


def _signature(r: Reading) -> tuple | None:
    """What a reading asks for, as far as "the same thing said twice" goes: bare more / less, or
    the set of (tool, way) it moves; None for readings that never merge."""
    if r.polarity not in ("WANT", "OPPOSE") or r.clause.numbers or r.restore:
        return None
    if not r.tools:
        return ("bare", r.polarity) if r.intent in ("bare_more", "bare_less") else None
    sign = 1 if r.polarity == "WANT" else -1
    if r.fixed or any(d == "auto" for d, _ in r.tools.values()):
        return None
    return ("tools", frozenset((t, sign * int(d)) for t, (d, _) in r.tools.items()))


def merge_repeats(readings: Sequence[Reading]) -> list[Reading]:
    """One feedback sentence that says the same thing twice counts once.

    "too much, back off a little", "overdone, pull it back a bit", "too warm, cool it down": the
    clauses ask for the same move (bare "less" twice, or the same tools the same way, or a named
    move and a bare one of the same sign), so they become one reading. Its degree is the one the
    words give ("a little"), ignoring the "much" of "too much"; with no degree word, the strongest
    of the clauses."""
    out: list[Reading] = []
    for r in readings:
        key = _signature(r)
        k = None
        if key is not None:
            for j, prev in enumerate(out):
                pk = _signature(prev)
                if pk is None:
                    continue
                same = pk == key or (
                    prev.polarity == r.polarity and "bare" in (pk[0], key[0])
                    and pk[0] != key[0])
                if same:
                    k = j
                    break
        if k is None:
            out.append(r)
            continue
        first = out[k]
        own = [d for d in (_own_degree(first.clause), _own_degree(r.clause)) if d != "default"]
        if own:
            level = own[-1]
        else:
            level = max(first.clause.degree, r.clause.degree, key=_DEGREE_ORDER.index)
        keep = first if first.tools or not r.tools else r  # the named one carries the tools
        out[k] = replace(keep, clause=replace(keep.clause, degree=level))
    return out


class Interpreter:
    """Instruction text -> list of :class:`Reading` (one per clause)."""

    def __init__(self, heads: Heads, encoder: MiniLMEncoder) -> None:
        self.heads = heads
        self.encoder = encoder
        m = heads.manifest
        self.ctx = Encoded(
            list(m.get("bag", ())), frozenset(m.get("frame_words", ())),
            frozenset(m.get("phrase_words", ())),
            Prototypes(heads.params["proto_emb"], heads.params["proto_group"].astype(np.int64),
                       len(heads.groups)),
            Prototypes(heads.params["frame_emb"], heads.params["frame_group"].astype(np.int64),
                       len(POLARITIES)),
            Prototypes(heads.params["modifier_emb"], heads.params["proto_group"].astype(np.int64),
                       len(heads.groups)))
        self.speller = make_speller(heads.manifest.get("vocabulary", ()))
        #: clause core -> (group, polarity) for training phrasings that are whole clauses
        self.exact: dict[str, tuple[str, str]] = {
            core: (group, polarity) for core, (group, polarity) in m.get("exact", {}).items()
            if group in heads.groups and polarity in POLARITIES}

    def read(self, instruction: str) -> list[Reading]:
        clauses = parse_clauses(instruction, self.speller)
        if not clauses:
            return []
        cores = [c.core for c in clauses]
        out = self.heads(clause_features(self.encoder, cores, self.ctx))
        readings = []
        for k, clause in enumerate(clauses):
            g = int(np.argmax(out.intent[k]))
            intent = self.heads.groups[g]
            pol_idx = int(np.argmax(out.polarity[k]))
            polarity = POLARITIES[pol_idx]
            confidence = float(out.intent[k, g])
            known = self.exact.get(clause.core)
            if known is not None:
                # A clause that is exactly a known phrasing ("pull back the highlights") is read
                # as trained, not by the frame habit of its verb ("pull back the {x}" = less).
                intent, polarity = known
                confidence = 1.0
            else:
                # frames the polarity head gets wrong ("not warm enough", "maybe too bright",
                # "it shouldn't be this bright"), and a plain direction word the heads missed
                named = polarity_rules.backstop_intent(clause.text, intent, confidence)
                if named is not None and named in self.heads.groups:
                    negated = polarity_rules.NEGATION.search(clause.text) is not None
                    intent, polarity = named, "FORBID" if negated else "WANT"
                polarity = polarity_rules.adjust(clause.text, intent, polarity)
            if not clause.core.strip():
                intent, polarity = "neutral", "NONE"
            tools: dict[str, tuple[int | str, float]] = {}
            if intent in BARE_POLARITY:
                # "a bit less" / "undo" / "perfect": no property, the group says what to do.
                polarity = BARE_POLARITY[intent]
            else:
                for tool, value in self.heads.values.get(intent, {}).items():
                    if value == "auto":
                        tools[tool] = ("auto", 0.0)
                    else:
                        tools[tool] = (1 if int(value) > 0 else -1, float(abs(int(value))))
                if polarity == "NONE":
                    polarity = "WANT"  # a property without a verb ("warmer") is a request
            if polarity_rules.keeps_rest(clause.text):
                # "keep the rest", "leave everything else as is": nothing else changes; the
                # heads read these as "more" or as an unrelated property
                intent, polarity, tools = "bare_keep", "KEEP", {}
            restore = bool(tools) and polarity_rules.RESTORE.search(clause.text) is not None
            readings.append(Reading(clause, polarity, confidence, tools, intent,
                                    intent in self.heads.fixed, restore))
        return readings


@dataclass
class EditEffect:
    """What an edit should do: values (int or "auto"), and the user's constraints."""

    values: dict[str, int | str] = field(default_factory=dict)
    forbid_up: set[str] = field(default_factory=set)
    forbid_down: set[str] = field(default_factory=set)
    locked: set[str] = field(default_factory=set)
    sources: dict[str, Reading] = field(default_factory=dict)  # which clause set each tool

    def apply_constraints(self, values: dict[str, int]) -> dict[str, int]:
        out = dict(values)
        for tool in list(out):
            v = out[tool]
            if tool in self.locked or (v > 0 and tool in self.forbid_up) or (
                    v < 0 and tool in self.forbid_down):
                out[tool] = 0
        return out


def clause_values(reading: Reading, *, sign: int, factor: float | None = None) -> dict[str, int | str]:
    """The values one reading asks for, in direction ``sign`` (+1 want, -1 oppose)."""
    f = reading.factor if factor is None else factor
    out: dict[str, int | str] = {}
    for tool, (direction, magnitude) in reading.tools.items():
        if direction == "auto":
            out[tool] = "auto"
            continue
        if reading.fixed and tool == "saturation":
            if sign > 0:  # "less black and white" has no sensible opposite: leave it
                out[tool] = -100
            continue
        value = sign * int(direction) * magnitude * (1.0 if reading.fixed else f)
        out[tool] = int(max(-100, min(100, round(value))))
    return out


def edit_effect(readings: Sequence[Reading]) -> EditEffect:
    """Compose clause readings into the effect of an edit on an unedited photo."""
    effect = EditEffect()
    previous: set[str] = set()  # tools the last clause with a property set
    for r in readings:
        for tool, value, relative in r.clause.numbers:
            effect.values[tool] = value
            effect.sources[tool] = r
        if r.polarity == "NONE":
            continue
        if r.polarity == "KEEP":
            effect.locked |= set(r.tools)
            continue
        if r.polarity == "FORBID":
            for tool, (direction, _) in r.tools.items():
                if direction == 1:
                    effect.forbid_up.add(tool)
                elif direction == -1:
                    effect.forbid_down.add(tool)
                else:
                    effect.locked.add(tool)
            continue
        if r.polarity == "REMOVE" and set(r.tools) and set(r.tools) <= EFFECT_TOOLS:
            effect.locked |= set(r.tools)  # "no vignette": nothing to take off an unedited photo
            continue
        if not r.tools:
            # Bare "more" / "but not too much" after a request: scale what the previous clause set.
            if previous and r.polarity in ("WANT", "OPPOSE"):
                scale = (1.0 + 0.3 * r.factor if r.polarity == "WANT"
                         else max(0.4, 1.0 - 0.25 * r.factor))
                for tool in previous:
                    v = effect.values.get(tool)
                    if isinstance(v, int):
                        effect.values[tool] = int(max(-100, min(100, round(v * scale))))
            continue
        sign = 1 if r.polarity == "WANT" else -1
        factor = 1.0 if r.polarity == "REMOVE" else None
        wanted = clause_values(r, sign=sign, factor=factor)
        earlier = {t: effect.values.get(t) for t in wanted}
        if r.polarity == "OPPOSE" and all(
                isinstance(v, int) and isinstance(earlier[t], int) and earlier[t] * v < 0
                for t, v in wanted.items()):
            # "warmer but not too warm": a limit on the request just made, not a reversal.
            for tool in wanted:
                effect.values[tool] = int(round(earlier[tool] * max(0.4, 1.0 - 0.25 * r.factor)))
            continue
        previous = set(wanted)
        for tool, value in wanted.items():
            before = effect.values.get(tool)
            if value == "auto" and isinstance(before, int) and before:
                # "cold and flat, could you improve it?": the direction asked for stays; the
                # general correction only decides the tools nobody named
                continue
            if isinstance(value, int) and isinstance(before, int):
                value = max(-100, min(100, value + before))  # two clauses on one tool add up
            effect.values[tool] = value
            effect.sources[tool] = r
    for tool in effect.locked:
        effect.values.pop(tool, None)
    for tool in list(effect.values):
        v = effect.values[tool]
        if isinstance(v, int) and ((v > 0 and tool in effect.forbid_up) or
                                   (v < 0 and tool in effect.forbid_down)):
            effect.values.pop(tool)
    return effect
