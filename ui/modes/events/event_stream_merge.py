"""The "Merged text" view: the tokens of the events shown joined into readable text as they
stream (see ``merged_text``), updated a batch at a time, with a Copy button."""

from __future__ import annotations

import time

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication, QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.streams.event_log import EventIndex
from ui.modes.events.merged_text import AUTO_PATHS, TokenMerger, TokenPath

__all__ = ["MergedTextView"]

AUTO = "Automatic"
#: Time a call of ``catch_up`` may take (each event may be parsed as JSON: a few µs).
BUDGET_S = 0.005
STEP = 256  # events merged between two looks at the clock


class MergedTextView(QWidget):
    """Joins the tokens of the events of an ``EventIndex``; ``catch_up`` merges the new ones."""

    #: The merge starts over (a new path): events need merging again.
    restarted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path_box = QComboBox()
        self.path_box.setEditable(True)
        self.path_box.addItems([AUTO, *(p.text for p in AUTO_PATHS)])
        self.path_box.setToolTip("Where each event's JSON holds its token: a dotted path with "
                                 "[n] indices, e.g. choices[0].delta.content. Data that is not "
                                 "JSON is joined as it is.")
        self.path_box.setMinimumContentsLength(24)
        editor = self.path_box.lineEdit()
        assert editor is not None  # the box is editable
        editor.editingFinished.connect(self._on_path)
        self.path_box.activated.connect(lambda _i: self._on_path())
        self.status = QLabel()
        self.status.setWordWrap(True)  # long counts wrap rather than widen the pane
        self.copy_button = QPushButton("Copy")
        self.copy_button.clicked.connect(self.copy)
        top = QHBoxLayout()
        top.addWidget(QLabel("Token path"))
        top.addWidget(self.path_box)
        top.addWidget(self.status, 1)
        top.addWidget(self.copy_button)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.text, 1)
        self._merger = TokenMerger()
        self._index: EventIndex | None = None
        self._position = 0
        self._missed = 0  # events the cap dropped before they were merged
        self._path_text = AUTO

    @property
    def caught_up(self) -> bool:
        index = self._index
        return index is None or (index.complete and self._position >= index.end)

    def merged_text(self) -> str:
        return self.text.toPlainText()

    def set_index(self, index: EventIndex) -> None:
        """Merge the events of ``index`` from its start (a new log or a new filter)."""
        self._index = index
        self.restart()

    def restart(self) -> None:
        path = None
        if self._path_text != AUTO:
            try:
                path = TokenPath.parse(self._path_text)
            except ValueError as exc:
                self.status.setText(f"<span style='color:#b91c1c'>{exc}</span>")
                self._merger = TokenMerger()
                self._index_reset()
                return
        self._merger = TokenMerger(path)
        self._index_reset()
        self._show_status()
        self.restarted.emit()

    def _index_reset(self) -> None:
        self.text.clear()
        self._missed = 0
        self._position = self._index.start if self._index is not None else 0

    def set_path(self, text: str) -> None:
        """Use ``text`` as the token path ("Automatic" or empty: find it)."""
        self.path_box.setEditText(text or AUTO)
        self._on_path()

    def _on_path(self) -> None:
        text = self.path_box.currentText().strip() or AUTO
        if text != self._path_text:
            self._path_text = text
            self.restart()

    def catch_up(self, budget_s: float = BUDGET_S) -> int:
        """Merge events not merged yet, for at most about ``budget_s``; return how many were
        looked at."""
        index = self._index
        if index is None:
            return 0
        start = index.start
        if self._position < start:
            self._missed += start - self._position
            self._position = start
        began, deadline = self._position, time.perf_counter() + budget_s
        log, add = index.log, self._merger.add
        pieces: list[str] = []
        while self._position < index.end and time.perf_counter() < deadline:
            stop = min(index.end, self._position + STEP)
            pieces += [add(log.get(index.index(p)).data) for p in range(self._position, stop)]
            self._position = stop
        looked = self._position - began
        if not looked:
            return 0
        text = "".join(pieces)
        if text:
            bar = self.text.verticalScrollBar()
            follow = bar.value() >= bar.maximum() - 2  # reading the end: keep up with it
            cursor = QTextCursor(self.text.document())
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.insertText(text)
            if follow:
                bar.setValue(bar.maximum())
        self._show_status()
        return looked

    def _show_status(self) -> None:
        merger = self._merger
        path = merger.current
        if path is None:
            how = "finding the token path…" if self._path_text == AUTO else ""
        else:
            how = f"{'found ' if merger.path is None else ''}{path.text}"
        parts = [how] if how else []
        parts.append(f"{merger.merged:,} events merged")
        if merger.skipped:
            parts.append(f"{merger.skipped:,} without a token")
        if self._missed:
            parts.append(f"{self._missed:,} dropped by the cap first")
        self.status.setText(" · ".join(parts))

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text.toPlainText())
