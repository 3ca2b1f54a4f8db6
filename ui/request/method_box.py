"""The HTTP method picker: the standard methods in their colours, or any token typed."""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPalette, QRegularExpressionValidator
from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from app.model.http import TOKEN_PATTERN, canonical_method

__all__ = ["STANDARD_METHODS", "MethodBox", "method_colour"]

#: The methods offered in the list (``app.model.http.STANDARD_METHODS``), most used first.
STANDARD_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE",
                    "CONNECT")
# Mid-tone colours that read on light and dark backgrounds alike.
_COLOURS = {
    "GET": "#2f9e44",
    "POST": "#e8890c",
    "PUT": "#1c7ed6",
    "PATCH": "#9c36b5",
    "DELETE": "#e03131",
}
_OTHER = "#868e96"
_TOKEN = QRegularExpression(TOKEN_PATTERN)


def method_colour(method: str) -> QColor:
    """The colour ``method`` is drawn in (grey for anything but the five common methods)."""
    return QColor(_COLOURS.get(method.upper(), _OTHER))


class MethodBox(QComboBox):
    """An editable method combo: pick a standard method or type any RFC 9110 token.

    Standard methods are upper-cased when editing finishes (``get`` becomes ``GET``); other
    tokens are kept exactly as typed, since servers compare them case-sensitively.
    """

    #: The method after a user edit or pick (not emitted by :meth:`set_method`).
    methodChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        edit = QLineEdit(self)
        self.setLineEdit(edit)
        self._edit = edit
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(8)
        self.setToolTip("HTTP method: pick one or type any method token (e.g. PURGE)")
        for index, method in enumerate(STANDARD_METHODS):
            self.addItem(method)
            self.setItemData(index, method_colour(method), Qt.ItemDataRole.ForegroundRole)
        edit.setValidator(QRegularExpressionValidator(_TOKEN, self))
        edit.setPlaceholderText("Method")
        font = QFont(edit.font())
        font.setBold(True)
        edit.setFont(font)
        self._silent = False
        edit.editingFinished.connect(self._normalize)
        self.currentTextChanged.connect(self._on_text_changed)
        self._recolour()

    def method(self) -> str:
        """The method as it will be sent (standard methods upper-cased)."""
        return canonical_method(self.currentText().strip())

    def set_method(self, method: str) -> None:
        """Show ``method`` without emitting :attr:`methodChanged`."""
        self._silent = True
        try:
            self.setCurrentText(canonical_method(method))
        finally:
            self._silent = False
        self._recolour()

    def _normalize(self) -> None:
        text = self.currentText()
        canonical = canonical_method(text)
        if canonical != text:
            self.setCurrentText(canonical)

    def _on_text_changed(self, _text: str) -> None:
        self._recolour()
        if not self._silent:
            self.methodChanged.emit(self.method())

    def _recolour(self) -> None:
        palette = self._edit.palette()
        palette.setColor(QPalette.ColorRole.Text, method_colour(self.method()))
        self._edit.setPalette(palette)
