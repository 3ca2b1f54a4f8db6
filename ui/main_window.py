"""The main window: lays out the sidebar and the request tabs, builds the menus
(``ui.window_menus``) and connects them. No business logic lives here: the workflows of the
tabs as documents of the workspace (open, save, history, import, export, the workspace switch)
belong to DocumentsController, the workspace's files to WorkspaceController, sending to each
tab's controller, starting the playground to PlaygroundControl, remembering the layout to
WindowState. The questions the window asks first are in ``ui.dialogs``."""

from __future__ import annotations

import functools
import itertools
import linecache
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal

# Only what the first frame shows is imported here: PySide6 creates each class on first
# access, and the dialogs and splitters cost milliseconds the first frame does not need.
# Nor the Qt namespace: importing it makes PySide build its ~90 enums (some 20 ms).
from PySide6.QtWidgets import QMainWindow, QTabWidget

from ui.theme import apply_theme
from ui.window_menus import build_menus
from ui.window_state import WindowState

if TYPE_CHECKING:
    # Only an annotation: importing QCloseEvent builds QEvent's 180-name enum (some 2 ms).
    from PySide6.QtGui import QCloseEvent

    # The tabs (editors, highlighters, viewers) and the session pool (aiohttp) are imported
    # after the first frame: see populate().
    from app.model.compose import SessionPool
    from app.model.request import RequestModel
    from app.storage.history import History
    from app.storage.secrets import SecretStore
    from ui.documents import DiskAnswer
    from ui.playground_control import PlaygroundControl
    from ui.request_tab import RequestTab
    from ui.runner.runner_dialog import RunnerDialog
    from ui.sidebar.sidebar import Sidebar
    from ui.tasks import TaskRunner

__all__ = ["MainWindow"]


class MainWindow(QMainWindow):
    #: The window was closed and its state saved; connections can be closed next.
    closed = Signal()
    #: An OAuth 2.0 sign-in page given to the browser (emitted from a worker thread).
    sign_in_opened = Signal(str)

    def __init__(self, state: WindowState | None = None, *, deferred: bool = False,
                 secrets: SecretStore | None = None, data_dir: Path | None = None) -> None:
        """The window with its menus; its content comes with :meth:`populate`, at once or,
        when ``deferred``, after the first frame (the start-up path uses that).

        ``secrets`` defaults to the OS keyring; ``data_dir`` (the default workspace and the
        history database) to the platform's user data folder."""
        super().__init__()
        self._secrets = secrets
        self._data_dir = data_dir
        self._history: History | None = None
        self._history_problem: str | None = None  # None: not opened yet (see history)
        self.setWindowTitle("Spyglass")
        self.resize(1280, 820)
        self.state = state or WindowState()
        # Made at their first use, after the first frame (their modules cost it ~2 ms).
        self._runner: TaskRunner | None = None
        self._playground: PlaygroundControl | None = None
        self._sessions: SessionPool | None = None
        #: Whether the gRPC client has the limits in force (see _follow_grpc_limits).
        self._grpc_limits_followed = False
        #: The device grant codes waiting, as the status line words them (the last shown).
        self._device_messages: list[str] = []
        self._tab_ids = itertools.count(1)
        #: The runner's window last opened (it closes with the window).
        self.runner_dialog: RunnerDialog | None = None
        self.tabs = QTabWidget()
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(True)
        self.tabs.setDocumentMode(True)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.setCentralWidget(self.tabs)
        self._theme_actions = build_menus(self)
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
        self.sidebar.open_request.connect(self.new_tab)
        self.sidebar.run_getting_started.connect(self._run_getting_started)
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

    @property
    def runner(self) -> TaskRunner:
        """The owner of every coroutine the window and its parts start."""
        if self._runner is None:
            from ui.tasks import TaskRunner

            self._runner = TaskRunner(self)
        return self._runner

    @property
    def playground(self) -> PlaygroundControl:
        """The window's playground (started on demand)."""
        if self._playground is None:
            from ui.playground_control import PlaygroundControl

            self._playground = PlaygroundControl(self)
        return self._playground

    def playground_state(self) -> str:
        """The playground's :attr:`~ui.playground_control.PlaygroundControl.state`, without
        making its control when there is none yet (it is then stopped)."""
        return self._playground.state if self._playground is not None else "stopped"

    def data_dir(self) -> Path:
        if self._data_dir is None:
            import platformdirs

            self._data_dir = Path(platformdirs.user_data_dir("Spyglass", appauthor=False))
        return self._data_dir

    @property
    def history(self) -> History | None:
        """The history database, opened at its first use (the History page shown, a send
        recorded), not at start (bench/idle.py); None when it cannot be opened."""
        if self._history_problem is None:
            from app.storage.history import History, HistoryError

            self._history_problem = ""
            try:
                self.data_dir().mkdir(parents=True, exist_ok=True)
                entries, mib = self.state.history_limits
                self._history = History(self.data_dir() / "history.sqlite3",
                                        max_entries=entries, max_bytes=mib * 1024 * 1024)
            except (HistoryError, OSError) as exc:
                self._history_problem = str(exc)
        return self._history

    def _build_sidebar(self) -> Sidebar:
        from app.storage.secrets import KeyringSecrets
        from app.storage.workspace import Workspace
        from ui.documents import DocumentsController
        from ui.sidebar.sidebar import Sidebar
        from ui.workspace_controller import WorkspaceController

        # PySide6 left the sources of the modules just imported in linecache (ui/app.py says
        # why); freed before the sidebar is built, their room is used again by it.
        linecache.clearcache()
        if self._secrets is None:
            self._secrets = KeyringSecrets()
        root = Path(self.state.workspace or self.data_dir() / "workspace")
        self.workspace = WorkspaceController(self.runner, Workspace(root, self._secrets), self)
        self.workspace.preferred_environment = self.state.environment
        self.documents = DocumentsController(self.workspace, self, self.playground,
                                             self._ask_where_to_save, None, self,
                                             ask_changed_on_disk=self._ask_changed_on_disk,
                                             open_history=lambda: self.history)
        self.documents.limits = self.state.limits
        self._build_network(root)
        self.workspace.follow_outside_changes()
        sidebar = Sidebar(self.workspace, self.runner,
                          lambda: (self.history, self._history_problem or ""))
        sidebar.show_documents(self.documents)
        sidebar.collections.import_requested.connect(self.import_file)
        sidebar.collections.run_requested.connect(self.run_collection)
        sidebar.environments.manage_requested.connect(self.manage_environments)
        sidebar.environments.environment_changed.connect(self._remember_environment)
        sidebar.history_limits_requested.connect(self.history_limits)
        status = self.statusBar()
        self.documents.message.connect(status.showMessage)
        self.documents.warning.connect(functools.partial(self._message_box, "warning"))
        self.documents.information.connect(functools.partial(self._message_box, "information"))
        self.documents.clipboard.connect(self._to_clipboard)
        self.workspace.failed.connect(lambda msg: status.showMessage(msg, 15000))
        self.workspace.variables_changed.connect(self._refresh_variables)
        self.documents.runtime.changed.connect(self._refresh_variables)
        self.workspace.environment_renamed.connect(self._environment_renamed)
        self.workspace.open()
        return sidebar

    def _build_network(self, root: Path) -> None:
        """The proxy and certificates in force, and the workspace's cookie jar kept."""
        from ui.cookie_keeper import CookieKeeper
        from ui.network_control import NetworkControl

        status = self.statusBar()
        self.network = NetworkControl(self.runner, self.state.network, self._secret_store, self)
        self.network.changed.connect(
            lambda config: self._sessions.set_network(config) if self._sessions else None)
        self.network.failed.connect(lambda msg: status.showMessage(msg, 15000))
        self.network.load_secrets()
        self.cookies = CookieKeeper(self.runner, self.data_dir, self._secret_store, self)
        self.cookies.failed.connect(functools.partial(self._message_box, "warning", "Cookies"))
        self.documents.workspace_switched.connect(self.cookies.open_workspace)
        self.cookies.open_workspace(root)

    def _secret_store(self) -> SecretStore:
        if self._secrets is None:
            from app.storage.secrets import KeyringSecrets

            self._secrets = KeyringSecrets()
        return self._secrets

    # -- tabs -----------------------------------------------------------------------------

    def sessions(self) -> SessionPool:
        """The window's session pool, created on first send (it brings aiohttp). (A gRPC
        call asks it for the proxy and certificates, once grpc has come: the gRPC client
        is given the limits then, _follow_grpc_limits.)"""
        self._follow_grpc_limits()
        if self._sessions is None:
            from app.model.compose import SessionPool
            from app.model.compose_auth import AuthCache
            from app.storage.secrets import KeyringSecrets
            from app.storage.token_store import KeyringTokenStore

            if self._secrets is None:
                self._secrets = KeyringSecrets()
            # OAuth 2.0 tokens go to the keyring (never a file) and outlive the run.
            cache = AuthCache(KeyringTokenStore(self._secrets), on_code=self._show_device_code,
                              on_code_done=self._device_code_done,
                              open_browser=self._open_sign_in)
            network = self.network.config if self._populated else None
            self._sessions = SessionPool(self.state.limits, auth_cache=cache, network=network,
                                         workspace_root=lambda: self.workspace.root)
            # Queued to the UI thread (a sign-in is opened from a worker thread). Connected
            # with the pool, whose auth cache alone opens sign-ins: importing Qt's namespace
            # in __init__ would cost the first frame some 20 ms (its enums are built then).
            from PySide6.QtCore import Qt

            self.sign_in_opened.connect(self._show_sign_in, Qt.ConnectionType.QueuedConnection)
            if self._populated:
                self.cookies.attach(self._sessions)
        return self._sessions

    def _show_device_code(self, uri: str, code: str) -> None:
        """Where a device grant's code is shown: the status line, for as long as the code
        lives at most (a modal dialog would stop the grant's polling under qasync), and the
        OAuth 2.0 page of the tab waiting for it."""
        message = self._device_text(uri, code)
        self._device_messages.append(message)
        self.statusBar().showMessage(message, 30 * 60 * 1000)
        for tab in self.all_tabs():
            tab.tokens.device_code(uri, code)

    @staticmethod
    def _device_text(uri: str, code: str) -> str:
        return f"OAuth 2.0 sign-in: open {uri} and enter the code {code}"

    def _device_code_done(self, uri: str, code: str) -> None:
        """A grant's polling ended (a token, a refusal, a cancel): its code leaves the status
        line, where another grant's code still waiting comes back; anything else shown
        there by now stays."""
        message = self._device_text(uri, code)
        if message in self._device_messages:
            self._device_messages.remove(message)
        status = self.statusBar()
        if status.currentMessage() == message:
            if self._device_messages:
                status.showMessage(self._device_messages[-1], 30 * 60 * 1000)
            else:
                status.clearMessage()

    def _open_sign_in(self, url: str) -> bool:
        """Give an authorization page to the browser (on a worker thread: ``webbrowser`` may
        wait for it), and tell the window, which shows the address too."""
        import webbrowser

        opened = webbrowser.open(url)
        self.sign_in_opened.emit(url)  # queued to the UI thread: the window lives there
        return opened

    def _show_sign_in(self, url: str) -> None:
        for tab in self.all_tabs():
            tab.tokens.sign_in_opened(url)

    def new_tab(self, model: RequestModel | None = None, origin: Path | None = None
                ) -> RequestTab:
        from ui.request_tab import RequestTab

        if not self._populated:  # Ctrl+T before the deferred content came
            self.populate()
        documents = self.documents
        tab = RequestTab(self.runner, self.sessions, next(self._tab_ids), None, model,
                         workspace_root=lambda: self.workspace.root)
        tab.set_variables(functools.partial(documents.resolution, tab),
                          documents.lookup_for(tab))
        documents.attach(tab, origin)
        index = self.tabs.addTab(tab, tab.title())
        tab.title_changed.connect(lambda title, t=tab: self._retitle(t, title))
        tab.exchanged.connect(documents.record_history)
        tab.exchanged.connect(self.cookies.changed)
        tab.reload_from_disk.connect(lambda t=tab: documents.reload(t))
        tab.keep_mine.connect(lambda t=tab: documents.keep_mine(t))
        tab.captured.connect(documents.runtime.capture)
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

    # The tabs are the documents of the DocumentsController.
    current_document = current_tab
    all_documents = all_tabs
    open_document = new_tab

    def close_tab(self, index: int) -> None:
        from ui.dialogs.questions import ask_close_unsaved

        tab = self.tabs.widget(index)
        if tab is None:
            return
        if tab.modified and tab.origin is not None:
            answer = ask_close_unsaved(self, tab.title())
            if answer == "save":
                # Closed once saved: a failed save leaves the tab (and the edits) open.
                self.save_tab(tab, then=lambda: self._remove_tab(tab))
            if answer != "discard":
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

    def set_theme(self, name: str) -> None:
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()
        assert isinstance(app, QApplication)
        apply_theme(app, name)
        self.state.theme = name
        self._theme_actions[name].setChecked(True)

    # -- the documents (their workflows are DocumentsController's) ---------------------------

    def show_document(self, tab: RequestTab) -> None:
        self.tabs.setCurrentWidget(tab)

    def close_document(self, tab: RequestTab) -> None:
        self.close_tab(self.tabs.indexOf(tab))

    def tab_of(self, origin: Path) -> RequestTab | None:
        return self.documents.document_of(origin)  # type: ignore[return-value]

    def open_from_workspace(self, path: Path, in_new_tab: bool = False) -> None:
        """Show the request in ``path``: its tab when open, else a new tab."""
        self.documents.open(path, in_new_tab)

    def open_history_entry(self, entry: object) -> None:
        self.documents.open_history_entry(entry)

    def save_current(self) -> None:
        if (tab := self.current_tab()) is not None:
            self.save_tab(tab)

    def save_current_as(self) -> None:
        if (tab := self.current_tab()) is not None:
            self.save_tab(tab, ask=True)

    def save_tab(self, tab: RequestTab, ask: bool = False,
                 then: Callable[[], None] | None = None) -> None:
        """Save the tab's request (Ctrl+S), or ask where (a new file); ``then`` runs once
        it is saved."""
        self.documents.save(tab, ask, then)

    def _ask_where_to_save(self, name: str, collections: list[str], default: str
                           ) -> tuple[str, str] | None:
        from ui.dialogs import save_dialog

        return save_dialog.ask_where_to_save(self, name, collections, default)

    def _ask_changed_on_disk(self, title: str, deleted: bool) -> DiskAnswer | None:
        from ui.dialogs import changed_on_disk

        return changed_on_disk.ask_changed_on_disk(self, title, deleted)

    def _message_box(self, kind: str, title: str, text: str) -> None:
        from PySide6.QtWidgets import QMessageBox

        from ui.tasks import show_later

        show_later(getattr(QMessageBox, kind), self, title, text)

    def _to_clipboard(self, text: str, message: str) -> None:
        from PySide6.QtGui import QGuiApplication

        QGuiApplication.clipboard().setText(text)
        self.statusBar().showMessage(message, 5000)

    def _refresh_variables(self) -> None:
        for tab in self.all_tabs():
            tab.refresh_variables()

    def _remember_environment(self, name: str | None) -> None:
        self.state.environment = name

    def _environment_renamed(self, _old: str, new: str) -> None:
        self.state.environment = new  # the chosen environment keeps being chosen

    def clear_runtime_variables(self) -> None:
        """Tools ▸ Clear runtime variables: forget the values captured from responses."""
        if not self._populated:
            return
        count = len(self.documents.runtime)
        self.documents.runtime.clear()
        self.statusBar().showMessage(
            f"Cleared {count} runtime variable{'' if count == 1 else 's'}", 5000)

    def run_collection(self, collection: str | None = None) -> None:
        """Request ▸ Run collection… (or a folder's Run…): the runner, for ``collection``
        (None: the folder of the current tab's request; "": the whole workspace)."""
        from PySide6.QtCore import Qt

        from ui.runner.runner_dialog import RunnerDialog

        if not self._populated:
            self.populate()
        if collection is None and (tab := self.current_tab()) is not None:
            collection = tab.collection
        dialog = RunnerDialog(self.runner, self.workspace, lambda: self.state.limits,
                              collection or None, parent=self,
                              playground=self.playground.variables_for)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.runner_dialog = dialog

    def _run_getting_started(self) -> None:
        from ui.runner.runner_dialog import RUN_ME

        self.run_collection(RUN_ME)

    def open_workspace_folder(self) -> None:
        from ui.dialogs.questions import ask_workspace_folder

        folder = ask_workspace_folder(self, self.documents.unsaved_titles(), self.workspace.root)
        if folder is not None:
            self.state.workspace = folder
            self.state.environment = None
            self.documents.switch_workspace(folder)

    def manage_environments(self) -> None:
        from ui.dialogs.environment_editor import EnvironmentEditor

        EnvironmentEditor(self.workspace, self.workspace.environment, parent=self).open()

    def history_limits(self) -> None:
        """Ask how much history to keep, and apply it at once."""
        from ui.dialogs import history_limits

        if self.history is None:
            return
        answer = history_limits.ask_history_limits(self, *self.state.history_limits)
        if answer is not None:
            self.state.history_limits = answer
            self.documents.set_history_limits(*answer)

    def edit_limits(self) -> None:
        """Tools ▸ Limits…: ask for the limits, keep them, and apply them at once (the next
        send, stream and import)."""
        from ui.dialogs.limits import ask_limits

        answer = ask_limits(self, self.state.limits)
        if answer is not None:
            self.state.limits = answer
            if self._populated:  # else the documents read the settings when they come
                self.documents.limits = answer
            if self._sessions is not None:
                self._sessions.set_limits(answer)
            self._grpc_limits_followed = False
            self._follow_grpc_limits()

    def _follow_grpc_limits(self) -> None:
        """Give the gRPC client the window's calls use (``app.grpc``'s shared one) the gRPC
        limits in force, once grpc has been loaded (the first gRPC request loads it, never
        this: an idle window leaves it unloaded) and again after a change. Its calls started
        after go by them."""
        import sys

        if self._grpc_limits_followed or "app.grpc" not in sys.modules:
            return
        import app.grpc

        app.grpc.set_default_settings(self.state.limits.grpc_settings())
        self._grpc_limits_followed = True

    def edit_network(self) -> None:
        """Tools ▸ Network…: the proxy and the client certificates, in force at once."""
        from ui.dialogs.network import NetworkDialog

        if not self._populated:
            self.populate()
        NetworkDialog(self.network, self.state, self.runner, parent=self).open()

    def manage_cookies(self) -> None:
        """Tools ▸ Cookies…: the workspace's cookie jar."""
        from ui.dialogs.cookies import CookieManager

        if not self._populated:
            self.populate()
        CookieManager(self.sessions().cookies, self.cookies, parent=self).open()

    def import_file(self) -> None:
        from ui.dialogs.import_export import import_dialog

        import_dialog(self, self.documents)

    def export_workspace(self, fmt: str) -> None:
        from ui.dialogs.import_export import export_dialog

        export_dialog(self, self.documents, fmt)

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
            self.documents.restore(
                self.new_tab(model, Path(origin) if origin else None))
        if not models:
            self.new_tab()
        self.tabs.setCurrentIndex(min(max(current, 0), self.tabs.count() - 1))
        if (tab_sizes := state.splitter("tab")) is not None:
            for tab in self.all_tabs():
                tab.splitter.restoreState(tab_sizes)
        if state.first_run:
            self.sidebar.show_page(self.sidebar.getting_started)
            state.mark_seen()

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
        # Taken now: once closed, the window's objects (the keeper's timer) may be gone
        # before shutdown() runs.
        self._cookie_save = self.cookies.last_save() if self._populated else None
        if self._populated and self.workspace.watcher is not None:
            self.workspace.watcher.stop()  # no refresh may start once the tasks are cancelled
        if self._runner is not None:
            self._runner.cancel_all()
        if self._playground is not None:
            self._playground.stop()
        if self._history is not None:
            self._history.close()
        self._history_problem = self._history_problem or "the window is closed"
        super().closeEvent(event)
        self.closed.emit()

    async def shutdown(self) -> None:
        """Keep the cookies and close the connections (after the window has closed)."""
        if self._populated:
            if hasattr(self, "_cookie_save"):  # closed: the final save was taken then
                await self.cookies.finish(self._cookie_save)
            else:
                await self.cookies.flush()
        if self._sessions is not None:
            await self._sessions.close()

