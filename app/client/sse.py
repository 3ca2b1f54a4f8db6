"""Sans-I/O parser for Server-Sent Events (``text/event-stream``).

Follows the WHATWG HTML "event stream interpretation" algorithm:
https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation

Feed the parser bytes as they arrive, in chunks of any size; each call returns
the events those bytes completed.  It does no I/O, so the same object works
under asyncio, threads or plain tests::

    parser = SSEParser()
    for chunk in chunks:
        for event in parser.feed(chunk):
            ...
    parser.close()
"""

from __future__ import annotations

import codecs
import contextlib
import re
from typing import NamedTuple

__all__ = ["DEFAULT_MAX_EVENT_SIZE", "EventTooLarge", "SSEEvent", "SSEParser"]

#: The largest line or event data the parser holds by default (SPEC 1.6: 16 MiB).
DEFAULT_MAX_EVENT_SIZE = 16 << 20


# A line holds its field's name too ("data: "): the limit is on the value.
_FIELD_ROOM = 64


class EventTooLarge(ValueError):
    """A line or an event's data passed the parser's ``max_event_size``."""

# Only CRLF, LF and CR end a line (unlike str.splitlines, which also splits on
# \v, \f, \x1c-\x1e, \x85, \u2028 and \u2029).
_LINE_END = re.compile(r"\r\n|\r|\n")


class SSEEvent(NamedTuple):
    """One dispatched event."""

    event: str  # event type; "message" unless the server set one
    data: str  # data lines joined with "\n"
    id: str  # the stream's last event ID when the event was dispatched
    retry: int | None  # reconnection time in ms set by the server, if any


class SSEParser:
    """Incremental event-stream parser.

    ``last_event_id`` seeds the ID when resuming a stream (the value sent as the
    ``Last-Event-ID`` header); it survives the reconnection until the server
    sends a new ``id`` field.

    ``max_event_size`` bounds what the parser holds: an unfinished line or an
    event's data longer than that many characters (bytes, for ASCII) raises
    :class:`EventTooLarge`, checked as the pieces arrive, so a peer that never
    ends its line costs at most about that much. None holds anything.
    """

    def __init__(
        self, last_event_id: str = "", *, max_event_size: int | None = DEFAULT_MAX_EVENT_SIZE
    ) -> None:
        self.last_event_id: str = last_event_id
        self.retry: int | None = None
        self.max_event_size = max_event_size
        self._reset_stream()

    def _reset_stream(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._at_start = True  # a leading BOM may still be coming
        self._after_cr = False  # the last line ended with CR: skip one LF
        self._partial: list[str] = []  # pieces of the unfinished last line
        self._partial_size = 0
        self._data: list[str] = []  # data buffer, one item per data line
        self._data_size = 0
        self._event_type = ""
        self._id_buffer = self.last_event_id

    def feed(self, data: bytes) -> list[SSEEvent]:
        """Parse the next chunk of the stream; return the events it completed."""
        text = self._decoder.decode(data)
        if not text:
            return []
        if self._at_start:
            self._at_start = False
            if text[0] == "\ufeff":
                text = text[1:]
        if self._after_cr:
            self._after_cr = False
            if text[:1] == "\n":
                text = text[1:]
        if "\n" not in text and "\r" not in text:
            if text:
                self._partial.append(text)
                self._partial_size += len(text)
                self._check(self._partial_size - _FIELD_ROOM, "a line")
            return []
        if self._partial:
            self._partial.append(text)
            text = "".join(self._partial)
        lines = _LINE_END.split(text) if "\r" in text else text.split("\n")
        last = lines.pop()
        self._partial = [last] if last else []
        self._partial_size = len(last)
        self._after_cr = text[-1] == "\r"
        events = self._process(lines)
        self._check(self._partial_size - _FIELD_ROOM, "a line")
        return events

    def _check(self, size: int, what: str) -> None:
        limit = self.max_event_size
        if limit is not None and size > limit:
            self._reset_stream()
            raise EventTooLarge(f"{what} of the event stream is longer than "
                                f"max_event_size ({limit} bytes)")

    def close(self) -> list[SSEEvent]:
        """Signal the end of the stream.

        An unfinished event (no blank line yet) is discarded, as the spec
        requires, so this always returns ``[]``.  ``last_event_id`` and
        ``retry`` are kept; a later ``feed`` starts a new stream.
        """
        self._reset_stream()
        return []

    def _process(self, lines: list[str]) -> list[SSEEvent]:
        events: list[SSEEvent] = []
        for line in lines:
            if not line:
                self._dispatch(events)
                continue
            name, _, value = line.partition(":")
            if not name:  # a line starting with ":" is a comment
                continue
            if value[:1] == " ":
                value = value[1:]
            if name == "data":
                self._data.append(value)
                self._data_size += len(value) + 1
                self._check(self._data_size - 1, "the data of an event")
            elif name == "event":
                self._event_type = value
            elif name == "id":
                if "\0" not in value:
                    self._id_buffer = value
            elif name == "retry" and value.isascii() and value.isdigit():
                # suppress: too many digits for Python's int() limit
                with contextlib.suppress(ValueError):
                    self.retry = int(value.lstrip("0") or "0")
        return events

    def _dispatch(self, events: list[SSEEvent]) -> None:
        # The ID is committed even when no event is dispatched.
        self.last_event_id = self._id_buffer
        if self._data:
            data = "\n".join(self._data)
            event_type = self._event_type or "message"
            events.append(SSEEvent(event_type, data, self.last_event_id, self.retry))
            self._data = []
            self._data_size = 0
        self._event_type = ""
