"""The History page: a real database, searched, opened, deleted and cleared like a user does."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu, QMessageBox
from pytestqt.qtbot import QtBot

from app.storage.history import History, HistoryEntry
from ui.sidebar import history_panel
from ui.sidebar.history_model import DAY_ROLE, day_label, matches, relative_time
from ui.sidebar.history_panel import HistoryPanel
from ui.tasks import TaskRunner

Button = QMessageBox.StandardButton
NOW = time.time()


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    db = History(tmp_path / "history.sqlite3")
    yield db
    db.close()


def record(history: History, method: str, url: str, status: int | None = 200, *,
           error: str | None = None, ago: float = 0.0, size: int = 1536) -> HistoryEntry:
    """Store an entry as the window does, and return it as the database gives it back."""
    entry_id = history.add(HistoryEntry(method=method, url=url, status=status, error=error,
                                        duration=0.05, response_size=size,
                                        request={"method": method, "url": url},
                                        time=NOW - ago))
    stored = history.get(entry_id)
    assert stored is not None
    return stored


@pytest.fixture
def make_panel(qtbot: QtBot, qt_loop: Any) -> Iterator[Callable[..., HistoryPanel]]:
    runner = TaskRunner()

    def make(history: History | None, reason: str = "") -> HistoryPanel:
        panel = HistoryPanel(history, runner, unavailable_reason=reason)
        qtbot.addWidget(panel)
        panel.resize(320, 480)
        panel.show()
        qtbot.waitExposed(panel)
        qtbot.waitUntil(lambda: not panel.loading, timeout=5000)
        return panel

    yield make
    runner.cancel_all()


def urls(panel: HistoryPanel) -> list[str]:
    return [e.url for e in panel.entries()]


def search(qtbot: QtBot, panel: HistoryPanel, text: str) -> None:
    """Type ``text`` into the search field (replacing it) and wait for the list."""
    panel.search.selectAll()
    if text:
        qtbot.keyClicks(panel.search, text)
    else:
        panel.search.clear()
    qtbot.waitUntil(lambda: panel._query == text and not panel.loading, timeout=5000)


def test_unavailable_history_says_why(make_panel: Callable[..., HistoryPanel]) -> None:
    panel = make_panel(None, "The history database /x/history.sqlite3 cannot be opened: disk "
                             "I/O error")
    assert panel.unavailable.isVisible()
    assert panel.unavailable.text() == ("History is not available: The history database "
                                        "/x/history.sqlite3 cannot be opened: disk I/O error")
    assert not panel.search.isVisible()
    assert not panel.view.isVisible()
    panel.refresh()
    panel.add(HistoryEntry("GET", "https://example.com", id=1))
    assert panel.entries() == []


def test_lists_newest_first_and_shows_the_empty_state(qtbot: QtBot, history: History,
                                                      make_panel: Callable[..., HistoryPanel]
                                                      ) -> None:
    panel = make_panel(history)
    assert panel.empty.isVisible()
    assert panel.empty.text() == "No requests sent yet"

    record(history, "GET", "https://api.example.com/users", ago=3 * 86400)
    record(history, "POST", "https://api.example.com/orders", 201, ago=120)
    failed = record(history, "GET", "https://down.example.com/", None,
                    error="Could not connect: connection refused", ago=5)
    panel.refresh()
    qtbot.waitUntil(lambda: not panel.loading)
    assert urls(panel) == ["https://down.example.com/", "https://api.example.com/orders",
                           "https://api.example.com/users"]
    assert panel.view.isVisible()
    model = panel.model
    assert model.index(0).data(DAY_ROLE) == "Today"
    assert model.index(1).data(DAY_ROLE) == ""  # same day as the row above
    assert model.index(2).data(DAY_ROLE) != ""
    tip = model.index(0).data(Qt.ItemDataRole.ToolTipRole)
    assert "Failed: Could not connect: connection refused" in tip
    assert panel.entries()[0] == failed
    assert not panel.grab().isNull()  # the delegate paints every kind of row
    # A gRPC call shows its code's name.
    history.add(HistoryEntry(method="GRPC", url="grpc://127.0.0.1:9/pkg.Svc/Get", status=5,
                             request={"grpc": {"code": "NOT_FOUND"}}, time=NOW))
    panel.refresh()
    qtbot.waitUntil(lambda: not panel.loading and len(panel.entries()) == 4)
    assert "Status NOT_FOUND" in model.index(0).data(Qt.ItemDataRole.ToolTipRole)
    assert not panel.grab().isNull()


def test_search_filters_as_you_type(qtbot: QtBot, history: History,
                                    make_panel: Callable[..., HistoryPanel]) -> None:
    record(history, "GET", "https://api.example.com/users", ago=30)
    record(history, "DELETE", "https://api.example.com/users/7", 204, ago=20)
    record(history, "GET", "https://other.test/health", 503, ago=10)
    panel = make_panel(history)
    assert len(panel.entries()) == 3

    search(qtbot, panel, "users")
    assert urls(panel) == ["https://api.example.com/users/7", "https://api.example.com/users"]
    search(qtbot, panel, "delete")  # the method, ignoring case
    assert urls(panel) == ["https://api.example.com/users/7"]
    search(qtbot, panel, "503")  # the status
    assert urls(panel) == ["https://other.test/health"]
    search(qtbot, panel, "nothing like this")
    assert panel.entries() == []
    assert panel.empty.isVisible()
    assert panel.empty.text() == "No match"
    search(qtbot, panel, "")
    assert len(panel.entries()) == 3


def test_add_puts_a_new_entry_on_top_when_the_filter_finds_it(
        qtbot: QtBot, history: History, make_panel: Callable[..., HistoryPanel]) -> None:
    record(history, "GET", "https://api.example.com/users", ago=30)
    panel = make_panel(history)
    search(qtbot, panel, "api.example")
    panel.add(record(history, "POST", "https://api.example.com/orders", 201))
    assert urls(panel) == ["https://api.example.com/orders", "https://api.example.com/users"]
    panel.add(record(history, "GET", "https://elsewhere.test/"))  # not found by the filter
    assert len(panel.entries()) == 2
    panel.add(panel.entries()[0])  # the same entry twice is shown once
    assert len(panel.entries()) == 2
    search(qtbot, panel, "")
    assert urls(panel)[0] == "https://elsewhere.test/"

    # Recorded while a search runs: kept when the answer comes.
    panel.search.setText("orders")
    panel.refresh()
    assert panel.loading
    late = record(history, "PUT", "https://api.example.com/orders/1")
    history.delete(late.id or 0)  # the search (if it runs after this) cannot find it
    panel.add(late)
    qtbot.waitUntil(lambda: not panel.loading)
    assert urls(panel)[0] == "https://api.example.com/orders/1"


def test_double_click_and_enter_open_the_entry(qtbot: QtBot, history: History,
                                               make_panel: Callable[..., HistoryPanel]) -> None:
    record(history, "GET", "https://api.example.com/a", ago=20)
    second = record(history, "PATCH", "https://api.example.com/b", ago=10)
    panel = make_panel(history)
    first_row = panel.view.visualRect(panel.model.index(1)).center()
    with qtbot.waitSignal(panel.open_entry) as opened:
        qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=first_row)
        qtbot.mouseDClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=first_row)
    entry = opened.args[0]
    assert isinstance(entry, HistoryEntry)
    assert entry.url == "https://api.example.com/a"
    assert entry.request == {"method": "GET", "url": "https://api.example.com/a"}

    panel.view.setFocus()
    panel.view.setCurrentIndex(panel.model.index(0))
    with qtbot.waitSignal(panel.open_entry) as opened:
        qtbot.keyClick(panel.view, Qt.Key.Key_Return)
    assert opened.args == [second]


class MenuChoice:
    """Stands in for QMenu.exec: records the menu's actions and triggers the one named."""

    def __init__(self) -> None:
        self.pick = ""
        self.seen: list[str] = []

    def __call__(self, menu: QMenu, *_args: Any) -> None:
        actions = {a.text(): a for a in menu.actions() if not a.isSeparator()}
        self.seen = list(actions)
        if self.pick:
            assert actions[self.pick].isEnabled()
            actions[self.pick].trigger()


@pytest.fixture
def menu(monkeypatch: pytest.MonkeyPatch) -> MenuChoice:
    choice = MenuChoice()

    class Menu(QMenu):
        def exec(self, *args: Any) -> None:  # type: ignore[override]
            choice(self, *args)

    monkeypatch.setattr(history_panel, "QMenu", Menu)
    return choice


def open_menu(panel: HistoryPanel, row: int) -> None:
    pos = panel.view.visualRect(panel.model.index(row)).center() if row >= 0 else QPoint(5, 400)
    panel.view.customContextMenuRequested.emit(pos)


def test_context_menu_copy_and_delete(qtbot: QtBot, history: History, menu: MenuChoice,
                                      make_panel: Callable[..., HistoryPanel]) -> None:
    record(history, "GET", "https://api.example.com/keep", ago=20)
    doomed = record(history, "DELETE", "https://api.example.com/doomed", ago=10)
    panel = make_panel(history)

    menu.pick = "Copy URL"
    open_menu(panel, 0)
    assert menu.seen == ["Open", "Copy URL", "Delete", "Clear all…", "History limits…"]
    assert QGuiApplication.clipboard().text() == "https://api.example.com/doomed"

    menu.pick = "Open"
    with qtbot.waitSignal(panel.open_entry) as opened:
        open_menu(panel, 0)
    assert opened.args == [doomed]

    menu.pick = "Delete"
    open_menu(panel, 0)
    qtbot.waitUntil(lambda: len(panel.entries()) == 1)
    assert urls(panel) == ["https://api.example.com/keep"]
    assert history.get(doomed.id or 0) is None
    assert len(history) == 1


def test_clear_all_asks_first(qtbot: QtBot, history: History, menu: MenuChoice,
                              monkeypatch: pytest.MonkeyPatch,
                              make_panel: Callable[..., HistoryPanel]) -> None:
    for n in range(3):
        record(history, "GET", f"https://api.example.com/{n}", ago=n)
    panel = make_panel(history)
    answers = [Button.Cancel, Button.Yes]
    asked: list[str] = []

    def question(_parent: Any, title: str, text: str, *_args: Any) -> Button:
        asked.append(text)
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    menu.pick = "Clear all…"
    open_menu(panel, -1)  # below the rows: no entry actions
    assert menu.seen == ["Clear all…", "History limits…"]
    assert "Delete every request from the history?" in asked[0]
    assert len(history) == 3
    assert len(panel.entries()) == 3

    open_menu(panel, -1)
    qtbot.waitUntil(lambda: not panel.entries())
    assert len(history) == 0
    assert panel.empty.isVisible()
    assert panel.empty.text() == "No requests sent yet"


def test_a_failing_database_is_reported_in_the_panel(qtbot: QtBot, history: History,
                                                     make_panel: Callable[..., HistoryPanel]
                                                     ) -> None:
    record(history, "GET", "https://api.example.com/")
    panel = make_panel(history)
    history.close()  # every call fails from now on
    panel.refresh()
    qtbot.waitUntil(panel.message.isVisible)
    assert panel.message.text().startswith("Could not read the history:")
    assert len(panel.entries()) == 1  # what was shown stays


def test_words() -> None:
    now = datetime(2024, 6, 12, 15, 0).timestamp()
    assert relative_time(now - 3, now) == "just now"
    assert relative_time(now - 42, now) == "42 s ago"
    assert relative_time(now - 125, now) == "2 min ago"
    assert relative_time(now - 3 * 3600, now) == "3 h ago"
    assert relative_time(datetime(2024, 6, 11, 9, 30).timestamp(), now) == "yesterday 09:30"
    assert relative_time(datetime(2024, 6, 9, 9, 30).timestamp(), now) == "3 days ago"
    assert relative_time(datetime(2024, 1, 2).timestamp(), now) == "02 Jan"
    assert relative_time(datetime(2023, 1, 2).timestamp(), now) == "02 Jan 2023"
    today = date(2024, 6, 12)
    assert day_label(today, today) == "Today"
    assert day_label(today - timedelta(days=1), today) == "Yesterday"
    assert day_label(date(2024, 6, 3), today) == "Monday 3 June"
    entry = HistoryEntry("GET", "https://Example.com/Users", status=404, error=None)
    assert matches(entry, "example.COM/users")
    assert matches(entry, "404")
    assert not matches(entry, "500")
