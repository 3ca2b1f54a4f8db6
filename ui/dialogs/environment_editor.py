"""The environment editor: a view over :class:`~ui.workspace_controller.WorkspaceController`.

Every read and write goes through the controller's serialized calls, off the UI thread: secret
values live in the system keyring, and a keyring call may block on D-Bus or wait for the user
to unlock it. The dialog's own tasks run on the window's :class:`~ui.tasks.TaskRunner`, under
keys of this dialog, and are cancelled when it closes.

A failure (a file that cannot be parsed, no keyring, a full disk) is shown in a banner at the
top of the dialog. Nothing typed is lost, no file is overwritten, and a secret value is never
written to a file in its place: the save fails as a whole.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from app.storage.workspace import environment_name_problem
from ui.dialogs.environment_editor_state import Activity, EditorState, NameAction
from ui.dialogs.environment_name_panel import EnvironmentNamePanel
from ui.dialogs.environment_variables_pane import EnvironmentVariablesPane
from ui.dialogs.variables_model import NAME
from ui.request.tones import ERROR, banner_css
from ui.workspace_controller import WorkspaceController, user_message

__all__ = ["EnvironmentEditor"]

log = logging.getLogger(__name__)


class EnvironmentEditor(QDialog):
    """Edits the environments of a workspace: the list on the left (New, Rename, Duplicate,
    Delete), the variables of the chosen one on the right (name, value, secret).

    Opens on ``name`` (or the first environment). The dialog deletes itself when closed.
    """

    #: An environment was saved, created, renamed, duplicated or deleted.
    environments_changed = Signal()

    def __init__(self, controller: WorkspaceController, name: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle("Environments")
        self.resize(860, 520)
        self.controller = controller
        self._runner = controller.runner
        self._key = f"environment editor {id(self)}"
        self.destroyed.connect(functools.partial(self._runner.cancel_prefix, self._key))
        self.state = EditorState()
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
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self._build_list())
        splitter.addWidget(self._build_variables())
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

    def _build_list(self) -> QWidget:
        self.list = QListWidget()
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setAccessibleName("Environments")
        self.list.currentItemChanged.connect(self._on_current_item_changed)
        self.new_button = _tool("New", "Create an empty environment",
                                lambda: self.begin_name(NameAction.NEW))
        self.rename_button = _tool("Rename", "Rename the selected environment",
                                   lambda: self.begin_name(NameAction.RENAME))
        self.duplicate_button = _tool("Duplicate", "Copy the selected environment, secrets "
                                      "included", lambda: self.begin_name(NameAction.DUPLICATE))
        self.delete_button = _tool("Delete", "Delete the selected environment and its "
                                   "secrets", self.delete_current)
        buttons = QHBoxLayout()
        buttons.setSpacing(2)
        for button in (self.new_button, self.rename_button, self.duplicate_button,
                       self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.name_panel = EnvironmentNamePanel(self._name_problem)
        self.name_panel.confirmed.connect(self.confirm_name)
        self.name_panel.cancelled.connect(self.cancel_name)
        self.name_edit = self.name_panel.edit
        self.name_message = self.name_panel.message
        self.name_ok = self.name_panel.ok
        left = QWidget()
        layout = QVBoxLayout(left)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.name_panel)
        return left

    def _build_variables(self) -> QWidget:
        self.pane = EnvironmentVariablesPane()
        self.pane.reload_button.clicked.connect(self.reload)
        self.model, self.view = self.pane.model, self.pane.view
        self.model.changed.connect(self._update)
        # What the tests and the user reach by name.
        self.hint, self.reload_button = self.pane.hint, self.pane.reload_button
        self.show_secrets, self.empty = self.pane.show_secrets, self.pane.empty
        return self.pane

    # -- state -----------------------------------------------------------------------------

    def current_environment(self) -> str | None:
        """The environment whose variables are shown."""
        return self.state.current

    def environment_names(self) -> list[str]:
        return list(self.state.names)

    def is_dirty(self) -> bool:
        """Whether the table holds edits that are not saved."""
        return self.state.loaded is not None and self.model.snapshot() != self.state.loaded

    def is_busy(self) -> bool:
        """Whether a read or write is running (or about to)."""
        return self.state.loading or self.state.changing()

    def _update(self) -> None:
        state = self.state
        busy = state.changing()
        has = state.current is not None
        readable = state.loaded is not None
        dirty = self.is_dirty()
        self.list.setEnabled(not busy)
        self.new_button.setEnabled(not busy)
        for button in (self.rename_button, self.duplicate_button, self.delete_button):
            button.setEnabled(has and not busy)
        self.save_button.setEnabled(has and readable and dirty and not busy)
        if state.loading:
            hint = "Loading…"
        elif state.activity is Activity.SAVING:
            hint = "Saving…"
        elif state.activity is Activity.WORKING:
            hint = "Working…"
        elif state.load_failed:
            hint = "Could not be read"
        else:
            hint = "Unsaved changes" if dirty else ""
        self.pane.set_state(state.current or "", hint, shown=has or state.loading,
                            readable=readable,
                            reload=has and state.load_failed and not state.loading)
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
            self.state.pending += 1
            task.add_done_callback(self._task_done)

    def _task_done(self, _task: object) -> None:
        if isValid(self):
            self.state.pending -= 1
            self._update()

    async def _doing(self, activity: Activity, work: Callable[[], Awaitable[Any]],
                     what: str | None) -> tuple[Any, Exception | None]:
        """Await ``work()`` as ``activity``: (its result, None), or (None, its failure),
        the failure shown in the banner (``what: message``)."""
        self.state.activity = activity
        self._update()
        try:
            return await work(), None
        except Exception as exc:
            self._failed(exc, what)
            return None, exc
        finally:
            self.state.activity = Activity.IDLE
            if isValid(self):  # not deleted meanwhile (the task is cancelled then)
                self._update()

    def _failed(self, exc: BaseException, what: str | None) -> None:
        from app.storage.secrets import SecretsUnavailable
        from app.storage.workspace import WorkspaceError

        if not isinstance(exc, WorkspaceError | SecretsUnavailable | OSError):
            log.error("environment editor: %s failed", what or "a workspace call", exc_info=exc)
        text = user_message(exc)
        self.show_error(f"{what}: {text}" if what else text)

    def _set_names(self, names: list[str]) -> None:
        self.state.names = list(names)
        self.list.blockSignals(True)
        try:
            self.list.clear()
            for name in names:
                self.list.addItem(QListWidgetItem(name))
        finally:
            self.list.blockSignals(False)
        self._select_silently(self.state.current)

    def _select_silently(self, name: str | None) -> None:
        self.list.blockSignals(True)
        try:
            names = self.state.names
            self.list.setCurrentRow(names.index(name) if name in names else -1)
        finally:
            self.list.blockSignals(False)

    async def _list(self) -> list[str] | None:
        names, error = await self._doing(Activity.WORKING, self.controller.list_environments,
                                         None)
        if error is not None:
            return None
        self._set_names(names)
        return list(names)

    async def _open(self, first: str | None) -> None:
        names = await self._list()
        if names is not None:
            self._show(first if first in names else (names[0] if names else None))

    def _show(self, name: str | None) -> None:
        """Show (and read) the variables of ``name``; no prompt."""
        self._runner.cancel(f"{self._key} / load")
        state = self.state
        state.current, state.loaded, state.load_failed = name, None, False
        self.model.set_variables([])
        self._select_silently(name)
        state.loading = name is not None
        self._update()
        if name is not None:
            self._start("load", self._load(name))

    async def _load(self, name: str) -> None:
        state = self.state
        try:
            variables = await self.controller.read_environment(name)
        except Exception as exc:
            if state.current == name:
                state.loading, state.load_failed = False, True
                self._failed(exc, f"Could not read “{name}”")
                self.banner.setText(self.banner.text() + "\nThe file was left as it is: fix it "
                                    "(or the keyring), then Reload.")
                self._update()
            return
        if state.current != name:
            return
        state.loading = False
        self.model.set_variables(variables)
        state.loaded = self.model.snapshot()
        self.clear_error()
        self._update()

    def reload(self) -> None:
        """Read the shown environment again (after a failure), asking about unsaved edits."""
        if self.state.current is not None:
            self._after_unsaved(lambda: self._show(self.state.current))

    # -- switching, with unsaved edits -----------------------------------------------------

    def _ask_unsaved(self) -> QMessageBox.StandardButton:
        buttons = (QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                   | QMessageBox.StandardButton.Cancel)
        return QMessageBox.question(
            self, "Unsaved changes",
            f"The variables of “{self.state.current}” have changes that are not saved.\n"
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
            self.discard_changes()
            then()
            return "now"
        return "cancelled"

    def discard_changes(self) -> None:
        """Put the variables back as they were read or last saved."""
        if self.state.loaded is not None:
            self.model.set_variables(self.state.loaded)
        self._update()

    def select_environment(self, name: str | None) -> None:
        """Show ``name`` as if the user picked it (unsaved edits are asked about first)."""
        if name == self.state.current:
            return
        if self._after_unsaved(lambda: self._show(name)) != "now":
            # Cancelled, or saving first: the list moves once the save went through.
            self._select_silently(self.state.current)

    def _on_current_item_changed(self, item: QListWidgetItem | None,
                                 _previous: QListWidgetItem | None) -> None:
        if item is not None:
            self.select_environment(item.text())

    # -- saving ----------------------------------------------------------------------------

    def _changing(self) -> bool:
        return any(self._runner.running(f"{self._key} / {what}") for what in ("save", "op"))

    def save(self) -> None:
        """Save the variables of the environment shown."""
        if self.state.current is None or self.state.loaded is None or self._changing():
            return
        self._start("save", self._save(None))

    async def _save(self, then: Callable[[], None] | None) -> bool:
        name = self.state.current
        if name is None or self.state.loaded is None:
            return False
        problems = self.model.problems()
        if problems:
            first = min(problems)
            self.show_error(f"Cannot save “{name}”: {problems[first]} Nothing was saved.")
            self.view.setCurrentIndex(self.model.index(first, NAME))
            return False
        snapshot = self.model.snapshot()
        save = functools.partial(self.controller.save_environment, name, self.model.variables())
        _, error = await self._doing(Activity.SAVING, save, f"Could not save “{name}”")
        if error is not None:
            from app.storage.secrets import SecretsUnavailable

            kept = "Nothing was written; your edits are still here."
            if isinstance(error, SecretsUnavailable):
                kept = ("Nothing was written (secret values are never put in the file); your "
                        "edits are still here.")
            self.banner.setText(f"{self.banner.text()}\n{kept}")
            return False
        if self.state.current == name:
            self.state.loaded = snapshot
        self.clear_error()
        self._update()
        self.environments_changed.emit()
        if then is not None:
            then()
        return True

    # -- new, rename, duplicate, delete ----------------------------------------------------

    def begin_name(self, action: NameAction | str) -> None:
        """Ask for a name inline, to create, rename or duplicate an environment."""
        action = NameAction(action)
        current = self.state.current
        if (action is not NameAction.NEW and current is None) or self._changing():
            return
        shown = current or ""
        title, verb, text = {
            NameAction.NEW: ("New environment", "Create", ""),
            NameAction.RENAME: (f"Rename “{shown}”", "Rename", shown),
            NameAction.DUPLICATE: (f"Duplicate “{shown}”", "Duplicate", f"{shown} copy"),
        }[action]
        self.state.naming = action
        self.name_panel.ask(title, verb, text)

    def cancel_name(self) -> None:
        self.state.naming = None
        self.name_panel.close_panel()
        self.list.setFocus()

    def _name_problem(self, name: str) -> str:
        if self.state.naming is None:
            return ""
        allowed = self.state.current if self.state.naming is NameAction.RENAME else None
        return environment_name_problem(name, self.state.names, allowed=allowed)

    def confirm_name(self) -> None:
        """Create, rename or duplicate with the name typed."""
        action = self.state.naming
        if action is None or self.name_panel.problem() or self._changing():
            self.name_panel.validate()
            return
        name = self.name_panel.name()
        current = self.state.current
        if action is NameAction.RENAME and name == current:
            self.cancel_name()
            return
        # The file changes (or another environment is shown next): edits are saved first.
        if self._after_unsaved(lambda: self._name_change(action, current, name)) != "cancelled":
            self.cancel_name()

    def _name_change(self, action: NameAction, current: str | None, name: str) -> None:
        controller, partial = self.controller, functools.partial
        if action is NameAction.NEW:
            self._start("op", self._change(f"Could not create “{name}”", name,
                                           partial(controller.create_environment, name)))
        elif current is not None and action is NameAction.RENAME:
            self._start("op", self._change(
                f"Could not rename “{current}”", name,
                partial(controller.rename_environment, current, name)))
        elif current is not None:
            self._start("op", self._change(
                f"Could not duplicate “{current}”", name,
                partial(controller.duplicate_environment, current, name)))

    def delete_current(self) -> None:
        """Delete the environment shown (and its secrets), after asking."""
        name = self.state.current
        if name is None or self._changing():
            return
        answer = QMessageBox.question(
            self, "Delete environment",
            f"Delete the environment “{name}” and its secret values?\nThis cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        if answer != QMessageBox.StandardButton.Yes:
            return
        names, partial = self.state.names, functools.partial
        index = names.index(name) if name in names else 0
        self._start("op", self._change(f"Could not delete “{name}”", None,
                                       partial(self.controller.delete_environment, name),
                                       after_delete=index))

    async def _change(self, what: str, show: str | None, change: Callable[[], Awaitable[None]],
                      after_delete: int | None = None) -> None:
        """Make a change to the files, then list the environments again and show ``show``."""
        _, error = await self._doing(Activity.WORKING, change, what)
        ok = error is None
        names = await self._list()
        if names is None:
            return
        if ok:
            self.clear_error()
            self.environments_changed.emit()
            if after_delete is not None:
                show = names[min(after_delete, len(names) - 1)] if names else None
            self._show(show)
        elif self.state.current not in names:
            self._show(names[0] if names else None)
        self._update()

    # -- closing ---------------------------------------------------------------------------

    def reject(self) -> None:
        """Close, asking about unsaved edits first; not while a save or a change runs."""
        if self._changing():
            return
        self._after_unsaved(self._close_now)

    def _close_now(self) -> None:
        for what in ("open", "load"):
            self._runner.cancel(f"{self._key} / {what}")
        super().reject()


def _tool(text: str, tip: str, slot: Callable[[], object]) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    if tip:
        button.setToolTip(tip)
    button.setAutoRaise(True)
    button.clicked.connect(slot)
    return button
