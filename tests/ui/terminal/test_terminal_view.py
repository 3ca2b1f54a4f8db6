"""The terminal view, fed a TerminalScreen directly: painting (only dirty rows, every colour
kind, the cursor), keys and Tab, scrollback vs mouse reporting, selection by drag, word and
line, copy and paste (bracketed), resize debouncing and zoom."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from app.terminal import TerminalScreen
from ui.terminal.terminal_view import RESIZE_DEBOUNCE_MS, TerminalView

K = Qt.Key
M = Qt.KeyboardModifier
B = Qt.MouseButton


@pytest.fixture
def view(qtbot: QtBot) -> Iterator[TerminalView]:
    widget = TerminalView(TerminalScreen(10, 40, scrollback=1000))
    qtbot.addWidget(widget)
    widget.resize(500, 300)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget


def typed(view: TerminalView) -> list[bytes]:
    out: list[bytes] = []
    view.input.connect(out.append)
    return out


def center(view: TerminalView, row: int, col: int) -> QPoint:
    f = view.fonts
    return QPoint(int((col + 0.5) * f.width), int((row + 0.5) * f.height))


def mouse(view: TerminalView, kind: QEvent.Type, at: QPoint, button: B = B.LeftButton,
          mods: M = M.NoModifier) -> None:
    buttons = B.NoButton if kind == QEvent.Type.MouseButtonRelease else button
    event = QMouseEvent(kind, QPointF(at), QPointF(view.viewport().mapToGlobal(at)), button,
                        buttons, mods)
    QApplication.sendEvent(view.viewport(), event)


def click(view: TerminalView, at: QPoint, button: B = B.LeftButton,
          mods: M = M.NoModifier) -> None:
    mouse(view, QEvent.Type.MouseButtonPress, at, button, mods)
    mouse(view, QEvent.Type.MouseButtonRelease, at, button, mods)


def wheel(view: TerminalView, notches: int, mods: M = M.NoModifier) -> None:
    at = QPointF(center(view, 2, 3))
    event = QWheelEvent(at, QPointF(view.viewport().mapToGlobal(at.toPoint())), QPoint(),
                        QPoint(0, 120 * notches), B.NoButton, mods,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), event)


def pixel(view: TerminalView, row: int, col: int) -> QColor:
    """The colour painted in the middle of a cell's left part (off any glyph of a space)."""
    image = view.viewport().grab().toImage()
    point = center(view, row, col) * view.devicePixelRatioF()
    return image.pixelColor(point)


# -- painting -------------------------------------------------------------------------------

def test_only_dirty_rows_are_repainted(view: TerminalView) -> None:
    screen = view.screen
    view.refresh()
    assert view.rows_painted == 10          # the first paint: every row
    view.refresh()
    assert view.rows_painted == 10          # nothing changed: nothing painted
    screen.feed(b"hello")
    view.refresh()
    assert view.rows_painted == 11          # one row changed
    screen.feed(b"\x1b[5;1Hfive\x1b[7;1Hseven")
    view.refresh()
    assert view.rows_painted == 13
    screen.feed(b"\x1b[H")                  # the cursor moved: drawn over, no row painted
    view.refresh()
    assert view.rows_painted == 13


def test_repaints_are_coalesced_by_the_frame_timer(view: TerminalView, qtbot: QtBot) -> None:
    view.refresh()
    before = view.rows_painted
    for i in range(200):                    # 200 feeds of one row, between two frames
        view.screen.feed(b"\x1b[3;1Hline %d" % i)
    qtbot.waitUntil(lambda: view.rows_painted > before, timeout=1000)
    assert view.rows_painted == before + 1
    assert "line 199" in view.screen.display[2]


@pytest.mark.parametrize(("sgr", "colour"), [
    (b"\x1b[41m", "#cd0000"),               # 16 colours: red
    (b"\x1b[43m", "#cdcd00"),               # yellow ("brown" in pyte)
    (b"\x1b[104m", "#5c5cff"),              # bright blue
    (b"\x1b[48;5;196m", "#ff0000"),         # 256 colours
    (b"\x1b[48;5;244m", "#808080"),         # the grey ramp
    (b"\x1b[48;2;10;20;30m", "#0a141e"),    # 24-bit
    (b"\x1b[7m", "#d4d4d4"),                # reverse: the default foreground
    (b"\x1b[38;2;1;2;3;7m", "#010203"),     # reverse of a 24-bit foreground
])
def test_background_colours(view: TerminalView, sgr: bytes, colour: str) -> None:
    view.screen.feed(b"\x1b[2;1H" + sgr + b"      \x1b[0m")
    view.refresh()
    assert pixel(view, 1, 2).name() == colour
    assert pixel(view, 4, 2).name() == "#1e1e1e"      # the default background elsewhere


def test_foreground_attributes_paint_text(view: TerminalView) -> None:
    """Bold, italic, underline and strikethrough text is painted in its colour."""
    view.screen.feed(b"\x1b[1;31mBOLD\x1b[0m \x1b[3;32mital\x1b[0m \x1b[4;34m    \x1b[0m "
                     b"\x1b[9;38;2;200;100;50mstrike\x1b[0m")
    view.refresh()
    image = view.viewport().grab().toImage()
    f = view.fonts
    dpr = view.devicePixelRatioF()

    def colours(first: int, last: int) -> set[str]:
        found = set()
        for x in range(int(first * f.width * dpr), int((last + 1) * f.width * dpr)):
            for y in range(int(f.height * dpr)):
                found.add(image.pixelColor(x, y).name())
        return found

    def near(colour: str, found: set[str]) -> bool:
        """A pixel of ``colour``, or within a few steps of it: a thin stroke (italic, in
        some fonts) may have no pixel of the colour itself once smoothed."""
        want = QColor(colour)
        return any(max(abs(want.red() - c.red()), abs(want.green() - c.green()),
                       abs(want.blue() - c.blue())) <= 8 for c in map(QColor, found))

    assert "#ff0000" in colours(0, 3)       # bold red is drawn bright, as xterm does
    assert near("#00cd00", colours(5, 8))   # italic green
    assert "#3b78ff" in colours(10, 13)     # underlined blanks: the line is drawn
    assert near("#c86432", colours(15, 20))


def test_wide_characters_take_two_cells(view: TerminalView) -> None:
    view.screen.feed("日本x".encode())
    view.refresh()
    assert view.line_text(0)[:5] == "日\0本\0x"
    view.selection = None
    click(view, center(view, 0, 2))
    mouse(view, QEvent.Type.MouseButtonPress, center(view, 0, 2))
    assert view.selected_text() == "日本x"  # double-click: the word, whole


@pytest.mark.parametrize(("sequence", "filled"), [
    (b"", True),                            # a block fills the cell
    (b"\x1b[6 q", False),                   # a bar leaves its middle
    (b"\x1b[4 q", False),                   # an underline too
])
def test_cursor_shape(view: TerminalView, sequence: bytes, filled: bool) -> None:
    view.setFocus()
    view.screen.feed(b"\x1b[3;5H" + sequence)
    view.refresh()
    assert (pixel(view, 2, 4).name() == "#e5e5e5") == filled


def test_hidden_cursor_is_not_painted(view: TerminalView) -> None:
    view.setFocus()
    view.screen.feed(b"\x1b[3;5H")
    view.refresh()
    assert pixel(view, 2, 4).name() == "#e5e5e5"
    view.screen.feed(b"\x1b[?25l")
    view.refresh()
    assert pixel(view, 2, 4).name() == "#1e1e1e"


# -- keys -----------------------------------------------------------------------------------

def test_keys_go_to_the_program(view: TerminalView, qtbot: QtBot) -> None:
    out = typed(view)
    qtbot.keyClicks(view, "ls")
    qtbot.keyClick(view, K.Key_Up)
    view.screen.feed(b"\x1b[?1h")           # application cursor keys
    qtbot.keyClick(view, K.Key_Up)
    qtbot.keyClick(view, K.Key_C, M.ControlModifier)
    qtbot.keyClick(view, K.Key_Return)
    assert b"".join(out) == b"ls\x1b[A\x1bOA\x03\r"


def test_tab_goes_to_the_program_not_to_the_next_widget(qtbot: QtBot) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    layout = QVBoxLayout(host)
    view = TerminalView(TerminalScreen(5, 20))
    other = QLineEdit()
    layout.addWidget(view)
    layout.addWidget(other)
    host.show()
    qtbot.waitExposed(host)
    host.activateWindow()
    view.setFocus()
    qtbot.waitUntil(view.hasFocus, timeout=2000)
    out = typed(view)
    qtbot.keyClick(view, K.Key_Tab)
    qtbot.keyClick(view, K.Key_Backtab, M.ShiftModifier)
    assert out == [b"\t", b"\x1b[Z"]
    assert view.hasFocus()


# -- scrollback and the mouse ----------------------------------------------------------------

def fill(view: TerminalView, lines: int) -> None:
    view.screen.feed(b"".join(b"line %d\r\n" % i for i in range(lines)))
    view.refresh()


def test_wheel_scrolls_the_history(view: TerminalView) -> None:
    out = typed(view)
    fill(view, 100)
    wheel(view, 1)
    assert view.scrolled == 3
    assert out == []
    painted = view.rows_painted
    view.refresh()
    assert view.rows_painted == painted     # scrolling painted once, at the scroll
    assert view.verticalScrollBar().value() == view.screen.history_size - 3
    wheel(view, -2)
    assert view.scrolled == 0


def test_wheel_is_reported_when_the_program_asks(view: TerminalView) -> None:
    fill(view, 100)
    view.screen.feed(b"\x1b[?1000h\x1b[?1006h")
    out = typed(view)
    wheel(view, 1)
    wheel(view, -1)
    assert out == [b"\x1b[<64;4;3M", b"\x1b[<65;4;3M"]
    assert view.scrolled == 0
    wheel(view, 1, M.ShiftModifier)         # Shift: the history, as in xterm
    assert view.scrolled == 3


def test_wheel_in_the_alternate_screen_sends_arrows(view: TerminalView) -> None:
    view.screen.feed(b"\x1b[?1049h")
    out = typed(view)
    wheel(view, -1)
    assert out == [b"\x1b[B" * 3]


def test_shift_page_up_and_new_output(view: TerminalView, qtbot: QtBot) -> None:
    fill(view, 100)
    qtbot.keyClick(view, K.Key_PageUp, M.ShiftModifier)
    assert view.scrolled == 9
    qtbot.keyClick(view, K.Key_PageDown, M.ShiftModifier)
    assert view.scrolled == 0
    qtbot.keyClick(view, K.Key_PageUp, M.ShiftModifier)
    view.screen.feed(b"more\r\n")
    view.refresh()
    assert view.scrolled == 0               # new output: back to the bottom


def test_mouse_reports_press_drag_and_release(view: TerminalView) -> None:
    view.screen.feed(b"\x1b[?1002h\x1b[?1006h")
    out = typed(view)
    mouse(view, QEvent.Type.MouseButtonPress, center(view, 1, 2))
    mouse(view, QEvent.Type.MouseMove, center(view, 1, 5))
    mouse(view, QEvent.Type.MouseButtonRelease, center(view, 1, 5))
    mouse(view, QEvent.Type.MouseButtonPress, center(view, 0, 0), B.RightButton,
          M.ControlModifier)
    assert out == [b"\x1b[<0;3;2M", b"\x1b[<32;6;2M", b"\x1b[<0;6;2m", b"\x1b[<18;1;1M"]
    assert view.selection is None


def test_mouse_reports_without_sgr_use_the_old_form(view: TerminalView) -> None:
    view.screen.feed(b"\x1b[?1000h")
    out = typed(view)
    click(view, center(view, 1, 2))
    assert out == [b"\x1b[M" + bytes([32, 35, 34]), b"\x1b[M" + bytes([35, 35, 34])]


# -- selection, copy and paste --------------------------------------------------------------

def test_drag_selects_across_the_scrollback(view: TerminalView, qtbot: QtBot) -> None:
    fill(view, 30)                          # lines 0..20 scrolled off, 21..29 on screen
    view.scroll_lines(2)
    mouse(view, QEvent.Type.MouseButtonPress, center(view, 0, 2))
    mouse(view, QEvent.Type.MouseMove, center(view, 3, 4))
    mouse(view, QEvent.Type.MouseButtonRelease, center(view, 3, 4))
    assert view.selected_text() == "ne 19\nline 20\nline 21\nline"
    qtbot.keyClick(view, K.Key_C, M.ControlModifier | M.ShiftModifier)
    assert QGuiApplication.clipboard().text() == "ne 19\nline 20\nline 21\nline"


def test_double_click_selects_a_word_and_triple_a_line(view: TerminalView) -> None:
    view.screen.feed(b"cat /etc/hosts  | grep local")
    view.refresh()
    at = center(view, 0, 7)
    click(view, at)
    mouse(view, QEvent.Type.MouseButtonPress, at)
    assert view.selected_text() == "/etc/hosts"
    mouse(view, QEvent.Type.MouseButtonRelease, at)
    mouse(view, QEvent.Type.MouseButtonPress, at)
    assert view.selected_text() == "cat /etc/hosts  | grep local"


def test_copy_with_nothing_selected_keeps_the_clipboard(view: TerminalView,
                                                        qtbot: QtBot) -> None:
    QGuiApplication.clipboard().setText("kept")
    qtbot.keyClick(view, K.Key_C, M.ControlModifier | M.ShiftModifier)
    assert QGuiApplication.clipboard().text() == "kept"


def test_paste_and_bracketed_paste(view: TerminalView, qtbot: QtBot) -> None:
    out = typed(view)
    QGuiApplication.clipboard().setText("echo one\necho two")
    qtbot.keyClick(view, K.Key_V, M.ControlModifier | M.ShiftModifier)
    view.screen.feed(b"\x1b[?2004h")
    QGuiApplication.clipboard().setText("evil\x1b[201~rm -rf\r\n")
    qtbot.keyClick(view, K.Key_V, M.ControlModifier | M.ShiftModifier)
    assert out == [b"echo one\recho two",
                   b"\x1b[200~evil" + b"rm -rf\r" + b"\x1b[201~"]


def test_middle_click_pastes(view: TerminalView) -> None:
    out = typed(view)
    clipboard = QGuiApplication.clipboard()
    mode = clipboard.Mode.Selection if clipboard.supportsSelection() else clipboard.Mode.Clipboard
    clipboard.setText("from the selection", mode)
    click(view, center(view, 0, 0), B.MiddleButton)
    assert out == [b"from the selection"]


# -- size and zoom ------------------------------------------------------------------------------

def test_a_burst_of_resizes_is_told_once(view: TerminalView, qtbot: QtBot) -> None:
    qtbot.wait(RESIZE_DEBOUNCE_MS * 2)      # the size told when shown
    sizes: list[tuple[int, int]] = []
    view.resized.connect(lambda rows, cols: sizes.append((rows, cols)))
    for width in range(300, 700, 20):
        view.resize(width, 200 + width // 4)
        qtbot.wait(5)
    qtbot.wait(RESIZE_DEBOUNCE_MS * 3)
    assert sizes == [view.grid_size()]
    view.resize(view.size())                # the same size: nothing to tell
    qtbot.wait(RESIZE_DEBOUNCE_MS * 2)
    assert len(sizes) == 1


def test_zoom(view: TerminalView, qtbot: QtBot) -> None:
    qtbot.wait(RESIZE_DEBOUNCE_MS * 2)
    base, grid = view.fonts.size, view.grid_size()
    sizes: list[tuple[int, int]] = []
    view.resized.connect(lambda rows, cols: sizes.append((rows, cols)))
    qtbot.keyClick(view, K.Key_Equal, M.ControlModifier)
    qtbot.keyClick(view, K.Key_Equal, M.ControlModifier)
    assert view.fonts.size == base + 2
    qtbot.waitUntil(lambda: len(sizes) == 1, timeout=2000)
    assert sizes[0][1] < grid[1]            # bigger cells: fewer columns
    qtbot.keyClick(view, K.Key_Minus, M.ControlModifier)
    assert view.fonts.size == base + 1
    qtbot.keyClick(view, K.Key_0, M.ControlModifier)
    assert view.fonts.size == base
    for _ in range(100):
        view.zoom(-1)
    assert view.fonts.size == 6             # bounded
