"""The log of a WebSocket session: every message, in order, in bounded memory.

Pure code, no Qt and no event loop. One thread appends (the event loop's); the UI reads rows
from the same thread; a spill job may run in a worker thread while it does.

Rows are kept in chunks of up to ``chunk_rows`` rows (or ``chunk_bytes`` bytes of payload).
The newest chunk takes appends (O(1) amortized); a full chunk is sealed. When the payloads
held in memory pass ``memory_limit``, the oldest sealed chunks are *spilled*: written whole
(times, directions, sizes and payloads) to a temporary file, and only their place in that
file is kept. Reading a spilled row loads its chunk back into a small cache. Nothing is ever
dropped, unless the user sets a ``cap`` on the number of rows: then the oldest rows beyond it
are dropped, and ``dropped`` says how many, for the window to show.

Spilling is a file write, which the window does not do on its thread::

    job = log.next_spill()          # on the appending thread; None when within budget
    job.run()                       # anywhere (a worker thread): serialize and write
    log.commit(job)                 # on the appending thread again

Scripts and tests may pass ``auto_spill=True`` instead, and every append spills in place.

Filtering is incremental: a :class:`LogView` keeps the indexes of the rows that match a
:class:`MessageFilter` and, on each :meth:`LogView.update`, looks only at the rows appended
(or dropped) since the last one.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import struct
import tempfile
import threading
import time as _time
import weakref
from array import array
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, NamedTuple

__all__ = [
    "DIRECTIONS",
    "KINDS",
    "Counters",
    "InputError",
    "LogView",
    "Message",
    "MessageFilter",
    "MessageLog",
    "SpillJob",
    "encode_outgoing",
    "parse_hex",
    "preview",
]

#: ``in`` from the peer, ``out`` to it, ``""`` for what the window itself notes (info, errors).
DIRECTIONS = ("in", "out", "")
#: What a row holds: ``text`` (str), ``binary`` (bytes), ``close`` (``"CODE REASON"``),
#: ``error`` and ``info`` (str).
KINDS = ("text", "binary", "close", "error", "info")

_DIRECTION_CODE = {d: i for i, d in enumerate(DIRECTIONS)}
_KIND_CODE = {k: i for i, k in enumerate(KINDS)}
_BINARY = _KIND_CODE["binary"]
_DATA_KINDS = (_KIND_CODE["text"], _BINARY)
_CODES = [(d, k) for d in DIRECTIONS for k in KINDS]        # code -> (direction, kind)
_CODE = {pair: i for i, pair in enumerate(_CODES)}

#: What a row costs in memory besides its payload: the str or bytes object's header, the
#: list slot and the time and size columns (an estimate: CPython's ``sys.getsizeof('')`` is 49).
ROW_OVERHEAD = 80
_HEADER = struct.Struct("<I")


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


def _encode(data: str | bytes) -> bytes:
    return data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")


class _Columns:
    """A chunk's rows in memory (lists while it grows)."""

    __slots__ = ("codes", "payloads", "sizes", "times")

    def __init__(self) -> None:
        self.times: list[float] | array[float] = []
        self.codes = bytearray()
        self.sizes: list[int] | array[int] = []
        self.payloads: list[str | bytes] | tuple[str | bytes, ...] = []

    def payload(self, i: int) -> str | bytes:
        return self.payloads[i]

    def seal(self) -> None:
        """Compact the full chunk. Its payloads become a tuple: a tuple of str and bytes
        leaves the garbage collector's lists at its next pass, so that full collections,
        which stall the window, do not walk every message ever received."""
        self.times = array("d", self.times)
        self.sizes = array("q", self.sizes)
        self.payloads = tuple(self.payloads)


class _Loaded:
    """A spilled chunk read back: columns, and payloads cut from one blob on demand."""

    __slots__ = ("blob", "codes", "ends", "nbytes", "sizes", "times")

    def __init__(self, raw: bytes) -> None:
        self.nbytes = len(raw)
        (n,) = _HEADER.unpack_from(raw)
        pos = _HEADER.size
        self.times = array("d", raw[pos:pos + 8 * n])
        pos += 8 * n
        self.codes = raw[pos:pos + n]
        pos += n
        self.sizes = array("q", raw[pos:pos + 8 * n])
        pos += 8 * n
        self.ends = array("q", raw[pos:pos + 8 * n])
        pos += 8 * n
        self.blob = memoryview(raw)[pos:]

    def payload(self, i: int) -> str | bytes:
        start = self.ends[i - 1] if i else 0
        data = bytes(self.blob[start:self.ends[i]])
        if _CODES[self.codes[i]][1] == "binary":
            return data
        return data.decode("utf-8", "surrogatepass")


def _serialize(cols: _Columns) -> bytes:
    n = len(cols.codes)
    encoded = [_encode(p) for p in cols.payloads]
    ends = array("q")
    total = 0
    for item in encoded:
        total += len(item)
        ends.append(total)
    times = cols.times if isinstance(cols.times, array) else array("d", cols.times)
    sizes = cols.sizes if isinstance(cols.sizes, array) else array("q", cols.sizes)
    return b"".join((_HEADER.pack(n), times.tobytes(), bytes(cols.codes), sizes.tobytes(),
                     ends.tobytes(), *encoded))


class _Chunk:
    __slots__ = ("cols", "count", "disk", "nbytes", "spilling", "start")

    def __init__(self, start: int) -> None:
        self.start = start
        self.count = 0
        self.nbytes = 0                 # payload bytes
        # Set ``disk`` before clearing ``cols``: a reader that finds no columns finds the file.
        self.cols: _Columns | None = _Columns()
        self.disk: tuple[int, int] | None = None    # (offset, length) in the spill file
        self.spilling = False


class _SpillFile:
    """The temporary file spilled chunks go to; written by one thread, read by any.

    A spill job writing to it holds it: ``close()`` while a job writes (the log was cleared
    meanwhile) closes it once the job lets go, never under the job's feet.
    """

    def __init__(self, directory: str | None) -> None:
        fd, path = tempfile.mkstemp(prefix="spyglass-wslog-", suffix=".tmp", dir=directory)
        self.fd = fd
        self.path = path
        self.end = 0
        self._lock = threading.Lock()
        self._users = 0
        self._closing = False
        self._positioned = not hasattr(os, "pread")     # Windows: seek and read under the lock
        self._finalizer = weakref.finalize(self, _release_file, fd, path)

    def hold(self) -> None:
        with self._lock:
            self._users += 1

    def let_go(self) -> None:
        with self._lock:
            self._users -= 1
            if self._closing and not self._users:
                self._finalizer()

    def write(self, data: bytes) -> tuple[int, int]:
        with self._lock:
            offset = self.end
            self.end += len(data)
            if self._positioned:
                os.lseek(self.fd, offset, os.SEEK_SET)
                _write_all(self.fd, data)
                return offset, len(data)
        view = memoryview(data)
        done = 0
        while done < len(data):
            done += os.pwrite(self.fd, view[done:], offset + done)
        return offset, len(data)

    def read(self, offset: int, length: int) -> bytes:
        if self._positioned:
            with self._lock:
                os.lseek(self.fd, offset, os.SEEK_SET)
                return _read_all(self.fd, length)
        parts = []
        while length:
            part = os.pread(self.fd, length, offset)
            if not part:
                raise OSError(f"the message log file {self.path} is shorter than expected")
            parts.append(part)
            offset += len(part)
            length -= len(part)
        return b"".join(parts)

    def close(self) -> None:
        with self._lock:
            self._closing = True
            if not self._users:
                self._finalizer()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_all(fd: int, length: int) -> bytes:
    parts = []
    while length:
        part = os.read(fd, length)
        if not part:
            raise OSError("the message log file is shorter than expected")
        parts.append(part)
        length -= len(part)
    return b"".join(parts)


def _release_file(fd: int, path: str) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(path)


class SpillJob:
    """One chunk on its way to the spill file: ``run()`` may be called on any thread, once.

    The job holds the file from its creation until ``run()`` ends, or until the log takes it
    back unrun (``commit`` or ``abandon`` before ``run`` started: a cancelled worker)."""

    def __init__(self, chunk: _Chunk, cols: _Columns, file: _SpillFile) -> None:
        self._chunk = chunk
        self._cols = cols
        self._file = file
        self._lock = threading.Lock()
        self._state = "new"             # new -> running -> done, or new -> dropped
        self.location: tuple[int, int] | None = None
        file.hold()

    def run(self) -> None:
        with self._lock:
            if self._state != "new":
                return
            self._state = "running"
        try:
            self.location = self._file.write(_serialize(self._cols))
        finally:
            with self._lock:
                self._state = "done"
            self._file.let_go()

    def _drop_if_unrun(self) -> None:
        with self._lock:
            if self._state != "new":
                return
            self._state = "dropped"
        self._file.let_go()


class MessageLog:
    """Append-only rows ``(time, direction, kind, data, size)`` with exact counters, random
    access by sequence number, bounded memory and an optional, visible cap on rows."""

    def __init__(self, *, memory_limit: int = 32 << 20, chunk_rows: int = 4096,
                 chunk_bytes: int = 1 << 20, cache_limit: int = 8 << 20,
                 cap: int | None = None, auto_spill: bool = False,
                 directory: str | None = None) -> None:
        if chunk_rows < 1 or chunk_bytes < 1:
            raise ValueError("chunks need room for at least one row and one byte")
        self.memory_limit = memory_limit
        self.chunk_rows = chunk_rows
        self.chunk_bytes = chunk_bytes
        self.cache_limit = cache_limit
        self.auto_spill = auto_spill
        self._directory = directory
        self._cap: int | None = None
        self._chunks: list[_Chunk | None] = []      # None once dropped by the cap
        self._starts = array("q")
        self._live = 0                               # index of the first chunk not dropped
        self._hot = self._new_chunk(0)
        self._end = 0
        self._first = 0
        self._cleared = 0                            # rows before it were cleared, not dropped
        self._memory = 0
        self._spillable: list[_Chunk] = []           # sealed, in memory, oldest first
        self._file: _SpillFile | None = None
        self._cache: OrderedDict[int, _Loaded] = OrderedDict()
        self._cache_bytes = 0
        self.counters = Counters()
        #: Why spilling stopped (a full disk), or None: memory then grows, nothing is lost.
        self.spill_error: OSError | None = None
        if cap is not None:
            self.set_cap(cap)

    # -- appending --------------------------------------------------------------------------

    def _new_chunk(self, start: int) -> _Chunk:
        chunk = _Chunk(start)
        self._chunks.append(chunk)
        self._starts.append(start)
        return chunk

    def append(self, direction: str, kind: str, data: str | bytes,
               when: float | None = None) -> int:
        """Add a row; its sequence number. ``data`` is bytes for ``binary``, else str."""
        code = _CODE[direction, kind]
        if (kind == "binary") != isinstance(data, bytes):
            raise TypeError(f"a {kind} row holds {'bytes' if kind == 'binary' else 'str'}")
        if isinstance(data, bytes) or data.isascii():
            size = len(data)
        else:
            size = len(data.encode("utf-8", "surrogatepass"))
        chunk = self._hot
        cols = chunk.cols
        assert cols is not None
        cols.times.append(_time.time() if when is None else when)
        cols.codes.append(code)
        cols.sizes.append(size)
        cols.payloads.append(data)  # type: ignore[union-attr]  # a list until sealed
        chunk.count += 1
        chunk.nbytes += size
        self._memory += size + ROW_OVERHEAD
        seq = self._end
        self._end = seq + 1
        if direction and (kind == "text" or kind == "binary"):  # data, not close frames or notes
            c = self.counters
            if direction == "in":
                c.in_messages += 1
                c.in_bytes += size
            else:
                c.out_messages += 1
                c.out_bytes += size
        if chunk.count >= self.chunk_rows or chunk.nbytes >= self.chunk_bytes:
            cols.seal()
            self._spillable.append(chunk)
            self._hot = self._new_chunk(self._end)
        if self._cap is not None and self._end - self._first > self._cap:
            self._drop_to(self._end - self._cap)
        if self.auto_spill and self._memory > self.memory_limit:
            self.spill()
        return seq

    # -- the cap ----------------------------------------------------------------------------

    @property
    def cap(self) -> int | None:
        """The most rows kept, or None (keep everything; the default)."""
        return self._cap

    def set_cap(self, cap: int | None) -> None:
        """Keep only the newest ``cap`` rows from now on (None: no cap); drops at once."""
        if cap is not None and cap < 1:
            raise ValueError("the cap must be at least 1 row")
        self._cap = cap
        if cap is not None and self._end - self._first > cap:
            self._drop_to(self._end - cap)

    @property
    def dropped(self) -> int:
        """How many of the oldest rows the cap dropped (since the last ``clear()``)."""
        return self._first - self._cleared

    def _drop_to(self, first: int) -> None:
        self._first = first
        while self._live < len(self._chunks) - 1:
            chunk = self._chunks[self._live]
            assert chunk is not None
            if chunk.start + chunk.count > first:
                break
            self._chunks[self._live] = None
            self._live += 1
            if chunk.cols is not None:
                self._memory -= chunk.nbytes + chunk.count * ROW_OVERHEAD
                chunk.cols = None
            if chunk in self._spillable:
                self._spillable.remove(chunk)
            loaded = self._cache.pop(chunk.start, None)
            if loaded is not None:
                self._cache_bytes -= loaded.nbytes

    # -- spilling ---------------------------------------------------------------------------

    @property
    def memory_bytes(self) -> int:
        """The estimated bytes of the rows held in memory (payloads plus ``ROW_OVERHEAD``)."""
        return self._memory

    @property
    def spilled_rows(self) -> int:
        """Rows whose chunk lives in the spill file."""
        return sum(c.count for c in self._chunks[self._live:] if c is not None and c.cols is None)

    @property
    def spill_path(self) -> str | None:
        return self._file.path if self._file is not None else None

    @property
    def spill_due(self) -> bool:
        """Memory is over the limit and a sealed chunk could go to disk."""
        return (self._memory > self.memory_limit and self.spill_error is None
                and any(not c.spilling for c in self._spillable))

    def next_spill(self) -> SpillJob | None:
        """The oldest in-memory sealed chunk to write out, when memory is over the limit."""
        if not self.spill_due:
            return None
        chunk = next(c for c in self._spillable if not c.spilling)
        assert chunk.cols is not None
        if self._file is None:
            try:
                self._file = _SpillFile(self._directory)
            except OSError as exc:
                self.spill_error = exc
                return None
        chunk.spilling = True
        return SpillJob(chunk, chunk.cols, self._file)

    def commit(self, job: SpillJob) -> None:
        """The job's chunk is on disk: free its memory (harmless if the cap dropped it)."""
        job._drop_if_unrun()
        chunk = job._chunk
        chunk.spilling = False
        if job.location is None or chunk.cols is None or chunk not in self._spillable:
            return      # not written (cancelled), or dropped by the cap or clear() meanwhile
        chunk.disk = job.location
        chunk.cols = None
        self._memory -= chunk.nbytes + chunk.count * ROW_OVERHEAD
        self._spillable.remove(chunk)

    def abandon(self, job: SpillJob, error: OSError) -> None:
        """The job failed: its chunk stays in memory and spilling stops (nothing is lost)."""
        job._drop_if_unrun()
        job._chunk.spilling = False
        self.spill_error = error

    def spill(self) -> int:
        """Spill in place until within the limit; the number of chunks written."""
        written = 0
        while (job := self.next_spill()) is not None:
            try:
                job.run()
            except OSError as exc:
                self.abandon(job, exc)
                break
            self.commit(job)
            written += 1
        return written

    def clear(self) -> None:
        """Forget every row and reset the counters; sequence numbers go on from ``end``."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self._chunks = []
        self._starts = array("q")
        self._live = 0
        self._spillable = []
        self._cache.clear()
        self._cache_bytes = 0
        self._hot = self._new_chunk(self._end)
        self._first = self._cleared = self._end
        self._memory = 0
        self.counters = Counters()
        self.spill_error = None

    def close(self) -> None:
        """Delete the spill file; the log is empty afterwards (and may still be used)."""
        self.clear()

    # -- reading ----------------------------------------------------------------------------

    @property
    def first(self) -> int:
        """The sequence number of the oldest row kept."""
        return self._first

    @property
    def end(self) -> int:
        """One past the newest row's sequence number (how many rows were ever appended)."""
        return self._end

    def __len__(self) -> int:
        return self._end - self._first

    def _columns(self, chunk: _Chunk) -> _Columns | _Loaded:
        cols = chunk.cols
        if cols is not None:
            return cols
        loaded = self._cache.get(chunk.start)
        if loaded is not None:
            self._cache.move_to_end(chunk.start)
            return loaded
        assert chunk.disk is not None and self._file is not None
        loaded = _Loaded(self._file.read(*chunk.disk))
        self._cache[chunk.start] = loaded
        self._cache_bytes += loaded.nbytes
        while self._cache_bytes > self.cache_limit and len(self._cache) > 1:
            _, old = self._cache.popitem(last=False)
            self._cache_bytes -= old.nbytes
        return loaded

    def _chunk_of(self, seq: int) -> _Chunk:
        if not self._first <= seq < self._end:
            raise IndexError(f"row {seq} is not in the log ({self._first}..{self._end - 1})")
        hot = self._hot
        if seq >= hot.start:
            return hot
        chunk = self._chunks[bisect_right(self._starts, seq) - 1]
        assert chunk is not None
        return chunk

    def message(self, seq: int) -> Message:
        """The row ``seq`` (``first <= seq < end``), from memory or from disk."""
        chunk = self._chunk_of(seq)
        cols = self._columns(chunk)
        i = seq - chunk.start
        direction, kind = _CODES[cols.codes[i]]
        return Message(seq, cols.times[i], direction, kind, cols.payload(i), cols.sizes[i])

    def scan(self, start: int, stop: int) -> Iterator[Message]:
        """The rows ``start <= seq < stop`` (clipped to what is kept), a chunk at a time."""
        seq = max(start, self._first)
        stop = min(stop, self._end)
        while seq < stop:
            chunk = self._chunk_of(seq)
            cols = self._columns(chunk)
            upto = min(stop, chunk.start + chunk.count)
            base = chunk.start
            for s in range(seq, upto):
                i = s - base
                direction, kind = _CODES[cols.codes[i]]
                yield Message(s, cols.times[i], direction, kind, cols.payload(i), cols.sizes[i])
            seq = upto

    def __iter__(self) -> Iterator[Message]:
        return self.scan(self._first, self._end)

    # -- export -----------------------------------------------------------------------------

    def jsonl_lines(self, start: int | None = None, stop: int | None = None) -> Iterator[str]:
        """The rows as JSON lines (each ending in a line break; binary payloads in base64)."""
        first = self._first if start is None else start
        for m in self.scan(first, self._end if stop is None else stop):
            row: dict[str, object] = {
                "seq": m.seq,
                "time": datetime.fromtimestamp(m.time, UTC).isoformat(timespec="microseconds"),
                "direction": m.direction, "kind": m.kind, "size": m.size,
            }
            if isinstance(m.data, bytes):
                row["base64"] = base64.b64encode(m.data).decode("ascii")
            else:
                row["text"] = m.data
            yield json.dumps(row, ensure_ascii=False) + "\n"

    def export_jsonl(self, out: IO[str], start: int | None = None,
                     stop: int | None = None) -> int:
        """Write rows as JSON lines (see :meth:`jsonl_lines`); the number written."""
        written = 0
        for line in self.jsonl_lines(start, stop):
            out.write(line)
            written += 1
        return written


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

    def matches(self, direction: str, kind: str, data: str | bytes) -> bool:
        if self.directions and direction not in self.directions:
            return False
        if self.kinds and kind not in self.kinds:
            return False
        if not self.text:
            return True
        if isinstance(data, str):
            return self.text.casefold() in data.casefold()
        needle = self.text.encode("utf-8", "surrogatepass")
        if needle in data:
            return True
        digits = "".join(self.text.split()).lower()
        return bool(digits) and digits in data.hex()


class LogView:
    """The rows of a log that pass a filter, kept up to date incrementally.

    ``update()`` returns ``(removed, added)``: how many rows left the front (dropped by the
    log's cap) and how many were appended at the end, which is what an item model needs to
    tell its views. Without a filter the view is the whole log and keeps no index.
    """

    def __init__(self, log: MessageLog, flt: MessageFilter | None = None) -> None:
        self.log = log
        self.filter = flt if flt is not None and not flt.empty else None
        self._rows = array("q")
        self._head = 0                  # rows before it were dropped from the front
        self._scanned = log.first       # the next sequence number to look at
        self._first = log.first         # the unfiltered view's first row
        self._count = 0                 # the unfiltered view's row count

    @property
    def complete(self) -> bool:
        """Every row of the log was looked at."""
        if self.filter is None:
            return self._first + self._count >= self.log.end
        return self._scanned >= self.log.end

    def __len__(self) -> int:
        if self.filter is None:
            return self._count
        return len(self._rows) - self._head

    def seq(self, row: int) -> int:
        """The sequence number of the view's ``row``."""
        if self.filter is None:
            return self._first + row
        return self._rows[self._head + row]

    def row_of(self, seq: int) -> int | None:
        """The view's row showing ``seq``, or None."""
        if self.filter is None:
            row = seq - self._first
            return row if 0 <= row < self._count else None
        i = bisect_right(self._rows, seq, self._head) - 1
        return i - self._head if i >= self._head and self._rows[i] == seq else None

    def update(self, limit: int | None = None) -> tuple[int, int]:
        """Catch up with the log (looking at ``limit`` new rows at most)."""
        log = self.log
        if self.filter is None:
            first = max(self._first, log.first)
            removed = min(self._count, first - self._first)
            self._first = first
            self._count -= removed
            added = log.end - (self._first + self._count)
            if limit is not None:
                added = min(added, limit)
            self._count += added
            return removed, added
        first = log.first
        rows = self._rows
        before = self._head
        while self._head < len(rows) and rows[self._head] < first:
            self._head += 1
        removed = self._head - before
        if self._head > 4096 and self._head * 2 > len(rows):
            del rows[:self._head]
            self._head = 0
        start = max(self._scanned, first)
        stop = log.end if limit is None else min(log.end, start + limit)
        matches = self.filter.matches
        count = len(rows)
        rows.extend(m.seq for m in log.scan(start, stop) if matches(m.direction, m.kind, m.data))
        self._scanned = stop
        return removed, len(rows) - count


# -- the text people type ----------------------------------------------------------------------


class InputError(ValueError):
    """Typed input that cannot be sent; the message says why, for the user."""


_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def parse_hex(text: str) -> bytes:
    """``"de ad be ef"`` -> ``b"\\xde\\xad\\xbe\\xef"``; spaces and line breaks anywhere."""
    digits = []
    for position, char in enumerate(text):
        if char in _HEX_DIGITS:
            digits.append(char)
        elif not char.isspace():
            raise InputError(f"{char!r} at position {position + 1} is not a hex digit "
                             "(0-9, a-f)")
    if len(digits) % 2:
        raise InputError(f"{len(digits)} hex digits: bytes take two each")
    return bytes.fromhex("".join(digits))


def encode_outgoing(mode: str, text: str) -> str | bytes:
    """What to send for ``text`` typed in ``mode`` (``text``, ``json`` or ``binary``):
    JSON is checked and sent as typed; binary is parsed from hex."""
    if mode == "text":
        return text
    if mode == "json":
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"Not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
                             ) from None
        return text
    if mode == "binary":
        return parse_hex(text)
    raise ValueError(f"unknown input mode {mode!r}")


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
