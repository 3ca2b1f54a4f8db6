"""The WebSocket pane, driven as a user drives it, against the playground and small local
servers: echo of text, JSON and binary, history, refused input, closes from either side,
subprotocols, headers and auth on the handshake, a server that dies, refused and forbidden
connections, saved messages, a 200,000-message firehose, and a message over the size limit
(then received under a raised limit)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiohttp import web
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.client import StreamError
from app.model.compose import SessionPool
from app.model.limit_settings import LimitSettings
from app.model.request import AuthKind, AuthModel, KeyValue, RequestModel
from app.model.variables import Resolution
from app.streams.message_log import ROW_OVERHEAD
from tests.client.server import ServerThread
from ui.error_messages import describe_error
from ui.modes.websocket.websocket_delegate import row_words
from ui.modes.websocket.websocket_pane import WebSocketPane
from ui.response.hex_view import hex_row
from ui.tasks import TaskRunner

Run = Callable[..., Any]
MIB = 1 << 20


def ws(url: str) -> str:
    return "ws://" + url.removeprefix("http://")


@pytest.fixture(scope="module")
def playground(playground_http: str) -> str:
    return ws(playground_http)


@pytest.fixture(scope="module")
def test_server() -> Iterator[str]:
    """The request library's test server: its /ws/echo greets with the handshake's
    Authorization and X-Test headers, ``die`` drops the connection, /ws/forbidden is a 403."""
    srv = ServerThread().start()
    yield ws(srv.url)
    srv.stop()


@pytest.fixture
def pane(qtbot: QtBot, run_async: Run) -> Iterator[WebSocketPane]:
    pool = SessionPool()
    runner = TaskRunner()
    widget = WebSocketPane(runner, lambda: pool, "tab 1 / websocket")
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    yield widget
    widget.dispose()
    run_async(pool.close())


def connect(qtbot: QtBot, pane: WebSocketPane, model: RequestModel | str,
            protocols: str = "") -> None:
    pane.set_model(RequestModel(url=model) if isinstance(model, str) else model)
    pane.protocols_edit.setText(protocols)
    qtbot.mouseClick(pane.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pane.state == "open", timeout=10000)


def rows(pane: WebSocketPane, direction: str | None = None,
         kind: str | None = None) -> list[str | bytes]:
    return [m.data for m in pane.log
            if (direction is None or m.direction == direction) and (kind is None or
                                                                    m.kind == kind)]


def type_and_enter(qtbot: QtBot, pane: WebSocketPane, text: str, mode: str = "text") -> None:
    composer = pane.console.composer
    composer.set_mode(mode)
    qtbot.keyClicks(composer.input, text)
    qtbot.keyClick(composer.input, Qt.Key.Key_Return)


def select_last(qtbot: QtBot, pane: WebSocketPane) -> None:
    console = pane.console
    qtbot.waitUntil(lambda: console.model.synced and console.model.rowCount() > 0)
    console.view.setCurrentIndex(console.model.index(console.model.rowCount() - 1))


def test_text_is_echoed_and_history_walks_up_and_down(qtbot: QtBot, pane: WebSocketPane,
                                                      playground: str) -> None:
    connect(qtbot, pane, playground + "/ws/echo")
    type_and_enter(qtbot, pane, "hello")
    qtbot.waitUntil(lambda: rows(pane, "in", "text") == ["hello"])
    box = pane.console.composer.input
    qtbot.keyClicks(box, "two lines")
    qtbot.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(box, "here")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: rows(pane, "in", "text") == ["hello", "two lines\nhere"])
    assert rows(pane, "out", "text") == ["hello", "two lines\nhere"]
    assert pane.log.counters.out_messages == 2 and pane.log.counters.in_bytes == 19

    assert box.toPlainText() == ""
    qtbot.keyClicks(box, "draft")
    qtbot.keyClick(box, Qt.Key.Key_Up)
    assert box.toPlainText() == "two lines\nhere"
    qtbot.keyClick(box, Qt.Key.Key_Up)          # the cursor is on the last line: Up moves it
    qtbot.keyClick(box, Qt.Key.Key_Up)
    assert box.toPlainText() == "hello"
    qtbot.keyClick(box, Qt.Key.Key_Down)
    assert box.toPlainText() == "two lines\nhere"
    qtbot.keyClick(box, Qt.Key.Key_Down)
    assert box.toPlainText() == "draft"

    select_last(qtbot, pane)
    assert "↓ received" in pane.console.detail_title.text()
    # Rows reach the view in batches, painted by the delegate.
    assert pane.console.model.rowCount() == len(pane.log)
    pane.console.view.viewport().repaint()


def test_json_is_checked_sent_and_pretty_printed(qtbot: QtBot, pane: WebSocketPane,
                                                 playground: str) -> None:
    connect(qtbot, pane, playground + "/ws/echo")
    type_and_enter(qtbot, pane, '{"a": [1, 2], "b": {"c": true}}', mode="json")
    qtbot.waitUntil(lambda: len(rows(pane, "in", "text")) == 1)
    select_last(qtbot, pane)
    detail = pane.console.detail
    qtbot.waitUntil(lambda: detail.pretty_store is not None)
    store = detail.pretty_store
    assert store is not None and detail.mode == "pretty" and detail.kind == "json"
    pretty = store.read(0, store.size).decode()
    assert pretty.strip() == json.dumps({"a": [1, 2], "b": {"c": True}}, indent=2)


def test_binary_is_typed_in_hex_and_shown_as_a_hex_dump(qtbot: QtBot, pane: WebSocketPane,
                                                        playground: str) -> None:
    connect(qtbot, pane, playground + "/ws/echo")
    data = bytes.fromhex("de ad be ef 00 41 42 43 44 45 46 47 48 49 4a 4b 4c")
    box = pane.console.composer.input
    pane.console.composer.set_mode("binary")
    qtbot.keyClicks(box, "de ad be ef 00 41 42 43 44")
    qtbot.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    type_and_enter(qtbot, pane, "45 46 47 48 49 4a 4b4c", mode="binary")
    qtbot.waitUntil(lambda: rows(pane, "in", "binary") == [data])
    assert rows(pane, "out", "binary") == [data]
    select_last(qtbot, pane)
    detail = pane.console.detail
    assert detail.mode == "hex" and detail.store is not None
    assert detail.store.read(0, 100) == data
    assert hex_row(0, data[:16]).startswith("00000000  de ad be ef 00 41 42 43  44 45 46")
    last = pane.console.model.message(pane.console.model.rowCount() - 1)
    assert row_words(last)[0] == "↓" and row_words(last)[3].startswith("bin  de ad be ef")


@pytest.mark.parametrize(("mode", "text", "problem"), [
    ("json", '{"a": nope}', "Not JSON"),
    ("binary", "de ad zz", "'z' at position 7 is not a hex digit"),
    ("binary", "abc", "3 hex digits"),
])
def test_invalid_input_is_refused_in_red_and_not_sent(qtbot: QtBot, pane: WebSocketPane,
                                                      playground: str, mode: str, text: str,
                                                      problem: str) -> None:
    connect(qtbot, pane, playground + "/ws/echo")
    type_and_enter(qtbot, pane, text, mode=mode)
    composer = pane.console.composer
    assert problem in composer.problem.text() and composer.problem.isVisible()
    assert "border" in composer.input.styleSheet()
    assert composer.text() == text                      # kept, to fix
    assert pane.log.counters.out_messages == 0
    composer.input.clear()
    assert not composer.problem.isVisible()


def test_the_server_closes_with_4001_bye(qtbot: QtBot, pane: WebSocketPane,
                                         playground: str) -> None:
    connect(qtbot, pane, playground + "/ws/console")
    qtbot.waitUntil(lambda: len(rows(pane, "in", "text")) == 1)     # the greeting
    type_and_enter(qtbot, pane, "close 4001 bye")
    qtbot.waitUntil(lambda: pane.state == "closed")
    assert pane.peer_close == (4001, "bye")
    assert pane.close_label.text() == "Closed by the server: 4001 bye"
    assert rows(pane, "in", "close") == ["4001 bye"]
    assert pane.state_chip.text() == "Not connected"
    assert pane.connect_button.text() == "Connect" and not pane.banner.isVisible()


def test_the_client_closes_with_a_chosen_code(qtbot: QtBot, pane: WebSocketPane,
                                              playground: str) -> None:
    connect(qtbot, pane, playground + "/ws/echo")
    qtbot.mouseClick(pane.close_button, Qt.MouseButton.LeftButton)
    bar = pane.close_bar
    assert bar.isVisible() and bar.code.value() == 1000
    bar.code.setValue(2000)
    qtbot.keyClicks(bar.reason, "done here")
    qtbot.mouseClick(bar.close_button, Qt.MouseButton.LeftButton)
    assert "not a code a client may send" in bar.problem.text() and pane.state == "open"
    bar.code.setValue(4000)
    qtbot.mouseClick(bar.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pane.state == "closed")
    assert rows(pane, "out", "close") == ["4000 done here"]
    assert pane.close_label.text() == "Closed by you: 4000 done here"
    assert not bar.isVisible()


def test_the_negotiated_subprotocol_is_shown(qtbot: QtBot, pane: WebSocketPane,
                                             playground: str) -> None:
    connect(qtbot, pane, playground + "/ws/echo", protocols="nope, chat")
    assert pane.protocol == "chat"
    assert pane.protocol_label.text() == "Subprotocol: chat"
    assert pane.subprotocols() == ["nope", "chat"]
    assert rows(pane, "", "info")[-1] == "Connected (subprotocol chat)"
    pane.disconnect_()
    qtbot.waitUntil(lambda: pane.state == "closed")
    connect(qtbot, pane, playground + "/ws/echo", protocols="nope")
    assert pane.protocol is None and pane.protocol_label.text() == "No subprotocol"


def test_headers_and_bearer_auth_reach_the_handshake(qtbot: QtBot, pane: WebSocketPane,
                                                     test_server: str) -> None:
    async def variables(_model: RequestModel) -> Resolution:
        return Resolution({"server": test_server, "token": "tok-123"})

    model = RequestModel(url="{{server}}/ws/echo",
                         headers=[KeyValue("X-Test", "from the pane"),
                                  KeyValue("X-Off", "no", enabled=False)],
                         auth=AuthModel(kind=AuthKind.BEARER, token="{{token}}"))
    pane.set_model(model, variables)
    pane.connect_()
    qtbot.waitUntil(lambda: len(rows(pane, "in", "text")) == 1, timeout=10000)
    greeting = json.loads(rows(pane, "in", "text")[0])  # type: ignore[arg-type]
    assert greeting == {"hello": True, "authorization": "Bearer tok-123",
                        "x_test": "from the pane"}


def test_a_server_that_dies_leaves_a_clear_disconnected_state(qtbot: QtBot, pane: WebSocketPane,
                                                             test_server: str) -> None:
    connect(qtbot, pane, test_server + "/ws/echo")
    type_and_enter(qtbot, pane, "die")
    qtbot.waitUntil(lambda: pane.state == "disconnected")
    assert pane.state_chip.text() == "Disconnected"
    assert pane.banner.isVisible() and pane.banner.title.text() == "Disconnected"
    words = describe_error(StreamError("")).title         # the one table's words
    assert words in pane.banner.hint.text()
    assert "connection was lost" in pane.banner.detail.text()
    assert pane.banner.reconnect_button.isVisible()
    assert pane.connect_button.text() == "Reconnect"
    assert rows(pane, "", "error")[-1].startswith(words)   # type: ignore[union-attr]
    qtbot.mouseClick(pane.banner.reconnect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pane.state == "open")
    assert not pane.banner.isVisible()
    qtbot.waitUntil(lambda: len(rows(pane, "in", "text")) == 2)   # greeted again


def test_a_refused_connection_says_so_in_plain_words(qtbot: QtBot, pane: WebSocketPane,
                                                     closed_port: int) -> None:
    pane.set_model(RequestModel(url=f"ws://127.0.0.1:{closed_port}/ws"))
    pane.connect_()
    qtbot.waitUntil(lambda: pane.state == "failed", timeout=10000)
    assert pane.banner.title.text() == "Could not connect"
    assert "Is the server running" in pane.banner.hint.text()
    assert pane.connect_button.text() == "Connect"


def test_a_forbidden_handshake_shows_the_status_and_the_body(qtbot: QtBot, pane: WebSocketPane,
                                                             test_server: str) -> None:
    pane.set_model(RequestModel(url=test_server + "/ws/forbidden"))
    pane.connect_()
    qtbot.waitUntil(lambda: pane.state == "failed", timeout=10000)
    detail = pane.banner.detail.text()
    assert "403" in detail and "no token" in detail
    assert "Traceback" not in detail


def test_a_bad_url_is_refused_before_connecting(qtbot: QtBot, pane: WebSocketPane) -> None:
    pane.set_model(RequestModel(url="ftp://example.invalid/x"))
    pane.connect_()
    qtbot.waitUntil(lambda: pane.state == "failed")
    assert pane.banner.title.text() == "Cannot send this request"
    assert "use ws, wss, http or https" in pane.banner.detail.text()


def test_connecting_can_be_cancelled_and_dispose_stops_everything(
        qtbot: QtBot, pane: WebSocketPane, run_async: Run) -> None:
    import asyncio

    accepted: list[asyncio.StreamWriter] = []

    async def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)           # accepts, never answers the handshake

    server = run_async(asyncio.start_server(silent, "127.0.0.1", 0))
    port = server.sockets[0].getsockname()[1]
    try:
        pane.set_model(RequestModel(url=f"ws://127.0.0.1:{port}/"))
        pane.connect_()
        qtbot.waitUntil(lambda: bool(accepted))
        assert pane.state == "connecting" and pane.connect_button.text() == "Cancel"
        qtbot.mouseClick(pane.connect_button, Qt.MouseButton.LeftButton)
        assert pane.state == "closed" and not pane.controller.running
        assert rows(pane, "", "info")[-1] == "Disconnected"

        pane.connect_()
        qtbot.waitUntil(lambda: len(accepted) == 2)
        assert pane.controller.running
        pane.dispose()
        assert not pane.controller.running and len(pane.log) == 0
    finally:
        for writer in accepted:
            writer.close()
        server.close()
        run_async(server.wait_closed())


def test_saved_messages_are_sent_again_with_a_click(qtbot: QtBot, pane: WebSocketPane,
                                                    playground: str) -> None:
    url = playground + "/ws/echo"
    connect(qtbot, pane, url)
    composer = pane.console.composer
    composer.set_mode("json")
    composer.set_text('{"ping": 1}')
    qtbot.mouseClick(composer.save_button, Qt.MouseButton.LeftButton)
    assert pane.saved_messages() == [{"mode": "json", "text": '{"ping": 1}'}]
    saved = pane.console.saved.list
    for _ in range(2):
        rect = saved.visualItemRect(saved.item(0))
        qtbot.mouseClick(saved.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: rows(pane, "in", "text") == ['{"ping": 1}'] * 2)
    assert composer.text() == '{"ping": 1}'             # the input is left as it was

    pane.set_model(RequestModel(url=playground + "/ws/console"))
    assert pane.saved_messages() == [] and saved.count() == 0
    pane.set_saved_messages([{"mode": "text", "text": "help"}, {"mode": "bogus", "text": "x"}])
    assert pane.saved_messages() == [{"mode": "text", "text": "help"}]
    pane.set_model(RequestModel(url=url))
    assert pane.saved_messages() == [{"mode": "json", "text": '{"ping": 1}'}]


def test_filter_direction_and_pause(qtbot: QtBot, pane: WebSocketPane, playground: str) -> None:
    connect(qtbot, pane, playground + "/ws/echo")
    for text in ("alpha", "beta", "alphabet"):
        pane.send("text", text)
    qtbot.waitUntil(lambda: len(rows(pane, "in", "text")) == 3)
    console = pane.console
    console.filter_edit.setText("ALPHA")
    qtbot.waitUntil(lambda: console.model.rowCount() == 4 and console.model.synced)
    console.direction_box.setCurrentIndex(1)            # received
    qtbot.waitUntil(lambda: console.model.rowCount() == 2)
    assert [console.model.message(r).data for r in range(2)] == ["alpha", "alphabet"]
    assert "showing 2 of" in console.counters.text()
    console.filter_edit.setText("")
    console.direction_box.setCurrentIndex(0)
    qtbot.waitUntil(lambda: console.model.rowCount() == len(pane.log))

    qtbot.mouseClick(console.pause_button, Qt.MouseButton.LeftButton)
    assert console.paused
    for i in range(60):
        pane.send("text", f"more {i}")
    qtbot.waitUntil(lambda: len(rows(pane, "in", "text")) == 63)
    bar = console.view.verticalScrollBar()
    qtbot.waitUntil(lambda: console.model.synced and bar.maximum() > 0)
    assert console.model.rowCount() == len(pane.log)              # nothing held back
    assert bar.value() < bar.maximum()
    assert "new" in console.pause_button.text()
    qtbot.mouseClick(console.pause_button, Qt.MouseButton.LeftButton)
    assert bar.value() == bar.maximum() and console.pause_button.text() == "Pause"

    qtbot.mouseClick(console.clear_button, Qt.MouseButton.LeftButton)
    assert len(pane.log) == 0 and console.model.rowCount() == 0
    assert pane.log.counters.in_messages == 0


def test_sending_while_closed_says_to_connect(qtbot: QtBot, pane: WebSocketPane) -> None:
    type_and_enter(qtbot, pane, "hello")
    assert "Not connected" in pane.console.composer.problem.text()
    assert pane.console.composer.text() == "hello" and len(pane.log) == 0


def test_a_firehose_of_200000_keeps_counts_exact_in_bounded_memory(
        qtbot: QtBot, pane: WebSocketPane, playground: str) -> None:
    count = 200_000
    pane.log.memory_limit = 2 << 20
    pane.set_model(RequestModel(url=f"{playground}/ws/firehose?count={count}"))
    pane.connect_()
    peak = 0

    def done() -> bool:
        nonlocal peak
        peak = max(peak, pane.log.memory_bytes)
        return pane.state == "closed" and pane.console.model.synced

    qtbot.waitUntil(done, timeout=110_000)
    log = pane.log
    assert log.counters.in_messages == count
    incoming = [m for m in log.scan(log.first, log.end) if m.direction == "in"]
    assert incoming[0].data == '{"n":1}' and incoming[count - 1].data == f'{{"n":{count}}}'
    assert incoming[-1].kind == "close" and incoming[-1].data == "1000 done"
    assert pane.console.model.rowCount() == len(log) == count + 3   # connecting, connected
    # In memory: the limit, plus the segment still filling.
    assert peak <= log.memory_limit + log.segment_records * (ROW_OVERHEAD + 16)
    assert log.wait_spilled()
    assert log.on_disk > count // 2


def test_export_writes_json_lines_atomically(qtbot: QtBot, pane: WebSocketPane,
                                             playground: str, tmp_path: Any) -> None:
    connect(qtbot, pane, playground + "/ws/echo")
    type_and_enter(qtbot, pane, "hello")
    qtbot.waitUntil(lambda: rows(pane, "in", "text") == ["hello"])
    target = tmp_path / "messages.jsonl"
    with qtbot.waitSignal(pane.controller.exported, timeout=10_000) as done:
        pane.export_to(str(target))
    assert done.args == [str(target), len(pane.log)]
    lines = [json.loads(line) for line in target.read_text("utf-8").splitlines()]
    assert [(r["direction"], r.get("text")) for r in lines[-2:]] == [("out", "hello"),
                                                                    ("in", "hello")]
    assert all(r["time"].endswith("Z") and len(r["time"]) == 24 for r in lines)
    assert pane.message.text() == f"Exported {len(lines):,} messages to {target}."
    # A failed export says why and leaves what was there.
    (tmp_path / "taken").mkdir()
    with qtbot.waitSignal(pane.controller.exported, timeout=10_000):
        pane.export_to(str(tmp_path / "taken"))
    assert pane.message.text().startswith(f"Could not export to {tmp_path / 'taken'}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["messages.jsonl", "taken"]
    assert list((tmp_path / "taken").iterdir()) == []


def _big_message_app() -> web.Application:
    async def big(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str("before the big message")
        with contextlib.suppress(ConnectionError):   # the client may leave mid-message
            await ws.send_bytes(b"x" * (5 * MIB))
            async for _ in ws:
                pass
        return ws

    app = web.Application()
    app.router.add_get("/big", big)
    return app


def test_a_message_over_the_size_limit_names_it_and_a_raised_limit_receives_it(
        qtbot: QtBot, run_async: Run) -> None:
    server = ServerThread(_big_message_app).start()
    pool = SessionPool()
    pane = WebSocketPane(TaskRunner(), lambda: pool, "tab 1 / websocket")
    qtbot.addWidget(pane)
    pane.show()
    try:
        pane.set_model(RequestModel(url=ws(server.url) + "/big"))
        pane.connect_()
        qtbot.waitUntil(lambda: pane.state == "disconnected", timeout=10000)
        assert rows(pane, "in", "text") == ["before the big message"]
        assert pane.banner.title.text() == "Disconnected"
        assert pane.banner.hint.text().startswith("Message too large.")
        assert "Tools ▸ Limits…" in pane.banner.hint.text()
        assert "a message larger than 4 MiB" in pane.banner.detail.text()
        assert "Message too large" in rows(pane, "", "error")[-1]   # type: ignore[operator]
        # Raised in Tools ▸ Limits…: the next connection of the same session receives it.
        pool.set_limits(LimitSettings(message_mib=6))
        qtbot.mouseClick(pane.banner.reconnect_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: len(rows(pane, "in", "binary")) == 1, timeout=10000)
        assert rows(pane, "in", "binary") == [b"x" * (5 * MIB)]
        assert pane.state == "open" and not pane.banner.isVisible()
        # Disposed while still on screen: a paint asks for no row of the emptied log.
        pane.dispose()
        pane.console.view.viewport().repaint()
        assert pane.console.model.rowCount() == 0
    finally:
        pane.dispose()
        run_async(pool.close())
        server.stop()
