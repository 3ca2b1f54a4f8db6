"""A gRPC tab reaches its target as an HTTP request would (SPEC 7.3): it presents the
window's client certificate for the host, its passphrase from the window's secrets, unless
the request's options choose otherwise; it calls a server whose certificate nobody vouches
for with the check off; it goes through the window's HTTP proxy (proxy.py, with
credentials). Against the tests' Inventory service, a real grpcio server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import trustme
from cryptography.hazmat.primitives import serialization
from pytestqt.qtbot import QtBot

from app.model.compose import SessionPool
from app.model.network_settings import (
    HostCertificate,
    NetworkConfig,
    NetworkSecrets,
    NetworkSettings,
)
from app.model.request import RequestMode, RequestModel, RequestOptions
from app.model.variables import Resolution
from tests.grpc.servers import SERVICE, InventoryServer
from tests.proxy_peers import Peer, free_port
from ui.modes.grpc.grpc_pane import GrpcPane
from ui.request_tab import RequestTab
from ui.tasks import TaskRunner

PASSPHRASE = "tab passphrase"


@pytest.fixture(scope="module")
def mtls_server(tls_ca: trustme.CA) -> Iterator[InventoryServer]:
    cert = tls_ca.issue_cert("127.0.0.1")
    server = InventoryServer(credentials=grpc.ssl_server_credentials(
        [(cert.private_key_pem.bytes(), cert.cert_chain_pems[0].bytes())],
        root_certificates=tls_ca.cert_pem.bytes(), require_client_auth=True))
    yield server
    server.stop()


def _window_network(ca: trustme.CA, folder: Path) -> NetworkConfig:
    """The window's settings: an encrypted client key for 127.0.0.1, its passphrase held
    apart (as the keyring holds it)."""
    leaf = ca.issue_cert("client@example.test")
    key = serialization.load_pem_private_key(leaf.private_key_pem.bytes(), None)
    (folder / "client.crt").write_bytes(leaf.cert_chain_pems[0].bytes())
    (folder / "client.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASSPHRASE.encode())))
    settings = NetworkSettings(certificates=(HostCertificate(
        "127.0.0.1", str(folder / "client.crt"), str(folder / "client.key")),))
    return NetworkConfig(settings, NetworkSecrets(passphrases={"127.0.0.1": PASSPHRASE}))


def test_the_windows_certificate_for_the_host_is_presented(
        qtbot: QtBot, qt_loop: Any, mtls_server: InventoryServer, tls_ca: trustme.CA,
        ca_file: str, tmp_path: Path) -> None:
    pool = SessionPool(network=_window_network(tls_ca, tmp_path))
    model = RequestModel(url=f"grpcs://{mtls_server.target}", mode=RequestMode.GRPC,
                         options=RequestOptions(ca_file=ca_file))
    model.grpc.method = f"{SERVICE}/GetItem"
    model.grpc.message = '{"sku": "from-the-window"}'

    async def source(_model: RequestModel) -> Resolution:
        return Resolution({})

    tab = RequestTab(TaskRunner(), lambda: pool, 1, source, model)
    qtbot.addWidget(tab)
    tab.show()
    try:
        pane = tab.pane(RequestMode.GRPC)
        assert isinstance(pane, GrpcPane)
        # The picker is filled by reflection over the same mTLS channel.
        pane.refresh()
        qtbot.waitUntil(lambda: bool(pane.services.services), timeout=15000)
        assert SERVICE in [service.name for service in pane.services.services]

        tab.send()
        qtbot.waitUntil(lambda: not pane.controller.busy, timeout=15000)
        result = pane.controller.result
        assert result is not None and result.code == "OK", (result, pane.controller.error)
        assert result.responses[0]["sku"] == "from-the-window"

        # The request's options choose no certificate: the server refuses the handshake.
        none = RequestModel(url=model.url, mode=RequestMode.GRPC,
                            options=RequestOptions(ca_file=ca_file, client_cert_mode="none"))
        none.grpc.method, none.grpc.message = model.grpc.method, model.grpc.message
        tab.load_model(none)
        tab.send()
        qtbot.waitUntil(lambda: not pane.controller.busy, timeout=15000)
        assert pane.controller.result is not None
        assert pane.controller.result.code == "UNAVAILABLE"
    finally:
        tab.dispose()


def test_with_the_check_off_a_self_made_certificate_is_called(
        qtbot: QtBot, qt_loop: Any) -> None:
    """Options ▸ verify TLS off, on a server whose certificate nobody vouches for."""
    cert = trustme.CA().issue_cert("dev-box.test")
    server = InventoryServer(credentials=grpc.ssl_server_credentials(
        [(cert.private_key_pem.bytes(), cert.cert_chain_pems[0].bytes())]))
    model = RequestModel(url=f"grpcs://{server.target}", mode=RequestMode.GRPC,
                         options=RequestOptions(verify_tls=False))
    model.grpc.method = f"{SERVICE}/GetItem"
    model.grpc.message = '{"sku": "unchecked"}'

    async def source(_model: RequestModel) -> Resolution:
        return Resolution({})

    tab = RequestTab(TaskRunner(), lambda: SessionPool(), 1, source, model)
    qtbot.addWidget(tab)
    tab.show()
    try:
        pane = tab.pane(RequestMode.GRPC)
        assert isinstance(pane, GrpcPane)
        tab.send()
        qtbot.waitUntil(lambda: not pane.controller.busy, timeout=15000)
        result = pane.controller.result
        assert result is not None and result.code == "OK", (result, pane.controller.error)
        assert result.responses[0]["sku"] == "unchecked"
    finally:
        tab.dispose()
        server.stop()


def test_through_the_windows_proxy(qtbot: QtBot, qt_loop: Any, tmp_path: Path) -> None:
    port = free_port()
    peer = Peer(["proxy", "--hostname", "127.0.0.1", "--port", str(port), "--basic-auth",
                 "me:secret", "--num-acceptors", "1", "--num-workers", "1"],
                port, tmp_path / "proxy.log")
    server = InventoryServer()
    window = NetworkConfig(
        NetworkSettings(proxy_mode="manual", proxy_url=f"http://127.0.0.1:{port}",
                        proxy_user="me", no_proxy=""),
        NetworkSecrets(proxy_password="secret"))
    pool = SessionPool(network=window)
    model = RequestModel(url=f"grpc://{server.target}", mode=RequestMode.GRPC)
    model.grpc.method = f"{SERVICE}/GetItem"
    model.grpc.message = '{"sku": "proxied"}'

    async def source(_model: RequestModel) -> Resolution:
        return Resolution({})

    tab = RequestTab(TaskRunner(), lambda: pool, 1, source, model)
    qtbot.addWidget(tab)
    tab.show()
    try:
        pane = tab.pane(RequestMode.GRPC)
        assert isinstance(pane, GrpcPane)
        tab.send()
        qtbot.waitUntil(lambda: not pane.controller.busy, timeout=15000)
        result = pane.controller.result
        assert result is not None and result.code == "OK", (result, pane.controller.error)
        first = pane.controller.log.rows[0]
        assert f"through http://127.0.0.1:{port}" in str(first[2])
        assert "secret" not in str(first[2])
        # The same proxy without its credentials: it refuses the tunnel, said in the tab.
        pool.set_network(NetworkConfig(NetworkSettings(
            proxy_mode="manual", proxy_url=f"http://127.0.0.1:{port}", no_proxy="")))
        tab.send()
        qtbot.waitUntil(lambda: not pane.controller.busy, timeout=15000)
        assert pane.controller.result is not None
        assert pane.controller.result.code == "UNAVAILABLE"
        assert "407" in pane.controller.result.details
    finally:
        tab.dispose()
        server.stop()
        peer.stop()
