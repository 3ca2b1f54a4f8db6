"""The spill-log engine itself, through the smallest log one can write on it: a log of raw
frames (text or binary, in or out), the shape the terminal pane's frame log will have.

Spill at every segment boundary, the cap over spilled segments, a filter index across memory
and disk, a snapshot read in another thread while the owner appends and drops, an export that
is atomic, and the one export time format."""

from __future__ import annotations

import errno
import json
import marshal
import os
import stat
import threading
import time
from array import array
from pathlib import Path
from typing import NamedTuple, Self

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.streams.event_log import EventLog, jsonl_record
from app.streams.export import Clock, export_jsonl
from app.streams.filter_index import FilterIndex
from app.streams.message_log import MessageLog
from app.streams.spill_log import SpillLog

# -- a third log, in a few lines ------------------------------------------------------------------


class Frame(NamedTuple):
    index: int
    time: float
    outgoing: bool
    data: str | bytes


class _FrameColumns:
    __slots__ = ("data", "times")

    def __init__(self) -> None:
        self.times = array("d")
        self.data: list[str | bytes] = []

    def __len__(self) -> int:
        return len(self.data)

    def part(self, k: int, n: int) -> Self:
        copy = type(self)()
        copy.times, copy.data = self.times[k:n], self.data[k:n]
        return copy

    def seal(self) -> None:
        pass

    def dumps(self) -> bytes:
        return marshal.dumps((self.times.tobytes(), self.data))

    @classmethod
    def loads(cls, raw: bytes) -> Self:
        times, data = marshal.loads(raw)
        columns = cls()
        columns.times.frombytes(times)
        columns.data = data
        return columns


class FrameLog(SpillLog[_FrameColumns, Frame]):
    """Tag: bit 0 outgoing, bit 1 binary."""

    NAME = "frames"

    def __init__(self, **limits: object) -> None:
        super().__init__(_FrameColumns, **limits)  # type: ignore[arg-type]
        for _ in range(4):
            self._new_tag()

    def append(self, outgoing: bool, data: str | bytes, when: float) -> None:
        mem = self._open.mem
        assert mem is not None
        mem.times.append(when)
        mem.data.append(data)
        self._push(int(outgoing) | (2 if isinstance(data, bytes) else 0), len(data))

    def record(self, columns: _FrameColumns, k: int, tag: int, index: int) -> Frame:
        return Frame(index, columns.times[k], bool(tag & 1), columns.data[k])

    def line(self, record: Frame, clock: Clock) -> str:
        data = record.data
        return json.dumps({"time": clock.iso(record.time), "out": record.outgoing,
                           "data": data if isinstance(data, str) else data.hex()}) + "\n"


def frames(n: int, start: int = 0) -> list[tuple[bool, str | bytes]]:
    return [(i % 3 == 0, bytes([i % 256]) if i % 4 == 0 else f"f{i}")
            for i in range(start, start + n)]


def fill(log: FrameLog, rows: list[tuple[bool, str | bytes]], start: int = 0) -> None:
    for i, (outgoing, data) in enumerate(rows, start):
        log.append(outgoing, data, float(i))


def as_rows(log: FrameLog) -> list[tuple[bool, str | bytes]]:
    return [(f.outgoing, f.data) for f in log]


# -- spilling ---------------------------------------------------------------------------------


@pytest.mark.parametrize("segment", [1, 2, 3, 5])
@pytest.mark.parametrize("extra", [-1, 0, 1])
def test_spill_at_every_boundary(tmp_path: Path, segment: int, extra: int) -> None:
    """Around each multiple of the segment size, with memory for exactly two segments."""
    for count in range(1, 4 * segment + 2):
        n = count + extra
        if n < 1:
            continue
        with FrameLog(memory_records=2 * segment, segment_records=segment,
                      directory=tmp_path) as log:
            rows = frames(n)
            fill(log, rows)
            assert log.wait_spilled()
            assert as_rows(log) == rows
            assert [log.get(i).data for i in reversed(range(n))] == [d for _, d in rows][::-1]
            assert log.in_memory + log.on_disk == n
            closed = n // segment * segment  # in closed segments
            assert log.in_memory == n - max(0, closed - 2 * segment)
            files = list(tmp_path.glob("spyglass-frames-*/*.frames"))
            assert len(files) == max(0, closed - 2 * segment) // segment
            assert sum(log.tag_counts()) == n
    assert list(tmp_path.iterdir()) == []  # every log removed its folder


def test_a_segment_also_closes_on_its_bytes() -> None:
    with FrameLog(memory_bytes=0, segment_bytes=10) as log:
        fill(log, [(False, "x" * 4)] * 7)  # 4, 8, 12: a segment every three frames
        assert log.wait_spilled()
        assert (log.on_disk, log.in_memory) == (6, 1)
        assert log.memory_bytes == 4


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 60), segment=st.integers(1, 6), memory=st.integers(1, 12),
       cap=st.one_of(st.none(), st.integers(1, 25)), wait_at=st.integers(0, 60))
def test_the_cap_drops_whole_spilled_segments(tmp_path_factory: pytest.TempPathFactory, n: int,
                                             segment: int, memory: int, cap: int | None,
                                             wait_at: int) -> None:
    folder = tmp_path_factory.mktemp("spill")
    rows = frames(n)
    with FrameLog(memory_records=memory, segment_records=segment, directory=folder) as log:
        fill(log, rows[:wait_at])
        assert log.wait_spilled()
        log.set_cap(cap)
        fill(log, rows[wait_at:], wait_at)
        assert log.wait_spilled()
        kept = rows if cap is None else rows[max(0, n - cap):]
        assert as_rows(log) == kept and log.dropped == n - len(kept) == log.first
        counts = [0] * 4
        for outgoing, data in kept:
            counts[int(outgoing) | (2 if isinstance(data, bytes) else 0)] += 1
        assert log.tag_counts() == counts
        on_disk = sum(1 for _ in folder.glob("*/*.frames"))
        assert on_disk * log.segment_records >= log.on_disk  # no file of a dropped segment
        assert on_disk <= log.on_disk // log.segment_records + 1


def test_clear_drops_everything_and_indices_go_on(tmp_path: Path) -> None:
    with FrameLog(memory_records=2, segment_records=1, directory=tmp_path) as log:
        fill(log, frames(10))
        log.set_cap(8)
        assert log.wait_spilled() and log.dropped == 2
        log.clear()
        assert (len(log), log.first, log.total, log.dropped, sum(log.tag_counts())) == (
            0, 10, 10, 0, 0)
        assert list(tmp_path.glob("*/*.frames")) == []
        log.append(True, "again", 10.0)
        assert log.get(10).data == "again" and log.last == Frame(10, 10.0, True, "again")


class _SlowDiskColumns(_FrameColumns):
    __slots__ = ()

    def dumps(self) -> bytes:
        time.sleep(0.003)  # a disk slower than the stream
        return super().dumps()


class _SlowDiskLog(FrameLog):
    def __init__(self, **limits: object) -> None:
        SpillLog.__init__(self, _SlowDiskColumns, **limits)  # type: ignore[arg-type]
        for _ in range(4):
            self._new_tag()


def test_memory_stays_bounded_when_the_disk_is_slower_than_the_stream() -> None:
    with _SlowDiskLog(memory_bytes=1000, segment_bytes=100) as log:
        worst = 0
        for i in range(3000):
            log.append(False, f"{i:09d}", 0.0)  # a segment every 10 frames
            worst = max(worst, log.memory_bytes + log._pending_cost())
        assert worst <= 2 * (1000 + 100)
        assert log.wait_spilled() and log.on_disk >= 2800
        assert [f.data for f in log][::500] == [f"{i:09d}" for i in range(0, 3000, 500)]


# -- the filter index -------------------------------------------------------------------------


def _binary_or_f1(first: int, tags: array[int], columns: _FrameColumns | None, offset: int,
                  found: array[int]) -> None:
    assert columns is not None
    for i, tag in enumerate(tags):
        data = columns.data[offset + i]
        if tag & 2 or "1" in data:  # type: ignore[operator]
            found.append(first + i)


def _outgoing(first: int, tags: array[int], columns: _FrameColumns | None, offset: int,
              found: array[int]) -> None:
    assert columns is None  # asked for tags only: nothing was read from disk
    found.extend(first + i for i, tag in enumerate(tags) if tag & 1)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 80), budget=st.integers(1, 9), cap=st.one_of(st.none(),
                                                                    st.integers(1, 30)),
       texts=st.booleans())
def test_a_filter_index_finds_across_spilled_segments(n: int, budget: int, cap: int | None,
                                                      texts: bool) -> None:
    with FrameLog(memory_records=4, segment_records=2) as log:
        index = FilterIndex(log, _binary_or_f1 if texts else _outgoing, needs_columns=texts)
        rows = frames(n)
        fill(log, rows[:n // 2])
        assert log.wait_spilled()
        while not index.complete:
            index.advance(budget)
        log.set_cap(cap)
        fill(log, rows[n // 2:], n // 2)
        assert log.wait_spilled()
        while not index.complete:
            index.advance(budget)
            index.trim(index.start)
        found = [index.index(p) for p in range(index.start, index.end)]

        def wanted(f: Frame) -> bool:
            return (isinstance(f.data, bytes) or "1" in f.data) if texts else f.outgoing

        assert found == [f.index for f in log if wanted(f)]
        assert [index.position_of(i) for i in found] == list(range(index.start, index.end))


def test_no_filter_is_the_log_itself() -> None:
    with FrameLog(cap=3) as log:
        index = FilterIndex(log)
        fill(log, frames(5))
        assert (index.start, index.end, index.complete, index.advance()) == (2, 5, True, 0)
        assert index.position_of(1) is None and index.index(4) == 4


# -- snapshots --------------------------------------------------------------------------------


def test_a_snapshot_is_read_in_another_thread_while_the_owner_appends(tmp_path: Path) -> None:
    log = FrameLog(memory_records=8, segment_records=4, directory=tmp_path)
    rows = frames(3000)
    fill(log, rows[:1000])
    assert log.wait_spilled()
    snapshot = log.snapshot(stop=990)  # files for most, copies of the segments in memory
    read: list[tuple[bool, str | bytes]] = []
    reader = threading.Thread(target=lambda: read.extend(
        (f.outgoing, f.data) for f in snapshot.records()))
    reader.start()
    for start in range(1000, 3000, 100):  # the owner goes on meanwhile, and drops
        fill(log, rows[start:start + 100], start)
        log.set_cap(50)
    reader.join()
    assert read == rows[:990] and len(snapshot) == 990
    assert as_rows(log) == rows[-50:]
    log.close()
    assert list(tmp_path.glob("*/*.frames"))  # the snapshot still pins its files
    snapshot.release()
    snapshot.release()
    assert list(tmp_path.iterdir()) == []


# -- export -----------------------------------------------------------------------------------


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_export_writes_the_snapshot_as_json_lines(tmp_path: Path) -> None:
    (tmp_path / "spill").mkdir()
    with FrameLog(memory_records=100, segment_records=50, directory=tmp_path / "spill") as log:
        fill(log, frames(10_000))
        assert log.wait_spilled() and log.on_disk
        with log.snapshot() as snapshot:
            assert export_jsonl(snapshot, tmp_path / "frames.jsonl") == 10_000
    lines = _lines(tmp_path / "frames.jsonl")
    assert lines[1] == {"time": "1970-01-01T00:00:01.000Z", "out": False, "data": "f1"}
    assert lines[4]["data"] == "04" and len(lines) == 10_000


class _Boom(Exception):
    pass


@pytest.mark.parametrize("failure", ["disk full", "cancelled", "a bug"])
def test_a_failed_export_leaves_the_previous_file_and_no_other(tmp_path: Path,
                                                               failure: str) -> None:
    target = tmp_path / "frames.jsonl"
    target.write_text("the previous export\n")
    with FrameLog() as log:
        fill(log, frames(20_000))
        snapshot = log.snapshot()
        lines = 0

        def line(record: Frame, clock: Clock) -> str:
            nonlocal lines
            lines += 1
            if lines == 12_000:  # after a block or two went to the file
                if failure == "disk full":
                    raise OSError(errno.ENOSPC, "No space left on device")
                if failure == "a bug":
                    raise _Boom
            return FrameLog.line(log, record, clock)

        snapshot.line = line
        expected: type[BaseException] = {"disk full": OSError, "cancelled": InterruptedError,
                                         "a bug": _Boom}[failure]
        with pytest.raises(expected) as raised:
            export_jsonl(snapshot, target, cancelled=lambda: lines >= 12_000)
        snapshot.release()
    assert lines >= 12_000
    if failure == "disk full":
        assert raised.value.errno == errno.ENOSPC and str(target) in str(raised.value)
    assert target.read_text() == "the previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["frames.jsonl"]


def test_one_time_format_for_every_log(tmp_path: Path) -> None:
    when = 1_764_812_345.678_9
    assert Clock().iso(when) == "2025-12-04T01:39:05.678Z"
    assert Clock().iso(0.0) == "1970-01-01T00:00:00.000Z"
    assert Clock().iso(59.999_9) == "1970-01-01T00:00:59.999Z"
    with EventLog() as events, MessageLog() as messages, FrameLog() as frame_log:
        events.append(("message", "x", "", None), when)
        messages.append("in", "text", "x", when)
        frame_log.append(False, "x", when)
        times = set()
        for log, name in ((events, "e"), (messages, "m"), (frame_log, "f")):
            with log.snapshot() as snapshot:  # type: ignore[attr-defined]
                export_jsonl(snapshot, tmp_path / name)
            times.add(_lines(tmp_path / name)[0]["time"])
        assert times == {"2025-12-04T01:39:05.678Z"}
        assert json.loads(jsonl_record(events.get(0)))["time"] in times


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_spilled_segments_are_readable_by_their_owner_alone(tmp_path: Path) -> None:
    """Spilled records are received data, in a folder of the shared temp directory: each
    segment file is 0600 whatever the umask (app.storage.private)."""
    old = os.umask(0o022)
    try:
        with FrameLog(memory_records=100, segment_records=50, directory=tmp_path) as log:
            fill(log, frames(1_000))
            assert log.wait_spilled() and log.on_disk
            files = [p for p in tmp_path.rglob("*") if p.is_file()]
            assert files
            assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o600}
    finally:
        os.umask(old)
