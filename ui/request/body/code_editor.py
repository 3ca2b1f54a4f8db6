"""A plain-text code editor: fixed-width font, line numbers, current-line tint, Pygments
highlighting, two-space indentation, and a squiggle under a reported error."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFontDatabase,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QToolTip, QWidget

from ui.highlight import PygmentsHighlighter
from ui.request.tones import ERROR
from ui.request.variables import (
    VariableLookup,
    variable_at,
    variable_format,
    variable_matches,
    variable_tooltip,
)

__all__ = ["CodeEditor"]

_INDENT = "  "


class _BodyHighlighter(PygmentsHighlighter):
    """Pygments colours, then ``{{variables}}`` drawn as the URL bar draws them."""

    lookup: VariableLookup | None = None

    def highlightBlock(self, text: str) -> None:
        super().highlightBlock(text)
        if "{{" in text:
            known = self.lookup() if self.lookup is not None else None
            for start, length, name in variable_matches(text):
                self.setFormat(start, length, variable_format(known is None or name in known))


class _LineNumbers(QWidget):
    def __init__(self, editor: CodeEditor) -> None:
        super().__init__(editor)
        self._editor = editor

    def sizeHint(self) -> QSize:
        return QSize(self._editor.gutter_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        self._editor.paint_gutter(event)


class CodeEditor(QPlainTextEdit):
    """Edits code with line numbers and ``lexer`` highlighting (``json``, ``xml``, ``text``)."""

    def __init__(self, lexer: str = "text", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setTabStopDistance(self.fontMetrics().horizontalAdvance(" ") * 2)
        self._highlighter = _BodyHighlighter(self.document(), lexer, self._is_dark())
        self._gutter = _LineNumbers(self)
        self._error_at: int | None = None
        self.blockCountChanged.connect(self._update_margins)
        self.updateRequest.connect(self._scroll_gutter)
        self.cursorPositionChanged.connect(self._update_selections)
        self._update_margins()
        self._update_selections()

    def set_variable_lookup(self, lookup: VariableLookup | None) -> None:
        """What the variables in scope are (for colours and the hover preview)."""
        self._highlighter.lookup = lookup
        self.refresh_variables()

    def refresh_variables(self) -> None:
        """Redraw the ``{{variables}}`` (only the lines that have some)."""
        if not self.is_highlighting() or "{{" not in self.toPlainText():
            return
        block = self.document().firstBlock()
        while block.isValid():
            if "{{" in block.text():
                self._highlighter.rehighlightBlock(block)
            block = block.next()

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            pos = event.pos()  # type: ignore[attr-defined]
            cursor = self.cursorForPosition(pos)
            block = cursor.block()
            name = variable_at(block.text(), cursor.positionInBlock())
            if name is None and cursor.positionInBlock() > 0:
                name = variable_at(block.text(), cursor.positionInBlock() - 1)
            if name is not None:
                QToolTip.showText(event.globalPos(),  # type: ignore[attr-defined]
                                  variable_tooltip(name, self._highlighter.lookup), self)
                return True
            QToolTip.hideText()
        return super().viewportEvent(event)

    def set_lexer(self, lexer: str) -> None:
        """Highlight as ``lexer`` from now on."""
        self._highlighter.set_lexer(lexer)

    def is_highlighting(self) -> bool:
        """Whether the text is highlighted."""
        return self._highlighter.document() is not None

    def set_highlighting(self, on: bool) -> None:
        """Turn highlighting on or off (off keeps huge texts quick to load and edit)."""
        if on != self.is_highlighting():
            self._highlighter.setDocument(self.document() if on else None)

    def set_error_at(self, offset: int | None) -> None:
        """Underline the character at ``offset`` (None: no error)."""
        self._error_at = offset
        self._update_selections()

    def more_selections(self) -> list[QTextEdit.ExtraSelection]:
        """Further marks a subclass draws (a GraphQL editor's problems), above the line tint
        and the error squiggle."""
        return []

    def refresh_selections(self) -> None:
        """Redraw the line tint, the error and :meth:`more_selections`."""
        self._update_selections()

    # -- typing ---------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if key == Qt.Key.Key_Tab and plain and not self.textCursor().hasSelection():
            self.insertPlainText(_INDENT)
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and plain:
            # Keep the line's indentation, one level deeper after an opening bracket.
            line = self.textCursor().block().text()[:self.textCursor().positionInBlock()]
            indent = line[:len(line) - len(line.lstrip())]
            if line.rstrip().endswith(("{", "[", "(")):
                indent += _INDENT
            self.insertPlainText("\n" + indent)
            self.ensureCursorVisible()
            return
        super().keyPressEvent(event)

    # -- looks ----------------------------------------------------------------------------

    def _is_dark(self) -> bool:
        return self.palette().color(QPalette.ColorRole.Base).lightness() < 128

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._highlighter.set_dark(self._is_dark())
            self._update_selections()

    def gutter_width(self) -> int:
        digits = len(str(max(1, self.blockCount())))
        return 14 + self.fontMetrics().horizontalAdvance("9") * max(2, digits)

    def _update_margins(self) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _scroll_gutter(self, rect: QRect, dy: int) -> None:
        if dy:
            self._gutter.scroll(0, dy)
        else:
            self._gutter.update(0, rect.y(), self._gutter.width(), rect.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        inside = self.contentsRect()
        self._gutter.setGeometry(QRect(inside.left(), inside.top(), self.gutter_width(),
                                       inside.height()))

    def paint_gutter(self, event: QPaintEvent) -> None:
        """Draw the line numbers beside the visible blocks."""
        painter = QPainter(self._gutter)
        palette = self.palette()
        painter.fillRect(event.rect(), palette.color(QPalette.ColorRole.AlternateBase))
        current = self.textCursor().blockNumber()
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        height = self.fontMetrics().height()
        width = self._gutter.width() - 6
        while block.isValid() and top <= event.rect().bottom():
            if block.isVisible():
                colour = palette.color(QPalette.ColorRole.Text if block.blockNumber() == current
                                       else QPalette.ColorRole.PlaceholderText)
                painter.setPen(colour)
                painter.drawText(0, top, width, height, Qt.AlignmentFlag.AlignRight,
                                 str(block.blockNumber() + 1))
            top += round(self.blockBoundingRect(block).height())
            block = block.next()
        painter.end()

    def _update_selections(self) -> None:
        selections = []
        line = QTextEdit.ExtraSelection()
        tint = QColor(self.palette().color(QPalette.ColorRole.Highlight))
        tint.setAlpha(22)
        line_format = QTextCharFormat()
        line_format.setBackground(tint)
        line_format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        line.format = line_format
        here = self.textCursor()
        here.clearSelection()
        line.cursor = here
        selections.append(line)
        if self._error_at is not None:
            error = QTextEdit.ExtraSelection()
            squiggle = QTextCharFormat()
            squiggle.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            squiggle.setUnderlineColor(ERROR)
            error.format = squiggle
            cursor = QTextCursor(self.document())
            end = self.document().characterCount() - 1
            start = max(0, min(self._error_at, end - 1))
            cursor.setPosition(start)
            cursor.setPosition(min(start + 1, end), QTextCursor.MoveMode.KeepAnchor)
            error.cursor = cursor
            selections.append(error)
        selections += self.more_selections()
        self.setExtraSelections(selections)
        self._gutter.update()
