"""The timing waterfall: where the time of the exchange went, phase by phase."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui.formatting import human_duration

if TYPE_CHECKING:
    from app.client.timings import Timings

__all__ = ["PHASES", "TimingWaterfall"]

#: (attribute of Timings, label, colour)
PHASES = (
    ("dns", "DNS lookup", "#8e7cc3"),
    ("connect", "TCP connect", "#e69138"),
    ("tls", "TLS handshake", "#c27ba0"),
    ("request_sent", "Request sent", "#6aa84f"),
    ("ttfb", "Waiting (TTFB)", "#3d85c6"),
    ("download", "Content download", "#45818e"),
)


class TimingWaterfall(QWidget):
    """Bars laid end to end on one time axis; phases that did not happen say so."""

    ROW = 24
    LABEL_WIDTH = 130
    VALUE_WIDTH = 80

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, str, float | None]] = []
        self._total: float | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(self.sizeHint().height())

    def set_timings(self, timings: Timings | None) -> None:
        self._rows = []
        self._total = None
        if timings is not None:
            self._rows = [(label, colour, getattr(timings, attr)) for attr, label, colour in PHASES]
            self._total = timings.total
        self.setToolTip(self.describe())
        self.update()

    def describe(self) -> str:
        lines = [f"{label}: {human_duration(v) if v is not None else 'not needed'}"
                 for label, _, v in self._rows]
        if self._total is not None:
            lines.append(f"Total: {human_duration(self._total)}")
        return "\n".join(lines)

    def sizeHint(self) -> QSize:
        return QSize(480, self.ROW * (len(PHASES) + 1) + 8)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text_colour = palette.windowText().color()
        muted = QColor(text_colour)
        muted.setAlpha(120)
        if not self._rows:
            painter.setPen(muted)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                             "Timings appear here after a request")
            return
        spans = [v or 0.0 for _, _, v in self._rows]
        axis = max(sum(spans), self._total or 0.0, 1e-9)
        bar_left = self.LABEL_WIDTH
        bar_width = max(40, self.width() - self.LABEL_WIDTH - self.VALUE_WIDTH - 8)
        start = 0.0
        for i, (label, colour, value) in enumerate(self._rows):
            top = 4 + i * self.ROW
            painter.setPen(text_colour)
            painter.drawText(QRectF(0, top, self.LABEL_WIDTH - 8, self.ROW),
                             Qt.AlignmentFlag.AlignVCenter, label)
            if value is None:
                painter.setPen(muted)
                painter.drawText(QRectF(bar_left, top, bar_width, self.ROW),
                                 Qt.AlignmentFlag.AlignVCenter, "—")
                continue
            x = bar_left + bar_width * start / axis
            w = max(2.0, bar_width * value / axis)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(colour))
            painter.drawRoundedRect(QRectF(x, top + 6, w, self.ROW - 12), 3, 3)
            painter.setPen(text_colour)
            painter.drawText(QRectF(bar_left + bar_width + 8, top, self.VALUE_WIDTH, self.ROW),
                             Qt.AlignmentFlag.AlignVCenter, human_duration(value))
            start += value
        if self._total is not None:
            top = 4 + len(self._rows) * self.ROW
            font = painter.font()
            font.setBold(True)
            painter.setFont(font)
            painter.drawText(QRectF(0, top, self.LABEL_WIDTH - 8, self.ROW),
                             Qt.AlignmentFlag.AlignVCenter, "Total")
            painter.drawText(QRectF(bar_left + bar_width + 8, top, self.VALUE_WIDTH, self.ROW),
                             Qt.AlignmentFlag.AlignVCenter, human_duration(self._total))
