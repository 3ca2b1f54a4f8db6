"""The inline panel of the environment editor that asks for a name (New, Rename, Duplicate),
checked as it is typed."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from ui.request.tones import ERROR, css

__all__ = ["EnvironmentNamePanel"]


class EnvironmentNamePanel(QWidget):
    """A title, the name field, why the name cannot be used (from ``problem``), and the
    action and Cancel buttons; Enter confirms, Esc cancels. Hidden until :meth:`ask`."""

    confirmed = Signal()
    cancelled = Signal()

    def __init__(self, problem: Callable[[str], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._problem = problem
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("Environment name")
        self.edit.setAccessibleName("Environment name")
        self.edit.textChanged.connect(self.validate)
        self.edit.returnPressed.connect(self.confirmed)
        self.edit.installEventFilter(self)
        self.message = QLabel()
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.setStyleSheet(css(ERROR))
        self.message.hide()
        self.ok = _push("Create", self.confirmed.emit)
        self.cancel = _push("Cancel", self.cancelled.emit)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.ok)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.edit)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.hide()

    def ask(self, title: str, action: str, text: str) -> None:
        """Show the panel with ``text`` selected in the field."""
        self.title.setText(title)
        self.ok.setText(action)
        self.edit.setText(text)
        self.validate()
        self.show()
        self.edit.setFocus()
        self.edit.selectAll()

    def close_panel(self) -> None:
        self.hide()
        self.message.hide()

    def name(self) -> str:
        return self.edit.text().strip()

    def problem(self) -> str:
        """Why the name typed cannot be used ("" when it can)."""
        return self._problem(self.name())

    def validate(self) -> None:
        problem = self.problem()
        self.message.setText(problem)
        self.message.setVisible(bool(problem))
        self.ok.setEnabled(not problem)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.edit and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Escape):
            self.cancelled.emit()
            return True
        return super().eventFilter(watched, event)


def _push(text: str, slot: Callable[[], object]) -> QPushButton:
    button = QPushButton(text)
    button.setAutoDefault(False)
    button.setDefault(False)
    button.clicked.connect(slot)
    return button
