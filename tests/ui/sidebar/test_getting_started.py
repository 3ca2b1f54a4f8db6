"""The Start page: the flat list of playground requests and the "Run me" folder."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.model.getting_started import RUN_ME_FOLDER, getting_started, run_me
from app.model.request import RequestModel
from ui.sidebar.getting_started import GettingStartedPanel


def test_the_run_me_folder_opens_its_requests_with_their_checks(qtbot: QtBot) -> None:
    panel = GettingStartedPanel()
    qtbot.addWidget(panel)
    opened: list[RequestModel] = []
    panel.open_request.connect(opened.append)
    flat = len(getting_started())
    assert panel.list.topLevelItemCount() == flat + 1
    folder = panel.list.topLevelItem(flat)
    assert folder is not None and folder.text(1) == RUN_ME_FOLDER
    assert [folder.child(i).text(1) for i in range(folder.childCount())] == \
        [m.name for m in run_me()]
    assert folder.isExpanded()
    panel._activated(folder)  # the folder itself opens nothing: it closes
    assert not folder.isExpanded() and opened == []
    panel._activated(folder.child(1))
    panel._activated(panel.list.topLevelItem(0))
    assert [m.name for m in opened] == ["Create an item", getting_started()[0].name]
    assert opened[0].asserts == run_me()[1].asserts
    assert opened[0].captures == run_me()[1].captures
