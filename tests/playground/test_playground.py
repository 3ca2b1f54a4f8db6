"""Tests for the playground server (app/playground), run against the real server.

Every test gets its own server on 127.0.0.1 and a port chosen by the OS, and talks to it
with aiohttp's ClientSession.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gc
import gzip
import hashlib
import io
import json
import logging
import os
import re
import signal
import struct
import sys
import time
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import psutil
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.playground import RunningPlayground, create_app, start_playground
from app.playground.__main__ import is_loopback, main
from app.playground._common import PlaygroundError, parse_float, parse_int
from app.playground.auth import digest_response
from app.playground.multipart import MultipartError, MultipartParser, parse_header_params
from app.playground.png import IMAGE_PNG
from app.playground.sse import chat_answer

MiB = 1024 * 1024
PROJECT_ROOT = Path(__file__).resolve().parents[2]


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture
async def playground() -> AsyncIterator[RunningPlayground]:
    pg = await start_playground("127.0.0.1", 0)
    try:
        yield pg
    finally:
        await pg.stop()


@pytest.fixture
async def client(playground: RunningPlayground) -> AsyncIterator[aiohttp.ClientSession]:
    # unsafe=True: the default cookie jar ignores cookies set by IP-address hosts.
    async with aiohttp.ClientSession(
        base_url=playground.url, cookie_jar=aiohttp.CookieJar(unsafe=True)
    ) as session:
        yield session


# ------------------------------------------------------------------------------ helpers


def parse_sse(text: str) -> list[dict[str, Any]]:
    """Parse an event stream into its events (blocks without data are skipped)."""
    events: list[dict[str, Any]] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        fields: dict[str, Any] = {"id": None, "event": "message", "retry": None}
        data: list[str] = []
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "data":
                data.append(value)
            elif name in ("id", "event"):
                fields[name] = value
            elif name == "retry":
                fields["retry"] = int(value)
        if data:
            fields["data"] = "\n".join(data)
            events.append(fields)
    return events


async def read_events(resp: aiohttp.ClientResponse, n: int) -> list[dict[str, Any]]:
    """Read lines from an open stream until ``n`` events have arrived."""
    text = ""
    while True:
        line = await asyncio.wait_for(resp.content.readline(), 10)
        assert line, "stream ended early"
        text += line.decode()
        if line in (b"\n", b"\r\n") and len(parse_sse(text)) >= n:
            return parse_sse(text)


async def assert_json_error(resp: aiohttp.ClientResponse, status: int = 400) -> str:
    assert resp.status == status, await resp.text()
    assert resp.content_type == "application/json"
    body = await resp.json()
    assert set(body) == {"error"}
    assert isinstance(body["error"], str) and body["error"]
    return str(body["error"])


async def wait_for(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    bad = [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info is not None]
    assert not bad, [r.getMessage() for r in bad]
    assert "Traceback" not in caplog.text


# ------------------------------------------------------------------- API and index page


async def test_running_playground_url_and_stop() -> None:
    pg = await start_playground()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", pg.url)
    assert pg.port > 0 and pg.url.endswith(f":{pg.port}")
    async with aiohttp.ClientSession() as session, session.get(pg.url + "/echo") as resp:
        assert resp.status == 200
    await pg.stop()
    await pg.stop()  # idempotent
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectionError):
            await session.get(pg.url + "/echo")


async def test_async_context_manager_and_app_factory() -> None:
    assert create_app() is not create_app()
    async with await start_playground() as pg, aiohttp.ClientSession() as session:
        async with session.get(pg.url + "/headers") as resp:
            assert resp.status == 200


async def test_index_page_lists_endpoints(client: aiohttp.ClientSession) -> None:
    async with client.get("/") as resp:
        assert resp.status == 200
        assert resp.content_type == "text/html"
        page = await resp.text()
    for path in ("/echo", "/upload", "/sse/ticker", "/ws/console", "/digest-auth", "/brotli"):
        assert path in page
    assert '<a href="/image.png">' in page
    async with client.get("/endpoints") as resp:
        listing = await resp.json()
    assert {"methods", "path", "description", "example"} <= set(listing[0])
    assert any(e["path"] == "/upload" for e in listing)


async def test_unknown_path_and_wrong_method_are_json(client: aiohttp.ClientSession) -> None:
    async with client.get("/no/such/thing") as resp:
        assert "no such endpoint" in await assert_json_error(resp, 404)
    async with client.delete("/upload") as resp:
        await assert_json_error(resp, 405)
        assert "POST" in resp.headers["Allow"]


# ---------------------------------------------------------------------------------- echo


async def test_echo_query_pairs_headers_and_path(client: aiohttp.ClientSession) -> None:
    async with client.get(
        "/echo?a=1&a=2&b=&c=x%20y", headers={"X-Spyglass": "yes", "X-Multi": "one"}
    ) as resp:
        assert resp.status == 200
        echo = await resp.json()
    assert echo["method"] == "GET"
    assert echo["path"] == "/echo"
    assert echo["query"] == [["a", "1"], ["a", "2"], ["b", ""], ["c", "x y"]]
    assert echo["query_dict"] == {"a": ["1", "2"], "b": [""], "c": ["x y"]}
    assert ["X-Spyglass", "yes"] in echo["headers"]
    assert echo["body"] == "" and echo["body_encoding"] == "utf-8" and echo["body_size"] == 0
    assert echo["json"] is None and echo["form"] is None and echo["parts"] is None


async def test_echo_repeated_headers_are_kept(client: aiohttp.ClientSession) -> None:
    from multidict import CIMultiDict

    headers = CIMultiDict([("X-Twice", "1"), ("X-Twice", "2")])
    async with client.get("/echo", headers=headers) as resp:
        echo = await resp.json()
    assert [v for k, v in echo["headers"] if k.lower() == "x-twice"] == ["1", "2"]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND"])
async def test_echo_any_method_and_sub_path(client: aiohttp.ClientSession, method: str) -> None:
    async with client.request(method, "/echo/anything/below?q=1", data=b"payload") as resp:
        assert resp.status == 200
        echo = await resp.json()
    assert echo["method"] == method
    assert echo["path"] == "/echo/anything/below"
    assert echo["body"] == "payload"


async def test_echo_json_body(client: aiohttp.ClientSession) -> None:
    document = {"name": "café", "items": [1, 2, {"deep": True}]}
    async with client.post("/echo", json=document) as resp:
        echo = await resp.json()
    assert echo["json"] == document
    assert echo["body_encoding"] == "utf-8"
    raw = json.dumps(document).encode()
    assert echo["body_size"] == len(raw)
    assert echo["body_sha256"] == hashlib.sha256(raw).hexdigest()


async def test_echo_invalid_json_is_reported_not_fatal(client: aiohttp.ClientSession) -> None:
    headers = {"Content-Type": "application/json"}
    async with client.post("/echo", data=b'{"broken": ', headers=headers) as resp:
        assert resp.status == 200
        echo = await resp.json()
    assert echo["json"] is None
    assert echo["json_error"]
    assert echo["body"] == '{"broken": '


async def test_echo_binary_body_is_base64(client: aiohttp.ClientSession) -> None:
    data = bytes(range(256))
    async with client.post("/echo", data=data) as resp:
        echo = await resp.json()
    assert echo["body_encoding"] == "base64"
    assert base64.b64decode(echo["body"]) == data
    assert echo["body_sha256"] == hashlib.sha256(data).hexdigest()


async def test_echo_urlencoded_form(client: aiohttp.ClientSession) -> None:
    async with client.post("/echo", data=[("a", "1"), ("a", "2"), ("name", "café ok")]) as resp:
        echo = await resp.json()
    assert echo["form"] == [["a", "1"], ["a", "2"], ["name", "café ok"]]
    assert echo["form_dict"] == {"a": ["1", "2"], "name": ["café ok"]}


async def test_echo_large_body_is_summarised(client: aiohttp.ClientSession) -> None:
    data = os.urandom(5 * MiB)
    async with client.post("/echo", data=io.BytesIO(data)) as resp:
        echo = await resp.json()
    assert echo["body"] is None and echo["body_encoding"] is None
    assert echo["body_summarized"] is True
    assert echo["body_size"] == len(data)
    assert echo["body_sha256"] == hashlib.sha256(data).hexdigest()


async def test_echo_cookies(client: aiohttp.ClientSession) -> None:
    async with client.get("/echo", headers={"Cookie": "a=1; b=two"}) as resp:
        echo = await resp.json()
    assert echo["cookies"] == {"a": "1", "b": "two"}


# ----------------------------------------------------------------------------- multipart


async def test_echo_multipart_parts_sizes_hashes_and_filenames(
    client: aiohttp.ClientSession,
) -> None:
    text_file = b"hello, multipart\n"
    binary_file = os.urandom(300_000)
    form = aiohttp.FormData(quote_fields=False)
    form.add_field("comment", "just a field")
    form.add_field("doc", text_file, filename="dir/a b.txt", content_type="text/plain")
    form.add_field(
        "blob", binary_file, filename="nested/dir/data.bin", content_type="application/x-bin"
    )
    async with client.post("/echo", data=form) as resp:
        assert resp.status == 200
        echo = await resp.json()
    assert "multipart_error" not in echo
    parts = echo["parts"]
    assert [p["name"] for p in parts] == ["comment", "doc", "blob"]
    comment, doc, blob = parts
    assert comment["filename"] is None and comment["value"] == "just a field"
    assert doc["filename"] == "dir/a b.txt"
    assert doc["content_type"] == "text/plain"
    assert doc["size"] == len(text_file)
    assert doc["sha256"] == hashlib.sha256(text_file).hexdigest()
    assert blob["filename"] == "nested/dir/data.bin"
    assert blob["content_type"] == "application/x-bin"
    assert blob["size"] == len(binary_file)
    assert blob["sha256"] == hashlib.sha256(binary_file).hexdigest()
    assert "value" not in blob


async def test_echo_multipart_filename_is_not_percent_decoded(
    client: aiohttp.ClientSession,
) -> None:
    # aiohttp's default FormData percent-encodes file names: the server shows what was sent.
    form = aiohttp.FormData()
    form.add_field("f", b"x", filename="dir/a b.txt")
    async with client.post("/echo", data=form) as resp:
        echo = await resp.json()
    assert echo["parts"][0]["filename"] == "dir%2Fa%20b.txt"

    # A hand-made body: the file name is reported exactly as it appears on the wire.
    body = (
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="up"; filename="dir/a b%20c.txt"\r\n'
        b"Content-Type: text/plain\r\n"
        b"\r\n"
        b"contents\r\n"
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="empty"\r\n'
        b"\r\n"
        b"\r\n"
        b"--XyZ--\r\n"
    )
    headers = {"Content-Type": "multipart/form-data; boundary=XyZ"}
    async with client.post("/echo", data=body, headers=headers) as resp:
        echo = await resp.json()
    up, empty = echo["parts"]
    assert up["filename"] == "dir/a b%20c.txt"
    assert up["size"] == len(b"contents")
    assert up["sha256"] == hashlib.sha256(b"contents").hexdigest()
    assert empty["size"] == 0 and empty["value"] == ""


async def test_echo_large_multipart_is_streamed(client: aiohttp.ClientSession) -> None:
    big = os.urandom(12 * MiB)
    form = aiohttp.FormData()
    form.add_field(
        "big", io.BytesIO(big), filename="big.bin", content_type="application/octet-stream"
    )
    async with client.post("/echo", data=form) as resp:
        echo = await resp.json()
    assert echo["body_summarized"] is True
    (part,) = echo["parts"]
    assert part["size"] == len(big)
    assert part["sha256"] == hashlib.sha256(big).hexdigest()


async def test_echo_malformed_multipart_is_reported(client: aiohttp.ClientSession) -> None:
    headers = {"Content-Type": "multipart/form-data; boundary=abc"}
    body = b'--abc\r\nContent-Disposition: form-data; name="a"\r\n\r\nno closing boundary'
    async with client.post("/echo", data=body, headers=headers) as resp:
        assert resp.status == 200
        echo = await resp.json()
    assert "closing" in echo["multipart_error"]
    headers = {"Content-Type": "multipart/form-data"}
    async with client.post("/echo", data=b"--x--", headers=headers) as resp:
        echo = await resp.json()
    assert "boundary" in echo["multipart_error"]


MULTIPART_SAMPLE = (
    b"preamble to ignore\r\n"
    b"--b0undary\r\n"
    b'Content-Disposition: form-data; name="one"\r\n'
    b"\r\n"
    b"first value with \r\n--b0und in it\r\n"
    b"--b0undary  \r\n"
    b'Content-Disposition: form-data; name="two"; filename="C:\\dir\\x \\"q\\".txt"\r\n'
    b"Content-Type: application/octet-stream\r\n"
    b"\r\n" + bytes(range(256)) * 40 + b"\r\n"
    b"--b0undary--\r\n"
    b"epilogue\r\n"
)


def _parse_in_pieces(body: bytes, cuts: list[int]) -> list[dict[str, Any]]:
    parser = MultipartParser("b0undary")
    start = 0
    for cut in sorted(cuts):
        parser.feed(body[start:cut])
        start = cut
    parser.feed(body[start:])
    parser.finish()
    return [part.describe() for part in parser.parts]


def test_multipart_parser_whole_body() -> None:
    one, two = _parse_in_pieces(MULTIPART_SAMPLE, [])
    assert one["name"] == "one"
    assert one["value"] == "first value with \r\n--b0und in it"
    assert two["filename"] == 'C:\\dir\\x \\"q\\".txt'  # raw, as on the wire
    assert two["size"] == 256 * 40
    assert two["sha256"] == hashlib.sha256(bytes(range(256)) * 40).hexdigest()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(MULTIPART_SAMPLE)), max_size=30))
def test_multipart_parser_any_chunking_gives_the_same_parts(cuts: list[int]) -> None:
    assert _parse_in_pieces(MULTIPART_SAMPLE, cuts) == _parse_in_pieces(MULTIPART_SAMPLE, [])


def test_multipart_parser_errors() -> None:
    with pytest.raises(MultipartError):
        MultipartParser("")
    parser = MultipartParser("b")
    with pytest.raises(MultipartError):
        parser.feed(b"--b\r\nno colon here\r\n\r\nbody\r\n--b--")
    parser = MultipartParser("b")
    parser.feed(b"--b\r\n\r\nbody")
    with pytest.raises(MultipartError):
        parser.finish()


def test_parse_header_params() -> None:
    main_value, params = parse_header_params(
        'form-data; name="a;b"; filename="x\\"y.txt"; flag; filename*=UTF-8\'\'%E2%9C%93'
    )
    assert main_value == "form-data"
    assert params == [
        ("name", "a;b"),
        ("filename", 'x\\"y.txt'),
        ("flag", ""),
        ("filename*", "UTF-8''%E2%9C%93"),
    ]


# ------------------------------------------------------------------------ status, delay


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (200, "OK"),
        (201, "Created"),
        (404, "Not Found"),
        (418, "I'm a Teapot"),
        (500, "Internal Server Error"),
        (503, "Service Unavailable"),
        (599, "Unknown Status"),
    ],
)
async def test_status_codes(client: aiohttp.ClientSession, code: int, reason: str) -> None:
    async with client.post(f"/status/{code}", data=b"ignored") as resp:
        assert resp.status == code
        assert await resp.json() == {"code": code, "reason": reason}


@pytest.mark.parametrize("code", [204, 304])
async def test_status_without_body(client: aiohttp.ClientSession, code: int) -> None:
    async with client.get(f"/status/{code}") as resp:
        assert resp.status == code
        assert await resp.read() == b""


async def test_status_informational_closes_connection(playground: RunningPlayground) -> None:
    reader, writer = await asyncio.open_connection(playground.host, playground.port)
    try:
        writer.write(b"GET /status/103 HTTP/1.1\r\nHost: x\r\n\r\n")
        raw = await asyncio.wait_for(reader.read(), 5)  # the server closes the connection
    finally:
        writer.close()
        await writer.wait_closed()
    assert raw.startswith(b"HTTP/1.1 103 Early Hints\r\n")


async def test_delay(client: aiohttp.ClientSession) -> None:
    started = time.monotonic()
    async with client.get("/delay/0.3?x=1") as resp:
        echo = await resp.json()
    assert time.monotonic() - started >= 0.29
    assert echo["delay"] == 0.3
    assert echo["query"] == [["x", "1"]]


async def test_delay_times_out_a_client(client: aiohttp.ClientSession) -> None:
    with pytest.raises(asyncio.TimeoutError):
        await client.get("/delay/5", timeout=aiohttp.ClientTimeout(total=0.2))


# ---------------------------------------------------------------------------- redirects


async def test_redirect_chain_ends_at_echo(client: aiohttp.ClientSession) -> None:
    async with client.get("/redirect/3") as resp:
        assert resp.status == 200
        assert resp.url.path == "/echo"
        assert [r.status for r in resp.history] == [302, 302, 302]
        assert [r.url.path for r in resp.history] == ["/redirect/3", "/redirect/2", "/redirect/1"]


async def test_redirect_status_307_keeps_method_and_body(client: aiohttp.ClientSession) -> None:
    async with client.post("/redirect/2?status=307", data=b"keep me") as resp:
        echo = await resp.json()
        assert [r.status for r in resp.history] == [307, 307]
    assert echo["method"] == "POST"
    assert echo["body"] == "keep me"


async def test_redirect_location_relative_or_absolute(
    client: aiohttp.ClientSession, playground: RunningPlayground
) -> None:
    async with client.get("/redirect/2", allow_redirects=False) as resp:
        assert resp.status == 302
        assert resp.headers["Location"] == "/redirect/1"
    async with client.get("/redirect/1?absolute=true", allow_redirects=False) as resp:
        assert resp.headers["Location"] == f"{playground.url}/echo?absolute=true"


async def test_redirect_to(client: aiohttp.ClientSession) -> None:
    async with client.get(
        "/redirect-to", params={"url": "/status/201", "status_code": "303"}
    ) as resp:
        assert resp.status == 201
        assert resp.history[0].status == 303
    async with client.get(
        "/redirect-to", params={"url": "https://example.invalid/x"}, allow_redirects=False
    ) as resp:
        assert resp.status == 302
        assert resp.headers["Location"] == "https://example.invalid/x"


# ------------------------------------------------------------------------------ cookies


async def test_cookies_set_then_read_and_delete(client: aiohttp.ClientSession) -> None:
    async with client.get("/cookies/set?flavour=chocolate&size=large") as resp:
        assert resp.status == 200
        assert resp.url.path == "/cookies"
        assert resp.history[0].status == 302
        assert "flavour=chocolate" in resp.history[0].headers.getall("Set-Cookie")[0]
        assert await resp.json() == {"cookies": {"flavour": "chocolate", "size": "large"}}
    async with client.get("/cookies/delete?size") as resp:
        assert await resp.json() == {"cookies": {"flavour": "chocolate"}}


# --------------------------------------------------------------------------------- auth


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


async def test_basic_auth(client: aiohttp.ClientSession) -> None:
    async with client.get("/basic-auth/alice/s3cret") as resp:
        assert resp.status == 401
        assert resp.headers["WWW-Authenticate"].startswith("Basic realm=")
        assert (await resp.json())["authenticated"] is False
    async with client.get("/basic-auth/alice/s3cret", headers=basic("alice", "wrong")) as resp:
        assert resp.status == 401
        assert resp.headers["WWW-Authenticate"].startswith("Basic realm=")
    async with client.get("/basic-auth/alice/s3cret", headers=basic("alice", "s3cret")) as resp:
        assert resp.status == 200
        assert await resp.json() == {"authenticated": True, "user": "alice"}
    async with client.get("/basic-auth/zoë/pässwörd", headers=basic("zoë", "pässwörd")) as resp:
        assert resp.status == 200
    async with client.get(
        "/basic-auth/alice/s3cret", headers={"Authorization": "Basic !!notbase64"}
    ) as resp:
        assert resp.status == 401


async def test_bearer(client: aiohttp.ClientSession) -> None:
    async with client.get("/bearer") as resp:
        assert resp.status == 401
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    async with client.get("/bearer", headers={"Authorization": "Basic abc"}) as resp:
        assert resp.status == 401
    async with client.get("/bearer", headers={"Authorization": "Bearer tok.en-123"}) as resp:
        assert resp.status == 200
        body = await resp.json()
    assert body["authenticated"] is True and body["token"] == "tok.en-123"


def _challenge_params(header: str) -> dict[str, str]:
    assert header.startswith("Digest ")
    return {k: a or b for k, a, b in re.findall(r'(\w+)=(?:"([^"]*)"|([^,\s]+))', header)}


def _independent_digest(
    h: Any,
    user: str,
    realm: str,
    password: str,
    method: str,
    uri: str,
    nonce: str,
    nc: str,
    cnonce: str,
) -> str:
    """RFC 7616 qop=auth response, written out separately from the server's code."""
    ha1 = h(f"{user}:{realm}:{password}".encode()).hexdigest()
    ha2 = h(f"{method}:{uri}".encode()).hexdigest()
    return str(h(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}".encode()).hexdigest())


@pytest.mark.parametrize(("algorithm", "h"), [("MD5", hashlib.md5), ("SHA-256", hashlib.sha256)])
async def test_digest_auth_correct_and_wrong_response(
    client: aiohttp.ClientSession, algorithm: str, h: Any
) -> None:
    path = f"/digest-auth/auth/bob/pa55/{algorithm}"
    async with client.get(path) as resp:
        assert resp.status == 401
        challenge = _challenge_params(resp.headers["WWW-Authenticate"])
    assert challenge["qop"] == "auth" and challenge["algorithm"] == algorithm
    realm, nonce, opaque = challenge["realm"], challenge["nonce"], challenge["opaque"]

    def authorization(response: str) -> str:
        return (
            f'Digest username="bob", realm="{realm}", nonce="{nonce}", uri="{path}", '
            f'algorithm={algorithm}, qop=auth, nc=00000001, cnonce="0a4f113b", '
            f'response="{response}", opaque="{opaque}"'
        )

    good = _independent_digest(h, "bob", realm, "pa55", "GET", path, nonce, "00000001", "0a4f113b")
    async with client.get(path, headers={"Authorization": authorization(good)}) as resp:
        assert resp.status == 200
        assert await resp.json() == {
            "authenticated": True,
            "user": "bob",
            "algorithm": algorithm,
            "qop": "auth",
        }
    wrong = _independent_digest(
        h, "bob", realm, "not-it", "GET", path, nonce, "00000001", "0a4f113b"
    )
    async with client.get(path, headers={"Authorization": authorization(wrong)}) as resp:
        assert resp.status == 401
        assert resp.headers["WWW-Authenticate"].startswith("Digest ")
        assert "wrong" in (await resp.json())["error"]
    # A forged nonce is refused even with a matching response.
    forged = authorization(good).replace(nonce, "1-2-3")
    async with client.get(path, headers={"Authorization": forged}) as resp:
        assert resp.status == 401


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256", "MD5-sess", "SHA-256-sess"])
@pytest.mark.parametrize("qop", ["auth", "auth-int"])
async def test_digest_auth_with_aiohttp_middleware(
    playground: RunningPlayground, algorithm: str, qop: str
) -> None:
    path = f"/digest-auth/{qop}/bob/pa55/{algorithm}?x=1"
    good = aiohttp.DigestAuthMiddleware("bob", "pa55")
    async with aiohttp.ClientSession(middlewares=(good,)) as session:
        async with session.post(playground.url + path, data=b"entity body") as resp:
            assert resp.status == 200, await resp.text()
    bad = aiohttp.DigestAuthMiddleware("bob", "nope")
    async with aiohttp.ClientSession(middlewares=(bad,)) as session:
        async with session.get(playground.url + path) as resp:
            assert resp.status == 401


def test_digest_response_matches_rfc_7616_example() -> None:
    # RFC 7616 section 3.9.1 (SHA-256 and MD5 responses for the same request).
    common: dict[str, Any] = {
        "user": "Mufasa",
        "realm": "http-auth@example.org",
        "password": "Circle of Life",
        "method": "GET",
        "uri": "/dir/index.html",
        "nonce": "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
        "nc": "00000001",
        "cnonce": "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
        "qop": "auth",
    }
    assert digest_response(algorithm="MD5", **common) == "8ca523f5e9506fed4657c9700eebdbec"
    assert (
        digest_response(algorithm="SHA-256", **common)
        == "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
    )


# -------------------------------------------------------------- encodings and charsets


async def test_gzip(client: aiohttp.ClientSession, playground: RunningPlayground) -> None:
    async with client.get("/gzip") as resp:
        assert resp.headers["Content-Encoding"] == "gzip"
        assert (await resp.json())["gzipped"] is True
    async with aiohttp.ClientSession(auto_decompress=False) as raw_session:
        async with raw_session.get(playground.url + "/gzip") as resp:
            assert json.loads(gzip.decompress(await resp.read()))["gzipped"] is True


async def test_deflate(client: aiohttp.ClientSession) -> None:
    async with client.get("/deflate") as resp:
        assert resp.headers["Content-Encoding"] == "deflate"
        assert (await resp.json())["deflated"] is True


async def test_brotli(client: aiohttp.ClientSession) -> None:
    brotli = pytest.importorskip("brotli")
    async with client.get("/brotli", auto_decompress=False) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Encoding"] == "br"
        assert json.loads(brotli.decompress(await resp.read()))["brotli"] is True
    async with client.get("/brotli") as resp:
        assert (await resp.json())["brotli"] is True


async def test_headers_endpoint(client: aiohttp.ClientSession) -> None:
    async with client.get("/headers", headers={"X-Hello": "there"}) as resp:
        body = await resp.json()
    assert ["X-Hello", "there"] in body["headers"]


async def test_charset_latin1(client: aiohttp.ClientSession) -> None:
    async with client.get("/charset/latin-1") as resp:
        assert resp.status == 200
        assert resp.content_type == "text/plain"
        assert resp.charset == "latin-1"
        raw = await resp.read()
        assert b"caf\xe9" in raw
        assert "café" in await resp.text()


async def test_charset_utf16_and_custom_text(client: aiohttp.ClientSession) -> None:
    async with client.get("/charset/utf-16", params={"text": "Ünïcödé ✓"}) as resp:
        assert resp.charset == "utf-16"
        assert (await resp.read()).decode("utf-16") == "Ünïcödé ✓"


async def test_bad_utf8(client: aiohttp.ClientSession) -> None:
    async with client.get("/bad-utf8") as resp:
        assert resp.charset == "utf-8"
        raw = await resp.read()
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        assert "\ufffd" in await resp.text(errors="replace")


async def test_image_png_is_a_real_png(client: aiohttp.ClientSession) -> None:
    async with client.get("/image.png") as resp:
        assert resp.content_type == "image/png"
        data = await resp.read()
    assert data == IMAGE_PNG
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, dict[bytes, bytes]()
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        payload = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + payload)
        chunks[kind] = chunks.get(kind, b"") + payload
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (width, height, depth, colour) == (64, 64, 8, 2)
    assert len(zlib.decompress(chunks[b"IDAT"])) == 64 * (1 + 64 * 3)
    assert b"IEND" in chunks


# ------------------------------------------------------------------ bytes, json, drip


async def test_bytes_length_and_seed(client: aiohttp.ClientSession) -> None:
    async with client.get("/bytes/100000?seed=42") as resp:
        assert resp.headers["Content-Length"] == "100000"
        assert resp.content_type == "application/octet-stream"
        assert resp.headers["X-Playground-Seed"] == "42"
        first = await resp.read()
    async with client.get("/bytes/100000?seed=42") as resp:
        again = await resp.read()
    async with client.get("/bytes/100000?seed=43") as resp:
        other = await resp.read()
    assert len(first) == 100000 and first == again and first != other
    async with client.get("/bytes/1000") as resp:
        seed = resp.headers["X-Playground-Seed"]
        unseeded = await resp.read()
    async with client.get(f"/bytes/1000?seed={seed}") as resp:
        assert await resp.read() == unseeded
    async with client.get("/bytes/0") as resp:
        assert await resp.read() == b""
    async with client.get("/bytes/100000?seed=42&chunk_size=1000") as resp:
        assert await resp.read() == first  # write size does not change the content


async def test_bytes_large_streamed(client: aiohttp.ClientSession) -> None:
    total, chunks = 0, 0
    async with client.get("/bytes/50000000?seed=1") as resp:
        async for chunk in resp.content.iter_any():
            total += len(chunk)
            chunks += 1
    assert total == 50_000_000
    assert chunks > 10


async def test_json_default_size_deep_and_wide(client: aiohttp.ClientSession) -> None:
    async with client.get("/json") as resp:
        assert resp.content_type == "application/json"
        raw = await resp.read()
    assert len(raw) == MiB
    assert int(resp.headers["Content-Length"]) == MiB
    document = json.loads(raw)
    assert document["count"] == len(document["items"]) > 500
    depth, node = 0, document["deep"]
    while isinstance(node, (dict, list)):
        node = node["next"] if isinstance(node, dict) else node[1]
        depth += 1
    assert depth >= 32
    async with client.get("/json") as resp:
        assert await resp.read() == raw  # deterministic without a seed


@pytest.mark.parametrize("size", [0, 10, 2000, 65536, 300_001])
async def test_json_sizes_are_valid(client: aiohttp.ClientSession, size: int) -> None:
    async with client.get(f"/json?size={size}") as resp:
        raw = await resp.read()
    json.loads(raw)
    if size >= 1000:
        assert len(raw) == size
    else:  # smaller than the smallest document: the smallest document
        assert len(raw) < 1000


async def test_drip_is_slow(client: aiohttp.ClientSession) -> None:
    started = time.monotonic()
    arrivals = []
    async with client.get("/drip?numbytes=5&duration=0.5") as resp:
        assert resp.headers["Content-Length"] == "5"
        async for chunk in resp.content.iter_any():
            arrivals.append((time.monotonic(), chunk))
    assert b"".join(c for _, c in arrivals) == b"*****"
    assert arrivals[-1][0] - started >= 0.35
    assert len(arrivals) >= 2


async def test_drip_triggers_read_timeout(client: aiohttp.ClientSession) -> None:
    timeout = aiohttp.ClientTimeout(sock_read=0.2)
    async with client.get("/drip?numbytes=3&duration=3", timeout=timeout) as resp:
        with pytest.raises(asyncio.TimeoutError):
            await resp.read()


@pytest.mark.parametrize("how", ["close", "reset"])
async def test_close_mid_body(
    client: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture, how: str
) -> None:
    caplog.set_level(logging.INFO)
    async with client.get(f"/close-mid-body?how={how}&sent=4096") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Length"] == "1000000"
        with pytest.raises(aiohttp.ClientPayloadError):
            await resp.read()
    async with client.get("/echo") as resp:  # the server carries on
        assert resp.status == 200
    no_tracebacks(caplog)


# -------------------------------------------------------------------------------- upload


async def test_upload_small_post_and_put(client: aiohttp.ClientSession) -> None:
    data = os.urandom(123_457)
    for method in ("POST", "PUT"):
        async with client.request(method, "/upload", data=data) as resp:
            assert resp.status == 200
            result = await resp.json()
        assert result["bytes"] == len(data)
        assert result["sha256"] == hashlib.sha256(data).hexdigest()
        assert result["seconds"] >= 0


async def test_upload_empty_and_get_refused(client: aiohttp.ClientSession) -> None:
    async with client.post("/upload") as resp:
        result = await resp.json()
    assert result["bytes"] == 0 and result["sha256"] == hashlib.sha256().hexdigest()
    async with client.get("/upload") as resp:
        await assert_json_error(resp, 405)


async def test_upload_one_gib_with_flat_memory(client: aiohttp.ClientSession) -> None:
    chunk = bytes(MiB)
    count = 1024
    expected = hashlib.sha256()
    for _ in range(count):
        expected.update(chunk)

    async def body() -> AsyncIterator[bytes]:
        for _ in range(count):
            yield chunk

    process = psutil.Process()
    gc.collect()
    baseline = process.memory_info().rss
    peak = baseline
    done = asyncio.Event()

    async def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, process.memory_info().rss)
            await asyncio.sleep(0.02)

    sampler = asyncio.create_task(sample())
    started = time.monotonic()
    try:
        async with client.post("/upload", data=body()) as resp:
            assert resp.status == 200
            result = await resp.json()
    finally:
        done.set()
        await sampler
    elapsed = time.monotonic() - started
    assert result["bytes"] == 2**30
    assert result["sha256"] == expected.hexdigest()
    growth = peak - baseline
    print(f"1 GiB upload: {elapsed:.1f} s, RSS growth {growth / MiB:.1f} MiB")
    assert growth < 64 * MiB, f"RSS grew by {growth / MiB:.1f} MiB"
    assert elapsed < 20, f"1 GiB upload took {elapsed:.1f} s"


# ------------------------------------------------------------------------------------ SSE


async def test_sse_ticker_events(client: aiohttp.ClientSession) -> None:
    async with client.get("/sse/ticker?count=7&interval=0&retry=1500") as resp:
        assert resp.status == 200
        assert resp.content_type == "text/event-stream"
        assert resp.headers["Cache-Control"] == "no-cache"
        events = parse_sse(await resp.text())
    assert [e["id"] for e in events] == [str(i) for i in range(1, 8)]
    assert [e["event"] for e in events] == ["tick"] * 4 + ["milestone"] + ["tick"] * 2
    assert events[0]["retry"] == 1500
    assert all(e["retry"] is None for e in events[1:])
    data = [json.loads(e["data"]) for e in events]
    assert [d["n"] for d in data] == list(range(1, 8))
    assert all("time" in d for d in data)


async def test_sse_ticker_defaults_and_interval(client: aiohttp.ClientSession) -> None:
    started = time.monotonic()
    async with client.get("/sse/ticker?interval=0.05") as resp:
        events = parse_sse(await resp.text())
    assert len(events) == 10
    assert events[0]["retry"] is None
    assert time.monotonic() - started >= 9 * 0.05 * 0.9


async def test_sse_ticker_last_event_id_resumes(client: aiohttp.ClientSession) -> None:
    headers = {"Last-Event-ID": "4"}
    async with client.get("/sse/ticker?count=7&interval=0", headers=headers) as resp:
        events = parse_sse(await resp.text())
    assert [e["id"] for e in events] == ["5", "6", "7"]
    assert json.loads(events[0]["data"])["n"] == 5
    async with client.get("/sse/ticker?count=7&interval=0&last_event_id=6") as resp:
        assert [e["id"] for e in parse_sse(await resp.text())] == ["7"]
    # Nothing left: 204 tells an EventSource to stop reconnecting.
    async with client.get("/sse/ticker?count=7", headers={"Last-Event-ID": "7"}) as resp:
        assert resp.status == 204
    # A meaningless id starts from the beginning.
    headers = {"Last-Event-ID": "not-a-number"}
    async with client.get("/sse/ticker?count=2&interval=0", headers=headers) as resp:
        assert [e["id"] for e in parse_sse(await resp.text())] == ["1", "2"]


async def test_sse_ticker_endless(client: aiohttp.ClientSession) -> None:
    async with client.get("/sse/ticker?count=0&interval=0.001") as resp:
        events = await read_events(resp, 12)
    assert [e["id"] for e in events[:12]] == [str(i) for i in range(1, 13)]


async def test_sse_chat_streams_tokens(client: aiohttp.ClientSession) -> None:
    prompt = "Explain streaming in one sentence"
    async with client.post("/sse/chat?delay=0", json={"prompt": prompt}) as resp:
        assert resp.status == 200
        assert resp.content_type == "text/event-stream"
        events = parse_sse(await resp.text())
    assert events[-1] == {"id": None, "event": "done", "retry": None, "data": "[DONE]"}
    chunks = [json.loads(e["data"]) for e in events[:-1]]
    assert all(e["event"] == "message" for e in events[:-1])
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert chunks[-1]["choices"][0] == {"index": 0, "delta": {}, "finish_reason": "stop"}
    tokens = [c["choices"][0]["delta"]["content"] for c in chunks[1:-1]]
    assert len(tokens) > 10
    assert "".join(tokens) == chat_answer(prompt)
    assert prompt in "".join(tokens)


async def test_sse_chat_accepts_openai_messages(client: aiohttp.ClientSession) -> None:
    body = {"messages": [{"role": "system", "content": "x"}, {"role": "user", "content": "hi"}]}
    async with client.post("/sse/chat?delay=0", json=body) as resp:
        events = parse_sse(await resp.text())
    text = "".join(
        json.loads(e["data"])["choices"][0]["delta"].get("content", "") for e in events[:-1]
    )
    assert text == chat_answer("hi")


@pytest.mark.parametrize("body", [b'{"prompt": ', b"not json", b"[1, 2]", b'{"prompt": 5}', b"{}"])
async def test_sse_chat_bad_body(client: aiohttp.ClientSession, body: bytes) -> None:
    headers = {"Content-Type": "application/json"}
    async with client.post("/sse/chat", data=body, headers=headers) as resp:
        await assert_json_error(resp, 400)


async def test_sse_chat_is_post_only(client: aiohttp.ClientSession) -> None:
    async with client.get("/sse/chat") as resp:
        await assert_json_error(resp, 405)


async def test_sse_firehose_200k_events_fast(client: aiohttp.ClientSession) -> None:
    started = time.monotonic()
    async with client.get("/sse/firehose?count=200000") as resp:
        raw = await resp.read()
    elapsed = time.monotonic() - started
    assert raw.count(b"\n\n") == 200_000
    assert raw.startswith(b'id: 1\ndata: {"n":1}\n\n')
    assert raw.endswith(b'id: 200000\ndata: {"n":200000}\n\n')
    assert elapsed < 10, f"200k events took {elapsed:.1f} s"


async def test_sse_firehose_small(client: aiohttp.ClientSession) -> None:
    async with client.get("/sse/firehose?count=5") as resp:
        events = parse_sse(await resp.text())
    assert [e["id"] for e in events] == ["1", "2", "3", "4", "5"]
    assert [json.loads(e["data"]) for e in events] == [{"n": i} for i in range(1, 6)]


async def test_sse_wrong_type_and_no_content(client: aiohttp.ClientSession) -> None:
    async with client.get("/sse/wrong-type") as resp:
        assert resp.status == 200
        assert resp.content_type == "application/json"
        await resp.json()
    async with client.get("/sse/no-content") as resp:
        assert resp.status == 204
        assert await resp.read() == b""


# ----------------------------------------------------------------------------- WebSocket


async def test_ws_echo_text_and_binary(client: aiohttp.ClientSession) -> None:
    async with client.ws_connect("/ws/echo") as ws:
        assert ws.protocol is None
        await ws.send_str("héllo")
        assert await ws.receive_str(timeout=5) == "héllo"
        blob = os.urandom(70_000)
        await ws.send_bytes(blob)
        assert await ws.receive_bytes(timeout=5) == blob
        await ws.send_str("")
        assert await ws.receive_str(timeout=5) == ""
    assert ws.close_code == 1000


@pytest.mark.parametrize(
    ("requested", "chosen"), [(("json",), "json"), (("nope", "chat"), "chat"), (("nope",), None)]
)
async def test_ws_echo_subprotocols(
    client: aiohttp.ClientSession, requested: tuple[str, ...], chosen: str | None
) -> None:
    async with client.ws_connect("/ws/echo", protocols=requested) as ws:
        assert ws.protocol == chosen
        await ws.send_str("{}")
        assert await ws.receive_str(timeout=5) == "{}"


async def test_ws_endpoint_without_upgrade(client: aiohttp.ClientSession) -> None:
    async with client.get("/ws/echo") as resp:
        assert "WebSocket" in await assert_json_error(resp, 426)


async def test_ws_console_commands(client: aiohttp.ClientSession) -> None:
    async with client.ws_connect("/ws/console") as ws:
        greeting = await ws.receive_str(timeout=5)
        assert "help" in greeting

        await ws.send_str("help")
        help_text = await ws.receive_str(timeout=5)
        for command in ("help", "time", "echo", "count", "json", "close"):
            assert command in help_text

        await ws.send_str("time")
        stamp = await ws.receive_str(timeout=5)
        assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", stamp)

        await ws.send_str("echo hello   world ✓")
        assert await ws.receive_str(timeout=5) == "hello   world ✓"

        await ws.send_str("count 3")
        assert [await ws.receive_str(timeout=5) for _ in range(3)] == ["1", "2", "3"]

        await ws.send_str("json")
        message = json.loads(await ws.receive_str(timeout=5))
        assert message["type"] == "json" and message["nested"]["ok"] is True

        await ws.send_str("frobnicate now")
        error = await ws.receive_str(timeout=5)
        assert error.startswith("error:") and "frobnicate" in error and "help" in error

        await ws.send_str("count lots")
        assert (await ws.receive_str(timeout=5)).startswith("error:")

        await ws.send_str("close 99 nope")
        assert (await ws.receive_str(timeout=5)).startswith("error:")

        await ws.send_bytes(b"\x00")
        assert (await ws.receive_str(timeout=5)).startswith("error:")

        await ws.send_str("close 4001 bye")
        closing = await ws.receive(timeout=5)
        assert closing.type == aiohttp.WSMsgType.CLOSE
        assert closing.data == 4001
        assert closing.extra == "bye"
    assert ws.close_code == 4001


async def test_ws_firehose(client: aiohttp.ClientSession) -> None:
    received = []
    async with client.ws_connect("/ws/firehose?count=20000") as ws:
        async for msg in ws:
            assert msg.type == aiohttp.WSMsgType.TEXT
            received.append(msg.data)
    assert len(received) == 20000
    assert json.loads(received[0]) == {"n": 1} and json.loads(received[-1]) == {"n": 20000}
    assert ws.close_code == 1000


async def test_ws_firehose_client_closes_early(
    client: aiohttp.ClientSession, playground: RunningPlayground
) -> None:
    async with client.ws_connect("/ws/firehose?count=10000000") as ws:
        for _ in range(100):
            await ws.receive_str(timeout=5)
        started = time.monotonic()
        await ws.close()
        assert time.monotonic() - started < 5
    await wait_for(lambda: playground.stats.finished == playground.stats.started)


# ------------------------------------------------------------------------------ bad input


BAD_REQUESTS = [
    ("GET", "/status/abc"),
    ("GET", "/status/99"),
    ("GET", "/status/600"),
    ("GET", "/status/-200"),
    ("GET", "/delay/-1"),
    ("GET", "/delay/abc"),
    ("GET", "/delay/61"),
    ("GET", "/delay/1e9"),
    ("GET", "/delay/inf"),
    ("GET", "/delay/nan"),
    ("GET", "/redirect/0"),
    ("GET", "/redirect/abc"),
    ("GET", "/redirect/1000"),
    ("GET", "/redirect/2?status=200"),
    ("GET", "/redirect/2?status=abc"),
    ("GET", "/redirect-to"),
    ("GET", "/redirect-to?url=/echo&status_code=200"),
    ("GET", "/bytes/-1"),
    ("GET", "/bytes/abc"),
    ("GET", "/bytes/1.5"),
    ("GET", "/bytes/99999999999999999999999"),
    ("GET", "/bytes/10?chunk_size=0"),
    ("GET", "/json?size=-1"),
    ("GET", "/json?size=abc"),
    ("GET", "/json?size=99999999999999"),
    ("GET", "/drip?numbytes=-1"),
    ("GET", "/drip?duration=abc"),
    ("GET", "/drip?duration=1000"),
    ("GET", "/close-mid-body?how=sideways"),
    ("GET", "/close-mid-body?sent=-5"),
    ("GET", "/sse/ticker?count=-1"),
    ("GET", "/sse/ticker?interval=abc"),
    ("GET", "/sse/ticker?interval=-0.5"),
    ("GET", "/sse/ticker?retry=-5"),
    ("GET", "/sse/firehose?count=x"),
    ("GET", "/ws/firehose?count=-1"),
    ("GET", "/charset/no-such-charset"),
    ("GET", "/charset/base64"),
    ("GET", "/digest-auth/bad/u/p/MD5"),
    ("GET", "/digest-auth/auth/u/p/SHA-1"),
    ("GET", "/cookies/set?bad%20name=1"),
]


@pytest.mark.parametrize(("method", "path"), BAD_REQUESTS)
async def test_bad_input_is_a_json_400(
    client: aiohttp.ClientSession, method: str, path: str
) -> None:
    async with client.request(method, path, allow_redirects=False) as resp:
        await assert_json_error(resp, 400)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_number_parsers_never_fail_unexpectedly(text: str) -> None:
    for parse in (parse_int, parse_float):
        try:
            value = parse(text, "x", minimum=0, maximum=60)
        except PlaygroundError as exc:
            assert exc.status == 400 and exc.message
        else:
            assert 0 <= value <= 60


# ----------------------------------------------------------------- disconnects, shutdown


async def test_client_disconnects_mid_stream_leave_no_traceback(
    client: aiohttp.ClientSession,
    playground: RunningPlayground,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    stats = playground.stats

    streams = [
        "/bytes/4000000000",
        "/json?size=500000000",
        "/sse/firehose?count=0",
        "/sse/ticker?count=0&interval=0",
        "/drip?numbytes=1000&duration=30",
    ]
    for path in streams:
        resp = await client.get(path)
        assert resp.status == 200
        await resp.content.readany()  # some of the body arrived...
        resp.close()  # ...then the client drops the connection

    # Bodies abandoned half way, on raw sockets: /upload streams its body; the others
    # read theirs before answering.
    uploads = ["/upload", "/echo", "/sse/chat", "/digest-auth/auth-int/u/p/MD5", "/delay/0"]
    for path in uploads:
        _reader, writer = await asyncio.open_connection(playground.host, playground.port)
        writer.write(
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n".encode()
            + bytes(MiB)
        )
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.transport.abort()
    # A WebSocket firehose whose client vanishes without a closing handshake.
    ws_reader, ws_writer = await asyncio.open_connection(playground.host, playground.port)
    key = base64.b64encode(os.urandom(16)).decode()
    ws_writer.write(
        "GET /ws/firehose?count=0 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    assert (await ws_reader.readline()).startswith(b"HTTP/1.1 101")
    await ws_reader.readexactly(10_000)  # frames are flowing
    ws_writer.transport.abort()
    # A chat stream abandoned after the first event.
    resp = await client.post("/sse/chat?delay=0.05", json={"prompt": "go"})
    await resp.content.readline()
    resp.close()

    expected = len(streams) + len(uploads) + 2
    await wait_for(lambda: stats.client_disconnects >= expected, timeout=10)
    await wait_for(lambda: stats.finished == stats.started)
    async with client.get("/echo") as ok:
        assert ok.status == 200
    no_tracebacks(caplog)


async def test_stop_ends_open_streams_promptly(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    pg = await start_playground()
    async with aiohttp.ClientSession() as session:
        resp = await session.get(pg.url + "/sse/ticker?count=0&interval=10")
        await read_events(resp, 1)
        ws = await session.ws_connect(pg.url + "/ws/echo")
        # A client that stops reading leaves its stream stuck waiting for the socket.
        stalled_reader, stalled = await asyncio.open_connection(pg.host, pg.port)
        stalled.write(b"GET /bytes/4000000000 HTTP/1.1\r\nHost: x\r\n\r\n")
        await stalled_reader.read(1000)
        await wait_for(lambda: pg.stats.started == 3)
        started = time.monotonic()
        await pg.stop()
        assert time.monotonic() - started < 1.5
        assert pg.stats.finished == pg.stats.started
        stalled.close()
        with contextlib.suppress(ConnectionError):
            await stalled.wait_closed()
        rest = await resp.content.read()
        assert b"id: 2" not in rest
        resp.close()
        msg = await ws.receive(timeout=5)
        assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 1001
        await ws.close()
    no_tracebacks(caplog)


# ------------------------------------------------------------------ command line process


async def _run_cli(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.playground",
        *args,
        cwd=PROJECT_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
async def test_command_line_start_request_and_signal(sig: signal.Signals) -> None:
    proc = await _run_cli("--port", "0")
    try:
        assert proc.stdout is not None
        first = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", first), first
        async with aiohttp.ClientSession() as session:
            async with session.get(first + "/echo?from=cli") as resp:
                assert resp.status == 200
                assert (await resp.json())["query"] == [["from", "cli"]]
        proc.send_signal(sig)
        stdout, stderr = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.communicate()
    assert proc.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr
    assert b"GET /echo?from=cli" in stderr  # the access log goes to stderr
    assert stdout.strip() == b""  # nothing but the URL on stdout


async def test_command_line_non_loopback_host_warns() -> None:
    proc = await _run_cli("--host", "0.0.0.0", "--port", "0", "--quiet")
    try:
        assert proc.stdout is not None
        first = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
        assert re.fullmatch(r"http://0\.0\.0\.0:\d+", first), first
        proc.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.communicate()
    assert proc.returncode == 0
    assert b"warning" in stderr and b"loopback" in stderr
    assert b"Traceback" not in stderr


def test_command_line_rejects_bad_port(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        main(["--port", "70000"])
    assert excinfo.value.code == 2
    assert "port" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.5.5.5", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.10", False),
        ("example.com", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
