"""Metrics and rewards, exactly as the IEA paper defines them, plus a perceptual ΔE.

All image arguments follow the editor's array conventions (uint8, uint16 or float 0..1, H x W x 3;
alpha ignored). Rewards are plain callables returning floats, in the style of TRL's reward
functions, so training code can use them directly.

>>> import numpy as np
>>> a = np.zeros((2, 2, 3)); b = np.full((2, 2, 3), 0.5)
>>> distance(a, b)
0.5
>>> likeness_reward(a, b, b)  # the edit reached the reference
1.0
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from .errors import ArrayConventionError
from .program import Program, parse_summary_output


def _float(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return image[..., :3].astype(np.float32) / np.float32(255.0)
    if image.dtype == np.uint16:
        return image[..., :3].astype(np.float32) / np.float32(65535.0)
    return image[..., :3].astype(np.float32, copy=False)


def _same_shape(fa: np.ndarray, fb: np.ndarray) -> None:
    if fa.shape != fb.shape:
        raise ArrayConventionError(f"images differ in size: {fa.shape} vs {fb.shape}")


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """The paper's pixel distance d = (mean |a - b| + sqrt(mean (a - b)^2)) / 2 on RGB in 0..1.

    >>> import numpy as np
    >>> black = np.zeros((1, 2, 3), dtype=np.uint8)
    >>> half_white = black.copy(); half_white[0, 0] = 255
    >>> round(distance(black, half_white), 4)   # (0.5 + sqrt(0.5)) / 2
    0.6036
    """
    fa, fb = _float(a), _float(b)
    _same_shape(fa, fb)
    diff = fa.astype(np.float64) - fb
    return float((np.mean(np.abs(diff)) + np.sqrt(np.mean(diff * diff))) / 2.0)


def distance_batch(edits: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """d of each of N edits (N, H, W, 3) to one reference: float64 array of N distances."""
    ref = _float(reference)
    edits = _float(edits)
    if edits.ndim != 4 or edits.shape[1:] != ref.shape:
        raise ArrayConventionError(
            f"edits {edits.shape} should be N x {' x '.join(map(str, ref.shape))} like the "
            f"reference")
    n = edits.shape[0]
    l1 = np.empty(n)
    l2 = np.empty(n)
    for i in range(n):  # one image at a time keeps memory at one float image
        diff = edits[i] - ref
        l1[i] = np.mean(np.abs(diff), dtype=np.float64)
        l2[i] = np.sqrt(np.mean(diff * diff, dtype=np.float64))
    return (l1 + l2) / 2.0


def likeness_from_distances(d_original: float, d_edit: float) -> float:
    """R_L from the two distances: improvement relative to doing nothing, floored at -1.

    >>> likeness_from_distances(0.5, 0.125)  # closed 75 % of the gap
    0.75
    >>> likeness_from_distances(0.1, 0.5)    # made it much worse: floored
    -1.0
    """
    if d_original <= 1e-12:
        return 1.0 if d_edit <= 1e-12 else -1.0
    return max(-1.0, (d_original - d_edit) / d_original)


def usefulness_from_distances(d_edit: float, d_without: Sequence[float]) -> float:
    """R_U from d(edit, ref) and d(edit without tool i, ref) for each emitted tool i.

    A tool scores +1 when removing it moves the render further from the reference, else -1;
    no tools scores 0.

    >>> usefulness_from_distances(0.10, [0.20, 0.15, 0.09])   # two helped, one hurt
    0.3333333333333333
    >>> usefulness_from_distances(0.10, [])
    0.0
    """
    if len(d_without) == 0:
        return 0.0
    return float(np.mean([1.0 if d > d_edit else -1.0 for d in d_without]))


def likeness_reward(original: np.ndarray, edited: np.ndarray, reference: np.ndarray) -> float:
    """R_L = (d(orig, ref) - d(edit, ref)) / d(orig, ref), floored at -1."""
    return likeness_from_distances(distance(original, reference), distance(edited, reference))


def _variant_distances(original: np.ndarray, program: Program, reference: np.ndarray,
                       profile: str, seed: int) -> np.ndarray:
    """d to the reference of [program, program minus tool 1, minus tool 2, ...], rendered in
    one ``render_batch`` call (the editor shares its per-image work across the batch)."""
    from .editor import render_batch

    variants = [program] + [program.replace({tool: 0}) for tool in program.values]
    # score what the photographer would get: an 8-bit photo renders to 8 bits by render()'s own
    # kernels, so the reward agrees exactly with ``render`` (an exact reproduction scores 1, not
    # 0.99); distance_batch reads 8-bit renders as any 8-bit image
    dtype = np.uint8 if np.asarray(original).dtype == np.uint8 else None
    return distance_batch(render_batch(original, variants, profile, seed=seed, dtype=dtype),
                          reference)


def _as_program(program: Program | Mapping[str, Any]) -> Program:
    return program if isinstance(program, Program) else Program(program)


def usefulness_reward(original: np.ndarray, program: Program | Mapping[str, Any],
                      reference: np.ndarray, profile: str = "default", *,
                      seed: int = 0) -> float:
    """R_U: mean over the program's tools of +1 if removing the tool makes d(edit, ref) larger
    (the tool helped), else -1. An empty program scores 0 (nothing to judge)."""
    program = _as_program(program)
    if not program.values:
        return 0.0
    dists = _variant_distances(original, program, reference, profile, seed)
    return usefulness_from_distances(dists[0], dists[1:])


def edit_reward(original: np.ndarray, program: Program | Mapping[str, Any],
                reference: np.ndarray, profile: str = "default", *, seed: int = 0) -> float:
    """The paper's edit reward R = 0.7 R_L + 0.3 R_U, rendering ``program`` on ``original``."""
    program = _as_program(program)
    dists = _variant_distances(original, program, reference, profile, seed)
    r_l = likeness_from_distances(distance(original, reference), dists[0])
    return 0.7 * r_l + 0.3 * usefulness_from_distances(dists[0], dists[1:])


def rouge_l(prediction: str, reference: str) -> float:
    """ROUGE-L F-measure between two sentences (the ``rouge_score`` package, stemmed).

    >>> round(rouge_l("a warm faded look", "warm and faded look"), 3)
    0.75
    """
    scorer = _rouge_scorer()
    return float(scorer.score(reference, prediction)["rougeL"].fmeasure)


def rouge_l_reward(completions: Sequence[Any], summary: Sequence[str | None] | None = None,
                   **kwargs: Any) -> list[float | None]:
    """TRL-style reward for Image-Summary rollouts: ROUGE-L of each answer's sentence against the
    dataset's ``summary`` column. Completions may be strings or chat message lists; rows without a
    reference (other tasks) get ``None`` so TRL leaves them out.

    >>> answer = "<think>warm light</think><answer>A warm, faded film look.</answer>"
    >>> rouge_l_reward([answer, "<answer>cold</answer>"], summary=["warm faded film look", None])
    [0.888..., None]
    """
    out: list[float | None] = []
    references = list(summary) if summary is not None else [None] * len(completions)
    for completion, reference in zip(completions, references):
        if not reference:
            out.append(None)
            continue
        _, sentence = parse_summary_output(completion_text(completion))
        out.append(rouge_l(sentence, reference) if sentence else 0.0)
    return out


def completion_text(completion: Any) -> str:
    """The text of a completion given as a string, a message dict or a list of messages.

    >>> completion_text([{"role": "assistant", "content": "hi"}])
    'hi'
    >>> completion_text("plain")
    'plain'
    """
    if isinstance(completion, str):
        return completion
    messages = [completion] if isinstance(completion, Mapping) else list(completion or [])
    parts: list[str] = []
    for message in messages:
        content = message.get("content", "")
        if isinstance(content, str):
            parts.append(content)
        else:
            parts.extend(p.get("text") or "" for p in content if p.get("type") == "text")
    return "".join(parts)


_SCORER: Any = None


def _rouge_scorer() -> Any:
    global _SCORER
    if _SCORER is None:
        try:
            from rouge_score import rouge_scorer
        except ImportError:
            from .errors import BackendUnavailable

            raise BackendUnavailable("ROUGE-L needs the rouge-score package, part of the "
                                     "training install: pip install 'iea[train]'") from None

        _SCORER = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    return _SCORER


# --- CIEDE2000 -------------------------------------------------------------------------------
_SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                         [0.2126729, 0.7151522, 0.0721750],
                         [0.0193339, 0.1191920, 0.9503041]])
_WHITE_D65 = np.array([0.95047, 1.0, 1.08883])


def srgb_to_lab(image: np.ndarray) -> np.ndarray:
    """sRGB (any accepted dtype) -> CIE L*a*b* (D65), float64 (..., 3)."""
    rgb = _float(image).astype(np.float64)
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = lin @ _SRGB_TO_XYZ.T / _WHITE_D65
    eps, kappa = 216 / 24389, 24389 / 27
    f = np.where(xyz > eps, np.cbrt(xyz), (kappa * xyz + 16) / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]),
                     200 * (f[..., 1] - f[..., 2])], axis=-1)


def ciede2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIEDE2000 colour difference between two L*a*b* arrays (elementwise over pixels)."""
    L1, a1, b1 = np.moveaxis(np.asarray(lab1, dtype=np.float64), -1, 0)
    L2, a2, b2 = np.moveaxis(np.asarray(lab2, dtype=np.float64), -1, 0)
    c1, c2 = np.hypot(a1, b1), np.hypot(a2, b2)
    c_mean7 = ((c1 + c2) / 2) ** 7
    g = 0.5 * (1 - np.sqrt(c_mean7 / (c_mean7 + 25.0 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    h1p = np.where((a1p == 0) & (b1 == 0), 0.0, h1p)
    h2p = np.where((a2p == 0) & (b2 == 0), 0.0, h2p)
    dLp = L2 - L1
    dCp = c2p - c1p
    dh = h2p - h1p
    zero = (c1p * c2p) == 0
    dh = np.where(zero, 0.0, np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh)))
    dHp = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh) / 2)
    Lp = (L1 + L2) / 2
    Cp = (c1p + c2p) / 2
    hsum = h1p + h2p
    hp = np.where(zero, hsum,
                  np.where(np.abs(h1p - h2p) <= 180, hsum / 2,
                           np.where(hsum < 360, (hsum + 360) / 2, (hsum - 360) / 2)))
    t = (1 - 0.17 * np.cos(np.radians(hp - 30)) + 0.24 * np.cos(np.radians(2 * hp))
         + 0.32 * np.cos(np.radians(3 * hp + 6)) - 0.20 * np.cos(np.radians(4 * hp - 63)))
    d_theta = 30 * np.exp(-(((hp - 275) / 25) ** 2))
    rc = 2 * np.sqrt(Cp ** 7 / (Cp ** 7 + 25.0 ** 7))
    sl = 1 + 0.015 * (Lp - 50) ** 2 / np.sqrt(20 + (Lp - 50) ** 2)
    sc = 1 + 0.045 * Cp
    sh = 1 + 0.015 * Cp * t
    rt = -np.sin(np.radians(2 * d_theta)) * rc
    return np.sqrt((dLp / sl) ** 2 + (dCp / sc) ** 2 + (dHp / sh) ** 2
                   + rt * (dCp / sc) * (dHp / sh))


def delta_e(a: np.ndarray, b: np.ndarray, *, max_pixels: int = 1_000_000) -> float:
    """Mean CIEDE2000 between two images (sub-sampled evenly above ``max_pixels``).

    About 1 is a just-noticeable difference; 2-5 is visible side by side; above 10 the photos look
    clearly different.
    """
    fa, fb = _float(a), _float(b)
    _same_shape(fa, fb)
    step = int(np.ceil(np.sqrt(fa.shape[0] * fa.shape[1] / max_pixels))) or 1
    fa, fb = fa[::step, ::step], fb[::step, ::step]
    return float(np.mean(ciede2000(srgb_to_lab(fa), srgb_to_lab(fb))))


def edit_rewards(originals: Sequence[np.ndarray], programs: Sequence[Program],
                 references: Sequence[np.ndarray], profile: str = "default") -> list[float]:
    """:func:`edit_reward` over parallel lists (a TRL-style reward callable's core)."""
    return [edit_reward(o, p, r, profile) for o, p, r in zip(originals, programs, references)]
