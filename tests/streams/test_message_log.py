"""The WebSocket message log: exact rows and counters in bounded memory, spilled to disk,
capped visibly, filtered incrementally, exported as JSON lines."""

from __future__ import annotations

import base64
import io
import json
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.streams.message_log import (
    ROW_OVERHEAD,
    InputError,
    LogView,
    MessageFilter,
    MessageLog,
    encode_outgoing,
    parse_hex,
    preview,
)

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
_row = st.one_of(
    st.tuples(st.sampled_from(["in", "out"]), st.just("text"), _text),
    st.tuples(st.sampled_from(["in", "out"]), st.just("binary"), st.binary(max_size=40)),
    st.tuples(st.sampled_from(["in", "out"]), st.just("close"), st.just("1000 bye")),
    st.tuples(st.just(""), st.sampled_from(["info", "error"]), _text),
)
# An operation: a row to append, a spill, or a new cap.
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
    log = MessageLog(chunk_rows=chunk_rows, chunk_bytes=64, memory_limit=memory_limit,
                     cache_limit=100)
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
            log.spill()
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
    log = MessageLog(memory_limit=64 * 1024, chunk_rows=256, auto_spill=True,
                     directory=str(tmp_path))
    bound = log.memory_limit + 256 * (ROW_OVERHEAD + 20)
    for i in range(50_000):
        log.append("in", "text", f'{{"n":{i}}}')
        assert log.memory_bytes <= bound
    assert log.spilled_rows > 45_000
    assert log.spill_path is not None and Path(log.spill_path).parent == tmp_path
    assert log.counters.in_messages == 50_000
    assert [log.message(s).data for s in (0, 1, 25_000, 49_999)] == [
        '{"n":0}', '{"n":1}', '{"n":25000}', '{"n":49999}']
    assert sum(1 for _ in log) == 50_000
    path = log.spill_path
    log.close()
    assert not Path(path).exists()


def test_a_spill_job_runs_on_another_thread_while_rows_are_read() -> None:
    log = MessageLog(memory_limit=0, chunk_rows=10)
    for i in range(35):
        log.append("in", "binary", bytes([i]) * 3)
    jobs = []
    while (job := log.next_spill()) is not None:
        jobs.append(job)
    assert len(jobs) == 3 and log.next_spill() is None      # the growing chunk stays
    workers = [threading.Thread(target=job.run) for job in jobs]
    for w in workers:
        w.start()
    assert log.message(5).data == b"\x05" * 3               # still in memory meanwhile
    for w, job in zip(workers, jobs, strict=True):
        w.join()
        log.commit(job)
    assert log.spilled_rows == 30
    assert [m.data for m in log] == [bytes([i]) * 3 for i in range(35)]


def test_a_failed_spill_keeps_the_rows_and_says_so() -> None:
    log = MessageLog(memory_limit=0, chunk_rows=2)
    for i in range(5):
        log.append("out", "text", str(i))
    job = log.next_spill()
    assert job is not None
    log.abandon(job, OSError(28, "No space left on device"))
    assert log.spill_error is not None and log.next_spill() is None
    assert [m.data for m in log] == ["0", "1", "2", "3", "4"]


def test_the_cap_drops_the_oldest_rows_visibly() -> None:
    log = MessageLog(cap=3, chunk_rows=2)
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


def test_export_as_json_lines() -> None:
    log = MessageLog()
    log.append("out", "text", "héllo", when=0.5)
    log.append("in", "binary", b"\x00\xff", when=1.0)
    log.append("in", "close", "4001 bye", when=2.0)
    out = io.StringIO()
    assert log.export_jsonl(out) == 3
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert rows[0] == {"seq": 0, "time": "1970-01-01T00:00:00.500000+00:00",
                       "direction": "out", "kind": "text", "size": 6, "text": "héllo"}
    assert base64.b64decode(rows[1]["base64"]) == b"\x00\xff" and rows[1]["size"] == 2
    assert rows[2]["kind"] == "close" and rows[2]["text"] == "4001 bye"


def test_wrong_payload_types_are_refused() -> None:
    log = MessageLog()
    with pytest.raises(TypeError):
        log.append("in", "binary", "text")
    with pytest.raises(TypeError):
        log.append("in", "text", b"bytes")
    with pytest.raises(KeyError):
        log.append("sideways", "text", "x")


@given(st.binary(max_size=64), st.sampled_from(["", " ", "\n", " \t "]))
def test_hex_round_trips_with_any_spacing(data: bytes, sep: str) -> None:
    assert parse_hex(sep.join(f"{b:02x}" for b in data)) == data
    assert parse_hex(data.hex().upper()) == data


@pytest.mark.parametrize(("text", "message"), [
    ("de ad b", "5 hex digits"),
    ("0x41", "'x' at position 2"),
    ("zz", "'z' at position 1"),
])
def test_bad_hex_says_why(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_hex(text)


def test_outgoing_input_is_checked() -> None:
    assert encode_outgoing("text", "{nope") == "{nope"
    assert encode_outgoing("json", ' {"a": 1} ') == ' {"a": 1} '
    assert encode_outgoing("binary", "41 42") == b"AB"
    with pytest.raises(InputError, match=r"Not JSON: .*line 1, column 2"):
        encode_outgoing("json", "{nope")


def test_previews_are_one_line() -> None:
    assert preview("text", "a\nb\tc") == "a⏎b c"
    assert preview("binary", b"\x00\x01") == "00 01"
    assert preview("binary", bytes(200), limit=30).endswith("00 …")
    assert preview("close", "4001 bye") == "Close 4001 · bye"
    assert preview("text", "x" * 300).endswith("…")


def test_clear_forgets_rows_and_counters_and_the_file() -> None:
    log = MessageLog(memory_limit=0, chunk_rows=2, auto_spill=True)
    for i in range(7):
        log.append("in", "text", str(i))
    path = log.spill_path
    view = LogView(log, MessageFilter(text="1"))
    view.update()
    assert path is not None and len(view) == 1
    log.clear()
    assert (len(log), log.first, log.end, log.dropped, log.counters.in_messages) == (0, 7, 7, 0, 0)
    assert not Path(path).exists()
    assert view.update() == (1, 0)
    assert log.append("out", "text", "11") == 7
    assert view.update() == (0, 1) and log.message(7).data == "11"


def test_clearing_while_a_spill_job_waits_closes_the_file_after_it() -> None:
    log = MessageLog(memory_limit=0, chunk_rows=2)
    for i in range(5):
        log.append("in", "text", str(i))
    ran, unrun = log.next_spill(), log.next_spill()
    assert ran is not None and unrun is not None
    path = log.spill_path
    assert path is not None
    log.clear()                                  # the file stays while the jobs hold it
    assert Path(path).exists()
    ran.run()                                    # a worker that was already on its way
    log.commit(ran)
    assert Path(path).exists()
    log.commit(unrun)                            # cancelled before it ran: lets go
    assert not Path(path).exists()
    unrun.run()                                  # too late to write: does nothing
    assert unrun.location is None and len(log) == 0
