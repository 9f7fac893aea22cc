"""Encryption and exposure: CURVE on, non-loopback binds refused without keys, private sockets."""
from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bridge.client import BridgeClient
from bridge.endpoints import default_endpoint, is_loopback, parse_endpoint, socket_dir
from bridge.keys import client_pair, generate
from iea_core.errors import BridgeUnavailable, ConfigError

from bridge_helpers import free_port, wait_for


@pytest.mark.parametrize("url, loopback", [
    ("ipc:///tmp/x.sock", True), ("tcp://127.0.0.1:5555", True), ("tcp://127.9.9.9:1", True),
    ("tcp://localhost:5555", True), ("tcp://[::1]:5555", True),
    ("tcp://0.0.0.0:5555", False), ("tcp://*:5555", False), ("tcp://192.168.1.4:5555", False),
    ("tcp://eth0:5555", False), ("tcp://[::]:5555", False)])
def test_loopback_detection(url, loopback):
    assert is_loopback(url) is loopback


@pytest.mark.parametrize("url", ["", "127.0.0.1:5555", "udp://127.0.0.1:5", "tcp://127.0.0.1",
                                 "tcp://127.0.0.1:99999", "ipc://" + "x" * 200])
def test_bad_endpoints_are_refused(url):
    with pytest.raises(ConfigError):
        parse_endpoint(url)


def _serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "iea_core", "serve", *args],
                          capture_output=True, text=True, timeout=30)


def test_non_loopback_bind_without_keys_is_refused():
    port = free_port()
    for args in (["--endpoint", f"tcp://0.0.0.0:{port}"],
                 ["--endpoint", f"tcp://*:{port}"],
                 ["--endpoint", f"tcp://127.0.0.1:{port}", "--worker-endpoint",
                  f"tcp://0.0.0.0:{free_port()}"]):
        done = _serve(*args)
        assert done.returncode != 0
        assert "refusing to listen" in done.stderr and "--curve-keys" in done.stderr, done.stderr


def test_curve_client_with_keys_works_without_keys_fails(daemon_factory, tmp_path):
    keys = tmp_path / "keys"
    generate(keys, "client")
    assert stat.S_IMODE(os.stat(keys / "client.key_secret").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(keys / "server.key_secret").st_mode) == 0o600
    stranger = tmp_path / "stranger"
    generate(stranger, "client")           # valid keys, but not authorized by this daemon
    port = free_port()
    endpoint = f"tcp://127.0.0.1:{port}"
    daemon = daemon_factory("--curve-keys", str(keys), endpoint=endpoint, start=False)
    daemon.client = lambda **kw: BridgeClient(endpoint, autostart=False, curve_keys=keys,
                                              **{"timeout": 20.0, **kw})
    daemon.start(2)
    with BridgeClient(endpoint, curve_keys=keys, autostart=False) as client:
        assert client.request("health", {})["workers"] == 2
        assert client.request("debug_echo", {"secret": 1})["echo"] == {"secret": 1}
    with BridgeClient(endpoint, autostart=False, retry_interval=0.5) as plain:
        with pytest.raises(BridgeUnavailable):  # the handshake fails: nothing ever answers
            plain.call("health", {}, timeout=1.5)
    with BridgeClient(endpoint, curve_keys=stranger, autostart=False,
                      retry_interval=0.5) as intruder:
        with pytest.raises(BridgeUnavailable):
            intruder.call("health", {}, timeout=1.5)
    with BridgeClient(endpoint, curve_keys=keys, autostart=False) as client:
        assert client.request("health", {})["workers"] == 2  # still serving


def test_remote_worker_over_curve_takes_slow_work_and_is_purged_when_silent(
        daemon_factory, tmp_path):
    keys = tmp_path / "keys"
    generate(keys, "client")
    generate(keys, "gpu1")
    backend = f"tcp://127.0.0.1:{free_port()}"
    daemon = daemon_factory("--worker-endpoint", backend, "--curve-keys", str(keys),
                            "--worker-timeout", "1.5", "--heartbeat", "0.3", workers=1)
    worker = subprocess.Popen(
        [sys.executable, "-m", "bridge.worker", "--connect", backend, "--curve-keys", str(keys),
         "--key-name", "gpu1", "--remote", "--enable-test-methods", "--identity", "gpu1",
         "--heartbeat", "0.3", "--methods", "debug_sleep,debug_echo,debug_checksum"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        status = wait_for(lambda: (s := daemon.status())["workers"]["remote"] == 1 and s, 15,
                          "the remote worker")
        assert any(w["identity"] == "gpu1" for w in status["workers"]["list"])
        with daemon.client() as client:
            result = client.request("debug_sleep", {"seconds": 0.1})
            assert result["pid"] == worker.pid      # slow work prefers remote (GPU) workers
            # a remote worker gets its input photo from the daemon, not from its own disk
            photo = tmp_path / "photo.jpg"
            photo.write_bytes(os.urandom(300_000))
            checked = client.request("debug_checksum", {"image": str(photo)})
            assert checked["pid"] == worker.pid and checked["read"] != str(photo)
            assert checked["sha256"] == hashlib.sha256(photo.read_bytes()).hexdigest()
            missing = client.call("debug_checksum", {"image": str(tmp_path / "gone.jpg")})
            assert missing["error"]["code"] == "file_not_found"
            from bridge_helpers import RawPeer

            peer = RawPeer(daemon.endpoint)
            try:
                peer.send_json({"v": 1, "id": "remote-job", "method": "debug_sleep",
                                "params": {"seconds": 30}})
                wait_for(lambda: client.request("status", {})["running"] == 1, 5, "running")
                # slow work waits for the GPU worker instead of falling back to the local one
                waiting = client.call("debug_sleep", {"seconds": 0.1}, deadline_ms=800)
                assert waiting["error"]["code"] == "deadline_expired"
                assert "queued" in waiting["error"]["message"]
                assert client.request("debug_echo", {"fast": 1})["pid"] != worker.pid
                worker.kill()
                worker.wait(timeout=10)
                reply = peer.recv_reply("remote-job", timeout=10)
            finally:
                peer.close()
            assert reply["error"]["code"] == "worker_crashed"
            assert client.request("status", {})["workers"]["remote"] == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=10)


def test_remote_worker_command_refuses_plaintext_to_another_host(tmp_path):
    done = subprocess.run([sys.executable, "-m", "iea_core", "worker", "--connect",
                           "tcp://192.0.2.1:5557"], capture_output=True, text=True, timeout=30)
    assert done.returncode != 0 and "--curve-keys" in done.stderr


def test_sockets_are_private(daemon):
    path = Path(daemon.endpoint[len("ipc://"):])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700


def test_long_runtime_dir_falls_back_to_a_short_private_folder(monkeypatch, tmp_path):
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    monkeypatch.setenv("IEA_RUNTIME_DIR", str(deep))
    folder = socket_dir()
    endpoint = default_endpoint()
    assert len(endpoint) - len("ipc://") <= 107
    assert str(folder).startswith("/tmp/iea-") and folder.owner() == Path.home().owner() \
        or os.stat(folder).st_uid == os.getuid()
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert socket_dir() == folder  # stable: the client finds the daemon's socket


def test_keys_generate_cli_and_client_pair(tmp_path):
    out = subprocess.run([sys.executable, "-m", "iea_core", "keys", "generate",
                          str(tmp_path / "k"), "--name", "laptop"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    server_public, pair = client_pair(tmp_path / "k", "laptop")
    assert len(server_public) == 40 and len(pair.secret) == 40
    assert (tmp_path / "k" / "authorized" / "laptop.key").exists()
    again = subprocess.run([sys.executable, "-m", "iea_core", "keys", "generate",
                            str(tmp_path / "k"), "--name", "laptop"],
                           capture_output=True, text=True, timeout=30)
    assert again.returncode != 0 and "already exists" in again.stderr
