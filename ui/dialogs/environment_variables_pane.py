"""The right side of the environment editor: the name of the environment shown, what the
dialog is doing, Reload and Show secrets, and the variables table with its context menu."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QToolButton, QVBoxLayout, QWidget

from ui.dialogs.variables_model import NAME
from ui.dialogs.variables_table import variables_table
from ui.request.secret_field import _eye_icon

__all__ = ["EnvironmentVariablesPane"]


class EnvironmentVariablesPane(QWidget):
    """The variables of one environment; the dialog sets the title, the hint and which
    parts show (:meth:`set_state`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.hint = QLabel()
        self.hint.setStyleSheet("QLabel { color: palette(placeholder-text); }")
        self.reload_button = _tool("Reload", "Read the environment's file again")
        self.reload_button.hide()
        self.show_secrets = QToolButton()
        self.show_secrets.setCheckable(True)
        self.show_secrets.setAutoRaise(True)
        self.show_secrets.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.show_secrets.toggled.connect(self._on_show_secrets)
        self.model, self.view = variables_table(self)
        self._on_show_secrets(False)
        self.view.customContextMenuRequested.connect(self._context_menu)
        remove = QAction("Remove variable", self.view)
        remove.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        remove.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        remove.triggered.connect(lambda: self.model.remove_row(self.view.currentIndex().row()))
        self.view.addAction(remove)
        self.add_button = _tool("Add variable", "")
        self.add_button.clicked.connect(self.add_variable)
        note = QLabel("Use a variable as {{NAME}} in the URL, headers, body or auth. "
                      "Secret values stay in the system keyring.")
        note.setWordWrap(True)
        note.setStyleSheet("QLabel { color: palette(placeholder-text); }")
        self.empty = QLabel("No environments yet. Click New to create one.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setEnabled(False)
        self.empty.hide()
        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addWidget(self.hint, 1)
        head.addWidget(self.reload_button)
        head.addWidget(self.show_secrets)
        foot = QHBoxLayout()
        foot.addWidget(self.add_button)
        foot.addWidget(note, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(head)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty, 1)
        layout.addLayout(foot)

    def set_state(self, title: str, hint: str, *, shown: bool, readable: bool,
                  reload: bool) -> None:
        """Show the table (``shown``; else "No environments yet"), editable when
        ``readable``, with Reload when ``reload``."""
        self.title.setText(title)
        self.hint.setText(hint)
        self.view.setEnabled(readable)
        self.add_button.setEnabled(readable)
        self.view.setVisible(shown)
        self.empty.setVisible(not shown)
        self.reload_button.setVisible(reload)

    def add_variable(self) -> None:
        """Start typing a new variable's name in the blank row."""
        index = self.model.index(self.model.rowCount() - 1, NAME)
        self.view.setFocus()
        self.view.setCurrentIndex(index)
        self.view.edit(index)

    def _on_show_secrets(self, shown: bool) -> None:
        colour = self.palette().color(QPalette.ColorRole.PlaceholderText)
        self.show_secrets.setIcon(_eye_icon(colour, crossed=shown))
        self.show_secrets.setText("Hide secrets" if shown else "Show secrets")
        self.show_secrets.setToolTip("Mask every secret value" if shown
                                     else "Show every secret value in clear")
        self.model.set_show_secrets(shown)

    def _context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        row = self.model.row_at(index.row()) if index.isValid() else None
        if row is None:
            return
        position = index.row()
        menu = QMenu(self)
        if row.secret:
            masked = self.model.is_masked(position)
            reveal = menu.addAction("Show value" if masked else "Hide value")
            reveal.setEnabled(not self.model.show_secrets())
            reveal.triggered.connect(lambda: self.model.set_revealed(position, masked))
        secret = menu.addAction("Not secret" if row.secret else "Mark as secret")
        secret.triggered.connect(lambda: self.model.set_secret(position, not row.secret))
        menu.addSeparator()
        remove = menu.addAction("Remove variable")
        remove.triggered.connect(lambda: self.model.remove_row(position))
        menu.exec(self.view.viewport().mapToGlobal(pos))
        menu.deleteLater()


def _tool(text: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    if tip:
        button.setToolTip(tip)
    button.setAutoRaise(True)
    return button
