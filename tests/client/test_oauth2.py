"""OAuth 2.0 grants against a real authorization server (authlib's: tests/client/oauth_server.py).

Every grant, under ``Session`` and ``AsyncSession``; refresh on expiry and on a 401, with the
retry made once only; the token store; the token endpoint's refusals; the authorization code
grant driven headless by an ``open_browser`` that follows the redirect with a plain HTTP GET.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from app.client import APIError, AsyncSession, Request, RequestError, Session
from app.client.auth import (
    OAuth2AuthorizationCode,
    OAuth2ClientCredentials,
    OAuth2DeviceCode,
    OAuth2Password,
    TokenError,
    TokenSet,
)
from tests.client.conftest import SessionKind
from tests.client.oauth_server import PASSWORD, USER, OAuthState, make_oauth_app
from tests.client.server import ServerThread


class Provider:
    def __init__(self) -> None:
        self.state = OAuthState()
        self.server = ServerThread(lambda: make_oauth_app(self.state)).start()
        self.url = self.server.url


@pytest.fixture
def provider() -> Iterator[Provider]:
    p = Provider()
    yield p
    p.server.stop()


async def get_me(kind: SessionKind, session: Session | AsyncSession, path: str = "/me",
                 **kw: Any) -> Any:
    async with kind.fetch(Request(session, "GET", path), **kw) as response:
        return await response.json()


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def follow_redirect(tamper: Callable[[dict[str, str]], None] | None = None,
                    pages: list[str] | None = None) -> Callable[[str], bool]:
    """An ``open_browser`` with no browser: GET the authorization URL, read its redirect,
    optionally change its query, and GET that (as a browser would follow it)."""
    class NoFollow(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any) -> None:
            return None

    def open_browser(url: str) -> bool:
        opener = urllib.request.build_opener(NoFollow)
        with pytest.raises(urllib.error.HTTPError) as answer:
            opener.open(url, timeout=10)
        location = answer.value.headers["Location"]
        answer.value.close()
        assert answer.value.code == 302 and location, answer.value.read()
        parts = urllib.parse.urlsplit(location)
        query = dict(urllib.parse.parse_qsl(parts.query))
        if tamper:
            tamper(query)
        target = parts._replace(query=urllib.parse.urlencode(query)).geturl()
        with urllib.request.urlopen(target, timeout=10) as page:
            text = page.read().decode()
        if pages is not None:
            pages.append(text)
        return True

    return open_browser


# -- the grants -------------------------------------------------------------------------------

@pytest.mark.parametrize("client_auth", ["basic", "body"])
async def test_client_credentials(kind: SessionKind, provider: Provider, client_auth: str
                                  ) -> None:
    auth = OAuth2ClientCredentials(provider.url + "/token", "svc", "svc sécret/+",
                                   scope=["read"], client_auth=client_auth)
    async with kind.open(provider.url, auth=auth) as session:
        assert await get_me(kind, session) == {
            "user": None, "client": "svc", "scope": "read", "body": ""}
        await get_me(kind, session)
    assert provider.state.grants == {"client_credentials": 1}
    assert auth.scopes == ("read",) and auth.expires_at is not None
    [header, _] = provider.state.seen["/me"]
    assert header == f"Bearer {auth.token.access_token}"  # type: ignore[union-attr]


async def test_password_grant_and_a_body_sent_again(kind: SessionKind, provider: Provider
                                                    ) -> None:
    auth = OAuth2Password(provider.url + "/token", "pw-app", USER, PASSWORD,
                          client_secret="pw-secret", scope="read write")
    async with kind.open(provider.url, auth=auth) as session:
        request = Request(session, "POST", "/me")
        request.set_json({"n": 1})
        async with kind.fetch(request) as response:
            assert (await response.json())["user"] == USER
        provider.state.revoke_access_tokens()
        request = Request(session, "PUT", "/me")
        request.set_json({"n": 2})
        async with kind.fetch(request) as response:
            assert (await response.json())["body"] == '{"n": 2}'
    assert provider.state.grants == {"password": 1, "refresh_token": 1}
    assert auth.scopes == ("read", "write")


async def test_authorization_code_with_pkce(kind: SessionKind, provider: Provider) -> None:
    pages: list[str] = []
    auth = OAuth2AuthorizationCode(provider.url + "/authorize", provider.url + "/token",
                                   "web-app", scope="read", open_browser=follow_redirect(
                                       pages=pages))
    async with kind.open(provider.url, auth=auth) as session:
        assert (await get_me(kind, session))["user"] == USER
        assert (await get_me(kind, session))["client"] == "web-app"
    assert provider.state.grants == {"authorization_code": 1}
    assert len(pages) == 1 and "You may close this window" in pages[0]
    assert auth.token is not None and auth.token.refresh_token


async def test_authorization_code_without_pkce_is_refused_by_a_server_that_wants_it(
    provider: Provider
) -> None:
    auth = OAuth2AuthorizationCode(provider.url + "/authorize", provider.url + "/token",
                                   "web-app", pkce=False, open_browser=follow_redirect())
    async with AsyncSession(provider.url, auth=auth) as session:
        with pytest.raises(APIError) as info:
            await get_me(SessionKind("async"), session)
    assert info.value.status == 400


@pytest.mark.parametrize("tamper", ["wrong", "missing"])
async def test_a_wrong_or_missing_state_fails_at_once(kind: SessionKind, provider: Provider,
                                                      tamper: str) -> None:
    def change(query: dict[str, str]) -> None:
        if tamper == "wrong":
            query["state"] = "forged"
        else:
            del query["state"]

    pages: list[str] = []
    auth = OAuth2AuthorizationCode(provider.url + "/authorize", provider.url + "/token",
                                   "web-app", open_browser=follow_redirect(change, pages),
                                   login_timeout=30)
    async with kind.open(provider.url, auth=auth) as session:
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(RequestError, match="state") as info:
            await get_me(kind, session)
        assert loop.time() - started < 5
    assert not isinstance(info.value, APIError)
    assert "Sign-in failed" in pages[0]
    assert provider.state.grants == {}  # the code was never exchanged
    assert provider.state.hits["/me"] == 0


async def test_a_refused_sign_in_and_a_missing_browser(provider: Provider) -> None:
    denied = OAuth2AuthorizationCode(provider.url + "/authorize?deny=1", provider.url + "/token",
                                     "web-app", open_browser=follow_redirect())
    no_browser = OAuth2AuthorizationCode(provider.url + "/authorize", provider.url + "/token",
                                         "web-app", open_browser=lambda url: False)
    async with AsyncSession(provider.url) as session:
        request = Request(session, "GET", "/me")
        request.auth = denied
        with pytest.raises(RequestError, match="access_denied"):
            async with request.fetch():
                pass
        request.auth = no_browser
        with pytest.raises(RequestError, match="Could not open a browser"):
            async with request.fetch():
                pass


async def test_the_sign_in_times_out(provider: Provider) -> None:
    auth = OAuth2AuthorizationCode(provider.url + "/authorize", provider.url + "/token",
                                   "web-app", open_browser=lambda url: True, login_timeout=0.2)
    async with AsyncSession(provider.url, auth=auth) as session:
        with pytest.raises(RequestError, match=r"not completed within 0\.2 seconds"):
            await get_me(SessionKind("async"), session)


async def test_device_code_with_slow_down(kind: SessionKind, provider: Provider) -> None:
    provider.state.slow_downs = 2
    provider.state.device_interval = 1
    codes: list[tuple[str, str]] = []
    sleeps: list[float] = []
    polls_at_approval = 4  # two slow_down, one authorization_pending, then approved

    def on_code(uri: str, user_code: str) -> None:
        codes.append((uri, user_code))

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == polls_at_approval:
            with urllib.request.urlopen(
                f"{provider.url}/device/approve?user_code={codes[0][1]}", timeout=10
            ):
                pass

    auth = OAuth2DeviceCode(provider.url + "/device", provider.url + "/token", "tv",
                            scope="read", on_code=on_code, _sleep=sleep,
                            on_done=lambda uri, code: codes.append(("done", code)))
    async with kind.open(provider.url, auth=auth) as session:
        assert (await get_me(kind, session))["client"] == "tv"
    assert codes[0][0] == "http://127.0.0.1/activate" and len(codes[0][1]) >= 8
    assert codes[1:] == [("done", codes[0][1])]  # taken down once the token came
    assert sleeps == [1, 6, 11, 11]
    assert provider.state.grants == {"urn:ietf:params:oauth:grant-type:device_code": 4}


async def test_device_code_refused_by_the_user(provider: Provider) -> None:
    codes: list[str] = []

    async def sleep(seconds: float) -> None:
        with urllib.request.urlopen(
            f"{provider.url}/device/approve?user_code={codes[0]}&deny=1", timeout=10
        ):
            pass

    auth = OAuth2DeviceCode(provider.url + "/device", provider.url + "/token", "tv",
                            on_code=lambda uri, code: codes.append(code), _sleep=sleep,
                            on_done=lambda uri, code: codes.append(f"done {code}"))
    async with AsyncSession(provider.url, auth=auth) as session:
        with pytest.raises(TokenError) as info:
            await get_me(SessionKind("async"), session)
    assert info.value.error == "access_denied"
    assert codes[1:] == [f"done {codes[0]}"]


# -- refresh and retry ------------------------------------------------------------------------

async def test_refresh_when_expired(kind: SessionKind, provider: Provider) -> None:
    clock = Clock()
    auth = OAuth2Password(provider.url + "/token", "pw-app", USER, PASSWORD,
                          client_secret="pw-secret", _clock=clock)
    async with kind.open(provider.url, auth=auth) as session:
        await get_me(kind, session)
        first = auth.token
        assert first is not None and first.expires_at == clock.now + 3600
        clock.now += 3600 - 11
        await get_me(kind, session)
        assert auth.token == first
        clock.now += 2  # within the 10 s leeway of the expiry: renewed before use
        await get_me(kind, session)
    assert provider.state.grants == {"password": 1, "refresh_token": 1}
    assert auth.token is not None and auth.token.access_token != first.access_token
    assert provider.state.hits["/me"] == 3  # no request was refused first


async def test_refresh_with_a_short_lived_token(provider: Provider) -> None:
    provider.state.expires_in = 1
    auth = OAuth2ClientCredentials(provider.url + "/token", "svc", "svc sécret/+",
                                   expiry_leeway=0)
    async with AsyncSession(provider.url, auth=auth) as session:
        await get_me(SessionKind("async"), session)
        await asyncio.sleep(1.1)
        await get_me(SessionKind("async"), session)
    # No refresh token for client credentials: a new token is fetched.
    assert provider.state.grants == {"client_credentials": 2}


async def test_a_401_refreshes_and_retries_once(kind: SessionKind, provider: Provider) -> None:
    auth = OAuth2Password(provider.url + "/token", "pw-app", USER, PASSWORD,
                          client_secret="pw-secret")
    async with kind.open(provider.url, auth=auth) as session:
        await get_me(kind, session)
        provider.state.revoke_access_tokens()
        assert (await get_me(kind, session))["user"] == USER
        assert provider.state.hits["/me"] == 3
        with pytest.raises(APIError) as info:
            await get_me(kind, session, "/always-401")
        assert info.value.status == 401
    assert provider.state.hits["/always-401"] == 2
    assert provider.state.grants == {"password": 1, "refresh_token": 2}
    first, second = provider.state.seen["/always-401"]
    assert first != second


async def test_a_revoked_refresh_token_starts_the_grant_over(provider: Provider) -> None:
    auth = OAuth2Password(provider.url + "/token", "pw-app", USER, PASSWORD,
                          client_secret="pw-secret")
    async with AsyncSession(provider.url, auth=auth) as session:
        await get_me(SessionKind("async"), session)
        provider.state.revoke_access_tokens()
        provider.state.revoke_refresh_tokens()
        assert (await get_me(SessionKind("async"), session))["user"] == USER
    assert provider.state.grants == {"password": 2, "refresh_token": 1}


async def test_concurrent_requests_share_one_renewal(provider: Provider) -> None:
    auth = OAuth2ClientCredentials(provider.url + "/token", "svc", "svc sécret/+")
    async with AsyncSession(provider.url, auth=auth) as session:
        await asyncio.gather(*(get_me(SessionKind("async"), session) for _ in range(5)))
    assert provider.state.grants == {"client_credentials": 1}


async def test_a_websocket_handshake_gets_a_token(provider: Provider) -> None:
    auth = OAuth2ClientCredentials(provider.url + "/token", "svc", "svc sécret/+")
    async with AsyncSession(provider.url, auth=auth) as session:
        async with Request(session, "GET", "/ws/me").connect_websocket() as ws:
            assert await ws.receive_json() == {"user": None}
    assert provider.state.grants == {"client_credentials": 1}


# -- the token store --------------------------------------------------------------------------

async def test_the_token_store_keeps_tokens_between_runs(kind: SessionKind, provider: Provider
                                                         ) -> None:
    store: dict[str, str] = {}
    url = provider.url + "/token"
    first = OAuth2Password(url, "pw-app", USER, PASSWORD, client_secret="pw-secret",
                           token_store=store)
    async with kind.open(provider.url, auth=first) as session:
        await get_me(kind, session)
    [key] = store
    assert key == first.store_key and url in key and "pw-app" in key
    saved = json.loads(store[key])
    assert set(saved) == {"access_token", "refresh_token", "expires_at", "scope", "token_type"}
    again = OAuth2Password(url, "pw-app", USER, PASSWORD, client_secret="pw-secret",
                           token_store=store)
    async with kind.open(provider.url, auth=again) as session:
        await get_me(kind, session)
    assert provider.state.grants == {"password": 1}
    again.clear()
    assert store == {} and again.token is None
    store[key] = "{not json"
    damaged = OAuth2Password(url, "pw-app", USER, PASSWORD, client_secret="pw-secret",
                             token_store=store)
    assert damaged.token is None
    async with kind.open(provider.url, auth=damaged) as session:
        await get_me(kind, session)
    assert provider.state.grants == {"password": 2}
    assert TokenSet.from_json(store[key]) == damaged.token


# -- the token endpoint's refusals ------------------------------------------------------------

async def test_token_endpoint_errors(kind: SessionKind, provider: Provider) -> None:
    url = provider.url
    cases: list[tuple[Any, str, str]] = [
        (OAuth2ClientCredentials(url + "/token", "svc", "wrong"), "invalid_client", ""),
        (OAuth2ClientCredentials(url + "/token", "basic-only", "b-secret", client_auth="body"),
         "invalid_client", ""),
        (OAuth2Password(url + "/token", "pw-app", USER, "nope", client_secret="pw-secret"),
         "invalid_request", "password"),
        (OAuth2ClientCredentials(url + "/token/html", "svc", "s"), "invalid_response",
         "text/html"),
        (OAuth2ClientCredentials(url + "/token/no-access-token", "svc", "s"),
         "invalid_response", "no access_token"),
    ]
    async with kind.open(url) as session:
        for auth, error, words in cases:
            request = Request(session, "GET", "/me")
            request.auth = auth
            with pytest.raises(TokenError) as info:
                async with kind.fetch(request):
                    pass
            assert isinstance(info.value, APIError)
            assert info.value.error == error, info.value.data
            assert words in info.value.error_description
            assert error in str(info.value) and "/token" in str(info.value)
        assert provider.state.hits["/me"] == 0


async def test_an_unreachable_token_endpoint_is_a_request_error(provider: Provider) -> None:
    auth = OAuth2ClientCredentials("http://127.0.0.1:1/token", "svc", "s")
    async with AsyncSession(provider.url, auth=auth) as session:
        with pytest.raises(RequestError, match=r"127\.0\.0\.1:1\b"):
            await get_me(SessionKind("async"), session)


def test_bad_arguments_are_refused_at_once() -> None:
    with pytest.raises(ValueError, match="client_auth"):
        OAuth2ClientCredentials("http://h/token", "c", "s", client_auth="header")
    with pytest.raises(ValueError, match="absolute"):
        OAuth2ClientCredentials("/token", "c", "s")
    with pytest.raises(ValueError, match="client ID"):
        OAuth2Password("http://h/token", "", "u", "p")
    assert "p4ss" not in repr(OAuth2Password("http://h/token", "c", "u", "p4ss"))
