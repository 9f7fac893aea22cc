"""The photo as it is now: a host's current develop settings, and an edit applied on top of them.

Every path that writes an edit (``iea edit --xmp``, ``iea xmp write``, ``iea style apply --xmp``,
the bridge's edit/refine/batch for the plug-ins) goes through this module, so "a touch warmer"
means warmer than what the photographer sees, on every host:

* :class:`PhotoState` holds what the host's settings amount to as an iea
  :class:`~iea_core.program.Program` (what the agent's preview is rendered with) plus the host
  values iea must leave alone (``kept``).
* An agent's answer is a *change*. :func:`lightroom_apply` and :func:`darktable_apply` turn
  current + change into host values, clamped to each host's range, and return the
  ``before -> after`` of every setting they change (:class:`Change`). Settings of tools the change
  does not move are not written at all, so a slider the photographer set by hand keeps its value.

Readers: :func:`lightroom_state` (a dict of crs settings, from ``photo:getDevelopSettings()`` or a
sidecar), :func:`darktable_state` (a darktable sidecar's history), :func:`read_state` (the sidecar
next to a photo, for the CLI). Writers: :func:`apply_to_sidecar` (CLI and bridge),
:func:`lightroom_apply` (the plug-in applies its result), :func:`darktable_style_for` (the
darktable plug-in applies a style carrying old + change for each ``iea <tool>`` instance).
What is relative and what is absolute on each host, with examples: ``docs/hosts.md``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from .errors import IeaError
from .program import Program
from .tools import MAX_VALUE, MIN_VALUE, TOOL_NAMES

HOSTS = ("lightroom", "darktable")


@dataclass(frozen=True)
class Change:
    """One host setting an edit changes: ``key`` goes from ``before`` to ``after``."""

    key: str
    before: Any
    after: Any
    tool: str = ""

    def line(self) -> str:
        """``Exposure2012 +0.50 -> +0.70`` (``-`` for a value the photo did not have)."""
        return f"{self.key} {format_value(self.before)} -> {format_value(self.after)}"

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "before": _jsonable(self.before), "after": _jsonable(self.after),
                "tool": self.tool}


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def format_value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:+.2f}" if not value.is_integer() or abs(value) < 100 else f"{value:.0f}"
    if isinstance(value, int):
        return f"{value:+d}" if abs(value) < 1000 else str(value)
    if isinstance(value, (list, tuple)):
        return "curve " + " ".join(f"({x},{y})" for x, y in _pairs(value))
    return str(value)


def _pairs(value: Sequence[Any]) -> list[tuple[Any, Any]]:
    if value and not isinstance(value[0], (list, tuple)):
        return list(zip(value[0::2], value[1::2]))
    return [tuple(v) for v in value]  # type: ignore[misc]


@dataclass(frozen=True)
class PhotoState:
    """The photo's current develop state on one host.

    ``program``: what the current settings amount to in iea's tools (relative to the photo as
    shot; the agent's preview is this program rendered). ``kept``: host values iea does not
    interpret and never writes (Lightroom: crs keys; darktable: the photographer's own modules).
    ``settings``: Lightroom's current crs values (what :func:`lightroom_apply` starts from).
    ``as_shot``: a Lightroom raw's As Shot (Temperature K, Tint) when known.
    """

    host: str | None
    program: Program = field(default_factory=Program)
    kept: Mapping[str, Any] = field(default_factory=dict)
    raw: bool = False
    settings: Mapping[str, Any] = field(default_factory=dict)
    as_shot: tuple[float, float] | None = None
    sidecar: Path | None = None
    notes: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return self.program.is_identity and not self.kept

    @property
    def lightroom_settings_rendered(self) -> bool:
        """Whether a file rendered from this state holds Lightroom's current settings in its
        pixels (so the Camera Raw settings it carries must be marked as already applied)."""
        return self.host == "lightroom" and not self.program.is_identity


def compose(current: Program, change: Program) -> Program:
    """current + change, tool by tool, clamped to -100..100 (the tools' own range)."""
    total = {name: max(MIN_VALUE, min(MAX_VALUE, current[name] + change[name]))
             for name in TOOL_NAMES}
    return Program(total, change.reasoning)


def difference(new: Program, old: Program) -> Program:
    """new - old per tool, clamped: the change a refine makes to the last edit."""
    return Program({name: max(MIN_VALUE, min(MAX_VALUE, new[name] - old[name]))
                    for name in TOOL_NAMES}, new.reasoning)


# --- Lightroom ------------------------------------------------------------------------------------
def _num(value: Any) -> float | None:
    from .hosts.lightroom import _number

    return _number(value)


def lightroom_state(settings: Mapping[str, Any] | None, *, raw: bool,
                    as_shot: tuple[float, float] | Mapping[str, Any] | None = None,
                    sidecar: Path | None = None) -> PhotoState:
    """State from Lightroom develop settings (``photo:getDevelopSettings()`` or a sidecar).

    For a raw file the white balance is read relative to ``as_shot`` (Temperature K, Tint); when
    that is unknown, relative to the current values (the change is still applied to them)."""
    from .hosts import lightroom as L

    current = {str(k).removeprefix("crs:"): v for k, v in (settings or {}).items()}
    shot = _as_shot(as_shot)
    if shot is None and raw and str(current.get("WhiteBalance", "")).lower() == "as shot":
        t, ti = _num(current.get("Temperature")), _num(current.get("Tint"))
        if t and t > 0:
            shot = (t, ti or 0.0)
    notes: list[str] = []
    if raw:
        base_t = shot[0] if shot else (_num(current.get("Temperature")) or None)
        base_tint = shot[1] if shot else (_num(current.get("Tint")) or 0.0)
        program, kept, notes = L.crs_to_program_report(
            current, raw=True, base_temperature=base_t, base_tint=base_tint)
    else:
        program, kept, notes = L.crs_to_program_report(current, raw=False)
    return PhotoState("lightroom", program, kept, raw, current, shot, sidecar, tuple(notes))


def _as_shot(value: Any) -> tuple[float, float] | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        t = _num(value.get("Temperature", value.get("temperature")))
        ti = _num(value.get("Tint", value.get("tint"))) or 0.0
    else:
        t, ti = _num(value[0]), (_num(value[1]) if len(value) > 1 else 0.0) or 0.0
    if t is None or not 1000 <= t <= 50000:
        return None
    return float(t), float(ti)


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


_LR_RANGES = {"Exposure2012": (-5.0, 5.0), "Tint": (-150, 150), "Temperature": (2000, 50000),
              "Sharpness": (0, 150), "GrainAmount": (0, 100)}


def _lr_range(key: str) -> tuple[float, float]:
    return _LR_RANGES.get(key, (-100, 100))


def lightroom_apply(state: PhotoState, change: Program | Mapping[str, int]
                    ) -> tuple[dict[str, Any], list[Change], list[str]]:
    """crs settings for current + ``change`` (only keys of the tools it moves), the
    ``before -> after`` of each, and notes on what could not be done.

    Additive sliders add in their own units and clamp to Lightroom's range (Exposure2012 +0.50 and
    exposure +10 give +0.70; Contrast2012 +90 and contrast +20 give +100). A raw's Temperature
    moves in mireds from its current Kelvin (so warmer is always a higher number and the same
    change is the same visual step at 3200 K and 7500 K); Tint adds (Lightroom + is magenta, iea
    + is green). Sharpness starts from Lightroom's default (40 for raws) when unset; fade is a
    tone curve and is only written over iea's own fade curve, never over a custom one.
    """
    from .hosts import lightroom as L

    change = change if isinstance(change, Program) else Program(change)
    cur = dict(state.settings)
    raw = state.raw
    out: dict[str, Any] = {}
    notes: list[str] = []

    def add(key: str, delta: float, *, digits: int | None = None, default: float = 0.0,
            tool: str) -> None:
        before = _num(cur.get(key))
        start = before if before is not None else default
        value = _clamp(start + delta, *_lr_range(key))
        value = round(value, digits) if digits is not None else int(round(value))
        if value != start:
            out[key] = value
        elif abs(delta) > 0:
            notes.append(f"{tool}: {key} is already at its limit {format_value(value)}")
        owner[key] = tool

    owner: dict[str, str] = {}
    for tool in TOOL_NAMES:
        delta = change[tool]
        if not delta:
            continue
        if tool == "exposure":
            add("Exposure2012", delta * L.EV_PER_UNIT, digits=2, tool=tool)
        elif tool in L.DIRECT_KEYS:
            add(L.DIRECT_KEYS[tool], delta, tool=tool)
            if tool == "vignette" and _num(cur.get("PostCropVignetteAmount")) in (None, 0.0):
                for key, value in (("PostCropVignetteStyle", 1), ("PostCropVignetteMidpoint", 50),
                                   ("PostCropVignetteFeather", 50),
                                   ("PostCropVignetteRoundness", 0)):
                    if key not in cur:
                        out[key], owner[key] = value, tool
        elif tool == "brightness":
            add("ParametricDarks", delta, tool=tool)
            add("ParametricLights", delta, tool=tool)
        elif tool == "temperature" and raw:
            base = _num(cur.get("Temperature")) or (state.as_shot[0] if state.as_shot else None)
            if base is None or base <= 0:
                base = L.DEFAULT_KELVIN
                notes.append(f"temperature: the photo's Temperature is unknown; started from "
                             f"{L.DEFAULT_KELVIN:g} K")
            kelvin = _clamp(L._kelvin(delta, base), *_lr_range("Temperature"))
            if "Temperature" not in cur:
                cur["Temperature"] = int(round(base))
            if int(kelvin) != _num(cur.get("Temperature")):
                out["Temperature"] = int(kelvin)
            owner["Temperature"] = tool
        elif tool == "temperature":
            add("IncrementalTemperature", delta, tool=tool)
        elif tool == "tint" and raw:
            if "Tint" not in cur and state.as_shot:
                cur["Tint"] = state.as_shot[1]
            add("Tint", -delta, tool=tool)  # iea + is green, Lightroom + is magenta
        elif tool == "tint":
            add("IncrementalTint", -delta, tool=tool)
        elif tool == "sharpness":
            _lr_sharpness(state, delta, cur, out, owner, notes)
        elif tool == "grain":
            add("GrainAmount", delta, tool=tool)
            if "GrainAmount" in out and out["GrainAmount"] > 0:
                for key, value in (("GrainSize", 25), ("GrainFrequency", 50)):
                    if key not in cur:
                        out[key], owner[key] = value, tool
        elif tool == "fade":
            _lr_fade(state, delta, cur, out, owner, notes)
    changes = [Change(key, cur.get(key), value, owner.get(key, "")) for key, value in out.items()]
    return out, changes, notes


def _lr_sharpness(state: PhotoState, delta: int, cur: dict[str, Any], out: dict[str, Any],
                  owner: dict[str, str], notes: list[str]) -> None:
    """Sharpening adds on Sharpness (default 40 for raws, 0 for rendered files, never set to 0
    by iea on a raw); softening goes to negative Texture, Lightroom's only way to smooth."""
    from .hosts import lightroom as L

    default = L.RAW_SHARPNESS_DEFAULT if state.raw else L.RENDERED_SHARPNESS_DEFAULT
    sharp = _num(cur.get("Sharpness"))
    start = sharp if sharp is not None else float(default)
    texture = _num(cur.get("Texture")) or 0.0
    if delta > 0:
        # undo iea's own softening first, then sharpen
        if texture < 0:
            used = min(delta, -texture)
            out["Texture"], owner["Texture"] = int(texture + used), "sharpness"
            delta -= used
        if delta:
            step = delta * (150 - default) / 100
            value = int(round(_clamp(start + step, 0, 150)))
            if value != start:
                out["Sharpness"], owner["Sharpness"] = value, "sharpness"
                if sharp is None:
                    cur["Sharpness"] = int(default)
    else:
        floor = float(default) if state.raw else 0.0
        if start > floor:  # take back sharpening above the default first
            step = delta * (150 - default) / 100
            value = max(floor, start + step)
            used = (start - value) * 100 / (150 - default)
            out["Sharpness"], owner["Sharpness"] = int(round(value)), "sharpness"
            delta = int(round(delta + used))
        if delta < 0:
            value = int(_clamp(texture + delta, -100, 100))
            out["Texture"], owner["Texture"] = value, "sharpness"
            notes.append("sharpness: Lightroom cannot blur with Sharpness; softening written as "
                         "negative Texture")


def _lr_fade(state: PhotoState, delta: int, cur: dict[str, Any], out: dict[str, Any],
             owner: dict[str, str], notes: list[str]) -> None:
    from .hosts import lightroom as L

    curve = cur.get("ToneCurvePV2012")
    if curve is None:
        old = 0
    else:
        points = L._curve_points(curve)
        old = L._fade_from_curve(points) if points is not None else None
    if old is None:
        notes.append("fade: the photo has a custom tone curve; it is kept and fade is not applied")
        return
    new = max(MIN_VALUE, min(MAX_VALUE, old + delta))
    if new != old:
        out["ToneCurvePV2012"] = [c for p in L._fade_curve(new) for c in p]
        owner["ToneCurvePV2012"] = "fade"
        if curve is None:
            cur["ToneCurvePV2012"] = [0, 0, 255, 255]


# --- darktable --------------------------------------------------------------------------------------
def darktable_state(sidecar: str | os.PathLike[str] | None, *, raw: bool = False) -> PhotoState:
    """State from a darktable sidecar: iea's own instances as a program, the photographer's
    modules kept. A missing sidecar is an unedited photo."""
    if sidecar is None or not Path(sidecar).exists():
        return PhotoState("darktable", raw=raw, sidecar=Path(sidecar) if sidecar else None)
    from .hosts import darktable as D

    program, report = D.read_sidecar_report(sidecar)
    modules = [m for m in report["foreign_modules"] if m not in PIPELINE_MODULES]
    return PhotoState("darktable", program, {"modules": modules}, raw,
                      sidecar=Path(sidecar), notes=tuple(report["notes"]))


#: Modules darktable puts in every history by itself (they develop a raw or convert colour
#: spaces; on a JPEG they change nothing): not the photographer's edits.
PIPELINE_MODULES = frozenset({"colorin", "colorout", "gamma", "flip", "dither", "rawprepare",
                              "demosaic", "finalscale"})


def darktable_changes(state: PhotoState, change: Program) -> tuple[Program, list[Change]]:
    """The new value of each ``iea <tool>`` instance the change moves (old + change, clamped)
    as a program over exactly those tools (0 means: switch the instance off)."""
    from .hosts.darktable import instance_name

    touched = [t for t in TOOL_NAMES if change[t]]
    if "temperature" in touched or "tint" in touched:
        # one instance holds both: rewriting it must carry the other one's current value
        touched = [t for t in TOOL_NAMES if t in touched or t in ("temperature", "tint")]
    total = compose(state.program, change)
    changes = [Change(f"{instance_name(t)} ({t})" if t in ("temperature", "tint")
                      else instance_name(t), state.program[t], total[t], t)
               for t in touched if total[t] != state.program[t]]
    return Program({t: total[t] for t in touched}), changes


def darktable_style_for(state: PhotoState, change: Program, name: str, description: str = ""
                        ) -> tuple[bytes, list[Change]]:
    """A ``.dtstyle`` whose ``iea <tool>`` items carry old + change: applied in darktable it
    replaces each existing iea instance's parameters with the sum (darktable's style merge), so
    repeated edits accumulate instead of resetting. A tool whose sum is 0 is written disabled."""
    from .hosts import darktable as D

    totals, changes = darktable_changes(state, change)
    zeroed = _zeroed(change, totals)
    data = D.dtstyle_bytes(totals, name, description, disabled=zeroed)
    return data, changes


def _zeroed(change: Program, totals: Program) -> list[str]:
    """Tools the change moves whose instance ends at 0 (white balance: both tools at 0)."""
    out = [t for t in TOOL_NAMES if change[t] and not totals[t]]
    if totals["temperature"] or totals["tint"]:
        out = [t for t in out if t not in ("temperature", "tint")]
    return out


# --- one entry point for sidecars -------------------------------------------------------------------
def sidecar_for(host: str, image: str | os.PathLike[str]) -> Path:
    if host == "lightroom":
        from .hosts.lightroom import sidecar_path
    elif host == "darktable":
        from .hosts.darktable import sidecar_path  # type: ignore[assignment]
    else:
        raise IeaError(f"unknown host {host!r}; choose lightroom or darktable")
    return sidecar_path(image)


def read_state(host: str, image: str | os.PathLike[str], *, raw: bool | None = None
               ) -> PhotoState:
    """The photo's current state as the host's sidecar next to ``image`` records it (an
    unedited state when there is none). Lightroom JPEG/TIFF settings embedded in the file are read
    when there is no sidecar."""
    from .hosts.lightroom import EMBEDDABLE_EXTENSIONS, is_raw_path, read_settings

    image = Path(image)
    raw = is_raw_path(image) if raw is None else raw
    sidecar = sidecar_for(host, image)
    if host == "darktable":
        return darktable_state(sidecar, raw=raw)
    settings: Mapping[str, Any] = {}
    as_shot = None
    if sidecar.exists():
        settings = read_settings(sidecar)
        as_shot = recorded_as_shot(sidecar) if raw else None
    elif image.exists() and image.suffix.lower() in EMBEDDABLE_EXTENSIONS:
        try:
            settings = read_settings(image)
        except IeaError:
            settings = {}
        if already_applied(settings):
            settings = {}  # a rendered file: its pixels already hold these settings
    return lightroom_state(settings, raw=raw, as_shot=as_shot,
                           sidecar=sidecar if sidecar.exists() else None)


# A raw's As Shot white balance is gone from the sidecar once its Temperature is set ("Custom"),
# so iea records it in its own namespace the first time it changes the white balance; the next
# edit then still knows how far from As Shot the photo is (for the agent's view).
_AS_SHOT_KEYS = ("AsShotTemperature", "AsShotTint")


def recorded_as_shot(sidecar: Path) -> tuple[float, float] | None:
    from .hosts import xmp

    for desc in xmp.descriptions(xmp.read_xmp_file(sidecar)):
        t = desc.get(xmp.q("iea", _AS_SHOT_KEYS[0]))
        if t is not None:
            return _as_shot((t, desc.get(xmp.q("iea", _AS_SHOT_KEYS[1])) or 0))
    return None


#: How many kept settings a printed summary names (a Lightroom sidecar can hold hundreds).
KEPT_SHOWN = 12


@dataclass(frozen=True)
class Applied:
    """What :func:`apply_to_sidecar` did: the file, the settings it changed, what it kept."""

    sidecar: Path
    changes: list[Change]
    kept: list[str]
    notes: list[str]
    program: Program  # the state after the edit, as iea tools

    def lines(self) -> list[str]:
        out = [f"  {c.line()}" for c in self.changes] or ["  (no setting changed)"]
        if self.kept:
            shown = self.kept[:KEPT_SHOWN]
            more = len(self.kept) - len(shown)
            out.append("  kept: " + ", ".join(shown) + (f" and {more} more" if more else ""))
        out.extend(f"  note: {n}" for n in self.notes)
        return out

    def to_json(self) -> dict[str, Any]:
        return {"sidecar": str(self.sidecar), "changes": [c.to_json() for c in self.changes],
                "kept": self.kept, "notes": self.notes}


def _kept_lines(state: PhotoState, changes: Sequence[Change]) -> list[str]:
    if state.host == "darktable":
        moved = {c.tool for c in changes}
        kept = [f"iea {t.replace('_', ' ')} {v:+d}" for t, v in state.program.to_dict().items()
                if t not in moved]
        return kept + [str(m) for m in state.kept.get("modules", [])]
    changed = {c.key for c in changes}
    skip = {"WhiteBalance", "ToneCurveName2012", "Version", "CameraProfile", "ProcessVersion",
            "HasSettings"}
    lines = []
    for key, value in state.settings.items():
        if key in changed or key in skip or isinstance(value, (list, tuple, dict)):
            continue
        number = _num(value)
        if number is None or number == 0:
            continue
        lines.append(f"{key} {format_value(value)}")
    return lines


def apply_to_sidecar(host: str, image: str | os.PathLike[str],
                     change: Program | Callable[[PhotoState], Program], *,
                     raw: bool | None = None, state: PhotoState | None = None) -> Applied:
    """Write current + ``change`` into the host's sidecar next to ``image``.

    ``change`` may be a function of the current state (a style that sets tools to target values
    writes target - current): it is called with the state read under the sidecar's lock, so a
    concurrent writer cannot slip in between reading and writing.

    Lightroom: only the crs keys of the tools the change moves are written, each from its current
    value. darktable: each ``iea <tool>`` instance the change moves is updated to old + change
    (one history item per tool and edit); other instances and the photographer's modules are
    left as they are."""
    from .hosts import xmp
    from .hosts.lightroom import is_raw_path

    image = Path(image)
    raw = is_raw_path(image) if raw is None else raw
    if host == "lightroom":
        from .hosts.lightroom import check_sidecar_owner

        check_sidecar_owner(image)
    target = sidecar_for(host, image)
    with xmp.locked_update(target):
        state = read_state(host, image, raw=raw)
        if callable(change):
            change = change(state)
        if host == "lightroom":
            crs, changes, notes = lightroom_apply(state, change)
            _write_lightroom(target, crs, state.as_shot if raw else None,
                             seed=None if state.sidecar or not state.settings
                             else _embedded_packet(image))
            after = lightroom_state({**state.settings, **crs}, raw=raw,
                                    as_shot=state.as_shot).program
        else:
            totals, changes = darktable_changes(state, change)
            notes = []
            _write_darktable(image, target, totals, _zeroed(change, totals), raw)
            after = compose(state.program, change)
    kept = _kept_lines(state, changes)
    return Applied(target, changes, kept, list(state.notes) + notes, after)


def apply_to_file(image: str | os.PathLike[str], change: Program, *, raw: bool | None = None
                  ) -> Applied:
    """Lightroom, JPEG/TIFF/DNG: write current + ``change`` into the photo's own XMP (where
    Lightroom reads such files' settings), as :func:`apply_to_sidecar` does for a sidecar: only
    the keys of the tools the change moves, each from the value the file holds now. A file whose
    settings are already rendered into its pixels (``crs:AlreadyApplied``) starts unedited: it
    gets the change as its complete settings, marked as not yet applied."""
    from .hosts import lightroom as L

    image = Path(image)
    raw = L.is_raw_path(image) if raw is None else raw
    done: dict[str, Any] = {}

    def settings_for(current: dict[str, Any]) -> dict[str, Any]:
        rendered = already_applied(current)
        state = lightroom_state({} if rendered else current, raw=raw)
        crs, changes, notes = lightroom_apply(state, change)
        if rendered:
            crs = {**L.program_to_crs(change, raw=raw), **crs, "AlreadyApplied": False}
        done.update(state=state, changes=changes, notes=notes,
                    after=lightroom_state({**state.settings, **crs}, raw=raw).program)
        return {**crs, "HasSettings": True} if crs else {}

    L.embed_settings(image, settings_for)
    state = done["state"]
    return Applied(image, done["changes"], _kept_lines(state, done["changes"]),
                   list(state.notes) + done["notes"], done["after"])


def already_applied(settings: Mapping[str, Any]) -> bool:
    """Whether Lightroom settings say they are rendered into the pixels already
    (``crs:AlreadyApplied="True"``, what iea and Adobe write into rendered files)."""
    return str(settings.get("AlreadyApplied", "")).lower() == "true"


def _embedded_packet(image: Path) -> Any:
    """The XMP packet inside a JPEG/TIFF/DNG when it holds develop settings not yet rendered
    into the pixels (the photo's current state when it has no sidecar), else None."""
    from .hosts import lightroom as L
    from .hosts import xmp

    if not image.exists() or image.suffix.lower() not in L.EMBEDDABLE_EXTENSIONS:
        return None
    try:
        packet = xmp.extract_packet(image.read_bytes(), str(image))
        root = xmp.parse_bytes(packet, str(image)) if packet else None
    except (OSError, IeaError):
        return None
    if root is None:
        return None
    settings = L._settings_from_root(root)
    if not settings or already_applied(settings):
        return None
    return root


def _write_lightroom(target: Path, crs: Mapping[str, Any],
                     as_shot: tuple[float, float] | None = None, *, seed: Any = None) -> None:
    """Merge ``crs`` into the sidecar ``target``. A new sidecar starts from ``seed`` (the XMP
    packet embedded in the photo, when the photo's current settings came from there) so that
    the photographer's settings it held stay part of the photo's state: from then on the
    sidecar is what iea reads."""
    from .hosts import lightroom as L
    from .hosts import xmp

    if not crs:
        return
    if target.exists():
        root = xmp.read_xmp_file(target)
    elif seed is not None:
        root = seed
    else:
        root, _ = xmp.new_document({"crs": xmp.NS_CRS})
        root = L.apply_settings_to_root(root, {"ProcessVersion": L.PROCESS_VERSION})
    root = L.apply_settings_to_root(root, {**crs, "HasSettings": True})
    desc = L._crs_description(root)
    if as_shot is not None and ("Temperature" in crs or "Tint" in crs):
        desc = xmp.ensure_namespace(desc, "iea", xmp.NS_IEA)
        root = desc.getroottree().getroot()
        desc.set(xmp.q("iea", _AS_SHOT_KEYS[0]), f"{as_shot[0]:g}")
        desc.set(xmp.q("iea", _AS_SHOT_KEYS[1]), f"{as_shot[1]:g}")
    xmp.write_atomic(target, xmp.serialize(root))


def _write_darktable(image: Path, target: Path, totals: Program, disabled: list[str],
                     raw: bool) -> None:
    from .hosts import darktable as D
    from .hosts import xmp

    if totals.is_identity and not disabled:
        return
    existing = target.read_bytes() if target.exists() else None
    data = D.merged_sidecar_bytes(existing, totals, raw=raw, source=str(target),
                                  long_side=D.image_long_side(image), only_tools=True,
                                  disabled=disabled)
    xmp.write_atomic(target, data)


def developed_view(view: Any, state: PhotoState, profile: str = "default") -> Any:
    """The agent's preview of the photo as the state develops it (iea's editor renders the
    state's program; an unedited state returns ``view`` unchanged)."""
    if state.program.is_identity:
        return view
    from .editor import render
    from .imageio import to_float

    return to_float(render(view, state.program, profile))


def darktable_view(image: str | os.PathLike[str], state: PhotoState, max_size: int) -> Any:
    """The photo as darktable develops its sidecar now, rendered by the real darktable-cli
    (None when there is nothing iea's editor cannot show itself, or no darktable-cli): used when
    the history holds the photographer's own modules, which iea's editor does not know."""
    import shutil
    import tempfile

    if state.host != "darktable" or state.sidecar is None or not state.kept.get("modules"):
        return None
    if shutil.which("darktable-cli") is None:
        return None
    from .hosts.darktable import Renderer
    from .imageio import read_image, to_float

    with tempfile.TemporaryDirectory(prefix="iea-view-") as folder, Renderer() as renderer:
        out = Path(folder) / "view.png"
        renderer.render_sidecar(image, state.sidecar, out, width=max_size, height=max_size)
        return to_float(read_image(out).pixels)
