"""Tools ▸ Limits…: the values set are kept in the window's settings and apply at once to the
next send (the session already open included), event stream and import; a bad stored value
is the default."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFormLayout, QLabel
from pytestqt.qtbot import QtBot

from app.model.compose import SessionPool
from app.model.limit_settings import MAX_SIZE_MIB, LimitSettings
from app.model.request import RequestMode, RequestModel
from app.storage.secrets import MemorySecrets
from tests.client.server import ServerThread
from tests.ui.helpers import answer_limits, shown_window
from ui.dialogs.limits import LimitsDialog
from ui.main_window import MainWindow
from ui.modes.base import ConnectionState
from ui.modes.events.event_stream_controller import EventStreamController
from ui.request_tab import RequestTab
from ui.tasks import TaskRunner
from ui.window_state import WindowState

MIB = 1 << 20
#: JSON lines that compress some 10 to 20 times (far below the default ratio of 1000),
#: decoded past the ratio's grace of 8 MiB.
COMPRESSIBLE = b"".join(b'{"n": %d, "name": "item %d"}\n' % (i, i) for i in range(400_000))


async def _gzipped(_request: web.Request) -> web.Response:
    return web.Response(body=gzip.compress(COMPRESSIBLE),
                        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})


async def _big_event(_request: web.Request) -> web.Response:
    return web.Response(body=b"data: " + b"x" * (2 * MIB) + b"\n\n",
                        headers={"Content-Type": "text/event-stream"})


def _app() -> web.Application:
    app = web.Application()
    app.router.add_get("/gzipped", _gzipped)
    app.router.add_get("/big-event", _big_event)
    return app


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    srv = ServerThread(_app).start()
    yield srv.url
    srv.stop()


def _state(path: Path) -> WindowState:
    return WindowState(QSettings(str(path), QSettings.Format.IniFormat))


@pytest.fixture
def settings_path(tmp_path: Path) -> Path:
    return tmp_path / "spyglass.ini"


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path, settings_path: Path,
           run_async: Callable[..., Any]) -> Iterator[MainWindow]:
    state = _state(settings_path)
    state.mark_seen()
    with shown_window(qtbot, run_async, state, secrets=MemorySecrets(),
                      data_dir=tmp_path / "data") as w:
        yield w


def _send(qtbot: QtBot, tab: RequestTab, url: str) -> None:
    tab.load_model(RequestModel(url=url))
    tab.send()
    qtbot.waitUntil(lambda: not tab.busy and tab.send_button.text() == "Send", timeout=30000)


def test_limits_set_in_the_dialog_are_kept_and_apply_to_the_next_send(
        qtbot: QtBot, window: MainWindow, settings_path: Path, server: str) -> None:
    tab = window.current_tab()
    assert tab is not None
    _send(qtbot, tab, f"{server}/gzipped")  # within the default limits
    assert tab.response.status.text() == "200 OK"

    def fill(dialog: LimitsDialog) -> None:
        assert dialog.value() == LimitSettings()
        dialog.ratio.setValue(2)
        dialog.body.setValue(100)
        dialog.event.setValue(3)
        dialog.imports.setValue(5)
        dialog.message.setValue(12)

    answer_limits(window, fill)
    chosen = LimitSettings(compression_ratio=2.0, body_mib=100, event_mib=3, import_mib=5,
                           message_mib=12)
    assert window.state.limits == chosen
    assert _state(settings_path).limits == chosen  # in the settings file
    assert window.sessions().limits == chosen
    assert window.sessions().get(RequestModel().options).limits.websocket_message == 12 * MIB
    assert window.documents.limits == chosen

    _send(qtbot, tab, f"{server}/gzipped")  # the same session, now with a ratio of 2
    assert tab.response.status.text() == "Response too large"
    assert tab.response.banner.title.text() == "Response too large"
    assert "expands more than 2 times" in tab.response.banner.detail.text()

    answer_limits(window, lambda dialog: dialog.ratio_on.setChecked(False))
    assert window.state.limits.compression_ratio is None
    assert _state(settings_path).limits.compression_ratio is None
    _send(qtbot, tab, f"{server}/gzipped")
    assert tab.response.status.text() == "200 OK"


def test_restore_defaults(window: MainWindow) -> None:
    window.state.limits = LimitSettings(compression_ratio=None, body_mib=1, import_mib=2,
                                        message_mib=3)

    def fill(dialog: LimitsDialog) -> None:
        assert not dialog.ratio_on.isChecked() and dialog.body.value() == 1
        assert dialog.message.value() == 3
        dialog.restore_button.click()

    answer_limits(window, fill)
    assert window.state.limits == LimitSettings()


def test_a_bad_stored_value_is_its_default(qtbot: QtBot, tmp_path: Path,
                                           run_async: Callable[..., Any]) -> None:
    path = tmp_path / "bad.ini"
    path.write_text("[limits]\ncompression_ratio=lots\nbody_mib=-4\nevent_mib=2\n"
                    "import_mib=@Invalid()\nmessage_mib=0\n")
    state = _state(path)
    assert state.limits == LimitSettings(event_mib=2)
    window = MainWindow(state, secrets=MemorySecrets(), data_dir=tmp_path / "data")
    qtbot.addWidget(window)
    try:
        assert window.documents.limits == LimitSettings(event_mib=2)
        assert window.sessions().limits == LimitSettings(event_mib=2)
    finally:
        window.close()
        run_async(window.shutdown())


def test_the_import_cap_applies_to_the_next_import(qtbot: QtBot, window: MainWindow,
                                                   tmp_path: Path) -> None:
    big = tmp_path / "big.sh"
    big.write_text("curl http://127.0.0.1/one\n" + "#" * (2 * MIB) + "\n")
    warned: list[str] = []
    window.documents.warning.disconnect()
    window.documents.warning.connect(lambda _title, text: warned.append(text))
    imported: list[object] = []
    window.documents.imported.connect(imported.append)
    answer_limits(window, lambda dialog: dialog.imports.setValue(1))
    window.documents.import_file(str(big))
    qtbot.waitUntil(lambda: bool(warned), timeout=10000)
    assert "larger than 1 MiB" in warned[0]
    answer_limits(window, lambda dialog: dialog.imports.setValue(3))
    window.documents.import_file(str(big))
    qtbot.waitUntil(lambda: bool(imported), timeout=10000)
    assert len(warned) == 1


def test_an_event_stream_uses_the_pool_max_event_size(
        qtbot: QtBot, server: str, run_async: Callable[..., Any]) -> None:
    pool = SessionPool(LimitSettings(event_mib=1))
    controller = EventStreamController(TaskRunner(), lambda: pool, "t / events")
    try:
        controller.start(RequestModel(url=f"{server}/big-event", mode=RequestMode.SSE))
        qtbot.waitUntil(lambda: controller.state is ConnectionState.FAILED, timeout=10000)
        assert controller.error is not None
        assert "max_event_size" in controller.error.detail
        pool.set_limits(LimitSettings(event_mib=3))
        controller.start(RequestModel(url=f"{server}/big-event", mode=RequestMode.SSE))
        qtbot.waitUntil(lambda: controller.state is ConnectionState.ENDED, timeout=10000)
        assert controller.log.total == 1
    finally:
        controller.dispose()
        run_async(pool.close())


def test_the_websocket_message_row(qtbot: QtBot) -> None:
    dialog = LimitsDialog(LimitSettings(message_mib=7))
    qtbot.addWidget(dialog)
    form = dialog.layout()
    assert isinstance(form, QFormLayout)
    label = form.labelForField(dialog.message.parentWidget())
    assert isinstance(label, QLabel) and label.text() == "Largest WebSocket message"
    notes = [w.text() for w in dialog.message.parentWidget().findChildren(QLabel)]
    assert any("WebSocket and Terminal" in note and "1009" in note for note in notes), notes
    assert dialog.message.value() == 7 and dialog.message.suffix() == " MiB"
    assert (dialog.message.minimum(), dialog.message.maximum()) == (1, MAX_SIZE_MIB)
    dialog.message.setValue(MAX_SIZE_MIB + 5)        # the box keeps it within range
    assert dialog.value() == LimitSettings(message_mib=MAX_SIZE_MIB)
    dialog.restore_button.click()
    assert dialog.message.value() == 4


def test_the_grpc_rows(qtbot: QtBot) -> None:
    from app.model.limit_settings import MAX_GRPC_MESSAGE_MIB, MAX_GRPC_SECONDS

    dialog = LimitsDialog(LimitSettings(grpc_message_mib=9, grpc_describe_seconds=4))
    qtbot.addWidget(dialog)
    form = dialog.layout()
    assert isinstance(form, QFormLayout)
    rows = {"Largest gRPC message": (dialog.grpc_message, "fails its call", " MiB",
                                     MAX_GRPC_MESSAGE_MIB),
            "gRPC reflection timeout": (dialog.grpc_describe, "server reflection", " s",
                                        MAX_GRPC_SECONDS)}
    for title, (box, words, suffix, most) in rows.items():
        label = form.labelForField(box.parentWidget())
        assert isinstance(label, QLabel) and label.text() == title
        notes = [w.text() for w in box.parentWidget().findChildren(QLabel)]
        assert any(words in note for note in notes), notes
        assert box.suffix() == suffix and (box.minimum(), box.maximum()) == (1, most)
    assert (dialog.grpc_message.value(), dialog.grpc_describe.value()) == (9, 4)
    dialog.grpc_message.setValue(MAX_GRPC_MESSAGE_MIB + 5)  # kept within what grpc takes
    assert dialog.value() == LimitSettings(grpc_message_mib=MAX_GRPC_MESSAGE_MIB,
                                           grpc_describe_seconds=4)
    dialog.restore_button.click()
    assert (dialog.grpc_message.value(), dialog.grpc_describe.value()) == (64, 10)
