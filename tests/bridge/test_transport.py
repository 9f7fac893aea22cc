"""The daemon over real sockets: concurrency, schema-valid replies, idempotency, backpressure."""
from __future__ import annotations

import json
import threading
import time

import pytest
from bridge_helpers import request, schema_validator, wait_for


def test_health_status_and_replies_follow_the_schema(daemon):
    with daemon.client() as client:
        reply = client.call("health", {})
        schema_validator("reply").validate(reply)
        assert reply["ok"] and reply["result"]["workers"] == 2
        assert {"version", "workers", "backend"} <= set(reply["result"])
        echo = client.call("debug_echo", {"x": [1, 2, 3]})
        schema_validator("reply_ok").validate(echo)
        assert echo["result"]["echo"] == {"x": [1, 2, 3]}
        assert echo["result"]["pid"] != reply["result"]["pid"]  # ran in a worker process
        status = client.request("status", {})
    assert status["queue"] == 0 and status["workers"]["alive"] == 2
    assert status["latency"]["debug_echo"]["count"] == 1
    for key in ("p50_ms", "p95_ms", "p99_ms"):
        assert status["latency"]["health"][key] >= 0
    assert status["uptime_s"] > 0
    records = [json.loads(line) for line in daemon.log_text().splitlines() if line.startswith("{")]
    answered = [r for r in records if r["event"] == "answered" and r.get("id") == echo["id"]]
    assert answered and answered[0]["method"] == "debug_echo" and answered[0]["ok"] is True
    ran = [r for r in records if r["event"] == "ran" and r.get("id") == echo["id"]]
    assert ran and ran[0]["component"] == "worker"  # the worker logs the same request id


def test_concurrent_clients_each_get_their_own_replies(daemon):
    results: dict[str, dict] = {}
    failures: list[str] = []

    def client_thread(index: int) -> None:
        try:
            with daemon.client() as client:
                for j in range(8):
                    rid = f"c{index}-{j}"
                    method = "health" if j % 4 == 0 else "debug_echo"
                    reply = client.call(method, {"n": index * 100 + j} if j % 4 else {},
                                        request_id=rid)
                    if reply["id"] != rid or not reply["ok"]:
                        failures.append(f"{rid}: {reply}")
                    results[rid] = reply
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(repr(exc))

    threads = [threading.Thread(target=client_thread, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert not failures, failures[:5]
    assert len(results) == 16 * 8
    for rid, reply in results.items():
        index, j = map(int, rid[1:].split("-"))
        if j % 4:
            assert reply["result"]["echo"] == {"n": index * 100 + j}


def test_resend_gets_the_stored_reply_without_running_again(daemon):
    with daemon.client() as client:
        first = client.call("debug_echo", {"k": 1}, request_id="same-id")
        second = client.call("debug_echo", {"k": 1}, request_id="same-id")
        assert first == second
        assert client.request("status", {})["latency"]["debug_echo"]["count"] == 1
        clash = client.call("debug_echo", {"k": 2}, request_id="same-id")
        assert not clash["ok"] and clash["error"]["code"] == "bad_request"
        assert "already used" in clash["error"]["message"]


def test_resend_while_running_joins_the_running_request(daemon, raw_peer):
    first, second = raw_peer(daemon.endpoint), raw_peer(daemon.endpoint)
    message = request("debug_sleep", {"seconds": 0.6}, "join-me")
    first.send_json(message)
    time.sleep(0.2)
    second.send_json(message)  # a Lazy Pirate resend from a fresh socket
    a = first.recv_reply("join-me")
    b = second.recv_reply("join-me")
    assert a == b and a["ok"]
    with daemon.client() as client:
        assert client.request("status", {})["latency"]["debug_sleep"]["count"] == 1


def test_slow_requests_never_block_health_or_fast_methods(daemon, raw_peer):
    peer = raw_peer(daemon.endpoint)
    for n in range(3):  # more slow work than workers
        peer.send_json(request("debug_sleep", {"seconds": 6}, f"slow{n}"))
    with daemon.client() as client:
        wait_for(lambda: client.request("status", {})["running"] >= 1, 5, "a slow request")
        started = time.monotonic()
        assert client.request("health", {})["workers"] == 2
        assert client.request("debug_echo", {"fast": True})["echo"] == {"fast": True}
        elapsed = time.monotonic() - started
        status = client.request("status", {})
    assert elapsed < 3.0, elapsed          # one worker is kept free of slow methods
    assert status["running"] == 1 and status["queue"] == 2
    with daemon.client() as client:
        for n in range(3):
            client.request("cancel", {"target": f"slow{n}"})


def test_full_queue_answers_busy_at_once(daemon_factory, raw_peer):
    daemon = daemon_factory("--queue-size", "2", workers=1)
    peer = raw_peer(daemon.endpoint)
    for n in range(3):  # one runs, two wait
        peer.send_json(request("debug_sleep", {"seconds": 5}, f"fill{n}"))
    with daemon.client() as client:
        wait_for(lambda: client.request("status", {})["queue"] == 2, 5, "a full queue")
        started = time.monotonic()
        reply = client.call("debug_echo", {}, request_id="overflow")
        assert time.monotonic() - started < 2.0  # at once, not after the 5 s of work ahead
        assert reply["error"]["code"] == "busy"
        assert client.request("health", {})["workers"] == 1  # inline methods still answer
        for n in range(3):
            assert client.request("cancel", {"target": f"fill{n}"})["cancelled"]


def test_deadline_expires_while_queued_and_while_running(daemon_factory):
    daemon = daemon_factory("--queue-size", "4", workers=1)
    with daemon.client() as client:
        started = time.monotonic()
        reply = client.call("debug_sleep", {"seconds": 10}, deadline_ms=400, timeout=10)
        assert reply["error"]["code"] == "deadline_expired"
        assert "running" in reply["error"]["message"]
        assert time.monotonic() - started < 3
        # the worker got a cancel and is free again
        assert client.request("debug_echo", {"after": 1}, timeout=5)["echo"] == {"after": 1}


def test_deadline_expires_in_the_queue(daemon_factory, raw_peer):
    daemon = daemon_factory(workers=1)
    peer = raw_peer(daemon.endpoint)
    peer.send_json(request("debug_sleep", {"seconds": 3}, "hog"))
    with daemon.client() as client:
        wait_for(lambda: client.request("status", {})["running"] == 1, 5, "the hog to run")
        reply = client.call("debug_echo", {}, deadline_ms=300, timeout=5)
        assert reply["error"]["code"] == "deadline_expired"
        assert "queued" in reply["error"]["message"]
        client.request("cancel", {"target": "hog"})
    assert peer.recv_reply("hog")["error"]["code"] == "cancelled"


def test_cancel_and_progress_events(daemon, raw_peer):
    peer = raw_peer(daemon.endpoint)
    peer.send_json(request("debug_sleep", {"seconds": 20, "steps": 40}, "long"))
    first = peer.recv(10)
    assert first is not None and first["event"] == "progress" and first["total"] == 40
    schema_validator("progress").validate(first)
    with daemon.client() as client:
        assert client.request("cancel", {"target": "long"}) == {"cancelled": True,
                                                                 "state": "running"}
        assert client.request("cancel", {"target": "long"})["cancelled"] is False
        assert client.request("cancel", {"target": "never-sent"})["state"] == "unknown"
    reply = peer.recv_reply("long")
    assert reply["error"]["code"] == "cancelled"


def test_client_progress_callback(daemon):
    events = []
    with daemon.client() as client:
        result = client.request("debug_sleep", {"seconds": 0.3, "steps": 3},
                                on_progress=events.append)
    assert result["slept"] == 0.3
    assert [e["done"] for e in events] == [1, 2, 3]


def test_client_timeout(daemon):
    from iea_core.errors import BridgeTimeout

    with daemon.client() as client:
        # by default the daemon's deadline ends just before the client's patience
        reply = client.call("debug_sleep", {"seconds": 3}, timeout=1.0)
        assert reply["error"]["code"] == "deadline_expired"
        with pytest.raises(BridgeTimeout):
            client.call("debug_sleep", {"seconds": 3}, timeout=0.5, deadline_ms=10_000)
