"""Helpers for the bridge tests: a real daemon in a subprocess, a raw peer for garbage."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import zmq

from bridge import protocol
from bridge.client import BridgeClient

START_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], Any], timeout: float, what: str,
             interval: float = 0.05) -> Any:
    """Poll ``predicate`` until truthy; bounded in time, fails the test with ``what``."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie child of ours counts as dead
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ")[-1].split()[0] != "Z"
    except OSError:
        return False


class DaemonProcess:
    """``iea serve`` in a subprocess, with its log in a file the test can read."""

    def __init__(self, endpoint: str, log_path: Path, args: list[str]) -> None:
        self.endpoint = endpoint
        self.log_path = log_path
        self.args = args
        self.proc: subprocess.Popen[bytes] | None = None
        self.worker_pids: set[int] = set()

    def start(self, workers_ready: int | None = None) -> "DaemonProcess":
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "iea_core", "serve", "--endpoint", self.endpoint,
                 *self.args], stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        try:
            wait_for(lambda: self._ready(workers_ready), START_TIMEOUT_S,
                     f"daemon at {self.endpoint}", 0.1)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; log: {self.log_text()[-3000:]}") from None
        return self

    def _ready(self, workers: int | None) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"daemon exited with {self.proc.returncode}: "
                                 f"{self.log_text()[-3000:]}")
        with self.client(timeout=1.0) as client:
            try:
                health = client.request("health", {}, timeout=0.5)
            except Exception:
                return False
        return workers is None or health["workers"] >= workers

    def client(self, **kwargs: Any) -> BridgeClient:
        kwargs.setdefault("timeout", 20.0)
        return BridgeClient(self.endpoint, autostart=False, **kwargs)

    def status(self) -> dict[str, Any]:
        with self.client(timeout=5.0) as client:
            status = client.request("status", {})
        for worker in status["workers"]["list"]:
            if not worker["remote"]:
                self.worker_pids.add(worker["pid"])
        return status

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM (clean shutdown), then make sure no worker outlives the test."""
        try:
            if self.proc is not None and self.proc.poll() is None:
                try:
                    self.status()
                except Exception:
                    pass
            self.kill(signal.SIGTERM)
        finally:
            for pid in self.worker_pids:
                if pid_alive(pid):
                    try:
                        wait_for(lambda: not pid_alive(pid), 3.0, f"worker {pid} to exit")
                    except AssertionError:
                        os.kill(pid, signal.SIGKILL)


class RawPeer:
    """A bare DEALER for sending anything at all, including garbage."""

    def __init__(self, endpoint: str, curve: Any = None) -> None:
        self.context = zmq.Context.instance()
        self.sock = self.context.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        if curve is not None:
            from bridge.keys import make_client

            make_client(self.sock, *curve)
        self.sock.connect(endpoint)

    def send(self, *frames: bytes) -> None:
        self.sock.send_multipart(list(frames))

    def send_json(self, message: Any) -> None:
        self.sock.send(json.dumps(message).encode())

    def recv(self, timeout: float = 10.0) -> dict[str, Any] | None:
        if not self.sock.poll(int(timeout * 1000)):
            return None
        return json.loads(self.sock.recv())

    def recv_reply(self, request_id: str | None, timeout: float = 10.0) -> dict[str, Any]:
        """The final reply for ``request_id``, skipping progress events."""
        end = time.monotonic() + timeout
        while (left := end - time.monotonic()) > 0:
            message = self.recv(left)
            if message is None:
                break
            if message.get("id") == request_id and "event" not in message:
                return message
        raise AssertionError(f"no reply for {request_id!r} within {timeout} s")

    def close(self) -> None:
        self.sock.close(linger=0)


def schema_validator(definition: str) -> Any:
    """A validator for ``#/$defs/<definition>`` of the protocol's JSON Schema."""
    from jsonschema import Draft202012Validator

    root = protocol.load_schema()
    return Draft202012Validator({"$defs": root["$defs"], "$ref": f"#/$defs/{definition}"})


def request(method: str, params: dict[str, Any] | None = None, request_id: str = "r1",
            **extra: Any) -> dict[str, Any]:
    message = protocol.make_request(method, params or {}, request_id)
    message.update(extra)
    return message
