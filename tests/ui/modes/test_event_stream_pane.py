"""The event-stream pane through its real widgets, against the playground (and, for dropped
and dying connections, a small aiohttp server of the test's own): the live table, filters,
pause, reconnection with Last-Event-ID, merged tokens, the external feed, export, errors,
the cap, and a 200,000-event firehose in bounded memory."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from app.client.sse import SSEParser
from app.model.compose import SessionPool
from app.model.request import BodyKind, BodyModel, RequestModel
from app.playground.sse import chat_answer
from ui.error_messages import ErrorText
from ui.modes.events.event_stream_model import DATA, ID, TYPE
from ui.modes.events.event_stream_pane import EventStreamPane
from ui.modes.events.merged_text import MISSING, TokenMerger, TokenPath
from ui.tasks import TaskRunner

KEY = "tab 1 / events"


@pytest.fixture
def make_pane(qtbot: QtBot, qt_loop: Any, run_async: Callable[..., Any]
              ) -> Iterator[Callable[[], EventStreamPane]]:
    """Panes shown in a window, each with its runner and sessions; disposed at the end as a
    tab disposes of its panes (not by qtbot, which would delete them before this runs)."""
    made: list[tuple[EventStreamPane, SessionPool]] = []

    def make() -> EventStreamPane:
        pool = SessionPool()
        pane = EventStreamPane(TaskRunner(), lambda: pool, KEY)
        pane.resize(1000, 640)
        pane.show()
        qtbot.waitExposed(pane)
        made.append((pane, pool))
        return pane

    yield make
    for pane, pool in made:
        pane.dispose()
        pane.close()
        pane.deleteLater()
        run_async(pool.close())


@pytest.fixture
def pane(make_pane: Callable[[], EventStreamPane]) -> EventStreamPane:
    return make_pane()


def wait_idle(qtbot: QtBot, pane: EventStreamPane, timeout: int = 20_000) -> None:
    """Until the stream is over and everything it brought is on screen."""
    qtbot.waitUntil(lambda: not pane.controller.active and pane.model.synced,
                    timeout=timeout)


def column(pane: EventStreamPane, col: int) -> list[str]:
    model = pane.model
    return [model.data(model.index(row, col)) for row in range(model.rowCount())]


def type_item(pane: EventStreamPane, name: str) -> Any:
    items = [pane.type_list.item(i) for i in range(pane.type_list.count())]
    return next(i for i in items if i.text().startswith(f"{name}  ("))


def click_item(qtbot: QtBot, pane: EventStreamPane, item: Any) -> None:
    rect = pane.type_list.visualItemRect(item)
    qtbot.mouseClick(pane.type_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def ticker(base: str, **query: object) -> RequestModel:
    params = "&".join(f"{k}={v}" for k, v in query.items())
    return RequestModel(url=f"{base}/sse/ticker?{params}")


# -- a server of the test's own: drops and dies on demand --------------------------------------


class FlakyServer:
    """``/ticker?count=&drop_after=&retry=``: ids 1..count, resuming after Last-Event-ID,
    cutting the connection after ``drop_after`` events; ``count=0`` ticks until stopped.
    Records the Last-Event-ID of every request."""

    def __init__(self, run_async: Callable[..., Any]) -> None:
        self._run = run_async
        self.last_event_ids: list[str | None] = []
        app = web.Application()
        app.router.add_get("/ticker", self._ticker)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        run_async(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        run_async(site.start())
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def _ticker(self, request: web.Request) -> web.StreamResponse:
        import asyncio

        count = int(request.query.get("count", "10"))
        drop_after = int(request.query.get("drop_after", "0"))
        last = request.headers.get("Last-Event-ID")
        self.last_event_ids.append(last)
        n = int(last) + 1 if last else 1
        if count and n > count:
            return web.Response(status=204)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        if "retry" in request.query:
            await response.write(f"retry: {request.query['retry']}\n\n".encode())
        sent = 0
        while not count or n <= count:
            await response.write(f"id: {n}\nevent: tick\ndata: {{\"n\": {n}}}\n\n".encode())
            n += 1
            sent += 1
            if drop_after and sent >= drop_after:
                assert request.transport is not None
                request.transport.close()
                return response
            await asyncio.sleep(0.01)
        await response.write_eof()
        return response

    def stop(self) -> None:
        self._run(self._runner.cleanup())


@pytest.fixture
def flaky(run_async: Callable[..., Any]) -> Iterator[FlakyServer]:
    server = FlakyServer(run_async)
    yield server
    server.stop()


# -- the live table ----------------------------------------------------------------------------


def test_ticker_events_appear_with_ids_and_types(qtbot: QtBot, pane: EventStreamPane,
                                                 playground: str) -> None:
    states: list[str] = []
    counts: list[int] = []
    pane.state_changed.connect(states.append)
    pane.event_count_changed.connect(counts.append)
    pane.start(ticker(playground, count=10, interval=0.01, retry=1500))
    wait_idle(qtbot, pane)
    assert states == ["connecting", "open", "ended"]
    assert column(pane, ID) == [str(i) for i in range(1, 11)]
    assert column(pane, TYPE) == ["milestone" if i % 5 == 0 else "tick" for i in range(1, 11)]
    assert column(pane, DATA)[0].startswith('{"n":1,')
    assert counts[-1] == 10 and counts == sorted(counts)
    assert pane.counters.text().startswith("10 events · ")
    assert "last id 10" in pane.counters.text() and "retry 1,500 ms" in pane.counters.text()
    assert pane.state_chip.text() == "Ended"
    assert pane.banner.isVisible() and pane.banner.title.text() == "The server ended the stream"
    assert pane.banner.reconnect_button.isVisible()
    # The selected event, pretty-printed.
    pane.table.selectRow(4)
    assert pane.detail.header.text().startswith("<b>milestone</b> · id 5")
    assert json.loads(pane.detail.text.toPlainText())["n"] == 5
    assert '\n  "n": 5,' in pane.detail.text.toPlainText()


def test_type_and_text_filters_show_counts(qtbot: QtBot, pane: EventStreamPane,
                                           playground: str) -> None:
    pane.start(ticker(playground, count=20, interval=0))
    wait_idle(qtbot, pane)
    assert [pane.type_list.item(i).text() for i in range(3)] == \
        ["All types  (20)", "tick  (16)", "milestone  (4)"]
    click_item(qtbot, pane, type_item(pane, "milestone"))
    wait_idle(qtbot, pane)
    assert column(pane, ID) == ["5", "10", "15", "20"]
    assert pane.filter_note.text() == "4 of 20 events"
    qtbot.keyClicks(pane.text_filter, '"n":1')
    pane.text_filter.apply_now()
    wait_idle(qtbot, pane)
    assert column(pane, ID) == ["10", "15"]
    assert pane.filter_note.text() == "2 of 20 events"
    click_item(qtbot, pane, pane.type_list.item(0))  # All types, the text still applies
    wait_idle(qtbot, pane)
    assert column(pane, ID) == ["1", *map(str, range(10, 20))]
    pane.text_filter.clear()
    pane.text_filter.apply_now()
    wait_idle(qtbot, pane)
    assert pane.model.rowCount() == 20 and not pane.filter_note.isVisible()


def test_pause_keeps_receiving_and_resume_catches_up(qtbot: QtBot, pane: EventStreamPane,
                                                     playground: str) -> None:
    pane.start(ticker(playground, count=400, interval=0.005))
    bar = pane.table.verticalScrollBar()
    qtbot.waitUntil(lambda: pane.model.rowCount() > 60, timeout=10_000)
    qtbot.mouseClick(pane.pause_button, Qt.MouseButton.LeftButton)
    assert pane.paused
    held, rows = bar.value(), pane.model.rowCount()
    qtbot.waitUntil(lambda: pane.model.rowCount() > rows + 60, timeout=10_000)
    assert bar.value() == held < bar.maximum()
    qtbot.waitUntil(lambda: "new)" in pane.pause_button.text(), timeout=2000)
    wait_idle(qtbot, pane)
    assert bar.value() == held
    assert pane.log.total == pane.model.rowCount() == 400
    qtbot.mouseClick(pane.pause_button, Qt.MouseButton.LeftButton)
    assert not pane.paused and pane.pause_button.text() == "Pause autoscroll"
    assert bar.value() == bar.maximum()


# -- connections that end, drop, die and resume ------------------------------------------------


def test_automatic_reconnect_resumes_after_the_last_event_id(
        qtbot: QtBot, pane: EventStreamPane, flaky: FlakyServer) -> None:
    states: list[str] = []
    pane.state_changed.connect(states.append)
    pane.set_auto_reconnect(True)
    pane.start(RequestModel(url=f"{flaky.url}/ticker?count=10&drop_after=4&retry=200"))
    wait_idle(qtbot, pane)
    assert flaky.last_event_ids == [None, "4", "8", "10"]  # the last answer is 204: the end
    ids = [event.id for event in pane.log]
    assert ids == [str(i) for i in range(1, 11)]
    assert "reconnecting" in states and states[-1] == "ended"
    assert "3 reconnects" in pane.counters.text() and "retry 200 ms" in pane.counters.text()


def test_a_dropped_stream_says_disconnected_and_reconnects_in_one_click(
        qtbot: QtBot, pane: EventStreamPane, flaky: FlakyServer) -> None:
    pane.start(RequestModel(url=f"{flaky.url}/ticker?count=10&drop_after=4"))
    wait_idle(qtbot, pane)
    assert pane.state == "failed" and pane.state_chip.text() == "Disconnected"
    assert pane.banner.title.text() == "Disconnected"
    assert "Stream failed" in pane.banner.hint.text()
    assert pane.banner.reconnect_button.isVisible()
    qtbot.mouseClick(pane.banner.reconnect_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, pane)
    assert flaky.last_event_ids == [None, "4"]
    assert [e.id for e in pane.log] == [str(i) for i in range(1, 9)]


def test_a_server_that_dies_mid_stream_leaves_a_clear_state(
        qtbot: QtBot, pane: EventStreamPane, run_async: Callable[..., Any]) -> None:
    server = FlakyServer(run_async)
    pane.start(RequestModel(url=f"{server.url}/ticker?count=0"))
    qtbot.waitUntil(lambda: pane.log.total >= 5, timeout=10_000)
    server.stop()
    wait_idle(qtbot, pane)
    assert pane.state_chip.text() == "Disconnected"
    assert pane.banner.isVisible() and pane.banner.title.text() == "Disconnected"
    assert pane.reconnect_button.isVisible() and not pane.stop_button.isEnabled()
    received = pane.log.total
    # Nothing listens there any more: Reconnect says so, in words, keeping the events.
    qtbot.mouseClick(pane.reconnect_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, pane)
    assert pane.banner.title.text() == "Could not connect"
    assert server.url.removeprefix("http://") in pane.banner.detail.text()
    assert pane.log.total == received


def test_stop_keeps_the_events_and_offers_to_resume(qtbot: QtBot, pane: EventStreamPane,
                                                    playground: str) -> None:
    pane.start(ticker(playground, count=0, interval=0.01))
    qtbot.waitUntil(lambda: pane.log.total >= 3, timeout=10_000)
    qtbot.mouseClick(pane.stop_button, Qt.MouseButton.LeftButton)
    assert pane.state == "stopped"
    wait_idle(qtbot, pane)
    stopped_at = pane.log.total
    qtbot.wait(100)
    assert pane.log.total == stopped_at
    assert pane.banner.title.text() == "Stopped"
    assert f"resumes after id {stopped_at}" in pane.banner.hint.text()


# -- merged tokens -----------------------------------------------------------------------------


def test_chat_tokens_merge_into_readable_text(qtbot: QtBot, pane: EventStreamPane,
                                              playground: str) -> None:
    prompt = "Tell me about event streams"
    pane.tabs.setCurrentWidget(pane.merge)
    pane.start(RequestModel(method="POST", url=f"{playground}/sse/chat?delay=0.002",
                            body=BodyModel(kind=BodyKind.JSON,
                                           text=json.dumps({"prompt": prompt}))))
    qtbot.waitUntil(lambda: pane.merge.merged_text().startswith("You said"), timeout=10_000)
    wait_idle(qtbot, pane)
    assert pane.merge.merged_text() == chat_answer(prompt)
    assert pane.merge.status.text().startswith("found choices[0].delta.content")
    qtbot.mouseClick(pane.merge.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == chat_answer(prompt)
    # A path of the user's own; data where it does not apply adds nothing.
    pane.merge.set_path("choices[0].delta.role")
    wait_idle(qtbot, pane)
    qtbot.waitUntil(lambda: pane.merge.caught_up, timeout=5000)
    assert pane.merge.merged_text() == "assistant"
    pane.merge.set_path("choices[0")
    assert "cannot read" in pane.merge.status.text()


def test_the_merge_follows_the_type_filter(qtbot: QtBot, pane: EventStreamPane) -> None:
    pane.tabs.setCurrentWidget(pane.merge)
    pane.begin_external("http://example.test/stream", "200 OK")
    pane.feed(b"data: Hel\n\ndata: lo\n\nevent: ping\ndata: x\n\ndata: {\"token\": \" there\"}"
              b"\n\n")
    pane.end_external(None)
    wait_idle(qtbot, pane)
    qtbot.waitUntil(lambda: pane.merge.caught_up, timeout=5000)
    assert pane.merge.merged_text() == "Hellox there"  # text as it is, JSON by its path
    pane.type_list.select_types({"message"})
    qtbot.waitUntil(lambda: pane.merge.caught_up and pane.model.synced, timeout=5000)
    assert pane.merge.merged_text() == "Hello there"


names = st.text(st.characters(blacklist_characters=".[]", blacklist_categories=("Cs",)),
                min_size=1, max_size=6).filter(lambda n: n.strip() == n)


@given(steps=st.lists(st.one_of(names, st.integers(-3, 3)), min_size=1, max_size=6),
       leaf=st.text(max_size=5))
def test_a_token_path_finds_what_it_names(steps: list[str | int], leaf: str) -> None:
    text = ""
    for step in steps:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    path = TokenPath.parse(text)
    assert path.steps == tuple(steps)
    value: object = leaf  # a value that holds leaf where the path points
    for step in reversed(steps):
        if isinstance(step, int):
            items: list[object] = [None] * (step + 1 if step >= 0 else -step)
            items[step] = value
            value = items
        else:
            value = {step: value}
    assert path.find(value) == leaf
    assert path.find(leaf) is MISSING


def test_token_paths_and_merging_rules() -> None:
    path = TokenPath.parse("choices[0].delta.content")
    assert path.find({"choices": [{"delta": {"content": "hi"}}]}) == "hi"
    assert path.find({"choices": []}) is MISSING
    assert TokenPath.parse("[1].text").find([{}, {"text": "x"}]) == "x"
    assert TokenPath.parse("a[-1]").find({"a": [1, 2]}) == 2
    for bad in ("", "a..b", "a[x]", "a.[0]", "a[0"):
        with pytest.raises(ValueError):
            TokenPath.parse(bad)
    merger = TokenMerger()
    data = ['{"delta": {"text": "An"}}', '{"delta": {"text": "t"}}', '{"type": "ping"}',
            "[DONE]", '"quoted"', "raw ", "{bad"]
    assert [merger.add(d) for d in data] == ["An", "t", "", "", "quoted", "raw ", "{bad"]
    assert merger.detected is not None and merger.detected.text == "delta.text"
    assert (merger.merged, merger.skipped) == (5, 2)
    fixed = TokenMerger(TokenPath.parse("n"))
    assert [fixed.add(d) for d in ('{"n": 1}', '{"n": true}', '{"n": "x"}')] == ["1", "", "x"]


# -- a response that turned out to be an event stream ------------------------------------------


STREAM = ("\ufeff: comment\r\nretry: 250\r\nid: 1\r\nevent: tick\r\ndata: {\"n\": 1, \"s\": "
          "\"héllo €\"}\r\n\r\nid: 2\r\ndata: line one\rdata: line two\r\r"
          "id: 3\nevent: milestone\ndata\n\ndata:  two spaces\n\n").encode()


@pytest.mark.parametrize("cut", [1, 2, 3, 7])
def test_the_external_feed_parses_a_stream_split_anywhere(qtbot: QtBot, pane: EventStreamPane,
                                                          cut: int) -> None:
    pane.begin_external("http://example.test/events", "200 OK")
    assert pane.state == "open" and pane.url_label.text() == "200 OK · http://example.test/events"
    for start in range(0, len(STREAM), cut):  # splits CRLF pairs and UTF-8 characters
        pane.feed(STREAM[start:start + cut])
    pane.end_external(None)
    wait_idle(qtbot, pane)
    expected = SSEParser().feed(STREAM)
    assert [(e.event, e.id, e.data, e.retry) for e in pane.log] == \
        [(e.event, e.id, e.data, e.retry) for e in expected]
    assert [e.data for e in pane.log][:2] == ['{"n": 1, "s": "héllo €"}', "line one\nline two"]
    assert pane.state == "ended" and pane.log.total == 4


def test_an_external_stream_that_breaks_reconnects_with_the_model(
        qtbot: QtBot, pane: EventStreamPane, playground: str) -> None:
    pane.begin_external(f"{playground}/sse/ticker?count=6", "200 OK")
    pane.feed(b"id: 1\ndata: {}\n\nid: 2\ndata: {}\n\nid: 3\ndata: {}\n\nid: 4\nda")
    pane.end_external(ErrorText("Response cut short", "The server stopped sending.",
                                "cut after 60 bytes"))
    wait_idle(qtbot, pane)
    assert pane.state == "failed" and pane.banner.title.text() == "Disconnected"
    assert not pane.banner.reconnect_button.isVisible()  # no request to send again yet
    pane.set_model(ticker(playground, count=6, interval=0))
    pane.feed(b"ta: ignored, the stream is over\n\n")
    assert pane.reconnect_button.isVisible()
    qtbot.mouseClick(pane.reconnect_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, pane)
    assert [e.id for e in pane.log] == ["1", "2", "3", "4", "5", "6"]  # resumed after id 3


# -- export ------------------------------------------------------------------------------------


def test_export_writes_json_lines(qtbot: QtBot, pane: EventStreamPane, playground: str,
                                  tmp_path: Path) -> None:
    pane.start(ticker(playground, count=25, interval=0))
    wait_idle(qtbot, pane)
    target = tmp_path / "events.jsonl"
    with qtbot.waitSignal(pane.export_finished, timeout=10_000) as done:
        pane.export_to(str(target))
    assert done.args == [str(target), 25]
    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == [str(i) for i in range(1, 26)]
    assert set(records[0]) == {"time", "event", "id", "data", "retry"}
    assert records[4]["event"] == "milestone" and json.loads(records[4]["data"])["n"] == 5
    assert pane.export_status.text() == "Exported 25 events to events.jsonl"


def test_a_failed_export_is_shown_in_the_pane(qtbot: QtBot, pane: EventStreamPane,
                                              tmp_path: Path) -> None:
    pane.begin_external("http://example.test/events", "200 OK")
    pane.feed(b"data: one\n\n")
    pane.export_to(str(tmp_path / "no such folder" / "events.jsonl"))
    qtbot.waitUntil(lambda: pane.export_status.text().startswith("Export failed"),
                    timeout=10_000)
    assert "No such file or directory" in pane.export_status.text()
    assert pane.export_button.isEnabled()


# -- errors in words ---------------------------------------------------------------------------


def test_errors_are_shown_in_plain_words(qtbot: QtBot, pane: EventStreamPane,
                                         playground: str) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    pane.start(RequestModel(url=f"http://127.0.0.1:{port}/events"))
    wait_idle(qtbot, pane)
    assert pane.state == "failed" and pane.state_chip.text() == "Failed"
    assert pane.banner.title.text() == "Could not connect"
    pane.start(RequestModel(url=f"{playground}/status/404"))
    wait_idle(qtbot, pane)
    assert pane.banner.title.text() == "Refused: HTTP 404 Not Found"
    assert "HTTP 404" in pane.banner.detail.text()
    assert '{"code": 404, "reason": "Not Found"}' in pane.banner.detail.text()  # APIError.data
    pane.start(RequestModel(url=f"{playground}/sse/wrong-type"))
    wait_idle(qtbot, pane)
    assert "not an event stream" in pane.banner.detail.text()
    pane.start(RequestModel(url="http://127.0.0.1:1/{{missing}}"))
    wait_idle(qtbot, pane)
    assert pane.banner.title.text() == "Cannot send this request"


# -- memory --------------------------------------------------------------------------------------


def test_a_cap_is_visible(qtbot: QtBot, pane: EventStreamPane, playground: str) -> None:
    pane.set_cap(5)
    assert pane.cap_box.value() == 5
    pane.start(ticker(playground, count=12, interval=0))
    wait_idle(qtbot, pane)
    assert column(pane, ID) == ["8", "9", "10", "11", "12"]
    assert pane.cap_notice.isVisible()
    assert pane.cap_notice.text() == "Showing the last 5 of 12 events"
    assert pane.counters.text().startswith("12 events")
    assert pane.type_list.item(0).text() == "All types  (5)"
    pane.set_cap(None)
    assert pane.log.cap is None and pane.cap_box.text() == "all events"
    pane.cap_box.setValue(20_000)
    assert pane.log.cap == 20_000 and pane.cap_box.text() == "20,000 events"


def test_a_capped_firehose_keeps_exact_counts(qtbot: QtBot, pane: EventStreamPane,
                                              playground: str) -> None:
    # Rows the cap drops between two frames are painted blank until the next one removes
    # them: never an error.
    pane.set_cap(50)
    pane.start(RequestModel(url=f"{playground}/sse/firehose?count=20000"))
    wait_idle(qtbot, pane, timeout=60_000)
    assert column(pane, ID) == [str(i) for i in range(19_951, 20_001)]
    assert pane.cap_notice.text() == "Showing the last 50 of 20,000 events"
    assert pane.log.type_counts() == {"message": 50}
    assert pane.log.in_memory + pane.log.on_disk == 50


def test_a_firehose_of_200000_events_stays_in_bounded_memory(
        qtbot: QtBot, pane: EventStreamPane, playground: str) -> None:
    count = 200_000
    pane.start(RequestModel(url=f"{playground}/sse/firehose?count={count}"))
    wait_idle(qtbot, pane, timeout=120_000)
    log = pane.log
    assert log.total == pane.model.rowCount() == count
    assert log.wait_spilled()
    assert log.in_memory <= 20_000 + 4096
    assert log.on_disk >= count - 20_000 - 4096
    ids = [int(event.id) for event in log]  # read back, most of it from disk
    assert ids == list(range(1, count + 1))
    assert pane.counters.text().startswith("200,000 events")
    # Filtering reads the spilled events back a frame's budget at a time.
    pane.text_filter.setText('"n":19999')
    pane.text_filter.apply_now()
    wait_idle(qtbot, pane, timeout=60_000)
    assert column(pane, ID) == ["19999", *map(str, range(199_990, 200_000))]


def test_an_event_with_a_very_long_line_is_shown_unwrapped(qtbot: QtBot) -> None:
    # A megabyte of compact JSON on one line, wrapped, took Qt minutes to lay out.
    import time

    from PySide6.QtWidgets import QPlainTextEdit

    from app.streams.event_log import LoggedEvent
    from ui.modes.events.event_stream_detail import EventDetail

    detail = EventDetail()
    qtbot.addWidget(detail)
    detail.resize(500, 400)
    detail.show()
    big = '{"data": "' + "x" * 1_000_000 + '"}'
    began = time.perf_counter()
    detail.show_event(LoggedEvent(time.time(), "message", "", big, None, len(big)))
    detail.repaint()
    assert detail.text.lineWrapMode() == QPlainTextEdit.LineWrapMode.NoWrap
    assert time.perf_counter() - began < 30  # not a figure: minutes when it was wrapped
    detail.show_event(LoggedEvent(time.time(), "message", "", "short words", None, 11))
    assert detail.text.lineWrapMode() == QPlainTextEdit.LineWrapMode.WidgetWidth
