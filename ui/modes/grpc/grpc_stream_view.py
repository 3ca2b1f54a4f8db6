"""The result side of the gRPC pane: the messages of the call both ways with their times (a
table fed once a frame from the call's log), a box to send another message, Half-close and
Cancel for a client or bidi stream, the response headers as soon as they come, and at the
end the status (code name and details), the decoded error details, and the trailers.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelection, Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from ui.banner import banner
from ui.modes.base import ConnectionState as S
from ui.modes.grpc.grpc_log import KEEP_CHOICES, GrpcLogModel, message_text, status_details
from ui.request.tones import ERROR, OK, WARNING, css

if TYPE_CHECKING:
    from app.grpc import CallResult
    from ui.error_messages import ErrorText
    from ui.modes.grpc.grpc_controller import GrpcController

__all__ = ["GrpcStreamView", "pairs_table"]

#: Characters of a status's details (or a failure's) shown above the messages; the rest is
#: in the tooltip.
STATUS_CHARS = 300

_STATE_WORDS = {S.IDLE: "", S.CONNECTING: "Connecting…", S.OPEN: "Open", S.CLOSING: "Closing…",
                S.ENDED: "", S.FAILED: "Not sent", S.STOPPED: "Stopped"}


def pairs_table(name: str) -> QTableWidget:
    """A read-only two-column table of (name, value) pairs."""
    table = QTableWidget(0, 2)
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(["Name", "Value"])
    table.horizontalHeader().setStretchLastSection(True)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    return table


def _to_clipboard(text: str) -> None:
    from PySide6.QtGui import QGuiApplication

    QGuiApplication.clipboard().setText(text)


def _fill(table: QTableWidget, pairs: list[tuple[str, str]]) -> None:
    table.setRowCount(len(pairs))
    for row, (name, value) in enumerate(pairs):
        table.setItem(row, 0, QTableWidgetItem(name))
        table.setItem(row, 1, QTableWidgetItem(value))


class GrpcStreamView(QWidget):
    """Shows what ``controller`` narrates and logs; sends what is typed here through it."""

    def __init__(self, controller: GrpcController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.model = GrpcLogModel(controller.log, self)
        self.status = QLabel()
        self.status.setObjectName("grpcStatus")
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Wrapped: a server's long details (or a long problem below) must not widen the
        # window and squeeze the sidebar.
        self.status.setWordWrap(True)
        self.counts = QLabel()
        self.counts.setObjectName("grpcCounts")
        self.keep_box = QComboBox()
        self.keep_box.setObjectName("grpcKeep")
        keep = controller.log.keep
        for choice in sorted({*KEEP_CHOICES, keep}):
            self.keep_box.addItem(f"Keep last {choice:,}", choice)
        self.keep_box.setCurrentIndex(self.keep_box.findData(keep))
        self.keep_box.setToolTip("Messages the list keeps (the oldest go past it, counted); "
                                 "a stream's result, for its checks, keeps as many")
        self.error = banner("error")
        self.error.setObjectName("grpcError")
        self.error.setTextFormat(Qt.TextFormat.RichText)

        self.table = QTableView()
        self.table.setObjectName("grpcMessages")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        rows = self.table.verticalHeader()
        rows.hide()
        # Fixed heights: a view of 100,000 rows never measures them.
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 6)
        columns = self.table.horizontalHeader()
        columns.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        columns.setStretchLastSection(True)
        self.table.setColumnWidth(0, self.fontMetrics().horizontalAdvance("00:00:00.000") + 16)
        self.table.setColumnWidth(1, self.fontMetrics().horizontalAdvance("←") + 16)
        self.detail = QPlainTextEdit()
        self.detail.setObjectName("grpcMessageDetail")
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText("The selected message")
        # Unwrapped: Qt lays a wrapped line of a megabyte out for minutes (a long base64
        # string), an unwrapped one in a fraction of a second.
        self.detail.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        # Not shaped where the script does not need it (JSON is mostly Latin): a line of
        # ``detail_chars`` is laid out and painted in half the time (some 40 ms, not 75).
        unshaped = QFont()
        unshaped.setStyleStrategy(QFont.StyleStrategy.PreferNoShaping)
        self.detail.setFont(unshaped)
        #: The message shown in ``detail`` and its direction (``copy_button`` copies it
        #: whole); None when none is.
        self.shown: tuple[object, str] | None = None
        #: Whether ``detail`` shows only the start of it.
        self._shown_cut = False
        self.copy_button = QPushButton("Copy message")
        self.copy_button.setObjectName("grpcCopyMessage")
        self.copy_button.setToolTip("Copy the message shown, whole, as JSON")
        self.copy_button.setEnabled(False)
        self.copy_button.clicked.connect(self.copy_message)

        self.send_edit = QLineEdit()
        self.send_edit.setObjectName("grpcSendBox")
        self.send_edit.setPlaceholderText('Another message, as JSON: {"text": "hi"}')
        self.send_button = QPushButton("Send")
        self.half_close_button = QPushButton("Half-close")
        self.half_close_button.setToolTip("Tell the server nothing more will be sent "
                                          "(it may then answer and end the call)")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Cancel the call (Esc)")
        self.send_problem = QLabel()
        self.send_problem.setObjectName("grpcSendProblem")
        self.send_problem.setStyleSheet(css(ERROR))
        self.send_problem.setTextFormat(Qt.TextFormat.PlainText)
        self.send_problem.setWordWrap(True)
        self.send_problem.hide()
        sender = QHBoxLayout()
        sender.setContentsMargins(0, 0, 0, 0)
        sender.addWidget(self.send_edit, 1)
        sender.addWidget(self.send_button)
        sender.addWidget(self.half_close_button)
        sender.addWidget(self.cancel_button)

        self.error_details = QPlainTextEdit()
        self.error_details.setObjectName("grpcErrorDetails")
        self.error_details.setReadOnly(True)
        self.headers = pairs_table("grpcHeaders")
        self.trailers = pairs_table("grpcTrailers")
        # The copy button under the message it copies, not in the tab bar's corner: there it
        # left the tabs too little room, and Headers and Trailers went behind scroll arrows.
        self.message_page = message_page = QWidget()
        message_layout = QVBoxLayout(message_page)
        message_layout.setContentsMargins(0, 0, 0, 0)
        message_layout.addWidget(self.detail, 1)
        copy_row = QHBoxLayout()
        copy_row.addStretch(1)
        copy_row.addWidget(self.copy_button)
        message_layout.addLayout(copy_row)
        self.tabs = QTabWidget()
        # Narrow, the names are shortened, not hidden behind scroll arrows (Headers and
        # Trailers went there at 800 px).
        self.tabs.setUsesScrollButtons(False)
        self.tabs.setElideMode(Qt.TextElideMode.ElideRight)
        for page, name, tip in (
                (message_page, "Message", "The selected message, as JSON"),
                (self.error_details, "Error details", "The details of an error status, decoded"),
                (self.headers, "Headers", "The response's headers (initial metadata)"),
                (self.trailers, "Trailers", "The response's trailers (trailing metadata)")):
            # What the tab is, for when its name is shortened.
            self.tabs.setTabToolTip(self.tabs.addTab(page, name), tip)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.status, 1)
        top.addWidget(self.counts)
        top.addWidget(self.keep_box)
        messages = QWidget()
        messages_layout = QVBoxLayout(messages)
        messages_layout.setContentsMargins(0, 0, 0, 0)
        messages_layout.addWidget(self.table, 1)
        messages_layout.addLayout(sender)
        messages_layout.addWidget(self.send_problem)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(messages)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        # 3:2 from the start too (the table's own width hint took all but some 300 px, and
        # the tabs' names did not fit).
        split.setSizes([600, 400])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.error)
        layout.addWidget(split, 1)

        self._timer = QTimer(self)
        self._timer.setInterval(controller.settings.frame_ms)
        self._timer.timeout.connect(self.refresh)
        self._follow = True
        #: The Headers tab waits for the open call's (read once a frame until they come).
        self._awaiting_headers = False
        self.table.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        selection = self.table.selectionModel()
        selection.selectionChanged.connect(self._on_selected)
        self.send_button.clicked.connect(self._send)
        self.send_edit.returnPressed.connect(self._send)
        self.half_close_button.clicked.connect(self.controller.half_close)
        self.cancel_button.clicked.connect(self.controller.stop)
        self.keep_box.currentIndexChanged.connect(self._keep_changed)
        controller.state_changed.connect(self._on_state)
        controller.ended.connect(self._on_ended)
        controller.failed.connect(self._on_failed)
        self._on_state(controller.state)

    # -- the log ---------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Show what the log gained, and the call's headers once they have come (once a
        frame while a call runs)."""
        if self._awaiting_headers and (headers := self.controller.headers) is not None:
            self._awaiting_headers = False
            _fill(self.headers, headers)
        added = self.model.refresh()
        if added and self._follow:
            self.table.scrollToBottom()
        if added or not self.controller.busy:
            self._show_counts()
        if not self.controller.busy and not self.controller.log.pending:
            self._timer.stop()

    def _keep_changed(self) -> None:
        self.controller.log.set_keep(self.keep_box.currentData())
        self.refresh()
        self._show_counts()

    def _show_counts(self) -> None:
        log = self.controller.log
        words = f"→ {log.sent}  ← {log.received}"
        if log.dropped:
            words += f"  ({log.dropped} older not shown)"
        self.counts.setText(words)

    def _on_scrolled(self, value: int) -> None:
        # Following the newest rows until the user scrolls up; back at the end, again.
        bar = self.table.verticalScrollBar()
        self._follow = value >= bar.maximum() - 2

    def _on_selected(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        message = self.model.message(rows[0].row())
        self.show_message(message.data, message.direction)
        self.tabs.setCurrentWidget(self.message_page)

    def show_message(self, data: object, direction: str = "in") -> None:
        """``data`` in the Message tab: at most ``detail_chars`` of its JSON (a note says
        when there is more; Copy message copies it whole)."""
        limit = self.controller.settings.detail_chars
        # Only the characters shown (and one: is there more?) are made, not the 40 MB of JSON
        # of a 30 MB message (160 ms); so how many more there are is not counted.
        text = message_text(data, indent=2, direction=direction, chars=limit + 1)
        self._shown_cut = len(text) > limit
        if self._shown_cut:
            text = (f"{text[:limit]}\n… more characters not shown "
                    "(Copy message copies it whole)")
        self.shown = (data, direction)
        self.detail.setPlainText(text)
        self.copy_button.setEnabled(True)

    def copy_message(self) -> None:
        """The message shown, whole, as JSON, to the clipboard: at once when it is shown
        whole; one too long for that is made on a worker thread (300,000 small objects took
        1.5 s of the window's thread), the button saying so meanwhile."""
        if self.shown is None:
            return
        data, direction = self.shown
        if not self._shown_cut:
            _to_clipboard(message_text(data, indent=2, direction=direction))
            return
        import asyncio

        self.copy_button.setEnabled(False)
        self.copy_button.setText("Copying…")
        made = asyncio.ensure_future(asyncio.to_thread(message_text, data, 2, direction))

        def copied(task: asyncio.Future[str]) -> None:
            if not isValid(self):
                return  # the view went meanwhile
            self.copy_button.setText("Copy message")
            self.copy_button.setEnabled(self.shown is not None)
            if not task.cancelled() and task.exception() is None:
                _to_clipboard(task.result())

        made.add_done_callback(copied)

    # -- the call --------------------------------------------------------------------------------

    def _on_state(self, state: S) -> None:
        c = self.controller
        if state == S.CONNECTING:
            self.model.reset()
            self._follow = True
            self.error.hide()
            self.detail.clear()
            self.shown = None
            self.copy_button.setEnabled(False)
            self.tabs.setCurrentWidget(self.message_page)  # not the last call's Error details
            self.error_details.clear()
            _fill(self.headers, [])
            _fill(self.trailers, [])
            self._awaiting_headers = True
            self.send_problem.hide()
        if c.busy:
            self._timer.start()
        else:
            self.refresh()
        words = _STATE_WORDS.get(state, "")
        if state == S.OPEN and c.kind:
            words = f"Open · {c.kind}"
            if c.half_closed:
                words += " · half-closed"
            elif c.kind.startswith("client"):  # its one answer comes after the half-close
                words += " · send more, or Half-close for the answer"
        if words:
            self.status.setText(_escape(words))
            self.status.setToolTip("")  # not the last call's long details
            self.status.setStyleSheet(css(ERROR) if state == S.FAILED else "")
        sending = c.can_send
        for widget in (self.send_edit, self.send_button, self.half_close_button):
            widget.setEnabled(sending)
        self.cancel_button.setEnabled(c.busy)

    def _on_ended(self, result: CallResult) -> None:
        self.refresh()
        tone = OK if result.ok else (WARNING if result.code == "CANCELLED" else ERROR)
        details = status_details(result.code, result.details)
        # The status stays a line or two: a long message is whole in its tooltip (and in
        # the log's last row), not pushing the messages out of sight.
        shown = _capped(details)
        self.status.setText(f"<b>{result.code}</b>"
                            + (f" · {_escape(shown)}" if shown else ""))
        self.status.setToolTip(details if shown != details else "")
        self.status.setStyleSheet(css(tone))
        self._awaiting_headers = False
        _fill(self.headers, result.headers)
        _fill(self.trailers, result.trailers)
        if result.error_details:
            self.error_details.setPlainText(json.dumps(result.error_details, indent=2,
                                                       ensure_ascii=False))
            self.tabs.setCurrentWidget(self.error_details)
        elif result.responses and not self.table.selectionModel().hasSelection():
            # A unary answer is what the user came for: show it.
            self.show_message(result.responses[-1])
            self.tabs.setCurrentWidget(self.message_page)

    def _on_failed(self, text: ErrorText) -> None:
        self.refresh()
        detail = text.detail
        shown = _capped(detail)
        self.error.setText(f"<b>{_escape(text.title)}</b>: {_escape(shown)}")
        self.error.setToolTip(detail if shown != detail else "")
        self.error.show()

    def _send(self) -> None:
        text = self.send_edit.text()
        if not text.strip():
            return
        problem = self.controller.send_text(text)
        if problem is None:
            self.send_edit.clear()
            self.send_problem.hide()
        else:
            self.send_problem.setText(problem)
            self.send_problem.show()


def _capped(text: str) -> str:
    """``text``, or its first ``STATUS_CHARS`` characters and an ellipsis."""
    return text if len(text) <= STATUS_CHARS else text[:STATUS_CHARS] + "…"


def _escape(text: str) -> str:
    from html import escape

    return escape(text)
