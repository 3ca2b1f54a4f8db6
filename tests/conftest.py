"""Shared fixtures: real servers on 127.0.0.1, never the internet."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import trustme

from tests.client.server import ServerThread


@pytest.fixture(scope="session")
def server() -> Iterator[ServerThread]:
    """The request library's test server (HTTP), shared by sync and async tests."""
    srv = ServerThread().start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def base_url(server: ServerThread) -> str:
    return server.url


@pytest.fixture(scope="session")
def tls_ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def tls_server(tls_ca: trustme.CA) -> Iterator[ServerThread]:
    """The same application over HTTPS with a certificate from a private CA."""
    import ssl

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
    srv = ServerThread(ssl_context=ctx).start()
    yield srv
    srv.stop()


@pytest.fixture
def ca_file(tls_ca: trustme.CA, tmp_path) -> str:  # type: ignore[no-untyped-def]
    path = tmp_path / "ca.pem"
    tls_ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])

