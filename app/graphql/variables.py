"""Checking a GraphQL body's variables (JSON text) against the chosen operation's variable
definitions: not JSON or not an object, a variable the operation does not define, a non-null
one left out, a value of the wrong JSON type. Pure (no Qt): the editor shows what it returns.

With a schema, graphql-core's own coercion decides (the messages a server would send); without
one, only what the document says is checked (unknown names and missing non-null ones).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from graphql import GraphQLError, GraphQLSchema
from graphql.execution.values import coerce_variable_values
from graphql.language import NonNullTypeNode

from app.model.graphql_body import chosen_operation
from app.model.request import BodyKind, BodyModel
from app.model.templating import VARIABLE

__all__ = ["VariableProblem", "check_variables"]


@dataclass(frozen=True, slots=True)
class VariableProblem:
    """One thing wrong with the variables; ``line`` and ``column`` (1-based) point into the
    variables text where that is known (a JSON syntax error), else 0."""

    message: str
    line: int = 0
    column: int = 0


def _placeholders(text: str) -> str:
    # A {{variable}} is filled in at send time: check the JSON with a stand-in that keeps it
    # valid wherever it stands (inside a string or as a whole value).
    return VARIABLE.sub("0", text)


def check_variables(schema: GraphQLSchema | None, query: str, operation_name: str,
                    variables_text: str) -> list[VariableProblem]:
    """What is wrong with ``variables_text`` for the operation ``operation_name`` of
    ``query`` (empty: nothing, or nothing that can be checked: a query that does not parse
    is the query's problem, shown there)."""
    text = variables_text.strip()
    values: object = {}
    if text:
        try:
            values = json.loads(_placeholders(text))
        except json.JSONDecodeError as exc:
            return [VariableProblem(f"Variables are not JSON: {exc.msg} (line {exc.lineno}, "
                                    f"column {exc.colno})", exc.lineno, exc.colno)]
        if not isinstance(values, dict):
            return [VariableProblem("Variables must be a JSON object ({ \"name\": value }), "
                                    f"not {type(values).__name__}")]
    assert isinstance(values, dict)
    chosen = chosen_operation(BodyModel(BodyKind.GRAPHQL, text=query,
                                        graphql_operation=operation_name))
    operation = chosen.definition if chosen is not None else None
    if operation is None:
        return []
    definitions = operation.variable_definitions or ()
    defined = {d.variable.name.value for d in definitions}
    label = f'operation "{operation.name.value}"' if operation.name else "the operation"
    problems = [VariableProblem(f'Variable "${name}" is not defined by {label}.')
                for name in values if name not in defined]
    if schema is None:
        problems += [
            VariableProblem(f'Variable "${d.variable.name.value}" is required (non-null) '
                            "and not given.")
            for d in definitions
            if isinstance(d.type, NonNullTypeNode) and d.default_value is None
            and d.variable.name.value not in values]
        return problems
    errors: list[GraphQLError] = []
    try:
        coerce_variable_values(schema, definitions, values, errors.append)
    except GraphQLError as exc:  # graphql-core stops after 50 errors by raising
        errors.append(exc)
    problems += [VariableProblem(error.message) for error in errors]
    return problems
