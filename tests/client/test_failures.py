"""How the request library fails: bad input, broken transports, error statuses, misuse.

Every failure is checked under both ``Session`` and ``AsyncSession`` where it applies, and
after each one the same session must still answer a normal request.
"""

from __future__ import annotations

import json
import os
import re
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

MIB = 1 << 20
BAD_METHODS = ["GE T", "GET\r\n", "", "GET\n", "G(ET", "GÉT"]


# -- helpers ---------------------------------------------------------------------------------


def assert_ours(exc: BaseException, cls: type[ClientError]) -> None:
    """``exc`` is the library's own ``cls``, never a foreign (aiohttp, ssl) class."""
    assert isinstance(exc, cls), repr(exc)
    assert isinstance(exc, ClientError)
    assert type(exc).__module__.startswith("app.client"), type(exc)
    assert not isinstance(exc, aiohttp.ClientError)


def sync_works(session: Session) -> None:
    """The session still answers a normal request."""
    with Request(session, "GET", "/echo", params={"alive": "yes"}).fetch() as response:
        assert response.status == 200
        assert response.json()["query"] == [["alive", "yes"]]


async def async_works(session: AsyncSession) -> None:
    async with Request(session, "GET", "/echo", params={"alive": "yes"}).fetch() as response:
        assert response.status == 200
        assert (await response.json())["query"] == [["alive", "yes"]]


class _AnyMethodHandler(BaseHTTPRequestHandler):
    """Answers any request-line token (aiohttp's own server rejects lower-case methods) with
    what it received as JSON; ``/garbage`` answers with bytes that are not HTTP."""

    protocol_version = "HTTP/1.1"
    timeout = 5

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):
            return self._answer
        raise AttributeError(name)

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/garbage":
            self.wfile.write(b"this is not HTTP at all\r\n\r\n")
            self.close_connection = True
            return
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
def test_bad_method_token_raises_value_error_sync(base_url: str, method: str) -> None:
    with Session(base_url) as session:
        with pytest.raises(ValueError, match="method"):
            Request(session, method, "/echo")
        request = Request(session, "GET", "/echo")
        with pytest.raises(ValueError):
            request.method = method
        assert request.method == "GET"
        sync_works(session)


@pytest.mark.parametrize("method", BAD_METHODS)
async def test_bad_method_token_raises_value_error_async(base_url: str, method: str) -> None:
    async with AsyncSession(base_url) as session:
        with pytest.raises(ValueError, match="method"):
            Request(session, method, "/echo")
        await async_works(session)


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("get", "GET"),
        ("pOsT", "POST"),
        ("options", "OPTIONS"),
        ("purge", "purge"),
        ("PURGE", "PURGE"),
        ("Frob-It", "Frob-It"),
        ("m.k~col", "m.k~col"),
    ],
)
def test_method_case_sync(raw_url: str, given: str, sent: str) -> None:
    with Session(raw_url) as session:
        request = Request(session, given, "/m")
        assert request.method == sent
        with request.fetch() as response:
            assert response.json()["method"] == sent


@pytest.mark.parametrize(
    ("given", "sent"), [("delete", "DELETE"), ("purge", "purge"), ("Frob-It", "Frob-It")]
)
async def test_method_case_async(raw_url: str, given: str, sent: str) -> None:
    async with AsyncSession(raw_url) as session:
        request = Request(session, given, "/m")
        assert request.method == sent
        async with request.fetch() as response:
            assert (await response.json())["method"] == sent


def test_standard_method_reaches_aiohttp_server_upper_cased(base_url: str) -> None:
    with Session(base_url) as session, Request(session, "patch", "/echo").fetch() as response:
        assert response.json()["method"] == "PATCH"


# -- content ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [{}, [], {"a": 1}, [("a", "1")]])
def test_set_content_refuses_dict_and_list_sync(base_url: str, value: Any) -> None:
    with Session(base_url) as session:
        request = Request(session, "POST", "/echo")
        with pytest.raises(TypeError) as info:
            request.set_content(value)
        assert_ours(info.value, UsageError)
        assert "set_json" in str(info.value) and "set_form" in str(info.value)
        with pytest.raises(UsageError, match="set_json"):
            Request(session, "POST", "/echo", value)
        sync_works(session)


@pytest.mark.parametrize("value", [{}, []])
async def test_set_content_refuses_dict_and_list_async(base_url: str, value: Any) -> None:
    async with AsyncSession(base_url) as session:
        request = Request(session, "POST", "/echo")
        with pytest.raises(TypeError) as info:
            request.set_content(value)
        assert_ours(info.value, UsageError)
        assert "set_json" in str(info.value) and "set_form" in str(info.value)
        await async_works(session)


@pytest.fixture
def big_file(tmp_path: Path) -> Path:
    path = tmp_path / "big.bin"
    with path.open("wb") as f:
        for i in range(20):
            f.write(bytes([i]) * MIB)
    return path


def _shrinking_hook(path: Path) -> tuple[list[int], Any]:
    seen: list[int] = []

    def hook(sent: int, total: int | None) -> None:
        if not seen and sent >= MIB:
            os.truncate(path, 3 * MIB)
        seen.append(sent)

    return seen, hook


SHRANK = re.compile(r"chang|shr[iu]nk|early|truncat|short", re.IGNORECASE)


def test_file_that_shrinks_mid_upload_sync(base_url: str, big_file: Path) -> None:
    with Session(base_url) as session, big_file.open("rb") as f:
        seen, hook = _shrinking_hook(big_file)
        request = Request(session, "PUT", "/echo", f, reporthook=hook)
        with pytest.raises(RequestError) as info:
            with request.fetch():
                pass
        assert_ours(info.value, RequestError)
        assert SHRANK.search(str(info.value)), str(info.value)
        assert info.value.url == f"{base_url}/echo"
        assert info.value.__cause__ is not None
        assert seen and max(seen) < 20 * MIB
        assert not f.closed  # the caller's file is not closed by the library
        sync_works(session)


async def test_file_that_shrinks_mid_upload_async(base_url: str, big_file: Path) -> None:
    async with AsyncSession(base_url) as session:
        with big_file.open("rb") as f:
            seen, hook = _shrinking_hook(big_file)
            request = Request(session, "PUT", "/echo", f, reporthook=hook)
            with pytest.raises(RequestError) as info:
                async with request.fetch():
                    pass
            assert_ours(info.value, RequestError)
            assert SHRANK.search(str(info.value)), str(info.value)
            assert info.value.__cause__ is not None
            assert seen and max(seen) < 20 * MIB
            assert not f.closed
        await async_works(session)


def test_text_mode_file_is_refused_sync(base_url: str, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello\n")
    with Session(base_url) as session, path.open("r") as text:
        with pytest.raises(UsageError, match="binary") as info:
            Request(session, "POST", "/echo", text)
        assert_ours(info.value, UsageError)
        request = Request(session, "POST", "/echo")
        with pytest.raises(UsageError, match="binary"):
            request.set_content(text)
        with pytest.raises(UsageError, match="binary"):
            request.attach_files([AttachedFile("notes.txt", text, "text/plain")])
        sync_works(session)


async def test_text_mode_file_is_refused_async(base_url: str, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello\n")
    async with AsyncSession(base_url) as session:
        with path.open("r") as text, pytest.raises(UsageError, match="binary"):
            Request(session, "POST", "/echo", text)
        await async_works(session)


# -- transport failures ----------------------------------------------------------------------


def test_reset_mid_body_sync(base_url: str) -> None:
    with Session(base_url) as session:
        with Request(session, "GET", "/reset-mid-body").fetch() as response:
            assert response.status == 200
            with pytest.raises(RequestError) as info:
                response.read()
        assert_ours(info.value, RequestError)
        assert info.value.__cause__ is not None
        assert info.value.url == f"{base_url}/reset-mid-body"
        sync_works(session)


async def test_reset_mid_body_async(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        async with Request(session, "GET", "/reset-mid-body").fetch() as response:
            with pytest.raises(RequestError) as info:
                await response.read()
        assert_ours(info.value, RequestError)
        assert info.value.__cause__ is not None
        assert info.value.url == f"{base_url}/reset-mid-body"
        await async_works(session)


def test_reset_mid_body_while_streaming_sync(base_url: str) -> None:
    with Session(base_url) as session:
        with Request(session, "GET", "/reset-mid-body").fetch() as response:
            with pytest.raises(RequestError) as info:
                for _ in response.iter_chunks(100):
                    pass
        assert_ours(info.value, RequestError)
        sync_works(session)


def test_server_drops_the_connection_sync(base_url: str) -> None:
    with Session(base_url) as session:
        with pytest.raises(RequestError) as info, Request(session, "GET", "/drop").fetch():
            pass
        assert_ours(info.value, RequestError)
        assert info.value.url == f"{base_url}/drop"
        sync_works(session)


async def test_server_drops_the_connection_async(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        with pytest.raises(RequestError) as info:
            async with Request(session, "POST", "/drop", b"x").fetch():
                pass
        assert_ours(info.value, RequestError)
        await async_works(session)


def test_garbage_response_sync(base_url: str, raw_url: str) -> None:
    with Session(base_url) as session:
        with pytest.raises(RequestError) as info:
            with Request(session, "GET", f"{raw_url}/garbage").fetch():
                pass
        assert_ours(info.value, RequestError)
        assert info.value.__cause__ is not None
        sync_works(session)


def _check_refused(exc: RequestError, url: str) -> None:
    assert_ours(exc, RequestError)
    assert url in str(exc)
    assert exc.url == url
    assert isinstance(exc.__cause__, aiohttp.ClientError)


def test_refused_connection_sync(base_url: str, closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}/nothing"
    with Session(base_url) as session:
        with pytest.raises(RequestError) as info, Request(session, "GET", url).fetch():
            pass
        _check_refused(info.value, url)
        sync_works(session)


async def test_refused_connection_async(base_url: str, closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}/nothing"
    async with AsyncSession(base_url) as session:
        with pytest.raises(RequestError) as info:
            async with Request(session, "GET", url).fetch():
                pass
        _check_refused(info.value, url)
        await async_works(session)


def test_unknown_host_sync(base_url: str) -> None:
    url = "http://nonexistent.invalid/"
    with Session(base_url, timeout=5) as session:
        with pytest.raises(RequestError) as info, Request(session, "GET", url).fetch():
            pass
        assert_ours(info.value, RequestError)
        assert "nonexistent.invalid" in str(info.value)
        assert info.value.__cause__ is not None
        sync_works(session)


async def test_unknown_host_async(base_url: str) -> None:
    async with AsyncSession(base_url, timeout=5) as session:
        with pytest.raises(RequestError) as info:
            async with Request(session, "GET", "http://nonexistent.invalid/").fetch():
                pass
        assert_ours(info.value, RequestError)
        assert "nonexistent.invalid" in str(info.value)
        await async_works(session)


def test_read_timeout_sync(base_url: str) -> None:
    with Session(base_url, timeout=0.5) as session:
        with pytest.raises(RequestTimeout) as info, Request(session, "GET", "/delay/5").fetch():
            pass
        assert_ours(info.value, RequestTimeout)
        assert isinstance(info.value, RequestError)
        assert info.value.url == f"{base_url}/delay/5"
        sync_works(session)
    with Session(base_url) as session:
        with pytest.raises(RequestTimeout):
            with Request(session, "GET", "/delay/5").fetch(timeout=0.5):
                pass
        sync_works(session)


async def test_read_timeout_async(base_url: str) -> None:
    async with AsyncSession(base_url, timeout=0.5) as session:
        with pytest.raises(RequestTimeout) as info:
            async with Request(session, "GET", "/delay/5").fetch():
                pass
        assert_ours(info.value, RequestTimeout)
        assert isinstance(info.value, RequestError)
        await async_works(session)
    async with AsyncSession(base_url) as session:
        with pytest.raises(RequestTimeout):
            async with Request(session, "GET", "/delay/5").fetch(timeout=0.5):
                pass
        await async_works(session)


def test_read_timeout_in_the_body_sync(base_url: str) -> None:
    with Session(base_url, timeout=0.5) as session:
        with Request(session, "GET", "/slow-body", params={"pause": 5}).fetch() as response:
            with pytest.raises(RequestTimeout) as info:
                response.read()
        assert_ours(info.value, RequestTimeout)
        sync_works(session)


async def test_read_timeout_in_the_body_async(base_url: str) -> None:
    async with AsyncSession(base_url, timeout=0.5) as session:
        async with Request(session, "GET", "/slow-body", params={"pause": 5}).fetch() as response:
            with pytest.raises(RequestTimeout) as info:
                await response.read()
        assert_ours(info.value, RequestTimeout)
        await async_works(session)


# -- session life cycle and misuse -----------------------------------------------------------


def test_closed_session_refuses_requests_sync(base_url: str) -> None:
    session = Session(base_url)
    sync_works(session)
    session.close()
    assert session.closed
    with pytest.raises(UsageError, match="closed") as info:
        with Request(session, "GET", "/echo").fetch():
            pass
    assert_ours(info.value, UsageError)
    session.close()


async def test_closed_session_refuses_requests_async(base_url: str) -> None:
    session = AsyncSession(base_url)
    await async_works(session)
    await session.close()
    assert session.closed
    with pytest.raises(UsageError, match="closed") as info:
        async with Request(session, "GET", "/echo").fetch():
            pass
    assert_ours(info.value, UsageError)
    with pytest.raises(UsageError, match="closed"):
        async with Request(session, "GET", "/ws/echo").connect_websocket():
            pass
    with pytest.raises(UsageError, match="closed"):
        async with Request(session, "GET", "/sse/ticker").connect_events():
            pass


def test_close_twice_and_never_used_sync(base_url: str) -> None:
    unused = Session(base_url)
    unused.close()
    unused.close()
    with Session(base_url) as used:
        sync_works(used)
    used.close()
    used.close()
    with Session():
        pass


async def test_close_twice_and_never_used_async(base_url: str) -> None:
    unused = AsyncSession(base_url)
    await unused.close()
    await unused.close()
    async with AsyncSession(base_url) as used:
        await async_works(used)
    await used.close()
    await used.close()
    async with AsyncSession():
        pass


async def test_session_with_async_with_fetch_is_refused(base_url: str) -> None:
    with Session(base_url) as session:
        with pytest.raises(UsageError) as info:
            async with Request(session, "GET", "/echo").fetch():
                pass
        assert_ours(info.value, UsageError)
        message = str(info.value)
        assert "with request.fetch()" in message and "not `async with`" in message
        sync_works(session)


async def test_async_session_with_plain_with_fetch_is_refused(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        with pytest.raises(UsageError) as info, Request(session, "GET", "/echo").fetch():
            pass
        assert_ours(info.value, UsageError)
        assert "async with request.fetch()" in str(info.value)
        await async_works(session)


def test_streams_refused_on_a_sync_session(base_url: str) -> None:
    with Session(base_url) as session:
        request = Request(session, "GET", "/sse/ticker")
        with pytest.raises(UsageError, match="AsyncSession") as info:
            request.connect_events()
        assert_ours(info.value, UsageError)
        with pytest.raises(UsageError, match="AsyncSession"):
            Request(session, "GET", "/ws/echo").connect_websocket()
        sync_works(session)


# -- error statuses --------------------------------------------------------------------------

STATUS_CASES = [
    ("json", {"error": "nope", "code": 404}),
    ("text", {"title": "Not Found", "content": "plain failure 404"}),
    ("badjson", {"title": "Not Found", "content": "{not json"}),
]


@pytest.mark.parametrize(("kind", "data"), STATUS_CASES)
def test_api_error_sync(base_url: str, kind: str, data: Any) -> None:
    with Session(base_url) as session:
        request = Request(session, "GET", "/status/404", params={"kind": kind})
        with pytest.raises(APIError) as info, request.fetch():
            pass
        assert_ours(info.value, APIError)
        assert info.value.status == 404
        assert info.value.reason == "Not Found"
        assert info.value.data == data
        with request.fetch(check_status=False) as response:
            assert response.status == 404
            assert response.reason == "Not Found"
            if kind == "json":
                assert response.json() == data
        sync_works(session)


@pytest.mark.parametrize(("kind", "data"), STATUS_CASES)
async def test_api_error_async(base_url: str, kind: str, data: Any) -> None:
    async with AsyncSession(base_url) as session:
        request = Request(session, "GET", "/status/404", params={"kind": kind})
        with pytest.raises(APIError) as info:
            async with request.fetch():
                pass
        assert_ours(info.value, APIError)
        assert info.value.status == 404
        assert info.value.data == data
        async with request.fetch(check_status=False) as response:
            assert response.status == 404
            text = await response.text()
            assert text == (data["content"] if kind != "json" else json.dumps(data))
        await async_works(session)


async def test_websocket_handshake_refused(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        with pytest.raises(APIError) as info:
            async with Request(session, "GET", "/ws/forbidden").connect_websocket():
                pass
        assert_ours(info.value, APIError)
        assert info.value.status == 403
        assert info.value.data == {"error": "forbidden", "why": "no token"}
        await async_works(session)


async def test_event_stream_of_the_wrong_type(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        with pytest.raises(StreamError) as info:
            async with Request(session, "GET", "/sse/wrong-type").connect_events():
                pass
        assert_ours(info.value, StreamError)
        assert "text/event-stream" in str(info.value)
        await async_works(session)


async def test_event_stream_error_status(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        with pytest.raises(APIError) as info:
            async with Request(session, "GET", "/status/503").connect_events():
                pass
        assert_ours(info.value, APIError)
        assert info.value.status == 503
        assert info.value.data == {"error": "nope", "code": 503}
        await async_works(session)


def test_error_tree() -> None:
    for cls in (APIError, RequestError, RequestTimeout, UsageError, StreamError):
        assert issubclass(cls, ClientError)
        assert cls.__module__.startswith("app.client")
        assert not issubclass(cls, aiohttp.ClientError)
    assert issubclass(RequestTimeout, RequestError)
    assert issubclass(UsageError, TypeError)
