"""Pretty-printing: the streaming JSON re-indenter (whatever the chunks), XML and HTML, the
store-to-store entry point with cancellation, and detect_kind."""

from __future__ import annotations

import json
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.body.pretty import (
    JSON_VALIDATE_LIMIT,
    MARKUP_LIMIT,
    JsonReindenter,
    PrettyError,
    detect_kind,
    pretty_html,
    pretty_print,
    pretty_xml,
    reindent_json,
)
from app.body.store import BodyStore, JobCancelled

# Keys and strings full of what the re-indenter must not touch inside a string.
tricky_text = st.text(alphabet=st.sampled_from(list('ab{}[],:" \\\n\t\u00e9\u20ac\U0001f600/')),
                      max_size=8)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20)
    | st.floats(allow_nan=False, allow_infinity=False) | tricky_text,
    lambda inner: st.lists(inner, max_size=5)
    | st.dictionaries(tricky_text, inner, max_size=5),
    max_leaves=25,
)


def feed_in_chunks(data: bytes, cuts: list[int]) -> bytes:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    r = JsonReindenter()
    out = [r.feed(data[a:b]) for a, b in pairwise(points)]
    return b"".join(out) + r.close()


@given(value=json_values, cuts=st.lists(st.integers(0, 2000), max_size=12),
       ascii_only=st.booleans(), compact=st.booleans(), indent=st.sampled_from([None, 1, 4]))
@settings(max_examples=400, deadline=None)
def test_reindented_json_parses_to_the_same_value_whatever_the_chunks(
        value: Any, cuts: list[int], ascii_only: bool, compact: bool, indent: int | None) -> None:
    separators = (",", ":") if compact else (" , ", " :  ")
    source = json.dumps(value, ensure_ascii=ascii_only, separators=separators, indent=indent)
    out = feed_in_chunks(source.encode(), cuts)
    assert json.loads(out) == value
    # The layout is json.dumps's own, and strings are kept byte for byte.
    assert out.decode() == json.dumps(value, ensure_ascii=ascii_only, indent=2)


def test_every_split_point_of_escapes_and_empty_containers() -> None:
    data = rb'{"a\"b": "c\\", "d\\\"": ["\u00e9", {}, [], {"e": [ ]}], "f": "x\\\\"}'
    expected = json.dumps(json.loads(data), indent=2, ensure_ascii=True).encode()
    for i in range(len(data) + 1):
        for j in range(i, len(data) + 1):
            assert feed_in_chunks(data, [i, j]) == expected, (i, j)


def test_byte_by_byte() -> None:
    data = b' [ {"k" : [1, 2.5e3, true, null]} , "s\\"\\\\" ] '
    assert feed_in_chunks(data, list(range(len(data)))) == reindent_json(data)
    assert reindent_json(data).decode() == json.dumps(json.loads(data), indent=2).replace(
        "2500.0", "2.5e3")


def test_keeps_numbers_escapes_and_duplicate_keys_as_sent() -> None:
    data = b'{"n":1.10,"big":1e400,"u":"\\u00e9","k":1,"k":2}'
    assert reindent_json(data) == (b'{\n  "n": 1.10,\n  "big": 1e400,\n  "u": "\\u00e9",\n'
                                   b'  "k": 1,\n  "k": 2\n}')


def test_json_lines_of_objects_come_out_one_after_another() -> None:
    assert reindent_json(b'{"a":1}\n{"b":[]}\n[1]') == \
        b'{\n  "a": 1\n}\n{\n  "b": []\n}\n[\n  1\n]'


@pytest.mark.parametrize("bad", [b'{"a":1', b'{"a":"x}', b"]", b'{"a":1}}', b'{"a":\x00}',
                                 b"1 2", b'"a" "b"', b'{"a":1} 2'])
def test_broken_json_raises(bad: bytes) -> None:
    with pytest.raises(PrettyError):
        reindent_json(bad)


def test_deep_nesting_is_fine() -> None:
    value: list[Any] = []
    for _ in range(60):
        value = [value, 1]
    assert reindent_json(json.dumps(value).encode()).decode() == json.dumps(value, indent=2)
    deep = reindent_json(b"[" * 5000 + b"]" * 5000)     # deeper than json.loads can go
    assert deep.count(b"\n") == 2 * 4999 and b"\n" + b" " * (2 * 4999) + b"[]\n" in deep


# -- the store-to-store entry point --------------------------------------------------------------

def store_of(data: bytes) -> BodyStore:
    store = BodyStore()
    store.append(data)
    store.finish()
    return store


def test_pretty_print_small_json_validates_with_an_exact_position() -> None:
    with store_of(b'{"a": [1, 2,]}') as src, BodyStore() as dst:
        with pytest.raises(PrettyError, match=r"line 1, column 13"):
            pretty_print("json", src, dst)


def test_pretty_print_large_json_streams_with_progress() -> None:
    records = [{"id": i, "name": f"n{i}", "tags": ["x", "y"], "o": {}} for i in range(30000)]
    data = json.dumps(records, separators=(",", ":")).encode()
    assert len(data) > JSON_VALIDATE_LIMIT
    seen: list[tuple[int, int]] = []
    with store_of(data) as src, BodyStore() as dst:
        pretty_print("json", src, dst, progress=lambda d, t: seen.append((d, t)))
        assert dst.finished
        assert dst.read(0, dst.size) == json.dumps(records, indent=2).encode()
        assert dst.line_count == json.dumps(records, indent=2).count("\n") + 1
    assert seen[-1] == (len(data), len(data)) and len(seen) > 2


def test_pretty_print_large_json_that_is_not_json() -> None:
    data = b"<html>" + b"x" * (JSON_VALIDATE_LIMIT + 10)
    with store_of(data) as src, BodyStore() as dst:
        with pytest.raises(PrettyError, match="does not start"):
            pretty_print("json", src, dst)


def test_pretty_print_can_be_cancelled_between_chunks() -> None:
    data = json.dumps([list(range(100))] * 2000).encode()
    calls = 0

    def cancelled() -> bool:
        nonlocal calls
        calls += 1
        return calls > 2

    with store_of(data) as src, BodyStore() as dst:
        with pytest.raises(JobCancelled):
            pretty_print("json", src, dst, cancelled=cancelled)
        assert not dst.finished


def test_pretty_xml_and_html() -> None:
    xml = b'<?xml version="1.0"?><root><a x="1">text</a><b><c/></b></root>'
    assert pretty_xml(xml).decode().splitlines() == [
        '<?xml version="1.0" ?>', "<root>", '  <a x="1">text</a>', "  <b>", "    <c/>",
        "  </b>", "</root>"]
    with pytest.raises(PrettyError, match="Not valid XML"):
        pretty_xml(b"<a><b></a>")
    html = (b"<!DOCTYPE html><html><head><title>T &amp; U</title></head><body><p>One<br>two"
            b"<ul><li>a<li>b</ul><pre>  keep\n   this</pre></body></html>")
    assert pretty_html(html).decode().splitlines() == [
        "<!DOCTYPE html>", "<html>", "  <head>", "    <title>", "      T &amp; U",
        "    </title>", "  </head>", "  <body>", "    <p>", "      One", "      <br>",
        "      two", "      <ul>", "        <li>", "          a", "        <li>",
        "          b", "      </ul>", "      <pre>", "  keep", "   this", "      </pre>",
        "  </body>", "</html>"]


def test_pretty_print_markup_limits() -> None:
    with store_of(b"<a>" + b" " * MARKUP_LIMIT + b"</a>") as src, BodyStore() as dst:
        with pytest.raises(PrettyError, match="Too large"):
            pretty_print("xml", src, dst)
    with store_of(b"<a><b>x</b></a>") as src, BodyStore() as dst:
        pretty_print("xml", src, dst)
        assert dst.lines(0, 10) == [b"<a>", b"  <b>x</b>", b"</a>"]


# -- detect_kind ---------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.mark.parametrize(("content_type", "first", "kind"), [
    ("application/json; charset=utf-8", b"", "json"),
    ("application/vnd.api+json", b"", "json"),
    ("application/problem+json", b"", "json"),
    ("text/html; charset=utf-8", b"", "html"),
    ("application/xml", b"", "xml"),
    ("application/atom+xml", b"", "xml"),
    ("image/svg+xml", b"<svg/>", "xml"),
    ("image/png", PNG, "image"),
    ("text/csv", b"a,b\n", "text"),
    ("application/pdf", b"%PDF-1.7\n\x00\x01\x02", "binary"),
    ("application/octet-stream", PNG, "image"),
    ("application/octet-stream", b"\x00\x01\x02\x03", "binary"),
    ("", b'  {"a": 1}', "json"),
    ("text/plain", b"[1, 2]", "json"),
    ("", b"<!DOCTYPE html><html>", "html"),
    ("", b'<?xml version="1.0"?><a/>', "xml"),
    ("", "plain text é".encode(), "text"),
    ("", "é".encode()[:1] * 1 + b"abc", "text"),
    ("", b"", "text"),
    ("", b"GIF89a....", "image"),
    ("", b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image"),
])
def test_detect_kind(content_type: str, first: bytes, kind: str) -> None:
    assert detect_kind(content_type, first) == kind
