"""A key press as the bytes xterm sends for it: a pure function of the key, its modifiers and
its text, so that it is tested without a widget.

xterm's rules, as its ``ctlseqs`` document gives them:

- cursor keys are ``CSI A`` in normal mode and ``SS3 A`` (``ESC O A``) in application mode
  (DECCKM); Home and End follow the same rule (``H``, ``F``);
- a modified cursor, Home/End or F1-F4 key is ``CSI 1 ; m X`` and a modified ``~`` key is
  ``CSI n ; m ~``, where ``m`` is 1 + Shift (1) + Alt (2) + Ctrl (4);
- Insert, Delete, PageUp, PageDown are ``CSI 2 ~``, ``3``, ``5``, ``6``; F1-F4 are ``SS3 P``..``S``
  and F5-F12 ``CSI 15 ~``, 17, 18, 19, 20, 21, 23, 24;
- Backspace is DEL (0x7f), Enter is CR, Shift+Tab is ``CSI Z``;
- Ctrl with a letter is its control character (0x01..0x1a), Ctrl with Space or @ is NUL, and
  Ctrl with ``[ \\ ] ^ _`` is 0x1b..0x1f (``?`` is DEL);
- Alt (as "meta sends escape") puts ESC before what the key sends otherwise.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

__all__ = ["key_bytes", "modifier_param", "mouse_report"]

K = Qt.Key
M = Qt.KeyboardModifier
ESC = b"\x1b"
CSI = b"\x1b["
SS3 = b"\x1bO"

#: Keys that end in a letter: normal mode CSI, application mode SS3 (cursor keys, Home/End).
_CURSOR = {K.Key_Up: b"A", K.Key_Down: b"B", K.Key_Right: b"C", K.Key_Left: b"D",
           K.Key_Home: b"H", K.Key_End: b"F"}
#: F1-F4: SS3 in both modes, ``CSI 1 ; m`` when modified.
_PF = {K.Key_F1: b"P", K.Key_F2: b"Q", K.Key_F3: b"R", K.Key_F4: b"S"}
#: Keys sent as ``CSI n ~``.
_TILDE = {K.Key_Insert: 2, K.Key_Delete: 3, K.Key_PageUp: 5, K.Key_PageDown: 6,
          K.Key_F5: 15, K.Key_F6: 17, K.Key_F7: 18, K.Key_F8: 19, K.Key_F9: 20,
          K.Key_F10: 21, K.Key_F11: 23, K.Key_F12: 24}
#: Ctrl with a punctuation key: the control characters above the letters.
_CTRL_PUNCT = {K.Key_Space: 0x00, K.Key_At: 0x00, K.Key_2: 0x00,
               K.Key_BracketLeft: 0x1b, K.Key_3: 0x1b,
               K.Key_Backslash: 0x1c, K.Key_4: 0x1c,
               K.Key_BracketRight: 0x1d, K.Key_5: 0x1d,
               K.Key_AsciiCircum: 0x1e, K.Key_6: 0x1e,
               K.Key_Underscore: 0x1f, K.Key_Minus: 0x1f, K.Key_Slash: 0x1f, K.Key_7: 0x1f,
               K.Key_Question: 0x7f, K.Key_8: 0x7f}
#: Keys that send nothing on their own.
_SILENT = frozenset({K.Key_Shift, K.Key_Control, K.Key_Alt, K.Key_Meta, K.Key_AltGr,
                     K.Key_CapsLock, K.Key_NumLock, K.Key_ScrollLock, K.Key_Super_L,
                     K.Key_Super_R, K.Key_Hyper_L, K.Key_Hyper_R})


def _flags(modifiers: M | int) -> tuple[bool, bool, bool]:
    value = modifiers if isinstance(modifiers, int) else modifiers.value
    return (bool(value & M.ShiftModifier.value), bool(value & M.AltModifier.value),
            bool(value & M.ControlModifier.value))


def modifier_param(modifiers: M | int) -> int:
    """xterm's modifier parameter: 1 + Shift (1) + Alt (2) + Ctrl (4); 1 means none."""
    shift, alt, ctrl = _flags(modifiers)
    return 1 + shift + 2 * alt + 4 * ctrl


def key_bytes(key: int, modifiers: M | int, text: str, *,
              application_cursor: bool = False) -> bytes:
    """What xterm sends for ``key`` (a ``Qt.Key`` value) pressed with ``modifiers``, ``text``
    being what the keyboard layout made of it (``QKeyEvent.text()``). ``application_cursor``
    is DECCKM. Empty when the key sends nothing (a modifier alone, an unknown key)."""
    try:
        qkey = K(key)
    except ValueError:
        return _text(text, modifiers)
    shift, alt, ctrl = _flags(modifiers)
    param = modifier_param(modifiers)
    if qkey in _SILENT:
        return b""
    if qkey in _CURSOR:
        final = _CURSOR[qkey]
        if param > 1:
            return CSI + b"1;%d" % param + final
        return (SS3 if application_cursor else CSI) + final
    if qkey in _PF:
        return CSI + b"1;%d" % param + _PF[qkey] if param > 1 else SS3 + _PF[qkey]
    if qkey in _TILDE:
        number = _TILDE[qkey]
        return CSI + (b"%d;%d~" % (number, param) if param > 1 else b"%d~" % number)
    prefix = ESC if alt else b""
    if qkey == K.Key_Backtab or (qkey == K.Key_Tab and shift):
        return prefix + CSI + b"Z"
    if qkey == K.Key_Tab:
        return prefix + b"\t"
    if qkey == K.Key_Backspace:
        return prefix + (b"\x08" if ctrl else b"\x7f")
    if qkey in (K.Key_Return, K.Key_Enter):
        return prefix + b"\r"
    if qkey == K.Key_Escape:
        return prefix + ESC
    if ctrl:
        if K.Key_A <= qkey <= K.Key_Z:
            return prefix + bytes([qkey - K.Key_A + 1])
        if qkey in _CTRL_PUNCT:
            return prefix + bytes([_CTRL_PUNCT[qkey]])
    if not text and alt and 0x20 <= qkey < 0x7f:
        # Some platforms give no text for an Alt chord: the key's own character then.
        text = chr(qkey) if shift else chr(qkey).lower()
    return _text(text, modifiers)


def _text(text: str, modifiers: M | int) -> bytes:
    """Plain text as UTF-8, after ESC with Alt; control characters a layout made of a
    Ctrl chord pass through as they are."""
    if not text:
        return b""
    _, alt, _ = _flags(modifiers)
    data = text.encode("utf-8", "replace")
    return ESC + data if alt else data


def mouse_report(button: int, row: int, col: int, modifiers: M | int, *, press: bool,
                 motion: bool = False, sgr: bool = True) -> bytes:
    """A mouse event as xterm reports it: ``button`` 0-2 (left, middle, right), 3 for motion
    with none held, 64/65 for the wheel up/down; ``row`` and ``col`` 0-based. SGR form
    (``ESC[<b;x;yM``, ``m`` on release) when ``sgr``, else the old ``ESC[M`` + three bytes,
    which cannot tell a release's button nor a cell past 223 (empty then)."""
    shift, alt, ctrl = _flags(modifiers)
    code = button + 32 * motion + 4 * shift + 8 * alt + 16 * ctrl
    if sgr:
        return b"\x1b[<%d;%d;%d%s" % (code, col + 1, row + 1, b"M" if press else b"m")
    if col >= 223 or row >= 223:
        return b""
    legacy = code if press else 3 + (code & ~3)
    return b"\x1b[M" + bytes([32 + legacy, 33 + col, 33 + row])
