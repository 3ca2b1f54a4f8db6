"""GraphQL bodies stay GraphQL through curl, HAR and Postman, both ways, and Copy as Python
writes a script (app.client + app.graphql) that runs against the playground's /graphql."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.interchange import (
    Folder,
    export_curl,
    export_har,
    import_curl,
    import_har,
    import_postman,
    postman_collection,
    to_python_client,
)
from app.interchange.curl import parse_curl, to_curl
from app.model.request import AuthKind, AuthModel, BodyKind, BodyModel, KeyValue, RequestModel
from app.playground.background import BackgroundPlayground

ROOT = Path(__file__).resolve().parents[2]
QUERY = 'query User($id: ID!) {\n  user(id: $id) { name }\n}\n\nquery Hi { hello }\n'


def _graphql(variables: str = '{\n  "id": "1"\n}', operation: str = "User",
             method: str = "POST") -> RequestModel:
    return RequestModel(name="User", method=method, url="https://api.example.test/graphql",
                        body=BodyModel(BodyKind.GRAPHQL, text=QUERY,
                                       graphql_variables=variables,
                                       graphql_operation=operation))


# --- curl ------------------------------------------------------------------------------------


def test_curl_export_writes_the_json_payload_and_import_reads_it_back() -> None:
    model = _graphql()
    command = to_curl(model)
    assert "-H 'Content-Type: application/json'" in command
    data = json.loads(command.split("--data-raw ", 1)[1].split(" \\\n", 1)[0].strip("'"))
    assert data == {"query": QUERY, "variables": {"id": "1"}, "operationName": "User"}
    back = parse_curl(command)
    assert back.method == "POST" and back.headers == []
    assert back.body == BodyModel(BodyKind.GRAPHQL, text=QUERY,
                                  graphql_variables='{\n  "id": "1"\n}',
                                  graphql_operation="User")


def test_curl_import_of_a_browser_graphql_command() -> None:
    command = ("curl 'https://api.example.test/graphql' -H 'content-type: application/json' "
               """--data-raw '{"operationName":"Hi","variables":{},"""
               """"query":"query Hi { hello }"}'""")
    model = import_curl(command).collections[0].requests[0]
    assert model.method == "POST"
    assert model.body == BodyModel(BodyKind.GRAPHQL, text="query Hi { hello }",
                                   graphql_operation="Hi")
    # --json too, and a body with other keys, or a query that is not GraphQL, stays JSON.
    assert parse_curl("""curl --json '{"query": "{ a }"}' http://x/g""").body.kind is \
        BodyKind.GRAPHQL
    for data in ('{"query": "{ a }", "note": 1}', '{"query": "SELECT 1"}', '{"q": "{ a }"}'):
        body = parse_curl(f"curl -H 'Content-Type: application/json' -d '{data}' http://x/g").body
        assert body == BodyModel(BodyKind.JSON, text=data)


def test_curl_export_of_a_get_sends_the_query_parameters() -> None:
    command = to_curl(_graphql(variables="", method="GET"))
    assert " -G " in command.replace("\\\n", "") and "-X" not in command
    assert "--data-urlencode 'query=query User" in command
    assert "--data-urlencode operationName=User" in command
    assert parse_curl(command).method == "GET"
    assert "operationName=User" in parse_curl(command).url


def test_curl_export_keeps_unparsed_variables_as_typed() -> None:
    text = export_curl([Folder("C", [_graphql(variables='{"id": {{id}}}')])])
    assert '"variables": {"id": {{id}}}' in text


# --- HAR -------------------------------------------------------------------------------------


def test_har_both_ways() -> None:
    doc = json.loads(export_har([Folder("API", [_graphql()])]))
    request = doc["log"]["entries"][0]["request"]
    assert request["postData"]["mimeType"] == "application/json"
    assert json.loads(request["postData"]["text"]) == {
        "query": QUERY, "variables": {"id": "1"}, "operationName": "User"}
    back = import_har(json.dumps(doc)).collections[0].requests[0]
    assert back.body == _graphql().body
    assert all(h.name.lower() != "content-type" for h in back.headers)


def test_har_of_a_get_puts_the_query_in_the_url() -> None:
    doc = json.loads(export_har([Folder("API", [_graphql(method="GET")])]))
    request = doc["log"]["entries"][0]["request"]
    assert "postData" not in request
    assert not any(h["name"].lower() == "content-type" for h in request["headers"])
    names = [q["name"] for q in request["queryString"]]
    assert names == ["query", "variables", "operationName"]
    assert request["queryString"][0]["value"] == QUERY
    assert json.loads(request["queryString"][1]["value"]) == {"id": "1"}


def test_a_har_from_a_browser_becomes_graphql() -> None:
    payload = {"query": "mutation M { a }", "variables": {"x": [1]}}
    doc = {"log": {"version": "1.2", "entries": [{"request": {
        "method": "POST", "url": "https://x.test/graphql", "headers": [],
        "postData": {"mimeType": "application/json; charset=utf-8",
                     "text": json.dumps(payload)}}}]}}
    body = import_har(json.dumps(doc)).collections[0].requests[0].body
    assert body == BodyModel(BodyKind.GRAPHQL, text="mutation M { a }",
                             graphql_variables='{\n  "x": [\n    1\n  ]\n}')


# --- Postman ---------------------------------------------------------------------------------


def test_postman_graphql_mode_both_ways() -> None:
    model = _graphql(variables='{"id": "{{userId}}"}')
    doc = postman_collection([Folder("API", [model])])
    body = doc["item"][0]["request"]["body"]
    assert body == {"mode": "graphql", "graphql": {
        "query": QUERY, "variables": '{"id": "{{userId}}"}', "operationName": "User"}}
    back = import_postman(json.dumps(doc)).collections[0].requests[0]
    assert back.body == model.body
    # Postman's own export has no operation name: the body runs the first operation.
    del body["graphql"]["operationName"]
    assert import_postman(doc).collections[0].requests[0].body.graphql_operation == ""


# --- Copy as Python, run against the playground ------------------------------------------------


@pytest.fixture(scope="module")
def pg() -> Iterator[str]:
    playground = BackgroundPlayground()
    yield playground.start()
    playground.stop()


def _run(script: str, tmp_path: Path) -> str:
    path = tmp_path / "graphql_request.py"
    path.write_text(script, encoding="utf-8")
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                          cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          timeout=60)
    assert done.returncode == 0, script + "\n" + done.stderr
    return done.stdout


def _json_values(output: str) -> list[Any]:
    decoder, values, at = json.JSONDecoder(), [], 0
    while at < len(output.rstrip()):
        value, at = decoder.raw_decode(output, at)
        values.append(value)
        while at < len(output) and output[at].isspace():
            at += 1
    return values


def test_copy_as_python_runs_a_mutation_with_variables(pg: str, tmp_path: Path) -> None:
    model = RequestModel(
        name="Add", method="POST", url="{{pg}}/graphql",
        headers=[KeyValue("X-Trace", "{{trace}}")],
        auth=AuthModel(kind=AuthKind.BEARER, token="tok"),
        body=BodyModel(BodyKind.GRAPHQL, graphql_operation="Add", text=(
            "query Other { hello }\n"
            "mutation Add($author: ID!, $post: PostInput!) {\n"
            "  addPost(authorId: $author, post: $post) { title author { name } }\n}\n"),
            graphql_variables='{"author": "{{author}}", "post": {"title": "From Python"}}'))
    script = to_python_client(model, {"pg": pg, "author": "3", "trace": "t-1"})
    assert "from app.graphql import execute" in script
    assert "BearerAuth('tok')" in script
    [answer] = _json_values(_run(script, tmp_path))
    assert answer == {"data": {"addPost": {"title": "From Python",
                                           "author": {"name": "Grace Hopper"}}}}


def test_copy_as_python_shows_graphql_errors(pg: str, tmp_path: Path) -> None:
    model = RequestModel(name="Bad", method="GET", url=pg + "/graphql",
                         body=BodyModel(BodyKind.GRAPHQL, text="{ noSuchField }"))
    script = to_python_client(model)
    assert "execute() sends a POST" in script
    [answer] = _json_values(_run(script, tmp_path))
    assert "noSuchField" in answer["errors"][0]["message"]


def test_copy_as_python_subscribes_to_a_subscription(pg: str, tmp_path: Path) -> None:
    model = RequestModel(name="Ticks", method="POST", url=pg + "/graphql", body=BodyModel(
        BodyKind.GRAPHQL, text="subscription Ticks($n: Int!) {\n"
                               "  tick(count: $n, interval: 0.01) { n }\n}\n",
        graphql_variables='{"n": 3}'))
    script = to_python_client(model, include_secrets=False)
    assert "from app.graphql import subscribe" in script
    results = _json_values(_run(script, tmp_path))
    assert results == [{"data": {"tick": {"n": n}}} for n in (1, 2, 3)]
