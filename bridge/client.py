"""The client the plugins use (through ``iea client``) and the tests and benchmarks use directly.

Lazy Pirate: send, poll with a timeout, and when the daemon stays silent close the socket, open a
fresh one and send the *same* request id again. Resends are safe because the daemon answers by
request id: a resend joins the running request or gets the stored reply, nothing runs twice. The
resend interval doubles (1 s .. 8 s) so a long edit costs a handful of cheap resends, and progress
events count as signs of life.

When no daemon holds the endpoint's lock the client starts one (detached, logging to
``<user data dir>/logs/bridge.log``) and says so on stderr, unless ``autostart=False``.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Mapping

import zmq

from iea_core.errors import BridgeError, BridgeTimeout, BridgeUnavailable

from . import protocol
from .endpoints import default_endpoint, is_loopback

PATH_KEYS = ("image", "before", "after", "out", "dest", "card")
START_TIMEOUT_S = 30.0
LOG_ROTATE_BYTES = 20 * 1024 * 1024


class BridgeReplyError(BridgeError):
    """The daemon answered with an error; ``code`` is the stable code from the reply."""

    def __init__(self, code: str, message: str, reply: Mapping[str, Any]) -> None:
        super().__init__(f"{message} ({code})")
        self.code = code
        self.reply = dict(reply)


def resolve_paths(params: Mapping[str, Any], cwd: Path | None = None) -> dict[str, Any]:
    """Make the path parameters absolute: the daemon does not share the caller's directory."""
    base = cwd or Path.cwd()
    out = dict(params)
    for key in PATH_KEYS:
        value = out.get(key)
        if isinstance(value, str) and value and not os.path.isabs(value):
            out[key] = str(base / value)
    images = out.get("images")
    if isinstance(images, list):
        out["images"] = [str(base / v) if isinstance(v, str) and v and not os.path.isabs(v)
                         else v for v in images]
    return out


def new_request_id() -> str:
    return uuid.uuid4().hex


class BridgeClient:
    """A connection to one daemon. Use as a context manager; not thread-safe (one per thread)."""

    def __init__(self, endpoint: str | None = None, *, timeout: float = 60.0,
                 curve_keys: Path | None = None, key_name: str = "client",
                 autostart: bool = True, retry_interval: float = 1.0,
                 announce: Callable[[str], None] | None = None,
                 serve_args: tuple[str, ...] = ()) -> None:
        self.endpoint = endpoint or default_endpoint()
        self.timeout = timeout
        self.autostart = autostart
        self.retry_interval = retry_interval
        self.announce = announce or (lambda text: print(text, file=sys.stderr, flush=True))
        self.serve_args = serve_args
        self.context = zmq.Context.instance()
        self._curve = None
        if curve_keys is not None:
            from .keys import client_pair

            self._curve = client_pair(Path(curve_keys), key_name)
        self._socket: zmq.Socket | None = None
        self.started_pid: int | None = None

    # --- sockets ---------------------------------------------------------------------------------
    def _open(self) -> zmq.Socket:
        sock = self.context.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        if self._curve is not None:
            from .keys import make_client

            make_client(sock, *self._curve)
        sock.connect(self.endpoint)
        return sock

    def _reset(self) -> zmq.Socket:
        if self._socket is not None:
            self._socket.close(linger=0)
        self._socket = self._open()
        return self._socket

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close(linger=0)
            self._socket = None

    def __enter__(self) -> "BridgeClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # --- daemon on demand ------------------------------------------------------------------------
    def _local(self) -> bool:
        return self.endpoint.startswith("ipc://") or (
            self.endpoint.startswith("tcp://") and is_loopback(self.endpoint))

    def ensure_daemon(self) -> None:
        """Start a daemon when none holds this endpoint (local endpoints only)."""
        from .daemon import daemon_running

        if not self._local() or daemon_running(self.endpoint):
            return
        if not self.autostart:
            raise BridgeUnavailable(f"no iea daemon is running at {self.endpoint} "
                                    "(start one with `iea serve`)")
        self._start_daemon()

    def _start_daemon(self) -> None:
        from iea_core.config import user_data_dir

        log_dir = user_data_dir() / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        log_path = log_dir / "bridge.log"
        try:  # keep one old log; a daemon that runs for months should not fill the disk
            if log_path.stat().st_size > LOG_ROTATE_BYTES:
                os.replace(log_path, log_path.with_name("bridge.log.1"))
        except OSError:
            pass
        command = [sys.executable, "-m", "iea_core", "serve", "--endpoint", self.endpoint,
                   *self.serve_args]
        detach: dict[str, Any] = {"start_new_session": True}
        if os.name == "nt":  # no sessions on Windows: a detached process group instead
            detach = {"creationflags": subprocess.DETACHED_PROCESS  # type: ignore[attr-defined]
                      | subprocess.CREATE_NEW_PROCESS_GROUP}  # type: ignore[attr-defined]
        with open(log_path, "ab") as log_file:
            proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log_file,
                                    stderr=log_file, close_fds=True, **detach)
        self.started_pid = proc.pid
        self.announce(f"iea: no daemon was running; started one (pid {proc.pid}) at "
                      f"{self.endpoint}, log: {log_path}")
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if proc.poll() is not None and proc.returncode != 0:
                break  # maybe another client's daemon won the race; the ping below decides
            if self.ping(timeout=0.5):
                return
        if self.ping(timeout=1.0):
            return
        raise BridgeUnavailable(f"the iea daemon did not start at {self.endpoint}; "
                                f"see {log_path}")

    def ping(self, timeout: float = 1.0) -> bool:
        """True when a daemon answers ``health`` within ``timeout`` seconds (no retries)."""
        sock = self._open()
        try:
            request_id = new_request_id()
            sock.send(protocol.encode(protocol.make_request("health", {}, request_id)))
            end = time.monotonic() + timeout
            while (left := end - time.monotonic()) > 0:
                if not sock.poll(int(left * 1000) + 1):
                    return False
                try:
                    if protocol.decode_reply(sock.recv()).get("id") == request_id:
                        return True
                except ValueError:
                    continue
            return False
        finally:
            sock.close(linger=0)

    # --- requests --------------------------------------------------------------------------------
    def call(self, method: str, params: Mapping[str, Any] | None = None, *,
             request_id: str | None = None, deadline_ms: int | None = None,
             timeout: float | None = None,
             on_progress: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
        """Send one request and return the reply envelope (``ok`` true or false).

        Raises :class:`BridgeTimeout` when no reply came within ``timeout`` seconds, and
        :class:`BridgeUnavailable` when no daemon runs and none may be started, or when nothing
        answered at all (not even ``health``) by the end of the timeout.
        """
        self.ensure_daemon()
        timeout = self.timeout if timeout is None else timeout
        request_id = request_id or new_request_id()
        if deadline_ms is None:
            # the daemon gives up a little before we do, so the caller gets its structured
            # deadline_expired reply rather than a bare client-side timeout
            deadline_ms = max(1, int(timeout * 1000 - min(1000.0, timeout * 100)))
        payload = protocol.encode(protocol.make_request(method, params, request_id, deadline_ms))
        sock = self._socket or self._reset()
        sock.send(payload)
        now = time.monotonic()
        end = now + timeout
        interval = self.retry_interval
        resend_at = now + interval
        heard = False
        while True:
            now = time.monotonic()
            if now >= end:
                if not heard and not self.ping(timeout=min(1.0, max(0.2, timeout / 4))):
                    raise BridgeUnavailable(f"no iea daemon answers at {self.endpoint}")
                raise BridgeTimeout(f"no reply to {method} from {self.endpoint} within "
                                    f"{timeout:g} s")
            wait = max(0.0, min(end, resend_at) - now)
            if sock.poll(int(wait * 1000) + 1):
                try:
                    message = protocol.decode_reply(sock.recv())
                except ValueError:
                    continue
                if message.get("id") != request_id:
                    continue  # a late answer to an earlier request on this socket
                heard = True
                if message.get("event") is not None:
                    if on_progress is not None:
                        on_progress(message)
                    resend_at = time.monotonic() + interval
                    continue
                return message
            if time.monotonic() >= resend_at:
                # Lazy Pirate: a fresh socket (the old one may hold a dead connection), same id.
                # A local daemon that died meanwhile is started again: its journal still holds
                # this request, so the resend gets the re-run's answer.
                if self.autostart and self._local():
                    from .daemon import daemon_running

                    if not daemon_running(self.endpoint):
                        self._start_daemon()
                sock = self._reset()
                sock.send(payload)
                interval = min(interval * 2, 8.0)
                resend_at = time.monotonic() + interval

    def request(self, method: str, params: Mapping[str, Any] | None = None,
                **kwargs: Any) -> dict[str, Any]:
        """Like :meth:`call` but returns ``result`` and raises :class:`BridgeReplyError`."""
        reply = self.call(method, params, **kwargs)
        if not reply.get("ok"):
            error = reply.get("error") or {}
            raise BridgeReplyError(str(error.get("code", protocol.INTERNAL)),
                                   str(error.get("message", "")), reply)
        return reply["result"]
