"""Bridge benchmark (bounded; ipc and loopback only).

Prints, measured side by side in one run:

1. round-trip latency of ``health`` (answered by the daemon itself) over ipc and over loopback tcp,
   next to a bare ZeroMQ DEALER/ROUTER echo on the same transport, so the protocol + validation
   overhead shows as a ratio; and ``debug_echo`` (journal + one worker hop);
2. ``render_preview`` throughput on a 1024 x 1024 photo with 2 workers, against rendering the same
   previews in this process (needs the editor and image I/O);
3. a load run: >= 1000 requests from 50 concurrent clients, counting lost and duplicated replies
   (both must be 0), then the same with one worker killed by SIGKILL in the middle (its request
   is answered ``worker_crashed``: still nothing lost or duplicated).

Usage: ``python benchmarks/bridge.py [--quick] [--json OUT]``. Every wait is bounded; the daemon
and its workers are stopped at the end, whatever happens.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import zmq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bridge import protocol  # noqa: E402
from bridge.client import BridgeClient  # noqa: E402
from bridge.stats import percentile  # noqa: E402


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_daemon(endpoint: str, workers: int, log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as handle:
        proc = subprocess.Popen([sys.executable, "-m", "iea_core", "serve", "--endpoint", endpoint,
                                 "--workers", str(workers), "--enable-test-methods",
                                 "--queue-size", "256", "--log-level", "info"],
                                stdin=subprocess.DEVNULL, stdout=handle, stderr=handle)
    # ready = every worker connected and done warming up (a first numba compile can take a
    # minute; it must not be counted as request latency)
    end = time.monotonic() + 300
    with BridgeClient(endpoint, autostart=False) as client:
        while time.monotonic() < end:
            if proc.poll() is not None:
                raise RuntimeError(f"daemon exited: {log.read_text()[-2000:]}")
            try:
                ready = client.request("health", {}, timeout=0.5)["workers"] >= workers
            except Exception:  # noqa: BLE001 - still starting
                ready = False
            text = log.read_text(errors="replace")
            warmed = text.count('"event": "warmed_up"') + text.count('"event": "warm_up_failed"')
            if ready and warmed >= workers:
                return proc
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("daemon did not become ready within 300 s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def summary(samples_ms: list[float]) -> dict[str, float]:
    values = sorted(samples_ms)
    return {"n": len(values), "p50_ms": round(percentile(values, 50), 4),
            "p99_ms": round(percentile(values, 99), 4)}


def raw_echo_latency(endpoint: str, n: int) -> dict[str, float]:
    """A bare ROUTER that echoes frames: the floor any ZeroMQ protocol pays on this transport."""
    ctx = zmq.Context.instance()
    router = ctx.socket(zmq.ROUTER)
    router.setsockopt(zmq.LINGER, 0)
    router.bind(endpoint)
    stop_flag = threading.Event()

    def echo() -> None:
        while not stop_flag.is_set():
            if router.poll(50):
                router.send_multipart(router.recv_multipart())

    thread = threading.Thread(target=echo, daemon=True)
    thread.start()
    dealer = ctx.socket(zmq.DEALER)
    dealer.setsockopt(zmq.LINGER, 0)
    dealer.connect(endpoint)
    payload = protocol.encode(protocol.make_request("health", {}, "x" * 32))
    samples = []
    try:
        for i in range(n + 50):
            started = time.perf_counter()
            dealer.send(payload)
            if not dealer.poll(5000):
                raise RuntimeError("raw echo stalled")
            dealer.recv()
            if i >= 50:
                samples.append((time.perf_counter() - started) * 1000)
    finally:
        stop_flag.set()
        thread.join(timeout=2)
        dealer.close(linger=0)
        router.close(linger=0)
    return summary(samples)


def method_latency(endpoint: str, method: str, params: dict[str, Any], n: int) -> dict[str, float]:
    ctx = zmq.Context.instance()
    dealer = ctx.socket(zmq.DEALER)
    dealer.setsockopt(zmq.LINGER, 0)
    dealer.connect(endpoint)
    samples = []
    try:
        for i in range(n + 50):
            request_id = f"lat-{method}-{i}-{time.monotonic_ns()}"
            payload = protocol.encode(protocol.make_request(method, params, request_id))
            started = time.perf_counter()
            dealer.send(payload)
            if not dealer.poll(10_000):
                raise RuntimeError(f"{method} stalled")
            reply = json.loads(dealer.recv())
            if not reply.get("ok"):
                raise RuntimeError(f"{method} failed: {reply}")
            if i >= 50:
                samples.append((time.perf_counter() - started) * 1000)
    finally:
        dealer.close(linger=0)
    return summary(samples)


def kill_a_worker_soon(endpoint: str, delay: float) -> threading.Thread:
    """Chaos for the second load run: SIGKILL one local worker mid-run."""
    def run() -> None:
        time.sleep(delay)
        with BridgeClient(endpoint, autostart=False, timeout=5) as client:
            workers = client.request("status", {})["workers"]["list"]
        if workers:
            os.kill(workers[0]["pid"], signal.SIGKILL)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def load_run(endpoint: str, clients: int, per_client: int, tag: str = "load",
             slow_every: int = 0) -> dict[str, Any]:
    """Each client pipelines its requests (2 in flight) on its own DEALER, without retries, so
    a lost or duplicated reply cannot be hidden by the Lazy Pirate resend. ``slow_every`` makes
    every n-th request a 20 ms ``debug_sleep`` so workers are busy when the chaos hits."""
    ctx = zmq.Context.instance()
    received: dict[str, int] = {}
    errors: dict[str, int] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def run(index: int) -> None:
        sock = ctx.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(endpoint)
        ids = [f"{tag}-{index}-{j}-{os.getpid()}" for j in range(per_client)]
        pending: set[str] = set()
        sent = 0
        barrier.wait(timeout=30)
        end = time.monotonic() + 120
        try:
            while (sent < len(ids) or pending) and time.monotonic() < end:
                while sent < len(ids) and len(pending) < 2:
                    method = "health" if sent % 5 == 0 else "debug_echo"
                    params = {} if method == "health" else {"client": index, "n": sent}
                    if slow_every and sent % slow_every == 1:
                        method, params = "debug_sleep", {"seconds": 0.02}
                    sock.send(protocol.encode(protocol.make_request(method, params, ids[sent],
                                                                    60_000)))
                    pending.add(ids[sent])
                    sent += 1
                if not sock.poll(1000):
                    continue
                reply = json.loads(sock.recv())
                with lock:
                    received[reply["id"]] = received.get(reply["id"], 0) + 1
                    if not reply.get("ok"):
                        code = reply["error"]["code"]
                        errors[code] = errors.get(code, 0) + 1
                pending.discard(reply["id"])
            # a duplicate would arrive after its first copy: listen a little longer
            quiet_end = time.monotonic() + 0.5
            while time.monotonic() < quiet_end:
                if sock.poll(100):
                    reply = json.loads(sock.recv())
                    with lock:
                        received[reply["id"]] = received.get(reply["id"], 0) + 1
        finally:
            sock.close(linger=0)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    elapsed = time.perf_counter() - started
    total = clients * per_client
    lost = sum(1 for i in range(clients) for j in range(per_client)
               if f"{tag}-{i}-{j}-{os.getpid()}" not in received)
    duplicated = sum(count - 1 for count in received.values() if count > 1)
    return {"requests": total, "clients": clients, "replies": sum(received.values()),
            "lost": lost, "duplicated": duplicated, "errors": errors,
            "seconds": round(elapsed, 3), "requests_per_s": round(total / elapsed, 1)}


def preview_throughput(endpoint: str, folder: Path, n: int) -> dict[str, Any]:
    try:
        import numpy as np
        from PIL import Image

        from iea_core.editor import render
        from iea_core.imageio import read_image
    except ImportError as exc:
        return {"skipped": f"editor or image I/O missing: {exc}"}
    import skimage.data

    photo = Image.fromarray(skimage.data.astronaut()).resize((1024, 1024), Image.LANCZOS)
    path = folder / "astronaut-1024.jpg"
    photo.save(path, quality=92)
    programs = [{"exposure": (i * 7) % 60 - 30, "contrast": 15, "vibrance": 20} for i in range(n)]
    params = [{"image": str(path), "program": p, "max_size": 1024} for p in programs]
    # in-process reference: read + render + JPEG encode, one after another
    render(read_image(path).pixels, programs[0])  # warm caches (numba) for a fair comparison
    started = time.perf_counter()
    for p in programs:
        import io

        pixels = render(read_image(path, max_size=1024).pixels, p)
        Image.fromarray(np.asarray(pixels)[..., :3]).save(io.BytesIO(), "JPEG", quality=90)
    local_s = time.perf_counter() - started
    # through the daemon: 4 concurrent clients, 2 workers
    with BridgeClient(endpoint, autostart=False, timeout=120) as client:
        for _ in range(2):  # warm both workers
            client.request("render_preview", params[0])
    results: list[float] = []
    failures: list[str] = []

    def run(chunk: list[dict[str, Any]]) -> None:
        with BridgeClient(endpoint, autostart=False, timeout=120) as client:
            for item in chunk:
                reply = client.call("render_preview", item)
                if not reply["ok"]:
                    failures.append(reply["error"]["code"])
                results.append(1.0)

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(params[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    bridge_s = time.perf_counter() - started
    return {"images": n, "size": "1024x1024", "workers": 2,
            "bridge_images_per_s": round(n / bridge_s, 2),
            "in_process_images_per_s": round(n / local_s, 2),
            "ratio_bridge_over_in_process": round(local_s / bridge_s, 2),
            "failures": len(failures)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples (CI smoke run)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--plot", type=Path, help="also draw the latency table as bars (PNG)")
    args = parser.parse_args()
    n = 300 if args.quick else 2000
    per_client = 20 if args.quick else 24          # 50 x 24 = 1200 requests
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="iea-bench-") as tmp:
        home = Path(tmp)
        for sub in ("data", "cache", "run"):
            (home / sub).mkdir()
        os.environ.update(IEA_DATA_DIR=str(home / "data"), IEA_CACHE_DIR=str(home / "cache"),
                          IEA_RUNTIME_DIR=str(home / "run"), IEA_CONFIG=str(home / "none.toml"))
        ipc = f"ipc://{home / 'run' / 'bench.sock'}"
        tcp = f"tcp://127.0.0.1:{free_port()}"
        figures["raw_zmq_echo_ipc"] = raw_echo_latency(f"ipc://{home / 'run' / 'raw.sock'}", n)
        figures["raw_zmq_echo_tcp"] = raw_echo_latency(f"tcp://127.0.0.1:{free_port()}", n)
        daemon = start_daemon(ipc, 2, home / "daemon-ipc.log")
        try:
            figures["health_ipc"] = method_latency(ipc, "health", {}, n)
            figures["debug_echo_ipc"] = method_latency(ipc, "debug_echo", {"x": 1}, n // 2)
            figures["load"] = load_run(ipc, 50, per_client)
            chaos = kill_a_worker_soon(ipc, 0.3)
            figures["load_with_worker_kill"] = load_run(ipc, 50, per_client, "chaos",
                                                        slow_every=10)
            chaos.join(timeout=10)
            figures["render_preview"] = preview_throughput(ipc, home, 8 if args.quick else 24)
        finally:
            stop(daemon)
        daemon = start_daemon(tcp, 1, home / "daemon-tcp.log")
        try:
            figures["health_tcp"] = method_latency(tcp, "health", {}, n)
        finally:
            stop(daemon)
    figures["health_ipc_over_raw_p50"] = round(
        figures["health_ipc"]["p50_ms"] / max(1e-9, figures["raw_zmq_echo_ipc"]["p50_ms"]), 2)

    print(f"{'round trip':<28}{'n':>6}{'p50 ms':>10}{'p99 ms':>10}")
    for key in ("raw_zmq_echo_ipc", "health_ipc", "debug_echo_ipc", "raw_zmq_echo_tcp",
                "health_tcp"):
        row = figures[key]
        print(f"{key:<28}{row['n']:>6}{row['p50_ms']:>10.3f}{row['p99_ms']:>10.3f}")
    print(f"health over ipc: p50 {figures['health_ipc']['p50_ms']:.3f} ms "
          f"(target < 1 ms: {'met' if figures['health_ipc']['p50_ms'] < 1 else 'MISSED'}), "
          f"{figures['health_ipc_over_raw_p50']}x a bare ZeroMQ echo")
    load = figures["load"]
    print(f"load: {load['requests']} requests from {load['clients']} clients in "
          f"{load['seconds']} s ({load['requests_per_s']}/s): lost {load['lost']}, "
          f"duplicated {load['duplicated']}, error replies {load['errors'] or 'none'}")
    chaos = figures["load_with_worker_kill"]
    print(f"load with a worker killed (kill -9) mid-run: {chaos['requests']} requests in "
          f"{chaos['seconds']} s: lost {chaos['lost']}, duplicated {chaos['duplicated']}, "
          f"error replies {chaos['errors'] or 'none'}")
    preview = figures["render_preview"]
    if "skipped" in preview:
        print(f"render_preview: skipped ({preview['skipped']})")
    else:
        print(f"render_preview 1024x1024, 2 workers: {preview['bridge_images_per_s']} images/s "
              f"through the bridge vs {preview['in_process_images_per_s']}/s in one process "
              f"({preview['ratio_bridge_over_in_process']}x), failures {preview['failures']}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    if args.plot:
        from iea_core.plot import metrics_bars

        table = {key: {"p50 ms": figures[key]["p50_ms"], "p99 ms": figures[key]["p99_ms"]}
                 for key in ("raw_zmq_echo_ipc", "health_ipc", "debug_echo_ipc",
                             "raw_zmq_echo_tcp", "health_tcp")}
        print(f"wrote {metrics_bars(table, args.plot, title='bridge round trips')}")
    ok = all(run["lost"] == 0 and run["duplicated"] == 0 for run in (load, chaos))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
