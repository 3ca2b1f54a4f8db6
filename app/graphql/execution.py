"""Sending a query or mutation: the standard JSON POST of GraphQL over HTTP."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from app.client import AsyncSession, Request, UsageError
from app.client.errors import api_error

from .schema import ACCEPT

__all__ = ["execute", "graphql_body"]


def graphql_body(query: str, variables: Mapping[str, Any] | None = None,
                 operation_name: str | None = None) -> dict[str, Any]:
    """The standard request body: ``query``, and ``variables`` and ``operationName`` where
    given. Bad arguments raise :class:`~app.client.UsageError`."""
    if not isinstance(query, str):
        raise UsageError(f"the query must be a str, not {type(query).__name__}")
    if variables is not None and not isinstance(variables, Mapping):
        raise UsageError(f"variables must be a JSON object (a mapping), not "
                         f"{type(variables).__name__}")
    if operation_name is not None and not isinstance(operation_name, str):
        raise UsageError(f"operation_name must be a str, not {type(operation_name).__name__}")
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = dict(variables)
    if operation_name:
        body["operationName"] = operation_name
    return body


def _is_graphql_answer(value: Any) -> bool:
    return isinstance(value, dict) and ("data" in value or "errors" in value)


async def execute(request: Request[AsyncSession], query: str,
                  variables: Mapping[str, Any] | None = None,
                  operation_name: str | None = None) -> dict[str, Any]:
    """POST ``query`` to the request's URL, with its headers and auth, and return the
    server's JSON object (``data``, ``errors``, ``extensions`` as sent), whatever the status,
    when it is a GraphQL response. Anything else raises :class:`~app.client.APIError` with the
    status and the body. The request becomes that POST (its method and body are set)."""
    request.method = "POST"
    request.set_json(graphql_body(query, variables, operation_name))
    if "Accept" not in request.headers:
        request.headers["Accept"] = ACCEPT
    async with request.fetch(check_status=False) as response:
        body = await response.read()
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        if _is_graphql_answer(answer):
            return answer  # type: ignore[no-any-return]
        raise api_error(response.status, response.reason, body, response.content_type,
                        url=response.url)
