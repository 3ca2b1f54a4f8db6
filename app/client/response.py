"""The response of ``fetch()``: :class:`Response` under a ``Session``, :class:`AsyncResponse`
under an ``AsyncSession``.

Both share :class:`BaseResponse`: the metadata, and each reading method written once as a
coroutine. :class:`AsyncResponse` hands the coroutines out to be awaited; :class:`Response`
runs them on the synchronous session's loop and returns the values. So each class states its
true types: ``read()`` is ``bytes`` on one and a coroutine of ``bytes`` on the other.
"""

from __future__ import annotations

import asyncio
import codecs
import json
import os
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Coroutine, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
from multidict import CIMultiDictProxy

from app.model.http import charset as declared_charset
from app.model.http import decode_text

from .errors import RequestError, translate
from .limits import BodyReader, Limits
from .timings import TimingCollector, Timings

if TYPE_CHECKING:
    from .sync_session import Session

__all__ = ["AsyncResponse", "BaseResponse", "Response"]

ProgressHook = Callable[[int, "int | None"], object]
_DEFAULT_LIMITS = Limits()
#: How much ``read()`` asks for at a time (decoded bytes).
_READ_SIZE = 1 << 20


async def _next_chunk(agen: AsyncGenerator[bytes, None]) -> bytes:
    return await agen.__anext__()


class BaseResponse:
    """What both kinds of response share: status, headers, timings, and the body's readers
    as coroutines."""

    def __init__(
        self,
        underlying_response: aiohttp.ClientResponse,
        *,
        history: list[tuple[int, str]] | None = None,
        collector: TimingCollector | None = None,
        limits: Limits | None = None,
    ) -> None:
        self._raw = underlying_response
        self._history = list(history or [])
        self._collector = collector or TimingCollector()
        self._limits = limits or _DEFAULT_LIMITS
        self._body: bytes | None = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.status} {self.reason} {self.url}>"

    # -- metadata -------------------------------------------------------------------------

    @property
    def status(self) -> int:
        return self._raw.status

    @property
    def reason(self) -> str:
        return self._raw.reason or ""

    @property
    def headers(self) -> CIMultiDictProxy[str]:
        """The response headers (case-insensitive)."""
        return self._raw.headers

    @property
    def url(self) -> str:
        """The final URL, after redirects."""
        return str(self._raw.url)

    @property
    def history(self) -> list[tuple[int, str]]:
        """One ``(status, url)`` pair per redirect followed, in order."""
        return list(self._history)

    @property
    def content_type(self) -> str:
        """The media type, without parameters (``application/octet-stream`` when none)."""
        return self._raw.content_type

    @property
    def content_length(self) -> int | None:
        return self._raw.content_length

    @property
    def charset(self) -> str:
        """The charset :meth:`text` decodes with: the declared one when Python knows it, else
        UTF-8. Never raises."""
        declared = declared_charset(self._raw.headers.get("Content-Type", ""))
        if declared:
            try:
                codecs.lookup(declared)
                return declared
            except LookupError:
                pass
        return "utf-8"

    @property
    def http_version(self) -> str:
        version = self._raw.version
        if version is None:
            return ""
        return f"HTTP/{version.major}.{version.minor}"

    @property
    def timings(self) -> Timings:
        """Where the time went; complete once the body has been read."""
        return self._collector.snapshot()

    @property
    def raw(self) -> aiohttp.ClientResponse:
        """The underlying aiohttp response, for what this wrapper does not cover. Its
        ``content`` is the body as sent: the library decodes ``Content-Encoding`` itself."""
        return self._raw

    # -- body -----------------------------------------------------------------------------

    async def _read(self) -> bytes:
        if self._body is None:
            raw = self._raw
            reader = BodyReader(raw, self._limits, hold=True)
            length = raw.content_length
            if (length is not None and not raw.headers.get("Content-Encoding")
                    and raw.method != "HEAD" and raw.status not in (204, 304)):
                reader.announced(length)  # too large as announced: fail before reading
                # Not encoded, its length known and within the limit: aiohttp reads exactly
                # that much, in one call (most bodies; a loop of reads costs ~5% a request).
                with translate(raw.url):
                    self._body = await raw.read()
                self._collector.mark_body_done()
                return self._body
            body = bytearray()
            try:
                with translate(raw.url):
                    while chunk := await reader.read(_READ_SIZE):
                        body += chunk
            except BaseException:
                raw.close()  # the rest is not wanted: do not read it to reuse the connection
                raise
            self._body = bytes(body)
            self._collector.mark_body_done()
        return self._body

    async def _text(self) -> str:
        return decode_text(await self._read(), self.charset)

    async def _json(self) -> Any:
        return json.loads(await self._text())

    async def _chunks(self, size: int) -> AsyncGenerator[bytes, None]:
        if self._body is not None:
            for start in range(0, len(self._body), size):
                yield self._body[start : start + size]
            return
        raw = self._raw
        reader = BodyReader(raw, self._limits)
        try:
            with translate(raw.url):
                while chunk := await reader.read(size):
                    yield chunk
        except RequestError:
            raw.close()
            raise
        self._collector.mark_body_done()

    async def _save(self, path: str | os.PathLike[str], progress: ProgressHook | None) -> int:
        loop = asyncio.get_running_loop()
        encoded = self._raw.headers.get("Content-Encoding", "identity").lower()
        total = self.content_length if encoded in ("", "identity") else None
        if self._body is not None:
            total = len(self._body)
        received = 0
        target = Path(path)
        handle = await loop.run_in_executor(None, target.open, "wb")
        try:
            async for chunk in self._chunks(1 << 20):
                await loop.run_in_executor(None, handle.write, chunk)
                received += len(chunk)
                if progress is not None:
                    progress(received, total)
        finally:
            await loop.run_in_executor(None, handle.close)
        return received

    async def release(self) -> None:
        """Give the connection back (closed when the body was not read to the end)."""
        self._raw.release()


class Response(BaseResponse):
    """A response under a synchronous ``Session``: the readers return values."""

    def __init__(
        self,
        session: Session,
        underlying_response: aiohttp.ClientResponse,
        *,
        history: list[tuple[int, str]] | None = None,
        collector: TimingCollector | None = None,
        limits: Limits | None = None,
    ) -> None:
        super().__init__(underlying_response, history=history, collector=collector,
                         limits=limits)
        self._session = session

    def read(self) -> bytes:
        """The whole body, decoded from gzip, deflate or brotli."""
        return self._session.run(self._read())

    def text(self) -> str:
        """The body as text in :attr:`charset`; bad bytes become U+FFFD."""
        return self._session.run(self._text())

    def json(self) -> Any:
        """The body parsed as JSON (``ValueError`` when it is not JSON)."""
        return self._session.run(self._json())

    def iter_chunks(self, size: int = 65536) -> Iterator[bytes]:
        """Stream the body in chunks of at most ``size`` bytes."""
        if size <= 0:
            raise ValueError("size must be positive")
        return self._sync_chunks(size)

    def _sync_chunks(self, size: int) -> Iterator[bytes]:
        agen = self._chunks(size)
        try:
            while True:
                try:
                    yield self._session.run(_next_chunk(agen))
                except StopAsyncIteration:
                    return
        finally:
            self._session.run(agen.aclose())

    def save(self, path: str | os.PathLike[str], *, progress: ProgressHook | None = None) -> int:
        """Stream the body to ``path``; ``progress(received, total_or_None)`` after each chunk.
        Returns the number of bytes written."""
        return self._session.run(self._save(path, progress))


class AsyncResponse(BaseResponse):
    """A response under an ``AsyncSession``: the readers return coroutines to await."""

    def read(self) -> Coroutine[Any, Any, bytes]:
        """The whole body, decoded from gzip, deflate or brotli."""
        return self._read()

    def text(self) -> Coroutine[Any, Any, str]:
        """The body as text in :attr:`charset`; bad bytes become U+FFFD."""
        return self._text()

    def json(self) -> Coroutine[Any, Any, Any]:
        """The body parsed as JSON (``ValueError`` when it is not JSON)."""
        return self._json()

    def iter_chunks(self, size: int = 65536) -> AsyncIterator[bytes]:
        """Stream the body in chunks of at most ``size`` bytes (``async for``)."""
        if size <= 0:
            raise ValueError("size must be positive")
        return self._chunks(size)

    def save(
        self, path: str | os.PathLike[str], *, progress: ProgressHook | None = None
    ) -> Coroutine[Any, Any, int]:
        """Stream the body to ``path``; ``progress(received, total_or_None)`` after each chunk.
        Returns the number of bytes written."""
        return self._save(path, progress)
