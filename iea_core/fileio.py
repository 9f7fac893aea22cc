"""Safe writes for the user's files: never lost, never half-written, nothing left behind.

Every file iea writes over something the user owns (sidecars, presets, edited images, program files)
goes through :func:`atomic_write_bytes`: the new content goes to a temporary file in the same
folder, is fsynced, then renamed over the target, and the folder is fsynced so the rename itself
survives a power cut.

* ``backup=True`` keeps the user's version as ``NAME.bak``, made **once**: an existing ``.bak`` is
  never replaced, so a second (or re-run) write can never overwrite the user's original with iea's
  own earlier output.
* On Linux the new content is written into an *unnamed* file (``O_TMPFILE``) that gets a name
  only once it is complete and fsynced, and is renamed over the target at once: kill -9, a full
  disk or a crash during the write leaves nothing in the user's folder. Elsewhere (and on file
  systems without ``O_TMPFILE``) temporary files are named ``.NAME.iea-<pid>-<random>.tmp``; one
  left by a process that died (kill -9, power cut) is removed the first time a later process
  writes into that folder.
* Any OS error (read-only folder, full disk, permission) becomes one
  :class:`~iea_core.errors.WriteError` naming the user's file, never the temporary one.
* :func:`file_lock` serialises writers of one file across processes with ``flock`` on a file in
  the private runtime folder, which it removes again: no ``.lock`` files beside photos.
* :func:`commit_hook` lets a caller (the bridge's batch journal) record the content hash of a
  write at the moment just before it becomes visible.
"""
from __future__ import annotations

import contextlib
import contextvars
import errno
import hashlib
import os
import re
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

from .errors import SidecarError, WriteError, write_error

#: temp files older than this are stale even if their pid is alive again (pid reuse)
STALE_TEMP_S = 24 * 3600.0
_TEMP_RE = re.compile(r"^\.(?P<name>.+)\.iea-(?P<pid>\d+)-[A-Za-z0-9_]+\.tmp$")
#: the temporary-file names of earlier versions (no pid): removed once older than this
_LEGACY_TEMP_RE = re.compile(r"^\.(?P<name>.+)\.[A-Za-z0-9_]{8}\.tmp$")
LEGACY_STALE_S = 3600.0

#: called as hook(target, sha256_hex) after the new content is durable, just before the rename
CommitHook = Callable[[Path, str], None]
_COMMIT_HOOK: contextvars.ContextVar[CommitHook | None] = contextvars.ContextVar(
    "iea_commit_hook", default=None)

_cleaned_folders: set[str] = set()
_cleaned_lock = threading.Lock()


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # not supported on some platforms / filesystems
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    except OSError:
        return False
    try:   # a zombie (killed, not yet reaped by its parent) writes nothing any more
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b") ", 1)[-1][:1] != b"Z"
    except OSError:
        return True


def clean_stale_temp_files(folder: str | os.PathLike[str]) -> list[Path]:
    """Remove temporary files that a dead iea process left in ``folder``; returns them."""
    removed = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not (name.startswith(".") and name.endswith(".tmp")):
            continue
        match = _TEMP_RE.match(name)
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
            if match:
                stale = age > STALE_TEMP_S or not _pid_alive(int(match["pid"]))
            else:
                stale = bool(_LEGACY_TEMP_RE.match(name)) and age > LEGACY_STALE_S
            if stale and entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def _clean_once(folder: Path) -> None:
    key = os.path.abspath(folder)
    with _cleaned_lock:
        if key in _cleaned_folders:
            return
        _cleaned_folders.add(key)
    clean_stale_temp_files(folder)


@contextlib.contextmanager
def commit_hook(hook: CommitHook) -> Iterator[None]:
    """Call ``hook(target, sha256)`` for every :func:`atomic_write_bytes` in this block, once the
    new content is on disk and just before it replaces the target (the commit point)."""
    token = _COMMIT_HOOK.set(hook)
    try:
        yield
    finally:
        _COMMIT_HOOK.reset(token)


def _final_mode(path: Path, mode: int | None) -> int:
    if mode is not None:
        return mode
    if path.exists():
        return path.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


_AT_FDCWD, _AT_SYMLINK_FOLLOW = -100, 0x400
_linkat: list = []


def _link_fd(fd: int, name: str) -> None:
    """Give the unnamed file ``fd`` the name ``name``: ``linkat`` through ``/proc/self/fd`` with
    AT_SYMLINK_FOLLOW (os.link calls plain link(), which links the /proc entry itself)."""
    import ctypes

    if not _linkat:
        try:
            function = ctypes.CDLL(None, use_errno=True).linkat
            function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                                 ctypes.c_int]
            _linkat.append(function)
        except (OSError, AttributeError):
            _linkat.append(None)
    if _linkat[0] is None:
        raise OSError(errno.ENOSYS, "linkat is not available")
    if _linkat[0](_AT_FDCWD, f"/proc/self/fd/{fd}".encode(), _AT_FDCWD, os.fsencode(name),
                  _AT_SYMLINK_FOLLOW) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), name)


def _replace_unnamed(path: Path, folder: Path, data: bytes, mode: int | None,
                     hook: CommitHook | None) -> bool:
    """Linux: write into an *unnamed* file of ``folder`` (``O_TMPFILE``), give it a name only
    once it is complete and fsynced, and rename that name over ``path`` at once. A kill -9, a
    full disk or a crash during the write leaves nothing in the user's folder (the kernel frees
    an unnamed file); only the microseconds between link and rename can leave a temp name, which
    the next write removes. Returns False where the file system or OS has no ``O_TMPFILE``."""
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag or not os.path.isdir("/proc/self/fd"):
        return False
    try:
        fd = os.open(folder, flag | os.O_WRONLY | getattr(os, "O_CLOEXEC", 0), 0o600)
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT):
            return False   # not supported here: the named temporary file does the job
        raise
    tmp_name = None
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fchmod(fd, _final_mode(path, mode))
        os.fsync(fd)
        name = os.path.join(folder, f".{path.name}.iea-{os.getpid()}-{os.urandom(6).hex()}.tmp")
        try:
            _link_fd(fd, name)
        except OSError as exc:
            if exc.errno in (errno.EXDEV, errno.EPERM, errno.ENOENT, errno.EOPNOTSUPP,
                             errno.ENOSYS):
                return False   # e.g. overlayfs: the named temporary file does the job
            raise
        tmp_name = name
        if hook is not None:
            hook(path, hashlib.sha256(data).hexdigest())
        os.replace(tmp_name, path)
        tmp_name = None
    finally:
        os.close(fd)
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
    return True


def _replace(path: Path, folder: Path, data: bytes, mode: int | None,
             hook: CommitHook | None) -> None:
    if _replace_unnamed(path, folder, data, mode, hook):
        return
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.iea-{os.getpid()}-", suffix=".tmp",
                                    dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, _final_mode(path, mode))
        if hook is not None:
            hook(path, hashlib.sha256(data).hexdigest())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *, backup: bool = False,
                       mode: int | None = None) -> Path | None:
    """Replace ``path`` with ``data`` atomically. Returns the backup path if one exists.

    With ``backup`` the current file is first copied to ``NAME.bak`` unless a backup is already
    there (the first backup holds the user's version; it is never replaced by iea's output).
    OS errors are raised as :class:`WriteError` naming ``path``. A symbolic link is written
    through: its target gets the new content (and the backup beside it), the link stays.
    """
    path = Path(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise WriteError(f"cannot write {path}: the folder {folder} does not exist; create it "
                         "or choose another output", str(path), errno.ENOENT, "not_found")
    if path.is_dir():
        raise WriteError(f"cannot write {path}: it is a folder; give a file name", str(path),
                         errno.EISDIR, "bad_path")
    _clean_once(folder)
    backup_path = None
    try:
        if backup:
            candidate = path.with_name(path.name + ".bak")
            if candidate.exists():
                backup_path = candidate   # the user's version is already kept: never replace it
            elif path.exists():
                _replace(candidate, folder, path.read_bytes(), path.stat().st_mode & 0o7777,
                         None)   # the user's version, with the user's permissions
                backup_path = candidate
        _replace(path, folder, data, mode, _COMMIT_HOOK.get())
    except WriteError:
        raise
    except OSError as exc:
        raise write_error(exc, path) from None
    _fsync_dir(folder)
    return backup_path


def atomic_write_text(path: str | os.PathLike[str], text: str, *, backup: bool = False,
                      mode: int | None = None) -> Path | None:
    return atomic_write_bytes(path, text.encode("utf-8"), backup=backup, mode=mode)


def sha256_file(path: str | os.PathLike[str]) -> str | None:
    """The sha256 of a file's content, or None when it cannot be read."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


# --- locks ----------------------------------------------------------------------------------------
_held: dict[str, list] = {}          # lock key -> [owning thread id, depth, fd, lock file]
_held_guard = threading.Lock()
_thread_locks: dict[str, threading.RLock] = {}


def _lock_folder() -> Path:
    """``<runtime dir>/locks``; when the runtime dir cannot be written (XDG_RUNTIME_DIR on a
    read-only mount) a private folder in the system temp dir, so a sidecar can still be
    written safely: the lock is iea's business, not a reason to refuse the user's edit."""
    from .config import user_runtime_dir
    from .errors import IeaError

    try:
        folder = user_runtime_dir() / "locks"
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if os.access(folder, os.W_OK | os.X_OK):
            return folder
    except (OSError, IeaError):
        pass
    folder = Path(tempfile.gettempdir()) / f"iea-{os.getuid()}-locks"
    folder.mkdir(exist_ok=True, mode=0o700)
    info = folder.lstat()
    if info.st_uid != os.getuid() or not folder.is_dir() or folder.is_symlink():
        raise PermissionError(errno.EACCES, "lock folder is not private", str(folder))
    return folder


def lock_key(path: str | os.PathLike[str]) -> str:
    """The name under which ``path`` is locked: its absolute, symlink-free path, hashed."""
    # fsencode: a file name that is not UTF-8 (a camera card, an old archive) locks like any other
    return hashlib.sha256(os.fsencode(os.path.realpath(os.fspath(path)))).hexdigest()[:32]


def _flock(fd: int, deadline: float, what: str, timeout: float) -> None:
    import fcntl

    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
            if time.monotonic() > deadline:
                raise SidecarError(f"{what} is being written by another process (locked for "
                                   f"more than {timeout:g} s); try again when it is done") \
                    from None
            time.sleep(0.02)


@contextlib.contextmanager
def named_lock(key: str, *, timeout: float = 10.0, what: str | None = None) -> Iterator[None]:
    """An exclusive cross-process lock called ``key`` (re-entrant within a thread).

    ``flock`` on ``<runtime dir>/locks/<key>.lock``: a holder killed with -9 releases it at once.
    The holder removes the file before releasing it; a waiter that then finds its file gone (or
    replaced) starts again on the new one, so no lock file outlives its last holder.
    """
    what = what or key
    with _held_guard:
        rlock = _thread_locks.setdefault(key, threading.RLock())
    if not rlock.acquire(timeout=max(0.0, timeout)):
        raise SidecarError(f"{what} is being written by another thread (locked for more than "
                           f"{timeout:g} s)")
    try:
        state = _held.get(key)
        if state is not None:   # this thread already holds it
            state[1] += 1
            try:
                yield
            finally:
                state[1] -= 1
            return
        try:
            import fcntl  # noqa: F401
        except ImportError:  # pragma: no cover - Windows: in-process exclusion only
            yield
            return
        deadline = time.monotonic() + timeout
        try:
            lock_path = _lock_folder() / f"{key}.lock"
        except OSError as exc:
            raise write_error(exc, what, action="lock") from None
        while True:
            try:
                fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as exc:
                raise write_error(exc, what, action="lock") from None
            try:
                _flock(fd, deadline, what, timeout)
                current = os.stat(lock_path)
                mine = os.fstat(fd)
                if (current.st_ino, current.st_dev) == (mine.st_ino, mine.st_dev):
                    break
            except FileNotFoundError:
                pass   # the previous holder removed it between our open and our lock
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)
        _held[key] = [threading.get_ident(), 1, fd, lock_path]
        try:
            yield
        finally:
            del _held[key]
            with contextlib.suppress(OSError):
                os.unlink(lock_path)
            os.close(fd)   # closing releases the flock
    finally:
        rlock.release()


@contextlib.contextmanager
def file_lock(path: str | os.PathLike[str], *, timeout: float = 10.0) -> Iterator[Path]:
    """Hold an exclusive lock on ``path`` for the duration of the block (read-modify-write of a
    sidecar). Leaves no file next to ``path``; see :func:`named_lock`."""
    with named_lock(lock_key(path), timeout=timeout, what=str(path)):
        yield Path(path)
