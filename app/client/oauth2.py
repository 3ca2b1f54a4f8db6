"""OAuth 2.0 (RFC 6749): tokens fetched, kept, refreshed and sent as ``Authorization: Bearer``.

Every grant is the same flow (see :mod:`app.client.auth_base`): when no usable token is held,
the flow yields its own token requests (and, for the interactive grants, waits), which the
session sends through its own connections; then it sends the caller's request with the token.
A 401 answer, or a token past its expiry, makes it refresh with the refresh token (or run the
grant again where there is none, or the server refused it) and send the request once more,
once only. A token endpoint's refusal, or an answer that is not a token, raises
:class:`TokenError` (an :class:`~app.client.errors.APIError`) with the server's ``error`` and
``error_description``.

``token_store`` (a ``MutableMapping[str, str]``; the window's is backed by the keyring) keeps
the token set as JSON under :attr:`OAuth2Auth.store_key`, the grant, its token endpoint and its
client, so that a token outlives the process. The store is read and written on a worker
thread, never on the event loop.

This module has the non-interactive grants and the device grant (RFC 8628);
:mod:`app.client.oauth2_browser` has the authorization code grant with its loopback redirect.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import time
from collections.abc import Callable, Generator, MutableMapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from multidict import CIMultiDict
from yarl import URL

from ._models import PreparedRequest, ResponseInfo
from .auth_base import Auth, AuthFlow, AuthRequest, AuthStep, AuthWait, header_safe
from .content import BytesBody, encode_form
from .errors import APIError, error_data

if TYPE_CHECKING:  # the session imports the auth kinds: only the type is wanted here
    from .session import AsyncSession

__all__ = [
    "DEVICE_CODE_GRANT",
    "OAuth2Auth",
    "OAuth2ClientCredentials",
    "OAuth2DeviceCode",
    "OAuth2Password",
    "TokenError",
    "TokenSet",
]

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
_FORM = "application/x-www-form-urlencoded"

#: A part of a flow that ends with a value (a token, a parsed answer).
Steps = Generator[AuthStep, ResponseInfo, Any]


class TokenError(APIError):
    """An OAuth 2.0 endpoint refused, or answered what is not a token.

    ``error`` is the server's error code (``invalid_client``, ``invalid_grant``...) or, where
    the answer was not an OAuth 2.0 one, ``invalid_response``; ``error_description`` its words.
    """

    def __init__(self, status: int, reason: str, data: Any, *, url: str, error: str,
                 error_description: str = "") -> None:
        super().__init__(status, reason, data, url=url)
        self.error = error
        self.error_description = error_description
        words = f": {error_description}" if error_description else ""
        self.args = (f"The OAuth 2.0 endpoint {url} answered {status} {reason}: {error}{words}",)


@dataclass(frozen=True)
class TokenSet:
    """What a token endpoint issued; ``expires_at`` is in seconds since the epoch."""

    access_token: str
    token_type: str = "Bearer"
    refresh_token: str | None = None
    expires_at: float | None = None
    scope: str | None = None

    @property
    def scopes(self) -> tuple[str, ...]:
        """The granted scopes (where the server said which)."""
        return tuple((self.scope or "").split())

    def expired(self, now: float, leeway: float = 0.0) -> bool:
        """Whether the token is (or within ``leeway`` seconds will be) past its expiry."""
        return self.expires_at is not None and now >= self.expires_at - leeway

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> TokenSet | None:
        """The token set stored as ``text``, or None when it is not one (a damaged entry is
        treated as no token, and a new one fetched)."""
        try:
            data = json.loads(text)
            token = cls(**data)
        except (TypeError, ValueError):
            return None
        return token if isinstance(token.access_token, str) and token.access_token else None


def _scope_text(scope: str | Sequence[str] | None) -> str | None:
    if scope is None or isinstance(scope, str):
        return scope or None
    return " ".join(scope) or None


def parse_answer(info: ResponseInfo, url: str) -> dict[str, Any]:
    """The JSON object an OAuth 2.0 endpoint answered; its refusal as a :class:`TokenError`."""
    content_type = info.headers.get("Content-Type", "")
    reason = info.reason
    try:
        data = json.loads(info.body.decode("utf-8"))
    except ValueError:
        data = None
    if not isinstance(data, dict):
        kind = content_type.split(";")[0].strip() or "no content type"
        raise TokenError(
            info.status, reason, error_data(reason, info.body, content_type), url=url,
            error="invalid_response",
            error_description=f"the answer is not a JSON object ({kind})",
        )
    if info.status >= 400 or "error" in data:
        error = str(data.get("error") or "invalid_response")
        raise TokenError(info.status, reason, data, url=url, error=error,
                         error_description=str(data.get("error_description") or ""))
    return data


class OAuth2Auth(Auth):
    """The token handling every grant shares; a grant supplies :meth:`_grant`.

    ``expiry_leeway``: a token this close to its expiry (seconds) is renewed before use.
    ``token_response_limit``: the most of a token endpoint's answer that is read (bytes).
    """

    grant_type = ""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        *,
        client_secret: str | None = None,
        scope: str | Sequence[str] | None = None,
        client_auth: str = "basic",
        token_store: MutableMapping[str, str] | None = None,
        expiry_leeway: float = 10.0,
        token_response_limit: int = 1 << 20,
        _clock: Callable[[], float] = time.time,
    ) -> None:
        if client_auth not in ("basic", "body"):
            raise ValueError(f"client_auth must be 'basic' or 'body', not {client_auth!r}")
        url = URL(token_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"the token URL must be an absolute http(s) URL, not {token_url!r}")
        if not client_id:
            raise ValueError("OAuth 2.0 needs a client ID")
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.scope = _scope_text(scope)
        self.client_auth = client_auth
        self.token_store = token_store
        self.expiry_leeway = expiry_leeway
        self.token_response_limit = token_response_limit
        self._clock = _clock
        self._token: TokenSet | None = None
        self._loaded = token_store is None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.token_url!r}, {self.client_id!r})"

    # -- what the window shows -------------------------------------------------------------

    @property
    def store_key(self) -> str:
        """The key of this grant's token set in ``token_store``."""
        return f"oauth2 {self.grant_type} {self.token_url} {self.client_id}"

    @property
    def token(self) -> TokenSet | None:
        """The token set held (read from ``token_store`` on first use: a blocking call)."""
        if not self._loaded:
            self._load_now()
        return self._token

    @property
    def expires_at(self) -> float | None:
        token = self.token
        return token.expires_at if token else None

    @property
    def scopes(self) -> tuple[str, ...]:
        token = self.token
        return token.scopes if token else ()

    def clear(self) -> None:
        """Forget the token, here and in ``token_store`` (the next request fetches anew)."""
        self._token = None
        self._loaded = True
        if self.token_store is not None:
            self.token_store.pop(self.store_key, None)

    async def fetch_token(self, session: AsyncSession, *, refresh: bool = False,
                          timeout: float | None = None) -> TokenSet:
        """Run the grant now, without sending any request (the window's "Get new token"),
        through ``session``'s connections; the new token set, also kept and stored.

        ``refresh=True`` renews the token held with its refresh token (running the grant
        where there is none, or the server refused it); otherwise a new grant runs whatever
        is held. A refusal raises :class:`TokenError` as a send would."""
        return await session.run_auth_steps(self._token_steps(refresh), timeout=timeout)

    def _token_steps(self, refresh: bool) -> Steps:
        if not self._loaded:
            loading = AuthWait(lambda: asyncio.to_thread(self._load_now))
            yield loading
        held = self._token
        if not refresh:
            # A new grant, as if nothing were held; what is held stays until it succeeds.
            locking = AuthWait(self._lock.acquire)
            yield locking
            try:
                token = yield from self._grant()
                yield from self._keep(token)
            finally:
                self._lock.release()
            return token
        return (yield from self._renew(held, force=True))

    # -- the flow --------------------------------------------------------------------------

    def auth_flow(self, request: PreparedRequest) -> AuthFlow:
        if not self._loaded:
            loading = AuthWait(lambda: asyncio.to_thread(self._load_now))
            yield loading
        token = self._token
        if token is None or token.expired(self._clock(), self.expiry_leeway):
            token = yield from self._renew(token)
        retry = request.copy()
        request.headers["Authorization"] = f"Bearer {token.access_token}"
        response = yield request
        if response.status != 401 or (request.body is not None and not request.body.replayable):
            return
        token = yield from self._renew(token)
        retry.headers["Authorization"] = f"Bearer {token.access_token}"
        yield retry

    def _renew(self, stale: TokenSet | None, *, force: bool = False) -> Steps:
        """A usable token in place of ``stale``: refreshed, or granted anew. One renewal runs
        at a time; a request that waited for another's uses what it got (unless ``force``:
        the user asked for a refresh)."""
        locking = AuthWait(self._lock.acquire)
        yield locking
        try:
            current = self._token
            if not force and current is not None and current != stale and not current.expired(
                self._clock(), self.expiry_leeway
            ):
                return current
            token: TokenSet | None = None
            if stale is not None and stale.refresh_token:
                try:
                    token = yield from self._exchange(
                        {"grant_type": "refresh_token", "refresh_token": stale.refresh_token}
                    )
                except TokenError as exc:
                    if exc.error != "invalid_grant":
                        raise
                    # The refresh token expired or was revoked: the grant starts over.
                if token is not None and token.refresh_token is None:
                    # RFC 6749 6: the server may keep the old refresh token in use.
                    token = TokenSet(token.access_token, token.token_type, stale.refresh_token,
                                     token.expires_at, token.scope)
            if token is None:
                token = yield from self._grant()
            yield from self._keep(token)
            return token
        finally:
            self._lock.release()

    def _keep(self, token: TokenSet) -> Steps:
        """Hold ``token`` and save it to ``token_store`` (on a worker thread)."""
        self._token = token
        if self.token_store is not None:
            saving = AuthWait(lambda: asyncio.to_thread(self._save_now, token))
            yield saving

    def _grant(self) -> Steps:
        """The grant's own steps, ending with a :class:`TokenSet`."""
        raise NotImplementedError
        yield  # pragma: no cover

    def _exchange(self, fields: dict[str, str], *, client: bool = True) -> Steps:
        """POST ``fields`` to the token endpoint; the :class:`TokenSet` it answers."""
        info = yield self._post(self.token_url, fields, client=client)
        data = parse_answer(info, self.token_url)
        access = data.get("access_token")
        if not isinstance(access, str) or not access:
            raise TokenError(info.status, info.reason, data, url=self.token_url,
                             error="invalid_response",
                             error_description="the answer holds no access_token")
        try:
            header_safe(access, "access token")
        except ValueError as exc:
            raise TokenError(info.status, info.reason, data, url=self.token_url,
                             error="invalid_response", error_description=str(exc)) from None
        expires_at = None
        try:
            if data.get("expires_in") is not None:
                expires_at = self._clock() + float(data["expires_in"])
        except (TypeError, ValueError):
            pass  # no usable lifetime: the token is used until a 401 says otherwise
        refresh = data.get("refresh_token")
        scope = data.get("scope", self.scope)
        return TokenSet(
            access_token=access,
            token_type=str(data.get("token_type") or "Bearer"),
            refresh_token=refresh if isinstance(refresh, str) and refresh else None,
            expires_at=expires_at,
            scope=_scope_text(scope) if isinstance(scope, str | list) else self.scope,
        )

    def _post(self, url: str, fields: dict[str, str], *, client: bool = True) -> AuthRequest:
        """A form POST to an OAuth 2.0 endpoint, with the client's credentials."""
        headers: CIMultiDict[str] = CIMultiDict({"Accept": "application/json",
                                                 "Content-Type": _FORM})
        fields = dict(fields)
        if client and self.client_secret is not None and self.client_auth == "basic":
            # RFC 6749 2.3.1: each part form-encoded before the Basic encoding.
            pair = f"{quote(self.client_id, safe='')}:{quote(self.client_secret, safe='')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        else:
            fields["client_id"] = self.client_id
            if client and self.client_secret is not None:
                fields["client_secret"] = self.client_secret
        body = BytesBody(encode_form(fields), _FORM)
        return AuthRequest("POST", URL(url), headers, body,
                           body_limit=self.token_response_limit)

    # -- the store -------------------------------------------------------------------------

    def _load_now(self) -> None:
        if self.token_store is not None and not self._loaded:
            text = self.token_store.get(self.store_key)
            if text is not None and self._token is None:
                self._token = TokenSet.from_json(text)
        self._loaded = True

    def _save_now(self, token: TokenSet) -> None:
        if self.token_store is not None:
            self.token_store[self.store_key] = token.to_json()


class OAuth2ClientCredentials(OAuth2Auth):
    """The client credentials grant: the client's own ID and secret buy the token.
    ``client_auth`` sends the secret as HTTP Basic (``"basic"``) or in the form (``"body"``);
    ``audience`` is sent where given (Auth0 and others want it)."""

    grant_type = "client_credentials"

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str | Sequence[str] | None = None,
        audience: str | None = None,
        client_auth: str = "basic",
        token_store: MutableMapping[str, str] | None = None,
        **settings: Any,
    ) -> None:
        super().__init__(token_url, client_id, client_secret=client_secret, scope=scope,
                         client_auth=client_auth, token_store=token_store, **settings)
        self.audience = audience

    def _grant(self) -> Steps:
        fields = {"grant_type": "client_credentials"}
        if self.scope:
            fields["scope"] = self.scope
        if self.audience:
            fields["audience"] = self.audience
        return (yield from self._exchange(fields))


class OAuth2Password(OAuth2Auth):
    """The resource owner password grant (legacy, still met): user name and password buy the
    token; the client authenticates with Basic when it has a secret."""

    grant_type = "password"

    def __init__(
        self,
        token_url: str,
        client_id: str,
        username: str,
        password: str,
        *,
        client_secret: str | None = None,
        scope: str | Sequence[str] | None = None,
        token_store: MutableMapping[str, str] | None = None,
        **settings: Any,
    ) -> None:
        super().__init__(token_url, client_id, client_secret=client_secret, scope=scope,
                         token_store=token_store, **settings)
        self.username = username
        self.password = password

    def __repr__(self) -> str:
        return f"OAuth2Password({self.token_url!r}, {self.client_id!r}, {self.username!r}, '***')"

    def _grant(self) -> Steps:
        fields = {"grant_type": "password", "username": self.username, "password": self.password}
        if self.scope:
            fields["scope"] = self.scope
        return (yield from self._exchange(fields))


class OAuth2DeviceCode(OAuth2Auth):
    """The device authorization grant (RFC 8628): ``on_code(verification_uri, user_code)`` tells
    the user where to go and what to type; the token endpoint is polled every ``interval``
    seconds the server set (5 by default, 5 more after each ``slow_down``) until the user
    approves, refuses, or the code expires. ``on_done(verification_uri, user_code)`` then says
    that code is no longer wanted (however the polling ended: a token, a refusal, a cancel),
    so that it can be taken down from where it was shown."""

    grant_type = "device_code"

    def __init__(
        self,
        device_url: str,
        token_url: str,
        client_id: str,
        *,
        scope: str | Sequence[str] | None = None,
        on_code: Callable[[str, str], object] = print,
        on_done: Callable[[str, str], object] | None = None,
        token_store: MutableMapping[str, str] | None = None,
        _sleep: Callable[[float], Any] = asyncio.sleep,
        **settings: Any,
    ) -> None:
        super().__init__(token_url, client_id, scope=scope, token_store=token_store, **settings)
        self.device_url = device_url
        self.on_code = on_code
        self.on_done = on_done
        self._sleep = _sleep

    def _grant(self) -> Steps:
        fields = {"scope": self.scope} if self.scope else {}
        info = yield self._post(self.device_url, fields)
        data = parse_answer(info, self.device_url)
        device_code = data.get("device_code")
        user_code = data.get("user_code")
        uri = data.get("verification_uri") or data.get("verification_url")
        if not all(isinstance(v, str) and v for v in (device_code, user_code, uri)):
            raise TokenError(info.status, info.reason, data, url=self.device_url,
                             error="invalid_response",
                             error_description="the answer lacks device_code, user_code or "
                                               "verification_uri")
        interval = _seconds(data.get("interval"), 5.0)
        deadline = self._clock() + _seconds(data.get("expires_in"), 1800.0)
        self.on_code(str(uri), str(user_code))
        try:
            while True:
                pause = AuthWait(functools.partial(self._sleep, interval))
                yield pause
                if self._clock() > deadline:
                    raise TokenError(400, "Bad Request", {"error": "expired_token"},
                                     url=self.token_url, error="expired_token",
                                     error_description="the device code expired before the "
                                                       "user approved it")
                try:
                    return (yield from self._exchange(
                        {"grant_type": DEVICE_CODE_GRANT, "device_code": str(device_code)},
                        client=False,
                    ))
                except TokenError as exc:
                    if exc.error == "slow_down":
                        interval += 5.0
                    elif exc.error != "authorization_pending":
                        raise
        finally:
            if self.on_done is not None:
                self.on_done(str(uri), str(user_code))


def _seconds(value: object, default: float) -> float:
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return seconds if seconds >= 0 else default
