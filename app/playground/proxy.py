"""The playground's HTTP forward proxy, with Basic proxy authentication, on a port of its own.

It takes ``CONNECT host:port`` (a tunnel, for HTTPS and WebSocket-over-TLS targets) and
absolute-URI requests (``GET http://host/path``, for plain HTTP targets), and answers
``407 Proxy Authentication Required`` with a ``Proxy-Authenticate`` challenge when the
credentials are missing or wrong. A forwarded request gains ``Via: 1.1 spyglass-playground``
(so that ``/echo`` shows it came through) and loses the proxy's own headers.

Each client connection carries one request: the forwarded request and its answer say
``Connection: close``, so the proxy never has to find where one HTTP message ends and the
next begins (bodies are relayed as bytes, chunked or not, until the server closes).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hmac
import json
import logging
from dataclasses import dataclass, field

from yarl import URL

__all__ = ["ForwardProxy", "ProxySettings", "ProxyStats"]

log = logging.getLogger("app.playground.proxy")

REALM = "Spyglass playground proxy"
VIA = "1.1 spyglass-playground"
#: Request headers meant for the proxy (or this hop) alone: never forwarded.
_HOP_BY_HOP = frozenset({"proxy-authorization", "proxy-connection", "connection", "keep-alive",
                         "te", "trailer", "upgrade"})
_BUFFER = 64 * 1024


@dataclass(frozen=True)
class ProxySettings:
    """The proxy's credentials and limits (seconds for the timeouts)."""

    user: str = "spyglass"
    password: str = field(default="playground", repr=False)
    #: The largest request head (request line and headers) taken, in bytes.
    head_limit: int = 64 * 1024
    head_timeout: float = 30.0
    connect_timeout: float = 10.0
    max_connections: int = 256

    def __post_init__(self) -> None:
        if not self.user or ":" in self.user:
            raise ValueError("the proxy user must be non-empty and hold no ':'")
        if self.head_limit < 1024 or self.max_connections < 1:
            raise ValueError("head_limit must be at least 1024 and max_connections at least 1")


@dataclass
class ProxyStats:
    """What the proxy did (read by tests: proof that a request went through it)."""

    forwarded: int = 0
    tunnels: int = 0
    refused: int = 0


class _Refusal(Exception):
    def __init__(self, status: int, reason: str, message: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message
        self.headers = headers or {}


class ForwardProxy:
    """A forward proxy on ``host``; :meth:`start` binds it, :meth:`stop` closes it and
    every connection through it."""

    def __init__(self, settings: ProxySettings | None = None) -> None:
        self.settings = settings or ProxySettings()
        self.stats = ProxyStats()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        """Listen; the address bound (host, port)."""
        self._server = await asyncio.start_server(
            self._accept, host, port, limit=self.settings.head_limit)
        bound = self._server.sockets[0].getsockname()
        return str(bound[0]), int(bound[1])

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        try:
            if len(self._tasks) > self.settings.max_connections:
                raise _Refusal(503, "Service Unavailable", "too many connections through the "
                               f"proxy (at most {self.settings.max_connections})")
            await self._serve(reader, writer)
        except _Refusal as refusal:
            self.stats.refused += 1
            with contextlib.suppress(ConnectionError):
                await _answer(writer, refusal)
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError) as exc:
            log.debug("proxy connection from %s ended: %r", _peer(writer), exc)
        except Exception:
            log.exception("unexpected error in the proxy (connection from %s)", _peer(writer))
        finally:
            self._writers.discard(writer)
            self._tasks.discard(task)
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        method, target, version, headers = await self._read_head(reader)
        self._authenticate(headers)
        if method == "CONNECT":
            await self._tunnel(target, reader, writer)
        else:
            await self._forward(method, target, version, headers, reader, writer)

    async def _read_head(
        self, reader: asyncio.StreamReader
    ) -> tuple[str, str, str, list[tuple[str, str]]]:
        try:
            raw = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"),
                                         self.settings.head_timeout)
        except asyncio.LimitOverrunError:
            raise _Refusal(431, "Request Header Fields Too Large", "the request head is larger "
                           f"than {self.settings.head_limit} bytes") from None
        lines = raw.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise _Refusal(400, "Bad Request", f"not an HTTP/1.x request line: {lines[0][:100]!r}")
        headers = []
        for line in lines[1:]:
            if not line:
                continue
            name, sep, value = line.partition(":")
            if not sep or not name.strip() or name != name.strip():
                raise _Refusal(400, "Bad Request", f"malformed header line {line[:100]!r}")
            headers.append((name, value.strip()))
        return parts[0].upper(), parts[1], parts[2], headers

    def _authenticate(self, headers: list[tuple[str, str]]) -> None:
        given = next((v for n, v in headers if n.lower() == "proxy-authorization"), None)
        challenge = {"Proxy-Authenticate": f'Basic realm="{REALM}", charset="UTF-8"'}
        if given is None:
            raise _Refusal(407, "Proxy Authentication Required",
                           "this proxy wants credentials (Basic)", challenge)
        scheme, _, encoded = given.partition(" ")
        try:
            user, sep, password = base64.b64decode(encoded.strip(), validate=True
                                                   ).decode("utf-8").partition(":")
        except (binascii.Error, ValueError):
            sep = user = password = ""
        expected = self.settings
        ok = (scheme.lower() == "basic" and sep == ":"
              and hmac.compare_digest(user.encode(), expected.user.encode())
              & hmac.compare_digest(password.encode(), expected.password.encode()))
        if not ok:
            raise _Refusal(407, "Proxy Authentication Required",
                           "wrong proxy user name or password", challenge)

    async def _open(self, host: str, port: int) -> tuple[asyncio.StreamReader,
                                                         asyncio.StreamWriter]:
        try:
            return await asyncio.wait_for(asyncio.open_connection(host, port),
                                          self.settings.connect_timeout)
        except (OSError, TimeoutError) as exc:
            raise _Refusal(502, "Bad Gateway",
                           f"the proxy could not reach {host}:{port}: {exc or 'timed out'}"
                           ) from None

    async def _tunnel(self, target: str, reader: asyncio.StreamReader,
                      writer: asyncio.StreamWriter) -> None:
        host, sep, port_text = target.rpartition(":")
        host = host.strip("[]")
        if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise _Refusal(400, "Bad Request", f"CONNECT wants host:port, not {target[:100]!r}")
        up_reader, up_writer = await self._open(host, int(port_text))
        self.stats.tunnels += 1
        self._writers.add(up_writer)
        try:
            writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            await writer.drain()
            await _pipe_both(reader, writer, up_reader, up_writer)
        finally:
            self._writers.discard(up_writer)
            up_writer.close()

    async def _forward(self, method: str, target: str, version: str,
                       headers: list[tuple[str, str]], reader: asyncio.StreamReader,
                       writer: asyncio.StreamWriter) -> None:
        url = URL(target) if "://" in target else None
        if url is None or url.scheme != "http" or not url.host:
            raise _Refusal(400, "Bad Request", "this is a forward proxy: send an absolute "
                           f"http:// URI or CONNECT, not {target[:100]!r}")
        up_reader, up_writer = await self._open(url.host, url.port or 80)
        self.stats.forwarded += 1
        self._writers.add(up_writer)
        try:
            kept = [(n, v) for n, v in headers if n.lower() not in _HOP_BY_HOP]
            if not any(n.lower() == "host" for n, _ in kept):
                kept.insert(0, ("Host", url.raw_authority))
            head = [f"{method} {url.raw_path_qs} {version}", *(f"{n}: {v}" for n, v in kept),
                    f"Via: {VIA}", "Connection: close", "", ""]
            up_writer.write("\r\n".join(head).encode("latin-1"))
            await up_writer.drain()
            sending = asyncio.ensure_future(_pipe(reader, up_writer))
            try:
                await _relay_answer(up_reader, writer)
            finally:
                sending.cancel()
                await asyncio.gather(sending, return_exceptions=True)
        finally:
            self._writers.discard(up_writer)
            up_writer.close()


async def _relay_answer(up_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """The server's answer to the client, its head saying ``Connection: close``."""
    try:
        head = await up_reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
        raise _Refusal(502, "Bad Gateway", "the server's answer had no complete HTTP head "
                       f"({type(exc).__name__})") from None
    lines = head.decode("latin-1").split("\r\n")
    kept = [line for line in lines[1:] if line and line.partition(":")[0].strip().lower()
            not in ("connection", "keep-alive", "proxy-connection")]
    writer.write("\r\n".join([lines[0], *kept, "Connection: close", "", ""]).encode("latin-1"))
    await _pipe(up_reader, writer)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until ``reader`` ends, then end ``writer``'s direction."""
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(_BUFFER):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()


async def _pipe_both(a_reader: asyncio.StreamReader, a_writer: asyncio.StreamWriter,
                     b_reader: asyncio.StreamReader, b_writer: asyncio.StreamWriter) -> None:
    """Copy both ways until both directions have ended."""
    await asyncio.gather(_pipe(a_reader, b_writer), _pipe(b_reader, a_writer))


async def _answer(writer: asyncio.StreamWriter, refusal: _Refusal) -> None:
    body = json.dumps({"error": refusal.message}).encode()
    lines = [f"HTTP/1.1 {refusal.status} {refusal.reason}",
             *(f"{n}: {v}" for n, v in refusal.headers.items()),
             "Content-Type: application/json", f"Content-Length: {len(body)}",
             "Connection: close", "", ""]
    writer.write("\r\n".join(lines).encode("latin-1") + body)
    await writer.drain()


def _peer(writer: asyncio.StreamWriter) -> object:
    return writer.get_extra_info("peername")
