"""Bounds on what a peer can make the library hold: :class:`Limits`, and the guard that
applies them while a body is read.

A server decides how big its answer is and how well it compresses. ``read()``, ``text()``
and ``json()`` hold the decoded body in memory, so they stop at :attr:`Limits.body`; a body
streamed by ``iter_chunks()`` or ``save()`` has no size cap. Every decoded body, streamed or
not, stops when it expands more than :attr:`Limits.compression_ratio` times past the first
:attr:`Limits.ratio_grace` bytes: a 1 MiB gzip of newlines decodes to 1 GiB. (aiohttp decodes
as the body is read, with back-pressure, so the guard sees the expansion as it happens.) An
error body read for ``APIError`` keeps its first :attr:`Limits.error_body` bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp

from .errors import ERROR_BODY_LIMIT, ErrorKind, RequestError

__all__ = ["BodyGuard", "Limits", "size_text"]

_MIB = 1 << 20


def size_text(size: int) -> str:
    """``16777216`` -> ``"16 MiB"``; sizes that are not whole MiB in bytes."""
    if size >= _MIB and size % _MIB == 0:
        return f"{size // _MIB} MiB"
    if size >= _MIB:
        return f"{size / _MIB:.1f} MiB"
    return f"{size} bytes"


@dataclass(frozen=True)
class Limits:
    """What a response may make the library hold (sizes in bytes; None turns a cap off).

    - ``body``: the decoded body ``read()``, ``text()`` and ``json()`` hold in memory
      (256 MiB by default); a streamed body (``iter_chunks()``, ``save()``) has no cap;
    - ``error_body``: what is kept of an error answer's body for ``APIError`` (4 MiB);
    - ``compression_ratio``: decoded bytes per compressed byte received so far, checked
      once ``ratio_grace`` bytes (8 MiB) have been decoded (100 by default). The compressed
      count is what has arrived, not what has been decoded yet: a small bomb arrives whole
      before it expands, so the ratio is set well under gzip's best (about 1030) for the
      guard to trip within MiBs. JSON and text compress 5 to 20 times.
    """

    body: int | None = 256 * _MIB
    error_body: int = ERROR_BODY_LIMIT
    compression_ratio: float | None = 100.0
    ratio_grace: int = 8 * _MIB

    def __post_init__(self) -> None:
        for name in ("body", "error_body", "ratio_grace"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or value <= 0):
                raise ValueError(f"Limits({name}=...) must be a positive number of bytes, "
                                 f"not {value!r}")
        ratio = self.compression_ratio
        if ratio is not None and (isinstance(ratio, bool) or not isinstance(ratio, int | float)
                                  or ratio < 1):
            raise ValueError(f"Limits(compression_ratio=...) must be at least 1, not {ratio!r}")


class BodyGuard:
    """Applies :class:`Limits` to one response body as its chunks are read.

    The ratio is measured on aiohttp's own counters of the body's bytes as received and as
    decoded, so a check costs two attribute reads per chunk.
    """

    __slots__ = ("_content", "_held", "_limits", "_url")

    def __init__(self, raw: aiohttp.ClientResponse, limits: Limits) -> None:
        self._content = raw.content
        self._limits = limits
        self._url = str(raw.url)
        self._held = 0

    def check_ratio(self) -> None:
        """Raise TOO_LARGE when the body expands past the ratio (after the grace)."""
        ratio = self._limits.compression_ratio
        if ratio is None:
            return
        content = self._content
        decoded = content.total_bytes
        if decoded <= self._limits.ratio_grace:
            return
        received = content.total_raw_bytes
        if decoded > ratio * max(received, 1):
            raise RequestError(
                f"The response body from {self._url} expands more than {ratio:g} times when "
                f"decompressed ({size_text(received)} became over {size_text(decoded)}): "
                "a decompression bomb? Reading stopped. If the server is trusted, raise "
                "Limits(compression_ratio=...) or set it to None.",
                url=self._url,
                kind=ErrorKind.TOO_LARGE,
            )

    def announced(self, length: int) -> None:
        """Fail before reading a body whose announced length is past ``Limits.body``."""
        cap = self._limits.body
        if cap is not None and length > cap:
            self.hold(length)
            self._held = 0

    def hold(self, size: int) -> None:
        """Count ``size`` more bytes held in memory; raise TOO_LARGE past ``Limits.body``."""
        self._held += size
        cap = self._limits.body
        if cap is not None and self._held > cap:
            raise RequestError(
                f"The response body from {self._url} is larger than {size_text(cap)}, the "
                "limit for a body held in memory (Limits(body=...)). Stream it with "
                "iter_chunks() or save(), or raise the limit.",
                url=self._url,
                kind=ErrorKind.TOO_LARGE,
            )
