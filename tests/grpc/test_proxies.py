"""gRPC through an HTTP proxy nobody here wrote (proxy.py, with Basic credentials): grpcio
tunnels with CONNECT; wrong credentials are the call's UNAVAILABLE naming the 407; the
environment's proxy only with trust_env (and its no_proxy); SOCKS refused in words; a TLS
target with the check off has its certificate fetched through the same tunnel."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
import trustme

from app.client.errors import ErrorKind, RequestError, UsageError
from app.grpc import call, describe
from tests.proxy_peers import Peer, clear_proxy_environment
from tests.proxy_peers import http_proxy as start_http_proxy

from .servers import SERVICE, InventoryServer

USER, PASSWORD = "grpc user", "pa:ss"


@pytest.fixture(scope="module")
def http_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peer]:
    peer = start_http_proxy(tmp_path_factory.mktemp("proxy"), USER, PASSWORD)
    yield peer
    peer.stop()


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_proxy_environment(monkeypatch)


def proxy_url(peer: Peer) -> str:
    return f"http://127.0.0.1:{peer.port}"


async def test_a_call_goes_through_the_proxy(inventory: InventoryServer,
                                             http_proxy: Peer) -> None:
    result = await call(inventory.target, f"{SERVICE}/GetItem", [{"sku": "p"}],
                        proxy=proxy_url(http_proxy), proxy_auth=(USER, PASSWORD))
    assert result.code == "OK" and result.responses[0]["sku"] == "p"
    # The credentials in the URL, percent-encoded; a server stream and reflection too.
    inline = f"http://grpc%20user:pa%3Ass@127.0.0.1:{http_proxy.port}"
    result = await call(inventory.target, f"{SERVICE}/ListItems", [{"count": 2}], proxy=inline)
    assert result.code == "OK" and len(result.responses) == 2
    assert (await describe(inventory.target, proxy=inline))[0].name == SERVICE
    # Without them the proxy refuses the tunnel: the result says so.
    result = await call(inventory.target, f"{SERVICE}/GetItem", [{}],
                        proxy=proxy_url(http_proxy))
    assert result.code == "UNAVAILABLE" and "407" in result.details
    with pytest.raises(RequestError) as refused:
        await describe(inventory.target, proxy=proxy_url(http_proxy))
    assert refused.value.kind == ErrorKind.PROXY


async def test_the_environment_only_when_asked(inventory: InventoryServer, http_proxy: Peer,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy that refuses everyone without credentials: used, it is a 407.
    monkeypatch.setenv("http_proxy", proxy_url(http_proxy))
    result = await call(inventory.target, f"{SERVICE}/GetItem", [{}])
    assert result.code == "OK"  # not read: direct
    result = await call(inventory.target, f"{SERVICE}/GetItem", [{}], trust_env=True)
    assert result.code == "UNAVAILABLE" and "407" in result.details
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    result = await call(inventory.target, f"{SERVICE}/GetItem", [{}], trust_env=True)
    assert result.code == "OK"


async def test_a_proxy_that_is_down_is_named(inventory: InventoryServer) -> None:
    from tests.proxy_peers import free_port

    down = f"http://ann:secret@127.0.0.1:{free_port()}"
    with pytest.raises(RequestError) as caught:
        await describe(inventory.target, proxy=down)
    assert caught.value.kind == ErrorKind.PROXY
    assert f"through http://127.0.0.1:{down.rpartition(':')[2]}" in str(caught.value)
    assert "secret" not in str(caught.value)
    result = await call(inventory.target, f"{SERVICE}/GetItem", [{}], proxy=down)
    assert result.code == "UNAVAILABLE" and "through http://127.0.0.1:" in result.details


async def test_all_proxy_from_the_environment(inventory: InventoryServer, http_proxy: Peer,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # ALL_PROXY alone, as the HTTP client honours it (SPEC 7.3); a SOCKS one refused in
    # words, as SOCKS in http_proxy is.
    clear_proxy_environment(monkeypatch)
    monkeypatch.setenv("ALL_PROXY", proxy_url(http_proxy))
    result = await call(inventory.target, f"{SERVICE}/GetItem", [{}], trust_env=True)
    assert result.code == "UNAVAILABLE" and "407" in result.details
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1080")
    with pytest.raises(UsageError, match="socks5://"):
        await call(inventory.target, f"{SERVICE}/GetItem", [{}], trust_env=True)


async def test_with_the_check_off_through_the_proxy(http_proxy: Peer) -> None:
    cert = trustme.CA().issue_cert("elsewhere.test")
    server = InventoryServer(credentials=grpc.ssl_server_credentials(
        [(cert.private_key_pem.bytes(), cert.cert_chain_pems[0].bytes())]))
    try:
        result = await call(server.target, f"{SERVICE}/GetItem", [{"sku": "t"}], verify=False,
                            proxy=proxy_url(http_proxy), proxy_auth=(USER, PASSWORD))
        assert result.code == "OK" and result.responses[0]["sku"] == "t"
        result = await call(server.target, f"{SERVICE}/GetItem", [{}], verify=False,
                            proxy=proxy_url(http_proxy), proxy_auth=(USER, "wrong"))
        assert result.code == "UNAVAILABLE" and "refused" in result.details
        assert "wrong" not in result.details
    finally:
        server.stop()


@pytest.mark.parametrize(("proxy", "error"), [
    ("socks5://127.0.0.1:1080", "HTTP proxies \\(http://\\) only, not socks5://"),
    ("https://user:secret@proxy.test:443", "not https:// \\(https://proxy.test:443\\)"),
    ("http://", "names no host"),
])
async def test_a_proxy_grpc_cannot_use_is_refused(inventory: InventoryServer, proxy: str,
                                                  error: str) -> None:
    with pytest.raises(UsageError, match=error):
        await call(inventory.target, f"{SERVICE}/GetItem", [{}], proxy=proxy)
