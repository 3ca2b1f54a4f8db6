"""How the request library fails: bad input, broken transports, error statuses, misuse.

Every failure is checked under both ``Session`` and ``AsyncSession`` where it applies (the
``kind`` fixture), and after each one the same session must still answer a normal request.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from app.client import (
    APIError,
    AsyncSession,
    AttachedFile,
    ClientError,
    Request,
    RequestError,
    RequestTimeout,
    Session,
    StreamError,
    UsageError,
)
from tests.client.conftest import SessionKind

MIB = 1 << 20
BAD_METHODS = ["GE T", "GET\r\n", "", "GET\n", "G(ET", "GÉT"]


# -- helpers ---------------------------------------------------------------------------------


def assert_ours(exc: BaseException, cls: type[ClientError]) -> None:
    """``exc`` is the library's own ``cls``, never a foreign (aiohttp, ssl) class."""
    assert isinstance(exc, cls), repr(exc)
    assert isinstance(exc, ClientError)
    assert type(exc).__module__.startswith("app.client"), type(exc)
    assert not isinstance(exc, aiohttp.ClientError)


class _AnyMethodHandler(BaseHTTPRequestHandler):
    """Answers any request-line token (aiohttp's own server rejects lower-case methods) with
    what it received as JSON."""

    protocol_version = "HTTP/1.1"
    timeout = 5

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):
            return self._answer
        raise AttributeError(name)

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        payload = json.dumps(
            {"method": self.command, "path": self.path, "length": len(body)}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def raw_url() -> Iterator[str]:
    """A plain stdlib HTTP server that records the method token exactly as it arrived."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _AnyMethodHandler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


# -- methods ---------------------------------------------------------------------------------


@pytest.mark.parametrize("method", BAD_METHODS)
async def test_bad_method_token_raises_value_error(
    kind: SessionKind, base_url: str, method: str
) -> None:
    async with kind.open(base_url) as session:
        with pytest.raises(ValueError, match="method"):
            Request(session, method, "/echo")
        request = Request(session, "GET", "/echo")
        with pytest.raises(ValueError):
            request.method = method
        assert request.method == "GET"
        await kind.works(session)


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("get", "GET"),
        ("pOsT", "POST"),
        ("options", "OPTIONS"),
        ("delete", "DELETE"),
        ("purge", "purge"),
        ("PURGE", "PURGE"),
        ("Frob-It", "Frob-It"),
        ("m.k~col", "m.k~col"),
    ],
)
async def test_method_case(kind: SessionKind, raw_url: str, given: str, sent: str) -> None:
    async with kind.open(raw_url) as session:
        request = Request(session, given, "/m")
        assert request.method == sent
        async with kind.fetch(request) as response:
            assert (await response.json())["method"] == sent


def test_standard_method_reaches_aiohttp_server_upper_cased(base_url: str) -> None:
    with Session(base_url) as session, Request(session, "patch", "/echo").fetch() as response:
        assert response.json()["method"] == "PATCH"


# -- content ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [{}, [], {"a": 1}, [("a", "1")]])
async def test_set_content_refuses_dict_and_list(
    kind: SessionKind, base_url: str, value: Any
) -> None:
    async with kind.open(base_url) as session:
        request = Request(session, "POST", "/echo")
        with pytest.raises(TypeError) as info:
            request.set_content(value)
        assert_ours(info.value, UsageError)
        assert "set_json" in str(info.value) and "set_form" in str(info.value)
        with pytest.raises(UsageError, match="set_json"):
            Request(session, "POST", "/echo", value)
        await kind.works(session)


async def test_text_mode_file_is_refused(kind: SessionKind, base_url: str, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello\n")
    async with kind.open(base_url) as session:
        with path.open("r") as text:
            with pytest.raises(UsageError, match="binary") as info:
                Request(session, "POST", "/echo", text)
            assert_ours(info.value, UsageError)
            request = Request(session, "POST", "/echo")
            with pytest.raises(UsageError, match="binary"):
                request.set_content(text)
            with pytest.raises(UsageError, match="binary"):
                request.attach_files([AttachedFile("notes.txt", text, "text/plain")])
        await kind.works(session)


# -- session life cycle and misuse -----------------------------------------------------------


async def test_closed_session_refuses_requests(kind: SessionKind, base_url: str) -> None:
    session = kind.session(base_url)
    await kind.works(session)
    await kind.close(session)
    assert session.closed
    with pytest.raises(UsageError, match="closed") as info:
        async with kind.fetch(Request(session, "GET", "/echo")):
            pass
    assert_ours(info.value, UsageError)
    if kind.is_async:  # the streams exist only there
        with pytest.raises(UsageError, match="closed"):
            async with Request(session, "GET", "/ws/echo").connect_websocket():
                pass
        with pytest.raises(UsageError, match="closed"):
            async with Request(session, "GET", "/sse/ticker").connect_events():
                pass
    await kind.close(session)


async def test_close_twice_and_never_used(kind: SessionKind, base_url: str) -> None:
    unused = kind.session(base_url)
    await kind.close(unused)
    await kind.close(unused)
    async with kind.open(base_url) as used:
        await kind.works(used)
    await kind.close(used)
    await kind.close(used)
    async with kind.open():
        pass


async def test_session_with_async_with_fetch_is_refused(base_url: str) -> None:
    with Session(base_url) as session:
        with pytest.raises(UsageError) as info:
            async with Request(session, "GET", "/echo").fetch():
                pass
        assert_ours(info.value, UsageError)
        message = str(info.value)
        assert "with request.fetch()" in message and "not `async with`" in message
        await SessionKind("sync").works(session)


async def test_async_session_with_plain_with_fetch_is_refused(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        with pytest.raises(UsageError) as info, Request(session, "GET", "/echo").fetch():
            pass
        assert_ours(info.value, UsageError)
        assert "async with request.fetch()" in str(info.value)
        await SessionKind("async").works(session)


async def test_streams_refused_on_a_sync_session(base_url: str) -> None:
    with Session(base_url) as session:
        request = Request(session, "GET", "/sse/ticker")
        with pytest.raises(UsageError, match="AsyncSession") as info:
            request.connect_events()
        assert_ours(info.value, UsageError)
        with pytest.raises(UsageError, match="AsyncSession"):
            Request(session, "GET", "/ws/echo").connect_websocket()
        await SessionKind("sync").works(session)


# -- error statuses --------------------------------------------------------------------------

STATUS_CASES = [
    ("json", {"error": "nope", "code": 404}),
    ("text", {"title": "Not Found", "content": "plain failure 404"}),
    ("badjson", {"title": "Not Found", "content": "{not json"}),
]


@pytest.mark.parametrize(("body", "data"), STATUS_CASES)
async def test_api_error(kind: SessionKind, base_url: str, body: str, data: Any) -> None:
    async with kind.open(base_url) as session:
        request = Request(session, "GET", "/status/404", params={"kind": body})
        with pytest.raises(APIError) as info:
            async with kind.fetch(request):
                pass
        assert_ours(info.value, APIError)
        assert info.value.status == 404
        assert info.value.reason == "Not Found"
        assert info.value.data == data
        async with kind.fetch(request, check_status=False) as response:
            assert response.status == 404
            assert response.reason == "Not Found"
            text = await response.text()
            assert text == (data["content"] if body != "json" else json.dumps(data))
            if body == "json":
                assert await response.json() == data
        await kind.works(session)


async def test_websocket_handshake_refused(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        with pytest.raises(APIError) as info:
            async with Request(session, "GET", "/ws/forbidden").connect_websocket():
                pass
        assert_ours(info.value, APIError)
        assert info.value.status == 403
        assert info.value.data == {"error": "forbidden", "why": "no token"}
        await SessionKind("async").works(session)


async def test_event_stream_of_the_wrong_type(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        with pytest.raises(StreamError) as info:
            async with Request(session, "GET", "/sse/wrong-type").connect_events():
                pass
        assert_ours(info.value, StreamError)
        assert "text/event-stream" in str(info.value)
        await SessionKind("async").works(session)


async def test_event_stream_error_status(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        with pytest.raises(APIError) as info:
            async with Request(session, "GET", "/status/503").connect_events():
                pass
        assert_ours(info.value, APIError)
        assert info.value.status == 503
        assert info.value.data == {"error": "nope", "code": 503}
        await SessionKind("async").works(session)


def test_error_tree() -> None:
    for cls in (APIError, RequestError, RequestTimeout, UsageError, StreamError):
        assert issubclass(cls, ClientError)
        assert cls.__module__.startswith("app.client")
        assert not issubclass(cls, aiohttp.ClientError)
    assert issubclass(RequestTimeout, RequestError)
    assert issubclass(UsageError, TypeError)
