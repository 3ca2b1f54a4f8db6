"""Server-Sent Events over a session: ``Request.connect_events()``.

The bytes go through the pure :class:`~app.client.sse.SSEParser`; this module only connects,
checks the answer, and reconnects with ``Last-Event-ID`` when asked to.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import aiohttp
from multidict import CIMultiDictProxy
from yarl import URL

from .errors import (
    APIError,
    ErrorKind,
    RequestError,
    RequestTimeout,
    StreamError,
    raise_for_status,
    translate,
)
from .limits import BodyReader
from .sse import DEFAULT_MAX_EVENT_SIZE, EventTooLarge, SSEEvent, SSEParser
from .sync_session import core_of
from .timings import TimingCollector

if TYPE_CHECKING:
    from .request import Request

__all__ = ["SSEContextManager", "SSEResponse"]

DEFAULT_RETRY_MS = 3000
# readany() hands over all that is buffered (hundreds of KB under a firehose): parsing that
# in one go holds the loop for tens of milliseconds. Bounded reads keep each step short.
READ_SIZE = 64 * 1024
MAX_BACKOFF_S = 30.0
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
#: SPEC 1.6: reconnection never waits less than this, whatever ``retry`` says.
MIN_RETRY_S = 0.25


class SSEResponse:
    """An open event stream: ``async for event in it`` yields :class:`SSEEvent` values."""

    def __init__(
        self,
        request: Request[Any],
        *,
        reconnect: bool,
        last_event_id: str | None,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
    ) -> None:
        self._request = request
        self._reconnect = reconnect
        self._parser = SSEParser(last_event_id=last_event_id or "",
                                 max_event_size=max_event_size)
        # Connections in a row that ended (or failed) before bringing an event: each one
        # doubles the next wait, so a server that closes at once is not hammered.
        self._fruitless = 0
        self._raw: aiohttp.ClientResponse | None = None
        self._body: BodyReader | None = None
        self._closed = False
        self._ended = False
        #: How many times the stream was connected (1 after the first connection).
        self.connections = 0

    # -- state ----------------------------------------------------------------------------

    @property
    def last_event_id(self) -> str:
        """The last event ID in force (sent as ``Last-Event-ID`` when reconnecting)."""
        return self._parser.last_event_id

    @property
    def retry(self) -> int | None:
        """The reconnection time in milliseconds the server set, or None."""
        return self._parser.retry

    @property
    def status(self) -> int | None:
        return self._raw.status if self._raw is not None else None

    @property
    def headers(self) -> CIMultiDictProxy[str] | None:
        return self._raw.headers if self._raw is not None else None

    @property
    def url(self) -> str:
        return str(self._raw.url) if self._raw is not None else str(self._request.url)

    @property
    def closed(self) -> bool:
        return self._closed

    # -- connecting -----------------------------------------------------------------------

    async def _connect(self) -> None:
        """Open one connection; raise on an error status or a wrong content type."""
        request = self._request
        core = core_of(request.session)
        prepared = request.prepare()
        if "Accept" not in request.headers:
            prepared.headers["Accept"] = "text/event-stream"
        prepared.headers.setdefault("Cache-Control", "no-cache")
        if self._parser.last_event_id:
            prepared.headers["Last-Event-ID"] = self._parser.last_event_id
        url = str(prepared.url)
        # The read deadline covers waiting for the answer, not the silence between events.
        deadline = core.timeout.read
        try:
            async with asyncio.timeout(deadline):
                raw, _ = await core.send(
                    prepared,
                    auth=request.effective_auth(),
                    timeout=core.timeout.for_aiohttp(streaming=True),
                    collector=TimingCollector(),
                )
        except TimeoutError as exc:
            raise RequestTimeout(f"Timed out waiting for the event stream {url}", url=url) from exc
        self.connections += 1
        await raise_for_status(raw, limit=core.limits.error_body)
        location = raw.headers.get("Location")
        if raw.status in _REDIRECT_STATUSES and location:
            # Only reached with redirects off: the session follows them otherwise.
            raw.release()
            target = _join_location(raw.url, location)
            raise RequestError(
                f"The event stream {url} was redirected ({raw.status}) to {target}, and "
                "following redirects is off",
                url=url,
                kind=ErrorKind.REDIRECT,
            )
        if raw.status == 204:
            raw.release()
            self._ended = True
            return
        if raw.content_type != "text/event-stream":
            raw.release()
            raise StreamError(
                f"{raw.url} answered {raw.status} with {raw.content_type!r}, "
                "not an event stream (text/event-stream)",
                url=str(raw.url),
            )
        self._raw = raw
        # Decoded, without the ratio guard: the parser holds no more than max_event_size.
        self._body = BodyReader(raw, core.limits, ratio=False)

    def _next_wait(self) -> float:
        """The retry time (never under 250 ms), doubled per fruitless connection, up to 30 s
        (or the retry time, when the server set a longer one)."""
        retry_ms = self._parser.retry if self._parser.retry is not None else DEFAULT_RETRY_MS
        base = max(MIN_RETRY_S, retry_ms / 1000)
        backoff: float = base * 2.0 ** min(self._fruitless, 16)
        return min(backoff, max(MAX_BACKOFF_S, base))

    async def _reconnect_after_wait(self) -> None:
        """Wait, then reconnect; failed attempts back off up to 30 s."""
        while True:
            await asyncio.sleep(self._next_wait())
            self._fruitless += 1
            try:
                await self._connect()
                return
            except (APIError, StreamError):
                raise
            except RequestError:
                continue

    def _drop(self) -> None:
        raw, self._raw = self._raw, None
        if raw is not None:
            raw.close()
        self._parser.close()

    # -- reading --------------------------------------------------------------------------

    def __aiter__(self) -> AsyncIterator[SSEEvent]:
        return self._events()

    async def _events(self) -> AsyncIterator[SSEEvent]:
        while not self._closed:
            if self._raw is None:
                if self._ended or not self._reconnect:
                    return
                await self._reconnect_after_wait()
                continue
            raw = self._raw
            try:
                assert self._body is not None  # set with _raw
                with translate(raw.url, stream=True):
                    chunk = await self._body.read(READ_SIZE)
            except (StreamError, RequestError):
                self._drop()
                if not self._reconnect or self._closed:
                    raise
                continue
            if not chunk:
                self._drop()
                if not self._reconnect:
                    return
                continue
            try:
                events = self._parser.feed(chunk)
            except EventTooLarge as exc:
                url = str(raw.url)
                self._drop()
                raise StreamError(
                    f"The event stream {url} sent {exc}: the stream was stopped. Raise "
                    "connect_events(max_event_size=...) if such events are expected.",
                    url=url,
                ) from exc
            if events:
                self._fruitless = 0
            for event in events:
                if self._closed:
                    return
                yield event

    async def close(self) -> None:
        """Stop the stream and release its connection. Harmless when called twice."""
        self._closed = True
        self._drop()


def _join_location(url: URL, location: str) -> str:
    try:
        return str(url.join(URL(location)))
    except ValueError:
        return location


class SSEContextManager:
    """The context manager of :meth:`Request.connect_events`."""

    def __init__(
        self,
        request: Request[Any],
        *,
        reconnect: bool = False,
        last_event_id: str | None = None,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
    ) -> None:
        self._response = SSEResponse(request, reconnect=reconnect, last_event_id=last_event_id,
                                     max_event_size=max_event_size)

    async def __aenter__(self) -> SSEResponse:
        await self._response._connect()
        return self._response

    async def __aexit__(self, *exc: object) -> None:
        await self._response.close()
