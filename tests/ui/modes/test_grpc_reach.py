"""A gRPC tab reaches its target as an HTTP request would (SPEC 7.3): it presents the
window's client certificate for the host, its passphrase from the window's secrets, unless
the request's options choose otherwise; it calls a server whose certificate nobody vouches
for with the check off; it goes through the window's HTTP proxy (proxy.py, with
credentials). Against the tests' Inventory service, a real grpcio server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

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
from app.model.request import RequestOptions
from tests.grpc.servers import SERVICE, InventoryServer
from tests.proxy_peers import http_proxy
from tests.ui.modes.conftest import call_and_wait, pane_of
from ui.request_tab import RequestTab

MakeTab = Callable[..., RequestTab]

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
        grpc_tab: MakeTab, qtbot: QtBot, mtls_server: InventoryServer, tls_ca: trustme.CA,
        ca_file: str, tmp_path: Path) -> None:
    pool = SessionPool(network=_window_network(tls_ca, tmp_path))
    method, message = f"{SERVICE}/GetItem", '{"sku": "from-the-window"}'
    tab = grpc_tab(f"grpcs://{mtls_server.target}", method, message, sessions=pool,
                   options=RequestOptions(ca_file=ca_file))
    pane = pane_of(tab)
    # The picker is filled by reflection over the same mTLS channel.
    pane.refresh()
    qtbot.waitUntil(lambda: bool(pane.services.services), timeout=15000)
    assert SERVICE in [service.name for service in pane.services.services]

    call_and_wait(tab, qtbot)
    result = pane.controller.result
    assert result is not None and result.code == "OK", (result, pane.controller.error)
    assert result.responses[0]["sku"] == "from-the-window"

    # The request's options choose no certificate: the server refuses the handshake.
    none = grpc_tab(f"grpcs://{mtls_server.target}", method, message, sessions=pool,
                    options=RequestOptions(ca_file=ca_file, client_cert_mode="none"))
    refused = call_and_wait(none, qtbot).controller.result
    assert refused is not None and refused.code == "UNAVAILABLE"


def test_with_the_check_off_a_self_made_certificate_is_called(
        grpc_tab: MakeTab, qtbot: QtBot) -> None:
    """Options ▸ verify TLS off, on a server whose certificate nobody vouches for."""
    cert = trustme.CA().issue_cert("dev-box.test")
    server = InventoryServer(credentials=grpc.ssl_server_credentials(
        [(cert.private_key_pem.bytes(), cert.cert_chain_pems[0].bytes())]))
    try:
        tab = grpc_tab(f"grpcs://{server.target}", f"{SERVICE}/GetItem",
                       '{"sku": "unchecked"}', sessions=SessionPool(),
                       options=RequestOptions(verify_tls=False))
        pane = call_and_wait(tab, qtbot)
        result = pane.controller.result
        assert result is not None and result.code == "OK", (result, pane.controller.error)
        assert result.responses[0]["sku"] == "unchecked"
    finally:
        server.stop()


def test_through_the_windows_proxy(grpc_tab: MakeTab, qtbot: QtBot, tmp_path: Path) -> None:
    peer = http_proxy(tmp_path, "me", "secret")
    server = InventoryServer()
    try:
        window = NetworkConfig(
            NetworkSettings(proxy_mode="manual", proxy_url=f"http://127.0.0.1:{peer.port}",
                            proxy_user="me", no_proxy=""),
            NetworkSecrets(proxy_password="secret"))
        pool = SessionPool(network=window)
        tab = grpc_tab(f"grpc://{server.target}", f"{SERVICE}/GetItem", '{"sku": "proxied"}',
                       sessions=pool)
        pane = call_and_wait(tab, qtbot)
        result = pane.controller.result
        assert result is not None and result.code == "OK", (result, pane.controller.error)
        first = pane.controller.log.rows[0]
        assert f"through http://127.0.0.1:{peer.port}" in str(first[2])
        assert "secret" not in str(first[2])
        # The same proxy without its credentials: it refuses the tunnel, said in the tab.
        pool.set_network(NetworkConfig(NetworkSettings(
            proxy_mode="manual", proxy_url=f"http://127.0.0.1:{peer.port}", no_proxy="")))
        refused = call_and_wait(tab, qtbot).controller.result
        assert refused is not None and refused.code == "UNAVAILABLE"
        assert "407" in refused.details
    finally:
        server.stop()
        peer.stop()
