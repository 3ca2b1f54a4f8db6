"""The playground's demo API: every route, the token it wants, and its bounds."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from app.playground import RunningPlayground, start_playground
from app.playground.__main__ import main as playground_main
from app.playground.demo_api import DEMO_STATE, DemoSettings


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)


class Client:
    """Plain aiohttp against the playground (the request library has tests of its own)."""

    def __init__(self, base: str, session: aiohttp.ClientSession) -> None:
        self.base, self.session = base, session

    async def request(self, method: str, path: str, *, json: Any = None,
                      content: bytes | None = None,
                      headers: dict[str, str] | None = None) -> Answer:
        async with self.session.request(method, self.base + path, json=json, data=content,
                                        headers=headers) as resp:
            return Answer(resp.status, dict(resp.headers), await resp.read())

    async def get(self, path: str, **kw: Any) -> Answer:
        return await self.request("GET", path, **kw)

    async def post(self, path: str, **kw: Any) -> Answer:
        return await self.request("POST", path, **kw)

    async def put(self, path: str, **kw: Any) -> Answer:
        return await self.request("PUT", path, **kw)

    async def delete(self, path: str, **kw: Any) -> Answer:
        return await self.request("DELETE", path, **kw)


@pytest.fixture
async def session(pg: RunningPlayground) -> AsyncIterator[Client]:
    async with aiohttp.ClientSession() as raw:
        yield Client(pg.url, raw)


async def log_in(session: Client) -> dict[str, str]:
    answer = await session.post("/demo/login", json={"user": "ada", "password": "lovelace"})
    assert answer.status == 200
    return {"Authorization": f"Bearer {answer.json()['token']}"}


async def test_every_route_in_turn(session: Client) -> None:
    auth = await log_in(session)
    created = await session.post("/demo/items", json={"name": "Lamp", "id": 99}, headers=auth)
    assert created.status == 201
    item = created.json()
    assert item == {"name": "Lamp", "id": 1}  # the server gives the id
    assert created.headers["Location"] == "/demo/items/1"
    read = await session.get("/demo/items/1", headers=auth)
    assert read.status == 200 and read.json() == item
    replaced = await session.put("/demo/items/1", json={"name": "Desk"}, headers=auth)
    assert replaced.status == 200 and replaced.json() == {"name": "Desk", "id": 1}
    await session.post("/demo/items", json={"name": "Chair"}, headers=auth)
    listed = await session.get("/demo/items", headers=auth)
    assert listed.json() == {"items": [{"name": "Desk", "id": 1}, {"name": "Chair", "id": 2}],
                             "count": 2}
    deleted = await session.delete("/demo/items/1", headers=auth)
    assert deleted.status == 204 and deleted.content == b""
    assert (await session.get("/demo/items/1", headers=auth)).status == 404
    assert (await session.put("/demo/items/1", json={}, headers=auth)).status == 404
    assert (await session.delete("/demo/items/1", headers=auth)).status == 404
    assert (await session.get("/demo/items/x", headers=auth)).status == 404


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic YWRhOmxvdmVsYWNl"},
])
async def test_items_want_a_token_from_login(session: Client,
                                             headers: dict[str, str]) -> None:
    for method, path in (("GET", "/demo/items"), ("POST", "/demo/items"),
                         ("GET", "/demo/items/1"), ("PUT", "/demo/items/1"),
                         ("DELETE", "/demo/items/1")):
        answer = await session.request(method, path, json={}, headers=headers)
        assert answer.status == 401, (method, path)
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        assert "/demo/login" in answer.json()["error"] or "token" in answer.json()["error"]


async def test_login_refuses_wrong_credentials_and_bad_bodies(session: Client) -> None:
    wrong = await session.post("/demo/login", json={"user": "ada", "password": "x"})
    assert wrong.status == 401 and "ada / lovelace" in wrong.json()["error"]
    for body in (b"not json", b"[1, 2]", b"\xff\xfe"):
        answer = await session.post("/demo/login", content=body)
        assert answer.status == 400
        assert answer.json() == {"error": "the body must be a JSON object"}
    auth = await log_in(session)
    assert (await session.post("/demo/items", content=b"[]", headers=auth)).status == 400


@pytest.fixture
async def small() -> AsyncIterator[Client]:
    pg = await start_playground(access_log=False, demo=DemoSettings(
        max_items=2, max_tokens=2, max_item_bytes=100))
    try:
        async with aiohttp.ClientSession() as raw:
            yield Client(pg.url, raw)
    finally:
        await pg.stop()


async def test_bounded_items_size_and_tokens(small: Client) -> None:
    first = await log_in(small)
    for name in ("a", "b"):
        assert (await small.post("/demo/items", json={"n": name}, headers=first)).status == 201
    full = await small.post("/demo/items", json={"n": "c"}, headers=first)
    assert full.status == 507 and "at most 2 items" in full.json()["error"]
    await small.delete("/demo/items/1", headers=first)
    assert (await small.post("/demo/items", json={"n": "c"}, headers=first)).status == 201
    big = await small.post("/demo/items", json={"n": "x" * 200}, headers=first)
    assert big.status == 413
    # A third login forgets the first token (at most two live).
    await log_in(small)
    await log_in(small)
    assert (await small.get("/demo/items", headers=first)).status == 401


async def test_state_is_per_playground_run() -> None:
    for _ in range(2):
        pg = await start_playground(access_log=False)
        try:
            async with aiohttp.ClientSession() as raw:
                session = Client(pg.url, raw)
                auth = await log_in(session)
                created = await session.post("/demo/items", json={}, headers=auth)
                assert created.json()["id"] == 1
            assert len(pg.app[DEMO_STATE].items) == 1
        finally:
            await pg.stop()


def test_settings_refuse_nonsense_and_the_command_line_says_so(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match="max_items must be 1 or more"):
        DemoSettings(max_items=0)
    assert playground_main(["--demo-max-items", "0"]) == 2
    assert "--demo-max-items must be 1 or more" in capsys.readouterr().err
