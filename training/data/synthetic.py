"""Stage-3 synthetic data and reward-model pairs (IEA section 3.4, Appendix F).

A latent program of 2-7 tools is sampled with strengths from IEA's bins (light 15-30, medium
45-60, heavy 75-90, extreme 100); the editor renders it on a photo; templates word it as an expert
instruction and as an amateur request. From each program come an Image-Edit record, an
Image-Summary record, and (with ``refine_fraction``) an Image-Refine record whose target differs
from the first edit in one or two tools. Summary pairs for the reward model are scored on the
paper's rubric (10 same intent, partial coverage positive, a wrong key attribute negative, vague
about 0, nonsense -10).
"""
from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from iea_core.program import Program
from iea_core.tools import TOOL_NAMES

from . import language
from .records import Record

MIN_TOOLS, MAX_TOOLS = 2, 7


@functools.lru_cache(maxsize=None)
def inert_sides(profile: str = "default") -> frozenset[tuple[str, int]]:
    """(tool, sign) pairs that leave a photo unchanged in ``profile`` (negative grain in the
    default profile: a photo's own grain is not removed; positive vibrance in iea-compat).

    A target that uses one teaches the model a placebo edit, and its usefulness reward can only
    be -1, so synthetic programs never contain them. Found by rendering, not listed, so the
    set follows the editor.
    """
    from iea_core.editor import render

    ramp = np.linspace(0.0, 1.0, 24 * 32, dtype=np.float32).reshape(24, 32)
    photo = (np.stack([ramp, ramp[::-1], np.roll(ramp, 7, axis=1)], -1) * 255).astype(np.uint8)
    inert = set()
    for tool in TOOL_NAMES:
        for sign in (-1, 1):
            # a side that does something does more at 90 than at 30 (iea-compat changes every
            # pixel a little for any program, so "equals the photo" would not be the test)
            weak, strong = (render(photo, Program({tool: v * sign}), profile) for v in (30, 90))
            if np.array_equal(weak, strong):
                inert.add((tool, sign))
    return frozenset(inert)


def _signed(rng: random.Random, tool: str, magnitude: int, profile: str) -> int:
    """``magnitude`` with a random sign, never a side of ``tool`` that does nothing."""
    signs = [s for s in (-1, 1) if (tool, s) not in inert_sides(profile)] or [1]
    return rng.choice(signs) * magnitude


def sample_program(rng: random.Random, n_tools: int | None = None,
                   strength: str | None = None,
                   profile: str = "default") -> tuple[Program, str]:
    """A random program of ``n_tools`` (2-7) tools; every tool value comes from one strength bin
    (``strength`` or a random one) with a sign that does something in ``profile``. Returns
    (program, bin name)."""
    n = n_tools or rng.randint(MIN_TOOLS, MAX_TOOLS)
    bin_name = strength or rng.choice(tuple(language.STRENGTH_BINS))
    low, high = language.STRENGTH_BINS[bin_name]
    values = {}
    for name in rng.sample(TOOL_NAMES, n):
        values[name] = _signed(rng, name, rng.randint(low, high), profile)
    return Program(values), bin_name


def perturb(program: Program, rng: random.Random, profile: str = "default") -> Program:
    """A related program differing in one or two tools (weaker, stronger, dropped or added),
    never with a tool on a side that does nothing."""
    values = program.to_dict()
    for _ in range(rng.choice((1, 2))):
        used = [t for t in TOOL_NAMES if values.get(t)]
        action = rng.choice(("weaker", "stronger", "drop", "add")) if used else "add"
        if action == "add":
            unused = [t for t in TOOL_NAMES if not values.get(t)]
            if unused:
                low, high = language.STRENGTH_BINS[rng.choice(("light", "medium"))]
                tool = rng.choice(unused)
                values[tool] = _signed(rng, tool, rng.randint(low, high), profile)
            continue
        tool = rng.choice(used)
        value = values[tool]
        if action == "drop" and len(used) > 1:
            values[tool] = 0
        elif action == "weaker" or abs(value) >= 90:
            values[tool] = int(value / 2) or (1 if value > 0 else -1)
        else:
            values[tool] = max(-100, min(100, int(value * 1.8)))
    new = Program({k: v for k, v in values.items() if v})
    if new.same_values(program):  # never a no-op refine
        tool = rng.choice([t for t in TOOL_NAMES if not program[t]])
        new = new.replace({tool: _signed(rng, tool, 25, profile)})
    return new


@dataclass
class PhotoSource:
    """A photo for synthesis: an id and its pixels (uint8 H x W x 3, already downsized)."""

    name: str
    pixels: np.ndarray


def load_sources(paths: Sequence[str | Path], max_side: int = 448) -> list[PhotoSource]:
    """Read photos from disk with iea's reader (raw, 16-bit and EXIF orientation handled)."""
    from iea_core.agent.vlm_common import to_pil

    sources = []
    for path in paths:
        path = Path(path)
        try:
            from iea_core.imageio import read_image

            pixels = read_image(path).pixels
        except ImportError:
            from PIL import Image

            with Image.open(path) as img:
                pixels = np.asarray(img.convert("RGB"))
        sources.append(PhotoSource(path.stem, np.asarray(to_pil(pixels, max_side))))
    return sources


def _save_png(image: np.ndarray, path: Path) -> None:
    from PIL import Image

    array = np.asarray(image)
    if array.dtype != np.uint8:
        array = (np.clip(array, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.ascontiguousarray(array[..., :3])).save(path)


def build_synthetic(sources: Sequence[PhotoSource], out_dir: str | Path, *, n_programs: int,
                    seed: int = 0, refine_fraction: float = 0.3, summary_fraction: float = 0.5,
                    amateur_fraction: float = 0.7, profile: str = "default",
                    id_prefix: str | None = None) -> list[Record]:
    """Render ``n_programs`` latent programs over ``sources`` into ``out_dir/images`` and return
    their Edit / Summary / Refine records (paths relative to ``out_dir``).

    Record ids are ``<id_prefix>-<k>``; the default prefix is :func:`shard_tag` of the seed and
    the photos, so shards built separately (other seed or photos) never share an id when they
    are mixed into one training run."""
    from iea_core.editor import render

    if not sources:
        raise ValueError("no source photos")
    rng = random.Random(seed)
    out = Path(out_dir)
    prefix = id_prefix or shard_tag(sources, seed, profile)
    records: list[Record] = []
    for k in range(n_programs):
        index = k % len(sources)
        source = sources[index]
        program, bin_name = sample_program(rng, profile=profile)
        stem = f"{prefix}-{k:06d}"
        # numbered: two photos with the same file name (from different folders) stay two photos
        original_rel = f"images/{prefix}-src{index:05d}-{source.name}.png"
        if not (out / original_rel).exists():
            _save_png(source.pixels, out / original_rel)
        reference_rel = f"images/{stem}_ref.png"
        _save_png(render(source.pixels, program, profile), out / reference_rel)
        amateur = rng.random() < amateur_fraction
        instruction = (language.amateur_instruction(program, rng) if amateur
                       else language.expert_instruction(program, rng))
        records.append(Record(
            id=f"{stem}-edit", task="edit", source="synthetic", image=original_rel,
            reference=reference_rel, instruction=instruction, program=program.to_dict(),
            reasoning=language.reasoning(program, rng, instruction), strength=bin_name))
        if rng.random() < summary_fraction:
            records.append(Record(
                id=f"{stem}-summary", task="summary", source="synthetic", image=original_rel,
                reference=reference_rel, summary=language.summary_sentence(program, rng),
                program=program.to_dict(), strength=bin_name,
                reasoning="The right side differs from the left: " + language.reasoning(
                    program, rng).replace("\n", " ")))
        if rng.random() < refine_fraction:
            target = perturb(program, rng, profile)
            target_rel = f"images/{stem}_refined.png"
            _save_png(render(source.pixels, target, profile), out / target_rel)
            feedback = language.refine_feedback(program, target, rng)
            records.append(Record(
                id=f"{stem}-refine", task="refine", source="synthetic", image=original_rel,
                reference=target_rel, previous=reference_rel,
                previous_program=program.to_dict(), instruction=instruction, feedback=feedback,
                program=target.to_dict(), strength=bin_name,
                reasoning=f"The feedback is: {feedback}\n" + language.reasoning(target, rng)))
    return records


def shard_tag(sources: Sequence[PhotoSource], seed: int, profile: str = "default") -> str:
    """``syn-`` + 10 hex digits naming one shard: its seed, profile and photos (names and
    pixels), so that separately built shards get distinct record ids."""
    import hashlib

    digest = hashlib.sha1(f"{seed}|{profile}|{len(sources)}".encode())
    for source in sources:
        digest.update(source.name.encode("utf-8", "replace") + b"\0")
        digest.update(np.ascontiguousarray(source.pixels[::16, ::16]).tobytes())
    return f"syn-{digest.hexdigest()[:10]}"


def rm_pairs(n_references: int, *, seed: int = 0) -> list[dict[str, Any]]:
    """Scored (reference, prediction) pairs on the paper's rubric for the summary reward model."""
    rng = random.Random(seed)
    pairs: list[dict[str, Any]] = []
    for _ in range(n_references):
        program, _bin = sample_program(rng, n_tools=rng.randint(2, 4))
        reference = language.amateur_instruction(program, rng)
        items = program.to_dict()
        names = list(items)
        pairs.append({"reference": reference, "score": 10.0,
                      "prediction": language.summary_sentence(program, rng)})
        kept = rng.sample(names, max(1, len(names) // 2))
        partial = Program({n: items[n] for n in kept})
        pairs.append({"reference": reference,
                      "score": float(round(2 + 6 * len(kept) / len(names))),
                      "prediction": language.summary_sentence(partial, rng)})
        flipped = program.replace({names[0]: -items[names[0]]})
        pairs.append({"reference": reference, "score": -5.0,
                      "prediction": language.summary_sentence(flipped, rng)})
        other, _ = sample_program(rng)
        if not set(other.to_dict()) & set(items):
            pairs.append({"reference": reference, "score": -6.0,
                          "prediction": language.summary_sentence(other, rng)})
        pairs.append({"reference": reference, "score": 0.0,
                      "prediction": language.vague_sentence(rng)})
        pairs.append({"reference": reference, "score": -10.0,
                      "prediction": language.nonsense_sentence(rng)})
    return pairs
