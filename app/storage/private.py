"""Files only their owner may read: the ones that hold what the user sent and received.

Which files are private, and why (each is decided where the file is made):

* the history database and SQLite's side files (-wal, -shm, -journal, which SQLite creates
  with the database's own mode): it holds request URLs, bodies and error texts;
* the window's saved state (the open tabs' requests, in the settings file);
* an export made *with* secrets (``include_secrets``);
* stream-log spill segments and body-store temporary files (received data, in the temp folder
  that other users can list);
* the log folder (a logged failure may name a URL): the folder is 0700, so the files the log
  rotation makes are private whatever their own mode.

Workspace files are not private: a workspace is meant to be shared, through git or a shared
folder, and holds no secret (secrets live in the keyring), so they keep the usual
``0666 & ~umask``. A body or log the user saves somewhere on purpose is a normal file too.

On POSIX "private" is mode 0600 (0700 for a folder). On Windows files in the user's profile are
private by the profile's own permissions, and modes mean little, so nothing is changed there.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = ["PRIVATE_DIR_MODE", "PRIVATE_FILE_MODE", "make_private", "private_dir"]

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700


def make_private(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` empty with mode 0600 if it does not exist, else take away every
    permission of the group and others (a file an older version made 0644); returns it."""
    target = Path(path)
    if os.name != "posix":
        return target
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0),
                 PRIVATE_FILE_MODE)
    try:
        mode = os.fstat(fd).st_mode & 0o777
        if mode & 0o077:
            os.fchmod(fd, mode & 0o700)
    finally:
        os.close(fd)
    return target


def private_dir(path: str | os.PathLike[str]) -> Path:
    """Make the folder ``path`` (and its parents) if missing, the new ones 0700 (an existing
    folder is left as it is: it may be shared on purpose); returns it."""
    target = Path(path)
    with contextlib.suppress(FileExistsError):
        target.mkdir(mode=PRIVATE_DIR_MODE, parents=True)
    return target
