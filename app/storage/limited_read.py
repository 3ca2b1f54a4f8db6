"""Files and streams read within a limit (a workspace file, an import, a data file): at most
the limit and one byte more is ever read, so ``/dev/zero`` or a huge file stops at once.
Free of YAML: what reads a file before it knows it will parse it does not load a parser."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

__all__ = ["MAX_FILE_BYTES", "InputTooLarge", "read_limited", "read_stream_limited",
           "size_text"]

#: The largest file read whole: an import, or a workspace file. Far above any real collection
#: or API description, far below what makes the machine swap; ``/dev/zero`` stops here too.
MAX_FILE_BYTES = 64 * 1024 * 1024

_CHUNK = 1024 * 1024


class InputTooLarge(ValueError):
    """A file or input larger than its limit; the message names it and the limit."""


def read_limited(path: str | Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of the file at ``path``, reading at most ``limit`` + 1 of them:
    :class:`InputTooLarge` past ``limit``, ``OSError`` when it cannot be read."""
    with open(path, "rb") as stream:
        data = read_stream_limited(stream, limit)
    if len(data) > limit:
        raise InputTooLarge(f"{path} is larger than {size_text(limit)}: not read")
    return data


def read_stream_limited(stream: BinaryIO, limit: int) -> bytes:
    """At most ``limit`` + 1 bytes of ``stream`` (one more than ``limit`` says it is too
    large), read in pieces: ``read(limit + 1)`` would reserve the whole limit up front."""
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = stream.read(min(_CHUNK, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def size_text(limit: int) -> str:
    """``64 MiB`` for a limit in bytes (whole MiB, else bytes)."""
    if limit >= 1024 * 1024 and limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MiB"
    return f"{limit:,} bytes"
