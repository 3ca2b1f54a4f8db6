"""A masked line edit with an eye button that reveals what was typed."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QAction, QColor, QIcon, QPainter, QPainterPath, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QLineEdit, QWidget

__all__ = ["SecretField"]


def _eye_icon(colour: QColor, crossed: bool) -> QIcon:
    """An eye drawn with the pen colour of the theme (Qt ships no eye among its icons)."""
    size = 64
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(colour, 5))
    outline = QPainterPath(QPointF(6, 32))
    outline.quadTo(QPointF(32, 6), QPointF(58, 32))
    outline.quadTo(QPointF(32, 58), QPointF(6, 32))
    painter.drawPath(outline)
    painter.setBrush(colour)
    painter.drawEllipse(QRectF(24, 24, 16, 16))
    if crossed:
        painter.drawLine(QPointF(12, 54), QPointF(52, 10))
    painter.end()
    return QIcon(pixmap)


class SecretField(QLineEdit):
    """Shows dots until the eye button at its right end is clicked to reveal the text."""

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEchoMode(QLineEdit.EchoMode.Password)
        self.setPlaceholderText(placeholder)
        self.reveal_action = QAction(self)
        self.reveal_action.setCheckable(True)
        self.reveal_action.toggled.connect(self.set_revealed)
        self.addAction(self.reveal_action, QLineEdit.ActionPosition.TrailingPosition)
        self.set_revealed(False)

    def is_revealed(self) -> bool:
        """Whether the text is shown in clear."""
        return self.echoMode() == QLineEdit.EchoMode.Normal

    def set_revealed(self, revealed: bool) -> None:
        """Show the text in clear (True) or as dots (False)."""
        self.setEchoMode(QLineEdit.EchoMode.Normal if revealed else QLineEdit.EchoMode.Password)
        colour = self.palette().color(QPalette.ColorRole.PlaceholderText)
        self.reveal_action.setIcon(_eye_icon(colour, crossed=revealed))
        self.reveal_action.setToolTip("Hide" if revealed else "Show")
        if self.reveal_action.isChecked() != revealed:
            self.reveal_action.setChecked(revealed)
