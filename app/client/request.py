"""The request object of the Backend.AI-style Request API, and the context manager of fetch()."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from multidict import CIMultiDict
from yarl import URL

from ._models import (
    Params,
    PreparedRequest,
    join_url,
    merge_headers,
    merge_params,
    normalize_method,
)
from .auth import Auth
from .content import (
    AttachedFile,
    Body,
    BytesBody,
    MultipartBody,
    ReportHook,
    body_from_content,
    encode_form,
    encode_json,
)
from .errors import UsageError, raise_for_status
from .response import AsyncResponse, BaseResponse, Response
from .session import AsyncSession, Timeout
from .sync_session import Session, core_of
from .timings import TimingCollector

if TYPE_CHECKING:
    import aiohttp

    from .events import SSEContextManager
    from .websocket import ResponseFactory, WebSocketContextManager, WebSocketResponse

__all__ = ["FetchContextManager", "Request"]


#: The kind of session a request belongs to; it decides the kind of its response.
SessionT = TypeVar("SessionT", Session, AsyncSession)


class Request(Generic[SessionT]):
    """An HTTP request to build, then send with :meth:`fetch`, :meth:`connect_events` or
    :meth:`connect_websocket`.

    Generic in its session's kind, so that a type checker knows that ``fetch()`` gives a
    :class:`Response` under a ``Session`` and an :class:`AsyncResponse` under an
    ``AsyncSession``."""

    def __init__(
        self,
        session: SessionT,
        method: str = "GET",
        path: str | URL | None = None,
        content: Any = None,
        *,
        content_type: str | None = None,
        params: Params | None = None,
        reporthook: ReportHook | None = None,
    ) -> None:
        core_of(session)
        self.session: SessionT = session
        self.method = method
        self.path = path
        self.params = params
        self.reporthook = reporthook
        #: The request's own headers; they override the session's.
        self.headers: CIMultiDict[str] = CIMultiDict()
        #: Overrides the session's auth for this request.
        self.auth: Auth | None = None
        self._content: Any = None
        self._body: Body | None = None
        if content is not None:
            self.set_content(content, content_type=content_type)

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.path}>"

    @property
    def method(self) -> str:
        return self._method

    @method.setter
    def method(self, value: str) -> None:
        self._method = normalize_method(value)

    @property
    def content(self) -> Any:
        """The content as it was given (str, bytes, stream, or the value given to
        ``set_json``/``set_form``/``attach_files``/``set_multipart``)."""
        return self._content

    @property
    def content_type(self) -> str | None:
        """The Content-Type the body will be sent with (None without a body)."""
        return self._body.content_type if self._body is not None else None

    def set_content(self, value: Any, *, content_type: str | None = None) -> None:
        """Set the body: None, str (UTF-8), bytes, a binary file object or an async iterator of
        bytes; streams are sent as they are, never read whole."""
        self._body = body_from_content(value, content_type)
        self._content = value

    def set_json(self, value: Any) -> None:
        """Send ``value`` JSON-encoded as ``application/json``."""
        self._body = BytesBody(encode_json(value), "application/json")
        self._content = value

    def set_form(self, fields: Mapping[str, Any] | Sequence[tuple[str, Any]]) -> None:
        """Send ``fields`` as ``application/x-www-form-urlencoded``."""
        self._body = BytesBody(encode_form(fields), "application/x-www-form-urlencoded")
        self._content = fields

    def attach_files(self, files: Sequence[AttachedFile]) -> None:
        """Send ``files`` as ``multipart/form-data``, each a part named ``src``."""
        for f in files:
            if not isinstance(f, AttachedFile):
                raise UsageError(
                    f"attach_files() takes AttachedFile values, not {type(f).__name__}"
                )
        self._body = MultipartBody([("src", f) for f in files])
        self._content = files

    def set_multipart(self, fields: Sequence[tuple[str, str | AttachedFile]]) -> None:
        """Send ``multipart/form-data`` from ``(name, str | AttachedFile)`` pairs."""
        self._body = MultipartBody(fields)
        self._content = fields

    # -- preparing ------------------------------------------------------------------------

    @property
    def url(self) -> URL:
        """The URL this request goes to: endpoint, path and params joined."""
        return merge_params(join_url(core_of(self.session).endpoint, self.path), self.params)

    def prepare(self) -> PreparedRequest:
        """The first transmission: URL, merged headers and body, before auth."""
        core = core_of(self.session)
        headers = CIMultiDict(core.headers)
        if self._body is not None and self._body.content_type:
            headers["Content-Type"] = self._body.content_type
        if self.headers:
            headers = merge_headers(headers, self.headers)
        return PreparedRequest(self.method, self.url, headers, self._body)

    def effective_auth(self) -> Auth | None:
        return self.auth if self.auth is not None else core_of(self.session).auth

    # -- sending --------------------------------------------------------------------------

    def fetch(
        self, *, check_status: bool = True, timeout: Timeout | float | None = None
    ) -> FetchContextManager[SessionT]:
        """Send the request and read the response: ``with`` under a ``Session``,
        ``async with`` under an ``AsyncSession``. Nothing is sent before entering."""
        return FetchContextManager(self, check_status=check_status, timeout=timeout)

    def connect_websocket(
        self,
        *,
        protocols: Sequence[str] = (),
        heartbeat: float | None = None,
        on_enter: Callable[[WebSocketResponse], Awaitable[None]] | None = None,
        response_factory: ResponseFactory | None = None,
    ) -> WebSocketContextManager:
        """Open a WebSocket (``AsyncSession`` only). ``on_enter`` runs once it is open (the
        connection is closed if it raises); ``response_factory`` makes a derivative of
        :class:`WebSocketResponse` instead of a plain one."""
        from .websocket import WebSocketContextManager

        self._require_async("connect_websocket")
        return WebSocketContextManager(self, protocols=tuple(protocols), heartbeat=heartbeat,
                                       on_enter=on_enter, response_factory=response_factory)

    def connect_events(
        self,
        *,
        reconnect: bool = False,
        last_event_id: str | None = None,
        max_event_size: int = 16 << 20,
    ) -> SSEContextManager:
        """Open a Server-Sent Events stream (``AsyncSession`` only). A line or an event's data
        longer than ``max_event_size`` bytes raises ``StreamError``."""
        from .events import SSEContextManager

        self._require_async("connect_events")
        if isinstance(max_event_size, bool) or not isinstance(max_event_size, int) or (
                max_event_size <= 0):
            raise ValueError(f"max_event_size must be a positive number of bytes, "
                             f"not {max_event_size!r}")
        return SSEContextManager(self, reconnect=reconnect, last_event_id=last_event_id,
                                 max_event_size=max_event_size)

    def _require_async(self, name: str) -> None:
        if not isinstance(self.session, AsyncSession):
            raise UsageError(
                f"{name}() works only with an AsyncSession (use `async with "
                f"request.{name}() as ...`); this request belongs to a synchronous Session"
            )


class FetchContextManager(Generic[SessionT]):
    """The context manager returned by :meth:`Request.fetch`: ``with`` for a ``Session``,
    ``async with`` for an ``AsyncSession``."""

    def __init__(
        self,
        request: Request[SessionT],
        *,
        check_status: bool = True,
        timeout: Timeout | float | None = None,
    ) -> None:
        self.request: Request[SessionT] = request
        self.check_status = check_status
        self.timeout = Timeout.of(timeout) if timeout is not None else None
        self._response: BaseResponse | None = None

    async def _send(self) -> tuple[aiohttp.ClientResponse, list[tuple[int, str]], TimingCollector]:
        request: Request[Any] = self.request
        collector = TimingCollector()
        core = core_of(request.session)
        raw, history = await core.send(
            request.prepare(),
            auth=request.effective_auth(),
            timeout=self.timeout.for_aiohttp() if self.timeout is not None else None,
            reporthook=request.reporthook,
            collector=collector,
        )
        if self.check_status:
            await raise_for_status(raw, limit=core.limits.error_body)
        return raw, history, collector

    async def _enter_async(self) -> AsyncResponse:
        raw, history, collector = await self._send()
        response = AsyncResponse(raw, history=history, collector=collector,
                                 limits=core_of(self.request.session).limits)
        self._response = response
        return response

    async def _enter_sync(self, session: Session) -> Response:
        raw, history, collector = await self._send()
        response = Response(session, raw, history=history, collector=collector,
                            limits=core_of(session).limits)
        self._response = response
        return response

    async def _exit(self) -> None:
        response, self._response = self._response, None
        if response is not None:
            await response.release()

    async def __aenter__(self: FetchContextManager[AsyncSession]) -> AsyncResponse:
        if not isinstance(self.request.session, AsyncSession):
            raise UsageError(
                "this request belongs to a synchronous Session: use `with request.fetch() as "
                "response`, not `async with`"
            )
        return await self._enter_async()

    async def __aexit__(self, *exc: object) -> None:
        await self._exit()

    def __enter__(self: FetchContextManager[Session]) -> Response:
        session = self.request.session
        if not isinstance(session, Session):
            raise UsageError(
                "this request belongs to an AsyncSession: use `async with request.fetch() as "
                "response`, not `with`"
            )
        return session.run(self._enter_sync(session))

    def __exit__(self, *exc: object) -> None:
        session = self.request.session
        assert isinstance(session, Session)
        if not session.closed:
            session.run(self._exit())
