"""A GraphQL body (``BodyKind.GRAPHQL``) read and turned into what is sent: the operations its
document holds, the kind of the one chosen, and the standard payload of GraphQL over HTTP
(``{"query", "variables", "operationName"}``), plus the mapping between that payload and a body,
which the importers and exporters share.

Parsing is graphql-core's; a document that does not parse has no operations here (the server
says what is wrong with it, or the editor does as it is typed).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, parse
from graphql.language import DocumentNode

from app.model.compose_errors import ComposeError, substitute
from app.model.request import BodyKind, BodyModel

__all__ = [
    "PAYLOAD_KEYS",
    "Operation",
    "body_from_payload",
    "chosen_operation",
    "get_parameters",
    "graphql_payload",
    "json_or_graphql",
    "operation_kind",
    "operations",
    "payload_text",
]

#: The keys of the standard payload (GraphQL over HTTP); a JSON object with others is not one.
PAYLOAD_KEYS = frozenset({"query", "variables", "operationName", "extensions"})


@dataclass(frozen=True)
class Operation:
    """One operation of a document: its name (None when anonymous), ``kind`` (``query``,
    ``mutation`` or ``subscription``), the 1-based line it starts on, and graphql-core's node
    of it (``definition``: its variable definitions, for the editor's checks; not compared)."""

    name: str | None
    kind: str
    line: int
    definition: OperationDefinitionNode | None = field(default=None, compare=False,
                                                       repr=False)


def _document(query: str) -> DocumentNode | None:
    try:
        return parse(query)
    except (GraphQLError, RecursionError):
        # RecursionError: graphql-core's recursive descent on absurdly nested input.
        return None


def operations(query: str) -> list[Operation]:
    """The operations of ``query`` in document order; ``[]`` when it does not parse."""
    if not query.strip():
        return []
    document = _document(query)
    if document is None:
        return []
    found = []
    for node in document.definitions:
        if isinstance(node, OperationDefinitionNode):
            line = node.loc.source.get_location(node.loc.start).line if node.loc else 1
            found.append(Operation(node.name.value if node.name else None,
                                   node.operation.value, line, node))
    return found


def chosen_operation(body: BodyModel) -> Operation | None:
    """The operation ``body`` runs: the one named ``graphql_operation``, or without a name the
    first; None when the document does not parse, holds none, or has none of that name."""
    found = operations(body.text)
    if not body.graphql_operation:
        return found[0] if found else None
    return next((op for op in found if op.name == body.graphql_operation), None)


def operation_kind(body: BodyModel) -> str | None:
    """``query``, ``mutation`` or ``subscription`` for the operation ``body`` runs (None as
    :func:`chosen_operation`)."""
    chosen = chosen_operation(body)
    return chosen.kind if chosen is not None else None


def _variables(text: str) -> dict[str, Any] | None:
    """The variables' JSON object (None for blank text); anything else is a ComposeError
    naming ``variables``, with the line and column JSON stopped at."""
    if not text.strip():
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ComposeError("variables", f"The GraphQL variables are not valid JSON: {exc.msg} "
                                        f"(line {exc.lineno}, column {exc.colno})") from exc
    except RecursionError as exc:
        raise ComposeError("variables", "The GraphQL variables nest too deeply") from exc
    if not isinstance(value, dict):
        raise ComposeError("variables", f"The GraphQL variables must be a JSON object, not "
                                        f"{_json_kind(value)}")
    return value


def _json_kind(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    return "a number"


def graphql_payload(body: BodyModel, variables: Mapping[str, str]) -> dict[str, Any]:
    """The payload ``body`` is sent as: ``query``, then ``variables`` (when the variables'
    text is not blank) and ``operationName`` (the chosen one, or the first operation's name
    when none is chosen), with ``{{variables}}`` filled in in the query and variables text.

    Raises :class:`ComposeError`: ``body`` for an empty query, an unresolved variable in it or
    an operation name the document does not hold; ``variables`` for variables text that is not
    a JSON object (the message gives the line and column)."""
    query = substitute(body.text, variables, "body")
    if not query.strip():
        raise ComposeError("body", "Enter a GraphQL query")
    values = _variables(substitute(body.graphql_variables, variables, "variables"))
    found = operations(query)
    name = body.graphql_operation
    if name and found and all(op.name != name for op in found):
        names = ", ".join(op.name for op in found if op.name) or "only anonymous ones"
        raise ComposeError("body", f"The GraphQL document has no operation named {name!r} "
                                   f"(it has {names})")
    if not name and found:
        name = found[0].name or ""
    payload: dict[str, Any] = {"query": query}
    if values is not None:
        payload["variables"] = values
    if name:
        payload["operationName"] = name
    return payload


def payload_text(body: BodyModel, *, indent: int | None = None) -> str:
    """The JSON text an exporter writes for ``body`` (``{{variables}}`` kept as typed): the
    payload of :func:`graphql_payload` without substitution. Variables text that is not JSON
    as it stands (``{"id": {{id}}}``, valid once filled in) goes in as typed."""
    payload: dict[str, Any] = {"query": body.text}
    raw_variables = None
    if body.graphql_variables.strip():
        try:
            payload["variables"] = json.loads(body.graphql_variables)
        except (ValueError, RecursionError):
            raw_variables = body.graphql_variables.strip()
            payload["variables"] = None  # a placeholder, keeping the key order
    if body.graphql_operation:
        payload["operationName"] = body.graphql_operation
    text = json.dumps(payload, indent=indent, ensure_ascii=False)
    if raw_variables is None:
        return text
    # The query's own quotes are escaped in ``text``: the first such key is the placeholder.
    return text.replace('"variables": null', '"variables": ' + raw_variables, 1)


def body_from_payload(value: object) -> BodyModel | None:
    """The GraphQL body a JSON payload stands for, or None when it is not one: an object with
    a string ``query`` that holds an operation, no keys beyond the standard four, an object
    (or null) for ``variables``, a string (or null) for ``operationName`` and no
    ``extensions`` (which the body has no place for: such a payload stays JSON, unchanged)."""
    if not isinstance(value, dict) or not set(value) <= PAYLOAD_KEYS:
        return None
    query, values, name = value.get("query"), value.get("variables"), value.get("operationName")
    if not isinstance(query, str) or not operations(query):
        return None
    if values is not None and not isinstance(values, dict):
        return None
    if name is not None and not isinstance(name, str):
        return None
    if value.get("extensions"):
        return None
    return BodyModel(BodyKind.GRAPHQL, text=query,
                     graphql_variables=json.dumps(values, indent=2) if values else "",
                     graphql_operation=name or "")


def json_or_graphql(text: str) -> BodyModel:
    """A JSON body of ``text``, or the GraphQL body when ``text`` is the standard payload
    (:func:`body_from_payload`): what an importer makes of a JSON request body."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        value = None
    return body_from_payload(value) or BodyModel(BodyKind.JSON, text=text)


def get_parameters(body: BodyModel) -> list[tuple[str, str]]:
    """The query parameters a GET sends for ``body`` as typed (``{{variables}}`` kept), as
    GraphQL over HTTP defines them: ``query``, ``variables`` (JSON text), ``operationName``."""
    pairs = [("query", body.text)]
    if body.graphql_variables.strip():
        pairs.append(("variables", body.graphql_variables.strip()))
    if body.graphql_operation:
        pairs.append(("operationName", body.graphql_operation))
    return pairs
