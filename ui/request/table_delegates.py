"""Item delegates shared by the editor's tables: a line editor that commits as you type (with
optional suggestions), a cell of fixed choices drawn and edited as a combo box, and a painted
button cell (delete, Choose…) that reports clicks."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    Qt,
    Signal,
)
from PySide6.QtGui import QIcon, QMouseEvent, QPainter
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QCompleter,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionButton,
    QStyleOptionComboBox,
    QStyleOptionViewItem,
    QWidget,
)

__all__ = ["ButtonDelegate", "ChoiceDelegate", "LineDelegate"]

Index = QModelIndex | QPersistentModelIndex


class LineDelegate(QStyledItemDelegate):
    """Edits text cells in a frameless line edit that writes to the model on every keystroke,
    so counts and the URL follow the typing. ``suggestions`` maps a column to completions;
    ``value_suggestions`` completes a value column from the row's name (header values)."""

    def __init__(self, parent: QObject | None = None, *,
                 suggestions: Mapping[int, Sequence[str]] | None = None,
                 value_suggestions: tuple[int, int, Mapping[str, Sequence[str]]] | None = None,
                 ) -> None:
        super().__init__(parent)
        self._suggestions = dict(suggestions or {})
        self._value_suggestions = value_suggestions

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,
                     index: Index) -> QWidget:
        editor = QLineEdit(parent)
        editor.setFrame(False)
        font = index.data(Qt.ItemDataRole.FontRole)
        if font is not None:
            editor.setFont(font)
        def commit(_text: str) -> None:
            self.commitData.emit(editor)

        editor.textEdited.connect(commit)
        words = self._completions(index)
        if words:
            completer = QCompleter(list(words), editor)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            editor.setCompleter(completer)
            # Connected after setCompleter, so the editor holds the completion by now.
            completer.activated.connect(commit)
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QLineEdit)
        text = index.data(Qt.ItemDataRole.EditRole) or ""
        if editor.text() != text:  # keep the cursor where it is while the model echoes back
            editor.setText(text)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        assert isinstance(editor, QLineEdit)
        model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)

    def _completions(self, index: Index) -> Sequence[str]:
        if index.column() in self._suggestions:
            return self._suggestions[index.column()]
        if self._value_suggestions is not None:
            name_column, value_column, table = self._value_suggestions
            if index.column() == value_column:
                name = index.sibling(index.row(), name_column).data(Qt.ItemDataRole.EditRole) or ""
                for key, values in table.items():
                    if key.lower() == str(name).strip().lower():
                        return values
        return ()


class ButtonDelegate(QStyledItemDelegate):
    """Paints a small push button (an icon or a text) in cells where ``shown(index)`` holds,
    and emits :attr:`clicked` with the index when it is pressed."""

    clicked = Signal(QModelIndex)

    def __init__(self, parent: QObject | None = None, *, text: str = "",
                 icon: QIcon | None = None, flat: bool = False,
                 shown: Callable[[Index], bool] = lambda _index: True) -> None:
        super().__init__(parent)
        self._text = text
        self._icon = icon
        self._flat = flat
        self._shown = shown

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        super().paint(painter, option, index)
        if not self._shown(index):
            return
        button = QStyleOptionButton()
        button.rect = self._button_rect(option.rect)
        button.text = self._text
        button.state = QStyle.StateFlag.State_Enabled
        if option.state & QStyle.StateFlag.State_MouseOver:
            button.state |= QStyle.StateFlag.State_MouseOver
        if self._icon is not None:
            button.icon = self._icon
            button.iconSize = option.decorationSize
        if self._flat:
            button.features = QStyleOptionButton.ButtonFeature.Flat
            if not option.state & QStyle.StateFlag.State_MouseOver:
                button.state &= ~QStyle.StateFlag.State_Enabled
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        if self._flat:
            style.drawControl(QStyle.ControlElement.CE_PushButtonLabel, button, painter, widget)
        else:
            style.drawControl(QStyle.ControlElement.CE_PushButton, button, painter, widget)

    def editorEvent(self, event: QEvent, model: QAbstractItemModel,
                    option: QStyleOptionViewItem, index: Index) -> bool:
        if not self._shown(index):
            return False
        if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick):
            return True  # the release decides; a press must not start editing
        if event.type() == QEvent.Type.MouseButtonRelease:
            assert isinstance(event, QMouseEvent)
            if event.button() == Qt.MouseButton.LeftButton and \
                    self._button_rect(option.rect).contains(event.position().toPoint()):
                self.clicked.emit(index)
            return True
        return False

    @staticmethod
    def _button_rect(cell: QRect) -> QRect:
        return cell.adjusted(2, 2, -2, -2)


class ChoiceDelegate(QStyledItemDelegate):
    """A cell holding one of ``choices``: drawn as a combo box (the trailing blank row as
    plain text), edited with one that commits as soon as a choice is made."""

    def __init__(self, parent: QObject | None, choices: Sequence[str]) -> None:
        super().__init__(parent)
        self._choices = list(choices)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        model = index.model()
        if model is None or index.row() >= model.rowCount() - 1:
            super().paint(painter, option, index)
            return
        combo = QStyleOptionComboBox()
        combo.rect = option.rect.adjusted(2, 2, -2, -2)
        combo.currentText = str(index.data())
        combo.state = option.state | QStyle.StateFlag.State_Enabled
        combo.frame = False
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, combo, painter, widget)
        style.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, combo, painter, widget)

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,
                     index: Index) -> QWidget:
        editor = QComboBox(parent)
        editor.addItems(self._choices)
        editor.activated.connect(lambda _i: self.commitData.emit(editor))
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        editor.setCurrentText(str(index.data(Qt.ItemDataRole.EditRole)))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)
