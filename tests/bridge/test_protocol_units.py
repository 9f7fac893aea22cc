"""In-process units: envelope validation, the journal, percentiles, path resolution."""
from __future__ import annotations

import json
import time

import pytest

from bridge import protocol
from bridge.client import resolve_paths
from bridge.journal import Journal
from bridge.stats import Stats, percentile

METHODS = protocol.schema_methods()


def decode(message) -> protocol.Request:
    payload = message if isinstance(message, bytes) else json.dumps(message).encode()
    return protocol.decode_request(payload, max_bytes=1 << 20, methods=METHODS)


def test_a_valid_request_decodes_with_defaults():
    request = decode({"v": 1, "id": "a", "method": "edit",
                      "params": {"image": "/p.jpg", "instruction": "warmer"}})
    assert request.method == "edit" and request.deadline_ms == protocol.DEFAULT_DEADLINE_MS
    assert request.fingerprint == decode({"v": 1, "id": "b", "method": "edit", "params": {
        "instruction": "warmer", "image": "/p.jpg"}}).fingerprint  # key order does not matter


def test_unknown_fields_are_ignored_for_forward_compatibility():
    request = decode({"v": 1, "id": "a", "method": "health", "params": {"new": 1}, "extra": 2})
    assert request.method == "health"


@pytest.mark.parametrize("message, code, words", [
    ({"v": 1, "id": "a", "method": "refine", "params": {"image": "/p", "program": {},
                                                        "feedback": ""}},
     "bad_request", "feedback"),
    ({"v": 1, "id": "a", "method": "render_preview",
      "params": {"image": "/p", "program": {}, "quality": 0}}, "bad_request", "quality"),
    ({"v": 1, "id": "a", "method": "edit", "params": {"image": "/p", "instruction": "x",
                                                      "history": [{"role": "robot",
                                                                   "text": "hi"}]}},
     "bad_request", "role"),
    ({"v": 1, "id": "a", "method": "cancel", "params": {}}, "bad_request", "target"),
    ({"v": 3, "id": "a", "method": "health"}, "unsupported_version", "version 3"),
])
def test_errors_carry_a_code_and_name_the_field(message, code, words):
    with pytest.raises(protocol.RequestRejected) as info:
        decode(message)
    assert info.value.code == code and words in info.value.message
    assert info.value.request_id == "a"


def test_test_methods_exist_only_when_enabled():
    served = {k: v for k, v in METHODS.items() if not v["test_only"]}
    with pytest.raises(protocol.RequestRejected) as info:
        protocol.decode_request(b'{"v":1,"id":"a","method":"debug_crash"}', max_bytes=1 << 20,
                                methods=served)
    assert info.value.code == "unknown_method"


def test_every_error_code_is_documented():
    doc = (protocol.SCHEMA_PATH.parents[2] / "docs" / "protocol.md").read_text()
    for code in protocol.PROTOCOL_ERROR_CODES:
        assert f"`{code}`" in doc, code


def test_encode_refuses_nan_and_converts_numpy():
    import numpy as np

    assert json.loads(protocol.encode({"a": np.int64(3), "b": np.float32(0.5)})) == \
        {"a": 3, "b": 0.5}
    with pytest.raises(ValueError):
        protocol.encode({"a": float("nan")})


def test_journal_lifecycle_and_pruning(tmp_path):
    journal = Journal(tmp_path / "j.sqlite3")
    journal.accept("r1", "edit", "fp", "{}", time.time() + 30)
    journal.mark_running("r1")
    assert [(r.id, r.state, r.attempts) for r in journal.unanswered()] == [("r1", "running", 1)]
    journal.answer("r1", '{"ok": true}')
    assert journal.unanswered() == [] and journal.lookup("r1").reply == '{"ok": true}'
    for i in range(5):
        journal.accept(f"big{i}", "render_preview", "fp", "{}", time.time() + 30)
        journal.answer(f"big{i}", "x" * 70_000)
    assert journal.prune(keep_large=2) == 3
    assert journal.lookup("big4") is not None and journal.lookup("big0") is None
    journal.close()
    reopened = Journal(tmp_path / "j.sqlite3")
    assert reopened.lookup("r1").state == "done"
    reopened.close()


def test_percentiles_and_stats():
    values = sorted(float(v) for v in range(1, 101))
    assert percentile(values, 50) == 50 and percentile(values, 99) == 99
    assert percentile([], 50) == 0.0
    stats = Stats()
    stats.record("health", 0.001)
    stats.record("edit", 2.0, "worker_crashed")
    snap = stats.snapshot()
    assert snap["latency"]["health"]["p50_ms"] == pytest.approx(1.0)
    assert snap["errors"] == {"worker_crashed": 1}


def test_relative_paths_become_absolute(tmp_path):
    params = resolve_paths({"image": "a.jpg", "out": "/abs/o.jpg", "images": ["b.jpg", "/c"],
                            "instruction": "warmer"}, cwd=tmp_path)
    assert params == {"image": str(tmp_path / "a.jpg"), "out": "/abs/o.jpg",
                      "images": [str(tmp_path / "b.jpg"), "/c"], "instruction": "warmer"}


def test_a_remote_darktable_style_is_written_on_the_daemon_side():
    from bridge.daemon import Daemon
    from iea_core.config import user_data_dir

    reply = {"v": 1, "id": "x", "ok": True, "result": {"host_settings": {
        "dtstyle_xml": "<darktable_style/>", "style_name": "iea abc",
        "file_name": "../../evil.dtstyle"}}}
    payload = Daemon._materialize(None, reply, protocol.encode(reply))  # type: ignore[arg-type]
    settings = json.loads(payload)["result"]["host_settings"]
    path = settings["dtstyle"]
    assert path == str(user_data_dir() / "dtstyles" / "evil.dtstyle")  # no path escape
    assert open(path).read() == "<darktable_style/>" and "dtstyle_xml" not in settings


from hypothesis import given, settings, strategies as st  # noqa: E402

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_are_either_a_request_or_a_coded_refusal(payload):
    try:
        decode(payload)
    except protocol.RequestRejected as exc:
        assert exc.code in protocol.PROTOCOL_ERROR_CODES and exc.message


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(METHODS)), _json, _json)
def test_any_params_are_either_valid_or_a_coded_refusal(method, params, deadline):
    message = {"v": 1, "id": "fuzz", "method": method, "params": params, "deadline_ms": deadline}
    try:
        request = decode(message)
    except protocol.RequestRejected as exc:
        assert exc.code == "bad_request" and exc.request_id == "fuzz"
    else:
        assert isinstance(request.params, dict) and 1 <= request.deadline_ms <= 86_400_000


def test_a_damaged_journal_is_set_aside_not_fatal(tmp_path):
    path = tmp_path / "journal.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    journal = Journal(path)
    assert journal.set_aside is not None and journal.set_aside.read_bytes().startswith(b"this")
    journal.accept("r", "edit", "fp", "{}", time.time() + 5)
    assert journal.count_unanswered() == 1
    journal.close()
