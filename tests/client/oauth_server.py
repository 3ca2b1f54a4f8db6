"""A real OAuth 2.0 server for tests: authlib's server classes behind a small aiohttp app.

authlib decides every answer (client authentication, grants, PKCE, device polling, refresh);
this file only stores what it asks to store and adapts aiohttp's requests to its interface.

- ``POST /token``: client credentials, password, authorization code (S256 PKCE), device code
  and refresh token grants; ``GET /authorize`` approves at once (``?deny=1`` in the authorize
  URL's query makes the server refuse instead); ``POST /device`` starts a device grant,
  ``GET /device/approve?user_code=`` approves it.
- ``GET /me``: the resource, guarded by the bearer token (401 when unknown, expired or
  revoked); ``GET /always-401`` refuses every token; ``GET /ws/me``: the same as a WebSocket.
- Broken token endpoints for the failure paths: ``/token/html``, ``/token/no-access-token``.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, ClassVar

from aiohttp import WSMsgType, web
from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    ClientMixin,
    OAuth2Request,
    grants,
)
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc8628 import (
    DeviceAuthorizationEndpoint,
    DeviceCodeGrant,
    DeviceCredentialDict,
)
from multidict import MultiDict

from app.playground.oauth import AuthlibRequest

# authlib refuses plain http unless told: the server runs on 127.0.0.1 only.
os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")

__all__ = ["CLIENTS", "OAuthState", "make_oauth_app"]

USER = "alice"
PASSWORD = "wonder land"


@dataclass
class Client(ClientMixin):  # type: ignore[misc]
    client_id: str
    secret: str | None
    grant_types: tuple[str, ...]
    auth_methods: tuple[str, ...]
    scope: str = "read write"

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return self.scope
        return " ".join(s for s in scope.split() if s in self.scope.split())

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # RFC 8252 7.3: a loopback redirect may use any port.
        return redirect_uri.startswith("http://127.0.0.1:")

    def check_client_secret(self, client_secret: str) -> bool:
        return self.secret is not None and secrets.compare_digest(
            client_secret.encode(), self.secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in self.auth_methods

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grant_types


SECRET_METHODS = ("client_secret_basic", "client_secret_post")
CLIENTS = {
    c.client_id: c
    for c in (
        Client("svc", "svc sécret/+", ("client_credentials",), SECRET_METHODS),
        Client("basic-only", "b-secret", ("client_credentials",), ("client_secret_basic",)),
        Client("pw-app", "pw-secret", ("password", "refresh_token"), SECRET_METHODS),
        Client("web-app", None, ("authorization_code", "refresh_token"), ("none",)),
        Client("tv", None, (DeviceCodeGrant.GRANT_TYPE, "refresh_token"), ("none",)),
    )
}


@dataclass
class Token:
    data: dict[str, Any]
    client_id: str
    user: str | None
    issued_at: float
    revoked: bool = False

    def check_client(self, client: Client) -> bool:
        return self.client_id == client.client_id

    def get_scope(self) -> str:
        return str(self.data.get("scope", ""))

    def is_expired(self) -> bool:
        return time.time() > self.issued_at + float(self.data.get("expires_in", 0))

    def is_revoked(self) -> bool:
        return self.revoked


@dataclass
class Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: str
    code_challenge: str | None
    code_challenge_method: str | None

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


@dataclass
class OAuthState:
    """What the server holds and counts; tests read and change it."""

    expires_in: int = 3600
    #: How many polls of a device grant answer ``slow_down`` before ``authorization_pending``.
    slow_downs: int = 0
    device_interval: int = 0
    tokens: dict[str, Token] = field(default_factory=dict)
    codes: dict[str, Code] = field(default_factory=dict)
    devices: dict[str, DeviceCredentialDict] = field(default_factory=dict)
    approved: dict[str, bool] = field(default_factory=dict)
    polls: Counter[str] = field(default_factory=Counter)
    #: Token requests by grant type; resource hits by path.
    grants: Counter[str] = field(default_factory=Counter)
    hits: Counter[str] = field(default_factory=Counter)
    #: The Authorization header of each resource hit, by path.
    seen: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def revoke_access_tokens(self) -> None:
        """Make every access token unknown (its refresh token stays good)."""
        self.tokens = {"revoked-" + key: token for key, token in self.tokens.items()}

    def revoke_refresh_tokens(self) -> None:
        for token in self.tokens.values():
            token.revoked = True


class _Server(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, state: OAuthState) -> None:
        super().__init__(scopes_supported=["read", "write"])
        self.state = state
        self.register_token_generator("default", BearerTokenGenerator(
            access_token_generator=lambda *a, **k: secrets.token_urlsafe(24),
            refresh_token_generator=lambda *a, **k: secrets.token_urlsafe(24),
            expires_generator=lambda client, grant_type: state.expires_in,
        ))

    def query_client(self, client_id: str) -> Client | None:
        return CLIENTS.get(client_id)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        self.state.tokens[token["access_token"]] = Token(
            dict(token), request.client.client_id, request.user, time.time())

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass

    def create_oauth2_request(self, request: AuthlibRequest) -> AuthlibRequest:
        return request  # already adapted (the form had to be read asynchronously first)

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]
                        ) -> web.Response:
        text = json.dumps(body) if isinstance(body, dict) else body or ""
        return web.Response(status=status, text=text, headers=dict(headers))


def _grants(state: OAuthState) -> list[tuple[type, list[Any] | None]]:
    methods = [*SECRET_METHODS, "none"]

    class ClientCredentials(grants.ClientCredentialsGrant):  # type: ignore[misc]
        TOKEN_ENDPOINT_AUTH_METHODS: ClassVar = list(SECRET_METHODS)

    class Password(grants.ResourceOwnerPasswordCredentialsGrant):  # type: ignore[misc]
        TOKEN_ENDPOINT_AUTH_METHODS = methods

        def authenticate_user(self, username: str, password: str) -> str | None:
            return USER if (username, password) == (USER, PASSWORD) else None

    class AuthorizationCode(grants.AuthorizationCodeGrant):  # type: ignore[misc]
        TOKEN_ENDPOINT_AUTH_METHODS = methods

        def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
            data = request.payload.data
            state.codes[code] = Code(code, request.client.client_id,
                                     data.get("redirect_uri", ""), request.payload.scope or "",
                                     request.user, data.get("code_challenge"),
                                     data.get("code_challenge_method"))

        def query_authorization_code(self, code: str, client: Client) -> Code | None:
            found = state.codes.get(code)
            return found if found and found.client_id == client.client_id else None

        def delete_authorization_code(self, code: Code) -> None:
            state.codes.pop(code.code, None)

        def authenticate_user(self, code: Code) -> str:
            return code.user

    class Refresh(grants.RefreshTokenGrant):  # type: ignore[misc]
        TOKEN_ENDPOINT_AUTH_METHODS = methods
        INCLUDE_NEW_REFRESH_TOKEN = True

        def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
            for token in state.tokens.values():
                if token.data.get("refresh_token") == refresh_token and not token.revoked:
                    return token
            return None

        def authenticate_user(self, credential: Token) -> str | None:
            return credential.user

        def revoke_old_credential(self, credential: Token) -> None:
            credential.revoked = True

    class Device(DeviceCodeGrant):  # type: ignore[misc]
        TOKEN_ENDPOINT_AUTH_METHODS: ClassVar = ["none"]

        def query_device_credential(self, device_code: str) -> DeviceCredentialDict | None:
            return state.devices.get(device_code)

        def query_user_grant(self, user_code: str) -> tuple[str, bool] | None:
            if user_code not in state.approved:
                return None
            return USER, state.approved[user_code]

        def should_slow_down(self, credential: DeviceCredentialDict) -> bool:
            state.polls[credential["device_code"]] += 1
            return state.polls[credential["device_code"]] <= state.slow_downs

    return [(ClientCredentials, None), (Password, None),
            (AuthorizationCode, [CodeChallenge(required=True)]), (Refresh, None), (Device, None)]


def make_oauth_app(state: OAuthState) -> web.Application:
    server = _Server(state)
    for grant, extensions in _grants(state):
        server.register_grant(grant, extensions)

    class DeviceEndpoint(DeviceAuthorizationEndpoint):  # type: ignore[misc]
        CLIENT_AUTH_METHODS: ClassVar = ["none"]

        @property
        def INTERVAL(self) -> int:
            return state.device_interval

        def get_verification_uri(self) -> str:
            return "http://127.0.0.1/activate"

        def save_device_credential(self, client_id: str, scope: str, data: dict[str, Any]
                                   ) -> None:
            state.devices[data["device_code"]] = DeviceCredentialDict(
                client_id=client_id, scope=scope, expires_at=time.time() + data["expires_in"],
                **data)

    server.register_endpoint(DeviceEndpoint)

    async def token(request: web.Request) -> web.Response:
        form = MultiDict(await request.post())
        state.grants[str(form.get("grant_type"))] += 1
        response: web.Response = server.create_token_response(AuthlibRequest(request, form))
        return response

    async def authorize(request: web.Request) -> web.Response:
        oauth = AuthlibRequest(request, MultiDict())
        user = None if request.query.get("deny") else USER
        grant = server.get_consent_grant(request=oauth, end_user=user)
        response: web.Response = server.create_authorization_response(
            oauth, grant_user=user, grant=grant)
        return response

    async def device(request: web.Request) -> web.Response:
        form = MultiDict(await request.post())
        response: web.Response = server.create_endpoint_response(
            DeviceEndpoint.ENDPOINT_NAME, AuthlibRequest(request, form))
        return response

    async def approve(request: web.Request) -> web.Response:
        state.approved[request.query["user_code"]] = request.query.get("deny") is None
        return web.json_response({"ok": True})

    def bearer(request: web.Request) -> Token | None:
        header = request.headers.get("Authorization", "")
        state.hits[request.path] += 1
        state.seen[request.path].append(header)
        scheme, _, value = header.partition(" ")
        found = state.tokens.get(value) if scheme.lower() == "bearer" else None
        return found if found and not found.is_expired() else None

    def refused() -> web.Response:
        return web.json_response({"error": "invalid_token"}, status=401,
                                 headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})

    async def me(request: web.Request) -> web.Response:
        found = bearer(request)
        if found is None:
            return refused()
        return web.json_response({"user": found.user, "client": found.client_id,
                                  "scope": found.get_scope(), "body": await request.text()})

    async def always_401(request: web.Request) -> web.Response:
        bearer(request)
        return refused()

    async def ws_me(request: web.Request) -> web.StreamResponse:
        found = bearer(request)
        if found is None:
            return refused()
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"user": found.user})
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                await ws.send_str(msg.data)
        return ws

    async def html_token(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text="<html><body>Sign in to continue</body></html>",
                            content_type="text/html")

    async def no_access_token(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"token_type": "Bearer", "expires_in": 60})

    app = web.Application()
    r = app.router
    r.add_post("/token", token)
    r.add_get("/authorize", authorize)
    r.add_post("/device", device)
    r.add_get("/device/approve", approve)
    r.add_route("*", "/me", me)
    r.add_get("/always-401", always_401)
    r.add_get("/ws/me", ws_me)
    r.add_post("/token/html", html_token)
    r.add_post("/token/no-access-token", no_access_token)
    return app
