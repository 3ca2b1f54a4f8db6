"""An append-only log of Server-Sent Events in bounded memory, for the event-stream pane.

``EventLog`` keeps events in *segments* of a few thousand. The newest segments hold their events
as Python objects; once more than ``memory_events`` events (or ``memory_bytes`` of data) are in
memory, the oldest full segment is handed to a writer thread, which marshals it to a file of its
own in a private temporary folder. After that only the segment's event types stay in memory
(4 bytes an event, for the type counts and the type filter), and reading one of its events
loads the segment back (the last two loaded are cached). Nothing is ever dropped unless the
user sets a ``cap``: then the log keeps the last ``cap`` events, ``dropped`` says how many went,
and the segments they filled are deleted. If a segment cannot be written (a full disk), it stays
in memory, spilling stops, and ``spill_error`` says why: memory grows, nothing is lost.

Indices are absolute: the n-th event ever appended has index ``n - 1``, whatever the cap dropped
since. ``first`` is the oldest index kept and ``total`` is one past the newest.

``EventFilter`` matches event types and text; ``EventIndex`` is the list of the indices a filter
accepts, grown a budget at a time so that filtering a million events never blocks its caller for
long. ``export_jsonl`` writes a ``snapshot()`` of the log as JSON lines, meant for a worker
thread.

Threads: one thread appends and reads (the event loop's); the writer thread only writes the
segments handed to it; ``export_jsonl`` may run in any thread over a snapshot. No Qt here.
"""

from __future__ import annotations

import bisect
import contextlib
import marshal
import os
import queue
import re
import shutil
import tempfile
import threading
import weakref
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from json.encoder import encode_basestring
from pathlib import Path
from typing import NamedTuple

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
_LOADED_CACHE = 2


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


# -- segments ----------------------------------------------------------------------------------


class _Columns:
    """A segment's events, a column each: strings and numbers only, so however many events
    are kept, the cyclic garbage collector has nothing more to visit (a list of event tuples
    made its full collections take tens of milliseconds during a firehose)."""

    __slots__ = ("data", "ids", "retries", "sizes", "times")

    def __init__(self) -> None:
        self.data: list[str] = []
        self.ids: list[str] = []
        self.retries = array("q")  # -1: none
        self.times = array("d")
        self.sizes = array("Q")

    def __len__(self) -> int:
        return len(self.data)

    def part(self, k: int, n: int) -> _Columns:
        """A copy of events ``k .. n - 1``."""
        copy = _Columns()
        copy.data, copy.ids = self.data[k:n], self.ids[k:n]
        copy.retries, copy.times, copy.sizes = self.retries[k:n], self.times[k:n], self.sizes[k:n]
        return copy

    def dumps(self) -> bytes:
        return marshal.dumps((self.retries.tobytes(), self.times.tobytes(),
                              self.sizes.tobytes(), self.data, self.ids))

    @classmethod
    def load(cls, path: str) -> _Columns:
        with open(path, "rb") as f:
            retries, times, sizes, data, ids = marshal.loads(f.read())
        columns = cls()
        columns.retries.frombytes(retries)
        columns.times.frombytes(times)
        columns.sizes.frombytes(sizes)
        columns.data, columns.ids = data, ids
        return columns

    def event(self, k: int, event_type: str) -> LoggedEvent:
        retry = self.retries[k]
        return LoggedEvent(self.times[k], event_type, self.ids[k], self.data[k],
                           None if retry < 0 else retry, self.sizes[k])


class _Segment:
    __slots__ = ("discarded", "mem", "nbytes", "path", "pins", "queued", "start", "types")

    def __init__(self, start: int) -> None:
        self.start = start
        self.types = array("I")  # type ids, kept for the segment's whole life
        self.mem: _Columns | None = _Columns()  # None once the file holds the events
        self.nbytes = 0
        self.path: str | None = None
        self.queued = False
        self.pins = 0  # snapshots reading the file
        self.discarded = False  # dropped by the cap or the log closed: delete when unpinned

    @property
    def stop(self) -> int:
        return self.start + len(self.types)


@dataclass
class _Spill:
    """What the log and its writer thread share (the thread holds no reference to the log)."""

    parent: str | None
    lock: threading.Lock = field(default_factory=threading.Lock)
    directory: str | None = None
    error: str | None = None
    closed: bool = False
    pins: int = 0

    def make_directory(self) -> str | None:
        """The folder for segment files, made on first use; None once the log is closed."""
        with self.lock:
            if self.closed:
                return None
            if self.directory is None:
                self.directory = tempfile.mkdtemp(prefix="spyglass-events-", dir=self.parent)
            return self.directory

    def remove_directory(self) -> None:
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)


def _write_segments(jobs: queue.SimpleQueue[_Segment | threading.Event | None],
                     spill: _Spill) -> None:
    """The writer thread: marshal each segment handed over to a file, then free its memory."""
    while True:
        job = jobs.get()
        if job is None:  # the log closed: every earlier job is done, so no file is coming
            with spill.lock:
                remove = spill.pins == 0
            if remove:
                spill.remove_directory()
            return
        if isinstance(job, threading.Event):
            job.set()
            continue
        segment = job
        mem = segment.mem
        if mem is None or segment.discarded or spill.closed:
            continue
        path = ""
        try:
            directory = spill.make_directory()
            if directory is None:
                continue
            path = os.path.join(directory, f"{segment.start}.events")
            payload = mem.dumps()
            with open(path, "wb") as f:
                f.write(payload)
        except Exception as exc:  # a full disk, a vanished folder: keep it in memory
            with contextlib.suppress(OSError):
                if path:
                    os.unlink(path)
            with spill.lock:
                spill.error = str(exc) or type(exc).__name__
                segment.queued = False
            continue
        with spill.lock:
            if segment.discarded or spill.closed:
                with contextlib.suppress(OSError):
                    os.unlink(path)
            else:
                segment.path = path  # set before mem goes, so readers always find the events
                segment.mem = None


def _shutdown(jobs: queue.SimpleQueue[_Segment | threading.Event | None], spill: _Spill) -> None:
    """Close a log's spill and delete its folder unless a snapshot still reads it (the last
    ``release`` does it then). The writer deletes it again as it exits, in case it was
    writing a file meanwhile; this is also what runs at exit for a log never closed."""
    with spill.lock:
        spill.closed = True
        pinned = spill.pins > 0
    jobs.put(None)
    if not pinned:
        spill.remove_directory()


# -- the log -----------------------------------------------------------------------------------


class EventLog:
    """An append-only log of events with counters, per-type counts and bounded memory.

    ``append`` is O(1) amortized and never touches the disk itself. ``memory_events`` and
    ``memory_bytes`` bound the events kept as objects (plus one segment being filled and the
    segments on their way to disk); ``cap`` (None: no cap) bounds the events kept at all.
    """

    def __init__(self, *, memory_events: int = MEMORY_EVENTS, memory_bytes: int = MEMORY_BYTES,
                 segment_events: int = SEGMENT_EVENTS, segment_bytes: int = SEGMENT_BYTES,
                 cap: int | None = None, directory: str | os.PathLike[str] | None = None) -> None:
        if memory_events < 1 or segment_events < 1:
            raise ValueError("memory_events and segment_events must be positive")
        self._memory_events = memory_events
        self._memory_bytes = memory_bytes
        self._segment_events = min(segment_events, max(1, memory_events // 2))
        self._segment_bytes = segment_bytes
        self._cap: int | None = None
        self._first = 0
        self._total = 0
        self._bytes = 0
        self._type_ids: dict[str, int] = {}
        self._type_names: list[str] = []
        self._counts: list[int] = []
        self._segments: list[_Segment] = [_Segment(0)]
        self._starts: list[int] = [0]
        self._open = self._segments[0]
        self._resident: list[_Segment] = []  # full segments in memory, not yet handed over
        self._loaded: OrderedDict[int, _Columns] = OrderedDict()
        self._spill = _Spill(os.fspath(directory) if directory is not None else None)
        self._jobs: queue.SimpleQueue[_Segment | threading.Event | None] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._closed = False
        self._finalizer = weakref.finalize(self, _shutdown, self._jobs, self._spill)
        if cap is not None:
            self.set_cap(cap)

    # -- counters --------------------------------------------------------------------------

    @property
    def total(self) -> int:
        """Events ever appended (one past the newest index)."""
        return self._total

    @property
    def first(self) -> int:
        """The oldest index still kept (the number of events the cap dropped)."""
        return self._first

    @property
    def dropped(self) -> int:
        return self._first

    def __len__(self) -> int:
        """Events kept."""
        return self._total - self._first

    @property
    def bytes(self) -> int:
        """Bytes of data (UTF-8) of every event ever appended."""
        return self._bytes

    @property
    def cap(self) -> int | None:
        return self._cap

    @property
    def types(self) -> list[str]:
        """Every event type seen, in the order first seen."""
        return list(self._type_names)

    def type_counts(self) -> dict[str, int]:
        """Events kept per type, for every type seen (0 once the cap dropped them all)."""
        return dict(zip(self._type_names, self._counts, strict=True))

    def type_id(self, name: str) -> int | None:
        return self._type_ids.get(name)

    @property
    def in_memory(self) -> int:
        """Kept events whose data is in memory."""
        return sum(self._kept(s) for s in self._segments if s.mem is not None)

    @property
    def on_disk(self) -> int:
        """Kept events whose data was moved to disk."""
        return sum(self._kept(s) for s in self._segments if s.mem is None)

    @property
    def spill_error(self) -> str | None:
        """Why old events could not be moved to disk (they stay in memory), or None."""
        return self._spill.error

    @property
    def last(self) -> LoggedEvent | None:
        return self.get(self._total - 1) if self._total > self._first else None

    def _kept(self, segment: _Segment) -> int:
        return segment.stop - max(segment.start, self._first)

    # -- appending -------------------------------------------------------------------------

    def append(self, event: Row, when: float) -> None:
        """Add ``event``, received at ``when`` (seconds since the epoch)."""
        if self._closed:
            raise ValueError("the event log is closed")
        event_type, data = event[0], event[1]
        size = len(data) if data.isascii() else len(data.encode("utf-8", "surrogatepass"))
        type_id = self._type_ids.get(event_type)
        if type_id is None:
            type_id = self._new_type(event_type)
        segment = self._open
        mem = segment.mem
        assert mem is not None  # the open segment is never spilled
        mem.data.append(data)
        mem.ids.append(event[2])
        retry = event[3]
        mem.retries.append(-1 if retry is None else retry)
        mem.times.append(when)
        mem.sizes.append(size)
        segment.types.append(type_id)
        segment.nbytes += size
        self._counts[type_id] += 1
        self._bytes += size
        self._total += 1
        if len(segment.types) >= self._segment_events or segment.nbytes >= self._segment_bytes:
            self._roll()
        if self._cap is not None and self._total - self._first > self._cap:
            self._drop_to(self._total - self._cap)

    def extend(self, events: Sequence[Row], when: float) -> None:
        for event in events:
            self.append(event, when)

    def _new_type(self, name: str) -> int:
        type_id = self._type_ids[name] = len(self._type_names)
        self._type_names.append(name)
        self._counts.append(0)
        return type_id

    def _roll(self) -> None:
        """Close the open segment, start another, and send old ones to disk if need be."""
        full = self._open
        self._resident.append(full)
        self._open = _Segment(self._total)
        self._segments.append(self._open)
        self._starts.append(self._total)
        if self._spill.error is not None:
            return  # spilling failed once: keep everything in memory from now on
        events = sum(len(s.types) for s in self._resident)
        data = sum(s.nbytes for s in self._resident)
        while self._resident and (events > self._memory_events or data > self._memory_bytes):
            segment = self._resident.pop(0)
            events -= len(segment.types)
            data -= segment.nbytes
            self._hand_over(segment)

    def _hand_over(self, segment: _Segment) -> None:
        segment.queued = True
        if self._writer is None:
            self._writer = threading.Thread(target=_write_segments, args=(self._jobs, self._spill),
                                            name="spyglass-event-log", daemon=True)
            self._writer.start()
        self._jobs.put(segment)

    # -- the cap ---------------------------------------------------------------------------

    def set_cap(self, cap: int | None) -> None:
        """Keep only the last ``cap`` events from now on (None: keep everything)."""
        if cap is not None and cap < 1:
            raise ValueError("the cap must be at least 1")
        self._cap = cap
        if cap is not None and self._total - self._first > cap:
            self._drop_to(self._total - cap)

    def _drop_to(self, new_first: int) -> None:
        counts = self._counts
        while self._first < new_first:
            segment = self._segments[0]
            stop = min(new_first, segment.stop)
            for type_id in segment.types[self._first - segment.start:stop - segment.start]:
                counts[type_id] -= 1
            self._first = stop
            if stop == segment.stop and segment is not self._open:
                self._discard(segment)

    def _discard(self, segment: _Segment) -> None:
        del self._segments[0], self._starts[0]
        if segment in self._resident:
            self._resident.remove(segment)
        self._loaded.pop(segment.start, None)
        with self._spill.lock:
            segment.discarded = True
            segment.mem = None
            path = segment.path if segment.pins == 0 else None
        if path is not None:
            with contextlib.suppress(OSError):
                os.unlink(path)

    # -- reading ---------------------------------------------------------------------------

    def _segment_of(self, index: int) -> _Segment:
        if index >= self._open.start:
            return self._open
        return self._segments[bisect.bisect_right(self._starts, index) - 1]

    def _columns_of(self, segment: _Segment) -> _Columns:
        """The segment's events: in memory, or loaded from its file (and cached)."""
        mem = segment.mem
        if mem is not None:
            return mem
        loaded = self._loaded.get(segment.start)
        if loaded is None:
            assert segment.path is not None
            loaded = self._loaded[segment.start] = _Columns.load(segment.path)
            if len(self._loaded) > _LOADED_CACHE:
                self._loaded.popitem(last=False)
        else:
            self._loaded.move_to_end(segment.start)
        return loaded

    def get(self, index: int) -> LoggedEvent:
        """The event at absolute ``index`` (IndexError when dropped or not there yet)."""
        if not self._first <= index < self._total:
            raise IndexError(f"event {index} is not in the log "
                             f"(kept: {self._first}..{self._total - 1})")
        segment = self._segment_of(index)
        k = index - segment.start
        return self._columns_of(segment).event(k, self._type_names[segment.types[k]])

    def type_at(self, index: int) -> str:
        """The type of the event at ``index``, without loading its data."""
        if not self._first <= index < self._total:
            raise IndexError(index)
        segment = self._segment_of(index)
        return self._type_names[segment.types[index - segment.start]]

    def blocks(self, start: int, stop: int, *, text: bool = True
               ) -> Iterator[tuple[int, array[int], list[str] | None, list[str] | None]]:
        """``(first index, type ids, ids, data)`` per segment over ``[start, stop)`` of the
        kept events (ids and data are None unless ``text``, which may load them from disk)."""
        start = max(start, self._first)
        stop = min(stop, self._total)
        while start < stop:
            segment = self._segment_of(start)
            a, b = start - segment.start, min(stop, segment.stop) - segment.start
            if text:
                columns = self._columns_of(segment)
                yield start, segment.types[a:b], columns.ids[a:b], columns.data[a:b]
            else:
                yield start, segment.types[a:b], None, None
            start = segment.start + b

    def __iter__(self) -> Iterator[LoggedEvent]:
        """Every kept event, oldest first."""
        for i in range(self._first, self._total):
            yield self.get(i)

    # -- snapshots and the end -------------------------------------------------------------

    def snapshot(self) -> LogSnapshot:
        """The kept events as they are now, readable from another thread until ``release``."""
        parts: list[_Part] = []
        with self._spill.lock:
            for segment in self._segments:
                a = max(segment.start, self._first)
                b = segment.stop
                if a >= b:
                    continue
                k, n = a - segment.start, b - segment.start
                types = segment.types[k:n]
                mem = segment.mem
                if mem is not None:
                    # A copy: the open segment keeps growing, the copy does not.
                    parts.append(_Part(types, mem.part(k, n), None, 0))
                else:
                    segment.pins += 1
                    self._spill.pins += 1
                    parts.append(_Part(types, None, segment, k))
        return LogSnapshot(parts, list(self._type_names), self._spill)

    def wait_spilled(self, timeout: float = 30.0) -> bool:
        """Wait until every segment handed to the writer is written (for tests and benches)."""
        if self._writer is None:
            return True
        done = threading.Event()
        self._jobs.put(done)
        return done.wait(timeout)

    def close(self) -> None:
        """Stop the writer and delete the log's files (harmless when called twice)."""
        if self._closed:
            return
        self._closed = True
        self._loaded.clear()
        with self._spill.lock:
            for segment in self._segments:
                segment.discarded = True
        self._finalizer()
        if self._writer is not None:
            self._writer.join(10)

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> EventLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        cap = f", cap={self._cap}" if self._cap is not None else ""
        return f"<EventLog {len(self)} of {self._total} events{cap}>"


class _Part(NamedTuple):
    types: array[int]
    columns: _Columns | None  # the events, or None: read them from the segment's file
    segment: _Segment | None
    offset: int  # of the first event in the segment


class LogSnapshot:
    """The kept events of a log at one moment; ``release()`` lets the log delete its files."""

    def __init__(self, parts: list[_Part], type_names: list[str], spill: _Spill) -> None:
        self._parts = parts
        self._type_names = type_names
        self._spill = spill
        self._released = False

    def __len__(self) -> int:
        return sum(len(p.types) for p in self._parts)

    def events(self, cancelled: Callable[[], bool] | None = None) -> Iterator[LoggedEvent]:
        """The events, oldest first (reads the files of spilled segments)."""
        names = self._type_names
        for part in self._parts:
            if cancelled is not None and cancelled():
                return
            columns, offset = part.columns, part.offset
            if columns is None:
                assert part.segment is not None and part.segment.path is not None
                columns = _Columns.load(part.segment.path)
            for k, type_id in enumerate(part.types, offset):
                yield columns.event(k, names[type_id])

    def release(self) -> None:
        """Unpin the files (harmless when called twice); any thread may call it."""
        if self._released:
            return
        self._released = True
        unlink: list[str] = []
        with self._spill.lock:
            for part in self._parts:
                segment = part.segment
                if segment is None:
                    continue
                segment.pins -= 1
                self._spill.pins -= 1
                if segment.pins == 0 and segment.discarded and segment.path:
                    unlink.append(segment.path)
            remove_directory = self._spill.closed and self._spill.pins == 0
        for path in unlink:
            with contextlib.suppress(OSError):
                os.unlink(path)
        if remove_directory:
            self._spill.remove_directory()

    def __enter__(self) -> LogSnapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


# -- export ------------------------------------------------------------------------------------


class _Clock:
    """ISO 8601 UTC times with milliseconds; the date and time of day are formatted once a
    second (formatting each of a million events' times costs more than writing them)."""

    def __init__(self) -> None:
        self._second = -1
        self._prefix = ""

    def iso(self, when: float) -> str:
        second = int(when // 1)
        if second != self._second:
            self._second = second
            self._prefix = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        millis = int((when - second) * 1000)  # < 1000: when - second < 1
        return f"{self._prefix}.{millis:03d}Z"


#: Line breaks JSON leaves raw but line readers split on (str.splitlines, older JavaScript).
_RAW_BREAKS = re.compile("[\x85\u2028\u2029]")


def jsonl_record(event: LoggedEvent, clock: _Clock | None = None) -> str:
    """One JSON-lines record: ``{"time", "event", "id", "data", "retry"}`` and a newline."""
    when = (clock or _Clock()).iso(event.time)
    retry = "null" if event.retry is None else str(event.retry)
    line = (f'{{"time": "{when}", "event": {encode_basestring(event.event)}, '
            f'"id": {encode_basestring(event.id)}, "data": {encode_basestring(event.data)}, '
            f'"retry": {retry}}}\n')
    if not line.isascii():
        line = _RAW_BREAKS.sub(lambda m: f"\\u{ord(m.group()):04x}", line)
    return line


def export_jsonl(snapshot: LogSnapshot, path: str | os.PathLike[str], *,
                 cancelled: Callable[[], bool] | None = None) -> int:
    """Write the snapshot's events to ``path`` as JSON lines; return how many.

    The file appears whole or not at all (a temporary file renamed at the end); an
    ``OSError`` (a full disk, no permission) leaves nothing behind. Meant for a worker thread.
    """
    target = Path(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part",
                                     dir=target.parent)
    count = 0
    try:
        # backslashreplace: a lone surrogate becomes a \\udcxx escape, which JSON reads back.
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace",
                       newline="\n", buffering=1 << 20) as out:
            clock = _Clock()
            for event in snapshot.events(cancelled):
                out.write(jsonl_record(event, clock))
                count += 1
        if cancelled is not None and cancelled():
            raise InterruptedError("export cancelled")
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return count


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


class EventIndex:
    """The events of a log a filter accepts, as positions ``start .. end - 1``.

    With the empty filter a position is the event's index; otherwise positions index a list of
    matching indices that ``advance`` extends a budget at a time. ``start`` moves forward when
    the cap drops events; ``trim`` forgets positions the caller no longer needs.
    """

    def __init__(self, log: EventLog, event_filter: EventFilter | None = None) -> None:
        self.log = log
        self.filter = event_filter if event_filter is not None else EventFilter()
        self._all = self.filter.empty
        self._indices = array("Q")
        self._offset = 0  # positions trimmed off the front of _indices
        self._scanned = 0  # events of the log looked at
        self._pattern = self.filter.pattern()
        self._wanted: set[int] | None = None
        self._types_seen = -1

    @property
    def start(self) -> int:
        """The first position whose event is still in the log."""
        if self._all:
            return self.log.first
        k = bisect.bisect_left(self._indices, self.log.first)
        return self._offset + k

    @property
    def end(self) -> int:
        """One past the last position found so far."""
        return self.log.total if self._all else self._offset + len(self._indices)

    @property
    def complete(self) -> bool:
        """Whether every event of the log has been looked at."""
        return self._all or self._scanned >= self.log.total

    @property
    def scanned(self) -> int:
        return self.log.total if self._all else self._scanned

    def index(self, position: int) -> int:
        """The log index of the event at ``position``."""
        return position if self._all else self._indices[position - self._offset]

    def position_of(self, index: int) -> int | None:
        """The position of the event at log ``index``, or None when the filter hides it."""
        if self._all:
            return index if self.log.first <= index < self.log.total else None
        k = bisect.bisect_left(self._indices, index)
        if k < len(self._indices) and self._indices[k] == index:
            return self._offset + k
        return None

    def trim(self, position: int) -> None:
        """Forget the positions before ``position`` (the others keep their numbers). It is
        done once they are half the list, so that calling it often costs O(1) amortized."""
        k = position - self._offset
        if not self._all and k >= 1024 and 2 * k >= len(self._indices):
            del self._indices[:k]
            self._offset = position

    def _wanted_ids(self) -> set[int] | None:
        types = self.filter.types
        if types is None:
            return None
        names = self.log.types
        if len(names) != self._types_seen:
            self._types_seen = len(names)
            self._wanted = {i for i, name in enumerate(names) if name in types}
        return self._wanted

    def advance(self, budget: int = 20_000) -> int:
        """Look at up to ``budget`` more events; return how many matched."""
        if self._all:
            return 0
        log = self.log
        start = max(self._scanned, log.first)
        stop = min(log.total, start + budget)
        self._scanned = max(self._scanned, start)
        if start >= stop:
            return 0
        wanted = self._wanted_ids()
        pattern = self._pattern
        names = log.types
        found = self._indices
        before = len(found)
        for first, type_ids, ids, data in log.blocks(start, stop, text=pattern is not None):
            if pattern is None:
                found.extend(first + k for k, t in enumerate(type_ids) if wanted is None
                             or t in wanted)
                continue
            assert ids is not None and data is not None
            search = pattern.search
            for k, (t, event_id, text) in enumerate(zip(type_ids, ids, data, strict=True)):
                if wanted is not None and t not in wanted:
                    continue
                if (search(text) is not None or search(event_id) is not None
                        or search(names[t]) is not None):
                    found.append(first + k)
        self._scanned = stop
        return len(found) - before
