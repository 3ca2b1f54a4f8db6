"""The terminal itself: paints a :class:`app.terminal.TerminalScreen` and turns the keyboard,
the mouse and the clipboard into the bytes a program reads.

Painting follows the screen, never the other way round: a timer at the display's rate looks
at the screen's ``generation`` and repaints, into a backbuffer, only the rows that changed
(``take_dirty``) or that now show another line (scrolling). The cursor and the selection are
drawn over the backbuffer. Output therefore never waits for painting, and a key press is
turned into bytes (``input``) at once, whatever the screen is doing.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QClipboard,
    QColor,
    QFocusEvent,
    QGuiApplication,
    QImage,
    QInputMethodEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

from app.terminal import CursorShape, MouseMode, TerminalScreen
from ui.terminal.keys import key_bytes, mouse_report
from ui.terminal.terminal_painter import CellFonts, Palette, paint_row
from ui.terminal.terminal_selection import Selection, SelectionUnit, selected_text

__all__ = ["FRAME_MS", "MAX_FONT_SIZE", "MIN_FONT_SIZE", "RESIZE_DEBOUNCE_MS", "TerminalView"]

#: How often the view looks for changes (about the display's refresh rate).
FRAME_MS = 16
#: Frame pacing: painting may take this share of the time at most; a frame that took longer
#: (a flood scrolls every row) stretches the next interval, up to ``SLOWEST_FRAME_MS``. A
#: flood is unreadable at any rate; the screen's feeding gets the time instead. A typed key's
#: echo repaints one row and keeps the full rate.
PAINT_SHARE = 0.1
SLOWEST_FRAME_MS = 100
#: A burst of resizes (a window being dragged) is told once, this long after the last.
RESIZE_DEBOUNCE_MS = 150
MIN_FONT_SIZE, MAX_FONT_SIZE = 6, 48
#: Lines scrolled per wheel notch (120 units) in the scrollback.
WHEEL_LINES = 3

K = Qt.Key
M = Qt.KeyboardModifier
B = Qt.MouseButton
_CTRL_SHIFT = M.ControlModifier | M.ShiftModifier
_BUTTONS = {B.LeftButton: 0, B.MiddleButton: 1, B.RightButton: 2}


class TerminalView(QAbstractScrollArea):
    """A terminal's screen, its scrollback, its keyboard and its mouse."""

    #: Bytes for the program: typed, pasted, or a mouse report.
    input = Signal(bytes)
    #: (rows, cols) that fit the view, once per burst of resizes.
    resized = Signal(int, int)
    #: The font's point size changed (zoom).
    zoomed = Signal(float)
    #: The program (or the protocol) set the window title.
    title_changed = Signal(str)

    def __init__(self, screen: TerminalScreen | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.palette_ = Palette.dark()
        self.fonts = CellFonts()
        self._screen = screen or TerminalScreen()
        #: Lines scrolled back from the live screen (0: the live screen).
        self.scrolled = 0
        self.selection: Selection | None = None
        #: Rows painted into the backbuffer so far (a measure of the work done).
        self.rows_painted = 0
        self._backbuffer = QImage()
        #: What each backbuffer row shows: ("s", row) or ("h", scrollback line).
        self._shown: list[tuple[str, int] | None] = []
        self._seen = (-1, -1, False)
        self._title = ""
        self._last_size: tuple[int, int] | None = None
        self._press_at = (0.0, QPoint())
        self._clicks = 0
        self._mouse_button: int | None = None

        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, True)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.viewport().setCursor(Qt.CursorShape.IBeamCursor)
        self.viewport().setMouseTracking(True)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.verticalScrollBar().valueChanged.connect(self._on_scrollbar)
        self._frame = QTimer(self)
        self._frame.setInterval(FRAME_MS)
        self._frame.timeout.connect(self.refresh)
        self._resize_timer = QTimer(self)
        self._resize_timer.setSingleShot(True)
        self._resize_timer.setInterval(RESIZE_DEBOUNCE_MS)
        self._resize_timer.timeout.connect(self._tell_size)

    # -- the screen ---------------------------------------------------------------------------

    @property
    def screen(self) -> TerminalScreen:
        return self._screen

    def set_screen(self, screen: TerminalScreen) -> None:
        """Show ``screen`` (a new connection's), from its live rows."""
        self._screen = screen
        self.scrolled = 0
        self.selection = None
        self._seen = (-1, -1, False)
        self.invalidate()

    def invalidate(self) -> None:
        """Forget the backbuffer: every row is painted again at the next refresh."""
        self._shown = []

    @property
    def painted_generation(self) -> int:
        """The screen's ``generation`` the backbuffer shows (the bench waits on it)."""
        return self._seen[0]

    def grid_size(self) -> tuple[int, int]:
        """(rows, cols) that fit the view at the current font."""
        area = self.viewport().size()
        return (max(1, area.height() // self.fonts.height),
                max(1, int(area.width() // self.fonts.width)))

    def refresh(self) -> None:
        """Paint what changed since the last look (the frame timer calls it)."""
        screen = self._screen
        seen = (screen.generation, screen.history_generation, screen.reverse_video)
        if seen == self._seen and self._shown:
            return
        if seen[:2] != self._seen[:2] and self.scrolled:
            self.scrolled = 0               # new output: back to the live screen
        self._seen = seen
        if screen.title != self._title:
            self._title = screen.title
            self.title_changed.emit(self._title)
        self._sync_scrollbar()
        began = time.perf_counter()
        if self._paint_rows():
            self.viewport().update()
        spent_ms = (time.perf_counter() - began) * 1000
        self._frame.setInterval(int(min(SLOWEST_FRAME_MS,
                                        max(FRAME_MS, spent_ms / PAINT_SHARE))))

    def _paint_rows(self) -> bool:
        screen = self._screen
        rows, cols = screen.rows, screen.cols
        dpr = self.devicePixelRatioF()
        width, height = int(cols * self.fonts.width) + 1, rows * self.fonts.height
        if self._backbuffer.size().width() != int(width * dpr) \
                or self._backbuffer.size().height() != int(height * dpr) or not self._shown:
            self._backbuffer = QImage(int(width * dpr), int(height * dpr),
                                      QImage.Format.Format_RGB32)
            self._backbuffer.setDevicePixelRatio(dpr)
            self._shown = [None] * rows
        dirty = screen.take_dirty()
        top = screen.history_size - self.scrolled
        painter: QPainter | None = None
        for i in range(rows):
            line = top + i
            shows = ("h", line) if line < screen.history_size \
                else ("s", line - screen.history_size)
            if self._shown[i] == shows and not (shows[0] == "s" and shows[1] in dirty):
                continue
            if painter is None:
                painter = QPainter(self._backbuffer)
            cells = screen.history_row(shows[1]) if shows[0] == "h" else screen.row(shows[1])
            paint_row(painter, cells, i * self.fonts.height, cols, self.fonts, self.palette_,
                      inverse_screen=screen.reverse_video)
            self._shown[i] = shows
            self.rows_painted += 1
        if painter is not None:
            painter.end()
        return painter is not None or bool(dirty)

    # -- painting -----------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._shown:
            self._paint_rows()
        painter = QPainter(self.viewport())
        area = self.viewport().rect()
        painter.fillRect(area, self.background())
        painter.drawImage(0, 0, self._backbuffer)
        self._paint_selection(painter)
        if self.scrolled == 0 and self._screen.cursor_visible:
            self._paint_cursor(painter)
        painter.end()

    def _paint_selection(self, painter: QPainter) -> None:
        if self.selection is None or self.selection.empty():
            return
        screen, width, height = self._screen, self.fonts.width, self.fonts.height
        top = screen.history_size - self.scrolled
        for i in range(screen.rows):
            span = self.selection.columns(top + i, screen.cols, self.line_text)
            if span is not None:
                painter.fillRect(QRectF(span[0] * width, i * height,
                                        (span[1] - span[0] + 1) * width, height),
                                 self.palette_.selection)

    def _paint_cursor(self, painter: QPainter) -> None:
        screen = self._screen
        row, col = screen.cursor
        if not (0 <= row < screen.rows):
            return
        col = min(col, screen.cols - 1)
        width, height = self.fonts.width, self.fonts.height
        cell = QRectF(col * width, row * height, width, height)
        colour = self.palette_.cursor
        shape = screen.cursor_shape
        if not self.hasFocus():
            painter.setPen(colour)
            painter.drawRect(cell.adjusted(0.5, 0.5, -0.5, -0.5))
        elif shape == CursorShape.UNDERLINE:
            painter.fillRect(QRectF(cell.left(), cell.bottom() - 2, width, 2), colour)
        elif shape == CursorShape.BAR:
            painter.fillRect(QRectF(cell.left(), cell.top(), 2, height), colour)
        else:
            painter.fillRect(cell, colour)
            data = screen.cell(row, col)
            if data.data.strip():
                painter.setFont(self.fonts.font(data.bold, data.italics, False, False))
                painter.setPen(self.palette_.background)
                painter.drawText(QPointF(cell.left(), cell.top() + self.fonts.ascent), data.data)

    # -- scrolling ----------------------------------------------------------------------------

    def scroll_lines(self, lines: int) -> None:
        """Scroll ``lines`` back into the scrollback (negative: towards the live screen)."""
        self.scrolled = max(0, min(self._screen.history_size, self.scrolled + lines))
        self._sync_scrollbar()
        self._paint_rows()
        self.viewport().update()

    def _sync_scrollbar(self) -> None:
        bar = self.verticalScrollBar()
        bar.blockSignals(True)
        bar.setRange(0, self._screen.history_size)
        bar.setPageStep(self._screen.rows)
        bar.setValue(self._screen.history_size - self.scrolled)
        bar.blockSignals(False)

    def _on_scrollbar(self, value: int) -> None:
        self.scroll_lines(self._screen.history_size - value - self.scrolled)

    def wheelEvent(self, event: QWheelEvent) -> None:
        notches = event.angleDelta().y() / 120
        if not notches:
            return
        screen = self._screen
        if screen.mouse_mode != MouseMode.NONE \
                and not event.modifiers() & M.ShiftModifier:
            button = 64 if notches > 0 else 65
            cell = self._cell_at(event.position().toPoint(), clamp=True)
            for _ in range(max(1, int(abs(notches)))):
                self._report(button, cell, event.modifiers(), press=True)
        elif screen.in_alternate_screen:
            # A full-screen program has no scrollback: xterm's "alternate scroll" sends it
            # cursor keys instead, which pagers and editors scroll by.
            key = K.Key_Up if notches > 0 else K.Key_Down
            data = key_bytes(key, M.NoModifier, "",
                             application_cursor=screen.application_cursor_keys)
            self.input.emit(data * (WHEEL_LINES * max(1, int(abs(notches)))))
        else:
            self.scroll_lines(round(notches * WHEEL_LINES))
        event.accept()

    # -- the keyboard -------------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            # The program gets Ctrl+W, Ctrl+F, Alt+letters... before the window's shortcuts;
            # Ctrl+Shift chords (but copy and paste) and Ctrl+Tab / Ctrl+PgUp stay the window's.
            mods = event.modifiers()
            window_owns = ((mods & _CTRL_SHIFT) == _CTRL_SHIFT
                           and event.key() not in (K.Key_C, K.Key_V)) \
                or (mods & M.ControlModifier and event.key() in (
                    K.Key_Tab, K.Key_Backtab, K.Key_PageUp, K.Key_PageDown))
            if not window_owns:
                event.accept()
                return True
        return super().event(event)

    def focusNextPrevChild(self, next: bool) -> bool:
        """Tab and Shift+Tab go to the program, not to the next widget."""
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        if (mods & _CTRL_SHIFT) == _CTRL_SHIFT and key == K.Key_C:
            self.copy()
        elif ((mods & _CTRL_SHIFT) == _CTRL_SHIFT and key == K.Key_V) \
                or (mods & M.ShiftModifier and key == K.Key_Insert):
            self.paste()
        elif mods & M.ControlModifier and key in (K.Key_Equal, K.Key_Plus):
            self.zoom(1)
        elif mods & M.ControlModifier and not mods & M.ShiftModifier and key == K.Key_Minus:
            self.zoom(-1)
        elif mods & M.ControlModifier and key == K.Key_0:
            self.zoom(0)
        elif mods & M.ShiftModifier and key in (K.Key_PageUp, K.Key_PageDown):
            page = max(1, self._screen.rows - 1)
            self.scroll_lines(page if key == K.Key_PageUp else -page)
        else:
            data = key_bytes(key, mods, event.text(),
                             application_cursor=self._screen.application_cursor_keys)
            if data:
                self.send(data)
        event.accept()

    def inputMethodEvent(self, event: QInputMethodEvent) -> None:
        if event.commitString():
            self.send(event.commitString().encode("utf-8"))
        event.accept()

    def send(self, data: bytes) -> None:
        """Give ``data`` to the program, as typed; the view goes back to the live screen."""
        if self.scrolled:
            self.scroll_lines(-self.scrolled)
        self.input.emit(data)

    # -- copy and paste -----------------------------------------------------------------------

    def line_text(self, line: int) -> str:
        """Line ``line`` (scrollback first, then the screen) as one character per cell; the
        second cell of a wide character is ``\\0``."""
        screen = self._screen
        if line < screen.history_size:
            cells = screen.history_row(line)
        elif line - screen.history_size < screen.rows:
            cells = screen.row(line - screen.history_size)
        else:
            return ""
        return "".join([cells[x].data[:1] or "\0" for x in range(screen.cols)])

    def selected_text(self) -> str:
        if self.selection is None or self.selection.empty():
            return ""
        return selected_text(self.selection, self.line_text)

    def copy(self) -> bool:
        """Put the selection on the clipboard; False when nothing is selected."""
        text = self.selected_text()
        if text:
            QGuiApplication.clipboard().setText(text)
        return bool(text)

    def paste(self, mode: QClipboard.Mode = QClipboard.Mode.Clipboard) -> None:
        """Type the clipboard's text, bracketed when the program asked for it."""
        self.paste_text(QGuiApplication.clipboard().text(mode))

    def paste_text(self, text: str) -> None:
        """Send ``text`` as pasted: line ends as Enter (CR), bracketed (``ESC[200~`` ..
        ``ESC[201~``) when the program asked, with any end marker inside taken out so a
        paste cannot end its own bracket."""
        if not text:
            return
        text = text.replace("\r\n", "\r").replace("\n", "\r")
        if self._screen.bracketed_paste:
            text = "\x1b[200~" + text.replace("\x1b[201~", "") + "\x1b[201~"
        self.send(text.encode("utf-8"))

    # -- the mouse ----------------------------------------------------------------------------

    def _cell_at(self, point: QPoint, *, clamp: bool = False) -> tuple[int, int]:
        """The (viewport row, col) under ``point``."""
        row = int(point.y() // self.fonts.height)
        col = int(point.x() // self.fonts.width)
        if clamp:
            row = min(max(row, 0), self._screen.rows - 1)
            col = min(max(col, 0), self._screen.cols - 1)
        return row, col

    def _line_at(self, point: QPoint) -> tuple[int, int]:
        row, col = self._cell_at(point, clamp=True)
        return self._screen.history_size - self.scrolled + row, col

    def _reports_mouse(self, mods: M) -> bool:
        """The program asked for the mouse (Shift keeps it for selecting, as in xterm)."""
        return self._screen.mouse_mode != MouseMode.NONE and not mods & M.ShiftModifier

    def _report(self, button: int, cell: tuple[int, int], mods: M, *, press: bool,
                motion: bool = False) -> None:
        data = mouse_report(button, cell[0], cell[1], mods, press=press, motion=motion,
                            sgr=self._screen.mouse_sgr)
        if data:
            self.input.emit(data)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        point, mods = event.position().toPoint(), event.modifiers()
        if self._reports_mouse(mods) and event.button() in _BUTTONS:
            self._mouse_button = _BUTTONS[event.button()]
            self._report(self._mouse_button, self._cell_at(point, clamp=True), mods, press=True)
            return
        if event.button() == B.MiddleButton:
            clipboard = QGuiApplication.clipboard()
            self.paste(QClipboard.Mode.Selection if clipboard.supportsSelection()
                       else QClipboard.Mode.Clipboard)
            return
        if event.button() != B.LeftButton:
            return
        at, last = time.monotonic(), self._press_at
        near = (point - last[1]).manhattanLength() < 6
        interval = QGuiApplication.styleHints().mouseDoubleClickInterval() / 1000
        self._clicks = self._clicks % 3 + 1 if near and at - last[0] < interval else 1
        self._press_at = (at, point)
        line = self._line_at(point)
        unit = (SelectionUnit.CHAR, SelectionUnit.WORD, SelectionUnit.LINE)[self._clicks - 1]
        if mods & M.ShiftModifier and self.selection is not None and unit == SelectionUnit.CHAR:
            self.selection.extent = line
        else:
            self.selection = Selection(line, line, unit)
        self.viewport().update()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        # Qt's double-click is the second press: counted in mousePressEvent.
        self.mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        point, mods = event.position().toPoint(), event.modifiers()
        mode = self._screen.mouse_mode
        if self._reports_mouse(mods):
            held = self._mouse_button
            if (held is not None and mode in (MouseMode.DRAG, MouseMode.MOTION)) \
                    or mode == MouseMode.MOTION:
                self._report(3 if held is None else held, self._cell_at(point, clamp=True),
                             mods, press=True, motion=True)
            return
        if event.buttons() & B.LeftButton and self.selection is not None:
            if point.y() < 0:
                self.scroll_lines(1)
            elif point.y() > self.viewport().height():
                self.scroll_lines(-1)
            self.selection.extent = self._line_at(point)
            self.viewport().update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        point, mods = event.position().toPoint(), event.modifiers()
        if self._mouse_button is not None and self._reports_mouse(mods):
            if self._screen.mouse_mode != MouseMode.PRESS:
                self._report(self._mouse_button, self._cell_at(point, clamp=True), mods,
                             press=False)
            self._mouse_button = None
            return
        self._mouse_button = None
        text = self.selected_text()
        clipboard = QGuiApplication.clipboard()
        if text and clipboard.supportsSelection():
            clipboard.setText(text, QClipboard.Mode.Selection)

    # -- size and zoom ------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._resize_timer.start()

    def _tell_size(self) -> None:
        size = self.grid_size()
        if size != self._last_size:
            self._last_size = size
            self.resized.emit(*size)

    def zoom(self, step: int) -> None:
        """Make the font a point larger (1), smaller (-1), or its default size again (0)."""
        size = self.fonts.default_size if step == 0 \
            else min(MAX_FONT_SIZE, max(MIN_FONT_SIZE, self.fonts.size + step))
        if size == self.fonts.size:
            return
        self.fonts = CellFonts(size)
        self.invalidate()
        self.viewport().update()
        self._resize_timer.start()
        self.zoomed.emit(size)

    # -- visibility ---------------------------------------------------------------------------

    def showEvent(self, event: object) -> None:
        self._frame.start()
        self._resize_timer.start()
        super().showEvent(event)  # type: ignore[arg-type]

    def hideEvent(self, event: object) -> None:
        self._frame.stop()
        super().hideEvent(event)  # type: ignore[arg-type]

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.viewport().update()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.viewport().update()

    def background(self) -> QColor:
        """The screen's background colour as painted now."""
        return self.palette_.foreground if self._screen.reverse_video \
            else self.palette_.background
