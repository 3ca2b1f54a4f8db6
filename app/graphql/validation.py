"""Checking a GraphQL document against a schema with graphql-core's parser and validator.

``validate`` takes some 0.4-0.6 s on a 2,000-line document against a 20,000-field schema (the
rules walk the whole document, in pure Python, holding the GIL), so the window runs it in a
child process (:mod:`app.graphql.analysis_worker`); ``bench/graphql.py`` measures the editor's
longest stall meanwhile (``validate_stall_ms``).
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import GraphQLError, GraphQLSchema, parse
from graphql import validate as graphql_validate
from graphql.error import GraphQLSyntaxError
from graphql.language import Source, get_location

__all__ = ["DEFAULT_MAX_PROBLEMS", "Problem", "validate"]

#: Problems reported at most: past that many, more underlines help nobody.
DEFAULT_MAX_PROBLEMS = 100


@dataclass(frozen=True, slots=True)
class Problem:
    """A problem in a document: where it starts (1-based ``line`` and ``column``, as
    graphql-core counts them) and ends (``end_line``, ``end_column``: just past the node at
    fault, or one character on for a syntax error), and graphql-core's message."""

    line: int
    column: int
    message: str
    end_line: int
    end_column: int


def _problem(error: GraphQLError, source: Source) -> Problem:
    locations = error.locations or []
    line, column = (locations[0].line, locations[0].column) if locations else (1, 1)
    end_line, end_column = line, column + 1
    node = error.nodes[0] if error.nodes else None
    if node is not None and node.loc is not None:
        # The end of the node's first token, not of the whole node: underlining a field's
        # entire selection set would cover the document.
        end = node.loc.start_token.end
        if end > node.loc.start:
            at = get_location(source, end)
            end_line, end_column = at.line, at.column
    return Problem(line, column, error.message, end_line, end_column)


def validate(schema: GraphQLSchema, query: str, *,
             max_problems: int = DEFAULT_MAX_PROBLEMS) -> list[Problem]:
    """The document's problems: a syntax error (the first one, where parsing stopped) or
    what graphql-core's validation rules find, at most ``max_problems``, in document order;
    an empty list when the document is valid (or blank: an empty editor is not an error)."""
    if max_problems < 1:
        raise ValueError(f"max_problems must be at least 1, not {max_problems!r}")
    if not query.strip():
        return []
    source = Source(query)
    try:
        document = parse(source)
    except GraphQLSyntaxError as error:
        return [_problem(error, source)]
    errors = graphql_validate(schema, document, max_errors=max_problems)
    problems = [_problem(error, source) for error in errors
                if not error.message.startswith("Too many validation errors")]
    problems.sort(key=lambda p: (p.line, p.column))
    return problems[:max_problems]
