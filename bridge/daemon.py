"""The bridge daemon: a ROUTER front end for clients and a pool of worker processes behind it.

One thread owns every socket and all state (the zguide broker shape): it validates requests,
journals them, answers ``health``/``status``/``cancel`` itself, queues the rest and hands each to an
idle worker over a second ROUTER (the back end). Workers are separate processes, so a slow edit or
a crashing decoder never blocks a health check, and (with two or more local workers) one is always
kept free of slow methods (edit, refine, summarize, batch_apply) so previews stay interactive.

Failure handling, in one place:

- bad input -> an error reply with a stable code; the loop catches everything per message;
- a worker dies (kill -9, segfault in a decoder) -> its request gets ``worker_crashed`` and the
  slot is respawned (with backoff if it keeps dying at start);
- a remote worker goes silent -> purged after ``worker_timeout_s``, its request fails the same way;
- the daemon dies -> unanswered requests stay in the SQLite journal and are re-run (or answered
  as failed) by the next daemon, and a client resending the same id gets that answer;
- too much work -> ``busy`` at once, never an unbounded queue.
"""
from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zmq

from iea_core.errors import BridgeError, ConfigError
import hashlib
import traceback

from . import logs, protocol
from .endpoints import default_endpoint, is_loopback, parse_endpoint, socket_dir, state_file
from .journal import Journal
from .logs import log
from .stats import Stats
from .worker import AGENT_OPTIONS_ENV

TICK_S = 0.05
MAX_BATCH = 256          # messages drained from one socket before looking at the others
MAX_WAITERS = 16         # sockets that get a request's reply (each resend may be a new one)
RERUN_ATTEMPTS = 2       # a request that was running when two daemons died is answered as failed


class AlreadyRunning(BridgeError):
    code = "already_running"


@dataclass
class DaemonConfig:
    """Settings of one daemon (``iea serve`` options)."""

    endpoint: str | None = None            # default: ipc socket in the runtime dir
    workers: int = 2                       # local worker processes
    backend: str | None = None             # agent backend; default: the configured one
    agent_options: dict[str, Any] = field(default_factory=dict)  # --option, over [agent.options]
    curve_keys: Path | None = None         # folder from `iea keys generate`
    worker_endpoint: str | None = None     # where remote workers connect (`iea worker`)
    queue_size: int = 64                   # queued (not running) requests before `busy`
    max_message_bytes: int = protocol.DEFAULT_MAX_MESSAGE_BYTES
    enable_test_methods: bool = False      # debug_sleep / debug_echo / debug_crash
    journal_path: Path | None = None       # default: <data dir>/bridge/journal.sqlite3
    rerun: bool = True                     # re-run journalled requests after a restart
    heartbeat_s: float = 1.0
    worker_timeout_s: float = 10.0         # silence after which a remote worker is purged
    cancel_grace_s: float = 10.0           # a local worker ignoring a cancel this long is killed
    log_level: str = "info"
    warm: tuple[str, ...] = ("editor",)    # what workers load before their first request

    def __post_init__(self) -> None:
        if self.workers < 0 or self.workers > 64:
            raise ConfigError(f"--workers must be 0..64 (got {self.workers})")
        if self.workers == 0 and not self.worker_endpoint:
            raise ConfigError("--workers 0 needs --worker-endpoint for remote workers")
        if self.queue_size < 1:
            raise ConfigError(f"--queue-size must be at least 1 (got {self.queue_size})")
        if self.max_message_bytes < 1024:
            raise ConfigError("--max-message-bytes must be at least 1024")
        if self.log_level not in logs.LEVELS:
            raise ConfigError(f"--log-level must be one of {', '.join(logs.LEVELS)}")


@dataclass(eq=False)
class Job:
    request: protocol.Request
    lane: str
    streams: bool
    received: float                        # monotonic
    deadline: float                        # monotonic
    waiters: list[tuple[bytes, bool]] = field(default_factory=list)  # (identity, REQ-style)
    state: str = "queued"                  # queued | running | done
    worker: "WorkerRef | None" = None


@dataclass(eq=False)
class WorkerRef:
    socket: zmq.Socket
    identity: bytes
    methods: frozenset[str]
    remote: bool
    pid: int
    host: str
    last_seen: float
    job: Job | None = None
    cancel_sent: float | None = None
    served: int = 0


@dataclass(eq=False)
class LocalSlot:
    index: int
    generation: int = 0
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    quick_deaths: int = 0
    next_start: float = 0.0

    @property
    def identity(self) -> bytes:
        return f"local-{self.index}-{self.generation}".encode()


class Daemon:
    def __init__(self, config: DaemonConfig) -> None:
        self.config = config
        self.endpoint = config.endpoint or default_endpoint()
        parse_endpoint(self.endpoint)
        self._check_encryption(self.endpoint, "an endpoint")
        if config.worker_endpoint:
            self._check_encryption(config.worker_endpoint, "a worker endpoint")
        table = protocol.schema_methods()
        self.methods = {name: spec for name, spec in table.items()
                        if config.enable_test_methods or not spec["test_only"]}
        self.context = zmq.Context()
        self.stats = Stats()
        self.jobs: dict[str, Job] = {}
        self.queue: deque[Job] = deque()
        self.workers: dict[tuple[int, bytes], WorkerRef] = {}
        self.slots = [LocalSlot(i) for i in range(config.workers)]
        self.stopping = False
        self._auth: Any = None
        self._authorized: Any = None                 # keys.AuthorizedKeys once CURVE is on
        self._curve_sockets: set[zmq.Socket] = set()  # messages carry the peer's key
        self._lock_fd: int | None = None
        self._ipc_files: list[Path] = []
        self._last_tick = 0.0
        self._next_beat = 0.0
        self._next_prune = 0.0
        self.backend_name = config.backend
        self.agent_options: dict[str, Any] = dict(config.agent_options)
        self.frontend: zmq.Socket | None = None
        self.local_backend: zmq.Socket | None = None
        self.remote_backend: zmq.Socket | None = None
        self.journal: Journal | None = None
        self._fetches: queue.Queue[tuple[bytes, bytes, bytes, str] | None] = queue.Queue()
        self._files: zmq.Socket | None = None        # reader thread -> main loop
        self._reader: threading.Thread | None = None

    # --- start-up ------------------------------------------------------------------------------
    def _check_encryption(self, url: str, what: str) -> None:
        if not is_loopback(url) and self.config.curve_keys is None:
            raise ConfigError(
                f"refusing to listen on {url} without encryption: {what} off loopback/ipc "
                "needs --curve-keys DIR (create the keys with `iea keys generate DIR`)")

    def _lock(self) -> None:
        if parse_endpoint(self.endpoint).transport == "tcp" and self.endpoint.endswith(":*"):
            return  # ephemeral port: nothing to collide with
        path = state_file(self.endpoint, "lock")
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        if not _try_lock(fd):
            os.close(fd)
            pid = read_pid(self.endpoint)
            raise AlreadyRunning(f"a daemon already serves {self.endpoint}"
                                 + (f" (pid {pid})" if pid else "")) from None
        self._lock_fd = fd

    def _bind(self, sock: zmq.Socket, url: str) -> str:
        endpoint = parse_endpoint(url)
        try:
            if endpoint.transport == "ipc":
                old = os.umask(0o177)   # the socket file is born 0600
                try:
                    sock.bind(url)
                finally:
                    os.umask(old)
                path = Path(endpoint.address)
                os.chmod(path, 0o600)
                self._ipc_files.append(path)
            else:
                sock.bind(url)
        except zmq.ZMQError as exc:
            raise ConfigError(f"cannot listen on {url}: {exc}") from None
        return sock.getsockopt_string(zmq.LAST_ENDPOINT)

    def _router(self, *, curve: bool, client_facing: bool) -> zmq.Socket:
        sock = self.context.socket(zmq.ROUTER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.SNDHWM, 100_000)
        sock.setsockopt(zmq.RCVHWM, 100_000)
        if client_facing:
            hard = self.config.max_message_bytes * protocol.HARD_CAP_FACTOR + 65536
            sock.setsockopt(zmq.MAXMSGSIZE, hard)
        else:
            sock.setsockopt(zmq.ROUTER_MANDATORY, 1)  # a send to a vanished worker raises
        if curve:
            from .keys import make_server, server_pair, start_authenticator

            pair, authorized = server_pair(self.config.curve_keys)
            if self._auth is None:
                self._auth, self._authorized = start_authenticator(self.context, authorized)
            make_server(sock, pair)
            self._curve_sockets.add(sock)
        return sock

    def start(self) -> None:
        logs.configure(self.config.log_level, "daemon")
        self._lock()
        try:
            protocol.warm_validators(self.methods)  # the first request should not pay for it
            # resolved once here, handed to every worker: all of them serve the same model
            from iea_core.agent import agent_settings

            self.backend_name, self.agent_options = agent_settings(self.backend_name,
                                                                   self.config.agent_options)
            curve = self.config.curve_keys is not None
            # ipc is already private to this user (0600 socket in a 0700 folder), and local
            # plugins call `iea client` without keys: CURVE guards tcp endpoints only
            front_curve = curve and parse_endpoint(self.endpoint).transport == "tcp"
            self.frontend = self._router(curve=front_curve, client_facing=True)
            self.endpoint_bound = self._bind(self.frontend, self.endpoint)
            if self.slots:
                self.local_backend = self._router(curve=False, client_facing=False)
                self.local_backend_url = self._bind(
                    self.local_backend, f"ipc://{socket_dir() / f'workers-{os.getpid()}.sock'}")
            if self.config.worker_endpoint:
                self.remote_backend = self._router(curve=curve, client_facing=False)
                self.remote_backend_url = self._bind(self.remote_backend,
                                                     self.config.worker_endpoint)
                self._files = self.context.socket(zmq.PAIR)
                self._files.bind(f"inproc://files-{id(self)}")
                self._reader = threading.Thread(target=self._read_files, name="iea-file-reader",
                                                daemon=True)
                self._reader.start()
            journal_path = self.config.journal_path or _default_journal(self.endpoint)
            self.journal = Journal(journal_path)
            if self.journal.set_aside is not None:
                log("warning", "journal_damaged", kept_as=str(self.journal.set_aside))
            self.journal.prune()
            self._write_pid()
            self._recover()
            now = time.monotonic()
            for slot in self.slots:
                self._spawn(slot, now)
            log("info", "listening", endpoint=self.endpoint_bound, workers=len(self.slots),
                remote_endpoint=getattr(self, "remote_backend_url", None),
                backend=self.backend_name, curve=front_curve, journal=str(journal_path),
                test_methods=self.config.enable_test_methods)
        except BaseException:
            self.close()
            raise

    def _write_pid(self) -> None:
        info = {"pid": os.getpid(), "endpoint": self.endpoint_bound, "started": time.time()}
        path = state_file(self.endpoint, "pid")
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(json.dumps(info))
        os.replace(tmp, path)

    def _recover(self) -> None:
        """Unanswered journal rows: queue them again, or answer them as failed."""
        assert self.journal is not None
        now_wall, now = time.time(), time.monotonic()
        rerun = failed = 0
        unanswered = self.journal.unanswered()
        _clean_folders_of(unanswered)
        for row in unanswered:
            spec = self.methods.get(row.method)
            try:
                raw = json.loads(row.request)
            except ValueError:
                raw = None
            reason = None
            if raw is None or spec is None:
                reason = "it cannot be re-run by this daemon"
            elif not (self.config.rerun and spec["rerun"]):
                reason = f"{row.method} is not re-run automatically"
            elif row.attempts >= RERUN_ATTEMPTS:
                reason = f"it was already tried {row.attempts} times"
            if row.deadline <= now_wall:
                reply = protocol.error_reply(row.id, protocol.DEADLINE_EXPIRED,
                                             "the daemon restarted and this request's deadline "
                                             "had passed")
            elif reason:
                reply = protocol.error_reply(row.id, protocol.INTERRUPTED,
                                             f"the daemon stopped while this request was "
                                             f"{row.state}; {reason}")
            else:
                request = protocol.Request(row.id, row.method, raw.get("params", {}),
                                           int(raw.get("deadline_ms", 0)), raw)
                job = Job(request, spec["lane"], spec["streams"], now,
                          now + (row.deadline - now_wall))
                self.jobs[row.id] = job
                self.queue.append(job)
                self.journal.mark_queued(row.id)
                rerun += 1
                continue
            self.journal.answer(row.id, protocol.encode(reply).decode())
            failed += 1
        if rerun or failed:
            log("info", "recovered", rerun=rerun, answered_failed=failed)

    # --- local workers --------------------------------------------------------------------------
    def _spawn(self, slot: LocalSlot, now: float) -> None:
        slot.generation += 1
        command = [sys.executable, "-m", "bridge.worker", "--connect", self.local_backend_url,
                   "--identity", slot.identity.decode(), "--parent-pid", str(os.getpid()),
                   "--heartbeat", str(self.config.heartbeat_s)]
        if self.backend_name:
            command += ["--backend", self.backend_name]
        if self.config.enable_test_methods:
            command.append("--enable-test-methods")
        if self.config.warm:
            command += ["--warm", ",".join(self.config.warm)]
        slot.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=sys.stderr,
                                     stderr=sys.stderr, close_fds=True, env=self._worker_env())
        slot.started = now
        log("info", "worker_spawned", slot=slot.index, worker_pid=slot.proc.pid,
            identity=slot.identity.decode())

    def _worker_env(self) -> dict[str, str]:
        """Share the cores between workers: N workers each spawning a thread per core (numba,
        BLAS, torch) would oversubscribe the machine. Settings the user made are kept."""
        env = dict(os.environ)
        # the agent's options travel in the environment, not argv: they may hold an API key
        env[AGENT_OPTIONS_ENV] = json.dumps(self.agent_options)
        if self.journal is not None:   # batch_apply records per-photo progress there
            env["IEA_BRIDGE_JOURNAL"] = str(self.journal.path)
        threads = str(max(1, (os.cpu_count() or 1) // max(1, len(self.slots))))
        for name in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                     "MKL_NUM_THREADS"):
            env.setdefault(name, threads)
        return env

    def _check_slots(self, now: float) -> None:
        for slot in self.slots:
            if slot.proc is None:
                if now >= slot.next_start and not self.stopping:
                    self._spawn(slot, now)
                continue
            status = slot.proc.poll()
            if status is None:
                continue
            worker = self.workers.pop((id(self.local_backend), slot.identity), None)
            how = f"signal {-status}" if status < 0 else f"exit status {status}"
            log("warning", "worker_died", slot=slot.index, worker_pid=slot.proc.pid, how=how)
            if worker is not None and worker.job is not None:
                job = worker.job
                worker.job = None
                if job.state != "done":
                    self._finish_error(job, protocol.WORKER_CRASHED,
                                       f"the worker running this request died ({how}); "
                                       "it has been restarted")
            self.stats.worker_restarts += 1
            slot.proc = None
            if now - slot.started < 2.0:
                slot.quick_deaths += 1
            else:
                slot.quick_deaths = 0
            delay = 0.0 if slot.quick_deaths == 0 else min(30.0, 0.25 * 2 ** slot.quick_deaths)
            slot.next_start = now + delay
            if delay == 0.0 and not self.stopping:
                self._spawn(slot, now)

    # --- client side ----------------------------------------------------------------------------
    def _send_client(self, waiter: tuple[bytes, bool], payload: bytes) -> None:
        identity, req_style = waiter
        frames = [identity, b"", payload] if req_style else [identity, payload]
        try:
            self.frontend.send_multipart(frames, zmq.NOBLOCK)
        except zmq.ZMQError as exc:  # client gone or its pipe full: the journal keeps the reply
            log("debug", "reply_undeliverable", error=str(exc))

    def _reply_now(self, waiter: tuple[bytes, bool], reply: dict[str, Any], method: str,
                   started: float) -> None:
        self._send_client(waiter, protocol.encode(reply))
        code = None if reply.get("ok") else reply["error"]["code"]
        self.stats.record(method, time.monotonic() - started, code)
        if code:
            log("info", "refused", id=reply.get("id"), method=method, code=code,
                message=reply["error"]["message"])

    def _on_client(self, frames: list[bytes]) -> None:
        started = time.monotonic()
        identity, rest = frames[0], frames[1:]
        req_style = len(rest) >= 2 and rest[0] == b""
        if req_style:
            rest = rest[1:]
        waiter = (identity, req_style)
        if len(rest) != 1:
            self._reply_now(waiter, protocol.error_reply(
                protocol.readable_id(rest[-1]) if rest else None, protocol.BAD_REQUEST,
                f"a request is exactly one frame of JSON (got {len(rest)} frames)"),
                "invalid", started)
            return
        try:
            request = protocol.decode_request(rest[0], max_bytes=self.config.max_message_bytes,
                                              methods=self.methods)
        except protocol.RequestRejected as exc:
            self._reply_now(waiter, protocol.error_reply(exc.request_id, exc.code, exc.message),
                            "invalid", started)
            return
        spec = self.methods[request.method]
        if spec["lane"] == "inline":
            result = getattr(self, f"_inline_{request.method}")(request.params)
            self._reply_now(waiter, protocol.ok_reply(request.id, result), request.method,
                            started)
            return
        self._accept(request, spec, waiter, started)

    def _accept(self, request: protocol.Request, spec: dict[str, Any],
                waiter: tuple[bytes, bool], started: float) -> None:
        assert self.journal is not None
        fingerprint = request.fingerprint
        job = self.jobs.get(request.id)
        if job is not None or (row := self.journal.lookup(request.id)) is not None:
            known = job.request.fingerprint if job is not None else row.fingerprint
            if known != fingerprint:
                self._reply_now(waiter, protocol.error_reply(
                    request.id, protocol.BAD_REQUEST,
                    f"request id {request.id!r} was already used for a different request; "
                    "use a fresh id for each request"), request.method, started)
                return
            if job is not None:            # a resend while the first copy is still running
                if waiter not in job.waiters:
                    job.waiters.append(waiter)
                    del job.waiters[:-MAX_WAITERS]  # the oldest sockets are long closed
                log("debug", "resend_joined", id=request.id)
                return
            if row.reply is not None:      # answered before: the stored reply, nothing re-runs
                self._send_client(waiter, row.reply.encode())
                log("debug", "resend_answered", id=request.id)
                return
        if len(self.queue) >= self.config.queue_size:
            self._reply_now(waiter, protocol.error_reply(
                request.id, protocol.BUSY,
                f"the daemon's queue is full ({self.config.queue_size} requests waiting); "
                "try again shortly"), request.method, started)
            return
        deadline_s = request.deadline_ms / 1000.0
        self.journal.accept(request.id, request.method, fingerprint,
                            protocol.encode(request.raw).decode(), time.time() + deadline_s)
        job = Job(request, spec["lane"], spec["streams"], started, started + deadline_s,
                  [waiter])
        self.jobs[request.id] = job
        self.queue.append(job)
        log("debug", "accepted", id=request.id, method=request.method)
        self._dispatch()  # at once, so the queue length counts only work that really waits

    def _finish(self, job: Job, payload: bytes, code: str | None) -> None:
        """Answer a job once: journal first (so a resend can be served), then every waiter."""
        assert self.journal is not None
        if job.state == "done":
            return
        was = job.state
        job.state = "done"
        self.jobs.pop(job.request.id, None)
        if was == "queued":
            try:
                self.queue.remove(job)
            except ValueError:
                pass
        self.journal.answer(job.request.id, payload.decode(), ok=code is None)
        for waiter in job.waiters:
            self._send_client(waiter, payload)
        elapsed = time.monotonic() - job.received
        self.stats.record(job.request.method, elapsed, code)
        log("info", "answered", id=job.request.id, method=job.request.method,
            ms=round(elapsed * 1000, 3), ok=code is None, code=code)
        worker = job.worker
        if code in (protocol.CANCELLED, protocol.DEADLINE_EXPIRED) and worker is not None \
                and worker.job is job:
            self._send_worker(worker, protocol.W_CANCEL, job.request.id.encode())
            worker.cancel_sent = time.monotonic()

    def _finish_error(self, job: Job, code: str, message: str) -> None:
        self._finish(job, protocol.encode(protocol.error_reply(job.request.id, code, message)),
                     code)

    # --- inline methods ------------------------------------------------------------------------
    def _agent_description(self) -> dict[str, Any]:
        from iea_core.agent import describe_settings

        return describe_settings(self.backend_name or "embedded", self.agent_options)

    def _inline_health(self, params: dict[str, Any]) -> dict[str, Any]:
        from iea_core import __version__

        return {"version": __version__, "protocol": protocol.PROTOCOL_VERSION,
                "workers": len(self.workers), "backend": self.backend_name, "pid": os.getpid(),
                "agent": self._agent_description(),
                "uptime_s": round(time.time() - self.stats.started, 3),
                "methods": sorted(self.methods)}

    def _inline_status(self, params: dict[str, Any]) -> dict[str, Any]:
        assert self.journal is not None
        workers = [{"identity": w.identity.decode(), "pid": w.pid, "host": w.host,
                    "remote": w.remote, "busy": w.job is not None, "served": w.served,
                    "running": w.job.request.method if w.job is not None else None}
                   for w in self.workers.values()]
        return {"endpoint": self.endpoint_bound, "pid": os.getpid(),
                "backend": self.backend_name, "agent": self._agent_description(),
                "queue": len(self.queue), "queue_size": self.config.queue_size,
                "running": sum(1 for j in self.jobs.values() if j.state == "running"),
                "workers": {"alive": len(self.workers),
                            "busy": sum(1 for w in workers if w["busy"]),
                            "local_slots": len(self.slots),
                            "remote": sum(1 for w in workers if w["remote"]),
                            "list": workers},
                "journal_unanswered": self.journal.count_unanswered(),
                **self.stats.snapshot()}

    def _inline_cancel(self, params: dict[str, Any]) -> dict[str, Any]:
        target = params["target"]
        job = self.jobs.get(target)
        if job is not None:
            state = job.state
            self._finish_error(job, protocol.CANCELLED, "the request was cancelled")
            return {"cancelled": True, "state": state}
        assert self.journal is not None
        row = self.journal.lookup(target)
        return {"cancelled": False, "state": "done" if row is not None else "unknown"}

    # --- worker side ----------------------------------------------------------------------------
    def _send_worker(self, worker: WorkerRef, *frames: bytes) -> bool:
        try:
            worker.socket.send_multipart([worker.identity, *frames], zmq.NOBLOCK)
            return True
        except zmq.ZMQError as exc:
            log("warning", "worker_unreachable", identity=worker.identity.decode(),
                error=str(exc))
            return False

    def _on_worker(self, sock: zmq.Socket, frames: list[bytes]) -> None:
        now = time.monotonic()
        identity = frames[0]
        if len(frames) < 3 or frames[1] != protocol.WORKER_PROTOCOL:
            log("warning", "bad_worker_message", identity=identity[:64].hex(),
                frames=len(frames))
            return
        command = frames[2]
        key = (id(sock), identity)
        worker = self.workers.get(key)
        if command == protocol.W_READY:
            info = json.loads(frames[3]) if len(frames) > 3 else {}
            methods = frozenset(m for m in info.get("methods", ()) if m in self.methods)
            if worker is None:
                worker = WorkerRef(sock, identity, methods, sock is self.remote_backend,
                                   int(info.get("pid", 0)), str(info.get("host", "")), now)
                self.workers[key] = worker
            else:  # a remote worker that reconnected; what it was running is lost
                worker.methods = methods
                if worker.job is not None:
                    job, worker.job = worker.job, None
                    if job.state != "done":
                        self._finish_error(job, protocol.WORKER_CRASHED,
                                           "the worker running this request lost its "
                                           "connection")
            log("info", "worker_ready", identity=identity.decode(errors="replace"),
                worker_pid=worker.pid, remote=worker.remote, methods=sorted(methods))
            return
        if worker is None:
            return  # a worker of a previous daemon, or one we purged; it will re-announce
        worker.last_seen = now
        if command == protocol.W_REPLY and len(frames) == 5:
            request_id = frames[3].decode(errors="replace")
            job = worker.job
            if job is None or job.request.id != request_id:
                return
            worker.job = None
            worker.cancel_sent = None
            worker.served += 1
            job.worker = None
            if job.state == "done":
                return  # already answered (cancelled, deadline): the late result is dropped
            payload = frames[4]
            try:
                reply = json.loads(payload)
                code = None if reply.get("ok") else reply["error"]["code"]
                if reply.get("id") != request_id:
                    raise ValueError("reply id does not match")
                if worker.remote and code is None:
                    payload = self._materialize(reply, payload)
            except (ValueError, KeyError, TypeError, AttributeError):
                self._finish_error(job, protocol.INTERNAL, "the worker sent a malformed reply")
                return
            self._finish(job, payload, code)
        elif command == protocol.W_FETCH and len(frames) == 5:
            self._on_fetch(worker, frames[3].decode(errors="replace"),
                           frames[4].decode(errors="replace"))
        elif command == protocol.W_PROGRESS and len(frames) == 5:
            job = self.jobs.get(frames[3].decode(errors="replace"))
            if job is not None and job.worker is worker and job.streams:
                for waiter in job.waiters:
                    if not waiter[1]:       # REQ sockets accept exactly one reply
                        self._send_client(waiter, frames[4])
        elif command == protocol.W_DISCONNECT:
            self.workers.pop(key, None)
            if worker.job is not None and worker.job.state != "done":
                self._finish_error(worker.job, protocol.WORKER_CRASHED,
                                   "the worker running this request shut down")

    # --- inputs for remote workers ---------------------------------------------------------------
    def _on_fetch(self, worker: WorkerRef, request_id: str, key: str) -> None:
        """A remote worker asks for an input photo of the request it is running, and nothing
        else: the key must be an input parameter and the request must be its current one."""
        job = worker.job
        value = job.request.params.get(key) if job is not None else None
        if (not worker.remote or job is None or job.request.id != request_id
                or key not in protocol.FETCHABLE_KEYS or not isinstance(value, str)):
            log("warning", "fetch_refused", identity=worker.identity.decode(errors="replace"),
                id=request_id, key=key)
            self._send_worker(worker, protocol.W_FILE, request_id.encode(), key.encode(),
                              b"error", b"not an input of the request this worker runs")
            return
        self._fetches.put((worker.identity, request_id.encode(), key.encode(), value))

    def _read_files(self) -> None:
        """Reader thread: file I/O off the main loop, results back over an inproc PAIR."""
        out = self.context.socket(zmq.PAIR)
        out.connect(f"inproc://files-{id(self)}")
        try:
            while (item := self._fetches.get()) is not None:
                identity, request_id, key, value = item
                try:
                    path = Path(value)
                    if not path.is_absolute():
                        raise OSError(f"{value!r} is not an absolute path")
                    size = path.stat().st_size
                    if size > protocol.MAX_FETCH_BYTES:
                        raise OSError(f"{value} is {size} bytes, over the "
                                      f"{protocol.MAX_FETCH_BYTES} byte transfer limit")
                    status, data = b"ok", path.read_bytes()
                except OSError as exc:
                    status, data = b"error", (str(exc) or type(exc).__name__).encode()
                out.send_multipart([identity, request_id, key, status, data])
        finally:
            out.close(linger=0)

    def _on_file(self, frames: list[bytes]) -> None:
        identity, request_id, key, status, data = frames
        worker = self.workers.get((id(self.remote_backend), identity))
        if worker is not None and worker.job is not None \
                and worker.job.request.id.encode() == request_id:
            self._send_worker(worker, protocol.W_FILE, request_id, key, status, data)

    def _materialize(self, reply: dict[str, Any], payload: bytes) -> bytes:
        """Files made on a remote worker (a darktable style, an edit card): write them here,
        where the plugin runs."""
        result = reply.get("result") or {}
        card = result.pop("card_png_base64", None) if isinstance(result, dict) else None
        if card is not None and isinstance(result.get("card"), str):
            import base64

            from iea_core.fileio import atomic_write_bytes

            path = Path(result["card"])
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, base64.b64decode(card))
            payload = protocol.encode(reply)
        settings = result.get("host_settings") if isinstance(result, dict) else None
        if not isinstance(settings, dict) or "dtstyle_xml" not in settings:
            return payload
        from iea_core.config import user_data_dir
        from iea_core.fileio import atomic_write_text

        name = Path(str(settings.pop("file_name", "iea-remote.dtstyle"))).name
        if not name.endswith(".dtstyle"):
            name += ".dtstyle"
        path = user_data_dir() / "dtstyles" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, str(settings.pop("dtstyle_xml")))
        settings["dtstyle"] = str(path)
        return protocol.encode(reply)

    def _dispatch(self) -> None:
        if not self.queue:
            return
        idle = [w for w in self.workers.values() if w.job is None]
        if not idle:
            return
        local = [w for w in self.workers.values() if not w.remote]
        slow_cap = max(1, len(local) - 1)   # keep one local worker for previews and writes
        slow_busy = sum(1 for w in local if w.job is not None and w.job.lane == "slow")
        remote_methods = {m for w in self.workers.values() if w.remote for m in w.methods}
        for job in list(self.queue):
            if not idle:
                break
            candidates = [w for w in idle if job.request.method in w.methods]
            if job.lane == "slow" and job.request.method in remote_methods:
                # a GPU worker serves this: wait for one rather than answer with the CPU agent,
                # so one deployment gives one quality of answer
                candidates = [w for w in candidates if w.remote]
            for worker in candidates:
                if job.lane == "slow" and not worker.remote and slow_busy >= slow_cap:
                    continue
                remaining_ms = max(1, int((job.deadline - time.monotonic()) * 1000))
                task = {"id": job.request.id, "method": job.request.method,
                        "params": job.request.params, "deadline_ms": remaining_ms}
                if not self._send_worker(worker, protocol.W_TASK, protocol.encode(task)):
                    self.workers.pop((id(worker.socket), worker.identity), None)
                    idle.remove(worker)
                    continue
                self.queue.remove(job)
                job.state = "running"
                job.worker = worker
                worker.job = job
                self.journal.mark_running(job.request.id)
                idle.remove(worker)
                if job.lane == "slow" and not worker.remote:
                    slow_busy += 1
                break

    # --- timers ----------------------------------------------------------------------------------
    def _tick(self, now: float) -> None:
        for job in list(self.jobs.values()):
            if job.state != "done" and now >= job.deadline:
                where = "queued" if job.state == "queued" else "running"
                self._finish_error(job, protocol.DEADLINE_EXPIRED,
                                   f"the request's deadline of {job.request.deadline_ms} ms "
                                   f"passed while it was {where}")
        for key, worker in list(self.workers.items()):
            if worker.remote and now - worker.last_seen > self.config.worker_timeout_s:
                self.workers.pop(key)
                log("warning", "worker_lost", identity=worker.identity.decode(errors="replace"))
                if worker.job is not None and worker.job.state != "done":
                    self._finish_error(worker.job, protocol.WORKER_CRASHED,
                                       "lost contact with the remote worker running this "
                                       "request")
            elif (not worker.remote and worker.cancel_sent is not None
                  and now - worker.cancel_sent > self.config.cancel_grace_s):
                slot = next((s for s in self.slots if s.identity == worker.identity), None)
                if slot is not None and slot.proc is not None and slot.proc.poll() is None:
                    log("warning", "worker_killed", reason="ignored cancel",
                        worker_pid=slot.proc.pid)
                    slot.proc.kill()
                worker.cancel_sent = None
        self._check_slots(now)
        if now >= self._next_beat:
            for worker in list(self.workers.values()):
                self._send_worker(worker, protocol.W_HEARTBEAT)
            self._next_beat = now + self.config.heartbeat_s
        if now >= self._next_prune:
            if self._next_prune:
                self.journal.prune()
            self._next_prune = now + 60.0

    # --- main loop -------------------------------------------------------------------------------
    def serve_forever(self) -> None:
        poller = zmq.Poller()
        sockets = [s for s in (self.frontend, self.local_backend, self.remote_backend,
                               self._files) if s]
        for sock in sockets:
            poller.register(sock, zmq.POLLIN)
        while not self.stopping:
            events = dict(poller.poll(int(TICK_S * 1000)))  # pyzmq retries on EINTR
            for sock in sockets:
                if sock not in events:
                    continue
                for _ in range(MAX_BATCH):
                    try:
                        frames = self._receive(sock)
                    except zmq.Again:
                        break
                    if frames is None:
                        continue   # from a key that is no longer authorized; answered
                    try:
                        if sock is self.frontend:
                            self._on_client(frames)
                        elif sock is self._files:
                            self._on_file(frames)
                        else:
                            self._on_worker(sock, frames)
                    except Exception as exc:  # noqa: BLE001 - the daemon outlives any message
                        log("error", "handler_failed", error=f"{type(exc).__name__}: {exc}",
                            traceback=traceback.format_exc())
                        if sock is self.frontend and frames:
                            self._send_client((frames[0], False), protocol.encode(
                                protocol.error_reply(protocol.readable_id(frames[-1]),
                                                     protocol.INTERNAL,
                                                     f"internal error: {type(exc).__name__}")))
            now = time.monotonic()
            if now - self._last_tick >= TICK_S:
                self._last_tick = now
                self._tick(now)
            self._dispatch()

    def _receive(self, sock: zmq.Socket) -> list[bytes] | None:
        """One message; on a CURVE socket, None (after refusing it) when the sender's key has
        been removed from ``authorized/`` since it connected: a revoked key stops working
        within a second, without a restart and without waiting for it to reconnect."""
        if sock not in self._curve_sockets:
            return sock.recv_multipart(zmq.NOBLOCK)
        parts = sock.recv_multipart(zmq.NOBLOCK, copy=False)
        frames = [part.bytes for part in parts]
        try:
            user = parts[-1].get("User-Id")
        except zmq.ZMQError:
            user = None
        if self._authorized is None or self._authorized.allows(user):
            return frames
        log("warning", "key_revoked", key=str(user)[:12] if user else None,
            socket="client" if sock is self.frontend else "worker")
        if sock is self.frontend:
            body = frames[1:]
            req_style = len(body) >= 2 and body[0] == b""
            self._send_client((frames[0], req_style), protocol.encode(protocol.error_reply(
                protocol.readable_id(body[-1]) if body else None, protocol.UNAUTHORIZED,
                "this client's key is no longer authorized by the daemon")))
        else:
            worker = self.workers.pop((id(sock), frames[0]), None)
            if worker is not None and worker.job is not None and worker.job.state != "done":
                self._finish_error(worker.job, protocol.WORKER_CRASHED,
                                   "the remote worker running this request lost its "
                                   "authorization")
        return None

    def request_stop(self, *_: Any) -> None:
        self.stopping = True

    def close(self) -> None:
        """Stop workers, release sockets and files. Unanswered requests stay journalled."""
        for worker in list(self.workers.values()):
            self._send_worker(worker, protocol.W_STOP)
        procs = [s.proc for s in self.slots if s.proc is not None]
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 3.0
        for proc in procs:
            try:
                proc.wait(timeout=max(0.05, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        for slot in self.slots:
            slot.proc = None
        if self._auth is not None:
            self._auth.stop()
        if self._reader is not None:
            self._fetches.put(None)
            self._reader.join(timeout=5)
        for sock in (self.frontend, self.local_backend, self.remote_backend, self._files):
            if sock is not None:
                sock.close(linger=0)
        self.context.term()
        if self.journal is not None:
            self.journal.close()
        if self._lock_fd is not None:
            for path in self._ipc_files:
                try:
                    path.unlink()
                except OSError:
                    pass
            try:
                state_file(self.endpoint, "pid").unlink()
            except OSError:
                pass
            os.close(self._lock_fd)
            self._lock_fd = None


#: request params that name files a method writes (or writes beside: sidecars, cards, outputs)
_WRITTEN_PARAMS = ("image", "images", "out", "card", "dest")


def _clean_folders_of(rows: list[Any]) -> None:
    """Temporary files that the writes of interrupted requests left (kill -9 mid-write): removed
    at start, since a request that is not re-run may never write into that folder again."""
    from iea_core.fileio import clean_stale_temp_files

    folders: set[str] = set()
    for row in rows:
        try:
            params = json.loads(row.request).get("params") or {}
        except (ValueError, AttributeError):
            continue
        for key in _WRITTEN_PARAMS:
            values = params.get(key)
            for value in values if isinstance(values, list) else [values]:
                if isinstance(value, str) and os.path.isabs(value):
                    folders.add(value if key == "dest" else os.path.dirname(value))
    for folder in sorted(folders)[:10_000]:
        removed = clean_stale_temp_files(folder)
        if removed:
            log("info", "temp_files_removed", folder=folder, count=len(removed))


def _default_journal(endpoint: str) -> Path:
    from iea_core.config import user_data_dir

    name = "journal.sqlite3" if endpoint == default_endpoint() else \
        f"journal-{hashlib.sha1(endpoint.encode()).hexdigest()[:10]}.sqlite3"
    return user_data_dir() / "bridge" / name


def read_pid(endpoint: str) -> int | None:
    try:
        return int(json.loads(state_file(endpoint, "pid").read_text())["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _try_lock(fd: int) -> bool:
    """Non-blocking exclusive lock on an open file; released when the process dies."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def daemon_running(endpoint: str) -> bool:
    """True when some process holds this endpoint's daemon lock."""
    path = state_file(endpoint, "lock")
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDWR)
    try:
        return not _try_lock(fd)  # our probe lock, if we got it, goes with the close
    finally:
        os.close(fd)


def stop_daemon(endpoint: str, timeout: float = 15.0) -> int | None:
    """SIGTERM the daemon holding ``endpoint`` and wait for it to let go; its pid, or None when
    none was running. Unanswered requests stay journalled for the next daemon."""
    if not daemon_running(endpoint):
        return None
    pid = read_pid(endpoint)
    if pid is None:
        raise BridgeError(f"a daemon holds {endpoint} but left no pid file")
    os.kill(pid, signal.SIGTERM)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not daemon_running(endpoint):
            return pid
        time.sleep(0.05)
    raise BridgeError(f"the daemon (pid {pid}) did not stop within {timeout:g} s")


def serve(config: DaemonConfig) -> None:
    """Run a daemon until SIGTERM/SIGINT."""
    daemon = Daemon(config)
    daemon.start()
    signal.signal(signal.SIGTERM, daemon.request_stop)
    signal.signal(signal.SIGINT, daemon.request_stop)
    try:
        daemon.serve_forever()
    finally:
        log("info", "stopping", unanswered=len(daemon.jobs))
        daemon.close()
