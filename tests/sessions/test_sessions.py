"""SessionStore: turns, undo/redo as a tree, persistence across processes, WAL readers, migration."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from iea_core.errors import SessionError
from iea_core.program import Program
from iea_core.sessions import SCHEMA_VERSION, SessionStore, agent_history, default_db_path


def test_turns_undo_redo_and_branches(tmp_path):
    with SessionStore(tmp_path / "s.db") as store:
        sid = store.create_session(tmp_path / "photo.jpg")
        assert store.current_program(sid).is_identity
        with pytest.raises(SessionError, match="nothing to undo"):
            store.undo(sid)
        store.add_turn(sid, "warmer", Program({"temperature": 20}), "warmer light")
        store.add_turn(sid, "a bit brighter", Program({"temperature": 20, "exposure": 15}))
        assert store.current_program(sid).to_dict() == {"exposure": 15, "temperature": 20}

        assert store.undo(sid).user_text == "warmer"
        assert store.current_program(sid).to_dict() == {"temperature": 20}
        assert store.can_redo(sid)
        assert store.redo(sid).program.to_dict() == {"exposure": 15, "temperature": 20}
        with pytest.raises(SessionError, match="nothing to redo"):
            store.redo(sid)

        # undo, then a new instruction: a new branch; the old turn stays in the full history
        store.undo(sid)
        store.add_turn(sid, "cooler instead", Program({"temperature": -10}))
        assert [t.user_text for t in store.history(sid)] == ["warmer", "cooler instead"]
        assert len(store.all_turns(sid)) == 3
        assert not store.can_redo(sid)
        store.undo(sid)
        # redo goes to the most recent branch
        assert store.redo(sid).user_text == "cooler instead"
        store.undo(sid)
        store.undo(sid)
        assert store.current_turn(sid) is None and not store.can_undo(sid)

        history = agent_history(store.history(store.create_session("x.jpg")))
        assert history == []


def test_agent_history_pairs_user_and_agent_turns(tmp_path):
    with SessionStore(tmp_path / "s.db") as store:
        sid = store.create_session("a.jpg")
        store.add_turn(sid, "warmer", Program({"temperature": 20}), "warmer light")
        turns = agent_history(store.history(sid))
        assert [(t.role, t.text) for t in turns] == [("user", "warmer"), ("agent", "warmer light")]
        assert turns[1].program.to_dict() == {"temperature": 20}


def test_default_path_is_in_the_user_data_dir(isolated_iea_home):
    with SessionStore() as store:
        store.create_session("p.jpg")
    assert default_db_path().parent == isolated_iea_home / "data"
    assert default_db_path().exists()


_WRITER = textwrap.dedent("""
    import sys
    from iea_core.program import Program
    from iea_core.sessions import SessionStore
    with SessionStore(sys.argv[1]) as store:
        sid = store.create_session("restart.jpg")
        store.add_turn(sid, "warmer", Program({"temperature": 25}), "warmer")
        store.add_turn(sid, "less harsh", Program({"temperature": 25, "contrast": -15}))
        store.undo(sid)
        print(sid)
""")


def test_session_survives_process_restart(tmp_path):
    path = tmp_path / "restart.db"
    out = subprocess.run([sys.executable, "-c", _WRITER, str(path)], capture_output=True,
                         text=True, timeout=60, check=True)
    sid = int(out.stdout.strip())
    with SessionStore(path) as store:
        assert store.session(sid).image.endswith("restart.jpg")
        assert store.current_program(sid).to_dict() == {"temperature": 25}
        assert store.redo(sid).program.to_dict() == {"contrast": -15, "temperature": 25}
        assert [t.user_text for t in store.history(sid)] == ["warmer", "less harsh"]


_BUSY_WRITER = textwrap.dedent("""
    import sys, time
    from iea_core.program import Program
    from iea_core.sessions import SessionStore
    with SessionStore(sys.argv[1]) as store:
        sid = int(sys.argv[2])
        for i in range(int(sys.argv[3])):
            store.add_turn(sid, f"turn {i}", Program({"exposure": i % 100 + 1}), "r" * 200)
            time.sleep(0.002)  # spread the writes so the reader surely overlaps with them
""")


def test_concurrent_reader_while_a_writer_writes(tmp_path):
    path = tmp_path / "busy.db"
    with SessionStore(path) as store:
        sid = store.create_session("busy.jpg")
    total = 300
    writer = subprocess.Popen([sys.executable, "-c", _BUSY_WRITER, str(path), str(sid),
                               str(total)])
    seen = []
    try:
        with SessionStore(path) as reader:
            assert reader.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with reader.snapshot():
                    turns = reader.all_turns(sid)
                    history = reader.history(sid)
                    current = reader.current_turn(sid)
                # one consistent state: the chain is complete and ends at the newest turn
                assert len(history) == len(turns)
                if turns:
                    assert current.id == turns[-1].id
                seen.append(len(turns))
                if writer.poll() is not None and len(turns) == total:
                    break
    finally:
        writer.wait(timeout=60)
    assert writer.returncode == 0
    assert seen == sorted(seen), "a reader went back in time"
    assert seen[-1] == total
    assert len(set(seen)) > 2, "the reader never overlapped with the writer"


def test_migrates_a_version_1_database_forward(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    from iea_core.sessions import MIGRATIONS

    MIGRATIONS[0](db)
    db.execute("PRAGMA user_version = 1")
    db.execute("INSERT INTO sessions (image, created) VALUES ('old.jpg', 1.0)")
    db.execute("INSERT INTO turns (session_id, parent_id, user_text, program, reasoning, created)"
               " VALUES (1, NULL, 'warmer', '{\"temperature\": 20}', '', 1.0)")
    db.execute("UPDATE sessions SET current_turn = 1")
    db.commit()
    db.close()
    with SessionStore(path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.current_program(1).to_dict() == {"temperature": 20}
        assert store.current_turn(1).backend == ""
        from iea_core.styles import StyleLibrary

        with StyleLibrary(store=store) as styles:
            assert styles.list() == []


def test_refuses_newer_schema_and_garbage(tmp_path):
    newer = tmp_path / "newer.db"
    db = sqlite3.connect(newer)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    db.commit()
    db.close()
    with pytest.raises(SessionError, match="newer iea"):
        SessionStore(newer)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(SessionError, match="not a usable iea database"):
        SessionStore(garbage)
