"""Import, export and Copy as Python from the window: the same code as the command line
(``app.interchange``), with file dialogs, reading and writing off the UI thread, and the
outcome told in the status bar (or a message box when something went wrong)."""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox

from ui.tasks import show_later

if TYPE_CHECKING:
    from ui.main_window import MainWindow
    from ui.request_tab import RequestTab

__all__ = ["copy_as_python", "export_dialog", "import_dialog", "import_text"]

_FILTER = ("Importable files (*.json *.yaml *.yml *.har *.sh *.txt *.curl);;"
           "Postman collection (*.json);;OpenAPI (*.json *.yaml *.yml);;HAR (*.har);;"
           "curl commands (*.sh *.txt *.curl);;All files (*)")
_SUFFIX = {"curl": ("sh", "curl commands (*.sh)"), "har": ("har", "HAR (*.har)"),
           "postman": ("postman_collection.json", "Postman collection (*.json)")}


def _read(path: str) -> str:
    from app.interchange import read_import

    return read_import(path)  # bounded: /dev/zero or a huge file ends with a clear error


def import_dialog(window: MainWindow) -> None:
    """Ask for a file (curl, Postman v2.1, OpenAPI 3, HAR) and import it."""
    path, _ = QFileDialog.getOpenFileName(window, "Import requests", "", _FILTER)
    if path:
        import_text(window, None, source=path)


def import_text(window: MainWindow, text: str | None, *, source: str = "") -> None:
    """Import ``text`` (or the file ``source``) into the window's workspace."""
    from app.interchange import InterchangeError, import_into
    from app.interchange import import_text as parse
    from app.storage.secrets import SecretsUnavailable
    from app.storage.workspace import WorkspaceError

    controller = window.workspace

    async def run() -> None:
        try:
            content = text if text is not None else await asyncio.to_thread(_read, source)
            result = await asyncio.to_thread(parse, content)
            report = await controller.call(import_into, controller.workspace, result)
        except (InterchangeError, ValueError, OSError, WorkspaceError,
                SecretsUnavailable) as exc:
            message = (f"Cannot read {source}: {exc.strerror}" if isinstance(exc, OSError)
                       and exc.strerror else str(exc))
            show_later(QMessageBox.warning, window, "Import", message)
            return
        finally:
            await controller.rescan()
        summary = report.summary(str(controller.root))
        window.statusBar().showMessage(summary, 10000)
        if report.collections:
            window.sidebar.show_page(window.sidebar.collections)
            window.sidebar.collections.select_path(report.collections[0])
        if report.warnings:
            shown = "\n".join(f"• {w}" for w in report.warnings[:12])
            more = (f"\n… and {len(report.warnings) - 12} more"
                    if len(report.warnings) > 12 else "")
            show_later(QMessageBox.information, window, "Import", f"{summary}\n\n{shown}{more}")

    controller.start("Import", run())


def export_dialog(window: MainWindow, fmt: str) -> None:
    """Export the whole workspace as ``fmt`` to a file the user picks; secrets are left out
    unless the user asks for them."""
    from app.interchange import export

    include = QMessageBox.question(
        window, "Export",
        "Include secrets (passwords, tokens, API keys, secret variables) in the file?\n\n"
        "Without them, the file holds {{placeholders}} instead and is safe to share.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No)
    suffix, file_filter = _SUFFIX[fmt]
    default = str(Path.home() / f"{window.workspace.root.name}.{suffix}")
    path, _ = QFileDialog.getSaveFileName(window, "Export workspace", default, file_filter)
    if not path:
        return
    controller = window.workspace
    with_secrets = include == QMessageBox.StandardButton.Yes

    async def run() -> None:
        from app.storage.atomic import write_atomic

        try:
            text = await controller.call(
                functools.partial(export, include_secrets=with_secrets),
                controller.workspace, fmt)
            await asyncio.to_thread(write_atomic, Path(path), text.encode("utf-8"))
        except Exception as exc:
            from ui.workspace_controller import user_message

            show_later(QMessageBox.warning, window, "Export",
                   f"Nothing was exported: {user_message(exc)}")
            return
        window.statusBar().showMessage(f"Exported the workspace to {path}", 8000)

    controller.start("Export", run())


def copy_as_python(window: MainWindow, tab: RequestTab, flavour: str) -> None:
    """Put a runnable Python script for the tab's request on the clipboard, with the
    variables in scope filled in."""
    from app.interchange import to_python_aiohttp, to_python_client

    model = tab.to_model()

    async def run() -> None:
        values = await window._variables_for(tab, model)
        make = to_python_client if flavour == "client" else to_python_aiohttp
        QGuiApplication.clipboard().setText(make(model, values))
        what = "app.client" if flavour == "client" else "aiohttp"
        window.statusBar().showMessage(f"Copied the request as a Python script ({what})", 5000)

    window.workspace.start("Copy as Python", run())
