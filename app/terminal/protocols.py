"""The wire protocols of terminals over WebSocket (SPEC 6.1): pure codecs, no I/O.

A codec turns what the terminal does (input, a new size, a keepalive) into WebSocket frames
and the frames a server sends into events. It is fed one whole frame at a time (WebSocket
joins fragments) and never raises on what a server sends: a frame that breaks its protocol
gives an :class:`Error` event saying what was wrong, and the session goes on::

    codec = PROTOCOLS["terminado"]()
    codec.negotiated(ws.protocol)
    for frame in codec.opening(rows, cols):
        send(frame)
    for event in codec.decode(frame):
        ...

The documents each codec follows are named on its class.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import json
from dataclasses import dataclass
from typing import Any, ClassVar

__all__ = [
    "PROTOCOLS",
    "BackendAICodec",
    "Codec",
    "Error",
    "Event",
    "Exit",
    "Frame",
    "KubernetesCodec",
    "Output",
    "RawCodec",
    "TerminadoCodec",
    "Title",
    "TtydCodec",
]

#: A WebSocket message: ``str`` is a text frame, ``bytes`` a binary one.
Frame = str | bytes

# How much of a bad frame an Error quotes: enough to recognise it, bounded whatever arrives.
_QUOTE = 80


@dataclass(frozen=True, slots=True)
class Output:
    """Bytes for the screen."""

    data: bytes


@dataclass(frozen=True, slots=True)
class Title:
    """The server set the window title."""

    text: str


@dataclass(frozen=True, slots=True)
class Exit:
    """The program on the server ended: ``code`` is its exit status where the protocol says it."""

    code: int | None
    message: str


@dataclass(frozen=True, slots=True)
class Error:
    """A frame broke the protocol, or the server reported an error; the session goes on."""

    message: str


#: What :meth:`Codec.decode` gives.
Event = Output | Title | Exit | Error


def _quote(frame: Frame) -> str:
    """A short, printable excerpt of a frame for an error message."""
    text = repr(frame[:_QUOTE])
    return text + ("..." if len(frame) > _QUOTE else "")


def _json(frame: Frame, protocol: str) -> tuple[Any, Error | None]:
    """Parse a JSON text frame, or say why it is not one."""
    if isinstance(frame, bytes):
        return None, Error(f"{protocol}: a binary frame, but the protocol sends JSON text "
                           f"frames: {_quote(frame)}")
    try:
        return json.loads(frame), None
    except (ValueError, RecursionError) as exc:
        return None, Error(f"{protocol}: a text frame that is not JSON ({exc}): {_quote(frame)}")


def _utf8(text: str) -> bytes:
    # JSON may carry lone surrogates ("\ud800"); they cannot be UTF-8 and become "?".
    return text.encode("utf-8", "replace")


class Codec:
    """The base of every protocol: frames in, events out. Made with no arguments.

    Subclasses set :attr:`subprotocols` and :attr:`keepalive_interval` and override what
    their protocol has; the defaults are those of a protocol without resize or keepalive.
    """

    #: The protocol's name in :data:`PROTOCOLS`.
    name: ClassVar[str] = ""
    #: Subprotocols to offer in the handshake, most wanted first (maybe none).
    subprotocols: tuple[str, ...] = ()
    #: Seconds between keepalives, or None for a protocol without them.
    keepalive_interval: float | None = None

    def negotiated(self, subprotocol: str | None) -> None:
        """Told the subprotocol the server chose (None for none). Until then a codec uses
        its first variant."""

    def opening(self, rows: int, cols: int) -> list[Frame]:
        """Frames to send right after the handshake: the initial size, where the protocol
        has a way to say it."""
        frame = self.encode_resize(rows, cols)
        return [] if frame is None else [frame]

    def encode_input(self, data: bytes) -> Frame:
        """The frame that sends ``data`` (keys, pasted text, answers) to the program."""
        raise NotImplementedError

    def encode_resize(self, rows: int, cols: int) -> Frame | None:
        """The frame that tells the server the new size, or None where there is no such frame."""
        return None

    def keepalive(self) -> Frame | None:
        """The frame to send every :attr:`keepalive_interval` seconds, or None."""
        return None

    def decode(self, frame: Frame) -> list[Event]:
        """The events of one received frame; a broken frame gives :class:`Error`, never raises."""
        raise NotImplementedError


class RawCodec(Codec):
    """Bytes both ways, as xterm.js's attach addon does (a binary frame of the input; text
    frames are UTF-8 output, binary frames raw output). No resize, no keepalive."""

    name = "raw"

    def encode_input(self, data: bytes) -> Frame:
        return bytes(data)

    def decode(self, frame: Frame) -> list[Event]:
        data = _utf8(frame) if isinstance(frame, str) else bytes(frame)
        return [Output(data)] if data else []


class TerminadoCodec(Codec):
    """Jupyter's terminals (terminado ``websocket.py``): JSON arrays in text frames.

    Client: ``["stdin", text]``, ``["set_size", rows, cols]``. Server: ``["setup", {}]``,
    ``["stdout", text]``, ``["disconnect", 1]`` when the process ended.
    """

    name = "terminado"

    def __init__(self) -> None:
        # The protocol carries text: input split inside a UTF-8 character waits for the rest.
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def encode_input(self, data: bytes) -> Frame:
        return json.dumps(["stdin", self._decoder.decode(bytes(data))])

    def encode_resize(self, rows: int, cols: int) -> Frame | None:
        return json.dumps(["set_size", rows, cols])

    def decode(self, frame: Frame) -> list[Event]:
        message, error = _json(frame, "terminado")
        if error is not None:
            return [error]
        if not (isinstance(message, list) and message and isinstance(message[0], str)):
            return [Error(f"terminado: a message that is not an array starting with its "
                          f"type: {_quote(frame)}")]
        kind = message[0]
        if kind == "stdout":
            if len(message) < 2 or not isinstance(message[1], str):
                return [Error(f"terminado: a stdout message without text: {_quote(frame)}")]
            data = _utf8(message[1])
            return [Output(data)] if data else []
        if kind == "disconnect":
            return [Exit(None, "The terminal's process ended (terminado sent disconnect)")]
        if kind == "setup":
            return []
        return [Error(f"terminado: unknown message type {kind!r}: {_quote(frame)}")]


class TtydCodec(Codec):
    """ttyd (``src/protocol.c``, ``server.h``): subprotocol ``tty``, one command byte then data.

    Client: first the JSON ``{"AuthToken": ..., "columns": c, "rows": r}`` (its ``{`` is the
    command), then ``'0'`` + input, ``'1'`` + JSON size. Server: ``'0'`` + output, ``'1'`` +
    title, ``'2'`` + JSON preferences. ttyd sends binary frames; text frames read the same.
    """

    name = "ttyd"
    subprotocols = ("tty",)

    def __init__(self) -> None:
        #: The token of a ttyd started with ``--credential`` (its page gets it from ``/token``).
        self.auth_token = ""

    def opening(self, rows: int, cols: int) -> list[Frame]:
        hello = {"AuthToken": self.auth_token, "columns": cols, "rows": rows}
        return [json.dumps(hello).encode("utf-8")]

    def encode_input(self, data: bytes) -> Frame:
        return b"0" + bytes(data)

    def encode_resize(self, rows: int, cols: int) -> Frame | None:
        return b"1" + json.dumps({"columns": cols, "rows": rows}).encode("utf-8")

    def decode(self, frame: Frame) -> list[Event]:
        data = _utf8(frame) if isinstance(frame, str) else bytes(frame)
        if not data:
            return [Error("ttyd: an empty frame (a command byte was expected)")]
        command, payload = data[:1], data[1:]
        if command == b"0":
            return [Output(payload)] if payload else []
        if command == b"1":
            return [Title(payload.decode("utf-8", "replace"))]
        if command == b"2":
            return []  # the web page's preferences (font, theme): nothing for this terminal
        return [Error(f"ttyd: unknown command {command!r}: {_quote(frame)}")]


class BackendAICodec(Codec):
    """Backend.AI's session terminal (``docs/user-api/exec-stream.rst``, "Terminal
    Emulation"): JSON objects in text frames, terminal bytes in base64.

    Client: ``{"type": "stdin", "chars": b64}``, ``{"type": "resize", "rows", "cols"}``,
    ``{"type": "ping"}`` to keep the session from its idle timeout, ``{"type": "restart"}``.
    Server: ``{"type": "out", "data": b64}``, ``{"type": "error", "data": text}``.
    """

    name = "backendai"
    keepalive_interval: float | None = 30.0

    def encode_input(self, data: bytes) -> Frame:
        return json.dumps({"type": "stdin", "chars": base64.b64encode(data).decode("ascii")})

    def encode_resize(self, rows: int, cols: int) -> Frame | None:
        return json.dumps({"type": "resize", "rows": rows, "cols": cols})

    def keepalive(self) -> Frame | None:
        return json.dumps({"type": "ping"})

    def restart(self) -> Frame:
        """The frame that restarts the session's kernel (a stuck program), keeping its files."""
        return json.dumps({"type": "restart"})

    def decode(self, frame: Frame) -> list[Event]:
        message, error = _json(frame, "backendai")
        if error is not None:
            return [error]
        if not (isinstance(message, dict) and isinstance(message.get("type"), str)):
            return [Error(f"backendai: a message that is not an object with a type: "
                          f"{_quote(frame)}")]
        kind, data = message["type"], message.get("data")
        if kind == "out":
            if not isinstance(data, str):
                return [Error(f"backendai: an out message without base64 data: {_quote(frame)}")]
            try:
                raw = base64.b64decode(data, validate=True)
            except (binascii.Error, ValueError) as exc:
                return [Error(f"backendai: the data of an out message is not base64 ({exc}): "
                              f"{_quote(frame)}")]
            return [Output(raw)] if raw else []
        if kind == "error":
            text = data if isinstance(data, str) else json.dumps(data)
            return [Error(f"The server reported an error: {text}")]
        if kind == "pong":
            return []
        return [Error(f"backendai: unknown message type {kind!r}: {_quote(frame)}")]


# Kubernetes remotecommand channels (k8s.io/apimachinery wsstream and remotecommand).
_STDIN, _STDOUT, _STDERR, _STATUS, _RESIZE = 0, 1, 2, 3, 4
# v5.channel.k8s.io: a frame on channel 255 closes the channel named by its next byte.
_CLOSE = 255


class KubernetesCodec(Codec):
    """Kubernetes exec/attach (``k8s.io/apimachinery/pkg/util/httpstream/wsstream/conn.go``,
    remotecommand v4/v5): a channel number before each message.

    Binary variants: one byte (0 stdin, 1 stdout, 2 stderr, 3 status, 4 resize) then the
    bytes; v5 adds 255 + a channel to close it. ``base64.channel.k8s.io``: text frames, the
    channel as a digit then the data in base64. Channel 3 carries a ``metav1.Status`` as JSON
    (v4, v5) or a plain error text (the older protocols); the server writes an empty message
    on a channel to show it open.
    """

    name = "kubernetes"
    subprotocols = ("v5.channel.k8s.io", "v4.channel.k8s.io", "base64.channel.k8s.io")
    # Plain-text status channel: the protocols before v4 (and the empty one, which is v1).
    _TEXT_STATUS = ("channel.k8s.io", "base64.channel.k8s.io", "")

    def __init__(self) -> None:
        self.variant = self.subprotocols[0]

    @property
    def _base64(self) -> bool:
        return self.variant.startswith("base64.") or ".base64." in self.variant

    def negotiated(self, subprotocol: str | None) -> None:
        # No subprotocol is the API server's "" protocol: binary channels, v1 semantics.
        self.variant = subprotocol or ""

    def _frame(self, channel: int, data: bytes) -> Frame:
        if self._base64:
            return str(channel) + base64.b64encode(data).decode("ascii")
        return bytes((channel,)) + data

    def encode_input(self, data: bytes) -> Frame:
        return self._frame(_STDIN, bytes(data))

    def encode_resize(self, rows: int, cols: int) -> Frame | None:
        return self._frame(_RESIZE, json.dumps({"Width": cols, "Height": rows}).encode())

    def decode(self, frame: Frame) -> list[Event]:
        # Decoded by its kind rather than by the variant: a text frame can only be base64
        # framing, a binary one only byte framing.
        if isinstance(frame, str):
            if not frame:
                return [Error("kubernetes: an empty text frame (a channel digit was expected)")]
            if frame[0] not in "0123456789":
                return [Error(f"kubernetes: a text frame that does not start with a channel "
                              f"digit: {_quote(frame)}")]
            try:
                data = base64.b64decode(frame[1:], validate=True)
            except (binascii.Error, ValueError) as exc:
                return [Error(f"kubernetes: channel {frame[0]} data is not base64 ({exc}): "
                              f"{_quote(frame)}")]
            return self._channel(int(frame[0]), data, frame)
        if not frame:
            return [Error("kubernetes: an empty binary frame (a channel byte was expected)")]
        return self._channel(frame[0], bytes(frame[1:]), frame)

    def _channel(self, channel: int, data: bytes, frame: Frame) -> list[Event]:
        if channel in (_STDOUT, _STDERR):
            return [Output(data)] if data else []
        if channel == _STATUS:
            return self._status(data, frame) if data else []
        if channel == _CLOSE:
            if len(data) != 1:
                return [Error(f"kubernetes: a close signal must name one channel: "
                              f"{_quote(frame)}")]
            return []  # the server will send nothing more there: nothing to show
        if channel in (_STDIN, _RESIZE) and not data:
            return []  # an open channel announced: nothing for the screen
        return [Error(f"kubernetes: a message on channel {channel}, which the server does not "
                      f"send on: {_quote(frame)}")]

    def _status(self, data: bytes, frame: Frame) -> list[Event]:
        text = data.decode("utf-8", "replace")
        try:
            status = json.loads(text)
        except (ValueError, RecursionError):
            status = None
        if not isinstance(status, dict):
            if self.variant in self._TEXT_STATUS:
                return [Exit(None, text)]  # before v4 the error channel is plain text
            return [Error(f"kubernetes: the status on channel 3 is not a JSON object: "
                          f"{_quote(frame)}")]
        state, message = status.get("status"), status.get("message")
        message = message if isinstance(message, str) else ""
        if state == "Success":
            return [Exit(0, message or "The command finished successfully")]
        if state != "Failure":
            return [Error(f"kubernetes: a status that is neither Success nor Failure: "
                          f"{_quote(frame)}")]
        if status.get("reason") == "NonZeroExitCode":
            code = _exit_code(status)
            if code is None:
                return [Error(f"kubernetes: a NonZeroExitCode status without a numeric "
                              f"ExitCode cause: {_quote(frame)}"),
                        Exit(None, message or "The command failed")]
            return [Exit(code, message or f"The command exited with code {code}")]
        return [Exit(None, message or "The command failed")]


def _exit_code(status: dict[str, Any]) -> int | None:
    """The exit code of a NonZeroExitCode status: ``details.causes[reason=ExitCode].message``."""
    details = status.get("details")
    causes = details.get("causes") if isinstance(details, dict) else None
    for cause in causes if isinstance(causes, list) else ():
        if isinstance(cause, dict) and cause.get("reason") == "ExitCode":
            value = cause.get("message")
            # Bounded and ASCII: int() also takes other scripts' digits and huge numbers.
            if isinstance(value, str) and len(value) < 20 and value.isascii():
                try:
                    return int(value)
                except ValueError:
                    return None
    return None


#: Every protocol by name: a codec class, made with no arguments.
PROTOCOLS: dict[str, type[Codec]] = {
    codec.name: codec
    for codec in (RawCodec, TerminadoCodec, TtydCodec, KubernetesCodec, BackendAICodec)
}
