"""HTTPS: certificate checks, private CAs, client certificates and TLS timings.

The servers hold certificates from a trustme CA that the system does not trust.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
import trustme

from app.client import AsyncSession, ClientError, Request, RequestError, Session, Timings
from tests.client.server import ServerThread


def assert_request_error(exc: BaseException) -> None:
    assert isinstance(exc, RequestError), repr(exc)
    assert isinstance(exc, ClientError)
    assert type(exc).__module__.startswith("app.client"), type(exc)
    assert not isinstance(exc, aiohttp.ClientError | ssl.SSLError)
    assert exc.__cause__ is not None


def sync_get(session: Session, url: str) -> int:
    with Request(session, "GET", url).fetch() as response:
        response.read()
        return response.status


async def async_get(session: AsyncSession, url: str) -> int:
    async with Request(session, "GET", url).fetch() as response:
        await response.read()
        return response.status


# -- server certificate ----------------------------------------------------------------------


def test_untrusted_certificate_sync(tls_server: ServerThread, base_url: str) -> None:
    url = f"{tls_server.url}/echo"
    with Session() as session:
        with pytest.raises(RequestError) as info:
            sync_get(session, url)
        assert_request_error(info.value)
        assert "certificate" in str(info.value).lower()
        assert info.value.url == url
        # The same session still works (for an origin it can trust).
        assert sync_get(session, f"{base_url}/echo") == 200


async def test_untrusted_certificate_async(tls_server: ServerThread, base_url: str) -> None:
    url = f"{tls_server.url}/echo"
    async with AsyncSession() as session:
        with pytest.raises(RequestError) as info:
            await async_get(session, url)
        assert_request_error(info.value)
        assert "certificate" in str(info.value).lower()
        assert await async_get(session, f"{base_url}/echo") == 200


def test_verify_false_sync(tls_server: ServerThread) -> None:
    with Session(tls_server.url, verify=False) as session:
        assert sync_get(session, "/echo") == 200


async def test_verify_false_async(tls_server: ServerThread) -> None:
    async with AsyncSession(tls_server.url, verify=False) as session:
        assert await async_get(session, "/echo") == 200


def test_ca_file_sync(tls_server: ServerThread, ca_file: str) -> None:
    with Session(tls_server.url, ca_file=ca_file) as session:
        with Request(session, "GET", "/echo").fetch() as response:
            assert response.status == 200
            assert response.url.startswith("https://")
            assert response.json()["method"] == "GET"


async def test_ca_file_async(tls_server: ServerThread, ca_file: str) -> None:
    async with AsyncSession(tls_server.url, ca_file=ca_file) as session:
        assert await async_get(session, "/echo") == 200


def test_ca_file_wrong_hostname_sync(tls_server: ServerThread, ca_file: str) -> None:
    """The CA is trusted but the certificate names 127.0.0.1 and localhost only."""
    url = f"https://127.0.0.2:{tls_server.port}/echo"
    with Session(ca_file=ca_file, timeout=5) as session:
        with pytest.raises(RequestError) as info:
            sync_get(session, url)
        assert_request_error(info.value)
        assert sync_get(session, f"{tls_server.url}/echo") == 200


# -- timings ---------------------------------------------------------------------------------


def _check_new_then_reused(first: Timings, second: Timings) -> None:
    assert first.tls is not None and first.tls >= 0
    assert first.connect is not None and first.connect >= 0
    assert first.total is not None
    assert (second.dns, second.connect, second.tls) == (None, None, None)
    assert second.ttfb is not None and second.total is not None


def test_timings_new_and_reused_connection_sync(tls_server: ServerThread, ca_file: str) -> None:
    timings: list[Timings] = []
    ports: list[int] = []
    with Session(tls_server.url, ca_file=ca_file) as session:
        for _ in range(2):
            with Request(session, "GET", "/echo").fetch() as response:
                ports.append(response.json()["peer_port"])
                timings.append(response.timings)
    assert ports[0] == ports[1], "the second request should reuse the connection"
    _check_new_then_reused(*timings)


async def test_timings_new_and_reused_connection_async(
    tls_server: ServerThread, ca_file: str
) -> None:
    timings: list[Timings] = []
    ports: list[int] = []
    async with AsyncSession(tls_server.url, ca_file=ca_file) as session:
        for _ in range(2):
            async with Request(session, "GET", "/echo").fetch() as response:
                ports.append((await response.json())["peer_port"])
                timings.append(response.timings)
    assert ports[0] == ports[1], "the second request should reuse the connection"
    _check_new_then_reused(*timings)


def test_timings_dns_for_a_host_name(tls_server: ServerThread, ca_file: str) -> None:
    """``localhost`` is resolved (an IP-address host is not), and TLS follows connect."""
    with Session(f"https://localhost:{tls_server.port}", ca_file=ca_file, timeout=10) as session:
        with Request(session, "GET", "/echo").fetch() as response:
            response.read()
            timings = response.timings
    assert timings.dns is not None
    assert timings.connect is not None
    assert timings.tls is not None


# -- client certificates ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def mtls_server(tls_ca: trustme.CA) -> Iterator[ServerThread]:
    """HTTPS that requires a client certificate issued by the test CA."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
    ctx.verify_mode = ssl.CERT_REQUIRED
    tls_ca.configure_trust(ctx)
    srv = ServerThread(ssl_context=ctx).start()
    yield srv
    srv.stop()


@pytest.fixture
def client_pems(tls_ca: trustme.CA, tmp_path: Path) -> tuple[str, str, str]:
    """(cert and key in one file, cert alone, key alone)."""
    cert = tls_ca.issue_cert("client@spyglass.test")
    both = tmp_path / "client.pem"
    cert_only = tmp_path / "client.crt"
    key_only = tmp_path / "client.key"
    cert.private_key_and_cert_chain_pem.write_to_path(str(both))
    for i, blob in enumerate(cert.cert_chain_pems):
        blob.write_to_path(str(cert_only), append=i > 0)
    cert.private_key_pem.write_to_path(str(key_only))
    return str(both), str(cert_only), str(key_only)


def test_client_certificate_sync(
    mtls_server: ServerThread, ca_file: str, client_pems: tuple[str, str, str]
) -> None:
    both, cert, key = client_pems
    with Session(mtls_server.url, ca_file=ca_file, client_cert=both) as session:
        assert sync_get(session, "/echo") == 200
    with Session(mtls_server.url, ca_file=ca_file, client_cert=(cert, key)) as session:
        assert sync_get(session, "/echo") == 200


async def test_client_certificate_async(
    mtls_server: ServerThread, ca_file: str, client_pems: tuple[str, str, str]
) -> None:
    both, cert, key = client_pems
    async with AsyncSession(mtls_server.url, ca_file=ca_file, client_cert=both) as session:
        assert await async_get(session, "/echo") == 200
    async with AsyncSession(mtls_server.url, ca_file=ca_file, client_cert=(cert, key)) as session:
        assert await async_get(session, "/echo") == 200


def test_missing_client_certificate_sync(
    mtls_server: ServerThread, tls_server: ServerThread, ca_file: str
) -> None:
    with Session(mtls_server.url, ca_file=ca_file, timeout=10) as session:
        with pytest.raises(RequestError) as info:
            sync_get(session, "/echo")
        assert_request_error(info.value)
        # The same session still works where no client certificate is required.
        assert sync_get(session, f"{tls_server.url}/echo") == 200


async def test_missing_client_certificate_async(
    mtls_server: ServerThread, tls_server: ServerThread, ca_file: str
) -> None:
    async with AsyncSession(mtls_server.url, ca_file=ca_file, timeout=10) as session:
        with pytest.raises(RequestError) as info:
            await async_get(session, "/echo")
        assert_request_error(info.value)
        assert await async_get(session, f"{tls_server.url}/echo") == 200
