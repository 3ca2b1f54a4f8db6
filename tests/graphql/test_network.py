"""introspect, execute and subscribe against a real server nobody here wrote (strawberry on
aiohttp), one that refuses introspection, and a peer that sends an error and closes."""

from __future__ import annotations

import json

import pytest
from graphql import GraphQLObjectType

from app.client import APIError, AsyncSession, BearerAuth, Request, StreamError, UsageError
from app.graphql import (
    GRAPHQL_TRANSPORT_WS,
    GRAPHQL_WS,
    SchemaCache,
    execute,
    introspect,
    schema_from_sdl,
    subscribe,
    validate,
)
from tests.graphql.servers import error_then_close_server, strawberry_server


async def test_introspect_builds_the_servers_schema() -> None:
    async with strawberry_server() as url, AsyncSession() as session:
        schema = await introspect(session, url)
    user = schema.get_type("User")
    assert isinstance(user, GraphQLObjectType)
    assert user.fields["name"].description == "The full name."
    assert user.fields["login"].deprecation_reason == "Use name."
    assert schema.subscription_type is not None
    assert validate(schema, '{ user(id: "1") { name role } }') == []


async def test_a_server_refusing_introspection_raises_stream_error_with_its_message() -> None:
    async with strawberry_server(introspection=False) as url, AsyncSession() as session:
        with pytest.raises(StreamError, match=r"refused introspection: .*introspection"):
            await introspect(session, url)


async def test_introspection_answered_with_an_error_status_raises_api_error() -> None:
    async with strawberry_server() as url, AsyncSession() as session:
        with pytest.raises(APIError) as caught:
            await introspect(session, url.replace("/graphql", "/nothing-here"))
    assert caught.value.status == 404


async def test_the_schema_cache_introspects_once_per_url_and_environment() -> None:
    cache = SchemaCache()
    async with strawberry_server() as url, AsyncSession() as session:
        first = await cache.load(session, url, environment="dev")
        again = await cache.load(session, url, environment="dev")
        other = await cache.load(session, url, environment="prod")
        refreshed = await cache.load(session, url, environment="dev", refresh=True)
    assert again is first and other is not first and refreshed is not first
    assert first.source == "introspection"
    assert cache.get(url, "dev") is refreshed
    cache.forget(url)
    assert cache.get(url, "dev") is None and cache.get(url, "prod") is None
    sdl = cache.put(url, "dev", schema_from_sdl("type Query { a: Int }"))
    assert cache.get(url, "dev") is sdl and sdl.source == "sdl"


def test_schema_from_sdl_refuses_a_broken_file_clearly() -> None:
    with pytest.raises(ValueError, match="Not a usable GraphQL schema: Syntax Error"):
        schema_from_sdl("type Query {")


async def test_execute_a_query_with_variables_and_an_operation_name() -> None:
    async with strawberry_server() as url, AsyncSession() as session:
        answer = await execute(
            Request(session, path=url),
            "query A($id: ID!) { user(id: $id) { name role } } query B { boom }",
            {"id": "1"}, "A")
    assert answer == {"data": {"user": {"name": "Ada", "role": "ADMIN"}}}


async def test_execute_returns_data_and_errors_as_sent() -> None:
    async with strawberry_server() as url, AsyncSession() as session:
        partial = await execute(Request(session, path=url), '{ user(id: "1") { name } boom }')
        invalid = await execute(Request(session, path=url), "{ nope }")
        mutation = await execute(Request(session, path=url),
                                 'mutation { rename(id: "7", name: "Grace") { id name } }')
    assert partial["data"] is None or partial["data"].get("user") == {"name": "Ada"}
    assert partial["errors"][0]["message"] == "the boom field always fails"
    assert "nope" in invalid["errors"][0]["message"]
    assert mutation == {"data": {"rename": {"id": "7", "name": "Grace"}}}


async def test_execute_raises_api_error_when_the_answer_is_not_graphql() -> None:
    async with strawberry_server() as url, AsyncSession() as session:
        with pytest.raises(APIError) as caught:
            await execute(Request(session, path=url.replace("/graphql", "/elsewhere")),
                          "{ a }")
    assert caught.value.status == 404
    async with AsyncSession() as session:
        with pytest.raises(UsageError, match="variables must be a JSON object"):
            await execute(Request(session, path="http://127.0.0.1:9/"), "{ a }",
                          ["not", "a", "mapping"])  # type: ignore[arg-type]


@pytest.mark.parametrize("protocol", [GRAPHQL_TRANSPORT_WS, GRAPHQL_WS])
async def test_subscribe_over_each_protocol(protocol: str) -> None:
    async with strawberry_server() as url, AsyncSession() as session:
        # Offer only one protocol, so that each is exercised.
        subscription = subscribe(Request(session, path=url), "subscription { count(to: 3) }",
                                 protocols=(protocol,))
        async with subscription as results:
            got = [result async for result in results]
        assert subscription.protocol == protocol
    assert got == [{"data": {"count": n}} for n in (1, 2, 3)]


async def test_subscribe_picks_the_modern_protocol_when_both_are_offered() -> None:
    async with strawberry_server() as url, AsyncSession() as session:
        subscription = subscribe(Request(session, path=url), "subscription { count(to: 1) }")
        async with subscription as results:
            got = [result async for result in results]
    assert subscription.protocol == GRAPHQL_TRANSPORT_WS
    assert got == [{"data": {"count": 1}}]


async def test_subscribe_sends_the_requests_auth_in_connection_init() -> None:
    async with strawberry_server() as url, AsyncSession(auth=BearerAuth("s3cret")) as session:
        async with subscribe(Request(session, path=url), "subscription { whoami }") as results:
            got = [result async for result in results]
    params = json.loads(got[0]["data"]["whoami"])
    assert params["Authorization"] == "Bearer s3cret"
    assert params["headers"] == {"Authorization": "Bearer s3cret"}


async def test_leaving_a_subscription_early_completes_it() -> None:
    async with strawberry_server() as url, AsyncSession() as session:
        async with subscribe(Request(session, path=url),
                             "subscription { count(to: 1000) }") as results:
            async for result in results:
                assert result == {"data": {"count": 1}}
                break
        # The server is still happy to serve the next one on a new connection.
        async with subscribe(Request(session, path=url),
                             "subscription { count(to: 1) }") as results:
            assert [r async for r in results] == [{"data": {"count": 1}}]


async def test_a_subscription_the_server_finds_invalid_yields_its_errors() -> None:
    async with strawberry_server() as url, AsyncSession() as session:
        async with subscribe(Request(session, path=url), "subscription { nope }") as results:
            got = [result async for result in results]
    assert len(got) == 1 and "nope" in got[0]["errors"][0]["message"]


@pytest.mark.parametrize("protocol", [GRAPHQL_TRANSPORT_WS, GRAPHQL_WS])
async def test_an_error_message_is_yielded_and_ends_the_subscription(protocol: str) -> None:
    async with error_then_close_server(protocol) as (url, received), AsyncSession() as session:
        async with subscribe(Request(session, path=url), "subscription { n }") as results:
            got = [result async for result in results]
    assert got == [{"data": {"n": 1}}, {"errors": [{"message": "the ticker broke"}]}]
    if protocol == GRAPHQL_TRANSPORT_WS:
        assert received[:3] == ["connection_init", "pong", "subscribe"]
    else:
        assert received[:2] == ["connection_init", "start"]


async def test_subscribe_refuses_an_unknown_protocol() -> None:
    async with AsyncSession() as session:
        with pytest.raises(ValueError, match="protocols must be"):
            subscribe(Request(session, path="http://127.0.0.1:9/"), "subscription { a }",
                      protocols=("chat",))


async def test_a_server_that_refuses_the_websocket_raises_api_error() -> None:
    async with strawberry_server() as url, AsyncSession() as session:
        with pytest.raises(APIError):
            async with subscribe(Request(session, path=url.replace("/graphql", "/none")),
                                 "subscription { count }"):
                pass
