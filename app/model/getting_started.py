"""The "Getting started" collection: requests against the playground, one per pane.

Their URLs use the ``{{playground}}`` variable, which the window sets to the base URL of the
playground it starts in-process, so every feature can be tried offline.

The GraphQL entries send the standard JSON body of GraphQL over HTTP (a JSON body: the model
has no GraphQL body kind yet, issue 16), and the subscription speaks graphql-transport-ws
over the WebSocket pane, one protocol message at a time.
"""

from __future__ import annotations

import json

from app.model.request import (
    AuthKind,
    AuthModel,
    BodyKind,
    BodyModel,
    KeyValue,
    MultipartField,
    RequestMode,
    RequestModel,
    query_of,
)

__all__ = ["PLAYGROUND_VARIABLE", "getting_started"]

PLAYGROUND_VARIABLE = "playground"
BASE = "{{playground}}"


def _request(name: str, method: str, path: str, **kw: object) -> RequestModel:
    url = BASE + path
    model = RequestModel(name=name, method=method, url=url, params=query_of(url))
    for key, value in kw.items():
        setattr(model, key, value)
    return model


def _graphql_body(query: str, variables: dict[str, object] | None = None) -> BodyModel:
    body: dict[str, object] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    return BodyModel(kind=BodyKind.JSON, text=json.dumps(body, indent=2))


_GRAPHQL_QUERY = ('query Search($text: String!) { search(text: $text) { __typename '
                  '... on User { name role } ... on Post { title author { name } } } }')
_GRAPHQL_MUTATION = ("mutation AddPost($author: ID!, $post: PostInput!) { addPost(authorId: "
                     "$author, post: $post) { id title tags author { name } } }")
_GRAPHQL_SUBSCRIPTION = [
    {"type": "connection_init", "payload": {}},
    {"id": "1", "type": "subscribe",
     "payload": {"query": "subscription { tick(count: 5, interval: 1) { n at } }"}},
]


def getting_started() -> list[RequestModel]:
    """Fresh copies of the collection's requests."""
    return [
        _request("Echo a GET with a query", "GET", "/echo?hello=world&tag=a&tag=b",
                 headers=[KeyValue("X-Demo", "spyglass")]),
        _request("POST JSON", "POST", "/echo", body=BodyModel(
            kind=BodyKind.JSON,
            text='{\n  "name": "Spyglass",\n  "features": ["http", "sse", "websocket"],\n'
                 '  "offline": true\n}')),
        _request("Submit a form", "POST", "/echo", body=BodyModel(
            kind=BodyKind.FORM, form=[KeyValue("user", "ada"), KeyValue("lang", "en")])),
        _request("Upload a file (multipart)", "POST", "/upload", body=BodyModel(
            kind=BodyKind.MULTIPART,
            multipart=[MultipartField("note", "choose a large file to watch the progress"),
                       MultipartField("file", "", is_file=True)])),
        _request("A 404 is a response", "GET", "/status/404"),
        _request("Slow answer (cancel with Esc)", "GET", "/delay/5"),
        _request("Follow redirects", "GET", "/redirect/3"),
        _request("Basic auth", "GET", "/basic-auth/ada/lovelace", auth=AuthModel(
            kind=AuthKind.BASIC, username="ada", password="lovelace")),
        _request("Large JSON (20 MB)", "GET", "/json?size=20000000"),
        _request("Binary bytes (hex view)", "GET", "/bytes/4096?seed=7"),
        _request("An image (preview)", "GET", "/image.png"),
        _request("Gzip-compressed body", "GET", "/gzip"),
        _request("Event stream ticker", "GET", "/sse/ticker?count=50&interval=0.3",
                 mode=RequestMode.SSE),
        _request("LLM-style chat stream", "POST", "/sse/chat", mode=RequestMode.SSE, body=BodyModel(
            kind=BodyKind.JSON,
            text='{\n  "prompt": "Explain server-sent events in one paragraph."\n}')),
        _request("WebSocket echo", "GET", "/ws/echo", mode=RequestMode.WEBSOCKET,
                 ws_subprotocols=["chat"]),
        _request("WebSocket console", "GET", "/ws/console", mode=RequestMode.WEBSOCKET,
                 ws_saved=[{"mode": "text", "text": "help"}, {"mode": "text", "text": "time"},
                           {"mode": "text", "text": "count 5"},
                           {"mode": "text", "text": "close 4001 bye"}]),
        _request("GraphQL query", "POST", "/graphql",
                 body=_graphql_body(_GRAPHQL_QUERY, {"text": "a"})),
        _request("GraphQL mutation with variables", "POST", "/graphql", body=_graphql_body(
            _GRAPHQL_MUTATION,
            {"author": "1", "post": {"title": "Hello", "tags": ["spyglass"]}})),
        _request("GraphQL subscription (ticks)", "GET", "/graphql",
                 mode=RequestMode.WEBSOCKET, ws_subprotocols=["graphql-transport-ws"],
                 ws_saved=[{"mode": "text", "text": json.dumps(message)}
                           for message in _GRAPHQL_SUBSCRIPTION]),
    ]
