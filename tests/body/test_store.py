"""BodyStore: the temporary file, the display-line index built chunk by chunk, thread-safe
reads, saving; search_body."""

from __future__ import annotations

import gc
import os
import re
import threading
import time
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.body.jobs import JobCancelled
from app.body.store import (
    INDEX_STEP,
    RELEASE_IN_BACKGROUND,
    BodyStore,
    compile_query,
    decode_line,
    search_body,
)


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in pairwise(points)]


def store_of(chunks: list[bytes], wrap: int = 4096) -> BodyStore:
    store = BodyStore(wrap=wrap)
    for chunk in chunks:
        store.append(chunk)
    store.finish()
    return store


def reference_lines(data: bytes, wrap: int) -> list[tuple[bytes, bool]]:
    """Display lines of ASCII data, the obvious way: (content, continues the line before)."""
    out: list[tuple[bytes, bool]] = []
    lines = data.split(b"\n")
    if lines[-1] == b"" and len(lines) > 1:
        lines.pop()
    if data == b"":
        return []
    for line in lines:
        pieces = [line[i:i + wrap] for i in range(0, len(line), wrap)] or [b""]
        out.extend((piece, k > 0) for k, piece in enumerate(pieces))
    return out


ascii_bodies = st.lists(st.sampled_from([b"a", b"bc", b"\n", b"\r\n", b"xyzxyzxyz", b"\n\n"]),
                        max_size=40).map(b"".join)


@given(data=ascii_bodies, cuts=st.lists(st.integers(0, 400), max_size=8),
       wrap=st.integers(4, 12))
@settings(max_examples=300, deadline=None)
def test_display_lines_match_a_plain_split_whatever_the_chunks(data: bytes, cuts: list[int],
                                                               wrap: int) -> None:
    with store_of(chunked(data, cuts), wrap) as store:
        expected = reference_lines(data, wrap)
        assert store.line_count == len(expected)
        assert store.lines(0, len(expected) + 5) == [line for line, _ in expected]
        assert [store.line(i) for i in range(store.line_count)] == [x for x, _ in expected]
        assert [store.is_continuation(i) for i in range(store.line_count)] == \
            [cont for _, cont in expected]
        assert store.logical_line_count == sum(1 for _, cont in expected if not cont)
        assert store.max_line_length <= wrap
        numbers = [store.logical_line_number(i) for i in range(store.line_count)]
        logical = 0
        for (_, cont), number in zip(expected, numbers, strict=True):
            logical += 0 if cont else 1
            assert number == logical


@given(text=st.text(alphabet=st.sampled_from("aé€😀\n"), max_size=60),
       cuts=st.lists(st.integers(0, 300), max_size=6), wrap=st.integers(4, 9))
@settings(max_examples=200, deadline=None)
def test_long_lines_are_cut_between_utf8_characters(text: str, cuts: list[int],
                                                    wrap: int) -> None:
    data = text.encode()
    with store_of(chunked(data, cuts), wrap) as store:
        rebuilt = b""
        for i in range(store.line_count):
            line = store.line(i)
            assert len(line) <= wrap
            # A cut that falls inside a character moves back to its start, when the bytes
            # at the cut arrived in the same chunk: check the common, single-chunk case.
            if len(cuts) == 0:
                line.decode("utf-8")
            if i and not store.is_continuation(i):
                rebuilt += b"\n"
            rebuilt += line
        assert rebuilt == data.removesuffix(b"\n") or rebuilt + b"\n" == data


def test_a_single_20_mb_line_becomes_4096_byte_display_lines() -> None:
    data = b"[" + b'{"k": 12345678},' * (20 * 1024 * 1024 // 16) + b"{}]"
    with BodyStore() as store:
        for i in range(0, len(data), 65536):
            store.append(data[i:i + 65536])
        store.finish()
        assert store.line_count == -(-len(data) // 4096)
        assert store.logical_line_count == 1
        assert store.line(store.line_count - 1).endswith(b"{}]")
        assert all(len(line) == 4096 for line in store.lines(0, 100))
        assert store.logical_line_number(store.line_count - 1) == 1


def test_counts_while_streaming_and_the_last_line_grows() -> None:
    with BodyStore() as store:
        assert store.line_count == 0
        store.append(b"ab")
        assert (store.line_count, store.line(0)) == (1, b"ab")
        store.append(b"c\n")
        assert (store.line_count, store.line(0)) == (1, b"abc")
        store.append(b"d")
        assert store.lines(0, 5) == [b"abc", b"d"]
        assert store.line_at(0) == 0 and store.line_at(4) == 1
        assert store.offset_of(1, 0) == 4
        with pytest.raises(IndexError):
            store.line(2)


def test_offset_of_counts_columns_in_characters() -> None:
    with store_of(["x\nhé€llo\n".encode()]) as store:
        assert store.offset_of(1, 0) == 2
        assert store.offset_of(1, 3) == 2 + len("hé€".encode())
        assert store.offset_of(1, 99) == 2 + len("hé€llo".encode())


def test_reads_are_safe_while_another_thread_appends() -> None:
    block = bytes(range(256)) * 64
    store = BodyStore()
    errors: list[str] = []

    def reader() -> None:
        for _ in range(300):
            size = store.size
            if size:
                offset = (size * 7 // 13) // len(block) * len(block)
                data = store.read(offset, len(block))
                if data != block[:len(data)]:
                    errors.append(f"bad read at {offset}")

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for _ in range(400):
        store.append(block)
    for t in threads:
        t.join()
    store.finish()
    assert errors == []
    assert store.size == 400 * len(block)
    assert store.read(store.size - 10, 100) == block[-10:]
    store.close()


def test_close_deletes_the_file_and_refuses_reads() -> None:
    store = store_of([b"hello\n"])
    path = store.path
    assert Path(path).read_bytes() == b"hello\n"
    store.close()
    store.close()
    assert not os.path.exists(path)
    with pytest.raises(ValueError):
        store.read(0, 1)
    with pytest.raises(ValueError):
        store.append(b"more")


def test_a_forgotten_store_deletes_its_file() -> None:
    store = BodyStore()
    store.append(b"x" * 10)
    path = store.path
    del store
    gc.collect()
    assert not os.path.exists(path)


def test_save_to_copies_the_body_and_reports_progress(tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    with store_of([data[i:i + 100_000] for i in range(0, len(data), 100_000)]) as store:
        seen: list[tuple[int, int]] = []
        target = tmp_path / "body.bin"
        assert store.save_to(target, progress=lambda d, t: seen.append((d, t))) == len(data)
        assert target.read_bytes() == data
        assert seen[-1] == (len(data), len(data)) and len(seen) == 4
        assert sorted(p.name for p in tmp_path.iterdir()) == ["body.bin"]


def test_save_cancelled_or_failed_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "body.bin"
    target.write_bytes(b"old")
    with store_of([b"x" * (3 << 20)]) as store:
        with pytest.raises(JobCancelled):
            store.save_to(target, cancelled=lambda: True)
        assert target.read_bytes() == b"old"
        with pytest.raises(OSError):
            store.save_to(tmp_path / "missing" / "body.bin")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["body.bin"]


# -- search ------------------------------------------------------------------------------------

def expected_matches(store: BodyStore, pattern: re.Pattern[str]) -> list[tuple[int, int, int]]:
    """Matches over the whole text, mapped to display lines the slow way."""
    data = store.read(0, store.size)
    text = decode_line(data)
    out = []
    for m in pattern.finditer(text):
        if m.end() == m.start():
            continue
        offset = len(text[:m.start()].encode("utf-8", "surrogateescape"))
        line = store.line_at(offset)
        col = len(decode_line(data[store.line_offset(line):offset]))
        out.append((line, col, m.end() - m.start()))
    return out


@given(data=st.lists(st.sampled_from([b"ab", b"Ab", b"\n", b"b", b"a", b"\xc3\xa9", b"xx"]),
                     max_size=60).map(b"".join),
       query=st.sampled_from(["ab", "a", "b\na", "éa", "xa"]),
       case=st.booleans(), block=st.integers(1, 40), wrap=st.integers(4, 10))
@settings(max_examples=300, deadline=None)
def test_search_finds_what_a_whole_text_search_finds(data: bytes, query: str, case: bool,
                                                     block: int, wrap: int) -> None:
    with store_of([data], wrap) as store:
        pattern = compile_query(query, case_sensitive=case)
        found = [m for batch in search_body(store, pattern, block_size=block)
                 for m in batch.matches]
        assert [(m.line, m.col, m.length) for m in found] == expected_matches(store, pattern)
        for m in found:
            assert store.offset_of(m.line, m.col) == m.offset


def test_search_regex_limit_and_progress() -> None:
    lines = b"".join(b"item %d ok\n" % i for i in range(5000))
    with store_of([lines]) as store:
        pattern = compile_query(r"item \d*5 ok$", regex=True)
        batches = list(search_body(store, pattern, block_size=4096))
        assert sum(len(b.matches) for b in batches) == 500
        assert batches[-1].searched == store.size
        assert [b.searched for b in batches] == sorted(b.searched for b in batches)
        capped = [m for b in search_body(store, compile_query("ok"), limit=10) for m in b.matches]
        assert len(capped) == 10
        with pytest.raises(JobCancelled):
            list(search_body(store, pattern, cancelled=lambda: True))


def test_compile_query_escapes_plain_text_and_reports_bad_patterns() -> None:
    assert compile_query("a.b").search("axb") is None
    assert compile_query("a.b", regex=True).search("axb") is not None
    assert compile_query("ABC").search("xabcx") is not None
    assert compile_query("ABC", case_sensitive=True).search("xabcx") is None
    with pytest.raises(re.error):
        compile_query("(", regex=True)


def test_a_big_store_is_gone_from_disk_as_soon_as_it_is_closed() -> None:
    store = BodyStore()
    block = b"y" * (1 << 20)
    for _ in range(RELEASE_IN_BACKGROUND // len(block) + 1):
        store.append(block)
    store.finish()
    path = store.path
    store.close()
    assert not os.path.exists(path)
    with pytest.raises(ValueError):
        store.read(0, 1)


def expected_starts(data: bytes, wrap: int) -> list[int]:
    """Display-line starts of ASCII ``data``: after each newline, and every ``wrap`` bytes."""
    starts, start = [0], 0
    for pos, byte in enumerate(data):
        if byte == 0x0A:
            start = pos + 1
            starts.append(start)
        elif pos + 1 - start > wrap:
            start = pos
            starts.append(start)
    return starts


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from([b"a", b"bcd", b"\n", b"efghijklmnopq", b"\n\n"]),
                min_size=200, max_size=2000),
       st.lists(st.integers(min_value=0, max_value=10**6), max_size=30))
def test_the_sparse_index_finds_every_line_the_dense_one_would(pieces: list[bytes],
                                                              cuts: list[int]) -> None:
    data = b"".join(pieces)
    starts = expected_starts(data, 8)
    assert len(starts) > INDEX_STEP or len(data) < 600
    store = BodyStore(wrap=8)
    for chunk in chunked(data, cuts):
        store.append(chunk)
    store.finish()
    count = store.line_count
    assert count == len(starts) - (1 if starts[-1] == len(data) else 0)
    assert store.line_offsets(0, count + 5) == starts[:count + 5]
    assert [store.line_offset(i) for i in range(count)] == starts[:count]
    for offset in range(0, len(data), 7):
        i = store.line_at(offset)
        assert starts[i] <= offset and (i + 1 == len(starts) or offset < starts[i + 1])
    lines = store.lines(0, count)
    assert [store.line(i) for i in range(count)] == lines
    assert all(len(line) <= 8 for line in lines)
    store.close()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([b"a", b"bcd", b"\n", b"efghijklmnopq", b"\n\n"]),
                min_size=200, max_size=3000),
       st.lists(st.integers(min_value=0, max_value=10**6), max_size=30),
       st.integers(min_value=16, max_value=160))
def test_an_index_over_budget_samples_more_sparsely_and_finds_every_line(
        pieces: list[bytes], cuts: list[int], budget: int) -> None:
    data = b"".join(pieces)
    starts = expected_starts(data, 8)
    store = BodyStore(wrap=8, index_budget=budget)
    for chunk in chunked(data, cuts):
        store.append(chunk)
        assert store.index_size <= budget
    store.finish()
    count = store.line_count
    assert store.index_step >= INDEX_STEP
    assert count == len(starts) - (1 if starts[-1] == len(data) else 0)
    assert store.line_offsets(0, count + 5) == starts[:count + 5]
    assert [store.line_offset(i) for i in range(count - 1, -1, -1)] == starts[:count][::-1]
    for offset in range(0, len(data), 5):
        i = store.line_at(offset)
        assert starts[i] <= offset and (i + 1 == len(starts) or offset < starts[i + 1])
    assert store.lines(0, count) == [store.line(i) for i in range(count)]
    assert store.lines(0, count) == reference_lines_of(data, starts[:count])
    store.close()


def reference_lines_of(data: bytes, starts: list[int]) -> list[bytes]:
    """Each display line's bytes, from its start to the next one's, without a newline."""
    ends = [*starts[1:], len(data)]
    return [data[a:b].removesuffix(b"\n") if b == len(data) or data[b - 1] == 0x0A
            else data[a:b] for a, b in zip(starts, ends, strict=True)]


def test_sixteen_million_newlines_keep_the_index_within_its_budget() -> None:
    budget = 1 << 15                   # 4096 samples: the step grows to 4096 lines
    block = b"\n" * (1 << 20)
    with BodyStore(index_budget=budget) as store:
        for _ in range(16):
            store.append(block)
            assert store.index_size <= budget
        store.append(b"last")
        store.finish()
        assert store.line_count == 16 * (1 << 20) + 1
        assert store.index_step == 8192
        started = time.perf_counter()
        for i in range(0, store.line_count, 999_983):
            assert store.line_offset(i) == i and store.line(i) == b""
        assert store.line_at(10_000_001) == 10_000_001
        assert store.lines(store.line_count - 2, 5) == [b"", b"last"]
        assert time.perf_counter() - started < 1
