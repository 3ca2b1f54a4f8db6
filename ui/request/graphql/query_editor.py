"""The GraphQL query editor: Pygments' GraphQL colours, completion as you type from the schema
(``app.graphql.complete``), and the document's problems underlined with their message on
hover. It runs no validation itself: the page hands it the problems (found off the UI
thread)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import (
    QFont,
    QKeyEvent,
    QStandardItem,
    QStandardItemModel,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import QCompleter, QTextEdit, QToolTip, QWidget

from app.graphql.masking import masked
from ui.request.body.code_editor import CodeEditor
from ui.request.tones import ERROR, WARNING

if TYPE_CHECKING:
    from graphql import GraphQLSchema

    from app.graphql import Problem, Suggestion

__all__ = ["LABEL_ROLE", "QueryEditor"]

#: Where a completion row keeps the text it inserts (its display text adds the type).
LABEL_ROLE = Qt.ItemDataRole.UserRole + 1
#: A typed character after which completion opens by itself (besides letters and digits).
_TRIGGERS = frozenset("_$@")
_CLOSERS = frozenset({Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape, Qt.Key.Key_Tab,
                      Qt.Key.Key_Backtab})
_KIND_MARKS = {"field": "ƒ", "argument": "α", "type": "T", "enum": "E", "variable": "$",
               "fragment": "…", "directive": "@"}


class QueryEditor(CodeEditor):
    """Edits a GraphQL document against a schema (none: plain editing, no completion)."""

    #: A suggestion was inserted (its label).
    suggestion_inserted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("graphql", parent)
        self.setPlaceholderText("query {\n  field\n}\n\nCtrl+Space suggests what fits here.")
        self._schema: GraphQLSchema | None = None
        self._problems: list[tuple[int, int, str]] = []  # (start, end, message) offsets
        self._suggestions: list[Suggestion] = []
        self._model = QStandardItemModel(self)
        self._completer = QCompleter(self)
        self._completer.setWidget(self)
        self._completer.setModel(self._model)
        self._completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self._completer.setMaxVisibleItems(12)
        self._completer.activated[QModelIndex].connect(self._on_activated)

    # -- the schema and the problems -------------------------------------------------------

    def schema(self) -> GraphQLSchema | None:
        return self._schema

    def set_schema(self, schema: GraphQLSchema | None) -> None:
        """Complete against ``schema`` from now on (None: no completion)."""
        self._schema = schema
        if schema is None:
            self.close_suggestions()

    def set_problems(self, problems: Sequence[Problem]) -> None:
        """Underline ``problems`` (wavy, in the error colour) with their message on hover."""
        document = self.document()
        spans = []
        for p in problems:
            start = self._offset(p.line, p.column)
            end = max(self._offset(p.end_line, p.end_column), start + 1)
            spans.append((start, min(end, max(document.characterCount() - 1, start + 1)),
                          p.message))
        self._problems = spans
        self.refresh_selections()

    def problem_spans(self) -> list[tuple[int, int, str]]:
        """The underlined ``(start, end, message)`` offsets."""
        return list(self._problems)

    def problem_at(self, offset: int) -> str | None:
        """The message of the problem underlined at ``offset``, if any."""
        messages = [m for start, end, m in self._problems if start <= offset < end]
        return "\n".join(messages) if messages else None

    def _offset(self, line: int, column: int) -> int:
        block = self.document().findBlockByNumber(max(line - 1, 0))
        if not block.isValid():
            return max(self.document().characterCount() - 1, 0)
        return block.position() + min(max(column - 1, 0), block.length() - 1)

    def more_selections(self) -> list[QTextEdit.ExtraSelection]:
        out = []
        for start, end, _message in getattr(self, "_problems", ()):
            selection = QTextEdit.ExtraSelection()
            squiggle = QTextCharFormat()
            squiggle.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            squiggle.setUnderlineColor(ERROR)
            selection.format = squiggle
            cursor = QTextCursor(self.document())
            cursor.setPosition(start)
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            selection.cursor = cursor
            out.append(selection)
        return out

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and self._problems:
            cursor = self.cursorForPosition(event.pos())  # type: ignore[attr-defined]
            message = self.problem_at(cursor.position())
            if message is None and cursor.position() > 0:
                message = self.problem_at(cursor.position() - 1)
            if message is not None:
                QToolTip.showText(event.globalPos(),  # type: ignore[attr-defined]
                                  html.escape(message).replace("\n", "<br>"), self)
                return True
        return super().viewportEvent(event)

    # -- completion ------------------------------------------------------------------------

    def suggestions(self) -> list[Suggestion]:
        """What the completion popup offers now (empty when it is closed)."""
        return list(self._suggestions) if self.suggestions_open() else []

    def suggestions_open(self) -> bool:
        return self._completer.popup().isVisible()

    def completion_popup(self) -> QWidget:
        """The popup listing the suggestions (Up/Down, Tab or Enter inserts, Esc closes)."""
        return self._completer.popup()

    def close_suggestions(self) -> None:
        self._completer.popup().hide()
        self._suggestions = []

    def suggest(self) -> list[Suggestion]:
        """Open the popup with what fits at the cursor (closed when nothing does)."""
        from app.graphql import complete

        if self._schema is None:
            self.close_suggestions()
            return []
        cursor = self.textCursor()
        text, _spans = masked(self.toPlainText())
        found = complete(self._schema, text, cursor.blockNumber() + 1,
                         cursor.positionInBlock() + 1)
        typed = self._word_before()[1]
        if not found or (len(found) == 1 and found[0].label == typed):
            self.close_suggestions()
            return []
        self._suggestions = found
        self._fill(found)
        popup = self._completer.popup()
        popup.setCurrentIndex(self._model.index(0, 0))
        rect = self.cursorRect()
        rect.setWidth(max(320, min(popup.sizeHintForColumn(0) + 24, 640)))
        self._completer.complete(rect)
        return found

    def _fill(self, found: Sequence[Suggestion]) -> None:
        self._model.clear()
        for s in found:
            mark = _KIND_MARKS.get(s.kind, "·")
            shown = f"{mark}  {s.label}"
            if s.detail:
                shown += f"    {s.detail}"
            if s.deprecated:
                shown += "    (deprecated)"
            item = QStandardItem(shown)
            item.setData(s.label, LABEL_ROLE)
            tip = f"<b>{html.escape(s.label)}</b> <i>{s.kind}</i>"
            if s.detail:
                tip += f": <code>{html.escape(s.detail)}</code>"
            if s.documentation:
                tip += f"<br>{html.escape(s.documentation)}"
            if s.deprecated:
                tip += "<br><i>Deprecated.</i>"
                font = QFont(self.font())
                font.setStrikeOut(True)
                item.setFont(font)
                item.setForeground(WARNING)
            item.setToolTip(tip)
            item.setEditable(False)
            self._model.appendRow(item)

    def insert_suggestion(self, label: str) -> None:
        """Replace the word before the cursor by ``label`` (one undo step)."""
        typed = self._word_before()[1]
        cursor = self.textCursor()
        cursor.beginEditBlock()
        cursor.setPosition(cursor.position() - len(typed), QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(label)
        cursor.endEditBlock()
        self.setTextCursor(cursor)
        self.close_suggestions()
        self.suggestion_inserted.emit(label)

    def _word_before(self) -> tuple[int, str]:
        from app.graphql import word_before

        cursor = self.textCursor()
        line = cursor.block().text()
        column, word = word_before(line, 1, cursor.positionInBlock() + 1)
        return column, word

    def _on_activated(self, index: QModelIndex) -> None:
        label = index.data(LABEL_ROLE)
        if isinstance(label, str):
            self.insert_suggestion(label)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        control = event.modifiers() & Qt.KeyboardModifier.ControlModifier
        if control and key == Qt.Key.Key_Space:
            self.suggest()
            return
        if self.suggestions_open() and key in _CLOSERS:
            event.ignore()  # the completer's popup takes these (insert, or close)
            return
        typed = event.text()
        super().keyPressEvent(event)
        if self._schema is None or control:
            return
        if typed and (typed[-1].isalnum() or typed[-1] in _TRIGGERS):
            self.suggest()
        elif self.suggestions_open():
            if key == Qt.Key.Key_Backspace and self._word_before()[1]:
                self.suggest()
            elif key not in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Shift):
                self.close_suggestions()
