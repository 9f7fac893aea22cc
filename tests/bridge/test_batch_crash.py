"""``batch_apply`` is at-most-once per photo across kill -9 of the daemon or of its worker.

Each of 20 seeds runs a 50-photo darktable batch (half the photos carry the user's own sidecar),
kills the daemon or the worker running the batch with SIGKILL at a random moment, and finishes
the batch the way a client does: a resend with the same id after a daemon restart (the journal
re-runs it), a resend with a new id after a worker crash. Then, photo by photo: iea's edit is in
the sidecar exactly once (darktable appends one history item per write, so a second write would
show), the user's history is intact, ``.xmp.bak`` is byte-identical to the user's original (and
absent where the user had no sidecar), and no temporary or lock file is left in the folder.
"""
from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bridge_helpers import RawPeer, pid_alive, request, wait_for

PHOTOS = 50
SEEDS = 20
PROGRAM = {"exposure": 15}


def make_shoot(folder: Path) -> dict[Path, bytes | None]:
    """50 small JPEGs; the even ones get a sidecar 'made by the user' (saturation +20)."""
    from iea_core.hosts import darktable
    from iea_core.program import Program

    folder.mkdir()
    rng = np.random.default_rng(len(str(folder)))
    originals: dict[Path, bytes | None] = {}
    for index in range(PHOTOS):
        photo = folder / f"IMG_{index:04d}.jpg"
        Image.fromarray((rng.random((12, 16, 3)) * 255).astype(np.uint8)).save(photo)
        originals[photo] = None
        if index % 2 == 0:
            sidecar = darktable.write_sidecar(photo, Program({"saturation": 20}))
            originals[photo] = sidecar.read_bytes()
    return originals


def finish(peer: RawPeer, request_id: str, images: list[str], timeout: float = 90.0) -> dict:
    params = {"images": images, "host": "darktable", "program": PROGRAM}
    peer.send_json(request("batch_apply", params, request_id, deadline_ms=300_000))
    return peer.recv_reply(request_id, timeout)


def items_after_one_write(tmp_path: Path, user_sidecar: bytes | None) -> int:
    """History length after exactly one write of PROGRAM, measured on a scratch copy."""
    from iea_core.hosts import darktable
    from iea_core.program import Program

    folder = tmp_path / f"scratch-{user_sidecar is not None}"
    folder.mkdir(exist_ok=True)
    scratch = folder / "IMG_0000.jpg"
    Image.fromarray(np.zeros((12, 16, 3), np.uint8)).save(scratch)
    if user_sidecar is not None:
        darktable.sidecar_path(scratch).write_bytes(user_sidecar)
    from iea_core.state import apply_to_sidecar  # what batch_apply writes: current + PROGRAM

    return len(darktable.read_history(
        apply_to_sidecar("darktable", scratch, Program(PROGRAM)).sidecar).items)


def check_shoot(originals: dict[Path, bytes | None], reply: dict, expected: dict) -> None:
    from iea_core.hosts import darktable

    assert reply["ok"], reply
    results = reply["result"]["results"]
    assert len(results) == PHOTOS and all(r["ok"] for r in results), results
    for photo, original in originals.items():
        sidecar = darktable.sidecar_path(photo)
        items = darktable.read_history(sidecar).items
        backup = sidecar.with_name(sidecar.name + ".bak")
        if original is None:
            assert not backup.exists(), photo.name   # iea's own output is never "backed up"
            user: list = []
        else:
            assert backup.read_bytes() == original, photo.name
            user = darktable.read_history(backup).items
        assert items[:len(user)] == user, photo.name                 # the user's history intact
        assert len(items) == expected[original is not None], (photo.name, len(items))
    folder = next(iter(originals)).parent
    leftovers = [p.name for p in folder.iterdir()
                 if p.name.endswith((".tmp", ".lock")) or p.name.startswith(".")]
    assert leftovers == []


@pytest.mark.slow
def test_batch_apply_is_at_most_once_across_kill_9(daemon_factory, tmp_path):
    journal = tmp_path / "journal.sqlite3"
    endpoint = f"ipc://{os.environ['IEA_RUNTIME_DIR']}/crash.sock"
    daemon = daemon_factory("--journal", str(journal), endpoint=endpoint, workers=2)
    outcomes = {"daemon": 0, "worker": 0, "finished_before_kill": 0}

    # How long one batch takes on this machine (warm workers, the faster of two runs): the kills
    # then fall at random points inside a batch whether the machine is idle or loaded.
    durations = []
    for run in range(2):
        originals = make_shoot(tmp_path / f"calibration{run}")
        if run == 0:   # one write, exactly, on a photo without / with the user's sidecar
            user = next(v for v in originals.values() if v is not None)
            expected = {False: items_after_one_write(tmp_path, None),
                        True: items_after_one_write(tmp_path, user)}
        peer = RawPeer(daemon.endpoint)
        try:
            start = time.monotonic()
            reply = finish(peer, f"calibration-{run}", [str(p) for p in originals])
            durations.append(time.monotonic() - start)
        finally:
            peer.close()
        check_shoot(originals, reply, expected)
    duration = min(durations)

    for seed in range(SEEDS):
        rng = random.Random(seed)
        originals = make_shoot(tmp_path / f"shoot{seed}")
        images = [str(p) for p in originals]
        request_id = f"batch-{seed}"
        peer = RawPeer(daemon.endpoint)
        try:
            params = {"images": images, "host": "darktable", "program": PROGRAM}
            peer.send_json(request("batch_apply", params, request_id, deadline_ms=300_000))
            time.sleep(rng.uniform(0.05, 0.8) * duration)
            if seed % 2 == 0:   # the daemon dies; a new one re-runs the journalled batch
                workers = [w["pid"] for w in daemon.status()["workers"]["list"]]
                daemon.kill(signal.SIGKILL)
                outcomes["daemon"] += 1
                for pid in workers:
                    wait_for(lambda: not pid_alive(pid), 15, f"worker {pid} to follow")
                daemon = daemon_factory("--journal", str(journal), endpoint=endpoint,
                                        workers=2)
                peer.close()
                peer = RawPeer(daemon.endpoint)
                reply = finish(peer, request_id, images)   # the same id: join or stored reply
            else:               # the worker running the batch dies
                busy = [w["pid"] for w in daemon.status()["workers"]["list"]
                        if w["running"] == "batch_apply"]
                if busy:
                    os.kill(busy[0], signal.SIGKILL)
                    outcomes["worker"] += 1
                reply = peer.recv_reply(request_id, 90)
                if not reply["ok"]:
                    assert reply["error"]["code"] == "worker_crashed", reply
                    reply = finish(peer, f"{request_id}-again", images)   # a new id: resumed
                else:
                    outcomes["finished_before_kill"] += 1
        finally:
            peer.close()
        check_shoot(originals, reply, expected)
    assert outcomes["daemon"] == SEEDS // 2 and outcomes["worker"] >= SEEDS // 4, (outcomes,
                                                                                   duration)
