"""One request tab: the editor above, and below it the pane of the mode the request is sent in
(the response, the event stream, the WebSocket console...). The modes come from a registry
(``ui.modes.registry``); the tab knows none of them by name."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.model.request import RequestMode, RequestModel, method_label
from ui.modes.registry import MODES, ModeRegistry, ModeSpec
from ui.request.graphql.tab_support import GraphQLSupport
from ui.request.oauth_tokens import OAuthTokens
from ui.request.request_editor import RequestEditor
from ui.request.tones import ERROR, banner_css
from ui.tasks import TaskRunner, show_later
from ui.upload_progress import UploadProgress

if TYPE_CHECKING:
    from app.model.compose import SessionPool
    from app.storage.fingerprint import Fingerprint
    from app.storage.history_entry import Outcome
    from ui.modes.base import ModeController, ModeParts, StreamSink, VariablesSource
    from ui.modes.http.checks import CheckOutcome

__all__ = ["RequestTab", "unresolved_names"]


def _variable_texts(model: RequestModel) -> list[tuple[str, str]]:
    """(where, text) of every field ``{{variables}}`` are substituted in."""
    out = [("URL", model.url)]
    out += [("headers", f"{h.name}: {h.value}") for h in model.headers if h.enabled]
    if model.mode is RequestMode.GRPC:  # no body nor auth: the method, message and paths
        grpc = model.grpc
        out += [("method", grpc.method), ("message", grpc.message)]
        out += [(".proto files", path) for path in grpc.protos]
        out += [("import paths", path) for path in grpc.import_paths]
        return out
    if model.body.kind in ("json", "text", "xml", "graphql"):
        out.append(("body", model.body.text))
    if model.body.kind == "graphql":
        out.append(("GraphQL variables", model.body.graphql_variables))
    out += [("body", f"{r.name}={r.value}") for r in model.body.form if r.enabled]
    out += [("body", f"{r.name}={r.value}") for r in model.body.multipart if r.enabled]
    if model.body.kind == "binary":
        out.append(("body", model.body.file_path))
    if model.auth.kind != "none":
        out += [("auth", str(v)) for k, v in vars(model.auth).items() if k != "kind"]
    return out


def unresolved_names(model: RequestModel, known: Any) -> list[tuple[str, str]]:
    """(name, where) of every ``{{name}}`` in ``model`` that ``known`` does not define."""
    from app.model.templating import unresolved

    out: dict[str, str] = {}
    for where, text in _variable_texts(model):
        if "{{" in text:
            for name in unresolved(text, known):
                out.setdefault(name, where)
    return list(out.items())


def _no_workspace() -> Path | None:
    """A tab outside a window: relative paths are the process's folder's."""
    return None


class RequestTab(QWidget):
    """Composes, sends and shows one request; owns the tab's task keys.

    The modes are looked up in ``modes`` (the window's registry unless a test gives another):
    each one's controller and pane are built the first time the tab needs them."""

    title_changed = Signal(str)
    #: A request went out and came back (or failed): its app.storage.history_entry.HistoryEntry,
    #: already redacted.
    exchanged = Signal(object)
    #: From the "changed on disk" banner: show the file's request / keep the tab's edits.
    reload_from_disk = Signal()
    keep_mine = Signal()
    #: A response's captures came out (list[app.runner.CaptureResult], the secret ones
    #: unmasked): the window keeps them in its runtime variables.
    captured = Signal(object)

    def __init__(self, runner: TaskRunner, sessions: Callable[[], SessionPool], tab_id: int,
                 variables: VariablesSource | None, model: RequestModel | None = None,
                 parent: QWidget | None = None, *, modes: ModeRegistry = MODES,
                 workspace_root: Callable[[], Path | None] | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.sessions = sessions
        #: The window's workspace folder, asked at each send (the window may switch it).
        self.workspace_root: Callable[[], Path | None] = workspace_root or _no_workspace
        self.key = f"tab {tab_id}"
        self.modes = modes
        self._variables = variables
        self._lookup: Callable[[], dict[str, Any]] | None = None
        #: The workspace file this tab's request came from (None: not saved yet).
        self.origin: Path | None = None
        self.collection: str | None = None
        self._saved: dict[str, Any] | None = None
        self._modified = False
        #: Restored from the last session, its secrets not yet read back from the keyring.
        self.secrets_pending = False
        #: The secret values the last send used (what its checks' values are masked with).
        self._sent_secrets: tuple[str, ...] = ()
        #: What the file held when last read or saved (None: unknown; a save then asks
        #: nothing), for noticing another writer.
        self.disk: Fingerprint | None = None
        self._disk_banner: QWidget | None = None
        #: Asks whether to send local files an import named; replaced in tests. Arguments:
        #: the paths, the collection the request is saved in (or None).
        self.ask_send_files: Callable[[list[str], str | None], bool] = self._ask_send_files
        self._asking = False
        self._parts: dict[RequestMode, ModeParts] = {}
        #: What each mode adds to the title (a terminal program's title).
        self._mode_titles: dict[RequestMode, str] = {}
        #: The last model loaded: what a mode not built yet keeps of it.
        self._loaded = RequestModel()
        self.editor = RequestEditor()
        self.editor.workspace_root = self.workspace_root
        self.mode_box = QComboBox()
        for spec in modes:
            self.mode_box.addItem(spec.label, spec.mode.value)
            self.mode_box.setItemData(self.mode_box.count() - 1, spec.tooltip,
                                      Qt.ItemDataRole.ToolTipRole)
        self.mode_box.setToolTip(", or ".join(s.tooltip for s in modes).capitalize())
        self.send_button = QPushButton(modes.default.idle_text)
        self.send_button.setObjectName("sendButton")
        self.send_button.setToolTip("Send (Ctrl+Enter) · Cancel (Esc)")
        self.send_button.setMinimumWidth(96)
        self.send_button.clicked.connect(self._send_or_cancel)
        self.editor.add_to_url_row(self.mode_box)
        self.editor.add_to_url_row(self.send_button)
        # Enter in the URL sends, as in a browser's address bar.
        self.editor.url_bar.returnPressed.connect(self._send_or_cancel)
        self.editor.url_bar.textChanged.connect(self._guess_mode)
        self.upload = UploadProgress()
        self.tokens = OAuthTokens(runner, f"{self.key} / oauth2 token", sessions,
                                  lambda: self._variables, self)
        self.graphql = GraphQLSupport(runner, self.key, sessions, lambda: self._variables,
                                      self.to_model, lambda: self._lookup, self)
        # The Auth and Body pages are built when first shown: their OAuth 2.0 buttons and
        # GraphQL page are served then.
        self.editor.page_built.connect(self._on_page_built)
        if self.editor.is_built("body"):
            self.graphql.attach(self.editor.body)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.editor, 1)
        self.unresolved = QLabel()
        self.unresolved.setObjectName("unresolvedVariables")
        self.unresolved.setWordWrap(True)
        self.unresolved.setStyleSheet(banner_css(ERROR, "4px 6px", "0 8px"))
        self.unresolved.hide()
        top_layout.addWidget(self.unresolved)
        top_layout.addWidget(self.upload)
        self.lower = QStackedWidget()
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.lower)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self.parts(modes.default.mode)  # the default mode's pane is the first one shown
        self.mode_box.currentIndexChanged.connect(self._on_mode_changed)

        # Comparing with the saved file and looking for undefined variables read the whole
        # request: done once typing pauses, not on every key.
        self._edit_timer = QTimer(self)
        self._edit_timer.setSingleShot(True)
        self._edit_timer.setInterval(150)
        self._edit_timer.timeout.connect(self._on_edited)
        self.editor.changed.connect(self._edit_timer.start)
        if model is not None:
            self.load_model(model)
            if model.body.kind != "none":  # a request opened with a body shows it first
                self.editor.show_page(self.editor.body)
        self._emit_title()

    # -- the modes ------------------------------------------------------------------------

    @property
    def mode(self) -> RequestMode:
        """How the request is sent now (the mode box)."""
        return RequestMode(self.mode_box.currentData())

    def set_mode(self, mode: RequestMode) -> None:
        index = self.mode_box.findData(str(mode))
        self.mode_box.setCurrentIndex(max(index, 0))

    @property
    def spec(self) -> ModeSpec:
        """The current mode, as registered."""
        return self.modes.get(self.mode)

    def parts(self, mode: RequestMode) -> ModeParts:
        """The controller and pane of ``mode`` in this tab, built on first use."""
        parts = self._parts.get(mode)
        if parts is None:
            parts = self.modes.get(mode).build(self)
            self._parts[mode] = parts
            self.lower.addWidget(parts.pane)
            if parts.load_model is not None:
                parts.load_model(self._loaded)
            if parts.title_changed is not None:
                parts.title_changed.connect(lambda text, m=mode: self._on_mode_title(m, text))
            if parts.checked is not None:
                parts.checked.connect(self._on_checked)
            if parts.changed is not None:
                parts.changed.connect(lambda: self._edit_timer.start())
            c = parts.controller
            c.state_changed.connect(lambda _state, m=mode: self._on_state(m))
            c.exchanged.connect(self._on_exchanged)
        return parts

    def pane(self, mode: RequestMode) -> QWidget:
        """The pane of ``mode``, built on first use."""
        return self.parts(mode).pane

    @property
    def controller(self) -> ModeController:
        """The controller of the current mode."""
        return self.parts(self.mode).controller

    @property
    def response(self) -> Any:
        """The pane of the default mode (plain HTTP's response pane)."""
        return self.parts(self.modes.default.mode).pane

    @property
    def variables(self) -> VariablesSource | None:
        """Where a send finds the values of its ``{{variables}}``."""
        return self._variables

    def show_pane(self, pane: QWidget) -> None:
        """Bring ``pane`` forward below the editor (a mode's request; a route's pane is added
        the first time)."""
        if self.lower.indexOf(pane) < 0:
            self.lower.addWidget(pane)
        self.lower.setCurrentWidget(pane)

    def hand_off(self, media_type: str, url: str, status_text: str,
                 stop: Callable[[], object]) -> StreamSink | None:
        """A response of ``media_type`` goes to the mode that takes it over, if any."""
        spec = self.modes.for_media_type(media_type)
        if spec is None:
            return None
        adopt = self.parts(spec.mode).adopt
        if adopt is None:
            return None
        return adopt(self.to_model(), self._variables, url, status_text, stop)

    def _on_mode_changed(self) -> None:
        # What the mode left behind was running stops: hidden, it could be neither seen nor
        # cancelled (the tab's button and Esc follow the mode shown).
        for mode, parts in self._parts.items():
            if mode != self.mode and parts.controller.busy:
                parts.controller.stop()
        self.editor.hide_parts(self.spec.hidden_parts)
        self.lower.setCurrentWidget(self.parts(self.mode).pane)
        self._set_busy(self.busy)
        self._emit_title()

    def _guess_mode(self, url: str) -> None:
        """A URL whose scheme the mode is not sent over selects the mode it is (ws:// or
        wss:// means a WebSocket; leaving one goes back to HTTP)."""
        spec = self.modes.for_url(self.mode, url)
        if spec is not None:
            self.set_mode(spec.mode)

    def _on_state(self, mode: RequestMode) -> None:
        if mode == self.mode:
            self._set_busy(self.busy)

    def _on_exchanged(self, model: RequestModel, outcome: Outcome,
                      secrets: tuple[str, ...]) -> None:
        from app.storage.history_entry import entry_for

        # The checks of this exchange come after it: their values are masked with these.
        self._sent_secrets = secrets
        self.exchanged.emit(entry_for(model, outcome, secrets, origin=str(self.origin or "")))

    def _on_checked(self, outcome: CheckOutcome) -> None:
        tests = self.editor.tests
        tests.set_seen(outcome.header_names, outcome.json_paths)
        self.editor.show_check_results(outcome.asserts, outcome.captures,
                                       self._sent_secrets)
        done = [c for c in outcome.captures if c.ok]
        if done:
            self.captured.emit(done)

    def _on_page_built(self, name: str) -> None:
        if name == "body":
            self.graphql.attach(self.editor.body)
        if name == "auth":
            self.tokens.attach(self.editor.auth.oauth2, self.to_model)
            model = self.to_model()
            if model.auth.kind == "oauth2":  # the token held, read when the model was loaded
                self.tokens.show(model)

    # -- model ----------------------------------------------------------------------------

    def to_model(self) -> RequestModel:
        model = self.editor.to_model()
        model.mode = self.mode
        for spec in self.modes:
            parts = self._parts.get(spec.mode)
            if parts is not None and parts.to_model is not None:
                parts.to_model(model)
            else:
                for name in spec.fields:
                    setattr(model, name, copy.deepcopy(getattr(self._loaded, name)))
        model.notes = self._loaded.notes  # no editor shows them (Postman scripts kept)
        return model

    def load_model(self, model: RequestModel) -> None:
        self.editor.load_model(model)
        self._loaded = copy.deepcopy(model)
        self.set_mode(model.mode)
        for parts in list(self._parts.values()):
            if parts.load_model is not None:
                parts.load_model(model)
        if model.auth.kind == "oauth2" and self.editor.is_built("auth"):
            self.tokens.show(model)  # else when the page is built (nothing shows it before)
        self._emit_title()

    @property
    def modified(self) -> bool:
        """The request differs from what its file holds (False when it has no file)."""
        timer = getattr(self, "_edit_timer", None)
        if timer is not None and timer.isActive() and self._saved is not None:
            # An edit not compared yet (typing pauses first): compare now, so that a reload
            # from disk or a question about unsaved changes never misses the last keys.
            self._modified = self.to_model().to_dict() != self._saved
        return self._modified

    @modified.setter
    def modified(self, value: bool) -> None:
        self._modified = value

    def title(self) -> str:
        model = self.editor.to_model()
        if model.name and model.name != "New request":
            title = model.name
        else:
            url = model.url.split("://", 1)[-1]
            # The HTTP method, or the mode's short name (gRPC, WS...) for one that sends none.
            title = f"{method_label(model.method, self.mode)} {url}" if url else "New request"
        program = self._mode_titles.get(self.mode, "")
        if program:
            title = f"{title} — {program}"
        return f"● {title}" if self.modified else title

    def _on_mode_title(self, mode: RequestMode, text: str) -> None:
        self._mode_titles[mode] = text
        self._emit_title()

    def _emit_title(self) -> None:
        self.title_changed.emit(self.title())

    def _on_edited(self) -> None:
        parts = self._parts.get(self.mode)
        edited = parts.request_edited if parts is not None else None
        model = self.to_model() if self._saved is not None or edited is not None else None
        if self._saved is not None and model is not None:
            self.modified = model.to_dict() != self._saved
        self._emit_title()
        self.refresh_variables()
        if edited is not None and model is not None:
            edited(model)

    # -- the workspace --------------------------------------------------------------------

    def set_origin(self, origin: Path | None, collection: str | None) -> None:
        """The workspace file the request is saved in (None: not saved)."""
        self.origin = origin
        self.collection = collection
        if origin is None:
            self._saved = None
            self.modified = False
        self.setToolTip(str(origin) if origin else "")
        self._emit_title()

    def mark_saved(self, model: RequestModel) -> None:
        """``model`` is what the file holds now: the tab has no unsaved change if equal."""
        self._saved = model.to_dict()
        self.modified = self.to_model().to_dict() != self._saved
        self._emit_title()

    def show_disk_change(self, deleted: bool) -> None:
        """Show the "changed on disk" banner (built on first use: most tabs never need it)."""
        from ui.request.disk_change_banner import DiskChangeBanner

        if not isinstance(self._disk_banner, DiskChangeBanner):
            self._disk_banner = banner = DiskChangeBanner()
            banner.reload_requested.connect(self.reload_from_disk)
            banner.keep_requested.connect(self.keep_mine)
            layout = self.layout()
            assert isinstance(layout, QVBoxLayout)
            layout.insertWidget(0, banner)
        self._disk_banner.show_change(deleted)

    def hide_disk_change(self) -> None:
        if self._disk_banner is not None:
            self._disk_banner.hide()

    def is_blank(self) -> bool:
        """An untouched new tab (opening a request from the sidebar may take its place)."""
        return (self.origin is None and not self.busy
                and self.to_model().to_dict() == RequestModel().to_dict()
                and all(parts.blank() for parts in self._parts.values()))

    # -- variables ------------------------------------------------------------------------

    def set_variables(self, source: VariablesSource,
                      lookup: Callable[[], dict[str, Any]]) -> None:
        """Where the values come from when sending, and the values known now (for the
        hover preview and the unresolved warning)."""
        self._variables = source
        self._lookup = lookup
        self.editor.set_variable_lookup(lookup)
        self.refresh_variables()

    def refresh_variables(self) -> None:
        """Redraw the variables and say which names nothing defines."""
        if self._lookup is None:
            return
        known = self._lookup()
        self.editor.refresh_variables()
        missing = unresolved_names(self.to_model(), known)
        if not missing:
            self.unresolved.hide()
            return
        names = ", ".join(f"<b>{{{{{n}}}}}</b> ({where})" for n, where in missing[:6])
        more = f" and {len(missing) - 6} more" if len(missing) > 6 else ""
        self.unresolved.setText(
            f"Not defined: {names}{more}. Choose an environment in the sidebar, or add "
            "the variable to one (Ctrl+E); the request cannot be sent until then.")
        self.unresolved.show()

    # -- sending --------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        parts = self._parts.get(self.mode)
        return parts is not None and parts.controller.busy

    def send(self) -> None:
        model = self.to_model()
        self.editor.clear_check_results()
        files = model.body.imported_files() if self.spec.sends_body else []
        if not files:
            self.parts(self.mode).controller.start(model, self._variables)
        elif not self._asking:
            # Asked from the event loop, never inside a running task (see show_later).
            self._asking = True
            show_later(self._confirm_files, files)

    def _confirm_files(self, files: list[str]) -> None:
        try:
            answer = self.ask_send_files(files, self.collection)
        finally:
            self._asking = False
        if answer:
            # The answer is kept as an edit: the tab becomes modified, a save keeps it.
            self.editor.body.clear_import_marks()
            self.send()

    def _ask_send_files(self, files: list[str], collection: str | None) -> bool:
        from ui.dialogs.questions import ask_send_imported_files

        return ask_send_imported_files(self, files, collection)

    def cancel(self) -> bool:
        """Stop what is under way in this tab (Esc); False when nothing was."""
        if not self.busy:
            return False
        return self.parts(self.mode).controller.stop()

    def _send_or_cancel(self) -> None:
        if self.busy:
            self.cancel()
        else:
            self.send()

    def _set_busy(self, busy: bool) -> None:
        spec = self.spec
        self.send_button.setText(spec.busy_text if busy else spec.idle_text)
        self.send_button.setProperty("busy", busy)

    def open_find(self) -> None:
        for parts in self._parts.values():
            if parts.find is not None and self.lower.currentWidget() is parts.pane:
                parts.find()

    def dispose(self) -> None:
        """The tab is closing: stop its work and drop its temporary files."""
        for parts in self._parts.values():
            parts.dispose()
