"""The server's side of each terminal wire protocol (SPEC 6.1): what the playground's
``/terminal/{protocol}`` endpoints send and how they read what the client sends. Pure: no I/O.

Each speaks as the real server does: Jupyter's terminado, ttyd, the Kubernetes API server's
``exec``, and a Backend.AI kernel's PTY stream.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import json
from dataclasses import dataclass
from typing import Any, ClassVar

from .pty_process import MAX_SIZE

__all__ = [
    "WIRES",
    "Action",
    "BackendAIWire",
    "CloseInput",
    "Frame",
    "Input",
    "KubernetesWire",
    "Pause",
    "Problem",
    "RawWire",
    "Resize",
    "Restart",
    "Resume",
    "ServerWire",
    "TerminadoWire",
    "TtydWire",
]

#: A text (``str``) or binary (``bytes``) WebSocket message.
Frame = str | bytes


@dataclass(frozen=True)
class Input:
    """Bytes typed into the terminal."""

    data: bytes


@dataclass(frozen=True)
class Resize:
    """The client's terminal has a new size."""

    rows: int
    cols: int


@dataclass(frozen=True)
class Restart:
    """Kill the program and start it again on the same connection (Backend.AI)."""


@dataclass(frozen=True)
class Pause:
    """Stop sending output until ``Resume`` (ttyd's flow control)."""


@dataclass(frozen=True)
class Resume:
    """Send output again after a ``Pause``."""


@dataclass(frozen=True)
class CloseInput:
    """The client closed standard input (Kubernetes v5): the program reads end of file."""


@dataclass(frozen=True)
class Problem:
    """A frame that breaks the protocol, and what was wrong with it."""

    message: str


Action = Input | Resize | Restart | Pause | Resume | CloseInput | Problem


def _size(rows: object, cols: object) -> Resize | Problem:
    for name, value in (("rows", rows), ("cols", cols)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SIZE:
            return Problem(f"{name} must be a whole number from 1 to {MAX_SIZE}, not {value!r}")
    assert isinstance(rows, int) and isinstance(cols, int)
    return Resize(rows, cols)


def _json(text: str | bytes, what: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _Broken(f"{what} is not JSON: {exc}") from None


class _Broken(Exception):
    """Raised inside a decoder; becomes a ``Problem``."""


class ServerWire:
    """One connection's protocol state. Subclasses override what their protocol has."""

    name: ClassVar[str] = ""
    #: The subprotocols accepted in the handshake, best first.
    subprotocols: ClassVar[tuple[str, ...]] = ()
    #: Whether the first frame from the client carries the terminal's size (ttyd).
    size_first: ClassVar[bool] = False

    def negotiated(self, subprotocol: str | None) -> None:
        """Told the subprotocol chosen in the handshake."""

    def hello(self, frame: Frame) -> Resize | Problem:
        """Read the first frame when ``size_first``."""
        return Problem("this protocol has no opening frame")

    def opening(self, title: str) -> list[Frame]:
        """Frames sent once, right after the handshake."""
        return []

    def output(self, data: bytes) -> list[Frame]:
        """The program's output as frames."""
        return [data]

    def decode(self, frame: Frame) -> list[Action]:
        """What a frame from the client asks for."""
        try:
            return self._decode(frame)
        except _Broken as exc:
            return [Problem(str(exc))]

    def _decode(self, frame: Frame) -> list[Action]:
        raise NotImplementedError

    def exit_frames(self, returncode: int, argv: list[str]) -> list[Frame]:
        """Frames that say the program ended, before the close."""
        return []

    def problem_frames(self, message: str) -> list[Frame]:
        """Frames that tell the client it sent something wrong (most protocols cannot)."""
        return []


class RawWire(ServerWire):
    """Bytes in, bytes out: binary frames both ways (text frames are taken as UTF-8 input)."""

    name = "raw"

    def _decode(self, frame: Frame) -> list[Action]:
        return [Input(frame.encode("utf-8") if isinstance(frame, str) else frame)]


class TerminadoWire(ServerWire):
    """Jupyter's terminals: JSON arrays in text frames."""

    name = "terminado"

    def __init__(self) -> None:
        # Output is text: a character split between two reads waits for its end.
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def opening(self, title: str) -> list[Frame]:
        return [json.dumps(["setup", {}])]

    def output(self, data: bytes) -> list[Frame]:
        text = self._decoder.decode(data)
        return [json.dumps(["stdout", text])] if text else []

    def _decode(self, frame: Frame) -> list[Action]:
        message = _json(frame, "a terminado message")
        if not isinstance(message, list) or not message or not isinstance(message[0], str):
            raise _Broken('a terminado message is a JSON array like ["stdin", "text"]')
        command = message[0]
        if command == "stdin":
            if len(message) < 2 or not isinstance(message[1], str):
                raise _Broken('"stdin" needs the text: ["stdin", "text"]')
            return [Input(message[1].encode("utf-8", "replace"))]
        if command == "set_size":
            if len(message) < 3:
                raise _Broken('"set_size" needs rows and columns: ["set_size", 24, 80]')
            return [_size(message[1], message[2])]
        return []  # terminado ignores the commands it does not know

    def exit_frames(self, returncode: int, argv: list[str]) -> list[Frame]:
        tail = self._decoder.decode(b"", final=True)
        frames: list[Frame] = [json.dumps(["stdout", tail])] if tail else []
        return [*frames, json.dumps(["disconnect", 1])]


class TtydWire(ServerWire):
    """ttyd: a command character, then its data."""

    name = "ttyd"
    subprotocols = ("tty",)
    size_first = True

    def hello(self, frame: Frame) -> Resize | Problem:
        try:
            data = _json(frame, "ttyd's first message")
        except _Broken as exc:
            return Problem(f'{exc} (it must be {{"AuthToken": "", "columns": c, "rows": r}})')
        if not isinstance(data, dict):
            return Problem('ttyd\'s first message must be {"AuthToken": "", "columns": c, '
                           '"rows": r}')
        return _size(data.get("rows"), data.get("columns"))

    def opening(self, title: str) -> list[Frame]:
        return [b"1" + title.encode("utf-8"), b"2" + json.dumps({}).encode()]

    def output(self, data: bytes) -> list[Frame]:
        return [b"0" + data]

    def _decode(self, frame: Frame) -> list[Action]:
        data = frame.encode("utf-8") if isinstance(frame, str) else frame
        command, body = data[:1], data[1:]
        if command == b"0":
            return [Input(body)]
        if command == b"1":
            size = _json(body, "a ttyd resize")
            if not isinstance(size, dict):
                raise _Broken('a ttyd resize is "1" then {"columns": c, "rows": r}')
            return [_size(size.get("rows"), size.get("columns"))]
        if command == b"2":
            return [Pause()]
        if command == b"3":
            return [Resume()]
        if command == b"{":
            return []  # the opening JSON again: nothing to do
        raise _Broken(f"unknown ttyd command {command!r} (0 input, 1 resize, 2 pause, 3 resume)")


#: Kubernetes' stream channels.
STDIN, STDOUT, STDERR, ERROR, RESIZE = 0, 1, 2, 3, 4
#: The v5 message that closes a channel: this byte, then the channel.
CLOSE_CHANNEL = 255


class KubernetesWire(ServerWire):
    """The API server's ``exec``: a channel number, then its data (base64 in text frames for
    ``base64.channel.k8s.io``)."""

    name = "kubernetes"
    subprotocols = ("v5.channel.k8s.io", "v4.channel.k8s.io", "base64.channel.k8s.io")

    def __init__(self) -> None:
        self.subprotocol = self.subprotocols[0]

    def negotiated(self, subprotocol: str | None) -> None:
        if subprotocol is not None:
            self.subprotocol = subprotocol

    @property
    def _base64(self) -> bool:
        return self.subprotocol == "base64.channel.k8s.io"

    def _frame(self, channel: int, data: bytes) -> Frame:
        if self._base64:
            return str(channel) + base64.b64encode(data).decode("ascii")
        return bytes((channel,)) + data

    def opening(self, title: str) -> list[Frame]:
        # The API server opens with an empty message on its first writable channel.
        return [self._frame(STDOUT, b"")]

    def output(self, data: bytes) -> list[Frame]:
        return [self._frame(STDOUT, data)]  # a terminal merges stderr into it

    def _decode(self, frame: Frame) -> list[Action]:
        if self._base64:
            if not isinstance(frame, str):
                raise _Broken("base64.channel.k8s.io sends text messages")
            if not frame or not frame[0].isdigit():
                raise _Broken("a base64.channel.k8s.io message starts with its channel digit")
            channel = int(frame[0])
            try:
                data = base64.b64decode(frame[1:], validate=True)
            except (binascii.Error, ValueError) as exc:
                raise _Broken(f"channel {channel}'s data is not base64: {exc}") from None
        else:
            if not isinstance(frame, bytes):
                raise _Broken(f"{self.subprotocol} sends binary messages")
            if not frame:
                return []
            channel, data = frame[0], frame[1:]
        if channel == STDIN:
            return [Input(data)] if data else []
        if channel == RESIZE:
            size = _json(data, "a resize")
            if not isinstance(size, dict):
                raise _Broken('a resize is {"Width": columns, "Height": rows}')
            return [_size(size.get("Height"), size.get("Width"))]
        if channel == CLOSE_CHANNEL and self.subprotocol == "v5.channel.k8s.io":
            return [CloseInput()] if data[:1] == bytes((STDIN,)) else []
        raise _Broken(f"channel {channel} does not take input (0 stdin, 4 resize)")

    def exit_frames(self, returncode: int, argv: list[str]) -> list[Frame]:
        status = kubernetes_status(returncode, argv)
        return [self._frame(ERROR, json.dumps(status, separators=(",", ":")).encode())]


def kubernetes_status(code: int, argv: list[str]) -> dict[str, Any]:
    """The ``metav1.Status`` the kubelet reports for an exec that ended with ``code``."""
    if code == 0:
        return {"metadata": {}, "status": "Success"}
    return {
        "metadata": {},
        "status": "Failure",
        "message": "command terminated with non-zero exit code: error executing command "
                   f"[{' '.join(argv)}], exit code {code}",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
    }


class BackendAIWire(ServerWire):
    """A Backend.AI kernel's PTY stream: JSON objects in text frames, data in base64."""

    name = "backendai"

    def output(self, data: bytes) -> list[Frame]:
        return [json.dumps({"type": "out", "data": base64.b64encode(data).decode("ascii")})]

    def _decode(self, frame: Frame) -> list[Action]:
        message = _json(frame, "a Backend.AI message")
        if not isinstance(message, dict):
            raise _Broken('a Backend.AI message is a JSON object like {"type": "stdin", ...}')
        kind = message.get("type")
        if kind == "stdin":
            chars = message.get("chars")
            if not isinstance(chars, str):
                raise _Broken('"stdin" needs "chars": the input in base64')
            try:
                return [Input(base64.b64decode(chars, validate=True))]
            except (binascii.Error, ValueError) as exc:
                raise _Broken(f'"chars" is not base64: {exc}') from None
        if kind == "resize":
            return [_size(message.get("rows"), message.get("cols"))]
        if kind == "ping":
            return []  # a keepalive: the kernel answers nothing
        if kind == "restart":
            return [Restart()]
        raise _Broken(f"unknown message type {kind!r} (stdin, resize, ping, restart)")

    def problem_frames(self, message: str) -> list[Frame]:
        return [json.dumps({"type": "error", "data": message})]


#: The wire of each protocol name of SPEC 6.1.
WIRES: dict[str, type[ServerWire]] = {
    wire.name: wire
    for wire in (RawWire, TerminadoWire, TtydWire, KubernetesWire, BackendAIWire)
}
