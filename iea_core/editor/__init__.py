"""The editor: ``render(image, program, profile=...)``.

Profiles:

``default``
    What users get: a corrected editor that behaves as a photographer expects (monotone tools,
    0 is exactly identity, exposure and white balance in linear light, vibrance both ways with skin
    protection, Lightroom's vignette sign, clarity that never inverts, 16-bit safe). The math of
    every tool is documented in :mod:`iea_core.editor.curves`; it runs as one fused numba pass
    (:mod:`iea_core.editor.kernels`).
``iea-compat``
    IEA's original editor, defects included (:mod:`iea_core.editor.compat`), so that the released
    IEA model and the paper's numbers can be compared on the editor they were made with.

Arrays follow matplotlib's conventions (:mod:`iea_core.editor.arrays`): H x W x 3 or x 4, uint8,
uint16 or float in 0..1, and the result has the input's dtype::

    import matplotlib.pyplot as plt
    plt.imshow(render(img, {"exposure": 20, "temperature": 15}))
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from ..errors import ArrayConventionError, InvalidProgram
from ..program import Program
from .arrays import check_image, from_float01, split_alpha, to_float01, with_alpha

PROFILES: tuple[str, ...] = ("default", "iea-compat")

ProgramLike = Program | Mapping[str, Any]


def _as_program(program: ProgramLike) -> Program:
    if isinstance(program, Program):
        return program
    if isinstance(program, Mapping):
        return Program(program)
    raise InvalidProgram([f"expected a Program or a mapping of tool values, got "
                          f"{type(program).__name__}"])


def _check_profile(profile: str) -> None:
    if profile not in PROFILES:
        raise InvalidProgram([f"unknown editor profile {profile!r} (choose {', '.join(PROFILES)})"],
                             "editor settings")


def _scale_for(dtype: np.dtype) -> tuple[float, float]:
    if dtype == np.uint8:
        return 255.0, 0.5
    if dtype == np.uint16:
        return 65535.0, 0.5
    return 1.0, 0.0


def _compat(rgb: np.ndarray, program: Program, seed: int) -> np.ndarray:
    """IEA's editor on 8 bits; returns float32 0..1 for non-uint8 callers."""
    from .compat import render_compat_u8

    if rgb.dtype == np.uint8:
        u8 = rgb
    elif rgb.dtype == np.uint16:
        u8 = ((rgb.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    else:
        u8 = from_float01(rgb, np.dtype(np.uint8))
    return render_compat_u8(np.ascontiguousarray(u8), program, seed)


def render(image: np.ndarray, program: ProgramLike, profile: str = "default", *,
           seed: int = 0) -> np.ndarray:
    """Apply ``program`` to ``image``; the result has the same shape, dtype and range.

    ``seed`` makes grain reproducible (the same seed gives the same grain).
    """
    image = check_image(image)
    program = _as_program(program)
    _check_profile(profile)
    rgb, alpha = split_alpha(image)
    if profile == "iea-compat":
        u8 = _compat(rgb, program, seed)
        if image.dtype == np.uint8:
            return with_alpha(u8, alpha)
        return with_alpha(from_float01(u8.astype(np.float32) / 255.0, image.dtype), alpha)
    if program.is_identity or _is_noop(program):
        return image.copy()
    from .default import ImageContext, render_into

    ctx = ImageContext(rgb)
    out = np.empty(image.shape, dtype=image.dtype)
    scale, offset = _scale_for(image.dtype)
    render_into(ctx, program, out, seed=seed, out_scale=scale, out_offset=offset)
    if alpha is not None:
        out[..., 3] = alpha
    return out


def _is_noop(program: Program) -> bool:
    """Programs whose only tools do nothing in the default profile (negative grain)."""
    return all(tool == "grain" and value < 0 for tool, value in program.values.items())


def render_batch(image: np.ndarray, programs: Sequence[ProgramLike], profile: str = "default",
                 *, seed: int = 0, dtype: np.dtype | type | None = None) -> np.ndarray:
    """Render N programs on one image: (N, H, W, 3), float32 in 0..1 by default.

    ``dtype`` (uint8, uint16 or a float type) asks for the renders in that type instead; with
    the photo's own dtype each render is exactly what :func:`render` returns for it, the
    8-bit files a photographer sees (which rounding the float renders would only approach:
    the 8-bit path has kernels of its own).

    Per-image work (decoding tables, lightness and clarity maps) is done once and shared, which is
    what GRPO rollouts, the usefulness reward and parameter searches need.
    """
    image = check_image(image)
    _check_profile(profile)
    out_dtype = np.dtype(np.float32 if dtype is None else dtype)
    if out_dtype not in _BATCH_DTYPES:
        raise ArrayConventionError(
            f"render_batch renders to uint8, uint16, float32 or float64, not {out_dtype}")
    rgb, _ = split_alpha(image)
    parsed = [_as_program(p) for p in programs]
    out = np.empty((len(parsed),) + rgb.shape[:2] + (3,), dtype=out_dtype)
    if profile == "iea-compat":
        for i, program in enumerate(parsed):
            u8 = _compat(rgb, program, seed)
            out[i] = u8 if out_dtype == np.uint8 else from_float01(
                u8.astype(np.float32) / np.float32(255.0), out_dtype)
        return out
    from .default import ImageContext, render_programs

    ctx = ImageContext(rgb)
    todo = []
    for i, program in enumerate(parsed):
        if program.is_identity or _is_noop(program):
            out[i] = rgb if rgb.dtype == out_dtype else from_float01(to_float01(rgb), out_dtype)
        else:
            todo.append(i)
    if todo:
        target = out if len(todo) == len(parsed) else np.empty(
            (len(todo),) + out.shape[1:], dtype=out_dtype)
        scale, offset = _scale_for(out_dtype)
        render_programs(ctx, [parsed[i] for i in todo], target, seed=seed, out_scale=scale,
                        out_offset=offset)
        if target is not out:
            out[todo] = target
    return out


_BATCH_DTYPES = tuple(np.dtype(t) for t in (np.uint8, np.uint16, np.float32, np.float64))


def render_many(images: Sequence[np.ndarray] | np.ndarray, programs: Sequence[ProgramLike],
                profile: str = "default", *, seed: int = 0) -> np.ndarray:
    """Render image i with program i: float32 (N, H, W, 3) in 0..1 (images of equal size)."""
    if len(images) != len(programs):
        raise ArrayConventionError(
            f"render_many needs one program per image, got {len(images)} images and "
            f"{len(programs)} programs")
    if len(images) == 0:
        return np.empty((0, 0, 0, 3), dtype=np.float32)
    shapes = {tuple(np.shape(img)[:2]) for img in images}
    if len(shapes) != 1:
        raise ArrayConventionError(f"render_many needs images of one size, got {sorted(shapes)}")
    out = np.empty((len(images),) + shapes.pop() + (3,), dtype=np.float32)
    for i, (img, program) in enumerate(zip(images, programs)):
        out[i] = render_batch(img, [program], profile, seed=seed)[0]
    return out


def warm_up() -> None:
    """Compile (or load from the on-disk cache) every kernel, on uint8 and uint16 input."""
    probe = np.full((8, 8, 3), 128, dtype=np.uint8)
    full = {name: 10 for name in ("exposure", "contrast", "natural_contrast", "saturation",
                                  "vibrance", "temperature", "sharpness", "vignette", "fade",
                                  "grain")}
    tone = {"exposure": 10, "contrast": 10, "temperature": 10}  # the 8-bit pointwise kernel
    for image in (probe, probe.astype(np.uint16) * 257):
        for program in (full, tone):
            render(image, program)
            render_batch(image, [program, program])
            render_batch(image, [program, program], dtype=image.dtype)


__all__ = ["PROFILES", "render", "render_batch", "render_many", "warm_up"]
