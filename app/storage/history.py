"""Request history in an SQLite database, redacted and capped.

One :class:`History` owns one connection (WAL mode). It may be used from a worker thread,
and from several: every call takes the object's lock. Calls block on disk I/O, so the
window runs them off the UI thread.

Before a row is stored, the credential headers (``Authorization``, ``Cookie``, API-key and
``*-Token`` headers...), and every occurrence of a value in ``secret_values`` in any form it
can be sent in (raw, percent-encoded, base64, JSON-escaped), are replaced by ``•••`` (in the
URL, the error text and anywhere in the request JSON); :func:`entry_for` also masks what the
request's auth sends. The masking is :class:`app.storage.redaction.Redactor`'s, in that one
place. Secrets never reach the file, so they are not in its free pages or its WAL either.

The database is capped by entry count and by stored bytes; the oldest rows are pruned on
:meth:`History.add`. The newest entry is always kept, even when it alone is over the byte
cap, so the request just sent is never missing from the list.

Exceptions::

    Exception
     └── HistoryError   the database cannot be opened, read or written (names the path)
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from app.storage.history_entry import HistoryEntry, Outcome, entry_for, redact
from app.storage.private import make_private, private_dir
from app.storage.redaction import REDACTED, SENSITIVE_HEADERS, Redactor

__all__ = [
    "REDACTED",
    "SENSITIVE_HEADERS",
    "History",
    "HistoryEntry",
    "HistoryError",
    "Outcome",
    "entry_for",
    "redact",
]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time REAL NOT NULL,
    method TEXT NOT NULL,
    url TEXT NOT NULL,
    status INTEGER,
    error TEXT,
    duration REAL NOT NULL,
    response_size INTEGER NOT NULL,
    request TEXT NOT NULL,
    size INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS history_time ON history (time, id);
"""


class HistoryError(Exception):
    """The history database cannot be used; the message names the file."""


class History:
    """The history database at ``path``, capped at ``max_entries`` rows and ``max_bytes``.

    ``max_bytes`` counts the stored text of each row (URL, error and request JSON).
    """

    def __init__(self, path: str | Path, *, max_entries: int = 5000,
                 max_bytes: int = 50 * 1024 * 1024) -> None:
        if max_entries < 1 or max_bytes < 1:
            raise ValueError("history caps must be positive")
        self.path = Path(path)
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        try:
            private_dir(self.path.parent)
            # Private (app.storage.private): it holds URLs, bodies and error texts. SQLite
            # gives its -wal, -shm and -journal files the database's mode; ones left by an
            # older version are tightened too.
            for side in ("", "-wal", "-shm", "-journal"):
                side_path = Path(f"{self.path}{side}")
                if not side or side_path.exists():
                    make_private(side_path)
            # Autocommit; transactions are explicit in _write.
            self._conn = sqlite3.connect(self.path, check_same_thread=False,
                                         isolation_level=None, timeout=10)
        except (OSError, sqlite3.Error) as error:
            raise self._error("cannot be opened", error) from error
        try:
            # Set before the first table exists, so pruning can hand pages back to the OS.
            self._conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.executescript(_SCHEMA)
            self._conn.execute("SELECT count(*) FROM history").fetchone()
        except sqlite3.Error as error:
            self._conn.close()
            raise self._error("cannot be read (is it corrupt?)", error) from error

    def _error(self, what: str, error: BaseException) -> HistoryError:
        return HistoryError(f"The history database {self.path} {what}: {error}")

    def close(self) -> None:
        """Close the connection; the object cannot be used afterwards."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def add(self, entry: HistoryEntry, secret_values: Iterable[str] = ()) -> int:
        """Store a redacted copy of ``entry``, prune the oldest rows, and return its id."""
        redactor = Redactor(secret_values)
        url = redactor.text(entry.url)
        error = None if entry.error is None else redactor.text(entry.error)
        request = json.dumps(redactor.value(entry.request), ensure_ascii=False,
                             separators=(",", ":"), sort_keys=True)
        size = sum(len(text.encode("utf-8")) for text in (url, error or "", request))
        with self._lock, self._writing():
            cursor = self._conn.execute(
                "INSERT INTO history (time, method, url, status, error, duration,"
                " response_size, request, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (entry.time, entry.method.upper(), url, entry.status, error,
                 entry.duration, entry.response_size, request, size))
            new_id = cursor.lastrowid
            assert new_id is not None
            self._prune(new_id)
        return new_id

    def set_limits(self, max_entries: int, max_bytes: int) -> None:
        """New caps, applied at once (the oldest rows over them are deleted)."""
        if max_entries < 1 or max_bytes < 1:
            raise ValueError("history caps must be positive")
        with self._lock:
            self.max_entries, self.max_bytes = max_entries, max_bytes
            with self._writing():
                self._prune(-1)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """One write transaction (the caller holds the lock): committed, or rolled back on
        any exception; then the freed pages go back to the file system. A database error
        becomes :class:`HistoryError`."""
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("PRAGMA incremental_vacuum")
        except sqlite3.Error as err:
            raise self._error("cannot be written", err) from err

    def _prune(self, keep_id: int) -> None:
        # Oldest first: (time, id) ascending. Walk newest-first and cut where a cap is crossed.
        rows = self._conn.execute(
            "SELECT id, size FROM history ORDER BY time DESC, id DESC").fetchall()
        total = 0
        doomed: list[int] = []
        for count, (row_id, size) in enumerate(rows, start=1):
            total += size
            if row_id != keep_id and (count > self.max_entries or total > self.max_bytes):
                doomed.append(row_id)
                total -= size
                # Once over a cap, every older row goes too: history has no gaps.
                doomed.extend(r for r, _ in rows[count:])
                break
        if doomed:
            self._conn.executemany("DELETE FROM history WHERE id = ?", [(i,) for i in doomed])

    def search(self, text: str = "", limit: int = 200) -> list[HistoryEntry]:
        """Entries whose URL, method, status (a gRPC call's code name too) or error contains
        ``text``, newest first."""
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = (
            "SELECT * FROM history WHERE url LIKE :p ESCAPE '\\' OR method LIKE :p ESCAPE '\\'"
            " OR CAST(status AS TEXT) LIKE :p ESCAPE '\\' OR error LIKE :p ESCAPE '\\'"
            " OR (method = 'GRPC' AND CASE WHEN json_valid(request)"
            " THEN json_extract(request, '$.grpc.code') END LIKE :p ESCAPE '\\')"
            " ORDER BY time DESC, id DESC LIMIT :limit")
        with self._lock:
            try:
                rows = self._conn.execute(query, {"p": pattern, "limit": limit}).fetchall()
            except sqlite3.Error as error:
                raise self._error("cannot be read", error) from error
        return [_entry(row) for row in rows]

    def get(self, entry_id: int) -> HistoryEntry | None:
        """The entry with this id, or ``None``."""
        with self._lock:
            try:
                row = self._conn.execute("SELECT * FROM history WHERE id = ?",
                                         (entry_id,)).fetchone()
            except sqlite3.Error as error:
                raise self._error("cannot be read", error) from error
        return None if row is None else _entry(row)

    def delete(self, entry_id: int) -> None:
        """Remove one entry (a missing id is ignored)."""
        self._run("DELETE FROM history WHERE id = ?", (entry_id,))

    def clear(self) -> None:
        """Remove every entry."""
        self._run("DELETE FROM history", ())

    def __len__(self) -> int:
        with self._lock:
            try:
                row = self._conn.execute("SELECT count(*) FROM history").fetchone()
            except sqlite3.Error as error:
                raise self._error("cannot be read", error) from error
        return int(row[0])

    def total_bytes(self) -> int:
        """The stored size counted against ``max_bytes``."""
        with self._lock:
            try:
                row = self._conn.execute("SELECT coalesce(sum(size), 0) FROM history").fetchone()
            except sqlite3.Error as error:
                raise self._error("cannot be read", error) from error
        return int(row[0])

    def _run(self, sql: str, params: tuple[Any, ...]) -> None:
        with self._lock:
            try:
                self._conn.execute(sql, params)
                self._conn.execute("PRAGMA incremental_vacuum")
            except sqlite3.Error as error:
                raise self._error("cannot be written", error) from error


def _entry(row: tuple[Any, ...]) -> HistoryEntry:
    (row_id, when, method, url, status, error, duration, response_size, request, _size) = row
    return HistoryEntry(method=method, url=url, status=status, error=error, duration=duration,
                        response_size=response_size, request=json.loads(request), time=when,
                        id=row_id)
