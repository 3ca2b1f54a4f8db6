"""HTTPS: certificate checks, private CAs, client certificates and TLS timings.

The servers hold certificates from a trustme CA that the system does not trust.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import aiohttp
import pytest
import trustme

from app.client import AsyncSession, ClientError, Request, RequestError, Session, Timings
from tests.client.conftest import SessionKind
from tests.client.server import ServerThread


def assert_request_error(exc: BaseException) -> None:
    assert isinstance(exc, RequestError), repr(exc)
    assert isinstance(exc, ClientError)
    assert type(exc).__module__.startswith("app.client"), type(exc)
    assert not isinstance(exc, aiohttp.ClientError | ssl.SSLError)
    assert exc.__cause__ is not None


async def get(kind: SessionKind, session: Session | AsyncSession, url: str) -> int:
    """GET ``url``, read the body; the status."""
    async with kind.fetch(Request(session, "GET", url)) as response:
        await response.read()
        return response.status


# -- server certificate ----------------------------------------------------------------------


async def test_verify_false(kind: SessionKind, tls_server: ServerThread) -> None:
    async with kind.open(tls_server.url, verify=False) as session:
        assert await get(kind, session, "/echo") == 200


async def test_ca_file(kind: SessionKind, tls_server: ServerThread, ca_file: str) -> None:
    async with kind.open(tls_server.url, ca_file=ca_file) as session:
        async with kind.fetch(Request(session, "GET", "/echo")) as response:
            assert response.status == 200
            assert response.url.startswith("https://")
            assert (await response.json())["method"] == "GET"


# -- timings ---------------------------------------------------------------------------------


def _check_new_then_reused(first: Timings, second: Timings) -> None:
    assert first.tls is not None and first.tls >= 0
    assert first.connect is not None and first.connect >= 0
    assert first.total is not None
    assert (second.dns, second.connect, second.tls) == (None, None, None)
    assert second.ttfb is not None and second.total is not None


async def test_timings_new_and_reused_connection(
    kind: SessionKind, tls_server: ServerThread, ca_file: str
) -> None:
    timings: list[Timings] = []
    ports: list[int] = []
    async with kind.open(tls_server.url, ca_file=ca_file) as session:
        for _ in range(2):
            async with kind.fetch(Request(session, "GET", "/echo")) as response:
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


async def test_client_certificate(
    kind: SessionKind, mtls_server: ServerThread, ca_file: str,
    client_pems: tuple[str, str, str],
) -> None:
    both, cert, key = client_pems
    async with kind.open(mtls_server.url, ca_file=ca_file, client_cert=both) as session:
        assert await get(kind, session, "/echo") == 200
    async with kind.open(mtls_server.url, ca_file=ca_file, client_cert=(cert, key)) as session:
        assert await get(kind, session, "/echo") == 200


async def test_missing_client_certificate(
    kind: SessionKind, mtls_server: ServerThread, tls_server: ServerThread, ca_file: str
) -> None:
    async with kind.open(mtls_server.url, ca_file=ca_file, timeout=10) as session:
        with pytest.raises(RequestError) as info:
            await get(kind, session, "/echo")
        assert_request_error(info.value)
        # The same session still works where no client certificate is required.
        assert await get(kind, session, f"{tls_server.url}/echo") == 200
