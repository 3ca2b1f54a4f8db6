"""The event-stream pane: a live table of Server-Sent Events with filters, the selected event's
data, the tokens merged into text, counters, reconnection and export.

The work is split so that a firehose never freezes the window: the controller's task appends
each event to an ``EventLog`` as it is parsed; a frame timer (every 16 ms, while something
changes) then tells the table model about the new rows in one batch, scrolls unless paused,
merges new tokens if that view is shown, and refreshes the counters four times a second.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.streams.event_log import EventFilter, EventLog
from ui.error_messages import ErrorText
from ui.formatting import human_size
from ui.modes.base import ConnectionState as S
from ui.modes.events.event_stream_controller import EventStreamController
from ui.modes.events.event_stream_detail import EventDetail
from ui.modes.events.event_stream_export import EventExport
from ui.modes.events.event_stream_filters import EventTypeList, TextFilter
from ui.modes.events.event_stream_merge import MergedTextView
from ui.modes.events.event_stream_model import COLUMNS, EventTableModel
from ui.modes.events.event_stream_status import StateChip, StreamBanner
from ui.upload_progress import TransferMeter

if TYPE_CHECKING:
    from app.model.compose import SessionPool
    from app.model.request import RequestModel
    from ui.modes.base import VariablesSource
    from ui.tasks import TaskRunner

__all__ = ["EventStreamPane"]

FRAME_MS = 16
STATUS_S = 0.25
CAP_MAX = 100_000_000


class EventStreamPane(QWidget):
    """One tab's event stream, shown live. See the module docstring for how it keeps up."""

    state_changed = Signal(object)  # ConnectionState
    # Counts travel as objects (ints): a Qt int is 32 bits, as in SendController.
    event_count_changed = Signal(object)
    export_finished = Signal(str, object)  # path, events written

    def __init__(self, runner: TaskRunner, sessions: Callable[[], SessionPool], key: str,
                 parent: QWidget | None = None, *,
                 controller_type: type[EventStreamController] = EventStreamController) -> None:
        super().__init__(parent)
        #: ``controller_type`` says what fills the log: an event stream, or another reader of
        #: events (a GraphQL subscription).
        self.controller = controller_type(runner, sessions, key, self)
        self.controller.state_changed.connect(self._on_state)
        self.controller.log_replaced.connect(self._on_log_replaced)
        self.exporter = EventExport(runner, f"{key} / export", self)
        self.exporter.started.connect(self._on_export_started)
        self.exporter.finished.connect(self._on_export_finished)
        self.exporter.failed.connect(self._on_export_failed)
        # A pane deleted without dispose() still stops its work (the slot holds no self).
        for work in (key, self.exporter.key):
            self.destroyed.connect(functools.partial(runner.cancel, work))

        self._frame = QTimer(self, interval=FRAME_MS)
        self._frame.timeout.connect(self._tick)
        self.model = EventTableModel(self.controller.log, self)
        self._build()
        self.merge.set_index(self.model.event_index)

        self._event_meter = TransferMeter()  # events, not bytes: the same sliding window
        self._rate: float | None = None
        self._status_at = 0.0
        self._emitted_count = -1
        self._rows_at_pause = 0
        self._selected: int | None = None  # log index of the event shown in the detail
        self._reselect_pending = False
        self._update_status()

    # -- layout ----------------------------------------------------------------------------

    def _build(self) -> None:
        self.state_chip = StateChip()
        self.url_label = QLabel()
        self.url_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # A long URL is cut at the pane's edge (the tooltip has it whole), not widening it.
        self.url_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.auto_reconnect = QCheckBox("Reconnect automatically")
        self.auto_reconnect.setToolTip("When the stream ends or drops, reconnect after the "
                                       "server's retry time, sending Last-Event-ID")
        self.auto_reconnect.toggled.connect(self._on_auto_reconnect)
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(self.stop)
        top = QHBoxLayout()
        top.addWidget(self.state_chip)
        top.addWidget(self.url_label, 1)
        top.addWidget(self.auto_reconnect)
        top.addWidget(self.stop_button)

        self.counters = QLabel()
        self.counters.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cap_notice = QLabel()
        self.cap_notice.setStyleSheet("color: #b45309; font-weight: bold;")
        self.cap_notice.hide()
        self.export_status = QLabel()
        self.export_status.setWordWrap(True)
        self.export_status.hide()
        self.cap_box = QSpinBox()
        self.cap_box.setRange(0, CAP_MAX)
        self.cap_box.setSingleStep(1000)
        self.cap_box.setSpecialValueText("all events")
        self.cap_box.setSuffix(" events")
        self.cap_box.setGroupSeparatorShown(True)
        self.cap_box.setToolTip("Keep only the last N events (older ones are dropped, and "
                                "the pane says so). \"all events\" keeps everything: old "
                                "events move to a temporary file, nothing is lost.")
        self.cap_box.setKeyboardTracking(False)
        self.cap_box.valueChanged.connect(lambda n: self.set_cap(n or None))
        self.pause_button = QPushButton("Pause autoscroll")
        self.pause_button.setCheckable(True)
        self.pause_button.toggled.connect(self.set_paused)
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(self.clear)
        self.export_button = QPushButton("Export JSON lines…")
        self.export_button.clicked.connect(self.export_events)
        second = QHBoxLayout()
        second.addWidget(self.counters, 1)
        second.addWidget(QLabel("Keep"))
        second.addWidget(self.cap_box)
        second.addWidget(self.pause_button)
        second.addWidget(self.clear_button)
        second.addWidget(self.export_button)

        self.banner = StreamBanner()
        self.banner.reconnect.connect(self.reconnect)
        # One Reconnect, where the pane says why the stream is not open.
        self.reconnect_button = self.banner.reconnect_button

        self.type_list = EventTypeList()
        self.type_list.changed.connect(self._on_filter)
        self.text_filter = TextFilter()
        self.text_filter.changed.connect(lambda _text: self._on_filter())
        self.filter_note = QLabel()
        self.filter_note.hide()

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        rows = self.table.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        columns = self.table.horizontalHeader()
        columns.setStretchLastSection(True)
        columns.setHighlightSections(False)
        columns.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for column, width in zip(range(len(COLUMNS) - 1), (110, 110, 80, 70), strict=True):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row)

        table_side = QWidget()
        table_layout = QVBoxLayout(table_side)
        table_layout.setContentsMargins(0, 0, 0, 0)
        filter_row = QHBoxLayout()
        filter_row.addWidget(self.text_filter, 1)
        filter_row.addWidget(self.filter_note)
        filter_row.addWidget(self.cap_notice)
        table_layout.addLayout(filter_row)
        table_layout.addWidget(self.table, 1)

        self.detail = EventDetail()
        self.merge = MergedTextView()
        self.merge.restarted.connect(self._wake)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.detail, "Event")
        self.tabs.addTab(self.merge, "Merged text")
        self.tabs.currentChanged.connect(lambda _i: self._wake())

        types_side = QWidget()
        types_side.setMinimumWidth(150)
        types_layout = QVBoxLayout(types_side)
        types_layout.setContentsMargins(0, 0, 0, 0)
        types_layout.addWidget(QLabel("Event types"))
        types_layout.addWidget(self.type_list, 1)

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(table_side)
        right.addWidget(self.tabs)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)
        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(types_side)
        main.addWidget(right)
        main.setStretchFactor(0, 0)
        main.setStretchFactor(1, 1)
        main.setCollapsible(0, False)
        main.setSizes([170, 800])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addLayout(second)
        layout.addWidget(self.export_status)
        layout.addWidget(self.banner)
        layout.addWidget(main, 1)

    # -- the contract ----------------------------------------------------------------------

    @property
    def log(self) -> EventLog:
        return self.controller.log

    @property
    def state(self) -> S:
        return self.controller.state

    @property
    def paused(self) -> bool:
        return self.pause_button.isChecked()

    def set_model(self, model: RequestModel, variables: VariablesSource | None = None) -> None:
        """The request that Reconnect sends (for a stream shown by ``begin_external``)."""
        self.controller.set_model(model, variables)
        self._update_status()

    def start(self, model: RequestModel, variables: VariablesSource | None = None) -> None:
        """Send ``model`` as an event stream, replacing whatever this pane showed."""
        self.controller.start(model, variables)
        self._wake()

    def reconnect(self) -> None:
        """Connect again with the last model, resuming after the last event ID seen."""
        self.controller.reconnect()
        self._wake()

    def stop(self) -> None:
        self.controller.stop()
        self._wake()

    def clear(self) -> None:
        """Forget the events shown so far (a stream under way goes on)."""
        self.controller.replace_log()
        self._wake()

    def begin_external(self, url: str, status_text: str) -> None:
        """Show a response that turned out to be ``text/event-stream``; ``feed`` its body."""
        self.controller.begin_external(url, status_text)
        self._wake()

    def feed(self, chunk: bytes) -> None:
        self.controller.feed(chunk)
        self._wake()

    def end_external(self, error: ErrorText | None) -> None:
        self.controller.end_external(error)
        self._wake()

    def set_paused(self, paused: bool) -> None:
        """Stop (or resume) following the newest event; events keep arriving either way."""
        if self.pause_button.isChecked() != paused:
            self.pause_button.setChecked(paused)  # comes back here through toggled
            return
        self._rows_at_pause = self.model.rowCount()
        if not paused:
            self.table.scrollToBottom()
        self._update_pause_text()

    def set_cap(self, cap: int | None) -> None:
        """Keep only the last ``cap`` events (None: all, older ones moving to disk)."""
        if self.cap_box.value() != (cap or 0):
            self.cap_box.setValue(cap or 0)  # comes back here through valueChanged
            return
        self.log.set_cap(cap)
        self._wake()

    def set_auto_reconnect(self, on: bool) -> None:
        self.auto_reconnect.setChecked(on)

    def dispose(self) -> None:
        """Cancel the stream and any export, and delete the log's files."""
        self._frame.stop()
        self.exporter.cancel()
        self.controller.dispose()

    # -- export ----------------------------------------------------------------------------

    def export_events(self) -> None:
        """Ask where, then export the events kept as JSON lines."""
        path, _ = QFileDialog.getSaveFileName(self, "Export events as JSON lines",
                                              "events.jsonl",
                                              "JSON lines (*.jsonl);;All files (*)")
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> None:
        """Write the events kept to ``path`` in a worker thread; the pane says how it went."""
        self.exporter.start(self.log, path)

    def _on_export_started(self, count: int) -> None:
        self.export_button.setEnabled(False)
        self._show_export(f"Exporting {count:,} events…", "#6b7280")

    def _on_export_finished(self, path: str, count: int) -> None:
        self.export_button.setEnabled(True)
        self._show_export(f"Exported {count:,} events to {os.path.basename(path)}", "#15803d",
                          tooltip=path)
        self.export_finished.emit(path, count)

    def _on_export_failed(self, text: ErrorText) -> None:
        self.export_button.setEnabled(True)
        self._show_export(f"Export failed: {text.detail}", "#b91c1c", tooltip=text.hint)

    def _show_export(self, text: str, colour: str, tooltip: str = "") -> None:
        self.export_status.setText(text)
        self.export_status.setStyleSheet(f"color: {colour};")
        self.export_status.setToolTip(tooltip)
        self.export_status.show()

    # -- reacting --------------------------------------------------------------------------

    def _on_auto_reconnect(self, on: bool) -> None:
        self.controller.auto_reconnect = on

    def _on_state(self, state: S) -> None:
        self._wake()
        self._update_status()
        self.state_changed.emit(state)

    def _on_log_replaced(self, log: EventLog) -> None:
        self.model.set_log(log)
        self.merge.set_index(self.model.event_index)
        self.type_list.reset()
        self.detail.show_event(None)
        self._selected = None
        self._event_meter.reset()
        self._rows_at_pause = 0
        self._wake()

    def _on_filter(self) -> None:
        event_filter = EventFilter(self.type_list.selected_types(), self.text_filter.text())
        if event_filter == self.model.event_filter:
            return
        self.model.set_filter(event_filter)
        self.merge.set_index(self.model.event_index)
        self._rows_at_pause = 0
        self._reselect_pending = self._selected is not None
        self._wake()

    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        event = self.model.event_at(current.row()) if current.isValid() else None
        if event is None:
            return
        self._selected = self.model.log_index(current.row())
        self.detail.show_event(event)

    def _wake(self) -> None:
        """Make sure the next frame looks at the log (the timer stops when all is shown)."""
        if not self._frame.isActive():
            self._frame.start()

    def _tick(self) -> None:
        model = self.model
        added = model.sync()
        if self._reselect_pending:
            self._reselect()
        elif added and not self.paused:
            self.table.scrollToBottom()
        if self.tabs.currentWidget() is self.merge:
            self.merge.catch_up()
        total = self.log.total
        if total != self._emitted_count:
            self._emitted_count = total
            self.event_count_changed.emit(total)
            self._update_counters()
        elif added:
            self._update_counters()
        if time.perf_counter() - self._status_at >= STATUS_S:
            self._update_status()
        idle = (not self.controller.active and model.synced
                and (self.merge.caught_up or self.tabs.currentWidget() is not self.merge))
        if idle:
            self._update_status()
            self._frame.stop()

    def _reselect(self) -> None:
        """Select again, after a new filter, the event that was selected (if shown)."""
        row = self.model.row_of(self._selected) if self._selected is not None else None
        if row is None:
            # Not found (yet): the filter may still be scanning toward it.
            self._reselect_pending = not self.model.event_index.complete
            return
        self._reselect_pending = False
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)

    # -- what the pane says ----------------------------------------------------------------

    def _update_status(self) -> None:
        """Everything the pane says (four times a second, and when the state changes)."""
        self._status_at = time.perf_counter()
        controller, log = self.controller, self.log
        state = controller.state
        failed_open = state == S.FAILED and controller.was_open
        self.state_chip.show_state(S.DISCONNECTED if failed_open else state)
        self.url_label.setText(" · ".join(p for p in (controller.status_text, controller.url) if p))
        self.url_label.setToolTip(controller.url)
        self._event_meter.add(log.total)
        self._rate = self._event_meter.rate() if controller.active else None
        self.counters.setToolTip(f"{log.in_memory:,} events in memory, "
                                 f"{log.on_disk:,} moved to a temporary file")
        self._update_counters()
        self._update_buttons()
        self._update_banner()

    def _update_counters(self) -> None:
        """The numbers, which change every frame a stream is busy."""
        controller, log = self.controller, self.log
        parts = [f"{log.total:,} events", human_size(log.bytes)]
        if controller.active:
            rate = self._rate
            parts.append(f"{rate:,.0f} events/s" if rate is not None else "– events/s")
        last_id = controller.last_event_id
        if last_id:
            parts.append(f"last id {last_id}")
        if controller.retry is not None:
            parts.append(f"retry {controller.retry:,} ms")
        if controller.reconnects:
            parts.append(f"{controller.reconnects} reconnect"
                         f"{'s' if controller.reconnects > 1 else ''}")
        self.counters.setText(" · ".join(parts))
        if log.dropped:
            self.cap_notice.setText(f"Showing the last {len(log):,} of {log.total:,} events")
            self.cap_notice.show()
        elif log.spill_error:
            self.cap_notice.setText("Keeping every event in memory")
            self.cap_notice.setToolTip(f"Old events could not be moved to disk: "
                                       f"{log.spill_error}")
            self.cap_notice.show()
        else:
            self.cap_notice.hide()
        self.type_list.update_counts(log.type_counts(), len(log))
        self._update_filter_note()
        self._update_pause_text()

    def _update_filter_note(self) -> None:
        model = self.model
        if model.event_filter.empty:
            self.filter_note.hide()
            return
        index = model.event_index
        note = f"{model.rowCount():,} of {len(self.log):,} events"
        if not index.complete:
            done = (index.scanned - self.log.first) / max(1, len(self.log))
            note += f" (filtering… {done:.0%})"
        self.filter_note.setText(note)
        self.filter_note.show()

    def _update_pause_text(self) -> None:
        if self.paused:
            new = self.model.rowCount() - self._rows_at_pause
            self.pause_button.setText(f"Resume autoscroll ({new:,} new)" if new > 0
                                      else "Resume autoscroll")
        else:
            self.pause_button.setText("Pause autoscroll")

    def _update_buttons(self) -> None:
        controller = self.controller
        self.stop_button.setEnabled(controller.active)
        self.reconnect_button.setToolTip(
            f"Connect again, sending Last-Event-ID: {controller.last_event_id}"
            if controller.last_event_id else "Connect again")

    def _update_banner(self) -> None:
        controller = self.controller
        state = controller.state
        can = controller.can_reconnect
        resume = (f" Reconnect resumes after id {controller.last_event_id}."
                  if controller.last_event_id else "")
        received = f"{self.log.total:,} events received."
        if state == S.FAILED and controller.error is not None:
            self.banner.show_error(controller.error, disconnected=controller.was_open,
                                   can_reconnect=can)
        elif state == S.ENDED:
            self.banner.show_text("The server ended the stream", received + resume, "",
                                  error=False, can_reconnect=can)
        elif state == S.STOPPED:
            self.banner.show_text("Stopped", received + resume, "", error=False,
                                  can_reconnect=can)
        else:
            self.banner.hide()

