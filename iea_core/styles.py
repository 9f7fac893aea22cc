"""The style library: named looks that can be applied to any photo.

A style is what Image-Summary produces (:class:`~iea_core.agent.base.Style`): one sentence and the
program that makes the look, here stored by name in the ``styles`` table of the iea database
(:mod:`iea_core.sessions`) with where it came from (the before/after pair) and the median luminance
of the reference result.

**Exposure adaptation.** A style learned on a bright beach photo would push a dim interior into
the dark, because programs are absolute. With ``adapt=True``, :meth:`StyleLibrary.apply` keeps every
tool of the style and changes only ``exposure`` so that the median luminance (Rec. 709 weights on
the sRGB values, 0..1) of the rendered photo matches the style's ``reference_median`` (the median
of the "after" image it was learned from). When a style has no reference (saved by hand), the
target is 0.45, a normal exposure for a mid-key photo. The exposure is found by rendering a
ladder of candidate values on a small preview in one batch and interpolating; the rest of the
look (contrast, colour, effects) is untouched.

**Learned styles** (``iea style learn``, :mod:`iea_core.learn`) carry a per-photo model stored
beside the library; :meth:`StyleLibrary.program_for` uses it whenever a photo is given.

**What applying a style means** (one rule, :func:`style_change`, used by ``iea style apply``,
``iea batch`` and the bridge; docs/hosts.md "The rule"). Every style has a *kind*:

* ``change`` (summarize, a saved edit, a preset): the program is a change added to the photo's
  current settings (current + change), like an edit.
* ``target`` (``iea style learn``, ``iea style from-photo``): the program is the photographer's
  value for each tool they use, predicted from (or copied for) the unedited photo. Applying it
  sets those tools to the target, written as the change target - current through
  :mod:`iea_core.state` (so Lightroom raws, clamps and before -> after work as for any edit);
  every other tool keeps the photographer's value. Applying it twice changes nothing the second
  time.
"""
from __future__ import annotations

import os
import re
import sqlite3
import time
from typing import Any, Sequence

from .errors import SessionError
from .program import Program
from .tools import TOOL_NAMES
from .sessions import SessionStore, _load_program, _program_json, db_text

#: Median luminance an adapted style aims at when the style has no reference of its own.
DEFAULT_MEDIAN = 0.45
#: Style kinds: a change added to the photo's current settings, or target values for its tools.
CHANGE = "change"
TARGET = "target"
STYLE_KINDS = (CHANGE, TARGET)
_NAME_RE = re.compile(r"^[\w][\w .'+&()-]{0,63}$", re.UNICODE)


class StyleNotFound(SessionError):
    code = "style_not_found"


class StyleExists(SessionError):
    code = "style_exists"


def check_style_name(name: str) -> str:
    """Style names are shown in menus and used in preset file names: 1-64 word characters,
    spaces and a little punctuation, no path separators."""
    cleaned = " ".join(str(name).split())
    if not _NAME_RE.match(cleaned):
        raise SessionError(f"invalid style name {name!r}: use 1-64 letters, digits, spaces, "
                           "or . ' + & ( ) - _ (no slashes)")
    return cleaned


def median_luminance(image: Any) -> float:
    """Median of Rec. 709 luma on sRGB values in 0..1 (any image dtype the editor accepts)."""
    import numpy as np

    from .search import _to_float

    pixels = _to_float(image)
    luma = pixels[..., 0] * 0.2126 + pixels[..., 1] * 0.7152 + pixels[..., 2] * 0.0722
    return float(np.median(luma))


class StyleLibrary:
    """Save, list, fetch, delete and apply named styles (same database as the sessions)."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *,
                 store: SessionStore | None = None) -> None:
        self._own = store is None
        self.store = store if store is not None else SessionStore(path)
        self.db: sqlite3.Connection = self.store.db

    def close(self) -> None:
        if self._own:
            self.store.close()

    def __enter__(self) -> "StyleLibrary":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # --- records ------------------------------------------------------------------------------
    def save(self, name: str, sentence: str, program: Program, *, source: Sequence[str] = (),
             distance: float | None = None, reference_median: float | None = None,
             overwrite: bool = False, kind: str = CHANGE) -> Any:
        """Store a style under ``name``; refuses to replace one unless ``overwrite``.
        ``kind``: :data:`CHANGE` (added to a photo's settings) or :data:`TARGET` (the values
        its tools are set to); see :func:`style_change`."""
        name = check_style_name(name)
        if kind not in STYLE_KINDS:
            raise SessionError(f"unknown style kind {kind!r}; expected change or target")
        if not isinstance(program, Program):
            raise SessionError(f"expected a Program, got {type(program).__name__}")
        before, after = (list(map(str, source)) + [None, None])[:2]
        with self.store.write() as db:
            existing = db.execute("SELECT id FROM styles WHERE name = ?", (name,)).fetchone()
            if existing is not None and not overwrite:
                raise StyleExists(f"a style called {name!r} exists already "
                                  "(delete it first or choose another name)")
            if existing is not None:
                db.execute("DELETE FROM styles WHERE id = ?", (existing["id"],))
            db.execute(
                "INSERT INTO styles (name, sentence, program, created, source_before, "
                "source_after, distance, reference_median, kind) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (name, db_text(str(sentence)), _program_json(program), time.time(),
                 before if before is None else db_text(before),
                 after if after is None else db_text(after), distance, reference_median, kind))
        return self.get(name)

    def save_style(self, style: Any, name: str | None = None, **kwargs: Any) -> Any:
        """Store an agent's :class:`~iea_core.agent.base.Style` (its ``name`` unless given)."""
        name = name or style.name
        if not name:
            raise SessionError("a style needs a name to be saved")
        kwargs.setdefault("distance", style.distance)
        return self.save(name, style.sentence, style.program, **kwargs)

    def get(self, name: str) -> Any:
        row = self.db.execute("SELECT * FROM styles WHERE name = ?",
                              (" ".join(str(name).split()),)).fetchone()
        if row is None:
            known = [r["name"] for r in self.db.execute("SELECT name FROM styles ORDER BY name")]
            hint = f" (saved styles: {', '.join(known)})" if known else " (no styles saved yet)"
            raise StyleNotFound(f"no style called {name!r}{hint}")
        return self._style(row)

    def info(self, name: str) -> dict[str, Any]:
        """Everything stored about a style, as plain data (for ``iea style show --json``)."""
        style = self.get(name)
        row = self.db.execute("SELECT * FROM styles WHERE name = ?", (style.name,)).fetchone()
        return {"name": row["name"], "sentence": row["sentence"],
                "program": style.program.to_dict(), "created": row["created"],
                "source": [row["source_before"], row["source_after"]],
                "distance": row["distance"], "reference_median": row["reference_median"],
                "kind": self.kind(style.name)}

    def list(self) -> list[Any]:
        rows = self.db.execute("SELECT * FROM styles ORDER BY name COLLATE NOCASE").fetchall()
        return [self._style(r) for r in rows]

    def delete(self, name: str) -> bool:
        """Remove a style; False when there was none by that name."""
        with self.store.write() as db:
            cursor = db.execute("DELETE FROM styles WHERE name = ?", (" ".join(str(name).split()),))
            deleted = cursor.rowcount > 0
        if deleted:
            from .learn import delete_model

            delete_model(name)
        return deleted

    def kind(self, name: str) -> str:
        """:data:`CHANGE` or :data:`TARGET` (a style with a learned model is always a target)."""
        style = self.get(name)
        row = self.db.execute("SELECT kind FROM styles WHERE name = ?",
                              (style.name,)).fetchone()
        if learned_model(style.name, style.program) is not None:
            return TARGET
        return row["kind"] if row["kind"] in STYLE_KINDS else CHANGE

    def tools(self, name: str) -> tuple[str, ...]:
        """The tools a target style sets (a learned style: the ones the photographer used; a
        copied look: the ones the photo had set). A change style moves its non-zero tools."""
        style = self.get(name)
        learned = learned_model(style.name, style.program)
        if learned is not None:
            return tuple(learned.used_tools)
        return tuple(style.program.to_dict())

    def reference_median(self, name: str) -> float | None:
        row = self.db.execute("SELECT reference_median FROM styles WHERE name = ?",
                              (self.get(name).name,)).fetchone()
        return row["reference_median"]

    @staticmethod
    def _style(row: sqlite3.Row) -> Any:
        from .agent.base import Style

        program = _load_program(row["program"], f"style {row['name']!r}")
        return Style(sentence=row["sentence"], program=program, name=row["name"],
                     distance=row["distance"])

    # --- applying -----------------------------------------------------------------------------
    def program_for(self, name: str, image: Any = None, *, adapt: bool = False,
                    profile: str = "default") -> Program:
        """The style's program, exposure-adapted to ``image`` when ``adapt``."""
        style = self.get(name)
        learned = learned_model(style.name, style.program)
        if learned is not None and image is not None:
            # a style learned from the photographer's edits always adapts every tool it can
            return learned.predict(image)
        if not adapt:
            return style.program
        if image is None:
            raise SessionError("adapting a style needs the photo")
        target = self.reference_median(name)
        return adapt_exposure(image, style.program, DEFAULT_MEDIAN if target is None else target,
                              profile=profile)

    def apply(self, name: str, image: Any, *, adapt: bool = False, profile: str = "default"
              ) -> tuple[Any, Program]:
        """Render the style on ``image`` (same dtype back) and return (pixels, program used)."""
        from .editor import render

        program = self.program_for(name, image, adapt=adapt, profile=profile)
        return render(image, program, profile), program


def style_change(kind: str, styled: Program, current: Program,
                 tools: Sequence[str] | None = None) -> Program:
    """The change applying a style writes to a photo whose current settings are ``current``.

    ``styled`` is the style's program for this photo (a learned style's prediction, an adapted
    exposure). A :data:`CHANGE` style is that change itself (the result is current + styled).
    A :data:`TARGET` style sets each of its ``tools`` (default: its non-zero ones) to the
    styled value: the change is target - current on those tools, 0 on every other tool (they
    keep the photographer's values). A step is clamped to the tools' range (-100..100), so a
    target more than 100 away from the current value is reached only up to that step."""
    if kind == CHANGE:
        return styled
    if kind != TARGET:
        raise SessionError(f"unknown style kind {kind!r}; expected change or target")
    chosen = tuple(styled.to_dict()) if tools is None else tuple(tools)
    unknown = [t for t in chosen if t not in TOOL_NAMES]
    if unknown:
        raise SessionError(f"unknown tool(s) {', '.join(map(repr, unknown))} for a target style")
    return Program({t: styled[t] - current[t] for t in chosen}, styled.reasoning, clamp=True)


def learned_model(name: str, program: Program) -> Any:
    """The per-photo model of a style learned with ``iea style learn`` (None for other styles)."""
    from .learn import load_model

    return load_model(name, program)


def adapt_exposure(image: Any, program: Program, target_median: float, *,
                   profile: str = "default", preview_size: int = 256) -> Program:
    """``program`` with ``exposure`` changed so the render's median luminance is
    ``target_median``: every other tool is kept.

    Candidate exposures are rendered on a small preview in one batch; the answer is interpolated
    between the two that bracket the target (median luminance rises monotonically with exposure)
    and clamped to -100..100."""
    import numpy as np

    from .editor import render_batch
    from .search import _resize, _target_size, _to_float

    pixels = _to_float(image)
    height, width = _target_size(pixels.shape, preview_size)
    small = _resize(pixels, height, width)
    ladder = list(range(-100, 101, 10))
    candidates = [program.replace({"exposure": e}) for e in ladder]
    renders = render_batch(small, candidates, profile)
    weights = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
    medians = np.array([float(np.median(r @ weights)) for r in renders])
    # enforce monotonicity (clipping makes the top flat) so interpolation is well defined
    medians = np.maximum.accumulate(medians)
    if target_median <= medians[0]:
        exposure = ladder[0]
    elif target_median >= medians[-1]:
        exposure = ladder[-1]
    else:
        exposure = float(np.interp(target_median, medians, ladder))
    reasoning = program.reasoning
    note = f"exposure adapted to this photo ({program['exposure']:+d} -> {round(exposure):+d})"
    return program.replace({"exposure": round(exposure)},
                           reasoning=f"{reasoning} ({note})" if reasoning else note, clamp=True)


__all__ = ["StyleLibrary", "StyleNotFound", "StyleExists", "adapt_exposure", "median_luminance",
           "check_style_name", "style_change", "DEFAULT_MEDIAN", "CHANGE", "TARGET",
           "STYLE_KINDS"]
