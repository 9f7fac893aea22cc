"""``iea client`` / ``iea status`` as the plugins run them: exit codes, --out files, auto-start."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from bridge.daemon import read_pid
from bridge.endpoints import default_endpoint

from bridge_helpers import pid_alive, wait_for


def iea(*args: str, timeout: float = 150) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "iea_core", *args], capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def test_no_daemon_and_no_start_exits_3_with_an_envelope(tmp_path):
    out = tmp_path / "reply.json"
    done = iea("client", "health", "--no-start", "--out", str(out))
    assert done.returncode == 3
    envelope = json.loads(out.read_text())
    assert envelope["ok"] is False and envelope["error"]["code"] == "unavailable"
    assert iea("status").returncode == 3


def test_bad_json_exits_2_with_an_envelope(tmp_path):
    out = tmp_path / "reply.json"
    done = iea("client", "health", "--json", "{not json", "--out", str(out), "--no-start")
    assert done.returncode == 2
    assert json.loads(out.read_text())["error"]["code"] == "bad_request"
    assert iea("client", "health", "--json", "[1]", "--no-start").returncode == 2


def test_client_starts_the_daemon_on_demand_and_says_so(tmp_path):
    endpoint = default_endpoint()
    try:
        first = iea("client", "health", "--timeout", "60")
        assert first.returncode == 0, first.stderr
        assert "started one" in first.stderr and endpoint in first.stderr
        reply = json.loads(first.stdout)
        assert reply["ok"] and reply["result"]["version"]
        pid = read_pid(endpoint)
        assert pid is not None and pid_alive(pid)
        log = Path(os.environ["IEA_DATA_DIR"]) / "logs" / "bridge.log"
        assert '"event": "listening"' in log.read_text()

        out = tmp_path / "lr" / "reply.json"
        out.parent.mkdir()
        second = iea("client", "render_preview", "--json",
                     json.dumps({"image": "missing.jpg", "program": {"exposure": 10}}),
                     "--out", str(out))
        assert "started one" not in second.stderr       # reused the running daemon
        assert second.returncode == 1                    # an error reply
        envelope = json.loads(out.read_text())
        assert envelope["ok"] is False and second.stdout == ""
        # the relative path was made absolute against the client's directory
        assert str(Path.cwd() / "missing.jpg") in envelope["error"]["message"] \
            or envelope["error"]["code"] in ("file_not_found", "backend_unavailable",
                                             "internal")

        status = iea("status", "--timeout", "20")
        assert status.returncode == 0
        assert "workers" in status.stdout and "p50 ms" in status.stdout
        as_json = json.loads(iea("status", "--json", "--timeout", "20").stdout)
        assert as_json["pid"] == pid and as_json["workers"]["alive"] >= 1
    finally:
        pid = read_pid(endpoint)
        if pid is not None and pid_alive(pid):
            os.kill(pid, signal.SIGTERM)
            wait_for(lambda: not pid_alive(pid), 10, "the auto-started daemon to stop")


def test_two_clients_racing_start_one_daemon(tmp_path):
    endpoint = default_endpoint()
    procs = [subprocess.Popen([sys.executable, "-m", "iea_core", "client", "health",
                               "--timeout", "60"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
             for _ in range(3)]
    try:
        outputs = [p.communicate(timeout=60) for p in procs]
        assert all(p.returncode == 0 for p in procs), outputs
        pids = {json.loads(out)["result"]["pid"] for out, _ in outputs}
        assert len(pids) == 1  # every client talked to the same daemon
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        pid = read_pid(endpoint)
        if pid is not None and pid_alive(pid):
            os.kill(pid, signal.SIGTERM)
            wait_for(lambda: not pid_alive(pid), 10, "the auto-started daemon to stop")


def test_a_second_daemon_on_the_same_endpoint_is_refused(daemon):
    done = iea("serve", "--endpoint", daemon.endpoint, "--workers", "1", timeout=30)
    assert done.returncode != 0 and "already serves" in done.stderr
    with daemon.client() as client:  # the first one is untouched
        assert client.request("health", {})["workers"] == 2


def test_schema_ships_with_the_package():
    from importlib.resources import files

    schema = json.loads(files("bridge.schema").joinpath("protocol-v1.json").read_text())
    assert schema["$defs"]["request"]["properties"]["v"] == {"const": 1}


def test_a_port_in_use_is_one_clear_line():
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = iea("serve", "--endpoint", f"tcp://127.0.0.1:{port}", timeout=30)
    assert done.returncode == 1
    assert done.stderr.strip().startswith("Error: cannot listen on") and "Traceback" not in \
        done.stderr


def test_serve_stop(daemon):
    done = iea("serve", "--stop", "--endpoint", daemon.endpoint)
    assert done.returncode == 0 and f"pid {daemon.proc.pid}" in done.stdout
    assert daemon.proc.wait(timeout=10) == 0
    assert not Path(daemon.endpoint[len("ipc://"):]).exists()  # socket removed on the way out
    again = iea("serve", "--stop", "--endpoint", daemon.endpoint)
    assert again.returncode == 0 and "no daemon" in again.stdout
