"""The terminal's screen: a VT/xterm emulator over ``pyte``, fed bytes (SPEC 6.2).

``pyte`` parses the escape sequences and keeps the cells with their attributes. What it lacks,
and what this module adds around it:

- an incremental UTF-8 decoder, so that a character split across two frames survives and
  bad bytes become U+FFFD;
- a scrollback of the lines scrolled off the top of the main screen (``pyte``'s own
  ``HistoryScreen`` pages instead, and keeps what scrolls off the alternate screen too);
- the alternate screen (private modes 47, 1047 and 1049), which full-screen programs use;
- the modes the window needs to know (application cursor keys, bracketed paste, mouse
  reporting) and the cursor's shape (DECSCUSR);
- the answers owed to the host for device-status and device-attribute queries;
- resizing that keeps the cursor's line in view, the lines above it going to the scrollback.

The window paints from :meth:`TerminalScreen.row` and :meth:`TerminalScreen.history_row`,
repainting only the rows :meth:`TerminalScreen.take_dirty` names.
"""

from __future__ import annotations

import codecs
from collections import defaultdict, deque
from enum import StrEnum
from typing import Any

import pyte
from pyte import modes
from pyte.screens import Char, StaticDefaultDict

__all__ = ["Cell", "CursorShape", "Line", "MouseMode", "TerminalScreen"]

#: One cell: ``data`` (the character; ``""`` for the second cell of a wide character), ``fg``
#: and ``bg`` (``"default"``, a colour name such as ``"red"`` or ``"brightblue"`` (``pyte``
#: calls yellow ``"brown"``), or ``"rrggbb"`` for 256 and 24-bit colours), ``bold``,
#: ``italics``, ``underscore``, ``strikethrough``, ``reverse`` and ``blink``.
Cell = Char
#: A row of cells by column; a column never written reads as a blank cell.
Line = StaticDefaultDict[int, Char]

# Private modes, as pyte stores them (shifted left by 5 to tell them from ANSI modes).
_APP_CURSOR = 1 << 5
_MOUSE_X10 = 9 << 5
_MOUSE_NORMAL = 1000 << 5
_MOUSE_BUTTON = 1002 << 5
_MOUSE_ANY = 1003 << 5
_MOUSE_SGR = 1006 << 5
_BRACKETED_PASTE = 2004 << 5
_ALT_PLAIN = (47 << 5, 1047 << 5)
_ALT_WITH_CURSOR = 1049 << 5
_SAVE_CURSOR = 1048 << 5


class CursorShape(StrEnum):
    """The cursor's shape, as a program asks for it with ``CSI Ps SP q``."""

    BLOCK = "block"
    UNDERLINE = "underline"
    BAR = "bar"


class MouseMode(StrEnum):
    """Which mouse events the program asked to be told of (none: the wheel scrolls)."""

    NONE = "none"
    #: Presses only (X10, 9).
    PRESS = "press"
    #: Presses and releases (1000).
    CLICK = "click"
    #: Also motion while a button is held (1002).
    DRAG = "drag"
    #: Also any motion (1003).
    MOTION = "motion"


class _Stream(pyte.Stream):
    """``pyte``'s parser, also dispatching DECSCUSR (``CSI Ps SP q``) and the keypad modes,
    telling the screen which marker a control sequence had, and never failing a feed.

    pyte drops a ``>`` or ``=`` after ``CSI`` and dispatches what follows as if it were not
    there: ``CSI > 4 ; 2 m`` (xterm's modifyOtherKeys, which vim sends) would turn on
    underline, and ``CSI > c`` (secondary device attributes) would be answered as the primary
    query. The stream notes the marker for the screen (``_Screen.marker``), which ignores or
    answers such sequences itself. A sequence pyte's screen cannot take (``CSI ? ... m`` raised
    TypeError inside pyte) is counted in ``_Screen.parse_errors`` and skipped: the parser has
    reset itself, and the rest of the output goes on.
    """

    def __init__(self, screen: _Screen) -> None:
        self.csi = {**pyte.Stream.csi, "q": "set_cursor_style"}
        self.escape = {**pyte.Stream.escape, "=": "keypad_application", ">": "keypad_numeric"}
        self._screen = screen
        self._last = ""
        super().__init__(screen)

    def _send_to_parser(self, data: str) -> bool | None:
        screen, last = self._screen, self._last
        opens = last in ("[", "\x9b") and data in "<=>"
        if opens:
            screen.marker = data
        self._last = data
        try:
            return super()._send_to_parser(data)
        except Exception as exc:  # pyte reset its parser; skip the sequence, go on
            screen.parse_errors += 1
            screen.last_parse_error = f"{type(exc).__name__}: {exc}"
            return self._taking_plain_text
        finally:
            # A final byte ends the sequence: the screen has read the marker by now.
            if screen.marker and not opens and "@" <= data <= "~":
                screen.marker = ""


#: A scrollback line: its blank cell, the columns written, and their cells (as plain tuples).
_Kept = tuple[tuple[Any, ...], tuple[int, ...], tuple[tuple[Any, ...], ...]]


def _line(kept: _Kept) -> Line:
    blank, columns, cells = kept
    line = StaticDefaultDict[int, Char](Char(*blank))
    line.update(zip(columns, [Char(*cell) for cell in cells], strict=True))
    return line


class _Screen(pyte.Screen):
    """``pyte.Screen`` with a scrollback, the alternate screen and answers to the host."""

    def __init__(self, columns: int, lines: int, scrollback: int) -> None:
        #: The marker of the control sequence being dispatched (">", "=", "<" or "").
        self.marker = ""
        #: Sequences pyte could not take (skipped), and the last one's error.
        self.parse_errors = 0
        self.last_parse_error = ""
        self.history: deque[_Kept] = deque(maxlen=max(0, scrollback))
        self.saved_main: dict[int, Line] | None = None
        self.answers: list[str] = []
        self.cursor_shape = CursorShape.BLOCK
        self.cursor_blinks = True
        self.keypad_app = False
        #: Bumped when the scrollback changes (a line added or the scrollback cleared).
        self.history_generation = 0
        super().__init__(columns, lines)

    # --- drawing ------------------------------------------------------------------------------

    def draw(self, data: str) -> None:
        # pyte's draw, for the common case of printable ASCII with wrapping on: the same cells,
        # made without pyte's per-character ``_replace`` and ``wcwidth`` calls (three Python
        # calls a character, half of all feeding time). Anything else goes to pyte's own.
        text = data.translate(self.g1_charset if self.charset else self.g0_charset)
        if not (text.isascii() and text.isprintable()) or modes.IRM in self.mode \
                or modes.DECAWM not in self.mode:
            super().draw(data)
            return
        rest = tuple(self.cursor.attrs)[1:]
        make = tuple.__new__
        cursor, columns, buffer, dirty = self.cursor, self.columns, self.buffer, self.dirty
        start, end = 0, len(text)
        while start < end:
            if cursor.x >= columns:
                dirty.add(cursor.y)
                self.carriage_return()
                self.linefeed()
            x = cursor.x
            line = buffer[cursor.y]
            take = min(end - start, columns - x)
            for offset, char in enumerate(text[start:start + take], x):
                line[offset] = make(Char, (char, *rest))
            cursor.x = x + take
            start += take
        dirty.add(cursor.y)

    # --- host answers -----------------------------------------------------------------------

    def write_process_input(self, data: str) -> None:
        self.answers.append(data)

    def report_device_attributes(self, mode: int = 0, **kwargs: bool) -> None:
        # pyte answers as a VT102; programs choose features by what a terminal says it is:
        # answer as xterm does (a VT220 with colours and the usual extensions). The secondary
        # query (CSI > c) is answered as a VT220 of a low version, so that programs (vim) do
        # not go on to xterm-only queries this screen cannot answer.
        if mode != 0 or kwargs.get("private"):
            return
        if self.marker == ">":
            self.write_process_input("\x1b[>1;10;0c")
        elif not self.marker:
            self.write_process_input("\x1b[?62;22c")

    def select_graphic_rendition(self, *attrs: int, **kwargs: Any) -> None:
        # CSI > ... m (modifyOtherKeys) and CSI ? ... m are not colours: ignored.
        if kwargs.get("private") or self.marker:
            return
        super().select_graphic_rendition(*attrs)

    # --- scrollback ---------------------------------------------------------------------------

    def _scrolls_into_history(self) -> bool:
        top = self.margins.top if self.margins else 0
        return self.saved_main is None and top == 0 and self.history.maxlen != 0

    def _keep(self, line: Line) -> None:
        # Kept as plain tuples, not as the line's dict of cells: the garbage collector stops
        # visiting a plain tuple of immutable values after its first look, while a cell (a
        # named tuple) and a dict are walked again at every full collection; with ten thousand
        # lines kept that was a third of the feeding time (measured).
        self.history.append((tuple(line.default), tuple(line), tuple(map(tuple, line.values()))))
        self.history_generation += 1

    def index(self) -> None:
        bottom = self.margins.bottom if self.margins else self.lines - 1
        if self.cursor.y == bottom and self._scrolls_into_history():
            self._keep(self.buffer[0])
        super().index()

    def erase_in_display(self, how: int = 0, *args: Any, **kwargs: Any) -> None:
        super().erase_in_display(how, *args, **kwargs)
        if how == 3 and self.history:  # xterm: ED 3 also clears the scrollback
            self.history.clear()
            self.history_generation += 1

    # --- modes --------------------------------------------------------------------------------

    def set_mode(self, *modes_: int, **kwargs: Any) -> None:
        shifted = {m << 5 for m in modes_} if kwargs.get("private") else set(modes_)
        if kwargs.get("private"):
            if _ALT_WITH_CURSOR in shifted or _SAVE_CURSOR in shifted:
                self.save_cursor()
            if shifted & {_ALT_WITH_CURSOR, *_ALT_PLAIN}:
                self._enter_alternate(clear=_ALT_WITH_CURSOR in shifted or 1047 << 5 in shifted)
        super().set_mode(*modes_, **kwargs)

    def reset_mode(self, *modes_: int, **kwargs: Any) -> None:
        shifted = {m << 5 for m in modes_} if kwargs.get("private") else set(modes_)
        super().reset_mode(*modes_, **kwargs)
        if kwargs.get("private"):
            if shifted & {_ALT_WITH_CURSOR, *_ALT_PLAIN}:
                self._leave_alternate()
            if _ALT_WITH_CURSOR in shifted or _SAVE_CURSOR in shifted:
                self.restore_cursor()

    def _fresh_buffer(self) -> defaultdict[int, Line]:
        return defaultdict(lambda: StaticDefaultDict[int, Char](self.default_char))

    def _enter_alternate(self, *, clear: bool) -> None:
        if self.saved_main is None:
            self.saved_main = self.buffer
            self.buffer = self._fresh_buffer()
        elif clear:
            self.buffer.clear()
        self.dirty.update(range(self.lines))

    def _leave_alternate(self) -> None:
        if self.saved_main is not None:
            main, self.saved_main = self.saved_main, None
            self.buffer = self._fresh_buffer()
            self.buffer.update(main)
            self.dirty.update(range(self.lines))

    def set_cursor_style(self, *params: int, **_: Any) -> None:
        style = params[0] if params else 0
        self.cursor_blinks = style in (0, 1, 3, 5)
        self.cursor_shape = (CursorShape.UNDERLINE if style in (3, 4)
                             else CursorShape.BAR if style in (5, 6) else CursorShape.BLOCK)

    def keypad_application(self) -> None:
        self.keypad_app = True

    def keypad_numeric(self) -> None:
        self.keypad_app = False

    def reset(self) -> None:
        self.saved_main = None
        self.cursor_shape, self.cursor_blinks, self.keypad_app = CursorShape.BLOCK, True, False
        super().reset()

    # --- size ---------------------------------------------------------------------------------

    def resize(self, lines: int | None = None, columns: int | None = None) -> None:
        lines, columns = lines or self.lines, columns or self.columns
        if (lines, columns) == (self.lines, self.columns):
            return
        if lines < self.lines:
            # Keep the cursor's line in view: the lines above it that no longer fit scroll
            # off the top (into the scrollback on the main screen); those below it are cut.
            up = max(0, self.cursor.y - (lines - 1))
            self._drop_top(self.buffer, up, keep=self.saved_main is None)
            self.cursor.y -= up
            if self.saved_main is not None:
                # The main screen's cursor waits in the save stack (1049).
                saved = self.savepoints[-1].cursor if self.savepoints else None
                main_up = max(0, (saved.y if saved else 0) - (lines - 1))
                self._drop_top(self.saved_main, main_up, keep=True)
                if saved is not None:
                    saved.y -= main_up
            for buffer in (self.buffer, self.saved_main or {}):
                for y in [y for y in buffer if y >= lines]:
                    del buffer[y]
        if columns < self.columns:
            for buffer in (self.buffer, self.saved_main or {}):
                for line in buffer.values():
                    for x in [x for x in line if x >= columns]:
                        del line[x]
        self.lines, self.columns = lines, columns
        self.tabstops = set(range(8, columns, 8))
        self.margins = None
        self.cursor.x = min(self.cursor.x, columns - 1)
        self.dirty.update(range(lines))

    def _drop_top(self, buffer: dict[int, Line], count: int, *, keep: bool) -> None:
        if not count:
            return
        rows = sorted(buffer)
        moved = {y - count: buffer[y] for y in rows if y >= count}
        if keep and self.history.maxlen != 0:
            for y in range(count):
                self._keep(buffer.get(y) or StaticDefaultDict[int, Char](self.default_char))
        for y in rows:
            del buffer[y]
        buffer.update(moved)


def _text(line: Line, columns: int) -> str:
    # The second cell of a wide character holds "": the text is as wide as the cells.
    return "".join([line[x].data for x in range(columns)])


class TerminalScreen:
    """A terminal's screen, fed the bytes a program writes (SPEC 6.2).

    ``rows`` and ``cols`` are its size; ``scrollback`` caps :attr:`history` (0 keeps none).
    """

    def __init__(self, rows: int = 24, cols: int = 80, scrollback: int = 10_000) -> None:
        if rows < 1 or cols < 1:
            raise ValueError(f"a terminal needs at least one row and one column, not {rows}x{cols}")
        self._screen = _Screen(cols, rows, scrollback)
        self._stream = _Stream(self._screen)
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._protocol_title = ""
        self._title_source = ""
        #: Bumped on every feed, resize or title change: the window repaints when it moved.
        self.generation = 0

    # --- feeding ------------------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        """Apply output of the program (any split: an unfinished character is held)."""
        if not data:
            return
        self._feed_text(self._decoder.decode(data))

    def feed_text(self, text: str) -> None:
        """Apply output already decoded (a protocol that carries text)."""
        if text:
            self._feed_text(text)

    def _feed_text(self, text: str) -> None:
        before = self._screen.title
        self._stream.feed(text)
        self.generation += 1
        if self._screen.title != before:
            self._title_source = "screen"

    def resize(self, rows: int, cols: int) -> None:
        """Change the size (the server is told by the connection, not here)."""
        if rows < 1 or cols < 1:
            raise ValueError(f"a terminal needs at least one row and one column, not {rows}x{cols}")
        self._screen.resize(rows, cols)
        self.generation += 1

    def set_title(self, text: str) -> None:
        """A title the protocol sent (ttyd); the newest title wins, from either source."""
        self._protocol_title = text
        self._title_source = "protocol"
        self.generation += 1

    def answers(self) -> bytes:
        """What the terminal owes the host (replies to status and attribute queries), to be
        sent as input; each answer is given once."""
        if not self._screen.answers:
            return b""
        text = "".join(self._screen.answers)
        self._screen.answers.clear()
        return text.encode()

    # --- what is shown ------------------------------------------------------------------------

    @property
    def rows(self) -> int:
        return int(self._screen.lines)

    @property
    def cols(self) -> int:
        return int(self._screen.columns)

    @property
    def display(self) -> list[str]:
        """The visible lines, one per row, each as wide as the screen in cells."""
        screen = self._screen
        return [_text(screen.buffer[y], screen.columns) for y in range(screen.lines)]

    @property
    def cursor(self) -> tuple[int, int]:
        """``(row, col)``, 0-based (col may equal ``cols`` after the last column is written)."""
        return int(self._screen.cursor.y), int(self._screen.cursor.x)

    @property
    def title(self) -> str:
        """The most recent title, from OSC 0/2 or from the protocol."""
        if self._title_source == "protocol":
            return self._protocol_title
        return str(self._screen.title)

    @property
    def history(self) -> list[str]:
        """The lines scrolled off the top of the main screen, oldest first (capped)."""
        columns = self._screen.columns
        return [_text(_line(kept), columns) for kept in self._screen.history]

    @property
    def history_size(self) -> int:
        return len(self._screen.history)

    @property
    def history_generation(self) -> int:
        """Changes whenever the scrollback does (a line added, or cleared)."""
        return int(self._screen.history_generation)

    @property
    def in_alternate_screen(self) -> bool:
        return self._screen.saved_main is not None

    def row(self, y: int) -> Line:
        """The cells of visible row ``y`` (read-only: do not change them)."""
        return self._screen.buffer[y]

    def history_row(self, index: int) -> Line:
        """The cells of scrollback line ``index`` (0 is the oldest)."""
        return _line(self._screen.history[index])

    def cell(self, y: int, x: int) -> Cell:
        """The cell at visible row ``y``, column ``x``."""
        return self._screen.buffer[y][x]

    def take_dirty(self) -> set[int]:
        """The visible rows changed since the last call (then forgotten)."""
        dirty = {y for y in self._screen.dirty if 0 <= y < self._screen.lines}
        self._screen.dirty.clear()
        return dirty

    # --- what the program asked for -----------------------------------------------------------

    @property
    def cursor_visible(self) -> bool:
        return not self._screen.cursor.hidden

    @property
    def cursor_shape(self) -> CursorShape:
        return self._screen.cursor_shape

    @property
    def cursor_blinks(self) -> bool:
        return bool(self._screen.cursor_blinks)

    @property
    def application_cursor_keys(self) -> bool:
        """DECCKM: arrows send ``ESC O A`` instead of ``ESC [ A``."""
        return _APP_CURSOR in self._screen.mode

    @property
    def application_keypad(self) -> bool:
        return bool(self._screen.keypad_app)

    @property
    def bracketed_paste(self) -> bool:
        return _BRACKETED_PASTE in self._screen.mode

    @property
    def mouse_mode(self) -> MouseMode:
        mode = self._screen.mode
        if _MOUSE_ANY in mode:
            return MouseMode.MOTION
        if _MOUSE_BUTTON in mode:
            return MouseMode.DRAG
        if _MOUSE_NORMAL in mode:
            return MouseMode.CLICK
        if _MOUSE_X10 in mode:
            return MouseMode.PRESS
        return MouseMode.NONE

    @property
    def mouse_sgr(self) -> bool:
        """Mouse events are reported in SGR form (``CSI < b ; x ; y M``)."""
        return _MOUSE_SGR in self._screen.mode

    @property
    def reverse_video(self) -> bool:
        return modes.DECSCNM in self._screen.mode
