"""The "Getting started" collection: requests against the playground, one per pane.

Their URLs use the ``{{playground}}`` variable, which the window sets to the base URL of the
playground it starts in-process, so every feature can be tried offline.
"""

from __future__ import annotations

from app.model.request import (
    AuthKind,
    AuthModel,
    BodyKind,
    BodyModel,
    KeyValue,
    MultipartField,
    RequestMode,
    RequestModel,
    RequestOptions,
    TerminalModel,
    query_of,
)

__all__ = [
    "PLAYGROUND_MTLS_VARIABLE",
    "PLAYGROUND_TOKEN_VARIABLE",
    "PLAYGROUND_VARIABLE",
    "getting_started",
]

PLAYGROUND_VARIABLE = "playground"
#: The token the playground's terminals want: a secret, new each run, never saved.
PLAYGROUND_TOKEN_VARIABLE = "playground_token"
#: The base URL of the playground's port that demands a client certificate.
PLAYGROUND_MTLS_VARIABLE = "playground_mtls"
BASE = "{{playground}}"
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
        # The request's Options have no proxy field yet: the entry shows the target only.
        _request("Through the proxy (no proxy option yet: sent directly; the proxy is on "
                 "the index page)", "GET", "/echo?via=proxy"),
        # Nor a client certificate: the port refuses the connection, which is its point. The
        # playground's CA is new each run, so the server certificate is not checked here.
        RequestModel(
            name="mTLS port (no client certificate option yet: refused)", method="GET",
            url=f"{{{{{PLAYGROUND_MTLS_VARIABLE}}}}}/tls/client",
            options=RequestOptions(verify_tls=False)),
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
        *_reach(),
    ]
