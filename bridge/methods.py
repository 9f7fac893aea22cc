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
import time
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

    def progress(self, done: int, total: int, **extra: Any) -> None:
        self.emit(protocol.progress_event(self.request_id, done, total, **extra))

    def check_cancelled(self) -> None:
        if self.cancel_event.is_set():
            raise Cancelled("the request was cancelled")

    def agent(self) -> Any:
        key = self.backend or ""
        if key not in self.agents:
            from iea_core.agent import get_agent

            self.agents[key] = get_agent(self.backend)
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


def _edit_result(result: Any, host: str | None, raw: bool, remote: bool) -> dict[str, Any]:
    program = result.program
    return {"program": program.to_dict(), "reasoning": result.reasoning or program.reasoning,
            "explanations": dict(result.explanations or {}),
            "host_settings": _host_settings(program, host, raw=raw, remote=remote)}


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
    result, planned = _planned_edit(ctx.agent(), image, params["instruction"],
                                    _history(params.get("history")), params.get("plan"))
    reply = _edit_result(result, params.get("host"), bool(params.get("raw", False)), ctx.remote)
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
    result = ctx.agent().refine(image, program, params["feedback"],
                                _history(params.get("history")))
    reply = _edit_result(result, params.get("host"), bool(params.get("raw", False)), ctx.remote)
    return _with_card(reply, card, image, result, ctx)


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
              "distance": _jsonable_float(style.distance)}
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
    from iea_core.imageio import read_image, resize_max, to_float

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

        write_image(out, rendered[..., :3], icc_profile=photo.icc_profile, quality=quality)
        return {"path": str(out), "width": int(rendered.shape[1]),
                "height": int(rendered.shape[0])}
    buffer = io.BytesIO()
    extra = {"icc_profile": photo.icc_profile} if photo.icc_profile else {}
    Image.fromarray(np.ascontiguousarray(rendered[..., :3])).save(buffer, "JPEG", quality=quality,
                                                                  **extra)
    return {"jpeg_base64": base64.b64encode(buffer.getvalue()).decode("ascii"),
            "width": int(rendered.shape[1]), "height": int(rendered.shape[0])}


def _backup_of(sidecar: Path, since: float) -> str | None:
    for candidate in (sidecar.with_name(sidecar.name + ".bak"), sidecar.with_suffix(".bak")):
        try:
            if candidate.stat().st_mtime >= since - 1.0:
                return str(candidate)
        except OSError:
            continue
    return None


def _host_module(host: str) -> Any:
    if host == "lightroom":
        from iea_core.hosts import lightroom

        return lightroom
    from iea_core.hosts import darktable

    return darktable


def write_xmp(params: Mapping[str, Any], ctx: MethodContext) -> dict[str, Any]:
    program = _program(params["program"])
    image = _path(params, "image")
    started = time.time()
    sidecar = Path(_host_module(params["host"]).write_sidecar(image, program))
    return {"sidecar": str(sidecar), "backup": _backup_of(sidecar, started)}


def export_preset(params: Mapping[str, Any], ctx: MethodContext) -> dict[str, Any]:
    program = _program(params["program"])
    dest = _path(params, "dest", must_exist=False)
    name = params["name"]
    if params["host"] == "lightroom":
        from iea_core.hosts.lightroom import write_preset

        path = write_preset(program, name, dest, params.get("group", "iea"))
    else:
        from iea_core.hosts.darktable import write_dtstyle

        dest.mkdir(parents=True, exist_ok=True)
        path = write_dtstyle(program, name, dest, description=program.reasoning or "")
    return {"files": [str(path)]}


def batch_apply(params: Mapping[str, Any], ctx: MethodContext) -> dict[str, Any]:
    host = _host_module(params["host"])
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
    images = list(params["images"])
    results: list[dict[str, Any]] = []
    try:
        for index, value in enumerate(images):
            ctx.check_cancelled()
            entry: dict[str, Any] = {"image": value}
            try:
                image = _path({"image": value}, "image")
                program = fixed
                if program is None:
                    program = library.program_for(params["style"], _preview(image, 512),
                                                  adapt=True)
                    entry["program"] = program.to_dict()
                entry["sidecar"] = str(host.write_sidecar(image, program))
                entry["ok"] = True
            except IeaError as exc:
                entry.update(ok=False, error={"code": exc.code, "message": str(exc)})
            except OSError as exc:
                entry.update(ok=False, error={"code": "os_error", "message": str(exc)})
            results.append(entry)
            ctx.progress(index + 1, len(images), image=value)
    finally:
        if library is not None:
            library.close()
    return {"results": results}


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
    "edit": edit, "refine": refine, "summarize": summarize, "render_preview": render_preview,
    "write_xmp": write_xmp, "export_preset": export_preset, "batch_apply": batch_apply,
    "debug_sleep": debug_sleep, "debug_echo": debug_echo, "debug_crash": debug_crash,
    "debug_checksum": debug_checksum,
}
