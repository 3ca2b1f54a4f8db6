"""The sidebar: the environment switcher on top, then Collections, History and Getting
started as pages, and the banners that tell the user what is wrong (no keyring, files that
cannot be read).

History and Getting started are built the first time they are shown (or asked for, by
:attr:`Sidebar.history` and :attr:`Sidebar.getting_started`), and the history database is
opened then: an idle window on its Collections page needs neither (bench/idle.py). What
they report is forwarded by the sidebar's own signals, whether they exist yet or not."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QSizePolicy, QTabWidget, QVBoxLayout, QWidget

from app.storage.index import FolderEntry
from ui.banner import banner
from ui.lazy_page import LazyPage, build_on_show
from ui.sidebar.collections import CollectionTree
from ui.sidebar.environment_bar import EnvironmentBar
from ui.workspace_controller import WorkspaceController

if TYPE_CHECKING:
    from app.interchange import ImportReport
    from app.storage.history import History
    from ui.documents import DocumentsController
    from ui.sidebar.getting_started import GettingStartedPanel
    from ui.sidebar.history_panel import HistoryPanel
    from ui.tasks import TaskRunner

__all__ = ["OpenHistory", "Sidebar"]

#: Opens the history database when the History page is first built: (the database, or None
#: and why there is none).
OpenHistory = Callable[[], "tuple[History | None, str]"]


def _problems(tree: list[FolderEntry]) -> list[str]:
    out: list[str] = []
    for folder in (f for top in tree for f in top.walk()):
        if folder.error:
            out.append(folder.error)
        out += [r.error for r in folder.requests if r.error]
    return out


class Sidebar(QWidget):
    """The sidebar's pages and banners (see the module's docstring)."""

    #: The History page asked to open an entry (a HistoryEntry).
    open_history_entry = Signal(object)
    #: The History page asked to change how much history is kept.
    history_limits_requested = Signal()
    #: The Getting started page asked to open a request (a RequestModel).
    open_request = Signal(object)
    #: The Getting started page asked to run its "Run me" folder.
    run_getting_started = Signal()

    def __init__(self, controller: WorkspaceController, runner: TaskRunner,
                 open_history: OpenHistory, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self._playground: str | None = None
        self.environments = EnvironmentBar()
        self.keyring_banner = banner("warning")
        self.problems_banner = banner("error")
        self.collections = CollectionTree(controller)
        self._history_page: LazyPage[HistoryPanel] = LazyPage(
            lambda: self._build_history(runner, open_history))
        self._start_page: LazyPage[GettingStartedPanel] = LazyPage(self._build_start)
        self.pages = QTabWidget()
        self.pages.setDocumentMode(True)
        self.pages.addTab(self.collections, "Collections")
        self.pages.addTab(self._history_page, "History")
        self.pages.addTab(self._start_page, "Start")
        self.pages.setTabToolTip(2, "Getting started: requests against the local playground")
        build_on_show(self.pages)
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

    # -- the pages built on first show ------------------------------------------------------

    @property
    def history(self) -> HistoryPanel:
        """The History page, built now if it was not."""
        return self._history_page.page()

    @property
    def getting_started(self) -> GettingStartedPanel:
        """The Getting started page, built now if it was not."""
        return self._start_page.page()

    def _build_history(self, runner: TaskRunner, open_history: OpenHistory) -> HistoryPanel:
        from ui.sidebar.history_panel import HistoryPanel

        history, problem = open_history()
        panel = HistoryPanel(history, runner, unavailable_reason=problem)
        panel.open_entry.connect(self.open_history_entry)
        panel.limits_requested.connect(self.history_limits_requested)
        return panel

    def _build_start(self) -> GettingStartedPanel:
        from ui.sidebar.getting_started import GettingStartedPanel

        panel = GettingStartedPanel()
        panel.set_playground(self._playground)
        panel.open_request.connect(self.open_request)
        panel.run_folder.connect(self.run_getting_started)
        return panel

    def set_playground(self, url: str | None) -> None:
        """Say on the Getting started page where the playground runs (None: it does not)."""
        self._playground = url
        if (start := self._start_page.built_page()) is not None:
            start.set_playground(url)

    def _on_history_added(self, entry: object) -> None:
        # A History page built later reads the entry from the database.
        if (panel := self._history_page.built_page()) is not None:
            panel.add(entry)  # type: ignore[arg-type]  # a HistoryEntry, by the signal

    def _on_history_changed(self) -> None:
        if (panel := self._history_page.built_page()) is not None:
            panel.refresh()

    def show_documents(self, documents: DocumentsController) -> None:
        """Open what the user picks through ``documents``, and show what it did: the request
        saved or imported, the history entry added, the workspace switched to."""
        self.collections.open_request.connect(documents.open)
        self.collections.request_moved.connect(documents.request_moved)
        self.collections.folder_moved.connect(documents.folder_moved)
        self.open_history_entry.connect(documents.open_history_entry)
        documents.saved.connect(self.collections.select_path)
        documents.imported.connect(self._on_imported)
        documents.history_added.connect(self._on_history_added)
        documents.history_changed.connect(self._on_history_changed)
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
        """Make ``widget`` (a page, built or not) the current page."""
        self.show()
        for index in range(self.pages.count()):
            holder = self.pages.widget(index)
            if holder is widget or (isinstance(holder, LazyPage)
                                    and holder.built_page() is widget):
                self.pages.setCurrentIndex(index)
                return
