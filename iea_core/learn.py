"""Learn a photographer's style from photos they already edited: photo statistics -> 16 values.

``iea style learn NAME FOLDER`` reads every photo that carries the photographer's develop settings
(darktable or Lightroom sidecars, XMP embedded in the file), takes a small preview of each
*unedited* original, and fits one small model per tool that predicts the tool's value from
statistics of the photo (:func:`photo_features`: brightness percentiles, spread, clipping, colour
cast, saturation, detail, centre/edge balance). Applied to a new photo, the model gives that
photo its own program: a dark frame gets more exposure than a bright one, a blue frame a warmer
white balance than a neutral one, as the photographer did. A fixed preset (the mean program) is
what the same examples give without the photo.

**The model.** Per tool, ridge regression on standardised features, its strength chosen by exact
leave-one-out cross-validation (the closed form ``e_i / (1 - h_ii)``, so choosing costs one SVD).
With five to a few hundred examples and 16 features this is the estimator that does not overfit:
where the photo does not explain a tool (the leave-one-out error of the regression is not clearly
below that of the plain mean), the tool keeps its mean value. Predictions are clamped to the range
the photographer used, widened by half of it, so an unusual photo cannot receive a value the
photographer never would. Fitting takes milliseconds; reading the previews is the cost.

**What is reported** per tool: the mean and spread of the photographer's values, the
cross-validated error of the model and of the fixed mean, and a verdict: *not used*, *consistent*
(about the same on every photo), *per photo* (follows the photo; the model is used) or *varies*
(changes from photo to photo in a way these statistics do not explain; the mean is used).

The learned model is stored as JSON beside the style library (``<data dir>/learned_styles``); the
style itself (name, sentence, the fixed program) is saved in the style library as usual, so
``iea style list/show/delete`` work on it. A model belongs to the style only while the library
still holds the same fixed program (a style replaced under the same name drops the model).
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from .errors import IeaError
from .program import Program
from .tools import MAX_VALUE, MIN_VALUE, TOOL_NAMES

MIN_EXAMPLES = 5
MODEL_FORMAT = "iea.learned-style"
MODEL_VERSION = 1

FEATURE_NAMES = (
    "luma_mean", "luma_p05", "luma_p25", "luma_p50", "luma_p75", "luma_p95", "luma_spread",
    "clip_high", "clip_low", "saturation", "cast_red", "cast_blue", "detail", "centre_minus_edge",
    "highlight_chroma", "log2_linear_mean",
)
#: Candidate ridge strengths (multiplied by the number of examples).
_ALPHAS = np.logspace(-3, 3.5, 27)
#: A tool follows the photo only if the model's leave-one-out error is below this share of the
#: fixed mean's: otherwise the photo statistics do not explain it well enough to trust.
_MODEL_MARGIN = 0.9


class TooFewExamples(IeaError):
    """Fewer edited photos than a style can be learned from."""


# --- features -----------------------------------------------------------------------------------
def _small(pixels: np.ndarray, max_size: int = 128) -> np.ndarray:
    step = max(1, int(math.ceil(max(pixels.shape[:2]) / max_size)))
    if step == 1:
        return pixels
    h, w = (pixels.shape[0] // step) * step, (pixels.shape[1] // step) * step
    return pixels[:h, :w].reshape(h // step, step, w // step, step, 3).mean(axis=(1, 3))


def photo_features(pixels: np.ndarray) -> np.ndarray:
    """The statistics a style model reads from a float 0..1 RGB preview (:data:`FEATURE_NAMES`).

    All are scale-free (a 256 px preview and the full photo give nearly the same numbers)."""
    from .editor.arrays import to_float01

    f = _small(to_float01(np.asarray(pixels)[..., :3]).astype(np.float32))
    luma = f[..., 0] * 0.2126 + f[..., 1] * 0.7152 + f[..., 2] * 0.0722
    p05, p25, p50, p75, p95 = np.percentile(luma, [5, 25, 50, 75, 95])
    mx, mn = f.max(-1), f.min(-1)
    sat = np.where(mx > 1e-4, (mx - mn) / np.maximum(mx, 1e-4), 0.0)
    mid = (luma > 0.08) & (luma < 0.92)
    sel = f[mid] if mid.sum() > 32 else f.reshape(-1, 3)
    means = sel.mean(0) + 1e-3
    cast_red = math.log(means[0] / means[1])
    cast_blue = math.log(means[2] / means[1])
    gy, gx = np.abs(np.diff(luma, axis=0)).mean(), np.abs(np.diff(luma, axis=1)).mean()
    h, w = luma.shape
    centre = luma[h // 4: h - h // 4, w // 4: w - w // 4].mean()
    bright = luma >= np.percentile(luma, 90)
    # exposure works in EV: the log of the mean linear luminance is what it moves linearly
    lin = np.where(f <= 0.04045, f / 12.92, ((f + 0.055) / 1.055) ** 2.4)
    linear_mean = float((lin @ np.array([0.2126, 0.7152, 0.0722])).mean()) + 1e-4
    highlight_chroma = float(sat[bright].mean()) if bright.any() else 0.0
    return np.array([luma.mean(), p05, p25, p50, p75, p95, luma.std(), (mx >= 0.99).mean(),
                     (mn <= 0.01).mean(), sat.mean(), cast_red, cast_blue, (gx + gy) / 2,
                     centre - luma.mean(), highlight_chroma, math.log2(linear_mean)],
                    dtype=np.float64)


# --- the model ----------------------------------------------------------------------------------
@dataclass
class ToolReport:
    """What the examples say about one tool."""

    tool: str
    mean: float
    spread: float  # standard deviation over the examples
    cv_error_model: float  # leave-one-out RMSE of the regression (tool units)
    cv_error_fixed: float  # leave-one-out RMSE of the plain mean
    verdict: str  # "not used" | "consistent" | "per photo" | "varies"

    def sentence(self) -> str:
        name = self.tool.replace("_", " ")
        if self.verdict == "not used":
            return f"{name}: not used"
        if self.verdict == "consistent":
            return f"{name}: consistent, about {self.mean:+.0f} on every photo"
        if self.verdict == "per photo":
            return (f"{name}: per photo ({self.mean:+.0f} +/- {self.spread:.0f}); follows the "
                    f"photo, cross-validated error {self.cv_error_model:.1f} vs "
                    f"{self.cv_error_fixed:.1f} as a fixed value")
        return (f"{name}: varies ({self.mean:+.0f} +/- {self.spread:.0f}) in a way the photo "
                f"does not explain (cross-validated error {self.cv_error_fixed:.1f}); "
                "the average is used")


def _ridge_loo(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(best alpha, its leave-one-out RMSE) for ridge on standardised ``x`` with an intercept."""
    n = len(y)
    xc = x - x.mean(0)
    yc = y - y.mean()
    u, s, _ = np.linalg.svd(xc, full_matrices=False)
    best = (math.inf, math.inf)
    for alpha in _ALPHAS * n:
        shrink = s ** 2 / (s ** 2 + alpha)
        fitted = u @ (shrink * (u.T @ yc))
        hat = (u ** 2) @ shrink + 1.0 / n
        resid = (yc - fitted) / np.maximum(1.0 - hat, 1e-6)
        rmse = float(np.sqrt(np.mean(resid ** 2)))
        if rmse < best[1] - 1e-12:
            best = (float(alpha), rmse)
    return best


def _ridge_fit(x: np.ndarray, y: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    xm = x.mean(0)
    xc = x - xm
    coef = np.linalg.solve(xc.T @ xc + alpha * np.eye(x.shape[1]), xc.T @ (y - y.mean()))
    return coef, float(y.mean() - xm @ coef)


@dataclass
class LearnedStyle:
    """A per-photo style model: standardisation, one linear model per tool, and its report."""

    name: str
    feature_mean: np.ndarray
    feature_scale: np.ndarray
    coef: np.ndarray  # (16, F) on standardised features; zero rows for fixed tools
    intercept: np.ndarray  # (16,)
    low: np.ndarray  # (16,) clamp range
    high: np.ndarray
    report: list[ToolReport]
    sources: list[str] = field(default_factory=list)
    created: float = field(default_factory=time.time)

    @property
    def n_examples(self) -> int:
        return len(self.sources)

    @property
    def used_tools(self) -> list[str]:
        """Tools the photographer set on at least one example (the ones the style writes)."""
        return [r.tool for r in self.report if r.verdict != "not used"]

    @property
    def fixed_program(self) -> Program:
        """The same style as a fixed preset: the mean of the photographer's values."""
        return Program({r.tool: r.mean for r in self.report if r.verdict != "not used"},
                       f"learned style {self.name!r} as a fixed preset", clamp=True)

    def predict_features(self, features: np.ndarray) -> Program:
        z = (np.asarray(features, dtype=np.float64) - self.feature_mean) / self.feature_scale
        values = np.clip(self.coef @ z + self.intercept, self.low, self.high)
        per_photo = [r.tool for r in self.report if r.verdict == "per photo"]
        note = f"learned style {self.name!r}" + (
            f" adapted to this photo ({', '.join(t.replace('_', ' ') for t in per_photo)})"
            if per_photo else "")
        return Program({t: v for t, v in zip(TOOL_NAMES, values)
                        if t in self.used_tools}, note, clamp=True)

    def predict(self, pixels: np.ndarray) -> Program:
        """The program this style gives the photo whose (unedited) preview is ``pixels``."""
        return self.predict_features(photo_features(pixels))

    # --- storage ------------------------------------------------------------------------------
    def to_json_dict(self) -> dict[str, Any]:
        return {"format": MODEL_FORMAT, "version": MODEL_VERSION, "name": self.name,
                "features": list(FEATURE_NAMES), "tools": list(TOOL_NAMES),
                "feature_mean": self.feature_mean.tolist(),
                "feature_scale": self.feature_scale.tolist(), "coef": self.coef.tolist(),
                "intercept": self.intercept.tolist(), "low": self.low.tolist(),
                "high": self.high.tolist(),
                "report": [vars(r) for r in self.report], "sources": self.sources,
                "created": self.created, "program": self.fixed_program.to_dict()}

    @classmethod
    def from_json_dict(cls, data: dict[str, Any], source: str = "model") -> "LearnedStyle":
        if data.get("format") != MODEL_FORMAT or not isinstance(data.get("version"), int):
            raise IeaError(f"{source} is not an iea learned-style model")
        if data["version"] > MODEL_VERSION:
            raise IeaError(f"{source} was written by a newer iea (model version "
                           f"{data['version']}); upgrade iea")
        if list(data.get("features", [])) != list(FEATURE_NAMES) or \
                list(data.get("tools", [])) != list(TOOL_NAMES):
            raise IeaError(f"{source} uses other photo statistics than this iea; learn the "
                           "style again (iea style learn)")
        arr = {k: np.asarray(data[k], dtype=np.float64) for k in
               ("feature_mean", "feature_scale", "coef", "intercept", "low", "high")}
        return cls(name=data["name"], report=[ToolReport(**r) for r in data["report"]],
                   sources=list(data.get("sources", [])), created=data.get("created", 0.0),
                   **arr)


def fit_style(name: str, features: np.ndarray, programs: Sequence[Program],
              sources: Sequence[str] = ()) -> LearnedStyle:
    """Fit a :class:`LearnedStyle` to ``features`` (n x F) and the photographer's programs."""
    x = np.asarray(features, dtype=np.float64)
    n = len(programs)
    if n < MIN_EXAMPLES:
        raise TooFewExamples(
            f"learning a style needs at least {MIN_EXAMPLES} edited photos; found {n}. Edit a "
            f"few more in Lightroom or darktable (or use: iea style from-photo NAME PHOTO to copy "
            "one photo's look)")
    y = np.array([p.to_vector() for p in programs], dtype=np.float64)
    mean = x.mean(0)
    scale = x.std(0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    z = (x - mean) / scale
    coef = np.zeros((len(TOOL_NAMES), x.shape[1]))
    intercept = y.mean(0)
    low = np.full(len(TOOL_NAMES), float(MIN_VALUE))
    high = np.full(len(TOOL_NAMES), float(MAX_VALUE))
    report = []
    for index, tool in enumerate(TOOL_NAMES):
        values = y[:, index]
        spread = float(values.std())
        fixed_cv = float(np.sqrt(np.mean(((values - values.mean()) * n / (n - 1)) ** 2)))
        width = float(values.max() - values.min())
        low[index] = max(MIN_VALUE, values.min() - max(width / 2, 5.0))
        high[index] = min(MAX_VALUE, values.max() + max(width / 2, 5.0))
        if np.all(np.abs(values) < 0.5):
            report.append(ToolReport(tool, 0.0, 0.0, 0.0, 0.0, "not used"))
            continue
        alpha, model_cv = _ridge_loo(z, values)
        if spread <= max(2.0, 0.1 * abs(values.mean())):
            verdict = "consistent"
        elif model_cv < _MODEL_MARGIN * fixed_cv:
            verdict = "per photo"
            coef[index], intercept[index] = _ridge_fit(z, values, alpha)
        else:
            verdict = "varies"
        report.append(ToolReport(tool, float(values.mean()), spread, model_cv, fixed_cv, verdict))
    return LearnedStyle(name, mean, scale, coef, intercept, low, high, report, list(sources))


# --- examples from the catalogue ----------------------------------------------------------------
@dataclass
class Example:
    photo: Path
    program: Program
    settings_from: Path


def collect_examples(paths: Iterable[str | os.PathLike[str]], host: str | None = None,
                     *, on_skip: Callable[[Path, str], None] | None = None) -> list[Example]:
    """The photos among ``paths`` (folders expanded) that carry develop settings iea can read."""
    from .catalogue import expand_photos, read_current_state, settings_source
    from .errors import HostFormatError

    examples = []
    for photo in expand_photos(paths):
        try:
            state = read_current_state(photo, host)
        except HostFormatError as exc:
            if on_skip:
                on_skip(photo, str(exc))
            continue
        if state is None or state.program.is_identity:
            if on_skip:
                on_skip(photo, "no develop settings iea can read")
            continue
        examples.append(Example(photo, state.program, settings_source(photo, state)))
    return examples


def learn_style(name: str, paths: Iterable[str | os.PathLike[str]], host: str | None = None, *,
                on_skip: Callable[[Path, str], None] | None = None,
                progress: Callable[[Iterable[Example]], Iterable[Example]] | None = None
                ) -> LearnedStyle:
    """Read the edited photos among ``paths`` and fit a style (refuses below 5 examples)."""
    from .catalogue import photo_preview

    examples = collect_examples(paths, host, on_skip=on_skip)
    if len(examples) < MIN_EXAMPLES:
        fit_style(name, np.zeros((len(examples), len(FEATURE_NAMES))),
                  [e.program for e in examples])  # raises TooFewExamples with the message
    from .errors import ImageError

    rows, programs, sources = [], [], []
    for example in (progress(examples) if progress else examples):
        try:
            rows.append(photo_features(photo_preview(example.photo)))
        except ImageError as exc:  # a damaged original: learn from the others, say which
            if on_skip:
                on_skip(example.photo, str(exc))
            continue
        programs.append(example.program)
        sources.append(str(example.photo))
    return fit_style(name, np.array(rows).reshape(len(rows), len(FEATURE_NAMES)), programs,
                     sources)


# --- storage beside the style library -----------------------------------------------------------
def models_dir() -> Path:
    from .config import user_data_dir

    return user_data_dir() / "learned_styles"


def _model_path(name: str, folder: Path | None = None) -> Path:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "style"
    digest = hashlib.sha1(name.lower().encode("utf-8")).hexdigest()[:8]
    return (folder or models_dir()) / f"{slug}-{digest}.json"


def save_model(style: LearnedStyle, folder: Path | None = None) -> Path:
    from .fileio import atomic_write_text

    path = _model_path(style.name, folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(style.to_json_dict(), indent=1) + "\n")
    return path


def load_model(name: str, program: Program | None = None, folder: Path | None = None
               ) -> LearnedStyle | None:
    """The learned model of style ``name``, or None. With ``program`` (the style library's fixed
    program) a model learned for an older style of the same name is ignored."""
    path = _model_path(" ".join(str(name).split()), folder)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise IeaError(f"cannot read the learned style model {path} ({exc}); learn the style "
                       "again (iea style learn)") from None
    model = LearnedStyle.from_json_dict(data, str(path))
    if program is not None and dict(Program(data.get("program", {}), clamp=True).values) != \
            dict(program.values):
        return None
    return model


def delete_model(name: str, folder: Path | None = None) -> bool:
    path = _model_path(" ".join(str(name).split()), folder)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def save_learned_style(style: LearnedStyle, *, overwrite: bool = False) -> Any:
    """Store ``style`` in the style library (fixed program + sentence) and its model."""
    from .describe import describe_program
    from .styles import TARGET, StyleLibrary

    fixed = style.fixed_program
    per_photo = [r.tool.replace("_", " ") for r in style.report if r.verdict == "per photo"]
    sentence = describe_program(fixed)
    if per_photo:
        sentence = f"{sentence.rstrip('.')}; adapts {', '.join(per_photo)} to each photo."
    with StyleLibrary() as library:
        saved = library.save(style.name, sentence, fixed,
                             source=(f"learned from {style.n_examples} edited photos", ""),
                             overwrite=overwrite, kind=TARGET)
    style.name = saved.name
    save_model(style)
    return saved


def style_from_photo(name: str, photo: str | os.PathLike[str], host: str | None = None, *,
                     overwrite: bool = False) -> tuple[Any, Program]:
    """Save one photo's develop settings as style ``name`` ("make these look like that one").

    The style keeps the photo's median brightness as rendered, so ``--adapt`` matches it."""
    from .catalogue import photo_preview, read_current_state, settings_source
    from .describe import describe_program
    from .editor import render
    from .styles import TARGET, StyleLibrary, median_luminance

    photo = Path(photo)
    if not photo.exists():
        raise IeaError(f"no such file: {photo}")
    state = read_current_state(photo, host)
    if state is None or state.program.is_identity:
        where = f"{host} " if host else ""
        raise IeaError(f"{photo} has no {where}develop settings iea can read (no sidecar "
                       "with settings and none embedded); edit it in Lightroom or darktable first")
    program = Program(state.program.values, f"look of {photo.name}")
    reference = median_luminance(render(photo_preview(photo), program))
    with StyleLibrary() as library:
        saved = library.save(name, describe_program(program), program,
                             source=(str(photo), str(settings_source(photo, state))),
                             reference_median=reference, overwrite=overwrite, kind=TARGET)
    delete_model(saved.name)  # a copied look has no per-photo model
    return saved, program


__all__ = ["LearnedStyle", "ToolReport", "TooFewExamples", "FEATURE_NAMES", "MIN_EXAMPLES",
           "photo_features", "fit_style", "learn_style", "collect_examples", "save_model",
           "load_model", "delete_model", "save_learned_style", "style_from_photo"]
