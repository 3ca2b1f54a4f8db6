"""The URL field: a native line edit that highlights ``{{variables}}`` and turns a pasted curl
command into a whole request."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QMimeData, QPoint, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QDropEvent,
    QGuiApplication,
    QInputMethodEvent,
    QKeyEvent,
    QKeySequence,
)
from PySide6.QtWidgets import QLineEdit, QToolTip, QWidget

from app.model.request import RequestModel
from ui.request.variables import (
    VariableLookup,
    variable_at,
    variable_format,
    variable_matches,
    variable_tooltip,
)

__all__ = ["UrlBar"]


class UrlBar(QLineEdit):
    """One line for the URL. ``{{variables}}`` are drawn in the variable colour; a paste (or a
    drop) of a curl command emits :attr:`curlPasted` instead of inserting the text, and other
    pasted text is trimmed to one line."""

    #: A curl command was pasted or dropped; the editor should load this request.
    curlPasted = Signal(RequestModel)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("Enter a URL or paste a curl command")
        self.setToolTip("Request URL. {{name}} inserts an environment variable; "
                        "pasting a curl command fills in the whole request.")
        self.setClearButtonEnabled(True)
        self._lookup: VariableLookup | None = None
        self.textChanged.connect(self._highlight)

    # -- paste ---------------------------------------------------------------------------

    def paste(self) -> None:
        """Paste the clipboard: a curl command becomes a request, other text one line."""
        self._insert_text(QGuiApplication.clipboard().text())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Paste):
            self.paste()
            event.accept()
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = self.createStandardContextMenu()
        for action in menu.actions():
            if action.objectName() == "edit-paste":
                action.triggered.disconnect()
                action.triggered.connect(self.paste)
        menu.exec(event.globalPos())
        menu.deleteLater()

    def dropEvent(self, event: QDropEvent) -> None:
        # The curl reader comes with the first paste or drop: an idle tab does without it.
        from app.interchange.curl import is_curl_command

        mime: QMimeData = event.mimeData()
        if mime.hasText() and is_curl_command(mime.text()):
            event.acceptProposedAction()
            self._insert_text(mime.text())
            return
        super().dropEvent(event)

    def _insert_text(self, text: str) -> None:
        from app.interchange.curl import is_curl_command, parse_curl

        if is_curl_command(text):
            try:
                model = parse_curl(text)
            except ValueError as exc:
                QToolTip.showText(self.mapToGlobal(QPoint(0, self.height())),
                                  f"Could not read the curl command: {exc}", self)
                return
            self.curlPasted.emit(model)
            return
        # A URL copied from a terminal or document often brings a line break along.
        self.insert(" ".join(text.split()) if "\n" in text.strip() else text.strip())

    # -- variables -----------------------------------------------------------------------

    def set_variable_lookup(self, lookup: VariableLookup | None) -> None:
        """What the variables in scope are (for colours and the hover preview)."""
        self._lookup = lookup
        self._highlight()

    def refresh_variables(self) -> None:
        self._highlight()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and "{{" in self.text():
            pos = event.pos()  # type: ignore[attr-defined]
            name = variable_at(self.text(), self.cursorPositionAt(pos))
            if name is not None:
                QToolTip.showText(event.globalPos(),  # type: ignore[attr-defined]
                                  variable_tooltip(name, self._lookup), self)
                return True
        return super().event(event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._highlight()

    def _highlight(self) -> None:
        """Draw the ``{{variables}}`` through the input-method formats, the one way to give a
        QLineEdit's own text layout per-range formats (positions are relative to the cursor)."""
        known = self._lookup() if self._lookup is not None else None
        formats = {True: variable_format(True), False: variable_format(False)}
        cursor = self.cursorPosition()
        attributes = [
            QInputMethodEvent.Attribute(QInputMethodEvent.AttributeType.TextFormat,
                                        start - cursor, length,
                                        formats[known is None or name in known])
            for start, length, name in variable_matches(self.text())
        ]
        super().inputMethodEvent(QInputMethodEvent("", attributes))
