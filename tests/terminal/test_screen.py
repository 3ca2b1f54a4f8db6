"""The terminal screen (SPEC 6.2): fed whole and byte by byte, so that characters and escape
sequences are split everywhere; the parts ``pyte`` lacks (scrollback, the alternate screen,
answers, cursor shape, modes, resizing) checked one by one."""

from __future__ import annotations

import itertools

import pyte
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.terminal.screen import CursorShape, MouseMode, TerminalScreen

#: Output of the kinds real programs write: text in several scripts, colours of every depth,
#: cursor addressing, erasing, a title, wide characters, an alternate-screen round trip.
MIXED = (
    "plain line\r\n"
    "\x1b[1;31mbold red\x1b[0m \x1b[38;5;208m256\x1b[0m \x1b[38;2;10;200;30mtrue\x1b[0m\r\n"
    "\x1b]0;the title\x07"
    "wide: 漢字 and 🙂, accents: é ß\r\n"
    "\x1b[5;10Hplaced\x1b[K\x1b[2;1H\x1b[3mitalic\x1b[23m \x1b[4munder\x1b[24m \x1b[7mrev\x1b[27m"
    "\x1b[?1049h\x1b[H\x1b[2Jfull screen\x1b[?1049l"
    "\x1b[10;1Hafter"
).encode()


def feed_bytewise(screen: TerminalScreen, data: bytes) -> None:
    for i in range(len(data)):
        screen.feed(data[i:i + 1])


def test_the_same_screen_whole_or_byte_by_byte() -> None:
    whole, split = TerminalScreen(12, 40), TerminalScreen(12, 40)
    whole.feed(MIXED)
    feed_bytewise(split, MIXED)
    assert split.display == whole.display
    assert split.cursor == whole.cursor
    assert split.title == whole.title == "the title"
    assert [[split.cell(y, x) for x in range(40)] for y in range(12)] == \
        [[whole.cell(y, x) for x in range(40)] for y in range(12)]


@settings(max_examples=50, deadline=None)
@given(cuts=st.lists(st.integers(0, len(MIXED)), max_size=12))
def test_any_split_gives_the_same_screen(cuts: list[int]) -> None:
    whole, split = TerminalScreen(12, 40), TerminalScreen(12, 40)
    whole.feed(MIXED)
    bounds = [0, *sorted(cuts), len(MIXED)]
    for start, end in itertools.pairwise(bounds):
        split.feed(MIXED[start:end])
    assert split.display == whole.display


def test_the_display_is_padded_to_the_width_in_cells() -> None:
    screen = TerminalScreen(3, 10)
    screen.feed("漢字ab".encode())
    assert screen.display[0] == "漢字ab    "
    assert screen.cell(0, 0).data == "漢" and screen.cell(0, 1).data == ""
    assert screen.cursor == (0, 6)
    assert screen.display[1:] == [" " * 10] * 2


def test_bad_bytes_become_replacement_characters() -> None:
    screen = TerminalScreen(2, 10)
    screen.feed(b"a\xff\xfeb\xe2\x82")  # the last two bytes start a character never finished
    screen.feed(b"c")
    assert screen.display[0].rstrip() == "a\ufffd\ufffdb\ufffdc"


def test_colours_and_attributes_are_kept_per_cell() -> None:
    screen = TerminalScreen(2, 40)
    screen.feed(b"\x1b[1;3;4;7;31;42mA\x1b[0m\x1b[38;5;208mB\x1b[48;2;1;2;3mC\x1b[0m\x1b[93mD")
    a, b, c, d = (screen.cell(0, x) for x in range(4))
    assert (a.fg, a.bg, a.bold, a.italics, a.underscore, a.reverse) == \
        ("red", "green", True, True, True, True)
    assert b.fg == "ff8700" and not b.bold  # colour 208 of the 256
    assert c.bg == "010203" and c.fg == "ff8700"
    assert d.fg == "brightbrown"  # pyte's name for bright yellow


def test_lines_scrolled_off_the_top_go_to_the_history() -> None:
    screen = TerminalScreen(3, 10, scrollback=5)
    screen.feed(b"".join(b"line %d\r\n" % i for i in range(10)))
    assert screen.history == [f"line {i}".ljust(10) for i in range(3, 8)]  # capped at 5
    assert screen.display == ["line 8    ", "line 9    ", " " * 10]
    screen.feed(b"\x1b[3J")
    assert screen.history == []


def test_no_scrollback_keeps_nothing() -> None:
    screen = TerminalScreen(2, 5, scrollback=0)
    screen.feed(b"a\r\nb\r\nc\r\n")
    assert screen.history == []


def test_a_scrolling_region_below_the_top_does_not_feed_the_history() -> None:
    screen = TerminalScreen(5, 10)
    screen.feed(b"\x1b[2;5r\x1b[5;1H" + b"x\r\n" * 8)
    assert screen.history == []


def test_the_alternate_screen_comes_and_goes_and_keeps_the_main_one() -> None:
    screen = TerminalScreen(4, 20)
    screen.feed(b"prompt $ less file\r\n")
    cursor = screen.cursor
    screen.feed(b"\x1b[?1049h\x1b[H\x1b[2J")
    assert screen.in_alternate_screen
    screen.feed(b"".join(b"page %d\r\n" % i for i in range(10)))
    assert screen.history == []  # what scrolls off the alternate screen is not kept
    screen.feed(b"\x1b[?1049l")
    assert not screen.in_alternate_screen
    assert screen.display[0] == "prompt $ less file".ljust(20)
    assert screen.cursor == cursor


@pytest.mark.parametrize("mode", [47, 1047])
def test_the_older_alternate_screen_modes(mode: int) -> None:
    screen = TerminalScreen(3, 10)
    screen.feed(b"main")
    screen.feed(b"\x1b[?%dhalt" % mode)
    assert screen.in_alternate_screen and "main" not in screen.display[0]
    screen.feed(b"\x1b[?%dl" % mode)
    assert screen.display[0].startswith("main") and not screen.in_alternate_screen


def test_answers_to_device_queries_are_owed_once() -> None:
    screen = TerminalScreen(5, 20)
    screen.feed(b"ab\x1b[6n")
    assert screen.answers() == b"\x1b[1;3R"
    assert screen.answers() == b""
    screen.feed(b"\x1b[5n\x1b[c")
    assert screen.answers() == b"\x1b[0n\x1b[?62;22c"


def test_the_title_is_the_newest_from_either_source() -> None:
    screen = TerminalScreen()
    screen.feed(b"\x1b]2;from osc\x1b\\")
    assert screen.title == "from osc"
    screen.set_title("from ttyd")
    assert screen.title == "from ttyd"
    screen.feed(b"\x1b]0;again\x07")
    assert screen.title == "again"


def test_cursor_visibility_and_shape_follow_the_program() -> None:
    screen = TerminalScreen()
    assert screen.cursor_visible and screen.cursor_shape is CursorShape.BLOCK
    screen.feed(b"\x1b[?25l\x1b[6 q")
    assert not screen.cursor_visible
    assert (screen.cursor_shape, screen.cursor_blinks) == (CursorShape.BAR, False)
    screen.feed(b"\x1b[?25h\x1b[3 q")
    assert screen.cursor_visible
    assert (screen.cursor_shape, screen.cursor_blinks) == (CursorShape.UNDERLINE, True)


def test_the_modes_the_keyboard_and_mouse_need() -> None:
    screen = TerminalScreen()
    assert not screen.application_cursor_keys and not screen.bracketed_paste
    assert screen.mouse_mode is MouseMode.NONE and not screen.mouse_sgr
    screen.feed(b"\x1b[?1h\x1b=\x1b[?2004h\x1b[?1002h\x1b[?1006h")
    assert screen.application_cursor_keys and screen.application_keypad
    assert screen.bracketed_paste
    assert screen.mouse_mode is MouseMode.DRAG and screen.mouse_sgr
    screen.feed(b"\x1b[?1l\x1b>\x1b[?2004l\x1b[?1002l\x1b[?1006l")
    assert not (screen.application_cursor_keys or screen.application_keypad
                or screen.bracketed_paste or screen.mouse_sgr)
    assert screen.mouse_mode is MouseMode.NONE


def test_shrinking_keeps_the_cursor_line_in_view() -> None:
    screen = TerminalScreen(6, 20)
    screen.feed(b"one\r\ntwo\r\nthree\r\nfour\r\n$ ")
    screen.resize(3, 10)
    assert screen.display == ["three     ", "four      ", "$         "]
    assert screen.cursor == (2, 2)
    assert [line.rstrip() for line in screen.history] == ["one", "two"]
    screen.resize(5, 30)
    assert screen.display[:3] == [row.ljust(30) for row in ("three", "four", "$")]
    assert (screen.rows, screen.cols) == (5, 30)


def test_shrinking_with_the_cursor_at_the_top_cuts_below() -> None:
    screen = TerminalScreen(6, 10)
    screen.feed(b"top\x1b[6;1Hbottom\x1b[1;4H")
    screen.resize(3, 10)
    assert screen.display[0].startswith("top") and screen.history == []


def test_resizing_in_the_alternate_screen_and_back() -> None:
    screen = TerminalScreen(6, 20)
    screen.feed(b"a\r\nb\r\nc\r\nd\r\ne\r\nf\x1b[?1049h\x1b[Hvim")
    screen.resize(3, 8)
    screen.feed(b"\x1b[?1049l")
    assert screen.display == ["d       ", "e       ", "f       "]


def test_dirty_rows_are_taken_once() -> None:
    screen = TerminalScreen(5, 10)
    screen.take_dirty()
    screen.feed(b"\x1b[3;1Hx")
    assert screen.take_dirty() == {2}
    assert screen.take_dirty() == set()


def test_a_size_of_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one row"):
        TerminalScreen(0, 80)
    with pytest.raises(ValueError, match="at least one row"):
        TerminalScreen().resize(24, 0)


def test_cells_match_plain_pyte_for_what_pyte_does() -> None:
    # The screen adds to pyte; what pyte already does comes out the same.
    data = MIXED.replace(b"\x1b[?1049h\x1b[H\x1b[2Jfull screen\x1b[?1049l", b"")
    ours = TerminalScreen(12, 40)
    ours.feed(data)
    theirs = pyte.Screen(40, 12)
    pyte.ByteStream(theirs).feed(data)
    assert ours.display == theirs.display


_PIECES = st.sampled_from([
    "abc", "x" * 37, "Hello, world! ~{}[]", " ", "\r\n", "\r", "\n", "\b", "\t", "é", "漢字",
    "\x1b[31m", "\x1b[1;4;48;5;200m", "\x1b[38;2;1;2;3m", "\x1b[0m", "\x1b[7m",
    "\x1b[H", "\x1b[3;7H", "\x1b[K", "\x1b[2J", "\x1b[4h", "\x1b[4l", "\x1b[?7l", "\x1b[?7h",
    "\x1b(0", "\x1b(B", "lqqk", "\x0e", "\x0f", "\x7f", "\x1b[2@", "\x1b[3P",
])


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(_PIECES, max_size=40), width=st.integers(1, 12))
def test_drawing_gives_the_cells_pyte_gives(pieces: list[str], width: int) -> None:
    # The screen draws plain ASCII itself (faster than pyte's draw): the cells must be pyte's,
    # whatever the modes (insert, no wrap, line-drawing charset) and wherever the cursor is.
    data = "".join(pieces).encode()
    ours = TerminalScreen(4, width, scrollback=0)
    ours.feed(data)
    theirs = pyte.Screen(width, 4)
    try:
        pyte.ByteStream(theirs).feed(data)
    except Exception:
        assume(False)  # pyte itself fails here (a wide character with wrapping off); ours goes on
    # Cells, not pyte's display: it skips the cell after a wide character even when that
    # cell was written over since (and can fail on it).
    assert ours.cursor == (theirs.cursor.y, theirs.cursor.x)
    for y in range(4):
        for x in range(width):
            assert ours.cell(y, x) == theirs.buffer[y][x], (y, x)


def test_marked_sequences_are_not_taken_for_plain_ones() -> None:
    # vim sends CSI > 4 ; 2 m (modifyOtherKeys): not underline. CSI > c asks the secondary
    # device attributes, answered as such (pyte drops the marker and took both for others).
    screen = TerminalScreen(2, 20)
    screen.feed(b"\x1b[>4;2mplain\x1b[>c\x1b[c")
    assert not screen.cell(0, 0).underscore
    assert screen.answers() == b"\x1b[>1;10;0c\x1b[?62;22c"


@pytest.mark.parametrize("sequence", [b"\x1b[?4m", b"\x1b[?3A", b"\x1b[?2C", b"\x1b[?1;2H"])
def test_a_sequence_pyte_cannot_take_is_skipped_and_output_goes_on(sequence: bytes) -> None:
    screen = TerminalScreen(2, 20)
    screen.feed(b"ab" + sequence + b"cd")
    screen.feed(b"\x1b[31mef")
    assert screen.display[0].startswith("abcdef")
    assert screen.cell(0, 4).fg == "red"
