"""The WebSocket message log: exact rows and counters in bounded memory, spilled to disk,
capped visibly, filtered incrementally, exported as JSON lines."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.streams.export import export_jsonl
from app.streams.message_log import ROW_OVERHEAD, LogView, MessageFilter, MessageLog, preview

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
_row = st.one_of(
    st.tuples(st.sampled_from(["in", "out"]), st.just("text"), _text),
    st.tuples(st.sampled_from(["in", "out"]), st.just("binary"), st.binary(max_size=40)),
    st.tuples(st.sampled_from(["in", "out"]), st.just("close"), st.just("1000 bye")),
    st.tuples(st.just(""), st.sampled_from(["info", "error"]), _text),
)
# An operation: a row to append, a wait for the writer thread to spill, or a new cap.
_op = st.one_of(_row.map(lambda r: ("append", r)), st.just(("spill", None)),
                st.one_of(st.none(), st.integers(1, 30)).map(lambda c: ("cap", c)))
_filters = st.builds(
    MessageFilter,
    text=st.sampled_from(["", "a", "A", "ff", "bye", "0 0"]),
    directions=st.frozensets(st.sampled_from(["in", "out", ""])),
    kinds=st.frozensets(st.sampled_from(["text", "binary", "close", "info", "error"])),
)


def _size(data: str | bytes) -> int:
    return len(data) if isinstance(data, bytes) else len(data.encode())


@settings(max_examples=150, deadline=None)
@given(ops=st.lists(_op, max_size=80), chunk_rows=st.integers(1, 5),
       memory_limit=st.integers(0, 600), flt=_filters, step=st.integers(1, 7))
def test_the_log_keeps_what_a_list_keeps(ops: list[tuple[str, object]], chunk_rows: int,
                                         memory_limit: int, flt: MessageFilter,
                                         step: int) -> None:
    log = MessageLog(segment_records=chunk_rows, segment_bytes=64, memory_bytes=memory_limit)
    everything: list[tuple[str, str, str | bytes]] = []
    view, whole = LogView(log, flt), LogView(log)
    shown: list[int] = []           # what a model following ``view`` would hold
    cap, first = None, 0
    for name, arg in ops:
        if name == "append":
            direction, kind, data = arg  # type: ignore[misc]
            assert log.append(direction, kind, data, when=float(len(everything))) \
                == len(everything)
            everything.append((direction, kind, data))
        elif name == "spill":
            assert log.wait_spilled()
        else:
            cap = arg
            log.set_cap(cap)  # type: ignore[arg-type]
        if cap is not None:
            first = max(first, len(everything) - cap)
        removed, added = view.update(limit=step)
        del shown[:removed]
        shown.extend(view.seq(len(view) - added + i) for i in range(added))
        whole.update()
    assert (log.first, log.end, len(log), log.dropped) == (first, len(everything),
                                                           len(everything) - first, first)
    kept = [(log.message(s).direction, log.message(s).kind, log.message(s).data)
            for s in range(first, len(everything))]
    assert kept == everything[first:]
    assert [(m.direction, m.kind, m.data, m.size, m.time) for m in log] == [
        (d, k, x, _size(x), float(i)) for i, (d, k, x) in enumerate(everything) if i >= first]
    data_rows = [(d, x) for d, k, x in everything if k in ("text", "binary")]
    c = log.counters
    assert (c.in_messages, c.out_messages) == (sum(d == "in" for d, _ in data_rows),
                                               sum(d == "out" for d, _ in data_rows))
    assert (c.in_bytes, c.out_bytes) == (sum(_size(x) for d, x in data_rows if d == "in"),
                                         sum(_size(x) for d, x in data_rows if d == "out"))
    while not view.complete:
        removed, added = view.update(limit=step)
        del shown[:removed]
        shown.extend(view.seq(len(view) - added + i) for i in range(added))
    removed, added = view.update()
    del shown[:removed]
    expected = [s for s in range(first, len(everything)) if flt.matches(*everything[s])]
    assert shown == [view.seq(r) for r in range(len(view))] == expected
    assert [view.row_of(s) for s in expected] == list(range(len(expected)))
    assert len(whole) == len(log) and [whole.seq(r) for r in range(len(whole))] == list(
        range(first, len(everything)))
    log.close()


def test_memory_stays_bounded_and_nothing_is_lost(tmp_path: Path) -> None:
    log = MessageLog(memory_bytes=64 * 1024, segment_records=256, directory=str(tmp_path))
    bound = log.memory_limit + 256 * (ROW_OVERHEAD + 20)
    for i in range(50_000):
        log.append("in", "text", f'{{"n":{i}}}')
        assert log.memory_bytes <= bound
        if i % 5000 == 0:  # and the writer thread keeps up: what is handed over goes
            assert log.wait_spilled()
            assert log.in_memory * (ROW_OVERHEAD + 7) <= bound
    assert log.wait_spilled()
    assert log.on_disk > 45_000
    directory = log.spill_directory
    assert directory is not None and Path(directory).parent == tmp_path
    assert log.counters.in_messages == 50_000
    assert [log.message(s).data for s in (0, 1, 25_000, 49_999)] == [
        '{"n":0}', '{"n":1}', '{"n":25000}', '{"n":49999}']
    assert sum(1 for _ in log) == 50_000
    log.close()
    assert not Path(directory).exists()


def test_rows_are_read_while_the_writer_thread_spills_them() -> None:
    log = MessageLog(memory_bytes=0, segment_records=10)
    for i in range(35):
        log.append("in", "binary", bytes([i]) * 3)
    assert log.message(5).data == b"\x05" * 3       # in memory or on disk, whichever it is
    assert log.wait_spilled()
    assert log.on_disk == 30                         # the growing segment stays
    assert [m.data for m in log] == [bytes([i]) * 3 for i in range(35)]
    log.close()


def test_a_failed_spill_keeps_the_rows_and_says_so(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    log = MessageLog(memory_bytes=0, segment_records=2, directory=not_a_folder)
    for i in range(5):
        log.append("out", "text", str(i))
    assert log.wait_spilled()
    assert log.spill_error is not None and log.in_memory == 5 and log.on_disk == 0
    log.append("out", "text", "5")
    log.append("out", "text", "6")                   # no more segments handed over
    assert [m.data for m in log] == ["0", "1", "2", "3", "4", "5", "6"]
    log.close()


def test_the_cap_drops_the_oldest_rows_visibly() -> None:
    log = MessageLog(cap=3, segment_records=2)
    for i in range(10):
        log.append("in", "text", str(i))
    assert (len(log), log.dropped, log.first) == (3, 7, 7)
    assert [m.data for m in log] == ["7", "8", "9"]
    assert log.counters.in_messages == 10           # counters count everything received
    with pytest.raises(IndexError):
        log.message(6)
    log.set_cap(None)
    log.append("in", "text", "10")
    assert len(log) == 4


def test_export_as_json_lines(tmp_path: Path) -> None:
    log = MessageLog()
    log.append("out", "text", "héllo", when=0.5)
    log.append("in", "binary", b"\x00\xff", when=1.0)
    log.append("in", "close", "4001 bye", when=2.0)
    target = tmp_path / "messages.jsonl"
    with log.snapshot() as snapshot:
        assert export_jsonl(snapshot, target) == 3
    rows = [json.loads(line) for line in target.read_text("utf-8").splitlines()]
    assert rows[0] == {"seq": 0, "time": "1970-01-01T00:00:00.500Z",
                       "direction": "out", "kind": "text", "size": 6, "text": "héllo"}
    assert base64.b64decode(rows[1]["base64"]) == b"\x00\xff" and rows[1]["size"] == 2
    assert rows[2]["kind"] == "close" and rows[2]["text"] == "4001 bye"
    log.close()


def test_wrong_payload_types_are_refused() -> None:
    log = MessageLog()
    with pytest.raises(TypeError):
        log.append("in", "binary", "text")
    with pytest.raises(TypeError):
        log.append("in", "text", b"bytes")
    with pytest.raises(KeyError):
        log.append("sideways", "text", "x")


def test_previews_are_one_line() -> None:
    assert preview("text", "a\nb\tc") == "a⏎b c"
    assert preview("binary", b"\x00\x01") == "00 01"
    assert preview("binary", bytes(200), limit=30).endswith("00 …")
    assert preview("close", "4001 bye") == "Close 4001 · bye"
    assert preview("text", "x" * 300).endswith("…")


def test_clear_forgets_rows_and_counters_and_the_files() -> None:
    log = MessageLog(memory_bytes=0, segment_records=2)
    for i in range(7):
        log.append("in", "text", str(i))
    assert log.wait_spilled()
    directory = log.spill_directory
    view = LogView(log, MessageFilter(text="1"))
    view.update()
    assert directory is not None and list(Path(directory).iterdir()) and len(view) == 1
    log.clear()
    assert (len(log), log.first, log.end, log.dropped, log.counters.in_messages) == (0, 7, 7, 0, 0)
    assert list(Path(directory).iterdir()) == []
    assert view.update() == (1, 0)
    assert log.append("out", "text", "11") == 7
    assert view.update() == (0, 1) and log.message(7).data == "11"
    log.close()
    assert not Path(directory).exists()


def test_clearing_while_segments_wait_for_the_writer_leaves_no_file() -> None:
    log = MessageLog(memory_bytes=0, segment_records=2)
    for i in range(2000):
        log.append("in", "text", str(i))
    log.clear()                                  # most segments are still queued
    assert log.wait_spilled()
    directory = log.spill_directory
    assert directory is None or list(Path(directory).iterdir()) == []
    assert len(log) == 0 and log.in_memory == 0 and log.on_disk == 0
    log.close()
