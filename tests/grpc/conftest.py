"""Servers for the gRPC tests: the tests' own Inventory service over grpcio, in several
set-ups (reflection versions, TLS, mTLS)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
import trustme

import app.grpc

from .servers import InventoryServer


@pytest.fixture(scope="session", autouse=True)
def _close_grpc() -> Iterator[None]:
    yield
    app.grpc.close()


@pytest.fixture(scope="session")
def inventory() -> Iterator[InventoryServer]:
    """Reflection v1 and v1alpha, plaintext."""
    server = InventoryServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def v1alpha_only() -> Iterator[InventoryServer]:
    server = InventoryServer(reflection=("v1alpha",))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def v1_only() -> Iterator[InventoryServer]:
    server = InventoryServer(reflection=("v1",))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def no_reflection() -> Iterator[InventoryServer]:
    server = InventoryServer(reflection=())
    yield server
    server.stop()


def _server_credentials(ca: trustme.CA, *, mtls: bool) -> grpc.ServerCredentials:
    cert = ca.issue_cert("127.0.0.1", "localhost")
    return grpc.ssl_server_credentials(
        [(cert.private_key_pem.bytes(), cert.cert_chain_pems[0].bytes())],
        root_certificates=ca.cert_pem.bytes() if mtls else None,
        require_client_auth=mtls,
    )


@pytest.fixture(scope="module")
def tls_inventory(tls_ca: trustme.CA) -> Iterator[InventoryServer]:
    server = InventoryServer(credentials=_server_credentials(tls_ca, mtls=False))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def mtls_inventory(tls_ca: trustme.CA) -> Iterator[InventoryServer]:
    server = InventoryServer(credentials=_server_credentials(tls_ca, mtls=True))
    yield server
    server.stop()


@pytest.fixture
def client_pair(tls_ca: trustme.CA, tmp_path: Path) -> tuple[str, str]:
    """A client certificate and key from the servers' CA (PEM files)."""
    cert = tls_ca.issue_cert("client@example.test")
    cert_path, key_path = tmp_path / "client.pem", tmp_path / "client.key"
    cert.cert_chain_pems[0].write_to_path(str(cert_path))
    cert.private_key_pem.write_to_path(str(key_path))
    return str(cert_path), str(key_path)
