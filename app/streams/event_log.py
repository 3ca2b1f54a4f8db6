"""The log of an event stream: every Server-Sent Event, in order, in bounded memory.

An :class:`EventLog` is a :class:`~app.streams.spill_log.SpillLog` (segments, spill to disk,
cap, snapshot, export, one threading model: see there) whose record is a :class:`LoggedEvent`
and whose tag is the event's type, so type counts and the type filter never read the data.
:class:`EventFilter` matches event types and text; :class:`EventIndex` is the list of the
indices a filter accepts, grown a budget at a time. ``export_jsonl`` writes a ``snapshot()``
as JSON lines ``{"time", "event", "id", "data", "retry"}``, meant for a worker thread.
"""

from __future__ import annotations

import marshal
import os
import re
from array import array
from collections.abc import Iterator, Sequence
from json.encoder import encode_basestring
from typing import NamedTuple, Self

from app.streams.export import Clock, export_jsonl, json_line
from app.streams.filter_index import FilterIndex
from app.streams.spill_log import Snapshot, SpillLog

__all__ = [
    "EventFilter",
    "EventIndex",
    "EventLog",
    "LogSnapshot",
    "LoggedEvent",
    "export_jsonl",
    "jsonl_record",
]

MEMORY_EVENTS = 20_000
MEMORY_BYTES = 32 << 20
SEGMENT_EVENTS = 4096
SEGMENT_BYTES = 1 << 20

#: What ``append`` takes: ``(event, data, id, retry)``, the shape of ``SSEEvent``.
Row = tuple[str, str, str, int | None]


class LoggedEvent(NamedTuple):
    """One event of the log: when it arrived (seconds since the epoch) and what it was."""

    time: float
    event: str
    id: str
    data: str
    retry: int | None
    size: int  # bytes of ``data`` in UTF-8


class _EventColumns:
    """A segment's events, a column each (the type is the segment's tag)."""

    __slots__ = ("data", "ids", "retries", "sizes", "times")

    def __init__(self) -> None:
        self.data: list[str] = []
        self.ids: list[str] = []
        self.retries = array("q")  # -1: none
        self.times = array("d")
        self.sizes = array("Q")

    def __len__(self) -> int:
        return len(self.data)

    def part(self, k: int, n: int) -> Self:
        copy = type(self)()
        copy.data, copy.ids = self.data[k:n], self.ids[k:n]
        copy.retries, copy.times, copy.sizes = self.retries[k:n], self.times[k:n], self.sizes[k:n]
        return copy

    def seal(self) -> None:
        pass

    def dumps(self) -> bytes:
        return marshal.dumps((self.retries.tobytes(), self.times.tobytes(),
                              self.sizes.tobytes(), self.data, self.ids))

    @classmethod
    def loads(cls, raw: bytes) -> Self:
        retries, times, sizes, data, ids = marshal.loads(raw)
        columns = cls()
        columns.retries.frombytes(retries)
        columns.times.frombytes(times)
        columns.sizes.frombytes(sizes)
        columns.data, columns.ids = data, ids
        return columns


LogSnapshot = Snapshot[LoggedEvent]


class EventLog(SpillLog[_EventColumns, LoggedEvent]):
    """An append-only log of events with counters, per-type counts and bounded memory.

    ``memory_events`` and ``memory_bytes`` bound the events kept as objects (plus one segment
    being filled and the segments on their way to disk); ``cap`` (None: no cap) bounds the
    events kept at all.
    """

    NAME = "events"

    def __init__(self, *, memory_events: int = MEMORY_EVENTS, memory_bytes: int = MEMORY_BYTES,
                 segment_events: int = SEGMENT_EVENTS, segment_bytes: int = SEGMENT_BYTES,
                 cap: int | None = None, directory: str | os.PathLike[str] | None = None) -> None:
        if memory_events < 1 or segment_events < 1:
            raise ValueError("memory_events and segment_events must be positive")
        self._type_ids: dict[str, int] = {}
        self._type_names: list[str] = []
        super().__init__(_EventColumns, memory_records=memory_events, memory_bytes=memory_bytes,
                         segment_records=segment_events, segment_bytes=segment_bytes, cap=cap,
                         directory=directory)

    def append(self, event: Row, when: float) -> None:
        """Add ``event``, received at ``when`` (seconds since the epoch)."""
        if self._closed:
            raise ValueError("the event log is closed")
        event_type, data = event[0], event[1]
        size = len(data) if data.isascii() else len(data.encode("utf-8", "surrogatepass"))
        type_id = self._type_ids.get(event_type)
        if type_id is None:
            type_id = self._type_ids[event_type] = self._new_tag()
            self._type_names.append(event_type)
        mem = self._open.mem
        assert mem is not None  # the open segment is never spilled
        mem.data.append(data)
        mem.ids.append(event[2])
        retry = event[3]
        mem.retries.append(-1 if retry is None else retry)
        mem.times.append(when)
        mem.sizes.append(size)
        self._push(type_id, size)

    def extend(self, events: Sequence[Row], when: float) -> None:
        for event in events:
            self.append(event, when)

    def record(self, columns: _EventColumns, k: int, tag: int, index: int) -> LoggedEvent:
        retry = columns.retries[k]
        return LoggedEvent(columns.times[k], self._type_names[tag], columns.ids[k],
                           columns.data[k], None if retry < 0 else retry, columns.sizes[k])

    def line(self, record: LoggedEvent, clock: Clock) -> str:
        return jsonl_record(record, clock)

    # -- what only events have -------------------------------------------------------------

    @property
    def bytes(self) -> int:
        """Bytes of data (UTF-8) of every event ever appended."""
        return self._bytes

    @property
    def types(self) -> list[str]:
        """Every event type seen, in the order first seen."""
        return list(self._type_names)

    def type_counts(self) -> dict[str, int]:
        """Events kept per type, for every type seen (0 once the cap dropped them all)."""
        return dict(zip(self._type_names, self._counts, strict=True))

    def type_id(self, name: str) -> int | None:
        return self._type_ids.get(name)

    def type_at(self, index: int) -> str:
        """The type of the event at ``index``, without loading its data."""
        return self._type_names[self.tag_at(index)]

    def blocks(self, start: int, stop: int, *, text: bool = True
               ) -> Iterator[tuple[int, array[int], list[str] | None, list[str] | None]]:
        """``(first index, type ids, ids, data)`` per segment over ``[start, stop)`` of the
        kept events (ids and data are None unless ``text``, which may load them from disk)."""
        for first, tags, columns, a in self.spans(start, stop, columns=text):
            if columns is None:
                yield first, tags, None, None
            else:
                b = a + len(tags)
                yield first, tags, columns.ids[a:b], columns.data[a:b]


def jsonl_record(event: LoggedEvent, clock: Clock | None = None) -> str:
    """One JSON-lines record: ``{"time", "event", "id", "data", "retry"}`` and a newline."""
    when = (clock or Clock()).iso(event.time)
    retry = "null" if event.retry is None else str(event.retry)
    return json_line(f'{{"time": "{when}", "event": {encode_basestring(event.event)}, '
                     f'"id": {encode_basestring(event.id)}, '
                     f'"data": {encode_basestring(event.data)}, "retry": {retry}}}\n')


# -- filtering ---------------------------------------------------------------------------------


class EventFilter(NamedTuple):
    """Which events to show: some types (None: all) and a text (case-insensitive) that the
    type, id or data must contain (empty: any)."""

    types: frozenset[str] | None = None
    text: str = ""

    @property
    def empty(self) -> bool:
        return self.types is None and not self.text

    def pattern(self) -> re.Pattern[str] | None:
        return re.compile(re.escape(self.text), re.IGNORECASE) if self.text else None

    def matches(self, event_type: str, event_id: str, data: str) -> bool:
        if self.types is not None and event_type not in self.types:
            return False
        pattern = self.pattern()
        return pattern is None or any(
            pattern.search(s) is not None for s in (event_type, event_id, data))


class EventIndex(FilterIndex[_EventColumns]):
    """The events of a log a filter accepts, as positions ``start .. end - 1`` (see
    :class:`~app.streams.filter_index.FilterIndex`)."""

    def __init__(self, log: EventLog, event_filter: EventFilter | None = None) -> None:
        self.filter = event_filter if event_filter is not None else EventFilter()
        self._event_log = log
        self._pattern = self.filter.pattern()
        self._wanted: set[int] | None = None
        self._types_seen = -1
        super().__init__(log, None if self.filter.empty else self._select,
                         needs_columns=self._pattern is not None)

    def _wanted_ids(self) -> set[int] | None:
        types = self.filter.types
        if types is None:
            return None
        names = self._event_log._type_names
        if len(names) != self._types_seen:
            self._types_seen = len(names)
            self._wanted = {i for i, name in enumerate(names) if name in types}
        return self._wanted

    def _select(self, first: int, tags: array[int], columns: _EventColumns | None, offset: int,
                found: array[int]) -> None:
        wanted = self._wanted_ids()
        pattern = self._pattern
        if pattern is None:
            found.extend(first + k for k, t in enumerate(tags) if wanted is None or t in wanted)
            return
        assert columns is not None
        names = self._event_log._type_names
        search = pattern.search
        b = offset + len(tags)
        rows = zip(tags, columns.ids[offset:b], columns.data[offset:b], strict=True)
        for k, (t, event_id, text) in enumerate(rows):
            if wanted is not None and t not in wanted:
                continue
            if (search(text) is not None or search(event_id) is not None
                    or search(names[t]) is not None):
                found.append(first + k)
