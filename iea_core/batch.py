"""Apply a style to a whole shoot: reduced-size previews, all cores, a resumable job journal.

``iea batch STYLE PATHS... --xmp lightroom|darktable`` (:mod:`iea_core.cli.cmd_batch`) runs
:func:`run_batch`. Each photo is one task: decode a small preview of the unedited original
(:func:`iea_core.catalogue.photo_preview`), give it the style's program (a learned style predicts
it from the photo, a fixed style is used as is or exposure-adapted), turn it into a change to the
photo's current settings by the one rule of :func:`iea_core.styles.style_change` (a change style
is added; a learned or copied look sets its tools to the target, every other tool keeps the
photographer's value) and write it through :func:`iea_core.catalogue.apply_style` (only the
settings that move, atomic, ``.bak`` backup).

**Executors.** Tasks run in chunks on a local process pool (all cores by default), inline
(``jobs=1``), or on a Ray cluster (``executor="ray"``, the optional ``[cluster]`` extra) whose
nodes share the photo store. Workers compute and write sidecars; only the driver writes the
journal, so the journal needs no locking and works the same for every executor.

**The journal** (one JSON line per record, ``<data dir>/batch/<job>.jsonl`` by default; the job
id is a hash of the style's content and the host, so re-running the command, on the same photos
or on a folder that gained some, finds it; ``--restart`` starts afresh) makes the job resumable
and every write happen at most once, even across ``kill -9``:

1. ``start`` (photo, sha256 of its sidecar before) is appended and fsynced *before* the photo is
   handed to a worker;
2. the worker writes the sidecar atomically (temporary file, fsync, rename: the rename is the one
   step that makes the write visible);
3. ``done`` (sha256 of the sidecar after) is appended when the worker reports back.

A re-run skips photos with a ``done`` record. A photo with a ``start`` and no ``done`` was cut
off somewhere in between: if its sidecar's hash is still the ``before`` hash the rename never
happened (any temporary file the dead writer left is removed) and the photo is done again;
otherwise the rename happened, the new sidecar is checked to parse, and the photo is recorded as
done without writing again. The user's previous sidecar is copied to ``.bak`` once, by the one
write. A torn last line (killed mid-append) is ignored; every record is on its own line.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from .errors import IeaError
from .program import Program

JOURNAL_VERSION = 1
#: Photos per task: enough to amortise inter-process overhead, small enough for a smooth bar.
CHUNK = 8
#: Done records are fsynced at most this often (a lost one is recovered from the sidecar hash).
SYNC_INTERVAL = 0.5
THUMB = 192


# --- the style as workers see it ----------------------------------------------------------------
@dataclass(frozen=True)
class StyleSpec:
    """Everything a worker needs to give a photo its program (plain data, cheap to pickle)."""

    name: str
    program: dict[str, int]
    tools: tuple[str, ...]  # the tools a target style sets; the others keep the photo's values
    model: dict[str, Any] | None = None  # a learned style's model (iea_core.learn)
    adapt_median: float | None = None  # exposure-adapt a fixed style to this median
    kind: str = "change"  # iea_core.styles.CHANGE (added to the photo's settings) or TARGET

    @property
    def fingerprint(self) -> str:
        data = json.dumps([self.name, self.program, self.tools, self.model, self.adapt_median,
                           self.kind], sort_keys=True, default=str)
        return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]


def style_spec(name: str, *, adapt: bool = False) -> StyleSpec:
    """Look up style ``name`` in the library (and its learned model, if any)."""
    from .learn import load_model
    from .styles import DEFAULT_MEDIAN, TARGET, StyleLibrary

    with StyleLibrary() as library:
        style = library.get(name)
        median = library.reference_median(style.name) if adapt else None
        kind, tools = library.kind(style.name), library.tools(style.name)
    learned = load_model(style.name, style.program)
    if learned is not None:
        return StyleSpec(style.name, style.program.to_dict(), tools, learned.to_json_dict(),
                         kind=TARGET)
    return StyleSpec(style.name, style.program.to_dict(), tools, None,
                     (median if median is not None else DEFAULT_MEDIAN) if adapt else None,
                     kind=kind)


_MODELS: dict[str, Any] = {}


def style_program(spec: StyleSpec, preview: Any) -> Program:
    if spec.model is not None:
        from .learn import LearnedStyle

        model = _MODELS.get(spec.fingerprint)
        if model is None:
            model = _MODELS[spec.fingerprint] = LearnedStyle.from_json_dict(spec.model)
        return model.predict(preview)
    program = Program(spec.program, f"style {spec.name!r}")
    if spec.adapt_median is not None:
        from .styles import adapt_exposure

        program = adapt_exposure(preview, program, spec.adapt_median)
    return program


# --- one photo, in a worker ---------------------------------------------------------------------
@dataclass(frozen=True)
class Task:
    photo: str
    host: str
    write: bool
    thumbs: bool = False


def process_photo(task: Task, spec: StyleSpec) -> dict[str, Any]:
    """Give one photo its program and (when ``task.write``) write the sidecar. Never raises for
    a problem with the photo: the result carries ``error`` instead."""
    from .catalogue import apply_style, file_digest, photo_preview, styled_change
    from .state import compose, developed_view, read_state

    photo = Path(task.photo)
    result: dict[str, Any] = {"photo": task.photo}
    try:
        preview = photo_preview(photo)
        state = read_state(task.host, photo)
        # a learned or copied look is predicted from / adapted to the unedited photo; a change
        # style's exposure is adapted to the photo as it is developed now
        seen = preview if spec.kind != "change" or spec.adapt_median is None else \
            developed_view(preview, state)
        styled = style_program(spec, seen)
        before = state.program
        change = styled_change(state, styled, spec.kind, spec.tools)
        after = compose(before, change)
        result.update(before=before.to_dict(), after=after.to_dict())
        if task.thumbs:
            import numpy as np

            from .editor import render
            from .imageio import resize_max

            small = resize_max(preview, THUMB)
            result["thumbs"] = [np.asarray(render(small, before) * 255, dtype=np.uint8),
                                np.asarray(render(small, after) * 255, dtype=np.uint8)]
        if task.write:
            applied = apply_style(task.host, photo, styled, spec.kind, spec.tools)
            result.update(sidecar=str(applied.sidecar), after_hash=file_digest(applied.sidecar),
                          after=applied.program.to_dict(),
                          changes=[c.line() for c in applied.changes])
    except (IeaError, OSError) as exc:
        reason = str(exc) if isinstance(exc, IeaError) else \
            f"{exc.strerror or exc}: {exc.filename or photo}"
        result["error"] = reason
    return result


def process_chunk(tasks: Sequence[Task], spec: StyleSpec) -> list[dict[str, Any]]:
    return [process_photo(task, spec) for task in tasks]


# --- the journal --------------------------------------------------------------------------------
def job_id(spec: StyleSpec, host: str) -> str:
    """One job per (style content, host): running the command again, on the same photos or on a
    folder that gained or lost some, never applies the style to a photo twice."""
    return hashlib.sha256(f"{spec.fingerprint}\0{host}".encode()).hexdigest()[:20]


def default_journal(job: str) -> Path:
    from .config import user_data_dir

    return user_data_dir() / "batch" / f"{job}.jsonl"


@dataclass
class PhotoState:
    before: str | None = None  # sidecar hash recorded when the photo was started
    started: bool = False
    done: bool = False


#: the record kinds a journal holds (its first line is one of them)
JOURNAL_KINDS = ("job", "start", "done", "failed")


class Journal:
    """Append-only JSON lines; each append is flushed, fsynced when asked."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: Any = None
        self._last_sync = 0.0
        self._unsynced = False

    def load(self) -> dict[str, PhotoState]:
        states: dict[str, PhotoState] = {}
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return states
        for line in data.splitlines():
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):
                continue  # a line torn by a kill: the start before it still stands
            # a record this iea cannot use (edited by hand, damaged) is skipped like a torn line
            if not isinstance(record, dict) or not isinstance(record.get("photo"), str):
                continue
            state = states.setdefault(record["photo"], PhotoState())
            if record.get("kind") == "start":
                state.started, state.before = True, record.get("before")
            elif record.get("kind") == "done":
                state.done = True
        return states

    def open(self, header: Mapping[str, Any]) -> None:
        """Open for appending, holding an exclusive lock for as long as the run lasts: a second
        run of the same job at the same time would write photos twice (a killed holder's lock
        goes with it)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        new = not self.path.exists()
        if not new and not self._is_journal():
            raise IeaError(f"--journal {self.path} exists and is not an iea batch journal; "
                           "choose another file (iea never appends to a file it did not write)")
        self._handle = open(self.path, "ab")
        try:
            import fcntl

            fcntl.flock(self._handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # pragma: no cover - not POSIX: no lock
            pass
        except OSError:
            self._handle.close()
            self._handle = None
            raise IeaError(f"this batch is already running in another process (journal "
                           f"{self.path}); wait for it to finish, or stop it and run the "
                           "command again") from None
        # start on a fresh line, whatever a killed writer left at the end
        if not new and self.path.stat().st_size:
            self._handle.write(b"\n")
        self.append([dict(header, kind="job", version=JOURNAL_VERSION, time=time.time())],
                     sync=True)

    def _is_journal(self) -> bool:
        """True when the file is empty or starts with a journal record (a photo, a
        program or any other file of the user's passed as --journal is never appended to)."""
        with open(self.path, "rb") as handle:
            first = handle.read(64 * 1024).split(b"\n", 1)[0]
        if not first.strip():
            return True
        try:
            record = json.loads(first)
        except (ValueError, RecursionError):
            return False
        return isinstance(record, dict) and record.get("kind") in JOURNAL_KINDS

    def append(self, records: Iterable[Mapping[str, Any]], *, sync: bool) -> None:
        data = b"".join(json.dumps(r, ensure_ascii=False).encode("utf-8") + b"\n"
                        for r in records)
        self._handle.write(data)
        self._handle.flush()
        self._unsynced = True
        now = time.monotonic()
        if sync or now - self._last_sync >= SYNC_INTERVAL:
            os.fsync(self._handle.fileno())
            self._last_sync, self._unsynced = now, False

    def fileno(self) -> int:
        return self._handle.fileno()

    def close(self) -> None:
        if self._handle is not None:
            if self._unsynced:
                os.fsync(self._handle.fileno())
            self._handle.close()
            self._handle = None


def _remove_stale_temps(sidecar: Path) -> None:
    """Temporary files a killed writer of ``sidecar`` (or of its backup) left behind: the ones
    :func:`iea_core.fileio.atomic_write_bytes` names ``.NAME.XXXX.tmp``."""
    for stale in sidecar.parent.glob(f".{sidecar.name}.*.tmp"):  # also .NAME.bak.XXXX.tmp
        with contextlib.suppress(OSError):
            stale.unlink()


def _resolve_interrupted(photo: str, host: str, state: PhotoState) -> str | None:
    """For a photo started but not recorded done: the sidecar hash if the write happened, None
    if it did not (then stale temporary files are removed and the photo is done again)."""
    from .catalogue import file_digest, sidecar_for
    from .fileio import file_lock
    from .state import read_state

    sidecar = sidecar_for(host, photo)
    with file_lock(sidecar):
        now = file_digest(sidecar)
        if now == state.before:
            _remove_stale_temps(sidecar)
            return None
    read_state(host, photo)  # the sidecar that is there must parse
    return now


# --- running ------------------------------------------------------------------------------------
@dataclass
class BatchResult:
    done: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0  # finished in an earlier run
    recovered: int = 0  # written by a run that was cut off before recording it
    # rendered halves of RAW+JPEG pairs (Lightroom): their raw, also in the batch, gets the
    # style in the one sidecar both share
    paired: list[dict[str, Any]] = field(default_factory=list)
    journal: Path | None = None
    interrupted: bool = False


class _Inline:
    """Runs chunks in this process (``jobs=1``): same code path, no pool."""

    def run(self, chunks: Iterator[list[Task]], spec: StyleSpec, window: int
            ) -> Iterator[tuple[list[Task], list[dict[str, Any]]]]:
        for chunk in chunks:
            yield chunk, process_chunk(chunk, spec)

    def close(self, wait: bool = True) -> None:
        pass


def _die_with_parent(parent: int, close_fds: Sequence[int] = ()) -> None:
    """Pool worker start-up: end when the driver ends, even by kill -9. A worker that outlived
    its driver could finish a write after a re-run has already redone that photo. The journal's
    descriptor (inherited through fork) is closed, so that its lock ends with the driver."""
    for fd in close_fds:
        with contextlib.suppress(OSError):
            os.close(fd)
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the driver died before the line above took effect
        os._exit(1)


def in_flight(chunks: Iterator[list[Any]], submit: Callable[[list[Any]], Any],
              finished: Callable[[list[Any]], list[tuple[Any, Any]]], window: int
              ) -> Iterator[tuple[list[Any], Any]]:
    """Keep at most ``window`` chunks submitted; yield (chunk, result) as each one finishes.

    ``submit(chunk)`` returns a handle (a future, a Ray object ref); ``finished(handles)`` waits
    until at least one is done and returns its (handle, result) pairs. Shared by the process
    pool and the Ray executor so both feed work the same way."""
    pending: dict[Any, list[Any]] = {}
    exhausted = False
    while pending or not exhausted:
        while not exhausted and len(pending) < window:
            chunk = next(chunks, None)
            if chunk is None:
                exhausted = True
                break
            pending[submit(chunk)] = chunk
        if not pending:
            break
        for handle, result in finished(list(pending)):
            yield pending.pop(handle), result


class _Pool:
    """A local process pool; at most ``window`` chunks in flight."""

    def __init__(self, jobs: int, close_fds: Sequence[int] = ()) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        self.pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(method),
                                        initializer=_die_with_parent,
                                        initargs=(os.getpid(), tuple(close_fds)))

    def run(self, chunks: Iterator[list[Task]], spec: StyleSpec, window: int
            ) -> Iterator[tuple[list[Task], list[dict[str, Any]]]]:
        from concurrent.futures import FIRST_COMPLETED, wait

        def finished(futures: list[Any]) -> list[tuple[Any, Any]]:
            done, _ = wait(futures, return_when=FIRST_COMPLETED)
            return [(future, future.result()) for future in done]

        return in_flight(chunks, lambda chunk: self.pool.submit(process_chunk, chunk, spec),
                         finished, window)

    def close(self, wait: bool = True) -> None:
        self.pool.shutdown(wait=wait, cancel_futures=True)


def _executor(kind: str, jobs: int, ray_address: str | None, close_fds: Sequence[int] = ()
              ) -> Any:
    if kind == "ray":
        from .batch_ray import RayExecutor

        return RayExecutor(ray_address, jobs)
    if kind != "local":
        raise IeaError(f"unknown executor {kind!r}; choose local or ray")
    return _Inline() if jobs <= 1 else _Pool(jobs, close_fds)


def run_batch(spec: StyleSpec, photos: Sequence[Path], host: str, *, dry_run: bool = False,
              thumbs: bool = False, jobs: int | None = None, executor: str = "local",
              ray_address: str | None = None, journal_path: Path | None = None,
              restart: bool = False,
              on_result: Callable[[dict[str, Any]], None] | None = None,
              progress: Callable[[int, int], Any] | None = None) -> BatchResult:
    """Apply ``spec`` to ``photos`` for ``host``; see the module docstring for the guarantees.

    ``dry_run`` computes before -> after for every photo and writes nothing (no journal either).
    ``restart`` starts a new job even where this style was applied before (the photos get it
    again, on top of their current settings).
    ``progress(total, already_done)`` returns an object with ``update(n)``/``close()`` (a tqdm).
    """
    from .catalogue import file_digest, sidecar_for

    jobs = jobs or os.cpu_count() or 1
    result = BatchResult()
    photos = list(photos)
    journal = None
    states: dict[str, PhotoState] = {}
    if not dry_run:
        job = job_id(spec, host)
        journal = Journal(journal_path or default_journal(job))
        result.journal = journal.path
        header = {"job": job, "style": spec.name, "host": host, "photos": len(photos)}
        journal.open(header)
        if restart:
            # a deliberate new run: the old journal is kept beside, the new one starts empty
            os.replace(journal.path, journal.path.with_name(
                f"{journal.path.stem}.{time.strftime('%Y%m%d-%H%M%S')}.jsonl"))
            journal.close()
            journal.open(header)
        states = journal.load()
    todo: list[str] = []
    recovered_records = []
    in_batch = {str(photo.resolve()) for photo in photos}
    for photo in photos:
        key = str(photo.resolve())
        if host == "lightroom":
            from .hosts.lightroom import sidecar_owner

            owner = sidecar_owner(photo)
            if owner is not None and owner != photo and str(owner.resolve()) in in_batch:
                result.paired.append({"photo": key, "raw": str(owner)})
                continue
        state = states.get(key)
        if state is not None and state.done:
            result.skipped += 1
            continue
        if state is not None and state.started:
            try:
                after = _resolve_interrupted(key, host, state)
            except IeaError as exc:  # the sidecar there now cannot be read: say so, keep it
                result.failed.append({"photo": key, "error": str(exc)})
                continue
            if after is not None:
                recovered_records.append({"kind": "done", "photo": key, "after": after,
                                          "recovered": True})
                result.recovered += 1
                continue
        todo.append(key)
    if journal is not None and recovered_records:
        journal.append(recovered_records, sync=True)

    bar = progress(len(photos), result.skipped + result.recovered) if progress else None

    def chunks() -> Iterator[list[Task]]:
        for start in range(0, len(todo), CHUNK):
            keys = todo[start:start + CHUNK]
            if journal is not None:
                journal.append([{"kind": "start", "photo": k,
                                 "before": file_digest(sidecar_for(host, k))} for k in keys],
                               sync=True)
            yield [Task(k, host, not dry_run, thumbs) for k in keys]

    runner = _executor(executor, jobs, ray_address,
                       [journal.fileno()] if journal is not None else [])
    try:
        for _chunk, results in runner.run(chunks(), spec, window=2 * jobs):
            records = []
            for item in results:
                if "error" in item:
                    result.failed.append(item)
                    records.append({"kind": "failed", "photo": item["photo"],
                                    "error": item["error"]})
                else:
                    result.done.append(item)
                    records.append({"kind": "done", "photo": item["photo"],
                                    "after": item.get("after_hash"), "program": item["after"]})
                if on_result:
                    on_result(item)
            if journal is not None:
                journal.append(records, sync=False)
            if bar is not None:
                bar.update(len(results))
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        with contextlib.suppress(Exception):
            runner.close(wait=not result.interrupted)
        if journal is not None:
            journal.close()
        if bar is not None:
            bar.close()
    return result


def change_lines(before: Mapping[str, int], after: Mapping[str, int]) -> list[str]:
    """``tool before -> after`` for each tool that changes."""
    lines = []
    for tool in sorted(set(before) | set(after), key=_tool_order):
        old, new = before.get(tool, 0), after.get(tool, 0)
        if old != new:
            lines.append(f"{tool} {old:+d} -> {new:+d}")
    return lines


def _tool_order(tool: str) -> int:
    from .tools import TOOL_NAMES

    return TOOL_NAMES.index(tool) if tool in TOOL_NAMES else len(TOOL_NAMES)


__all__ = ["StyleSpec", "style_spec", "run_batch", "BatchResult", "Journal", "process_photo",
           "change_lines", "job_id"]
