"""Real GraphQL servers for the tests: strawberry's aiohttp view (nobody here wrote it), one
with introspection disabled, and a bare WebSocket peer that answers a subscription with an
``error`` message and closes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from enum import Enum
from typing import Any

import strawberry
from aiohttp import web
from aiohttp.test_utils import TestServer
from strawberry.aiohttp.views import GraphQLView
from strawberry.extensions import DisableIntrospection

__all__ = ["error_then_close_server", "strawberry_server"]


@strawberry.enum(description="What a user may do.")
class Role(Enum):
    ADMIN = "ADMIN"
    VIEWER = "VIEWER"


@strawberry.type(description="A person.")
class User:
    id: strawberry.ID
    name: str = strawberry.field(description="The full name.")
    role: Role
    login: str | None = strawberry.field(deprecation_reason="Use name.", default=None)


@strawberry.type
class Query:
    @strawberry.field(description="One user by id.")
    def user(self, id: strawberry.ID) -> User | None:
        if id == "1":
            return User(id=strawberry.ID("1"), name="Ada", role=Role.ADMIN, login="ada")
        return None

    @strawberry.field
    def boom(self) -> str:
        raise ValueError("the boom field always fails")


@strawberry.type
class Mutation:
    @strawberry.mutation
    def rename(self, id: strawberry.ID, name: str) -> User:
        return User(id=id, name=name, role=Role.VIEWER)


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def count(self, to: int = 3) -> AsyncGenerator[int, None]:
        for n in range(1, to + 1):
            yield n
            await asyncio.sleep(0.01)

    @strawberry.subscription
    async def whoami(self, info: strawberry.Info) -> AsyncGenerator[str, None]:
        params = info.context.get("connection_params") or {}
        yield json.dumps(params, sort_keys=True)


def _app(extensions: list[Any]) -> web.Application:
    schema = strawberry.Schema(Query, mutation=Mutation, subscription=Subscription,
                               extensions=extensions)
    app = web.Application()
    app.router.add_route("*", "/graphql", GraphQLView(schema=schema, graphql_ide=None))
    return app


@asynccontextmanager
async def strawberry_server(*, introspection: bool = True) -> AsyncIterator[str]:
    """The URL of a strawberry server's ``/graphql``."""
    server = TestServer(_app([] if introspection else [DisableIntrospection]),
                        host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("/graphql"))
    finally:
        await server.close()


@asynccontextmanager
async def error_then_close_server(protocol: str) -> AsyncIterator[tuple[str, list[str]]]:
    """A peer speaking ``protocol`` that acknowledges (and pings, in graphql-transport-ws),
    answers the subscription with one result, then an ``error`` message, and closes the
    connection. Yields its URL and the list of message types it received."""
    received: list[str] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(protocols=(protocol,))
        await ws.prepare(request)
        async for msg in ws:
            message = json.loads(msg.data)
            received.append(message["type"])
            if message["type"] == "connection_init":
                # A ping (or keep-alive) may come at any time: here before the ack.
                if protocol == "graphql-transport-ws":
                    await ws.send_json({"type": "ping"})
                else:
                    await ws.send_json({"type": "ka"})
                await ws.send_json({"type": "connection_ack"})
            elif message["type"] in ("subscribe", "start"):
                kind = "next" if protocol == "graphql-transport-ws" else "data"
                await ws.send_json({"id": message["id"], "type": kind,
                                    "payload": {"data": {"n": 1}}})
                error = {"message": "the ticker broke"}
                await ws.send_json({"id": message["id"], "type": "error",
                                    "payload": [error] if kind == "next" else error})
                await ws.close(code=1011, message=b"going away")
        return ws

    app = web.Application()
    app.router.add_get("/graphql", handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("/graphql")), received
    finally:
        await server.close()
