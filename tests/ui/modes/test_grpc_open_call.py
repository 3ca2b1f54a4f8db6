"""An open gRPC call in a tab, against the tests' Inventory service (a real grpcio server):
replaced by a new Call, it goes to History as cancelled (closed with its tab: see
test_grpc_calls); its response headers show while it runs, not only once it has ended."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.model.request import KeyValue
from app.storage.history import HistoryEntry
from tests.grpc.servers import SERVICE, InventoryServer
from tests.ui.modes.conftest import pane_of
from ui.modes.base import ConnectionState
from ui.request_tab import RequestTab

MakeTab = Callable[..., RequestTab]


@pytest.fixture(scope="module")
def inventory() -> Iterator[InventoryServer]:
    server = InventoryServer()
    yield server
    server.stop()


def test_a_tab_closed_with_no_call_open_records_nothing(
        grpc_tab: MakeTab, inventory: InventoryServer, qtbot: QtBot) -> None:
    tab = grpc_tab(f"grpc://{inventory.target}", f"{SERVICE}/GetItem", '{"sku": "a"}')
    entries: list[HistoryEntry] = []
    tab.exchanged.connect(entries.append)
    pane = pane_of(tab)
    tab.send()
    qtbot.waitUntil(lambda: not pane.controller.busy, timeout=15000)
    tab.dispose()
    qtbot.wait(100)
    assert [e.status_text for e in entries] == ["OK"]  # the call's own, once


def table(widget: Any) -> list[tuple[str, str]]:
    return [(widget.item(r, 0).text(), widget.item(r, 1).text())
            for r in range(widget.rowCount())]


@pytest.mark.parametrize(("method", "message"), [
    ("ListItems", '{"count": 1000, "interval_ms": 100}'),  # a long server stream
    ("Trade", '{"sku": "a"}'),  # a bidi stream, open until half-closed
])
def test_a_call_replaced_while_open_goes_to_history_as_cancelled(
        grpc_tab: MakeTab, inventory: InventoryServer, qtbot: QtBot, method: str,
        message: str) -> None:
    tab = grpc_tab(f"grpc://{inventory.target}", f"{SERVICE}/{method}", message)
    entries: list[HistoryEntry] = []
    tab.exchanged.connect(entries.append)
    pane = pane_of(tab)
    tab.send()
    qtbot.waitUntil(lambda: pane.controller.log.received >= 1, timeout=15000)
    assert pane.controller.state == ConnectionState.OPEN
    pane.request.method_box.setEditText(f"{SERVICE}/GetItem")
    pane.request.editor.setPlainText('{"sku": "next"}')
    tab.send()  # Call again, the first still open
    qtbot.waitUntil(lambda: not pane.controller.busy, timeout=15000)
    qtbot.wait(200)  # a late end of the replaced call would be recorded by now
    assert [(e.status, e.status_text) for e in entries] == [(1, "CANCELLED"), (0, "OK")]
    assert entries[0].request["model"]["grpc"]["method"] == f"{SERVICE}/{method}"
    assert entries[0].response_size > 0  # the answers its log held
    assert entries[1].request["model"]["grpc"]["method"] == f"{SERVICE}/GetItem"
    # The new call's log is its own: no word of the one it replaced.
    pane.stream.refresh()
    notes = [row[2] for row in pane.controller.log.rows if row[1] not in ("in", "out")]
    assert len(notes) == 2 and notes[-1] == "Ended OK", notes


def test_the_headers_tab_fills_while_a_stream_runs(
        grpc_tab: MakeTab, inventory: InventoryServer, qtbot: QtBot) -> None:
    tab = grpc_tab(f"grpc://{inventory.target}", f"{SERVICE}/ListItems",
                   '{"count": 1000, "interval_ms": 100}')
    model = tab.to_model()
    model.headers = [KeyValue("x-token", "shown early")]
    tab.load_model(model)
    pane = pane_of(tab)
    view = pane.stream
    tab.send()
    qtbot.waitUntil(lambda: view.headers.rowCount() > 0, timeout=15000)
    assert pane.controller.state == ConnectionState.OPEN  # a minute and more to go
    assert table(view.headers) == [("x-seen-token", "shown early")]
    assert table(view.trailers) == []
    assert tab.cancel()
    qtbot.waitUntil(lambda: not pane.controller.busy, timeout=15000)
    assert pane.controller.result is not None
    assert pane.controller.result.code == "CANCELLED"
    assert table(view.headers) == [("x-seen-token", "shown early")]  # the result's now
    # The next call starts with none, until its own come.
    tab.send()
    assert table(view.headers) == []
    qtbot.waitUntil(lambda: view.headers.rowCount() > 0, timeout=15000)
    assert tab.cancel()
    qtbot.waitUntil(lambda: not pane.controller.busy, timeout=15000)
