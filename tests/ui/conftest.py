"""Qt fixtures. UI tests run in their own pytest process (see ./dev): qasync marks its loop as
running for the whole process, which pytest-asyncio's loops cannot share."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "default.warning=false")
# The window's default workspace and history go to a folder of this run, never the user's;
# and the OS keyring is out of reach: tests that need secrets hand the window a
# MemorySecrets (the real keyring has its own integration test).
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="spyglass-ui-tests-")
atexit.register(shutil.rmtree, os.environ["XDG_DATA_HOME"], True)
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"


@pytest.fixture(scope="session")
def qt_loop(qapp):  # type: ignore[no-untyped-def]
    """The qasync event loop running on Qt's loop (created once; never stopped)."""
    import asyncio

    import qasync

    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    # As in ui/app.py: plain worker threads for run_in_executor (qasync's QThreads outlive
    # a loop that is never closed, and Qt complains at exit).
    executor = ThreadPoolExecutor(thread_name_prefix="spyglass-test-worker")
    loop.set_default_executor(executor)
    yield loop
    executor.shutdown(wait=True, cancel_futures=True)
    asyncio.set_event_loop(None)


@pytest.fixture
def run_async(qt_loop, qtbot):  # type: ignore[no-untyped-def]
    """Run a coroutine as a task on the Qt loop and wait for it, from a plain (sync) test."""
    import asyncio

    def run(coro, timeout: float = 30.0):  # type: ignore[no-untyped-def]
        task = asyncio.ensure_future(coro, loop=qt_loop)
        qtbot.waitUntil(task.done, timeout=int(timeout * 1000))
        return task.result()

    return run


@pytest.fixture(scope="module")
def playground_http() -> Iterator[str]:
    """The playground server (in a thread of this process), one per test module."""
    from app.playground.background import BackgroundPlayground

    pg = BackgroundPlayground()
    yield pg.start()
    pg.stop()


@pytest.fixture(scope="module")
def playground(playground_http: str) -> str:
    """The playground's http:// URL (a module may redefine it, e.g. as ws://)."""
    return playground_http


@pytest.fixture(autouse=True)
def _collect_qt_garbage_on_this_thread() -> Iterator[None]:
    """Collect each test's cyclic garbage here, on the GUI thread, when the test ends.

    Python's cyclic collector runs on whichever thread happens to allocate past its
    threshold; when that is the in-process playground's thread, Qt objects caught in
    reference cycles are destroyed off the GUI thread and Qt crashes in a later event
    (reproduced on main by calling gc.collect() on the playground's thread). Collecting
    here leaves that thread nothing of Qt's to find."""
    import gc

    yield
    gc.collect()
