"""Fixtures of the gRPC mode's tests: the playground's gRPC server, and request tabs in gRPC
mode that call it (``pane_of`` and ``call_and_wait`` drive them)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.model.compose import SessionPool
from app.model.request import RequestMode, RequestModel, RequestOptions
from app.model.variables import Resolution
from ui.modes.grpc.grpc_pane import GrpcPane
from ui.request_tab import RequestTab
from ui.tasks import TaskRunner

#: The playground's gRPC service.
SERVICE = "spyglass.playground.Playground"


@pytest.fixture(scope="module")
def grpc_target() -> Iterator[str]:
    """The playground's gRPC server (``host:port``, plaintext, reflection), one per module."""
    from app.playground.background import BackgroundPlayground

    pg = BackgroundPlayground()
    pg.start()
    assert pg.grpc_target is not None
    yield pg.grpc_target
    pg.stop()


@pytest.fixture
def grpc_tab(qtbot: QtBot, qt_loop: Any) -> Iterator[Callable[..., RequestTab]]:
    """Makes a shown request tab in gRPC mode: ``make(url, method="", message="",
    variables=None, *, options=None, sessions=None, **grpc fields)``; ``variables`` is a dict
    of values for ``{{names}}``, ``options`` the request's, ``sessions`` the window's pool
    (its proxy and certificates; None: a tab outside a window), ``workspace_root`` the
    window's workspace folder (None: none, relative paths are the process's folder's)."""
    made: list[RequestTab] = []

    def make(url: str, method: str = "", message: str = "",
             variables: dict[str, str] | None = None, *,
             options: RequestOptions | None = None, sessions: SessionPool | None = None,
             workspace_root: Path | None = None, **grpc: Any) -> RequestTab:
        model = RequestModel(url=url, mode=RequestMode.GRPC,
                             options=options if options is not None else RequestOptions())
        model.grpc.method = method
        model.grpc.message = message
        for name, value in grpc.items():
            setattr(model.grpc, name, value)
        values = dict(variables or {})

        async def source(_model: RequestModel) -> Resolution:
            return Resolution(values)

        tab = RequestTab(TaskRunner(), lambda: sessions,  # type: ignore[arg-type,return-value]
                         len(made) + 1, source, model,
                         workspace_root=lambda: workspace_root)
        qtbot.addWidget(tab)
        tab.resize(1100, 900)
        tab.show()
        made.append(tab)
        return tab

    yield make
    for tab in made:
        tab.dispose()


def pane_of(tab: RequestTab) -> GrpcPane:
    pane = tab.pane(RequestMode.GRPC)
    assert isinstance(pane, GrpcPane)
    return pane


def call_and_wait(tab: RequestTab, qtbot: QtBot, timeout: int = 15000) -> GrpcPane:
    pane = pane_of(tab)
    tab.send()
    qtbot.waitUntil(lambda: not pane.controller.busy, timeout=timeout)
    pane.stream.refresh()
    return pane
