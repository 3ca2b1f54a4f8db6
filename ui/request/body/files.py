"""Files chosen for a body: from a picker, or dropped on the page; and how they stand on disk."""

from __future__ import annotations

import os
import stat

from PySide6.QtCore import QMimeData
from PySide6.QtWidgets import QFileDialog, QWidget

from ui.formatting import human_size

__all__ = ["dropped_files", "file_size", "pick_files", "size_text"]


def dropped_files(mime: QMimeData) -> list[str]:
    """The local files in a drag's data (remote URLs and text are not files)."""
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()] if mime.hasUrls() \
        else []


def file_size(path: str) -> int | None:
    """The size of the regular file at ``path``, or None when there is none to send."""
    if not path:
        return None
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def size_text(path: str) -> str:
    """``1.5 KB``, or ``file not found`` (empty when no path is set)."""
    if not path:
        return ""
    size = file_size(path)
    return "file not found" if size is None else human_size(size)


def pick_files(parent: QWidget, title: str, *, multiple: bool = False) -> list[str]:
    """Ask for one file (or several); an empty list when the user cancels."""
    if multiple:
        paths, _ = QFileDialog.getOpenFileNames(parent, title)
        return list(paths)
    path, _ = QFileDialog.getOpenFileName(parent, title)
    return [path] if path else []
