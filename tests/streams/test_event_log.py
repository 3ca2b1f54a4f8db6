"""The event log: exact counters, bounded memory by spilling to disk, the user's cap, filters
grown a budget at a time, and JSON-lines export; checked against plain lists with Hypothesis."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.client.sse import SSEEvent
from app.streams.event_log import (
    EventFilter,
    EventIndex,
    EventLog,
    LoggedEvent,
    export_jsonl,
    jsonl_record,
)


def tick(n: int, event: str = "tick", data: str | None = None) -> SSEEvent:
    return SSEEvent(event, data if data is not None else f'{{"n": {n}}}', str(n), None)


def expected(events: list[SSEEvent], times: list[float]) -> list[LoggedEvent]:
    return [LoggedEvent(t, e.event, e.id, e.data, e.retry, len(e.data.encode()))
            for e, t in zip(events, times, strict=True)]


@pytest.fixture
def small_log(tmp_path: Path) -> Iterator[EventLog]:
    """A log that spills after 40 events, in segments of 8."""
    log = EventLog(memory_events=40, segment_events=8, directory=tmp_path)
    yield log
    log.close()


# -- appending and reading ---------------------------------------------------------------------


def test_counters_types_and_sizes_are_exact() -> None:
    with EventLog() as log:
        log.append(SSEEvent("message", "héllo", "1", None), 10.0)
        log.append(SSEEvent("done", "[DONE]", "2", 2500), 11.5)
        log.extend([tick(3), tick(4, "milestone")], 12.0)
        assert (len(log), log.total, log.first, log.dropped) == (4, 4, 0, 0)
        assert log.bytes == len("héllo".encode()) + 6 + 2 * len('{"n": 3}')
        assert log.type_counts() == {"message": 1, "done": 1, "tick": 1, "milestone": 1}
        assert log.types == ["message", "done", "tick", "milestone"]
        assert log.get(0) == LoggedEvent(10.0, "message", "1", "héllo", None, 6)
        assert log.get(1) == LoggedEvent(11.5, "done", "2", "[DONE]", 2500, 6)
        assert log.type_at(3) == "milestone"
        assert log.last is not None and log.last.id == "4"
        with pytest.raises(IndexError):
            log.get(4)
        with pytest.raises(IndexError):
            log.get(-1)


def test_old_segments_move_to_disk_and_nothing_is_lost(small_log: EventLog,
                                                       tmp_path: Path) -> None:
    events = [tick(i, "milestone" if i % 5 == 0 else "tick") for i in range(1, 1001)]
    for i, event in enumerate(events):
        small_log.append(event, float(i))
    assert small_log.wait_spilled()
    # At most the memory bound, plus the segment being filled.
    assert small_log.in_memory <= 40 + 8
    assert small_log.on_disk == 1000 - small_log.in_memory
    assert list(tmp_path.glob("spyglass-events-*/*.events"))
    assert list(small_log) == expected(events, [float(i) for i in range(1000)])
    assert small_log.type_counts() == {"tick": 800, "milestone": 200}
    # Random access into spilled segments, out of order.
    for i in (999, 3, 500, 4, 998, 0):
        assert small_log.get(i).id == str(i + 1)


def test_close_deletes_the_files_and_refuses_more(tmp_path: Path) -> None:
    log = EventLog(memory_events=4, segment_events=2, directory=tmp_path)
    for i in range(50):
        log.append(tick(i), 0.0)
    assert log.wait_spilled()
    assert list(tmp_path.iterdir())
    log.close()
    log.close()
    assert list(tmp_path.iterdir()) == []
    assert log.closed
    with pytest.raises(ValueError):
        log.append(tick(51), 0.0)


def test_a_log_that_cannot_spill_keeps_everything_in_memory(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    with EventLog(memory_events=4, segment_events=2, directory=not_a_folder) as log:
        for i in range(100):
            log.append(tick(i), 0.0)
        assert log.wait_spilled()
        assert log.spill_error
        assert log.in_memory == 100
        assert [e.id for e in log] == [str(i) for i in range(100)]


def test_a_log_dropped_without_close_cleans_up(tmp_path: Path) -> None:
    log = EventLog(memory_events=4, segment_events=2, directory=tmp_path)
    for i in range(40):
        log.append(tick(i), 0.0)
    assert log.wait_spilled()
    del log
    import gc

    gc.collect()
    for _ in range(100):  # the writer thread removes the folder as it exits
        if not list(tmp_path.iterdir()):
            break
        import time

        time.sleep(0.02)
    assert list(tmp_path.iterdir()) == []


# -- the cap -----------------------------------------------------------------------------------


def test_the_cap_keeps_the_last_events_and_says_how_many_went(small_log: EventLog,
                                                              tmp_path: Path) -> None:
    for i in range(1, 501):
        small_log.append(tick(i, "milestone" if i % 5 == 0 else "tick"), float(i))
    assert small_log.wait_spilled()
    files_before = len(list(tmp_path.glob("*/*.events")))
    small_log.set_cap(30)
    assert (len(small_log), small_log.total, small_log.dropped) == (30, 500, 470)
    assert [e.id for e in small_log] == [str(i) for i in range(471, 501)]
    assert small_log.type_counts() == {"tick": 24, "milestone": 6}
    assert small_log.bytes == sum(len(f'{{"n": {i}}}') for i in range(1, 501))
    with pytest.raises(IndexError):
        small_log.get(469)
    assert len(list(tmp_path.glob("*/*.events"))) < files_before
    # New events push the oldest out, one for one.
    small_log.append(tick(501), 501.0)
    assert small_log.first == 471 and small_log.get(small_log.first).id == "472"
    small_log.set_cap(None)
    small_log.append(tick(502), 502.0)
    assert len(small_log) == 31


def test_a_bad_cap_is_refused() -> None:
    with EventLog() as log, pytest.raises(ValueError):
        log.set_cap(0)


events_strategy = st.lists(
    st.tuples(st.sampled_from(["message", "tick", "milestone", "done", "é"]),
              st.text(max_size=12), st.text(max_size=4),
              st.one_of(st.none(), st.integers(0, 10_000))),
    max_size=120)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=events_strategy, memory=st.integers(1, 30), segment=st.integers(1, 9),
       cap=st.one_of(st.none(), st.integers(1, 50)), cap_at=st.integers(0, 120))
def test_the_log_is_a_list_with_bounded_memory(tmp_path: Path, rows: list[tuple[str, str, str,
                                                                                 int | None]],
                                               memory: int, segment: int, cap: int | None,
                                               cap_at: int) -> None:
    model: list[LoggedEvent] = []
    with EventLog(memory_events=memory, segment_events=segment, directory=tmp_path) as log:
        for n, (event, data, event_id, retry) in enumerate(rows):
            if n == cap_at:
                log.set_cap(cap)
            log.append(SSEEvent(event, data, event_id, retry), float(n))
            model.append(LoggedEvent(float(n), event, event_id, data, retry,
                                     len(data.encode("utf-8", "surrogatepass"))))
        if cap_at >= len(rows):
            log.set_cap(cap)
        kept = model[-cap:] if cap is not None else model
        assert log.wait_spilled()
        assert log.total == len(rows)
        assert list(log) == kept
        assert log.first == len(model) - len(kept)
        assert {k: v for k, v in log.type_counts().items() if v} == Counter(e.event for e in kept)
        assert log.bytes == sum(e.size for e in model)
        assert log.in_memory + log.on_disk == len(kept)
        assert log.in_memory <= max(memory, 1) + segment + segment


# -- filters -----------------------------------------------------------------------------------


def test_a_filter_matches_types_and_text_case_insensitively() -> None:
    f = EventFilter(frozenset({"tick"}), "HeLLo")
    assert f.matches("tick", "1", "say hello")
    assert f.matches("tick", "hello-7", "x")
    assert not f.matches("milestone", "1", "hello")
    assert not f.matches("tick", "1", "bye")
    assert EventFilter().empty and not f.empty
    assert EventFilter(text="a.b(").matches("message", "", "see a.b(c)")  # not a regex


def test_an_index_grows_a_budget_at_a_time(small_log: EventLog) -> None:
    for i in range(1, 301):
        small_log.append(tick(i, "milestone" if i % 5 == 0 else "tick"), 0.0)
    index = EventIndex(small_log, EventFilter(frozenset({"milestone"})))
    assert (index.start, index.end, index.complete) == (0, 0, False)
    assert index.advance(100) == 20
    assert not index.complete
    while not index.complete:
        index.advance(37)
    assert [small_log.get(index.index(p)).id for p in range(index.start, index.end)] == \
        [str(i) for i in range(5, 301, 5)]
    assert index.position_of(9) == 1 and index.position_of(8) is None
    # New events are looked at by the next advance.
    small_log.append(tick(301, "milestone"), 0.0)
    assert index.advance() == 1 and index.end == 61


def test_the_empty_filter_is_the_log_itself() -> None:
    with EventLog(cap=5) as log:
        for i in range(12):
            log.append(tick(i), 0.0)
        index = EventIndex(log)
        assert index.complete and index.advance() == 0
        assert (index.start, index.end) == (7, 12)
        assert index.index(9) == 9 and index.position_of(3) is None


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=events_strategy,
       types=st.one_of(st.none(), st.frozensets(st.sampled_from(["tick", "done", "é"]))),
       text=st.text(max_size=2), budgets=st.lists(st.integers(1, 40), min_size=1, max_size=8),
       cap=st.one_of(st.none(), st.integers(1, 60)))
def test_an_index_finds_what_a_scan_finds(tmp_path: Path, rows: list[tuple[str, str, str,
                                                                          int | None]],
                                          types: frozenset[str] | None, text: str,
                                          budgets: list[int], cap: int | None) -> None:
    event_filter = EventFilter(types or None, text)
    with EventLog(memory_events=6, segment_events=3, directory=tmp_path) as log:
        index = EventIndex(log, event_filter)
        half = len(rows) // 2
        for n, row in enumerate(rows[:half]):
            log.append(SSEEvent(*row), float(n))
        for budget in budgets:  # partly scanned, then more events and the cap arrive
            index.advance(budget)
        for n, row in enumerate(rows[half:], half):
            log.append(SSEEvent(*row), float(n))
        log.set_cap(cap)
        while not index.complete:
            index.advance(budgets[0])
        found = [index.index(p) for p in range(index.start, index.end)]
        scan = [i for i in range(log.first, log.total)
                if event_filter.matches(log.get(i).event, log.get(i).id, log.get(i).data)]
        assert found == scan
        index.trim(index.start)
        assert [index.index(p) for p in range(index.start, index.end)] == scan


# -- export ------------------------------------------------------------------------------------


def test_export_writes_one_json_object_per_event(small_log: EventLog, tmp_path: Path) -> None:
    events = [SSEEvent("message", "line 1\nline 2 «ü» \u2028", "1", None),
              SSEEvent("done", "[DONE]", "", 1500)]
    events += [tick(i) for i in range(2, 200)]
    for i, event in enumerate(events):
        small_log.append(event, 1_700_000_000.25 + i)
    assert small_log.wait_spilled() and small_log.on_disk
    target = tmp_path / "out.jsonl"
    with small_log.snapshot() as snapshot:
        assert len(snapshot) == 200
        assert export_jsonl(snapshot, target) == 200
    lines = target.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [list(r) for r in records[:1]] == [["time", "event", "id", "data", "retry"]]
    assert records[0] == {"time": "2023-11-14T22:13:20.250Z", "event": "message", "id": "1",
                          "data": "line 1\nline 2 «ü» \u2028", "retry": None}
    assert records[1]["retry"] == 1500 and records[1]["id"] == ""
    assert [r["id"] for r in records[2:]] == [str(i) for i in range(2, 200)]
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == ["out.jsonl"]


def test_a_snapshot_outlives_the_cap_and_the_close(tmp_path: Path) -> None:
    log = EventLog(memory_events=4, segment_events=2, directory=tmp_path / "spill")
    os.mkdir(tmp_path / "spill")
    for i in range(100):
        log.append(tick(i), 0.0)
    assert log.wait_spilled()
    snapshot = log.snapshot()
    log.set_cap(3)  # drops the segments the snapshot still reads
    log.close()
    assert export_jsonl(snapshot, tmp_path / "all.jsonl") == 100
    snapshot.release()
    snapshot.release()
    assert len((tmp_path / "all.jsonl").read_text().splitlines()) == 100
    assert list((tmp_path / "spill").iterdir()) == []


def test_a_failed_export_leaves_nothing_behind(tmp_path: Path) -> None:
    with EventLog() as log:
        log.append(tick(1), 0.0)
        with log.snapshot() as snapshot:
            with pytest.raises(FileNotFoundError):
                export_jsonl(snapshot, tmp_path / "missing" / "out.jsonl")
            with pytest.raises(InterruptedError):
                export_jsonl(snapshot, tmp_path / "out.jsonl", cancelled=lambda: True)
    assert list(tmp_path.iterdir()) == []


@given(st.text(), st.text(max_size=5), st.floats(0, 4e9), st.one_of(st.none(),
                                                                    st.integers(0, 10**9)))
def test_a_record_is_one_line_of_json_that_reads_back(data: str, event_id: str, when: float,
                                                      retry: int | None) -> None:
    line = jsonl_record(LoggedEvent(when, "message", event_id, data, retry, 0))
    assert line.splitlines() == [line[:-1]]  # one line, whoever splits it
    record = json.loads(line)
    assert (record["data"], record["id"], record["retry"]) == (data, event_id, retry)
    assert record["time"].endswith("Z")
