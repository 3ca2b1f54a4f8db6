"""What an editor learns from a GraphQL document at once: its problems (:func:`validate`, or
the syntax alone without a schema), its operations (for a picker) and what is wrong with the
variables. Pure and slow on a big document (graphql-core's validator walks all of it: some
0.4 s for 2,000 lines against 20,000 fields), so the window runs it in another process
(:mod:`app.graphql.analysis_worker`); the results travel as plain data (:func:`to_wire`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLSchema, GraphQLSyntaxError, parse

from app.model.graphql_body import operations

from .masking import masked, outside_spans
from .validation import Problem, validate
from .variables import VariableProblem, check_variables

__all__ = ["Analysis", "analyse", "from_wire", "to_wire"]


@dataclass(frozen=True)
class Analysis:
    """The problems of a document's ``version``, its ``(name, kind)`` operations (an
    anonymous one's name empty), and the variables' problems; ``skipped`` says why the
    document was not analysed at all (too big), empty when it was."""

    version: int
    problems: list[Problem] = field(default_factory=list)
    operations: list[tuple[str, str]] = field(default_factory=list)
    variable_problems: list[VariableProblem] = field(default_factory=list)
    skipped: str = ""


def _syntax_problems(text: str) -> list[Problem]:
    # Without a schema only the syntax can be checked.
    try:
        parse(text, no_location=True)
    except GraphQLSyntaxError as error:
        at = error.locations[0] if error.locations else None
        line, column = (at.line, at.column) if at else (1, 1)
        return [Problem(line, column, error.message, line, column + 1)]
    return []


def analyse(version: int, schema: GraphQLSchema | None, query: str, operation: str,
            variables_text: str) -> Analysis:
    """Everything at once about ``query`` as typed (its ``{{variables}}`` masked, and no
    problem reported at one), the operation ``operation`` chosen (empty: the first) and the
    variables' JSON text."""
    text, spans = masked(query)
    if not text.strip():
        return Analysis(version)
    found = validate(schema, text) if schema is not None else _syntax_problems(text)
    return Analysis(version, outside_spans(found, text, spans),
                    [(op.name or "", op.kind) for op in operations(text)],
                    check_variables(schema, text, operation, variables_text))


def to_wire(analysis: Analysis) -> dict[str, Any]:
    """``analysis`` as JSON-ready data (lists, strings and numbers)."""
    return {
        "version": analysis.version,
        "problems": [[p.line, p.column, p.message, p.end_line, p.end_column]
                     for p in analysis.problems],
        "operations": [list(op) for op in analysis.operations],
        "variable_problems": [[p.message, p.line, p.column]
                              for p in analysis.variable_problems],
        "skipped": analysis.skipped,
    }


def from_wire(data: dict[str, Any]) -> Analysis:
    """The :class:`Analysis` that :func:`to_wire` gave ``data`` for (``ValueError`` or
    ``TypeError`` when it is something else)."""
    return Analysis(
        int(data["version"]),
        [Problem(int(line), int(column), str(message), int(end_line), int(end_column))
         for line, column, message, end_line, end_column in data["problems"]],
        [(str(name), str(kind)) for name, kind in data["operations"]],
        [VariableProblem(str(message), int(line), int(column))
         for message, line, column in data["variable_problems"]],
        str(data.get("skipped", "")))
