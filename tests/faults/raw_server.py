"""A server that speaks raw bytes over TCP: the faults an HTTP framework will not produce.

Each connection reads one request head and answers by its path (``ANSWERS``) with bytes that
a well-behaved server never sends: a ``Content-Length`` that lies, a connection reset half-way
through an upload or an event stream, a WebSocket frame with a reserved opcode, a WebSocket
that vanishes without a close frame. It runs on 127.0.0.1 in a thread of its own.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import socket
import struct
import threading
import time
from collections.abc import Callable

__all__ = ["ANSWERS", "RawServer"]

_WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def _reset(conn: socket.socket) -> None:
    """Close with a TCP reset (RST), not an orderly FIN."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def _head(status: str, **headers: str) -> bytes:
    lines = [f"HTTP/1.1 {status}"] + [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _content_length_too_long(conn: socket.socket, head: bytes) -> None:
    conn.sendall(_head("200 OK", Content_Type="text/plain", Content_Length="100") + b"only ten b")
    conn.close()


def _content_length_too_short(conn: socket.socket, head: bytes) -> None:
    conn.sendall(_head("200 OK", Content_Type="text/plain", Content_Length="5",
                       Connection="close") + b"hello, and bytes past the length")
    conn.close()


def _dies_mid_upload(conn: socket.socket, head: bytes) -> None:
    got = 0
    while got < 64 * 1024:
        piece = conn.recv(65536)
        if not piece:
            break
        got += len(piece)
    _reset(conn)


def _garbage(conn: socket.socket, head: bytes) -> None:
    conn.sendall(b"this is not HTTP at all\r\n\r\n")
    conn.close()


def _bad_json(conn: socket.socket, head: bytes) -> None:
    body = b'{"items": [1, 2, '
    conn.sendall(_head("200 OK", Content_Type="application/json",
                       Content_Length=str(len(body))) + body)
    conn.close()


def _not_utf8(conn: socket.socket, head: bytes) -> None:
    body = b"caf\xe9 cr\xe8me \xff\xfe"
    conn.sendall(_head("200 OK", Content_Type="text/plain; charset=utf-8",
                       Content_Length=str(len(body))) + body)
    conn.close()


def _sse_reset(conn: socket.socket, head: bytes) -> None:
    event = b"id: 1\ndata: one\n\n"
    conn.sendall(_head("200 OK", Content_Type="text/event-stream", Transfer_Encoding="chunked")
                 + b"%x\r\n%s\r\n" % (len(event), event))
    time.sleep(0.1)
    _reset(conn)


def _sse_malformed(conn: socket.socket, head: bytes) -> None:
    conn.sendall(_head("200 OK", Content_Type="text/event-stream", Cache_Control="no-cache")
                 + b"data\n\n"                          # a field without a colon: empty data
                 + b"retry: soon\nbogus: field\n: a comment\ndata: caf\xe9\n\n"
                 + b"id: a\x00b\ndata: after\r\n\r\n"   # an id holding NUL is ignored
                 + b"data: unfinished")                  # no blank line: never dispatched
    conn.close()


def _ws_handshake(conn: socket.socket, head: bytes) -> None:
    key = next(line.split(b":", 1)[1].strip() for line in head.split(b"\r\n")
               if line.lower().startswith(b"sec-websocket-key:"))
    accept = base64.b64encode(hashlib.sha1(key + _WS_GUID).digest()).decode()
    conn.sendall(_head("101 Switching Protocols", Upgrade="websocket", Connection="Upgrade",
                       Sec_WebSocket_Accept=accept))


def _ws_text(text: str) -> bytes:
    data = text.encode()
    return bytes([0x81, len(data)]) + data


def _ws_bad_frame(conn: socket.socket, head: bytes) -> None:
    _ws_handshake(conn, head)
    conn.sendall(_ws_text("hello") + b"\x83\x02no")  # opcode 3 is reserved
    time.sleep(0.5)
    conn.close()


def _ws_vanishes(conn: socket.socket, head: bytes) -> None:
    _ws_handshake(conn, head)
    conn.sendall(_ws_text("hello"))
    time.sleep(0.1)
    _reset(conn)


#: What each path answers, as a function of the connection and the request head.
ANSWERS: dict[str, Callable[[socket.socket, bytes], None]] = {
    "/content-length-too-long": _content_length_too_long,
    "/content-length-too-short": _content_length_too_short,
    "/dies-mid-upload": _dies_mid_upload,
    "/garbage": _garbage,
    "/bad-json": _bad_json,
    "/not-utf8": _not_utf8,
    "/sse/reset": _sse_reset,
    "/sse/malformed": _sse_malformed,
    "/ws/bad-frame": _ws_bad_frame,
    "/ws/vanishes": _ws_vanishes,
}


class RawServer:
    """``ANSWERS`` served on 127.0.0.1; ``url`` is ``http://127.0.0.1:PORT``."""

    def __init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> RawServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self._sock.close()
        self._thread.join(5)

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn:
            conn.settimeout(5)
            head = b""
            while b"\r\n\r\n" not in head:
                piece = conn.recv(4096)
                if not piece:
                    return
                head += piece
            head, _, _ = head.partition(b"\r\n\r\n")
            path = head.split(b" ", 2)[1].decode().partition("?")[0]
            ANSWERS[path](conn, head)
