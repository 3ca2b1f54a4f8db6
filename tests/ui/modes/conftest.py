"""Fixtures of the gRPC mode's tests: the playground's gRPC server, and request tabs in gRPC
mode that call it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.model.request import RequestMode, RequestModel
from app.model.variables import Resolution
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
    variables=None, **grpc fields)``; ``variables`` is a dict of values for ``{{names}}``."""
    made: list[RequestTab] = []

    def make(url: str, method: str = "", message: str = "",
             variables: dict[str, str] | None = None, **grpc: Any) -> RequestTab:
        model = RequestModel(url=url, mode=RequestMode.GRPC)
        model.grpc.method = method
        model.grpc.message = message
        for name, value in grpc.items():
            setattr(model.grpc, name, value)
        values = dict(variables or {})

        async def source(_model: RequestModel) -> Resolution:
            return Resolution(values)

        tab = RequestTab(TaskRunner(), lambda: None, len(made) + 1,  # type: ignore[arg-type]
                         source, model)
        qtbot.addWidget(tab)
        tab.resize(1100, 900)
        tab.show()
        made.append(tab)
        return tab

    yield make
    for tab in made:
        tab.dispose()
