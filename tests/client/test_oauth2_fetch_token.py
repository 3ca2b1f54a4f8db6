"""``fetch_token``: a grant run ahead of any request (the window's "Get new token" and
"Refresh"), against the authlib server of tests/client/oauth_server.py."""

from __future__ import annotations

import pytest

from app.client import AsyncSession, Request, UsageError
from app.client.auth import (
    OAuth2AuthorizationCode,
    OAuth2ClientCredentials,
    OAuth2Password,
    TokenError,
)
from tests.client.conftest import SessionKind
from tests.client.oauth_server import PASSWORD, USER
from tests.client.test_oauth2 import Provider, follow_redirect, get_me
from tests.client.test_oauth2 import provider as provider  # the fixture, for these tests


async def test_a_token_fetched_ahead_is_used_by_the_next_request(provider: Provider) -> None:
    store: dict[str, str] = {}
    auth = OAuth2ClientCredentials(provider.url + "/token", "svc", "svc sécret/+",
                                   scope="read", token_store=store)
    async with AsyncSession(provider.url) as session:
        token = await auth.fetch_token(session)
        assert token.access_token and token.scopes == ("read",)
        assert token.expires_at is not None
        assert auth.token == token and auth.scopes == ("read",)
        assert auth.store_key in store and token.access_token in store[auth.store_key]
        assert provider.state.hits["/me"] == 0  # no request was sent
        session.auth = auth
        assert (await get_me(SessionKind("async"), session))["client"] == "svc"
    assert provider.state.grants == {"client_credentials": 1}
    assert provider.state.seen["/me"] == [f"Bearer {token.access_token}"]


async def test_get_new_token_runs_the_grant_again_and_refresh_uses_the_refresh_token(
    provider: Provider
) -> None:
    auth = OAuth2Password(provider.url + "/token", "pw-app", USER, PASSWORD,
                          client_secret="pw-secret")
    async with AsyncSession(provider.url) as session:
        first = await auth.fetch_token(session)
        second = await auth.fetch_token(session)
        assert second.access_token != first.access_token
        assert provider.state.grants == {"password": 2}
        refreshed = await auth.fetch_token(session, refresh=True)
        assert refreshed.access_token != second.access_token
        assert provider.state.grants == {"password": 2, "refresh_token": 1}
        assert auth.token == refreshed


async def test_refresh_with_no_token_held_runs_the_grant(provider: Provider) -> None:
    auth = OAuth2ClientCredentials(provider.url + "/token", "svc", "svc sécret/+")
    async with AsyncSession(provider.url) as session:
        token = await auth.fetch_token(session, refresh=True)
    assert token.access_token and provider.state.grants == {"client_credentials": 1}


async def test_the_authorization_code_grant_signs_in_through_the_browser(provider: Provider
                                                                         ) -> None:
    pages: list[str] = []
    auth = OAuth2AuthorizationCode(provider.url + "/authorize", provider.url + "/token",
                                   "web-app", open_browser=follow_redirect(pages=pages))
    async with AsyncSession(provider.url) as session:
        token = await auth.fetch_token(session)
    assert token.refresh_token and len(pages) == 1


async def test_a_refusal_raises_and_keeps_what_was_held(provider: Provider) -> None:
    good = OAuth2ClientCredentials(provider.url + "/token", "svc", "svc sécret/+")
    async with AsyncSession(provider.url) as session:
        held = await good.fetch_token(session)
        good.client_secret = "wrong"
        with pytest.raises(TokenError) as info:
            await good.fetch_token(session)
        assert info.value.error == "invalid_client"
        assert good.token == held
        # The lock was released: the next fetch runs.
        good.client_secret = "svc sécret/+"
        assert (await good.fetch_token(session)).access_token != held.access_token


async def test_an_html_token_endpoint_is_an_error_not_a_crash(provider: Provider) -> None:
    auth = OAuth2ClientCredentials(provider.url + "/token/html", "svc", "svc sécret/+")
    async with AsyncSession(provider.url) as session:
        with pytest.raises(TokenError, match="not a JSON object"):
            await auth.fetch_token(session)


async def test_run_auth_steps_refuses_steps_that_send_a_request(provider: Provider) -> None:
    async with AsyncSession(provider.url) as session:
        def steps():  # type: ignore[no-untyped-def]
            yield Request(session, "GET", "/me").prepare()

        with pytest.raises(UsageError, match="own steps only"):
            await session.run_auth_steps(steps())
