"""What each bridge method does. Runs inside a worker process.

Every method takes the validated ``params`` and a :class:`MethodContext` and returns the result
object of its reply. The heavy parts of iea (editor, image I/O, agents, host formats) are imported
inside the functions: the daemon imports this module only for the method table, and a worker pays
for torch or numba only when a request needs them.

Errors: raise any :class:`iea_core.errors.IeaError` (its ``code`` goes over the wire) or
:class:`MethodError` for protocol-level problems such as a relative path.
"""
from __future__ import annotations

import base64
import io
import os
import signal
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from iea_core.errors import IeaError

from . import protocol


class MethodError(IeaError):
    """A request the method refuses before doing anything; ``code`` is chosen per case."""

    def __init__(self, message: str, code: str = protocol.BAD_REQUEST) -> None:
        super().__init__(message)
        self.code = code


class Cancelled(IeaError):
    code = protocol.CANCELLED


@dataclass
class MethodContext:
    """What a running method may use besides its params."""

    request_id: str
    backend: str | None = None
    cancel_event: threading.Event = field(default_factory=threading.Event)
    emit: Callable[[dict[str, Any]], None] = lambda event: None
    agents: dict[str, Any] = field(default_factory=dict)  # one agent per backend, per worker
    remote: bool = False  # on another machine: files it writes are not the daemon's files
    agent_options: dict[str, Any] = field(default_factory=dict)  # the daemon's --option values

    def progress(self, done: int, total: int, **extra: Any) -> None:
        self.emit(protocol.progress_event(self.request_id, done, total, **extra))

    def check_cancelled(self) -> None:
        if self.cancel_event.is_set():
            raise Cancelled("the request was cancelled")

    def agent(self) -> Any:
        key = self.backend or ""
        if key not in self.agents:
            from iea_core.agent import get_agent

            self.agents[key] = (get_agent(self.backend, **self.agent_options) if self.backend
                                else get_agent(**self.agent_options))
        return self.agents[key]


# --- helpers -----------------------------------------------------------------------------------
def _path(params: Mapping[str, Any], key: str, *, must_exist: bool = True) -> Path:
    value = params[key]
    path = Path(value)
    if not path.is_absolute():
        raise MethodError(f"params.{key} must be an absolute path (got {value!r}); "
                          "`iea client` makes relative paths absolute for you")
    if must_exist and not path.exists():
        raise MethodError(f"params.{key}: no such file {value!r}",
                          code=protocol.FILE_NOT_FOUND)
    return path


def _program(value: Any) -> Any:
    from iea_core.program import Program

    return Program.from_json_dict(value)


def _preview(path: Path, max_size: int) -> Any:
    from iea_core.imageio import read_preview

    return read_preview(path, max_size=max_size)


def _history(items: Any) -> tuple[Any, ...]:
    from iea_core.agent.base import Turn

    turns = []
    for item in items or ():
        program = _program(item["program"]) if item.get("program") is not None else None
        turns.append(Turn(item["role"], item["text"], program))
    return tuple(turns)


def _host_settings(program: Any, host: str | None, *, raw: bool = False,
                   name: str | None = None, remote: bool = False) -> dict[str, Any]:
    """What the plugin applies: crs settings for Lightroom, a .dtstyle for darktable."""
    if host is None:
        return {}
    if host == "lightroom":
        from iea_core.hosts.lightroom import program_to_crs

        return program_to_crs(program, raw=raw)
    from iea_core.config import user_data_dir
    from iea_core.hosts.darktable import write_dtstyle

    digest = protocol.request_fingerprint("dtstyle", program.to_dict())[:10]
    style_name = name or f"iea {digest}"
    if remote:  # the daemon writes the file on its own machine (see Daemon._materialize)
        from iea_core.hosts.darktable import dtstyle_bytes

        return {"dtstyle_xml": dtstyle_bytes(program, style_name,
                                             program.reasoning or "").decode("utf-8"),
                "style_name": style_name, "file_name": f"iea-{digest}.dtstyle"}
    folder = user_data_dir() / "dtstyles"
    folder.mkdir(parents=True, exist_ok=True)
    path = write_dtstyle(program, style_name, folder / f"iea-{digest}.dtstyle",
                         description=program.reasoning or "")
    return {"dtstyle": str(path), "style_name": style_name}


def _photo_state(params: Mapping[str, Any], assumed: Any = None) -> Any:
    """The photo as the host shows it now (see iea_core.state): Lightroom's
    ``develop_settings`` (+ ``as_shot``) or darktable's ``sidecar``. When the request does not
    say, the photo is taken as unedited, or for a refine as holding exactly the last edit
    (``assumed``)."""
    from iea_core.state import PhotoState, darktable_state, lightroom_state

    host, raw = params.get("host"), bool(params.get("raw", False))
    if host == "lightroom" and params.get("develop_settings") is not None:
        return lightroom_state(params["develop_settings"], raw=raw, as_shot=params.get("as_shot"))
    if host == "darktable" and params.get("sidecar"):
        return darktable_state(_path(params, "sidecar"), raw=raw)
    if assumed is not None and host == "lightroom":
        from iea_core.hosts.lightroom import preset_settings

        return lightroom_state(preset_settings(assumed, "raw" if raw else "rendered")[0], raw=raw)
    if assumed is not None:
        return PhotoState(host, assumed, raw=raw)
    return PhotoState(host, raw=raw)


def _change_settings(change: Any, state: Any, remote: bool) -> dict[str, Any]:
    """What the plugin applies for ``change`` on top of ``state``: Lightroom gets the final values
    of exactly the settings that change (current + change, clamped); darktable a style whose
    ``iea <tool>`` items carry old + change. Plus each setting's before/after and notes."""
    from iea_core.state import darktable_style_for, lightroom_apply

    if state.host is None:
        return {}
    if state.host == "lightroom":
        settings, changes, notes = lightroom_apply(state, change)
        return {"host_settings": settings, "changes": [c.to_json() for c in changes],
                "notes": notes}
    from iea_core.config import user_data_dir
    from iea_core.fileio import atomic_write_bytes

    digest = protocol.request_fingerprint(
        "dtstyle", {"change": change.to_dict(), "base": state.program.to_dict()})[:10]
    name = f"iea {digest}"
    data, changes = darktable_style_for(state, change, name, change.reasoning or "")
    extra = {"changes": [c.to_json() for c in changes], "notes": list(state.notes)}
    if remote:  # the daemon writes the file on its own machine (see Daemon._materialize)
        return {"host_settings": {"dtstyle_xml": data.decode("utf-8"), "style_name": name,
                                  "file_name": f"iea-{digest}.dtstyle"}, **extra}
    folder = user_data_dir() / "dtstyles"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"iea-{digest}.dtstyle"
    atomic_write_bytes(path, data)
    return {"host_settings": {"dtstyle": str(path), "style_name": name}, **extra}


def _edit_result(result: Any, params: Mapping[str, Any], remote: bool,
                 change: Any = None, assumed: Any = None) -> dict[str, Any]:
    """``program``: the agent's answer (an edit's change; a refine's revised edit); ``change``:
    what is added to the photo's current state; ``host_settings`` apply exactly that."""
    program = result.program
    change = program if change is None else change
    state = _photo_state(params, assumed)
    reply = {"program": program.to_dict(), "change": change.to_dict(),
             "reasoning": result.reasoning or program.reasoning,
             "explanations": dict(result.explanations or {}),
             "understood": bool(getattr(result, "understood", True)),
             "message": str(getattr(result, "message", "") or ""),
             "host_settings": {}, "changes": [], "notes": []}
    reply.update(_change_settings(change, state, remote))
    if params.get("host"):
        from iea_core.state import compose

        reply["developed"] = compose(state.program, change).to_dict()
    return reply


def _jsonable_float(value: Any) -> float | None:
    return None if value is None else protocol.finite(float(value))


# --- agent methods -----------------------------------------------------------------------------
def _card_path(params: Mapping[str, Any]) -> Path | None:
    """Where the caller wants the edit card (checked before the agent runs, not after)."""
    if params.get("card") is None:
        return None
    card = _path(params, "card", must_exist=False)
    if card.suffix.lower() != ".png":
        raise MethodError(f"params.card must name a .png file (got {str(card)!r})")
    if card.resolve() == Path(params["image"]).resolve():
        raise MethodError("params.card is the photo itself; refusing to overwrite it")
    return card


def _with_card(reply: dict[str, Any], card: Path | None, image: Any, result: Any,
               ctx: MethodContext) -> dict[str, Any]:
    """Draw the edit card (before, after, histograms, program, reasoning) for the plugin's
    dialog. A remote worker cannot write on the plugin's machine: it sends the PNG bytes, and
    the daemon writes them to ``card`` (see Daemon._materialize)."""
    if card is None:
        return reply
    import tempfile

    from iea_core.editor import render
    from iea_core.plot import edit_card

    ctx.check_cancelled()
    after = render(image, result.program)
    if ctx.remote:
        with tempfile.TemporaryDirectory() as folder:
            drawn = edit_card(image, after, result.program, reply["reasoning"] or "",
                              Path(folder) / "card.png")
            reply["card_png_base64"] = base64.b64encode(drawn.read_bytes()).decode("ascii")
    else:
        card.parent.mkdir(parents=True, exist_ok=True)
        edit_card(image, after, result.program, reply["reasoning"] or "", card)
    reply["card"] = str(card)
    return reply


def edit(params: Mapping[str, Any], ctx: MethodContext) -> dict[str, Any]:
    card = _card_path(params)
    image = _preview(_path(params, "image"), params.get("max_size", 1024))
    ctx.check_cancelled()
    # image: the photo as the host renders it now, so the agent's answer is a change to that
    result, planned = _planned_edit(ctx.agent(), image, params["instruction"],
                                    _history(params.get("history")), params.get("plan"))
    reply = _edit_result(result, params, ctx.remote)
    if planned is not None:
        reply["plan"] = planned.to_dict()
    return _with_card(reply, card, image, result, ctx)


def _planned_edit(agent: Any, image: Any, instruction: str, history: Any,
                  plan: bool | None) -> tuple[Any, Any]:
    """Moods and looks are planned into checkable steps, executed and judged (the reply's
    ``plan`` lists each step with pass/fail and its measured value, for the plug-in to show
    before Apply); other requests go to the agent unchanged."""
    from iea_core.agent.plan.route import edit_with_plan

    return edit_with_plan(agent, image, instruction, history, plan=plan)


def refine(params: Mapping[str, Any], ctx: MethodContext) -> dict[str, Any]:
    program = _program(params["program"])
    card = _card_path(params)
    image = _preview(_path(params, "image"), params.get("max_size", 1024))
    ctx.check_cancelled()
    if program.is_identity and params.get("host") == "darktable" and params.get("sidecar"):
        # a plug-in that no longer knows its last edit (darktable restarted): refine what iea's
        # instances in the photo's history hold
        program = _photo_state(params).program
    result = ctx.agent().refine(image, program, params["feedback"],
                                _history(params.get("history")))
    # The host's current state already holds the last edit (params.program): only the difference
    # between the revised edit and the last one is added to it, whether or not the preview the
    # agent saw then still exists (a later session sends the current render instead).
    from iea_core.state import difference

    reply = _edit_result(result, params, ctx.remote, change=difference(result.program, program),
                         assumed=program)
    return _with_card(reply, card, image, result, ctx)


def compose(params: Mapping[str, Any], ctx: MethodContext) -> dict[str, Any]:
    """What applying ``program`` (a saved style, a preset) to the photo as it is now writes: the
    same reply fields as an edit, without asking the agent. ``kind`` (default ``change``) says
    what the program is, by the rule of iea_core.styles.style_change: a ``change`` is added to
    the current settings; a ``target`` (a learned style's values, from ``style_programs``) sets
    its ``tools`` (default: its non-zero ones) and leaves every other tool as it is."""
    from iea_core.agent.base import EditResult
    from iea_core.styles import style_change

    program = _program(params["program"])
    kind = params.get("kind", "change")
    state = _photo_state(params)
    change = style_change(kind, program, state.program, params.get("tools"))
    return _edit_result(EditResult(program, program.reasoning), params, ctx.remote,
                        change=change)


def summarize(params: Mapping[str, Any], ctx: MethodContext) -> dict[str, Any]:
    size = params.get("max_size", 1024)
    before = _preview(_path(params, "before"), size)
    after = _preview(_path(params, "after"), size)
    if before.shape != after.shape:
        raise MethodError(f"before {before.shape[1]}x{before.shape[0]} and after "
                          f"{after.shape[1]}x{after.shape[0]} differ in size; a before/after "
                          "pair must be the same photo")
    ctx.check_cancelled()
    style = ctx.agent().summarize(before, after)
    result = {"sentence": style.sentence, "program": style.program.to_dict(),
              "distance": _jsonable_float(style.distance),
              "aligned": bool(getattr(style, "aligned", True)),
              "warning": str(getattr(style, "warning", "") or "")}
    if params.get("host"):
        result["host_settings"] = _host_settings(style.program, params["host"],
                                                 raw=bool(params.get("raw", False)),
                                                 name=params.get("name"), remote=ctx.remote)
    return result


# --- rendering and host files -------------------------------------------------------------------
def render_preview(params: Mapping[str, Any], ctx: MethodContext) -> dict[str, Any]:
    program = _program(params["program"])
    image = _path(params, "image")
    out = _path(params, "out", must_exist=False) if "out" in params else None
    import numpy as np
    from PIL import Image

    from iea_core.editor import render
    from iea_core.imageio import flatten_alpha, read_image, resize_max, to_float

    flatten = bool(params.get("flatten", False))
    if out is not None and not flatten and out.suffix.lower() in (".jpg", ".jpeg"):
        from iea_core.errors import AlphaNotKept
        from iea_core.imageio import has_alpha, jpeg_alpha_message

        if has_alpha(image):   # from the header, before anything is decoded
            raise AlphaNotKept(jpeg_alpha_message(out, image, '"flatten": true'))
    max_size = params.get("max_size", 1024)
    photo = read_image(image, max_size=max_size)
    pixels = photo.pixels
    if max(pixels.shape[:2]) > max_size:
        pixels = resize_max(pixels, max_size)
    ctx.check_cancelled()
    rendered = render(pixels, program, params.get("profile", "default"))
    if rendered.dtype != np.uint8:
        rendered = np.clip(np.rint(to_float(rendered) * 255.0), 0, 255).astype(np.uint8)
    quality = params.get("quality", 90)
    if out is not None:
        from iea_core.imageio import write_image

        import warnings

        from iea_core.errors import IeaWarning

        with warnings.catch_warnings(record=True) as caught:   # said in the reply
            warnings.simplefilter("always", IeaWarning)
            write_image(out, rendered[..., :3], icc_profile=photo.icc_profile,
                        quality=quality, metadata=photo.metadata, alpha=photo.alpha,
                        flatten=flatten)
        return {"path": str(out), "width": int(rendered.shape[1]),
                "height": int(rendered.shape[0]),
                "warnings": [str(w.message) for w in caught
                             if issubclass(w.category, IeaWarning)]}
    shown = rendered[..., :3]
    if photo.alpha is not None:   # an inline preview is for looking at: as on a white page
        shown = flatten_alpha(shown, photo.alpha)
    buffer = io.BytesIO()
    extra = {"icc_profile": photo.icc_profile} if photo.icc_profile else {}
    Image.fromarray(np.ascontiguousarray(shown)).save(buffer, "JPEG", quality=quality, **extra)
    return {"jpeg_base64": base64.b64encode(buffer.getvalue()).decode("ascii"),
            "width": int(rendered.shape[1]), "height": int(rendered.shape[0])}


def _backup_of(sidecar: Path) -> str | None:
    """The user's version of the sidecar, kept as ``.xmp.bak`` by the first write over it (and
    never replaced since), or None when there was nothing to keep."""
    for candidate in (sidecar.with_name(sidecar.name + ".bak"), sidecar.with_suffix(".bak")):
        if candidate.is_file():
            return str(candidate)
    return None


def _host_module(host: str) -> Any:
    if host == "lightroom":
        from iea_core.hosts import lightroom

        return lightroom
    from iea_core.hosts import darktable

    return darktable


def write_xmp(params: Mapping[str, Any], ctx: MethodContext) -> dict[str, Any]:
    """Add ``program`` to the sidecar as it is now (``replace``: write it as iea's complete
    settings instead)."""
    program = _program(params["program"])
    image = _path(params, "image")
    if params.get("replace"):
        sidecar = Path(_host_module(params["host"]).write_sidecar(image, program))
        return {"sidecar": str(sidecar), "backup": _backup_of(sidecar), "changes": []}
    from iea_core.state import apply_to_sidecar

    applied = apply_to_sidecar(params["host"], image, program)
    return {**applied.to_json(), "backup": _backup_of(applied.sidecar)}


def export_preset(params: Mapping[str, Any], ctx: MethodContext) -> dict[str, Any]:
    program = _program(params["program"])
    dest = _path(params, "dest", must_exist=False)
    name = params["name"]
    if params["host"] == "lightroom":
        from iea_core.hosts.lightroom import write_preset

        path = write_preset(program, name, dest, params.get("group", "iea"),
                            kind=params.get("for", "both"))
    else:
        from iea_core.hosts.darktable import write_dtstyle

        dest.mkdir(parents=True, exist_ok=True)
        path = write_dtstyle(program, name, dest, description=program.reasoning or "")
    return {"files": [str(path)]}


def _ledger_path() -> Path:
    """The daemon's journal (it tells its workers through the environment)."""
    env = os.environ.get("IEA_BRIDGE_JOURNAL")
    if env:
        return Path(env)
    from iea_core.config import user_data_dir

    return user_data_dir() / "bridge" / "journal.sqlite3"


def batch_apply(params: Mapping[str, Any], ctx: MethodContext) -> dict[str, Any]:
    """Write a program or style into many photos' sidecars, each photo at most once.

    Every photo's write is recorded in the journal's batch ledger with the content hash of the
    new sidecar just before the rename that makes it visible (fileio's commit hook). A batch
    re-run after kill -9 (of the daemon or of this worker), or resent with a new id, skips every
    photo that is recorded done or whose sidecar already has the recorded hash, and redoes only
    the photos whose write never became visible. The user's own sidecar is kept as ``.xmp.bak``
    the first time and never replaced by iea's output.
    """
    from iea_core.fileio import clean_stale_temp_files, commit_hook, named_lock, sha256_file

    from .journal import BatchLedger

    host = params["host"]
    adapt = bool(params.get("adapt", False))
    if "program" in params:
        if adapt:
            raise MethodError("params.adapt works with a saved style (params.style), "
                              "not with a program")
        fixed = _program(params["program"])
        library = None
    else:
        from iea_core.styles import StyleLibrary

        library = StyleLibrary()
        fixed = None if adapt else library.program_for(params["style"])
        if library.kind(params["style"]) != "change":
            fixed = None  # a learned or copied look: its values depend on each photo's state
    images = list(params["images"])
    fingerprint = protocol.request_fingerprint("batch_apply", params)
    results: list[dict[str, Any]] = []
    ledger = BatchLedger(_ledger_path())
    try:
        # one runner per batch: a worker of a killed daemon may still finish its current photo
        # while the restarted daemon re-runs the batch; the second waits for the first
        with named_lock(f"batch-{fingerprint}", timeout=60.0, what="this batch"):
            # half-written sidecars of a run killed mid-write (their writer is dead)
            for folder in dict.fromkeys(str(Path(v).parent) for v in images
                                        if Path(v).is_absolute()):
                clean_stale_temp_files(folder)
            for index, value in enumerate(images):
                ctx.check_cancelled()
                entry = _batch_one(index, value, params, fingerprint, fixed, library, host,
                                   ledger, commit_hook, sha256_file)
                results.append(entry)
                ctx.progress(index + 1, len(images), image=value)
    finally:
        ledger.close()
        if library is not None:
            library.close()
    return {"results": results}


def style_learn(params: Mapping[str, Any], ctx: MethodContext) -> dict[str, Any]:
    """``iea style learn`` for the plug-ins: "learn style from selected photos"."""
    from iea_core.catalogue import photo_preview, read_current_state
    from iea_core.learn import FEATURE_NAMES, fit_style, photo_features, save_learned_style
    from iea_core.styles import check_style_name

    images = [_path({"image": value}, "image") for value in params["images"]]
    settings = list(params.get("settings") or [])
    if settings and len(settings) != len(images):
        raise MethodError(f"params.settings has {len(settings)} entries for {len(images)} images")
    name = check_style_name(params["name"])
    rows, programs, sources, skipped = [], [], [], []
    for index, image in enumerate(images):
        ctx.check_cancelled()
        if settings:
            from iea_core.hosts.lightroom import is_raw_path
            from iea_core.state import lightroom_state

            program = lightroom_state(settings[index], raw=is_raw_path(image)).program
        else:
            found = read_current_state(image, params.get("host"))
            program = found.program if found is not None else None
        if program is None or program.is_identity:
            skipped.append(str(image))
        else:
            rows.append(photo_features(photo_preview(image)))
            programs.append(program)
            sources.append(str(image))
        ctx.progress(index + 1, len(images), image=str(image))
    import numpy as np

    style = fit_style(name, np.array(rows).reshape(len(rows), len(FEATURE_NAMES)), programs,
                      sources)
    saved = save_learned_style(style, overwrite=bool(params.get("replace", False)))
    return {"name": saved.name, "sentence": saved.sentence, "examples": len(sources),
            "skipped": skipped, "tools": style.used_tools,
            "report": [{"tool": r.tool, "verdict": r.verdict, "sentence": r.sentence()}
                       for r in style.report]}


def style_programs(params: Mapping[str, Any], ctx: MethodContext) -> dict[str, Any]:
    """The program a saved style gives each photo, for review before the plug-in applies it.

    ``program`` is the style's program for the photo (a learned style's prediction from the
    unedited photo); ``kind`` says what it is (iea_core.styles.style_change). With the photo's
    current state (Lightroom: ``develop_settings[i]``, ``as_shot[i]``; darktable: the sidecar
    next to the image, or ``sidecars[i]``) each result also carries ``change`` (what is written:
    the program itself for a change style, target - current on the style's tools for a target
    style), ``developed``, and ``host_settings`` / ``changes`` / ``notes`` for exactly the
    settings that move, as ``compose`` gives them. Without a state the photo is taken as
    unedited."""
    from iea_core.batch import style_program, style_spec
    from iea_core.catalogue import photo_preview
    from iea_core.hosts.lightroom import is_raw_path
    from iea_core.state import compose as compose_state
    from iea_core.state import developed_view
    from iea_core.styles import style_change

    spec = style_spec(params["style"], adapt=bool(params.get("adapt", False)))
    host = params.get("host")
    raws = list(params.get("raw") or [])
    settings = list(params.get("develop_settings") or [])
    as_shot = list(params.get("as_shot") or [])
    sidecars = list(params.get("sidecars") or [])
    results: list[dict[str, Any]] = []
    for index, value in enumerate(params["images"]):
        ctx.check_cancelled()
        entry: dict[str, Any] = {"image": value}
        try:
            image = _path({"image": value}, "image")
            raw = raws[index] if index < len(raws) else is_raw_path(image)
            state = _style_state(host, image, raw, settings, as_shot, sidecars, index)
            preview = photo_preview(image)
            if spec.kind == "change" and spec.adapt_median is not None:
                preview = developed_view(preview, state)
            program = style_program(spec, preview)
            change = style_change(spec.kind, program, state.program, spec.tools)
            entry.update(ok=True, program=program.to_dict(), kind=spec.kind,
                         change=change.to_dict(),
                         developed=compose_state(state.program, change).to_dict(),
                         host_settings={}, changes=[], notes=[])
            entry.update(_change_settings(change, state, ctx.remote))
        except IeaError as exc:
            entry.update(ok=False, error={"code": exc.code, "message": str(exc)})
        except OSError as exc:
            entry.update(ok=False, error={"code": "os_error", "message": str(exc)})
        results.append(entry)
        ctx.progress(index + 1, len(params["images"]), image=value)
    return {"style": spec.name, "tools": list(spec.tools), "kind": spec.kind,
            "results": results}


def _style_state(host: str | None, image: Path, raw: bool, settings: list[Any],
                 as_shot: list[Any], sidecars: list[Any], index: int) -> Any:
    """The photo's current state for ``style_programs``: what the plug-in sent for photo
    ``index``, else (darktable) the sidecar next to the image, else an unedited photo."""
    from iea_core.state import PhotoState, darktable_state, lightroom_state, sidecar_for

    if host == "lightroom" and index < len(settings) and settings[index] is not None:
        shot = as_shot[index] if index < len(as_shot) else None
        return lightroom_state(settings[index], raw=raw, as_shot=shot)
    if host == "darktable":
        if index < len(sidecars) and sidecars[index]:
            return darktable_state(_path({"sidecar": sidecars[index]}, "sidecar"), raw=raw)
        return darktable_state(sidecar_for("darktable", image), raw=raw)
    return PhotoState(host, raw=raw)


def _batch_one(index: int, value: str, params: Mapping[str, Any], fingerprint: str, fixed: Any,
               library: Any, host: str, ledger: Any, commit_hook: Any,
               sha256_file: Any) -> dict[str, Any]:
    from iea_core.catalogue import apply_style

    state = ledger.lookup(fingerprint, index)
    if state is not None:
        kind, sidecar, digest, entry = state
        if kind == "done" and entry is not None:
            return {**entry, "resumed": True}
        if kind == "writing" and sidecar and digest and sha256_file(sidecar) == digest:
            # the rename happened before the crash: the photo is done, do not write it again
            entry = {"image": value, "sidecar": sidecar, "ok": True}
            ledger.done(fingerprint, index, value, entry)
            return {**entry, "resumed": True}
    entry: dict[str, Any] = {"image": value}
    try:
        image = _path({"image": value}, "image")
        program, kind, tools = fixed, "change", None
        if library is not None:
            kind, tools = library.kind(params["style"]), library.tools(params["style"])
        if program is None:
            view = _preview(image, 512)
            if kind == "change":  # adapted to the photo as it is developed now
                from iea_core.state import developed_view, read_state

                view = developed_view(view, read_state(host, image))
            program = library.program_for(params["style"], view,
                                          adapt=bool(params.get("adapt", False)))
            entry["program"] = program.to_dict()

        def record(path: Path, digest: str) -> None:
            ledger.writing(fingerprint, index, value, str(path), digest)

        with commit_hook(record):
            # a change style is added to the sidecar's current state; a learned or copied look
            # sets its tools to the target (iea_core.styles.style_change)
            applied = apply_style(host, image, program, kind, tools)
        entry["sidecar"] = str(applied.sidecar)
        entry["changes"] = [c.to_json() for c in applied.changes]
        entry["ok"] = True
        ledger.done(fingerprint, index, value, entry)
    except IeaError as exc:
        entry.update(ok=False, error={"code": exc.code, "message": str(exc)})
    except OSError as exc:
        from iea_core.errors import describe_os_error, os_error_code

        entry.update(ok=False, error={"code": os_error_code(exc),
                                      "message": describe_os_error(exc)})
    return entry


# --- test-only methods (``iea serve --enable-test-methods``) ------------------------------------
def debug_sleep(params: Mapping[str, Any], ctx: MethodContext) -> dict[str, Any]:
    """Sleep ``seconds`` in ``steps`` slices with a progress event after each (cancellable)."""
    seconds = float(params["seconds"])
    steps = int(params.get("steps", 0))
    slices = max(1, steps)
    for index in range(slices):
        if ctx.cancel_event.wait(seconds / slices):
            raise Cancelled("the request was cancelled")
        if steps:
            ctx.progress(index + 1, steps)
    return {"slept": seconds, "pid": os.getpid()}


def debug_echo(params: Mapping[str, Any], ctx: MethodContext) -> dict[str, Any]:
    return {"echo": dict(params), "pid": os.getpid()}


def debug_checksum(params: Mapping[str, Any], ctx: MethodContext) -> dict[str, Any]:
    """sha256 of the file at params.image as this worker sees it (tests input shipping)."""
    import hashlib

    path = _path(params, "image")
    return {"sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "read": str(path),
            "pid": os.getpid()}


def debug_crash(params: Mapping[str, Any], ctx: MethodContext) -> dict[str, Any]:
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


METHODS: dict[str, Callable[[Mapping[str, Any], MethodContext], dict[str, Any]]] = {
    "edit": edit, "refine": refine, "compose": compose, "summarize": summarize,
    "render_preview": render_preview,
    "write_xmp": write_xmp, "export_preset": export_preset, "batch_apply": batch_apply,
    "style_learn": style_learn, "style_programs": style_programs,
    "debug_sleep": debug_sleep, "debug_echo": debug_echo, "debug_crash": debug_crash,
    "debug_checksum": debug_checksum,
}
