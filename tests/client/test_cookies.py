"""``session.cookies`` (SPEC 7.2) against the real test server: what a server sets is listed
with its attributes, what is set by hand is sent, deleting and clearing stop sending, and
``cookies=False`` keeps nothing. Every scenario runs under both session kinds."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from app.client import AsyncSession, Cookie, Request, Session, UsageError
from tests.client.conftest import SessionKind


async def sent_cookies(kind: SessionKind, session: Session | AsyncSession) -> dict[str, str]:
    """The cookies the server received with a request."""
    async with kind.fetch(Request(session, "GET", "/cookies")) as response:
        data: dict[str, str] = await response.json()
        return data


async def get(kind: SessionKind, session: Session | AsyncSession, where: str, **params: Any
              ) -> None:
    async with kind.fetch(Request(session, "GET", where, params=params)) as response:
        await response.read()


async def test_cookies_a_server_sets_are_listed_with_their_attributes(
    kind: SessionKind, base_url: str
) -> None:
    async with kind.open(base_url) as session:
        assert session.cookies.list() == [] and len(session.cookies) == 0
        await get(kind, session, "/cookies/set", flavour="oat")
        before = time.time()
        await get(kind, session, "/cookies/attrs", name="sid", value="abc", max_age="3600",
                  httponly="1", samesite="Lax", path="/api")
        listed = session.cookies.list()
    assert listed[0] == Cookie("flavour", "oat", "127.0.0.1", "/", None, False, False, None)
    sid = listed[1]
    assert (sid.name, sid.value, sid.domain, sid.path) == ("sid", "abc", "127.0.0.1", "/api")
    assert sid.http_only and sid.same_site == "Lax" and not sid.secure
    assert sid.expires is not None and before + 3598 <= sid.expires <= time.time() + 3601
    assert [c.name for c in listed] == ["flavour", "sid"]  # sorted by domain, path, name
    with pytest.raises(AttributeError):
        sid.value = "changed"  # type: ignore[misc]


async def test_a_cookie_set_by_hand_is_sent_then_deleted(kind: SessionKind, base_url: str) -> None:
    async with kind.open(base_url) as session:
        stored = session.cookies.set("token", "t-1", domain="127.0.0.1", http_only=True,
                                     same_site="strict", expires=time.time() + 600)
        assert stored.same_site == "Strict" and stored.http_only
        assert await sent_cookies(kind, session) == {"token": "t-1"}
        got = session.cookies.get("token", domain="127.0.0.1")
        assert got is not None and got.expires is not None and got.expires > time.time()
        # Setting it again replaces it; another path is another cookie.
        session.cookies.set("token", "t-2", domain="127.0.0.1")
        session.cookies.set("token", "other", domain="127.0.0.1", path="/elsewhere")
        assert await sent_cookies(kind, session) == {"token": "t-2"}
        assert len(session.cookies) == 2
        assert session.cookies.delete("token", path="/") == 1
        assert await sent_cookies(kind, session) == {}
        assert session.cookies.delete("token") == 1
        assert session.cookies.delete("token") == 0
        assert session.cookies.get("token") is None


async def test_an_expiry_in_the_past_removes_the_cookie(kind: SessionKind, base_url: str) -> None:
    async with kind.open(base_url) as session:
        session.cookies.set("old", "1", domain="127.0.0.1")
        session.cookies.set("old", "1", domain="127.0.0.1", expires=time.time() - 60)
        assert session.cookies.list() == []
        assert await sent_cookies(kind, session) == {}


async def test_clear_by_domain_and_all(kind: SessionKind, base_url: str) -> None:
    async with kind.open(base_url) as session:
        await get(kind, session, "/cookies/set", a="1", b="2")
        session.cookies.set("far", "x", domain="example.org")
        session.cookies.set("sub", "y", domain="api.example.org")
        assert {c.domain for c in session.cookies} == {"127.0.0.1", "example.org",
                                                       "api.example.org"}
        session.cookies.clear(domain="example.org")  # subdomains go too
        assert {c.name for c in session.cookies} == {"a", "b"}
        session.cookies.set("far", "x", domain="example.org")
        session.cookies.clear(domain="127.0.0.1")
        assert [c.name for c in session.cookies] == ["far"]
        assert await sent_cookies(kind, session) == {}
        session.cookies.clear()
        assert session.cookies.list() == []


async def test_a_listing_filtered_by_domain(kind: SessionKind, base_url: str) -> None:
    async with kind.open(base_url) as session:
        session.cookies.set("a", "1", domain="example.org")
        session.cookies.set("b", "2", domain="www.example.org")
        session.cookies.set("c", "3", domain="notexample.org")
        assert [c.name for c in session.cookies.list("example.org")] == ["a", "b"]


async def test_a_max_age_cookie_received_again_gets_a_new_expiry(
    kind: SessionKind, base_url: str
) -> None:
    async with kind.open(base_url) as session:
        await get(kind, session, "/cookies/attrs", name="s", max_age="100")
        first = session.cookies.get("s")
        time.sleep(1.1)  # the expiry is kept to the second
        await get(kind, session, "/cookies/attrs", name="s", max_age="100")
        again = session.cookies.get("s")
    assert first is not None and again is not None
    assert first.expires is not None and again.expires is not None
    assert again.expires >= first.expires + 1


async def test_cookies_false_keeps_none(kind: SessionKind, base_url: str) -> None:
    async with kind.open(base_url, cookies=False) as session:
        await get(kind, session, "/cookies/set", flavour="oat")
        assert session.cookies.list() == []
        assert await sent_cookies(kind, session) == {}
        with pytest.raises(UsageError, match="cookies=False"):
            session.cookies.set("a", "1", domain="127.0.0.1")
        session.cookies.clear()
        assert session.cookies.delete("a") == 0


@pytest.mark.parametrize(("args", "words"), [
    ({"domain": ""}, "needs a domain"),
    ({"domain": "h", "path": "api"}, "must start with '/'"),
    ({"domain": "h", "same_site": "sometimes"}, "same_site must be one of"),
    ({"domain": "h", "name": "a b"}, "cannot be a cookie name"),
])
async def test_bad_cookies_are_refused_with_the_reason(
    kind: SessionKind, base_url: str, args: dict[str, Any], words: str
) -> None:
    args = dict(args)  # the parameters are shared by both kinds
    name = args.pop("name", "ok")
    async with kind.open(base_url) as session:
        with pytest.raises(UsageError, match=words):
            session.cookies.set(name, "v", **args)
        assert session.cookies.list() == []


def test_a_closed_session_refuses_its_jar(base_url: str) -> None:
    session = Session(base_url)
    session.close()
    with pytest.raises(UsageError, match="closed"):
        session.cookies.list()


def test_the_jar_of_a_sync_session_is_shared_safely_between_threads(base_url: str) -> None:
    """Threads that set, list and send at once: every cookie arrives, nothing breaks."""
    errors: list[BaseException] = []
    with Session(base_url) as session:
        def work(n: int) -> None:
            try:
                for i in range(20):
                    session.cookies.set(f"c{n}-{i}", str(i), domain="127.0.0.1")
                    session.cookies.list()
                    with Request(session, "GET", "/cookies/set", params={f"s{n}": i}).fetch():
                        pass
            except BaseException as exc:  # reported below, not lost in the thread
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        names = {c.name for c in session.cookies}
    assert errors == []
    assert {f"c{n}-{i}" for n in range(4) for i in range(20)} <= names
    assert {f"s{n}" for n in range(4)} <= names
