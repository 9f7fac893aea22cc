"""Wire format of the bridge, version 1: constants, envelopes and request validation.

Everything that crosses a socket is one JSON object per ZeroMQ frame. Clients talk to the daemon's
ROUTER front end with a DEALER (one frame) or a REQ socket (empty delimiter, then one frame); the
daemon talks to its workers with a small internal protocol whose frames are named here too, so the
daemon, the workers, the client and the tests share one definition (Majordomo keeps its constants
in one versioned module for the same reason).

The JSON Schema in ``bridge/schema/protocol-v1.json`` is the normative description; this module
loads it once and validates every request against it before any work is queued, so a worker only
ever sees well-formed parameters.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

PROTOCOL_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("schema") / "protocol-v1.json"

DEFAULT_DEADLINE_MS = 30_000
MAX_DEADLINE_MS = 24 * 3600 * 1000
#: Requests larger than this get a ``too_large`` reply (``iea serve --max-message-bytes``).
DEFAULT_MAX_MESSAGE_BYTES = 1 << 20
#: ZeroMQ drops connections that send more than ``hard_cap(soft)`` bytes in one message, so a
#: hostile peer cannot make the daemon buffer gigabytes before the soft check even runs.
HARD_CAP_FACTOR = 4

# --- stable error codes (docs/protocol.md lists them with their meaning) ------------------------
BAD_REQUEST = "bad_request"
UNSUPPORTED_VERSION = "unsupported_version"
UNKNOWN_METHOD = "unknown_method"
TOO_LARGE = "too_large"
DEADLINE_EXPIRED = "deadline_expired"
BUSY = "busy"
WORKER_CRASHED = "worker_crashed"
CANCELLED = "cancelled"
INTERRUPTED = "interrupted"
INTERNAL = "internal"
NOT_AVAILABLE = "not_available"      # the method needs a part of iea that is not installed
FILE_NOT_FOUND = "file_not_found"
# Client-side codes (never sent by the daemon, written by the client into --out files).
UNAVAILABLE = "unavailable"
TIMEOUT = "timeout"
UNAUTHORIZED = "unauthorized"         # the client's key was removed from authorized/

PROTOCOL_ERROR_CODES = (BAD_REQUEST, UNSUPPORTED_VERSION, UNKNOWN_METHOD, TOO_LARGE,
                        DEADLINE_EXPIRED, BUSY, WORKER_CRASHED, CANCELLED, INTERRUPTED, INTERNAL,
                        NOT_AVAILABLE, FILE_NOT_FOUND, UNAVAILABLE, TIMEOUT, UNAUTHORIZED)

# --- daemon <-> worker frames (internal; versioned so old workers are refused loudly) ----------
WORKER_PROTOCOL = b"IEAW01"
W_READY = b"READY"          # worker -> daemon: [W_READY, json {pid, methods, remote, version}]
W_TASK = b"TASK"            # daemon -> worker: [W_TASK, json {id, method, params, deadline_ms}]
W_REPLY = b"REPLY"          # worker -> daemon: [W_REPLY, id, reply envelope]
W_PROGRESS = b"PROGRESS"    # worker -> daemon: [W_PROGRESS, id, progress event]
W_CANCEL = b"CANCEL"        # daemon -> worker: [W_CANCEL, id]
W_HEARTBEAT = b"HB"         # both ways while idle or busy
W_STOP = b"STOP"            # daemon -> worker: finish and exit
W_DISCONNECT = b"BYE"       # worker -> daemon: leaving on purpose
W_FETCH = b"FETCH"          # remote worker -> daemon: [W_FETCH, id, param key]
W_FILE = b"FILE"            # daemon -> remote worker: [W_FILE, id, key, b"ok"|b"error", bytes]

#: Parameters a remote worker may ask the daemon to send (inputs only, of its own request).
FETCHABLE_KEYS = ("image", "before", "after", "sidecar")
MAX_FETCH_BYTES = 512 * 1024 * 1024


class RequestRejected(Exception):
    """A request the daemon answers with an error without running it."""

    def __init__(self, code: str, message: str, request_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.request_id = request_id


@dataclass(frozen=True)
class Request:
    """A validated request. ``deadline_ms`` is relative to the moment the daemon received it."""

    id: str
    method: str
    params: dict[str, Any]
    deadline_ms: int
    raw: dict[str, Any]

    @property
    def fingerprint(self) -> str:
        """Same id + same fingerprint = a resend; same id + other fingerprint = a client bug."""
        return request_fingerprint(self.method, self.params)


def request_fingerprint(method: str, params: Mapping[str, Any]) -> str:
    canonical = json.dumps([method, params], sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


# --- envelopes ---------------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    """numpy scalars/arrays and paths, which method results may contain, as plain JSON."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def encode(message: Mapping[str, Any]) -> bytes:
    """One JSON frame. NaN/Infinity are not JSON and are refused (they would break Lua parsers)."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False, allow_nan=False,
                      default=_plain).encode("utf-8")


def ok_reply(request_id: str | None, result: Mapping[str, Any]) -> dict[str, Any]:
    return {"v": PROTOCOL_VERSION, "id": request_id, "ok": True, "result": dict(result)}


def error_reply(request_id: str | None, code: str, message: str,
                **details: Any) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"v": PROTOCOL_VERSION, "id": request_id, "ok": False, "error": error}


def progress_event(request_id: str, done: int, total: int, **extra: Any) -> dict[str, Any]:
    return {"v": PROTOCOL_VERSION, "id": request_id, "event": "progress", "done": int(done),
            "total": int(total), **extra}


def make_request(method: str, params: Mapping[str, Any] | None, request_id: str,
                 deadline_ms: int | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"v": PROTOCOL_VERSION, "id": request_id, "method": method,
                               "params": dict(params or {})}
    if deadline_ms is not None:
        message["deadline_ms"] = int(deadline_ms)
    return message


# --- schema ------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def load_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _validator(definition: str) -> Any:
    """A compiled validator for ``#/$defs/<definition>`` (``params/edit`` and so on)."""
    from jsonschema import Draft202012Validator

    root = load_schema()
    schema = {"$defs": root["$defs"], "$ref": f"#/$defs/{definition}"}
    return Draft202012Validator(schema)


def warm_validators(methods: Mapping[str, Any]) -> None:
    """Compile the request and per-method validators now rather than on first use."""
    _validator("request")
    for method in methods:
        _validator(f"params/{method}")


def schema_methods() -> dict[str, dict[str, Any]]:
    """method name -> its entry in the schema's ``x-methods`` table (lane, test_only, ...)."""
    return load_schema()["x-methods"]


def describe_validation_error(error: Any, prefix: str) -> str:
    """A sentence a plugin author can act on, e.g. ``params.instruction must be a string``."""
    path = prefix + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.path)
    validator = error.validator
    if validator == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return f"{path} must be of type {expected} (got {_short(error.instance)})"
    if validator == "required":
        missing = [name for name in error.validator_value if name not in (error.instance or {})]
        return f"{path} is missing required field {missing[0]!r}" if missing else error.message
    if isinstance(error.schema, dict) and "x-message" in error.schema:
        return f"{path} {error.schema['x-message']}"
    if validator == "additionalProperties":
        return f"{path}: {error.message}"
    if validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return f"{path} is out of range: {error.message}"
    if validator == "enum":
        choices = ", ".join(repr(c) for c in error.validator_value)
        return f"{path} must be one of {choices} (got {_short(error.instance)})"
    return f"{path}: {error.message}"


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def validate(definition: str, instance: Any, prefix: str) -> None:
    """Raise :class:`RequestRejected` (``bad_request``) when ``instance`` breaks the schema."""
    validator = _validator(definition)
    error = next(iter(validator.iter_errors(instance)), None)
    if error is not None:
        from jsonschema.exceptions import best_match

        best = best_match(validator.iter_errors(instance)) or error
        raise RequestRejected(BAD_REQUEST, describe_validation_error(best, prefix))


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def readable_id(payload: bytes) -> str | None:
    """The top-level ``id`` of a request that is refused anyway (too large, malformed), when it
    can be read, so that a client with several requests in flight can match the error.

    Only payloads the socket already accepted reach this (ZMQ's MAXMSGSIZE bounds them)."""
    try:
        message = json.loads(payload.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    raw_id = message.get("id") if isinstance(message, dict) else None
    return raw_id if isinstance(raw_id, str) and 0 < len(raw_id) <= 128 else None


def decode_request(payload: bytes, *, max_bytes: int, methods: Mapping[str, Any]) -> Request:
    """Parse and validate one request frame; raise :class:`RequestRejected` with a stable code.

    ``methods`` is the set of methods this daemon serves (test methods only when enabled).
    """
    if len(payload) > max_bytes:
        raise RequestRejected(TOO_LARGE, f"request of {len(payload)} bytes is over this daemon's "
                              f"limit of {max_bytes} bytes", readable_id(payload))
    if not payload:
        raise RequestRejected(BAD_REQUEST, "empty request frame")
    try:
        message = json.loads(payload.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        raise RequestRejected(BAD_REQUEST, "request is not UTF-8 text") from None
    except RecursionError:
        raise RequestRejected(BAD_REQUEST, "request JSON is nested too deeply") from None
    except ValueError as exc:
        raise RequestRejected(BAD_REQUEST, f"request is not valid JSON: {exc}") from None
    if not isinstance(message, dict):
        raise RequestRejected(BAD_REQUEST, "request must be a JSON object")
    raw_id = message.get("id")
    request_id = raw_id if isinstance(raw_id, str) and 0 < len(raw_id) <= 128 else None
    version = message.get("v")
    if isinstance(version, int) and not isinstance(version, bool) and version != PROTOCOL_VERSION:
        raise RequestRejected(UNSUPPORTED_VERSION, f"protocol version {version} is not supported; "
                              f"this daemon speaks version {PROTOCOL_VERSION}", request_id)
    try:
        validate("request", message, "request")
    except RequestRejected as exc:
        exc.request_id = request_id
        raise
    except RecursionError:
        raise RequestRejected(BAD_REQUEST, "request JSON is nested too deeply",
                              request_id) from None
    method = message["method"]
    if method not in methods:
        raise RequestRejected(UNKNOWN_METHOD, f"unknown method {method!r}; this daemon serves "
                              f"{', '.join(sorted(methods))}", request_id)
    params = message.get("params", {})
    try:
        validate(f"params/{method}", params, "params")
    except RequestRejected as exc:
        exc.request_id = request_id
        raise
    except RecursionError:
        raise RequestRejected(BAD_REQUEST, "params are nested too deeply", request_id) from None
    deadline_ms = message.get("deadline_ms", DEFAULT_DEADLINE_MS)
    return Request(request_id or "", method, params, int(deadline_ms), message)


def decode_reply(payload: bytes) -> dict[str, Any]:
    """Parse a reply or event frame (client side). Raises ValueError when it is not one."""
    message = json.loads(payload.decode("utf-8"))
    if not isinstance(message, dict) or message.get("v") != PROTOCOL_VERSION:
        raise ValueError("not a protocol v1 message")
    return message


def finite(value: float) -> float | None:
    """JSON has no NaN; metrics that can be NaN go over the wire as null."""
    return value if math.isfinite(value) else None
