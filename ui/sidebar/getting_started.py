"""The sidebar's "Getting started" list: playground requests to open in a tab, and the
"Run me" folder (a chain with asserts and captures through the playground's demo API)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QMenu,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.model.getting_started import RUN_ME_FOLDER, getting_started, run_me
from app.model.request import RequestModel, method_label
from ui.request.method_box import method_colour

__all__ = ["GettingStartedPanel"]


class GettingStartedPanel(QWidget):
    """Double-click (or Enter) opens a request; the playground starts when one is sent."""

    open_request = Signal(object)  # RequestModel
    #: "Run folder…" on the "Run me" folder: the runner, for it.
    run_folder = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        intro = QLabel(
            "<b>Getting started</b><br>Requests against a local playground server that "
            "Spyglass starts for you, so every pane can be tried offline."
        )
        intro.setWordWrap(True)
        self.list = QTreeWidget()
        self.list.setColumnCount(2)
        self.list.setHeaderHidden(True)
        self.list.setRootIsDecorated(False)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.list.header().setStretchLastSection(True)
        self._models = getting_started()
        chain = run_me()
        bold = QFont(self.font())
        bold.setBold(True)
        bold.setPointSizeF(bold.pointSizeF() * 0.85)
        for index, model in enumerate(self._models):
            self.list.addTopLevelItem(self._item(model, index, bold))
        folder = QTreeWidgetItem(["", RUN_ME_FOLDER])
        folder.setFont(1, bold)
        folder.setToolTip(1, "Log in, then create, read, update and delete an item with the "
                             "token captured: each request has asserts (its Tests tab). "
                             "Right-click ▸ Run folder… runs them in order")
        self.list.addTopLevelItem(folder)
        for model in chain:
            folder.addChild(self._item(model, len(self._models), bold))
            self._models.append(model)
        folder.setExpanded(True)
        self.list.itemActivated.connect(self._activated)
        self._folder = folder
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.status = QLabel("Playground: not running")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.status)

    @staticmethod
    def _item(model: RequestModel, index: int, bold: QFont) -> QTreeWidgetItem:
        label = method_label(model.method, model.mode)
        item = QTreeWidgetItem([label, model.name])
        item.setForeground(0, method_colour(label))
        item.setFont(0, bold)
        item.setToolTip(1, model.url)
        item.setData(0, Qt.ItemDataRole.UserRole, index)
        return item

    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        index = item.data(0, Qt.ItemDataRole.UserRole)
        if not isinstance(index, int):  # the folder: open or close it
            item.setExpanded(not item.isExpanded())
            return
        model = self._models[index]
        self.open_request.emit(RequestModel.from_dict(model.to_dict()))

    def _context_menu(self, position: QPoint) -> None:
        item = self.list.itemAt(position)
        if item is None:
            return
        menu = QMenu(self)
        if item is self._folder or item.parent() is self._folder:
            menu.addAction(f"Run folder “{RUN_ME_FOLDER}”…", self.run_folder.emit)
        if isinstance(item.data(0, Qt.ItemDataRole.UserRole), int):
            menu.addAction("Open", lambda: self._activated(item))
        menu.exec(self.list.viewport().mapToGlobal(position))

    def set_playground(self, url: str | None) -> None:
        self.status.setText(f"Playground: {url}" if url else "Playground: not running")
