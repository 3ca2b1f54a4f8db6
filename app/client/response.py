"""The response of ``fetch()``: values under a ``Session``, awaitables under an ``AsyncSession``.

Each reading method is written once as a coroutine; :meth:`Response._result` hands it back
as it is in async mode, or runs it on the synchronous session's loop and returns the value.
"""

from __future__ import annotations

import asyncio
import codecs
import json
import os
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
from multidict import CIMultiDictProxy

from .errors import translate
from .timings import TimingCollector, Timings

if TYPE_CHECKING:
    from collections.abc import Coroutine

    from .session import Session

__all__ = ["Response", "error_data", "is_json_type"]

T = TypeVar("T")
ProgressHook = Callable[[int, "int | None"], object]


def is_json_type(content_type: str) -> bool:
    """``application/json`` and the ``+json`` family."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _charset_of(content_type: str) -> str | None:
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"') or None
    return None


def decode_text(body: bytes, charset: str | None) -> str:
    """Decode with the declared charset, falling back to UTF-8; bad bytes become U+FFFD."""
    try:
        codec = codecs.lookup(charset or "utf-8").name
    except LookupError:
        codec = "utf-8"
    return body.decode(codec, errors="replace")


def error_data(reason: str, body: bytes, content_type: str) -> Any:
    """What ``APIError.data`` holds: the JSON body where it is JSON, else title and text."""
    if body and is_json_type(content_type):
        try:
            return json.loads(decode_text(body, _charset_of(content_type)))
        except ValueError:
            pass
    return {"title": reason, "content": decode_text(body, _charset_of(content_type))}


async def _next_chunk(agen: AsyncGenerator[bytes, None]) -> bytes:
    return await agen.__anext__()


class Response:
    """An HTTP response: status, headers and the body, read whole or streamed."""

    def __init__(
        self,
        session: Any,
        underlying_response: aiohttp.ClientResponse,
        *,
        async_mode: bool = False,
        history: list[tuple[int, str]] | None = None,
        collector: TimingCollector | None = None,
    ) -> None:
        self._session: Session | None = None if async_mode else session
        self._raw = underlying_response
        self._async_mode = async_mode
        self._history = list(history or [])
        self._collector = collector or TimingCollector()
        self._body: bytes | None = None

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.reason} {self.url}>"

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
        declared = _charset_of(self._raw.headers.get("Content-Type", ""))
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
        """The underlying aiohttp response, for what this wrapper does not cover."""
        return self._raw

    # -- body -----------------------------------------------------------------------------

    def _result(self, coro: Coroutine[Any, Any, T]) -> Any:
        if self._async_mode:
            return coro
        assert self._session is not None
        return self._session.run(coro)

    async def _read(self) -> bytes:
        if self._body is None:
            with translate(self._raw.url):
                self._body = await self._raw.read()
            self._collector.mark_body_done()
        return self._body

    async def _text(self) -> str:
        return decode_text(await self._read(), self.charset)

    async def _json(self) -> Any:
        return json.loads(await self._text())

    def read(self) -> bytes | Awaitable[bytes]:
        """The whole body, decoded from gzip, deflate or brotli."""
        return self._result(self._read())  # type: ignore[no-any-return]

    def text(self) -> str | Awaitable[str]:
        """The body as text in :attr:`charset`; bad bytes become U+FFFD."""
        return self._result(self._text())  # type: ignore[no-any-return]

    def json(self) -> Any:
        """The body parsed as JSON (``ValueError`` when it is not JSON)."""
        return self._result(self._json())

    async def _chunks(self, size: int) -> AsyncGenerator[bytes, None]:
        if self._body is not None:
            for start in range(0, len(self._body), size):
                yield self._body[start : start + size]
            return
        with translate(self._raw.url):
            async for chunk in self._raw.content.iter_chunked(size):
                yield chunk
        self._collector.mark_body_done()

    def iter_chunks(self, size: int = 65536) -> Any:
        """Stream the body: an async iterator under ``AsyncSession``, a plain one under
        ``Session``."""
        if size <= 0:
            raise ValueError("size must be positive")
        if self._async_mode:
            return self._chunks(size)
        return self._sync_chunks(size)

    def _sync_chunks(self, size: int) -> Iterator[bytes]:
        assert self._session is not None
        agen = self._chunks(size)
        try:
            while True:
                try:
                    yield self._session.run(_next_chunk(agen))
                except StopAsyncIteration:
                    return
        finally:
            self._session.run(agen.aclose())

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

    def save(
        self, path: str | os.PathLike[str], *, progress: ProgressHook | None = None
    ) -> int | Awaitable[int]:
        """Stream the body to ``path``; ``progress(received, total_or_None)`` after each chunk.
        Returns the number of bytes written."""
        return self._result(self._save(path, progress))  # type: ignore[no-any-return]

    async def release(self) -> None:
        """Give the connection back (closed when the body was not read to the end)."""
        self._raw.release()
