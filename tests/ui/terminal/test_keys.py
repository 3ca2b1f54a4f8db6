"""Every special key gives the bytes xterm sends (xterm's ctlseqs, "PC-Style Function Keys"
and "VT220-Style Function Keys"), in normal and application cursor mode, with modifiers."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from ui.terminal.keys import key_bytes, modifier_param

K = Qt.Key
M = Qt.KeyboardModifier
NONE = M.NoModifier
SHIFT = M.ShiftModifier
ALT = M.AltModifier
CTRL = M.ControlModifier

# (key, modifiers, text, application cursor mode, bytes xterm sends)
TABLE = [
    (K.Key_Up, NONE, "", False, b"\x1b[A"),
    (K.Key_Down, NONE, "", False, b"\x1b[B"),
    (K.Key_Right, NONE, "", False, b"\x1b[C"),
    (K.Key_Left, NONE, "", False, b"\x1b[D"),
    (K.Key_Up, NONE, "", True, b"\x1bOA"),
    (K.Key_Down, NONE, "", True, b"\x1bOB"),
    (K.Key_Right, NONE, "", True, b"\x1bOC"),
    (K.Key_Left, NONE, "", True, b"\x1bOD"),
    (K.Key_Up, CTRL, "", False, b"\x1b[1;5A"),
    (K.Key_Up, CTRL, "", True, b"\x1b[1;5A"),
    (K.Key_Left, SHIFT, "", False, b"\x1b[1;2D"),
    (K.Key_Right, ALT, "", False, b"\x1b[1;3C"),
    (K.Key_Down, CTRL | SHIFT, "", False, b"\x1b[1;6B"),
    (K.Key_Up, CTRL | ALT | SHIFT, "", False, b"\x1b[1;8A"),
    (K.Key_Home, NONE, "", False, b"\x1b[H"),
    (K.Key_End, NONE, "", False, b"\x1b[F"),
    (K.Key_Home, NONE, "", True, b"\x1bOH"),
    (K.Key_End, NONE, "", True, b"\x1bOF"),
    (K.Key_Home, CTRL, "", False, b"\x1b[1;5H"),
    (K.Key_End, SHIFT, "", True, b"\x1b[1;2F"),
    (K.Key_Insert, NONE, "", False, b"\x1b[2~"),
    (K.Key_Delete, NONE, "", False, b"\x1b[3~"),
    (K.Key_PageUp, NONE, "", False, b"\x1b[5~"),
    (K.Key_PageDown, NONE, "", False, b"\x1b[6~"),
    (K.Key_Delete, CTRL, "", False, b"\x1b[3;5~"),
    (K.Key_PageUp, ALT, "", False, b"\x1b[5;3~"),
    (K.Key_F1, NONE, "", False, b"\x1bOP"),
    (K.Key_F2, NONE, "", False, b"\x1bOQ"),
    (K.Key_F3, NONE, "", False, b"\x1bOR"),
    (K.Key_F4, NONE, "", False, b"\x1bOS"),
    (K.Key_F5, NONE, "", False, b"\x1b[15~"),
    (K.Key_F6, NONE, "", False, b"\x1b[17~"),
    (K.Key_F7, NONE, "", False, b"\x1b[18~"),
    (K.Key_F8, NONE, "", False, b"\x1b[19~"),
    (K.Key_F9, NONE, "", False, b"\x1b[20~"),
    (K.Key_F10, NONE, "", False, b"\x1b[21~"),
    (K.Key_F11, NONE, "", False, b"\x1b[23~"),
    (K.Key_F12, NONE, "", False, b"\x1b[24~"),
    (K.Key_F1, SHIFT, "", False, b"\x1b[1;2P"),
    (K.Key_F4, CTRL, "", False, b"\x1b[1;5S"),
    (K.Key_F5, CTRL, "", False, b"\x1b[15;5~"),
    (K.Key_F12, SHIFT, "", False, b"\x1b[24;2~"),
    (K.Key_Tab, NONE, "\t", False, b"\t"),
    (K.Key_Backtab, SHIFT, "", False, b"\x1b[Z"),
    (K.Key_Tab, SHIFT, "", False, b"\x1b[Z"),
    (K.Key_Backspace, NONE, "\x08", False, b"\x7f"),
    (K.Key_Backspace, ALT, "", False, b"\x1b\x7f"),
    (K.Key_Backspace, CTRL, "", False, b"\x08"),
    (K.Key_Return, NONE, "\r", False, b"\r"),
    (K.Key_Enter, M.KeypadModifier, "\r", False, b"\r"),
    (K.Key_Return, ALT, "", False, b"\x1b\r"),
    (K.Key_Escape, NONE, "\x1b", False, b"\x1b"),
    (K.Key_A, CTRL, "\x01", False, b"\x01"),
    (K.Key_C, CTRL, "", False, b"\x03"),
    (K.Key_D, CTRL, "", False, b"\x04"),
    (K.Key_Z, CTRL, "", False, b"\x1a"),
    (K.Key_C, CTRL | SHIFT, "", False, b"\x03"),
    (K.Key_Space, CTRL, " ", False, b"\x00"),
    (K.Key_At, CTRL | SHIFT, "", False, b"\x00"),
    (K.Key_2, CTRL, "", False, b"\x00"),
    (K.Key_BracketLeft, CTRL, "", False, b"\x1b"),
    (K.Key_Backslash, CTRL, "", False, b"\x1c"),
    (K.Key_BracketRight, CTRL, "", False, b"\x1d"),
    (K.Key_AsciiCircum, CTRL | SHIFT, "", False, b"\x1e"),
    (K.Key_Underscore, CTRL | SHIFT, "", False, b"\x1f"),
    (K.Key_Question, CTRL | SHIFT, "", False, b"\x7f"),
    (K.Key_X, ALT, "x", False, b"\x1bx"),
    (K.Key_X, ALT, "", False, b"\x1bx"),
    (K.Key_X, ALT | SHIFT, "", False, b"\x1bX"),
    (K.Key_C, ALT | CTRL, "", False, b"\x1b\x03"),
    (K.Key_Period, ALT, ".", False, b"\x1b."),
    (K.Key_A, NONE, "a", False, b"a"),
    (K.Key_A, SHIFT, "A", False, b"A"),
    (K.Key_Eacute, NONE, "é", False, "é".encode()),
    (K.Key_unknown, NONE, "日", False, "日".encode()),
    (K.Key_unknown, NONE, "😀", False, "😀".encode()),
    (K.Key_Shift, SHIFT, "", False, b""),
    (K.Key_Control, CTRL, "", False, b""),
    (K.Key_Alt, ALT, "", False, b""),
]


@pytest.mark.parametrize(("key", "modifiers", "text", "app", "expected"), TABLE,
                         ids=[f"{k.name}-{m.value:x}-{a}" for k, m, _, a, _ in TABLE])
def test_xterm_bytes(key: K, modifiers: M, text: str, app: bool, expected: bytes) -> None:
    assert key_bytes(key, modifiers, text, application_cursor=app) == expected


def test_plain_int_key_and_modifiers() -> None:
    """The values a QKeyEvent gives (plain ints) work as well as the enums."""
    assert key_bytes(int(K.Key_Up), CTRL.value, "") == b"\x1b[1;5A"
    assert key_bytes(0x7FFF_FFF0, 0, "q") == b"q"    # a key Qt has no name for


def test_modifier_param() -> None:
    assert [modifier_param(m) for m in (NONE, SHIFT, ALT, SHIFT | ALT, CTRL, CTRL | SHIFT,
                                        CTRL | ALT, CTRL | ALT | SHIFT)] == list(range(1, 9))
