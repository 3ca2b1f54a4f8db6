"""Authentication: Basic, Bearer, API key, Digest and Backend.AI request signing.

Checked against the test server's own checks, under ``Session`` and ``AsyncSession``, including
what crosses a redirect: credentials stay with their origin, signatures are made afresh per hop.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from multidict import CIMultiDict
from yarl import URL

from app.client import (
    APIError,
    APIKeyAuth,
    AsyncSession,
    BackendAIAuth,
    BasicAuth,
    BearerAuth,
    DigestAuth,
    Request,
    Session,
)
from app.client._models import PreparedRequest
from app.client.auth import Auth
from tests.client.conftest import SessionKind
from tests.client.server import BACKENDAI_DATES, DIGEST_PASSWORD, DIGEST_USER, ServerThread

MIB = 1 << 20
ACCESS_KEY, SECRET_KEY = "AKTEST", "secret-key-for-tests"
ALGORITHMS = ["MD5", "SHA-256"]


@pytest.fixture(scope="module")
def other() -> Iterator[ServerThread]:
    """A second server: another port on 127.0.0.1 is another origin."""
    srv = ServerThread().start()
    yield srv
    srv.stop()


def headers_of(echo: dict[str, Any]) -> dict[str, str]:
    return {name.lower(): value for name, value in echo["headers"]}


async def fetch_json(
    kind: SessionKind, session: Session | AsyncSession, method: str, path: str, **kw: Any
) -> Any:
    """Send a request (``auth=`` sets the request's own auth, ``json=`` its body); the JSON."""
    async with kind.fetch(_build(session, method, path, **kw)) as response:
        assert response.status == 200
        return await response.json()


def _build(
    session: Session | AsyncSession,
    method: str,
    path: str,
    *,
    auth: Auth | None = None,
    json: Any = None,
    **kw: Any,
) -> Request[Any]:
    request = Request(session, method, path, **kw)
    request.auth = auth
    if json is not None:
        request.set_json(json)
    return request


async def works(kind: SessionKind, session: Session | AsyncSession) -> None:
    assert (await fetch_json(kind, session, "GET", "/echo"))["method"] == "GET"


# -- Basic, Bearer, API key ------------------------------------------------------------------

BASIC_OK = "Basic " + base64.b64encode("user:päss".encode()).decode()


async def test_basic_auth_utf8(kind: SessionKind, base_url: str) -> None:
    async with kind.open(base_url, auth=BasicAuth("user", "päss")) as session:
        assert await fetch_json(kind, session, "GET", "/basic") == {"ok": True}
    async with kind.open(base_url, auth=("user", "päss")) as session:
        assert await fetch_json(kind, session, "POST", "/basic", json={"x": 1}) == {"ok": True}


async def test_basic_auth_per_request_override(kind: SessionKind, base_url: str) -> None:
    good = BasicAuth("user", "päss")
    async with kind.open(base_url, auth=BasicAuth("user", "wrong")) as session:
        with pytest.raises(APIError) as info:
            async with kind.fetch(Request(session, "GET", "/basic")):
                pass
        assert info.value.status == 401
        assert await fetch_json(kind, session, "GET", "/basic", auth=good) == {"ok": True}
        echo = await fetch_json(kind, session, "GET", "/echo", auth=BearerAuth("tok"))
        assert headers_of(echo)["authorization"] == "Bearer tok"
    async with kind.open(base_url) as session:
        assert await fetch_json(kind, session, "GET", "/basic", auth=good) == {"ok": True}
        with pytest.raises(APIError):
            async with kind.fetch(Request(session, "GET", "/basic")):
                pass


async def test_bearer_and_api_key(kind: SessionKind, base_url: str) -> None:
    async with kind.open(base_url, auth=BearerAuth("tok-123")) as session:
        echo = await fetch_json(kind, session, "GET", "/echo")
        assert headers_of(echo)["authorization"] == "Bearer tok-123"
        echo = await fetch_json(kind, session, "GET", "/echo",
                                auth=APIKeyAuth("X-API-Key", "k-1"))
        assert headers_of(echo)["x-api-key"] == "k-1"
        assert "authorization" not in headers_of(echo)
        echo = await fetch_json(
            kind,
            session,
            "GET",
            "/echo?a=1",
            params={"b": "2"},
            auth=APIKeyAuth("api_key", "k 2&", location="query"),
        )
        assert ["api_key", "k 2&"] in echo["query"]
        assert ["a", "1"] in echo["query"] and ["b", "2"] in echo["query"]
        assert "authorization" not in headers_of(echo)
    async with kind.open(base_url, auth=APIKeyAuth("api_key", "k-3", "query")) as session:
        echo = await fetch_json(kind, session, "GET", "/echo")
        assert echo["query"] == [["api_key", "k-3"]]
        echo = await fetch_json(kind, session, "GET", "/echo", auth=APIKeyAuth("X-Key", "k-4"))
        assert headers_of(echo)["x-key"] == "k-4"
        assert echo["query"] == []
        echo = await fetch_json(kind, session, "GET", "/echo", auth=BearerAuth("tok-5"))
        assert headers_of(echo)["authorization"] == "Bearer tok-5"


# -- Digest ----------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ALGORITHMS)
async def test_digest(kind: SessionKind, base_url: str, algorithm: str) -> None:
    auth = DigestAuth(DIGEST_USER, DIGEST_PASSWORD)
    async with kind.open(base_url, auth=auth) as session:
        got = await fetch_json(kind, session, "GET", f"/digest/{algorithm}")
        assert got == {"authenticated": True, "method": "GET"}
        value: Any = {"name": "Zoë", "n": [1, 2, 3]}
        got = await fetch_json(kind, session, "POST", f"/digest-echo/{algorithm}", json=value)
        assert got["authenticated"] and got["method"] == "POST"
        assert got["content_type"] == "application/json"
        assert json.loads(got["text"]) == value
    async with kind.open(base_url) as session:
        got = await fetch_json(kind, session, "GET", f"/digest/{algorithm}?q=1", auth=auth)
        assert got == {"authenticated": True, "method": "GET"}
        value = ["a", {"b": None}]
        got = await fetch_json(kind, session, "PUT", f"/digest-echo/{algorithm}", auth=auth,
                               json=value)
        assert got["method"] == "PUT" and json.loads(got["text"]) == value


def _transmissions(calls: list[tuple[int, int | None]]) -> list[list[tuple[int, int | None]]]:
    """Split reporthook calls where ``sent`` starts again."""
    out: list[list[tuple[int, int | None]]] = []
    for sent, total in calls:
        if not out or sent < out[-1][-1][0]:
            out.append([])
        out[-1].append((sent, total))
    return out


def _check_digest_progress(calls: list[tuple[int, int | None]], size: int) -> None:
    runs = _transmissions(calls)
    assert len(runs) == 2, [len(r) for r in runs]  # the challenged send, then the answer
    for run in runs:
        assert run[0][0] <= MIB  # starts again from 0: the first report is the first slice
        sent = [s for s, _ in run]
        assert sent == sorted(sent)
        assert run[-1] == (size, size)
        assert all(total == size for _, total in run)


@pytest.mark.parametrize(("algorithm", "body"), [
    ("SHA-256", bytes(range(256)) * (3 * MIB // 256) + b"tail"),
    ("MD5", b"z" * (2 * MIB + 17)),
])
async def test_digest_resend_with_reporthook(
    kind: SessionKind, base_url: str, algorithm: str, body: bytes
) -> None:
    calls: list[tuple[int, int | None]] = []
    async with kind.open(base_url, auth=DigestAuth(DIGEST_USER, DIGEST_PASSWORD)) as session:
        request = Request(
            session,
            "POST",
            f"/digest-echo/{algorithm}",
            body,
            reporthook=lambda sent, total: calls.append((sent, total)),
        )
        async with kind.fetch(request) as response:
            got = await response.json()
    assert got["length"] == len(body)
    assert got["sha256"] == hashlib.sha256(body).hexdigest()
    _check_digest_progress(calls, len(body))


@pytest.mark.parametrize(("user", "password", "method", "path", "content"), [
    (DIGEST_USER, "wrong", "GET", "/digest/MD5", None),
    (DIGEST_USER, "wrong", "GET", "/digest/SHA-256", None),
    ("mallory", DIGEST_PASSWORD, "POST", "/digest/SHA-256", b"body"),
])
async def test_digest_wrong_credentials(
    kind: SessionKind, base_url: str, user: str, password: str, method: str, path: str,
    content: bytes | None,
) -> None:
    async with kind.open(base_url, auth=DigestAuth(user, password)) as session:
        with pytest.raises(APIError) as info:
            async with kind.fetch(Request(session, method, path, content)):
                pass
        assert info.value.status == 401
        await works(kind, session)


# -- auth on streams -------------------------------------------------------------------------


async def test_auth_applies_to_websocket_handshake(base_url: str) -> None:
    async with AsyncSession(base_url, auth=BearerAuth("ws-token")) as session:
        async with Request(session, "GET", "/ws/echo").connect_websocket() as ws:
            hello = await ws.receive_json(timeout=10)
    assert hello["authorization"] == "Bearer ws-token"


@pytest.mark.parametrize("algorithm", ALGORITHMS)
async def test_digest_answers_a_websocket_handshake_challenge(
    base_url: str, algorithm: str
) -> None:
    async with AsyncSession(base_url, auth=DigestAuth(DIGEST_USER, DIGEST_PASSWORD)) as session:
        request = Request(session, "GET", f"/ws/digest/{algorithm}")
        async with request.connect_websocket() as ws:
            assert await ws.receive_str(timeout=10) == "digest ok"


async def test_auth_applies_to_event_stream(base_url: str) -> None:
    async with AsyncSession(base_url, auth=BasicAuth("user", "päss")) as session:
        async with Request(session, "GET", "/sse/headers").connect_events() as stream:
            events = [event async for event in stream]
    headers = {k.lower(): v for k, v in json.loads(events[0].data)["headers"].items()}
    assert headers["authorization"] == BASIC_OK


# -- credentials and redirects ---------------------------------------------------------------

CREDENTIALS = {
    "basic": lambda: BasicAuth("user", "päss"),
    "bearer": lambda: BearerAuth("tok-secret"),
    "apikey-header": lambda: APIKeyAuth("X-API-Key", "key-secret"),
    "apikey-query": lambda: APIKeyAuth("api_key", "key-secret", location="query"),
}


def _seen_credentials(echo: dict[str, Any]) -> list[str]:
    headers = headers_of(echo)
    seen = [name for name in ("authorization", "x-api-key") if name in headers]
    seen += [f"query {k}" for k, _ in echo["query"] if k == "api_key"]
    if "secret" in echo["path_qs"]:
        seen.append(echo["path_qs"])
    return seen


@pytest.mark.parametrize("code", [302, 307])
@pytest.mark.parametrize("credential", sorted(CREDENTIALS))
async def test_credentials_stay_with_their_origin(
    kind: SessionKind, base_url: str, other: ServerThread, credential: str, code: int
) -> None:
    async with kind.open(base_url, auth=CREDENTIALS[credential]()) as session:
        away = await fetch_json(kind, session, "GET", f"/redirect/{code}",
                                params={"to": f"{other.url}/echo"})
        assert headers_of(away)["host"] == f"127.0.0.1:{other.port}"
        assert _seen_credentials(away) == []
        home = await fetch_json(kind, session, "GET", f"/redirect/{code}",
                                params={"to": "/echo"})
        assert _seen_credentials(home) != []


@pytest.mark.parametrize("credential", sorted(CREDENTIALS))
async def test_request_credentials_stay_with_their_origin_on_a_307_post(
    kind: SessionKind, base_url: str, other: ServerThread, credential: str
) -> None:
    async with kind.open(base_url) as session:
        auth = CREDENTIALS[credential]()
        away = await fetch_json(
            kind,
            session,
            "POST",
            "/redirect/307",
            params={"to": f"{other.url}/echo"},
            auth=auth,
            json={"x": 1},
        )
        assert headers_of(away)["host"] == f"127.0.0.1:{other.port}"
        assert away["method"] == "POST" and _seen_credentials(away) == []
        home = await fetch_json(
            kind,
            session,
            "POST",
            "/redirect/307",
            params={"to": f"{base_url}/echo"},
            auth=auth,
            json={"x": 1},
        )
        assert _seen_credentials(home) != []


@pytest.mark.parametrize(("code", "algorithm"), [(302, "MD5"), (307, "SHA-256")])
async def test_digest_stays_with_its_origin(
    kind: SessionKind, base_url: str, other: ServerThread, code: int, algorithm: str
) -> None:
    async with kind.open(base_url, auth=DigestAuth(DIGEST_USER, DIGEST_PASSWORD)) as session:
        # Same origin: the challenge after the redirect is answered.
        got = await fetch_json(kind, session, "GET", f"/redirect/{code}",
                               params={"to": f"/digest/{algorithm}"})
        assert got == {"authenticated": True, "method": "GET"}
        # Another origin: its challenge is not answered with these credentials.
        request = Request(session, "GET", f"/redirect/{code}",
                          params={"to": f"{other.url}/digest/{algorithm}"})
        with pytest.raises(APIError) as info:
            async with kind.fetch(request):
                pass
        assert info.value.status == 401
        assert info.value.url == f"{other.url}/digest/{algorithm}"
        await works(kind, session)


# -- Backend.AI signing ----------------------------------------------------------------------


def backendai() -> BackendAIAuth:
    return BackendAIAuth(ACCESS_KEY, SECRET_KEY)


async def test_backendai_get_post_query(kind: SessionKind, base_url: str) -> None:
    async with kind.open(base_url, auth=backendai()) as session:
        got = await fetch_json(kind, session, "GET", "/backendai")
        assert got["ok"] and got["domain"] == "default"
        got = await fetch_json(kind, session, "POST", "/backendai", json={"image": "python:3.11"})
        assert got["ok"]
        got = await fetch_json(
            kind, session, "GET", "/backendai?b=1&a=x%20y",
            params={"c": "ä ö", "d": ["1", "2"]},
        )
        assert got["ok"]
        got = await fetch_json(kind, session, "DELETE", "/backendai", content="plain text")
        assert got["ok"]
    auth = BackendAIAuth(ACCESS_KEY, SECRET_KEY, domain="research")
    async with kind.open(base_url, auth=auth) as session:
        got = await fetch_json(kind, session, "GET", "/backendai")
        assert got["ok"] and got["domain"] == "research"
        got = await fetch_json(kind, session, "PATCH", "/backendai", json=[1, 2])
        assert got["ok"]
        got = await fetch_json(kind, session, "GET", "/backendai", params=[("q", "a/b?c")])
        assert got["ok"]


async def test_backendai_redirect_is_signed_again(kind: SessionKind, base_url: str) -> None:
    async with kind.open(base_url, auth=backendai()) as session:
        async with kind.fetch(Request(session, "GET", "/backendai/redirect")) as response:
            assert (await response.json())["ok"]
            assert response.history == [(307, f"{base_url}/backendai/redirect")]
        got = await fetch_json(kind, session, "POST", "/backendai/redirect", json={"a": 1})
        assert got["ok"]
        trace = uuid.uuid4().hex
        got = await fetch_json(
            kind, session, "POST", "/backendai/hops/2", params={"trace": trace}, json={"k": "v"}
        )
        assert got["method"] == "POST" and got["length"] == len(b'{"k": "v"}')
        _check_fresh_dates(got["dates"], 3)
        trace = uuid.uuid4().hex
        got = await fetch_json(kind, session, "GET", "/backendai/hops/3", params={"trace": trace})
        _check_fresh_dates(got["dates"], 4)


def _check_fresh_dates(dates: list[str], hops: int) -> None:
    assert len(dates) == hops
    assert len(set(dates)) == hops, "each hop must be signed with its own Date"
    parsed = [datetime.fromisoformat(d) for d in dates]
    assert parsed == sorted(parsed)
    for when in parsed:
        assert when.utcoffset() == timedelta(0)
        assert abs(datetime.now(UTC) - when) < timedelta(minutes=1)


async def test_backendai_websocket_handshake(base_url: str) -> None:
    async with AsyncSession(base_url, auth=backendai()) as session:
        async with Request(session, "GET", "/ws/backendai").connect_websocket() as ws:
            assert await ws.receive_str(timeout=10) == "signed ok"


async def test_backendai_websocket_handshake_wrong_secret(base_url: str) -> None:
    async with AsyncSession(base_url, auth=BackendAIAuth(ACCESS_KEY, "wrong")) as session:
        with pytest.raises(APIError) as info:
            async with Request(session, "GET", "/ws/backendai").connect_websocket():
                pass
        assert info.value.status == 401
        assert info.value.data == {"error": "signature mismatch"}
        await works(SessionKind("async"), session)


async def test_backendai_event_stream_reconnects_signed(base_url: str) -> None:
    trace = uuid.uuid4().hex
    async with AsyncSession(base_url, auth=backendai(), timeout=10) as session:
        request = Request(session, "GET", "/backendai/sse", params={"trace": trace, "count": 3})
        async with request.connect_events(reconnect=True) as stream:
            events = [event async for event in stream]
    assert [(e.id, e.data) for e in events] == [("1", "tick 1"), ("2", "tick 2"), ("3", "tick 3")]
    # Three streams and the final 204, each verified by the server with a fresh signature.
    _check_fresh_dates(BACKENDAI_DATES[trace], 4)


@pytest.mark.parametrize(("access", "secret", "method", "content", "error"), [
    (ACCESS_KEY, "not-the-secret", "GET", None, "signature mismatch"),
    ("AKOTHER", SECRET_KEY, "POST", b"x", "unknown access key"),
])
async def test_backendai_wrong_secret(
    kind: SessionKind, base_url: str, access: str, secret: str, method: str,
    content: bytes | None, error: str,
) -> None:
    async with kind.open(base_url, auth=BackendAIAuth(access, secret)) as session:
        with pytest.raises(APIError) as info:
            async with kind.fetch(Request(session, method, "/backendai", content)):
                pass
        assert info.value.status == 401
        assert info.value.data == {"error": error}
        await works(kind, session)


# -- BackendAIAuth.sign, computed by hand ----------------------------------------------------


def expected_signature(
    secret: str,
    method: str,
    path_qs: str,
    date: str,
    host: str,
    content_type: str,
    version: str,
    day: str,
) -> str:
    """SPEC 1.7, written out independently of app.client.auth."""
    to_sign = (
        f"{method}\n{path_qs}\n{date}\nhost:{host}\ncontent-type:{content_type}\n"
        f"x-backendai-version:{version}\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"  # sha256(b"")
    )
    first = hmac.new(secret.encode(), day.encode(), hashlib.sha256).digest()
    key = hmac.new(first, host.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def _prepared(method: str, url: str, content_type: str | None = None) -> PreparedRequest:
    headers: CIMultiDict[str] = CIMultiDict()
    if content_type is not None:
        headers["Content-Type"] = content_type
    return PreparedRequest(method, URL(url), headers)


@pytest.mark.parametrize(
    ("url", "content_type", "host", "media", "path_qs"),
    [
        ("http://example.com:80/x", None, "example.com", "application/octet-stream", "/x"),
        ("http://example.com/x", "application/json", "example.com", "application/json", "/x"),
        (
            "http://example.com:8080/x",
            "Application/JSON; charset=UTF-8",
            "example.com:8080",
            "application/json",
            "/x",
        ),
        (
            "https://api.example.com:443/v1/folders?name=a%20b&x=1",
            "text/plain",
            "api.example.com",
            "text/plain",
            "/v1/folders?name=a%20b&x=1",
        ),
        (
            "https://api.example.com:80/v1",
            None,
            "api.example.com:80",
            "application/octet-stream",
            "/v1",
        ),
    ],
)
def test_sign_by_hand(
    url: str, content_type: str | None, host: str, media: str, path_qs: str
) -> None:
    auth = BackendAIAuth("AKHAND", "hand-secret", api_version="v4.20190615", domain="team")
    now = datetime(2025, 7, 22, 23, 59, 58, 123456, tzinfo=UTC)
    request = _prepared("post", url, content_type)
    auth.sign(request, now)
    date = request.headers["Date"]
    assert datetime.fromisoformat(date) == now
    assert datetime.fromisoformat(date).utcoffset() == timedelta(0)
    assert request.headers["X-BackendAI-Version"] == "v4.20190615"
    assert request.headers["X-BackendAI-Domain"] == "team"
    assert request.headers.get("Host", host) == host
    signature = expected_signature(
        "hand-secret", "POST", path_qs, date, host, media, "v4.20190615", "20250722"
    )
    assert request.headers["Authorization"] == (
        f"BackendAI signMethod=HMAC-SHA256, credential=AKHAND:{signature}"
    )


def test_sign_uses_the_utc_date_for_an_aware_local_time() -> None:
    """23:30 on 22 July in UTC-5 is 04:30 on 23 July UTC: the key's date is 20250723."""
    auth = BackendAIAuth(ACCESS_KEY, SECRET_KEY)
    local = datetime(2025, 7, 22, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    request = _prepared("GET", "http://example.com/x")
    auth.sign(request, local)
    date = request.headers["Date"]
    assert datetime.fromisoformat(date) == local
    assert datetime.fromisoformat(date).utcoffset() == timedelta(0), "Date must be in UTC"
    signature = expected_signature(
        SECRET_KEY,
        "GET",
        "/x",
        date,
        "example.com",
        "application/octet-stream",
        auth.api_version,
        "20250723",
    )
    assert request.headers["Authorization"].endswith(f":{signature}")
