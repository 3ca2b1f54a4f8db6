"""The body tab: a kind selector over one page per kind of body."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.model.request import BodyKind, BodyModel
from ui.request.body.binary_page import BinaryPage
from ui.request.body.multipart_page import MultipartPage
from ui.request.body.raw_page import RawBodyPage
from ui.request.key_value_table import KeyValueTable

if TYPE_CHECKING:
    from ui.request.graphql.graphql_page import GraphQLBodyPage

__all__ = ["BodyEditor"]

_KINDS = (
    (BodyKind.NONE, "None", "Send no body"),
    (BodyKind.JSON, "JSON", "JSON text, sent as application/json"),
    (BodyKind.TEXT, "Text", "Plain text, sent as text/plain"),
    (BodyKind.XML, "XML", "XML text, sent as application/xml"),
    (BodyKind.FORM, "Form URL-encoded", "Name/value pairs, sent as "
     "application/x-www-form-urlencoded"),
    (BodyKind.MULTIPART, "Multipart form", "Text and file parts, sent as multipart/form-data"),
    (BodyKind.BINARY, "Binary file", "One file's bytes as the whole body"),
    (BodyKind.GRAPHQL, "GraphQL", "A GraphQL query with variables, sent as the standard JSON "
     "body (a subscription opens in the event-stream pane)"),
)
_RAW = (BodyKind.JSON, BodyKind.TEXT, BodyKind.XML)


class BodyEditor(QWidget):
    """Picks the body's kind and edits it. Every page keeps its content while another kind is
    shown, so switching kinds loses nothing; :meth:`to_model` returns all of it.

    :attr:`changed` reports user edits; :meth:`load_model` is silent.
    """

    changed = Signal()
    #: The GraphQL page was built (it is, the first time it is needed): the tab attaches its
    #: schema service to it.
    graphql_page_built = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.raw = RawBodyPage()
        self.form = KeyValueTable(hint="Sent as application/x-www-form-urlencoded",
                                  name_placeholder="Field", value_placeholder="Value")
        self.multipart = MultipartPage()
        self.binary = BinaryPage()
        none = QLabel("This request has no body.")
        none.setAlignment(Qt.AlignmentFlag.AlignCenter)
        none.setEnabled(False)
        self._pages = QStackedWidget()
        self._page_of = {BodyKind.NONE: none, BodyKind.FORM: self.form,
                         BodyKind.MULTIPART: self.multipart, BodyKind.BINARY: self.binary,
                         **dict.fromkeys(_RAW, self.raw)}
        for page in (none, self.raw, self.form, self.multipart, self.binary):
            self._pages.addWidget(page)

        self._group = QButtonGroup(self)
        self._buttons: dict[BodyKind, QRadioButton] = {}
        selector = QHBoxLayout()
        selector.setContentsMargins(0, 0, 0, 0)
        selector.setSpacing(14)
        for kind, label, tip in _KINDS:
            button = QRadioButton(label)
            button.setToolTip(tip)
            self._group.addButton(button)
            self._buttons[kind] = button
            selector.addWidget(button)
            button.toggled.connect(lambda on, k=kind: self._on_kind_toggled(k, on))
        selector.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        # Eight kinds make a wide row: it may be cut at the right edge of a narrow window
        # rather than widen the window's minimum (the last kinds stay reachable by Tab).
        row = QWidget()
        row.setLayout(selector)
        selector.setSizeConstraint(QHBoxLayout.SizeConstraint.SetNoConstraint)
        row.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        layout.addWidget(row)
        layout.addWidget(self._pages, 1)
        self._kind = BodyKind.NONE
        self._silent = False
        self._graphql: GraphQLBodyPage | None = None
        #: What a GraphQL body holds while its page is not built: (query, variables, operation).
        self._graphql_kept = ("", "", "")
        self._lookup: Any = None
        self._buttons[BodyKind.NONE].setChecked(True)
        for page in (self.raw, self.form, self.multipart, self.binary):
            page.changed.connect(self._on_page_changed)

    def set_variable_lookup(self, lookup: Any) -> None:
        self._lookup = lookup
        self.raw.editor.set_variable_lookup(lookup)
        if self._graphql is not None:
            self._graphql.set_variable_lookup(lookup)

    def refresh_variables(self) -> None:
        self.raw.editor.refresh_variables()
        if self._graphql is not None:
            self._graphql.refresh_variables()

    @property
    def graphql(self) -> GraphQLBodyPage:
        """The GraphQL page, built on first use (an idle tab loads no GraphQL)."""
        if self._graphql is None:
            from ui.request.graphql.graphql_page import GraphQLBodyPage

            page = self._graphql = GraphQLBodyPage()
            self._pages.addWidget(page)
            self._page_of[BodyKind.GRAPHQL] = page
            page.load(*self._graphql_kept)
            if self._lookup is not None:
                page.set_variable_lookup(self._lookup)
            page.changed.connect(self._on_page_changed)
            self.graphql_page_built.emit(page)
        return self._graphql

    def graphql_built(self) -> bool:
        """Whether the GraphQL page exists yet."""
        return self._graphql is not None

    def kind(self) -> BodyKind:
        """The kind picked in the selector."""
        return self._kind

    def kind_button(self, kind: BodyKind) -> QRadioButton:
        """The selector's button for ``kind``."""
        return self._buttons[kind]

    def set_kind(self, kind: BodyKind) -> None:
        """Show the page of ``kind`` (as if its button were clicked, so this is an edit)."""
        self._buttons[kind].setChecked(True)

    def is_set(self) -> bool:
        """Whether a body will be sent."""
        return self._kind is not BodyKind.NONE

    def to_model(self) -> BodyModel:
        """The body as edited: the picked kind, and every page's content."""
        query, variables, operation = self._graphql_kept
        if self._graphql is not None:
            page = self._graphql
            query, variables, operation = page.text(), page.variables_text(), page.operation()
        text = query if self._kind is BodyKind.GRAPHQL else self.raw.text()
        return BodyModel(kind=self._kind, text=text, graphql_variables=variables,
                         graphql_operation=operation, form=self.form.rows(),
                         multipart=self.multipart.fields(), file_path=self.binary.path(),
                         file_imported=self.binary.imported())

    def clear_import_marks(self) -> None:
        """The files imports named may be sent (an edit, when one was marked)."""
        self.multipart.clear_import_marks()
        self.binary.clear_import_mark()

    def load_model(self, model: BodyModel) -> None:
        """Show ``model`` without emitting :attr:`changed`."""
        self._silent = True
        try:
            graphql = model.kind is BodyKind.GRAPHQL
            self.raw.set_text("" if graphql else model.text)
            self._graphql_kept = (model.text if graphql else "", model.graphql_variables,
                                  model.graphql_operation)
            if graphql or self._graphql is not None:
                self.graphql.load(*self._graphql_kept)
            self.form.set_rows(model.form)
            self.multipart.set_fields(model.multipart)
            self.binary.set_path(model.file_path, imported=model.file_imported)
            self._buttons[model.kind].setChecked(True)
            self._show(model.kind)
        finally:
            self._silent = False

    def _show(self, kind: BodyKind) -> None:
        self._kind = kind
        if kind is BodyKind.GRAPHQL:
            _ = self.graphql  # built on first use
        if kind in _RAW:
            self.raw.set_kind(kind)
        self._pages.setCurrentWidget(self._page_of[kind])

    def _on_kind_toggled(self, kind: BodyKind, on: bool) -> None:
        if not on or kind is self._kind:
            return
        self._show(kind)
        self._on_page_changed()

    def _on_page_changed(self) -> None:
        if not self._silent:
            self.changed.emit()
