"""The playground's /graphql endpoint, through the library: introspection, queries over POST
and GET, a mutation with variables, subscriptions in both protocols, bad requests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from graphql import GraphQLEnumType, GraphQLObjectType

from app.client import APIError, AsyncSession, Request
from app.graphql import (
    GRAPHQL_TRANSPORT_WS,
    GRAPHQL_WS,
    complete,
    execute,
    introspect,
    subscribe,
    validate,
)
from app.model.compose import compose
from app.model.getting_started import PLAYGROUND_VARIABLE, getting_started
from app.model.graphql_body import graphql_payload, operation_kind
from app.model.request import BodyKind
from app.playground import RunningPlayground, start_playground


@pytest.fixture
async def playground() -> AsyncIterator[RunningPlayground]:
    async with await start_playground(access_log=False) as pg:
        yield pg


async def test_the_schema_has_interfaces_unions_enums_inputs_and_a_deprecation(
        playground: RunningPlayground) -> None:
    async with AsyncSession() as session:
        schema = await introspect(session, playground.url + "/graphql")
    user, role = schema.get_type("User"), schema.get_type("Role")
    assert isinstance(user, GraphQLObjectType) and isinstance(role, GraphQLEnumType)
    assert [i.name for i in user.interfaces] == ["Node"]
    assert user.fields["username"].deprecation_reason == "Use name."
    assert role.values["GUEST"].deprecation_reason == "Use VIEWER."
    assert schema.get_type("SearchResult") is not None
    assert schema.get_type("PostInput") is not None
    labels = [s.label for s in complete(schema, "{ search(text: \"a\") { ... on ", 1, 33)]
    assert labels == ["Node", "Post", "SearchResult", "User"]
    assert validate(schema, "subscription { tick(count: 2) { n at } }") == []


async def test_queries_over_post_and_get(playground: RunningPlayground) -> None:
    url = playground.url + "/graphql"
    query = ('{ hello(name: "Ada") search(text: "a") { __typename ... on User { name } '
             '... on Post { title author { name } } } node(id: "p1") { id } }')
    async with AsyncSession() as session:
        answer = await execute(Request(session, path=url), query)
        request = Request(session, "GET", url, params={"query": "{ hello }"})
        async with request.fetch() as response:
            got = await response.json()
    assert answer["data"]["hello"] == "Hello, Ada!"
    kinds = {item["__typename"] for item in answer["data"]["search"]}
    assert kinds == {"User", "Post"}
    assert answer["data"]["node"] == {"id": "p1"}
    assert got == {"data": {"hello": "Hello, world!"}}


async def test_a_mutation_with_variables(playground: RunningPlayground) -> None:
    url = playground.url + "/graphql"
    mutation = ("mutation Add($author: ID!, $post: PostInput!) { "
                "addPost(authorId: $author, post: $post) { id title tags author { name } } }")
    async with AsyncSession() as session:
        added = await execute(Request(session, path=url), mutation,
                              {"author": "3", "post": {"title": "COBOL", "tags": ["a"]}})
        refused = await execute(Request(session, path=url), mutation,
                                {"author": "99", "post": {"title": "x"}})
        listed = await execute(Request(session, path=url),
                               '{ user(id: "3") { posts { title } } }')
    assert added["data"]["addPost"]["title"] == "COBOL"
    assert added["data"]["addPost"]["author"] == {"name": "Grace Hopper"}
    assert refused["errors"][0]["message"] == "No user with id 99."
    assert {"title": "COBOL"} in listed["data"]["user"]["posts"]


async def test_bad_requests_get_graphql_errors(playground: RunningPlayground) -> None:
    url = playground.url + "/graphql"
    async with AsyncSession() as session:
        invalid = await execute(Request(session, path=url), "{ nope }")
        get_mutation = Request(session, "GET", url,
                               params={"query": 'mutation { setRole(userId: "1", role: ADMIN)'
                                                ' { id } }'})
        with pytest.raises(APIError) as caught:
            async with get_mutation.fetch():
                pass
        no_query = Request(session, "POST", url)
        no_query.set_json({"variables": {}})
        with pytest.raises(APIError) as missing:
            async with no_query.fetch():
                pass
    assert "nope" in invalid["errors"][0]["message"]
    assert caught.value.status == 405 and "only queries" in str(caught.value.data)
    assert missing.value.status == 400 and "no query" in str(missing.value.data)


@pytest.mark.parametrize("protocol", [GRAPHQL_TRANSPORT_WS, GRAPHQL_WS])
async def test_the_ticker_subscription_in_each_protocol(playground: RunningPlayground,
                                                        protocol: str) -> None:
    async with AsyncSession() as session:
        subscription = subscribe(Request(session, path=playground.url + "/graphql"),
                                 "subscription T($n: Int) { tick(count: $n, interval: 0.01) "
                                 "{ n } }", {"n": 3}, "T", protocols=(protocol,))
        async with subscription as results:
            got = [result async for result in results]
    assert subscription.protocol == protocol
    assert got == [{"data": {"tick": {"n": n}}} for n in (1, 2, 3)]


@pytest.mark.parametrize("protocol", [GRAPHQL_TRANSPORT_WS, GRAPHQL_WS])
async def test_an_invalid_subscription_gets_an_error_message(playground: RunningPlayground,
                                                             protocol: str) -> None:
    async with AsyncSession() as session:
        async with subscribe(Request(session, path=playground.url + "/graphql"),
                             "subscription { tick(count: 5000) { n } }",
                             protocols=(protocol,)) as results:
            got = [result async for result in results]
    assert len(got) == 1
    assert "count must be between 0 and 1000" in str(got[0])


async def test_the_getting_started_graphql_entries_work(playground: RunningPlayground) -> None:
    entries = {m.name: m for m in getting_started() if m.name.startswith("GraphQL")}
    assert len(entries) == 4
    variables = {PLAYGROUND_VARIABLE: playground.url}
    async with AsyncSession() as session:
        for name in ("GraphQL query", "GraphQL mutation with variables"):
            model = entries[name]
            assert model.body.kind is BodyKind.GRAPHQL
            composed = compose(session, model, variables)
            async with composed.request.fetch() as response:
                answer = await response.json()
            assert answer.get("errors") is None and answer["data"], name
        # The window opens this one in the event pane, through subscribe().
        model = entries["GraphQL subscription (ticks in the event pane)"]
        assert operation_kind(model.body) == "subscription"
        payload = graphql_payload(model.body, variables)
        request = Request(session, path=model.url.replace("{{playground}}", playground.url))
        async with subscribe(request, payload["query"], payload.get("variables"),
                             payload.get("operationName")) as results:
            ticks = []
            async for result in results:  # one a second: two are enough
                ticks.append(result["data"]["tick"]["n"])
                if len(ticks) == 2:
                    break
        assert ticks == [1, 2]
        model = entries["GraphQL subscription over a raw WebSocket"]
        request = Request(session, path=model.url.replace("{{playground}}", playground.url))
        async with request.connect_websocket(protocols=model.ws_subprotocols) as ws:
            for saved in model.ws_saved:
                await ws.send_str(saved["text"])
            assert (await ws.receive_json())["type"] == "connection_ack"
            first = await ws.receive_json()
    assert first["type"] == "next" and first["payload"]["data"]["tick"]["n"] == 1
