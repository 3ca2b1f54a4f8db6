"""Calls from a request tab in gRPC mode against the playground's gRPC server, as a user makes
them: a unary call (status, headers, trailers, the answer, the history entry), a server
stream shown as it comes, a bidi stream (send, half-close, the results), a client stream,
cancel (the Stop button and Esc), a deadline, an unreachable target, Fail's error details,
``{{variables}}`` in every field, and the stream view's limit."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.model.request import KeyValue, RequestMode
from app.playground.grpc_server import PROTO
from app.storage.history import HistoryEntry
from tests.ui.modes.conftest import SERVICE, call_and_wait, pane_of
from ui.modes.base import ConnectionState
from ui.modes.grpc.grpc_controller import GrpcController, GrpcViewSettings
from ui.modes.grpc.grpc_log import GrpcLogModel, GrpcMessageLog
from ui.modes.grpc.grpc_pane import GrpcPane
from ui.request_tab import RequestTab

MakeTab = Callable[..., RequestTab]


def table(widget: Any) -> list[tuple[str, str]]:
    return [(widget.item(r, 0).text(), widget.item(r, 1).text())
            for r in range(widget.rowCount())]


def rows(pane: GrpcPane) -> list[tuple[str, Any]]:
    return [(m[1], m[2]) for m in pane.controller.log.rows]


def test_unary_call_status_headers_trailers_and_history(
        grpc_tab: MakeTab, grpc_target: str, qtbot: QtBot) -> None:
    tab = grpc_tab(f"grpc://{grpc_target}", f"{SERVICE}/Echo", '{"text": "hello"}')
    entries: list[HistoryEntry] = []
    tab.exchanged.connect(entries.append)
    assert tab.send_button.text() == "Call"
    pane = call_and_wait(tab, qtbot)
    result = pane.controller.result
    assert result is not None and result.code == "OK"
    assert pane.controller.state == ConnectionState.ENDED
    assert pane.controller.kind == "unary"
    assert "OK" in pane.stream.status.text()
    assert ("x-playground-method", "Echo") in table(pane.stream.headers)
    assert ("x-playground-trailer", "done") in table(pane.stream.trailers)
    assert json.loads(pane.stream.detail.toPlainText())["text"] == "hello"
    directions = [d for d, _ in rows(pane)]
    assert directions == ["info", "out", "in", "info"]
    assert pane.stream.model.rowCount() == 4
    assert pane.stream.model.index(1, 1).data() == "→"
    assert pane.stream.model.index(2, 1).data() == "←"
    assert '"hello"' in pane.stream.model.index(2, 2).data()
    assert len(entries) == 1
    assert entries[0].status == 0
    # Its size is the answer's on the wire (protobuf's), not its JSON's.
    assert entries[0].response_size == result.received_bytes
    assert 7 < result.received_bytes < len(json.dumps(result.responses[0]))
    assert tab.send_button.text() == "Call"


def test_metadata_and_variables_in_every_field(grpc_tab: MakeTab, grpc_target: str,
                                               qtbot: QtBot) -> None:
    host, port = grpc_target.rsplit(":", 1)
    tab = grpc_tab("grpc://{{host}}:{{port}}", "{{service}}/Echo", '{"text": "{{word}}"}',
                   variables={"host": host, "port": port, "service": SERVICE,
                              "word": "templated", "team": "blue"})
    model = tab.to_model()
    model.headers = [KeyValue("x-team", "{{team}}")]
    tab.load_model(model)
    entries: list[HistoryEntry] = []
    tab.exchanged.connect(entries.append)
    pane = call_and_wait(tab, qtbot)
    assert pane.controller.result is not None, pane.controller.error
    answer = pane.controller.result.responses[0]
    assert answer["text"] == "templated"
    assert answer["metadata"]["x-team"] == "blue"
    # History names what was called, the method's variables filled in as the target's are.
    assert len(entries) == 1
    assert entries[0].url == f"grpc://{host}:{port}/{SERVICE}/Echo"
    assert entries[0].request["grpc"]["method"] == f"{SERVICE}/Echo"


def test_server_stream_shown_as_it_comes(grpc_tab: MakeTab, grpc_target: str,
                                         qtbot: QtBot) -> None:
    tab = grpc_tab(f"grpc://{grpc_target}", f"{SERVICE}/Count",
                   '{"count": 4, "interval": "0.3s"}')
    pane = pane_of(tab)
    tab.send()
    qtbot.waitUntil(lambda: pane.controller.log.received >= 1
                    and pane.stream.model.rowCount() >= 3, timeout=15000)
    assert pane.controller.busy  # the first message is shown before the stream ends
    assert tab.send_button.text() == "Cancel"
    assert pane.controller.kind == "server streaming"
    assert not pane.stream.send_button.isEnabled()  # a server stream takes no more
    qtbot.waitUntil(lambda: not pane.controller.busy, timeout=15000)
    pane.stream.refresh()
    numbers = [data["number"] for d, data in rows(pane) if d == "in"]
    assert numbers == [1, 2, 3, 4]
    assert pane.controller.result is not None and pane.controller.result.code == "OK"
    assert "← 4" in pane.stream.counts.text()


def test_bidi_stream_send_half_close_and_results(grpc_tab: MakeTab, grpc_target: str,
                                                 qtbot: QtBot) -> None:
    tab = grpc_tab(f"grpc://{grpc_target}", f"{SERVICE}/Chat",
                   '[{"user": "ann", "text": "one"}, {"user": "ann", "text": "two"}]')
    pane = pane_of(tab)
    view = pane.stream
    tab.send()
    qtbot.waitUntil(lambda: pane.controller.log.received >= 2, timeout=15000)
    assert pane.controller.state == ConnectionState.OPEN
    assert pane.controller.kind == "bidi streaming"
    assert view.send_button.isEnabled() and view.half_close_button.isEnabled()
    view.send_edit.setText('{"user": "ann", "text": "three"}')
    qtbot.keyClick(view.send_edit, Qt.Key.Key_Return)
    assert view.send_edit.text() == ""
    qtbot.waitUntil(lambda: pane.controller.log.received >= 3, timeout=15000)
    # Does not fit its type: said under the box, which keeps it to be mended; nothing is
    # sent or logged, and the call goes on.
    logged = len(rows(pane))
    view.send_edit.setText('{"user": "bob", "text": "yo", "extra": 1}')
    view.send_button.click()
    assert view.send_problem.isVisibleTo(view) and "extra" in view.send_problem.text()
    # Wrapped, so that it does not widen the window and squeeze the sidebar.
    assert view.send_problem.minimumSizeHint().width() < 400
    assert view.send_edit.text() == '{"user": "bob", "text": "yo", "extra": 1}'
    assert len(rows(pane)) == logged
    assert pane.controller.send_text('[{"text": "fine"}, {"user": 5}]') is not None  # none
    assert "'text' is given twice" in (pane.controller.send_text('{"text": "a", "text": "b"}')
                                       or "")
    assert pane.controller.state == ConnectionState.OPEN
    view.send_edit.setText("not json")
    view.send_button.click()
    assert view.send_problem.isVisibleTo(view) and "JSON" in view.send_problem.text()
    view.half_close_button.click()
    qtbot.waitUntil(lambda: not pane.controller.busy, timeout=15000)
    view.refresh()
    answers = [data["text"] for d, data in rows(pane) if d == "in"]
    assert answers == ["ann said: one", "ann said: two", "ann said: three"]
    sent = [data for d, data in rows(pane) if d == "out"]
    assert [m["text"] for m in sent if "text" in m] == ["one", "two", "three"]
    assert pane.controller.result is not None and pane.controller.result.code == "OK"
    assert not view.send_button.isEnabled()
    assert "half-closed" in " ".join(str(data) for d, data in rows(pane) if d == "info").lower()


def test_client_stream_sums_what_was_sent(grpc_tab: MakeTab, grpc_target: str,
                                          qtbot: QtBot) -> None:
    tab = grpc_tab(f"grpc://{grpc_target}", f"{SERVICE}/Sum", '[{"value": 2}, {"value": 3}]')
    pane = pane_of(tab)
    tab.send()
    qtbot.waitUntil(lambda: pane.controller.can_send, timeout=15000)
    # What the open call waits for, said where the user looks.
    qtbot.waitUntil(lambda: pane.stream.status.text() == (
        "Open · client streaming · send more, or Half-close for the answer"))
    assert pane.controller.send_text('[{"value": 10}, {"value": 20}]') is None
    assert pane.controller.half_close()
    assert not pane.controller.half_close()  # once
    qtbot.waitUntil(lambda: not pane.controller.busy, timeout=15000)
    result = pane.controller.result
    assert result is not None and result.responses == [{"sum": "35", "count": 4}]


def slow_stream(grpc_tab: MakeTab, grpc_target: str, qtbot: QtBot
                ) -> tuple[RequestTab, GrpcPane, list[HistoryEntry]]:
    """A tab whose Count stream (100 messages, 0.2 s apart) is under way: its first message
    is in; the history entries it records."""
    tab = grpc_tab(f"grpc://{grpc_target}", f"{SERVICE}/Count",
                   '{"count": 100, "interval": "0.2s"}')
    entries: list[HistoryEntry] = []
    tab.exchanged.connect(entries.append)
    pane = pane_of(tab)
    tab.send()
    qtbot.waitUntil(lambda: pane.controller.log.received >= 1, timeout=15000)
    return tab, pane, entries


def test_a_call_open_as_its_tab_closes_goes_to_history_as_cancelled(
        grpc_tab: MakeTab, grpc_target: str, qtbot: QtBot) -> None:
    tab, _pane, entries = slow_stream(grpc_tab, grpc_target, qtbot)
    tab.dispose()  # as the window closes it
    qtbot.wait(200)  # a late end of the call would be recorded by now: it is not, once
    assert [(e.status, e.status_text) for e in entries] == [(1, "CANCELLED")]
    assert entries[0].request["model"]["grpc"]["method"] == f"{SERVICE}/Count"
    assert entries[0].response_size > 0


def test_cancel_with_the_button_and_esc(grpc_tab: MakeTab, grpc_target: str,
                                        qtbot: QtBot) -> None:
    tab, pane, entries = slow_stream(grpc_tab, grpc_target, qtbot)
    assert tab.send_button.text() == "Cancel"
    tab.send_button.click()  # the Send button turned Stop
    qtbot.waitUntil(lambda: not pane.controller.busy, timeout=15000)
    assert pane.controller.result is not None
    assert pane.controller.result.code == "CANCELLED"
    assert pane.controller.log.received < 100
    assert "CANCELLED" in pane.stream.status.text()
    assert len(entries) == 1 and entries[0].status == 1
    # A bidi stream, cancelled by the tab's Esc (cancel).
    pane.request.method_box.setEditText(f"{SERVICE}/Chat")
    pane.request.editor.setPlainText('{"text": "hi"}')
    tab.send()
    qtbot.waitUntil(lambda: pane.controller.log.received >= 1, timeout=15000)
    assert tab.cancel()
    qtbot.waitUntil(lambda: not pane.controller.busy, timeout=15000)
    assert pane.controller.result is not None
    assert pane.controller.result.code == "CANCELLED"
    assert not tab.cancel()  # nothing left to stop


def test_stop_while_connecting_stops(grpc_tab: MakeTab, qtbot: QtBot) -> None:
    # 10.255.255.1 is not routed here: the call waits for a connection until stopped.
    tab = grpc_tab("grpc://10.255.255.1:50051", f"{SERVICE}/Echo", "{}")
    pane = pane_of(tab)
    tab.send()
    assert pane.controller.state == ConnectionState.CONNECTING
    assert tab.cancel()
    assert pane.controller.state == ConnectionState.STOPPED
    assert not pane.controller.busy


def test_unreachable_target_is_unavailable_in_the_tab(grpc_tab: MakeTab, qtbot: QtBot) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    tab = grpc_tab(f"grpc://127.0.0.1:{port}", f"{SERVICE}/Echo", '{"text": "hi"}')
    entries: list[HistoryEntry] = []
    tab.exchanged.connect(entries.append)
    pane = call_and_wait(tab, qtbot, 30000)
    assert pane.controller.result is not None
    assert pane.controller.result.code == "UNAVAILABLE"
    assert "UNAVAILABLE" in pane.stream.status.text()
    assert len(entries) == 1 and entries[0].status == 14
    # A client and a bidi stream too (their types from the .proto: the call itself fails),
    # not "Stream failed" for a message that could not go.
    for method, message in (("Sum", '[{"value": 1}, {"value": 2}]'), ("Chat", '{"text": "hi"}')):
        model = tab.to_model()
        model.grpc.method, model.grpc.message = f"{SERVICE}/{method}", message
        model.grpc.protos = [str(PROTO)]
        tab.load_model(model)
        pane = call_and_wait(tab, qtbot, 30000)
        assert pane.controller.state == ConnectionState.ENDED, pane.controller.error
        assert pane.controller.result is not None
        assert pane.controller.result.code == "UNAVAILABLE"
        assert entries[-1].status == 14


def test_fail_shows_its_error_details(grpc_tab: MakeTab, grpc_target: str,
                                      qtbot: QtBot) -> None:
    tab = grpc_tab(f"grpc://{grpc_target}", f"{SERVICE}/Fail",
                   '{"field": "email", "description": "not an address"}')
    pane = call_and_wait(tab, qtbot)
    result = pane.controller.result
    assert result is not None and result.code == "INVALID_ARGUMENT"
    assert "INVALID_ARGUMENT" in pane.stream.status.text()
    assert "email: not an address" in pane.stream.status.text()
    shown = json.loads(pane.stream.error_details.toPlainText())
    assert shown == result.error_details
    text = json.dumps(shown)
    assert "email" in text and "PLAYGROUND_FAIL" in text
    assert pane.stream.tabs.currentWidget() is pane.stream.error_details


def test_deadline_exceeded(grpc_tab: MakeTab, grpc_target: str, qtbot: QtBot) -> None:
    tab = grpc_tab(f"grpc://{grpc_target}", f"{SERVICE}/Slow", '{"delay": "5s"}',
                   deadline=0.3)
    pane = call_and_wait(tab, qtbot)
    assert pane.controller.result is not None
    assert pane.controller.result.code == "DEADLINE_EXCEEDED"


def test_what_cannot_be_sent_is_said(grpc_tab: MakeTab, grpc_target: str,
                                     qtbot: QtBot) -> None:
    tab = grpc_tab(f"grpc://{grpc_target}", f"{SERVICE}/Nope", "{}")
    pane = call_and_wait(tab, qtbot)
    assert pane.controller.state == ConnectionState.FAILED
    assert pane.controller.error is not None and "Nope" in pane.controller.error.detail
    tab.load_model(tab.to_model())
    pane.request.method_box.setEditText("")
    pane = call_and_wait(tab, qtbot)
    assert pane.controller.error is not None and "method" in pane.controller.error.detail
    tab.editor.url_bar.setText("grpc://{{nowhere}}")
    pane.request.method_box.setEditText(f"{SERVICE}/Echo")
    pane = call_and_wait(tab, qtbot)
    assert pane.controller.error is not None and "nowhere" in pane.controller.error.detail
    assert pane.stream.error.isVisibleTo(pane)


def test_the_log_keeps_the_last_n_and_counts_the_rest(qtbot: QtBot) -> None:
    log = GrpcMessageLog(keep=5)
    model = GrpcLogModel(log)
    for n in range(3):
        log.add("in", {"n": n})
    assert model.refresh() == 3 and model.rowCount() == 3
    for n in range(3, 12):
        log.add("in", {"n": n})
    log.add("out", {"n": 12})
    model.refresh()
    assert model.rowCount() == 5
    assert [model.message(r).data["n"] for r in range(5)] == [8, 9, 10, 11, 12]
    assert (log.dropped, log.received, log.sent) == (8, 12, 1)
    assert model.refresh() == 0
    assert list(log.rows)[-1][1:] == ("out", {"n": 12}) == log.rows[-1][1:]
    assert [row[2]["n"] for row in log.rows[1:3]] == [9, 10]
    try:
        GrpcViewSettings(keep_messages=0)
    except ValueError as exc:
        assert "keep_messages" in str(exc)
    else:
        raise AssertionError("a limit of 0 was taken")


def test_the_logs_rows_are_nothing_the_garbage_collector_walks(qtbot: QtBot) -> None:
    # A row as a tuple holding a dict stays tracked: 100,000 of them made the collector's
    # full passes stall the window (bench/grpc.py).
    import gc

    log = GrpcMessageLog(keep=1000)
    gc.collect()
    before = len(gc.get_objects())
    for n in range(5000):
        log.add("in", {"number": n, "total": str(n)})
    log.take()
    gc.collect()
    assert len(gc.get_objects()) - before < 100
    assert len(log.rows) == 1000 and log.rows[0][2] == {"number": 4000, "total": "4000"}


def test_a_bounded_view_of_a_long_server_stream(qtbot: QtBot, grpc_target: str,
                                                qt_loop: Any) -> None:
    from app.model.request import RequestModel
    from ui.tasks import TaskRunner

    controller = GrpcController(TaskRunner(), "test / grpc", GrpcViewSettings(keep_messages=50))
    model = RequestModel(url=f"grpc://{grpc_target}", mode=RequestMode.GRPC)
    model.grpc.method = f"{SERVICE}/Count"
    model.grpc.message = '{"count": 2000}'
    controller.start(model)
    qtbot.waitUntil(lambda: not controller.busy, timeout=30000)
    log_model = GrpcLogModel(controller.log)
    log_model.refresh()
    assert log_model.rowCount() == 50
    assert controller.log.received == 2000
    assert controller.log.dropped == 2003 - 50  # with the two notes and the request
    assert log_model.message(48).data["number"] == 2000
    # The call's own result keeps as many (a long stream's memory is bounded twice over).
    assert controller.result is not None and len(controller.result.responses) == 50
    assert controller.result.responses_dropped == 1950
    assert controller.result.responses[-1]["number"] == 2000


def test_the_stream_view_keeps_as_many_messages_as_chosen(
        grpc_tab: MakeTab, grpc_target: str, qtbot: QtBot) -> None:
    tab = grpc_tab(f"grpc://{grpc_target}", f"{SERVICE}/Count", '{"count": 1500}')
    pane = pane_of(tab)
    view = pane.stream
    assert view.keep_box.currentData() == 100_000  # the default
    assert [view.keep_box.itemData(i) for i in range(view.keep_box.count())] == [
        1_000, 10_000, 100_000, 1_000_000]
    pane = call_and_wait(tab, qtbot)
    assert view.model.rowCount() == 1503  # the request, 1,500 answers, the end
    # Fewer: the oldest go at once, counted.
    view.keep_box.setCurrentIndex(view.keep_box.findData(1_000))
    assert view.model.rowCount() == 1000
    assert view.model.message(997).data == {"number": 1499, "total": "1124250"}
    assert "(503 older not shown)" in view.counts.text()
    # The next call keeps as many, in its list and in its result (its checks' responses).
    pane = call_and_wait(tab, qtbot)
    assert view.model.rowCount() == 1000
    assert pane.controller.result is not None
    assert len(pane.controller.result.responses) == 1000
    assert pane.controller.result.responses_dropped == 500


def test_a_new_call_replaces_a_running_stream(grpc_tab: MakeTab, grpc_target: str,
                                              qtbot: QtBot) -> None:
    tab = grpc_tab(f"grpc://{grpc_target}", f"{SERVICE}/Count",
                   '{"count": 1000, "interval": "0.01s"}')
    pane = pane_of(tab)
    tab.send()
    qtbot.waitUntil(lambda: pane.controller.log.received >= 5, timeout=15000)
    pane.request.method_box.setEditText(f"{SERVICE}/Echo")
    pane.request.editor.setPlainText('{"text": "next"}')
    pane.controller.start(tab.to_model(), tab.variables)
    qtbot.waitUntil(lambda: not pane.controller.busy, timeout=15000)
    qtbot.wait(100)  # what the replaced stream might still have read
    pane.stream.refresh()
    answers = [data for d, data in rows(pane) if d == "in"]
    assert answers and all(a.get("text") == "next" for a in answers)
    assert pane.controller.result is not None and pane.controller.result.code == "OK"


def test_the_tests_tab_checks_a_call_and_keeps_its_captures(
        grpc_tab: MakeTab, grpc_target: str, qtbot: QtBot) -> None:
    """The request's asserts are checked against the call as a run checks them (status the
    code, a code name compared as it, body the answer, trailers as headers), each shown
    beside its row, and a capture is passed on as the tab's runtime variable."""
    from app.model.checks import AssertModel, AssertOp, CaptureModel
    from ui.request.checks_model import A_RESULT

    tab = grpc_tab(f"grpc://{grpc_target}", f"{SERVICE}/Echo", '{"text": "hello"}')
    model = tab.to_model()
    model.asserts = [AssertModel("status", AssertOp.EQ, "OK"),
                     AssertModel("body.$.text", AssertOp.EQ, "hello"),
                     AssertModel("header.x-playground-trailer", AssertOp.EQ, "done"),
                     AssertModel("status", AssertOp.EQ, 5)]
    model.captures = [CaptureModel("echoed", "body.$.text")]
    tab.load_model(model)
    captured: list[Any] = []
    tab.captured.connect(captured.append)
    call_and_wait(tab, qtbot)
    tests = tab.editor.tests
    qtbot.waitUntil(lambda: tests.results_shown > 0, timeout=15000)
    results = [tests.asserts.index(row, A_RESULT).data() for row in range(4)]
    assert [text.startswith("✔") for text in results] == [True, True, True, False]
    assert "0 OK" in results[3]
    tabs = tab.editor.tabs
    assert "Tests 3/4" in [tabs.tabText(i) for i in range(tabs.count())]
    assert [c.value for c in captured[0]] == ["hello"]
    assert "body.$.text" in tests.targets()


def test_without_checks_the_tests_tab_still_offers_the_calls_names_and_paths(
        grpc_tab: MakeTab, grpc_target: str, qtbot: QtBot) -> None:
    # (Nothing to check: the answers' JSON text is not made, but the targets to write the
    # first assert with are offered all the same.)
    tab = grpc_tab(f"grpc://{grpc_target}", f"{SERVICE}/Count", '{"count": 3}')
    pane = pane_of(tab)
    with qtbot.waitSignal(pane.controller.checked, timeout=15000) as signal:
        call_and_wait(tab, qtbot)
    outcome = signal.args[0]
    assert outcome.asserts == [] and outcome.captures == []
    assert "x-playground-method" in outcome.header_names
    targets = tab.editor.tests.targets()
    assert "body.$[0].number" in targets and "header.x-playground-method" in targets


def test_a_grpc_tab_hides_what_grpc_has_no_use_for(grpc_tab: MakeTab, grpc_target: str) -> None:
    """The method box, the Params, Body and Auth pages and the Options' timeouts and
    redirects mean nothing to a gRPC call (it has its own deadline): hidden while gRPC is
    chosen (their values kept), back with HTTP. The tab's title says gRPC, not GET."""
    tab = grpc_tab(f"grpc://{grpc_target}", f"{SERVICE}/Echo", '{"text": "hello"}')
    editor, tabs = tab.editor, tab.editor.tabs
    shown = [tabs.tabText(i).split(" ")[0] for i in range(tabs.count()) if tabs.isTabVisible(i)]
    assert shown == ["Headers", "Options", "Tests"]
    assert editor.method_box.isHidden() and tabs.isTabVisible(tabs.currentIndex())
    assert tab.title() == f"gRPC {grpc_target}"
    options = editor.options
    http_rows = (options.timeout, options.total_timeout, options.follow_redirects)
    assert all(widget.isHidden() for widget in http_rows)
    assert not options.verify_tls.isHidden() and not options.proxy_mode.isHidden()
    tab.set_mode(RequestMode.HTTP)
    assert not editor.method_box.isHidden()
    assert all(tabs.isTabVisible(i) for i in range(tabs.count()))
    assert not any(widget.isHidden() for widget in http_rows)
    assert tab.title().startswith("GET ")


def test_a_message_that_is_a_json_string_is_shown_quoted() -> None:
    # A well-known type's message (a StringValue, a Timestamp) may be a JSON string: shown
    # as JSON, unlike a note.
    from ui.modes.grpc.grpc_log import message_text

    assert message_text("2024-05-06T07:08:09Z", direction="in") == '"2024-05-06T07:08:09Z"'
    assert message_text("hi", indent=2, direction="out") == '"hi"'
    assert message_text("Half-closed", direction="info") == "Half-closed"
    assert message_text({"a": 1}) == '{"a": 1}'


def test_a_large_answer_shows_at_once_and_copies_whole(
        grpc_tab: MakeTab, grpc_target: str, qtbot: QtBot) -> None:
    # A megabyte in a wrapped text view froze the window for minutes (a long base64 line).
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QPlainTextEdit

    tab = grpc_tab(f"grpc://{grpc_target}", f"{SERVICE}/Large", '{"size": 1048576}')
    pane = call_and_wait(tab, qtbot)
    view = pane.stream
    assert view.detail.lineWrapMode() == QPlainTextEdit.LineWrapMode.NoWrap
    shown = view.detail.toPlainText()
    limit = pane.controller.settings.detail_chars
    assert limit < len(shown) < limit + 200
    assert shown.endswith("more characters not shown (Copy message copies it whole)")
    clipboard = QGuiApplication.clipboard()
    clipboard.setText("")
    assert view.copy_button.isEnabled()
    view.copy_button.click()
    qtbot.waitUntil(lambda: clipboard.text() != "", timeout=10_000)  # made on a worker
    whole = json.loads(clipboard.text())
    assert len(whole["data"]) > 1_000_000  # base64 of the megabyte
    pane.request.method_box.setEditText(f"{SERVICE}/Echo")
    pane.request.editor.setPlainText('{"text": "small"}')
    pane = call_and_wait(tab, qtbot)
    assert json.loads(view.detail.toPlainText())["text"] == "small"  # whole when it fits


def test_a_long_status_stays_short_with_the_rest_in_its_tooltip(
        grpc_tab: MakeTab, grpc_target: str, qtbot: QtBot) -> None:
    long = "x" * 3000
    tab = grpc_tab(f"grpc://{grpc_target}", f"{SERVICE}/Fail",
                   json.dumps({"field": "f", "description": long}))
    pane = call_and_wait(tab, qtbot)
    status = pane.stream.status
    assert "INVALID_ARGUMENT" in status.text() and len(status.text()) < 400
    assert long in status.toolTip()
    assert pane.stream.tabs.currentWidget() is pane.stream.error_details
    # The next call's view starts on its message, not on the last call's error details.
    pane.request.method_box.setEditText(f"{SERVICE}/Count")
    pane.request.editor.setPlainText('{"count": 0}')
    pane = call_and_wait(tab, qtbot)
    assert pane.controller.result is not None and pane.controller.result.ok
    assert pane.stream.tabs.currentWidget() is pane.stream.message_page
    assert status.toolTip() == "" and pane.stream.error_details.toPlainText() == ""


def test_a_second_call_while_connecting_starts_the_view_over(
        grpc_tab: MakeTab, qtbot: QtBot) -> None:
    # Ctrl+Enter twice against a server that never answers: the table kept rows the
    # cleared log no longer had (an IndexError at every paint, a crash on reading one).
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # takes connections, never says a word
        port = silent.getsockname()[1]
        # (By reflection, which waits: the call stays connecting.)
        tab = grpc_tab(f"grpc://127.0.0.1:{port}", f"{SERVICE}/Echo", "{}", deadline=2.0)
        pane = pane_of(tab)
        tab.send()
        qtbot.waitUntil(lambda: pane.stream.model.rowCount() >= 1, timeout=5000)
        tab.send()
        pane.stream.refresh()
        model = pane.stream.model
        assert model.rowCount() == len(pane.controller.log.rows)
        for row in range(model.rowCount()):
            assert model.index(row, 2).data() is not None
        qtbot.waitUntil(lambda: not pane.controller.busy, timeout=15000)
        pane.stream.refresh()
        assert model.rowCount() == len(pane.controller.log.rows)
        assert pane.controller.state != ConnectionState.CONNECTING


def test_esc_twice_still_records_the_cancelled_call(
        grpc_tab: MakeTab, grpc_target: str, qtbot: QtBot) -> None:
    tab, pane, entries = slow_stream(grpc_tab, grpc_target, qtbot)
    assert tab.cancel()
    assert tab.cancel() or not pane.controller.busy  # the second Esc, as the first lands
    qtbot.waitUntil(lambda: not pane.controller.busy, timeout=15000)
    assert pane.controller.result is not None
    assert pane.controller.result.code == "CANCELLED"
    assert len(entries) == 1 and entries[0].status == 1
    assert "cancelled by you" in pane.stream.status.text()
    notes = [row[2] for row in pane.controller.log.rows if row[1] not in ("in", "out")]
    assert notes[-2:] == ["Cancelled by you", "Ended CANCELLED: cancelled by you"]


def test_switching_the_tab_to_another_mode_stops_the_call(
        grpc_tab: MakeTab, grpc_target: str, qtbot: QtBot) -> None:
    # Hidden, it went on receiving, and neither the tab's button nor Esc could stop it.
    tab, pane, entries = slow_stream(grpc_tab, grpc_target, qtbot)
    tab.set_mode(RequestMode.HTTP)
    qtbot.waitUntil(lambda: not pane.controller.busy, timeout=15000)
    assert pane.controller.result is not None
    assert pane.controller.result.code == "CANCELLED"
    assert pane.controller.log.received < 100
    assert len(entries) == 1 and entries[0].status == 1
    assert tab.send_button.text() == "Send"


def test_a_new_status_drops_the_last_calls_long_details(
        grpc_tab: MakeTab, grpc_target: str, qtbot: QtBot) -> None:
    # The status shows a long message cut short, whole in its tooltip: a later status (a
    # message that is not JSON: not sent) does not keep that tooltip.
    tab = grpc_tab(f"grpc://{grpc_target}", f"{SERVICE}/Fail",
                   json.dumps({"field": "f", "description": "x" * 3000}))
    pane = call_and_wait(tab, qtbot)
    assert len(pane.stream.status.toolTip()) > 3000
    pane.request.editor.setPlainText('{"oops": ')
    pane = call_and_wait(tab, qtbot)
    assert pane.stream.status.text() == "Not sent"
    assert pane.stream.status.toolTip() == ""


def test_a_rows_preview_is_made_once_however_often_it_is_painted(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A row is painted again and again (each scroll, each new row below it): a large
    # message's JSON took 100 ms and more each time, the window stalling with it.
    import ui.modes.grpc.grpc_log as grpc_log

    made: list[object] = []
    real = grpc_log.message_text

    def counting(data: object, *args: Any, **kwargs: Any) -> str:
        made.append(data)
        return real(data, *args, **kwargs)

    monkeypatch.setattr(grpc_log, "message_text", counting)
    log = GrpcMessageLog(keep=10)
    model = GrpcLogModel(log)
    big = {"text": "x" * 100_000}
    log.add("in", big)
    log.add("in", {"text": "small"})
    model.refresh()
    for _ in range(3):
        shown = [model.index(row, 2).data() for row in range(2)]
    assert shown[0].startswith('{"text": "xxx') and shown[0].endswith("…")
    assert shown[1] == '{"text": "small"}'
    assert made == [big, {"text": "small"}]
    model.reset()  # a new call: its rows are made anew
    log.clear()
    log.add("in", {"text": "small"})
    model.refresh()
    assert model.index(0, 2).data() == '{"text": "small"}' and len(made) == 3
