"""The playground's OAuth 2.0 provider, driven by the library's own OAuth 2.0 objects: every
grant, the authorize and device pages, ``/oauth/me``'s refusals, and refresh seen with a short
``expires_in``."""

from __future__ import annotations

import asyncio
import base64
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import aiohttp
import pytest

from app.client import AsyncSession, Request
from app.client.auth import (
    OAuth2AuthorizationCode,
    OAuth2ClientCredentials,
    OAuth2DeviceCode,
    OAuth2Password,
    TokenError,
)
from app.playground import RunningPlayground, start_playground
from app.playground.oauth import OAUTH
from app.playground.oauth_store import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_PASSWORD,
    DEMO_USER,
    OAuthSettings,
)

CLIENT_BASIC = {"Authorization": "Basic " + base64.b64encode(
    f"{DEMO_CLIENT_ID}:{DEMO_CLIENT_SECRET}".encode()).decode()}


async def me(session: AsyncSession) -> tuple[int, Any]:
    async with Request(session, "GET", "/oauth/me").fetch() as response:
        return response.status, await response.json()


def follow_redirect(extra: str = "&approve=1", seen: list[str] | None = None) -> Any:
    """An ``open_browser`` with no browser: GET the authorize URL with ``extra`` added, read
    its redirect and GET that, as a browser would."""

    class NoFollow(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any) -> None:
            return None

    def open_browser(url: str) -> bool:
        if seen is not None:
            seen.append(url)
        opener = urllib.request.build_opener(NoFollow)
        try:
            opener.open(url + extra, timeout=10).close()
        except urllib.error.HTTPError as answer:
            location = answer.headers["Location"]
            answer.close()
            assert answer.code == 302, answer.code
        else:
            raise AssertionError("the authorize page did not redirect")
        with urllib.request.urlopen(location, timeout=10) as back:
            back.read()
        return True

    return open_browser


@pytest.mark.parametrize("client_auth", ["basic", "body"])
async def test_client_credentials(pg: RunningPlayground, client_auth: str) -> None:
    auth = OAuth2ClientCredentials(pg.url + "/oauth/token", DEMO_CLIENT_ID, DEMO_CLIENT_SECRET,
                                   scope="read", client_auth=client_auth)
    async with AsyncSession(pg.url, auth=auth) as session:
        status, body = await me(session)
    assert status == 200
    assert body["client_id"] == DEMO_CLIENT_ID and body["user"] is None
    assert body["scope"] == "read" and 3500 < body["expires_in"] <= 3600


async def test_client_credentials_wrong_secret_is_invalid_client(pg: RunningPlayground) -> None:
    auth = OAuth2ClientCredentials(pg.url + "/oauth/token", DEMO_CLIENT_ID, "wrong")
    async with AsyncSession(pg.url, auth=auth) as session:
        with pytest.raises(TokenError) as caught:
            await me(session)
    assert caught.value.error == "invalid_client"


async def test_password_grant_and_wrong_password(pg: RunningPlayground) -> None:
    auth = OAuth2Password(pg.url + "/oauth/token", DEMO_CLIENT_ID, DEMO_USER, DEMO_PASSWORD,
                          client_secret=DEMO_CLIENT_SECRET)
    async with AsyncSession(pg.url, auth=auth) as session:
        status, body = await me(session)
        assert (status, body["user"]) == (200, DEMO_USER)
    wrong = OAuth2Password(pg.url + "/oauth/token", DEMO_CLIENT_ID, DEMO_USER, "babbage")
    async with AsyncSession(pg.url, auth=wrong) as session:
        with pytest.raises(TokenError) as caught:
            await me(session)
    # authlib's words (RFC 6749 5.2 would say invalid_grant; the provider is authlib's).
    assert caught.value.error == "invalid_request"
    assert "password" in caught.value.error_description


async def test_authorization_code_with_pkce(pg: RunningPlayground) -> None:
    opened: list[str] = []
    auth = OAuth2AuthorizationCode(pg.url + "/oauth/authorize", pg.url + "/oauth/token",
                                   DEMO_CLIENT_ID, scope="profile",
                                   open_browser=follow_redirect(seen=opened), login_timeout=20)
    async with AsyncSession(pg.url, auth=auth) as session:
        status, body = await me(session)
    assert (status, body["user"], body["scope"]) == (200, DEMO_USER, "profile")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(opened[0]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert not pg.app[OAUTH].store.codes  # the code was used once and forgotten


async def test_authorization_code_denied(pg: RunningPlayground) -> None:
    auth = OAuth2AuthorizationCode(pg.url + "/oauth/authorize", pg.url + "/oauth/token",
                                   DEMO_CLIENT_ID, open_browser=follow_redirect("&deny=1"),
                                   login_timeout=20)
    async with AsyncSession(pg.url, auth=auth) as session:
        with pytest.raises(Exception, match="access_denied"):
            await me(session)


async def test_authorization_code_without_pkce_is_refused(pg: RunningPlayground) -> None:
    """A public client must prove the code is its own (RFC 7636): no verifier, no token."""
    auth = OAuth2AuthorizationCode(pg.url + "/oauth/authorize", pg.url + "/oauth/token",
                                   DEMO_CLIENT_ID, pkce=False, open_browser=follow_redirect(),
                                   login_timeout=20)
    async with AsyncSession(pg.url, auth=auth) as session:
        with pytest.raises(TokenError) as caught:
            await me(session)
    assert caught.value.error == "invalid_request"
    assert "code_verifier" in caught.value.error_description


async def test_authorize_page_has_approve_and_its_button_redirects(pg: RunningPlayground) -> None:
    query = {"response_type": "code", "client_id": DEMO_CLIENT_ID, "state": "s1",
             "redirect_uri": "http://127.0.0.1:9/callback", "code_challenge": "a" * 43,
             "code_challenge_method": "S256"}
    async with aiohttp.ClientSession() as client:
        async with client.get(pg.url + "/oauth/authorize", params=query) as page:
            text = await page.text()
        assert page.status == 200 and "Approve" in text and "Deny" in text
        async with client.post(pg.url + "/oauth/authorize", params=query,
                               data={"decision": "approve"}, allow_redirects=False) as answer:
            location = answer.headers["Location"]
        assert answer.status == 302
        back = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
        assert location.startswith("http://127.0.0.1:9/callback?")
        assert back["state"] == ["s1"] and back["code"]
        # An unknown redirect URI is not followed anywhere: an error, no redirect.
        async with client.get(pg.url + "/oauth/authorize", allow_redirects=False,
                              params={**query, "redirect_uri": "https://evil.example/cb",
                                      "approve": "1"}) as refused:
            assert refused.status == 400 and "Location" not in refused.headers
            assert (await refused.json())["error"] == "invalid_request"
        async with client.get(pg.url + "/oauth/authorize?approve=1",
                              params={**query, "code_challenge_method": "plain"},
                              allow_redirects=False) as plain:
            back = urllib.parse.parse_qs(urllib.parse.urlsplit(plain.headers["Location"]).query)
            assert back["error"] == ["invalid_request"]


async def test_device_code_approved_on_the_verification_page(pg: RunningPlayground) -> None:
    shown: list[tuple[str, str]] = []

    async def approve(uri: str, code: str) -> None:
        async with aiohttp.ClientSession() as client:
            async with client.get(uri) as page:  # the page where the user types the code
                assert page.status == 200 and "user_code" in await page.text()
            async with client.get(uri, params={"user_code": code}) as page:
                assert page.status == 200 and "Approve" in await page.text()
            async with client.get(uri, params={"user_code": code, "approve": "1"}) as page:
                assert page.status == 200 and "approved" in await page.text()

    def on_code(uri: str, code: str) -> None:
        shown.append((uri, code))
        approving.append(asyncio.get_running_loop().create_task(approve(uri, code)))

    approving: list[asyncio.Task[None]] = []
    auth = OAuth2DeviceCode(pg.url + "/oauth/device?interval=0", pg.url + "/oauth/token",
                            DEMO_CLIENT_ID, scope="read", on_code=on_code)
    async with AsyncSession(pg.url, auth=auth) as session:
        status, body = await me(session)
    await asyncio.gather(*approving)
    assert (status, body["user"], body["scope"]) == (200, DEMO_USER, "read")
    assert shown[0][0] == pg.url + "/oauth/device/verify"


async def test_device_code_denied_and_unknown_code(pg: RunningPlayground) -> None:
    denying: list[asyncio.Task[Any]] = []

    async def deny(uri: str, code: str) -> None:
        async with aiohttp.ClientSession() as client:
            async with client.post(uri, data={"user_code": code, "decision": "deny"}) as page:
                assert page.status == 200 and "denied" in await page.text()

    auth = OAuth2DeviceCode(
        pg.url + "/oauth/device?interval=0", pg.url + "/oauth/token", DEMO_CLIENT_ID,
        on_code=lambda uri, code: denying.append(asyncio.ensure_future(deny(uri, code))))
    async with AsyncSession(pg.url, auth=auth) as session:
        with pytest.raises(TokenError) as caught:
            await me(session)
    await asyncio.gather(*denying)
    assert caught.value.error == "access_denied"
    async with aiohttp.ClientSession() as client:
        async with client.get(pg.url + "/oauth/device/verify",
                              params={"user_code": "BCDF-GHJK", "approve": "1"}) as page:
            assert page.status == 404 and "No device" in await page.text()


async def test_device_polled_too_fast_is_slowed_down(pg: RunningPlayground) -> None:
    async with aiohttp.ClientSession() as client:
        async with client.post(pg.url + "/oauth/device?interval=30",
                               data={"client_id": DEMO_CLIENT_ID}) as started:
            grant = await started.json()
        assert grant["interval"] == 30 and grant["verification_uri_complete"].endswith(
            "user_code=" + grant["user_code"])
        poll = {"grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                "device_code": grant["device_code"], "client_id": DEMO_CLIENT_ID}
        errors = []
        for _ in range(2):
            async with client.post(pg.url + "/oauth/token", data=poll) as answer:
                errors.append((await answer.json())["error"])
    assert errors == ["authorization_pending", "slow_down"]


async def test_me_refuses_without_a_token_with_an_unknown_and_an_expired_one(
    pg: RunningPlayground,
) -> None:
    async with aiohttp.ClientSession() as client:
        async with client.get(pg.url + "/oauth/me") as none:
            assert none.status == 401 and none.headers["WWW-Authenticate"].startswith("Bearer")
        async with client.get(pg.url + "/oauth/me",
                              headers={"Authorization": "Bearer nope"}) as unknown:
            assert unknown.status == 401
            assert (await unknown.json())["error_description"] == "the access token is unknown"
        async with client.post(pg.url + "/oauth/token?expires_in=1",
                               headers=CLIENT_BASIC,
                               data={"grant_type": "client_credentials"}) as issued:
            token = await issued.json()
        assert token["expires_in"] == 1
        headers = {"Authorization": "Bearer " + token["access_token"]}
        async with client.get(pg.url + "/oauth/me", headers=headers) as fresh:
            assert fresh.status == 200
        await asyncio.sleep(1.1)
        async with client.get(pg.url + "/oauth/me", headers=headers) as expired:
            assert expired.status == 401
            assert 'error="invalid_token"' in expired.headers["WWW-Authenticate"]
            assert (await expired.json())["error_description"] == "the access token expired"


async def test_bad_expires_in_is_a_clear_oauth_error(pg: RunningPlayground) -> None:
    async with aiohttp.ClientSession() as client:
        for value in ("soon", "0", str(10**9)):
            async with client.post(pg.url + "/oauth/token", params={"expires_in": value},
                                   data={"grant_type": "client_credentials"}) as answer:
                body = await answer.json()
            assert answer.status == 400 and body["error"] == "invalid_request"
            assert "expires_in" in body["error_description"]


async def test_refresh_is_seen_with_a_short_expires_in(pg: RunningPlayground) -> None:
    """With 1-second tokens the library refreshes (the refresh token grant, not the password
    again) and the old access token stops working."""
    auth = OAuth2Password(pg.url + "/oauth/token?expires_in=1", DEMO_CLIENT_ID, DEMO_USER,
                          DEMO_PASSWORD, expiry_leeway=0)
    store = pg.app[OAUTH].store
    async with AsyncSession(pg.url, auth=auth) as session:
        assert (await me(session))[0] == 200
        first = auth.token
        assert first is not None and first.refresh_token
        await asyncio.sleep(1.1)
        status, body = await me(session)
        second = auth.token
    assert (status, body["user"]) == (200, DEMO_USER)
    assert second is not None and second.access_token != first.access_token
    assert store.tokens[first.access_token].revoked  # the refresh grant replaced it
    assert second.refresh_token != first.refresh_token


async def test_playground_wide_token_lifetime_and_bad_settings() -> None:
    pg = await start_playground(access_log=False, oauth_settings=OAuthSettings(expires_in=42))
    async with pg:
        auth = OAuth2ClientCredentials(pg.url + "/oauth/token", DEMO_CLIENT_ID,
                                       DEMO_CLIENT_SECRET)
        async with AsyncSession(pg.url, auth=auth) as session:
            status, body = await me(session)
        assert status == 200 and 40 <= body["expires_in"] <= 42
    with pytest.raises(ValueError, match="token lifetime"):
        OAuthSettings(expires_in=0)


async def test_tokens_kept_are_bounded(pg: RunningPlayground) -> None:
    store = pg.app[OAUTH].store
    pg.app[OAUTH].store.settings = OAuthSettings(max_tokens=3)
    async with aiohttp.ClientSession() as client:
        for _ in range(5):
            async with client.post(pg.url + "/oauth/token",
                                   headers=CLIENT_BASIC,
                                   data={"grant_type": "client_credentials"}) as answer:
                assert answer.status == 200
    assert len(store.tokens) == 3
