"""Editing sessions and the style library, persisted in one SQLite file.

One file, ``<user data dir>/iea.sqlite3``, holds:

* ``sessions``: one per photo being edited (the image path, when it started, which turn is
  current);
* ``turns``: every instruction or feedback the photographer typed, with the full program that
  followed it and the agent's reasoning. Turns form a tree (``parent_id``): **undo** moves the
  session's current turn to its parent, **redo** to its most recent child, and a new instruction
  after an undo starts a new branch instead of deleting the old one, so the full history is kept
  (for the photographer, and as training data);
* ``styles``: named looks (sentence + program) summarised from before/after pairs, see
  :mod:`iea_core.styles`.

The database runs in WAL mode so that readers (the bridge answering a plugin, ``iea style list``)
never block on a writer and never see half a turn; every write is one short ``BEGIN IMMEDIATE``
transaction. The schema version lives in ``PRAGMA user_version`` and is migrated forward on open
(:data:`MIGRATIONS`); a file written by a newer iea is refused rather than damaged.
"""
from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from .errors import InvalidProgram, SessionError
from .program import Program

DB_NAME = "iea.sqlite3"


class SessionNotFound(SessionError):
    code = "session_not_found"


# --- schema -------------------------------------------------------------------------------------
def _run(db: sqlite3.Connection, script: str) -> None:
    """Run ``;``-separated DDL inside the caller's transaction (``executescript`` would commit
    first, so a failing migration could leave a half-migrated file)."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _v1(db: sqlite3.Connection) -> None:
    """Sessions and their turns (iea 0.1 before styles existed)."""
    _run(db, """
        CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            image TEXT NOT NULL,
            created REAL NOT NULL,
            current_turn INTEGER REFERENCES turns(id) ON DELETE SET NULL
        );
        CREATE TABLE turns (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            parent_id INTEGER REFERENCES turns(id) ON DELETE CASCADE,
            user_text TEXT NOT NULL,
            program TEXT NOT NULL,
            reasoning TEXT NOT NULL DEFAULT '',
            created REAL NOT NULL
        );
        CREATE INDEX turns_by_session ON turns(session_id, id);
        CREATE INDEX sessions_by_image ON sessions(image, id);
    """)


def _v2(db: sqlite3.Connection) -> None:
    """The style library; each turn records which backend answered."""
    _run(db, """
        CREATE TABLE styles (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            sentence TEXT NOT NULL,
            program TEXT NOT NULL,
            created REAL NOT NULL,
            source_before TEXT,
            source_after TEXT,
            distance REAL,
            reference_median REAL
        );
        ALTER TABLE turns ADD COLUMN backend TEXT NOT NULL DEFAULT '';
    """)


def _v3(db: sqlite3.Connection) -> None:
    """What applying a style means (iea_core.styles.CHANGE / TARGET): every style saved before
    was a change (summarize, edit, preset); learned and copied looks are saved as targets."""
    _run(db, "ALTER TABLE styles ADD COLUMN kind TEXT NOT NULL DEFAULT 'change'")


def _v4(db: sqlite3.Connection) -> None:
    """What a chat has already written to a host's sidecar (``iea chat --xmp``), so that a
    resumed chat writes only what changed since instead of the whole session again."""
    _run(db, """
        ALTER TABLE sessions ADD COLUMN written_host TEXT;
        ALTER TABLE sessions ADD COLUMN written_program TEXT
    """)


#: Migration i (0-based) takes a database from version i to version i + 1. Append only.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_v1, _v2, _v3, _v4)
SCHEMA_VERSION = len(MIGRATIONS)


def default_db_path() -> Path:
    from .config import user_data_dir

    return user_data_dir() / DB_NAME


def connect(path: str | os.PathLike[str] | None = None, *, timeout: float = 10.0
            ) -> sqlite3.Connection:
    """Open (creating or migrating) the iea database at ``path`` (default: the user data dir)."""
    path = Path(path) if path is not None else default_db_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    except (sqlite3.Error, OSError) as exc:
        raise SessionError(f"cannot open session database {path}: {exc}") from None
    try:
        db.row_factory = sqlite3.Row
        db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        db.execute("PRAGMA foreign_keys = ON")
        if db.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
            # network filesystems refuse WAL; rollback journaling still works, just with
            # readers briefly blocked by writers
            pass
        db.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: durable at checkpoints, fast
        _migrate(db, path)
    except sqlite3.DatabaseError as exc:
        db.close()
        raise database_error(exc, path, "open") from None
    except BaseException:
        db.close()
        raise
    return db


#: sqlite result codes that mean the file is damaged or not a database at all; anything else
#: (full disk, read-only folder, I/O error, busy) says nothing about the database itself
_DAMAGED = frozenset({"SQLITE_CORRUPT", "SQLITE_NOTADB"})


def _disk_full(path: Path) -> bool:
    try:
        info = os.statvfs(Path(path).parent)
    except (OSError, AttributeError):
        return False
    return info.f_bavail * info.f_frsize < 64 * 1024


def database_error(exc: sqlite3.Error, path: Path, doing: str = "update") -> SessionError:
    """One line for a database failure that never calls a healthy database unusable."""
    import errno

    from .errors import describe_os_error

    name = (getattr(exc, "sqlite_errorname", None) or "").split("_", 2)
    base = "_".join(name[:2]) if len(name) >= 2 else ""
    if base in _DAMAGED:
        return SessionError(f"{path} is not a usable iea database ({exc}); move it away and iea "
                            "starts a new one")
    os_errno = {"SQLITE_FULL": errno.ENOSPC, "SQLITE_READONLY": errno.EROFS,
                "SQLITE_CANTOPEN": errno.EACCES, "SQLITE_PERM": errno.EACCES}.get(base)
    if base in ("SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_FULL") and _disk_full(path):
        os_errno = errno.ENOSPC   # sqlite reports a full disk as an I/O error in some steps
    if os_errno is not None:
        return SessionError(describe_os_error(OSError(os_errno, str(exc)), path, action=doing)
                            + " (the database itself is fine)")
    if base == "SQLITE_IOERR":
        return SessionError(f"cannot {doing} {path}: a disk error ({exc}); check that the disk "
                            "has free space and is still connected (the database is not "
                            "damaged by this)")
    return SessionError(f"cannot {doing} {path}: {exc}")


def _migrate(db: sqlite3.Connection, path: Path) -> None:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise SessionError(f"{path} was written by a newer iea (schema {version}, this iea "
                           f"knows up to {SCHEMA_VERSION}); upgrade iea")
    if version == SCHEMA_VERSION:
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        # re-read inside the write lock: another process may have migrated meanwhile
        version = db.execute("PRAGMA user_version").fetchone()[0]
        for step in range(version, SCHEMA_VERSION):
            MIGRATIONS[step](db)
            db.execute(f"PRAGMA user_version = {step + 1}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


# --- records ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TurnRecord:
    """One stored turn: the text typed and the full program current after it."""

    id: int
    session_id: int
    parent_id: int | None
    user_text: str
    program: Program
    reasoning: str
    created: float
    backend: str = ""


@dataclass(frozen=True)
class SessionRecord:
    id: int
    image: str
    created: float
    current_turn: int | None


def db_text(text: str) -> str:
    """``text`` as SQLite can store it: a file name or typed text that is not UTF-8 (Python holds
    its bytes as surrogates) is written with those bytes as ``\\xff`` escapes, the same way every
    time, so a session of such a photo is found again (SQLite refuses surrogates outright)."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _program_json(program: Program) -> str:
    text = json.dumps(program.to_json_dict(), ensure_ascii=False, separators=(",", ":"))
    if db_text(text) != text:   # reasoning quoting a non-UTF-8 file name: \udcff escapes
        text = json.dumps(program.to_json_dict(), separators=(",", ":"))
    return text


def _load_program(text: str, where: str) -> Program:
    try:
        return Program.from_json(text, clamp=True, source=where)
    except InvalidProgram as exc:
        raise SessionError(f"damaged record in the session database: {exc}") from None


def _turn(row: sqlite3.Row) -> TurnRecord:
    return TurnRecord(row["id"], row["session_id"], row["parent_id"], row["user_text"],
                      _load_program(row["program"], f"turn {row['id']}"), row["reasoning"],
                      row["created"], row["backend"])


class SessionStore:
    """Sessions, turns and undo/redo over the iea database.

    >>> store = SessionStore(":memory:")   # doctest: +SKIP
    >>> sid = store.create_session("photo.jpg")
    >>> store.add_turn(sid, "warmer", Program({"temperature": 20}))

    Use as a context manager (or call :meth:`close`) to release the file.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, timeout: float = 10.0
                 ) -> None:
        self.path = Path(path) if path is not None else default_db_path()
        self.db = connect(self.path, timeout=timeout)

    # resource handling
    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "SessionStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """Reads inside the block see one consistent state of the file, even while another
        process writes (a WAL read transaction). Re-entrant."""
        if self.db.in_transaction:
            yield self.db
            return
        self.db.execute("BEGIN")
        try:
            yield self.db
        finally:
            self.db.execute("COMMIT")

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken immediately so concurrent writers queue, never deadlock."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if (getattr(exc, "sqlite_errorname", "") or "").startswith("SQLITE_BUSY"):
                raise SessionError(f"session database {self.path} is busy: {exc}") from None
            raise database_error(exc, self.path, "save to") from None
        try:
            yield self.db
        except BaseException as exc:
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise database_error(exc, self.path, "save to") from None
            raise
        else:
            try:
                self.db.execute("COMMIT")
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):
                    self.db.execute("ROLLBACK")
                raise database_error(exc, self.path, "save to") from None

    # sessions
    def create_session(self, image: str | os.PathLike[str]) -> int:
        image_text = db_text(str(Path(image).resolve())) if str(image) else ""
        with self.write() as db:
            cursor = db.execute("INSERT INTO sessions (image, created) VALUES (?, ?)",
                                (image_text, time.time()))
            return int(cursor.lastrowid)

    def session(self, session_id: int) -> SessionRecord:
        row = self.db.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise SessionNotFound(f"no session {session_id}")
        return SessionRecord(row["id"], row["image"], row["created"], row["current_turn"])

    def sessions(self, image: str | os.PathLike[str] | None = None) -> list[SessionRecord]:
        """All sessions, newest first (only those of ``image`` when given)."""
        if image is None:
            rows = self.db.execute("SELECT * FROM sessions ORDER BY id DESC").fetchall()
        else:
            rows = self.db.execute("SELECT * FROM sessions WHERE image = ? ORDER BY id DESC",
                                   (db_text(str(Path(image).resolve())),)).fetchall()
        return [SessionRecord(r["id"], r["image"], r["created"], r["current_turn"]) for r in rows]

    def latest_session(self, image: str | os.PathLike[str]) -> int | None:
        found = self.sessions(image)
        return found[0].id if found else None

    def delete_session(self, session_id: int) -> None:
        with self.write() as db:
            db.execute("UPDATE sessions SET current_turn = NULL WHERE id = ?", (session_id,))
            db.execute("DELETE FROM turns WHERE session_id = ?", (session_id,))
            db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    # turns
    def add_turn(self, session_id: int, user_text: str, program: Program, reasoning: str = "",
                 *, backend: str = "") -> TurnRecord:
        """Record a turn after the current one and make it current (a new branch after undo)."""
        if not isinstance(program, Program):
            raise SessionError(f"expected a Program, got {type(program).__name__}")
        with self.write() as db:
            row = db.execute("SELECT current_turn FROM sessions WHERE id = ?",
                             (session_id,)).fetchone()
            if row is None:
                raise SessionNotFound(f"no session {session_id}")
            cursor = db.execute(
                "INSERT INTO turns (session_id, parent_id, user_text, program, reasoning, "
                "created, backend) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (session_id, row["current_turn"], db_text(str(user_text)),
                 _program_json(program), db_text(str(reasoning or "")), time.time(), backend))
            turn_id = int(cursor.lastrowid)
            db.execute("UPDATE sessions SET current_turn = ? WHERE id = ?", (turn_id, session_id))
        return self.turn(turn_id)

    def turn(self, turn_id: int) -> TurnRecord:
        row = self.db.execute("SELECT * FROM turns WHERE id = ?", (turn_id,)).fetchone()
        if row is None:
            raise SessionNotFound(f"no turn {turn_id}")
        return _turn(row)

    def current_turn(self, session_id: int) -> TurnRecord | None:
        with self.snapshot():
            current = self.session(session_id).current_turn
            return None if current is None else self.turn(current)

    def current_program(self, session_id: int) -> Program:
        """The program in effect now (the identity before the first turn or after undoing it)."""
        turn = self.current_turn(session_id)
        return turn.program if turn is not None else Program()

    def written_program(self, session_id: int, host: str) -> Program:
        """The session's program as last written to ``host``'s sidecar (identity if never)."""
        row = self.db.execute("SELECT written_host, written_program FROM sessions WHERE id = ?",
                              (session_id,)).fetchone()
        if row is None:
            raise SessionNotFound(f"no session {session_id}")
        if row["written_host"] != host or not row["written_program"]:
            return Program()
        return _load_program(row["written_program"], f"session {session_id}")

    def set_written_program(self, session_id: int, host: str, program: Program) -> None:
        """Record that ``host``'s sidecar now holds ``program`` from this session."""
        with self.write() as db:
            db.execute("UPDATE sessions SET written_host = ?, written_program = ? WHERE id = ?",
                       (host, _program_json(program), session_id))

    def history(self, session_id: int) -> list[TurnRecord]:
        """The turns that led to the current state, oldest first (what an agent sees)."""
        with self.snapshot():
            turns = {t.id: t for t in self.all_turns(session_id)}
            current = self.session(session_id).current_turn
        chain: list[TurnRecord] = []
        while current is not None and current in turns:
            chain.append(turns[current])
            current = turns[current].parent_id
        return chain[::-1]

    def all_turns(self, session_id: int) -> list[TurnRecord]:
        """Every turn ever recorded in the session, undone branches included, oldest first."""
        rows = self.db.execute("SELECT * FROM turns WHERE session_id = ? ORDER BY id",
                               (session_id,)).fetchall()
        return [_turn(r) for r in rows]

    def undo(self, session_id: int) -> TurnRecord | None:
        """Step back one turn. Returns the new current turn (None = the unedited photo).
        Raises :class:`SessionError` when there is nothing to undo."""
        with self.write() as db:
            row = db.execute("SELECT current_turn FROM sessions WHERE id = ?",
                             (session_id,)).fetchone()
            if row is None:
                raise SessionNotFound(f"no session {session_id}")
            if row["current_turn"] is None:
                raise SessionError("nothing to undo")
            parent = db.execute("SELECT parent_id FROM turns WHERE id = ?",
                                (row["current_turn"],)).fetchone()["parent_id"]
            db.execute("UPDATE sessions SET current_turn = ? WHERE id = ?", (parent, session_id))
        return None if parent is None else self.turn(parent)

    def redo(self, session_id: int) -> TurnRecord:
        """Step forward to the most recent turn made from the current one."""
        with self.write() as db:
            row = db.execute("SELECT current_turn FROM sessions WHERE id = ?",
                             (session_id,)).fetchone()
            if row is None:
                raise SessionNotFound(f"no session {session_id}")
            current = row["current_turn"]
            child = db.execute(
                "SELECT id FROM turns WHERE session_id = ? AND parent_id IS ? "
                "ORDER BY id DESC LIMIT 1", (session_id, current)).fetchone()
            if child is None:
                raise SessionError("nothing to redo")
            db.execute("UPDATE sessions SET current_turn = ? WHERE id = ?",
                       (child["id"], session_id))
        return self.turn(child["id"])

    def can_undo(self, session_id: int) -> bool:
        return self.session(session_id).current_turn is not None

    def can_redo(self, session_id: int) -> bool:
        with self.snapshot():
            current = self.session(session_id).current_turn
            row = self.db.execute("SELECT 1 FROM turns WHERE session_id = ? AND parent_id IS ? "
                                  "LIMIT 1", (session_id, current)).fetchone()
        return row is not None


def agent_history(turns: Sequence[TurnRecord]) -> list[Any]:
    """Stored turns as the agent protocol's :class:`~iea_core.agent.base.Turn` list (each user
    turn followed by the agent's answer with its program)."""
    from .agent.base import Turn

    out: list[Any] = []
    for turn in turns:
        out.append(Turn("user", turn.user_text))
        out.append(Turn("agent", turn.reasoning, turn.program))
    return out


__all__ = ["SessionStore", "SessionRecord", "TurnRecord", "SessionNotFound", "connect",
           "default_db_path", "agent_history", "MIGRATIONS", "SCHEMA_VERSION", "DB_NAME"]
