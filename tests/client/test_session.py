"""Sessions against a real server: endpoints, params, headers, cookies, keep-alive, redirects,
threads, and a process that forgets to close."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import threading
from typing import Any

import pytest

from app.client import AsyncSession, Request, Session
from tests.client.conftest import SessionKind


async def test_get_with_endpoint_params_and_headers(kind: SessionKind, base_url: str) -> None:
    headers = {"X-Session": "s", "X-Both": "s"}
    async with kind.open(base_url + "/echo/", headers=headers) as session:
        rqst = Request(session, "get", "/sub?a=1", params={"b": ["2", "3"]})
        rqst.headers["X-Both"] = "r"
        async with kind.fetch(rqst) as resp:
            data = await resp.json()
    assert resp.status == 200 and resp.reason == "OK"
    assert data["method"] == "GET"
    assert data["path_qs"] == "/echo/sub?a=1&b=2&b=3"
    headers = dict(data["headers"])
    assert headers["X-Session"] == "s" and headers["X-Both"] == "r"
    async with kind.open(base_url, headers={"X-Session": "s"}) as session:
        rqst = Request(session, "DELETE", "echo", params=[("q", "x y")])
        async with kind.fetch(rqst) as resp:
            data = await resp.json()
    assert data["method"] == "DELETE"
    assert data["query"] == [["q", "x y"]]
    assert dict(data["headers"])["X-Session"] == "s"


async def _request_line_server() -> tuple[asyncio.Server, list[bytes]]:
    """A bare TCP peer that records each request line (aiohttp's server upper-cases them)."""
    lines: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        lines.append((await reader.readline()).rstrip())
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        await writer.drain()
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0), lines


@pytest.mark.parametrize(("given", "sent"), [("purge", b"purge"), ("M-Search", b"M-Search"),
                                             ("patch", b"PATCH"), ("options", b"OPTIONS")])
async def test_method_tokens_go_on_the_wire_as_spec_says(given: str, sent: bytes) -> None:
    server, lines = await _request_line_server()
    port = server.sockets[0].getsockname()[1]
    async with server, AsyncSession(f"http://127.0.0.1:{port}") as session:
        async with Request(session, given, "/x").fetch() as resp:
            assert await resp.text() == "ok"
    assert lines == [sent + b" /x HTTP/1.1"]


async def test_cookies_are_kept_for_ip_address_hosts(kind: SessionKind, base_url: str) -> None:
    assert "127.0.0.1" in base_url
    async with kind.open(base_url) as session:
        set_one = Request(session, "GET", "/cookies/set", params={"flavour": "oat"})
        async with kind.fetch(set_one):
            pass
        async with kind.fetch(Request(session, "GET", "/cookies")) as resp:
            assert await resp.json() == {"flavour": "oat"}
    async with kind.open(base_url) as session:
        async with kind.fetch(Request(session, "GET", "/cookies/set?a=1")):
            pass
        async with kind.fetch(Request(session, "GET", "/cookies")) as resp:
            assert await resp.json() == {"a": "1"}


def test_connections_are_reused(base_url: str) -> None:
    ports = set()
    with Session(base_url) as session:
        for _ in range(5):
            with Request(session, "GET", "/echo").fetch() as resp:
                ports.add(resp.json()["peer_port"])
                timings = resp.timings
    assert len(ports) == 1
    assert timings.connect is None and timings.dns is None and timings.tls is None


async def test_timings_of_a_new_connection(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        async with Request(session, "GET", "/bytes/2000000").fetch() as resp:
            early = resp.timings
            await resp.read()
            done = resp.timings
    assert early.download is None and early.total is None
    assert early.connect is not None and early.ttfb is not None
    assert early.dns is None  # an IP address needs no lookup
    assert early.tls is None  # plain HTTP
    assert done.download is not None and done.total is not None
    phases = [done.connect, done.request_sent, done.ttfb, done.download]
    assert sum(p for p in phases if p) <= done.total + 1e-3


@pytest.mark.parametrize(("status", "method"), [(301, "GET"), (302, "GET"), (303, "GET"),
                                                (307, "POST"), (308, "POST")])
def test_redirects_like_browsers(base_url: str, status: int, method: str) -> None:
    with Session(base_url) as session:
        rqst = Request(session, "POST", f"/redirect/{status}", params={"to": "/echo?z=1"})
        rqst.set_json({"keep": True})
        with rqst.fetch() as resp:
            data = resp.json()
    assert data["method"] == method
    assert resp.url == base_url + "/echo?z=1"
    assert resp.history == [(status, f"{base_url}/redirect/{status}?to=/echo?z%3D1")]
    if method == "POST":
        assert data["content_type"] == "application/json" and data["length"] == 14
    else:
        assert data["content_type"] is None and data["length"] == 0


async def test_redirect_chain_history_in_order(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        async with Request(session, "GET", "/chain/3").fetch() as resp:
            assert resp.status == 200
            assert resp.history == [(302, f"{base_url}/chain/{n}") for n in (3, 2, 1)]


def test_follow_redirects_off(base_url: str) -> None:
    with Session(base_url, follow_redirects=False) as session:
        with Request(session, "GET", "/redirect/302?to=/echo").fetch() as resp:
            assert resp.status == 302 and resp.headers["location"] == "/echo"
            assert resp.history == []


def test_sync_session_is_safe_to_share_between_threads(base_url: str) -> None:
    results: dict[int, Any] = {}
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(10):
                rqst = Request(session, "GET", "/echo", params={"n": n, "i": i})
                with rqst.fetch() as resp:
                    results[n * 100 + i] = resp.json()["query"]
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    with Session(base_url) as session:
        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors
    assert len(results) == 80
    for key, query in results.items():
        assert query == [["n", str(key // 100)], ["i", str(key % 100)]]


def test_a_forgotten_session_does_not_keep_the_process_alive(base_url: str) -> None:
    script = textwrap.dedent(
        f"""
        from app.client import Request, Session
        s = Session({base_url!r})
        with Request(s, "GET", "/echo").fetch() as r:
            print(r.status)
        # no close(): the interpreter must still exit, quietly
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "200"
    assert "Unclosed" not in done.stderr and "Traceback" not in done.stderr


async def test_closing_is_harmless_twice_and_unused(kind: SessionKind, base_url: str) -> None:
    s = kind.session(base_url)
    await kind.close(s)
    await kind.close(s)
    unused = kind.session()
    await kind.close(unused)
    await kind.close(unused)
    async with kind.open(base_url):
        pass


def test_nothing_is_sent_before_the_context_is_entered(base_url: str) -> None:
    with Session(base_url) as session:
        with Request(session, "GET", "/cookies/set?sent=yes").fetch() as _:
            pass
        Request(session, "GET", "/cookies/set?never=1").fetch()  # created, never entered
        with Request(session, "GET", "/cookies").fetch() as resp:
            assert resp.json() == {"sent": "yes"}


async def test_requests_go_through_the_proxy(base_url: str) -> None:
    from aiohttp import web

    seen: list[str] = []

    async def forward(request: web.Request) -> web.Response:
        seen.append(request.raw_path)
        return web.json_response({"via": "proxy"})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", forward)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with AsyncSession(base_url, proxy=f"http://127.0.0.1:{port}") as session:
            async with Request(session, "GET", "/echo?q=1").fetch() as resp:
                assert await resp.json() == {"via": "proxy"}
    finally:
        await runner.cleanup()
    assert seen == [f"{base_url}/echo?q=1"]
