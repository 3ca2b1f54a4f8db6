"""A program on a pseudo-terminal, driven from an asyncio loop: the playground's terminals.

The child gets the pty's slave side as its standard streams and controlling terminal, in a
session of its own; the loop reads and writes the master side without blocking. A thread
per child waits for it, so that it is reaped whatever happens to the loop (no zombies), and
so that no child watcher of the loop's policy is needed (the window runs the playground on
a loop of its own thread, beside qasync's).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import signal
import struct
import subprocess
import threading
from collections.abc import Mapping, Sequence
from typing import Any

try:  # Unix only: where these are missing the terminals answer 501 (see terminal.py).
    import fcntl
    import termios

    HAVE_PTY = hasattr(os, "openpty") and hasattr(termios, "TIOCSCTTY")
except ImportError:  # pragma: no cover - Windows
    HAVE_PTY = False

__all__ = ["HAVE_PTY", "MAX_SIZE", "READ_SIZE", "PtyProcess", "exit_status"]

#: Bytes read from the master side at a time.
READ_SIZE = 64 * 1024
#: The largest number of rows or columns a terminal may be given.
MAX_SIZE = 1000
#: Seconds the output is still read after the program ended, for what it wrote last (the
#: kernel hands a pty's data to the master side asynchronously).
DRAIN_TIMEOUT = 0.5


def exit_status(returncode: int) -> int:
    """A shell's exit status: a program killed by signal N ended with 128 + N."""
    return 128 - returncode if returncode < 0 else returncode


def _session_groups(session: int) -> set[int]:
    """The process groups with a member in ``session`` (empty where /proc is missing)."""
    groups: set[int] = set()
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    text = stat.read()
            except OSError:
                continue  # it ended meanwhile
            # "pid (comm) state ppid pgrp session ...": comm may hold spaces and parentheses.
            fields = text[text.rfind(b")") + 2 :].split()
            if len(fields) > 3 and fields[3] == str(session).encode():
                groups.add(int(fields[2]))
    return groups


def _take_controlling_terminal() -> None:  # pragma: no cover - runs in the child
    # After setsid (start_new_session) the child has no controlling terminal; without one
    # a shell has no job control and the size change's SIGWINCH reaches nobody.
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtyProcess:
    """``argv`` running on a new pseudo-terminal of ``rows`` x ``cols``.

    Made on a running loop; raises ``OSError`` when the program cannot be started.
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        rows: int = 24,
        cols: int = 80,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self.argv = list(argv)
        self.rows, self.cols = rows, cols
        master, slave = os.openpty()
        try:
            self._set_size(master, rows, cols)
            child_env = dict(os.environ if env is None else env)
            child_env.update(TERM="xterm-256color", COLUMNS=str(cols), LINES=str(rows))
            self._popen = subprocess.Popen(
                self.argv,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=child_env,
                cwd=cwd,
                start_new_session=True,
                # Only an ioctl runs between fork and exec: nothing that could need a lock
                # another thread held at the fork.
                preexec_fn=_take_controlling_terminal,
                close_fds=True,
            )
        except BaseException:
            os.close(master)
            raise
        finally:
            # Only the child holds the slave now: once it (and its children) close it, the
            # master reads EIO, which is how the end of the output is seen.
            os.close(slave)
        os.set_blocking(master, False)
        self._fd: int | None = master
        self.pid = self._popen.pid
        self.returncode: int | None = None
        self._exited: asyncio.Future[int] = self._loop.create_future()
        self._eof = False
        threading.Thread(
            target=self._wait_in_thread, name=f"pty-wait-{self.pid}", daemon=True
        ).start()

    # -- the child's end ----------------------------------------------------------------

    def _wait_in_thread(self) -> None:
        code = self._popen.wait()  # reaps the child, whatever the loop is doing
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting
            self._loop.call_soon_threadsafe(self._set_exited, code)

    def _set_exited(self, code: int) -> None:
        self.returncode = code
        if not self._exited.done():
            self._exited.set_result(code)

    async def wait(self) -> int:
        """The program's return code once it ended (negative: killed by that signal)."""
        return await asyncio.shield(self._exited)

    @property
    def exited(self) -> asyncio.Future[int]:
        return self._exited

    def signal_group(self, sig: int) -> None:
        """Send ``sig`` to the program's session: its own process group (it leads it) and
        the groups of its background jobs, which a shell puts apart (where the platform
        lists them: Linux's /proc)."""
        groups = {self.pid} if self.returncode is None else set()
        groups.update(_session_groups(self.pid))
        for group in groups:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, sig)

    async def terminate(self, grace: float = 1.0) -> int:
        """Hang up the program's session (SIGHUP), give the program ``grace`` seconds to
        end, SIGKILL what is left of the session (the program, its background jobs), wait
        for the program, and close the terminal. Cancelling this kills at once (the waiting
        thread still reaps the program)."""
        try:
            self.signal_group(signal.SIGHUP)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._exited), grace)
            self.signal_group(signal.SIGKILL)
            return await asyncio.shield(self._exited)
        except asyncio.CancelledError:
            self.signal_group(signal.SIGKILL)
            raise
        finally:
            self.close()

    def close(self) -> None:
        """Close the master side (the kernel hangs up what still holds the slave)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            self._loop.remove_reader(fd)
            self._loop.remove_writer(fd)
            os.close(fd)

    @property
    def closed(self) -> bool:
        return self._fd is None

    # -- input and output ---------------------------------------------------------------

    async def _ready(self, fd: int, *, write: bool) -> None:
        future: asyncio.Future[None] = self._loop.create_future()

        def ready() -> None:
            if not future.done():
                future.set_result(None)

        add, remove = (
            (self._loop.add_writer, self._loop.remove_writer)
            if write
            else (self._loop.add_reader, self._loop.remove_reader)
        )
        add(fd, ready)
        try:
            if write:
                await future
            elif self._exited.done():
                # The program ended: what it wrote last arrives shortly, or the master
                # reads EIO; a grandchild that keeps the slave open must not hold us here.
                await asyncio.wait_for(future, DRAIN_TIMEOUT)
            else:
                either: list[asyncio.Future[Any]] = [future, self._exited]
                await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if self._fd == fd:
                remove(fd)

    async def read(self) -> bytes:
        """The next output; ``b""`` once it ended (the terminal is closed, or the program
        ended and nothing more came within a moment)."""
        while not self._eof:
            fd = self._fd
            if fd is None:
                break
            try:
                data = os.read(fd, READ_SIZE)
            except BlockingIOError:
                try:
                    await self._ready(fd, write=False)
                except TimeoutError:
                    break
                continue
            except OSError as exc:
                # EIO: every holder of the slave side closed it (Linux); EBADF: closed here.
                if exc.errno in (errno.EIO, errno.EBADF):
                    break
                raise
            if data:
                return data
            break  # end of file (BSD and macOS)
        self._eof = True
        return b""

    async def write(self, data: bytes) -> None:
        """Send ``data`` as typed input; waits while the program does not read it. Input to
        a closed terminal is dropped."""
        view = memoryview(data)
        while view:
            fd = self._fd
            if fd is None:
                return
            try:
                written = os.write(fd, view)
            except BlockingIOError:
                await self._ready(fd, write=True)
                continue
            except OSError as exc:
                if exc.errno in (errno.EIO, errno.EBADF):
                    return  # the program is gone: nobody reads this
                raise
            view = view[written:]

    def resize(self, rows: int, cols: int) -> None:
        """Give the terminal a new size (the kernel sends the program SIGWINCH)."""
        self.rows, self.cols = rows, cols
        if self._fd is not None:
            self._set_size(self._fd, rows, cols)

    @staticmethod
    def _set_size(fd: int, rows: int, cols: int) -> None:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def eof_char(self) -> bytes:
        """The character that ends input on this terminal (Ctrl+D unless changed)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                char = termios.tcgetattr(self._fd)[6][termios.VEOF]
                if isinstance(char, bytes) and char:
                    return char
        return b"\x04"
