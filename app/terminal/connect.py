"""A terminal over a WebSocket (SPEC 6.3): ``connect_terminal(request, protocol)``.

The I/O half of :mod:`app.terminal.protocols`: it opens the WebSocket through
``Request.connect_websocket`` (the request's headers and auth, the codec's subprotocols), and
while the context is open a reader task feeds what the server sends to a
:class:`~app.terminal.screen.TerminalScreen`, answers the screen's queries, and a keepalive
task sends the protocol's keepalive on time::

    async with connect_terminal(request, "terminado", rows=24, cols=80) as term:
        await term.send_input("echo hi\\r")
        await term.wait_for("hi")
        print("\\n".join(term.screen.display))
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections import deque
from collections.abc import Callable
from functools import partial
from typing import Any, Literal

from app.client.errors import ClientError, RequestTimeout, StreamError, UsageError
from app.client.request import Request
from app.client.session import AsyncSession
from app.client.websocket import WebSocketContextManager, WebSocketMessageType, WebSocketResponse

from .protocols import PROTOCOLS, Codec, Error, Event, Exit, Frame, Output, Title
from .screen import TerminalScreen

__all__ = [
    "Direction",
    "TerminalContextManager",
    "TerminalResponse",
    "connect_terminal",
]

#: Which way a frame went: ``"in"`` from the server, ``"out"`` to it.
Direction = Literal["in", "out"]

_ENDED = (WebSocketMessageType.CLOSE, WebSocketMessageType.CLOSED)


def _subscribe(callbacks: list[Any], callback: Any) -> Callable[[], None]:
    callbacks.append(callback)

    def unsubscribe() -> None:
        if callback in callbacks:
            callbacks.remove(callback)

    return unsubscribe


def _check_size(rows: int, cols: int) -> None:
    for name, value in (("rows", rows), ("cols", cols)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive whole number, not {value!r}")


class TerminalResponse(WebSocketResponse):
    """An open terminal: a :class:`WebSocketResponse` whose messages are read for you.

    The reader task owns the receiving side: call :meth:`send_input`, :meth:`resize` and
    :meth:`wait_for`, and read :attr:`screen`, not ``receive()``.
    """

    #: How many :class:`Error` events :attr:`errors` keeps (the newest): a server sending
    #: nothing but broken frames costs at most this much.
    errors_kept = 1000
    #: Output is fed to the screen in slices of at most this many bytes, and the reader
    #: gives the loop a turn once it has fed for ``feed_budget`` seconds: a flood never holds
    #: the loop (the window's painting, the keys a user types, Ctrl+C) for longer than that.
    feed_slice = 4096
    feed_budget = 0.008

    def __init__(self, session: Any, underlying_ws: Any, *, url: str, codec: Codec,
                 rows: int, cols: int) -> None:
        # underlying_ws is aiohttp's socket, as WebSocketContextManager hands it over
        # (aiohttp stays inside app.client: it is not named here).
        super().__init__(session, underlying_ws, url=url)
        #: The protocol's codec (told the negotiated subprotocol once open).
        self.codec = codec
        #: What the terminal shows.
        self.screen = TerminalScreen(rows, cols)
        #: The exit status the protocol reported (None while running, or when not said).
        self.exit_code: int | None = None
        #: The protocol's words about the end of the program, once it ended.
        self.exit_message: str | None = None
        self._errors: deque[Error] = deque(maxlen=self.errors_kept)
        self._event_callbacks: list[Callable[[Event], object]] = []
        self._frame_callbacks: list[Callable[[Direction, Frame], object]] = []
        # Replaced by a new Event at every change: a waiter holds the one of its time.
        self._changed = asyncio.Event()
        self._ended = False
        self._failure: Exception | None = None
        self._send_lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []
        self._turn_began = 0.0

    # -- what the terminal shows --------------------------------------------------------

    @property
    def title(self) -> str:
        """The window title: the newest of the protocol's title and the program's own (OSC)."""
        return self.screen.title

    @property
    def screen_size(self) -> tuple[int, int]:
        """``(rows, cols)`` of the screen."""
        return self.screen.rows, self.screen.cols

    @property
    def errors(self) -> list[Error]:
        """The :class:`Error` events so far (the newest :attr:`errors_kept`), oldest first."""
        return list(self._errors)

    @property
    def ended(self) -> bool:
        """The server closed the connection, or it broke: no more output will come."""
        return self._ended

    @property
    def failure(self) -> Exception | None:
        """Why reading ended, when the connection broke rather than closed."""
        return self._failure

    def on_event(self, callback: Callable[[Event], object]) -> Callable[[], None]:
        """Call ``callback(event)`` with every decoded event; returns the unsubscribe function."""
        return _subscribe(self._event_callbacks, callback)

    def on_frame(self, callback: Callable[[Direction, Frame], object]) -> Callable[[], None]:
        """Call ``callback(direction, frame)`` with every frame sent (``"out"``) and received
        (``"in"``), for a raw frame log; returns the unsubscribe function."""
        return _subscribe(self._frame_callbacks, callback)

    # -- talking to the program ---------------------------------------------------------

    async def send_input(self, data: str | bytes) -> None:
        """Send keys or text (``str`` is sent as UTF-8) to the program."""
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        elif not isinstance(data, bytes | bytearray | memoryview):
            raise UsageError(f"send_input() takes str or bytes, not {type(data).__name__}")
        await self._send_encoded(lambda: self.codec.encode_input(bytes(data)))

    async def resize(self, rows: int, cols: int) -> None:
        """Resize the screen and tell the server, where the protocol can."""
        _check_size(rows, cols)
        self.screen.resize(rows, cols)
        self._notify()
        await self._send_encoded(lambda: self.codec.encode_resize(rows, cols))

    async def wait_for(self, text_or_pattern: str | re.Pattern[str],
                       timeout: float = 5.0) -> str:
        """Wait until ``text_or_pattern`` (a ``str``, or a compiled regex) is in the visible
        lines joined with ``"\\n"``; return the text found.

        Raises :class:`RequestTimeout` after ``timeout`` seconds, and :class:`StreamError` as
        soon as the connection ends without it; both messages hold the screen's text.
        """
        if not isinstance(text_or_pattern, str | re.Pattern):
            raise UsageError(f"wait_for() takes a str or a compiled regex, "
                             f"not {type(text_or_pattern).__name__}")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        what = (text_or_pattern if isinstance(text_or_pattern, str)
                else f"/{text_or_pattern.pattern}/")
        while True:
            changed = self._changed
            text = "\n".join(self.screen.display)
            found = self._find(text_or_pattern, text)
            if found is not None:
                return found
            if self._ended:
                why = f": {self._failure}" if self._failure is not None else (
                    f" (code {self.close_code}"
                    f"{': ' + self.close_reason if self.close_reason else ''})")
                raise StreamError(f"The terminal {self.url} closed before {what!r} appeared"
                                  f"{why}. The screen:\n{text}", url=self.url)
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise RequestTimeout(f"{what!r} did not appear on the terminal {self.url} "
                                     f"within {timeout} s. The screen:\n{text}", url=self.url)
            # On timeout: one more look at the screen, then the timeout above.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    @staticmethod
    def _find(wanted: str | re.Pattern[str], text: str) -> str | None:
        if isinstance(wanted, str):
            return wanted if wanted in text else None
        match = wanted.search(text)
        return match.group(0) if match is not None else None

    async def close(self, code: int = 1000, message: bytes = b"") -> None:
        """Stop reading and close the connection; harmless when already closed."""
        await self._stop()
        await super().close(code=code, message=message)

    # -- the session's tasks --------------------------------------------------------------

    async def _start(self) -> None:
        """Once open: tell the codec what was negotiated, send the opening frames, and start
        the reader and keepalive tasks."""
        self.codec.negotiated(self.protocol)
        rows, cols = self.screen_size
        for frame in self.codec.opening(rows, cols):
            await self._send(frame)
        self._tasks.append(asyncio.create_task(self._read(), name=f"terminal read {self.url}"))
        if self.codec.keepalive_interval is not None:
            self._tasks.append(asyncio.create_task(self._keepalive(),
                                                   name=f"terminal keepalive {self.url}"))

    async def _stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        current = asyncio.current_task()
        tasks = [task for task in tasks if task is not current]
        for task in tasks:
            task.cancel()
        if not tasks:
            return
        # wait() rather than awaiting each: a cancellation of the caller still propagates.
        await asyncio.wait(tasks)
        failures = [exc for task in tasks if not task.cancelled()
                    and (exc := task.exception()) is not None
                    and not isinstance(exc, ClientError)]
        if failures:
            raise failures[0]

    async def _read(self) -> None:
        loop = asyncio.get_running_loop()
        self._turn_began = loop.time()
        try:
            while True:
                message = await self.receive()
                if message.type in _ENDED:
                    return
                self._tell_frame("in", message.data)
                for event in self.codec.decode(message.data):
                    if isinstance(event, Output):
                        await self._feed(event.data, loop)
                    self._apply(event)
                answers = self.screen.answers()
                if answers:
                    await self._send_encoded(partial(self.codec.encode_input, answers))
                self._notify()
        except ClientError as exc:
            self._failure = exc
        except Exception as exc:
            # A bug here, not the server's doing: wait_for says so, and leaving the context
            # raises it (the task is awaited there).
            self._failure = exc
            raise
        finally:
            self._ended = True
            self._notify()

    async def _feed(self, data: bytes, loop: asyncio.AbstractEventLoop) -> None:
        # A receive() with messages waiting does not give the loop a turn: count the time
        # fed since the last turn, across messages, and yield when it is spent.
        step = self.feed_slice
        for start in range(0, len(data), step):
            self.screen.feed(data[start:start + step])
            if loop.time() - self._turn_began >= self.feed_budget:
                self._notify()
                await asyncio.sleep(0)
                self._turn_began = loop.time()

    def _apply(self, event: Event) -> None:
        # Output was fed by _feed already (in slices); the others change the state here.
        if isinstance(event, Title):
            self.screen.set_title(event.text)
        elif isinstance(event, Exit):
            self.exit_code = event.code
            self.exit_message = event.message
        elif isinstance(event, Error):
            self._errors.append(event)
        self._tell(self._event_callbacks, event)

    async def _keepalive(self) -> None:
        while (interval := self.codec.keepalive_interval) is not None:
            await asyncio.sleep(interval)
            frame = self.codec.keepalive()
            if frame is None:
                return
            try:
                await self._send(frame)
            except ClientError:
                return  # the connection ended: the reader reports it

    async def _send_encoded(self, encode: Callable[[], Frame | None]) -> None:
        # Encoding under the lock keeps a stateful codec's frames (terminado's held UTF-8
        # bytes) in the order they are sent.
        async with self._send_lock:
            frame = encode()
            if frame is not None:
                await self._send_unlocked(frame)

    async def _send(self, frame: Frame) -> None:
        async with self._send_lock:
            await self._send_unlocked(frame)

    async def _send_unlocked(self, frame: Frame) -> None:
        self._tell_frame("out", frame)
        if isinstance(frame, str):
            await self.send_str(frame)
        else:
            await self.send_bytes(frame)

    def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def _tell_frame(self, direction: Direction, frame: Frame) -> None:
        for callback in list(self._frame_callbacks):
            self._call(callback, direction, frame)

    def _tell(self, callbacks: list[Callable[[Event], object]], event: Event) -> None:
        for callback in list(callbacks):
            self._call(callback, event)

    @staticmethod
    def _call(callback: Callable[..., object], *args: Any) -> None:
        # A subscriber's bug must not end the terminal: report it as asyncio reports a
        # failing callback, and go on.
        try:
            callback(*args)
        except Exception as exc:
            asyncio.get_running_loop().call_exception_handler({
                "message": f"A terminal subscriber {callback!r} failed",
                "exception": exc,
            })


class TerminalContextManager:
    """The context manager of :func:`connect_terminal`: entering opens the WebSocket and
    starts the terminal's tasks, leaving stops them and closes the connection."""

    def __init__(self, request: Request[AsyncSession], codec: Codec, *, rows: int,
                 cols: int) -> None:
        self.request = request
        self.codec = codec
        self.rows, self.cols = rows, cols
        self._response: TerminalResponse | None = None
        self._websocket: WebSocketContextManager = request.connect_websocket(
            protocols=codec.subprotocols, on_enter=self._opened,
            response_factory=self._make_response)

    def _make_response(self, session: Any, underlying_ws: Any, url: str) -> WebSocketResponse:
        return TerminalResponse(session, underlying_ws, url=url, codec=self.codec,
                                rows=self.rows, cols=self.cols)

    async def _opened(self, ws: WebSocketResponse) -> None:
        assert isinstance(ws, TerminalResponse)
        try:
            await ws._start()
        except BaseException:
            await ws._stop()
            raise

    async def __aenter__(self) -> TerminalResponse:
        if self._response is not None:
            raise UsageError("this terminal is already open: make another connect_terminal()")
        ws = await self._websocket.__aenter__()
        assert isinstance(ws, TerminalResponse)
        self._response = ws
        return ws

    async def __aexit__(self, *exc: object) -> None:
        response, self._response = self._response, None
        try:
            if response is not None:
                await response._stop()
        finally:
            await self._websocket.__aexit__(*exc)


def connect_terminal(request: Request[Any], protocol: str | Codec = "raw", *, rows: int = 24,
                     cols: int = 80) -> TerminalContextManager:
    """Open a terminal over the WebSocket ``request`` names (``AsyncSession`` only).

    ``protocol`` is a name of :data:`~app.terminal.protocols.PROTOCOLS`, or a codec made and
    set up by the caller (a ttyd ``auth_token``, a shorter keepalive). ``rows`` and ``cols``
    are the screen's size, sent to the server where the protocol can say it.
    """
    if not isinstance(request.session, AsyncSession):
        raise UsageError("connect_terminal() works only with an AsyncSession (use `async with "
                         "connect_terminal(request) as terminal`); this request belongs to a "
                         "synchronous Session")
    if isinstance(protocol, Codec):
        codec = protocol
    elif isinstance(protocol, str) and protocol in PROTOCOLS:
        codec = PROTOCOLS[protocol]()
    else:
        known = ", ".join(sorted(PROTOCOLS))
        raise UsageError(f"Unknown terminal protocol {protocol!r}: the known ones are {known}")
    _check_size(rows, cols)
    return TerminalContextManager(request, codec, rows=rows, cols=cols)
