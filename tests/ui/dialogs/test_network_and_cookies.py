"""The window's network part (SPEC 7.2-7.3): Tools ▸ Network… keeps the proxy and the
certificates (secrets in the keyring, not the settings file) and says which file is wrong;
the cookie manager lists, edits, deletes and clears; a cookie set by a server is kept
encrypted in the data folder between runs and sent back by the next window; the Options tab
overrides the proxy and the certificate."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from app.model.network_settings import (
    PROXY_PASSWORD_REF,
    HostCertificate,
    NetworkSecrets,
    NetworkSettings,
    passphrase_ref,
)
from app.model.request import RequestModel, RequestOptions
from app.storage.secrets import MemorySecrets
from tests.client.server import ServerThread
from tests.client.test_client_certs import PASSPHRASE, Files
from ui.dialogs.cookies import CookieManager
from ui.dialogs.network import NetworkDialog
from ui.main_window import MainWindow
from ui.request.options_editor import OptionsEditor
from ui.request_tab import RequestTab
from ui.window_state import WindowState


def _state(path: Path) -> WindowState:
    return WindowState(QSettings(str(path), QSettings.Format.IniFormat))


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    srv = ServerThread().start()
    yield srv.url
    srv.stop()


@pytest.fixture
def secrets() -> MemorySecrets:
    return MemorySecrets()


@pytest.fixture
def open_window(qtbot: QtBot, tmp_path: Path, secrets: MemorySecrets,
                run_async: Callable[..., Any]) -> Iterator[Callable[[], MainWindow]]:
    """Opens windows on one settings file, data folder and keyring, closing each."""
    opened: list[MainWindow] = []

    def open_one() -> MainWindow:
        state = _state(tmp_path / "spyglass.ini")
        state.mark_seen()
        state.workspace = str(tmp_path / "ws")
        window = MainWindow(state, secrets=secrets, data_dir=tmp_path / "data")
        qtbot.addWidget(window)
        window.show()
        opened.append(window)
        return window

    yield open_one
    for window in opened:
        if window.isVisible():
            close(window, run_async)


def close(window: MainWindow, run_async: Callable[..., Any]) -> None:
    window.close()
    run_async(window.shutdown())


def _send(qtbot: QtBot, tab: RequestTab, model: RequestModel) -> None:
    tab.load_model(model)
    tab.send()
    qtbot.waitUntil(lambda: not tab.busy and tab.send_button.text() == "Send", timeout=30000)


def test_a_cookie_is_kept_between_runs_encrypted_and_sent_back(
        qtbot: QtBot, open_window: Callable[[], MainWindow], tmp_path: Path,
        server: str, run_async: Callable[..., Any]) -> None:
    first = open_window()
    tab = first.current_tab()
    assert tab is not None
    _send(qtbot, tab, RequestModel(url=f"{server}/cookies/set?sid=c00kie-v4lue"))
    assert tab.response.status.text() == "200 OK"
    close(first, run_async)  # saves the jar
    saved = list((tmp_path / "data").glob("cookies-*.jar"))
    assert len(saved) == 1 and b"c00kie-v4lue" not in saved[0].read_bytes()
    # (The settings file and the history hold the URL typed, which named the value.)
    for path in (tmp_path / "ws").rglob("*"):
        if path.is_file():
            assert b"c00kie-v4lue" not in path.read_bytes(), path

    second = open_window()
    tab = second.current_tab()
    assert tab is not None
    qtbot.waitUntil(lambda: second.cookies._pending is not None, timeout=10000)
    _send(qtbot, tab, RequestModel(url=f"{server}/cookies"))
    assert tab.response.status.text() == "200 OK"
    pool = second.sessions()
    assert pool.cookies.get("sid") is not None

    async def sent_back() -> object:
        from app.model.compose import compose

        model = RequestModel(url=f"{server}/cookies")
        composed = compose(pool.for_request(model), model)
        async with composed.request.fetch() as response:
            return await response.json()

    assert run_async(sent_back()) == {"sid": "c00kie-v4lue"}
    close(second, run_async)


def test_the_cookie_manager_lists_edits_deletes_and_clears(
        qtbot: QtBot, open_window: Callable[[], MainWindow]) -> None:
    window = open_window()
    jar = window.sessions().cookies
    later = time.time() + 3600
    jar.set("sid", "one", domain="api.example", expires=later)
    jar.set("theme", "dark", domain="api.example")
    jar.set("x", "1", domain="other.example")
    manager = CookieManager(jar, window.cookies, window)
    qtbot.addWidget(manager)
    tree = manager.tree
    assert [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())] == [
        "api.example", "other.example"]
    assert tree.topLevelItem(0).text(1) == "2 cookies"

    manager.select("api.example", "sid")
    assert manager.value.text() == "one" and not manager.session_cookie.isChecked()
    manager.value.setText("two")
    manager.secure.setChecked(True)
    manager.same_site.setCurrentIndex(2)  # Strict
    manager.session_cookie.setChecked(True)
    manager.apply_edit()
    edited = jar.get("sid", domain="api.example")
    assert edited is not None
    assert (edited.value, edited.secure, edited.same_site, edited.expires) == (
        "two", True, "Strict", None)
    assert manager.current_cookie() == edited  # still chosen after the refresh

    manager.value.setText("bad;value\n")
    manager.apply_edit()
    assert manager.status.text()  # refused, said

    manager.delete_current()
    assert jar.get("sid") is None
    manager.select("other.example")
    manager.clear_domain()
    assert [c.domain for c in jar.list()] == ["api.example"]
    manager.clear_all()
    assert jar.list() == [] and tree.topLevelItemCount() == 0
    assert window.cookies._dirty  # the change is saved a moment later


def test_network_settings_are_kept_with_their_secrets_in_the_keyring(
        qtbot: QtBot, open_window: Callable[[], MainWindow], secrets: MemorySecrets,
        tmp_path: Path, tls_ca: trustme.CA) -> None:
    files = Files(tls_ca, tmp_path)
    window = open_window()
    dialog = NetworkDialog(window.network, window.state, window.runner, window)
    qtbot.addWidget(dialog)
    dialog.mode_manual.setChecked(True)
    dialog.proxy_url.setText("http://proxy.corp:3128")
    dialog.proxy_user.setText("alice")
    dialog.proxy_password.setText("pr0xy-pa55")
    row = dialog.add_certificate(HostCertificate("api.example", files.cert,
                                                 files.encrypted_key), "wrong")
    dialog.accept()
    assert dialog.isVisible() or dialog.result() != 1  # refused: the passphrase is wrong
    assert "wrong passphrase" in dialog.status.text()
    assert files.encrypted_key in dialog.status.text()
    dialog._passphrase(row).setText(PASSPHRASE)
    dialog.accept()
    assert dialog.result() == 1
    settings = NetworkSettings(proxy_mode="manual", proxy_url="http://proxy.corp:3128",
                               proxy_user="alice", no_proxy=NetworkSettings().no_proxy,
                               certificates=(HostCertificate("api.example", files.cert,
                                                             files.encrypted_key),))
    assert window.state.network == settings
    assert _state(tmp_path / "spyglass.ini").network == settings
    assert window.sessions().network.secrets == NetworkSecrets(
        "pr0xy-pa55", {"api.example": PASSPHRASE})
    qtbot.waitUntil(lambda: secrets.get(PROXY_PASSWORD_REF) == "pr0xy-pa55", timeout=5000)
    assert secrets.get(passphrase_ref("api.example")) == PASSPHRASE
    text = (tmp_path / "spyglass.ini").read_bytes()
    assert b"pr0xy-pa55" not in text and PASSPHRASE.encode() not in text

    again = NetworkDialog(window.network, window.state, window.runner, window)
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.proxy_password.text() == "pr0xy-pa55", timeout=5000)
    assert again.value() == (settings, NetworkSecrets("pr0xy-pa55",
                                                      {"api.example": PASSPHRASE}))
    again.proxy_url.setText("ftp://nope")
    assert "not supported" in again.status.text()


def test_the_options_tab_overrides_the_proxy_and_the_certificate(qtbot: QtBot) -> None:
    editor = OptionsEditor()
    qtbot.addWidget(editor)
    editor.show()
    assert not editor.proxy_url.isVisible() and not editor.client_cert.isVisible()
    editor.proxy_mode.setCurrentIndex(2)
    editor.proxy_url.setText("http://u:typed@proxy:1")
    assert editor.proxy_url.isVisible()
    assert "{{variable}}" in editor.network_status.text()
    editor.proxy_url.setText("http://u:{{pw}}@proxy:1")
    editor.cert_mode.setCurrentIndex(2)
    editor.client_cert.setText("{{dir}}/me.p12")
    editor.client_cert_passphrase.setText("{{phrase}}")
    assert editor.network_status.text() == ""
    model = editor.to_model()
    assert model == RequestOptions(proxy_mode="url", proxy_url="http://u:{{pw}}@proxy:1",
                                   client_cert_mode="files", client_cert="{{dir}}/me.p12",
                                   client_cert_passphrase="{{phrase}}")
    assert not editor.is_default()
    fresh = OptionsEditor()
    qtbot.addWidget(fresh)
    fresh.load_model(model)
    assert fresh.to_model() == model
    fresh.load_model(RequestOptions(proxy_mode="sideways"))  # an unknown value: the default
    assert fresh.to_model().proxy_mode == "default"
