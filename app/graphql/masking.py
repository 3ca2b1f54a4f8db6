"""A GraphQL document as the editor holds it, made ready for graphql-core: ``{{variables}}``
(filled in at send time) masked by string literals of the same length, so that the parser,
the validator and completion see a valid value there and every position stays where it is.
Pure (no Qt)."""

from __future__ import annotations

from collections.abc import Sequence

from app.model.templating import VARIABLE

from .validation import Problem

__all__ = ["masked", "outside_spans", "position_of"]


def masked(text: str) -> tuple[str, list[tuple[int, int]]]:
    """``text`` with each ``{{name}}`` replaced by ``"___"`` of its length, and the
    ``(start, end)`` offsets of those replacements."""
    spans: list[tuple[int, int]] = []
    parts: list[str] = []
    last = 0
    for match in VARIABLE.finditer(text):
        start, end = match.span()
        parts += [text[last:start], '"' + "_" * (end - start - 2) + '"']
        spans.append((start, end))
        last = end
    if not spans:
        return text, []
    parts.append(text[last:])
    return "".join(parts), spans


def position_of(line_starts: Sequence[int], line: int, column: int) -> int:
    """The offset of 1-based ``line`` and ``column``, given where each line starts."""
    index = min(max(line - 1, 0), len(line_starts) - 1)
    return line_starts[index] + max(column - 1, 0)


def outside_spans(problems: Sequence[Problem], text: str,
                  spans: Sequence[tuple[int, int]]) -> list[Problem]:
    """The problems not at a masked ``{{variable}}`` (whose value only the send knows)."""
    if not spans:
        return list(problems)
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    kept = []
    for problem in problems:
        at = position_of(starts, problem.line, problem.column)
        if not any(start <= at < end for start, end in spans):
            kept.append(problem)
    return kept
