"""Where a new request is saved: its name and its collection (an existing one, or a new one
typed in)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from app.storage.workspace import WorkspaceError, check_name

__all__ = ["SaveDialog", "ask_where_to_save"]


class SaveDialog(QDialog):
    def __init__(self, parent: QWidget | None, name: str, collections: list[str],
                 current: str) -> None:
        super().__init__(parent)
        self.setWindowTitle("Save request")
        self.name = QLineEdit(name if name != "New request" else "")
        self.name.setPlaceholderText("Get user")
        self.collection = QComboBox()
        self.collection.setEditable(True)
        self.collection.addItems(collections)
        self.collection.setCurrentText(current)
        self.collection.setToolTip("A collection, or a folder inside one as "
                                   "Collection/Folder. A new name creates it.")
        self.error = QLabel()
        self.error.setObjectName("saveError")
        self.error.setStyleSheet("QLabel { color: #e03131; }")
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._check)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Name", self.name)
        form.addRow("Collection", self.collection)
        form.addRow(self.error)
        form.addRow(self.buttons)
        self.resize(420, self.sizeHint().height())

    def values(self) -> tuple[str, str]:
        return self.name.text().strip(), self.collection.currentText().strip().strip("/")

    def _check(self) -> None:
        name, collection = self.values()
        if not name:
            self._fail("Give the request a name.")
            return
        if not collection:
            self._fail("Choose a collection, or type the name of a new one.")
            return
        try:
            for part in collection.split("/"):
                check_name(part, "collection")
        except WorkspaceError:
            self._fail("A collection name cannot start with a dot or hold \\ : * ? \" < > |.")
            return
        if collection.split("/")[0] == "environments":
            self._fail("“environments” is where environments live: choose another name.")
            return
        self.accept()

    def _fail(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()


def ask_where_to_save(parent: QWidget | None, name: str, collections: list[str],
                      current: str) -> tuple[str, str] | None:
    """(name, collection) chosen by the user, or None when cancelled."""
    dialog = SaveDialog(parent, name, collections, current)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.values()
    finally:
        dialog.deleteLater()
