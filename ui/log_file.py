"""The window's log file, opened when the first record comes rather than at start.

An idle window logs nothing, and ``logging.handlers`` (for its rotating file) brings pickle
and socket with it: some 1 MiB an idle window would keep for nothing (bench/idle.py). A
:class:`LogFile` stands in the root logger's handlers from the start; its first record makes
the folder (owner-only) and the rotating file, and every record goes there from then on.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

__all__ = ["LogFile"]


class LogFile(logging.Handler):
    """Writes records to ``folder / name``, rotated at ``max_bytes`` with ``backups`` kept.

    Nothing is made until the first record. When the folder or the file cannot be made then,
    records are dropped, as a ``NullHandler`` would (a log that cannot be written must not
    break what is being logged), and making them is not tried again."""

    def __init__(self, folder: Path, name: str = "spyglass.log", *, max_bytes: int = 1 << 20,
                 backups: int = 3) -> None:
        super().__init__()
        self.path = folder / name
        self.max_bytes = max_bytes
        self.backups = backups
        self._target: logging.Handler | None = None
        self._failed = False

    @property
    def opened(self) -> bool:
        """Whether the file was opened (a record came and it could be made)."""
        return self._target is not None

    def _open(self) -> logging.Handler | None:
        from logging.handlers import RotatingFileHandler

        folder = self.path.parent
        try:
            # Owner-only (app.storage.private): a logged failure may name a URL or a body.
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if os.name == "posix":
                folder.chmod(0o700)
            return RotatingFileHandler(self.path, maxBytes=self.max_bytes,
                                       backupCount=self.backups)
        except OSError:
            return None

    def setFormatter(self, fmt: logging.Formatter | None) -> None:
        super().setFormatter(fmt)
        if self._target is not None:
            self._target.setFormatter(fmt)

    def emit(self, record: logging.LogRecord) -> None:
        # Called with this handler's lock held (Handler.handle): a record from a worker
        # thread and one from the UI thread do not both open the file.
        if self._target is None:
            if self._failed:
                return
            target = self._open()
            if target is None:
                self._failed = True
                return
            target.setFormatter(self.formatter)
            self._target = target
        self._target.emit(record)

    def flush(self) -> None:
        if self._target is not None:
            self._target.flush()

    def close(self) -> None:
        try:
            if self._target is not None:
                self._target.close()
        finally:
            super().close()
