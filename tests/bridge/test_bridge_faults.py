"""Faults in the *paths* a plug-in sends, over a real daemon and real sockets.

test_failures.py covers malformed frames; here the frames are well-formed but point at broken
photos, hostile sidecars, folders and read-only mounts. Every request must get one error reply
carrying its id and a message naming the user's file (never ``internal``), nothing of the user's
may change, and the daemon must serve the next request. Concurrent writers to one sidecar must
each land exactly once.
"""
from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from bridge_helpers import request

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fault_files import (bad_images, good_jpeg, hostile_sidecars, leftovers,  # noqa: E402
                         make_read_only, snapshot, unmount)


def _ask(peer, method: str, params: dict, request_id: str) -> dict:
    peer.send_json(request(method, params, request_id))
    return peer.recv_reply(request_id, timeout=60)


@pytest.fixture(scope="module")
def module_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bridge-faults")


def test_broken_photos_and_hostile_sidecars_get_error_replies(daemon_factory, raw_peer,
                                                             tmp_path):
    user = tmp_path / "user"   # the user's files; the daemon's log lives beside it
    daemon = daemon_factory(workers=1)
    peer = raw_peer(daemon.endpoint)
    images = bad_images(user / "bad")
    good = good_jpeg(user / "good.jpg")
    cases: list[tuple[str, str, dict, str]] = []
    for name, path in images.items():
        cases.append((f"preview-{name}", "render_preview",
                      {"image": str(path), "program": {"exposure": 10}, "max_size": 64},
                      str(path)))
    for name, (host, data) in hostile_sidecars().items():
        folder = user / "xmp" / name
        folder.mkdir(parents=True)
        photo = folder / "p.jpg"
        photo.write_bytes(good.read_bytes())
        sidecar = folder / ("p.xmp" if host == "lightroom" else "p.jpg.xmp")
        sidecar.write_bytes(data)
        cases.append((f"xmp-{name}", "write_xmp",
                      {"image": str(photo), "program": {"exposure": 10}, "host": host},
                      str(sidecar)))
    before = snapshot(user)
    for request_id, method, params, path in cases:
        reply = _ask(peer, method, params, request_id)
        assert reply["id"] == request_id
        if reply["ok"]:   # a damaged-but-readable sidecar may be written (its values kept)
            assert method == "write_xmp", (request_id, reply)
            continue
        error = reply["error"]
        assert error["code"] != "internal", (request_id, error)
        assert path in error["message"] or Path(path).name in error["message"], \
            (request_id, error)
        assert "\n" not in error["message"] and "Traceback" not in error["message"]
    after = snapshot(user)
    for rel, state in before.items():   # the user's version always survives, as is or as .bak
        if after.get(rel) != state:
            assert rel.endswith(".xmp") and after.get(rel + ".bak") == state, \
                f"{rel} changed without a backup of the user's version"
    assert not leftovers(user)
    with daemon.client() as client:
        assert client.request("health", {})["workers"] == 1


def test_read_only_folder_is_one_coded_reply(daemon_factory, raw_peer, tmp_path):
    good = good_jpeg(tmp_path / "good.jpg")
    folder = tmp_path / "ro"
    if not make_read_only(folder, {"p.jpg": good.read_bytes()}):
        pytest.skip("cannot make a read-only folder here (root without mount rights)")
    try:
        daemon = daemon_factory(workers=1)
        peer = raw_peer(daemon.endpoint)
        reply = _ask(peer, "write_xmp", {"image": str(folder / "p.jpg"),
                                         "program": {"exposure": 10}, "host": "darktable"}, "ro1")
        assert not reply["ok"] and reply["id"] == "ro1"
        assert reply["error"]["code"] in ("read_only", "permission_denied"), reply
        assert str(folder / "p.jpg.xmp") in reply["error"]["message"]
        reply = _ask(peer, "render_preview", {"image": str(folder / "p.jpg"),
                                              "program": {"exposure": 10},
                                              "out": str(folder / "preview.jpg")}, "ro2")
        assert not reply["ok"] and reply["error"]["code"] in ("read_only", "permission_denied")
        assert str(folder / "preview.jpg") in reply["error"]["message"]
        assert sorted(p.name for p in folder.iterdir()) == ["p.jpg"]
        with daemon.client() as client:
            assert client.request("health", {})["workers"] == 1
    finally:
        unmount(folder)


def test_concurrent_writers_to_one_sidecar_each_land_once(daemon_factory, tmp_path):
    from iea_core.state import read_state

    daemon = daemon_factory(workers=2)
    photo = good_jpeg(tmp_path / "p.jpg")
    writers, step = 8, 5
    errors: list[BaseException] = []

    def write(index: int) -> None:
        try:
            with daemon.client() as client:
                client.request("write_xmp", {"image": str(photo), "program": {"exposure": step},
                                             "host": "darktable"}, timeout=60)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert not errors, errors
    state = read_state("darktable", photo)
    assert state.program["exposure"] == writers * step, state.program
    assert not leftovers(tmp_path)
