"""The request editor: method and URL on top, then Params, Headers, Body, Auth, Options and
Tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QTabWidget, QVBoxLayout, QWidget

from app.model.request import AuthKind, RequestModel, query_of
from ui.request.auth_editor import AuthEditor
from ui.request.body_editor import BodyEditor
from ui.request.header_names import COMMON_HEADER_VALUES, COMMON_HEADERS
from ui.request.key_value_table import KeyValueTable
from ui.request.method_box import MethodBox
from ui.request.options_editor import OptionsEditor
from ui.request.params_sync import ParamsSync, merge_query
from ui.request.tests_editor import TestsEditor
from ui.request.url_bar import UrlBar

if TYPE_CHECKING:
    from app.runner.asserts import AssertResult
    from app.runner.captures import CaptureResult

__all__ = ["RequestEditor"]

_DOT = " ●"
PARAMS, HEADERS, BODY, AUTH, OPTIONS, TESTS = range(6)


class RequestEditor(QWidget):
    """Composes one request. :meth:`to_model` / :meth:`load_model` exchange a
    :class:`~app.model.request.RequestModel`; :attr:`changed` reports every user edit (loading a
    model is not one). A curl command pasted into the URL bar replaces the whole request.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._name = RequestModel().name
        self.method_box = MethodBox()
        self.url_bar = UrlBar()
        self.params = KeyValueTable(hint="Query parameters, kept in step with the URL",
                                    name_placeholder="Parameter")
        self.headers = KeyValueTable(hint="Headers sent with this request; the body's "
                                     "Content-Type is added unless set here",
                                     name_placeholder="Header",
                                     name_suggestions=COMMON_HEADERS,
                                     value_suggestions=COMMON_HEADER_VALUES)
        self.body = BodyEditor()
        self.auth = AuthEditor()
        self.options = OptionsEditor()
        self.tests = TestsEditor()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for page, title, tip in (
            (self.params, "Params", "Query parameters"),
            (self.headers, "Headers", "Request headers"),
            (self.body, "Body", "Request body"),
            (self.auth, "Auth", "Authentication"),
            (self.options, "Options", "Timeout, redirects and TLS"),
            (self.tests, "Tests", "Asserts on the response, and captures into variables"),
        ):
            index = self.tabs.addTab(self._padded(page), title)
            self.tabs.setTabToolTip(index, tip)
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
        for editor in (self.params, self.headers, self.body, self.auth, self.options,
                       self.tests):
            editor.changed.connect(self._on_edit)
        self._update_titles()

    @staticmethod
    def _padded(page: QWidget) -> QWidget:
        holder = QWidget()
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 6, 0, 4)
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
        """The request as it stands in the editor."""
        return RequestModel(
            name=self._name,
            method=self.method_box.method() or "GET",
            url=self.url_bar.text(),
            params=self.params.rows(),
            headers=self.headers.rows(),
            body=self.body.to_model(),
            auth=self.auth.to_model(),
            options=self.options.to_model(),
            asserts=self.tests.asserts.rows(),
            captures=self.tests.captures.rows(),
        )

    def show_check_results(self, asserts: list[AssertResult], captures: list[CaptureResult],
                           secrets: tuple[str, ...] = ()) -> None:
        """A send's asserts and captures, shown in the Tests tab (its title counts them),
        ``secrets`` masked."""
        self.tests.show_results(asserts, captures, secrets)
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
        self.headers.set_rows(model.headers)
        self.body.load_model(model.body)
        self.auth.load_model(model.auth)
        self.options.load_model(model.options)
        self.tests.set_checks(model.asserts, model.captures)
        self._update_titles()

    # -- internals ------------------------------------------------------------------------

    def _load_pasted(self, model: RequestModel) -> None:
        model.name = self._name
        self.load_model(model)
        self.tabs.setCurrentIndex(BODY if self.body.is_set() else HEADERS
                                  if model.headers else PARAMS)
        self.changed.emit()

    def _on_edit(self) -> None:
        self._update_titles()
        self.changed.emit()

    def _update_titles(self) -> None:
        def counted(title: str, count: int) -> str:
            return f"{title} ({count})" if count else title

        self.tabs.setTabText(PARAMS, counted("Params", self.params.active_count()))
        self.tabs.setTabText(HEADERS, counted("Headers", self.headers.active_count()))
        self.tabs.setTabText(BODY, "Body" + (_DOT if self.body.is_set() else ""))
        self.tabs.setTabText(AUTH, "Auth" + (_DOT if self.auth.kind() is not AuthKind.NONE
                                             else ""))
        self.tabs.setTabText(OPTIONS, "Options" + ("" if self.options.is_default() else _DOT))
        self.tabs.setTabText(TESTS, self.tests.title())
