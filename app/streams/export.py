"""Writing a stream log out: the one export time format, JSON lines, and the atomic export
of a :class:`~app.streams.spill_log.Snapshot` (whole or not at all, in any thread)."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from app.storage.atomic import atomic_writer
from app.streams.spill_log import Snapshot

__all__ = ["Clock", "export_jsonl", "export_jsonl_async", "json_line"]

R = TypeVar("R")


class Clock:
    """The one export time format: ISO 8601 UTC with milliseconds, ``…T01:52:21.123Z``. The
    date and time of day are formatted once a second (formatting each of a million records'
    times costs more than writing them)."""

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


def json_line(line: str) -> str:
    """``line`` (JSON text ending in ``\\n``) with the line breaks JSON leaves raw escaped."""
    if not line.isascii():
        line = _RAW_BREAKS.sub(lambda m: f"\\u{ord(m.group()):04x}", line)
    return line


_EXPORT_BLOCK = 4096


def export_jsonl(snapshot: Snapshot[R], path: str | os.PathLike[str], *,
                 cancelled: Callable[[], bool] | None = None) -> int:
    """Write the snapshot's records to ``path`` as JSON lines; return how many.

    The file appears whole or not at all, and an earlier file at ``path`` stays as it was
    until then: a failure (``OSError``: a full disk, no permission) or a cancellation
    (``InterruptedError``) leaves no partial file. Meant for a worker thread.
    """
    count = 0
    line = snapshot.line
    clock = Clock()
    with atomic_writer(path) as out:
        lines: list[str] = []
        for record in snapshot.records(cancelled):
            lines.append(line(record, clock))
            if len(lines) >= _EXPORT_BLOCK:
                # backslashreplace: a lone surrogate becomes a \\udcxx escape JSON reads back.
                out.write("".join(lines).encode("utf-8", "backslashreplace"))
                count += len(lines)
                lines.clear()
        out.write("".join(lines).encode("utf-8", "backslashreplace"))
        count += len(lines)
        if cancelled is not None and cancelled():
            raise InterruptedError("export cancelled")
    return count


async def export_jsonl_async(snapshot: Snapshot[R], path: str | os.PathLike[str]) -> int:
    """:func:`export_jsonl` on a worker thread, releasing the snapshot at the end: the file
    never blocks the event loop. Cancelling the awaiting task stops the thread at its next
    segment, and it leaves no partial file."""
    import asyncio

    cancelled = threading.Event()

    def work() -> int:
        try:
            return export_jsonl(snapshot, path, cancelled=cancelled.is_set)
        finally:
            snapshot.release()

    try:
        return await asyncio.get_running_loop().run_in_executor(None, work)
    except asyncio.CancelledError:
        cancelled.set()
        raise
