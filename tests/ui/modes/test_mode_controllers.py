"""The mode controllers as view-models, without widgets: each one driven against the real
playground, checking the states it goes through and the Outcome it reports for the history."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.model.compose import SessionPool
from app.model.request import RequestMode, RequestModel
from app.model.variables import Resolution
from app.storage.history import Outcome
from ui.modes.base import ConnectionState as S
from ui.modes.events.event_stream_controller import EventStreamController
from ui.modes.http.controller import SendController
from ui.modes.websocket.websocket_controller import WebSocketController
from ui.tasks import TaskRunner


class Recorder:
    """What a controller says: its states, and each (model, outcome, secrets) it reports."""

    def __init__(self, controller: Any) -> None:
        self.states: list[S] = []
        self.exchanges: list[tuple[RequestModel, Outcome, tuple[str, ...]]] = []
        controller.state_changed.connect(self.states.append)
        controller.exchanged.connect(lambda m, o, s: self.exchanges.append((m, o, s)))


@pytest.fixture
def pool(run_async: Callable[..., Any]) -> Iterator[SessionPool]:
    sessions = SessionPool()
    yield sessions
    run_async(sessions.close())


def source(base: str) -> Any:
    """A variables source giving ``{{base}}`` and one secret value."""
    async def resolve(_model: RequestModel) -> Resolution:
        return Resolution({"base": base}, ("hush",))

    return resolve


def test_http_states_and_outcome_of_a_response(qtbot: QtBot, pool: SessionPool,
                                               playground: str) -> None:
    c = SendController(TaskRunner(), lambda: pool, "t / send")
    seen = Recorder(c)
    model = RequestModel(url="{{base}}/status/201")
    before = time.time()
    c.start(model, source(playground))
    assert c.busy and c.state == S.SENDING
    qtbot.waitUntil(lambda: c.state == S.ENDED, timeout=10000)
    assert seen.states == [S.SENDING, S.RECEIVING, S.ENDED] and not c.busy
    [(sent, outcome, secrets)] = seen.exchanges
    assert sent is model and secrets == ("hush",)
    assert outcome.status == 201 and outcome.error is None
    assert outcome.url == f"{playground}/status/201"
    assert before <= outcome.started <= time.time() and outcome.duration > 0


def test_http_failure_and_stop(qtbot: QtBot, pool: SessionPool, playground: str) -> None:
    c = SendController(TaskRunner(), lambda: pool, "t / send")
    seen = Recorder(c)
    c.start(RequestModel(url="http://127.0.0.1:1/"))
    qtbot.waitUntil(lambda: c.state == S.FAILED, timeout=10000)
    assert seen.states == [S.SENDING, S.FAILED]
    [(_, outcome, secrets)] = seen.exchanges
    assert outcome.status is None and outcome.error and secrets == ()

    c.start(RequestModel(url=f"{playground}/delay/10"))
    assert c.stop() and c.state == S.STOPPED and not c.busy
    assert not c.stop()
    qtbot.wait(50)
    assert len(seen.exchanges) == 1  # a stopped send has no answer to record
    c.dispose()


def test_event_stream_states_and_outcome(qtbot: QtBot, pool: SessionPool,
                                         playground: str) -> None:
    c = EventStreamController(TaskRunner(), lambda: pool, "t / events")
    seen = Recorder(c)
    model = RequestModel(url="{{base}}/sse/ticker?count=3&interval=0.01",
                         mode=RequestMode.SSE)
    try:
        c.start(model, source(playground))
        assert c.busy
        qtbot.waitUntil(lambda: c.state == S.ENDED, timeout=10000)
        assert seen.states == [S.CONNECTING, S.OPEN, S.ENDED] and not c.busy
        assert c.log.total == 3
        [(sent, outcome, secrets)] = seen.exchanges  # once, when it opened
        assert sent is model and secrets == ("hush",)
        assert outcome.status == 200 and outcome.error is None
        assert outcome.url.startswith(f"{playground}/sse/ticker")

        c.start(RequestModel(url="http://127.0.0.1:1/", mode=RequestMode.SSE))
        qtbot.waitUntil(lambda: c.state == S.FAILED, timeout=10000)
        assert seen.states[-2:] == [S.CONNECTING, S.FAILED]
        outcome = seen.exchanges[-1][1]
        assert c.error is not None
        assert outcome.status is None and outcome.error == c.error.title
        assert not c.stop()
    finally:
        c.dispose()


def test_websocket_states_and_outcome(qtbot: QtBot, pool: SessionPool,
                                      playground: str) -> None:
    c = WebSocketController(TaskRunner(), lambda: pool, "t / websocket")
    seen = Recorder(c)
    ws = playground.replace("http://", "ws://")
    model = RequestModel(url="{{base}}/ws/echo", mode=RequestMode.WEBSOCKET)
    try:
        c.start(model, source(ws))
        qtbot.waitUntil(lambda: c.state == S.OPEN, timeout=10000)
        [(sent, outcome, secrets)] = seen.exchanges
        assert sent is model and secrets == ("hush",)
        assert outcome.status == 101 and outcome.error is None
        assert c.busy and c.stop()
        qtbot.waitUntil(lambda: c.state == S.CLOSED, timeout=10000)
        assert seen.states == [S.CONNECTING, S.OPEN, S.CLOSING, S.CLOSED] and not c.busy
        assert len(seen.exchanges) == 1

        c.start(RequestModel(url="ws://127.0.0.1:1/", mode=RequestMode.WEBSOCKET))
        qtbot.waitUntil(lambda: c.state == S.FAILED, timeout=10000)
        outcome = seen.exchanges[-1][1]
        assert outcome.status is None and outcome.error
    finally:
        c.dispose()
