"""Fault cases through the whole window: a secret sent percent-encoded (an API key in the
query, a secret environment variable in the URL) is in no form in any file the window wrote,
and the history database and the settings file are readable by their owner alone."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from app.model.request import AuthKind, AuthModel, RequestModel
from app.storage.secrets import MemorySecrets
from ui.main_window import MainWindow
from ui.window_state import WindowState

API_KEY = "k3y+abc/def=="
ENV_SECRET = "v@r s3cret/+?"


def _forms(secret: str) -> set[str]:
    forms = {secret, quote_plus(secret), json.dumps(secret)[1:-1]}
    for safe in ("", "/", "/?:@!$'()*,", "/:@!$&'()*+,;="):
        forms |= {quote(secret, safe=safe), quote(secret, safe=safe).lower()}
    return forms


def test_no_form_of_a_sent_secret_in_any_file_the_window_writes(
        qtbot: QtBot, tmp_path: Path, playground: str, run_async: Callable[..., Any]) -> None:
    """Fault: the API key ``k3y+abc/def==`` sent in the query was stored in the history as
    ``k3y%2Babc/def%3D%3D``, and a secret variable in the URL likewise. The user sees
    ``•••`` in the history list; no form of either is in the history, the settings or the
    workspace, and the history and settings files are 0600."""
    secrets = MemorySecrets()
    state = WindowState(QSettings(str(tmp_path / "spyglass.ini"), QSettings.Format.IniFormat))
    state.mark_seen()
    window = MainWindow(state, secrets=secrets, data_dir=tmp_path / "data")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    try:
        workspace = window.workspace.workspace
        workspace.save_environment("Local", {"tok": {"value": ENV_SECRET, "secret": True}})
        window.workspace.environment_edited()
        qtbot.waitUntil(lambda: window.workspace.environments == ["Local"])
        window.sidebar.environments.set_environments(["Local"], "Local")
        window.workspace.set_environment("Local")
        qtbot.waitUntil(lambda: "tok" in window.workspace.lookup(None))
        tab = window.current_tab()
        assert tab is not None
        tab.load_model(RequestModel(
            url=f"{playground}/echo?v={{{{tok}}}}",
            auth=AuthModel(kind=AuthKind.API_KEY, key_name="api_key", key_value=API_KEY,
                           key_location="query")))
        tab.send()
        qtbot.waitUntil(lambda: not tab.busy and tab.send_button.text() == "Send",
                        timeout=20000)
        store = tab.response.body.store
        assert store is not None
        qtbot.waitUntil(lambda: store.size > 0)
        echoed = json.loads(store.read(0, store.size))
        assert ["api_key", API_KEY] in echoed["query"]  # really sent
        history = window.history
        assert history is not None
        qtbot.waitUntil(lambda: len(history) == 1)
        entry = history.search("")[0]
        assert "api_key=•••" in entry.url and "v=•••" in entry.url
    finally:
        window.close()
        run_async(window.shutdown())
    written = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert any(p.name == "history.sqlite3" for p in written)
    for path, data in written.items():
        for secret in (API_KEY, ENV_SECRET):
            for form in _forms(secret):
                assert form.encode() not in data, (path, form)
    if os.name == "posix":
        for name in ("history.sqlite3", "spyglass.ini"):
            (path,) = [p for p in written if p.name == name]
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
