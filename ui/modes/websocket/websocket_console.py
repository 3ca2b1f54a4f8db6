"""The WebSocket console: the message list, the selected message in full, the input and the
saved messages.

The list is a one-column ``QTableView`` over ``MessageListModel``; a frame timer (16 ms, while
the log grows) publishes new rows in one batch and scrolls to them unless autoscroll is paused
or the user scrolled up. The selected message shows in a ``BodyView``: JSON pretty-printed (off
the UI thread) and highlighted, binary as a hex dump with offsets, any size.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.streams.message_log import Message, MessageFilter, MessageLog
from ui.formatting import human_size
from ui.modes.websocket.websocket_delegate import MessageDelegate, row_words
from ui.modes.websocket.websocket_input import MessageComposer
from ui.modes.websocket.websocket_model import MessageListModel
from ui.modes.websocket.websocket_saved import SavedMessagesPanel
from ui.request.tones import WARNING, css
from ui.response.body_view import BodyView

__all__ = ["CAPS", "FRAME_MS", "WebSocketConsole"]

FRAME_MS = 16
#: (label, rows kept or None)
CAPS = (("Keep all", None), ("Keep last 1,000", 1_000), ("Keep last 10,000", 10_000),
        ("Keep last 100,000", 100_000), ("Keep last 1,000,000", 1_000_000))
_DIRECTIONS: tuple[tuple[str, frozenset[str]], ...] = (
    ("All", frozenset()), ("↓ Received", frozenset({"in"})), ("↑ Sent", frozenset({"out"})),
    ("• Notes", frozenset({""})))


class WebSocketConsole(QWidget):
    """Shows a ``MessageLog`` live and composes what to send; sends nothing itself."""

    #: (kind "text"/"binary", data, typed): valid input to send; ``typed`` when it comes
    #: from the input line (which empties once it is sent), not from a saved message.
    send_requested = Signal(str, object, bool)
    #: The user asked to export the log (the pane asks where).
    export_requested = Signal()

    def __init__(self, log: MessageLog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.log = log
        self.model = MessageListModel(log, self)
        # A one-column table, not a QListView: with fixed row heights a QTableView takes a
        # batch of new rows in constant time, where a QListView lays out every row again
        # (0.5 s per batch at 200,000 rows).
        self.view = QTableView()
        self.view.setObjectName("messageList")
        self.view.setModel(self.model)
        self.view.setItemDelegate(MessageDelegate(self.view))
        self.view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.setCornerButtonEnabled(False)
        self.view.horizontalHeader().hide()
        self.view.horizontalHeader().setStretchLastSection(True)
        rows = self.view.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(QFontMetrics(self.view.font()).height() + 4)
        self.view.selectionModel().currentChanged.connect(self._current_changed)

        self.detail = BodyView()
        self.detail_title = QLabel("Select a message to see it in full.")
        self.detail_title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        detail_box = QWidget()
        detail_layout = QVBoxLayout(detail_box)
        detail_layout.setContentsMargins(0, 4, 0, 0)
        detail_layout.setSpacing(2)
        detail_layout.addWidget(self.detail_title)
        detail_layout.addWidget(self.detail, 1)

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter messages")
        self.filter_edit.setClearButtonEnabled(True)
        self.direction_box = QComboBox()
        for label, directions in _DIRECTIONS:
            self.direction_box.addItem(label, directions)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setCheckable(True)
        self.pause_button.setToolTip("Pause autoscroll: messages keep arriving, the list stays")
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Forget the messages logged so far")
        self.cap_box = QComboBox()
        for label, cap in CAPS:
            self.cap_box.addItem(label, cap)
        self.cap_box.setToolTip("Keep every message (old ones move to disk), or only the last N")
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save the log as JSON lines")
        self.counters = QLabel()
        self.counters.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cap_note = QLabel()
        self.cap_note.setStyleSheet(css(WARNING))
        self.cap_note.hide()
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.filter_edit, 2)
        bar.addWidget(self.direction_box)
        bar.addWidget(self.pause_button)
        bar.addWidget(self.clear_button)
        bar.addWidget(self.cap_box)
        bar.addWidget(self.export_button)
        self.filter_edit.setMinimumWidth(160)
        counts = QHBoxLayout()
        counts.setContentsMargins(0, 0, 0, 0)
        counts.addWidget(self.counters)
        counts.addStretch(1)
        counts.addWidget(self.cap_note)

        list_box = QWidget()
        list_layout = QVBoxLayout(list_box)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.setSpacing(2)
        list_layout.addWidget(self.view, 1)
        list_layout.addLayout(counts)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(list_box)
        self.splitter.addWidget(detail_box)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([600, 400])       # proportions: the list gets three fifths

        self.composer = MessageComposer()
        self.saved = SavedMessagesPanel()
        main = QWidget()
        main_layout = QVBoxLayout(main)
        main_layout.setContentsMargins(0, 0, 0, 0)
        main_layout.addLayout(bar)
        main_layout.addWidget(self.splitter, 1)
        main_layout.addWidget(self.composer)
        outer = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(main)
        outer.addWidget(self.saved)
        outer.setStretchFactor(0, 1)
        outer.setStretchFactor(1, 0)
        outer.setChildrenCollapsible(False)
        self.saved.setMinimumWidth(150)
        outer.setSizes([800, 180])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(outer)

        self._frame = QTimer(self, interval=FRAME_MS)
        self._frame.timeout.connect(self.refresh)
        self._filter_delay = QTimer(self, singleShot=True, interval=150)
        self._filter_delay.timeout.connect(self._apply_filter)
        self._unseen = 0
        self._at_bottom = True          # the list follows new rows while it shows the last
        self._counters_key: tuple[int, ...] = ()
        self._shown_seq: int | None = None

        scroll = self.view.verticalScrollBar()
        scroll.valueChanged.connect(self._scrolled)
        scroll.rangeChanged.connect(self._range_changed)
        self.filter_edit.textChanged.connect(self._filter_delay.start)
        self.direction_box.currentIndexChanged.connect(self._apply_filter)
        self.pause_button.toggled.connect(self._pause_toggled)
        self.clear_button.clicked.connect(self.clear)
        self.cap_box.currentIndexChanged.connect(self._cap_changed)
        self.export_button.clicked.connect(self.export_requested)
        self.composer.send_requested.connect(
            lambda kind, data: self.send_requested.emit(kind, data, True))
        self.composer.save_requested.connect(self.saved.add)
        self.saved.send_requested.connect(self.send_saved)
        self.saved.edit_requested.connect(self._edit_saved)
        self._show_counters()

    # -- publishing ---------------------------------------------------------------------------

    @property
    def paused(self) -> bool:
        return self.pause_button.isChecked()

    def follow(self) -> None:
        """The log is growing: publish it once a frame until it is all shown."""
        if not self._frame.isActive():
            self._frame.start()

    def refresh(self) -> None:
        """Publish new rows in one batch, scroll to them unless paused, update the counts."""
        added = self.model.refresh()
        if added:
            if self.paused or not self._at_bottom:
                self._unseen += added
                self._show_unseen()
            else:
                self.view.scrollToBottom()
                if self._unseen:
                    self._unseen = 0
                    self._show_unseen()
        self._show_counters()

    def stop_following(self) -> None:
        """The connection ended: publish what is left, then let the timer rest."""
        self.refresh()
        if self.model.synced:
            self._frame.stop()
        else:
            QTimer.singleShot(FRAME_MS, self.stop_following)

    def dispose(self) -> None:
        """Stop publishing and drop the detail view's files (the pane is going)."""
        self._frame.stop()
        self._filter_delay.stop()
        self.detail.clear()

    def clear(self) -> None:
        """Forget every message (counters included); new ones keep coming."""
        self.log.clear()
        self.model.reset()
        self._unseen = 0
        self._show_unseen()
        self._shown_seq = None
        self.detail.clear()
        self.detail_title.setText("Select a message to see it in full.")
        self._show_counters()

    def _show_counters(self) -> None:
        log = self.log
        c = log.counters
        key = (c.in_messages, c.out_messages, c.in_bytes, c.out_bytes, len(log), log.dropped,
               self.model.rowCount())
        if key == self._counters_key:
            return
        self._counters_key = key
        words = (f"↓ {c.in_messages:,} · {human_size(c.in_bytes)}    "
                 f"↑ {c.out_messages:,} · {human_size(c.out_bytes)}")
        if not self.model.filter.empty:
            words += f"    showing {self.model.rowCount():,} of {len(log):,}"
        self.counters.setText(words)
        if log.dropped:
            self.cap_note.setText(f"Keeping the last {log.cap or 0:,} messages: "
                                  f"{log.dropped:,} older ones were dropped.")
        self.cap_note.setVisible(bool(log.dropped))

    def _show_unseen(self) -> None:
        if self._unseen and (self.paused or not self._at_bottom):
            self.pause_button.setText(f"{'Resume' if self.paused else 'Pause'} · "
                                      f"{self._unseen:,} new")
        else:
            self.pause_button.setText("Resume" if self.paused else "Pause")

    def _scrolled(self, value: int) -> None:
        self._at_bottom = value >= self.view.verticalScrollBar().maximum() - 1

    def _range_changed(self, _minimum: int, maximum: int) -> None:
        # More rows, or a shorter list (a banner above it): stay on the last row.
        if self._at_bottom and not self.paused:
            self.view.verticalScrollBar().setValue(maximum)

    def _pause_toggled(self, paused: bool) -> None:
        if not paused:
            self._unseen = 0
            self.view.scrollToBottom()
        self._show_unseen()

    # -- filter and cap -----------------------------------------------------------------------

    def _apply_filter(self) -> None:
        self._filter_delay.stop()
        flt = MessageFilter(text=self.filter_edit.text(),
                            directions=self.direction_box.currentData() or frozenset())
        self.model.set_filter(flt)
        self.follow()
        self._reselect()

    def _cap_changed(self) -> None:
        self.log.set_cap(self.cap_box.currentData())
        self.refresh()

    # -- the selected message -----------------------------------------------------------------

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.show_message(self.model.message(current.row()))

    def _reselect(self) -> None:
        if self._shown_seq is None:
            return
        row = self.model.row_of(self._shown_seq)
        if row is not None:
            self.view.setCurrentIndex(self.model.index(row))

    def show_message(self, m: Message) -> None:
        """Show ``m`` in full below the list."""
        self._shown_seq = m.seq
        arrow, clock, size, _ = row_words(m)
        what = {"in": "received", "out": "sent", "": ""}[m.direction]
        self.detail_title.setText(" · ".join(
            part for part in (f"{arrow} {what}".strip(), clock, m.kind, size) if part))
        if isinstance(m.data, bytes):
            self.detail.begin("application/octet-stream")
            self.detail.append(m.data)
        else:
            self.detail.begin("text/plain; charset=utf-8")
            self.detail.append(m.data.encode("utf-8", "surrogatepass"))
        self.detail.finish()
        if m.kind == "binary":
            self.detail.set_mode("hex")     # even for an image: Preview is one click away

    # -- saved messages -----------------------------------------------------------------------

    def send_saved(self, mode: str, text: str) -> None:
        data = self.composer.check(text, mode)
        if data is not None:
            self.send_requested.emit("binary" if isinstance(data, bytes) else "text", data,
                                     False)

    def _edit_saved(self, mode: str, text: str) -> None:
        self.composer.set_mode(mode)
        self.composer.set_text(text)
        self.composer.input.setFocus()
