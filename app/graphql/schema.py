"""Getting a schema: by introspection, from an SDL file, and a cache of them per URL and
environment."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLSchema,
    build_client_schema,
    build_schema,
    get_introspection_query,
)

from app.client import AsyncSession, Request, StreamError

__all__ = ["INTROSPECTION_QUERY", "CachedSchema", "SchemaCache", "introspect",
           "schema_from_introspection", "schema_from_sdl"]

#: The standard introspection query, with descriptions and deprecations (deprecated fields
#: and enum values are asked for; deprecated arguments are not, which older servers refuse).
INTROSPECTION_QUERY = get_introspection_query(descriptions=True)

#: What a GraphQL answer is asked for in (GraphQL over HTTP's media type first).
ACCEPT = "application/graphql-response+json, application/json;q=0.9"


def _first_message(errors: object) -> str | None:
    if isinstance(errors, list) and errors:
        first = errors[0]
        if isinstance(first, Mapping) and isinstance(first.get("message"), str):
            return first["message"]  # type: ignore[no-any-return]
        return str(first)
    return None


async def introspect(session: AsyncSession, url: str, *,
                     headers: Mapping[str, str] | None = None) -> GraphQLSchema:
    """The schema of the GraphQL server at ``url``, by the standard introspection query.

    An error status raises :class:`~app.client.APIError`; an answer with ``errors`` and no
    schema (introspection disabled) raises :class:`~app.client.StreamError` with the server's
    first message, as does an answer that is not an introspection result at all.
    """
    request = Request(session, "POST", url)
    request.headers["Accept"] = ACCEPT
    if headers:
        request.headers.update(headers)
    request.set_json({"query": INTROSPECTION_QUERY, "operationName": "IntrospectionQuery"})
    async with request.fetch() as response:
        try:
            answer: Any = await response.json()
        except ValueError as exc:
            raise StreamError(f"The introspection answer of {url} is not JSON: {exc}",
                              url=url) from exc
    return schema_from_introspection(answer, url)


def schema_from_introspection(answer: dict[str, Any], url: str) -> GraphQLSchema:
    """The schema in ``answer``, a server's whole answer to the introspection query (``data``
    holding ``__schema``), from ``url`` (named in messages).

    An answer with ``errors`` and no schema (introspection disabled) raises
    :class:`~app.client.StreamError` with the server's first message; one that is no
    introspection result at all, or describes no valid schema, raises it saying so."""
    data = answer.get("data") if isinstance(answer, Mapping) else None
    if not isinstance(data, Mapping) or not isinstance(data.get("__schema"), Mapping):
        message = _first_message(answer.get("errors")) if isinstance(answer, Mapping) else None
        raise StreamError(
            f"{url} refused introspection: {message}" if message
            else f"{url} answered without a schema (not a GraphQL introspection result)",
            url=url)
    try:
        return build_client_schema(data)  # type: ignore[arg-type]
    except (GraphQLError, TypeError, KeyError, ValueError) as exc:
        raise StreamError(f"The introspection result of {url} is not a valid schema: {exc}",
                          url=url) from exc


def schema_from_sdl(text: str) -> GraphQLSchema:
    """A schema from SDL (a ``.graphql`` file), for a server that disables introspection.
    A syntax or schema error raises ``ValueError`` with graphql-core's message."""
    try:
        return build_schema(text)
    except (GraphQLError, TypeError) as exc:
        raise ValueError(f"Not a usable GraphQL schema: {exc}") from exc


@dataclass(frozen=True)
class CachedSchema:
    """A schema in the cache: where it came from (``introspection`` or ``sdl``) and when
    (``time.time()``)."""

    schema: GraphQLSchema
    source: str
    loaded_at: float


class SchemaCache:
    """Schemas per URL and environment (the same URL may be two servers in two
    environments), kept until refreshed or forgotten. Use it on one event loop."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], CachedSchema] = {}
        self._loading: dict[tuple[str, str], asyncio.Future[CachedSchema]] = {}

    def get(self, url: str, environment: str = "") -> CachedSchema | None:
        """The cached schema, or None."""
        return self._entries.get((url, environment))

    def put(self, url: str, environment: str, schema: GraphQLSchema, *,
            source: str = "sdl") -> CachedSchema:
        """Keep ``schema`` for ``url`` in ``environment`` (an SDL file standing in for
        introspection, say)."""
        entry = CachedSchema(schema, source, time.time())
        self._entries[(url, environment)] = entry
        return entry

    def forget(self, url: str, environment: str | None = None) -> None:
        """Drop the schema of ``url`` in ``environment``, or in every environment."""
        for key in list(self._entries):
            if key[0] == url and (environment is None or key[1] == environment):
                del self._entries[key]

    async def load(self, session: AsyncSession, url: str, *, environment: str = "",
                   headers: Mapping[str, str] | None = None,
                   refresh: bool = False) -> CachedSchema:
        """The cached schema, introspected first when there is none or ``refresh`` is set
        (the manual refresh). Concurrent loads of one key share one introspection."""
        key = (url, environment)
        if not refresh and key in self._entries:
            return self._entries[key]
        pending = self._loading.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._introspect(session, url, headers, key))
            self._loading[key] = pending
        return await asyncio.shield(pending)

    async def _introspect(self, session: AsyncSession, url: str,
                          headers: Mapping[str, str] | None,
                          key: tuple[str, str]) -> CachedSchema:
        try:
            schema = await introspect(session, url, headers=headers)
            return self.put(*key, schema, source="introspection")
        finally:
            del self._loading[key]
