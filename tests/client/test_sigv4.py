"""AWS Signature Version 4, checked against botocore's own signer.

A local aiohttp server records what the library really sends; the test then has botocore's
``SigV4Auth`` sign the same request (the same method, path, decoded query, the headers the
library signed with the values that arrived) at the same frozen time, and the two
``Authorization`` headers must be identical, byte for byte.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import botocore.auth
import pytest
from aiohttp import web
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from app.client import AsyncSession, Request, Session
from app.client.auth import AWSSigV4Auth
from app.client.sigv4 import canonical_path, canonical_query
from tests.client.conftest import SessionKind
from tests.client.server import ServerThread

FROZEN = datetime(2024, 2, 29, 23, 59, 58, tzinfo=UTC)
KEY, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "FwoGZXIvYXdz//tok=="
EMPTY = hashlib.sha256(b"").hexdigest()

#: What the capture server saw, one record per request, in order.
SEEN: list[dict[str, Any]] = []


async def capture(request: web.Request) -> web.Response:
    body = await request.read()
    SEEN.append({
        "method": request.method,
        "raw_path": request.raw_path.partition("?")[0],
        "raw_query": request.raw_path.partition("?")[2],
        "headers": list(request.headers.items()),
        "body": body,
    })
    return web.json_response({"ok": True})


async def to_capture(request: web.Request) -> web.Response:
    raise web.HTTPTemporaryRedirect("/capture/after-redirect?b=2&a=1")


def make_app() -> web.Application:
    app = web.Application(client_max_size=16 << 20)
    app.router.add_route("*", "/redirect", to_capture)
    app.router.add_route("*", "/{tail:.*}", capture)
    return app


@pytest.fixture(scope="module")
def aws() -> Iterator[ServerThread]:
    srv = ServerThread(make_app).start()
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def frozen_botocore(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore signs at the same instant as the library's injected clock."""
    SEEN.clear()
    monkeypatch.setattr(botocore.auth, "get_current_datetime",
                        lambda *a, **k: FROZEN.replace(tzinfo=None))


def signer(token: str | None = None) -> AWSSigV4Auth:
    return AWSSigV4Auth(KEY, SECRET, "eu-west-3", "execute-api", session_token=token,
                        clock=lambda: FROZEN)


def headers_of(seen: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in seen["headers"]:
        out.setdefault(name.lower(), []).append(value)
    return out


def botocore_authorization(seen: dict[str, Any], base_url: str, signed: list[str],
                           token: str | None) -> str:
    """What botocore's SigV4Auth sends for the captured request, given the headers it signs."""
    got = headers_of(seen)
    request = AWSRequest(
        method=seen["method"],
        url=base_url + seen["raw_path"],
        params=parse_qsl(seen["raw_query"], keep_blank_values=True),
    )
    for name in signed:
        if name in ("x-amz-date", "x-amz-security-token"):
            continue  # botocore sets these itself, from its clock and credentials
        for value in got[name]:
            request.headers[name] = value
    SigV4Auth(Credentials(KEY, SECRET, token), "execute-api", "eu-west-3").add_auth(request)
    assert request.headers["X-Amz-Date"] == got["x-amz-date"][0] == "20240229T235958Z"
    if token:
        assert got["x-amz-security-token"] == [token]
    return str(request.headers["Authorization"])


def check(seen: dict[str, Any], base_url: str, expected_signed: set[str],
          token: str | None = None) -> None:
    """The library's Authorization is botocore's, and it signed exactly ``expected_signed``."""
    got = headers_of(seen)
    [authorization] = got["authorization"]
    signed = authorization.split("SignedHeaders=")[1].split(",")[0].split(";")
    assert set(signed) == expected_signed
    assert "user-agent" in got and "user-agent" not in signed
    assert authorization == botocore_authorization(seen, base_url, signed, token)


BASE_SIGNED = {"host", "x-amz-date", "x-amz-content-sha256"}


async def send(kind: SessionKind, session: Session | AsyncSession, request: Request[Any]) -> None:
    async with kind.fetch(request) as response:
        assert (await response.json()) == {"ok": True}


async def test_reserved_characters_in_the_query(kind: SessionKind, aws: ServerThread) -> None:
    async with kind.open(aws.url, auth=signer()) as session:
        request = Request(
            session, "GET", "/capture/items?z=last&a=1+2&a=0&acl&tilde=%7E&raw=!'()*",
            params=[("q", "a b/c?d=e&f"), ("ünï", "çödé ☃"), ("plus", "1+1=2"), ("empty", "")],
        )
        await send(kind, session, request)
    [seen] = SEEN
    check(seen, aws.url, BASE_SIGNED)
    assert seen["raw_query"].startswith("z=last&a=1+2")


async def test_an_empty_path_and_several_headers(kind: SessionKind, aws: ServerThread) -> None:
    async with kind.open(aws.url + "/", headers={"X-Session": "s1"}, auth=signer()) as session:
        request = Request(session, "POST", "", content=b"{}")
        request.set_json({"hello": "wörld", "n": [1, 2]})
        request.headers.update({
            "X-Custom": "  spaced   value  ", "X-Amz-Target": "Svc.Op", "Accept": "*/*",
        })
        await send(kind, session, request)
    [seen] = SEEN
    assert seen["raw_path"] == "/"
    check(seen, aws.url, BASE_SIGNED | {
        "content-type", "x-custom", "x-amz-target", "accept", "x-session",
    })
    assert headers_of(seen)["x-amz-content-sha256"] == [hashlib.sha256(seen["body"]).hexdigest()]


async def test_a_session_token_and_odd_paths(kind: SessionKind, aws: ServerThread) -> None:
    async with kind.open(aws.url, auth=signer(TOKEN)) as session:
        for path in ("/a%20b/c%2Fd/", "/x//y/./z/../w", "/~user/ñ", "/capture/.."):
            await send(kind, session, Request(session, "DELETE", path))
    assert len(SEEN) == 4
    for seen in SEEN:
        check(seen, aws.url, BASE_SIGNED | {"x-amz-security-token"}, TOKEN)
        assert headers_of(seen)["x-amz-content-sha256"] == [EMPTY]


async def test_a_seekable_file_is_hashed_from_where_it_stands(
    kind: SessionKind, aws: ServerThread
) -> None:
    data = b"0123456789" * 300_000
    stream = io.BytesIO(data)
    stream.seek(7)
    async with kind.open(aws.url, auth=signer()) as session:
        request = Request(session, "PUT", "/capture/object")
        request.set_content(stream)
        await send(kind, session, request)
    [seen] = SEEN
    assert seen["body"] == data[7:]
    assert headers_of(seen)["x-amz-content-sha256"] == [hashlib.sha256(data[7:]).hexdigest()]
    check(seen, aws.url, BASE_SIGNED | {"content-type"})


async def test_a_stream_with_a_precomputed_hash(kind: SessionKind, aws: ServerThread) -> None:
    chunks = [b"part-one,", b"part-two,", b"part-three"]
    digest = hashlib.sha256(b"".join(chunks)).hexdigest()

    async def body() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    async with AsyncSession(aws.url, auth=signer()) as session:
        request = Request(session, "PUT", "/capture/stream?partNumber=2&uploadId=u%2B1")
        request.set_content(body())
        request.headers["x-amz-content-sha256"] = digest
        await send(SessionKind("async"), session, request)
        one_shot = Request(session, "PUT", "/capture/unsigned")
        one_shot.set_content(body())
        await send(SessionKind("async"), session, one_shot)
    precomputed, unsigned = SEEN
    assert precomputed["body"] == b"".join(chunks)
    assert headers_of(precomputed)["x-amz-content-sha256"] == [digest]
    check(precomputed, aws.url, BASE_SIGNED | {"content-type"})
    assert headers_of(unsigned)["x-amz-content-sha256"] == ["UNSIGNED-PAYLOAD"]
    check(unsigned, aws.url, BASE_SIGNED | {"content-type"})


async def test_a_date_header_replaces_x_amz_date(kind: SessionKind, aws: ServerThread) -> None:
    async with kind.open(aws.url, auth=signer()) as session:
        request = Request(session, "GET", "/capture/dated")
        request.headers["Date"] = "Mon, 01 Jan 2001 00:00:00 GMT"
        await send(kind, session, request)
    [seen] = SEEN
    got = headers_of(seen)
    assert got["date"] == ["Thu, 29 Feb 2024 23:59:58 -0000"] and "x-amz-date" not in got
    # botocore replaces the Date the same way when it is given one.
    request = AWSRequest(method="GET", url=aws.url + "/capture/dated",
                         headers={"Date": "Mon, 01 Jan 2001 00:00:00 GMT",
                                  "Host": got["host"][0],
                                  "x-amz-content-sha256": EMPTY})
    SigV4Auth(Credentials(KEY, SECRET), "execute-api", "eu-west-3").add_auth(request)
    assert got["authorization"] == [request.headers["Authorization"]]


async def test_each_redirect_hop_is_signed_afresh(kind: SessionKind, aws: ServerThread) -> None:
    async with kind.open(aws.url, auth=signer()) as session:
        request = Request(session, "PUT", "/redirect")
        request.set_content(b"payload")
        await send(kind, session, request)
    [seen] = SEEN
    assert seen["raw_path"] == "/capture/after-redirect" and seen["body"] == b"payload"
    check(seen, aws.url, BASE_SIGNED | {"content-type"})


async def test_a_wrong_secret_does_not_match(aws: ServerThread) -> None:
    wrong = AWSSigV4Auth(KEY, "not-the-secret", "eu-west-3", "execute-api",
                         clock=lambda: FROZEN)
    async with AsyncSession(aws.url, auth=wrong) as session:
        await send(SessionKind("async"), session, Request(session, "GET", "/capture/x"))
    [seen] = SEEN
    signed = headers_of(seen)["authorization"][0].split("SignedHeaders=")[1].split(",")[0]
    assert headers_of(seen)["authorization"][0] != botocore_authorization(
        seen, aws.url, signed.split(";"), None)


def test_the_canonical_pieces() -> None:
    assert canonical_path("") == "/"
    assert canonical_path("/a/./b/../c//d/") == "/a/c/d/"
    assert canonical_path("/a%20b") == "/a%2520b"
    assert canonical_path("/..") == "/"
    assert canonical_query([("b", "2"), ("a", "z"), ("a", "y"), ("k", "a b+~*")]) == (
        "a=y&a=z&b=2&k=a%20b%2B~%2A"
    )


def test_bad_arguments_are_refused_at_once() -> None:
    with pytest.raises(ValueError, match="region"):
        AWSSigV4Auth(KEY, SECRET, "", "s3")
    with pytest.raises(ValueError, match="session token"):
        AWSSigV4Auth(KEY, SECRET, "us-east-1", "s3", session_token="a\nb")
    assert "wJal" not in repr(AWSSigV4Auth(KEY, SECRET, "us-east-1", "s3"))
