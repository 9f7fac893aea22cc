"""A bridge worker: one process that runs one request at a time for the daemon.

The worker's main thread only does messaging (a DEALER connected to the daemon's back end): it
receives tasks, forwards progress and replies, answers heartbeats and applies cancels. The method
itself runs on an executor thread, so a render that holds the CPU for a minute still heartbeats
(Paranoid Pirate). Local workers exit when their daemon dies; remote workers (``iea worker``)
reconnect with a backoff of 1 s doubling to 32 s and announce themselves again.
"""
from __future__ import annotations

import argparse
import json
import os
import queue
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
import uuid
from typing import Any, Sequence

import zmq

from . import logs, protocol
from .keys import CurvePair, make_client
from .logs import log

#: JSON object of agent options a daemon hands to the local workers it spawns (not in argv:
#: options may hold an API key, and argv is visible to every user of the machine)
AGENT_OPTIONS_ENV = "IEA_WORKER_AGENT_OPTIONS"

HEARTBEAT_S = 1.0
LIVENESS = 5             # missed daemon heartbeats before the daemon counts as gone
BACKOFF_START_S = 1.0
BACKOFF_MAX_S = 32.0
FETCH_TIMEOUT_S = 300.0  # a 60 MB raw file over a slow link


def worker_methods(enable_test_methods: bool, only: Sequence[str] | None = None) -> list[str]:
    table = protocol.schema_methods()
    names = [name for name, spec in table.items()
             if spec["lane"] != "inline" and (enable_test_methods or not spec["test_only"])]
    if only:
        unknown = sorted(set(only) - set(names))
        if unknown:
            raise ValueError(f"unknown worker method(s): {', '.join(unknown)}")
        names = [name for name in names if name in only]
    return names


def _die_with_parent() -> None:
    """Linux: get SIGTERM when the daemon that spawned us dies, even by kill -9."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Worker:
    def __init__(self, connect: str, *, identity: str | None = None, backend: str | None = None,
                 methods: Sequence[str] | None = None, enable_test_methods: bool = False,
                 curve: tuple[bytes, CurvePair] | None = None, parent_pid: int | None = None,
                 remote: bool = False, heartbeat_s: float = HEARTBEAT_S,
                 shared_paths: bool = False, warm: Sequence[str] = (),
                 agent_options: dict[str, Any] | None = None) -> None:
        self.connect = connect
        self.identity = (identity or f"worker-{uuid.uuid4().hex[:12]}").encode()
        self.backend = backend
        self.agent_options = dict(agent_options or {})  # the backend's options (model_path, ...)
        self.methods = worker_methods(enable_test_methods, methods)
        self.curve = curve
        self.parent_pid = parent_pid
        self.remote = remote
        self.heartbeat_s = heartbeat_s
        self.shared_paths = shared_paths  # a remote worker that reads the daemon's paths itself
        self.warm = tuple(warm)           # "editor", "agent": load before the first request
        self._results: zmq.Socket | None = None
        self.context = zmq.Context.instance()
        self.tasks: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.cancels: dict[str, threading.Event] = {}
        self.current: str | None = None
        self.agents: dict[str, Any] = {}
        self.stopping = False
        self._results_url = f"inproc://results-{uuid.uuid4().hex}"

    # --- sockets ---------------------------------------------------------------------------
    def _open(self) -> zmq.Socket:
        sock = self.context.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.ROUTING_ID, self.identity)
        if self.curve:
            make_client(sock, *self.curve)
        sock.connect(self.connect)
        ready = {"pid": os.getpid(), "methods": self.methods, "remote": self.remote,
                 "backend": self.backend, "host": os.uname().nodename,
                 "version": protocol.PROTOCOL_VERSION}
        sock.send_multipart([protocol.WORKER_PROTOCOL, protocol.W_READY,
                             json.dumps(ready).encode()])
        return sock

    def _send(self, sock: zmq.Socket, *frames: bytes) -> None:
        try:
            sock.send_multipart([protocol.WORKER_PROTOCOL, *frames], zmq.NOBLOCK)
        except zmq.Again:
            log("warning", "send_dropped", frame=frames[0].decode())

    # --- executor thread -------------------------------------------------------------------
    def _executor(self) -> None:
        from .methods import METHODS, MethodContext

        out = self.context.socket(zmq.PAIR)
        out.connect(self._results_url)
        agents: dict[str, Any] = self.agents
        self._warm_up(MethodContext("warm-up", self.backend, threading.Event(), agents=agents,
                                    agent_options=self.agent_options))
        try:
            while True:
                task = self.tasks.get()
                if task is None:
                    return
                request_id = task["id"]

                def emit(event: dict[str, Any], _id: str = request_id) -> None:
                    out.send_multipart([protocol.W_PROGRESS, _id.encode(), protocol.encode(event)])

                ctx = MethodContext(request_id, self.backend, self.cancels[request_id], emit,
                                    self.agents, remote=self.remote,
                                    agent_options=self.agent_options)
                reply = self._run(METHODS, task, ctx, out)
                try:
                    payload = protocol.encode(reply)
                except (TypeError, ValueError) as exc:
                    payload = protocol.encode(protocol.error_reply(
                        request_id, protocol.INTERNAL,
                        f"{task['method']} produced a result that is not JSON: {exc}"))
                out.send_multipart([protocol.W_REPLY, request_id.encode(), payload])
        finally:
            out.close(linger=0)

    def _warm_up(self, ctx: Any) -> None:
        """Compile the editor's kernels and load the agent now, so the first request does not
        pay for them against its deadline. A task that arrives meanwhile waits in the queue."""
        for part in self.warm:
            started = time.perf_counter()
            try:
                if part == "editor":
                    from iea_core.editor import warm_up

                    warm_up()
                elif part == "agent":
                    ctx.agent()
                else:
                    continue
                log("info", "warmed_up", part=part,
                    ms=round((time.perf_counter() - started) * 1000, 1))
            except Exception as exc:  # noqa: BLE001 - a request will report the real problem
                log("warning", "warm_up_failed", part=part, error=f"{type(exc).__name__}: {exc}")

    def _localize(self, task: dict[str, Any], out: zmq.Socket, folder: str) -> dict[str, Any]:
        """Remote worker: fetch the request's input photos from the daemon into ``folder``."""
        from .methods import MethodError

        params = dict(task["params"])
        for key in protocol.FETCHABLE_KEYS:
            value = params.get(key)
            if not isinstance(value, str):
                continue
            out.send_multipart([protocol.W_FETCH, task["id"].encode(), key.encode()])
            if not out.poll(int(FETCH_TIMEOUT_S * 1000)):
                raise MethodError(f"the daemon did not send params.{key} within "
                                  f"{FETCH_TIMEOUT_S:g} s", code=protocol.INTERNAL)
            frames = out.recv_multipart()
            if len(frames) != 5 or frames[3] != b"ok":
                message = frames[4].decode(errors="replace") if len(frames) == 5 else "bad reply"
                raise MethodError(f"params.{key}: {message}", code=protocol.FILE_NOT_FOUND)
            local = os.path.join(folder, key + os.path.splitext(value)[1][:16])
            with open(local, "wb") as handle:
                handle.write(frames[4])
            params[key] = local
        return {**task, "params": params}

    def _run(self, methods: dict[str, Any], task: dict[str, Any], ctx: Any,
             out: zmq.Socket | None = None) -> dict[str, Any]:
        from iea_core.errors import IeaError, user_message

        request_id, method = task["id"], task["method"]
        started = time.perf_counter()
        folder = None
        try:
            if self.remote and not self.shared_paths and out is not None:
                folder = tempfile.mkdtemp(prefix="iea-inputs-")
                task = self._localize(task, out, folder)
            result = methods[method](task["params"], ctx)
            reply = protocol.ok_reply(request_id, result)
        except IeaError as exc:
            reply = protocol.error_reply(request_id, exc.code, user_message(exc))
        except ImportError as exc:
            reply = protocol.error_reply(request_id, protocol.NOT_AVAILABLE,
                                         f"{method} is not available in this installation: "
                                         f"{exc}")
        except FileNotFoundError as exc:
            reply = protocol.error_reply(request_id, protocol.FILE_NOT_FOUND,
                                         f"no such file: {exc.filename or exc}")
        except PermissionError as exc:
            reply = protocol.error_reply(request_id, "permission_denied",
                                         f"permission denied: {exc.filename or exc}")
        except MemoryError:
            from iea_core.errors import memory_message

            reply = protocol.error_reply(request_id, "out_of_memory",
                                         memory_message(f"{method} on this photo"))
        except OSError as exc:   # read-only folder, full disk...: the user's path, what to do
            from iea_core.errors import describe_os_error, os_error_code

            reply = protocol.error_reply(request_id, os_error_code(exc),
                                         describe_os_error(exc))
        except Exception as exc:  # a bug: report it on the wire and in the log, keep serving
            log("error", "method_failed", id=request_id, method=method,
                traceback=traceback.format_exc())
            reply = protocol.error_reply(request_id, protocol.INTERNAL,
                                         f"{method} failed: {type(exc).__name__}: {exc}")
        finally:
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
        log("info", "ran", id=request_id, method=method,
            ms=round((time.perf_counter() - started) * 1000, 3), ok=reply["ok"],
            code=None if reply["ok"] else reply["error"]["code"])
        return reply

    # --- main loop -------------------------------------------------------------------------
    def run(self) -> int:
        logs.configure(os.environ.get("IEA_BRIDGE_LOG", "info"), "worker")
        if self.parent_pid:
            _die_with_parent()
            if os.getppid() != self.parent_pid:
                return 0
        results = self.context.socket(zmq.PAIR)
        results.bind(self._results_url)
        self._results = results
        executor = threading.Thread(target=self._executor, name="iea-executor", daemon=True)
        executor.start()
        sock = self._open()
        poller = zmq.Poller()
        poller.register(sock, zmq.POLLIN)
        poller.register(results, zmq.POLLIN)
        backoff = BACKOFF_START_S
        last_heard = time.monotonic()
        next_beat = last_heard + self.heartbeat_s
        log("info", "worker_started", identity=self.identity.decode(), connect=self.connect,
            methods=self.methods)
        signal.signal(signal.SIGTERM, lambda *_: setattr(self, "stopping", True))
        try:
            while not (self.stopping and self.current is None):
                if self.stopping and self.current is not None:
                    self.cancels[self.current].set()
                events = dict(poller.poll(int(self.heartbeat_s * 1000 / 2)))
                now = time.monotonic()
                if results in events:
                    self._forward(results, sock)
                if sock in events:
                    last_heard = now
                    backoff = BACKOFF_START_S
                    self._receive(sock)
                if now >= next_beat:
                    self._send(sock, protocol.W_HEARTBEAT)
                    next_beat = now + self.heartbeat_s
                if self.parent_pid and os.getppid() != self.parent_pid:
                    log("warning", "daemon_gone", reason="parent exited")
                    return 1
                if now - last_heard > self.heartbeat_s * LIVENESS:
                    if not self.remote:
                        log("warning", "daemon_gone", reason="no heartbeat")
                        return 1
                    log("warning", "reconnecting", after_s=backoff)
                    poller.unregister(sock)
                    sock.close(linger=0)
                    time.sleep(backoff)
                    backoff = min(backoff * 2, BACKOFF_MAX_S)
                    sock = self._open()
                    poller.register(sock, zmq.POLLIN)
                    last_heard = time.monotonic()
            self._send(sock, protocol.W_DISCONNECT)
            return 0
        finally:
            self.tasks.put(None)
            sock.close(linger=100)
            results.close(linger=0)

    def _forward(self, results: zmq.Socket, sock: zmq.Socket) -> None:
        while True:
            try:
                kind, request_id, payload = results.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            self._send(sock, kind, request_id, payload)  # REPLY, PROGRESS or FETCH
            if kind == protocol.W_REPLY:
                self.cancels.pop(request_id.decode(), None)
                self.current = None

    def _receive(self, sock: zmq.Socket) -> None:
        while True:
            try:
                frames = sock.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            command = frames[0] if frames else b""
            if command == protocol.W_TASK and len(frames) == 2:
                task = json.loads(frames[1])
                if self.current is not None:
                    reply = protocol.error_reply(task["id"], protocol.BUSY,
                                                 "this worker is already running a request")
                    self._send(sock, protocol.W_REPLY, task["id"].encode(),
                               protocol.encode(reply))
                    continue
                self.current = task["id"]
                self.cancels[task["id"]] = threading.Event()
                self.tasks.put(task)
            elif command == protocol.W_CANCEL and len(frames) == 2:
                event = self.cancels.get(frames[1].decode())
                if event is not None:
                    event.set()
            elif command == protocol.W_STOP:
                self.stopping = True
            elif command == protocol.W_FILE and len(frames) == 5 and self._results is not None:
                if frames[1].decode(errors="replace") == self.current:
                    self._results.send_multipart(frames)  # to the executor waiting for it
            # W_HEARTBEAT needs nothing beyond updating last_heard


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bridge.worker")
    parser.add_argument("--connect", required=True)
    parser.add_argument("--identity")
    parser.add_argument("--backend")
    parser.add_argument("--methods", help="comma-separated subset of methods to serve")
    parser.add_argument("--enable-test-methods", action="store_true")
    parser.add_argument("--parent-pid", type=int)
    parser.add_argument("--heartbeat", type=float, default=HEARTBEAT_S)
    parser.add_argument("--remote", action="store_true", help="reconnect instead of exiting")
    parser.add_argument("--curve-keys", help="key folder (server.key + this worker's pair)")
    parser.add_argument("--key-name", default="client")
    parser.add_argument("--warm", default="", help="comma-separated: editor, agent")
    parser.add_argument("--shared-paths", action="store_true",
                        help="remote worker that reads the daemon's paths itself (shared mount)")
    args = parser.parse_args(argv)
    curve = None
    if args.curve_keys:
        from pathlib import Path

        from .keys import client_pair

        curve = client_pair(Path(args.curve_keys), args.key_name)
    worker = Worker(args.connect, identity=args.identity, backend=args.backend,
                    methods=args.methods.split(",") if args.methods else None,
                    enable_test_methods=args.enable_test_methods, parent_pid=args.parent_pid,
                    heartbeat_s=args.heartbeat, curve=curve, remote=args.remote,
                    shared_paths=args.shared_paths,
                    warm=[part for part in args.warm.split(",") if part],
                    agent_options=_options_from_env())
    return worker.run()


def _options_from_env() -> dict[str, Any]:
    raw = os.environ.pop(AGENT_OPTIONS_ENV, "")
    if not raw:
        return {}
    options = json.loads(raw)
    if not isinstance(options, dict):
        raise SystemExit(f"{AGENT_OPTIONS_ENV} must hold a JSON object")
    return options


if __name__ == "__main__":
    sys.exit(main())
