"""Content-Encoding decoders that count what they consume (pure: no I/O).

The library decodes response bodies itself rather than letting aiohttp do it, for one reason:
a decompression bomb is only seen for what it is by comparing the bytes produced with the
compressed bytes *consumed* to produce them. The whole of a small bomb arrives before it
expands, so the compressed bytes received say nothing until the end. :class:`BodyDecoder`
gives out at most ``max_length`` bytes per call, keeps the rest of its input for the next,
and keeps both counts.

gzip (``gzip``, ``x-gzip``; several members in a row too), ``deflate`` (zlib-wrapped, or raw
as some servers send it) and ``br`` are decoded; ``identity`` and any other coding pass
through as they are (aiohttp did the same for codings it did not know).
"""

from __future__ import annotations

import zlib
from typing import Any, Protocol

import brotli  # type: ignore[import-untyped]

__all__ = ["BodyDecoder", "DecodingError", "Readable", "decoder_for", "read_decoded"]


class Readable(Protocol):
    """What the decoded reader reads from (aiohttp's ``StreamReader`` is one)."""

    async def read(self, n: int = -1) -> bytes: ...


class DecodingError(ValueError):
    """The body is not valid data of its Content-Encoding."""


class BodyDecoder:
    """Decodes one body incrementally: :meth:`decode` new input, :meth:`more` what the last
    input still holds, :meth:`finish` at the end. ``consumed`` counts the compressed bytes
    used so far (as closely as the codec tells), ``produced`` the decoded bytes given out."""

    encoding = "identity"

    def __init__(self) -> None:
        self.consumed = 0
        self.produced = 0

        self._spill = b""  # output made but not yet given out

    def decode(self, data: bytes, max_length: int) -> bytes:
        """Take ``data``; return up to ``max_length`` decoded bytes (the rest waits for
        :meth:`more`)."""
        self.consumed += len(data)
        self._spill += data
        return self._give(b"", max_length)

    @property
    def pending(self) -> bool:
        """Whether decoded bytes are still waiting for :meth:`more`."""
        return bool(self._spill)

    def more(self, max_length: int) -> bytes:
        """Up to ``max_length`` more bytes from the input already taken."""
        return self._give(b"", max_length)

    def _give(self, made: bytes, max_length: int) -> bytes:
        """``made`` after what waits, cut at ``max_length``; the rest waits."""
        if self._spill:
            made, self._spill = self._spill + made, b""
        if len(made) > max_length:
            made, self._spill = made[:max_length], made[max_length:]
        self.produced += len(made)
        return made

    def finish(self) -> None:
        """The input ended: raise :class:`DecodingError` when the data stopped mid-stream."""


class _ZlibDecoder(BodyDecoder):
    def __init__(self, encoding: str) -> None:
        super().__init__()
        self.encoding = encoding
        self._gzip = encoding != "deflate"
        self._obj: Any = None
        self._tail = b""  # input taken but not yet consumed by the decompressor
        self._held = False  # the last call stopped at its output bound: zlib may hold more
        self._ended = False

    def _new(self, first: bytes) -> Any:
        if self._gzip:
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        # RFC 9110 deflate is zlib-wrapped; some servers send raw deflate (no header).
        wrapped = bool(first) and first[0] & 0x0F == 8
        return zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)

    def decode(self, data: bytes, max_length: int) -> bytes:
        self._tail += data
        return self.more(max_length)

    @property
    def pending(self) -> bool:
        return bool(self._tail) or self._held

    def more(self, max_length: int) -> bytes:
        out = bytearray()
        while (self._tail or self._held) and len(out) < max_length:
            if self._obj is None or self._obj.eof:
                if self._obj is not None and not self._gzip:
                    self.consumed += len(self._tail)  # trailing bytes after a deflate stream
                    self._tail = b""
                    break
                self._obj = self._new(self._tail)
            before = len(self._tail)
            want = max_length - len(out)
            try:
                made = self._obj.decompress(self._tail, want)
            except zlib.error as exc:
                raise DecodingError(f"invalid {self.encoding} data: {exc}") from exc
            out += made
            self._tail = self._obj.unconsumed_tail or self._obj.unused_data
            self.consumed += before - len(self._tail)
            # Output cut at its bound may leave decoded bytes inside zlib with every input
            # byte consumed: they come with the next call, even one with no new input.
            self._held = not self._obj.eof and len(made) == want
            if not self._obj.eof and not self._obj.unconsumed_tail and not self._held:
                break  # the decompressor needs more input
        self._ended = self._obj is not None and self._obj.eof
        self.produced += len(out)
        return bytes(out)

    def finish(self) -> None:
        if self._obj is not None and not self._ended:
            raise DecodingError(f"the {self.encoding} data ended before its end mark")


# Brotli 1.2 bounds each call's output; 1.1 (which the dependency still allows) cannot.
_BROTLI_BOUNDED = hasattr(brotli.Decompressor(), "can_accept_more_data")


class _BrotliDecoder(BodyDecoder):
    """Brotli keeps unconsumed input inside; ``consumed`` counts input as it is taken."""

    encoding = "br"

    def __init__(self) -> None:
        super().__init__()
        self._obj = brotli.Decompressor()

    def decode(self, data: bytes, max_length: int) -> bytes:
        self.consumed += len(data)
        return self._process(data, max_length)

    @property
    def pending(self) -> bool:
        return bool(self._spill) or (_BROTLI_BOUNDED and not self._obj.can_accept_more_data())

    def more(self, max_length: int) -> bytes:
        if self._spill:
            return self._give(b"", max_length)
        return self._process(b"", max_length) if self.pending else b""

    def _process(self, data: bytes, max_length: int) -> bytes:
        # The limit is soft (the buffer stops growing once past it): what overflows waits.
        try:
            if _BROTLI_BOUNDED:
                made: bytes = self._obj.process(data, output_buffer_limit=max_length)
            else:
                made = self._obj.process(data)
        except brotli.error as exc:
            raise DecodingError(f"invalid br data: {exc}") from exc
        return self._give(made, max_length)

    def finish(self) -> None:
        if self.consumed and not self._obj.is_finished():
            raise DecodingError("the br data ended before its end mark")


def decoder_for(content_encoding: str | None) -> BodyDecoder:
    """The decoder for a response's ``Content-Encoding`` (one coding; anything else passes
    through)."""
    coding = (content_encoding or "").strip().lower()
    if coding in ("gzip", "x-gzip", "deflate"):
        return _ZlibDecoder(coding)
    if coding == "br":
        return _BrotliDecoder()
    return BodyDecoder()


async def read_decoded(content: Readable, decoder: BodyDecoder, size: int) -> bytes:
    """Up to ``size`` decoded bytes of the body read from ``content`` (encoded, at most
    ``size`` at a time); ``b""`` at its end."""
    while True:
        out = decoder.more(size) if decoder.pending else b""
        if not out:
            chunk = await content.read(size)
            if not chunk:
                out = decoder.more(size)  # what the last input still held
                if not out:
                    decoder.finish()
                    return b""
            else:
                out = decoder.decode(chunk, size)
        if out:
            return out
