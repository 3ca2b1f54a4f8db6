"""The getting-started requests for OAuth 2.0, cookies, the proxy and the mTLS port, sent as
the window sends them (``compose`` with an ``AuthCache``) to a real playground."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from app.client import RequestError
from app.model import getting_started as gs
from app.model.compose import SessionPool, compose, make_session
from app.model.compose_auth import AuthCache
from app.model.request import AuthKind, RequestModel
from app.playground import RunningPlayground, oauth_store
from tests.playground.test_oauth import follow_redirect


def entry(start: str) -> RequestModel:
    return next(m for m in gs.getting_started() if m.name.startswith(start))


def variables(pg: RunningPlayground) -> dict[str, str]:
    """What the window's playground control gives these entries."""
    assert pg.mtls_url is not None and pg.proxy is not None and pg.proxy_url is not None
    assert pg.certificates is not None
    settings = pg.proxy.settings
    scheme, rest = pg.proxy_url.split("://", 1)
    return {gs.PLAYGROUND_VARIABLE: pg.url, gs.PLAYGROUND_MTLS_VARIABLE: pg.mtls_url,
            gs.PLAYGROUND_PROXY_VARIABLE: f"{scheme}://{settings.user}:{settings.password}@{rest}",
            gs.PLAYGROUND_CLIENT_CERT_VARIABLE: str(pg.certificates.client_cert),
            gs.PLAYGROUND_CLIENT_KEY_VARIABLE: str(pg.certificates.client_key)}


async def send(pg: RunningPlayground, model: RequestModel, cache: AuthCache | None = None,
               session: Any = None) -> tuple[int, Any]:
    own = session is None
    session = session or make_session(model.options)
    try:
        composed = compose(session, model, variables(pg), auth_cache=cache or AuthCache())
        async with composed.request.fetch(check_status=False) as response:
            return response.status, await response.json()
    finally:
        if own:
            await session.close()


def test_the_demo_client_is_the_playgrounds() -> None:
    assert (gs.DEMO_CLIENT_ID, gs.DEMO_CLIENT_SECRET) == (
        oauth_store.DEMO_CLIENT_ID, oauth_store.DEMO_CLIENT_SECRET)


@pytest.mark.parametrize("name", ["OAuth 2.0 client credentials", "OAuth 2.0 password grant"])
async def test_the_non_interactive_oauth_entries(pg: RunningPlayground, name: str) -> None:
    model = entry(name)
    assert model.auth.kind is AuthKind.OAUTH2
    status, body = await send(pg, model)
    assert status == 200 and body["client_id"] == gs.DEMO_CLIENT_ID
    if "password" in name:
        assert body["user"] == "ada" and 25 <= body["expires_in"] <= 30


async def test_the_authorization_code_entry(pg: RunningPlayground) -> None:
    cache = AuthCache(open_browser=follow_redirect())
    status, body = await send(pg, entry("OAuth 2.0 authorization code"), cache)
    assert (status, body["user"], body["scope"]) == (200, "ada", "profile")


async def test_the_device_code_entry(pg: RunningPlayground) -> None:
    approvals: list[asyncio.Task[None]] = []

    async def approve(uri: str, code: str) -> None:
        async with aiohttp.ClientSession() as client:
            async with client.get(uri, params={"user_code": code, "approve": "1"}) as page:
                assert page.status == 200

    cache = AuthCache(on_code=lambda uri, code: approvals.append(
        asyncio.ensure_future(approve(uri, code))))
    status, body = await send(pg, entry("OAuth 2.0 device code"), cache)
    await asyncio.gather(*approvals)
    assert (status, body["user"]) == (200, "ada")


async def test_me_without_a_token_and_the_cookie_entries(pg: RunningPlayground) -> None:
    assert (await send(pg, entry("/oauth/me without a token")))[0] == 401
    model = entry("Set a cookie")
    session = make_session(model.options)
    try:
        assert await send(pg, model, session=session) == (
            200, {"cookies": {"flavour": "chocolate"}})
        assert await send(pg, entry("Show the cookies"), session=session) == (
            200, {"cookies": {"flavour": "chocolate"}})
        assert await send(pg, entry("Delete a cookie"), session=session) == (
            200, {"cookies": {}})
    finally:
        await session.close()


async def send_pooled(pg: RunningPlayground, model: RequestModel) -> tuple[int, Any]:
    """As the window sends: the pool picks the session of the request's proxy and
    certificate options, filled from the variables."""
    pool = SessionPool()
    try:
        values = variables(pg)
        session = pool.for_request(model, values)
        composed = compose(session, model, values, auth_cache=pool.auth_cache)
        async with composed.request.fetch(check_status=False) as response:
            return response.status, await response.json()
    finally:
        await pool.close()


async def test_the_proxy_entry_goes_through_the_playgrounds_proxy(
        pg: RunningPlayground) -> None:
    assert pg.proxy is not None
    before = pg.proxy.stats.forwarded
    status, echo = await send_pooled(pg, entry("Through the playground's proxy"))
    assert status == 200 and echo["query"] == [["via", "proxy"]]
    assert pg.proxy.stats.forwarded == before + 1


async def test_the_mtls_entries(pg: RunningPlayground) -> None:
    status, seen = await send_pooled(pg, entry("mTLS port with the playground's client"))
    assert status == 200 and seen["subject"]["commonName"] == "Spyglass playground client"
    with pytest.raises(RequestError):  # no client certificate: the port refuses
        await send_pooled(pg, entry("mTLS port without a certificate"))
