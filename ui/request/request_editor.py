"""The request editor: method and URL on top, then Params, Headers, Body, Auth, Options and
Tests."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QTabWidget, QVBoxLayout, QWidget

from app.model.request import AuthKind, AuthModel, BodyKind, RequestModel, RequestOptions, query_of
from ui.lazy_page import LazyPage, build_on_show
from ui.request.header_names import COMMON_HEADER_VALUES, COMMON_HEADERS
from ui.request.key_value_table import KeyValueTable
from ui.request.method_box import MethodBox
from ui.request.params_sync import ParamsSync, merge_query
from ui.request.tests_title import checks_problems, tests_title
from ui.request.url_bar import UrlBar

if TYPE_CHECKING:
    from app.runner.asserts import AssertResult
    from app.runner.captures import CaptureResult
    from ui.request.auth_editor import AuthEditor
    from ui.request.body_editor import BodyEditor
    from ui.request.options_editor import OptionsEditor
    from ui.request.tests_editor import TestsEditor

__all__ = ["RequestEditor"]

_DOT = " ●"
PARAMS, HEADERS, BODY, AUTH, OPTIONS, TESTS = range(6)
#: Around each page, as the tab shows it.
_MARGINS = (0, 6, 0, 4)


class RequestEditor(QWidget):
    """Composes one request. :meth:`to_model` / :meth:`load_model` exchange a
    :class:`~app.model.request.RequestModel`; :attr:`changed` reports every user edit (loading a
    model is not one). A curl command pasted into the URL bar replaces the whole request.
    """

    changed = Signal()
    #: A page was built (its name: headers, body, auth, options or tests), at its first
    #: showing or first use.
    page_built = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._name = RequestModel().name
        #: The last model loaded: what a page not built yet shows once built, and gives back
        #: as loaded until then.
        self._loaded = RequestModel()
        self._lookup: Callable[[], dict[str, Any]] | None = None
        #: The folder relative certificate paths are under (the tab's workspace's).
        self.workspace_root: Callable[[], Path | None] = lambda: None
        self.method_box = MethodBox()
        self.url_bar = UrlBar()
        self.params = KeyValueTable(hint="Query parameters, kept in step with the URL",
                                    name_placeholder="Parameter")
        # The other pages are built when first shown or asked for (ui.lazy_page): most
        # requests never show their Auth, Options or Tests.
        self._headers = LazyPage(self._build_headers, _MARGINS)
        self._body = LazyPage(self._build_body, _MARGINS)
        self._auth = LazyPage(self._build_auth, _MARGINS)
        self._options = LazyPage(self._build_options, _MARGINS)
        #: The parts hide_parts hid.
        self._hidden: set[str] = set()
        self._tests = LazyPage(self._build_tests, _MARGINS)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for holder, title, tip in (
            (self._padded(self.params), "Params", "Query parameters"),
            (self._headers, "Headers", "Request headers"),
            (self._body, "Body", "Request body"),
            (self._auth, "Auth", "Authentication"),
            (self._options, "Options", "Timeout, redirects and TLS"),
            (self._tests, "Tests", "Asserts on the response, and captures into variables"),
        ):
            index = self.tabs.addTab(holder, title)
            self.tabs.setTabToolTip(index, tip)
        for name, holder in self._lazy_pages():
            holder.built.connect(lambda _page, n=name: self.page_built.emit(n))
        build_on_show(self.tabs)
        self._sync = ParamsSync(self.url_bar, self.params, self)

        self._url_row = QHBoxLayout()
        self._url_row.setContentsMargins(0, 0, 0, 0)
        self._url_row.setSpacing(6)
        self._url_row.addWidget(self.method_box)
        self._url_row.addWidget(self.url_bar, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 0)
        layout.setSpacing(6)
        layout.addLayout(self._url_row)
        layout.addWidget(self.tabs, 1)
        QWidget.setTabOrder(self.method_box, self.url_bar)

        self.method_box.methodChanged.connect(self._on_edit)
        self.url_bar.textEdited.connect(self._on_edit)
        # After ParamsSync's own connection, so the Params count is the new one.
        self.url_bar.textChanged.connect(self._update_titles)
        self.url_bar.curlPasted.connect(self._load_pasted)
        self.params.changed.connect(self._on_edit)
        self._update_titles()

    # -- the pages, built on first use ------------------------------------------------------

    def hide_parts(self, names: Iterable[str]) -> None:
        """Hide the method box, the pages named (``params``, ``body``, ``auth``...) and the
        Options rows named (``timeouts``, ``redirects``), show the others: a way of sending
        that has no use for them (their values are kept)."""
        hidden = set(names)
        self._hidden = hidden
        if (options := self._options.built_page()) is not None:
            options.hide_rows(hidden)
        if (headers := self._headers.built_page()) is not None:
            headers.set_hint(_headers_hint(hidden))
        self.method_box.setVisible("method" not in hidden)
        pages = ["params", "headers", "body", "auth", "options", "tests"]
        for index, name in enumerate(pages):
            self.tabs.setTabVisible(index, name not in hidden)
        if not self.tabs.isTabVisible(self.tabs.currentIndex()):
            self.tabs.setCurrentIndex(next(i for i, name in enumerate(pages)
                                           if name not in hidden))

    def _lazy_pages(self) -> list[tuple[str, LazyPage[Any]]]:
        return [("headers", self._headers), ("body", self._body), ("auth", self._auth),
                ("options", self._options), ("tests", self._tests)]

    def is_built(self, name: str) -> bool:
        """Whether the page ``name`` (headers, body, auth, options, tests) was built."""
        return dict(self._lazy_pages())[name].is_built

    @property
    def headers(self) -> KeyValueTable:
        """The Headers page (built by asking)."""
        return self._headers.page()

    @property
    def body(self) -> BodyEditor:
        """The Body page (built by asking)."""
        return self._body.page()

    @property
    def auth(self) -> AuthEditor:
        """The Auth page (built by asking)."""
        return self._auth.page()

    @property
    def options(self) -> OptionsEditor:
        """The Options page (built by asking)."""
        return self._options.page()

    @property
    def tests(self) -> TestsEditor:
        """The Tests page (built by asking)."""
        return self._tests.page()

    def _build_headers(self) -> KeyValueTable:
        table = KeyValueTable(hint=_headers_hint(self._hidden), name_placeholder="Header",
                              name_suggestions=COMMON_HEADERS,
                              value_suggestions=COMMON_HEADER_VALUES)
        table.set_rows(copy.deepcopy(self._loaded.headers))
        if self._lookup is not None:
            table.model.variable_lookup = self._lookup
        table.changed.connect(self._on_edit)
        return table

    def _build_body(self) -> BodyEditor:
        from ui.request.body_editor import BodyEditor

        body = BodyEditor()
        body.load_model(copy.deepcopy(self._loaded.body))
        if self._lookup is not None:
            body.set_variable_lookup(self._lookup)
            body.form.model.variable_lookup = self._lookup
        body.changed.connect(self._on_edit)
        return body

    def _build_auth(self) -> AuthEditor:
        from ui.request.auth_editor import AuthEditor

        auth = AuthEditor()
        auth.load_model(copy.deepcopy(self._loaded.auth))
        auth.changed.connect(self._on_edit)
        return auth

    def _build_options(self) -> OptionsEditor:
        from ui.request.options_editor import OptionsEditor

        options = OptionsEditor()
        options.workspace_root = lambda: self.workspace_root()
        options.hide_rows(self._hidden)
        options.load_model(copy.deepcopy(self._loaded.options))
        options.changed.connect(self._on_edit)
        return options

    def _build_tests(self) -> TestsEditor:
        from ui.request.tests_editor import TestsEditor

        tests = TestsEditor()
        tests.set_checks(copy.deepcopy(self._loaded.asserts),
                         copy.deepcopy(self._loaded.captures))
        tests.changed.connect(self._on_edit)
        return tests

    @staticmethod
    def _padded(page: QWidget) -> QWidget:
        holder = QWidget()
        box = QVBoxLayout(holder)
        box.setContentsMargins(*_MARGINS)
        box.addWidget(page)
        holder.setFocusProxy(page)
        return holder

    # -- public API -----------------------------------------------------------------------

    def add_to_url_row(self, widget: QWidget) -> None:
        """Put ``widget`` (the Send button) at the right end of the method and URL row, next
        after the URL in the tab order."""
        self._url_row.addWidget(widget)
        QWidget.setTabOrder(self.url_bar, widget)

    def show_page(self, page: QWidget) -> None:
        """Bring the tab holding ``page`` (e.g. ``self.body``) to the front."""
        for index in range(self.tabs.count()):
            holder = self.tabs.widget(index)
            if holder is page or holder.isAncestorOf(page):
                self.tabs.setCurrentIndex(index)
                return

    def focus_url(self) -> None:
        """Move the keyboard focus to the URL, all of it selected (Ctrl+L)."""
        self.url_bar.setFocus()
        self.url_bar.selectAll()

    def to_model(self) -> RequestModel:
        """The request as it stands in the editor (a page not built yet gives back what was
        loaded)."""
        loaded = self._loaded
        headers = self._headers.built_page()
        body = self._body.built_page()
        auth = self._auth.built_page()
        options = self._options.built_page()
        tests = self._tests.built_page()
        return RequestModel(
            name=self._name,
            method=self.method_box.method() or "GET",
            url=self.url_bar.text(),
            params=self.params.rows(),
            headers=headers.rows() if headers else copy.deepcopy(loaded.headers),
            body=body.to_model() if body else copy.deepcopy(loaded.body),
            auth=auth.to_model() if auth else copy.deepcopy(loaded.auth),
            options=options.to_model() if options else copy.deepcopy(loaded.options),
            asserts=tests.asserts.rows() if tests else copy.deepcopy(loaded.asserts),
            captures=tests.captures.rows() if tests else copy.deepcopy(loaded.captures),
        )

    def load_auth(self, auth: AuthModel) -> None:
        """Show ``auth`` (secrets read back from the keyring) without emitting
        :attr:`changed`."""
        self._loaded.auth = copy.deepcopy(auth)
        if (page := self._auth.built_page()) is not None:
            page.load_model(auth)
        self._update_titles()

    def set_variable_lookup(self, lookup: Callable[[], dict[str, Any]]) -> None:
        """The values of the ``{{variables}}`` known now, for the hover preview."""
        self._lookup = lookup
        self.url_bar.set_variable_lookup(lookup)
        self.params.model.variable_lookup = lookup
        if (headers := self._headers.built_page()) is not None:
            headers.model.variable_lookup = lookup
        if (body := self._body.built_page()) is not None:
            body.set_variable_lookup(lookup)
            body.form.model.variable_lookup = lookup

    def refresh_variables(self) -> None:
        """Redraw the ``{{variables}}`` of the pages built (the values changed)."""
        self.url_bar.refresh_variables()
        self.params.model.refresh_variables()
        if (headers := self._headers.built_page()) is not None:
            headers.model.refresh_variables()
        if (body := self._body.built_page()) is not None:
            body.refresh_variables()
            body.form.model.refresh_variables()

    def show_check_results(self, asserts: list[AssertResult], captures: list[CaptureResult],
                           secrets: tuple[str, ...] = ()) -> None:
        """A send's asserts and captures, shown in the Tests tab (its title counts them),
        ``secrets`` masked."""
        self.tests.show_results(asserts, captures, secrets)
        self._update_titles()

    def clear_check_results(self) -> None:
        """A new send: the last one's results go (a send that fails before any answer would
        leave them standing as if they were its own)."""
        self.tests.clear_results()
        self._update_titles()

    def set_name(self, name: str) -> None:
        """The request's name (it has no field of its own: the tab and the sidebar show it)."""
        self._name = name

    def load_model(self, model: RequestModel) -> None:
        """Show ``model``, replacing everything; does not emit :attr:`changed`."""
        self._name = model.name
        self.method_box.set_method(model.method)
        self.url_bar.setText(model.url)
        self.url_bar.setCursorPosition(0)
        params = model.params
        enabled = [r for r in params if r.enabled and (r.name or r.value)]
        if enabled != query_of(model.url):  # a model whose params do not mirror its URL
            params = merge_query(params, query_of(model.url))
        self.params.set_rows(params)
        self._loaded = copy.deepcopy(model)
        if (headers := self._headers.built_page()) is not None:
            headers.set_rows(model.headers)
        if (body := self._body.built_page()) is not None:
            body.load_model(model.body)
        if (auth := self._auth.built_page()) is not None:
            auth.load_model(model.auth)
        if (options := self._options.built_page()) is not None:
            options.load_model(model.options)
        if (tests := self._tests.built_page()) is not None:
            tests.set_checks(model.asserts, model.captures)
        self._update_titles()

    # -- internals ------------------------------------------------------------------------

    def _load_pasted(self, model: RequestModel) -> None:
        model.name = self._name
        self.load_model(model)
        self.tabs.setCurrentIndex(BODY if model.body.kind is not BodyKind.NONE else HEADERS
                                  if model.headers else PARAMS)
        self.changed.emit()

    def _on_edit(self) -> None:
        self._update_titles()
        self.changed.emit()

    def _update_titles(self) -> None:
        def counted(title: str, count: int) -> str:
            return f"{title} ({count})" if count else title

        loaded = self._loaded
        headers = self._headers.built_page()
        header_count = (headers.active_count() if headers else
                        sum(1 for row in loaded.headers if row.enabled and row.name.strip()))
        body = self._body.built_page()
        body_set = body.is_set() if body else loaded.body.kind is not BodyKind.NONE
        auth = self._auth.built_page()
        auth_kind = auth.kind() if auth else AuthKind(loaded.auth.kind)
        options = self._options.built_page()
        default_options = (options.is_default() if options
                           else loaded.options == RequestOptions())
        tests = self._tests.built_page()
        self.tabs.setTabText(PARAMS, counted("Params", self.params.active_count()))
        self.tabs.setTabText(HEADERS, counted("Headers", header_count))
        self.tabs.setTabText(BODY, "Body" + (_DOT if body_set else ""))
        self.tabs.setTabText(AUTH, "Auth" + (_DOT if auth_kind is not AuthKind.NONE else ""))
        self.tabs.setTabText(OPTIONS, "Options" + ("" if default_options else _DOT))
        self.tabs.setTabText(TESTS, tests.title() if tests else tests_title(
            len(loaded.asserts) + len(loaded.captures),
            checks_problems(loaded.asserts, loaded.captures)))


def _headers_hint(hidden: set[str]) -> str:
    """What the Headers page says of its rows: a way of sending without a body (gRPC, whose
    metadata they are, WebSocket...) adds no Content-Type of its own."""
    if "body" in hidden:
        return "Headers sent with this request"
    return "Headers sent with this request; the body's Content-Type is added unless set here"
