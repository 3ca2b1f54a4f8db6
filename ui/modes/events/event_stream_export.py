"""Exporting a tab's events as JSON lines: a task of the tab (owned by the runner under its own
key) that writes a snapshot of the log in a worker thread and says how it went by signals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from app.streams.event_log import EventLog, LogSnapshot
from app.streams.export import export_jsonl_async
from ui.error_messages import describe_error

if TYPE_CHECKING:
    from ui.tasks import TaskRunner

__all__ = ["EventExport"]


class EventExport(QObject):
    """One export at a time per tab; a new one replaces one under way."""

    started = Signal(object)  # events to write
    finished = Signal(str, object)  # path, events written (an int; Qt ints are 32 bits)
    failed = Signal(object)  # ErrorText

    def __init__(self, runner: TaskRunner, key: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.key = key

    @property
    def busy(self) -> bool:
        return self._runner.running(self.key)

    def start(self, log: EventLog, path: str) -> None:
        """Write the events ``log`` keeps now to ``path``."""
        snapshot = log.snapshot()
        self.started.emit(len(snapshot))
        self._runner.start(self.key, self._export(snapshot, path), on_result=self._on_finished,
                           on_error=self._on_failed)

    def cancel(self) -> None:
        self._runner.cancel(self.key)

    async def _export(self, snapshot: LogSnapshot, path: str) -> tuple[str, int]:
        return path, await export_jsonl_async(snapshot, path)

    def _on_finished(self, result: tuple[str, int]) -> None:
        path, count = result
        self.finished.emit(path, count)

    def _on_failed(self, exc: BaseException) -> None:
        self.failed.emit(describe_error(exc))
