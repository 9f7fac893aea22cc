"""Keys revoked while the daemon runs, private journal files, and error replies that keep the id."""
from __future__ import annotations

import os
import stat
import time

from bridge.client import BridgeClient
from bridge.keys import client_pair, generate
from iea_core.errors import BridgeUnavailable

from bridge_helpers import RawPeer, free_port, request, wait_for


def test_a_deleted_key_is_refused_within_two_seconds(daemon_factory, tmp_path):
    keys = tmp_path / "keys"
    generate(keys, "client")
    generate(keys, "other")                    # a second client that stays authorized
    endpoint = f"tcp://127.0.0.1:{free_port()}"
    daemon = daemon_factory("--curve-keys", str(keys), endpoint=endpoint, start=False)
    daemon.client = lambda **kw: BridgeClient(endpoint, autostart=False, curve_keys=keys,
                                              key_name="other", **{"timeout": 20.0, **kw})
    daemon.start(2)
    connected = RawPeer(endpoint, client_pair(keys, "client"))   # an open connection
    connected.send_json(request("health", {}, "before"))
    assert connected.recv_reply("before", 10)["ok"]

    (keys / "authorized" / "client.key").unlink()
    revoked_at = time.monotonic()
    refused_after = None
    deadline = revoked_at + 5.0
    attempt = 0
    while time.monotonic() < deadline:
        attempt += 1
        connected.send_json(request("health", {}, f"after-{attempt}"))
        reply = connected.recv(1.0)
        if reply is not None and not reply["ok"]:
            assert reply["error"]["code"] == "unauthorized" and reply["id"] == f"after-{attempt}"
            refused_after = time.monotonic() - revoked_at
            break
        time.sleep(0.1)
    assert refused_after is not None and refused_after < 2.0, refused_after
    # a new connection with the deleted key fails the handshake
    with BridgeClient(endpoint, curve_keys=keys, key_name="client", autostart=False,
                      retry_interval=0.5) as fresh:
        try:
            fresh.call("health", {}, timeout=1.5)
            raise AssertionError("a revoked key was let in")
        except BridgeUnavailable:
            pass
    with BridgeClient(endpoint, curve_keys=keys, key_name="other", autostart=False) as other:
        assert other.request("health", {})["workers"] == 2   # the others are unaffected
    connected.close()


def test_journal_files_are_private(daemon_factory, tmp_path):
    journal = tmp_path / "j" / "journal.sqlite3"
    daemon = daemon_factory("--journal", str(journal))
    with daemon.client() as client:
        client.request("debug_echo", {"x": 1})
    for path in (journal, journal.with_name(journal.name + "-wal"),
                 journal.with_name(journal.name + "-shm")):
        if path.exists():
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
    assert journal.exists()


def test_too_large_and_bad_frames_keep_the_request_id(daemon, raw_peer):
    peer = raw_peer(daemon.endpoint)
    peer.send_json(request("health", {}, "big-one", pad="x" * (2 << 20)))
    reply = peer.recv(10)
    assert reply["error"]["code"] == "too_large" and reply["id"] == "big-one"
    peer.send(b"extra", b'{"v": 1, "id": "two-frames", "method": "health"}')
    reply = peer.recv(10)
    assert reply["error"]["code"] == "bad_request" and reply["id"] == "two-frames"
    peer.send(b"not json")
    assert peer.recv(10)["id"] is None      # nothing readable: null, as before


def test_restart_removes_temp_files_of_interrupted_writes(daemon_factory, raw_peer, tmp_path):
    """A write cut by kill -9 leaves .NAME.iea-PID-XXXX.tmp; the next daemon removes it at
    start, even when the interrupted request is not re-run."""
    import signal
    import subprocess
    import sys

    journal = tmp_path / "journal.sqlite3"
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "a.jpg").write_bytes(b"x")
    first = daemon_factory("--journal", str(journal), workers=1)
    peer = raw_peer(first.endpoint)
    peer.send_json(request("debug_sleep", {"seconds": 30}, "hog", deadline_ms=120_000))
    peer.send_json(request("write_xmp", {"image": str(photos / "a.jpg"), "host": "lightroom",
                                         "program": {"exposure": 5}}, "cut",
                           deadline_ms=1_000))   # queued behind the hog; expires while down
    wait_for(lambda: first.status()["queue"] == 1, 10, "the write to be queued")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    leftover = photos / f".a.xmp.iea-{int(dead.stdout)}-k2j4h5g6.tmp"
    leftover.write_bytes(b"half a sidecar")     # what a writer killed mid-write leaves
    first.kill(signal.SIGKILL)
    time.sleep(1.2)
    daemon_factory("--journal", str(journal), endpoint=first.endpoint, workers=1)
    assert not leftover.exists()
    assert (photos / "a.jpg").read_bytes() == b"x"


def test_write_into_a_read_only_folder_is_a_clear_error(daemon, tmp_path):
    """write_xmp beside a photo on a read-only mount: a stable code and the sidecar's path."""
    import subprocess

    import pytest

    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(b"x")
    if os.geteuid() != 0:
        os.chmod(folder, 0o555)
        codes = ("permission_denied", "read_only")
    else:
        mounted = subprocess.run(["mount", "--bind", str(folder), str(folder)],
                                 capture_output=True, text=True)
        if mounted.returncode != 0:
            pytest.skip(f"cannot bind-mount here: {mounted.stderr.strip()}")
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
        codes = ("read_only",)
    try:
        with daemon.client() as client:
            reply = client.call("write_xmp", {"image": str(folder / "a.jpg"), "host": "lightroom",
                                              "program": {"exposure": 5}})
        assert not reply["ok"] and reply["error"]["code"] in codes, reply
        message = reply["error"]["message"]
        assert str(folder / "a.xmp") in message and ".tmp" not in message, message
        assert sorted(p.name for p in folder.iterdir()) == ["a.jpg"]
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)
        else:
            os.chmod(folder, 0o755)
