"""How a terminal's cells look: the colours of ``pyte``'s names, the font's variants and the
cell size, and the painting of one row in runs of cells that look alike.

A row is painted into the view's backbuffer only when it changed (the view keeps track); the
cursor and the selection are drawn over the backbuffer, so that neither dirties a row.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QFont, QFontDatabase, QFontMetricsF, QPainter

from app.terminal import Cell

__all__ = ["DEFAULT_FONT_SIZE", "CellFonts", "Palette", "paint_row"]

#: The point size a zoom resets to when the system's fixed font gives none.
DEFAULT_FONT_SIZE = 11

#: xterm's 16 colours under ``pyte``'s names (``pyte`` calls yellow "brown").
_ANSI = {
    "black": "000000", "red": "cd0000", "green": "00cd00", "brown": "cdcd00",
    "blue": "3b78ff", "magenta": "cd00cd", "cyan": "00cdcd", "white": "e5e5e5",
    "brightblack": "7f7f7f", "brightred": "ff0000", "brightgreen": "00ff00",
    "brightbrown": "ffff00", "brightblue": "5c5cff", "brightmagenta": "ff00ff",
    "brightcyan": "00ffff", "brightwhite": "ffffff",
}


@dataclass
class Palette:
    """Colours by ``pyte`` name or ``"rrggbb"``; ``default`` is the screen's own."""

    foreground: QColor
    background: QColor
    cursor: QColor
    selection: QColor
    #: Bold text in one of the 8 first colours is shown bright, as xterm does by default.
    bold_is_bright: bool = True

    @classmethod
    def dark(cls) -> Palette:
        """Light text on a dark background, as most terminals start."""
        return cls(QColor("#d4d4d4"), QColor("#1e1e1e"), QColor("#e5e5e5"),
                   QColor(90, 140, 220, 110))

    def __post_init__(self) -> None:
        self._cache: dict[str, QColor] = {}

    def color(self, name: str, *, foreground: bool, bold: bool = False) -> QColor:
        """The colour of ``name`` (a ``pyte`` colour name, ``"rrggbb"`` or ``"default"``)."""
        if name == "default":
            return self.foreground if foreground else self.background
        if bold and foreground and self.bold_is_bright and name in _ANSI \
                and not name.startswith("bright"):
            name = "bright" + name
        found = self._cache.get(name)
        if found is None:
            value = _ANSI.get(name, name)
            found = QColor(f"#{value}") if len(value) == 6 else QColor()
            if not found.isValid():      # a name no palette knows: the screen's own
                found = self.foreground if foreground else self.background
            self._cache[name] = found
        return found


class CellFonts:
    """The font in its variants (bold, italic, underline, strikethrough) and the cell size."""

    def __init__(self, size: float | None = None) -> None:
        base = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        base.setStyleHint(QFont.StyleHint.TypeWriter)
        base.setFixedPitch(True)
        base.setKerning(False)
        self.default_size = base.pointSizeF() if base.pointSizeF() > 0 else DEFAULT_FONT_SIZE
        base.setPointSizeF(size or self.default_size)
        self.base = base
        metrics = QFontMetricsF(base)
        #: The cell: as wide as the font's advance (kept fractional so a run of text drawn
        #: at once ends where cells drawn one by one would), as high as a line.
        self.width = max(1.0, metrics.horizontalAdvance("M"))
        self.height = max(1, math.ceil(metrics.height()))
        self.ascent = metrics.ascent()
        self._variants: dict[tuple[bool, bool, bool, bool], QFont] = {}

    @property
    def size(self) -> float:
        return self.base.pointSizeF()

    def font(self, bold: bool, italic: bool, underline: bool, strike: bool) -> QFont:
        key = (bold, italic, underline, strike)
        found = self._variants.get(key)
        if found is None:
            found = QFont(self.base)
            found.setBold(bold)
            found.setItalic(italic)
            found.setUnderline(underline)
            found.setStrikeOut(strike)
            self._variants[key] = found
        return found


def _colors(cell: Cell, palette: Palette, inverse_screen: bool) -> tuple[QColor, QColor]:
    fg = palette.color(cell.fg, foreground=True, bold=cell.bold)
    bg = palette.color(cell.bg, foreground=False)
    if cell.reverse != inverse_screen:
        fg, bg = bg, fg
    return fg, bg


def paint_row(painter: QPainter, line: Mapping[int, Cell], top: float, cols: int,
              fonts: CellFonts, palette: Palette, *, inverse_screen: bool = False) -> None:
    """Paint the ``cols`` cells of ``line`` as the row whose top is at ``top``.

    Cells that look alike are painted as one run: one background rectangle and one string.
    A character outside ASCII is drawn alone at its cell (a fallback font's advance would
    push the rest of a run off the grid), two cells wide when it is a wide character."""
    width, height = fonts.width, fonts.height
    baseline = top + fonts.ascent
    default_bg = palette.foreground if inverse_screen else palette.background
    painter.fillRect(QRectF(0, top, cols * width, height), default_bg)
    x = 0
    while x < cols:
        cell = line[x]
        looks = cell[1:8]
        start = x
        chars = [cell.data]
        wide = 2 if x + 1 < cols and line[x + 1].data == "" and ord(cell.data or " ") > 0x7f \
            else 1
        x += wide
        if len(cell.data) == 1 and cell.data < "\x80":
            while x < cols:
                nxt = line[x]
                if nxt[1:8] != looks or len(nxt.data) != 1 or nxt.data >= "\x80":
                    break
                chars.append(nxt.data)
                x += 1
        fg, bg = _colors(cell, palette, inverse_screen)
        left = start * width
        span = (x - start) * width
        if bg != default_bg:
            painter.fillRect(QRectF(left, top, span, height), bg)
        text = "".join(chars)
        if text.strip() or cell.underscore or cell.strikethrough:
            painter.setFont(fonts.font(cell.bold, cell.italics, cell.underscore,
                                       cell.strikethrough))
            painter.setPen(fg)
            painter.drawText(QPointF(left, baseline), text)
