"""Environments: the switcher at the top of the sidebar, and the dialog that edits them.

Every workspace call of the dialog runs on a worker thread (``asyncio.to_thread``) through the
window's :class:`~ui.tasks.TaskRunner`: secret values live in the system keyring, and a
keyring call may block on D-Bus or wait for the user to unlock it.

A failure (a file that cannot be parsed, no keyring, a full disk) is shown in a banner at the
top of the dialog. Nothing typed is lost, no file is overwritten, and a secret value is never
written to a file in its place: the save fails as a whole.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QFontDatabase, QGuiApplication, QKeyEvent, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStyleOptionViewItem,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from ui.request.key_value_table import configure_row_table
from ui.request.secret_field import SecretField, _eye_icon
from ui.request.table_delegates import LineDelegate
from ui.request.tones import ERROR, banner_css, css
from ui.workspace_controller import user_message

if TYPE_CHECKING:
    from pathlib import Path

    from app.storage.workspace import Workspace
    from ui.tasks import TaskRunner

__all__ = [
    "MASK",
    "EnvironmentBar",
    "EnvironmentEditor",
    "Variable",
    "VariablesModel",
    "environment_name_problem",
    "variables_table",
]

log = logging.getLogger(__name__)

#: What a hidden secret value is drawn as (always this long, so its length does not show).
MASK = "•" * 8
#: Characters no environment name may hold: it is a file name on every platform.
_BAD_NAME_CHARS = '/\\:*?"<>|\0'

Index = QModelIndex | QPersistentModelIndex
Role = Qt.ItemDataRole


# --- the switcher ----------------------------------------------------------------------------


class EnvironmentBar(QWidget):
    """A compact row for the top of the sidebar: the environment to send with, and Manage…."""

    #: The user picked an environment: its name, or None for "No environment".
    environment_changed = Signal(object)
    #: The user asked to add, edit or delete environments.
    manage_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.setToolTip("The environment whose {{variables}} requests are sent with")
        self.combo.setAccessibleName("Environment")
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(10)
        self.combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.manage_button = QToolButton()
        self.manage_button.setText("Manage…")
        self.manage_button.setToolTip("Add, edit, rename and delete environments")
        self.manage_button.setAutoRaise(True)
        self.manage_button.clicked.connect(self.manage_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.combo, 1)
        layout.addWidget(self.manage_button)
        self._silent = False
        self.set_environments([], None)
        self.combo.currentIndexChanged.connect(self._on_index_changed)

    def set_environments(self, names: list[str], current: str | None) -> None:
        """Offer ``names`` and show ``current`` (None, or a name not offered: "No
        environment"), without emitting :attr:`environment_changed`."""
        self._silent = True
        try:
            self.combo.clear()
            self.combo.addItem("No environment", None)
            for name in names:
                self.combo.addItem(name, name)
            index = self.combo.findData(current) if current is not None else 0
            self.combo.setCurrentIndex(max(index, 0))
        finally:
            self._silent = False

    def current(self) -> str | None:
        """The environment shown, or None."""
        data = self.combo.currentData()
        return data if isinstance(data, str) else None

    def _on_index_changed(self, _index: int) -> None:
        if not self._silent:
            self.environment_changed.emit(self.current())


# --- names and messages ----------------------------------------------------------------------


def environment_name_problem(name: str, existing: list[str], *,
                             allowed: str | None = None) -> str:
    """Why ``name`` cannot name an environment ("" when it can). ``existing`` are the names
    in use (compared ignoring case, as some file systems do); ``allowed`` is one of them that
    may be reused (the one being renamed)."""
    if not name.strip():
        return "Enter a name."
    if name != name.strip():
        return "A name cannot start or end with a space."
    if name.startswith("."):
        return "A name cannot start with a dot."
    bad = sorted({c for c in name if c in _BAD_NAME_CHARS}, key=_BAD_NAME_CHARS.index)
    if bad:
        shown = " ".join("NUL" if c == "\0" else c for c in bad)
        return f"A name cannot contain {shown}"
    folded = name.casefold()
    for other in existing:
        if other.casefold() == folded and other != allowed:
            return f"“{other}” already exists."
    return ""


# --- the variables table ---------------------------------------------------------------------

NAME, VALUE, SECRET, DELETE = range(4)


@dataclass
class Variable:
    """One row of the table; ``revealed`` shows a secret value in clear (not stored)."""

    name: str = ""
    value: str = ""
    secret: bool = False
    revealed: bool = False

    def key(self) -> tuple[str, str, bool]:
        return (self.name, self.value, self.secret)


class VariablesModel(QAbstractTableModel):
    """Name, value, secret and a delete button per variable, and a blank row to type into.

    Secret values read as :data:`MASK` (``DisplayRole``) unless the row is revealed or
    :meth:`set_show_secrets` is on; ``EditRole`` always gives the value, for the editor.
    :attr:`changed` reports user edits; :meth:`set_variables` is silent.
    """

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Variable] = []
        self._show_secrets = False
        self._problems: dict[int, str] | None = None
        self._fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)

    # rows

    @property
    def delete_column(self) -> int:
        return DELETE

    def set_variables(self, variables: Mapping[str, Mapping[str, Any]]) -> None:
        """Show ``{NAME: {"value": str, "secret": bool}}`` (as the workspace reads it)."""
        self.beginResetModel()
        self._rows = [Variable(str(name), str(spec.get("value", "")),
                               bool(spec.get("secret", False)))
                      for name, spec in variables.items()]
        self._problems = None
        self.endResetModel()

    def set_rows(self, rows: list[Variable]) -> None:
        self.beginResetModel()
        self._rows = [Variable(r.name, r.value, r.secret, r.revealed) for r in rows]
        self._problems = None
        self.endResetModel()

    def rows(self) -> list[Variable]:
        return [Variable(r.name, r.value, r.secret, r.revealed) for r in self._rows]

    def row_at(self, index: int) -> Variable | None:
        return self._rows[index] if 0 <= index < len(self._rows) else None

    def snapshot(self) -> list[tuple[str, str, bool]]:
        """What would be saved, for comparing with what was loaded (blank rows left out)."""
        return [r.key() for r in self._rows if r.name.strip() or r.value]

    def variables(self) -> dict[str, dict[str, Any]]:
        """``{NAME: {"value": str, "secret": bool}}`` in row order, as the workspace saves it."""
        return {r.name.strip(): {"value": r.value, "secret": r.secret}
                for r in self._rows if r.name.strip() or r.value}

    def append(self, name: str = "", value: str = "", secret: bool = False) -> int:
        position = len(self._rows)
        self.beginInsertRows(QModelIndex(), position, position)
        self._rows.append(Variable(name, value, secret))
        self.endInsertRows()
        self._edited()
        return position

    def remove_row(self, index: int) -> None:
        if not 0 <= index < len(self._rows):
            return
        self.beginRemoveRows(QModelIndex(), index, index)
        del self._rows[index]
        self.endRemoveRows()
        self._edited()

    def set_secret(self, index: int, secret: bool) -> None:
        row = self.row_at(index)
        if row is None or row.secret == secret:
            return
        row.secret = secret
        self._row_changed(index)
        self._edited()

    def set_revealed(self, index: int, revealed: bool) -> None:
        """Show one secret value in clear (or hide it again); not an edit."""
        row = self.row_at(index)
        if row is None or row.revealed == revealed:
            return
        row.revealed = revealed
        self._row_changed(index)

    def show_secrets(self) -> bool:
        return self._show_secrets

    def set_show_secrets(self, shown: bool) -> None:
        """Show every secret value in clear (True) or masked (False, the rows revealed one
        by one stay revealed)."""
        if shown == self._show_secrets:
            return
        self._show_secrets = shown
        if self._rows:
            self.dataChanged.emit(self.index(0, VALUE), self.index(len(self._rows) - 1, VALUE))

    def is_masked(self, index: int) -> bool:
        """Whether the value of row ``index`` is drawn as bullets."""
        row = self.row_at(index)
        return row is not None and row.secret and not (row.revealed or self._show_secrets)

    def problems(self) -> dict[int, str]:
        """Why a row cannot be saved, by row: no name, a name ``{{ }}`` cannot hold, twice."""
        if self._problems is None:
            problems: dict[int, str] = {}
            seen: dict[str, int] = {}
            for i, row in enumerate(self._rows):
                name = row.name.strip()
                if not name:
                    if row.value:
                        problems[i] = "This variable has a value but no name."
                    continue
                if any(c.isspace() or c in "{}" for c in name):
                    problems[i] = f"“{name}”: a name cannot contain spaces or braces."
                elif name in seen:
                    problems[i] = f"“{name}” is defined twice."
                    problems.setdefault(seen[name], problems[i])
                else:
                    seen[name] = i
            self._problems = problems
        return self._problems

    def _edited(self) -> None:
        old = self._problems
        self._problems = None
        if old and self._rows:  # rows that were flagged may be fine now: redraw the names
            self.dataChanged.emit(self.index(0, NAME), self.index(len(self._rows) - 1, NAME))
        self.changed.emit()

    def _row_changed(self, index: int) -> None:
        self.dataChanged.emit(self.index(index, 0), self.index(index, DELETE))

    # Qt model

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows) + 1

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 4

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Role.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Role.DisplayRole:
            return ("Name", "Value", "Secret", "")[section]
        if role == Role.ToolTipRole and section == SECRET:
            return "Secret values are kept in the system keyring, never in the file"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        row = self.row_at(index.row())
        if index.column() in (NAME, VALUE):
            flags |= Qt.ItemFlag.ItemIsEditable
        elif index.column() == SECRET and row is not None:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def data(self, index: Index, role: int = Role.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = index.column()
        row = self.row_at(index.row())
        if role == Role.FontRole and column == VALUE:
            return self._fixed
        if row is None:  # the blank row to type into
            if role == Role.DisplayRole:
                return {NAME: "Add a variable", VALUE: "Value"}.get(column)
            if role == Role.ForegroundRole:
                return QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)
            return None
        if column == NAME:
            problem = self.problems().get(index.row())
            if role in (Role.DisplayRole, Role.EditRole):
                return row.name
            if role == Role.ForegroundRole and problem:
                return ERROR
            if role == Role.ToolTipRole:
                return problem or (f"Use it as {{{{{row.name.strip()}}}}}"
                                   if row.name.strip() else None)
            return None
        if column == VALUE:
            if role == Role.EditRole:
                return row.value
            if role == Role.DisplayRole:
                return MASK if self.is_masked(index.row()) and row.value else row.value
            if role == Role.ToolTipRole:
                if self.is_masked(index.row()):
                    return "A secret: hidden until shown (the eye button above)"
                return row.value if len(row.value) > 40 else None
            return None
        if column == SECRET:
            if role == Role.CheckStateRole:
                return Qt.CheckState.Checked if row.secret else Qt.CheckState.Unchecked
            if role == Role.ToolTipRole:
                return ("Secret: kept in the system keyring, masked on screen" if row.secret
                        else "Tick to keep this value in the system keyring, not in the file")
            return None
        if column == DELETE and role == Role.ToolTipRole:
            return "Remove this variable"
        return None

    def setData(self, index: Index, value: Any, role: int = Role.EditRole) -> bool:
        if not index.isValid():
            return False
        position, column = index.row(), index.column()
        row = self.row_at(position)
        if column == SECRET and role == Role.CheckStateRole and row is not None:
            self.set_secret(position, Qt.CheckState(value) == Qt.CheckState.Checked)
            return True
        if role != Role.EditRole or column not in (NAME, VALUE):
            return False
        text = "" if value is None else str(value)
        if row is None:
            if not text:
                return False
            fresh = Variable()
            setattr(fresh, "name" if column == NAME else "value", text)
            self.beginInsertRows(QModelIndex(), position + 1, position + 1)
            self._rows.append(fresh)
            self.endInsertRows()
            self._row_changed(position)
            self._edited()
            return True
        attribute = "name" if column == NAME else "value"
        if getattr(row, attribute) == text:
            return True
        setattr(row, attribute, text)
        self.dataChanged.emit(index, index)
        self._edited()
        return True


class _VariableDelegate(LineDelegate):
    """Edits names and values in a line edit that writes on every keystroke; a masked secret
    value is edited in a masked field (with its own eye button)."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,
                     index: Index) -> QWidget:
        model = index.model()
        if index.column() != VALUE or not isinstance(model, VariablesModel) \
                or not model.is_masked(index.row()):
            return super().createEditor(parent, option, index)
        editor = SecretField("Value", parent)
        editor.setFrame(False)
        font = index.data(Qt.ItemDataRole.FontRole)
        if font is not None:
            editor.setFont(font)
        editor.textEdited.connect(lambda _text: self.commitData.emit(editor))
        return editor


def variables_table(parent: QWidget) -> tuple[VariablesModel, QTableView]:
    """The variables table (name, value, secret, delete) with its model: the environment
    editor's and the collection variables dialog's."""
    model = VariablesModel(parent)
    view = QTableView()
    view.setModel(model)
    view.setItemDelegate(_VariableDelegate(view))
    delete = configure_row_table(view, DELETE)
    delete.clicked.connect(lambda index: model.remove_row(index.row()))
    header = view.horizontalHeader()
    header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Interactive)
    header.resizeSection(NAME, 200)
    header.setSectionResizeMode(VALUE, QHeaderView.ResizeMode.Stretch)
    header.setSectionResizeMode(SECRET, QHeaderView.ResizeMode.Fixed)
    header.resizeSection(SECRET, 64)
    return model, view


# --- the dialog ------------------------------------------------------------------------------


def _environment_file(workspace: Workspace, name: str) -> Path:
    from app.storage.workspace import ENVIRONMENTS_DIR, REQUEST_SUFFIX

    return workspace.root / ENVIRONMENTS_DIR / f"{name}{REQUEST_SUFFIX}"


def _ensure_free(workspace: Workspace, name: str, *, allowed: str | None = None) -> None:
    from app.storage.workspace import WorkspaceError

    problem = environment_name_problem(name, workspace.list_environments(), allowed=allowed)
    if problem:
        raise WorkspaceError(f"Cannot use the name “{name}”: {problem}")


def _create(workspace: Workspace, name: str) -> None:
    _ensure_free(workspace, name)
    workspace.save_environment(name, {})


def _duplicate(workspace: Workspace, source: str, name: str) -> None:
    """A copy of ``source`` named ``name``, with its own copies of the secrets."""
    _ensure_free(workspace, name)
    workspace.save_environment(name, workspace.load_environment_variables(source))


def _rename(workspace: Workspace, old: str, new: str) -> None:
    """Rename the file; its secrets stay where they are (they are keyed by reference, not by
    name), so no keyring call is needed. A change of case alone goes through a hidden
    temporary name, for file systems that ignore case."""
    _ensure_free(workspace, new, allowed=old)
    source, target = _environment_file(workspace, old), _environment_file(workspace, new)
    if not source.exists():
        from app.storage.workspace import WorkspaceError

        raise WorkspaceError(f"{source}: the environment “{old}” no longer exists")
    if old.casefold() == new.casefold():
        middle = source.with_name(f".rename-{uuid.uuid4().hex}{source.suffix}")
        source.rename(middle)
        middle.rename(target)
    else:
        source.rename(target)


class EnvironmentEditor(QDialog):
    """Edits the environments of a workspace: the list on the left (New, Rename, Duplicate,
    Delete), the variables of the chosen one on the right (name, value, secret).

    Opens on ``name`` (or the first environment). The dialog deletes itself when closed.
    """

    #: (old name, new name) an environment was renamed (sent before environments_changed).
    environment_renamed = Signal(str, str)
    #: An environment was saved, created, renamed, duplicated or deleted.
    environments_changed = Signal()

    def __init__(self, workspace: Workspace, runner: TaskRunner, name: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle("Environments")
        self.resize(860, 520)
        self.workspace = workspace
        self._runner = runner
        self._key = f"environment editor {id(self)}"
        self.destroyed.connect(functools.partial(runner.cancel_prefix, self._key))
        self._names: list[str] = []
        self._current: str | None = None
        self._loaded: list[tuple[str, str, bool]] | None = None  # None: not (yet) readable
        self._load_failed = False
        self._loading = False
        self._saving = False
        self._working = False
        self._name_mode = ""
        self._pending = 0  # tasks started and not finished
        self._build()
        self._update()
        self._start("open", self._open(name))

    # -- layout ----------------------------------------------------------------------------

    def _build(self) -> None:
        self.banner = QLabel()
        self.banner.setObjectName("environmentBanner")
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.setStyleSheet(banner_css(ERROR))
        self.banner.hide()

        # left: the environments
        self.list = QListWidget()
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setAccessibleName("Environments")
        self.list.currentItemChanged.connect(self._on_current_item_changed)
        self.new_button = self._tool("New", "Create an empty environment",
                                     lambda: self.begin_name("new"))
        self.rename_button = self._tool("Rename", "Rename the selected environment",
                                        lambda: self.begin_name("rename"))
        self.duplicate_button = self._tool("Duplicate", "Copy the selected environment, "
                                           "secrets included", lambda: self.begin_name("duplicate"))
        self.delete_button = self._tool("Delete", "Delete the selected environment and its "
                                        "secrets", self.delete_current)
        buttons = QHBoxLayout()
        buttons.setSpacing(2)
        for button in (self.new_button, self.rename_button, self.duplicate_button,
                       self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)

        self.name_panel = QWidget()
        self.name_title = QLabel()
        self.name_title.setTextFormat(Qt.TextFormat.PlainText)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("Environment name")
        self.name_edit.setAccessibleName("Environment name")
        self.name_edit.textChanged.connect(self._validate_name)
        self.name_edit.returnPressed.connect(self.confirm_name)
        self.name_edit.installEventFilter(self)
        self.name_message = QLabel()
        self.name_message.setTextFormat(Qt.TextFormat.PlainText)
        self.name_message.setWordWrap(True)
        self.name_message.setStyleSheet(css(ERROR))
        self.name_message.hide()
        self.name_ok = self._push("Create", self.confirm_name)
        self.name_cancel = self._push("Cancel", self.cancel_name)
        name_buttons = QHBoxLayout()
        name_buttons.addStretch(1)
        name_buttons.addWidget(self.name_cancel)
        name_buttons.addWidget(self.name_ok)
        name_layout = QVBoxLayout(self.name_panel)
        name_layout.setContentsMargins(0, 4, 0, 0)
        name_layout.addWidget(self.name_title)
        name_layout.addWidget(self.name_edit)
        name_layout.addWidget(self.name_message)
        name_layout.addLayout(name_buttons)
        self.name_panel.hide()

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.list, 1)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.name_panel)

        # right: the variables
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.hint = QLabel()
        self.hint.setStyleSheet("QLabel { color: palette(placeholder-text); }")
        self.reload_button = QToolButton()
        self.reload_button.setText("Reload")
        self.reload_button.setToolTip("Read the environment's file again")
        self.reload_button.setAutoRaise(True)
        self.reload_button.clicked.connect(self.reload)
        self.reload_button.hide()
        self.show_secrets = QToolButton()
        self.show_secrets.setCheckable(True)
        self.show_secrets.setAutoRaise(True)
        self.show_secrets.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.show_secrets.toggled.connect(self._on_show_secrets)
        self._on_show_secrets(False)
        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addWidget(self.hint, 1)
        head.addWidget(self.reload_button)
        head.addWidget(self.show_secrets)

        self.model, self.view = variables_table(self)
        self.model.changed.connect(self._update)
        self.view.customContextMenuRequested.connect(self._context_menu)
        remove = QAction("Remove variable", self.view)
        remove.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        remove.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        remove.triggered.connect(lambda: self.model.remove_row(self.view.currentIndex().row()))
        self.view.addAction(remove)
        self.add_button = QToolButton()
        self.add_button.setText("Add variable")
        self.add_button.setAutoRaise(True)
        self.add_button.clicked.connect(self.add_variable)
        self.note = QLabel("Use a variable as {{NAME}} in the URL, headers, body or auth. "
                           "Secret values stay in the system keyring.")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("QLabel { color: palette(placeholder-text); }")
        foot = QHBoxLayout()
        foot.addWidget(self.add_button)
        foot.addWidget(self.note, 1)

        self.empty = QLabel("No environments yet. Click New to create one.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setEnabled(False)
        self.empty.hide()

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(head)
        right_layout.addWidget(self.view, 1)
        right_layout.addWidget(self.empty, 1)
        right_layout.addLayout(foot)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([240, 620])
        splitter.setChildrenCollapsible(False)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Close)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setShortcut(QKeySequence(QKeySequence.StandardKey.Save))
        self.save_button.setToolTip("Save the variables (Ctrl+S)")
        self.close_button = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        for button in (self.save_button, self.close_button):
            button.setAutoDefault(False)
            button.setDefault(False)
        self.save_button.clicked.connect(self.save)
        self.close_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.buttons)

    def _tool(self, text: str, tip: str, slot: Callable[[], object]) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setAutoRaise(True)
        button.clicked.connect(slot)
        return button

    def _push(self, text: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text)
        button.setAutoDefault(False)
        button.setDefault(False)
        button.clicked.connect(slot)
        return button

    # -- state -----------------------------------------------------------------------------

    def current_environment(self) -> str | None:
        """The environment whose variables are shown."""
        return self._current

    def environment_names(self) -> list[str]:
        return list(self._names)

    def is_dirty(self) -> bool:
        """Whether the table holds edits that are not saved."""
        return self._loaded is not None and self.model.snapshot() != self._loaded

    def is_busy(self) -> bool:
        """Whether a read or write is running (or about to)."""
        return self._loading or self._saving or self._working or self._pending > 0

    def _update(self) -> None:
        busy = self._saving or self._working or self._pending > 0
        has = self._current is not None
        dirty = self.is_dirty()
        self.list.setEnabled(not busy)
        self.new_button.setEnabled(not busy)
        for button in (self.rename_button, self.duplicate_button, self.delete_button):
            button.setEnabled(has and not busy)
        self.save_button.setEnabled(has and self._loaded is not None and dirty and not busy)
        self.view.setEnabled(self._loaded is not None)
        self.add_button.setEnabled(self._loaded is not None)
        self.view.setVisible(has or self._loading)
        self.empty.setVisible(not has and not self._loading)
        self.reload_button.setVisible(has and self._load_failed and not self._loading)
        self.title.setText(self._current or "")
        if self._loading:
            hint = "Loading…"
        elif self._saving:
            hint = "Saving…"
        elif self._working:
            hint = "Working…"
        elif self._load_failed:
            hint = "Could not be read"
        elif dirty:
            hint = "Unsaved changes"
        else:
            hint = ""
        self.hint.setText(hint)
        self.setWindowModified(dirty)
        self.setWindowTitle("Environments[*]")

    def show_error(self, text: str) -> None:
        """Show ``text`` in the banner at the top."""
        self.banner.setText(text)
        self.banner.show()

    def clear_error(self) -> None:
        self.banner.clear()
        self.banner.hide()

    # -- running work ----------------------------------------------------------------------

    def _start(self, what: str, coro: Coroutine[Any, Any, Any]) -> None:
        # Counted from now, not from when the task first runs: the dialog is busy at once.
        # A done callback runs even for a task cancelled before it started. Loading has its
        # own flag: another environment may be picked while one loads.
        task = self._runner.start(f"{self._key} / {what}", coro)
        if what != "load":
            self._pending += 1
            task.add_done_callback(self._task_done)

    def _task_done(self, _task: object) -> None:
        if isValid(self):
            self._pending -= 1
            self._update()

    def _set_names(self, names: list[str]) -> None:
        self._names = list(names)
        self.list.blockSignals(True)
        try:
            self.list.clear()
            for name in names:
                self.list.addItem(QListWidgetItem(name))
        finally:
            self.list.blockSignals(False)
        self._select_silently(self._current)

    def _select_silently(self, name: str | None) -> None:
        self.list.blockSignals(True)
        try:
            if name is None or name not in self._names:
                self.list.setCurrentRow(-1)
            else:
                self.list.setCurrentRow(self._names.index(name))
        finally:
            self.list.blockSignals(False)

    async def _open(self, first: str | None) -> None:
        names = await self._work(self.workspace.list_environments)
        if names is None:
            return
        self._set_names(names)
        target = first if first in names else (names[0] if names else None)
        self._show(target)

    async def _work(self, fn: Callable[..., Any], *args: Any, flag: str = "_working") -> Any:
        """``fn(*args)`` on a worker thread; its failure goes to the banner (None returned)."""
        setattr(self, flag, True)
        self._update()
        try:
            return await asyncio.to_thread(fn, *args)
        except Exception as exc:
            self._failed(exc, None)
            return None
        finally:
            setattr(self, flag, False)
            if isValid(self):  # not deleted meanwhile (the task is cancelled then)
                self._update()

    def _failed(self, exc: BaseException, what: str | None) -> None:
        from app.storage.secrets import SecretsUnavailable
        from app.storage.workspace import WorkspaceError

        if not isinstance(exc, WorkspaceError | SecretsUnavailable | OSError):
            log.error("environment editor: %s failed", what or "a workspace call", exc_info=exc)
        text = user_message(exc)
        self.show_error(f"{what}: {text}" if what else text)

    def _show(self, name: str | None) -> None:
        """Show (and read) the variables of ``name``; no prompt."""
        self._runner.cancel(f"{self._key} / load")
        self._current = name
        self._loaded = None
        self._load_failed = False
        self.model.set_variables({})
        self._select_silently(name)
        if name is None:
            self._update()
            return
        self._loading = True
        self._update()
        self._start("load", self._load(name))

    async def _load(self, name: str) -> None:
        try:
            variables = await asyncio.to_thread(self.workspace.load_environment_variables, name)
        except Exception as exc:
            if self._current == name:
                self._loading = False
                self._load_failed = True
                self._failed(exc, f"Could not read “{name}”")
                self.banner.setText(self.banner.text() + "\nThe file was left as it is: fix it "
                                    "(or the keyring), then Reload.")
                self._update()
            return
        if self._current != name:
            return
        self._loading = False
        self.model.set_variables(variables)
        self._loaded = self.model.snapshot()
        self.clear_error()
        self._update()

    def reload(self) -> None:
        """Read the shown environment again (after a failure), asking about unsaved edits."""
        if self._current is not None:
            self._after_unsaved(lambda: self._show(self._current))

    # -- switching, with unsaved edits -----------------------------------------------------

    def _ask_unsaved(self) -> QMessageBox.StandardButton:
        buttons = (QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                   | QMessageBox.StandardButton.Cancel)
        return QMessageBox.question(
            self, "Unsaved changes",
            f"The variables of “{self._current}” have changes that are not saved.\n"
            "Save them?", buttons, QMessageBox.StandardButton.Save)

    def _after_unsaved(self, then: Callable[[], None]) -> str:
        """Run ``then`` once unsaved edits are saved or discarded (asking first). Returns
        "now" (done), "later" (after the save, if it goes through) or "cancelled"."""
        if not self.is_dirty():
            then()
            return "now"
        choice = self._ask_unsaved()
        if choice == QMessageBox.StandardButton.Save:
            self._start("save", self._save(then))
            return "later"
        if choice == QMessageBox.StandardButton.Discard:
            self._discard()
            then()
            return "now"
        return "cancelled"

    def discard_changes(self) -> None:
        """Put the variables back as they were read or last saved."""
        self._discard()

    def _discard(self) -> None:
        if self._loaded is not None:
            self.model.set_rows([Variable(n, v, s) for n, v, s in self._loaded])
        self._update()

    def select_environment(self, name: str | None) -> None:
        """Show ``name`` as if the user picked it (unsaved edits are asked about first)."""
        if name == self._current:
            return
        if self._after_unsaved(lambda: self._show(name)) != "now":
            # Cancelled, or saving first: the list moves once the save went through.
            self._select_silently(self._current)

    def _on_current_item_changed(self, item: QListWidgetItem | None,
                                 _previous: QListWidgetItem | None) -> None:
        if item is not None:
            self.select_environment(item.text())

    # -- saving ----------------------------------------------------------------------------

    def _changing(self) -> bool:
        """Whether a save or a change to the files is running (or about to)."""
        return any(self._runner.running(f"{self._key} / {what}") for what in ("save", "op"))

    def save(self) -> None:
        """Save the variables of the environment shown."""
        if self._current is None or self._loaded is None or self._changing():
            return
        self._start("save", self._save(None))

    async def _save(self, then: Callable[[], None] | None) -> bool:
        name = self._current
        if name is None or self._loaded is None:
            return False
        problems = self.model.problems()
        if problems:
            first = min(problems)
            self.show_error(f"Cannot save “{name}”: {problems[first]} Nothing was saved.")
            self.view.setCurrentIndex(self.model.index(first, NAME))
            return False
        snapshot = self.model.snapshot()
        variables = self.model.variables()
        self._saving = True
        self._update()
        try:
            await asyncio.to_thread(self.workspace.save_environment, name, variables)
        except Exception as exc:
            from app.storage.secrets import SecretsUnavailable

            self._failed(exc, f"Could not save “{name}”")
            kept = "Nothing was written; your edits are still here."
            if isinstance(exc, SecretsUnavailable):
                kept = ("Nothing was written (secret values are never put in the file); your "
                        "edits are still here.")
            self.banner.setText(f"{self.banner.text()}\n{kept}")
            return False
        finally:
            self._saving = False
            if isValid(self):
                self._update()
        if self._current == name:
            self._loaded = snapshot
        self.clear_error()
        self._update()
        self.environments_changed.emit()
        if then is not None:
            then()
        return True

    # -- new, rename, duplicate, delete ----------------------------------------------------

    def begin_name(self, mode: str) -> None:
        """Ask for a name inline: ``mode`` is "new", "rename" or "duplicate"."""
        if (mode != "new" and self._current is None) or self._changing():
            return
        current = self._current or ""
        title, action, text = {
            "new": ("New environment", "Create", ""),
            "rename": (f"Rename “{current}”", "Rename", current),
            "duplicate": (f"Duplicate “{current}”", "Duplicate", f"{current} copy"),
        }[mode]
        self._name_mode = mode
        self.name_title.setText(title)
        self.name_ok.setText(action)
        self.name_edit.setText(text)
        self._validate_name()
        self.name_panel.show()
        self.name_edit.setFocus()
        self.name_edit.selectAll()

    def cancel_name(self) -> None:
        self._name_mode = ""
        self.name_panel.hide()
        self.name_message.hide()
        self.list.setFocus()

    def _name_problem(self) -> str:
        allowed = self._current if self._name_mode == "rename" else None
        return environment_name_problem(self.name_edit.text().strip(), self._names,
                                        allowed=allowed)

    def _validate_name(self) -> None:
        problem = self._name_problem() if self._name_mode else ""
        self.name_message.setText(problem)
        self.name_message.setVisible(bool(problem))
        self.name_ok.setEnabled(not problem)

    def confirm_name(self) -> None:
        """Create, rename or duplicate with the name typed."""
        mode = self._name_mode
        if not mode or self._name_problem() or self._changing():
            self._validate_name()
            return
        name = self.name_edit.text().strip()
        current = self._current
        if mode == "rename" and name == current:
            self.cancel_name()
            return
        # The file changes (or another environment is shown next): edits are saved first.
        if self._after_unsaved(lambda: self._name_change(mode, current, name)) != "cancelled":
            self.cancel_name()

    def _name_change(self, mode: str, current: str | None, name: str) -> None:
        if mode == "new":
            self._start("op", self._change(f"Could not create “{name}”", name,
                                           _create, self.workspace, name))
        elif mode == "rename":
            self._start("op", self._change(f"Could not rename “{current}”", name,
                                           _rename, self.workspace, current, name,
                                           renamed_from=current))
        else:
            self._start("op", self._change(f"Could not duplicate “{current}”", name,
                                           _duplicate, self.workspace, current, name))

    def delete_current(self) -> None:
        """Delete the environment shown (and its secrets), after asking."""
        name = self._current
        if name is None or self._changing():
            return
        answer = QMessageBox.question(
            self, "Delete environment",
            f"Delete the environment “{name}” and its secret values?\nThis cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        if answer != QMessageBox.StandardButton.Yes:
            return
        index = self._names.index(name) if name in self._names else 0
        self._start("op", self._change(f"Could not delete “{name}”", None,
                                       self.workspace.delete_environment, name,
                                       after_delete=index))

    async def _change(self, what: str, show: str | None, fn: Callable[..., Any], *args: Any,
                      after_delete: int | None = None, renamed_from: str | None = None
                      ) -> None:
        """Run a change to the files, then list the environments again and show ``show``."""
        self._working = True
        self._update()
        ok = True
        try:
            await asyncio.to_thread(fn, *args)
        except Exception as exc:
            ok = False
            self._failed(exc, what)
        finally:
            self._working = False
        names = await self._work(self.workspace.list_environments)
        if names is None:
            return
        self._set_names(names)
        if ok:
            self.clear_error()
            if renamed_from is not None and show is not None:
                self.environment_renamed.emit(renamed_from, show)
            self.environments_changed.emit()
            if after_delete is not None:
                show = names[min(after_delete, len(names) - 1)] if names else None
            self._show(show)
        elif self._current not in names:
            self._show(names[0] if names else None)
        self._update()

    # -- the table -------------------------------------------------------------------------

    def add_variable(self) -> None:
        """Start typing a new variable's name in the blank row."""
        index = self.model.index(self.model.rowCount() - 1, NAME)
        self.view.setFocus()
        self.view.setCurrentIndex(index)
        self.view.edit(index)

    def _on_show_secrets(self, shown: bool) -> None:
        colour = self.palette().color(QPalette.ColorRole.PlaceholderText)
        self.show_secrets.setIcon(_eye_icon(colour, crossed=shown))
        self.show_secrets.setText("Hide secrets" if shown else "Show secrets")
        self.show_secrets.setToolTip("Mask every secret value" if shown
                                     else "Show every secret value in clear")
        if hasattr(self, "model"):
            self.model.set_show_secrets(shown)

    def _context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        row = self.model.row_at(index.row()) if index.isValid() else None
        if row is None:
            return
        position = index.row()
        menu = QMenu(self)
        if row.secret:
            masked = self.model.is_masked(position)
            reveal = menu.addAction("Show value" if masked else "Hide value")
            reveal.setEnabled(not self.model.show_secrets())
            reveal.triggered.connect(lambda: self.model.set_revealed(position, masked))
        secret = menu.addAction("Not secret" if row.secret else "Mark as secret")
        secret.triggered.connect(lambda: self.model.set_secret(position, not row.secret))
        menu.addSeparator()
        remove = menu.addAction("Remove variable")
        remove.triggered.connect(lambda: self.model.remove_row(position))
        menu.exec(self.view.viewport().mapToGlobal(pos))
        menu.deleteLater()

    # -- closing ---------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.name_edit and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Escape):
            self.cancel_name()
            return True
        return super().eventFilter(watched, event)

    def reject(self) -> None:
        """Close, asking about unsaved edits first; not while a save or a change runs."""
        if self._changing():
            return
        self._after_unsaved(self._close_now)

    def _close_now(self) -> None:
        for what in ("open", "load"):
            self._runner.cancel(f"{self._key} / {what}")
        super().reject()
