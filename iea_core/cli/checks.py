"""Checks every writing command makes on its outputs *before* any heavy work.

A read-only folder, an existing file, an extension iea cannot write, a name that collides with
an input or a JPEG asked of a photo with transparency is reported in the first milliseconds, not
after seconds of rendering or searching; a file the user did not ask to replace is never replaced
(``--overwrite`` says so), and transparency is never dropped unless asked (``--flatten``).
"""
from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Iterable

from ..errors import IeaError, OutputExists, WriteError, write_error

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".tif", ".tiff")


def same_file(a: Path, b: Path) -> bool:
    """True when ``a`` names the file ``b`` (also through links or ``..``)."""
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def _nearest_existing(folder: Path) -> Path:
    folder = folder.absolute()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def check_writable_folder(folder: Path, for_path: Path | None = None) -> None:
    """Raise a :class:`WriteError` naming ``for_path`` when ``folder`` (or, if it does not exist
    yet, the folder it would be created in) cannot be written: read-only file system, no
    permission, or a file where a folder should be."""
    target = for_path if for_path is not None else folder
    existing = _nearest_existing(folder)
    if not existing.is_dir():
        raise WriteError(f"cannot write {target}: {existing} is a file, not a folder; choose "
                         "another output", str(target), errno.ENOTDIR, "bad_path")
    try:
        read_only = bool(os.statvfs(existing).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        read_only = False
    if read_only:
        raise write_error(OSError(errno.EROFS, "Read-only file system"), target)
    if not os.access(existing, os.W_OK | os.X_OK):
        raise write_error(OSError(errno.EACCES, "Permission denied"), target)


def check_output(path: Path, *, inputs: Iterable[Path] = (), overwrite: bool = False,
                 extensions: Iterable[str] | None = IMAGE_EXTENSIONS,
                 option: str = "-o", photos: int = 1) -> Path:
    """Validate one output path; returns it. Refuses (one clear line each): an extension iea
    cannot write, the path of an input, a folder, an existing file without ``overwrite``, and a
    folder that cannot be written. ``inputs``: the files the command reads, the photo(s) first
    (``photos`` of them), then other outputs of the same command."""
    path = Path(path)
    for index, source in enumerate(inputs):
        if same_file(path, Path(source)):
            what = "the input photo" if index < photos else "another output of this command,"
            raise IeaError(f"refusing to overwrite {what} {source} with {option}; choose "
                           f"another {option}")
    if extensions is not None:
        allowed = tuple(extensions)
        if path.suffix.lower() not in allowed:
            names = ", ".join(dict.fromkeys(e for e in allowed if e not in (".jpeg", ".tiff")))
            raise IeaError(f"cannot write {path}: use a {names} file name for {option}")
    if path.is_dir():
        raise WriteError(f"cannot write {path}: it is a folder; give a file name for {option}",
                         str(path), errno.EISDIR, "bad_path")
    if path.exists() and not overwrite:
        raise OutputExists(f"{path} exists already; add --overwrite to replace it, or choose "
                           f"another {option}")
    check_writable_folder(path.parent if str(path.parent) else Path("."), path)
    return path


def check_alpha_output(output: Path, image: Path, flatten: bool) -> None:
    """Refuse (one line) to write the photo ``image`` into a JPEG ``output`` when it has
    transparency, which JPEG cannot hold, unless ``--flatten`` asked for it to be composited
    over white. Read from the header alone, so it costs milliseconds."""
    if flatten or Path(output).suffix.lower() not in (".jpg", ".jpeg"):
        return
    from ..errors import AlphaNotKept
    from ..imageio import has_alpha, jpeg_alpha_message

    if has_alpha(image):
        raise AlphaNotKept(jpeg_alpha_message(Path(output), Path(image)))


def make_folder(folder: Path, for_path: Path | None = None) -> None:
    """``mkdir -p`` with the error naming the user's output."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error(exc, for_path or folder, action="create the folder for") from None


def clean_text(text: str) -> str:
    """A user's typed text made safe to store and print: bytes that are not UTF-8 (a terminal
    in another encoding, a binary file piped in) become U+FFFD instead of surrogates that crash
    the session database or the JSON output, and control characters other than tab go."""
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return "".join(c for c in text if c == "\t" or c >= " " and c != "\x7f")
