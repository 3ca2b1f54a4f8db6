"""Background work on response bodies: threads that step aside for the user and can be cancelled.

``UserActivity`` tells workers when the user is making the window work (Python threads share
one interpreter lock, so a worker busy with megabytes slows every frame while someone scrolls);
``BodyJob`` runs a piece of work on a daemon thread, cancellable between chunks
(``JobCancelled``), handing partial results to whoever polls it. Search, pretty-printing,
saving and image decoding all run this way. Nothing here imports Qt.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

__all__ = [
    "YIELD",
    "BodyJob",
    "JobCancelled",
    "UserActivity",
]

YIELD = 0.001                 # seconds a worker leaves the interpreter free after each chunk


class UserActivity:
    """Whether the user is making the window work, so that workers can step aside: Python
    threads share one interpreter lock, and a worker busy with megabytes would otherwise
    slow every frame down while someone scrolls.

    The UI thread calls ``touch()`` on input and wraps its painting in ``working()``; a
    worker calls ``wait_until_idle()`` between chunks (a few milliseconds of work each).
    """

    def __init__(self, quiet: float = 0.15) -> None:
        self._quiet = quiet
        self._last = 0.0
        self._working = 0

    def touch(self) -> None:
        self._last = time.monotonic()

    @contextlib.contextmanager
    def working(self) -> Iterator[None]:
        self._working += 1
        try:
            yield
        finally:
            self._working -= 1

    def busy(self) -> bool:
        return self._working > 0 or time.monotonic() - self._last < self._quiet

    def wait_until_idle(self, cancelled: Callable[[], bool] | None = None,
                        limit: float = 30.0) -> None:
        """Sleep (holding no lock) while the user is active, at most ``limit`` seconds; and
        in any case for a moment, so that the UI thread, which wants the interpreter lock
        back once per event it handles, gets it at once instead of after a switch interval
        (5 ms) each time."""
        deadline = time.monotonic() + limit
        while self.busy() and time.monotonic() < deadline:
            if cancelled is not None and cancelled():
                return
            time.sleep(0.002 if self._working else 0.01)
        time.sleep(YIELD)


R = TypeVar("R")


class JobCancelled(Exception):
    """Raised inside a job's work when its ``cancelled()`` check turns true."""


class BodyJob(Generic[R]):
    """Work on a body in a daemon thread: cancellable, never raising into the thread.

    The work is called with the job; it checks ``job.cancelled()`` (or calls ``job.check()``)
    between chunks and may ``post()`` partial results. The owner (a widget polling on its
    timer, a test) reads them with ``take()`` and looks at ``done``, ``result`` and ``error``
    once it is done. A cancelled job ends with ``error`` set to ``JobCancelled``.
    """

    def __init__(self, work: Callable[[BodyJob[R]], R], *, name: str = "body-job") -> None:
        self._work = work
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._posted: deque[object] = deque()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.result: R | None = None
        self.error: BaseException | None = None

    def start(self) -> BodyJob[R]:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self.result = self._work(self)
            if self._cancel.is_set():
                self.error = JobCancelled()
        except BaseException as exc:  # a thread has nobody to raise to
            self.error = JobCancelled() if self._cancel.is_set() else exc
        finally:
            self._done.set()

    def cancel(self) -> None:
        self._cancel.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise ``JobCancelled`` if the job was cancelled (for the work to call)."""
        if self._cancel.is_set():
            raise JobCancelled

    def post(self, item: object) -> None:
        """Hand a partial result to the owner (from the worker thread)."""
        self._posted.append(item)

    def take(self) -> list[object]:
        """The partial results posted since the last call, oldest first."""
        items = []
        while self._posted:
            items.append(self._posted.popleft())
        return items

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the work to end; True if it has."""
        return self._done.wait(timeout)
