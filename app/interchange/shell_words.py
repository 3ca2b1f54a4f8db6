"""Shell words as curl command lines quote them: bash (with ``$'...'``, Chrome's habit) and
cmd.exe (carets), split into words, and a line-by-line tracker of open quotes that splits a
text of several commands by the same rules (pure: no I/O)."""

from __future__ import annotations

import re

__all__ = ["UNCLOSED", "QuoteTracker", "cmd_words", "posix_words"]

UNCLOSED = "The curl command has an unclosed quote (a ' or \" is never closed)"

# shlex cannot be used as it is: it keeps backslash-newline continuations as text and knows
# neither bash's $'...' quoting (which Chrome emits) nor cmd.exe's carets.


def _ansi_c(text: str, i: int) -> tuple[str, int]:
    """Read a ``$'...'`` body starting at ``i`` (after the quote): the text and the end."""
    simple = {"a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n",
              "r": "\r", "t": "\t", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?"}
    out: list[str] = []
    while i < len(text):
        c = text[i]
        if c == "'":
            return "".join(out), i + 1
        if c != "\\" or i + 1 >= len(text):
            out.append(c)
            i += 1
            continue
        e = text[i + 1]
        i += 2
        if e in simple:
            out.append(simple[e])
        elif e in "01234567":
            digits = re.match(r"[0-7]{0,2}", text[i:])
            assert digits is not None
            out.append(chr(int(e + digits.group(), 8)))
            i += len(digits.group())
        elif e in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[e]
            hexes = re.match(rf"[0-9A-Fa-f]{{1,{width}}}", text[i:])
            if hexes is None:
                out.append("\\" + e)
            else:
                out.append(chr(int(hexes.group(), 16)))
                i += len(hexes.group())
        else:
            out.append("\\" + e)
    raise ValueError(UNCLOSED)


def _double_quoted(text: str, i: int) -> tuple[str, int]:
    """Read a ``"..."`` body starting at ``i``: backslash escapes only ``$ ` " \\`` and newline."""
    out: list[str] = []
    while i < len(text):
        c = text[i]
        if c == '"':
            return "".join(out), i + 1
        if c == "\\" and i + 1 < len(text):
            e = text[i + 1]
            if e == "\n":
                i += 2
                continue
            if e in '$`"\\':
                out.append(e)
                i += 2
                continue
        out.append(c)
        i += 1
    raise ValueError(UNCLOSED)


def posix_words(text: str) -> list[str]:
    """Split a bash command line into words; stop at a pipe, ``;``, ``&``, redirect or comment."""
    words: list[str] = []
    word: list[str] = []
    in_word = False
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            nxt = text[i + 1:i + 3]
            if nxt.startswith("\n") or nxt == "\r\n":
                i += 1 + (2 if nxt == "\r\n" else 1)
                continue
            if nxt:
                word.append(nxt[0])
                in_word = True
            i += 2
        elif c.isspace():
            if in_word:
                words.append("".join(word))
                word, in_word = [], False
            i += 1
        elif not in_word and c in "|;&<>":
            break
        elif not in_word and c == "#":
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
        elif c == "'":
            end = text.find("'", i + 1)
            if end < 0:
                raise ValueError(UNCLOSED)
            word.append(text[i + 1:end])
            in_word = True
            i = end + 1
        elif c == "$" and text.startswith("'", i + 1):
            value, i = _ansi_c(text, i + 2)
            word.append(value)
            in_word = True
        elif c == '"':
            value, i = _double_quoted(text, i + 1)
            word.append(value)
            in_word = True
        else:
            word.append(c)
            in_word = True
            i += 1
    if in_word:
        words.append("".join(word))
    return words


class QuoteTracker:
    """Whether a bash command line read so far, line by line, has a quote left open (a body
    may run over several lines). One pass, with the quote readers :func:`parse_curl` uses, so
    a multi-command text is split by the same quoting rules it is parsed with."""

    def __init__(self) -> None:
        self.state = ""  # "", "'", '"' or "$'"
        self._joined: bool | None = None  # after a backslash-newline: whether at a word start

    def feed(self, line: str) -> None:
        """Read one more line (without its line end)."""
        at_word_start = True if self._joined is None else self._joined
        self._joined = None
        i = 0
        if self.state:
            i = self._close(line, 0)
            at_word_start = False  # right after a closing quote: inside that word
        while 0 <= i < len(line):
            c = line[i]
            if c == "\\":
                if i + 1 == len(line):  # a line continuation: bash removes it, word and all
                    self._joined = at_word_start
                i += 2
                at_word_start = False
                continue
            if c == "#" and at_word_start:
                return  # a comment: quotes in it do not count
            if c == "'" or c == '"':
                self.state = c
                i = self._close(line, i + 1)
            elif c == "$" and line.startswith("'", i + 1):
                self.state = "$'"
                i = self._close(line, i + 2)
            else:
                i += 1
            at_word_start = c.isspace()

    def _close(self, line: str, i: int) -> int:
        """Read inside the open quote from ``i``: past its end, or -1 when it stays open."""
        try:
            if self.state == "'":
                end = line.find("'", i)
                if end < 0:
                    raise ValueError(UNCLOSED)
                i = end + 1
            elif self.state == '"':
                i = _double_quoted(line, i)[1]
            else:
                i = _ansi_c(line, i)[1]
        except ValueError:
            return -1
        self.state = ""
        return i


def _uncaret(text: str) -> str:
    """What cmd.exe passes on: ``^`` escapes the next character (outside ``"..."``), and a
    ``^`` at a line end joins the next line."""
    out: list[str] = []
    quoted = False
    i = 0
    while i < len(text):
        c = text[i]
        if c == "^" and not quoted:
            i += 1
            if text.startswith("\r\n", i):
                i += 2
            elif text.startswith("\n", i):
                i += 1
            if i < len(text):
                out.append(text[i])
            i += 1
            continue
        if c == '"':
            quoted = not quoted
        out.append(c)
        i += 1
    return "".join(out)


def cmd_words(text: str) -> list[str]:
    """Split a Windows command line the way the C runtime splits ``argv``."""
    text = _uncaret(text)
    words: list[str] = []
    word: list[str] = []
    in_word = quoted = False
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            j = i
            while j < len(text) and text[j] == "\\":
                j += 1
            count = j - i
            if j < len(text) and text[j] == '"':
                word.append("\\" * (count // 2))
                if count % 2:
                    word.append('"')
                    j += 1
            else:
                word.append("\\" * count)
            in_word = True
            i = j
        elif c == '"':
            in_word = True
            if quoted and text.startswith('"', i + 1):
                word.append('"')
                i += 2
                continue
            quoted = not quoted
            i += 1
        elif c.isspace() and not quoted:
            if in_word:
                words.append("".join(word))
                word, in_word = [], False
            i += 1
        else:
            word.append(c)
            in_word = True
            i += 1
    if quoted:
        raise ValueError(UNCLOSED)
    if in_word:
        words.append("".join(word))
    return words
