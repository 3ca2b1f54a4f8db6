"""The gRPC mode against the tests' Inventory service (a real grpcio server): a client or bidi
stream opened with ``[]`` sends nothing until the stream view does; a metadata name grpcio
would drop is refused naming the metadata field, one it sets itself goes by its channel;
and the window's Tools ▸ Limits reach the gRPC client its calls use."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from app.model.limit_settings import LimitSettings
from app.model.request import KeyValue, RequestMode
from app.storage.secrets import MemorySecrets
from tests.grpc.servers import SERVICE, InventoryServer
from tests.ui.helpers import answer_limits, shown_window
from tests.ui.modes.conftest import call_and_wait, pane_of
from ui.dialogs.limits import LimitsDialog
from ui.modes.base import ConnectionState
from ui.request_tab import RequestTab
from ui.window_state import WindowState

MakeTab = Callable[..., RequestTab]
MIB = 1 << 20


@pytest.fixture(scope="module")
def inventory() -> Iterator[InventoryServer]:
    server = InventoryServer()
    yield server
    server.stop()


@pytest.fixture
def default_grpc_settings() -> Iterator[None]:
    """The shared gRPC client's settings as they were, after the test."""
    import app.grpc

    yield
    app.grpc.set_default_settings(app.grpc.GrpcSettings())


def test_a_bidi_stream_opened_with_an_empty_array_sends_from_the_stream_view(
        grpc_tab: MakeTab, inventory: InventoryServer, qtbot: QtBot) -> None:
    tab = grpc_tab(f"grpc://{inventory.target}", f"{SERVICE}/Trade", "[]")
    pane = pane_of(tab)
    controller = pane.controller
    tab.send()
    qtbot.waitUntil(lambda: controller.state == ConnectionState.OPEN, timeout=15000)
    assert controller.can_send and controller.kind == "bidi streaming"
    qtbot.wait(200)
    assert controller.log.sent == 0 and controller.state == ConnectionState.OPEN
    assert controller.send_text('{"sku": "later"}') is None
    qtbot.waitUntil(lambda: controller.log.received >= 1, timeout=15000)
    assert controller.half_close()
    qtbot.waitUntil(lambda: controller.state == ConnectionState.ENDED, timeout=15000)
    assert controller.result is not None and controller.result.code == "OK"
    assert controller.result.responses == [{"sku": "later!"}]


def test_a_unary_method_given_an_empty_array_says_it_takes_one(
        grpc_tab: MakeTab, inventory: InventoryServer, qtbot: QtBot) -> None:
    tab = grpc_tab(f"grpc://{inventory.target}", f"{SERVICE}/GetItem", "[]")
    pane = call_and_wait(tab, qtbot)
    assert pane.controller.state == ConnectionState.FAILED
    assert pane.controller.error is not None
    assert (f"{SERVICE}/GetItem takes one message, not an empty array: write one object"
            in pane.controller.error.detail)


def test_metadata_grpcio_would_drop_is_refused_naming_the_field(
        grpc_tab: MakeTab, inventory: InventoryServer, qtbot: QtBot) -> None:
    tab = grpc_tab(f"grpc://{inventory.target}", f"{SERVICE}/GetItem", '{"sku": "a"}')
    model = tab.to_model()
    model.headers = [KeyValue("Content-Type", "application/json")]
    tab.load_model(model)
    before = len(inventory.calls)
    pane = call_and_wait(tab, qtbot)
    error = pane.controller.error
    assert pane.controller.state == ConnectionState.FAILED and error is not None
    assert error.field == "headers"
    assert "content-type cannot be sent" in error.detail
    assert len(inventory.calls) == before  # nothing went


def test_a_user_agent_row_goes_ahead_of_grpcios_own(
        grpc_tab: MakeTab, inventory: InventoryServer, qtbot: QtBot) -> None:
    tab = grpc_tab(f"grpc://{inventory.target}", f"{SERVICE}/GetItem", '{"sku": "a"}')
    model = tab.to_model()
    model.headers = [KeyValue("User-Agent", "spyglass-ui/1")]
    tab.load_model(model)
    pane = call_and_wait(tab, qtbot)
    assert pane.controller.result is not None and pane.controller.result.code == "OK"
    assert inventory.calls[-1][1]["user-agent"].startswith("spyglass-ui/1 grpc-python/")


def test_the_windows_grpc_limits_reach_the_grpc_client(
        qtbot: QtBot, tmp_path: Path, run_async: Callable[..., Any],
        inventory: InventoryServer, default_grpc_settings: None) -> None:
    import app.grpc

    path = tmp_path / "spyglass.ini"
    path.write_text("[limits]\ngrpc_message_mib=3\ngrpc_describe_seconds=7\n")
    state = WindowState(QSettings(str(path), QSettings.Format.IniFormat))
    state.mark_seen()
    assert state.limits == LimitSettings(grpc_message_mib=3, grpc_describe_seconds=7)
    with shown_window(qtbot, run_async, state, secrets=MemorySecrets(),
                      data_dir=tmp_path / "data") as window:
        tab = window.current_tab()
        assert tab is not None
        tab.editor.url_bar.setText(f"grpc://{inventory.target}")
        assert tab.mode == RequestMode.GRPC
        model = tab.to_model()
        model.grpc.method = f"{SERVICE}/GetItem"
        model.grpc.message = '{"sku": "a"}'
        tab.load_model(model)
        pane = call_and_wait(tab, qtbot, 20000)
        assert pane.controller.result is not None and pane.controller.result.code == "OK"
        settings = app.grpc.default_client().settings
        assert settings.max_message_bytes == 3 * MIB and settings.describe_timeout == 7.0

        def fill(dialog: LimitsDialog) -> None:
            assert dialog.grpc_message.value() == 3 and dialog.grpc_describe.value() == 7
            dialog.grpc_message.setValue(5)
            dialog.grpc_describe.setValue(2)

        answer_limits(window, fill)  # gRPC loaded: in force at once
        settings = app.grpc.default_client().settings
        assert settings.max_message_bytes == 5 * MIB and settings.describe_timeout == 2.0
        assert WindowState(QSettings(str(path), QSettings.Format.IniFormat)).limits == (
            LimitSettings(grpc_message_mib=5, grpc_describe_seconds=2))


def test_a_run_with_grpc_requests_gives_the_grpc_client_the_windows_limits(
        qtbot: QtBot, qt_loop: Any, tmp_path: Path, inventory: InventoryServer,
        default_grpc_settings: None) -> None:
    import app.grpc
    from app.model.request import RequestModel
    from app.runner import RunSettings
    from ui.runner.run_controller import RunController, RunRequest
    from ui.tasks import TaskRunner

    app.grpc.set_default_settings(app.grpc.GrpcSettings())
    model = RequestModel(name="get", url=f"grpc://{inventory.target}", mode=RequestMode.GRPC)
    model.grpc.method = f"{SERVICE}/GetItem"
    model.grpc.message = '{"sku": "run"}'
    limits = LimitSettings(grpc_message_mib=6, grpc_describe_seconds=9)
    controller = RunController(TaskRunner(), MemorySecrets, lambda: limits)
    reports: list[Any] = []
    controller.finished.connect(reports.append)
    controller.failed.connect(reports.append)
    controller.start(RunRequest(tmp_path, models=(model,), collection="Run me"), RunSettings())
    qtbot.waitUntil(lambda: bool(reports), timeout=20000)
    assert reports[0].results[0].status == 0
    settings = app.grpc.default_client().settings
    assert settings.max_message_bytes == 6 * MIB and settings.describe_timeout == 9.0


def test_an_answer_past_the_message_limit_says_where_it_is_set() -> None:
    from ui.modes.grpc.grpc_log import status_details

    # grpcio's words (tests/grpc/test_settings.py holds them to a real call).
    mine = "Stream removed (CLIENT: Received message larger than max (2000004 vs. 1048576))"
    assert status_details("RESOURCE_EXHAUSTED", mine).endswith(
        " · the largest gRPC message is set in Tools ▸ Limits")
    theirs = "Received message larger than max (2000004 vs. 1048576)"  # the server's limit
    assert status_details("RESOURCE_EXHAUSTED", theirs) == theirs


def test_a_connection_the_server_closed_says_the_usual_reasons() -> None:
    from ui.modes.grpc.grpc_log import status_details

    # grpc's words for a plaintext call to a TLS server, and for a call without a client
    # certificate to a server that requires one (tests/grpc/test_calls.py holds them).
    closed = ("Cannot reach 127.0.0.1:1: failed to connect to all addresses; last error: "
              "UNAVAILABLE: ipv4:127.0.0.1:1: Socket closed")
    assert status_details("UNAVAILABLE", closed) == (
        f"{closed} · a TLS server closes a plaintext connection (use grpcs://), and one that "
        "requires a client certificate a connection without one")
    assert status_details("UNAVAILABLE", "Socket closed by peer") == "Socket closed by peer"
