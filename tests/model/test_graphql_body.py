"""A GraphQL body: its operations, the payload it is sent as, and compose against the
playground's /graphql (graphql-core's executor)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.client import AsyncSession
from app.model.compose import ComposeError, compose
from app.model.graphql_body import (
    Operation,
    body_from_payload,
    chosen_operation,
    get_parameters,
    graphql_payload,
    json_or_graphql,
    operation_kind,
    operations,
    payload_text,
)
from app.model.request import BodyKind, BodyModel, KeyValue, RequestModel
from app.playground import RunningPlayground, start_playground

DOCUMENT = """\
# a comment first
query Users { users { ...Names } }

mutation AddPost($author: ID!, $post: PostInput!) {
  addPost(authorId: $author, post: $post) { id title }
}
fragment Names on User { name }
subscription Ticks { tick(count: 2, interval: 0.01) { n } }
"""


def _body(text: str, variables: str = "", operation: str = "") -> BodyModel:
    return BodyModel(BodyKind.GRAPHQL, text=text, graphql_variables=variables,
                     graphql_operation=operation)


# --- operations ------------------------------------------------------------------------------


def test_operations_in_document_order_with_kind_and_line() -> None:
    assert operations(DOCUMENT) == [
        Operation("Users", "query", 2),
        Operation("AddPost", "mutation", 4),
        Operation("Ticks", "subscription", 8),
    ]
    assert operations("{ hello }") == [Operation(None, "query", 1)]
    assert operations("\n\nsubscription { tick { n } }") == [Operation(None, "subscription", 3)]


@pytest.mark.parametrize("text", ["", "   \n", "{ hello", "query {", "not graphql at all",
                                  "fragment F on User { name }", "{" * 5000 + "}" * 5000])
def test_a_document_that_does_not_parse_or_has_no_operation_gives_none(text: str) -> None:
    assert operations(text) == []
    assert operation_kind(_body(text)) is None


def test_the_chosen_operation_by_name_or_the_first() -> None:
    assert operation_kind(_body(DOCUMENT)) == "query"
    assert operation_kind(_body(DOCUMENT, operation="AddPost")) == "mutation"
    assert chosen_operation(_body(DOCUMENT, operation="AddPost")) == \
        Operation("AddPost", "mutation", 4)
    assert operation_kind(_body("subscription Ticks { tick { n } }")) == "subscription"
    assert operation_kind(_body(DOCUMENT, operation="Missing")) is None


# --- the payload -----------------------------------------------------------------------------


def test_the_payload_fills_variables_in_the_query_and_the_variables() -> None:
    body = _body('query Q($id: ID!) { user(id: $id) { name } } # {{note}}',
                 '{\n  "id": "{{uid}}",\n  "n": {{n}}\n}')
    assert graphql_payload(body, {"note": "hi", "uid": "3", "n": "7"}) == {
        "query": 'query Q($id: ID!) { user(id: $id) { name } } # hi',
        "variables": {"id": "3", "n": 7},
        "operationName": "Q",
    }


def test_blank_variables_and_an_anonymous_operation_send_only_the_query() -> None:
    assert graphql_payload(_body("{ hello }", "  \n"), {}) == {"query": "{ hello }"}


def test_the_chosen_operation_is_named_and_without_one_the_first() -> None:
    assert graphql_payload(_body(DOCUMENT, operation="AddPost"), {})["operationName"] == \
        "AddPost"
    assert graphql_payload(_body(DOCUMENT), {})["operationName"] == "Users"
    # A document that does not parse goes as it is: the server says what is wrong.
    assert graphql_payload(_body("{ broken", operation="X"), {}) == {
        "query": "{ broken", "operationName": "X"}


def test_an_operation_the_document_does_not_hold_is_refused() -> None:
    with pytest.raises(ComposeError, match=r"no operation named 'Nope' \(it has Users, "
                                           r"AddPost, Ticks\)") as info:
        graphql_payload(_body(DOCUMENT, operation="Nope"), {})
    assert info.value.field == "body"


@pytest.mark.parametrize(("variables", "message"), [
    ('{\n  "a": 1,\n}', r"not valid JSON: Expecting property name enclosed in double quotes "
                        r"\(line 3, column 1\)"),
    ('{"a": ', r"not valid JSON: Expecting value \(line 1, column 7\)"),
    ("[1, 2]", "must be a JSON object, not an array"),
    ('"text"', "must be a JSON object, not a string"),
    ("3", "must be a JSON object, not a number"),
    ("null", "must be a JSON object, not null"),
    ("[" * 100000 + "]" * 100000, "nest too deeply|not valid JSON"),
])
def test_variables_that_are_not_a_json_object_name_the_variables(variables: str,
                                                                 message: str) -> None:
    with pytest.raises(ComposeError, match=message) as info:
        graphql_payload(_body("{ hello }", variables), {})
    assert info.value.field == "variables"


def test_an_empty_query_and_unresolved_variables_are_refused() -> None:
    with pytest.raises(ComposeError, match="Enter a GraphQL query") as info:
        graphql_payload(_body("  \n"), {})
    assert info.value.field == "body"
    with pytest.raises(ComposeError, match=r"Unresolved variable \{\{who\}\} in the body"):
        graphql_payload(_body('{ hello(name: "{{who}}") }'), {})
    with pytest.raises(ComposeError, match=r"\{\{id\}\} in the variables") as info:
        graphql_payload(_body("{ hello }", '{"id": {{id}}}'), {})
    assert info.value.field == "variables"


# --- payload <-> body (what the importers and exporters share) --------------------------------


def test_payload_text_keeps_variables_as_typed() -> None:
    body = _body("query Q { a }", '{"id": {{id}}}', "Q")
    assert payload_text(body) == \
        '{"query": "query Q { a }", "variables": {"id": {{id}}}, "operationName": "Q"}'
    plain = _body('{ a(s: "é \\"variables\\": null") }', '{"x": [1, 2]}')
    assert json.loads(payload_text(plain, indent=2)) == {
        "query": plain.text, "variables": {"x": [1, 2]}}
    assert json.loads(payload_text(_body("{ a }"))) == {"query": "{ a }"}


@pytest.mark.parametrize("payload", [
    {"query": "{ a }"},
    {"query": "query Q($x: Int) { a(x: $x) }", "variables": {"x": 1}, "operationName": "Q"},
    {"query": "{ a }", "variables": None, "operationName": None, "extensions": {}},
])
def test_a_standard_payload_becomes_a_graphql_body(payload: dict[str, Any]) -> None:
    body = body_from_payload(payload)
    assert body is not None and body.kind is BodyKind.GRAPHQL
    assert body.text == payload["query"]
    assert json.loads(body.graphql_variables or "null") == payload.get("variables")
    assert body.graphql_operation == (payload.get("operationName") or "")
    assert body_from_payload(json.loads(payload_text(body))) == body


@pytest.mark.parametrize("value", [
    None, [], "text", {"data": 1}, {"query": 3}, {"query": "{ a }", "note": "x"},
    {"query": "not graphql"}, {"query": "fragment F on T { a }"},
    {"query": "{ a }", "variables": [1]}, {"query": "{ a }", "operationName": 2},
    {"query": "{ a }", "extensions": {"persistedQuery": {"version": 1}}},
])
def test_anything_else_stays_json(value: object) -> None:
    assert body_from_payload(value) is None
    text = json.dumps(value)
    assert json_or_graphql(text) == BodyModel(BodyKind.JSON, text=text)


def test_json_or_graphql_reads_text() -> None:
    assert json_or_graphql('{"query": "{ a }", "variables": {"b": 2}}') == _body(
        "{ a }", '{\n  "b": 2\n}')
    assert json_or_graphql("{not json") == BodyModel(BodyKind.JSON, text="{not json")
    assert get_parameters(_body("{ a }", ' {"b": 2} ', "Q")) == [
        ("query", "{ a }"), ("variables", '{"b": 2}'), ("operationName", "Q")]


def test_the_model_round_trips_a_graphql_body() -> None:
    model = RequestModel(method="POST", url="http://x/graphql",
                         body=_body(DOCUMENT, '{"a": 1}', "AddPost"))
    assert RequestModel.from_dict(json.loads(json.dumps(model.to_dict()))) == model


# --- compose against the playground ------------------------------------------------------------


@pytest.fixture
async def playground() -> AsyncIterator[RunningPlayground]:
    async with await start_playground(access_log=False) as pg:
        yield pg


async def _answer(model: RequestModel, variables: dict[str, str]) -> tuple[Any, str, str]:
    async with AsyncSession() as session:
        composed = compose(session, model, variables)
        try:
            prepared = composed.request.prepare()
            async with composed.request.fetch(check_status=False) as response:
                return (await response.json(), str(prepared.url),
                        prepared.headers.get("Content-Type", ""))
        finally:
            composed.close()


async def test_compose_posts_the_payload_to_a_real_executor(
        playground: RunningPlayground) -> None:
    model = RequestModel(method="POST", url="{{pg}}/graphql", body=_body(
        DOCUMENT, '{"author": "{{author}}", "post": {"title": "Hi", "tags": ["x"]}}',
        "AddPost"))
    answer, _, content_type = await _answer(model, {"pg": playground.url, "author": "2"})
    assert content_type == "application/json"
    assert answer["data"]["addPost"]["title"] == "Hi"
    first = RequestModel(method="POST", url=playground.url + "/graphql", body=_body(DOCUMENT))
    answer, _, _ = await _answer(first, {})
    assert "errors" not in answer and answer["data"]["users"]


async def test_compose_sends_a_get_as_query_parameters(playground: RunningPlayground) -> None:
    model = RequestModel(method="GET", url=playground.url + "/graphql?x=1",
                         params=[KeyValue("x", "1")],
                         body=_body("query Hi($n: String) { hello(name: $n) }",
                                    '{"n": "{{who}}"}'))
    answer, url, content_type = await _answer(model, {"who": "Ada"})
    assert answer == {"data": {"hello": "Hello, Ada!"}}
    assert content_type == ""
    assert "?x=1&query=" in url and "operationName=Hi" in url


async def test_the_server_answers_errors_for_a_query_that_does_not_validate(
        playground: RunningPlayground) -> None:
    model = RequestModel(method="POST", url=playground.url + "/graphql",
                         body=_body("{ noSuchField }"))
    answer, _, _ = await _answer(model, {})
    assert "noSuchField" in answer["errors"][0]["message"]


async def test_an_explicit_content_type_and_accept_win() -> None:
    model = RequestModel(method="POST", url="http://127.0.0.1:9/graphql",
                         headers=[KeyValue("Content-Type", "application/graphql+json"),
                                  KeyValue("Accept", "application/json")],
                         body=_body("{ a }"))
    async with AsyncSession() as session:
        composed = compose(session, model)
        prepared = composed.request.prepare()
    assert prepared.headers["Content-Type"] == "application/graphql+json"
    assert prepared.headers.getall("Accept") == ["application/json"]
    assert json.loads(composed.request.content) == {"query": "{ a }"}


async def test_compose_names_the_variables_before_sending() -> None:
    model = RequestModel(method="POST", url="http://127.0.0.1:9/graphql",
                         body=_body("{ a }", "{oops}"))
    async with AsyncSession() as session:
        with pytest.raises(ComposeError, match=r"line 1, column 2") as info:
            compose(session, model)
    assert info.value.field == "variables"
