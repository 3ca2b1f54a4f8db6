"""The messages of one gRPC call, both ways, and the item model that shows them.

A server stream may bring tens of thousands of messages a second. They are added from the
gRPC thread to a pending queue (``deque.append`` is atomic: no lock on the hot path); the
view's model takes what is pending once a frame (``GrpcLogModel.refresh``) and tells its
views with one ``rowsInserted``, and one ``rowsRemoved`` for rows past the limit: the log
keeps the last ``keep`` messages and counts the older ones it let go.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict, deque
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple, overload

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

__all__ = ["DEFAULT_KEEP", "KEEP_CHOICES", "MESSAGE_ROLE", "GrpcLogModel", "GrpcMessage",
           "GrpcMessageLog", "Rows", "message_text"]

#: Messages a call's log keeps by default (the oldest are let go, and counted, past it).
DEFAULT_KEEP = 100_000
#: What the stream view offers to keep.
KEEP_CHOICES = (1_000, 10_000, 100_000, 1_000_000)
#: ``index.data(MESSAGE_ROLE)`` is the row's :class:`GrpcMessage`.
MESSAGE_ROLE = Qt.ItemDataRole.UserRole + 1
#: Characters of a message shown in its row (the Message tab shows more).
PREVIEW_CHARS = 400
_ARROWS = {"out": "→", "in": "←", "info": "•", "error": "✕"}
_Index = QModelIndex | QPersistentModelIndex


class GrpcMessage(NamedTuple):
    """One row: ``direction`` is ``out`` (sent), ``in`` (received), ``info`` or ``error``;
    ``data`` a JSON object for messages, text for the others; ``at`` wall-clock seconds.

    The log keeps each field in a deque of its own (:class:`Rows`): a row as a tuple holding
    a dict is an object the garbage collector keeps looking at (Python stops tracking a tuple
    only when it holds no container), and its full passes over 100,000 of them would stall
    the window; a JSON object made of plain values is not tracked at all."""

    at: float
    direction: str
    data: Any


def message_text(data: Any, indent: int | None = None, direction: str = "in",
                 chars: int | None = None) -> str:
    """``data`` as the log shows it: JSON for a message (sent or received: a well-known
    type's may be a JSON string, shown quoted), the text itself for a note. With ``chars``,
    only its first ``chars`` characters: a message of megabytes is not serialized whole for
    them (a 30 MB one took 100 ms and more), only a copy of what reaches them (a long
    string cut, a long array or object without its tail)."""
    if isinstance(data, str) and direction not in ("in", "out"):
        return data if chars is None else data[:chars]
    if chars is None:
        return json.dumps(data, ensure_ascii=False, indent=indent)
    head = _Head(chars, indent).keep(data, 0)
    return json.dumps(head, ensure_ascii=False, indent=indent)[:chars]


class _Head:
    """Copies a JSON value as far as the first ``chars`` characters of its JSON go.

    ``left`` is ``chars`` less what the JSON made so far takes at least (escapes and some
    separators are not counted, never anything JSON does not write), so the copy leaves
    something out only where the JSON is at character ``chars`` or later: the first
    ``chars`` characters of the copy's JSON are the value's."""

    def __init__(self, chars: int, indent: int | None) -> None:
        self.left = chars
        #: What a value in an array or object takes before it, at depth 0 (a new line).
        self.line = 0 if indent is None else 1
        self.indent = indent or 0

    def keep(self, value: Any, depth: int) -> Any:
        if isinstance(value, str):
            self.left -= 1  # the opening quote
            if len(value) > self.left:
                value = value[:max(self.left, 0)]
                self.left = 0
            else:
                self.left -= len(value) + 1
            return value
        if value is None or isinstance(value, bool):
            self.left -= 4
        elif isinstance(value, int):
            self.left -= len(int.__repr__(value))
        elif isinstance(value, float):
            self.left -= len(float.__repr__(value))  # "inf" is shorter than "Infinity"
        elif isinstance(value, dict):
            return self._items(value.items(), depth, {})
        elif isinstance(value, list | tuple):
            return self._items(enumerate(value), depth, None)
        else:
            self.left -= 1  # not JSON: json.dumps says so, as it does of the whole
        return value

    def _items(self, items: Iterable[tuple[Any, Any]], depth: int,
               kept: dict[Any, Any] | None) -> Any:
        """The items of an array (``kept`` None) or of an object (into ``kept``) that reach
        the first characters."""
        values: list[Any] = []
        self.left -= 1  # [ or {
        before = self.line + self.indent * (depth + 1)  # a new line and its indent
        for i, (key, value) in enumerate(items):
            if self.left <= 0:
                break
            self.left -= before + (1 if i else 0)  # and a comma
            if kept is None:
                values.append(self.keep(value, depth + 1))
            else:
                self.left -= (len(key) + 2 if isinstance(key, str) else 3) + 2  # "key":
                kept[key] = self.keep(value, depth + 1)
        if values or kept:
            self.left -= self.line + self.indent * depth  # the closing one's line
        self.left -= 1  # ] or }
        return values if kept is None else kept


#: What grpcio says of a call cancelled on this side.
_GRPC_CANCELLED = "Locally cancelled by application!"


#: What grpcio says of a message larger than this side's limit (the server's own limit
#: says it without "CLIENT").
_TOO_LARGE_HERE = "CLIENT: Received message larger than max"


def status_details(code: str, details: str) -> str:
    """A status's message as the window shows it: grpcio's words for a call cancelled here
    read "cancelled by you"; an answer larger than this side takes says where that is set;
    a connection the server closed says the two usual reasons."""
    if code == "CANCELLED" and details == _GRPC_CANCELLED:
        return "cancelled by you"
    if code == "RESOURCE_EXHAUSTED" and _TOO_LARGE_HERE in details:
        return f"{details} · the largest gRPC message is set in Tools ▸ Limits"
    if code == "UNAVAILABLE" and details.endswith(_CLOSED_AT_CONNECT):
        return (f"{details} · a TLS server closes a plaintext connection (use grpcs://), and "
                "one that requires a client certificate a connection without one")
    return details


#: How grpc ends the words of a connection the server closed before the call was made.
_CLOSED_AT_CONNECT = ": Socket closed"


_Row = tuple[float, str, Any]

#: Previews of the rows painted last kept (a screenful many times over).
_PREVIEWS_KEPT = 512


class Rows(Sequence[_Row]):
    """The rows a log keeps, as (at, direction, data) tuples made when asked for, over one
    deque per field (see :class:`GrpcMessage`)."""

    def __init__(self) -> None:
        self.at: deque[float] = deque()
        self.direction: deque[str] = deque()
        self.data: deque[Any] = deque()

    def extend(self, rows: list[_Row]) -> None:
        self.at.extend(row[0] for row in rows)
        self.direction.extend(row[1] for row in rows)
        self.data.extend(row[2] for row in rows)

    def drop_oldest(self, count: int) -> None:
        for column in (self.at, self.direction, self.data):
            for _ in range(count):
                column.popleft()

    def clear(self) -> None:
        for column in (self.at, self.direction, self.data):
            column.clear()

    def __len__(self) -> int:
        return len(self.at)

    @overload
    def __getitem__(self, index: int) -> _Row: ...

    @overload
    def __getitem__(self, index: slice) -> list[_Row]: ...

    def __getitem__(self, index: int | slice) -> _Row | list[_Row]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return self.at[index], self.direction[index], self.data[index]

    def __iter__(self) -> Iterator[_Row]:
        return zip(self.at, self.direction, self.data, strict=True)


class GrpcMessageLog:
    """The rows of one call (see the module docstring). ``add`` may be called from any
    thread; the rest from the UI thread."""

    def __init__(self, keep: int = DEFAULT_KEEP) -> None:
        self.keep = DEFAULT_KEEP
        self.set_keep(keep)
        self._pending: deque[_Row] = deque()
        self.rows = Rows()
        #: Rows let go past ``keep`` since the last ``clear``.
        self.dropped = 0
        #: Messages received and sent since the last ``clear`` (dropped ones included).
        self.received = 0
        self.sent = 0

    def set_keep(self, keep: int) -> None:
        """Keep the last ``keep`` rows from the next ``take`` on (fewer: the oldest go)."""
        if keep < 1:
            raise ValueError("keep must be 1 or more")
        self.keep = keep

    def add(self, direction: str, data: Any, at: float | None = None) -> None:
        """Log a row (any thread)."""
        self._pending.append((time.time() if at is None else at, direction, data))

    @property
    def pending(self) -> int:
        return len(self._pending)

    def take(self) -> tuple[int, int]:
        """Move what is pending into ``rows``: (rows removed from the front, rows added)."""
        pending, rows = self._pending, self.rows
        count = len(pending)  # what is there now; later ones wait for the next frame
        if not count and len(rows) <= self.keep:
            return 0, 0
        if count:
            popleft = pending.popleft
            taken = [popleft() for _ in range(count)]
            rows.extend(taken)
            directions = [row[1] for row in taken]
            self.received += directions.count("in")
            self.sent += directions.count("out")
        removed = max(0, len(rows) - self.keep)
        rows.drop_oldest(removed)
        self.dropped += removed
        return removed, count

    def clear(self) -> None:
        self._pending.clear()
        self.rows.clear()
        self.dropped = self.received = self.sent = 0


class GrpcLogModel(QAbstractTableModel):
    """Time, direction and message of every row the log keeps, published by ``refresh``."""

    COLUMNS = ("Time", "", "Message")

    def __init__(self, log: GrpcMessageLog, parent: Any = None) -> None:
        super().__init__(parent)
        self.log = log
        self._count = 0
        #: The previews of the rows painted last, by their message (kept with it: identity,
        #: not a reused id): a row is painted again and again, and a large message's JSON
        #: took 100 ms and more each time.
        self._previews: OrderedDict[int, tuple[Any, str]] = OrderedDict()

    def refresh(self) -> int:
        """Publish what the log gained since the last call; the number of rows added."""
        removed, added = self.log.take()
        if removed >= self._count and removed:
            # Everything shown went: one reset is cheaper than a removal and an insertion.
            self.beginResetModel()
            self._count = len(self.log.rows)
            self.endResetModel()
            return added
        if removed:
            self.beginRemoveRows(QModelIndex(), 0, removed - 1)
            self._count -= removed
            self.endRemoveRows()
        if added:
            self.beginInsertRows(QModelIndex(), self._count, self._count + added - 1)
            self._count += added
            self.endInsertRows()
        return added

    def _preview(self, message: GrpcMessage) -> str:
        key = id(message.data)
        found = self._previews.get(key)
        if found is not None and found[0] is message.data:
            self._previews.move_to_end(key)
            return found[1]
        text = message_text(message.data, direction=message.direction,
                            chars=PREVIEW_CHARS + 1)  # one more: to know there is more
        text = text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS] + "…"
        self._previews[key] = (message.data, text)
        if len(self._previews) > _PREVIEWS_KEPT:
            self._previews.popitem(last=False)
        return text

    def reset(self) -> None:
        """Start over (the log was cleared for a new call)."""
        self._previews.clear()
        self.beginResetModel()
        self._count = len(self.log.rows)
        self.endResetModel()

    def message(self, row: int) -> GrpcMessage:
        return GrpcMessage(*self.log.rows[row])

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal
                and 0 <= section < len(self.COLUMNS)):
            return self.COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self._count:
            return None
        message = GrpcMessage(*self.log.rows[index.row()])
        if role == MESSAGE_ROLE:
            return message
        if role == Qt.ItemDataRole.DisplayRole:
            column = index.column()
            if column == 0:
                stamp = time.strftime("%H:%M:%S", time.localtime(message.at))
                return f"{stamp}.{int(message.at * 1000) % 1000:03d}"
            if column == 1:
                return _ARROWS.get(message.direction, "")
            return self._preview(message)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 1:
            return {"out": "sent", "in": "received"}.get(message.direction)
        return None
