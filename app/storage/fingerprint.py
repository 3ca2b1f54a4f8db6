"""What a file held when it was read or written, to notice later that someone else changed it.

A :class:`Fingerprint` is the size and SHA-256 of the bytes, not the modification time: a
``git checkout`` or a ``touch`` that leaves the text as it was is no change, and two writes
within the file system's time granularity are still told apart.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["ABSENT", "Fingerprint"]


@dataclass(frozen=True)
class Fingerprint:
    """The size and SHA-256 (hex) of a file's bytes."""

    size: int
    digest: str

    @classmethod
    def of(cls, data: bytes) -> Fingerprint:
        """The fingerprint of ``data``."""
        # hashlib is imported here: it initialises OpenSSL's digests, which a window whose
        # workspace has no file to read does without (bench/idle.py).
        import hashlib

        return cls(len(data), hashlib.sha256(data).hexdigest())

    @classmethod
    def of_file(cls, path: str | os.PathLike[str]) -> Fingerprint | None:
        """The fingerprint of the file ``path`` now; None when there is no such file.

        Another ``OSError`` (unreadable) goes on: it is not evidence that nothing changed."""
        try:
            with open(path, "rb") as f:
                return cls.of(f.read())
        except (FileNotFoundError, NotADirectoryError):
            return None


#: The fingerprint of "no such file": a save that expects it (the user kept a request whose
#: file was deleted) creates the file, and refuses once someone else created one.
ABSENT = Fingerprint(-1, "")
