"""Notices changes made to the workspace outside Spyglass (a ``git pull``, another editor,
another window) and says so once per burst.

It watches folders, not files: a folder's watch fires when an entry in it is added, removed
or renamed, which is how ``git`` and nearly every editor save (a new file renamed over the
old one). One watch per folder keeps a workspace of 10,000 requests within the system's
inotify limit (often 8,192 watches per user, shared by every program). The only files
watched are those of the open tabs, whose text may be edited in place.

A burst of events (a ``git pull`` touching 500 files) gives one :attr:`changed`, after
``quiet_ms`` without events, or at the latest ``max_wait_ms`` after the first one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

__all__ = ["WorkspaceWatcher"]

log = logging.getLogger(__name__)


class WorkspaceWatcher(QObject):
    """Watches a set of folders (and a few files) and reports changes, debounced."""

    #: Something under the watched folders or files changed (once per burst).
    changed = Signal()

    def __init__(self, parent: QObject | None = None, *, quiet_ms: int = 300,
                 max_wait_ms: int = 2000) -> None:
        super().__init__(parent)
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(self._event)
        self._watcher.fileChanged.connect(self._event)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.changed)
        self._quiet_ms = quiet_ms
        self._max_wait = max_wait_ms / 1000
        self._first_event = 0.0
        self._folders: set[str] = set()
        self._files: set[str] = set()
        self._refused: set[str] = set()

    def watch_folders(self, folders: Iterable[Path]) -> None:
        """Watch exactly ``folders`` from now on (those that exist)."""
        self._folders = {str(f) for f in folders}
        self._apply()

    def watch_files(self, files: Iterable[Path]) -> None:
        """Watch exactly ``files`` (the open tabs' files) from now on."""
        self._files = {str(f) for f in files}
        self._apply()

    def watched(self) -> set[str]:
        """The paths watched now (a replaced or deleted path drops out until the next
        :meth:`watch_folders` or :meth:`watch_files`)."""
        return set(self._watcher.directories()) | set(self._watcher.files())

    def stop(self) -> None:
        """Watch nothing, and forget a burst not reported yet."""
        self._folders.clear()
        self._files.clear()
        self._refused.clear()
        self._apply()
        self._timer.stop()

    def _apply(self) -> None:
        wanted = self._folders | self._files
        # A file replaced by a rename is dropped by Qt: asking for it again re-adds it.
        current = set(self._watcher.directories()) | set(self._watcher.files())
        gone = sorted(current - wanted)
        if gone:
            self._watcher.removePaths(gone)
        new = sorted(p for p in wanted - current - self._refused if Path(p).exists())
        if new and (refused := self._watcher.addPaths(new)):
            # Out of inotify watches (fs.inotify.max_user_watches), or unreadable: changes
            # there are not followed (the tree still shows them at the next refresh). Said
            # once, not tried again at every refresh.
            self._refused.update(refused)
            log.warning("cannot watch %d of %d paths for outside changes, e.g. %s",
                        len(refused), len(new), refused[0])

    def _event(self, path: str) -> None:
        now = time.monotonic()
        if not self._timer.isActive():
            self._first_event = now
        if now - self._first_event < self._max_wait:
            self._timer.start(self._quiet_ms)  # wait for the burst to end
