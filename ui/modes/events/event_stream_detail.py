"""The selected event in full: its type, id, time and size, and its data pretty-printed (JSON
indented and highlighted)."""

from __future__ import annotations

import html
import json

from PySide6.QtCore import QEvent
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from app.streams.event_log import LoggedEvent
from ui.formatting import human_size
from ui.highlight import PygmentsHighlighter
from ui.modes.events.event_stream_model import clock_time

__all__ = ["EventDetail", "pretty_data"]

#: Data up to this size is indented (json.loads and dumps on the UI thread take ~1 ms / 50 KB).
PRETTY_LIMIT = 256 * 1024
#: ...and highlighted up to this size (the highlighter lexes every line when text is set).
HIGHLIGHT_LIMIT = 64 * 1024
#: Larger data is shown raw, cut here.
SHOW_LIMIT = 1 << 20
#: The longest line shown wrapped: Qt lays out a wrapped line in time that grows with its
#: square (200 KB of compact JSON took seconds, a megabyte minutes), so text with a longer
#: line is shown unwrapped.
WRAP_LIMIT = 10_000


def pretty_data(data: str) -> tuple[str, str]:
    """``(text, lexer)``: JSON indented (``json``), anything else as it is (``text``)."""
    if len(data) <= PRETTY_LIMIT and data.lstrip()[:1] in ("{", "["):
        try:
            value = json.loads(data)
        except ValueError:
            return data, "text"
        return json.dumps(value, indent=2, ensure_ascii=False), "json"
    return data, "text"


class EventDetail(QWidget):
    """Shows one event; empty until one is chosen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.header = QLabel("Select an event to see its data.")
        self.header.setEnabled(False)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self._highlighter = PygmentsHighlighter(self.text.document(), "text",
                                                dark=self._is_dark())
        self._lexer = "text"
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.header)
        layout.addWidget(self.text, 1)
        #: The event shown (not ``event``: that is QWidget's event handler).
        self.shown: LoggedEvent | None = None

    def _is_dark(self) -> bool:
        return self.palette().base().color().lightness() < 128

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # the theme switched
            self._highlighter.set_dark(self._is_dark())

    def show_event(self, event: LoggedEvent | None) -> None:
        self.shown = event
        if event is None:
            self.header.setText("Select an event to see its data.")
            self.header.setEnabled(False)
            self.text.clear()
            return
        parts = [f"<b>{html.escape(event.event)}</b>"]
        if event.id:
            parts.append(f"id {html.escape(event.id)}")
        parts += [clock_time(event.time), human_size(event.size)]
        if event.retry is not None:
            parts.append(f"retry {event.retry:,} ms")
        text, lexer = pretty_data(event.data)
        if len(text) > SHOW_LIMIT:
            parts.append(f"first {human_size(SHOW_LIMIT)} shown")
            text = text[:SHOW_LIMIT]
        self.header.setText(" · ".join(parts))
        self.header.setEnabled(True)
        lexer = lexer if len(text) <= HIGHLIGHT_LIMIT else "text"
        if lexer != self._lexer:
            self._lexer = lexer
            self.text.clear()  # or the new lexer first re-highlights the old text
            self._highlighter.set_lexer(lexer)
        longest = max(map(len, text.split("\n")), default=0)
        wrap = (QPlainTextEdit.LineWrapMode.WidgetWidth if longest <= WRAP_LIMIT
                else QPlainTextEdit.LineWrapMode.NoWrap)
        if wrap != self.text.lineWrapMode():
            self.text.clear()  # or the text shown is laid out again first, in the new mode
            self.text.setLineWrapMode(wrap)
        self.text.setPlainText(text)
