"""What is selected in a terminal, across its scrollback: no Qt here.

Positions are ``(line, col)`` where ``line`` counts from the oldest scrollback line (the
scrollback's lines first, then the screen's rows), so that a selection stays on its text
while the view scrolls. A selection grows by characters (drag), words (double-click) or whole
lines (triple-click) from where it started.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["WORD_CHARS", "Selection", "SelectionUnit", "selected_text"]

#: Besides letters and digits, what a double-click takes as part of a word: enough for a
#: path, a URL or an e-mail address to be taken whole.
WORD_CHARS = frozenset("_-.~/:@%+#?&=")

Position = tuple[int, int]


class SelectionUnit(StrEnum):
    CHAR = "char"
    WORD = "word"
    LINE = "line"


def _is_word(ch: str) -> bool:
    # "\0" is the second cell of a wide character: part of the word its first cell is in.
    return ch.isalnum() or ch in WORD_CHARS or ch == "\0"


@dataclass
class Selection:
    """From ``anchor`` to ``extent`` (either order), grown to whole ``unit``\\ s."""

    anchor: Position
    extent: Position
    unit: SelectionUnit = SelectionUnit.CHAR

    def span(self, text_of: Callable[[int], str]) -> tuple[Position, Position]:
        """The first and the last cell selected (inclusive), ``text_of(line)`` giving a line's
        cells as text (one character per cell)."""
        start, end = sorted((self.anchor, self.extent))
        if self.unit == SelectionUnit.LINE:
            return (start[0], 0), (end[0], max(0, len(text_of(end[0])) - 1))
        if self.unit == SelectionUnit.WORD:
            start = (start[0], _word_edge(text_of(start[0]), start[1], -1))
            end = (end[0], _word_edge(text_of(end[0]), end[1], 1))
        return start, end

    def columns(self, line: int, cols: int,
                text_of: Callable[[int], str]) -> tuple[int, int] | None:
        """The columns ``[first, last]`` selected on ``line`` (None: none)."""
        (l0, c0), (l1, c1) = self.span(text_of)
        if not l0 <= line <= l1:
            return None
        first = c0 if line == l0 else 0
        last = c1 if line == l1 else cols - 1
        return (first, last) if first <= last else None

    def empty(self) -> bool:
        return self.unit == SelectionUnit.CHAR and self.anchor == self.extent


def _word_edge(text: str, col: int, step: int) -> int:
    """The column where the word (or the run of blanks, or the one other character) under
    ``col`` ends going ``step`` (-1 left, 1 right)."""
    if not text:
        return 0
    col = min(max(col, 0), len(text) - 1)
    kind = _is_word(text[col])
    blank = text[col] == " "
    if not kind and not blank:
        return col
    while 0 <= col + step < len(text):
        ch = text[col + step]
        if (kind and not _is_word(ch)) or (blank and ch != " "):
            break
        col += step
    return col


def selected_text(selection: Selection, text_of: Callable[[int], str]) -> str:
    """The text selected: lines joined with ``\\n``, each without its trailing blanks (the
    cells never written), and the second cell of a wide character not counted twice."""
    (l0, c0), (l1, c1) = selection.span(text_of)
    out = []
    for line in range(l0, l1 + 1):
        text = text_of(line)
        first = c0 if line == l0 else 0
        last = c1 if line == l1 else len(text) - 1
        out.append(text[first:last + 1].replace("\0", "").rstrip(" "))
    return "\n".join(out)
