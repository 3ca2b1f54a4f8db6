"""Pygments colours for Qt: one mapping from token types to text formats, used by the
editors' QSyntaxHighlighter and by the large-body viewer's painter.

Pygments is imported at the first text to colour, not with this module: an idle window with
empty editors does without it (bench/idle.py)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

if TYPE_CHECKING:
    from pygments.lexer import Lexer
    from pygments.token import _TokenType

__all__ = ["PygmentsHighlighter", "format_for", "lexer_for"]

LIGHT_STYLE = "default"
DARK_STYLE = "monokai"


@cache
def _style_formats(style_name: str) -> dict[_TokenType, QTextCharFormat]:
    from pygments.styles import get_style_by_name

    formats: dict[_TokenType, QTextCharFormat] = {}
    for token, spec in get_style_by_name(style_name):
        fmt = QTextCharFormat()
        if spec["color"]:
            fmt.setForeground(QColor(f"#{spec['color']}"))
        if spec["bold"]:
            fmt.setFontWeight(QFont.Weight.Bold)
        if spec["italic"]:
            fmt.setFontItalic(True)
        formats[token] = fmt
    return formats


def format_for(token: _TokenType, dark: bool = False) -> QTextCharFormat:
    """The text format of ``token`` (falling back to its parents) in the light or dark style."""
    formats = _style_formats(DARK_STYLE if dark else LIGHT_STYLE)
    while token not in formats and token.parent is not None:
        token = token.parent
    return formats.get(token, QTextCharFormat())


@cache
def lexer_for(name: str) -> Lexer:
    """A Pygments lexer by alias (``json``, ``xml``, ``html``, ``text``), shared and stateless."""
    from pygments.lexers import get_lexer_by_name

    return get_lexer_by_name(name, stripnl=False, ensurenl=False)


class PygmentsHighlighter(QSyntaxHighlighter):
    """Highlights a QTextDocument block by block with a Pygments lexer.

    Each block is lexed on its own: right for JSON, XML and HTML one line at a time, and it
    keeps typing cheap in long documents (Qt re-highlights only the edited blocks).
    """

    def __init__(self, document: QTextDocument, lexer_name: str = "text",
                 dark: bool = False) -> None:
        super().__init__(document)
        self._lexer_name = lexer_name
        self._lexer: Lexer | None = None  # looked up at the first non-empty block
        self._dark = dark

    def set_lexer(self, lexer_name: str) -> None:
        self._lexer_name = lexer_name
        self._lexer = None
        self.rehighlight()

    def set_dark(self, dark: bool) -> None:
        self._dark = dark
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        if not text:
            return  # an empty block has nothing to colour (and needs no lexer)
        if self._lexer is None:
            self._lexer = lexer_for(self._lexer_name)
        position = 0
        for token, value in self._lexer.get_tokens(text):
            length = len(value)
            if length:
                self.setFormat(position, length, format_for(token, self._dark))
            position += length
