"""Sends composed as the window composes them, under its network settings, against real
peers: ``proxy.py`` as the proxy (Basic proxy auth; the server sees the proxy's connection),
trustme certificates for a server that demands a client certificate, and a cookie set by a
server, kept encrypted by ``CookieJarStore``, loaded into a new pool and sent back. Then a
secret scan: no proxy password, passphrase or cookie value in the workspace, the history or
the stored settings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from app.model.compose import ComposeError, SessionPool, compose
from app.model.network_settings import (
    HostCertificate,
    NetworkConfig,
    NetworkSecrets,
    NetworkSettings,
    write_secrets,
)
from app.model.request import RequestModel, RequestOptions
from app.storage.cookie_store import CookieJarStore, workspace_id
from app.storage.history import History, Outcome, entry_for
from app.storage.secrets import MemorySecrets
from app.storage.workspace import Workspace
from tests.client.conftest import mtls_server  # noqa: F401 - the fixture, shared
from tests.client.server import ServerThread
from tests.client.test_client_certs import PASSPHRASE, Files
from tests.proxy_peers import Peer, clear_proxy_environment
from tests.proxy_peers import http_proxy as start_http_proxy

PROXY_PASSWORD = "pa ss"


@pytest.fixture(scope="module")
def http_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peer]:
    peer = start_http_proxy(tmp_path_factory.mktemp("proxy"), "user", PROXY_PASSWORD)
    yield peer
    peer.stop()


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_proxy_environment(monkeypatch)


def manual(port: int, no_proxy: str = "") -> NetworkSettings:
    return NetworkSettings(proxy_mode="manual", proxy_url=f"http://127.0.0.1:{port}",
                           proxy_user="user", no_proxy=no_proxy)


async def send(pool: SessionPool, model: RequestModel,
               variables: dict[str, str] | None = None) -> tuple[int, dict[str, object]]:
    composed = compose(pool.for_request(model, variables), model, variables)
    async with composed.request.fetch(check_status=False, timeout=composed.timeout) as response:
        return response.status, await response.json()


async def test_a_send_goes_through_the_window_s_proxy_with_its_keyring_password(
    base_url: str, http_proxy: Peer
) -> None:
    secrets = MemorySecrets()
    settings = manual(http_proxy.port)
    write_secrets(settings, NetworkSecrets(PROXY_PASSWORD), secrets)
    from app.model.network_settings import read_secrets

    pool = SessionPool(network=NetworkConfig(settings, read_secrets(settings, secrets)))
    try:
        status, body = await send(pool, RequestModel(url=f"{base_url}/echo"))
        assert status == 200
        assert body["peer_port"] in http_proxy.ports()
        # The proxy answers 407 without the password: the error names the proxy, not it.
        pool.set_network(NetworkConfig(settings))
        composed = compose(pool.for_request(RequestModel(url=f"{base_url}/echo")),
                           RequestModel(url=f"{base_url}/echo"))
        with pytest.raises(Exception, match=f"127.0.0.1:{http_proxy.port}") as caught:
            async with composed.request.fetch(timeout=composed.timeout):
                pass
        assert PROXY_PASSWORD not in str(caught.value)
    finally:
        await pool.close()


async def test_no_proxy_and_a_request_s_own_choice_go_direct_or_through_it(
    base_url: str, http_proxy: Peer
) -> None:
    settings = manual(http_proxy.port, no_proxy="127.0.0.1")
    pool = SessionPool(network=NetworkConfig(settings, NetworkSecrets(PROXY_PASSWORD)))
    try:
        _, body = await send(pool, RequestModel(url=f"{base_url}/echo"))
        assert body["peer_port"] not in http_proxy.ports()  # NO_PROXY: direct
        own = RequestModel(url=f"{base_url}/echo", options=RequestOptions(
            proxy_mode="url", proxy_url=f"http://user:{{{{pw}}}}@127.0.0.1:{http_proxy.port}"))
        _, body = await send(pool, own, {"pw": PROXY_PASSWORD})
        assert body["peer_port"] in http_proxy.ports()
    finally:
        await pool.close()


async def test_the_window_s_certificate_for_the_host_and_a_wrong_passphrase(
    mtls_server: ServerThread, ca_file: str, tls_ca: trustme.CA, tmp_path: Path,  # noqa: F811
) -> None:
    files = Files(tls_ca, tmp_path)
    settings = NetworkSettings(certificates=(
        HostCertificate("127.0.0.1", files.cert, files.encrypted_key),))
    options = RequestOptions(ca_file=ca_file)
    model = RequestModel(url=f"{mtls_server.url}/echo", options=options)
    pool = SessionPool(network=NetworkConfig(
        settings, NetworkSecrets("", {"127.0.0.1": PASSPHRASE})))
    try:
        status, _ = await send(pool, model)
        assert status == 200
        pool.set_network(NetworkConfig(settings, NetworkSecrets("", {"127.0.0.1": "wrong"})))
        with pytest.raises(ComposeError, match="wrong passphrase") as caught:
            pool.for_request(model)
        assert files.encrypted_key in str(caught.value) and caught.value.field == "options"
        # The request's own files win over the window's.
        own = RequestModel(url=f"{mtls_server.url}/echo", options=RequestOptions(
            ca_file=ca_file, client_cert_mode="files", client_cert=files.p12,
            client_cert_passphrase="{{p12}}"))
        status, _ = await send(pool, own, {"p12": PASSPHRASE})
        assert status == 200
    finally:
        await pool.close()


async def test_relative_and_templated_certificate_paths_are_under_the_workspace(
    mtls_server: ServerThread, ca_file: str, tls_ca: trustme.CA, tmp_path: Path,  # noqa: F811
) -> None:
    """A request's CA file takes ``{{variables}}``, and it and its own certificate files,
    written relative (as a workspace stores them), are found under the workspace's folder,
    as a gRPC request's are; not under the folder the app was started from."""
    workspace = tmp_path / "ws"
    (workspace / "certs").mkdir(parents=True)
    Files(tls_ca, workspace / "certs")  # client.crt, plain.key... written there
    (workspace / "certs" / "ca.pem").write_bytes(Path(ca_file).read_bytes())
    options = RequestOptions(ca_file="{{certs}}/ca.pem", client_cert_mode="files",
                             client_cert="certs/client.crt", client_key="certs/plain.key")
    model = RequestModel(url=f"{mtls_server.url}/echo", options=options)
    pool = SessionPool(workspace_root=lambda: workspace)
    try:
        status, _ = await send(pool, model, {"certs": "certs"})
        assert status == 200
        with pytest.raises(ComposeError, match="certs") as caught:
            pool.for_request(model, {})  # the variable not defined
        assert caught.value.field == "options"
        with pytest.raises(ComposeError, match="CA file not found") as caught:
            SessionPool().for_request(model, {"certs": "certs"})  # no workspace: this folder
        assert caught.value.field == "options"
    finally:
        await pool.close()


async def test_a_cookie_set_by_a_server_is_kept_and_sent_back_by_a_new_pool(
    base_url: str, tmp_path: Path
) -> None:
    secrets = MemorySecrets()
    store = CookieJarStore(tmp_path / "data", workspace_id(tmp_path / "ws"), secrets)
    first = SessionPool()
    try:
        await send(first, RequestModel(url=f"{base_url}/cookies/set?session=c00kie-v4lue"))
        store.save(first.cookies.list())
    finally:
        await first.close()
    assert b"c00kie-v4lue" not in store.path.read_bytes()
    second = SessionPool()
    try:
        second.cookies.update(store.load())
        _, body = await send(second, RequestModel(url=f"{base_url}/cookies"))
        assert body == {"session": "c00kie-v4lue"}
    finally:
        await second.close()


def test_no_secret_in_the_workspace_the_history_or_the_settings(tmp_path: Path) -> None:
    secrets = MemorySecrets()
    settings = NetworkSettings(
        proxy_mode="manual", proxy_url="http://proxy:3128", proxy_user="user",
        certificates=(HostCertificate("api.example", "/c.p12"),))
    write_secrets(settings, NetworkSecrets("pr0xy-pa55", {"api.example": "phr4se"}), secrets)
    model = RequestModel(url="http://api.example/", headers=[], options=RequestOptions(
        proxy_mode="url", proxy_url="http://u:typed-pa55@proxy:1", client_cert_mode="files",
        client_cert="/c.p12", client_cert_passphrase="typed-phr4se"))
    workspace = Workspace(tmp_path / "ws", secrets)
    path = workspace.save_request("c", model)
    history = History(tmp_path / "history.sqlite3")
    try:
        history.add(entry_for(model, Outcome(started=0.0, duration=0.1, status=200, url=model.url),
                              ["c00kie-v4lue"]))
    finally:
        history.close()
    texts = [p.read_bytes() for p in (tmp_path / "ws").rglob("*") if p.is_file()]
    texts.append((tmp_path / "history.sqlite3").read_bytes())
    texts.append(json.dumps(settings.to_dict()).encode())
    for secret in (b"pr0xy-pa55", b"phr4se", b"typed-pa55", b"typed-phr4se"):
        assert all(secret not in text for text in texts), secret
    assert workspace.load_request(path).options.client_cert == "/c.p12"
