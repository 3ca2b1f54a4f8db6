"""The page for text bodies (JSON, text, XML): one editor shared by the three kinds, as in
Postman's raw mode, with checking as you type and, for JSON, Beautify."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.model.request import BodyKind
from ui.request.body.code_editor import CodeEditor
from ui.request.body.text_checks import beautify_json, json_problem, xml_problem
from ui.request.tones import ERROR, OK, css

__all__ = ["RawBodyPage"]

CHECK_DELAY_MS = 200
#: Past this size the text is not re-parsed on every pause in typing, nor highlighted.
CHECK_LIMIT = 2_000_000

_LEXERS = {BodyKind.JSON: "json", BodyKind.XML: "xml", BodyKind.TEXT: "text"}
_PLACEHOLDERS = {
    BodyKind.JSON: '{\n  "name": "value",\n  "id": {{id}}\n}',
    BodyKind.XML: "<request>\n  <name>value</name>\n</request>",
    BodyKind.TEXT: "Plain text, sent as text/plain; charset=utf-8",
}


class RawBodyPage(QWidget):
    """Edits a JSON, text or XML body; JSON and XML are checked after a pause in typing."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = CodeEditor("json")
        self.status = QLabel()
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.beautify_button = QPushButton("Beautify")
        self.beautify_button.setToolTip("Re-indent the JSON (Ctrl+Shift+B)")
        self.beautify_button.clicked.connect(self.beautify)
        shortcut = QShortcut(QKeySequence("Ctrl+Shift+B"), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.beautify)
        self._kind = BodyKind.JSON
        self._silent = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(CHECK_DELAY_MS)
        self._timer.timeout.connect(self.check)
        self.editor.textChanged.connect(self._on_text_changed)

        row = QHBoxLayout()
        row.setContentsMargins(2, 0, 0, 0)
        row.addWidget(self.status, 1)
        row.addWidget(self.beautify_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.editor, 1)
        layout.addLayout(row)
        self.setFocusProxy(self.editor)
        self.set_kind(BodyKind.JSON)

    def kind(self) -> BodyKind:
        """The kind the text is edited as."""
        return self._kind

    def set_kind(self, kind: BodyKind) -> None:
        """Edit as ``kind`` (JSON, TEXT or XML): highlighting, checks and Beautify follow."""
        self._kind = kind
        self.editor.set_lexer(_LEXERS[kind])
        self.editor.setPlaceholderText(_PLACEHOLDERS[kind])
        self.beautify_button.setVisible(kind is BodyKind.JSON)
        self.check()

    def text(self) -> str:
        """The text exactly as typed."""
        return self.editor.toPlainText()

    def set_text(self, text: str) -> None:
        """Show ``text`` without emitting :attr:`changed`."""
        self._silent = True
        try:
            self.editor.set_highlighting(len(text) <= CHECK_LIMIT)
            self.editor.setPlainText(text)
        finally:
            self._silent = False
        self.check()

    def check(self) -> None:
        """Check the text now and show the verdict under the editor."""
        self._timer.stop()
        text = self.text()
        if self._kind is BodyKind.TEXT:
            self._show(f"{len(text):,} characters" if text else "Empty body", None)
            return
        if not text.strip():
            self._show("Empty body", None)
            return
        self.editor.set_highlighting(len(text) <= CHECK_LIMIT)
        if len(text) > CHECK_LIMIT:
            self._show("Too long to check as you type", None)
            return
        problem = json_problem(text) if self._kind is BodyKind.JSON else xml_problem(text)
        if problem is None:
            self._show("✓ Valid JSON" if self._kind is BodyKind.JSON else "✓ Well-formed XML",
                       True)
        else:
            self._show(str(problem), False, problem.offset)

    def beautify(self) -> None:
        """Re-indent the JSON text (one undo step); a text that is not JSON stays as it is."""
        if self._kind is not BodyKind.JSON:
            return
        try:
            pretty = beautify_json(self.text())
        except ValueError as exc:
            self.check()
            if json_problem(self.text()) is None:
                self._show(f"Cannot beautify: {exc}", False)
            return
        if pretty != self.text():
            cursor = self.editor.textCursor()
            cursor.select(cursor.SelectionType.Document)
            cursor.insertText(pretty)
            self.editor.setTextCursor(cursor)
        self.check()

    def _on_text_changed(self) -> None:
        self._timer.start()
        if not self._silent:
            self.changed.emit()

    def _show(self, text: str, good: bool | None, error_at: int | None = None) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("" if good is None else css(OK if good else ERROR))
        self.status.setEnabled(good is not None)
        self.editor.set_error_at(error_at)
