"""One exception tree for the whole project.

Callers catch at the level they need (``IeaError`` for "anything iea refused", ``ImageError`` for
"that file is not a photo I can read"). Foreign exceptions (PIL, lxml, zmq, sqlite) are mapped to
these at the boundary where they happen, so the CLI can print one readable line and the bridge can
answer with a stable error ``code``.
"""
from __future__ import annotations

from typing import Iterable


class IeaError(Exception):
    """Base of every error iea raises on purpose. ``code`` is stable and goes over the wire."""

    code = "iea_error"
    exit_code = 1
    #: what the user can do about it, added to the message shown to a user when the message
    #: itself does not already say (see :func:`user_message`)
    hint = ""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:  # the message alone, never a repr
        return self.message


class ConfigError(IeaError):
    code = "config_error"


# --- programs -------------------------------------------------------------------------------
class InvalidProgram(IeaError):
    """A program could not be parsed or validated. ``problems`` lists every problem found."""

    code = "invalid_program"

    def __init__(self, problems: Iterable[str], source: str = "program") -> None:
        self.problems = list(problems) or ["unknown problem"]
        if len(self.problems) == 1:
            message = f"invalid {source}: {self.problems[0]}"
        else:
            message = f"invalid {source}: " + "; ".join(self.problems)
        super().__init__(message)


# --- images ---------------------------------------------------------------------------------
class ImageError(IeaError):
    code = "image_error"


class CorruptImage(ImageError):
    """The file is truncated, damaged or not an image at all."""

    code = "corrupt_image"


class UnsupportedImage(ImageError):
    """A real image in a format, mode or bit depth iea does not handle."""

    code = "unsupported_image"


class ImageTooLarge(ImageError):
    """Decompression bomb or a size over the configured limit."""

    code = "image_too_large"


class IeaWarning(UserWarning):
    """Something iea did that the user must hear about but that is no reason to stop; the CLI
    prints it as one ``Warning: ...`` line on stderr, the bridge puts it in the reply."""


class MetadataNotKept(IeaWarning):
    """Part of a photo's metadata could not go into the file written (e.g. EXIF over the 64 KB
    a JPEG segment holds); the message names the file, what was left out and what to do."""


class AlphaNotKept(ImageError):
    """An image with transparency was to be written as JPEG, which has no alpha channel."""

    code = "alpha_not_kept"


class ArrayConventionError(ImageError, ValueError):
    """An array passed to the editor does not follow the documented shape/dtype/range rules."""

    code = "bad_array"


# --- host formats (XMP, presets, darktable) ---------------------------------------------------
class HostFormatError(IeaError):
    code = "host_format_error"


class UnsafeXml(HostFormatError):
    """Entity declarations, external references or absurd sizes: refused, file left untouched."""

    code = "unsafe_xml"
    hint = "iea changed nothing; move the file away if you do not trust where it came from"


class SidecarError(HostFormatError):
    """A sidecar that is malformed, of an unknown version, or locked by another writer."""

    code = "sidecar_error"
    hint = ("iea changed nothing; re-save the file from darktable or Lightroom, or move it "
            "away to start fresh")


class HostToolMissing(HostFormatError):
    """darktable-cli, exiftool or another host program is not installed."""

    code = "host_tool_missing"


# --- agents ---------------------------------------------------------------------------------
class AgentError(IeaError):
    code = "agent_error"


class BackendUnavailable(AgentError):
    """The requested backend is unknown, or its model or optional dependency is missing."""

    code = "backend_unavailable"


class ModelOutputError(AgentError):
    """The model's answer could not be parsed into a program, even after a retry."""

    code = "model_output_error"


class SessionError(IeaError):
    code = "session_error"


# --- bridge ---------------------------------------------------------------------------------
class BridgeError(IeaError):
    code = "bridge_error"


class ProtocolError(BridgeError):
    code = "protocol_error"


class BridgeTimeout(BridgeError):
    code = "timeout"


class BridgeBusy(BridgeError):
    code = "busy"


class BridgeUnavailable(BridgeError):
    """No daemon answers and none could be started."""

    code = "unavailable"


# --- training -------------------------------------------------------------------------------
class TrainingError(IeaError):
    code = "training_error"


# --- the user's files ---------------------------------------------------------------------------
class FileError(IeaError, OSError):
    """A user's file could not be read or written. Also an :class:`OSError` (with the original
    ``errno``) so callers that handle OS errors keep working; ``path`` is the user's file (never
    a temporary file the operation went through)."""

    def __init__(self, message: str, path: str | None = None, errno_: int | None = None,
                 code: str | None = None) -> None:
        IeaError.__init__(self, message)
        self.path = path
        self.errno = errno_
        self.filename = path
        if code:
            self.code = code

    def __str__(self) -> str:
        return self.message


class WriteError(FileError):
    """A file could not be written (read-only folder, full disk, no permission...)."""

    code = "write_failed"


class OutputExists(IeaError):
    """``-o`` names a file that exists; refused unless the user said ``--overwrite``."""

    code = "output_exists"


class OutOfMemory(IeaError):
    code = "out_of_memory"


# errno -> (stable code, what happened, what to do). One table for every writer and reader.
_OS_ERRORS: dict[int, tuple[str, str, str]] = {}


def _os_table() -> dict[int, tuple[str, str, str]]:
    import errno as e

    if not _OS_ERRORS:
        writable = "choose a folder you can write to, or fix its permissions"
        _OS_ERRORS.update({
            e.EROFS: ("read_only", "the file system is read-only",
                      "choose an output in a writable folder"),
            e.ENOSPC: ("no_space", "no space left on the device",
                       "free some space or write to another disk"),
            e.EDQUOT: ("no_space", "the disk quota is exceeded",
                       "free some space or write to another disk"),
            e.EACCES: ("permission_denied", "permission denied", writable),
            e.EPERM: ("permission_denied", "operation not permitted", writable),
            e.EFBIG: ("too_large", "the file is too large for this file system",
                      "write a smaller file (--max-size) or use another disk"),
            e.ENAMETOOLONG: ("bad_path", "the file name is too long", "choose a shorter name"),
            e.ENOENT: ("not_found", "no such file or folder", "check the path"),
            e.ENOTDIR: ("bad_path", "a part of the path is not a folder", "check the path"),
            e.EISDIR: ("bad_path", "it is a folder", "give a file name"),
            e.EIO: ("io_error", "an input/output error occurred",
                    "check the disk (it may be failing or disconnected)"),
            e.ENOMEM: ("out_of_memory", "not enough memory",
                       "close other programs, use a smaller photo or --max-size, or raise the "
                       "memory limit"),
            e.EMFILE: ("too_many_files", "too many open files",
                       "close other programs or raise the limit (ulimit -n)"),
        })
    return _OS_ERRORS


def os_error_code(exc: BaseException) -> str:
    """The stable code for an OS error (``read_only``, ``no_space``, ``permission_denied``...)."""
    return _os_table().get(getattr(exc, "errno", None) or -1, ("os_error", "", ""))[0]


def describe_os_error(exc: OSError, path: "str | object | None" = None, *,
                      action: str = "write") -> str:
    """One line: what could not be done to which of the user's files, why, and what to do.

    ``path`` is the user's file; it replaces the name in ``exc`` (often a temporary file)."""
    target = str(path) if path is not None else (exc.filename or "")
    code, why, todo = _os_table().get(exc.errno or -1, ("os_error", "", ""))
    why = why or (exc.strerror or str(exc) or type(exc).__name__)
    head = f"cannot {action} {target}" if target else f"cannot {action}"
    return f"{head}: {why}" + (f"; {todo}" if todo else "")


def write_error(exc: OSError, path: "str | object", *, action: str = "write") -> WriteError:
    """The :class:`WriteError` for ``exc`` met while writing the user's ``path``."""
    if isinstance(exc, WriteError):
        return exc
    return WriteError(describe_os_error(exc, path, action=action), str(path), exc.errno,
                      os_error_code(exc))


def memory_message(what: str = "this") -> str:
    return (f"not enough memory for {what}; close other programs, use a smaller photo or "
            "--max-size, or raise the memory limit")


class ReadError(FileError):
    """One of the user's input files could not be read (missing, a folder, no permission...)."""

    code = "read_failed"


def read_error(exc: OSError, path: "str | object", *, what: str = "file") -> ReadError:
    """The :class:`ReadError` for ``exc`` met while reading the user's ``path`` (a ``what``)."""
    import errno as e

    if isinstance(exc, ReadError):
        return exc
    todo = {e.ENOENT: "check the path", e.EISDIR: f"give a {what}, not a folder",
            e.ENOTDIR: "check the path", e.EACCES: "make it readable (chmod) or use a copy",
            e.EPERM: "make it readable (chmod) or use a copy"}.get(exc.errno or -1)
    code, why, default_todo = _os_table().get(exc.errno or -1, ("os_error", "", ""))
    why = why or (exc.strerror or str(exc) or type(exc).__name__)
    message = f"cannot read {path}: {why}; {todo or default_todo or 'check the file'}"
    return ReadError(message, str(path), exc.errno, code)


def naming_file(exc: IeaError, path: "str | object") -> IeaError:
    """``exc`` again, its message prefixed with the user's ``path`` when it does not name it
    (a parser deep inside knows what is wrong, not which of the user's files it was reading)."""
    where = str(path)
    if where in exc.message:
        return exc
    try:
        renamed = type(exc)(f"{where}: {exc.message}")
    except TypeError:   # an error class with another constructor: keep it as it is
        return exc
    renamed.__dict__.update({k: v for k, v in exc.__dict__.items() if k != "message"})
    renamed.message = f"{where}: {exc.message}"
    renamed.args = (renamed.message,)
    return renamed


def user_message(exc: IeaError) -> str:
    """The line a user sees for ``exc`` (CLI and bridge alike): its message on one line, plus
    its class's hint on what to do."""
    message = " ".join(str(exc).splitlines())
    hint = getattr(exc, "hint", "")
    if hint and hint not in message:
        message = f"{message}; {hint}"
    return message
