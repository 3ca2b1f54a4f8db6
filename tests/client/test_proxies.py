"""Proxies (SPEC 7.3) against real peers nobody here wrote: ``proxy.py`` as the HTTP proxy
(Basic proxy auth), ``pproxy`` as the SOCKS5 proxy (with and without auth). That a request
went through the proxy is proved by the server: the connection it saw came from the proxy's
process. A proxy that refuses the credentials or cannot be reached gives an error that names
the proxy, never its password."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from yarl import URL

from app.client import AsyncSession, ErrorKind, Request, RequestError, Session, UsageError
from app.client.proxies import environment_proxy, parse_proxy
from tests.client.conftest import SessionKind
from tests.client.server import ServerThread
from tests.proxy_peers import Peer, clear_proxy_environment, free_port
from tests.proxy_peers import http_proxy as start_http_proxy


@pytest.fixture(scope="module")
def http_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peer]:
    peer = start_http_proxy(tmp_path_factory.mktemp("proxy"), "user", "pa ss")
    yield peer
    peer.stop()


@pytest.fixture(scope="module")
def socks_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peer]:
    port = free_port()
    peer = Peer(["pproxy", "-l", f"socks5://127.0.0.1:{port}"], port,
                tmp_path_factory.mktemp("pproxy") / "pproxy.log")
    yield peer
    peer.stop()


@pytest.fixture(scope="module")
def socks_auth_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peer]:
    port = free_port()
    # --auth 0: pproxy would otherwise trust an address that once authenticated for 30 days.
    peer = Peer(["pproxy", "-l", f"socks5://127.0.0.1:{port}#sock:s3cret", "--auth", "0"], port,
                tmp_path_factory.mktemp("pproxy-auth") / "pproxy.log")
    yield peer
    peer.stop()


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_proxy_environment(monkeypatch)


async def peer_port(kind: SessionKind, session: Session | AsyncSession, url: str) -> int:
    """The port the server saw the request come from."""
    async with kind.fetch(Request(session, "GET", url)) as response:
        return int((await response.json())["peer_port"])


# -- HTTP proxy ------------------------------------------------------------------------------


async def test_through_an_http_proxy_with_credentials_in_the_url_or_apart(
    kind: SessionKind, base_url: str, http_proxy: Peer
) -> None:
    in_url = f"http://user:pa%20ss@127.0.0.1:{http_proxy.port}"
    async with kind.open(base_url, proxy=in_url) as session:
        port = await peer_port(kind, session, "/echo")
        assert port in http_proxy.ports()
    async with kind.open(base_url, proxy=f"http://127.0.0.1:{http_proxy.port}",
                         proxy_auth=("user", "pa ss")) as session:
        assert await peer_port(kind, session, "/echo") in http_proxy.ports()


async def test_https_through_an_http_proxy_tunnels_with_connect(
    kind: SessionKind, tls_server: ServerThread, ca_file: str, http_proxy: Peer
) -> None:
    async with kind.open(tls_server.url, ca_file=ca_file, proxy_auth=("user", "pa ss"),
                         proxy=f"http://127.0.0.1:{http_proxy.port}") as session:
        assert await peer_port(kind, session, "/echo") in http_proxy.ports()


@pytest.mark.parametrize("tls", [False, True])
async def test_a_407_names_the_proxy_not_the_target_nor_the_password(
    kind: SessionKind, base_url: str, tls_server: ServerThread, ca_file: str,
    http_proxy: Peer, tls: bool
) -> None:
    target = tls_server.url if tls else base_url  # CONNECT, or a plain request via the proxy
    async with kind.open(target, ca_file=ca_file, proxy_auth=("user", "wrong-secret"),
                         proxy=f"http://127.0.0.1:{http_proxy.port}") as session:
        with pytest.raises(RequestError) as error:
            await peer_port(kind, session, "/echo")
    message = str(error.value)
    assert error.value.kind is ErrorKind.PROXY
    assert f"proxy http://user@127.0.0.1:{http_proxy.port}" in message
    assert "407" in message and "credentials" in message
    assert "wrong-secret" not in message and target not in message
    assert error.value.url is not None and error.value.url.startswith(target)


@pytest.mark.parametrize("scheme", ["http", "socks5"])
async def test_an_unreachable_proxy_is_named(
    kind: SessionKind, base_url: str, closed_port: int, scheme: str
) -> None:
    proxy = f"{scheme}://someone:hidden@127.0.0.1:{closed_port}"
    async with kind.open(base_url, proxy=proxy, timeout=10) as session:
        with pytest.raises(RequestError) as error:
            await peer_port(kind, session, "/echo")
    message = str(error.value)
    assert error.value.kind is ErrorKind.PROXY
    assert f"Could not connect to the proxy {scheme}://someone@127.0.0.1:{closed_port}" in message
    assert "hidden" not in message
    assert error.value.__cause__ is not None


# -- SOCKS5 ----------------------------------------------------------------------------------


async def test_through_a_socks5_proxy(
    kind: SessionKind, base_url: str, tls_server: ServerThread, ca_file: str,
    socks_proxy: Peer
) -> None:
    proxy = f"socks5://127.0.0.1:{socks_proxy.port}"
    async with kind.open(base_url, proxy=proxy, ca_file=ca_file) as session:
        assert await peer_port(kind, session, "/echo") in socks_proxy.ports()
        # HTTPS through the same proxy; the proxy resolves the name with socks5h.
        assert await peer_port(kind, session, f"{tls_server.url}/echo") in socks_proxy.ports()
    async with kind.open(f"https://localhost:{tls_server.port}", ca_file=ca_file,
                         proxy=proxy.replace("socks5:", "socks5h:")) as session:
        assert await peer_port(kind, session, "/echo") in socks_proxy.ports()


async def test_a_socks5_proxy_with_credentials(
    kind: SessionKind, base_url: str, socks_auth_proxy: Peer
) -> None:
    proxy = f"socks5://127.0.0.1:{socks_auth_proxy.port}"
    async with kind.open(base_url, proxy=proxy, proxy_auth=("sock", "s3cret")) as session:
        assert await peer_port(kind, session, "/echo") in socks_auth_proxy.ports()
        # Cookies are one jar, whichever connection pool carried the response.
        async with kind.fetch(Request(session, "GET", "/cookies/set?via=socks")):
            pass
        assert [c.name for c in session.cookies] == ["via"]
    async with kind.open(base_url, proxy=proxy, proxy_auth=("sock", "nope-nope")) as session:
        with pytest.raises(RequestError) as error:
            await peer_port(kind, session, "/echo")
    # pproxy hangs up instead of answering the RFC 1929 status: the words allow for both.
    assert error.value.kind is ErrorKind.PROXY
    assert f"proxy socks5://sock@127.0.0.1:{socks_auth_proxy.port}" in str(error.value)
    assert "credentials" in str(error.value) and "nope-nope" not in str(error.value)


async def test_a_websocket_through_a_socks5_proxy(base_url: str, socks_proxy: Peer) -> None:
    async with AsyncSession(base_url, proxy=f"socks5://127.0.0.1:{socks_proxy.port}") as session:
        async with Request(session, "GET", "/ws/echo").connect_websocket() as ws:
            assert (await ws.receive_json())["hello"] is True  # the server's greeting
            await ws.send_str("through socks")
            assert await ws.receive_str() == "through socks"


# -- the environment ------------------------------------------------------------------------


async def test_trust_env_takes_the_proxy_from_the_environment_and_honours_no_proxy(
    kind: SessionKind, base_url: str, http_proxy: Peer, socks_proxy: Peer,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://user:pa%20ss@127.0.0.1:{http_proxy.port}")
    async with kind.open(base_url) as session:  # trust_env is off by default
        assert await peer_port(kind, session, "/echo") not in http_proxy.ports()
    async with kind.open(base_url, trust_env=True) as session:
        assert await peer_port(kind, session, "/echo") in http_proxy.ports()
        monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")  # read at each request
        assert await peer_port(kind, session, "/echo") not in http_proxy.ports()
    monkeypatch.delenv("HTTP_PROXY")
    monkeypatch.delenv("NO_PROXY")
    monkeypatch.setenv("ALL_PROXY", f"socks5://127.0.0.1:{socks_proxy.port}")
    async with kind.open(base_url, trust_env=True) as session:
        assert await peer_port(kind, session, "/echo") in socks_proxy.ports()


def test_environment_rules() -> None:
    url = URL("https://api.example.com:8443/x")
    assert environment_proxy(url, {"HTTPS_PROXY": "h:1"}) == "h:1"
    assert environment_proxy(url, {"HTTP_PROXY": "h:1"}) is None
    assert environment_proxy(url, {"ALL_PROXY": "socks5://s:1"}) == "socks5://s:1"
    assert environment_proxy(url, {"ALL_PROXY": "a:1", "https_proxy": "h:1"}) == "h:1"
    assert environment_proxy(url, {"HTTPS_PROXY": "u:1", "https_proxy": "l:1"}) == "l:1"
    assert environment_proxy(URL("wss://x/"), {"HTTPS_PROXY": "h:1"}) == "h:1"
    assert environment_proxy(URL("ws://x/"), {"HTTP_PROXY": "h:1"}) == "h:1"
    for no_proxy in ("example.com", ".example.com", "*", "api.example.com:8443"):
        assert environment_proxy(url, {"HTTPS_PROXY": "h:1", "NO_PROXY": no_proxy}) is None
    assert environment_proxy(url, {"HTTPS_PROXY": "h:1", "NO_PROXY": "other.com"}) == "h:1"
    assert parse_proxy("proxy.corp:3128").name == "http://proxy.corp:3128"


@pytest.mark.parametrize(("proxy", "words"), [
    ("ftp://p:21", "unsupported scheme 'ftp'"),
    ("socks4://p:1080", "unsupported scheme"),
    ("http://:8080", "host is required"),
])
def test_bad_proxies_are_usage_errors(proxy: str, words: str) -> None:
    with pytest.raises(UsageError, match=words):
        AsyncSession(proxy=proxy)


def test_bad_proxy_auth_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="without a proxy"):
        AsyncSession(proxy_auth=("u", "p"))
    with pytest.raises(UsageError, match="pair of strings"):
        AsyncSession(proxy="http://p:1", proxy_auth=("u",))  # type: ignore[arg-type]
    assert "secret" not in repr(parse_proxy("http://u:secret@p:1"))
