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


class ArrayConventionError(ImageError, ValueError):
    """An array passed to the editor does not follow the documented shape/dtype/range rules."""

    code = "bad_array"


# --- host formats (XMP, presets, darktable) ---------------------------------------------------
class HostFormatError(IeaError):
    code = "host_format_error"


class UnsafeXml(HostFormatError):
    """Entity declarations, external references or absurd sizes: refused, file left untouched."""

    code = "unsafe_xml"


class SidecarError(HostFormatError):
    """A sidecar that is malformed, of an unknown version, or locked by another writer."""

    code = "sidecar_error"


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
