"""The main window: lays out the sidebar and the request tabs, and connects them. No business
logic lives here: sending belongs to each tab's controller, starting the playground to
PlaygroundControl, remembering the layout to WindowState."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence

# Only what the first frame shows is imported here: PySide6 creates each class on first
# access, and the dialogs and splitters cost milliseconds the first frame does not need.
from PySide6.QtWidgets import QMainWindow, QTabWidget

from app import __version__
from ui.playground_control import PlaygroundControl
from ui.tasks import TaskRunner
from ui.theme import THEMES, apply_theme
from ui.window_state import WindowState

if TYPE_CHECKING:
    # The tabs (editors, highlighters, viewers) and the session pool (aiohttp) are imported
    # after the first frame: see populate().
    from app.compose import SessionPool
    from app.models import RequestModel
    from ui.request_tab import RequestTab

__all__ = ["MainWindow"]


class MainWindow(QMainWindow):
    #: The window was closed and its state saved; connections can be closed next.
    closed = Signal()

    def __init__(self, state: WindowState | None = None, *, deferred: bool = False) -> None:
        """The window with its menus; its content comes with :meth:`populate`, at once or,
        when ``deferred``, after the first frame (the start-up path uses that)."""
        super().__init__()
        self.setWindowTitle("Spyglass")
        self.resize(1280, 820)
        self.state = state or WindowState()
        self.runner = TaskRunner(self)
        self.playground = PlaygroundControl(self)
        self._sessions: SessionPool | None = None
        self._tab_ids = itertools.count(1)
        self.tabs = QTabWidget()
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(True)
        self.tabs.setDocumentMode(True)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.setCentralWidget(self.tabs)
        self._build_menus()
        self._restore_geometry()
        self._populated = False
        if not deferred:
            self.populate()

    def _build_content(self) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QSplitter, QToolButton

        from ui.getting_started_panel import GettingStartedPanel

        new_tab = QToolButton()
        new_tab.setText("+")
        new_tab.setToolTip("New tab (Ctrl+T)")
        new_tab.clicked.connect(lambda: self.new_tab())
        self.tabs.setCornerWidget(new_tab, Qt.Corner.TopRightCorner)

        self.sidebar = GettingStartedPanel()
        self.sidebar.open_request.connect(self.new_tab)
        self.playground.started.connect(self.sidebar.set_playground)
        self.playground.started.connect(
            lambda url: self.statusBar().showMessage(f"Playground running at {url}", 8000))
        self.playground.stopped.connect(lambda: self.sidebar.set_playground(None))
        self.playground.failed.connect(lambda msg: self.statusBar().showMessage(msg, 10000))

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([260, 1020])
        self.setCentralWidget(self.splitter)
        if (sizes := self.state.splitter("main")) is not None:
            self.splitter.restoreState(sizes)

    # -- layout and menus -----------------------------------------------------------------

    def _action(self, menu_name: str, text: str, slot: object,
                shortcut: QKeySequence | str | None = None) -> QAction:
        menu = self._menus[menu_name]
        action = menu.addAction(text)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self._menus = {name: bar.addMenu(name) for name in
                       ("&File", "&Request", "&View", "&Tools", "&Help")}
        f, r, v, t, h = self._menus
        self._action(f, "New tab", lambda: self.new_tab(), QKeySequence("Ctrl+T"))
        self._action(f, "Open request…", self.open_request_file, QKeySequence("Ctrl+O"))
        self._action(f, "Save request as…", self.save_request_file, QKeySequence("Ctrl+S"))
        self._action(f, "Close tab", lambda: self.close_tab(self.tabs.currentIndex()),
                     QKeySequence("Ctrl+W"))
        self._menus[f].addSeparator()
        self._action(f, "Quit", self.close, QKeySequence("Ctrl+Q"))
        send = self._action(r, "Send", self.send_current, QKeySequence("Ctrl+Return"))
        send.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self._action(r, "Cancel", self.escape, QKeySequence("Esc"))
        self._action(r, "Focus URL", self.focus_url, QKeySequence("Ctrl+L"))
        self._action(r, "Find in response", self.find_in_response, QKeySequence("Ctrl+F"))
        self._action(r, "Copy as curl", self.copy_as_curl, QKeySequence("Ctrl+Shift+C"))
        self._action(v, "Toggle sidebar", self.toggle_sidebar, QKeySequence("Ctrl+B"))
        theme_menu = self._menus[v].addMenu("Theme")
        group = QActionGroup(self)
        self._theme_actions = {}
        for name in THEMES:
            action = theme_menu.addAction(name.capitalize())
            action.setCheckable(True)
            group.addAction(action)
            action.triggered.connect(lambda _=False, n=name: self.set_theme(n))
            self._theme_actions[name] = action
        self._action(t, "Start playground", self.start_playground)
        self._action(t, "Stop playground", self.playground.stop)
        self._action(h, "Getting started", self.show_getting_started)
        self._action(h, "About Spyglass", self.about)

    # -- tabs -----------------------------------------------------------------------------

    def sessions(self) -> SessionPool:
        """The window's session pool, created on first send (it brings aiohttp)."""
        if self._sessions is None:
            from app.compose import SessionPool

            self._sessions = SessionPool()
        return self._sessions

    def new_tab(self, model: RequestModel | None = None) -> RequestTab:
        from ui.request_tab import RequestTab

        tab = RequestTab(self.runner, self.sessions, next(self._tab_ids),
                         self.playground.variables_for, model)
        index = self.tabs.addTab(tab, tab.title())
        tab.title_changed.connect(lambda title, t=tab: self._retitle(t, title))
        self.tabs.setCurrentIndex(index)
        tab.editor.focus_url()
        return tab

    def _retitle(self, tab: RequestTab, title: str) -> None:
        index = self.tabs.indexOf(tab)
        if index >= 0:
            self.tabs.setTabText(index, title if len(title) <= 32 else title[:31] + "…")
            self.tabs.setTabToolTip(index, title)

    def current_tab(self) -> RequestTab | None:
        return self.tabs.currentWidget()  # type: ignore[return-value]

    def all_tabs(self) -> list[RequestTab]:
        return [self.tabs.widget(i) for i in range(self.tabs.count())]  # type: ignore[misc]

    def close_tab(self, index: int) -> None:
        tab = self.tabs.widget(index)
        if tab is None:
            return
        tab.dispose()
        self.tabs.removeTab(index)
        tab.deleteLater()
        if self.tabs.count() == 0:
            self.new_tab()

    # -- actions --------------------------------------------------------------------------

    def send_current(self) -> None:
        if (tab := self.current_tab()) is not None:
            tab.send()

    def escape(self) -> None:
        """Esc cancels the transfer under way; otherwise it closes the find bar."""
        tab = self.current_tab()
        if tab is None:
            return
        if not tab.cancel():
            tab.response.body.find_bar.dismiss()

    def focus_url(self) -> None:
        if (tab := self.current_tab()) is not None:
            tab.editor.focus_url()

    def find_in_response(self) -> None:
        if (tab := self.current_tab()) is not None:
            tab.open_find()

    def copy_as_curl(self) -> None:
        """Put the current request on the clipboard as a curl command line."""
        from PySide6.QtGui import QGuiApplication

        from app.curl import to_curl

        if (tab := self.current_tab()) is None:
            return
        QGuiApplication.clipboard().setText(to_curl(tab.to_model()))
        self.statusBar().showMessage("Copied the request as a curl command", 4000)

    def toggle_sidebar(self) -> None:
        self.sidebar.setVisible(not self.sidebar.isVisible())

    def set_theme(self, name: str) -> None:
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()
        assert isinstance(app, QApplication)
        apply_theme(app, name)
        self.state.theme = name
        self._theme_actions[name].setChecked(True)

    def start_playground(self) -> None:
        self.runner.start("window / playground", self.playground.ensure_started())

    def show_getting_started(self) -> None:
        self.sidebar.show()
        self.sidebar.list.setFocus()

    def open_request_file(self) -> None:
        from PySide6.QtWidgets import QFileDialog, QMessageBox

        from app.models import RequestModel

        path, _ = QFileDialog.getOpenFileName(self, "Open request", "", "Request (*.json)")
        if not path:
            return
        try:
            model = RequestModel.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as exc:
            QMessageBox.warning(self, "Open request", f"Cannot open {path}:\n{exc}")
            return
        self.new_tab(model)

    def save_request_file(self) -> None:
        from PySide6.QtWidgets import QFileDialog, QMessageBox

        tab = self.current_tab()
        if tab is None:
            return
        model = tab.to_model()
        name = "".join(c if c.isalnum() or c in "-_" else "-" for c in model.name) or "request"
        path, _ = QFileDialog.getSaveFileName(self, "Save request", f"{name}.json",
                                              "Request (*.json)")
        if not path:
            return
        try:
            Path(path).write_text(json.dumps(model.to_dict(), indent=2), encoding="utf-8")
        except OSError as exc:
            QMessageBox.warning(self, "Save request", f"Cannot save {path}:\n{exc.strerror}")
            return
        self.statusBar().showMessage(f"Saved {path}", 5000)

    def about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.about(self, "About Spyglass",
                          f"<b>Spyglass {__version__}</b><p>A native desktop API explorer: "
                          "HTTP, uploads with real progress, Server-Sent Events and "
                          "WebSocket. Offline, no account.</p>")

    # -- persistence ----------------------------------------------------------------------

    def _restore_geometry(self) -> None:
        state = self.state
        self._theme_actions[state.theme].setChecked(True)
        if (geometry := state.geometry) is not None:
            self.restoreGeometry(geometry)
        if (window_state := state.window_state) is not None:
            self.restoreState(window_state)

    def populate(self) -> None:
        """Build the sidebar and open the tabs of the last session (or a new one): most of
        the start-up work, which the start-up path does after the first frame."""
        if self._populated:
            return
        self._populated = True
        self._build_content()
        state = self.state
        models, current = state.tabs()
        for model in models:
            self.new_tab(model)
        if not models:
            self.new_tab()
        self.tabs.setCurrentIndex(min(max(current, 0), self.tabs.count() - 1))
        if (tab_sizes := state.splitter("tab")) is not None:
            for tab in self.all_tabs():
                tab.splitter.restoreState(tab_sizes)
        if state.first_run:
            self.sidebar.show()
            state.mark_seen()

    def closeEvent(self, event: QCloseEvent) -> None:
        tabs = self.all_tabs()
        current = self.current_tab()
        splitters = {"main": self.splitter.saveState()} if self._populated else {}
        if current is not None:
            splitters["tab"] = current.splitter.saveState()
        self.state.save(geometry=self.saveGeometry(), window_state=self.saveState(),
                        splitters=splitters, tabs=[t.to_model() for t in tabs],
                        current=self.tabs.currentIndex())
        for tab in tabs:
            tab.dispose()
        self.runner.cancel_all()
        self.playground.stop()
        super().closeEvent(event)
        self.closed.emit()

    async def shutdown(self) -> None:
        """Close the connections (after the window has closed)."""
        if self._sessions is not None:
            await self._sessions.close()

