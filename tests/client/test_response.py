"""Responses: every method under both sessions (values vs awaitables), decoding, charsets,
streaming and saving."""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.client import AsyncSession, Request, Response, Session

Reader = Callable[[Response, Path], Any]

# Each entry reads a response one way; the result must not depend on the session kind.
READERS: dict[str, tuple[str, Any]] = {
    "read": ("/bytes/300000", lambda r, p: r.read()),
    "text": ("/charset/latin-1", lambda r, p: r.text()),
    "json": ("/echo?x=1", lambda r, p: r.json()),
    "iter_chunks": ("/bytes/300000", lambda r, p: r.iter_chunks(65536)),
    "save": ("/bytes/300000", lambda r, p: r.save(p / "out.bin")),
}


async def _drain(value: Any) -> Any:
    if inspect.isawaitable(value):
        return await value
    if hasattr(value, "__aiter__"):
        return b"".join([c async for c in value])
    return value


def _sync_drain(value: Any) -> Any:
    assert not inspect.isawaitable(value), "a Session returns values, not awaitables"
    if inspect.isgenerator(value) or hasattr(value, "__next__"):
        return b"".join(value)
    return value


def _normalize(name: str, value: Any, response: Response, tmp: Path) -> Any:
    if name == "json":
        value = {k: v for k, v in value.items() if k not in ("headers", "peer_port")}
    if name == "save":
        value = (value, (tmp / "out.bin").read_bytes())
    meta = (response.status, response.reason, response.content_type, response.charset,
            response.http_version, response.url.split(":", 2)[-1].split("/", 1)[-1])
    return value, meta


@pytest.mark.parametrize("name", list(READERS))
def test_every_response_method_agrees_under_both_sessions(
    base_url: str, tmp_path: Path, name: str
) -> None:
    path, reader = READERS[name]
    (tmp_path / "s").mkdir()
    (tmp_path / "a").mkdir()

    with Session(base_url) as session:
        with Request(session, "GET", path).fetch() as resp:
            sync_result = _normalize(name, _sync_drain(reader(resp, tmp_path / "s")), resp,
                                     tmp_path / "s")

    async def run_async() -> Any:
        async with AsyncSession(base_url) as asession:
            async with Request(asession, "GET", path).fetch() as aresp:
                raw = reader(aresp, tmp_path / "a")
                assert inspect.isawaitable(raw) or hasattr(raw, "__aiter__")
                return _normalize(name, await _drain(raw), aresp, tmp_path / "a")

    async_result = asyncio.run(run_async())
    assert sync_result == async_result


def test_read_then_text_json_reuse_the_body(base_url: str) -> None:
    with Session(base_url) as session, Request(session, "GET", "/echo").fetch() as resp:
        raw = resp.read()
        assert json.loads(raw) == resp.json()
        assert resp.text() == raw.decode()
        assert b"".join(resp.iter_chunks(7)) == raw


@pytest.mark.parametrize("kind", ["gzip", "deflate", "brotli"])
async def test_bodies_are_decompressed(base_url: str, kind: str) -> None:
    async with AsyncSession(base_url) as session:
        async with Request(session, "GET", f"/compressed/{kind}").fetch() as resp:
            assert await resp.json() == {"compressed": kind}


@pytest.mark.parametrize(
    ("name", "charset", "text"),
    [
        ("latin-1", "latin-1", "caf\u00e9 \u00fcber"),
        ("utf-16", "utf-16", "caf\u00e9 \u00fcber"),
        ("bad-utf8", "utf-8", "ok \ufffd\ufffd end"),
        ("unknown", "utf-8", "caf\u00e9"),
        ("none", "utf-8", "caf\u00e9"),
    ],
)
def test_text_uses_the_charset_and_never_raises(
    base_url: str, name: str, charset: str, text: str
) -> None:
    with Session(base_url) as session:
        with Request(session, "GET", f"/charset/{name}").fetch() as resp:
            assert resp.charset == charset
            assert resp.text() == text


def test_metadata(base_url: str) -> None:
    with Session(base_url) as session, Request(session, "GET", "/bytes/1000").fetch() as resp:
        assert resp.headers["content-length"] == "1000"
        assert resp.headers["CONTENT-LENGTH"] == "1000"
        assert resp.content_length == 1000
        assert resp.content_type == "application/octet-stream"
        assert resp.http_version == "HTTP/1.1"
        assert isinstance(resp.url, str)
        assert resp.history == []


def test_save_streams_with_progress(base_url: str, tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    with Session(base_url) as session:
        with Request(session, "GET", "/bytes/5000000").fetch() as resp:
            written = resp.save(tmp_path / "x.bin", progress=lambda r, t: seen.append((r, t)))
            timings = resp.timings
    assert written == 5_000_000 == (tmp_path / "x.bin").stat().st_size
    assert seen[-1] == (5_000_000, 5_000_000)
    assert [r for r, _ in seen] == sorted(r for r, _ in seen)
    assert timings.download is not None and timings.total is not None


def test_iter_chunks_streams_in_pieces(base_url: str) -> None:
    with Session(base_url) as session:
        with Request(session, "GET", "/bytes/1000000").fetch() as resp:
            sizes = [len(c) for c in resp.iter_chunks(100_000)]
    assert sum(sizes) == 1_000_000
    assert max(sizes) <= 100_000 and len(sizes) >= 10


def test_leaving_early_releases_the_connection(base_url: str) -> None:
    with Session(base_url) as session:
        for _ in range(3):
            with Request(session, "GET", "/bytes/50000000").fetch() as resp:
                next(iter(resp.iter_chunks()))
        with Request(session, "GET", "/echo").fetch() as resp:
            assert resp.status == 200
