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
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.storage.private import make_private, private_dir
from app.storage.redaction import REDACTED, SENSITIVE_HEADERS, Redactor

if TYPE_CHECKING:
    from app.model.request import RequestModel

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


@dataclass(frozen=True)
class HistoryEntry:
    """One sent request: ``status`` is ``None`` when it failed, and ``error`` says why.

    ``request`` is JSON-compatible (method, URL, headers as a mapping or ``[name, value]``
    pairs, body, ...). ``id`` is ``None`` until the entry is stored.
    """

    method: str
    url: str
    status: int | None = None
    error: str | None = None
    duration: float = 0.0
    response_size: int = 0
    request: Mapping[str, Any] = field(default_factory=dict)
    time: float = field(default_factory=time.time)
    id: int | None = None

    def request_model(self) -> RequestModel:
        """The request as it was sent (secrets redacted), to open again in a tab.

        Raises ``ValueError`` saying why when the entry holds no request that can be read
        back (an entry from an older version, or one edited by hand)."""
        from app.model.request import RequestModel

        try:
            return RequestModel.from_dict(dict(self.request.get("model") or {}))
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise ValueError(str(exc) or type(exc).__name__) from exc


@dataclass(frozen=True)
class Outcome:
    """How one send went, as its mode's controller saw it: ``status`` is ``None`` when it
    failed, and ``error`` says why; ``url`` is where it ended (empty: the request's own URL).

    A session (a terminal) also says how it ended (``ended``: "closed by the server: 1000",
    "closed by you"...) and the program's ``exit_code`` when the protocol told it; never
    what was on its screen.

    A gRPC call's ``status`` is its numeric status code (0 is OK; a failed code is an answer,
    not an ``error``) and ``code`` the code's name (empty: named after ``status``)."""

    started: float
    duration: float
    status: int | None = None
    error: str | None = None
    url: str = ""
    size: int = 0
    ended: str = ""
    exit_code: int | None = None
    code: str = ""


def entry_for(model: RequestModel, outcome: Outcome, secrets: Iterable[str] = (), *,
              origin: str = "") -> HistoryEntry:
    """The history entry of ``model`` sent with ``outcome``, already redacted: the secret
    auth fields are blank, and the auth secrets, ``secrets`` (the secret variable values
    the send substituted), the API key's parameter and the sensitive headers are masked in
    every form they were sent in (:class:`~app.storage.redaction.Redactor`).

    A gRPC call is listed as method ``GRPC`` and URL ``<target>/<pkg.Service/Method>``; its
    request also records ``grpc``: the full method, the target and the status code's name."""
    from app.model.request import RequestMode

    redactor = Redactor.for_auth(model.auth, secrets)
    data = replace(model, auth=model.auth.without_secrets(),
                   options=model.options.without_secrets()).to_dict()
    headers = [[h.name, h.value] for h in model.headers if h.enabled]
    request: dict[str, Any] = {"model": data, "headers": headers, "origin": origin}
    if outcome.ended or outcome.exit_code is not None:
        request["session"] = {"ended": outcome.ended, "exit_code": outcome.exit_code}
    method, url = model.method, outcome.url or model.url
    if model.mode is RequestMode.GRPC:
        method, request["grpc"] = "GRPC", _grpc_record(model, outcome, url)
        url = f"{url.rstrip('/')}/{model.grpc.method.strip().lstrip('/')}"
    error = None if outcome.error is None else redactor.text(outcome.error)
    return HistoryEntry(method=method, url=redactor.text(url),
                        status=outcome.status, error=error, duration=outcome.duration,
                        response_size=outcome.size, request=redactor.value(request),
                        time=outcome.started)


def _grpc_record(model: RequestModel, outcome: Outcome, target: str) -> dict[str, Any]:
    from app.model.compose_grpc import GRPC_STATUS_CODES

    code = outcome.code
    if not code and outcome.status is not None:
        names = {number: name for name, number in GRPC_STATUS_CODES.items()}
        code = names.get(outcome.status, "")
    return {"method": model.grpc.method, "target": target, "code": code}


def redact(value: Any, secret_values: Iterable[str] = ()) -> Any:
    """Return a copy of JSON-like ``value`` with sensitive headers and secret values masked."""
    return Redactor(secret_values).value(value)


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
        """Entries whose URL, method, status or error contains ``text``, newest first."""
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = (
            "SELECT * FROM history WHERE url LIKE :p ESCAPE '\\' OR method LIKE :p ESCAPE '\\'"
            " OR CAST(status AS TEXT) LIKE :p ESCAPE '\\' OR error LIKE :p ESCAPE '\\'"
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
