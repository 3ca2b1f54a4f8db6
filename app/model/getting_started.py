"""The "Getting started" collection: requests against the playground, one per pane, and the
"Run me" folder, a chain with asserts and captures through the playground's demo API.

Their URLs use the ``{{playground}}`` variable, which the window sets to the base URL of the
playground it starts in-process, so every feature can be tried offline (``spyglass run``
takes it as ``--var playground=URL``).

The GraphQL entries are GraphQL bodies (query, variables, operation): a query, a mutation with
variables and a subscription, which the window opens in the event pane; one more subscription
speaks graphql-transport-ws over the WebSocket pane, one protocol message at a time, to show
what the GraphQL body does for you.

The gRPC entries call the playground's gRPC server (``{{playground_grpc}}``, its
``host:port``), one of each kind of call, with asserts on their status codes and bodies.
"""

from __future__ import annotations

import copy
import json

from app.model.checks import AssertModel, AssertOp, CaptureModel
from app.model.request import (
    AuthKind,
    AuthModel,
    BodyKind,
    BodyModel,
    GrpcModel,
    KeyValue,
    MultipartField,
    RequestMode,
    RequestModel,
    RequestOptions,
    TerminalModel,
    query_of,
)

__all__ = [
    "PLAYGROUND_CLIENT_CERT_VARIABLE",
    "PLAYGROUND_CLIENT_KEY_VARIABLE",
    "PLAYGROUND_GRPC_VARIABLE",
    "PLAYGROUND_MTLS_VARIABLE",
    "PLAYGROUND_PROXY_VARIABLE",
    "PLAYGROUND_TOKEN_VARIABLE",
    "PLAYGROUND_VARIABLE",
    "RUN_ME_FOLDER",
    "getting_started",
    "run_me",
]

PLAYGROUND_VARIABLE = "playground"
#: The token the playground's terminals want: a secret, new each run, never saved.
PLAYGROUND_TOKEN_VARIABLE = "playground_token"
#: The base URL of the playground's port that demands a client certificate.
PLAYGROUND_MTLS_VARIABLE = "playground_mtls"
#: The playground's forward proxy, with the demo credentials it wants.
PLAYGROUND_PROXY_VARIABLE = "playground_proxy"
#: The files of the client certificate and key the playground made for this run.
PLAYGROUND_CLIENT_CERT_VARIABLE = "playground_client_cert"
PLAYGROUND_CLIENT_KEY_VARIABLE = "playground_client_key"
#: The playground's gRPC server, ``host:port`` (plaintext, with reflection).
PLAYGROUND_GRPC_VARIABLE = "playground_grpc"
BASE = "{{playground}}"
#: The name of the folder of chained requests (:func:`run_me`).
RUN_ME_FOLDER = "Run me"
#: The playground's demo OAuth 2.0 client (app/playground/oauth_store.py; not imported: the
#: model does not load the playground, and the demo values are what its index page shows).
DEMO_CLIENT_ID = "spyglass-demo"
DEMO_CLIENT_SECRET = "spyglass-demo-secret"


def _request(name: str, method: str, path: str, **kw: object) -> RequestModel:
    url = BASE + path
    model = RequestModel(name=name, method=method, url=url, params=query_of(url))
    for key, value in kw.items():
        setattr(model, key, value)
    return model


def _terminal(name: str, protocol: str) -> RequestModel:
    return _request(name, "GET", f"/terminal/{protocol}?token={{{{{PLAYGROUND_TOKEN_VARIABLE}}}}}",
                    mode=RequestMode.TERMINAL, terminal=TerminalModel(protocol))


def _graphql_body(query: str, variables: dict[str, object] | None = None) -> BodyModel:
    return BodyModel(kind=BodyKind.GRAPHQL, text=query,
                     graphql_variables=json.dumps(variables, indent=2) if variables else "")


_GRAPHQL_QUERY = """\
query Search($text: String!) {
  search(text: $text) {
    __typename
    ... on User { name role }
    ... on Post { title author { name } }
  }
}
"""
_GRAPHQL_MUTATION = """\
mutation AddPost($author: ID!, $post: PostInput!) {
  addPost(authorId: $author, post: $post) {
    id
    title
    tags
    author { name }
  }
}
"""
_GRAPHQL_TICKS = """\
subscription Ticks($count: Int!) {
  tick(count: $count, interval: 1) { n at }
}
"""
_GRAPHQL_SUBSCRIPTION = [
    {"type": "connection_init", "payload": {}},
    {"id": "1", "type": "subscribe",
     "payload": {"query": "subscription { tick(count: 5, interval: 1) { n at } }"}},
]


def _oauth2(name: str, grant: str, **fields: str) -> RequestModel:
    auth = AuthModel(kind=AuthKind.OAUTH2, grant=grant, token_url=BASE + "/oauth/token",
                     client_id=DEMO_CLIENT_ID)
    for key, value in fields.items():
        setattr(auth, key, value)
    return _request(name, "GET", "/oauth/me", auth=auth)


def _reach() -> list[RequestModel]:
    """OAuth 2.0 against the playground's provider, cookies, the proxy and the mTLS port."""
    return [
        _oauth2("OAuth 2.0 client credentials", "client_credentials",
                client_secret=DEMO_CLIENT_SECRET, scope="read"),
        _oauth2("OAuth 2.0 password grant (30-second tokens: watch them refresh)", "password",
                token_url=BASE + "/oauth/token?expires_in=30", username="ada",
                password="lovelace", client_secret=DEMO_CLIENT_SECRET),
        _oauth2("OAuth 2.0 authorization code (PKCE, approve in the browser)",
                "authorization_code", authorize_url=BASE + "/oauth/authorize", scope="profile"),
        _oauth2("OAuth 2.0 device code (approve on the page it shows)", "device_code",
                device_url=BASE + "/oauth/device?interval=2"),
        _request("/oauth/me without a token (401)", "GET", "/oauth/me"),
        _request("Set a cookie", "GET", "/cookies/set?flavour=chocolate"),
        _request("Show the cookies sent", "GET", "/cookies"),
        _request("Delete a cookie", "GET", "/cookies/delete?flavour"),
        _request("Through the playground's proxy (Options ▸ Proxy)", "GET", "/echo?via=proxy",
                 options=RequestOptions(proxy_mode="url",
                                        proxy_url=f"{{{{{PLAYGROUND_PROXY_VARIABLE}}}}}")),
        # The playground's CA is new each run, so the server certificate is not checked here.
        RequestModel(
            name="mTLS port with the playground's client certificate (Options)", method="GET",
            url=f"{{{{{PLAYGROUND_MTLS_VARIABLE}}}}}/tls/client",
            options=RequestOptions(
                verify_tls=False, client_cert_mode="files",
                client_cert=f"{{{{{PLAYGROUND_CLIENT_CERT_VARIABLE}}}}}",
                client_key=f"{{{{{PLAYGROUND_CLIENT_KEY_VARIABLE}}}}}")),
        RequestModel(
            name="mTLS port without a certificate (refused)", method="GET",
            url=f"{{{{{PLAYGROUND_MTLS_VARIABLE}}}}}/tls/client",
            options=RequestOptions(verify_tls=False, client_cert_mode="none")),
    ]


_GRPC_SERVICE = "spyglass.playground.Playground"


def _grpc(name: str, method: str, message: object, deadline: float | None = None,
          **kw: object) -> RequestModel:
    """A call of the playground's gRPC service, its types by reflection."""
    model = RequestModel(name=name, url=f"grpc://{{{{{PLAYGROUND_GRPC_VARIABLE}}}}}",
                         mode=RequestMode.GRPC, grpc=GrpcModel(
                             f"{_GRPC_SERVICE}/{method}", json.dumps(message, indent=2),
                             deadline=deadline))
    for key, value in kw.items():
        setattr(model, key, value)
    return model


def _grpc_calls() -> list[RequestModel]:
    """One call of each kind against the playground's gRPC server, an error with details, a
    deadline exceeded and a large reply."""
    return [
        _grpc("gRPC unary Echo (metadata and a trailer)", "Echo",
              {"text": "hello", "repeat": 2}, headers=[KeyValue("x-demo", "spyglass")],
              asserts=[_check("status", "eq", "OK"), _check("body.text", "eq", "hellohello")]),
        _grpc("gRPC server stream Count", "Count", {"count": 5, "interval": "0.2s"},
              asserts=[_check("body", "length", 5)]),
        _grpc("gRPC client stream Sum (an array sends each message)", "Sum",
              [{"value": 1}, {"value": 2}, {"value": 3}],
              asserts=[_check("body.sum", "eq", "6")]),
        _grpc("gRPC bidirectional Chat", "Chat",
              [{"user": "ada", "text": "hello"}, {"user": "ada", "text": "bye"}]),
        _grpc("gRPC error with details (INVALID_ARGUMENT)", "Fail",
              {"field": "email", "description": "not an address"},
              asserts=[_check("status", "eq", "INVALID_ARGUMENT")]),
        _grpc("gRPC deadline exceeded (Slow, 1 s deadline)", "Slow", {"delay": "3s"},
              deadline=1.0, asserts=[_check("status", "eq", "DEADLINE_EXCEEDED")]),
        _grpc("gRPC large reply (1 MB)", "Large", {"size": 1000000}),
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
        _terminal("A shell (raw)", "raw"),
        _terminal("Kubernetes exec", "kubernetes"),
        _terminal("Backend.AI PTY", "backendai"),
        _terminal("Jupyter terminal", "terminado"),
        _terminal("ttyd", "ttyd"),
        _request("GraphQL query", "POST", "/graphql",
                 body=_graphql_body(_GRAPHQL_QUERY, {"text": "a"})),
        _request("GraphQL mutation with variables", "POST", "/graphql", body=_graphql_body(
            _GRAPHQL_MUTATION,
            {"author": "1", "post": {"title": "Hello", "tags": ["spyglass"]}})),
        _request("GraphQL subscription (ticks in the event pane)", "POST", "/graphql",
                 body=_graphql_body(_GRAPHQL_TICKS, {"count": 5})),
        _request("GraphQL subscription over a raw WebSocket", "GET", "/graphql",
                 mode=RequestMode.WEBSOCKET, ws_subprotocols=["graphql-transport-ws"],
                 ws_saved=[{"mode": "text", "text": json.dumps(message)}
                           for message in _GRAPHQL_SUBSCRIPTION]),
        *_reach(),
        *_grpc_calls(),
    ]


def _check(target: str, op: str, value: object = None) -> AssertModel:
    return AssertModel(target, AssertOp(op), value)


def run_me() -> list[RequestModel]:
    """Fresh copies of the "Run me" folder: log in, capture the token (a secret), then
    create, read, update, list and delete an item with it; every assert passes against the
    playground (``app.playground.demo_api``)."""
    bearer = AuthModel(kind=AuthKind.BEARER, token="{{demo_token}}")
    item = "/demo/items/{{item_id}}"
    return [
        _request("Log in", "POST", "/demo/login", body=BodyModel(
            kind=BodyKind.JSON, text='{\n  "user": "ada",\n  "password": "lovelace"\n}'),
            asserts=[_check("status", "eq", 200), _check("body.token", "type", "string")],
            captures=[CaptureModel("demo_token", "body.token", secret=True)]),
        _request("Create an item", "POST", "/demo/items", auth=bearer, body=BodyModel(
            kind=BodyKind.JSON, text='{\n  "name": "Lamp",\n  "price": 12\n}'),
            asserts=[_check("status", "eq", 201), _check("body.name", "eq", "Lamp"),
                     _check("header.Location", "exists")],
            captures=[CaptureModel("item_id", "body.id")]),
        _request("Read it", "GET", item, auth=copy.copy(bearer),
                 asserts=[_check("status", "eq", 200), _check("body.id", "eq", "{{item_id}}"),
                          _check("body.price", "eq", 12)]),
        _request("Update it", "PUT", item, auth=copy.copy(bearer), body=BodyModel(
            kind=BodyKind.JSON, text='{\n  "name": "Lamp",\n  "price": 15\n}'),
            asserts=[_check("status", "eq", 200), _check("body.price", "eq", 15),
                     _check("time_ms", "lt", 5000)]),
        _request("List items", "GET", "/demo/items", auth=copy.copy(bearer),
                 asserts=[_check("status", "eq", 200), _check("body.count", "gte", 1),
                          _check("body.items", "type", "array")]),
        _request("Delete it", "DELETE", item, auth=copy.copy(bearer),
                 asserts=[_check("status", "eq", 204)]),
        _request("It is gone", "GET", item, auth=copy.copy(bearer),
                 asserts=[_check("status", "eq", 404)]),
    ]
