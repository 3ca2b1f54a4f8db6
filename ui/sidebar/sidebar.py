"""The sidebar: the environment switcher on top, then Collections, History and Getting
started as pages, and the banners that tell the user what is wrong (no keyring, files that
cannot be read)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QTabWidget, QVBoxLayout, QWidget

from app.storage.index import FolderEntry
from ui.banner import banner
from ui.sidebar.collections import CollectionTree
from ui.sidebar.environment_bar import EnvironmentBar
from ui.sidebar.getting_started import GettingStartedPanel
from ui.sidebar.history_panel import HistoryPanel
from ui.workspace_controller import WorkspaceController

if TYPE_CHECKING:
    from app.interchange import ImportReport
    from app.storage.history import History
    from ui.documents import DocumentsController
    from ui.tasks import TaskRunner

__all__ = ["Sidebar"]


def _problems(tree: list[FolderEntry]) -> list[str]:
    out: list[str] = []
    for folder in (f for top in tree for f in top.walk()):
        if folder.error:
            out.append(folder.error)
        out += [r.error for r in folder.requests if r.error]
    return out


class Sidebar(QWidget):
    def __init__(self, controller: WorkspaceController, runner: TaskRunner,
                 history: History | None, history_problem: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.environments = EnvironmentBar()
        self.keyring_banner = banner("warning")
        self.problems_banner = banner("error")
        self.collections = CollectionTree(controller)
        self.history = HistoryPanel(history, runner, unavailable_reason=history_problem)
        self.getting_started = GettingStartedPanel()
        self.pages = QTabWidget()
        self.pages.setDocumentMode(True)
        self.pages.addTab(self.collections, "Collections")
        self.pages.addTab(self.history, "History")
        self.pages.addTab(self.getting_started, "Start")
        self.pages.setTabToolTip(2, "Getting started: requests against the local playground")
        self.workspace_label = QLabel()
        self.workspace_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse)
        self.workspace_label.setStyleSheet("QLabel { color: palette(placeholder-text); }")
        self.workspace_label.setSizePolicy(QSizePolicy.Policy.Ignored,
                                           QSizePolicy.Policy.Preferred)
        # Narrower than its parts would like: the splitter may squeeze the sidebar (on a
        # small screen) rather than push the window past the screen's edge.
        self.setMinimumWidth(120)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 6)
        layout.addWidget(self.environments)
        layout.addWidget(self.keyring_banner)
        layout.addWidget(self.problems_banner)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.workspace_label)

        controller.keyring_status.connect(self._on_keyring)
        controller.tree_changed.connect(self._on_tree)
        controller.environments_changed.connect(self.environments.set_environments)
        self.environments.environment_changed.connect(controller.set_environment)
        self.set_workspace_label()

    def show_documents(self, documents: DocumentsController) -> None:
        """Open what the user picks through ``documents``, and show what it did: the request
        saved or imported, the history entry added, the workspace switched to."""
        self.collections.open_request.connect(documents.open)
        self.collections.request_moved.connect(documents.request_moved)
        self.collections.folder_moved.connect(documents.folder_moved)
        self.history.open_entry.connect(documents.open_history_entry)
        documents.saved.connect(self.collections.select_path)
        documents.imported.connect(self._on_imported)
        documents.history_added.connect(self.history.add)
        documents.history_changed.connect(self.history.refresh)
        documents.workspace_switched.connect(lambda _root: self.set_workspace_label())

    def _on_imported(self, report: ImportReport) -> None:
        if report.collections:
            self.show_page(self.collections)
            self.collections.select_path(report.collections[0])

    def set_workspace_label(self) -> None:
        root = self.controller.root
        home = str(root.home())
        shown = "~" + str(root)[len(home):] if str(root).startswith(home) else str(root)
        metrics = self.workspace_label.fontMetrics()
        self.workspace_label.setText(metrics.elidedText(f"Workspace: {shown}",
                                                        Qt.TextElideMode.ElideMiddle, 240))
        self.workspace_label.setToolTip(str(root))

    def _on_keyring(self, message: str) -> None:
        self.keyring_banner.setText(message)
        self.keyring_banner.setVisible(bool(message))

    def _on_tree(self, tree: list[FolderEntry]) -> None:
        problems = _problems(tree)
        if not problems:
            self.problems_banner.hide()
            return
        head = ("A file cannot be read and was left as it is:" if len(problems) == 1 else
                f"{len(problems)} files cannot be read and were left as they are:")
        shown = problems[:3] + ([f"… and {len(problems) - 3} more"] if len(problems) > 3 else [])
        self.problems_banner.setText(head + "\n" + "\n".join(shown))
        self.problems_banner.show()

    def show_page(self, widget: QWidget) -> None:
        self.show()
        self.pages.setCurrentWidget(widget)
