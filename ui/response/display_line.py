"""One display line of a body as ``LargeTextView`` shows it, and a JSON guess for cut lines.

Pure text work, apart from the formats a line's tokens carry: the text decoded as columns
count it, tabs expanded, control characters and undecodable bytes made visible one character
for one, and the mapping between text columns and shown columns.
"""

from __future__ import annotations

import bisect
import re

from PySide6.QtGui import QTextCharFormat

from app.body.store import decode_line

__all__ = ["TAB", "DisplayLine", "json_starts_in_string"]

TAB = 4                      # columns a tab stop spans

# Controls become their Unicode pictures, undecodable bytes U+FFFD: one character for one.
_SHOWN = {c: 0x2400 + c for c in range(0x20)}
_SHOWN[0x7F] = 0x2421
_SHOWN.update({c: 0xFFFD for c in range(0xDC80, 0xDD00)})
_NEEDS_MAPPING = re.compile("[\x00-\x1f\x7f\udc80-\udcff]")


class DisplayLine:
    """One display line: its text, the text as shown, and its tokens once lexed."""

    __slots__ = ("continued", "lexed", "shown", "simple", "tabbed", "text", "tokens")

    def __init__(self, raw: bytes, continued: bool = False) -> None:
        self.continued = continued         # it continues a line cut at the wrap width
        text = decode_line(raw)
        if text.endswith("\r"):
            text = text[:-1]
        self.text = text
        self.tabbed = "\t" in text
        shown = text.expandtabs(TAB) if self.tabbed else text
        if _NEEDS_MAPPING.search(shown):
            shown = shown.translate(_SHOWN)
        self.shown = shown
        self.simple = shown.isascii()      # one column is one character width
        self.tokens: list[tuple[int, int, QTextCharFormat]] = []
        self.lexed = 0                     # characters of ``text`` lexed so far

    def to_shown(self, col: int) -> int:
        """The shown column of text column ``col`` (tabs expanded)."""
        return len(self.text[:col].expandtabs(TAB)) if self.tabbed else col

    def from_shown(self, scol: int) -> int:
        """The text column at shown column ``scol`` (the first whose shown column reaches it)."""
        if not self.tabbed:
            return min(scol, len(self.text))
        return bisect.bisect_left(range(len(self.text) + 1), scol, key=self.to_shown)


_QUOTE_OR_ESCAPE = re.compile(r'\\.|"')
_AFTER_CLOSING_QUOTE = re.compile(r'\s*[:,\]}]')


def json_starts_in_string(text: str) -> bool:
    """Whether a piece cut out of a JSON line starts inside a string, judged by its first
    quote: one that follows ``{ [ , :`` (or nothing) and is not followed by ``: , ] }``
    opens a string; any other closes one."""
    for m in _QUOTE_OR_ESCAPE.finditer(text):
        if m.group() != '"':
            continue
        before = text[:m.start()].rstrip()
        opens = (not before or before[-1] in "{[,:") and \
            not _AFTER_CLOSING_QUOTE.match(text, m.end())
        return not opens
    return not any(c in text for c in "{}[]:,")     # no quote at all: a long string, likely
