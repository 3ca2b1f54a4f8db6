"""How a history row is drawn: method and URL, the status as a chip coloured by class ("failed"
in red), the size and how long ago, under a header per day."""

from __future__ import annotations

import time

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPalette,
)
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from app.storage.history_entry import HistoryEntry
from ui.formatting import human_size
from ui.request.method_box import method_colour
from ui.request.tones import ERROR
from ui.response.response_pane import status_colour
from ui.sidebar.history_model import DAY_ROLE, ENTRY_ROLE, HistoryModel, relative_time

__all__ = ["HistoryDelegate"]

Index = QModelIndex | QPersistentModelIndex


# --- the delegate ----------------------------------------------------------------------------


class HistoryDelegate(QStyledItemDelegate):
    """Paints a row: [day header], method and URL, then status chip, size and time."""

    PAD = 6

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._font_key = ""

    def _fonts(self, base: QFont) -> tuple[QFont, QFont, QFont]:
        method = QFont(base)
        method.setBold(True)
        method.setPointSizeF(base.pointSizeF() * 0.85)
        small = QFont(base)
        small.setPointSizeF(base.pointSizeF() * 0.85)
        header = QFont(small)
        header.setBold(True)
        return method, small, header

    def _header_height(self, base: QFont) -> int:
        return QFontMetrics(self._fonts(base)[2]).height() + 10

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        base = option.font
        _, small, _ = self._fonts(base)
        height = QFontMetrics(base).height() + QFontMetrics(small).height() + 2 * self.PAD + 4
        if index.data(DAY_ROLE):
            height += self._header_height(base)
        return QSize(200, height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        entry = index.data(ENTRY_ROLE)
        if entry is None:
            return
        base = option.font
        method_font, small, header_font = self._fonts(base)
        palette = option.palette
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        rect = QRect(option.rect)
        painter.save()
        header = index.data(DAY_ROLE)
        if header:
            band = QRect(rect.left(), rect.top(), rect.width(), self._header_height(base))
            painter.setFont(header_font)
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(band.adjusted(self.PAD, 4, -self.PAD, 0),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                             header)
            painter.setPen(palette.color(QPalette.ColorRole.Mid))
            painter.drawLine(band.left(), band.bottom(), band.right(), band.bottom())
            rect.setTop(band.bottom() + 1)

        item = QStyleOptionViewItem(option)
        item.rect = rect
        item.text = ""
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, item, painter, widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        text_colour = palette.color(QPalette.ColorRole.HighlightedText if selected
                                    else QPalette.ColorRole.Text)
        muted = QColor(text_colour) if selected else \
            palette.color(QPalette.ColorRole.PlaceholderText)

        inner = rect.adjusted(self.PAD, self.PAD, -self.PAD, -self.PAD)
        line1 = QFontMetrics(base).height()
        method_width = QFontMetrics(method_font).horizontalAdvance("OPTIONS") + self.PAD
        top = QRect(inner.left(), inner.top(), inner.width(), line1)
        # method
        painter.setFont(method_font)
        painter.setPen(method_colour(entry.method))
        method_rect = QRect(top.left(), top.top(), method_width, line1)
        painter.drawText(method_rect, int(Qt.AlignmentFlag.AlignLeft
                                          | Qt.AlignmentFlag.AlignVCenter),
                         QFontMetrics(method_font).elidedText(
                             entry.method, Qt.TextElideMode.ElideRight, method_width - 2))
        # URL
        painter.setFont(base)
        painter.setPen(text_colour)
        url_rect = QRect(method_rect.right() + 1, top.top(),
                         top.right() - method_rect.right(), line1)
        painter.drawText(url_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         QFontMetrics(base).elidedText(entry.url, Qt.TextElideMode.ElideMiddle,
                                                       url_rect.width()))
        # status chip, size, time
        painter.setFont(small)
        fm = QFontMetrics(small)
        line2 = fm.height()
        y = top.bottom() + 4
        x = url_rect.left()
        failed = entry.status is None
        chip_text = "failed" if failed else entry.status_text
        chip_colour = QColor(ERROR) if failed else QColor(_chip_colour(entry))
        chip = QRect(x, y, fm.horizontalAdvance(chip_text) + 10, line2)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(chip_colour)
        painter.drawRoundedRect(chip, 3, 3)
        painter.setPen(QColor("white"))
        bold = QFont(small)
        bold.setBold(True)
        painter.setFont(bold)
        painter.drawText(chip, int(Qt.AlignmentFlag.AlignCenter), chip_text)
        painter.setFont(small)
        painter.setPen(muted)
        now = index.model().clock() if isinstance(index.model(), HistoryModel) else time.time()
        parts = [] if failed else [human_size(entry.response_size)]
        parts.append(relative_time(entry.time, now))
        if failed and entry.error:
            parts.append(entry.error)
        rest = QRect(chip.right() + 6, y, inner.right() - chip.right() - 6, line2)
        painter.drawText(rest, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         fm.elidedText("  ·  ".join(parts), Qt.TextElideMode.ElideRight,
                                       rest.width()))
        painter.restore()


def _chip_colour(entry: HistoryEntry) -> str:
    """An HTTP status's class colour; for a gRPC call, OK's green, CANCELLED's grey, and
    every other code's red."""
    assert entry.status is not None
    if entry.method == "GRPC":
        return status_colour({0: 200, 1: 100}.get(entry.status, 500))
    return status_colour(entry.status)
