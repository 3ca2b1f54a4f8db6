"""The log of a WebSocket session: every message, in order, in bounded memory.

A :class:`MessageLog` is a :class:`~app.streams.spill_log.SpillLog` (segments, spill to disk
by a writer thread, cap, snapshot, atomic export, one threading model: see there) whose record
is a :class:`Message` and whose tag is the message's direction and kind, so that filtering by
them never reads a payload. Memory is bounded by ``memory_bytes``: payloads plus
``ROW_OVERHEAD`` a row. ``dropped`` counts rows the cap dropped since the last ``clear()``.

Filtering is incremental: a :class:`LogView` keeps the rows that match a
:class:`MessageFilter` and, on each :meth:`LogView.update`, looks only at the rows appended
(or dropped) since the last one. ``export_jsonl(log.snapshot(), path)`` writes JSON lines
``{"seq", "time", "direction", "kind", "size", "text" | "base64"}``.
"""

from __future__ import annotations

import base64
import json
import marshal
import os
import time as _time
from array import array
from dataclasses import dataclass, field
from typing import NamedTuple, Self

from app.streams.export import Clock, json_line
from app.streams.filter_index import FilterIndex
from app.streams.spill_log import Select, SpillLog

__all__ = [
    "DIRECTIONS",
    "KINDS",
    "ROW_OVERHEAD",
    "Counters",
    "LogView",
    "Message",
    "MessageFilter",
    "MessageLog",
    "preview",
]

#: ``in`` from the peer, ``out`` to it, ``""`` for what the window itself notes (info, errors).
DIRECTIONS = ("in", "out", "")
#: What a row holds: ``text`` (str), ``binary`` (bytes), ``close`` (``"CODE REASON"``),
#: ``error`` and ``info`` (str).
KINDS = ("text", "binary", "close", "error", "info")

_CODES = [(d, k) for d in DIRECTIONS for k in KINDS]        # tag -> (direction, kind)
_CODE = {pair: i for i, pair in enumerate(_CODES)}
#: Per tag, which counters it adds to: 1 in, 2 out (text and binary messages), 0 none.
#: ``append`` looks it up instead of comparing the direction and the kind a message.
_COUNTED = [0 if k not in ("text", "binary") else 1 if d == "in" else 2 if d == "out" else 0
            for d, k in _CODES]

#: What a row costs in memory besides its payload: the str or bytes object's header, the
#: list slot and the time and size columns (an estimate: CPython's ``sys.getsizeof('')`` is 49).
ROW_OVERHEAD = 80


class Message(NamedTuple):
    """One row of the log."""

    seq: int            #: its place in the session, from 0; never reused
    time: float         #: seconds since the epoch
    direction: str      #: one of :data:`DIRECTIONS`
    kind: str           #: one of :data:`KINDS`
    data: str | bytes   #: bytes for ``binary``, str for every other kind
    size: int           #: bytes on the wire (UTF-8 for text)


@dataclass
class Counters:
    """Text and binary messages and their bytes, each way (close frames and notes aside)."""

    in_messages: int = 0
    out_messages: int = 0
    in_bytes: int = 0
    out_bytes: int = 0


class _MessageColumns:
    """A segment's rows, a column each (direction and kind are the segment's tag)."""

    __slots__ = ("payloads", "sizes", "times")

    def __init__(self) -> None:
        self.times = array("d")
        self.sizes = array("q")
        self.payloads: list[str | bytes] | tuple[str | bytes, ...] = []

    def __len__(self) -> int:
        return len(self.payloads)

    def part(self, k: int, n: int) -> Self:
        copy = type(self)()
        copy.times, copy.sizes, copy.payloads = self.times[k:n], self.sizes[k:n], self.payloads[k:n]
        return copy

    def seal(self) -> None:
        """The payloads become a tuple: a tuple of str and bytes leaves the garbage
        collector's lists at its next pass, so that full collections, which stall the
        window, do not walk every message ever received."""
        self.payloads = tuple(self.payloads)

    def dumps(self) -> bytes:
        return marshal.dumps((self.times.tobytes(), self.sizes.tobytes(), tuple(self.payloads)))

    @classmethod
    def loads(cls, raw: bytes) -> Self:
        times, sizes, payloads = marshal.loads(raw)
        columns = cls()
        columns.times.frombytes(times)
        columns.sizes.frombytes(sizes)
        columns.payloads = payloads
        return columns


class MessageLog(SpillLog[_MessageColumns, Message]):
    """Append-only rows ``(time, direction, kind, data, size)`` with exact counters, random
    access by sequence number, bounded memory and an optional, visible cap on rows."""

    ROW_OVERHEAD = ROW_OVERHEAD
    NAME = "messages"

    def __init__(self, *, memory_bytes: int = 32 << 20, segment_records: int = 4096,
                 segment_bytes: int = 1 << 20, cap: int | None = None,
                 directory: str | os.PathLike[str] | None = None) -> None:
        super().__init__(_MessageColumns, memory_bytes=memory_bytes,
                         segment_records=segment_records, segment_bytes=segment_bytes, cap=cap,
                         directory=directory)
        for _ in _CODES:
            self._new_tag()
        self.counters = Counters()

    def append(self, direction: str, kind: str, data: str | bytes,
               when: float | None = None) -> int:
        """Add a row; its sequence number. ``data`` is bytes for ``binary``, else str."""
        code = _CODE[direction, kind]
        if type(data) is str and kind != "binary":  # the common case first: a text message
            size = len(data) if data.isascii() else len(data.encode("utf-8", "surrogatepass"))
        else:
            if (kind == "binary") != isinstance(data, bytes):
                raise TypeError(f"a {kind} row holds {'bytes' if kind == 'binary' else 'str'}")
            if isinstance(data, bytes) or data.isascii():
                size = len(data)
            else:
                size = len(data.encode("utf-8", "surrogatepass"))
        cols = self._open.mem
        assert cols is not None  # the open segment is never spilled
        cols.times.append(_time.time() if when is None else when)
        cols.sizes.append(size)
        cols.payloads.append(data)  # type: ignore[union-attr]  # a list until sealed
        seq = self._total
        counted = _COUNTED[code]
        if counted:  # data, not close frames or notes
            c = self.counters
            if counted == 1:
                c.in_messages += 1
                c.in_bytes += size
            else:
                c.out_messages += 1
                c.out_bytes += size
        self._push(code, size)
        return seq

    def record(self, columns: _MessageColumns, k: int, tag: int, index: int) -> Message:
        direction, kind = _CODES[tag]
        return Message(index, columns.times[k], direction, kind, columns.payloads[k],
                       columns.sizes[k])

    def line(self, record: Message, clock: Clock) -> str:
        row: dict[str, object] = {
            "seq": record.seq, "time": clock.iso(record.time),
            "direction": record.direction, "kind": record.kind, "size": record.size,
        }
        if isinstance(record.data, bytes):
            row["base64"] = base64.b64encode(record.data).decode("ascii")
        else:
            row["text"] = record.data
        return json_line(json.dumps(row, ensure_ascii=False) + "\n")

    def message(self, seq: int) -> Message:
        """The row ``seq`` (``first <= seq < end``), from memory or from disk."""
        return self.get(seq)

    def clear(self) -> None:
        """Forget every row, the counters and the files; sequence numbers go on from ``end``."""
        super().clear()
        self.counters = Counters()

    def close(self) -> None:
        """Delete the log's files; the log is empty afterwards (rows appended later, a last
        note, stay in memory)."""
        self.clear()
        super().close()


# -- filtering -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MessageFilter:
    """Rows whose text contains ``text`` (any case; binary rows match its bytes or hex), in
    one of ``directions`` and of one of ``kinds`` (empty: any)."""

    text: str = ""
    directions: frozenset[str] = field(default_factory=frozenset)
    kinds: frozenset[str] = field(default_factory=frozenset)

    @property
    def empty(self) -> bool:
        return not self.text and not self.directions and not self.kinds

    def codes(self) -> frozenset[int]:
        """The tags of the directions and kinds it accepts."""
        return frozenset(code for code, (direction, kind) in enumerate(_CODES)
                         if (not self.directions or direction in self.directions)
                         and (not self.kinds or kind in self.kinds))

    def matches(self, direction: str, kind: str, data: str | bytes) -> bool:
        if self.directions and direction not in self.directions:
            return False
        if self.kinds and kind not in self.kinds:
            return False
        return self.matches_data(data)

    def matches_data(self, data: str | bytes) -> bool:
        """Whether a payload holds the text."""
        if not self.text:
            return True
        if isinstance(data, str):
            return self.text.casefold() in data.casefold()
        needle = self.text.encode("utf-8", "surrogatepass")
        if needle in data:
            return True
        digits = "".join(self.text.split()).lower()
        return bool(digits) and digits in data.hex()


def _selector(flt: MessageFilter) -> tuple[Select[_MessageColumns], bool]:
    """What a :class:`FilterIndex` runs for ``flt``, and whether it reads payloads."""
    codes = flt.codes()
    if not flt.text:
        def by_code(first: int, tags: array[int], columns: _MessageColumns | None,
                    offset: int, found: array[int]) -> None:
            found.extend(first + i for i, tag in enumerate(tags) if tag in codes)
        return by_code, False
    matches = flt.matches_data

    def by_text(first: int, tags: array[int], columns: _MessageColumns | None, offset: int,
                found: array[int]) -> None:
        assert columns is not None
        payloads = columns.payloads
        for i, tag in enumerate(tags):
            if tag in codes and matches(payloads[offset + i]):
                found.append(first + i)
    return by_text, True


class LogView:
    """The rows of a log that pass a filter, kept up to date incrementally.

    ``update()`` returns ``(removed, added)``: how many rows left the front (dropped by the
    log's cap, or cleared) and how many were appended at the end, which is what an item model
    needs to tell its views. Without a filter the view is the whole log and keeps no index.
    """

    def __init__(self, log: MessageLog, flt: MessageFilter | None = None) -> None:
        self.log = log
        self.filter = flt if flt is not None and not flt.empty else None
        self._index: FilterIndex[_MessageColumns]
        if self.filter is None:
            self._index = FilterIndex(log)
        else:
            select, needs_columns = _selector(self.filter)
            self._index = FilterIndex(log, select, needs_columns=needs_columns)
        # The positions of the index published so far: [_start, _end).
        self._start = self._end = self._index.start

    @property
    def complete(self) -> bool:
        """Every row of the log was looked at."""
        if self.filter is None:
            return self._end >= self.log.end
        return self._index.complete

    def __len__(self) -> int:
        return self._end - self._start

    def seq(self, row: int) -> int:
        """The sequence number of the view's ``row``."""
        return self._index.index(self._start + row)

    def row_of(self, seq: int) -> int | None:
        """The view's row showing ``seq``, or None."""
        position = self._index.position_of(seq)
        if position is None or not self._start <= position < self._end:
            return None
        return position - self._start

    def update(self, limit: int | None = None) -> tuple[int, int]:
        """Catch up with the log (looking at ``limit`` new rows at most)."""
        index = self._index
        start = index.start
        removed = max(0, min(start, self._end) - self._start)
        self._start = max(self._start, start)
        self._end = max(self._end, self._start)
        if self.filter is None:
            end = self.log.end if limit is None else min(self.log.end, self._end + limit)
        else:
            index.advance(self.log.end if limit is None else limit)
            end = index.end
        added = end - self._end
        self._end = end
        index.trim(self._start)
        return removed, added


# -- showing a row -----------------------------------------------------------------------------


_ONE_LINE = str.maketrans({"\n": "⏎", "\r": "", "\t": " "})


def preview(kind: str, data: str | bytes, limit: int = 240) -> str:
    """A one-line preview: text with its line breaks shown as ⏎, binary as hex."""
    if isinstance(data, bytes):
        shown = data[:limit // 3].hex(" ")
        return shown + (" …" if len(data) > limit // 3 else "")
    line = data[:limit].translate(_ONE_LINE)
    if kind == "close":
        code, _, reason = data.partition(" ")
        line = f"Close {code}" + (f" · {reason}" if reason else "")
    return line + ("…" if len(data) > limit else "")
