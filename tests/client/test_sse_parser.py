"""Tests for the sans-I/O Server-Sent Events parser (WHATWG event stream interpretation)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.client.sse import SSEEvent, SSEParser

BOM = "\ufeff".encode()


def ev(data: str, event: str = "message", id: str = "", retry: int | None = None) -> SSEEvent:
    return SSEEvent(event=event, data=data, id=id, retry=retry)


def parse(
    chunks: Iterable[bytes], last_event_id: str = ""
) -> tuple[list[SSEEvent], str, int | None]:
    parser = SSEParser(last_event_id=last_event_id)
    events: list[SSEEvent] = []
    for chunk in chunks:
        events += parser.feed(chunk)
    events += parser.close()
    return events, parser.last_event_id, parser.retry


def assert_events(
    stream: bytes,
    expected: list[SSEEvent],
    *,
    last_event_id: str | None = None,
    retry: int | None = None,
    seed_id: str = "",
) -> None:
    """Check ``stream`` whole, split in two at every byte boundary, and byte by byte.

    Every way of chunking must give ``expected`` and the same final
    ``last_event_id`` (default: the id of the last expected event, else the
    seed) and ``retry``.
    """
    if last_event_id is None:
        last_event_id = expected[-1].id if expected else seed_id
    want = (expected, last_event_id, retry)
    assert parse([stream], seed_id) == want, "whole stream"
    for i in range(len(stream) + 1):
        assert parse([stream[:i], stream[i:]], seed_id) == want, f"split at byte {i}"
    one_byte = [stream[i : i + 1] for i in range(len(stream))]
    assert parse(one_byte, seed_id) == want, "byte by byte"
    with_empties = [c for b in one_byte for c in (b, b"")]
    assert parse(with_empties, seed_id) == want, "byte by byte with empty feeds"


# --- public shape ---------------------------------------------------------------------


def test_event_shape() -> None:
    assert SSEEvent._fields == ("event", "data", "id", "retry")
    parser = SSEParser()
    assert parser.last_event_id == ""
    assert parser.retry is None
    assert SSEParser(last_event_id="42").last_event_id == "42"


# --- BOM ------------------------------------------------------------------------------


def test_leading_bom_is_stripped() -> None:
    assert_events(BOM + b"data: a\n\n", [ev("a")])


def test_only_the_first_bom_is_stripped() -> None:
    # The second BOM becomes part of the field name "\ufeffdata", an unknown field.
    assert_events(BOM + BOM + b"data: a\n\ndata: b\n\n", [ev("b")])


def test_bom_not_at_stream_start_is_kept() -> None:
    assert_events(b"data: a\n\n" + BOM + b"data: b\n\n", [ev("a")])
    assert_events(b"data: " + BOM + b"x\n\n", [ev("\ufeffx")])


def test_empty_feed_does_not_consume_the_bom_check() -> None:
    parser = SSEParser()
    assert parser.feed(b"") == []
    assert parser.feed(BOM + b"data: a\n\n") == [ev("a")]


# --- line endings ---------------------------------------------------------------------


@pytest.mark.parametrize("eol", [b"\r\n", b"\n", b"\r"], ids=["CRLF", "LF", "CR"])
def test_line_endings(eol: bytes) -> None:
    stream = eol.join([b"data: a", b"data: b", b"", b"event: e", b"data: c", b"", b""])
    assert_events(stream, [ev("a\nb"), ev("c", event="e")])


def test_mixed_line_endings() -> None:
    assert_events(b"data: a\rdata: b\r\ndata: c\n\r\ndata: d\r\r", [ev("a\nb\nc"), ev("d")])


def test_cr_at_chunk_end_then_lf_is_one_line_ending() -> None:
    parser = SSEParser()
    assert parser.feed(b"data: a\r") == []
    assert parser.feed(b"") == []
    assert parser.feed(b"\ndata: b\r") == []  # no early dispatch of "a"
    assert parser.feed(b"\n") == []
    assert parser.feed(b"\r") == [ev("a\nb")]  # blank line (CR)
    assert parser.feed(b"\n") == []  # completes that CRLF: not another blank line
    assert parser.feed(b"data: c\r\r\n") == [ev("c")]
    assert_events(b"data: a\r\ndata: b\r\n\r\n", [ev("a\nb")])


def test_lf_cr_and_cr_cr_are_two_line_endings() -> None:
    assert_events(b"data: a\n\rdata: b\r\r", [ev("a"), ev("b")])


def test_other_unicode_line_breaks_are_not_line_endings() -> None:
    data = "a\x0bb\x0cc\x1cd\x1de\x1ef\x85g\u2028h\u2029i"
    assert_events(b"data: " + data.encode() + b"\n\n", [ev(data)])


# --- line syntax ----------------------------------------------------------------------


def test_comments_are_ignored() -> None:
    assert_events(b": hello\ndata: a\n:\n:data: x\n\n", [ev("a")])
    assert_events(b": keep-alive\n\n", [])


def test_field_without_colon_has_empty_value() -> None:
    assert_events(b"data\n\n", [ev("")])
    assert_events(b"event: x\nevent\ndata: a\n\n", [ev("a")])


def test_exactly_one_leading_space_is_removed() -> None:
    assert_events(b"data:  x\n\n", [ev(" x")])
    assert_events(b"data:x\n\n", [ev("x")])
    assert_events(b"data: \n\n", [ev("")])
    assert_events(b"data:\tx \n\n", [ev("\tx ")])


def test_value_is_split_at_the_first_colon_only() -> None:
    assert_events(b"data: a: b:c\n\n", [ev("a: b:c")])


def test_field_names_are_exact() -> None:
    assert_events(b"data : x\nDATA: y\n data: z\n\n", [])


# --- data / event ---------------------------------------------------------------------


def test_multiline_data_is_joined_with_newlines() -> None:
    assert_events(b"data: a\ndata:\ndata: b\n\n", [ev("a\n\nb")])


def test_only_one_trailing_newline_is_removed() -> None:
    assert_events(b"data: a\ndata\n\n", [ev("a\n")])
    assert_events(b"data\ndata\n\n", [ev("\n")])


def test_empty_data_buffer_is_not_dispatched() -> None:
    assert_events(b"event: x\n\n", [])
    assert_events(b"\n\n\n", [])


def test_event_type_is_reset_even_without_dispatch() -> None:
    assert_events(b"event: x\n\ndata: y\n\n", [ev("y")])


def test_event_type_is_reset_after_dispatch() -> None:
    assert_events(b"event: a\ndata: 1\n\ndata: 2\n\n", [ev("1", event="a"), ev("2")])


def test_empty_event_type_means_message() -> None:
    assert_events(b"event:\ndata: a\n\nevent: \ndata: b\n\n", [ev("a"), ev("b")])


def test_last_event_field_wins() -> None:
    assert_events(b"event: a\nevent: b\ndata: x\n\n", [ev("x", event="b")])


def test_null_in_data_is_kept() -> None:
    assert_events(b"data: a\x00b\n\n", [ev("a\x00b")])


# --- id -------------------------------------------------------------------------------


def test_id_is_reported_and_persists_across_events() -> None:
    assert_events(
        b"id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\n",
        [ev("a", id="1"), ev("b", id="1"), ev("c", id="2")],
    )


def test_id_anywhere_in_the_event_applies_to_it() -> None:
    assert_events(b"data: a\nid: 7\n\n", [ev("a", id="7")])


def test_id_with_null_is_ignored() -> None:
    assert_events(b"id: 1\ndata: a\n\nid: a\x00b\ndata: b\n\n", [ev("a", id="1"), ev("b", id="1")])


def test_empty_id_resets_it() -> None:
    assert_events(
        b"id: 1\ndata: a\n\nid\ndata: b\n\nid: 2\ndata: c\n\nid:\ndata: d\n\n",
        [ev("a", id="1"), ev("b"), ev("c", id="2"), ev("d")],
    )


def test_id_is_committed_by_a_blank_line_even_without_event() -> None:
    assert_events(b"id: 7\n\n", [], last_event_id="7")
    assert_events(b"id: 7\n\ndata: a\n\n", [ev("a", id="7")])


def test_id_of_an_unfinished_event_is_not_committed() -> None:
    assert_events(b"id: 1\n\nid: 2\ndata: x\n", [], last_event_id="1")


def test_seeded_last_event_id_survives_until_the_server_sends_one() -> None:
    assert_events(
        b"data: a\n\nid: 9\ndata: b\n\n",
        [ev("a", id="5"), ev("b", id="9")],
        seed_id="5",
    )
    assert_events(b"id\n\n", [], last_event_id="", seed_id="5")


# --- retry ----------------------------------------------------------------------------


def test_retry_digits_are_honoured() -> None:
    assert_events(
        b"data: a\n\nretry: 1500\ndata: b\n\nretry:0010\ndata: c\n\n",
        [ev("a"), ev("b", retry=1500), ev("c", retry=10)],
        retry=10,
    )


def test_retry_applies_immediately_even_in_an_unfinished_event() -> None:
    assert_events(b"retry: 3000\ndata: x\n", [], retry=3000)


@pytest.mark.parametrize(
    "value",
    [b"10a", b"-1", b"+5", b"", b" 5", b"1.5", b"5 ", b"\xd9\xa3", b"\xc2\xb2", b"1_000"],
)
def test_invalid_retry_is_ignored(value: bytes) -> None:
    assert_events(
        b"retry: 100\nretry: " + value + b"\ndata: x\n\n", [ev("x", retry=100)], retry=100
    )
    assert_events(b"retry: " + value + b"\ndata: x\n\n", [ev("x")])


def test_huge_retry_does_not_raise() -> None:
    parser = SSEParser()
    parser.feed(b"retry: " + b"0" * 10_000 + b"7\n")
    assert parser.retry == 7
    parser.feed(b"retry: " + b"9" * 10_000 + b"\n")  # may be ignored, must not raise


# --- other fields, end of stream, decoding ---------------------------------------------


def test_unknown_fields_are_ignored() -> None:
    assert_events(b"foo: bar\nEvent: y\nretryx: 5\nids: 3\ndata: z\n\n", [ev("z")])


def test_unfinished_event_is_discarded() -> None:
    assert_events(b"data: a\n\ndata: b\n", [ev("a")])
    assert_events(b"data: a\n\ndata: b", [ev("a")])
    assert_events(b"data: a\n\ndata: b\r", [ev("a")])


def test_invalid_utf8_becomes_replacement_character() -> None:
    assert_events(b"data: a\xffb\xfe\n\n", [ev("a\ufffdb\ufffd")])
    assert_events(b"data: \xc3\n\n", [ev("\ufffd")])  # truncated sequence before LF
    assert_events(b"data: \xed\xa0\x80\n\n", [ev("\ufffd\ufffd\ufffd")])  # surrogate


def test_multibyte_characters_split_across_chunks() -> None:
    text = "é 😀 中"
    assert_events(
        f"data: {text}\nevent: {text}\nid: {text}\n\n".encode(), [ev(text, event=text, id=text)]
    )


def test_close_is_harmless_and_starts_a_new_stream() -> None:
    parser = SSEParser()
    assert parser.close() == []
    assert parser.feed(b"id: 1\nretry: 5\ndata: a\n\nid: 2\ndata: b") == [ev("a", id="1", retry=5)]
    assert parser.close() == []
    assert parser.close() == []
    assert parser.feed(b"") == []
    assert (parser.last_event_id, parser.retry) == ("1", 5)
    assert parser.feed(BOM + b"data: c\n\n") == [ev("c", id="1", retry=5)]


# --- properties -----------------------------------------------------------------------

PROPERTY_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

values = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\r\n"), max_size=8)
names = st.sampled_from(["data", "event", "id", "retry", "foo", "", "\ufeff"])
separators = st.sampled_from(["", ":", ": ", ":  "])
endings = st.sampled_from(["\n", "\r", "\r\n"])
lines = st.one_of(
    st.tuples(names, separators, values).map("".join),
    st.just(""),  # blank line: dispatch
    st.from_regex(r"retry: [0-9]{1,5}", fullmatch=True),
    st.from_regex(r"id: [0-9]{1,3}", fullmatch=True),
)
streams = st.tuples(
    st.sampled_from(["", "\ufeff"]),
    st.lists(st.tuples(lines, endings).map("".join), max_size=25),
).map(lambda parts: (parts[0] + "".join(parts[1])).encode())


def split(stream: bytes, cuts: list[int]) -> list[bytes]:
    bounds = [0, *sorted(cuts), len(stream)]
    return [stream[a:b] for a, b in itertools.pairwise(bounds)]


@PROPERTY_SETTINGS
@given(stream=streams, data=st.data())
def test_any_chunking_of_a_stream_gives_the_same_events(stream: bytes, data: st.DataObject) -> None:
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=12))
    whole = parse([stream])
    assert parse(split(stream, cuts)) == whole
    assert parse([stream[i : i + 1] for i in range(len(stream))]) == whole


# Random bytes, enriched with protocol fragments so that events actually occur.
fragments = st.sampled_from(
    [
        b"data:",
        b"data: x",
        b"event:",
        b"id:",
        b"retry:",
        b"1",
        b":",
        b" ",
        b"\n",
        b"\r",
        b"\x00",
        BOM,
        b"\xc3",
        b"\xa9",
        b"\xf0\x9f",
        b"\xff",
    ]
)
random_bytes = st.one_of(
    st.binary(max_size=200),
    st.lists(st.one_of(fragments, st.binary(max_size=4)), max_size=60).map(b"".join),
)


@PROPERTY_SETTINGS
@given(stream=random_bytes, data=st.data())
def test_random_bytes_never_raise(stream: bytes, data: st.DataObject) -> None:
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=12))
    events, last_event_id, retry = parse(split(stream, cuts))
    assert all(isinstance(e, SSEEvent) and isinstance(e.data, str) for e in events)
    assert isinstance(last_event_id, str)
    assert retry is None or retry >= 0
    assert (events, last_event_id, retry) == parse([stream])


# -- max_event_size (SPEC 1.6's limit) ---------------------------------------------------------


def feed_all(parser: SSEParser, stream: bytes, cuts: list[int]) -> list[SSEEvent]:
    events: list[SSEEvent] = []
    start = 0
    for cut in [*sorted(cuts), len(stream)]:
        events += parser.feed(stream[start:cut])
        start = cut
    return events


small_data = st.text(st.characters(codec="ascii", exclude_characters="\r\n"), max_size=40)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(datas=st.lists(small_data, min_size=1, max_size=5),
       cuts=st.lists(st.integers(0, 400), max_size=6))
def test_events_under_the_limit_parse_the_same_split_anywhere(
    datas: list[str], cuts: list[int]
) -> None:
    """The limit changes nothing for events within it, however the bytes are split."""
    stream = b"".join(f"data: {d}\n\n".encode() for d in datas)
    cuts = [c for c in cuts if c <= len(stream)]
    unlimited = feed_all(SSEParser(max_event_size=None), stream, [])
    assert feed_all(SSEParser(max_event_size=40), stream, cuts) == unlimited


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(size=st.integers(41, 300), lines=st.booleans(),
       cuts=st.lists(st.integers(0, 700), max_size=6))
def test_anything_over_the_limit_raises_split_anywhere(
    size: int, lines: bool, cuts: list[int]
) -> None:
    """A line (beyond its field's name) or an event's data over the limit raises
    EventTooLarge, whatever the chunks; the parser has held little more than the limit."""
    from app.client.sse import EventTooLarge

    if lines:  # many short data lines of one event
        stream = b"data: x\n" * size + b"\n"
        limit = 40
    else:  # one long line, never ended
        stream = b"data: " + b"y" * (size + 64)
        limit = 40
    cuts = [c for c in cuts if c <= len(stream)]
    parser = SSEParser(max_event_size=limit)
    with pytest.raises(EventTooLarge):
        feed_all(parser, stream, cuts)
