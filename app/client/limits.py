"""Bounds on what a peer can make the library hold: :class:`Limits`, and the guard that
applies them while a body is read.

A server decides how big its answer is and how well it compresses. ``read()``, ``text()``
and ``json()`` hold the decoded body in memory, so they stop at :attr:`Limits.body`; a body
streamed by ``iter_chunks()`` or ``save()`` has no size cap. Every decoded body, streamed or
not, stops when it expands more than :attr:`Limits.compression_ratio` times past the first
:attr:`Limits.ratio_grace` bytes: a 1 MiB gzip of newlines decodes to 1 GiB. (The library
decodes bodies itself, a bounded piece at a time, see :mod:`app.client.decoding`.) An error
body read for ``APIError`` keeps its first :attr:`Limits.error_body` bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp

from .decoding import DecodingError, decoder_for, read_decoded
from .errors import ERROR_BODY_LIMIT, ErrorKind, RequestError

__all__ = ["BodyReader", "Limits", "size_text"]

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
    - ``compression_ratio``: decoded bytes per compressed byte consumed to produce them,
      checked once ``ratio_grace`` bytes (8 MiB) have been decoded (1000 by default: JSON
      and text compress 5 to 20 times, gzip can do no better than about 1030, so what
      passes it is built to expand);
    - ``websocket_message``: the largest message a WebSocket receives, its fragments joined
      and decompressed (4 MiB by default, what aiohttp holds when not told): a larger one
      closes the connection with code 1009 and raises ``StreamError`` with ``kind``
      ``TOO_LARGE``. It applies to the connections ``connect_websocket`` opens (terminals
      included) once it is set; one already open keeps the limit it opened with. None
      takes the cap off.
    """

    body: int | None = 256 * _MIB
    error_body: int = ERROR_BODY_LIMIT
    compression_ratio: float | None = 1000.0
    ratio_grace: int = 8 * _MIB
    websocket_message: int | None = 4 * _MIB

    def __post_init__(self) -> None:
        for name in ("body", "error_body", "ratio_grace", "websocket_message"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or value <= 0):
                raise ValueError(f"Limits({name}=...) must be a positive number of bytes, "
                                 f"not {value!r}")
        ratio = self.compression_ratio
        if ratio is not None and (isinstance(ratio, bool) or not isinstance(ratio, int | float)
                                  or ratio < 1):
            raise ValueError(f"Limits(compression_ratio=...) must be at least 1, not {ratio!r}")


class BodyReader:
    """Reads one response body decoded (``Content-Encoding``), applying :class:`Limits`.

    The session asks aiohttp for the body as sent, so that the ratio compares the bytes
    produced with the compressed bytes consumed to produce them (see
    :mod:`app.client.decoding`). ``hold=True`` counts the body against ``Limits.body``: the
    caller keeps it in memory. ``ratio=False`` skips the ratio guard (an event stream, which
    holds nothing past ``max_event_size``).
    """

    __slots__ = ("_content", "_decoder", "_held", "_hold", "_limits", "_ratio", "_url")

    def __init__(
        self, raw: aiohttp.ClientResponse, limits: Limits, *, hold: bool = False,
        ratio: bool = True,
    ) -> None:
        self._content = raw.content
        self._decoder = decoder_for(raw.headers.get("Content-Encoding"))
        self._limits = limits
        self._url = raw.url  # made a str only for an error message
        self._held = 0
        self._hold = hold
        self._ratio = ratio and limits.compression_ratio is not None

    async def read(self, size: int) -> bytes:
        """Up to ``size`` decoded bytes; ``b""`` at the end. Raises TOO_LARGE past a limit,
        PROTOCOL when the body is not valid data of its coding."""
        try:
            chunk = await read_decoded(self._content, self._decoder, size)
        except DecodingError as exc:
            raise RequestError(
                f"The response body from {self._url} could not be decoded: {exc}",
                url=str(self._url),
                kind=ErrorKind.PROTOCOL,
            ) from exc
        if self._hold:
            self.hold(len(chunk))
        if self._ratio:
            self.check_ratio()
        return chunk

    def check_ratio(self) -> None:
        """Raise TOO_LARGE when the body expands past the ratio (after the grace)."""
        ratio = self._limits.compression_ratio
        decoder = self._decoder
        produced = decoder.produced
        if ratio is None or produced <= self._limits.ratio_grace:
            return
        consumed = decoder.consumed
        if produced > ratio * max(consumed, 1):
            raise RequestError(
                f"The response body from {self._url} expands more than {ratio:g} times when "
                f"decompressed ({size_text(consumed)} became over {size_text(produced)}): "
                "a decompression bomb? Reading stopped. If the server is trusted, raise "
                "Limits(compression_ratio=...) or set it to None.",
                url=str(self._url),
                kind=ErrorKind.TOO_LARGE,
            )

    def announced(self, length: int) -> None:
        """Fail before reading a body whose announced length is past ``Limits.body``."""
        cap = self._limits.body
        if cap is not None and length > cap:
            self.hold(length)

    def hold(self, size: int) -> None:
        """Count ``size`` more bytes held in memory; raise TOO_LARGE past ``Limits.body``."""
        self._held += size
        cap = self._limits.body
        if cap is not None and self._held > cap:
            raise RequestError(
                f"The response body from {self._url} is larger than {size_text(cap)}, the "
                "limit for a body held in memory (Limits(body=...)). Stream it with "
                "iter_chunks() or save(), or raise the limit.",
                url=str(self._url),
                kind=ErrorKind.TOO_LARGE,
            )
