"""The real window against the playground: send, upload with progress, cancel, errors,
curl paste, shortcuts, tabs and what is remembered across restarts."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.model.request import (
    BodyKind,
    BodyModel,
    MultipartField,
    RequestMode,
    RequestModel,
    RequestOptions,
)
from ui.main_window import MainWindow
from ui.request_tab import RequestTab
from ui.window_state import WindowState


@pytest.fixture
def settings_path(tmp_path: Path) -> Path:
    return tmp_path / "spyglass.ini"


def _window(qtbot: QtBot, settings_path: Path) -> MainWindow:
    state = WindowState(QSettings(str(settings_path), QSettings.Format.IniFormat))
    window = MainWindow(state)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    return window


def _close(window: MainWindow, run_async: Callable[..., Any]) -> None:
    window.close()
    run_async(window.shutdown())


@pytest.fixture
def window(qtbot: QtBot, settings_path: Path, run_async: Callable[..., Any]
           ) -> Iterator[MainWindow]:
    w = _window(qtbot, settings_path)
    yield w
    _close(w, run_async)


def _wait_done(qtbot: QtBot, tab: RequestTab, timeout: int = 20000) -> None:
    qtbot.waitUntil(lambda: not tab.busy and tab.send_button.text() == "Send", timeout=timeout)


def _status(tab: RequestTab) -> str:
    return tab.response.status.text()


def test_type_a_url_and_send_with_ctrl_enter(qtbot: QtBot, window: MainWindow,
                                             playground: str) -> None:
    tab = window.current_tab()
    assert tab is not None
    url_bar = tab.editor.url_bar
    url_bar.clear()
    qtbot.keyClicks(url_bar, f"{playground}/echo?city=Oslo")
    assert [(r.name, r.value) for r in tab.editor.params.rows() if r.name] == [("city", "Oslo")]
    qtbot.keyClick(url_bar, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    _wait_done(qtbot, tab)
    assert _status(tab) == "200 OK"
    qtbot.waitUntil(lambda: tab.response.body.store is not None
                    and tab.response.body.store.size > 0)
    assert b'"city"' in tab.response.body.store.read(0, tab.response.body.store.size)
    assert tab.response.headers.rowCount() > 0
    assert "ms" in tab.response.meta.text()
    # The title follows the edits once typing pauses.
    qtbot.waitUntil(lambda: window.tabs.tabText(window.tabs.currentIndex()).startswith("GET "))


def test_multipart_upload_of_50_mb_reaches_100_percent(
    qtbot: QtBot, window: MainWindow, playground: str, tmp_path: Path
) -> None:
    big = tmp_path / "big.bin"
    with big.open("wb") as f:
        f.truncate(50 * 1024 * 1024)
    tab = window.current_tab()
    assert tab is not None
    tab.load_model(RequestModel(method="POST", url=f"{playground}/upload", body=BodyModel(
        kind=BodyKind.MULTIPART, multipart=[MultipartField("file", str(big), is_file=True)])))
    seen: list[tuple[int, int | None]] = []
    tab.controller.upload_progress.connect(lambda s, t: seen.append((s, t)))
    tab.send()
    _wait_done(qtbot, tab, 60000)
    assert _status(tab) == "200 OK"
    total = seen[-1][1]
    assert total is not None and total > 50 * 1024 * 1024
    assert seen[-1] == (total, total)
    assert len(seen) >= 50
    assert tab.upload.sent == total
    assert "of" in tab.upload.describe()


def test_cancel_mid_upload_says_so(qtbot: QtBot, window: MainWindow, playground: str,
                                   tmp_path: Path) -> None:
    huge = tmp_path / "huge.bin"
    with huge.open("wb") as f:
        f.truncate(8 * 1024 * 1024 * 1024)
    tab = window.current_tab()
    assert tab is not None
    tab.load_model(RequestModel(method="PUT", url=f"{playground}/upload",
                                body=BodyModel(kind=BodyKind.BINARY, file_path=str(huge))))
    tab.send()
    qtbot.waitUntil(lambda: tab.upload.sent > 10 * 1024 * 1024, timeout=20000)
    assert tab.upload.isVisible()
    qtbot.keyClick(tab.editor.url_bar, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not tab.busy, timeout=5000)
    assert _status(tab) == "Cancelled"
    assert tab.response.banner.title.text() == "Request cancelled"
    assert tab.send_button.text() == "Send"
    assert not tab.upload.isVisible()


def test_a_404_is_a_response(qtbot: QtBot, window: MainWindow, playground: str) -> None:
    tab = window.current_tab()
    assert tab is not None
    tab.load_model(RequestModel(url=f"{playground}/status/404"))
    qtbot.keyClick(tab.editor.url_bar, Qt.Key.Key_Return)  # Enter in the URL sends
    _wait_done(qtbot, tab)
    assert _status(tab).startswith("404")
    assert not tab.response.banner.isVisible()
    assert tab.response.stack.currentWidget() is tab.response.tabs


def test_refused_connection_is_an_error_in_the_tab(qtbot: QtBot, window: MainWindow) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tab = window.current_tab()
    assert tab is not None
    tab.load_model(RequestModel(url=f"http://127.0.0.1:{port}/x"))
    tab.send()
    _wait_done(qtbot, tab)
    assert tab.response.banner.isVisible()
    assert tab.response.banner.title.text() == "Could not connect"
    assert f"127.0.0.1:{port}" in tab.response.banner.detail.text()
    # Nothing is lost: the request is still there to fix and retry.
    assert tab.to_model().url == f"http://127.0.0.1:{port}/x"


def test_bad_input_is_reported_before_sending(qtbot: QtBot, window: MainWindow) -> None:
    tab = window.current_tab()
    assert tab is not None
    tab.load_model(RequestModel(url="http://example.invalid/{{missing}}"))
    tab.send()
    _wait_done(qtbot, tab)
    assert tab.response.banner.title.text() == "Cannot send this request"
    assert "{{missing}}" in tab.response.banner.detail.text()


def test_curl_paste_fills_the_whole_request(qtbot: QtBot, window: MainWindow,
                                            playground: str) -> None:
    tab = window.current_tab()
    assert tab is not None
    QGuiApplication.clipboard().setText(
        f"curl -X PUT '{playground}/echo?a=1' -H 'X-Token: abc' "
        "-H 'Content-Type: application/json' --data-raw '{\"k\": [1, 2]}'"
    )
    tab.editor.url_bar.setFocus()
    tab.editor.url_bar.paste()
    model = tab.to_model()
    assert model.method == "PUT"
    assert model.url == f"{playground}/echo?a=1"
    assert [(h.name, h.value) for h in model.headers if h.name] == [("X-Token", "abc")]
    assert model.body.kind is BodyKind.JSON and model.body.text == '{"k": [1, 2]}'
    tab.send()
    _wait_done(qtbot, tab)
    assert _status(tab) == "200 OK"


def test_tabs_new_close_and_closing_cancels_work(qtbot: QtBot, window: MainWindow,
                                                 playground: str) -> None:
    first = window.current_tab()
    qtbot.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.count() == 2
    tab = window.current_tab()
    assert tab is not None and tab is not first
    tab.load_model(RequestModel(url=f"{playground}/delay/10"))
    tab.send()
    qtbot.waitUntil(lambda: tab.busy)
    key = tab.controller._key
    qtbot.keyClick(window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.count() == 1
    assert not window.runner.running(key)


def test_layout_and_tabs_are_remembered(qtbot: QtBot, settings_path: Path,
                                        run_async: Callable[..., Any], playground: str) -> None:
    w = _window(qtbot, settings_path)
    w.current_tab().load_model(RequestModel(name="Saved one", url=f"{playground}/echo"))  # type: ignore[union-attr]
    w.new_tab(RequestModel(method="DELETE", url=f"{playground}/status/204"))
    w.resize(w.minimumSizeHint().width() + 21, w.minimumSizeHint().height() + 13)
    size = (w.width(), w.height())
    _close(w, run_async)
    again = _window(qtbot, settings_path)
    try:
        assert again.tabs.count() == 2
        assert [t.to_model().method for t in again.all_tabs()] == ["GET", "DELETE"]
        assert again.all_tabs()[0].to_model().name == "Saved one"
        assert again.tabs.currentIndex() == 1
        assert (again.width(), again.height()) == size
    finally:
        _close(again, run_async)


def test_theme_switch(qtbot: QtBot, window: MainWindow) -> None:
    window.set_theme("dark")
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    assert app.palette().window().color().lightness() < 80
    assert window.state.theme == "dark"
    window.set_theme("light")
    assert app.palette().window().color().lightness() > 180


def test_pyside_keeps_its_references_to_none() -> None:
    """PySide6 6.12.0 on Python 3.11 dropped a reference to None per call of a Qt method that
    returns nothing, and the process aborted ("none_dealloc") after a while of painting:
    pyproject.toml keeps it out. This fails if such a build comes back."""
    import sys

    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(500):
        probe.setObjectName("probe")
    assert sys.getrefcount(None) >= before - 50


def test_progress_of_uploads_beyond_2_gib(qtbot: QtBot, window: MainWindow) -> None:
    """Qt's int is 32 bits: byte counts must travel through signals intact."""
    tab = window.current_tab()
    assert tab is not None
    seen: list[tuple[int, int | None]] = []
    tab.controller.upload_progress.connect(lambda s, t: seen.append((s, t)))
    tab.controller.upload_progress.emit(3 * 2**30, 5 * 2**30)
    tab.controller.download_progress.emit(6 * 2**30, None)
    assert seen == [(3 * 2**30, 5 * 2**30)]
    assert tab.upload.sent == 3 * 2**30
    assert "3.0 GB of 5.0 GB" in tab.upload.describe()


def test_a_request_sent_as_event_stream(qtbot: QtBot, window: MainWindow,
                                        playground: str) -> None:
    tab = window.current_tab()
    assert tab is not None
    tab.load_model(RequestModel(url=f"{playground}/sse/ticker?count=6&interval=0.01",
                                mode="sse"))
    assert tab.mode == "sse" and tab.send_button.text() == "Stream"
    qtbot.keyClick(tab.editor.url_bar, Qt.Key.Key_Return)
    pane = tab.pane(RequestMode.SSE)
    assert tab.lower.currentWidget() is pane
    qtbot.waitUntil(lambda: pane.log.total == 6, timeout=10000)
    assert [pane.log.get(i).id for i in range(6)] == [str(i) for i in range(1, 7)]
    qtbot.waitUntil(lambda: not tab.busy, timeout=10000)
    assert tab.send_button.text() == "Stream"
    assert tab.to_model().mode == "sse"


def test_an_http_response_that_is_an_event_stream_opens_the_pane(
    qtbot: QtBot, window: MainWindow, playground: str
) -> None:
    tab = window.current_tab()
    assert tab is not None
    tab.load_model(RequestModel(url=f"{playground}/sse/ticker?count=4&interval=0.01"))
    assert tab.mode == "http"
    tab.send()
    pane = tab.pane(RequestMode.SSE)
    qtbot.waitUntil(lambda: pane.log.total == 4, timeout=10000)
    assert tab.lower.currentWidget() is pane
    qtbot.waitUntil(lambda: not tab.busy, timeout=10000)


def test_a_websocket_url_opens_the_console(qtbot: QtBot, window: MainWindow,
                                           playground: str) -> None:
    tab = window.current_tab()
    assert tab is not None
    ws_url = playground.replace("http://", "ws://") + "/ws/echo"
    tab.editor.url_bar.clear()
    qtbot.keyClicks(tab.editor.url_bar, ws_url)
    assert tab.mode == "websocket"
    assert tab.send_button.text() == "Connect"
    tab.send()
    pane = tab.pane(RequestMode.WEBSOCKET)
    qtbot.waitUntil(lambda: pane.state == "open", timeout=10000)
    assert tab.send_button.text() == "Disconnect"
    assert pane.send("text", "hello there")
    qtbot.waitUntil(lambda: any(m.data == "hello there" and m.direction == "in"
                                for m in pane.log), timeout=10000)
    tab.cancel()
    qtbot.waitUntil(lambda: pane.state not in ("open", "closing"), timeout=10000)
    assert tab.send_button.text() == "Connect"


def test_websocket_settings_come_with_the_request(qtbot: QtBot, window: MainWindow,
                                                  playground: str) -> None:
    saved = [{"mode": "text", "text": "help"}, {"mode": "json", "text": "{}"}]
    tab = window.new_tab(RequestModel(url=playground.replace("http", "ws") + "/ws/echo",
                                      mode="websocket", ws_subprotocols=["chat"],
                                      ws_saved=saved))
    pane = tab.pane(RequestMode.WEBSOCKET)
    assert pane.saved_messages() == saved
    assert pane.subprotocols() == ["chat"]
    tab.send()
    qtbot.waitUntil(lambda: pane.state == "open", timeout=10000)
    assert pane.protocol == "chat"
    assert pane.saved_messages() == saved
    model = tab.to_model()
    assert (model.mode, model.ws_subprotocols, model.ws_saved) == ("websocket", ["chat"], saved)


def test_copy_as_curl_round_trips_through_a_paste(qtbot: QtBot, window: MainWindow,
                                                  playground: str) -> None:
    tab = window.current_tab()
    assert tab is not None
    tab.load_model(RequestModel(method="POST", url=f"{playground}/echo?a=1",
                                body=BodyModel(kind=BodyKind.JSON, text='{"x": 1}')))
    qtbot.keyClick(window, Qt.Key.Key_C,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    text = QGuiApplication.clipboard().text()
    assert text.startswith("curl") and "/echo?a=1" in text
    other = window.new_tab()
    other.editor.url_bar.paste()
    model = other.to_model()
    assert (model.method, model.url, model.body.kind, model.body.text) == (
        "POST", f"{playground}/echo?a=1", BodyKind.JSON, '{"x": 1}')


def test_copy_as_curl_gives_a_relative_ca_path_under_the_workspace(
        qtbot: QtBot, window: MainWindow) -> None:
    """As the request finds it when sent (and as the command needs it, run from anywhere)."""
    tab = window.current_tab()
    assert tab is not None
    tab.load_model(RequestModel(url="https://127.0.0.1:9/x",
                                options=RequestOptions(ca_file="certs/ca.pem")))
    qtbot.keyClick(window, Qt.Key.Key_C,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    text = QGuiApplication.clipboard().text()
    expected = os.path.join(os.path.abspath(window.workspace.root), "certs", "ca.pem")
    assert f"--cacert {expected}" in text or f"--cacert '{expected}'" in text, text


def test_a_sign_in_opened_on_a_worker_thread_reaches_the_tabs_once(
        qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    """The auth cache gives a sign-in page to the browser from a worker thread; the window
    passes the address to its tabs on the UI thread (the signal is queued), once however
    often the session pool is asked for."""
    import threading

    tab = window.current_tab()
    assert tab is not None
    seen: list[tuple[str, bool]] = []
    monkeypatch.setattr(tab.tokens, "sign_in_opened", lambda url: seen.append(
        (url, threading.current_thread() is threading.main_thread())))
    assert window.sessions() is window.sessions()
    worker = threading.Thread(target=window.sign_in_opened.emit,
                              args=("http://127.0.0.1:9/authorize",))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(seen))
    qtbot.wait(50)  # a second delivery would have come by now
    assert seen == [("http://127.0.0.1:9/authorize", True)]
