"""Safe writes for the user's files: never lost, never half-written.

Every file iea writes over something the user owns (sidecars, presets, edited images, program files)
goes through :func:`atomic_write_bytes`: the new content goes to a temporary file in the same
folder, is fsynced, then renamed over the target, and the folder is fsynced so the rename itself
survives a power cut. With ``backup=True`` the previous content is kept as ``NAME.bak`` first.
:func:`file_lock` serialises writers of one file across processes.
"""
from __future__ import annotations

import contextlib
import errno
import os
import tempfile
import time
from pathlib import Path
from typing import Iterator

from .errors import IeaError, SidecarError


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


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *, backup: bool = False,
                       mode: int | None = None) -> Path | None:
    """Replace ``path`` with ``data`` atomically. Returns the backup path if one was written."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise IeaError(f"cannot write {path}: folder {folder} does not exist")
    backup_path = None
    if backup and path.exists():
        backup_path = path.with_name(path.name + ".bak")
        atomic_write_bytes(backup_path, path.read_bytes())
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp_name, mode)
        elif path.exists():
            os.chmod(tmp_name, path.stat().st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp_name, 0o666 & ~umask)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    _fsync_dir(folder)
    return backup_path


def atomic_write_text(path: str | os.PathLike[str], text: str, *, backup: bool = False,
                      mode: int | None = None) -> Path | None:
    return atomic_write_bytes(path, text.encode("utf-8"), backup=backup, mode=mode)


@contextlib.contextmanager
def file_lock(path: str | os.PathLike[str], *, timeout: float = 10.0) -> Iterator[Path]:
    """Hold an exclusive lock on ``path`` (via ``path + '.lock'``) for the duration of the block.

    Uses ``fcntl.flock`` where available, so a crashed holder never leaves a stale lock.
    """
    lock_path = Path(str(path) + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: best effort, exclusive create
        fcntl = None  # type: ignore[assignment]
    try:
        if fcntl is not None:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() > deadline:
                        raise SidecarError(
                            f"{path} is being written by another process (lock {lock_path} "
                            f"held for more than {timeout:g} s)") from None
                    time.sleep(0.02)
        yield lock_path
    finally:
        if fcntl is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
