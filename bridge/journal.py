"""The request journal: every accepted request is on disk until it is answered.

SQLite in WAL mode: one row per request id, written when the daemon accepts the request, updated
when a worker takes it and when it is answered. The stored reply makes resends idempotent (a
client that lost a reply asks again with the same id and gets the same bytes, nothing re-runs), and
rows still unanswered when the daemon starts are the work a crash or restart interrupted.

``synchronous=NORMAL`` with WAL survives a killed daemon process (the case that matters here); a
power cut may lose the last few commits, which then look like requests that were never sent.

The journal holds every request and reply (previews included), so it and its ``-wal``/``-shm``
files are private to the user (0600, in a 0700 folder).

``batch_items`` is the per-photo progress of ``batch_apply`` (see :class:`BatchLedger`), written by
the worker that runs the batch: a photo is recorded with the content hash of its new sidecar at
the moment just before the write becomes visible, so a batch re-run after kill -9 (of the daemon
or of the worker) skips every photo whose write happened and redoes only those whose write did
not. The rows of a batch are dropped when the daemon journals its successful reply.
"""
from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

SCHEMA_VERSION = 1

_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS requests (
    id          TEXT PRIMARY KEY,
    method      TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    request     TEXT NOT NULL,      -- the request envelope as received
    state       TEXT NOT NULL,      -- queued | running | done
    attempts    INTEGER NOT NULL DEFAULT 0,
    received    REAL NOT NULL,      -- wall clock, seconds
    deadline    REAL NOT NULL,      -- wall clock, seconds
    answered    REAL,
    reply       TEXT                -- the reply envelope, once answered
);
CREATE INDEX IF NOT EXISTS requests_state ON requests(state);
CREATE INDEX IF NOT EXISTS requests_answered ON requests(answered);
CREATE TABLE IF NOT EXISTS batch_items (
    fingerprint TEXT NOT NULL,      -- the batch request's fingerprint: same params, same batch
    idx         INTEGER NOT NULL,   -- position of the photo in params.images
    image       TEXT NOT NULL,
    state       TEXT NOT NULL,      -- writing (hash known, rename pending) | done
    sidecar     TEXT,
    sha256      TEXT,               -- content hash of the sidecar iea is making visible
    entry       TEXT,               -- the result entry (JSON) once done
    updated     REAL NOT NULL,
    PRIMARY KEY (fingerprint, idx)
);
"""

BATCH_METHOD = "batch_apply"


def _private(path: Path) -> None:
    """The journal and its WAL/SHM files: readable by the user alone."""
    for candidate in (path, Path(str(path) + "-wal"), Path(str(path) + "-shm")):
        try:
            os.chmod(candidate, 0o600)
        except FileNotFoundError:
            pass


def _create_private(path: Path) -> None:
    if not path.exists():
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    _private(path)


@dataclass(frozen=True)
class JournalRow:
    id: str
    method: str
    fingerprint: str
    request: str
    state: str
    attempts: int
    received: float
    deadline: float
    reply: str | None


class Journal:
    """One daemon's journal. Not thread-safe: only the daemon's main loop touches it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.set_aside: Path | None = None
        try:
            self._open()
        except sqlite3.DatabaseError:
            # A damaged journal must not keep the daemon (and so every plugin) down: keep the
            # file for inspection and start an empty one.
            self.set_aside = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
            self.path.replace(self.set_aside)
            for suffix in ("-wal", "-shm"):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
            self._open()

    def _open(self) -> None:
        _create_private(self.path)   # sqlite gives -wal/-shm the database file's mode
        self._db = sqlite3.connect(str(self.path), isolation_level=None, timeout=5.0)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_DDL)
        except sqlite3.DatabaseError:
            self._db.close()
            raise
        _private(self.path)
        row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        if row is None:
            self._db.execute("INSERT INTO meta VALUES ('schema_version', ?)",
                             (str(SCHEMA_VERSION),))
        elif int(row[0]) > SCHEMA_VERSION:
            raise RuntimeError(f"journal {self.path} was written by a newer iea "
                               f"(schema {row[0]} > {SCHEMA_VERSION}); move it away to start")

    def close(self) -> None:
        self._db.close()

    def accept(self, request_id: str, method: str, fingerprint: str, request: str,
               deadline: float) -> None:
        self._db.execute(
            "INSERT INTO requests (id, method, fingerprint, request, state, received, deadline) "
            "VALUES (?, ?, ?, ?, 'queued', ?, ?)",
            (request_id, method, fingerprint, request, time.time(), deadline))

    def mark_running(self, request_id: str) -> None:
        self._db.execute("UPDATE requests SET state='running', attempts=attempts+1 WHERE id=?",
                         (request_id,))

    def mark_queued(self, request_id: str) -> None:
        self._db.execute("UPDATE requests SET state='queued' WHERE id=? AND state!='done'",
                         (request_id,))

    def answer(self, request_id: str, reply: str, *, ok: bool = False) -> None:
        """Store the reply. A successful batch's per-photo progress goes in the same
        transaction: an identical batch sent later is new work, not a resumption."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute("UPDATE requests SET state='done', answered=?, reply=? WHERE id=?",
                             (time.time(), reply, request_id))
            if ok:
                self._db.execute(
                    "DELETE FROM batch_items WHERE fingerprint = (SELECT fingerprint FROM "
                    "requests WHERE id=? AND method=?)", (request_id, BATCH_METHOD))
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def lookup(self, request_id: str) -> JournalRow | None:
        row = self._db.execute(
            "SELECT id, method, fingerprint, request, state, attempts, received, deadline, reply "
            "FROM requests WHERE id=?", (request_id,)).fetchone()
        return JournalRow(*row) if row else None

    def unanswered(self) -> list[JournalRow]:
        rows = self._db.execute(
            "SELECT id, method, fingerprint, request, state, attempts, received, deadline, reply "
            "FROM requests WHERE state!='done' ORDER BY received").fetchall()
        return [JournalRow(*row) for row in rows]

    def count_unanswered(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM requests WHERE state!='done'")
                   .fetchone()[0])

    def prune(self, *, keep_seconds: float = 24 * 3600, keep_rows: int = 20_000,
              large_bytes: int = 64 * 1024, keep_large: int = 64) -> int:
        """Forget answered requests older than ``keep_seconds`` or beyond the newest
        ``keep_rows``; a client resending after that long gets its request run again.

        Large replies (inline JPEG previews) are kept only for the newest ``keep_large``: a
        resend comes seconds after a lost reply, and a day of previews would be gigabytes.
        """
        cutoff = time.time() - keep_seconds
        removed = self._db.execute("DELETE FROM requests WHERE state='done' AND answered < ?",
                                   (cutoff,)).rowcount
        removed += self._db.execute(
            "DELETE FROM requests WHERE state='done' AND id NOT IN "
            "(SELECT id FROM requests WHERE state='done' ORDER BY answered DESC LIMIT ?)",
            (keep_rows,)).rowcount
        removed += self._db.execute(
            "DELETE FROM requests WHERE state='done' AND length(reply) > ?1 AND id NOT IN "
            "(SELECT id FROM requests WHERE state='done' AND length(reply) > ?1 "
            "ORDER BY answered DESC LIMIT ?2)", (large_bytes, keep_large)).rowcount
        self._db.execute("DELETE FROM batch_items WHERE updated < ?", (cutoff,))
        return removed


class BatchLedger:
    """Per-photo progress of batches, in the daemon's journal file (its own connection: the
    worker running a batch writes here while the daemon's loop writes its rows)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        _create_private(self.path)
        self._db = sqlite3.connect(str(self.path), isolation_level=None, timeout=30.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_DDL)
        _private(self.path)

    def close(self) -> None:
        self._db.close()

    def lookup(self, fingerprint: str, index: int) -> tuple[str, str | None, str | None,
                                                            dict | None] | None:
        """(state, sidecar, sha256, entry) of one photo of a batch, or None if not started."""
        row = self._db.execute(
            "SELECT state, sidecar, sha256, entry FROM batch_items WHERE fingerprint=? AND idx=?",
            (fingerprint, index)).fetchone()
        if row is None:
            return None
        return row[0], row[1], row[2], json.loads(row[3]) if row[3] else None

    def writing(self, fingerprint: str, index: int, image: str, sidecar: str,
                sha256: str) -> None:
        """Called at the commit point: the new sidecar is on disk, about to replace the old."""
        self._db.execute(
            "INSERT INTO batch_items (fingerprint, idx, image, state, sidecar, sha256, updated) "
            "VALUES (?, ?, ?, 'writing', ?, ?, ?) ON CONFLICT (fingerprint, idx) DO UPDATE SET "
            "state='writing', sidecar=excluded.sidecar, sha256=excluded.sha256, "
            "updated=excluded.updated", (fingerprint, index, image, sidecar, sha256, time.time()))

    def done(self, fingerprint: str, index: int, image: str, entry: dict) -> None:
        self._db.execute(
            "INSERT INTO batch_items (fingerprint, idx, image, state, sidecar, sha256, entry, "
            "updated) VALUES (?, ?, ?, 'done', ?, NULL, ?, ?) ON CONFLICT (fingerprint, idx) DO "
            "UPDATE SET state='done', entry=excluded.entry, updated=excluded.updated",
            (fingerprint, index, image, entry.get("sidecar"), json.dumps(entry), time.time()))
