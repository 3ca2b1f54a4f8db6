"""The status line and the Tools menu follow what is under way: a device grant's code leaves
the status line once the grant has its token (a send in a window, against the playground's
OAuth 2.0 provider, approved on its verification page as a user would); Tools offers Start
playground or Stop playground as it stands."""

from __future__ import annotations

import re
import threading
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from app.model.request import AuthKind, AuthModel, RequestModel
from app.playground.oauth_store import DEMO_CLIENT_ID
from app.storage.secrets import MemorySecrets
from tests.ui.helpers import shown_window
from ui.window_state import WindowState


def _approve(uri: str, code: str) -> None:
    query = urllib.parse.urlencode({"user_code": code, "approve": "1"})
    with urllib.request.urlopen(f"{uri}?{query}", timeout=10) as page:
        assert b"approved" in page.read()


def test_the_code_leaves_the_status_line_with_the_token(
        qtbot: QtBot, run_async: Callable[..., Any], playground: str, tmp_path: Path) -> None:
    state = WindowState(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    with shown_window(qtbot, run_async, state, secrets=MemorySecrets()) as window:
        auth = AuthModel(AuthKind.OAUTH2, grant="device_code",
                         token_url=playground + "/oauth/token",
                         device_url=playground + "/oauth/device?interval=0",
                         client_id=DEMO_CLIENT_ID, scope="read")
        tab = window.new_tab(RequestModel(url=playground + "/oauth/me", auth=auth))
        status = window.statusBar()
        tab.send()
        qtbot.waitUntil(lambda: "enter the code" in status.currentMessage(), timeout=15000)
        found = re.search(r"open (\S+) and enter the code (\S+)", status.currentMessage())
        assert found is not None
        approving = threading.Thread(target=_approve, args=found.groups())
        approving.start()
        qtbot.waitUntil(lambda: not tab.busy, timeout=20000)
        approving.join(10)
        assert tab.response.status.text() == "200 OK"
        assert "enter the code" not in status.currentMessage()


def test_two_grants_codes_each_leave_with_their_own_grant(
        qtbot: QtBot, run_async: Callable[..., Any], tmp_path: Path) -> None:
    state = WindowState(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    with shown_window(qtbot, run_async, state, secrets=MemorySecrets()) as window:
        cache, status = window.sessions().auth_cache, window.statusBar()
        cache.on_code("http://id/a", "AAAA")
        cache.on_code("http://id/b", "BBBB")
        assert "BBBB" in status.currentMessage()
        cache.on_code_done("http://id/b", "BBBB")  # B has its token: A is still waiting
        assert "AAAA" in status.currentMessage()
        status.showMessage("Saved")  # something else said since
        cache.on_code_done("http://id/a", "AAAA")
        assert status.currentMessage() == "Saved"


def test_the_tools_menu_offers_start_or_stop_as_the_playground_stands(
        qtbot: QtBot, run_async: Callable[..., Any], tmp_path: Path) -> None:
    from PySide6.QtWidgets import QMenu

    state = WindowState(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    with shown_window(qtbot, run_async, state, secrets=MemorySecrets()) as window:
        tools = next(m for m in window.menuBar().findChildren(QMenu) if m.title() == "&Tools")

        def offered() -> tuple[bool, bool]:
            tools.aboutToShow.emit()
            actions = {a.text(): a for a in tools.actions()}
            return (actions["Start playground"].isEnabled(),
                    actions["Stop playground"].isEnabled())

        assert offered() == (True, False)
        start = next(a for a in tools.actions() if a.text() == "Start playground")
        start.trigger()
        qtbot.waitUntil(lambda: window.playground_state() == "running", timeout=20000)
        assert offered() == (False, True)
        next(a for a in tools.actions() if a.text() == "Stop playground").trigger()
        assert window.playground_state() == "stopped"
        assert offered() == (True, False)
