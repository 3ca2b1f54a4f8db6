"""The playground's OAuth 2.0 provider: authlib's server classes behind aiohttp handlers.

authlib decides every answer (client authentication, the grants, PKCE, device polling,
refresh): a maintained implementation of the RFCs, rather than one written here. This module
adapts aiohttp's requests to authlib's interface and draws the pages a person clicks.

- ``POST /oauth/token``: client credentials (secret in Basic or in the body), password,
  authorization code (S256 PKCE), device code and refresh token grants; ``?expires_in=N``
  makes the tokens of that request live N seconds.
- ``GET /oauth/authorize``: the page with Approve and Deny; ``?approve=1`` approves at once
  (``?deny=1`` refuses), for scripts and tests.
- ``POST /oauth/device`` starts a device grant (``?interval=N`` sets its polling interval);
  ``GET /oauth/device/verify`` is where the user types the code, and ``?user_code=C&approve=1``
  approves it at once.
- ``/oauth/me``: the resource, guarded by the bearer token (401 when missing, unknown,
  expired or revoked).
"""

from __future__ import annotations

import contextvars
import html
import json
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, ClassVar

from aiohttp import hdrs, web
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    InvalidRequestError,
    OAuth2Payload,
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
from multidict import MultiDict, MultiDictProxy
from yarl import URL

from ._common import PlaygroundError, json_response, parse_int
from .oauth_store import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_PASSWORD,
    DEMO_SCOPES,
    DEMO_USER,
    AuthorizationCode,
    DemoClient,
    IssuedToken,
    OAuthSettings,
    OAuthStore,
)

__all__ = ["OAUTH", "AuthlibRequest", "OAuthProvider", "setup"]

REALM = "Spyglass playground"


@dataclass(frozen=True)
class _Call:
    """What one HTTP request asks of authlib's callbacks, which cannot see the request."""

    expires_in: int
    interval: int
    base: str


_CALL: contextvars.ContextVar[_Call] = contextvars.ContextVar("playground_oauth_call")


class _Payload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, data: MultiDict[str]) -> None:
        self._data = data

    @property
    def data(self) -> MultiDict[str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        values: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in self._data.items():
            values[key].append(value)
        return values


class AuthlibRequest(OAuth2Request):  # type: ignore[misc]
    """An aiohttp request as authlib reads it (the form read beforehand: authlib is sync).
    The tests' own OAuth server (tests/client/oauth_server.py) uses it too."""

    def __init__(self, request: web.Request, form: MultiDictProxy[Any] | MultiDict[str]) -> None:
        # authlib refuses plain http except on loopback (RFC 8252): a playground bound to
        # another address answers its insecure_transport error, which is the truth.
        super().__init__(request.method, str(request.url), headers=request.headers)
        self._args: MultiDict[str] = MultiDict(request.query)
        self._form: MultiDict[str] = MultiDict(
            (k, v) for k, v in form.items() if isinstance(v, str))
        merged = MultiDict(self._args)
        merged.extend(self._form)
        self.payload = _Payload(merged)

    @property
    def args(self) -> MultiDict[str]:
        return self._args

    @property
    def form(self) -> MultiDict[str]:
        return self._form


class _Server(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, store: OAuthStore) -> None:
        super().__init__(scopes_supported=list(DEMO_SCOPES))
        self.store = store
        self.client = DemoClient(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
        self.register_token_generator("default", BearerTokenGenerator(
            access_token_generator=_token_text, refresh_token_generator=_token_text,
            expires_generator=lambda client, grant_type: _CALL.get().expires_in,
        ))

    def query_client(self, client_id: str) -> DemoClient | None:
        return self.client if client_id == self.client.client_id else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        self.store.add_token(
            IssuedToken(dict(token), request.client.client_id, request.user, time.time()))

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No one listens to authlib's signals here."""

    def create_oauth2_request(self, request: AuthlibRequest) -> AuthlibRequest:
        return request  # already adapted: the form had to be read asynchronously first

    def handle_response(
        self, status: int, body: Any, headers: list[tuple[str, str]]
    ) -> web.Response:
        text = json.dumps(body) if isinstance(body, dict) else str(body or "")
        return web.Response(status=status, text=text, headers=dict(headers))


def _token_text(*args: Any, **kwargs: Any) -> str:
    return secrets.token_urlsafe(24)


class _S256Challenge(CodeChallenge):  # type: ignore[misc]
    """PKCE with S256 only: ``plain`` shows the verifier to whoever sees the redirect."""

    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if data.get("code_challenge") and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256")
        super().validate_code_challenge(grant, redirect_uri)


_SECRET_METHODS = ["client_secret_basic", "client_secret_post"]
_ANY_METHOD = [*_SECRET_METHODS, "none"]


# The grants are module-level classes that find the store through their server: classes made
# per application would be cyclic garbage left for the collector at each playground's end.
class _ClientCredentials(grants.ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar = _SECRET_METHODS


class _Password(grants.ResourceOwnerPasswordCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar = _ANY_METHOD

    def authenticate_user(self, username: str, password: str) -> str | None:
        ok = (username, password) == (DEMO_USER, DEMO_PASSWORD)
        return DEMO_USER if ok else None


class _Code(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar = _ANY_METHOD

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        store: OAuthStore = self.server.store
        data = request.payload.data
        store.add_code(AuthorizationCode(
            code, request.client.client_id, data.get("redirect_uri", ""),
            request.payload.scope or "", request.user, data.get("code_challenge"),
            data.get("code_challenge_method"), time.time() + store.settings.code_lifetime))

    def query_authorization_code(self, code: str, client: DemoClient
                                 ) -> AuthorizationCode | None:
        found = self.server.store.codes.get(code)
        if found is None or found.client_id != client.client_id:
            return None
        return found if time.time() < found.expires_at else None

    def delete_authorization_code(self, code: AuthorizationCode) -> None:
        self.server.store.codes.pop(code.code, None)

    def authenticate_user(self, code: AuthorizationCode) -> str:
        return code.user


class _Refresh(grants.RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar = _ANY_METHOD
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> IssuedToken | None:
        found: IssuedToken | None = self.server.store.by_refresh_token(refresh_token)
        return found

    def authenticate_user(self, credential: IssuedToken) -> str | None:
        return credential.user

    def revoke_old_credential(self, credential: IssuedToken) -> None:
        credential.revoked = True


class _Device(DeviceCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar = _ANY_METHOD

    def query_device_credential(self, device_code: str) -> DeviceCredentialDict | None:
        found: DeviceCredentialDict | None = self.server.store.devices.get(device_code)
        return found

    def query_user_grant(self, user_code: str) -> tuple[str, bool] | None:
        decision = self.server.store.decisions.get(user_code)
        return None if decision is None else (DEMO_USER, decision)

    def should_slow_down(self, credential: DeviceCredentialDict) -> bool:
        slow: bool = self.server.store.polled_too_soon(
            str(credential["device_code"]), float(credential.get("interval", 0)))
        return slow


def _register_grants(server: _Server) -> None:
    server.register_grant(_ClientCredentials)
    server.register_grant(_Password)
    server.register_grant(_Code, [_S256Challenge(required=True)])
    server.register_grant(_Refresh)
    server.register_grant(_Device)


class _DeviceEndpoint(DeviceAuthorizationEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS: ClassVar = ["client_secret_basic", "client_secret_post", "none"]

    @property
    def INTERVAL(self) -> int:  # authlib's name
        return _CALL.get().interval

    @property
    def EXPIRES_IN(self) -> int:  # authlib's name
        return int(self.server.store.settings.device_lifetime)

    def get_verification_uri(self) -> str:
        return _CALL.get().base + "/oauth/device/verify"

    def save_device_credential(self, client_id: str, scope: str, data: dict[str, Any]) -> None:
        self.server.store.add_device(DeviceCredentialDict(
            client_id=client_id, scope=scope, expires_at=time.time() + data["expires_in"],
            **data))


class OAuthProvider:
    """One playground's provider: its settings, what it issued, and authlib's server."""

    def __init__(self, settings: OAuthSettings | None = None) -> None:
        self.store = OAuthStore(settings or OAuthSettings())
        self.server = _Server(self.store)
        _register_grants(self.server)
        self.server.register_endpoint(_DeviceEndpoint)

    @property
    def settings(self) -> OAuthSettings:
        return self.store.settings

    def call(self, request: web.Request) -> _Call:
        """What ``request`` asks for (``?expires_in=``, ``?interval=``); a bad value is a
        400 that names it."""
        settings = self.settings
        expires_in, interval = settings.expires_in, settings.device_interval
        if raw := request.query.get("expires_in"):
            expires_in = parse_int(raw, "expires_in", minimum=1,
                                   maximum=settings.max_expires_in)
        if raw := request.query.get("interval"):
            interval = parse_int(raw, "interval", minimum=0, maximum=3600)
        return _Call(expires_in, interval, str(request.url.origin()))

    def respond(self, request: web.Request, answer: Any) -> web.Response:
        """authlib's answer to ``request``, computed with the request's settings."""
        marker = _CALL.set(self.call(request))
        try:
            response: web.Response = answer()
        finally:
            _CALL.reset(marker)
        return response


OAUTH: web.AppKey[OAuthProvider] = web.AppKey("playground_oauth", OAuthProvider)
routes = web.RouteTableDef()


def _oauth_error(error: str, description: str, status: int = 400) -> web.Response:
    return json_response({"error": error, "error_description": description}, status=status,
                         headers={"Cache-Control": "no-store"})


def _adapted(request: web.Request, form: MultiDictProxy[Any] | MultiDict[str]
             ) -> AuthlibRequest | web.Response:
    try:
        return AuthlibRequest(request, form)
    except OAuth2Error as exc:
        return _oauth_error(exc.error, str(exc.description or exc.error))


@routes.post("/oauth/token")
async def token(request: web.Request) -> web.StreamResponse:
    provider = request.app[OAUTH]
    oauth = _adapted(request, await request.post())
    if isinstance(oauth, web.Response):
        return oauth
    try:
        return provider.respond(request, lambda: provider.server.create_token_response(oauth))
    except PlaygroundError as exc:
        return _oauth_error("invalid_request", exc.message)


@routes.post("/oauth/device")
async def device(request: web.Request) -> web.StreamResponse:
    provider = request.app[OAUTH]
    oauth = _adapted(request, await request.post())
    if isinstance(oauth, web.Response):
        return oauth
    try:
        return provider.respond(request, lambda: provider.server.create_endpoint_response(
            _DeviceEndpoint.ENDPOINT_NAME, oauth))
    except PlaygroundError as exc:
        return _oauth_error("invalid_request", exc.message)


def _flag(request: web.Request | MultiDictProxy[Any], name: str) -> bool:
    values = request.query if isinstance(request, web.Request) else request
    return str(values.get(name, "")).lower() in ("1", "true", "yes", "on")


@routes.route("GET", "/oauth/authorize")
@routes.route("POST", "/oauth/authorize")
async def authorize(request: web.Request) -> web.StreamResponse:
    """The consent page; its buttons post back here with ``decision``."""
    provider = request.app[OAUTH]
    form = await request.post() if request.method == "POST" else MultiDict[str]()
    oauth = _adapted(request, MultiDict[str]())
    if isinstance(oauth, web.Response):
        return oauth
    server = provider.server
    try:
        grant = server.get_consent_grant(request=oauth, end_user=DEMO_USER)
    except OAuth2Error as exc:
        # A redirect back to the client with the error where authlib knows a safe redirect
        # URI; otherwise the error itself (an unknown client or redirect URI).
        response: web.Response = server.handle_error_response(oauth, exc)
        return response
    decision = str(form.get("decision", "")) if request.method == "POST" else ""
    if _flag(request, "approve") or decision == "approve":
        user: str | None = DEMO_USER
    elif _flag(request, "deny") or decision == "deny":
        user = None
    else:
        return _consent_page(oauth)
    return provider.respond(request, lambda: server.create_authorization_response(
        oauth, grant_user=user, grant=grant))


@routes.route("GET", "/oauth/device/verify")
@routes.route("POST", "/oauth/device/verify")
async def device_verify(request: web.Request) -> web.StreamResponse:
    """Where the user types the code a device showed, then approves or denies it."""
    store = request.app[OAUTH].store
    form = await request.post() if request.method == "POST" else MultiDictProxy(MultiDict())
    user_code = str(form.get("user_code") or request.query.get("user_code") or "").strip()
    if not user_code:
        return _page("Connect a device", "<p>Type the code the device shows.</p>"
                     '<form method="get"><input name="user_code" autofocus '
                     'autocomplete="off"> <button>Continue</button></form>')
    decision = str(form.get("decision", ""))
    approve = _flag(request, "approve") or decision == "approve"
    deny = _flag(request, "deny") or decision == "deny"
    shown = html.escape(user_code.upper())
    if not (approve or deny):
        if not any(d["user_code"] == user_code.upper() and not d.is_expired()
                   for d in store.devices.values()):
            return _page("Unknown code", f"<p>No device is waiting with the code <b>{shown}"
                         "</b> (or it expired).</p>", status=404)
        return _page("Connect a device", _decision_form(
            f"A device asks to act as <b>{DEMO_USER}</b> with the code <b>{shown}</b>.",
            {"user_code": user_code}))
    if not store.decide(user_code, approve):
        return _page("Unknown code", f"<p>No device is waiting with the code <b>{shown}</b> "
                     "(or it expired).</p>", status=404)
    word = "approved" if approve else "denied"
    return _page(f"Device {word}", f"<p>The device with the code <b>{shown}</b> was {word}. "
                 "You may close this window.</p>")


@routes.route("*", "/oauth/me")
async def me(request: web.Request) -> web.StreamResponse:
    """The protected resource: who the bearer token speaks for."""
    store = request.app[OAUTH].store
    scheme, _, value = request.headers.get(hdrs.AUTHORIZATION, "").strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value:
        return _refused("invalid_request", "an 'Authorization: Bearer <token>' header is required")
    found = store.tokens.get(value)
    if found is None:
        return _refused("invalid_token", "the access token is unknown")
    if found.is_expired():
        return _refused("invalid_token", "the access token expired")
    if found.revoked:
        return _refused("invalid_token", "the access token was revoked")
    return json_response({
        "user": found.user, "client_id": found.client_id, "scope": found.get_scope(),
        "expires_in": max(0, round(found.expires_at - time.time())),
    })


def _refused(error: str, description: str) -> web.Response:
    challenge = f'Bearer realm="{REALM}", error="{error}", error_description="{description}"'
    return json_response({"error": error, "error_description": description}, status=401,
                         headers={hdrs.WWW_AUTHENTICATE: challenge})


# ------------------------------------------------------------------------------- pages


def _page(title: str, body: str, *, status: int = 200) -> web.Response:
    text = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)} - Spyglass playground</title><style>"
        "body{font-family:system-ui,sans-serif;margin:3em;max-width:40em}"
        "button{font-size:1.1em;margin-right:.5em}</style></head><body>\n"
        f"<h1>{html.escape(title)}</h1>\n{body}\n</body></html>\n"
    )
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-store"})


def _decision_form(question: str, hidden: dict[str, str]) -> str:
    fields = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in hidden.items()
    )
    return (
        f'<p>{question}</p><form method="post">{fields}'
        '<button name="decision" value="approve" autofocus>Approve</button>'
        '<button name="decision" value="deny">Deny</button></form>'
    )


def _consent_page(oauth: AuthlibRequest) -> web.Response:
    data = oauth.payload.data
    redirect = URL(str(data.get("redirect_uri", "")))
    scope = str(data.get("scope") or " ".join(DEMO_SCOPES))
    question = (
        f"The application <b>{html.escape(str(data.get('client_id', '')))}</b> asks to act as "
        f"<b>{DEMO_USER}</b> with the scopes <code>{html.escape(scope)}</code>. Approving sends "
        f"you back to <code>{html.escape(str(redirect.origin()) if redirect.host else '?')}"
        "</code>."
    )
    # The form posts to this same URL: the query carries the whole authorization request.
    return _page("Authorize", _decision_form(question, {}))


def setup(app: web.Application, settings: OAuthSettings | None = None) -> None:
    """Add the provider to ``app``."""
    app[OAUTH] = OAuthProvider(settings)
    app.add_routes(routes)
