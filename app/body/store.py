"""A response body kept on disk as it arrives, with a line index, for viewers of any size.

``BodyStore`` writes each chunk through a buffered temporary file (``append`` is cheap: a copy
into the buffer and a newline scan) and indexes *display lines* as the bytes arrive: a display
line ends at a newline, and a line longer than ``wrap`` bytes (4096 by default) is cut into
several display lines, so that a viewer never has to lay out a 200 MB minified JSON line. The
index is sparse, so that it stays small whatever the body (a 1 GiB JSON pretty-printed has
some 175 million lines): the start offset of every ``INDEX_STEP``-th display line, and for
the, usually few, display lines that continue a cut line their index and start. Those
samples have a memory budget (``index_budget``, ``INDEX_BUDGET`` by default): past it the
step doubles and every other sample goes, so a body of any size (100 GiB of newlines too)
keeps at most ``index_budget`` bytes of them. The starts in between are found again from the
bytes, a block at a time (the last few blocks read are kept): a block is on average
``size * 8 / index_budget`` bytes, about 128 KiB for a 128 GiB body. Reads are thread-safe,
so search, pretty-printing and saving can run in worker threads while the body is still
arriving.

``search_body`` finds text in a store block by block; ``app.body.jobs.BodyJob`` runs such work
in a thread that can be cancelled (the names of ``app.body.jobs`` are re-exported here, where
they first lived). Nothing here imports Qt.
"""

from __future__ import annotations

import bisect
import contextlib
import os
import re
import tempfile
import threading
import uuid
import weakref
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterator
from itertools import accumulate
from pathlib import Path
from typing import BinaryIO, NamedTuple

# JobCancelled is raised here too; all four are re-exported because callers imported them
# from here before the background work had a module of its own.
from app.body.jobs import YIELD, BodyJob, JobCancelled, UserActivity

__all__ = [
    "DISPLAY_WRAP",
    "INDEX_BUDGET",
    "INDEX_STEP",
    "RELEASE_IN_BACKGROUND",
    "YIELD",
    "BodyJob",
    "BodyMatch",
    "BodyStore",
    "JobCancelled",
    "SearchBatch",
    "UserActivity",
    "compile_query",
    "decode_line",
    "search_body",
]

DISPLAY_WRAP = 4096
COPY_BLOCK = 1 << 20
_WRITE_BUFFER = 1 << 20
#: One display line in this many has its start offset kept (8 bytes each), at first.
INDEX_STEP = 64
#: The bytes of line-start samples a store keeps at most: past it, it samples more sparsely.
#: 8 MiB keeps the first step (64) up to 67 million display lines, some 400 MiB of JSON.
INDEX_BUDGET = 8 << 20
_BLOCKS_KEPT = 16
#: Line starts kept in recently read blocks, at most (8 bytes each): 16 blocks at a step of
#: 64, fewer once a huge body has made the step large.
_BLOCK_STARTS_KEPT = 1 << 17
#: A body file at least this big is closed off the calling thread (see ``_release``).
RELEASE_IN_BACKGROUND = 64 << 20
_ONE_MORE = (1).__add__


def decode_line(raw: bytes) -> str:
    """The text of a line as viewers and search count columns: UTF-8, one character per
    undecodable byte (``surrogateescape``), so that columns map back to bytes exactly."""
    return raw.decode("utf-8", "surrogateescape")


def _remove_file(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _close_all(files: list[BinaryIO]) -> None:
    for f in files:
        with contextlib.suppress(OSError):
            f.close()


def _size_of(f: BinaryIO) -> int:
    try:
        return os.fstat(f.fileno()).st_size
    except (OSError, ValueError):
        return 0


def _release(files: tuple[BinaryIO | None, ...], path: str) -> None:
    """Close a store's files and delete its temporary file (also when it is collected).

    The last close of a big file frees its page cache (some 60 ms a GiB), which would stall
    the thread that closes the tab: on POSIX the file is unlinked at once and a big one is
    closed on a short-lived thread. Windows cannot remove an open file: closed, then removed.
    """
    open_files = [f for f in files if f is not None]
    _remove_file(path)
    if os.path.exists(path):
        _close_all(open_files)
        _remove_file(path)
    elif open_files and _size_of(open_files[0]) >= RELEASE_IN_BACKGROUND:
        threading.Thread(target=_close_all, args=(open_files,), name="spyglass-body-release",
                         daemon=True).start()
    else:
        _close_all(open_files)


class BodyStore:
    """A body in a temporary file, with a display-line index built as chunks arrive.

    One thread appends (the event loop's); any thread may read. ``close()`` (or ``discard()``)
    deletes the file; a store that is garbage-collected or left at exit deletes it too.
    """

    def __init__(self, *, wrap: int = DISPLAY_WRAP, directory: str | None = None,
                 prefix: str = "spyglass-body-", index_budget: int = INDEX_BUDGET) -> None:
        if wrap < 4:
            raise ValueError("wrap must be at least 4 bytes")
        if index_budget < 16:
            raise ValueError("index_budget must be at least 16 bytes (two samples)")
        fd, path = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=directory)
        self._path = path
        self._writer = open(fd, "wb", buffering=_WRITE_BUFFER)  # noqa: SIM115 (owned, closed in close())
        self._reader = None if hasattr(os, "pread") else open(path, "rb")  # noqa: SIM115
        self._finalizer = weakref.finalize(self, _release, (self._writer, self._reader), path)
        self._lock = threading.Lock()
        self._wrap = wrap
        self._size = 0
        self._flushed = 0
        self._finished = False
        self._closed = False
        self._step = INDEX_STEP
        self._max_marks = index_budget // 8
        self._marks = array("Q", [0])         # start offset of display line k * self._step
        self._count = 1                       # display lines indexed (the last one still open)
        self._last_start = 0                  # start offset of the last display line
        self._continuations = array("Q")      # indexes of display lines that continue a cut line
        self._cut_starts = array("Q")         # ... and where each of them starts
        self._blocks: OrderedDict[int, array[int]] = OrderedDict()  # complete blocks' starts
        self._blocks_kept = 0                 # line starts in self._blocks
        self._open_start = 0                  # start of the display line still being written
        self._max_line = 0

    # -- writing (the loop thread) -----------------------------------------------------------

    def append(self, chunk: bytes | bytearray | memoryview) -> None:
        """Write ``chunk`` at the end and index its lines: O(len(chunk)), no fsync."""
        data = bytes(chunk)
        if not data:
            return
        with self._lock:
            if self._closed or self._finished:
                raise ValueError("append to a finished or closed body")
            self._writer.write(data)
            base = self._size
            self._size = base + len(data)
            self._index(data, base)

    def _index(self, data: bytes, base: int) -> None:
        parts = data.split(b"\n")
        open_part = parts.pop()                  # the line still open at the chunk's end
        first_len = base - self._open_start + (len(parts[0]) if parts else len(open_part))
        longest = max(first_len, len(open_part), max(map(len, parts), default=0))
        if longest > self._wrap:
            self._index_wrapping(data, base, parts, open_part)
            return
        if parts:
            starts = list(accumulate(map(_ONE_MORE, map(len, parts)), initial=base))
            del starts[0]
            step = self._step
            self._marks.extend(starts[(-self._count) % step::step])
            self._count += len(starts)
            if len(self._marks) > self._max_marks:
                self._thin()
            self._last_start = self._open_start = starts[-1]
        self._max_line = max(self._max_line, longest)

    def _index_wrapping(self, data: bytes, base: int, parts: list[bytes],
                        open_part: bytes) -> None:
        """The slow path, for chunks that hold a line longer than ``wrap``: cut it."""
        wrap = self._wrap
        start = self._open_start
        pos = base
        pieces = [*parts, open_part]
        last = len(pieces) - 1
        for k, piece in enumerate(pieces):
            end = pos + len(piece)               # where the line's content ends
            while end - start > wrap:
                cut = start + wrap
                # Do not cut inside a UTF-8 sequence (when the bytes at the cut are this chunk's).
                at = cut - base
                back = 0
                while 0 <= at - back < len(data) and back < 3 and cut - back > start + 1 and \
                        0x80 <= data[at - back] < 0xC0:
                    back += 1
                if back == 3 and 0 <= at - back < len(data) and 0x80 <= data[at - back] < 0xC0:
                    back = 0                     # not UTF-8 here: cut where the count says
                cut -= back
                self._continuations.append(self._count)
                self._cut_starts.append(cut)
                self._add_start(cut)
                self._max_line = max(self._max_line, cut - start)
                start = cut
            self._max_line = max(self._max_line, end - start)
            if k < last:
                start = end + 1
                self._add_start(start)
            pos = end + 1
        self._open_start = start

    def _add_start(self, offset: int) -> None:
        if self._count % self._step == 0:
            self._marks.append(offset)
            if len(self._marks) > self._max_marks:
                self._thin()
        self._count += 1
        self._last_start = offset

    def _thin(self) -> None:
        """Over budget: double the step, keeping the samples at multiples of the new one
        (the even ones); the blocks kept were cut at the old step."""
        while len(self._marks) > self._max_marks:
            self._marks = self._marks[::2]
            self._step *= 2
        self._blocks.clear()
        self._blocks_kept = 0

    def finish(self) -> None:
        """The body is complete: flush it to the file (later appends are refused)."""
        with self._lock:
            if self._closed or self._finished:
                return
            self._finished = True
            self._writer.flush()
            self._flushed = self._size

    # -- state ---------------------------------------------------------------------------------

    @property
    def path(self) -> str:
        return self._path

    @property
    def size(self) -> int:
        return self._size

    @property
    def finished(self) -> bool:
        return self._finished

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def wrap(self) -> int:
        return self._wrap

    @property
    def line_count(self) -> int:
        """Display lines so far (an empty line after a final newline is not counted)."""
        with self._lock:
            return self._line_count()

    def _line_count(self) -> int:
        n = self._count
        return n - 1 if self._last_start == self._size else n

    @property
    def logical_line_count(self) -> int:
        """Lines as the body's newlines make them (display lines less the continuations)."""
        with self._lock:
            return self._line_count() - len(self._continuations)

    @property
    def index_step(self) -> int:
        """One display line in this many has its start offset kept (``INDEX_STEP`` or more)."""
        return self._step

    @property
    def index_size(self) -> int:
        """The bytes the line-start samples take: at most ``index_budget`` whenever
        ``append`` has returned (a chunk's samples go over it only while it is indexed)."""
        with self._lock:
            return len(self._marks) * self._marks.itemsize

    @property
    def max_line_length(self) -> int:
        """The longest display line seen, in bytes (never more than ``wrap``)."""
        return self._max_line

    def is_continuation(self, i: int) -> bool:
        """Whether display line ``i`` continues a line cut at ``wrap`` bytes."""
        with self._lock:
            k = bisect.bisect_left(self._continuations, i)
            return k < len(self._continuations) and self._continuations[k] == i

    def logical_line_number(self, i: int) -> int:
        """The 1-based number of the body line that display line ``i`` shows (or continues)."""
        with self._lock:
            return i - bisect.bisect_right(self._continuations, i) + 1

    # -- the index -----------------------------------------------------------------------------

    def line_offset(self, i: int) -> int:
        """The byte offset where display line ``i`` starts (``size`` for ``i == line_count``)."""
        with self._lock:
            return self._start(i) if 0 <= i < self._count else self._size

    def line_offsets(self, first: int, stop: int) -> list[int]:
        """Start offsets of display lines ``first`` .. ``stop - 1`` (clamped to the index)."""
        with self._lock:
            first, stop = max(0, first), min(max(0, stop), self._count)
            out: list[int] = []
            while first < stop:
                k, j = divmod(first, self._step)
                starts = self._block(k)
                taken = starts[j:j + stop - first]
                out += taken
                first += len(taken)
            return out

    def line_at(self, offset: int) -> int:
        """The display line that holds byte ``offset``."""
        with self._lock:
            k = max(0, bisect.bisect_right(self._marks, offset) - 1)
            starts = self._block(k)
            return max(0, k * self._step + bisect.bisect_right(starts, offset) - 1)

    def _start(self, i: int) -> int:
        k, j = divmod(i, self._step)
        return self._marks[k] if j == 0 else self._block(k)[j]

    def _block(self, k: int) -> array[int]:
        """The start offsets of display lines ``k * step`` onwards (up to a step), found
        again from the bytes: each line starts after the previous one's newline, or where it
        was cut."""
        kept = self._blocks.get(k)
        if kept is not None:
            self._blocks.move_to_end(k)
            return kept
        step = self._step
        first = k * step
        n = min(step, self._count - first)
        begin = self._marks[k]
        end = self._marks[k + 1] if k + 1 < len(self._marks) else self._size
        data = self._read_locked(begin, end - begin)
        cuts = self._continuations
        c = bisect.bisect_left(cuts, first + 1)
        if c == len(cuts) or cuts[c] >= first + n:
            # No cut line in the block (the usual case): every start follows a newline.
            lengths = map(_ONE_MORE, map(len, data.split(b"\n", n - 1)[:n - 1]))
            starts = array("Q", accumulate(lengths, initial=begin))
        else:
            starts = array("Q", [begin])
            pos = begin
            for i in range(first + 1, first + n):
                if c < len(cuts) and cuts[c] == i:
                    pos = self._cut_starts[c]
                    c += 1
                else:
                    pos = data.index(b"\n", pos - begin) + begin + 1
                starts.append(pos)
        if k + 1 < len(self._marks):           # complete: keep it
            self._blocks[k] = starts
            self._blocks_kept += len(starts)
            while len(self._blocks) > 1 and (len(self._blocks) > _BLOCKS_KEPT
                                             or self._blocks_kept > _BLOCK_STARTS_KEPT):
                self._blocks_kept -= len(self._blocks.popitem(last=False)[1])
        return starts

    def _span(self, i: int) -> tuple[int, int]:
        """Byte range of display line ``i``'s content, without its newline."""
        start = self._start(i)
        if i + 1 < self._count:
            end = self._start(i + 1)
            k = bisect.bisect_left(self._continuations, i + 1)
            if not (k < len(self._continuations) and self._continuations[k] == i + 1):
                end -= 1                        # the next line starts after a newline
        else:
            end = self._size
        return start, end

    def line(self, i: int) -> bytes:
        """The bytes of display line ``i``, without its newline."""
        with self._lock:
            if not 0 <= i < self._line_count():
                raise IndexError(i)
            start, end = self._span(i)
        return self.read(start, end - start)

    def lines(self, first: int, count: int) -> list[bytes]:
        """Display lines ``first`` .. ``first + count - 1`` (fewer at the end), with one read."""
        with self._lock:
            stop = min(first + count, self._line_count())
            first = max(0, first)
            if stop <= first:
                return []
            spans = [self._span(i) for i in range(first, stop)]
        base = spans[0][0]
        data = self.read(base, spans[-1][1] - base)
        return [data[s - base:e - base] for s, e in spans]

    def offset_of(self, line: int, col: int) -> int:
        """The byte offset of column ``col`` (in ``decode_line`` characters) of display line
        ``line``; past the end of the line it is the line's end."""
        raw = self.line(line)
        text = decode_line(raw)
        return self.line_offset(line) + len(text[:col].encode("utf-8", "surrogateescape"))

    # -- reading (any thread) ------------------------------------------------------------------

    def read(self, offset: int, n: int) -> bytes:
        """Up to ``n`` bytes from ``offset``; safe from any thread, also while appending."""
        if n <= 0 or offset >= self._size:
            return b""
        with self._lock:
            if self._closed:
                raise ValueError("read from a closed body")
            return self._read_locked(offset, n)

    def _read_locked(self, offset: int, n: int) -> bytes:
        n = min(n, self._size - offset)
        if n <= 0:
            return b""
        if offset + n > self._flushed:
            self._writer.flush()
            self._flushed = self._size
        if self._reader is None:
            return os.pread(self._writer.fileno(), n, offset)
        self._reader.seek(offset)
        return self._reader.read(n)

    def iter_chunks(self, start: int = 0, end: int | None = None,
                    size: int = COPY_BLOCK) -> Iterator[bytes]:
        """The bytes from ``start`` to ``end`` (the size when the iteration starts) in chunks."""
        stop = self._size if end is None else min(end, self._size)
        pos = start
        while pos < stop:
            data = self.read(pos, min(size, stop - pos))
            if not data:
                return
            pos += len(data)
            yield data

    def save_to(self, path: str | os.PathLike[str],
                progress: Callable[[int, int], None] | None = None,
                cancelled: Callable[[], bool] | None = None) -> int:
        """Copy the body to ``path`` in 1 MiB chunks (meant for a worker thread).

        The copy goes to a temporary file beside ``path`` that replaces it at the end, so a
        failure (a full disk) or a cancel leaves any earlier file there untouched. Returns the
        bytes written; raises ``OSError`` or ``JobCancelled``.
        """
        target = Path(path)
        total = self._size
        part = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
        done = 0
        try:
            with open(part, "wb") as out:
                for data in self.iter_chunks(0, total):
                    if cancelled is not None and cancelled():
                        raise JobCancelled
                    out.write(data)
                    done += len(data)
                    if progress is not None:
                        progress(done, total)
            os.replace(part, target)
        except BaseException:
            _remove_file(str(part))
            raise
        if progress is not None and total == 0:
            progress(0, 0)
        return done

    # -- lifetime ------------------------------------------------------------------------------

    def close(self) -> None:
        """Close and delete the temporary file; reads afterwards raise ``ValueError``."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._finalizer()

    discard = close

    def __enter__(self) -> BodyStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "finished" if self._finished else "open"
        return f"<BodyStore {self._size} bytes {state} {self._path!r}>"


# -- search ------------------------------------------------------------------------------------

class BodyMatch(NamedTuple):
    """A match: display line, column and length in ``decode_line`` characters (a match may
    run past its line's end into the next display line), and its byte offset in the body."""

    line: int
    col: int
    length: int
    offset: int


class SearchBatch(NamedTuple):
    """Matches found in one block, and how far (in bytes) the search has gone."""

    matches: list[BodyMatch]
    searched: int


SEARCH_BLOCK = 1 << 17
_OVERLAP = DISPLAY_WRAP


def _utf8_cut(data: bytes) -> bytes:
    """``data`` without a UTF-8 sequence cut at its end."""
    back = 0
    while back < 3 and back < len(data) and 0x80 <= data[-1 - back] < 0xC0:
        back += 1
    if back < len(data) and data[-1 - back] >= 0xC0:
        return data[:-1 - back]
    return data


def compile_query(query: str, *, case_sensitive: bool = False,
                  regex: bool = False) -> re.Pattern[str]:
    """The pattern a find query stands for; raises ``re.error`` for a bad regular expression."""
    flags = re.MULTILINE | (0 if case_sensitive else re.IGNORECASE)
    return re.compile(query if regex else re.escape(query), flags)


def search_body(store: BodyStore, pattern: re.Pattern[str], *,
                cancelled: Callable[[], bool] | None = None, limit: int = 100_000,
                block_size: int = SEARCH_BLOCK,
                pause: Callable[[], None] | None = None) -> Iterator[SearchBatch]:
    """Find ``pattern`` in the body's display lines, one block of lines at a time.

    Blocks start at display-line starts and read a little past their end, so that a match that
    crosses into the next block is found once. Empty matches are skipped. Stops after ``limit``
    matches. Searches the lines present when it starts. ``pause()`` is called before each
    block (to step aside for the user). Raises ``JobCancelled``.
    """
    total_lines = store.line_count
    line = 0
    found = 0
    while line < total_lines and found < limit:
        if pause is not None:
            pause()
        if cancelled is not None and cancelled():
            raise JobCancelled
        start = store.line_offset(line)
        stop_line = min(max(line + 1, store.line_at(start + block_size)), total_lines)
        offsets = store.line_offsets(line, stop_line)
        stop = store.size if stop_line >= total_lines else store.line_offset(stop_line)
        raw = store.read(start, stop - start)
        tail = _utf8_cut(store.read(stop, _OVERLAP)) if stop < store.size else b""
        data = raw + tail
        text = decode_line(data)
        simple = data.isascii()
        batch: list[BodyMatch] = []
        char_pos = byte_pos = 0
        for m in pattern.finditer(text):
            if m.end() == m.start():
                continue
            if simple:
                byte_pos = m.start()
            else:
                byte_pos += len(text[char_pos:m.start()].encode("utf-8", "surrogateescape"))
                char_pos = m.start()
            if byte_pos >= len(raw):
                break
            k = bisect.bisect_right(offsets, start + byte_pos) - 1
            line_start = offsets[k] - start
            col = byte_pos - line_start if simple else \
                len(decode_line(data[line_start:byte_pos]))
            batch.append(BodyMatch(line + k, col, m.end() - m.start(), start + byte_pos))
            found += 1
            if found >= limit:
                break
        yield SearchBatch(batch, stop)
        line = stop_line
