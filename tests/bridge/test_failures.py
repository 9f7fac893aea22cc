"""What goes wrong in real life: hostile input, workers killed with -9, daemons restarted."""
from __future__ import annotations

import json
import os
import signal
import time

from bridge_helpers import pid_alive, request, schema_validator, wait_for


HOSTILE = [
    # (frames, expected code)
    ([b"\xff\xfe not utf-8"], "bad_request"),
    ([b"not json at all"], "bad_request"),
    ([b"[1, 2, 3]"], "bad_request"),
    ([b'"a string"'], "bad_request"),
    ([b"{}"], "bad_request"),
    ([b'{"v": 1, "method": "health"}'], "bad_request"),                      # no id
    ([b'{"v": 1, "id": 7, "method": "health"}'], "bad_request"),             # id not a string
    ([b'{"v": 1, "id": "' + b"x" * 500 + b'", "method": "health"}'], "bad_request"),
    ([b'{"v": 2, "id": "a", "method": "health"}'], "unsupported_version"),
    ([b'{"v": "1", "id": "a", "method": "health"}'], "bad_request"),
    ([b'{"v": 1, "id": "a", "method": "rm_rf"}'], "unknown_method"),
    ([b'{"v": 1, "id": "a", "method": ["health"]}'], "bad_request"),
    ([b'{"v": 1, "id": "a", "method": "health", "params": []}'], "bad_request"),
    ([b'{"v": 1, "id": "a", "method": "health", "deadline_ms": -5}'], "bad_request"),
    ([b'{"v": 1, "id": "a", "method": "health", "deadline_ms": 1e400}'], "bad_request"),
    ([b'{"v": 1, "id": "a", "method": "debug_sleep", "params": {"seconds": NaN}}'],
     "bad_request"),
    ([b'{"v": 1, "id": "a", "method": "edit", "params": {"image": 5, "instruction": "x"}}'],
     "bad_request"),
    ([b'{"v": 1, "id": "a", "method": "edit", "params": {"image": "/x"}}'], "bad_request"),
    ([b'{"v": 1, "id": "a", "method": "render_preview", '
      b'"params": {"image": "/x", "program": {}, "max_size": 10**9}}'], "bad_request"),
    ([b'{"v": 1, "id": "a", "method": "write_xmp", '
      b'"params": {"image": "/x", "program": {}, "host": "photoshop"}}'], "bad_request"),
    ([b'{"v": 1, "id": "a", "method": "batch_apply", '
      b'"params": {"images": ["/x"], "host": "darktable"}}'], "bad_request"),
    ([b"[" * 200_000 + b"]" * 200_000], "bad_request"),                       # deep nesting
    ([b'{"v": 1, "id": "a", "method": "debug_echo", "params": {"d": '
      + b"[" * 50_000 + b"]" * 50_000 + b"}}"], "bad_request"),
    ([b'{"v": 1, "id": "a", "method": "health", "pad": "' + b"x" * (2 << 20) + b'"}'],
     "too_large"),
    ([b""], "bad_request"),
    ([b"frame one", b"frame two"], "bad_request"),
]


def test_hostile_messages_get_error_replies_and_the_daemon_lives(daemon, raw_peer):
    peer = raw_peer(daemon.endpoint)
    validator = schema_validator("reply_error")
    for frames, code in HOSTILE:
        peer.send(*frames)
        reply = peer.recv(10)
        assert reply is not None, frames[0][:80]
        validator.validate(reply)
        assert reply["error"]["code"] == code, (frames[0][:80], reply)
        assert reply["error"]["message"]
    assert peer.recv(0.2) is None  # exactly one reply each
    with daemon.client() as client:
        assert client.request("health", {})["workers"] == 2
        status = client.request("status", {})
    assert status["errors"]["bad_request"] >= 15


def test_error_messages_name_the_problem(daemon, raw_peer):
    peer = raw_peer(daemon.endpoint)
    peer.send_json(request("edit", {"image": "/x.jpg", "instruction": 5}))
    message = peer.recv()["error"]["message"]
    assert "params.instruction" in message and "string" in message
    peer.send_json(request("batch_apply", {"images": ["/a.jpg"], "host": "lightroom"}))
    assert "style" in peer.recv()["error"]["message"]


def test_a_message_over_the_hard_cap_drops_only_that_connection(daemon, raw_peer):
    hostile = raw_peer(daemon.endpoint)
    hostile.send(b"x" * (6 << 20))  # above 4 x the 1 MiB cap: ZeroMQ closes the connection
    assert hostile.recv(1.0) is None
    with daemon.client() as client:
        assert client.request("health", {})["workers"] == 2


def test_req_sockets_work_too(daemon):
    import zmq

    sock = zmq.Context.instance().socket(zmq.REQ)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(daemon.endpoint)
    try:
        sock.send_json(request("debug_sleep", {"seconds": 0.2, "steps": 2}, "req-1"))
        assert sock.poll(10_000)
        reply = sock.recv_json()  # progress events are not sent to REQ sockets
        assert reply["id"] == "req-1" and reply["ok"]
    finally:
        sock.close(linger=0)


def test_worker_killed_mid_request_fails_that_request_and_is_restarted(daemon, raw_peer):
    peer = raw_peer(daemon.endpoint)
    peer.send_json(request("debug_sleep", {"seconds": 30}, "victim"))
    status = wait_for(lambda: (s := daemon.status())["running"] == 1 and s, 5, "running")
    busy = [w for w in status["workers"]["list"] if w["busy"]]
    assert len(busy) == 1
    os.kill(busy[0]["pid"], signal.SIGKILL)
    reply = peer.recv_reply("victim", timeout=10)
    assert reply["error"]["code"] == "worker_crashed"
    assert "signal 9" in reply["error"]["message"]
    status = wait_for(lambda: (s := daemon.status())["workers"]["alive"] == 2 and s, 15,
                      "the worker to be restarted")
    assert status["worker_restarts"] == 1
    assert busy[0]["pid"] not in {w["pid"] for w in status["workers"]["list"]}
    with daemon.client() as client:
        assert client.request("debug_echo", {"after": "crash"})["echo"] == {"after": "crash"}
        crash = client.call("debug_crash", {})  # a worker that kills itself
        assert crash["error"]["code"] == "worker_crashed"
        wait_for(lambda: client.request("health", {})["workers"] == 2, 15, "restart")
        assert client.request("debug_echo", {"n": 2})["echo"] == {"n": 2}


def test_restarted_daemon_reruns_or_fails_journalled_requests(daemon_factory, raw_peer,
                                                              tmp_path):
    journal = tmp_path / "journal.sqlite3"
    first = daemon_factory("--journal", str(journal), workers=1)
    peer = raw_peer(first.endpoint)
    peer.send_json(request("debug_sleep", {"seconds": 2}, "in-flight",
                           deadline_ms=120_000))
    peer.send_json(request("debug_echo", {"queued": True}, "queued", deadline_ms=120_000))
    peer.send_json(request("debug_echo", {"short": True}, "short-deadline", deadline_ms=1500))
    peer.send_json(request("debug_crash", {}, "poison", deadline_ms=120_000))
    wait_for(lambda: (s := first.status())["running"] == 1 and s["queue"] == 3, 5,
             "one running, three queued")
    worker_pid = first.status()["workers"]["list"][0]["pid"]
    first.kill(signal.SIGKILL)                       # the daemon dies without a word
    wait_for(lambda: not pid_alive(worker_pid), 10, "its worker to follow it")
    time.sleep(1.6)                                   # short-deadline expires meanwhile

    second = daemon_factory("--journal", str(journal), endpoint=first.endpoint, workers=1)
    with second.client(timeout=20) as client:
        # Lazy Pirate resends with the same ids get the answers; nothing was lost
        rerun = client.call("debug_sleep", {"seconds": 2}, request_id="in-flight",
                            deadline_ms=120_000, timeout=15)
        queued = client.call("debug_echo", {"queued": True}, request_id="queued",
                             deadline_ms=120_000)
        expired = client.call("debug_echo", {"short": True}, request_id="short-deadline",
                              deadline_ms=1500)
        poison = client.call("debug_crash", {}, request_id="poison", deadline_ms=120_000)
    assert rerun["ok"] and rerun["result"]["pid"] != worker_pid  # run again by the new daemon
    assert queued["ok"] and queued["result"]["echo"] == {"queued": True}
    assert expired["error"]["code"] == "deadline_expired"
    assert poison["error"]["code"] == "interrupted"   # crash-prone methods are not re-run
    assert '"event": "recovered"' in second.log_text()


def test_rerun_request_answers_a_resend_after_restart(daemon_factory, raw_peer, tmp_path):
    journal = tmp_path / "journal.sqlite3"
    first = daemon_factory("--journal", str(journal), workers=1)
    peer = raw_peer(first.endpoint)
    peer.send_json(request("debug_sleep", {"seconds": 30}, "hog", deadline_ms=120_000))
    peer.send_json(request("debug_sleep", {"seconds": 0.2}, "waiting", deadline_ms=120_000))
    wait_for(lambda: first.status()["queue"] == 1, 5, "a queued request")
    first.kill(signal.SIGTERM)                      # clean stop: the journal keeps both
    second = daemon_factory("--journal", str(journal), endpoint=first.endpoint, workers=2)
    with second.client() as client:
        client.request("cancel", {"target": "hog"})
        reply = client.call("debug_sleep", {"seconds": 0.2}, request_id="waiting",
                            deadline_ms=120_000)
        assert reply["ok"] and reply["result"]["slept"] == 0.2
        again = client.call("debug_sleep", {"seconds": 0.2}, request_id="waiting",
                            deadline_ms=120_000)
    assert again == reply
    third = daemon_factory("--journal", str(journal), "--no-rerun", workers=1,
                           endpoint=f"ipc://{os.environ['IEA_RUNTIME_DIR']}/third.sock")
    with third.client() as client:
        assert client.request("status", {})["journal_unanswered"] == 0


def test_no_rerun_answers_interrupted(daemon_factory, raw_peer, tmp_path):
    journal = tmp_path / "journal.sqlite3"
    first = daemon_factory("--journal", str(journal), workers=1)
    peer = raw_peer(first.endpoint)
    peer.send_json(request("debug_sleep", {"seconds": 30}, "hog", deadline_ms=120_000))
    wait_for(lambda: first.status()["running"] == 1, 5, "running")
    first.kill(signal.SIGKILL)
    second = daemon_factory("--journal", str(journal), "--no-rerun", endpoint=first.endpoint,
                            workers=1)
    with second.client() as client:
        reply = client.call("debug_sleep", {"seconds": 30}, request_id="hog",
                            deadline_ms=120_000)
    assert reply["error"]["code"] == "interrupted"
    assert "running" in reply["error"]["message"]


def test_random_garbage_over_the_wire_gets_one_reply_each(daemon, raw_peer):
    import random

    rng = random.Random(1234)
    peer = raw_peer(daemon.endpoint)
    for n in range(200):
        size = rng.choice([0, 1, 7, 64, 500, 5000])
        peer.send(bytes(rng.getrandbits(8) for _ in range(size)))
    replies = [peer.recv(10) for _ in range(200)]
    assert all(r is not None and r["ok"] is False for r in replies)
    assert peer.recv(0.3) is None
    with daemon.client() as client:
        assert client.request("health", {})["workers"] == 2
    # the structured log names each refused request's code, one JSON object per line
    events = [json.loads(line) for line in daemon.log_text().splitlines()
              if line.startswith("{")]
    assert sum(1 for e in events if e.get("event") == "refused") >= 200


def test_a_waiting_client_gets_its_answer_across_a_daemon_crash(daemon_factory, tmp_path):
    """Lazy Pirate + journal: the client just keeps resending; the next daemon re-runs it."""
    import threading

    from bridge.client import BridgeClient

    journal = tmp_path / "journal.sqlite3"
    first = daemon_factory("--journal", str(journal), workers=1)
    outcome: dict = {}

    def wait_for_answer() -> None:
        with BridgeClient(first.endpoint, autostart=False, retry_interval=0.3) as client:
            outcome["reply"] = client.call("debug_sleep", {"seconds": 1.5},
                                           request_id="survivor", timeout=45)

    thread = threading.Thread(target=wait_for_answer)
    thread.start()
    try:
        old = wait_for(lambda: (s := first.status())["running"] == 1 and s, 10, "running")
        first.kill(signal.SIGKILL)
        daemon_factory("--journal", str(journal), endpoint=first.endpoint, workers=1)
    finally:
        thread.join(timeout=60)
    assert not thread.is_alive()
    reply = outcome["reply"]
    assert reply["ok"] and reply["result"]["slept"] == 1.5
    assert reply["result"]["pid"] != old["workers"]["list"][0]["pid"]


def test_the_client_restarts_a_dead_daemon_and_still_gets_its_answer(daemon_factory, tmp_path):
    import threading

    from bridge.client import BridgeClient
    from bridge.daemon import read_pid

    journal = tmp_path / "journal.sqlite3"
    serve_args = ("--journal", str(journal), "--workers", "1", "--warm", "none",
                  "--enable-test-methods")
    first = daemon_factory("--journal", str(journal), workers=1)
    outcome: dict = {}
    notes: list[str] = []

    def wait_for_answer() -> None:
        with BridgeClient(first.endpoint, retry_interval=0.3, serve_args=serve_args,
                          announce=notes.append) as client:
            outcome["reply"] = client.call("debug_sleep", {"seconds": 1.0},
                                           request_id="phoenix", timeout=45)

    thread = threading.Thread(target=wait_for_answer)
    thread.start()
    restarted = None
    try:
        wait_for(lambda: first.status()["running"] == 1, 10, "running")
        first.kill(signal.SIGKILL)
        thread.join(timeout=60)
        restarted = read_pid(first.endpoint)
    finally:
        thread.join(timeout=5)
        pid = restarted or read_pid(first.endpoint)
        if pid is not None and pid_alive(pid):
            os.kill(pid, signal.SIGTERM)
            wait_for(lambda: not pid_alive(pid), 10, "the restarted daemon to stop")
    assert outcome["reply"]["ok"] and outcome["reply"]["result"]["slept"] == 1.0
    assert any("started one" in note for note in notes)
    assert restarted is not None and restarted != first.proc.pid
