"""The body page of a GraphQL request: the query editor (completion, problems underlined), the
variables as JSON (checked against the chosen operation), the operation picker, Prettify, the
problems listed, and the schema explorer beside them (collapsible).

The document is analysed in another process (:class:`app.graphql.AnalysisWorker`, one for
every page: graphql-core's validator, pure Python, would hold the UI thread's GIL) once typing
pauses; each edit bumps a version, and an analysis of an older version is dropped."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui.request.body.code_editor import CodeEditor
from ui.request.graphql.query_editor import QueryEditor
from ui.request.graphql.schema_explorer import SchemaExplorer
from ui.request.graphql.schema_rows import FieldRow, insertion_for
from ui.request.tones import ERROR, OK, css

if TYPE_CHECKING:
    from graphql import GraphQLSchema

    from app.graphql import Analysis, AnalysisWorker
    from ui.request.variables import VariableLookup
    from ui.tasks import TaskRunner

__all__ = ["ANALYSIS_DELAY_MS", "GraphQLBodyPage", "prettified"]

#: The pause in typing after which the document is analysed again.
ANALYSIS_DELAY_MS = 250
_LINE = Qt.ItemDataRole.UserRole + 1
_HOLE = re.compile(r'"__spyglass_variable_(\d+)__"')


def prettified(query: str) -> str:
    """``query`` printed by graphql-core (``print_ast``), its ``{{variables}}`` kept; a
    query that does not parse raises ``ValueError`` with the parser's message."""
    from graphql import GraphQLError, parse, print_ast

    from app.model.templating import VARIABLE

    holes: list[str] = []

    def hole(match: re.Match[str]) -> str:
        holes.append(match.group())
        return f'"__spyglass_variable_{len(holes) - 1}__"'

    try:
        document = parse(VARIABLE.sub(hole, query))
    except GraphQLError as exc:
        raise ValueError(exc.message) from exc
    printed = print_ast(document)
    return _HOLE.sub(lambda m: holes[int(m.group(1))], printed) + "\n"


class GraphQLBodyPage(QWidget):
    """Edits a GraphQL body: query, variables and the operation to run."""

    changed = Signal()
    #: An analysis was shown (the tests wait for it).
    analysed = Signal()
    #: The analysis process every page shares, started with the first analysis (its
    #: ``max_document_chars`` and ``timeout_s`` are the settings).
    shared_worker: AnalysisWorker | None = None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = QueryEditor()
        self.variables = CodeEditor("json")
        self.variables.setPlaceholderText('Variables (JSON): {\n  "id": 1\n}')
        self._operation_label = QLabel("Operation")
        self.operation_box = QComboBox()
        self.operation_box.setToolTip("The operation to run (the document holds several)")
        self.operation_box.setMinimumContentsLength(16)
        self.operation_box.activated.connect(self._on_operation_picked)
        self.prettify_button = QPushButton("Prettify")
        self.prettify_button.setToolTip("Re-print the query in the standard layout "
                                        "(Ctrl+Shift+B)")
        self.prettify_button.clicked.connect(self.prettify)
        shortcut = QShortcut(QKeySequence("Ctrl+Shift+B"), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.prettify)
        self.explorer_button = QToolButton()
        self.explorer_button.setText("Schema")
        self.explorer_button.setCheckable(True)
        self.explorer_button.setChecked(True)
        self.explorer_button.setToolTip("Show or hide the schema explorer")
        self.explorer_button.toggled.connect(self._show_explorer)
        self.status = QLabel()
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.variables_status = QLabel()
        self.variables_status.setWordWrap(True)
        self.variables_status.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems_list = QListWidget()
        self.problems_list.setMaximumHeight(90)
        self.problems_list.itemActivated.connect(self._go_to_problem)
        self.problems_list.itemClicked.connect(self._go_to_problem)
        self.problems_list.hide()
        self.explorer = SchemaExplorer()
        self.explorer.insert_requested.connect(self.insert_field)

        self._operation = ""
        self._operations: list[tuple[str, str]] = []
        self._version = 0
        self._shown_version = -1
        self._silent = False
        self._runner: TaskRunner | None = None
        self._key = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(ANALYSIS_DELAY_MS)
        self._timer.timeout.connect(self.analyse)
        self.editor.textChanged.connect(self._on_edit)
        self.variables.textChanged.connect(self._on_edit)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self._operation_label)
        top.addWidget(self.operation_box)
        top.addWidget(self.status, 1)
        top.addWidget(self.prettify_button)
        top.addWidget(self.explorer_button)
        variables = QWidget()
        variables_layout = QVBoxLayout(variables)
        variables_layout.setContentsMargins(0, 0, 0, 0)
        variables_layout.setSpacing(2)
        variables_layout.addWidget(QLabel("Variables"))
        variables_layout.addWidget(self.variables, 1)
        variables_layout.addWidget(self.variables_status)
        editors = QSplitter(Qt.Orientation.Vertical)
        editors.addWidget(self.editor)
        editors.addWidget(variables)
        editors.setStretchFactor(0, 3)
        editors.setStretchFactor(1, 1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(4)
        left_layout.addLayout(top)
        left_layout.addWidget(editors, 1)
        left_layout.addWidget(self.problems_list)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.explorer)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setCollapsible(0, False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self.setFocusProxy(self.editor)
        self._refresh_operations()
        self._show_status()

    # -- the model -------------------------------------------------------------------------

    def text(self) -> str:
        return self.editor.toPlainText()

    def variables_text(self) -> str:
        return self.variables.toPlainText()

    def operation(self) -> str:
        """The operation picked (empty: the only one, or the first)."""
        return self._operation

    def load(self, query: str, variables: str, operation: str) -> None:
        """Show a body without emitting :attr:`changed`."""
        self._silent = True
        try:
            self.editor.setPlainText(query)
            self.variables.setPlainText(variables)
            self._operation = operation
        finally:
            self._silent = False
        self._refresh_operations()
        self.schedule()

    def set_variable_lookup(self, lookup: VariableLookup | None) -> None:
        self.editor.set_variable_lookup(lookup)
        self.variables.set_variable_lookup(lookup)

    def refresh_variables(self) -> None:
        self.editor.refresh_variables()
        self.variables.refresh_variables()

    # -- the schema and the analysis -------------------------------------------------------

    def attach(self, runner: TaskRunner, key: str) -> None:
        """Analyse documents under ``key`` of ``runner`` (the tab's); until then nothing is
        analysed."""
        self._runner = runner
        self._key = f"{key} / graphql analysis"
        self.schedule()

    def set_schema(self, schema: GraphQLSchema | None, note: str = "") -> None:
        """Complete, check and explore against ``schema``."""
        self.editor.set_schema(schema)
        self.explorer.set_schema(schema, note)
        self.analyse()

    def schema(self) -> GraphQLSchema | None:
        return self.editor.schema()

    def schedule(self) -> None:
        """Analyse once typing pauses."""
        self._timer.start()

    def analyse(self) -> None:
        """Analyse the document now (off the UI thread); the result shows when it comes."""
        self._timer.stop()
        if self._runner is None:
            return
        self._runner.start(self._key, self.worker().analyse(
            self._version, self.editor.schema(), self.text(), self._operation,
            self.variables_text(), channel=self._key), on_result=self._show_analysis,
            on_error=self._on_failed)

    @classmethod
    def worker(cls) -> AnalysisWorker:
        """The :attr:`shared_worker`, made on first use (its process starts with the first
        document it is given)."""
        if cls.shared_worker is None:
            from app.graphql import AnalysisWorker

            cls.shared_worker = AnalysisWorker()
        return cls.shared_worker

    def pending(self) -> bool:
        """Whether the shown analysis is older than the text."""
        return self._shown_version != self._version or self._timer.isActive()

    def _on_edit(self) -> None:
        self._version += 1
        self.schedule()
        if not self._silent:
            self.changed.emit()

    def _show_analysis(self, analysis: Analysis | None) -> None:
        if analysis is None or analysis.version != self._version:
            return  # typed since: the next analysis is on its way
        self._shown_version = analysis.version
        self.editor.set_problems(analysis.problems)
        self.problems_list.clear()
        for p in analysis.problems:
            item = QListWidgetItem(f"{p.line}:{p.column}  {p.message}")
            item.setData(_LINE, (p.line, p.column))
            item.setForeground(ERROR)
            self.problems_list.addItem(item)
        self.problems_list.setVisible(bool(analysis.problems))
        if analysis.operations:
            self._operations = analysis.operations
            self._refresh_operations()
        self._show_status(len(analysis.problems), analysis.skipped)
        self._show_variable_problems(analysis)
        self.analysed.emit()

    def _on_failed(self, exc: BaseException) -> None:
        self.status.setText(f"Could not check the query: {exc}")
        self.status.setStyleSheet(css(ERROR))

    def _show_status(self, problems: int = 0, skipped: str = "") -> None:
        if not self.text().strip():
            text, tone = "", None
        elif skipped:
            text, tone = skipped, None
        elif problems:
            text, tone = (f"{problems} problem{'s' if problems > 1 else ''}", ERROR)
        elif self.editor.schema() is None:
            text, tone = "No schema: only the syntax is checked", None
        else:
            text, tone = "✓ Valid against the schema", OK
        self.status.setText(text)
        self.status.setStyleSheet(css(tone) if tone is not None else "")

    def _show_variable_problems(self, analysis: Analysis) -> None:
        found = analysis.variable_problems
        self.variables_status.setText("\n".join(p.message for p in found))
        self.variables_status.setStyleSheet(css(ERROR) if found else "")
        self.variables_status.setVisible(bool(found))
        at = next((p for p in found if p.line), None)
        if at is None:
            self.variables.set_error_at(None)
        else:
            block = self.variables.document().findBlockByNumber(at.line - 1)
            self.variables.set_error_at(block.position() + at.column - 1)

    def _go_to_problem(self, item: QListWidgetItem) -> None:
        line, column = item.data(_LINE)
        block = self.editor.document().findBlockByNumber(line - 1)
        cursor = self.editor.textCursor()
        cursor.setPosition(block.position() + min(column - 1, max(block.length() - 1, 0)))
        self.editor.setTextCursor(cursor)
        self.editor.setFocus()

    # -- operations ------------------------------------------------------------------------

    def operations(self) -> list[tuple[str, str]]:
        """``(name, kind)`` of the document's operations, as last analysed."""
        return list(self._operations)

    def _refresh_operations(self) -> None:
        box = self.operation_box
        box.clear()
        names = [name for name, _kind in self._operations]
        for name, kind in self._operations:
            box.addItem(f"{name}  ({kind})" if name else f"(anonymous {kind})", name)
        if self._operation and self._operation not in names:
            box.addItem(f"{self._operation}  (not in the query)", self._operation)
        box.setCurrentIndex(max(box.findData(self._operation), 0))
        box.setVisible(box.count() > 1)
        self._operation_label.setVisible(box.count() > 1)

    def set_operation(self, name: str) -> None:
        """Run the operation ``name`` (an edit)."""
        if name != self._operation:
            self._operation = name
            self._refresh_operations()
            self.schedule()
            self.changed.emit()

    def _on_operation_picked(self, index: int) -> None:
        name = self.operation_box.itemData(index)
        self.set_operation(name if isinstance(name, str) else "")

    # -- editing ---------------------------------------------------------------------------

    def prettify(self) -> None:
        """Re-print the query with graphql-core (one undo step); a query that does not
        parse stays as typed and the status says why."""
        try:
            pretty = prettified(self.text())
        except ValueError as exc:
            self.status.setText(f"Cannot prettify: {exc}")
            self.status.setStyleSheet(css(ERROR))
            return
        if pretty != self.text():
            cursor = self.editor.textCursor()
            cursor.select(QTextCursor.SelectionType.Document)
            cursor.insertText(pretty)
            self.editor.setTextCursor(cursor)

    def insert_field(self, row: FieldRow) -> None:
        """Insert ``row`` at the editor's cursor (with ``{ }`` for an object type, the
        cursor then inside them)."""
        cursor = self.editor.textCursor()
        line = cursor.block().text()
        indent = line[:len(line) - len(line.lstrip())]
        text = insertion_for(row, indent)
        cursor.insertText(text)
        if row.composite:
            # Inside the braces, on the blank line made for the selection.
            cursor.setPosition(cursor.position() - len(indent) - 2)
        self.editor.setTextCursor(cursor)
        self.editor.setFocus()

    def _show_explorer(self, on: bool) -> None:
        self.explorer.setVisible(on)
