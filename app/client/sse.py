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

__all__ = ["SSEEvent", "SSEParser"]

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
    """

    def __init__(self, last_event_id: str = "") -> None:
        self.last_event_id: str = last_event_id
        self.retry: int | None = None
        self._reset_stream()

    def _reset_stream(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._at_start = True  # a leading BOM may still be coming
        self._after_cr = False  # the last line ended with CR: skip one LF
        self._partial: list[str] = []  # pieces of the unfinished last line
        self._data: list[str] = []  # data buffer, one item per data line
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
            return []
        if self._partial:
            self._partial.append(text)
            text = "".join(self._partial)
        lines = _LINE_END.split(text) if "\r" in text else text.split("\n")
        last = lines.pop()
        self._partial = [last] if last else []
        self._after_cr = text[-1] == "\r"
        return self._process(lines)

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
        self._event_type = ""
