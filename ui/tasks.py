"""The one owner of every coroutine the window starts.

Work is keyed ("tab 3 / send"): starting work under a key cancels what ran there before,
results of cancelled or replaced work are dropped, and each task carries its own callbacks for
its result and its failure (a failure nobody asked for is logged), so a coroutine is never
fired and forgotten.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

if TYPE_CHECKING:  # asyncio is imported on first use: the first frame does not need it
    import asyncio

__all__ = ["ErrorCallback", "ResultCallback", "TaskRunner", "show_later"]

log = logging.getLogger(__name__)

#: Called with the exception when a task raised (never for cancellation).
ErrorCallback = Callable[[BaseException], object]
#: Called with the result when a task finished and was still the current work for its key.
ResultCallback = Callable[[Any], object]


def show_later(box: Callable[..., object], *args: object) -> None:
    """Open a modal dialog (``QMessageBox.warning`` and the like) from the event loop rather
    than inside the running asyncio task: a dialog's nested loop inside a task keeps every
    other task from running under qasync (and one holding a lock would hold it)."""
    from PySide6.QtCore import QTimer

    QTimer.singleShot(0, lambda: box(*args))


class TaskRunner(QObject):
    """Runs coroutines as asyncio tasks on the Qt loop, one per key."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks: dict[str, asyncio.Task[Any]] = {}

    def start(self, key: str, coro: Coroutine[Any, Any, Any], *,
              on_error: ErrorCallback | None = None,
              on_result: ResultCallback | None = None) -> asyncio.Task[Any]:
        """Run ``coro`` under ``key``, cancelling whatever ran under that key before.

        ``on_result`` gets its result and ``on_error`` its exception, unless the work was
        cancelled or replaced meanwhile; an exception with no ``on_error`` is logged."""
        import asyncio

        self.cancel(key)
        task = asyncio.ensure_future(coro)
        self._tasks[key] = task
        task.add_done_callback(partial(self._done, key, on_error=on_error, on_result=on_result))
        return task

    def cancel(self, key: str) -> bool:
        """Cancel the work under ``key``; True when there was some."""
        task = self._tasks.pop(key, None)
        if task is None or task.done():
            return False
        task.cancel()
        return True

    def cancel_prefix(self, prefix: str) -> None:
        """Cancel all work whose key starts with ``prefix`` (e.g. everything of one tab)."""
        for key in [k for k in self._tasks if k.startswith(prefix)]:
            self.cancel(key)

    def cancel_all(self) -> None:
        for key in list(self._tasks):
            self.cancel(key)

    def running(self, key: str) -> bool:
        task = self._tasks.get(key)
        return task is not None and not task.done()

    def _done(self, key: str, task: asyncio.Task[Any], *, on_error: ErrorCallback | None,
              on_result: ResultCallback | None) -> None:
        if self._tasks.get(key) is task:
            del self._tasks[key]
        elif not task.cancelled():
            # Replaced by newer work: the result is stale. Fetch the exception so that
            # asyncio does not report it as never retrieved.
            task.exception()
            return
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            if on_result is not None:
                on_result(task.result())
        elif on_error is not None:
            on_error(exc)
        else:
            log.error("%s failed", key, exc_info=exc)
