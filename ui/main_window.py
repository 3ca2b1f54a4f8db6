"""The main window: lays out the sidebar and the request tabs, and connects them. No business
logic lives here: sending belongs to each tab's controller, starting the playground to
PlaygroundControl, remembering the layout to WindowState."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence

# Only what the first frame shows is imported here: PySide6 creates each class on first
# access, and the dialogs and splitters cost milliseconds the first frame does not need.
from PySide6.QtWidgets import QMainWindow, QTabWidget

from app import __version__
from ui.playground_control import PlaygroundControl
from ui.tasks import TaskRunner, show_later
from ui.theme import THEMES, apply_theme
from ui.window_state import WindowState

if TYPE_CHECKING:
    # The tabs (editors, highlighters, viewers) and the session pool (aiohttp) are imported
    # after the first frame: see populate().
    from app.model.compose import SessionPool
    from app.model.request import RequestModel
    from app.storage.history import History
    from app.storage.secrets import SecretStore
    from ui.request_tab import RequestTab
    from ui.sidebar.sidebar import Sidebar

__all__ = ["MainWindow"]


class MainWindow(QMainWindow):
    #: The window was closed and its state saved; connections can be closed next.
    closed = Signal()

    def __init__(self, state: WindowState | None = None, *, deferred: bool = False,
                 secrets: SecretStore | None = None, data_dir: Path | None = None) -> None:
        """The window with its menus; its content comes with :meth:`populate`, at once or,
        when ``deferred``, after the first frame (the start-up path uses that).

        ``secrets`` defaults to the OS keyring; ``data_dir`` (the default workspace and the
        history database) to the platform's user data folder."""
        super().__init__()
        self._secrets = secrets
        self._data_dir = data_dir
        self.history: History | None = None
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

        new_tab = QToolButton()
        new_tab.setText("+")
        new_tab.setToolTip("New tab (Ctrl+T)")
        new_tab.clicked.connect(lambda: self.new_tab())
        self.tabs.setCornerWidget(new_tab, Qt.Corner.TopRightCorner)

        self.sidebar = self._build_sidebar()
        start = self.sidebar.getting_started
        start.open_request.connect(self.new_tab)
        self.playground.started.connect(start.set_playground)
        self.playground.started.connect(
            lambda url: self.statusBar().showMessage(f"Playground running at {url}", 8000))
        self.playground.stopped.connect(lambda: start.set_playground(None))
        self.playground.failed.connect(lambda msg: self.statusBar().showMessage(msg, 10000))

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([260, 1020])
        self.setCentralWidget(self.splitter)
        if (sizes := self.state.splitter("main")) is not None:
            self.splitter.restoreState(sizes)

    def data_dir(self) -> Path:
        if self._data_dir is None:
            import platformdirs

            self._data_dir = Path(platformdirs.user_data_dir("Spyglass", appauthor=False))
        return self._data_dir

    def _build_sidebar(self) -> Sidebar:
        from app.storage.history import History, HistoryError
        from app.storage.secrets import KeyringSecrets
        from app.storage.workspace import Workspace
        from ui.sidebar.sidebar import Sidebar
        from ui.workspace_controller import WorkspaceController

        if self._secrets is None:
            self._secrets = KeyringSecrets()
        root = Path(self.state.workspace or self.data_dir() / "workspace")
        self.workspace = WorkspaceController(self.runner, Workspace(root, self._secrets), self)
        problem = ""
        try:
            self.data_dir().mkdir(parents=True, exist_ok=True)
            entries, mib = self.state.history_limits
            self.history = History(self.data_dir() / "history.sqlite3", max_entries=entries,
                                   max_bytes=mib * 1024 * 1024)
        except (HistoryError, OSError) as exc:
            problem = str(exc)
        sidebar = Sidebar(self.workspace, self.runner, self.history, problem)
        sidebar.collections.open_request.connect(self.open_from_workspace)
        sidebar.collections.request_moved.connect(self._on_request_moved)
        sidebar.collections.folder_moved.connect(self._on_folder_moved)
        sidebar.collections.import_requested.connect(self.import_file)
        sidebar.environments.manage_requested.connect(self.manage_environments)
        sidebar.environments.environment_changed.connect(self._remember_environment)
        sidebar.history.open_entry.connect(self.open_history_entry)
        sidebar.history.limits_requested.connect(self.history_limits)
        self.workspace.failed.connect(lambda msg: self.statusBar().showMessage(msg, 15000))
        self.workspace.variables_changed.connect(self._refresh_variables)
        self.workspace.environments_changed.connect(self._restore_environment)
        self.workspace.open()
        return sidebar

    # -- layout and menus -----------------------------------------------------------------

    def _action(self, menu_name: str, text: str, slot: object,
                shortcut: QKeySequence | str | None = None) -> QAction:
        menu = self._menus[menu_name]
        action = menu.addAction(text)
        if shortcut is not None:
            # setShortcuts with a QKeySequence, not setShortcut or QKeySequence(QKeySequence):
            # resolving those overloads makes PySide build Qt's key enums (some 20 ms of the
            # first frame).
            keys = shortcut if isinstance(shortcut, QKeySequence) else QKeySequence(shortcut)
            action.setShortcuts([keys])
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self._menus = {name: bar.addMenu(name) for name in
                       ("&File", "&Request", "&View", "&Tools", "&Help")}
        f, r, v, t, h = self._menus
        self._action(f, "New tab", lambda: self.new_tab(), QKeySequence("Ctrl+T"))
        self._action(f, "Save request", self.save_current, QKeySequence("Ctrl+S"))
        self._action(f, "Save request as…", self.save_current_as, QKeySequence("Ctrl+Shift+S"))
        self._menus[f].addSeparator()
        self._action(f, "Open workspace folder…", self.open_workspace_folder,
                     QKeySequence("Ctrl+O"))
        self._action(f, "Import…", self.import_file, QKeySequence("Ctrl+I"))
        self._export_menu = self._menus[f].addMenu("Export workspace")
        for label, fmt in (("As curl commands…", "curl"), ("As HAR…", "har"),
                           ("As Postman collection v2.1…", "postman")):
            self._export_menu.addAction(label, lambda f=fmt: self.export_workspace(f))
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
        self._action(r, "Copy as Python (app.client)", lambda: self.copy_as_python("client"))
        self._action(r, "Copy as Python (aiohttp)", lambda: self.copy_as_python("aiohttp"))
        self._action(v, "Toggle sidebar", self.toggle_sidebar, QKeySequence("Ctrl+B"))
        self._action(v, "History", self.show_history, QKeySequence("Ctrl+H"))
        self._action(v, "Manage environments…", self.manage_environments,
                     QKeySequence("Ctrl+E"))
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
            from app.model.compose import SessionPool

            self._sessions = SessionPool()
        return self._sessions

    def new_tab(self, model: RequestModel | None = None, origin: Path | None = None
                ) -> RequestTab:
        from ui.request_tab import RequestTab

        tab = RequestTab(self.runner, self.sessions, next(self._tab_ids),
                         self.playground.variables_for, model)
        tab.set_variables(lambda m, t=tab: self._variables_for(t, m), self._lookup_for(tab))
        tab.set_origin(origin, self._collection_of(origin))
        if origin is not None and self._populated:
            self.workspace.watch_collection(tab.collection)
        index = self.tabs.addTab(tab, tab.title())
        tab.title_changed.connect(lambda title, t=tab: self._retitle(t, title))
        tab.exchanged.connect(self._record_history)
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
        from PySide6.QtWidgets import QMessageBox

        tab = self.tabs.widget(index)
        if tab is None:
            return
        if tab.modified and tab.origin is not None:
            answer = QMessageBox.question(
                self, "Close tab", f"“{tab.title()}” has changes that are not saved.",
                QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
            if answer == QMessageBox.StandardButton.Cancel:
                return
            if answer == QMessageBox.StandardButton.Save:
                # Closed once saved: a failed save leaves the tab (and the edits) open.
                self.save_tab(tab, then=lambda: self._remove_tab(tab))
                return
        self._remove_tab(tab)

    def _remove_tab(self, tab: RequestTab) -> None:
        index = self.tabs.indexOf(tab)
        if index < 0:
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

        from app.interchange.curl import to_curl

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
        self.sidebar.show_page(self.sidebar.getting_started)
        self.sidebar.getting_started.list.setFocus()

    # -- the workspace ----------------------------------------------------------------------

    def _collection_of(self, origin: Path | None) -> str | None:
        if origin is None or not hasattr(self, "workspace"):  # (before populate())
            return None
        try:
            return self.workspace.workspace.collection_of(origin)
        except ValueError:
            return None

    async def _variables_for(self, tab: RequestTab, model: RequestModel) -> dict[str, str]:
        values = await self.workspace.variables_for(tab.collection)
        # Kept with the tab: the scope may change before the answer comes (history redaction).
        tab.sent_secrets = self.workspace.secret_values()
        values.update(await self.playground.variables_for(model))
        return values

    def _lookup_for(self, tab: RequestTab) -> Any:
        from app.model.getting_started import PLAYGROUND_VARIABLE

        def lookup() -> dict[str, Any]:
            playground = self.playground.url or "the playground (started on send)"
            return self.workspace.lookup(tab.collection, {PLAYGROUND_VARIABLE: playground})

        return lookup

    def _refresh_variables(self) -> None:
        for tab in self.all_tabs():
            tab.refresh_variables()

    def _remember_environment(self, name: str | None) -> None:
        self.state.environment = name

    def _restore_environment(self, names: list[str], current: str | None) -> None:
        wanted = self.state.environment
        if current is None and wanted and wanted in names:
            self.sidebar.environments.set_environments(names, wanted)
            self.workspace.set_environment(wanted)

    def tab_of(self, origin: Path) -> RequestTab | None:
        return next((t for t in self.all_tabs() if t.origin == origin), None)

    def open_from_workspace(self, path: Path, in_new_tab: bool = False) -> None:
        """Show the request in ``path``: its tab when open, else a new tab."""
        if (tab := self.tab_of(path)) is not None:
            self.tabs.setCurrentWidget(tab)
            return

        async def load() -> None:
            model = await self.workspace.load_request(path)
            missing = await self.workspace.call(self.workspace.workspace.missing_secrets, path)
            if missing:
                names = {"password": "password", "token": "token", "key_value": "API key",
                         "secret_key": "secret key"}
                what = " and ".join(names.get(m, m) for m in missing)
                self.statusBar().showMessage(
                    f"The {what} of “{model.name}” is not in this computer's keyring: enter "
                    "it in the Auth tab and save (Ctrl+S).", 20000)
            if (existing := self.tab_of(path)) is not None:
                self.tabs.setCurrentWidget(existing)
                return
            current = self.current_tab()
            self.new_tab(model, path).mark_saved(model)
            if not in_new_tab and current is not None and current.is_blank():
                self.close_tab(self.tabs.indexOf(current))  # the new tab takes its place

        self.workspace.start(f"Open {path.name}", load())

    def _on_request_moved(self, old: Path, new: Path | None) -> None:
        tab = self.tab_of(old)
        if tab is None:
            return
        if new is None:
            tab.set_origin(None, None)  # deleted: the tab keeps the request, unsaved
        else:
            tab.set_origin(new, self._collection_of(new))
            if tab.modified is False:
                self.workspace.start("Rename", self._reload_name(tab, new))

    def _on_folder_moved(self, old: str, new: str | None) -> None:
        """Tabs of requests in a folder that moved follow it (or, deleted, keep their
        request, no longer saved)."""
        root = self.workspace.root
        for tab in self.all_tabs():
            if tab.origin is None:
                continue
            try:
                inside = tab.origin.relative_to(root / old)
            except ValueError:
                continue
            if new is None:
                tab.set_origin(None, None)
            else:
                origin = root / new / inside
                tab.set_origin(origin, self._collection_of(origin))
                self.workspace.watch_collection(tab.collection)

    async def _reload_name(self, tab: RequestTab, path: Path) -> None:
        model = await self.workspace.load_request(path)
        tab.editor.set_name(model.name)
        tab.mark_saved(model)

    def save_current(self) -> None:
        if (tab := self.current_tab()) is not None:
            self.save_tab(tab)

    def save_current_as(self) -> None:
        if (tab := self.current_tab()) is not None:
            self.save_tab(tab, ask=True)

    def save_tab(self, tab: RequestTab, ask: bool = False,
                 then: Callable[[], None] | None = None) -> None:
        """Save the tab's request to its workspace file (Ctrl+S), or ask where (a new one);
        ``then`` runs once it is saved."""
        from PySide6.QtWidgets import QMessageBox

        if tab.secrets_pending and not ask:
            QMessageBox.warning(
                self, "Save request",
                f"The secrets of “{tab.title()}” have not been read back from the keyring "
                "yet (is it locked?). Saving now would drop them, so nothing was saved; "
                "unlock the keyring and reopen the request, or use Save as.")
            return
        model = tab.to_model()
        origin = None if ask else tab.origin
        collection: str | None = None
        if origin is None:
            from ui.sidebar.save_dialog import ask_where_to_save

            collections = [f.collection for top in self.workspace.tree for f in top.walk()]
            answer = ask_where_to_save(self, model.name, collections,
                                       tab.collection or (collections[0] if collections
                                                          else "My collection"))
            if answer is None:
                return
            model.name, collection = answer

        async def save() -> None:
            path = await self.workspace.save_request(model, origin, collection)
            tab.set_origin(path, self._collection_of(path))
            if origin is None:
                tab.editor.set_name(model.name)
            tab.mark_saved(model)
            tab.secrets_pending = False
            self.workspace.watch_collection(tab.collection)
            self.sidebar.collections.select_path(path)
            self.statusBar().showMessage(
                f"Saved {path.relative_to(self.workspace.root)}", 5000)
            if then is not None:
                then()

        def failed(message: str) -> None:
            show_later(QMessageBox.warning, self, "Save request",
                       f"“{model.name}” was not saved: {message}\n\nIt is still in its tab.")

        self.workspace.start(f"Save {model.name}", save(), failed)

    def open_workspace_folder(self) -> None:
        from PySide6.QtWidgets import QFileDialog, QMessageBox

        from app.storage.workspace import Workspace

        modified = [t.title() for t in self.all_tabs() if t.modified]
        if modified:
            answer = QMessageBox.question(
                self, "Open workspace folder",
                "These tabs have changes that are not saved:\n\n" + "\n".join(modified)
                + "\n\nThey stay open, no longer tied to their files (save them into the "
                "other workspace with Ctrl+S). Open another folder anyway?",
                QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel)
            if answer != QMessageBox.StandardButton.Open:
                return
        folder = QFileDialog.getExistingDirectory(self, "Open workspace folder",
                                                  str(self.workspace.root))
        if not folder:
            return
        self.state.workspace = folder
        self.state.environment = None
        self.workspace.switch_to(Workspace(folder, self.workspace.secrets))
        self.sidebar.set_workspace_label()
        for tab in self.all_tabs():
            tab.set_origin(None, None)

    def manage_environments(self) -> None:
        from ui.sidebar.environments import EnvironmentEditor

        editor = EnvironmentEditor(self.workspace.workspace, self.runner,
                                   self.workspace.environment, parent=self)
        editor.environment_renamed.connect(self._environment_renamed)
        editor.environments_changed.connect(self.workspace.environment_edited)
        editor.open()

    def _environment_renamed(self, old: str, new: str) -> None:
        """The chosen environment keeps being chosen under its new name."""
        if self.workspace.environment == old:
            self.workspace.environment = new
            self.state.environment = new

    def show_history(self) -> None:
        self.sidebar.show_page(self.sidebar.history)

    def _record_history(self, entry: object) -> None:
        """A request was sent: keep it in the history (redacted), off the UI thread."""
        import asyncio

        from app.storage.history import HistoryEntry

        history = self.history
        if history is None or not isinstance(entry, tuple):
            return
        entry, used = entry
        if not isinstance(entry, HistoryEntry):
            return
        secrets = [*self.workspace.secret_values(), *used]

        async def add() -> None:
            entry_id = await asyncio.to_thread(history.add, entry, secrets)
            stored = await asyncio.to_thread(history.get, entry_id)
            if stored is not None:
                self.sidebar.history.add(stored)

        self.workspace.start("History", add())

    def history_limits(self) -> None:
        """Ask how much history to keep, and apply it at once."""
        from ui.sidebar.history_limits import ask_history_limits

        history = self.history
        if history is None:
            return
        answer = ask_history_limits(self, *self.state.history_limits)
        if answer is None:
            return
        self.state.history_limits = answer
        entries, mib = answer

        async def apply() -> None:
            import asyncio

            await asyncio.to_thread(history.set_limits, entries, mib * 1024 * 1024)
            self.sidebar.history.refresh()

        self.workspace.start("History limits", apply())

    def open_history_entry(self, entry: object) -> None:
        from app.model.request import RequestModel
        from app.storage.history import HistoryEntry

        if not isinstance(entry, HistoryEntry):
            return
        try:
            model = RequestModel.from_dict(dict(entry.request.get("model") or {}))
        except (TypeError, ValueError, KeyError) as exc:
            self.statusBar().showMessage(f"Cannot open this history entry: {exc}", 8000)
            return
        self.new_tab(model)

    def import_file(self) -> None:
        from ui.sidebar.import_export import import_dialog

        import_dialog(self)

    def export_workspace(self, fmt: str) -> None:
        from ui.sidebar.import_export import export_dialog

        export_dialog(self, fmt)

    def copy_as_python(self, flavour: str) -> None:
        from ui.sidebar.import_export import copy_as_python

        if (tab := self.current_tab()) is not None:
            copy_as_python(self, tab, flavour)

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
        for model, origin in models:
            tab = self.new_tab(model, Path(origin) if origin else None)
            if tab.origin is not None:
                tab.secrets_pending = model.auth.kind != "none"
                self.workspace.watch_collection(tab.collection)
                self.workspace.start(f"Open {tab.origin.name}", self._restore_secrets(tab))
        if not models:
            self.new_tab()
        self.tabs.setCurrentIndex(min(max(current, 0), self.tabs.count() - 1))
        if (tab_sizes := state.splitter("tab")) is not None:
            for tab in self.all_tabs():
                tab.splitter.restoreState(tab_sizes)
        if state.first_run:
            self.sidebar.show_page(self.sidebar.getting_started)
            state.mark_seen()

    async def _restore_secrets(self, tab: RequestTab) -> None:
        """A tab restored from the last session gets its secrets back from the keyring (the
        window state file does not hold them)."""
        from app.storage.workspace import SECRET_AUTH_FIELDS

        if tab.origin is None or not tab.origin.exists():
            tab.set_origin(None, None)
            return
        saved = await self.workspace.load_request(tab.origin)
        model = tab.to_model()
        if model.auth.kind == saved.auth.kind:
            for key in SECRET_AUTH_FIELDS:
                if not getattr(model.auth, key):
                    setattr(model.auth, key, getattr(saved.auth, key))
            tab.editor.auth.load_model(model.auth)
        tab.secrets_pending = False
        tab.mark_saved(saved)

    def closeEvent(self, event: QCloseEvent) -> None:
        tabs = self.all_tabs()
        current = self.current_tab()
        splitters = {"main": self.splitter.saveState()} if self._populated else {}
        if current is not None:
            splitters["tab"] = current.splitter.saveState()
        self.state.save(geometry=self.saveGeometry(), window_state=self.saveState(),
                        splitters=splitters,
                        tabs=[(t.to_model(), str(t.origin) if t.origin else None)
                              for t in tabs],
                        current=self.tabs.currentIndex())
        for tab in tabs:
            tab.dispose()
        self.runner.cancel_all()
        self.playground.stop()
        if self.history is not None:
            self.history.close()
        super().closeEvent(event)
        self.closed.emit()

    async def shutdown(self) -> None:
        """Close the connections (after the window has closed)."""
        if self._sessions is not None:
            await self._sessions.close()

