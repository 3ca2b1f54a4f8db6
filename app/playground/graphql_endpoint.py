"""``/graphql``: queries and mutations over HTTP (POST, or GET for queries), subscriptions
over WebSocket in both protocols (``graphql-transport-ws`` and the older ``graphql-ws``),
executed by graphql-core against :mod:`app.playground.graphql_schema`."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import WSMsgType, web
from graphql import (
    ExecutionResult,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    get_operation_ast,
    parse,
    subscribe,
    validate,
)
from graphql import graphql as run_graphql

from ._common import OPEN_WEBSOCKETS, client_may_leave, json_response
from .graphql_schema import Store, make_schema

__all__ = ["GRAPHQL_STORE", "Store", "routes"]

routes = web.RouteTableDef()

GRAPHQL_STORE: web.AppKey[Store] = web.AppKey("graphql_store", Store)
PROTOCOLS = ("graphql-transport-ws", "graphql-ws")
#: The largest request body or WebSocket message read.
MAX_REQUEST = 1 << 20
_schema: GraphQLSchema | None = None


def _the_schema() -> GraphQLSchema:
    global _schema
    if _schema is None:
        _schema = make_schema()
    return _schema


def _store(request: web.Request) -> Store:
    return request.app[GRAPHQL_STORE]


def _errors(message: str, status: int = 400) -> web.Response:
    return json_response({"errors": [{"message": message}]}, status=status)


def _result(result: ExecutionResult) -> dict[str, Any]:
    return result.formatted  # type: ignore[return-value]


def _request_fields(params: Any) -> tuple[str, dict[str, Any] | None, str | None] | str:
    """query, variables and operation name from a JSON body or a query string; a message
    saying what is wrong otherwise."""
    if not isinstance(params, dict):
        return "the body must be a JSON object with a query"
    query, variables = params.get("query"), params.get("variables")
    operation = params.get("operationName")
    if isinstance(variables, str) and variables:
        try:
            variables = json.loads(variables)
        except ValueError:
            return "variables is not JSON"
    if not isinstance(query, str) or not query.strip():
        return "no query (send {\"query\": \"...\"})"
    if variables is not None and variables != "" and not isinstance(variables, dict):
        return "variables must be a JSON object"
    if operation is not None and not isinstance(operation, str):
        return "operationName must be a string"
    return query, variables or None, operation or None


@routes.route("*", "/graphql")
async def graphql_http(request: web.Request) -> web.StreamResponse:
    """POST a query or mutation (or GET a query); a WebSocket upgrade for subscriptions."""
    if request.method == "GET" and web.WebSocketResponse().can_prepare(request).ok:
        return await _websocket(request)
    if request.method == "POST":
        if (request.content_length or 0) > MAX_REQUEST:
            return _errors("the request is too large", 413)
        try:
            params: Any = await request.json()
        except ValueError:
            return _errors("the body is not JSON")
    elif request.method == "GET":
        params = dict(request.query)
    else:
        return _errors(f"method {request.method} is not allowed: POST or GET", 405)
    fields = _request_fields(params)
    if isinstance(fields, str):
        return _errors(fields)
    query, variables, operation = fields
    if request.method == "GET":
        try:
            node = get_operation_ast(parse(query), operation)
        except GraphQLError:
            node = None
        if node is not None and node.operation is not OperationType.QUERY:
            return _errors("only queries may be sent with GET: POST a mutation", 405)
    result = await run_graphql(_the_schema(), query, variable_values=variables,
                               operation_name=operation,
                               context_value={"store": _store(request)})
    return json_response(_result(result))


async def _run(query: str, variables: dict[str, Any] | None, operation: str | None,
               store: Store) -> AsyncIterator[dict[str, Any]] | dict[str, Any]:
    """A subscription's results, or a query's or mutation's one result (or the errors)."""
    schema = _the_schema()
    try:
        document = parse(query)
    except GraphQLError as error:
        return {"errors": [error.formatted]}
    errors = validate(schema, document)
    if errors:
        return {"errors": [e.formatted for e in errors]}
    node = get_operation_ast(document, operation)
    context = {"store": store}
    if isinstance(node, OperationDefinitionNode) and (
            node.operation is OperationType.SUBSCRIPTION):
        stream = subscribe(schema, document, variable_values=variables,
                           operation_name=operation, context_value=context)
        if asyncio.iscoroutine(stream):
            stream = await stream
        if isinstance(stream, ExecutionResult):
            return _result(stream)
        return _formatted(stream)  # type: ignore[arg-type]
    result = await run_graphql(schema, query, variable_values=variables,
                               operation_name=operation, context_value=context)
    return _result(result)


async def _formatted(stream: AsyncIterator[ExecutionResult]) -> AsyncIterator[dict[str, Any]]:
    async for result in stream:
        yield _result(result)


async def _websocket(request: web.Request) -> web.StreamResponse:
    ws = web.WebSocketResponse(protocols=PROTOCOLS, max_msg_size=MAX_REQUEST, heartbeat=None)
    await ws.prepare(request)
    request.app[OPEN_WEBSOCKETS].add(ws)
    modern = ws.ws_protocol != "graphql-ws"
    tasks: dict[str, asyncio.Task[None]] = {}
    acknowledged = False

    async def serve(op_id: str, payload: Any) -> None:
        fields = _request_fields(payload)
        error_type = "error"
        try:
            if isinstance(fields, str):
                await ws.send_json({"id": op_id, "type": error_type,
                                    "payload": [{"message": fields}] if modern
                                    else {"message": fields}})
                return
            outcome = await _run(*fields, _store(request))
            if isinstance(outcome, dict):
                if outcome.get("data") is None and outcome.get("errors"):
                    errors = outcome["errors"]
                    await ws.send_json({"id": op_id, "type": error_type,
                                        "payload": errors if modern else errors[0]})
                    return
                await ws.send_json({"id": op_id, "type": "next" if modern else "data",
                                    "payload": outcome})
            else:
                async for item in outcome:
                    await ws.send_json({"id": op_id, "type": "next" if modern else "data",
                                        "payload": item})
            await ws.send_json({"id": op_id, "type": "complete"})
        except ConnectionError:
            pass
        except GraphQLError as error:  # raised by a resolver while the stream runs
            with contextlib.suppress(ConnectionError):
                await ws.send_json({"id": op_id, "type": error_type,
                                    "payload": [error.formatted] if modern
                                    else error.formatted})
        finally:
            tasks.pop(op_id, None)

    with client_may_leave(request, "/graphql"):
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    message = json.loads(msg.data)
                    kind = message["type"]
                except (ValueError, KeyError, TypeError):
                    await ws.close(code=4400, message=b"Invalid message")
                    break
                op_id = str(message.get("id", ""))
                if kind == "connection_init":
                    if acknowledged and modern:
                        await ws.close(code=4429, message=b"Too many initialisation requests")
                        break
                    acknowledged = True
                    await ws.send_json({"type": "connection_ack"})
                elif kind == "ping":
                    await ws.send_json({"type": "pong"})
                elif kind in ("subscribe", "start"):
                    if not acknowledged:
                        await ws.close(code=4401, message=b"Unauthorized")
                        break
                    if op_id in tasks:
                        await ws.close(code=4409, message=f"Subscriber for {op_id} already "
                                       "exists".encode())
                        break
                    tasks[op_id] = asyncio.ensure_future(serve(op_id, message.get("payload")))
                elif kind in ("complete", "stop"):
                    task = tasks.pop(op_id, None)
                    if task is not None:
                        task.cancel()
                elif kind == "connection_terminate":
                    await ws.close()
                    break
        finally:
            for task in list(tasks.values()):
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*tasks.values(), return_exceptions=True)
    return ws
