"""The engine under every stream log: records in bounded memory, spilled to disk, capped,
filtered a budget at a time, snapshotted and exported as JSON lines.

A concrete log (``EventLog``, ``MessageLog``, the terminal's frame log) says only what its
record is: a :class:`Columns` class holding a segment's records a column each (and how that
becomes bytes on disk), how its ``append`` fills those columns, what one record and one JSON
line look like, and what a filter matches. Everything else lives here, once:

- **Segments.** Records are kept in segments of up to ``segment_records`` records (or
  ``segment_bytes`` of payload). The newest, *open* segment takes appends; a full one is
  closed. Each record also has a small integer *tag* (an event's type, a message's direction
  and kind) kept in memory for the segment's whole life, for counts and for filters that need
  no payload.
- **Spill.** Once the closed segments in memory hold more than ``memory_records`` records or
  ``memory_bytes`` (payload plus ``ROW_OVERHEAD`` a record), the oldest are handed to a writer
  thread, which marshals each to a file of its own in a private temporary folder and then
  frees its columns. Reading a spilled record loads its segment back (the last two loaded are
  cached). Should the writer fall behind by more than the memory limit, appending waits
  for it, so memory stays bounded even when the disk is slower than the stream. If a segment
  cannot be written (a full disk), it stays in memory, spilling stops and ``spill_error``
  says why: memory grows, nothing is lost.
- **Cap.** Nothing is dropped unless a ``cap`` is set: then the last ``cap`` records are kept,
  ``dropped`` says how many went, and the segments they filled are deleted.
- **Indices** are absolute: the n-th record ever appended has index ``n - 1``; ``first`` is the
  oldest index kept and ``total`` is one past the newest. ``clear()`` forgets everything and
  indices go on.
- **Filter index.** :class:`~app.streams.filter_index.FilterIndex` lists the indices a filter
  accepts, grown a budget at a time, across memory and disk, so filtering a million records
  never blocks for long.
- **Snapshot and export.** ``snapshot()`` freezes the kept records (files it reads stay until
  ``release()``); :func:`~app.streams.export.export_jsonl` writes one, in any thread,
  atomically through :mod:`app.storage.atomic`, with times in one format: ISO 8601 UTC with
  milliseconds (``2026-12-04T01:52:21.123Z``, see :class:`~app.streams.export.Clock`).

Threads: ONE thread owns the log: it appends, reads, sets the cap, clears and takes snapshots
(the event loop's, in the window). The writer thread only writes the segments handed to it and
takes no lock per record. A snapshot may be read and exported in any thread. No Qt here.
"""

from __future__ import annotations

import bisect
import contextlib
import os
import queue
import shutil
import tempfile
import threading
import time
import weakref
from array import array
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, NamedTuple, Protocol, Self, TypeVar

if TYPE_CHECKING:
    from app.streams.export import Clock


__all__ = [
    "Columns",
    "Select",
    "Snapshot",
    "SpillLog",
]


class Columns(Protocol):
    """A segment's records, a column each (lists and arrays of plain values: the garbage
    collector has little to visit however many records are kept)."""

    def __len__(self) -> int: ...

    def part(self, k: int, n: int) -> Self:
        """A copy of records ``k .. n - 1`` (for a snapshot of the open segment)."""
        ...

    def seal(self) -> None:
        """The segment is full: compact it if that helps (no more appends come)."""
        ...

    def dumps(self) -> bytes:
        """The records as bytes, for the segment's file."""
        ...

    @classmethod
    def loads(cls, raw: bytes) -> Self:
        """The records back from what ``dumps`` wrote."""
        ...


C = TypeVar("C", bound=Columns)
R = TypeVar("R")

#: What a filter looks at: ``(first index, tags, columns or None, offset, out)``: append to
#: ``out`` the indices of the records ``first + i`` (tag ``tags[i]``, columns row
#: ``offset + i``) it accepts. Columns are None when the filter said it needs none.
Select = Callable[[int, "array[int]", C | None, int, "array[int]"], None]

_LOADED_CACHE = 2


# -- segments ------------------------------------------------------------------------------------


class _Segment(Generic[C]):
    __slots__ = ("discarded", "mem", "nbytes", "path", "pins", "queued", "start", "tags")

    def __init__(self, start: int, mem: C) -> None:
        self.start = start
        self.tags = array("I")  # kept for the segment's whole life
        self.mem: C | None = mem  # None once the file holds the records
        self.nbytes = 0  # payload bytes
        self.path: str | None = None
        self.queued = False
        self.pins = 0  # snapshots reading the file
        self.discarded = False  # dropped, cleared or the log closed: delete when unpinned

    @property
    def stop(self) -> int:
        return self.start + len(self.tags)


@dataclass
class _Spill:
    """What the log and its writer thread share (the thread holds no reference to the log)."""

    parent: str | None
    name: str  # the log's NAME: in the folder's and the files' names
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
                self.directory = tempfile.mkdtemp(prefix=f"spyglass-{self.name}-",
                                                  dir=self.parent)
            return self.directory

    def remove_directory(self) -> None:
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)


_Job = _Segment[Any] | threading.Event | None


def _write_segments(jobs: queue.SimpleQueue[_Job], spill: _Spill) -> None:
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
            path = os.path.join(directory, f"{segment.start}.{spill.name}")
            payload = mem.dumps()
            # Private (app.storage.private): received data, and the temp folder is listable.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with open(fd, "wb") as f:
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
                segment.path = path  # set before mem goes, so readers always find the records
                segment.mem = None


def _shutdown(jobs: queue.SimpleQueue[_Job], spill: _Spill) -> None:
    """Close a log's spill and delete its folder unless a snapshot still reads it (the last
    ``release`` does it then). The writer deletes it again as it exits, in case it was
    writing a file meanwhile; this is also what runs at exit for a log never closed."""
    with spill.lock:
        spill.closed = True
        pinned = spill.pins > 0
    jobs.put(None)
    if not pinned:
        spill.remove_directory()


def _load(columns_type: type[C], path: str) -> C:
    with open(path, "rb") as f:
        return columns_type.loads(f.read())


# -- the engine ----------------------------------------------------------------------------------


class SpillLog(Generic[C, R]):
    """Append-only records ``R`` stored as columns ``C``, in bounded memory.

    A subclass passes its :class:`Columns` class (and sets ``ROW_OVERHEAD``, ``NAME``),
    implements ``record`` and ``line``, and appends by filling ``self._open.mem`` then calling
    ``self._push(tag, size)``: O(1) amortized, never touching the disk.
    """

    #: What a record costs in memory besides its payload (for ``memory_bytes``).
    ROW_OVERHEAD: ClassVar[int] = 0
    #: In the names of the writer thread, the spill folder and its files.
    NAME: ClassVar[str] = "log"

    def __init__(self, columns: type[C], *, memory_records: int | None = None,
                 memory_bytes: int = 32 << 20,
                 segment_records: int = 4096, segment_bytes: int = 1 << 20,
                 cap: int | None = None, directory: str | os.PathLike[str] | None = None) -> None:
        if segment_records < 1 or segment_bytes < 1:
            raise ValueError("segments need room for at least one record and one byte")
        if memory_records is not None and memory_records < 1:
            raise ValueError("memory_records must be positive")
        self._columns_type = columns
        self.memory_records = memory_records
        self.memory_limit = memory_bytes
        if memory_records is not None:
            segment_records = min(segment_records, max(1, memory_records // 2))
        self.segment_records = segment_records
        self.segment_bytes = segment_bytes
        self._cap: int | None = None
        self._first = 0
        self._total = 0
        self._cleared = 0  # records before it were cleared, not dropped
        self._bytes = 0
        self._counts: list[int] = []
        self._open: _Segment[C] = self._new_segment(0)
        self._segments: list[_Segment[C]] = [self._open]
        self._starts: list[int] = [0]
        self._resident: list[_Segment[C]] = []  # closed, in memory, not yet handed over
        self._pending: deque[_Segment[C]] = deque()  # handed over, perhaps not written yet
        self._loaded: OrderedDict[int, C] = OrderedDict()
        self._spill = _Spill(os.fspath(directory) if directory is not None else None, self.NAME)
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._closed = False
        self._finalizer = weakref.finalize(self, _shutdown, self._jobs, self._spill)
        if cap is not None:
            self.set_cap(cap)

    def _new_segment(self, start: int) -> _Segment[C]:
        return _Segment(start, self._columns_type())

    # -- what a subclass says --------------------------------------------------------------

    def record(self, columns: C, k: int, tag: int, index: int) -> R:
        """The record at row ``k`` of ``columns`` (tag ``tag``, absolute ``index``)."""
        raise NotImplementedError

    def line(self, record: R, clock: Clock) -> str:
        """The record as one JSON line, ending in a line break (see :func:`json_line`)."""
        raise NotImplementedError

    # -- counters --------------------------------------------------------------------------

    @property
    def total(self) -> int:
        """Records ever appended (one past the newest index)."""
        return self._total

    @property
    def end(self) -> int:
        """The same as ``total``."""
        return self._total

    @property
    def first(self) -> int:
        """The oldest index still kept."""
        return self._first

    @property
    def dropped(self) -> int:
        """How many of the oldest records the cap dropped (since the last ``clear()``)."""
        return self._first - self._cleared

    def __len__(self) -> int:
        """Records kept."""
        return self._total - self._first

    @property
    def cap(self) -> int | None:
        """The most records kept, or None (keep everything; the default)."""
        return self._cap

    def tag_counts(self) -> list[int]:
        """Records kept per tag."""
        return list(self._counts)

    def _new_tag(self) -> int:
        self._counts.append(0)
        return len(self._counts) - 1

    @property
    def in_memory(self) -> int:
        """Kept records whose columns are in memory."""
        return sum(self._kept(s) for s in self._segments if s.mem is not None)

    @property
    def on_disk(self) -> int:
        """Kept records whose columns were moved to disk."""
        return sum(self._kept(s) for s in self._segments if s.mem is None)

    @property
    def memory_bytes(self) -> int:
        """The estimated bytes the log holds in memory (payload plus ``ROW_OVERHEAD`` a
        record), segments handed to the writer thread aside: what ``memory_limit`` bounds,
        plus the open segment. What the writer has yet to write is bounded by as much again."""
        return sum(s.nbytes + len(s.tags) * self.ROW_OVERHEAD
                   for s in (*self._resident, self._open))

    @property
    def spill_error(self) -> str | None:
        """Why old records could not be moved to disk (they stay in memory), or None."""
        return self._spill.error

    @property
    def spill_directory(self) -> str | None:
        """The folder of the segment files, once one was written."""
        return self._spill.directory

    def _kept(self, segment: _Segment[C]) -> int:
        return segment.stop - max(segment.start, self._first)

    # -- appending -------------------------------------------------------------------------

    def _push(self, tag: int, size: int) -> None:
        """Account for the record just added to the open segment's columns."""
        segment = self._open
        segment.tags.append(tag)
        segment.nbytes += size
        self._counts[tag] += 1
        self._bytes += size
        self._total += 1
        if len(segment.tags) >= self.segment_records or segment.nbytes >= self.segment_bytes:
            self._roll()
        if self._cap is not None and self._total - self._first > self._cap:
            self._drop_to(self._total - self._cap)

    def _roll(self) -> None:
        """Close the open segment, start another, and send old ones to disk if need be."""
        full = self._open
        assert full.mem is not None  # the open segment is never spilled
        full.mem.seal()
        self._resident.append(full)
        self._open = self._new_segment(self._total)
        self._segments.append(self._open)
        self._starts.append(self._total)
        if self._spill.error is not None or self._closed:
            return  # spilling failed once: keep everything in memory from now on
        limit = self.memory_records
        overhead = self.ROW_OVERHEAD
        records = sum(len(s.tags) for s in self._resident)
        cost = sum(s.nbytes for s in self._resident) + records * overhead
        while self._resident and ((limit is not None and records > limit)
                                  or cost > self.memory_limit):
            segment = self._resident.pop(0)
            records -= len(segment.tags)
            cost -= segment.nbytes + len(segment.tags) * overhead
            self._hand_over(segment)

    def _hand_over(self, segment: _Segment[C]) -> None:
        segment.queued = True
        if self._writer is None:
            self._writer = threading.Thread(target=_write_segments, args=(self._jobs, self._spill),
                                            name=f"spyglass-{self.NAME}", daemon=True)
            self._writer.start()
        self._jobs.put(segment)
        self._pending.append(segment)
        self._keep_up()

    def _pending_cost(self) -> int:
        """The memory of the segments handed over and not yet written (or given up on)."""
        pending = self._pending
        while pending and (pending[0].mem is None or not pending[0].queued):
            pending.popleft()
        return sum(s.nbytes + len(s.tags) * self.ROW_OVERHEAD
                   for s in pending if s.mem is not None and s.queued)

    def _keep_up(self) -> None:
        """Wait for the writer when what it has yet to write passes the memory limit: a disk
        slower than the stream must not let memory grow without bound. The wait sleeps, so
        the writer has the interpreter; it is rare and short (a segment is written in about
        a millisecond)."""
        writer = self._writer
        while (self._pending_cost() > max(self.memory_limit, self.segment_bytes)
               and writer is not None and writer.is_alive() and self._spill.error is None):
            time.sleep(0.0005)

    # -- the cap and clearing --------------------------------------------------------------

    def set_cap(self, cap: int | None) -> None:
        """Keep only the last ``cap`` records from now on (None: keep everything); drops at
        once."""
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
            for tag in segment.tags[self._first - segment.start:stop - segment.start]:
                counts[tag] -= 1
            self._first = stop
            if stop == segment.stop and segment is not self._open:
                del self._segments[0], self._starts[0]
                self._discard(segment)

    def _discard(self, segment: _Segment[C]) -> None:
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

    def clear(self) -> None:
        """Forget every record (and the spill error); indices go on from ``total``."""
        for segment in self._segments:
            self._discard(segment)
        self._open = self._new_segment(self._total)
        self._segments = [self._open]
        self._starts = [self._total]
        self._resident = []
        self._pending.clear()
        self._first = self._cleared = self._total
        self._counts = [0] * len(self._counts)
        self._bytes = 0
        with self._spill.lock:
            self._spill.error = None

    # -- reading ---------------------------------------------------------------------------

    def _segment_of(self, index: int) -> _Segment[C]:
        if not self._first <= index < self._total:
            raise IndexError(f"record {index} is not in the log "
                             f"(kept: {self._first}..{self._total - 1})")
        if index >= self._open.start:
            return self._open
        return self._segments[bisect.bisect_right(self._starts, index) - 1]

    def _columns_of(self, segment: _Segment[C]) -> C:
        """The segment's columns: in memory, or loaded from its file (and cached)."""
        mem = segment.mem
        if mem is not None:
            return mem
        loaded = self._loaded.get(segment.start)
        if loaded is None:
            assert segment.path is not None
            loaded = self._loaded[segment.start] = _load(self._columns_type, segment.path)
            if len(self._loaded) > _LOADED_CACHE:
                self._loaded.popitem(last=False)
        else:
            self._loaded.move_to_end(segment.start)
        return loaded

    def get(self, index: int) -> R:
        """The record at absolute ``index`` (IndexError when dropped or not there yet)."""
        segment = self._segment_of(index)
        k = index - segment.start
        return self.record(self._columns_of(segment), k, segment.tags[k], index)

    def tag_at(self, index: int) -> int:
        """The tag of the record at ``index``, without loading its columns."""
        segment = self._segment_of(index)
        return segment.tags[index - segment.start]

    def spans(self, start: int, stop: int, *, columns: bool = True
              ) -> Iterator[tuple[int, array[int], C | None, int]]:
        """``(first index, tags, columns, offset)`` per segment over ``[start, stop)`` of the
        kept records: record ``first + i`` has tag ``tags[i]`` and is row ``offset + i`` of
        ``columns`` (None unless ``columns``, which may load them from disk)."""
        start = max(start, self._first)
        stop = min(stop, self._total)
        while start < stop:
            segment = self._segment_of(start)
            a, b = start - segment.start, min(stop, segment.stop) - segment.start
            yield (start, segment.tags[a:b],
                   self._columns_of(segment) if columns else None, a)
            start = segment.start + b

    def scan(self, start: int, stop: int) -> Iterator[R]:
        """The records ``start <= index < stop`` (clipped to what is kept), oldest first."""
        record = self.record
        for first, tags, columns, offset in self.spans(start, stop):
            assert columns is not None
            for i, tag in enumerate(tags):
                yield record(columns, offset + i, tag, first + i)

    def __iter__(self) -> Iterator[R]:
        """Every kept record, oldest first."""
        return self.scan(self._first, self._total)

    @property
    def last(self) -> R | None:
        """The newest record kept, or None."""
        return self.get(self._total - 1) if self._total > self._first else None

    # -- snapshots and the end -------------------------------------------------------------

    def snapshot(self, stop: int | None = None) -> Snapshot[R]:
        """The kept records as they are now (those before ``stop``, if given), readable from
        any thread until ``release``."""
        parts: list[_Part] = []
        end = self._total if stop is None else min(stop, self._total)
        with self._spill.lock:
            for segment in self._segments:
                a = max(segment.start, self._first)
                b = min(segment.stop, end)
                if a >= b:
                    continue
                k, n = a - segment.start, b - segment.start
                tags = segment.tags[k:n]
                mem = segment.mem
                if mem is not None:
                    # A copy: the open segment keeps growing, the copy does not.
                    parts.append(_Part(a, tags, mem.part(k, n), None, 0))
                else:
                    segment.pins += 1
                    self._spill.pins += 1
                    parts.append(_Part(a, tags, None, segment, k))
        return Snapshot(parts, self._columns_type, self.record, self.line, self._spill)

    def wait_spilled(self, timeout: float = 30.0) -> bool:
        """Wait until every segment handed to the writer is written (for tests and benches)."""
        if self._writer is None or not self._writer.is_alive():
            return True
        done = threading.Event()
        self._jobs.put(done)
        return done.wait(timeout)

    def close(self) -> None:
        """Stop the writer and delete the log's files (harmless when called twice).
        Records appended afterwards stay in memory."""
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

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        cap = f", cap={self._cap}" if self._cap is not None else ""
        return f"<{type(self).__name__} {len(self)} of {self._total} records{cap}>"


class _Part(NamedTuple):
    start: int  # the index of its first record
    tags: array[int]
    columns: Columns | None  # the records, or None: read them from the segment's file
    segment: _Segment[Any] | None
    offset: int  # of the first record in the segment


class Snapshot(Generic[R]):
    """The kept records of a log at one moment; ``release()`` lets the log delete its files."""

    def __init__(self, parts: list[_Part], columns_type: type[Any],
                 record: Callable[[Any, int, int, int], R],
                 line: Callable[[R, Clock], str], spill: _Spill) -> None:
        self._parts = parts
        self._columns_type = columns_type
        self._record = record
        #: How a record becomes one JSON line (the log's ``line``).
        self.line = line
        self._spill = spill
        self._released = False

    def __len__(self) -> int:
        return sum(len(p.tags) for p in self._parts)

    def records(self, cancelled: Callable[[], bool] | None = None) -> Iterator[R]:
        """The records, oldest first (reads the files of spilled segments)."""
        record = self._record
        for part in self._parts:
            if cancelled is not None and cancelled():
                return
            columns, offset = part.columns, part.offset
            if columns is None:
                assert part.segment is not None and part.segment.path is not None
                columns = _load(self._columns_type, part.segment.path)
            for i, tag in enumerate(part.tags):
                yield record(columns, offset + i, tag, part.start + i)

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

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
