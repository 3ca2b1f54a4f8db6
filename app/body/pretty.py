"""Pretty-printing of response bodies, for the response pane's Pretty view.

Pure code over bytes: nothing here imports Qt. ``detect_kind`` names what a body is from its
content type and first bytes. ``pretty_print`` formats a ``BodyStore`` into another one and can
be cancelled between chunks; it is meant to run in a worker thread.

JSON of every size goes through ``JsonReindenter``, a streaming re-indenter over the raw text
that builds no Python values: strings are found by one regular expression and copied as they
are, the structure between them is re-spaced with ``bytes`` operations, so the output keeps
the body's exact numbers, escapes and duplicate keys. Bodies up to ``JSON_VALIDATE_LIMIT`` are
first checked with ``json.loads`` (for an exact error position); larger ones get the
re-indenter's structural checks (brackets, strings, NUL bytes). XML (``xml.dom.minidom``) and
HTML (a reflow over ``html.parser``) are formatted up to ``MARKUP_LIMIT``; larger ones are left
raw with a note, as is anything that does not parse.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from itertools import accumulate, compress, islice, repeat
from operator import add, not_
from typing import TYPE_CHECKING, Literal

from app.body.jobs import JobCancelled
from app.body.store import BodyStore
from app.model.http import media_type

if TYPE_CHECKING:
    import xml.dom.minidom

__all__ = [
    "JSON_VALIDATE_LIMIT",
    "MARKUP_LIMIT",
    "JsonReindenter",
    "Kind",
    "PrettyError",
    "detect_kind",
    "pretty_html",
    "pretty_print",
    "pretty_xml",
    "reindent_json",
]

Kind = Literal["json", "xml", "html", "text", "image", "binary"]

JSON_VALIDATE_LIMIT = 1 << 20       # json.loads holds the GIL: keep its runs short
MARKUP_LIMIT = 4 << 20
PRETTY_CHUNK = 1 << 16        # small: the GIL is held through each chunk's C calls


class PrettyError(Exception):
    """The body cannot be formatted; the message says why, for the user."""


# -- what a body is ----------------------------------------------------------------------------

_JSON_TYPES = {"application/json", "text/json", "application/x-ndjson", "application/ndjson",
               "application/jsonl", "application/x-json", "application/problem+json"}
_SNIFFED_TYPES = {"", "application/octet-stream", "binary/octet-stream", "text/plain",
                  "application/unknown", "application/x-unknown", "*/*"}
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM",
                b"\x00\x00\x01\x00", b"II*\x00", b"MM\x00*")
_TAG_START = re.compile(rb"<[A-Za-z!?]")


def detect_kind(content_type: str | None, first_bytes: bytes) -> Kind:
    """What a body is, from its ``Content-Type`` and (for generic types) its first bytes."""
    media = media_type(content_type)
    if media.startswith("image/"):
        return "xml" if media == "image/svg+xml" else "image"
    if media in _JSON_TYPES or media.endswith(("+json", "/json")):
        return "json"
    if media in ("text/html", "application/xhtml+xml"):
        return "html"
    if media.endswith(("/xml", "+xml")):
        return "xml"
    if media not in _SNIFFED_TYPES:
        if media.startswith("text/") or media in ("application/javascript",
                                                  "application/x-www-form-urlencoded"):
            return "text"
        return "text" if _looks_textual(first_bytes) else "binary"
    return _sniff(first_bytes)


def _sniff(data: bytes) -> Kind:
    if data.startswith(_IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return "image"
    head = data.removeprefix(b"\xef\xbb\xbf").lstrip()
    if head[:1] in (b"{", b"["):
        return "json"
    lower = head[:512].lower()
    if lower.startswith((b"<!doctype html", b"<html")) or b"<html" in lower:
        return "html"
    if _TAG_START.match(lower):
        return "xml"
    return "text" if _looks_textual(data) else "binary"


def _looks_textual(data: bytes) -> bool:
    sample = data[:4096]
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 3 and exc.reason == "unexpected end of data":
            return True                 # a character cut by the sample's end
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls * 10 < len(sample)


# -- JSON --------------------------------------------------------------------------------------

_BRACKETS = re.compile(rb"([\[\]{}])")
_WHITESPACE = b" \t\r\n"
_TOP_LEVEL_TEXT = re.compile(rb"[^\[\]{}]*")
_BRACKET_CODE = {b"{": 0, b"[": 1, b"}": 2, b"]": 3}
_DEPTH_STEP = {b"{": 4, b"[": 4, b"}": -4, b"]": -4}
_OPENERS = (0x7B, 0x5B)
_JSON_START = frozenset(b'{["-0123456789tfnNI')
# Bytes that valid JSON never holds (controls other than whitespace; bytes UTF-8 never uses):
# a chunk's own free ones stand in for escapes and empty containers while it is laid out.
_SPARE = [*range(1, 9), *range(14, 32), *range(0xF5, 0x100)]


class JsonReindenter:
    """Re-indents JSON text fed in chunks of any size, as ``json.dumps(indent=2)`` lays it out.

    ``feed(chunk)`` returns the output for the input so far; ``close()`` checks that the text
    ended whole and returns the rest. Strings (keys and values) pass through byte for byte;
    whitespace outside them is replaced by the layout. Top-level objects or arrays one after
    another (JSON Lines) come out one after another.

    Every step is a ``bytes`` or ``itertools`` operation over the chunk, none a Python loop
    over tokens: the chunk is split at quotes (escaped quotes and backslashes stand in as
    spare bytes first), the text between strings is stripped of whitespace and split at
    brackets, the depth of each piece is a running sum, and each piece and bracket picks its
    indent from a table. Structure is checked as far as that allows: a NUL byte, a closing
    bracket with nothing open, several top-level scalars, and (at ``close``) an open string or
    bracket raise ``PrettyError``; a ``]`` that closes a ``{`` does not (``json.loads`` checks
    the bodies small enough for it).
    """

    def __init__(self, indent: int = 2) -> None:
        self._indent = indent
        self._commas: list[bytes] = []        # a comma and the next line's indent, by depth * 4
        self._brackets: list[bytes] = []      # a bracket laid out, by depth * 4 + its code
        self._depth = 0
        self._carry = b""                     # an opener that ended the last chunk's text
        self._backslashes = b""               # backslashes that ended the last chunk
        self._in_string = False               # the input so far ends inside a string
        self._emitted = False
        self._top_done = False                # a top-level value has ended
        self._scalar_open = False             # the input so far ends in a top-level scalar
        self._grow(1)

    @property
    def depth(self) -> int:
        return self._depth

    def _grow(self, depth: int) -> None:
        """Extend the layout tables, indexed by depth * 4 (+ a bracket's code), to ``depth``."""
        while len(self._brackets) < 4 * (depth + 1):
            after = len(self._brackets) // 4
            nl = b"\n" + b" " * (self._indent * after)
            top = b"\n" if after == 1 else b""   # a top-level value after another one
            self._brackets += [top + b"{" + nl, top + b"[" + nl, nl + b"}", nl + b"]"]
            self._commas += [b"," + nl] * 4

    def feed(self, data: bytes) -> bytes:
        if self._backslashes:
            data = self._backslashes + data
            self._backslashes = b""
        whole = data.rstrip(b"\\")            # an escape must not be cut between chunks
        if len(whole) < len(data):
            self._backslashes = data[len(whole):]
            data = whole
        if not data:
            return b""
        if 0 in data:
            raise PrettyError("Not JSON: the body holds a NUL byte.")
        spare = [bytes((b,)) for b in _SPARE if b not in data][:4]
        if len(spare) < 4:
            raise PrettyError("Not JSON: the body holds control bytes.")
        escaped = 0x5C in data
        if escaped:
            data = data.replace(b"\\\\", spare[2]).replace(b'\\"', spare[3])
        parts = data.split(b'"')
        first = 1 if self._in_string else 0
        if len(parts) % 2 == 0:
            self._in_string = not self._in_string
        if len(parts) > first:
            laid = self._layout(b"\0".join(parts[first::2]), spare[0], spare[1],
                                may_wait=not self._in_string)
            parts[first::2] = laid.split(b"\0")
        out = b'"'.join(parts)
        if escaped:
            out = out.replace(spare[2], b"\\\\").replace(spare[3], b'\\"')
        if out and not self._emitted:
            self._emitted = True
            if out[0] == 0x0A:
                out = out[1:]
        return out

    def _layout(self, skeleton: bytes, empty_object: bytes, empty_array: bytes, *,
                may_wait: bool) -> bytes:
        """Lay out the text between strings (each string a NUL placeholder). ``may_wait``:
        the chunk ends outside a string, so a final opener may be held back."""
        if self._depth == 0 and not self._carry:
            lead = _TOP_LEVEL_TEXT.match(skeleton)
            if lead is not None and len(lead.group().split()) > 1:
                raise PrettyError("Not JSON: a value after the top-level value.")
        text = self._carry + skeleton.translate(None, _WHITESPACE)
        self._carry = b""
        if may_wait and text and text[-1] in _OPENERS:   # it may be empty: wait and see
            self._carry = text[-1:]
            text = text[:-1]
        if not text:
            return text
        text = text.replace(b"{}", empty_object).replace(b"[]", empty_array)
        parts = _BRACKETS.split(text.replace(b":", b": "))
        segments = parts[0::2]
        brackets = parts[1::2]
        # Depths count in fours, so that depth * 4 + a bracket's code indexes its layout.
        depths = list(accumulate(map(_DEPTH_STEP.__getitem__, brackets),
                                 initial=4 * self._depth))
        if min(depths) < 0:
            raise PrettyError("Not JSON: a closing bracket with nothing open.")
        self._grow(max(depths) // 4)
        self._check_top_level(segments, depths)
        parts[0::2] = map(bytes.replace, segments, repeat(b","),
                          map(self._commas.__getitem__, depths))
        parts[1::2] = map(self._brackets.__getitem__,
                          map(add, islice(depths, 1, None),
                              map(_BRACKET_CODE.__getitem__, brackets)))
        self._depth = depths[-1] // 4
        laid = b"".join(parts)
        return laid.replace(empty_object, b"{}").replace(empty_array, b"[]")

    def _check_top_level(self, segments: list[bytes], depths: list[int]) -> None:
        """Outside any container there may be one scalar, or containers one after another."""
        ended_here = 0 in islice(depths, 1, None)      # depths are in fours
        if ended_here and any(compress(islice(segments, 1, None),
                                       map(not_, islice(depths, 1, None)))):
            raise PrettyError("Not JSON: a value after the top-level value.")
        if depths[0] == 0 and segments[0]:
            if self._top_done and not self._scalar_open:
                raise PrettyError("Not JSON: a value after the top-level value.")
            self._top_done = True
        self._top_done = self._top_done or ended_here
        self._scalar_open = depths[-1] == 0 and bool(segments[-1])

    def close(self) -> bytes:
        if self._in_string or self._backslashes:
            raise PrettyError("Not JSON: a string is not closed at the end of the body.")
        if self._depth or self._carry:
            raise PrettyError(f"Not JSON: {self._depth + len(self._carry)} bracket(s) not "
                              "closed at the end of the body.")
        return b""


def reindent_json(data: bytes, indent: int = 2) -> bytes:
    """``data`` re-indented in one go (see ``JsonReindenter``)."""
    r = JsonReindenter(indent)
    return r.feed(data) + r.close()


def _validate_json(data: bytes) -> None:
    try:
        json.loads(data)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and _is_json_lines(data):
            return
        raise PrettyError(f"Not valid JSON: {exc.msg} (line {exc.lineno}, "
                          f"column {exc.colno}).") from None
    except (UnicodeDecodeError, RecursionError) as exc:
        raise PrettyError(f"Not valid JSON: {exc}.") from None


def _is_json_lines(data: bytes) -> bool:
    try:
        for line in data.splitlines():
            if line.strip():
                json.loads(line)
    except (ValueError, RecursionError):
        return False
    return True


def _pretty_json(src: BodyStore, dst: BodyStore, check: Callable[[], None],
                 progress: Callable[[int, int], None],
                 pause: Callable[[], None] | None) -> None:
    total = src.size
    head = src.read(0, 64).removeprefix(b"\xef\xbb\xbf").lstrip()
    if head and head[0] not in _JSON_START:
        raise PrettyError("Not JSON: the body does not start with a JSON value.")
    if total <= JSON_VALIDATE_LIMIT:
        _validate_json(src.read(0, total))
        check()
    reindenter = JsonReindenter()
    done = 0
    for chunk in src.iter_chunks(0, total, PRETTY_CHUNK):
        if pause is not None:
            pause()
        check()
        if not done:
            chunk = chunk.removeprefix(b"\xef\xbb\xbf")
        out = reindenter.feed(chunk)
        if out:
            dst.append(out)
        done += len(chunk)
        progress(done, total)
    dst.append(reindenter.close())


# -- XML and HTML ------------------------------------------------------------------------------

def _drop_blank_text(node: xml.dom.minidom.Element) -> None:
    import xml.dom.minidom

    for child in list(node.childNodes):
        if isinstance(child, xml.dom.minidom.Text) and \
                child.nodeType == xml.dom.Node.TEXT_NODE and not child.data.strip():
            node.removeChild(child)
        elif isinstance(child, xml.dom.minidom.Element):
            _drop_blank_text(child)


def pretty_xml(data: bytes) -> bytes:
    """XML re-indented by two spaces (whitespace-only text dropped); ``PrettyError`` if it
    does not parse."""
    # Imported here: an idle window never needs the XML parsers (bench/idle.py).
    import xml.dom.minidom
    from xml.parsers.expat import ExpatError

    try:
        dom = xml.dom.minidom.parseString(data)
    except (ExpatError, ValueError) as exc:
        raise PrettyError(f"Not valid XML: {exc}.") from None
    if dom.documentElement is not None:
        _drop_blank_text(dom.documentElement)
    text = dom.toprettyxml(indent="  ")
    if not data.lstrip().startswith(b"<?xml"):
        text = text.split("\n", 1)[1] if "\n" in text else text
    return text.rstrip("\n").encode("utf-8")


_VOID = frozenset(("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "param", "source", "track", "wbr", "basefont", "frame", "keygen"))
_VERBATIM = frozenset(("pre", "textarea", "script", "style"))
_SELF_CLOSING = frozenset(("p", "li", "dt", "dd", "tr", "td", "th", "option", "thead", "tbody",
                          "tfoot"))


class _HtmlReflow(HTMLParser):
    """One tag or text run per line, indented by nesting; ``pre``, ``textarea``, ``script``
    and ``style`` keep their content as it is."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.lines: list[str] = []
        self._open: list[str] = []
        self._text: list[str] = []
        self._verbatim: list[str] | None = None
        self._verbatim_tag = ""

    def _put(self, text: str) -> None:
        self.lines.append("  " * len(self._open) + text)

    def _flush_text(self) -> None:
        if self._text:
            text = " ".join("".join(self._text).split())
            self._text.clear()
            if text:
                self._put(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        source = self.get_starttag_text() or f"<{tag}>"
        if self._verbatim is not None:
            self._verbatim.append(source)
            return
        self._flush_text()
        if tag in _SELF_CLOSING and self._open and self._open[-1] == tag:
            self._open.pop()
        if tag in ("td", "th") and self._open and self._open[-1] in ("td", "th"):
            self._open.pop()
        self._put(source)
        if tag in _VOID:
            return
        self._open.append(tag)
        if tag in _VERBATIM:
            self._verbatim = []
            self._verbatim_tag = tag

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        source = self.get_starttag_text() or f"<{tag}/>"
        if self._verbatim is not None:
            self._verbatim.append(source)
            return
        self._flush_text()
        self._put(source)

    def handle_endtag(self, tag: str) -> None:
        if self._verbatim is not None:
            if tag != self._verbatim_tag:
                self._verbatim.append(f"</{tag}>")
                return
            content = "".join(self._verbatim).strip("\n")
            self._verbatim = None
            if content:
                self.lines.append(content)
        self._flush_text()
        if tag in _VOID or tag not in self._open:
            if tag not in _VOID:
                self._put(f"</{tag}>")
            return
        while self._open and self._open.pop() != tag:
            pass
        self._put(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        (self._verbatim if self._verbatim is not None else self._text).append(data)

    def handle_entityref(self, name: str) -> None:
        self.handle_data(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.handle_data(f"&#{name};")

    def _other(self, text: str) -> None:
        if self._verbatim is not None:
            self._verbatim.append(text)
            return
        self._flush_text()
        self._put(text)

    def handle_comment(self, data: str) -> None:
        self._other(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self._other(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self._other(f"<?{data}>")

    def unknown_decl(self, data: str) -> None:
        self._other(f"<![{data}]>")

    def finish(self) -> str:
        self.close()
        if self._verbatim is not None:
            self.lines.append("".join(self._verbatim))
            self._verbatim = None
        self._flush_text()
        return "\n".join(self.lines)


def pretty_html(data: bytes) -> bytes:
    """HTML reflowed: one tag or text run per line, indented by nesting."""
    reflow = _HtmlReflow()
    reflow.feed(data.decode("utf-8", "replace"))
    return reflow.finish().encode("utf-8")


# -- the entry point ---------------------------------------------------------------------------

def pretty_print(kind: Kind, src: BodyStore, dst: BodyStore, *,
                 cancelled: Callable[[], bool] | None = None,
                 progress: Callable[[int, int], None] | None = None,
                 pause: Callable[[], None] | None = None) -> None:
    """Format the body in ``src`` (a finished store) as ``kind`` into ``dst``, then finish it.

    Raises ``PrettyError`` when the body cannot be formatted (the message is for the user) and
    ``JobCancelled`` as soon as ``cancelled()`` is true between chunks. ``pause()`` is called
    between chunks, for the caller to step aside for the user (``UserActivity``).
    """

    def check() -> None:
        if cancelled is not None and cancelled():
            raise JobCancelled

    def report(done: int, total: int) -> None:
        if progress is not None:
            progress(done, total)

    if kind == "json":
        _pretty_json(src, dst, check, report, pause)
    elif kind in ("xml", "html"):
        if src.size > MARKUP_LIMIT:
            raise PrettyError(f"Too large to format as {kind.upper()} "
                              f"(over {MARKUP_LIMIT >> 20} MiB): showing the raw body.")
        data = src.read(0, src.size)
        check()
        dst.append(pretty_xml(data) if kind == "xml" else pretty_html(data))
        report(len(data), len(data))
    else:
        raise PrettyError(f"There is no pretty form for {kind} bodies.")
    check()
    dst.finish()
