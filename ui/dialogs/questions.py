"""The window's small questions, asked before it calls a controller: closing a tab with
changes, opening another workspace folder, sending a local file an import named."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.model.imported_files import send_question

__all__ = ["ask_close_unsaved", "ask_send_imported_files", "ask_workspace_folder"]

Button = QMessageBox.StandardButton


def ask_close_unsaved(parent: QWidget | None, title: str) -> str:
    """"save", "discard" or "cancel" for a tab titled ``title`` with unsaved changes."""
    answer = QMessageBox.question(
        parent, "Close tab", f"“{title}” has changes that are not saved.",
        Button.Save | Button.Discard | Button.Cancel, Button.Save)
    if answer == Button.Save:
        return "save"
    return "discard" if answer == Button.Discard else "cancel"


def ask_send_imported_files(parent: QWidget | None, paths: list[str],
                            collection: str | None) -> bool:
    """Whether to send the local files ``paths``, which an import named (in ``collection``,
    when the request is saved in one): a shared collection can point at any file."""
    box = QMessageBox(QMessageBox.Icon.Question, "Send a local file?",
                      send_question(paths, collection), Button.Cancel, parent)
    send = box.addButton("Send", QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(Button.Cancel)
    box.exec()
    return box.clickedButton() is send


def ask_workspace_folder(parent: QWidget | None, unsaved: list[str], root: Path) -> str | None:
    """The folder to open as the workspace, or None; first, when tabs have unsaved changes
    (``unsaved``, their titles), whether to go on anyway."""
    if unsaved:
        answer = QMessageBox.question(
            parent, "Open workspace folder",
            "These tabs have changes that are not saved:\n\n" + "\n".join(unsaved)
            + "\n\nThey stay open, no longer tied to their files (save them into the "
            "other workspace with Ctrl+S). Open another folder anyway?",
            Button.Open | Button.Cancel, Button.Cancel)
        if answer != Button.Open:
            return None
    folder = QFileDialog.getExistingDirectory(parent, "Open workspace folder", str(root))
    return folder or None
