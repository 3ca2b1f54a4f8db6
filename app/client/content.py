"""Request bodies: what a request sends, streamed, with byte-accurate upload progress.

A :class:`Body` describes the content once and makes a fresh aiohttp payload for every
transmission (a 307/308 redirect or an auth challenge sends it again). Files and other streams
are read as the upload goes, in slices of at most 1 MiB, and never closed: they belong to the
caller. aiohttp's own file payloads close the file and read in 64 KiB steps through the
executor, which is why the file payload here is written by hand.
"""

from __future__ import annotations

import asyncio
import datetime
import decimal
import io
import json
import os
import uuid
from collections.abc import AsyncIterable, Callable, Mapping, Sequence
from pathlib import PurePath
from typing import Any, NamedTuple, cast
from urllib.parse import urlencode

from aiohttp import MultipartWriter, payload
from aiohttp.abc import AbstractStreamWriter

from .errors import ErrorKind, RequestError, UsageError

__all__ = [
    "AttachedFile",
    "Body",
    "BytesBody",
    "MultipartBody",
    "ReportHook",
    "StreamBody",
    "body_from_content",
    "encode_form",
    "encode_json",
]

ReportHook = Callable[[int, "int | None"], object]
CHUNK = 1 << 20  # progress granularity and read size: 1 MiB


class AttachedFile(NamedTuple):
    """A file to upload: the name to store it under, a binary stream and its content type."""

    filename: str
    stream: Any
    content_type: str


def _json_default(value: object) -> object:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, PurePath | decimal.Decimal | uuid.UUID):
        return str(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def encode_json(value: Any) -> bytes:
    """JSON as UTF-8; ``Path``, ``Decimal`` and ``UUID`` become strings, dates ISO 8601."""
    return json.dumps(value, default=_json_default, ensure_ascii=False).encode("utf-8")


def encode_form(fields: Mapping[str, Any] | Sequence[tuple[str, Any]]) -> bytes:
    """``application/x-www-form-urlencoded`` from a mapping or pairs; list values repeat."""
    items = fields.items() if isinstance(fields, Mapping) else fields
    return urlencode(list(items), doseq=True).encode("ascii")


class _CountingWriter:
    """Stands between a payload and aiohttp's stream writer, counting bytes really written."""

    def __init__(self, inner: AbstractStreamWriter, progress: _Progress) -> None:
        self._inner = inner
        self._progress = progress

    async def write(self, chunk: bytes | bytearray | memoryview) -> None:
        view = memoryview(chunk).cast("B")
        for start in range(0, len(view), CHUNK):
            piece = view[start : start + CHUNK]
            await self._inner.write(piece)
            self._progress.advance(len(piece))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _Progress:
    """The byte count of one transmission, reported to the hook and to the timing collector."""

    def __init__(self, total: int | None, hook: ReportHook | None) -> None:
        self.total = total
        self.sent = 0
        self._hook = hook
        self._reported = -1

    def advance(self, n: int) -> None:
        self.sent += n
        if self._hook is not None and n:
            self._reported = self.sent
            self._hook(self.sent, self.total)

    def finish(self) -> None:
        if self._hook is not None and self._reported != self.sent:
            self._reported = self.sent
            self._hook(self.sent, self.total)


class _TrackedPayload(payload.Payload):
    """Wraps the top-level payload so that every byte it writes is counted."""

    _autoclose = True

    def __init__(
        self,
        inner: payload.Payload,
        hook: ReportHook | None,
        on_done: Callable[[], None] | None,
    ) -> None:
        super().__init__(inner, content_type=inner.content_type)
        self._inner = inner
        self._hook = hook
        self._on_done = on_done
        self._size = inner.size

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        return self._inner.decode(encoding, errors)

    async def write(self, writer: AbstractStreamWriter) -> None:
        progress = _Progress(self._size, self._hook)
        await self._inner.write(cast(AbstractStreamWriter, _CountingWriter(writer, progress)))
        progress.finish()
        if self._on_done is not None:
            self._on_done()

    async def write_with_length(
        self, writer: AbstractStreamWriter, content_length: int | None
    ) -> None:
        await self.write(writer)


class _BytesPayload(payload.Payload):
    """Bytes in memory. aiohttp's own warns above 1 MiB; here the counting writer sends them in
    1 MiB slices, which keeps the loop responsive."""

    _autoclose = True

    def __init__(self, value: bytes, **kw: Any) -> None:
        super().__init__(value, **kw)
        self._size = len(value)

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        return bytes(self._value).decode(encoding, errors)

    async def write(self, writer: AbstractStreamWriter) -> None:
        await writer.write(self._value)

    async def write_with_length(
        self, writer: AbstractStreamWriter, content_length: int | None
    ) -> None:
        await self.write(writer)


class _FilePayload(payload.Payload):
    """A binary stream sent from where it stands, read in 1 MiB slices, never closed here."""

    _autoclose = True

    def __init__(self, stream: Any, start: int | None, size: int | None, **kw: Any) -> None:
        super().__init__(stream, **kw)
        self._start = start
        self._size = size
        # Real files block on read: they go through the executor. In-memory streams do not.
        self._blocking = not isinstance(stream, io.BytesIO)

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        raise UsageError("a streamed file body cannot be decoded in memory")

    async def _read(self, n: int) -> bytes:
        stream = self._value
        if self._blocking:
            loop = asyncio.get_running_loop()
            data = await loop.run_in_executor(None, stream.read, n)
        else:
            data = stream.read(n)
        if data is None:
            return b""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise UsageError(
                f"the stream {stream!r} returned {type(data).__name__}, not bytes: "
                "open the file in binary mode"
            )
        return data if isinstance(data, bytes) else bytes(data)

    async def write(self, writer: AbstractStreamWriter) -> None:
        stream = self._value
        if self._start is not None:
            stream.seek(self._start)
        remaining = self._size
        while remaining is None or remaining > 0:
            want = CHUNK if remaining is None else min(CHUNK, remaining)
            data = await self._read(want)
            if not data:
                break
            if remaining is not None:
                remaining -= len(data)
            await writer.write(data)
        if remaining:
            name = getattr(stream, "name", repr(stream))
            raise OSError(
                f"{name} ended {remaining} bytes early: the file changed during the upload"
            )

    async def write_with_length(
        self, writer: AbstractStreamWriter, content_length: int | None
    ) -> None:
        await self.write(writer)


class _AsyncIterPayload(payload.Payload):
    """Bytes from an async iterator: sent once, with chunked transfer encoding."""

    _autoclose = True

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        raise UsageError("a streamed body cannot be decoded in memory")

    async def write(self, writer: AbstractStreamWriter) -> None:
        async for chunk in self._value:
            if not isinstance(chunk, bytes | bytearray | memoryview):
                raise UsageError(
                    f"an async iterator body yielded {type(chunk).__name__}, not bytes"
                )
            await writer.write(chunk)

    async def write_with_length(
        self, writer: AbstractStreamWriter, content_length: int | None
    ) -> None:
        await self.write(writer)


class Body:
    """What a request sends; makes a fresh payload for every transmission."""

    content_type: str | None = None

    @property
    def size(self) -> int | None:
        """The number of body bytes on the wire, or None where it is not known in advance."""
        return None

    @property
    def replayable(self) -> bool:
        """Whether the body can be sent again (after a 307/308 redirect or an auth challenge)."""
        return True

    def _payload(self) -> payload.Payload:
        raise NotImplementedError

    def payload(
        self, hook: ReportHook | None = None, on_done: Callable[[], None] | None = None
    ) -> payload.Payload:
        """A payload for one transmission, reporting progress to ``hook``."""
        return _TrackedPayload(self._payload(), hook, on_done)


class BytesBody(Body):
    """Bytes in memory (also what ``str``, JSON and form content become)."""

    def __init__(self, data: bytes | bytearray, content_type: str) -> None:
        self.data = bytes(data) if isinstance(data, bytearray) else data
        self.content_type = content_type

    @property
    def size(self) -> int:
        return len(self.data)

    def _payload(self) -> payload.Payload:
        return _BytesPayload(self.data, content_type=self.content_type)


def _stream_extent(stream: Any) -> tuple[int | None, int | None]:
    """Where a stream stands and how many bytes remain, or (None, None) if it cannot tell."""
    try:
        if not stream.seekable():
            return None, None
        start = stream.tell()
    except (AttributeError, OSError, ValueError):
        return None, None
    try:
        end = os.fstat(stream.fileno()).st_size
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        try:
            end = stream.seek(0, io.SEEK_END)
        finally:
            stream.seek(start)
    return start, max(0, end - start)


class StreamBody(Body):
    """A binary file object, read as the upload goes; its size is known when it is seekable."""

    def __init__(self, stream: Any, content_type: str) -> None:
        if isinstance(stream, io.TextIOBase):
            raise UsageError("a text-mode file cannot be uploaded: open it in binary mode ('rb')")
        self.stream = stream
        self.content_type = content_type
        self._start, self._size = _stream_extent(stream)

    @property
    def size(self) -> int | None:
        return self._size

    @property
    def replayable(self) -> bool:
        return self._start is not None

    def _payload(self) -> payload.Payload:
        return _FilePayload(self.stream, self._start, self._size, content_type=self.content_type)


class AsyncIterBody(Body):
    """An async iterator of bytes: sent once, chunked."""

    def __init__(self, source: AsyncIterable[bytes], content_type: str) -> None:
        self.source = source
        self.content_type = content_type
        self._sent_once = False

    @property
    def replayable(self) -> bool:
        return False

    def _payload(self) -> payload.Payload:
        if self._sent_once:
            raise RequestError(
                "the request body is a one-shot async iterator: it was sent already",
                kind=ErrorKind.BODY,
            )
        self._sent_once = True
        return _AsyncIterPayload(self.source, content_type=self.content_type)


def _part_body(value: Any, content_type: str) -> Body:
    if isinstance(value, bytes | bytearray):
        return BytesBody(value, content_type)
    if hasattr(value, "read"):
        return StreamBody(value, content_type)
    if hasattr(value, "__aiter__"):
        return AsyncIterBody(value, content_type)
    raise UsageError(
        f"an AttachedFile stream must be a binary file object or bytes, not {type(value).__name__}"
    )


class MultipartBody(Body):
    """``multipart/form-data``: text parts and file parts, filenames sent exactly as given."""

    def __init__(self, fields: Sequence[tuple[str, str | AttachedFile]]) -> None:
        self._parts: list[tuple[str, str | None, Body]] = []
        for item in fields:
            if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)):
                raise UsageError(f"a multipart field must be a (name, value) pair, not {item!r}")
            name, value = item
            if isinstance(value, AttachedFile):
                part = _part_body(value.stream, value.content_type)
                self._parts.append((name, value.filename, part))
            elif isinstance(value, str):
                text = BytesBody(value.encode(), "text/plain; charset=utf-8")
                self._parts.append((name, None, text))
            else:
                raise UsageError(
                    f"multipart field {name!r} must be a str or an AttachedFile, "
                    f"not {type(value).__name__}"
                )
        self._boundary = uuid.uuid4().hex
        self.content_type = f"multipart/form-data; boundary={self._boundary}"

    def _writer(self) -> MultipartWriter:
        writer = MultipartWriter("form-data", boundary=self._boundary)
        for name, filename, body in self._parts:
            part = body._payload()
            params = {"name": name} if filename is None else {"name": name, "filename": filename}
            part.set_content_disposition("form-data", quote_fields=False, **params)
            writer.append_payload(part)
        return writer

    @property
    def size(self) -> int | None:
        if any(body.size is None for _, _, body in self._parts):
            return None
        return self._writer().size

    @property
    def replayable(self) -> bool:
        return all(body.replayable for _, _, body in self._parts)

    def _payload(self) -> payload.Payload:
        return self._writer()


def body_from_content(value: Any, content_type: str | None) -> Body | None:
    """The body for :meth:`Request.set_content`'s value; see SPEC 1.2 for the kinds."""
    if value is None:
        return None
    if isinstance(value, str):
        return BytesBody(value.encode("utf-8"), content_type or "text/plain")
    if isinstance(value, bytes | bytearray):
        return BytesBody(value, content_type or "application/octet-stream")
    if isinstance(value, dict | list):
        raise UsageError(
            f"set_content() does not encode a {type(value).__name__}: "
            "use set_json() for JSON or set_form() for a urlencoded form"
        )
    if hasattr(value, "__aiter__"):
        return AsyncIterBody(value, content_type or "application/octet-stream")
    if hasattr(value, "read"):
        return StreamBody(value, content_type or "application/octet-stream")
    raise UsageError(
        f"unsupported content type {type(value).__name__}: give str, bytes, a binary file "
        "object or an async iterator of bytes"
    )

