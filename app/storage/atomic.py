"""Atomic file writes: a crash or a kill during a save leaves the old file or the new one.

The data goes to a temporary file in the same folder, which is flushed and fsynced, then
renamed over the target with ``os.replace`` (atomic on POSIX and Windows), and the folder
itself is fsynced so the rename survives a power cut.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_writer", "write_atomic", "write_if_changed"]

# Read once, at import: reading it means setting it, which would race with other threads later.
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows cannot open a folder; the rename is already durable enough.
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _mode_for(path: Path, private: bool) -> int:
    """The permissions the new file gets: 0600 when ``private``, else the old file's, else
    the usual 0666 & ~umask."""
    if private:
        return 0o600
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return 0o666 & ~_UMASK


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str], *, private: bool = False,
                  before_replace: Callable[[], object] | None = None) -> Iterator[BinaryIO]:
    """A binary file that replaces ``path`` atomically when the ``with`` block ends well.

    ``before_replace`` runs once the new bytes are safe on disk, just before the rename: a
    check that raises there (the file changed since it was read) leaves the old file as it is.

    ``private`` makes the file readable by its owner alone (0600), whatever the old file's
    mode was: for a file holding secrets (see ``app.storage.private``). The temporary file is
    0600 from its creation, so the data is never readable by others, not even for a moment.

    For writes too large to hold in memory at once (an export of a million records). If the
    block raises, the temporary file is removed, the old file is untouched and the exception
    goes on; an ``OSError`` with an errno is raised again as one whose message names ``path``
    (of the errno's own subclass, e.g. ``PermissionError``).
    """
    target = Path(path)
    folder = target.parent
    tmp_name: str | None = None
    try:
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
        try:
            out = os.fdopen(fd, "wb", buffering=1 << 20)
        except BaseException:
            os.close(fd)
            raise
        with out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp_name, _mode_for(target, private))
        if before_replace is not None:
            before_replace()
        os.replace(tmp_name, target)
        tmp_name = None
        _fsync_dir(folder)
    except OSError as exc:
        if exc.errno is None:  # not the file system's: a caller's own (a cancellation)
            raise
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise OSError(exc.errno, f"cannot save {target}: {reason}", str(target)) from exc
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


def write_atomic(path: str | os.PathLike[str], data: bytes, *, private: bool = False,
                 before_replace: Callable[[], object] | None = None) -> None:
    """Replace ``path`` with ``data`` atomically (``private`` and ``before_replace`` as for
    :func:`atomic_writer`).

    Raises ``OSError`` (of the errno's own subclass, e.g. ``PermissionError``) whose message
    names ``path``; on failure the temporary file is removed and the old file is untouched.
    """
    with atomic_writer(path, private=private, before_replace=before_replace) as out:
        out.write(data)


def write_if_changed(path: str | os.PathLike[str], data: bytes, *,
                     before_replace: Callable[[], object] | None = None) -> bool:
    """Write ``data`` to ``path`` atomically unless the file already holds exactly these bytes
    (``before_replace`` as for :func:`atomic_writer`).

    Returns True when the file was written, False when it was left alone.
    """
    target = Path(path)
    try:
        if target.stat().st_size == len(data) and target.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except OSError:
        pass  # unreadable: try to write, which reports the problem with the path
    write_atomic(target, data, before_replace=before_replace)
    return True
