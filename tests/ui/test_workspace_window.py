"""The window with a workspace: Ctrl+S saves into the collection tree, the tree opens
requests, environments feed {{variables}} (shown, flagged when undefined), history records
what was sent, and no secret reaches the workspace, the history or the window's settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from app.model.request import AuthKind, AuthModel, KeyValue, RequestModel
from app.storage.secrets import MemorySecrets
from app.storage.workspace import Workspace
from ui.main_window import MainWindow
from ui.request_tab import RequestTab
from ui.window_state import WindowState

TOKEN = "tok-Secret-4711"
ENV_SECRET = "env-Secret-0815"


@pytest.fixture
def secrets() -> MemorySecrets:
    return MemorySecrets()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def _open(qtbot: QtBot, tmp_path: Path, data_dir: Path, secrets: MemorySecrets) -> MainWindow:
    state = WindowState(QSettings(str(tmp_path / "spyglass.ini"), QSettings.Format.IniFormat))
    state.mark_seen()
    window = MainWindow(state, secrets=secrets, data_dir=data_dir)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path, data_dir: Path, secrets: MemorySecrets,
           run_async: Callable[..., Any]) -> Iterator[MainWindow]:
    w = _open(qtbot, tmp_path, data_dir, secrets)
    yield w
    if w.isVisible():
        w.close()
    run_async(w.shutdown())


def _wait_done(qtbot: QtBot, tab: RequestTab) -> None:
    qtbot.waitUntil(lambda: not tab.busy and tab.send_button.text() == "Send", timeout=20000)


def _workspace(window: MainWindow) -> Workspace:
    return window.workspace.workspace


def _save_new(qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch,
              name: str, collection: str, *, key: bool = True) -> Path:
    monkeypatch.setattr("ui.dialogs.save_dialog.ask_where_to_save",
                        lambda *a, **k: (name, collection))
    tab = window.current_tab()
    assert tab is not None
    if key:
        qtbot.keyClick(tab.editor.url_bar, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    else:
        window.save_current()
    qtbot.waitUntil(lambda: tab.origin is not None or bool(window.statusBar().currentMessage()))
    assert tab.origin is not None, window.statusBar().currentMessage()
    assert tab.origin is not None
    return tab.origin


def test_ctrl_s_saves_into_the_workspace_and_the_tree(
        qtbot: QtBot, window: MainWindow, data_dir: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    tab = window.current_tab()
    assert tab is not None
    tab.load_model(RequestModel(url="http://127.0.0.1:9/users",
                                auth=AuthModel(kind=AuthKind.BEARER, token=TOKEN)))
    path = _save_new(qtbot, window, monkeypatch, "List users", "Team API")
    assert path == data_dir / "workspace" / "Team API" / "list-users.yaml"
    text = path.read_text()
    assert "name: List users" in text and TOKEN not in text
    tree = window.sidebar.collections
    qtbot.waitUntil(lambda: tree.request_count() == 1)
    assert tab.title() == "List users" and not tab.modified

    # An edit marks the tab; Ctrl+S writes the same file again, nothing else.
    tab.editor.url_bar.setText("http://127.0.0.1:9/users?page=2")
    tab.editor.url_bar.textEdited.emit(tab.editor.url_bar.text())
    qtbot.waitUntil(lambda: tab.modified and tab.title().startswith("● "))
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not tab.modified)
    assert "page=2" in path.read_text()
    assert sorted(p.name for p in (data_dir / "workspace" / "Team API").iterdir()) == [
        "collection.yaml", "list-users.yaml"]


def test_the_tree_opens_a_request_with_its_secret(qtbot: QtBot, window: MainWindow,
                                                  data_dir: Path) -> None:
    ws = _workspace(window)
    path = ws.new_request("Shop", RequestModel(
        name="Orders", url="http://127.0.0.1:9/orders",
        auth=AuthModel(kind=AuthKind.BEARER, token=TOKEN)))
    window.workspace.start("rescan", window.workspace.rescan())
    qtbot.waitUntil(lambda: window.sidebar.collections.request_count() == 1)
    window.open_from_workspace(path)
    qtbot.waitUntil(lambda: window.tab_of(path) is not None)
    tab = window.tab_of(path)
    assert tab is not None and window.tabs.count() == 1  # it took the blank tab's place
    assert tab.to_model().auth.token == TOKEN
    window.open_from_workspace(path)  # already open: its tab is shown, no second one
    assert window.tabs.count() == 1


def test_environment_variables_are_sent_previewed_and_flagged(
        qtbot: QtBot, window: MainWindow, playground: str) -> None:
    ws = _workspace(window)
    ws.save_environment("Local", {"base": playground,
                                  "key": {"value": ENV_SECRET, "secret": True}})
    window.workspace.environment_edited()
    qtbot.waitUntil(lambda: window.workspace.environments == ["Local"])
    tab = window.current_tab()
    assert tab is not None
    tab.load_model(RequestModel(url="{{base}}/echo?x={{missing}}",
                                headers=[KeyValue("X-Key", "{{key}}")]))
    tab.refresh_variables()
    qtbot.waitUntil(lambda: tab.unresolved.isVisible())
    assert "{{base}}" in tab.unresolved.text() and "{{missing}}" in tab.unresolved.text()

    window.sidebar.environments.set_environments(["Local"], "Local")
    window.workspace.set_environment("Local")
    qtbot.waitUntil(lambda: "base" in window.workspace.lookup(None))
    qtbot.waitUntil(lambda: "{{base}}" not in tab.unresolved.text())
    assert "{{missing}}" in tab.unresolved.text()
    from ui.request.variables import variable_tooltip

    lookup = window.documents.lookup_for(tab)
    assert playground in variable_tooltip("base", lookup)
    assert ENV_SECRET not in variable_tooltip("key", lookup)
    assert "not defined" in variable_tooltip("missing", lookup)

    tab.send()  # an undefined variable stops the send with a message in the tab
    _wait_done(qtbot, tab)
    assert "{{missing}}" in tab.response.banner.detail.text()

    tab.editor.url_bar.setText("{{base}}/echo")
    tab.send()
    _wait_done(qtbot, tab)
    assert tab.response.status.text() == "200 OK"
    store = tab.response.body.store
    assert store is not None
    qtbot.waitUntil(lambda: store.size > 0)
    assert ENV_SECRET.encode() in store.read(0, store.size)  # the header was substituted


def test_history_records_redacted_and_reopens(qtbot: QtBot, window: MainWindow,
                                              playground: str, data_dir: Path) -> None:
    tab = window.current_tab()
    assert tab is not None
    tab.load_model(RequestModel(
        method="POST", url=f"{playground}/echo",
        headers=[KeyValue("Cookie", "session=abc123")],
        auth=AuthModel(kind=AuthKind.BEARER, token=TOKEN)))
    tab.send()
    _wait_done(qtbot, tab)
    history = window.history
    assert history is not None
    qtbot.waitUntil(lambda: len(history) == 1)
    entry = history.search("")[0]
    assert entry.method == "POST" and entry.status == 200 and entry.url.endswith("/echo")
    assert TOKEN not in str(entry.request) and "abc123" not in str(entry.request)
    tab.editor.url_bar.setText("http://127.0.0.1:1/")
    tab.send()
    _wait_done(qtbot, tab)
    qtbot.waitUntil(lambda: len(history) == 2)
    failed = history.search("")[0]
    assert failed.status is None and failed.error

    window.open_history_entry(entry)
    reopened = window.current_tab()
    assert reopened is not tab and reopened is not None
    model = reopened.to_model()
    assert model.method == "POST" and model.url == f"{playground}/echo"
    assert model.auth.kind == AuthKind.BEARER and model.auth.token == ""


def test_history_is_opened_with_its_page_and_shows_what_was_sent_before(
        qtbot: QtBot, window: MainWindow, playground: str, data_dir: Path) -> None:
    # Neither the database nor the History page exists before they are needed; a send
    # recorded meanwhile opens the database, and the page built later lists it.
    database = data_dir / "history.sqlite3"
    assert not database.exists()
    assert window.sidebar._history_page.built_page() is None
    tab = window.current_tab()
    assert tab is not None
    tab.load_model(RequestModel(url=f"{playground}/echo"))
    tab.send()
    _wait_done(qtbot, tab)
    qtbot.waitUntil(database.exists)
    assert window.sidebar._history_page.built_page() is None
    window.sidebar.pages.setCurrentIndex(1)  # the user clicks "History"
    panel = window.sidebar._history_page.built_page()
    assert panel is not None and panel.isVisible()
    qtbot.waitUntil(lambda: [e.url for e in panel.entries()] == [f"{playground}/echo"])
    tab.send()  # recorded once the page exists: shown at the top at once
    _wait_done(qtbot, tab)
    qtbot.waitUntil(lambda: len(panel.entries()) == 2)
    opened: list[object] = []
    window.sidebar.open_history_entry.connect(opened.append)
    panel.open(panel.entries()[0])
    assert opened == [panel.entries()[0]]


def test_getting_started_is_built_when_shown_and_knows_the_playground(
        qtbot: QtBot, window: MainWindow) -> None:
    # Not a first run: the Collections page is shown and the Start page waits.
    assert window.sidebar._start_page.built_page() is None
    window.sidebar.set_playground("http://127.0.0.1:5/")  # the playground started meanwhile
    window.sidebar.pages.setCurrentIndex(2)
    start = window.sidebar._start_page.built_page()
    assert start is not None and start is window.sidebar.getting_started
    assert start.status.text() == "Playground: http://127.0.0.1:5/"
    window.playground.stopped.emit()
    assert start.status.text() == "Playground: not running"
    tabs = window.tabs.count()
    start._activated(start.list.topLevelItem(0))
    assert window.tabs.count() == tabs + 1
    window.sidebar.show_page(window.sidebar.collections)
    assert window.sidebar.pages.currentIndex() == 0
    window.sidebar.show_page(start)
    assert window.sidebar.pages.currentIndex() == 2


def test_an_unopenable_history_says_why_on_its_page(
        qtbot: QtBot, tmp_path: Path, secrets: MemorySecrets,
        run_async: Callable[..., Any]) -> None:
    data_dir = tmp_path / "data"
    (data_dir / "history.sqlite3").mkdir(parents=True)  # a folder where the file should be
    window = _open(qtbot, tmp_path, data_dir, secrets)
    try:
        window.sidebar.show_page(window.sidebar.history)
        assert window.sidebar.pages.currentIndex() == 1
        assert window.history is None
        assert "History is not available" in window.sidebar.history.unavailable.text()
        assert "history.sqlite3" in window.sidebar.history.unavailable.text()
    finally:
        window.close()
        run_async(window.shutdown())


def test_no_secret_in_any_file_the_window_writes(
        qtbot: QtBot, tmp_path: Path, data_dir: Path, secrets: MemorySecrets,
        playground: str, monkeypatch: pytest.MonkeyPatch, run_async: Callable[..., Any]
        ) -> None:
    window = _open(qtbot, tmp_path, data_dir, secrets)
    tab = window.current_tab()
    assert tab is not None
    tab.load_model(RequestModel(url=f"{playground}/echo",
                                auth=AuthModel(kind=AuthKind.API_KEY, key_name="key",
                                               key_value=TOKEN, key_location="query")))
    _save_new(qtbot, window, monkeypatch, "Keyed", "Secure", key=False)
    tab.send()
    _wait_done(qtbot, tab)
    assert window.history is not None
    qtbot.waitUntil(lambda: len(window.history) == 1)  # type: ignore[arg-type]
    window.new_tab(RequestModel(auth=AuthModel(kind=AuthKind.BASIC, username="u",
                                               password=TOKEN)))
    window.close()
    run_async(window.shutdown())
    for folder in (tmp_path,):
        for path in folder.rglob("*"):
            if path.is_file():
                assert TOKEN.encode() not in path.read_bytes(), path

    # The next start brings the saved tab back, its secret read from the keyring.
    again = _open(qtbot, tmp_path, data_dir, secrets)
    try:
        first = again.all_tabs()[0]
        qtbot.waitUntil(lambda: first.to_model().auth.key_value == TOKEN)
        assert not first.modified
    finally:
        again.close()
        run_async(again.shutdown())


def test_import_a_postman_file_and_export_it_without_secrets(
        qtbot: QtBot, window: MainWindow, tmp_path: Path, secrets: MemorySecrets,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from tests.interchange.test_samples import POSTMAN_JSON, SECRETS

    source = tmp_path / "shop.postman_collection.json"
    source.write_text(POSTMAN_JSON)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(source), ""))
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: shown.append(a[2]))
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]))
    window.import_file()
    tree = window.sidebar.collections
    qtbot.waitUntil(lambda: tree.request_count() > 5 or bool(shown), timeout=10000)
    assert tree.request_count() > 5, (shown, window.statusBar().currentMessage())
    assert "Imported" in window.statusBar().currentMessage()

    out = tmp_path / "export.json"
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.No)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    window.export_workspace("postman")
    qtbot.waitUntil(out.exists, timeout=10000)
    text = out.read_text()
    assert '"schema"' in text
    for folder in (window.workspace.root, out):
        files = [folder] if folder.is_file() else [p for p in folder.rglob("*") if p.is_file()]
        for path in files:
            data = path.read_bytes()
            assert not any(s.encode() in data for s in SECRETS), path


def test_a_broken_environment_file_is_reported_not_overwritten(
        qtbot: QtBot, window: MainWindow) -> None:
    root = window.workspace.root
    (root / "environments").mkdir(parents=True, exist_ok=True)
    broken = root / "environments" / "Staging.yaml"
    broken.write_bytes(b"variables:\n  base: [unclosed\n")
    window.workspace.environment_edited()
    qtbot.waitUntil(lambda: window.workspace.environments == ["Staging"])
    window.workspace.set_environment("Staging")
    qtbot.waitUntil(lambda: "Staging.yaml:" in window.statusBar().currentMessage())
    assert broken.read_bytes() == b"variables:\n  base: [unclosed\n"


def test_open_another_workspace_folder(qtbot: QtBot, window: MainWindow, tmp_path: Path,
                                       secrets: MemorySecrets,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QFileDialog

    other = Workspace(tmp_path / "repo", secrets)
    other.new_request("Billing", RequestModel(name="Invoices"))
    other.save_environment("Prod", {"base": "https://billing"})
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        lambda *a, **k: str(tmp_path / "repo"))
    window.open_workspace_folder()
    tree = window.sidebar.collections
    qtbot.waitUntil(lambda: tree.request_count() == 1
                    and window.workspace.environments == ["Prod"])
    assert window.workspace.root == tmp_path / "repo"
    assert window.state.workspace == str(tmp_path / "repo")
    assert "repo" in window.sidebar.workspace_label.toolTip()


def test_saving_without_a_keyring_says_so_and_writes_nothing(
        qtbot: QtBot, tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch,
        run_async: Callable[..., Any]) -> None:
    from PySide6.QtWidgets import QMessageBox

    from app.storage.secrets import KeyringSecrets

    # The UI tests' keyring is keyring's "fail" backend: no keyring at all.
    window = _open(qtbot, tmp_path, data_dir, KeyringSecrets())  # type: ignore[arg-type]
    try:
        qtbot.waitUntil(lambda: window.sidebar.keyring_banner.isVisible())
        assert "No system keyring" in window.sidebar.keyring_banner.text()
        warned: list[str] = []
        monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warned.append(a[2]))
        monkeypatch.setattr("ui.dialogs.save_dialog.ask_where_to_save",
                            lambda *a, **k: ("Secret one", "Vault"))
        tab = window.current_tab()
        assert tab is not None
        tab.load_model(RequestModel(url="http://x/", auth=AuthModel(kind=AuthKind.BEARER,
                                                                     token=TOKEN)))
        window.save_current()
        qtbot.waitUntil(lambda: bool(warned))
        assert "not saved" in warned[0] and "keyring" in warned[0]
        assert tab.origin is None and tab.to_model().auth.token == TOKEN
        assert not list((data_dir / "workspace").rglob("*.yaml"))
    finally:
        window.close()
        run_async(window.shutdown())


def test_history_limits_are_settings_applied_at_once(
        qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.storage.history import HistoryEntry

    history = window.history
    assert history is not None
    for i in range(5):
        history.add(HistoryEntry("GET", f"http://x/{i}", 200, time=1000.0 + i))
    monkeypatch.setattr("ui.dialogs.history_limits.ask_history_limits",
                        lambda *a, **k: (2, 7))
    window.sidebar.history.limits_requested.emit()
    qtbot.waitUntil(lambda: len(history) == 2)
    assert window.state.history_limits == (2, 7)
    assert history.max_bytes == 7 * 1024 * 1024
    qtbot.waitUntil(lambda: len(window.sidebar.history.entries()) == 2)


def test_opening_a_request_whose_secret_is_not_in_this_keyring_says_so(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    root = window.workspace.root
    elsewhere = Workspace(root, MemorySecrets())  # saved on another machine's keyring
    path = elsewhere.new_request("Shared", RequestModel(
        name="Deploy", auth=AuthModel(kind=AuthKind.BEARER, token=TOKEN)))
    window.open_from_workspace(path)
    qtbot.waitUntil(lambda: "not in this computer's keyring" in
                    window.statusBar().currentMessage())
    assert "token" in window.statusBar().currentMessage()


def test_header_cells_show_their_variables(qtbot: QtBot, window: MainWindow) -> None:
    from ui.request.key_value_model import VALUE
    from ui.request.tones import ERROR, VARIABLE

    ws = _workspace(window)
    ws.save_environment("Dev", {"token": {"value": ENV_SECRET, "secret": True}})
    window.workspace.environment_edited()
    qtbot.waitUntil(lambda: window.workspace.environments == ["Dev"])
    window.workspace.set_environment("Dev")
    qtbot.waitUntil(lambda: "token" in window.workspace.lookup(None))
    tab = window.current_tab()
    assert tab is not None
    tab.load_model(RequestModel(headers=[KeyValue("Authorization", "Bearer {{token}}"),
                                         KeyValue("X-Other", "{{nope}}")]))
    tab.refresh_variables()
    model = tab.editor.headers.model
    first, second = model.index(0, VALUE), model.index(1, VALUE)
    assert model.data(first, Qt.ItemDataRole.ForegroundRole) == VARIABLE
    assert model.data(second, Qt.ItemDataRole.ForegroundRole) == ERROR
    tip = model.data(first, Qt.ItemDataRole.ToolTipRole)
    assert "environment Dev" in tip and ENV_SECRET not in tip
    assert "not defined" in model.data(second, Qt.ItemDataRole.ToolTipRole)


def test_event_streams_and_websockets_are_recorded_too(
        qtbot: QtBot, window: MainWindow, playground: str) -> None:
    history = window.history
    assert history is not None
    tab = window.current_tab()
    assert tab is not None
    tab.load_model(RequestModel(url=f"{playground}/sse/ticker?count=3&interval=0.01",
                                mode="sse"))
    tab.send()
    qtbot.waitUntil(lambda: len(history) == 1, timeout=10000)
    entry = history.search("")[0]
    assert entry.status == 200 and "/sse/ticker" in entry.url
    assert entry.request["model"]["mode"] == "sse"

    ws_url = playground.replace("http://", "ws://") + "/ws/echo"
    tab.load_model(RequestModel(url=ws_url, mode="websocket"))
    tab.send()
    qtbot.waitUntil(lambda: len(history) == 2, timeout=10000)
    entry = history.search("")[0]
    assert entry.status == 101 and entry.url == ws_url
    tab.cancel()
    qtbot.waitUntil(lambda: not tab.busy, timeout=10000)

    tab.load_model(RequestModel(url="ws://127.0.0.1:1/", mode="websocket"))
    tab.send()
    qtbot.waitUntil(lambda: len(history) == 3, timeout=10000)
    failed = history.search("")[0]
    assert failed.status is None and failed.error


def test_tabs_follow_their_folder_and_save_back_into_it(
        qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtCore import QItemSelectionModel
    from PySide6.QtWidgets import QInputDialog

    from ui.sidebar.collections import PATH

    ws = _workspace(window)
    path = ws.new_request("Shop/Orders", RequestModel(name="List", url="http://x/"))
    window.workspace.start("rescan", window.workspace.rescan())
    tree = window.sidebar.collections
    qtbot.waitUntil(lambda: tree.request_count() == 1)
    window.open_from_workspace(path)
    qtbot.waitUntil(lambda: window.tab_of(path) is not None)
    tab = window.tab_of(path)
    assert tab is not None and not tab.modified

    tab.editor.url_bar.setText("http://x/?page=2")
    tab.editor.url_bar.textEdited.emit(tab.editor.url_bar.text())
    qtbot.waitUntil(lambda: tab.modified)  # an opened request tracks its edits

    for item in tree._iter():
        if item.data(PATH) == "Shop":
            flags = QItemSelectionModel.SelectionFlag
            tree.view.selectionModel().setCurrentIndex(
                tree.proxy.mapFromSource(item.index()), flags.ClearAndSelect | flags.Rows)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Store", True))
    tree.rename_selected()
    moved = window.workspace.root / "Store" / "Orders" / path.name
    qtbot.waitUntil(lambda: tab.origin == moved)
    assert tab.collection == "Store/Orders" and tab.modified
    window.save_current()
    qtbot.waitUntil(lambda: not tab.modified)
    assert "page=2" in moved.read_text()
    assert not (window.workspace.root / "Shop").exists()


def test_renaming_the_chosen_environment_keeps_it_chosen(qtbot: QtBot,
                                                         window: MainWindow) -> None:
    from ui.dialogs.environment_editor import EnvironmentEditor

    ws = _workspace(window)
    ws.save_environment("Dev", {"base": "http://dev"})
    window.workspace.environment_edited()
    qtbot.waitUntil(lambda: window.workspace.environments == ["Dev"])
    window.sidebar.environments.set_environments(["Dev"], "Dev")
    window.workspace.set_environment("Dev")
    qtbot.waitUntil(lambda: "base" in window.workspace.lookup(None))
    window.manage_environments()
    editor = window.findChild(EnvironmentEditor)
    assert editor is not None
    qtbot.waitUntil(lambda: not editor.is_busy() and editor.current_environment() == "Dev")
    editor.begin_name("rename")
    editor.name_edit.setText("Development")
    editor.confirm_name()
    qtbot.waitUntil(lambda: window.workspace.environments == ["Development"])
    assert window.workspace.environment == "Development"
    assert window.sidebar.environments.current() == "Development"
    assert window.state.environment == "Development"
    qtbot.waitUntil(lambda: "base" in window.workspace.lookup(None))
    editor.close()


def test_an_environment_secret_missing_from_the_keyring_is_told(
        qtbot: QtBot, window: MainWindow) -> None:
    Workspace(window.workspace.root, MemorySecrets()).save_environment(
        "Prod", {"apiKey": {"value": "k", "secret": True}})
    window.workspace.environment_edited()
    qtbot.waitUntil(lambda: window.workspace.environments == ["Prod"])
    window.workspace.set_environment("Prod")
    qtbot.waitUntil(lambda: "apiKey (environment Prod) is not in this computer's keyring"
                    in window.statusBar().currentMessage())


def test_the_chosen_environment_is_chosen_again_next_time(
        qtbot: QtBot, tmp_path: Path, data_dir: Path, secrets: MemorySecrets,
        run_async: Callable[..., Any]) -> None:
    window = _open(qtbot, tmp_path, data_dir, secrets)
    try:
        _workspace(window).save_environment("Dev", {"base": "http://dev"})
        window.workspace.environment_edited()
        qtbot.waitUntil(lambda: window.workspace.environments == ["Dev"])
        window.sidebar.environments.combo.setCurrentIndex(1)  # picked by the user
        assert window.state.environment == "Dev"
    finally:
        window.close()
        run_async(window.shutdown())
    again = _open(qtbot, tmp_path, data_dir, secrets)
    try:
        qtbot.waitUntil(lambda: again.workspace.environment == "Dev")
        assert again.sidebar.environments.current() == "Dev"
        qtbot.waitUntil(lambda: "base" in again.workspace.lookup(None))
    finally:
        again.close()
        run_async(again.shutdown())


# --- concurrent edits ------------------------------------------------------------------------


def _edit_url(qtbot: QtBot, tab: RequestTab, url: str) -> None:
    tab.editor.url_bar.setText(url)
    tab.editor.url_bar.textEdited.emit(url)
    qtbot.waitUntil(lambda: tab.modified)


def test_a_save_over_a_file_changed_outside_asks_in_the_window(
        qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault case: another window saved the same request (here: a write to its file).
    Ctrl+S shows the "changed on disk" question instead of writing. Reload shows the file's
    request in the tab; Overwrite writes the tab's; Save as makes a new file and leaves the
    other one's. Nothing is written without an answer, nothing is lost."""
    from ui.documents import DiskAnswer

    tab = window.current_tab()
    assert tab is not None
    tab.load_model(RequestModel(url="http://127.0.0.1:9/a"))
    path = _save_new(qtbot, window, monkeypatch, "Shared", "Team")
    ws = _workspace(window)
    answers: list[DiskAnswer] = []
    asked: list[tuple[str, bool]] = []

    def ask(parent: object, title: str, deleted: bool) -> DiskAnswer:
        asked.append((title, deleted))
        return answers.pop(0)

    monkeypatch.setattr("ui.dialogs.changed_on_disk.ask_changed_on_disk", ask)

    def outside(url: str) -> None:
        ws.save_request("Team", RequestModel(name="Shared", url=url), path.stem)

    # Reload: the tab shows theirs.
    _edit_url(qtbot, tab, "http://127.0.0.1:9/mine")
    outside("http://127.0.0.1:9/theirs")
    answers.append(DiskAnswer.RELOAD)
    window.save_current()
    qtbot.waitUntil(lambda: tab.to_model().url == "http://127.0.0.1:9/theirs")
    assert asked == [("Shared", False)] and not tab.modified
    # (Its banner, shown if the watcher saw the write first, goes with the reload.)
    qtbot.waitUntil(lambda: tab._disk_banner is None or not tab._disk_banner.isVisible())

    # Overwrite: the file gets the tab's request.
    _edit_url(qtbot, tab, "http://127.0.0.1:9/mine")
    outside("http://127.0.0.1:9/theirs-2")
    answers.append(DiskAnswer.OVERWRITE)
    window.save_current()
    qtbot.waitUntil(lambda: ws.load_request(path).url == "http://127.0.0.1:9/mine")
    qtbot.waitUntil(lambda: not tab.modified)

    # Save as: a new file; theirs stays.
    _edit_url(qtbot, tab, "http://127.0.0.1:9/mine-2")
    outside("http://127.0.0.1:9/theirs-3")
    answers.append(DiskAnswer.SAVE_AS)
    monkeypatch.setattr("ui.dialogs.save_dialog.ask_where_to_save",
                        lambda *a, **k: ("Shared mine", "Team"))
    window.save_current()
    qtbot.waitUntil(lambda: tab.origin is not None and tab.origin != path)
    assert tab.origin is not None
    assert ws.load_request(tab.origin).url == "http://127.0.0.1:9/mine-2"
    assert ws.load_request(path).url == "http://127.0.0.1:9/theirs-3"
    assert len(asked) == 3


def test_the_changed_on_disk_dialog_maps_its_buttons(qtbot: QtBot) -> None:
    """The question itself: Save as is the default (it loses nothing); a deleted file offers
    no Reload; Cancel saves nothing (None)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from ui.dialogs.changed_on_disk import ask_changed_on_disk
    from ui.dialogs.changed_on_disk_words import changed_on_disk_question
    from ui.documents import DiskAnswer

    def press(text: str | None, seen: list[list[str]]) -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen.append([b.text() for b in box.buttons()])
        # The words the fault table (tests/faults/test_changed_on_disk.py) checks.
        seen.append([box.text(), box.informativeText()])
        if text is None:
            box.button(QMessageBox.StandardButton.Cancel).click()
        else:
            next(b for b in box.buttons() if b.text() == text).click()

    for text, deleted, expected in (("Reload", False, DiskAnswer.RELOAD),
                                    ("Overwrite", True, DiskAnswer.OVERWRITE),
                                    ("Save as…", False, DiskAnswer.SAVE_AS),
                                    (None, False, None)):
        seen: list[list[str]] = []
        QTimer.singleShot(0, lambda t=text, s=seen: press(t, s))
        assert ask_changed_on_disk(None, "Shared", deleted) is expected
        assert ("Reload" in seen[0]) is not deleted
        assert tuple(seen[1]) == changed_on_disk_question("Shared", deleted)


def test_the_window_follows_changes_made_outside(
        qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault case: a ``git pull`` while the window is open. Without a restart, the tree shows
    the new collection and request, keeping what was expanded and selected; the open tab
    without edits shows the pulled request; a
    tab with edits keeps them and shows "changed on disk: Reload / Keep mine", and Reload
    there shows the file's request."""
    tab = window.current_tab()
    assert tab is not None
    tab.load_model(RequestModel(url="http://127.0.0.1:9/a"))
    path = _save_new(qtbot, window, monkeypatch, "Pulled", "Team")
    tree = window.sidebar.collections
    qtbot.waitUntil(lambda: tree.request_count() == 1)
    ws = Workspace(_workspace(window).root, MemorySecrets())  # "git": another writer
    tree.select_path(path)
    assert tree._current_path() == str(path) and "Team" in tree._expanded_paths()

    ws.save_request("Team", RequestModel(name="Pulled", url="http://127.0.0.1:9/v2"),
                    path.stem)
    ws.save_request("Upstream", RequestModel(name="New upstream"))
    qtbot.waitUntil(lambda: tree.request_count() == 2, timeout=5000)
    assert tree._current_path() == str(path) and "Team" in tree._expanded_paths()
    qtbot.waitUntil(lambda: tab.to_model().url == "http://127.0.0.1:9/v2", timeout=5000)
    assert not tab.modified

    _edit_url(qtbot, tab, "http://127.0.0.1:9/mine")
    ws.save_request("Team", RequestModel(name="Pulled", url="http://127.0.0.1:9/v3"),
                    path.stem)
    qtbot.waitUntil(lambda: tab._disk_banner is not None and tab._disk_banner.isVisible(),
                    timeout=5000)
    assert tab.to_model().url == "http://127.0.0.1:9/mine" and tab.modified
    from ui.request.disk_change_banner import DiskChangeBanner

    banner = tab._disk_banner
    assert isinstance(banner, DiskChangeBanner)
    assert "changed on disk" in banner.label.text()
    banner.reload_button.click()
    qtbot.waitUntil(lambda: tab.to_model().url == "http://127.0.0.1:9/v3")
    assert not tab.modified and not banner.isVisible()


def test_keys_typed_just_before_a_pull_are_not_reloaded_away(
        qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault case: a pull lands within the moment before the tab compares a fresh edit with
    its file (it waits for typing to pause). The tab still counts as edited: it shows the
    banner instead of reloading, and the keys just typed stay."""
    tab = window.current_tab()
    assert tab is not None
    tab.load_model(RequestModel(url="http://127.0.0.1:9/a"))
    path = _save_new(qtbot, window, monkeypatch, "Typed", "Team")
    qtbot.waitUntil(lambda: not tab.modified)
    tab.editor.url_bar.setText("http://127.0.0.1:9/typed")
    tab.editor.url_bar.textEdited.emit(tab.editor.url_bar.text())
    assert tab.modified  # compared at once, though the pause has not come yet
    Workspace(path.parents[1], MemorySecrets()).save_request(
        "Team", RequestModel(name="Typed", url="http://127.0.0.1:9/pulled"), path.stem)
    qtbot.waitUntil(lambda: tab._disk_banner is not None and tab._disk_banner.isVisible(),
                    timeout=5000)
    assert tab.to_model().url == "http://127.0.0.1:9/typed"
