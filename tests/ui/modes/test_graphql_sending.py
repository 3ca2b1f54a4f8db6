"""Sending a GraphQL body from a request tab to the playground's /graphql (graphql-core's
executor): a query's data and errors shown in the response pane (errors in the strip above the
body, not hidden), and a subscription routed to an event-stream pane, one event per result,
stoppable."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.model.compose import SessionPool
from app.model.request import BodyKind, BodyModel, RequestModel
from ui.modes.base import ConnectionState as S
from ui.modes.events.event_stream_pane import EventStreamPane
from ui.modes.graphql.answer import GraphQLAnswerStrip, summarize
from ui.modes.routing import RoutedController
from ui.request_tab import RequestTab
from ui.tasks import TaskRunner


@pytest.fixture
def pool(run_async: Callable[..., Any]) -> Iterator[SessionPool]:
    sessions = SessionPool()
    yield sessions
    run_async(sessions.close())


def make_tab(qtbot: QtBot, pool: SessionPool, url: str, query: str,
             variables: str = "") -> RequestTab:
    model = RequestModel(method="POST", url=url, body=BodyModel(
        kind=BodyKind.GRAPHQL, text=query, graphql_variables=variables))
    tab = RequestTab(TaskRunner(), lambda: pool, 1, None, model)
    qtbot.addWidget(tab)
    tab.resize(1200, 800)
    tab.show()
    qtbot.waitExposed(tab)
    return tab


def test_a_query_shows_its_data_and_its_errors(qtbot: QtBot, pool: SessionPool,
                                               playground: str) -> None:
    query = 'query Q($id: ID!) { user(id: $id) { name } }'
    tab = make_tab(qtbot, pool, f"{playground}/graphql", query, '{"id": "1"}')
    tab.send()
    response = tab.response
    qtbot.waitUntil(lambda: tab.controller.state == S.ENDED, timeout=15000)
    answer = tab.parts(tab.mode).controller
    assert isinstance(answer, RoutedController)
    body = response.body.store.read(0, 1 << 20)
    sent = json.loads(body)
    assert isinstance(sent["data"]["user"]["name"], str) and "errors" not in sent
    strip = response.findChild(GraphQLAnswerStrip)
    qtbot.waitUntil(strip.isVisible, timeout=10000)
    assert strip.title.text() == "GraphQL: data" and strip.details.isHidden()
    # A resolver's error: shown with its path, data null beside it.
    tab.editor.body.graphql.editor.setPlainText(
        'mutation { addPost(authorId: "nobody", post: {title: "x"}) { id } }')
    tab.send()
    qtbot.waitUntil(lambda: not strip.isVisible(), timeout=5000)
    qtbot.waitUntil(strip.isVisible, timeout=15000)
    assert strip.title.text() == "GraphQL: no data · 1 error"
    assert "No user with id nobody.  (at addPost)" in strip.details.toPlainText()


def test_an_answer_with_errors_shows_them_with_paths_and_extensions() -> None:
    found = summarize(json.dumps({
        "data": None,
        "errors": [{"message": "boom", "path": ["user", 0, "name"],
                    "locations": [{"line": 1, "column": 3}]}],
        "extensions": {"cost": 3}}).encode())
    assert found is not None and not found.has_data
    assert found.errors == ("boom  (at user.0.name)  [line 1, column 3]",)
    assert json.loads(found.extensions) == {"cost": 3}
    assert summarize(b"[1, 2]") is None and summarize(b"not json") is None
    assert summarize(b'{"data": {"a": 1}}') == type(found)(True, (), "")


def test_a_mutation_with_a_missing_variable_shows_the_servers_error(
        qtbot: QtBot, pool: SessionPool, playground: str) -> None:
    query = "mutation M($u: ID!) { setRole(userId: $u, role: ADMIN) { id } }"
    tab = make_tab(qtbot, pool, f"{playground}/graphql", query, "{}")
    tab.send()
    qtbot.waitUntil(lambda: tab.controller.state in (S.ENDED, S.FAILED), timeout=15000)
    response = tab.response
    strip = response.findChild(GraphQLAnswerStrip)
    qtbot.waitUntil(strip.isVisible, timeout=10000)
    assert "no data" in strip.title.text() and "1 error" in strip.title.text()
    assert "$u" in strip.details.toPlainText()


def test_a_subscription_shows_ticks_as_events_and_stops(qtbot: QtBot, pool: SessionPool,
                                                        playground: str) -> None:
    query = "subscription { tick(count: 1000, interval: 0.05) { n } }"
    tab = make_tab(qtbot, pool, f"{playground}/graphql", query)
    tab.send()
    controller = tab.parts(tab.mode).controller
    assert isinstance(controller, RoutedController)
    parts = controller.route_parts("graphql subscription")
    assert parts is not None and isinstance(parts.pane, EventStreamPane)
    pane = parts.pane
    assert tab.lower.currentWidget() is pane
    qtbot.waitUntil(lambda: pane.log.total >= 3, timeout=15000)
    assert tab.busy and tab.send_button.text() == "Cancel"
    first = pane.log.get(0)
    assert first.event == "data" and json.loads(first.data) == {"data": {"tick": {"n": 1}}}
    assert "graphql" in pane.controller.status_text or "subscribed" in pane.controller.status_text
    assert tab.cancel()
    qtbot.waitUntil(lambda: pane.state == S.STOPPED, timeout=5000)
    seen = pane.log.total
    qtbot.wait(300)
    assert pane.log.total == seen and not tab.busy
    # A query afterwards goes back to the response pane.
    tab.editor.body.graphql.editor.setPlainText("{ hello }")
    tab.send()
    qtbot.waitUntil(lambda: tab.controller.state == S.ENDED, timeout=15000)
    assert tab.lower.currentWidget() is tab.response


def test_a_subscription_error_is_an_event(qtbot: QtBot, pool: SessionPool,
                                          playground: str) -> None:
    query = "subscription { tick(count: 3, interval: 99) { n } }"  # interval out of range
    tab = make_tab(qtbot, pool, f"{playground}/graphql", query)
    tab.send()
    controller = tab.parts(tab.mode).controller
    assert isinstance(controller, RoutedController)
    parts = controller.route_parts("graphql subscription")
    assert parts is not None
    pane = parts.pane
    assert isinstance(pane, EventStreamPane)
    qtbot.waitUntil(lambda: pane.state in (S.ENDED, S.FAILED), timeout=15000)
    events = list(pane.log.scan(0, pane.log.total))
    assert events and events[-1].event == "error"
    assert json.loads(events[-1].data)["errors"]
