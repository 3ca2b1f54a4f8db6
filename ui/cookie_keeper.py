"""Keeps the window's cookie jar between runs, one jar per workspace (SPEC 7.2).

The jar is the session pool's (every session of the window shares it); what is kept is
``app.storage.cookie_store``'s encrypted file in the user data folder, never the workspace.
It is read when a workspace opens (the start, a switch), written a moment after sends
(debounced: a burst of sends is one write) and when the window closes. Every file and keyring
call runs on one worker thread of its own, in the order asked, so an older save never lands
after a newer one; listing and filling the jar happen on the loop, which owns it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, QTimer, Signal

from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from app.client.cookies import Cookie
    from app.model.compose import SessionPool
    from app.storage.cookie_store import CookieJarStore
    from app.storage.secrets import SecretStore

__all__ = ["SAVE_DELAY_MS", "CookieKeeper"]

log = logging.getLogger(__name__)
T = TypeVar("T")

#: How long after a send the jar is written (more sends meanwhile: one write).
SAVE_DELAY_MS = 1500


class CookieKeeper(QObject):
    """Loads and saves the cookies of the pool for the workspace open in the window."""

    #: A message for the user: the saved jar could not be read (and where it was moved), or
    #: the jar could not be saved.
    failed = Signal(str)
    #: The cookies of the workspace are in the jar (after a load, or a clear).
    loaded = Signal()

    def __init__(self, runner: TaskRunner, data_dir: Callable[[], Path],
                 secrets: Callable[[], SecretStore], parent: QObject | None = None, *,
                 delay_ms: int = SAVE_DELAY_MS) -> None:
        super().__init__(parent)
        self._runner = runner
        self._data_dir = data_dir
        self._secrets = secrets
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cookies")
        self._workspace: Path | None = None
        self._pool: SessionPool | None = None
        #: Cookies read for a pool that does not exist yet (it is made on the first send).
        self._pending: list[Cookie] | None = None
        self._dirty = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self.save_now)

    @property
    def workspace(self) -> Path | None:
        return self._workspace

    def _store(self, workspace: Path) -> CookieJarStore:
        from app.storage.cookie_store import CookieJarStore, workspace_id

        return CookieJarStore(self._data_dir(), workspace_id(workspace), self._secrets())

    async def _off_thread(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    # -- the pool ---------------------------------------------------------------------------

    def attach(self, pool: SessionPool) -> None:
        """``pool`` holds the window's jar from now on; cookies already read go into it."""
        self._pool = pool
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self._fill(pending)

    def _fill(self, cookies: list[Cookie]) -> None:
        assert self._pool is not None
        jar = self._pool.cookies
        jar.clear()
        jar.update(cookies)
        self.loaded.emit()

    # -- loading ----------------------------------------------------------------------------

    def open_workspace(self, root: Path) -> None:
        """The window shows the workspace at ``root``: the jar of the one before is saved (if
        it changed), the jar emptied, and ``root``'s saved cookies read into it."""
        previous = self._workspace
        snapshot = self._snapshot() if previous is not None and self._dirty else None
        self._timer.stop()
        self._dirty = False
        self._workspace = Path(root)
        if self._pool is not None:
            self._pool.cookies.clear()
        self._runner.start("cookies / open", self._open(previous, snapshot, Path(root)),
                           on_error=lambda exc: self.failed.emit(_message(exc)))

    async def _open(self, previous: Path | None, snapshot: list[Cookie] | None,
                    root: Path) -> None:
        if previous is not None and snapshot is not None:
            await self._off_thread(self._write, previous, snapshot)
        cookies, problem = await self._off_thread(self._read, root)
        if problem:
            self.failed.emit(problem)
        if root != self._workspace:
            return  # another workspace was opened meanwhile
        if self._pool is None:
            self._pending = cookies
            if cookies:
                self.loaded.emit()
        else:
            self._fill(cookies)

    def _read(self, root: Path) -> tuple[list[Cookie], str]:
        """The saved cookies of ``root``, and what to tell the user ("" when all is well)."""
        from app.storage.cookie_store import CookieJarUnreadable, any_jar_saved

        if not any_jar_saved(self._data_dir()):
            return [], ""  # no jar kept at all: nothing to read, no workspace id to compute
        store = self._store(root)
        if not store.path.exists():
            return [], ""  # nothing kept: the keyring and the library stay unloaded
        try:
            return store.load(), ""
        except CookieJarUnreadable as exc:
            # The file was moved aside; the user is told where, and starts with no cookies.
            return [], str(exc)

    # -- saving -----------------------------------------------------------------------------

    def changed(self, *_args: object) -> None:
        """The jar may have changed (a send ended, the cookie manager edited it): write it
        a moment from now."""
        if self._pool is None or self._workspace is None:
            return
        self._dirty = True
        self._timer.start()

    def _snapshot(self) -> list[Cookie] | None:
        if self._pool is None:
            return None
        return self._pool.cookies.list()

    def save_now(self) -> None:
        """Write the jar now (the timer's end)."""
        task = self._save_task()
        if task is not None:
            self._runner.start("cookies / save", task,
                               on_error=lambda exc: self.failed.emit(_message(exc)))

    def _save_task(self) -> Any:
        write = self.last_save()
        return write() if write is not None else None

    def last_save(self) -> Callable[[], Any] | None:
        """The write the jar needs now (None: unchanged), as a function that starts it: the
        window takes it when it closes, while its objects (this timer) still live."""
        self._timer.stop()
        snapshot = self._snapshot()
        if snapshot is None or self._workspace is None or not self._dirty:
            return None
        self._dirty = False
        root = self._workspace
        return lambda: self._off_thread(self._write, root, snapshot)

    def _write(self, root: Path, cookies: list[Cookie]) -> None:
        store = self._store(root)
        if not cookies:
            if store.path.exists():
                store.delete()  # an emptied jar leaves no file and no key behind
            return
        store.save(cookies)

    async def flush(self) -> None:
        """Write the jar now if it changed, and wait (the window is closing)."""
        await self.finish(self.last_save())

    async def finish(self, write: Callable[[], Any] | None) -> None:
        """Run and await the write ``last_save()`` gave (None: nothing to write); touches no
        Qt object, so it runs after the window's are gone."""
        try:
            if write is not None:
                await write()
        except Exception as exc:  # the window is closing: the log is where this can go
            log.error("the cookies could not be saved: %s", _message(exc))
        finally:
            self._executor.shutdown(wait=False)


def _message(exc: BaseException) -> str:
    return f"Cookies: {exc}"
