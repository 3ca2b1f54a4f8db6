"""The questions of Import and Export: which file to import, whether to include secrets and
where to export. The work itself is the documents controller's (the same ``app.interchange``
code as the command line, off the UI thread)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

if TYPE_CHECKING:
    from ui.documents import DocumentsController

__all__ = ["export_dialog", "import_dialog"]

_FILTER = ("Importable files (*.json *.yaml *.yml *.har *.sh *.txt *.curl);;"
           "Postman collection (*.json);;OpenAPI (*.json *.yaml *.yml);;HAR (*.har);;"
           "curl commands (*.sh *.txt *.curl);;All files (*)")
_SUFFIX = {"curl": ("sh", "curl commands (*.sh)"), "har": ("har", "HAR (*.har)"),
           "postman": ("postman_collection.json", "Postman collection (*.json)")}


def import_dialog(parent: QWidget | None, documents: DocumentsController) -> None:
    """Ask for a file (curl, Postman v2.1, OpenAPI 3, HAR) and import it."""
    path, _ = QFileDialog.getOpenFileName(parent, "Import requests", "", _FILTER)
    if path:
        documents.import_file(path)


def export_dialog(parent: QWidget | None, documents: DocumentsController, fmt: str) -> None:
    """Export the whole workspace as ``fmt`` to a file the user picks; secrets are left out
    unless the user asks for them."""
    include = QMessageBox.question(
        parent, "Export",
        "Include secrets (passwords, tokens, API keys, secret variables) in the file?\n\n"
        "Without them, the file holds {{placeholders}} instead and is safe to share.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No)
    suffix, file_filter = _SUFFIX[fmt]
    default = str(Path.home() / f"{documents.workspace.root.name}.{suffix}")
    path, _ = QFileDialog.getSaveFileName(parent, "Export workspace", default, file_filter)
    if path:
        documents.export(fmt, path, include == QMessageBox.StandardButton.Yes)
