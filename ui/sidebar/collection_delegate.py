"""How the collection tree draws a request: "METHOD name", the method in its colour; a
broken file in red."""

from __future__ import annotations

from PySide6.QtCore import (
    QModelIndex,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import QFont, QPainter
from PySide6.QtWidgets import (
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from ui.request.method_box import method_colour
from ui.request.tones import ERROR
from ui.sidebar.collection_model import ERROR_ROLE, KIND, METHOD

__all__ = ["CollectionDelegate"]

_SHORT = {"DELETE": "DEL", "OPTIONS": "OPT", "PATCH": "PATCH"}


class CollectionDelegate(QStyledItemDelegate):
    """A request as "METHOD name" with the method in its colour; a broken file in red."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        method = index.data(METHOD)
        if index.data(KIND) != "request" or not method:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text
        opt.text = ""
        style = opt.widget.style() if opt.widget else QStyle()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, opt.widget)
        painter.save()
        small = QFont(opt.font)
        small.setBold(True)
        small.setPointSizeF(max(opt.font.pointSizeF() * 0.78, 6.0))
        painter.setFont(small)
        label = _SHORT.get(method, method[:5])
        width = painter.fontMetrics().horizontalAdvance("PATCH") + 6
        painter.setPen(ERROR if index.data(ERROR_ROLE) else method_colour(method))
        painter.drawText(QRect(rect.left(), rect.top(), width, rect.height()),
                         Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, label)
        painter.setFont(opt.font)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        role = opt.palette.ColorRole.HighlightedText if selected else opt.palette.ColorRole.Text
        painter.setPen(ERROR if index.data(ERROR_ROLE) else opt.palette.color(role))
        rest = QRect(rect.left() + width, rect.top(), rect.width() - width, rect.height())
        elided = painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, rest.width())
        painter.drawText(rest, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, elided)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width() + 48, max(size.height(), 22))


