"""The variables of one collection (or folder), the collection scope of ``{{variables}}``:
the same table as the environment editor, read and saved off the UI thread (secret values go
to the keyring, never to collection.yaml)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui.banner import banner
from ui.dialogs.variables_table import variables_table
from ui.workspace_controller import WorkspaceController, user_message

__all__ = ["CollectionVariablesDialog"]


class CollectionVariablesDialog(QDialog):
    def __init__(self, controller: WorkspaceController, collection: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.controller = controller
        self.collection = collection
        self.setWindowTitle(f"Variables of {collection.replace('/', ' / ')}")
        self.banner = banner("error")
        intro = QLabel("Variables every request in this collection (and its folders) can use "
                       "as {{NAME}}. A value in the chosen environment wins over these. "
                       "Secret values stay in the system keyring.")
        intro.setWordWrap(True)
        self.model, self.view = variables_table(self)
        add = QToolButton()
        add.setText("Add variable")
        add.setAutoRaise(True)
        add.clicked.connect(lambda: self.model.append())
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.banner)
        layout.addWidget(self.view, 1)
        layout.addWidget(add, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.buttons)
        self.resize(620, 380)
        self._set_busy(True)
        controller.runner.start(f"collection variables {id(self)} / load", self._load())

    def _set_busy(self, busy: bool) -> None:
        self.view.setEnabled(not busy)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not busy)

    def _fail(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.show()

    async def _load(self) -> None:
        try:
            values = await self.controller.call(
                self.controller.workspace.read_collection_variables, self.collection)
        except Exception as exc:  # shown in the dialog; nothing is written
            self._fail(f"Cannot read the variables: {user_message(exc)}")
            return
        self.model.set_variables(values)
        self._set_busy(False)

    def save(self) -> None:
        problems = self.model.problems()
        if problems:
            self._fail(f"Cannot save: {problems[min(problems)]} Nothing was saved.")
            return
        variables = self.model.variables()
        self._set_busy(True)

        async def run() -> None:
            try:
                await self.controller.call(self.controller.workspace.save_collection_variables,
                                           self.collection, variables)
            except Exception as exc:
                self._set_busy(False)
                self._fail(f"Nothing was saved: {user_message(exc)} Your edits are still "
                           "here; secret values are never written to the file.")
                return
            self.controller.collection_variables_saved()
            self.accept()

        self.controller.runner.start(f"collection variables {id(self)} / save", run())
