"""ui.modes.registry: a mode plugs in by registering, and the request tab drives it with no
knowledge of it. A tiny fake mode (a controller and a pane of a few lines) proves it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from app.model.request import RequestMode, RequestModel
from app.storage.history import HistoryEntry, Outcome
from ui.modes.base import ConnectionState, ModeHost, ModeParts
from ui.modes.registry import MODES, ModeRegistry, ModeSpec
from ui.request_tab import RequestTab
from ui.tasks import TaskRunner


class PingController(QObject):
    """Opens at once on start, stays open until stopped."""

    state_changed = Signal(object)
    exchanged = Signal(object, object, object)

    def __init__(self) -> None:
        super().__init__()
        self.state = ConnectionState.IDLE
        self.disposed = False

    @property
    def busy(self) -> bool:
        return self.state == ConnectionState.OPEN

    def start(self, model: RequestModel, variables: Any = None) -> None:
        self.state = ConnectionState.OPEN
        self.exchanged.emit(model, Outcome(time.time(), 0.0, 299, url="ping://done"), ("s3",))
        self.state_changed.emit(self.state)

    def stop(self) -> bool:
        if not self.busy:
            return False
        self.state = ConnectionState.STOPPED
        self.state_changed.emit(self.state)
        return True

    def dispose(self) -> None:
        self.disposed = True


def build_ping(host: ModeHost) -> ModeParts:
    pane = QLineEdit()  # the note the mode keeps in the model

    def to_model(model: RequestModel) -> None:
        model.ws_subprotocols = [pane.text()] if pane.text() else []

    def load_model(model: RequestModel) -> None:
        pane.setText(",".join(model.ws_subprotocols))

    return ModeParts(PingController(), pane, to_model=to_model, load_model=load_model)


#: The fake takes a mode value this registry does not otherwise use.
PING = ModeSpec(RequestMode.SSE, "Ping", "Ping", "Unping", "Ping the URL", build_ping,
                schemes=("ping",), selected_by=("ping",), fields=("ws_subprotocols",))


@pytest.fixture
def tab(qtbot: QtBot, qt_loop: Any) -> Iterator[RequestTab]:
    registry = ModeRegistry()
    registry.register(MODES.get(RequestMode.HTTP))
    registry.register(PING)

    def sessions() -> Any:
        raise AssertionError("the fake mode sends nothing")

    made = RequestTab(TaskRunner(), sessions, 7, None, modes=registry)
    qtbot.addWidget(made)
    yield made
    made.dispose()


def test_a_registered_mode_is_driven_by_the_tab(qtbot: QtBot, tab: RequestTab) -> None:
    assert [tab.mode_box.itemText(i) for i in range(tab.mode_box.count())] == ["HTTP", "Ping"]
    entries: list[HistoryEntry] = []
    tab.exchanged.connect(entries.append)

    tab.editor.url_bar.setText("ping://example")  # its scheme selects the mode
    assert tab.mode == RequestMode.SSE and tab.send_button.text() == "Ping"
    assert tab.lower.currentWidget() is tab.pane(RequestMode.SSE)
    controller = tab.controller
    assert isinstance(controller, PingController)

    tab.send()
    assert tab.busy and tab.send_button.text() == "Unping"
    [entry] = entries
    assert (entry.url, entry.status, entry.request["model"]["mode"]) == ("ping://done", 299,
                                                                         "sse")
    assert tab.cancel() and not tab.busy and tab.send_button.text() == "Ping"
    assert not tab.cancel()

    tab.editor.url_bar.setText("http://example.test/")  # and leaving it goes back to HTTP
    assert tab.mode == RequestMode.HTTP and tab.send_button.text() == "Send"
    tab.dispose()
    assert controller.disposed


def test_the_mode_keeps_its_fields_before_and_after_its_pane_exists(tab: RequestTab) -> None:
    model = RequestModel(url="ping://x", mode=RequestMode.SSE, ws_subprotocols=["note"])
    tab.set_mode(RequestMode.HTTP)
    assert RequestMode.SSE not in tab._parts
    # Loaded in HTTP first: the fake's pane is not built, its field is kept as loaded.
    http_model = RequestModel(url="http://x/", ws_subprotocols=["kept"])
    tab.load_model(http_model)
    assert tab.to_model().ws_subprotocols == ["kept"]
    tab.load_model(model)
    assert tab.mode == RequestMode.SSE
    pane = tab.pane(RequestMode.SSE)
    assert isinstance(pane, QLineEdit) and pane.text() == "note"
    pane.setText("changed")
    again = tab.to_model()
    assert (again.mode, again.ws_subprotocols, again.url) == (RequestMode.SSE, ["changed"],
                                                              "ping://x")
    tab.load_model(model)
    assert tab.to_model().to_dict() == model.to_dict()


def test_urls_select_modes_by_scheme() -> None:
    assert MODES.for_url(RequestMode.HTTP, "ws://h/") is MODES.get(RequestMode.WEBSOCKET)
    assert MODES.for_url(RequestMode.SSE, "wss://h/") is MODES.get(RequestMode.WEBSOCKET)
    assert MODES.for_url(RequestMode.WEBSOCKET, "https://h/") is MODES.get(RequestMode.HTTP)
    assert MODES.for_url(RequestMode.SSE, "http://h/") is None
    assert MODES.for_url(RequestMode.HTTP, "https://h/") is None
    assert MODES.for_url(RequestMode.WEBSOCKET, "ws://h/") is None
    assert MODES.for_url(RequestMode.HTTP, "example.test") is None
    assert MODES.for_media_type("text/event-stream") is MODES.get(RequestMode.SSE)
    assert MODES.for_media_type("text/plain") is None


def test_a_new_tab_does_not_import_the_stream_modes() -> None:
    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from ui.request_tab import RequestTab\n"
        "from ui.tasks import TaskRunner\n"
        "tab = RequestTab(TaskRunner(), lambda: None, 1, None)\n"
        "print(sorted(m for m in sys.modules if m.startswith(('ui.modes.events', "
        "'ui.modes.websocket'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.stdout.strip() == "[]"


def test_the_button_follows_each_built_in_mode(qtbot: QtBot, qt_loop: Any, playground: str,
                                               run_async: Any) -> None:
    from app.model.compose import SessionPool

    pool = SessionPool()
    made = RequestTab(TaskRunner(), lambda: pool, 8, None)
    qtbot.addWidget(made)
    try:
        made.load_model(RequestModel(url=f"{playground}/delay/10"))
        made.send()
        assert made.busy and made.send_button.text() == "Cancel"
        assert made.cancel() and made.send_button.text() == "Send"
        assert made.response.status_text == "Cancelled"
        made.load_model(RequestModel(url=f"{playground}/delay/10", mode=RequestMode.SSE))
        assert made.send_button.text() == "Stream"
        made.send()
        assert made.busy and made.send_button.text() == "Stop"
        assert made.cancel() and made.send_button.text() == "Stream"
    finally:
        made.dispose()
        run_async(pool.close())


def test_a_plain_response_handed_to_the_events_mode(qtbot: QtBot, qt_loop: Any,
                                                    playground: str, run_async: Any) -> None:
    """The HTTP mode gives a text/event-stream response to the mode that takes that media
    type; the send is recorded once, and Stop there stops the HTTP read too."""
    from app.model.compose import SessionPool

    pool = SessionPool()
    made = RequestTab(TaskRunner(), lambda: pool, 9, None)
    qtbot.addWidget(made)
    entries: list[HistoryEntry] = []
    made.exchanged.connect(entries.append)
    try:
        made.load_model(RequestModel(url=f"{playground}/sse/ticker?count=4&interval=0.01"))
        made.send()
        qtbot.waitUntil(lambda: not made.busy, timeout=10000)
        events: Any = made.pane(RequestMode.SSE)
        assert made.mode == RequestMode.HTTP and made.lower.currentWidget() is events
        # The pane hears of the end from its own controller, a moment after the send's task.
        qtbot.waitUntil(lambda: events.state == ConnectionState.ENDED, timeout=10000)
        assert events.log.total == 4
        [entry] = entries
        assert entry.status == 200 and entry.request["model"]["mode"] == "http"

        made.load_model(RequestModel(url=f"{playground}/sse/ticker?count=100&interval=0.5"))
        made.send()
        qtbot.waitUntil(lambda: events.state == ConnectionState.OPEN, timeout=10000)
        assert made.busy and made.send_button.text() == "Cancel"
        events.stop()
        assert not made.busy and made.send_button.text() == "Send"
        assert events.state == ConnectionState.STOPPED
    finally:
        made.dispose()
        run_async(pool.close())


class TitledPane(QLineEdit):
    """A pane whose program has a title of its own (as a terminal's does)."""

    retitled = Signal(str)


def test_a_mode_adds_its_title_to_the_tab_while_it_is_shown(qtbot: QtBot, qt_loop: Any) -> None:
    def build(host: ModeHost) -> ModeParts:
        pane = TitledPane()
        return ModeParts(PingController(), pane, title_changed=pane.retitled)

    registry = ModeRegistry()
    registry.register(MODES.get(RequestMode.HTTP))
    registry.register(ModeSpec(RequestMode.SSE, "Titled", "Go", "Stop", "", build))
    made = RequestTab(TaskRunner(), lambda: None, 3, None, modes=registry)
    qtbot.addWidget(made)
    plain = made.title()
    titles: list[str] = []
    made.title_changed.connect(titles.append)
    made.set_mode(RequestMode.SSE)
    pane = made.pane(RequestMode.SSE)
    assert isinstance(pane, TitledPane)
    pane.retitled.emit("vim notes.txt")
    assert made.title() == f"{plain} — vim notes.txt" and titles[-1] == made.title()
    made.set_mode(RequestMode.HTTP)  # the other mode's program is not this one's title
    assert titles[-1] == made.title() == plain
    made.dispose()
