"""The library's auth object for an :class:`~app.model.request.AuthModel`, ``{{variables}}``
substituted in every field.

Most kinds are built afresh for each send. An OAuth 2.0 auth holds its token, so it is kept in
an :class:`AuthCache` (the window's lives in its ``SessionPool``) and the same object serves
every send whose settings resolve the same way: a valid token is reused, not fetched again.
The cache also carries what the window provides the grants with: the ``token_store`` (backed
by the keyring, so tokens outlive the run), ``on_code`` (where a device grant shows its code)
and ``open_browser`` (where the authorization code grant sends the user).
"""

from __future__ import annotations

import webbrowser
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from app.client.auth import (
    APIKeyAuth,
    Auth,
    AWSSigV4Auth,
    BackendAIAuth,
    BasicAuth,
    BearerAuth,
    DigestAuth,
    OAuth2AuthorizationCode,
    OAuth2ClientCredentials,
    OAuth2DeviceCode,
    OAuth2Password,
)
from app.client.oauth2 import OAuth2Auth
from app.model.request import OAUTH2_GRANTS, AuthKind, AuthModel

__all__ = ["AuthCache", "AuthProblem", "auth_of", "oauth2_of"]

#: The most OAuth 2.0 auth objects a cache keeps (the oldest go first).
MAX_CACHED = 64


class AuthProblem(ValueError):
    """Auth settings that cannot be used as they stand (the message says which field)."""


def _print_code(uri: str, code: str) -> None:
    print(f"To sign in, open {uri} and enter the code {code}")


class AuthCache:
    """The OAuth 2.0 auth objects of a run, by their resolved settings, and what they share.

    ``on_code(verification_uri, user_code)``, ``on_code_done(verification_uri, user_code)``
    (that code is no longer wanted) and ``open_browser(url)`` may be replaced at any time
    (the window sets them once it has somewhere to show a code); objects already built call
    the current ones.
    ``max_cached`` bounds how many objects are kept."""

    def __init__(self, token_store: MutableMapping[str, str] | None = None, *,
                 on_code: Callable[[str, str], object] = _print_code,
                 on_code_done: Callable[[str, str], object] = lambda uri, code: None,
                 open_browser: Callable[[str], object] = webbrowser.open,
                 max_cached: int = MAX_CACHED) -> None:
        self.token_store = token_store
        self.on_code = on_code
        self.on_code_done = on_code_done
        self.open_browser = open_browser
        self.max_cached = max_cached
        self._objects: dict[tuple[Any, ...], OAuth2Auth] = {}

    def get(self, settings: tuple[Any, ...], build: Callable[[], OAuth2Auth]) -> OAuth2Auth:
        """The object built for ``settings``, built by ``build`` the first time."""
        found = self._objects.pop(settings, None)
        if found is None:
            found = build()
        self._objects[settings] = found  # the most recently used goes last
        while len(self._objects) > max(self.max_cached, 1):
            del self._objects[next(iter(self._objects))]
        return found

    def _show_code(self, uri: str, code: str) -> object:
        return self.on_code(uri, code)

    def _code_done(self, uri: str, code: str) -> object:
        return self.on_code_done(uri, code)

    def _open(self, url: str) -> object:
        return self.open_browser(url)


def oauth2_of(model: AuthModel, variables: Mapping[str, str], cache: AuthCache | None = None,
              substitute: Callable[[str], str] | None = None) -> OAuth2Auth:
    """The OAuth 2.0 auth for ``model`` (its ``kind`` need not be ``oauth2``: the window's
    "Get new token" builds one from the fields shown). Without ``cache`` a fresh object with no
    store is built. ``substitute`` replaces ``{{variables}}`` (and refuses unknown ones)."""
    if substitute is None:
        from app.model.templating import VARIABLE

        def substitute(text: str) -> str:
            return VARIABLE.sub(lambda m: variables.get(m.group(1), m.group(0)), text)

    v = substitute
    grant = model.grant
    if grant not in OAUTH2_GRANTS:
        raise AuthProblem(f"Unknown OAuth 2.0 grant {grant!r} (one of {', '.join(OAUTH2_GRANTS)})")
    token_url = v(model.token_url.strip())
    client_id = v(model.client_id.strip())
    secret = v(model.client_secret) or None
    scope = v(model.scope.strip()) or None
    if not token_url:
        raise AuthProblem("OAuth 2.0 needs a token URL")
    if not client_id:
        raise AuthProblem("OAuth 2.0 needs a client ID")
    cache = cache if cache is not None else AuthCache()
    store = cache.token_store
    build: Callable[[], OAuth2Auth]
    if grant == "client_credentials":
        if secret is None:
            raise AuthProblem("The client credentials grant needs a client secret")
        audience = v(model.audience.strip()) or None
        client_auth = model.client_auth if model.client_auth in ("basic", "body") else "basic"
        settings: tuple[Any, ...] = (grant, token_url, client_id, secret, scope, audience,
                                     client_auth)

        def build() -> OAuth2Auth:
            return OAuth2ClientCredentials(token_url, client_id, secret, scope=scope,
                                           audience=audience, client_auth=client_auth,
                                           token_store=store)
    elif grant == "password":
        username, password = v(model.username), v(model.password)
        if not username:
            raise AuthProblem("The password grant needs a user name")
        settings = (grant, token_url, client_id, secret, scope, username, password)

        def build() -> OAuth2Auth:
            return OAuth2Password(token_url, client_id, username, password,
                                  client_secret=secret, scope=scope, token_store=store)
    elif grant == "authorization_code":
        authorize_url = v(model.authorize_url.strip())
        if not authorize_url:
            raise AuthProblem("The authorization code grant needs an authorization URL")
        settings = (grant, token_url, client_id, secret, scope, authorize_url, model.pkce)

        def build() -> OAuth2Auth:
            return OAuth2AuthorizationCode(authorize_url, token_url, client_id,
                                           client_secret=secret, scope=scope, pkce=model.pkce,
                                           open_browser=cache._open, token_store=store)
    else:
        device_url = v(model.device_url.strip())
        if not device_url:
            raise AuthProblem("The device code grant needs a device authorization URL")
        settings = (grant, token_url, client_id, scope, device_url)

        def build() -> OAuth2Auth:
            return OAuth2DeviceCode(device_url, token_url, client_id, scope=scope,
                                    on_code=cache._show_code, on_done=cache._code_done,
                                    token_store=store)
    try:
        return cache.get(settings, build)
    except ValueError as exc:
        raise AuthProblem(f"OAuth 2.0: {exc}") from exc


def auth_of(model: AuthModel, variables: Mapping[str, str], substitute: Callable[[str], str],
            cache: AuthCache | None = None) -> Auth | None:
    """The library's auth for ``model``; :class:`AuthProblem` (or ``ValueError`` from the
    library, for a credential that cannot go in a header) when it cannot be sent."""
    v = substitute
    kind = model.kind
    if kind is AuthKind.NONE:
        return None
    if kind is AuthKind.BASIC:
        return BasicAuth(v(model.username), v(model.password))
    if kind is AuthKind.DIGEST:
        return DigestAuth(v(model.username), v(model.password))
    if kind is AuthKind.BEARER:
        if not model.token.strip():
            raise AuthProblem("The bearer token is empty")
        return BearerAuth(v(model.token.strip()))
    if kind is AuthKind.API_KEY:
        if not model.key_name.strip():
            raise AuthProblem("The API key needs a name")
        return APIKeyAuth(v(model.key_name.strip()), v(model.key_value), model.key_location)
    if kind is AuthKind.BACKENDAI:
        if not model.access_key or not model.secret_key:
            raise AuthProblem("Backend.AI auth needs an access key and a secret key")
        try:
            return BackendAIAuth(v(model.access_key), v(model.secret_key),
                                 api_version=v(model.api_version), hash_type=model.hash_type,
                                 domain=v(model.domain))
        except ValueError as exc:
            raise AuthProblem(f"Backend.AI auth: {exc}") from exc
    if kind is AuthKind.OAUTH2:
        return oauth2_of(model, variables, cache, substitute)
    if kind is AuthKind.AWS_SIGV4:
        access_key, secret_key = v(model.access_key.strip()), v(model.secret_key)
        region, service = v(model.region.strip()), v(model.service.strip())
        missing = [name for name, value in (("an access key", access_key),
                                            ("a secret key", secret_key),
                                            ("a region", region), ("a service", service))
                   if not value]
        if missing:
            raise AuthProblem("AWS Signature V4 needs " + ", ".join(missing))
        try:
            return AWSSigV4Auth(access_key, secret_key, region, service,
                                session_token=v(model.session_token.strip()) or None)
        except ValueError as exc:
            raise AuthProblem(f"AWS Signature V4: {exc}") from exc
    raise AuthProblem(f"Unknown auth kind {kind!r}")
