"""Checks of JSON and XML body text that tolerate ``{{variables}}``: pure functions, no Qt."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

__all__ = ["TextProblem", "beautify_json", "json_problem", "xml_problem"]

_VARIABLE = re.compile(r"\{\{[^{}]*\}\}")


@dataclass(frozen=True)
class TextProblem:
    """Where and why a text does not parse; ``offset`` is the character index."""

    line: int
    column: int
    offset: int
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}, column {self.column}: {self.message}"


def _as_placeholders(text: str) -> str:
    # Same length, so the positions in error messages stay those of the text as typed; valid
    # JSON never holds "{{" outside a string, so this hides no error but a variable's own.
    return _VARIABLE.sub(lambda m: "0".ljust(len(m.group())), text)


def json_problem(text: str) -> TextProblem | None:
    """Why ``text`` is not JSON, or None when it is (a ``{{variable}}`` counts as a value)."""
    try:
        json.loads(_as_placeholders(text))
    except json.JSONDecodeError as exc:
        return TextProblem(exc.lineno, exc.colno, exc.pos, exc.msg)
    return None


def xml_problem(text: str) -> TextProblem | None:
    """Why ``text`` is not well-formed XML, or None when it is."""
    from xml.etree import ElementTree  # only once an XML body is typed (bench/idle.py)

    try:
        ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        line, column = exc.position
        lines = text.splitlines(keepends=True)
        offset = sum(len(x) for x in lines[:line - 1]) + column
        message = str(exc).split(": line ", 1)[0]
        return TextProblem(line, column + 1, offset, message)
    return None


def beautify_json(text: str, indent: int = 2) -> str:
    """``text`` re-indented; ``{{variables}}`` survive in strings and as values.

    Raises ``ValueError`` when the text is not JSON. Each variable stands in as a long number
    while formatting: a number reads the same inside a string and as a value, and JSON keeps
    its digits exactly.
    """
    variables = list(dict.fromkeys(_VARIABLE.findall(text)))
    base = "7" * 24
    while base in text:
        base += "7"
    stand_ins = {f"{base}{i:04d}": name for i, name in enumerate(variables)}
    masked = text
    for stand_in, name in stand_ins.items():
        masked = masked.replace(name, stand_in)
    value = json.loads(masked)
    pretty = json.dumps(value, indent=indent, ensure_ascii=False)
    for stand_in, name in stand_ins.items():
        pretty = pretty.replace(stand_in, name)
    if sorted(_VARIABLE.findall(pretty)) != sorted(_VARIABLE.findall(text)):
        raise ValueError("a {{variable}} inside a number cannot be kept while beautifying")
    return pretty
