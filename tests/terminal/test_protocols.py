"""The terminal wire protocols (SPEC 6.1): each codec against the frames its protocol's own
document shows, output split into frames at every byte, and arbitrary frames never raising."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.terminal.protocols import (
    PROTOCOLS,
    BackendAICodec,
    Codec,
    Error,
    Event,
    Exit,
    Frame,
    KubernetesCodec,
    Output,
    RawCodec,
    TerminadoCodec,
    Title,
    TtydCodec,
)

K8S_VARIANTS = ("v5.channel.k8s.io", "v4.channel.k8s.io", "base64.channel.k8s.io",
                "v4.base64.channel.k8s.io", "channel.k8s.io", None)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def k8s(variant: str | None) -> KubernetesCodec:
    codec = KubernetesCodec()
    codec.negotiated(variant)
    return codec


def output_of(events: list[Event]) -> bytes:
    assert all(isinstance(e, Output) for e in events), events
    return b"".join(e.data for e in events if isinstance(e, Output))


def only_error(events: list[Event], *words: str) -> str:
    """The one event is an Error whose message holds every word."""
    assert len(events) == 1 and isinstance(events[0], Error), events
    message = events[0].message
    for word in words:
        assert word in message, (word, message)
    return message


# -- the registry ----------------------------------------------------------------------------


def test_every_protocol_is_registered_by_its_name() -> None:
    assert set(PROTOCOLS) == {"raw", "terminado", "ttyd", "kubernetes", "backendai"}
    for name, cls in PROTOCOLS.items():
        codec = cls()
        assert isinstance(codec, Codec) and cls.name == name
        assert isinstance(codec.subprotocols, tuple)
        assert codec.keepalive_interval is None or codec.keepalive_interval > 0


def test_events_are_frozen_values() -> None:
    assert Output(b"a") == Output(b"a") and Exit(0, "x") != Exit(1, "x")
    with pytest.raises(AttributeError):
        Title("t").text = "u"  # type: ignore[misc]


# -- raw (xterm.js attach addon: the socket carries the terminal's bytes as they are) ------


def test_raw() -> None:
    codec = RawCodec()
    assert codec.subprotocols == ()
    assert codec.opening(24, 80) == []
    assert codec.encode_input(b"ls -l\r") == b"ls -l\r"
    assert codec.encode_resize(30, 100) is None
    assert codec.keepalive() is None and codec.keepalive_interval is None
    assert codec.decode("caf\u00e9\r\n") == [Output("caf\u00e9\r\n".encode())]
    assert codec.decode(b"\x1b[31mred\xff") == [Output(b"\x1b[31mred\xff")]
    assert codec.decode(b"") == [] and codec.decode("") == []


# -- terminado (terminado/websocket.py: TermSocket) ----------------------------------------


def test_terminado_documented_frames() -> None:
    codec = TerminadoCodec()
    assert codec.subprotocols == () and codec.keepalive_interval is None
    # TermSocket.on_message: ["stdin", text] and ["set_size", rows, cols].
    assert json.loads(codec.encode_input(b"ls\r")) == ["stdin", "ls\r"]
    assert json.loads(codec.encode_resize(24, 80)) == ["set_size", 24, 80]  # type: ignore[arg-type]
    assert [json.loads(f) for f in codec.opening(30, 100)] == [["set_size", 30, 100]]
    # TermSocket.open sends ["setup", {}]; on_pty_read ["stdout", text]; on_pty_died
    # ["disconnect", 1].
    assert codec.decode('["setup", {}]') == []
    hello = '["stdout", "hello \\u00e9\\r\\n"]'
    assert codec.decode(hello) == [Output("hello \u00e9\r\n".encode())]
    assert codec.decode('["stdout", ""]') == []
    [event] = codec.decode('["disconnect", 1]')
    assert isinstance(event, Exit) and event.code is None and "disconnect" in event.message


def test_terminado_input_split_inside_a_character_waits_for_the_rest() -> None:
    text = "a\u00e9\u65e5\U0001f600z"
    data = text.encode()
    for i in range(len(data) + 1):
        codec = TerminadoCodec()
        parts = [json.loads(codec.encode_input(chunk)) for chunk in (data[:i], data[i:])]
        assert all(p[0] == "stdin" for p in parts)
        assert "".join(p[1] for p in parts) == text, f"split at {i}"
    codec = TerminadoCodec()
    sent = "".join(json.loads(codec.encode_input(data[i:i + 1]))[1]
                   for i in range(len(data)))
    assert sent == text
    # Bytes that can never be UTF-8 are sent as U+FFFD, not dropped and not raised.
    assert json.loads(TerminadoCodec().encode_input(b"\xff"))[1] == "\ufffd"


def test_terminado_errors() -> None:
    codec = TerminadoCodec()
    only_error(codec.decode(b'["stdout", "x"]'), "binary")
    only_error(codec.decode("stdout"), "not JSON")
    only_error(codec.decode("{}"), "not an array")
    only_error(codec.decode("[]"), "not an array")
    only_error(codec.decode("[1, 2]"), "not an array")
    only_error(codec.decode('["stdout"]'), "without text")
    only_error(codec.decode('["stdout", 5]'), "without text")
    only_error(codec.decode('["bell"]'), "unknown message type 'bell'")
    # After every error the codec still works.
    assert codec.decode('["stdout", "ok"]') == [Output(b"ok")]


def test_terminado_lone_surrogate_in_output_does_not_raise() -> None:
    assert TerminadoCodec().decode('["stdout", "a\\ud800b"]') == [Output(b"a?b")]


# -- ttyd (src/protocol.c, src/server.h) ---------------------------------------------------


def test_ttyd_documented_frames() -> None:
    codec = TtydCodec()
    assert codec.subprotocols == ("tty",) and codec.keepalive_interval is None
    # callback_tty: JSON_DATA ('{') first, whose columns, rows and AuthToken it reads.
    [hello] = codec.opening(24, 80)
    assert isinstance(hello, bytes) and hello[:1] == b"{"
    assert json.loads(hello) == {"AuthToken": "", "columns": 80, "rows": 24}
    codec.auth_token = "s3cret"
    assert json.loads(codec.opening(1, 2)[0])["AuthToken"] == "s3cret"
    # INPUT '0' + bytes; RESIZE_TERMINAL '1' + {"columns", "rows"} (parse_window_size).
    assert codec.encode_input(b"ls\r") == b"0ls\r"
    resize = codec.encode_resize(30, 100)
    assert isinstance(resize, bytes) and resize[:1] == b"1"
    assert json.loads(resize[1:]) == {"columns": 100, "rows": 30}
    # send_initial_message: SET_WINDOW_TITLE "%c%s (%s)", SET_PREFERENCES "%c%s"; wsi_output:
    # OUTPUT '0' + the pty's bytes. All LWS_WRITE_BINARY.
    assert codec.decode(b"1bash (host)") == [Title("bash (host)")]
    assert codec.decode(b'2{"fontSize": 14}') == []
    assert codec.decode(b"0\x1b[1mhi\r\n") == [Output(b"\x1b[1mhi\r\n")]
    assert codec.decode(b"0") == []
    # The same commands in text frames.
    assert codec.decode("0caf\u00e9") == [Output("caf\u00e9".encode())]
    assert codec.decode("1t\u00eftle") == [Title("t\u00eftle")]


def test_ttyd_errors() -> None:
    codec = TtydCodec()
    only_error(codec.decode(b""), "empty")
    only_error(codec.decode(""), "empty")
    only_error(codec.decode(b"9what"), "unknown command")
    assert codec.decode(b"1\xfftitle") == [Title("\ufffdtitle")]
    assert codec.decode(b"0ok") == [Output(b"ok")]


# -- Kubernetes (wsstream/conn.go; remotecommand v4/v5) -----------------------------------


STATUS_SUCCESS = b'{"metadata":{},"status":"Success"}'
# What the kubelet sends for `sh -c "exit 3"` (remotecommand's v4 error channel).
STATUS_EXIT_3 = json.dumps({
    "metadata": {}, "status": "Failure",
    "message": "command terminated with non-zero exit code: error executing command "
               "[sh -c exit 3], exit code 3",
    "reason": "NonZeroExitCode",
    "details": {"causes": [{"reason": "ExitCode", "message": "3"}]},
}).encode()
STATUS_INTERNAL = json.dumps({
    "metadata": {}, "status": "Failure", "message": 'container not found ("app")',
    "reason": "InternalError", "code": 500,
}).encode()


def test_kubernetes_offers_and_defaults_to_v5() -> None:
    codec = KubernetesCodec()
    assert codec.subprotocols == ("v5.channel.k8s.io", "v4.channel.k8s.io",
                                  "base64.channel.k8s.io")
    assert codec.keepalive_interval is None and codec.keepalive() is None
    # Before negotiated(): binary framing, the first variant.
    assert codec.encode_input(b"foo\n") == bytes([0, 102, 111, 111, 10])


def test_kubernetes_binary_documented_frames() -> None:
    for variant in ("v5.channel.k8s.io", "v4.channel.k8s.io", "channel.k8s.io", None):
        codec = k8s(variant)
        # conn.go: WRITE []byte{0, 102, 111, 111, 10} sends "foo\n" on channel 0 (STDIN);
        # READ []byte{1, 10} receives "\n" on channel 1 (STDOUT).
        assert codec.encode_input(b"foo\n") == bytes([0, 102, 111, 111, 10])
        assert codec.decode(bytes([1, 10])) == [Output(b"\n")]
        assert codec.decode(b"\x02err") == [Output(b"err")]
        resize = codec.encode_resize(24, 80)
        assert isinstance(resize, bytes) and resize[0] == 4
        assert json.loads(resize[1:]) == {"Width": 80, "Height": 24}
        assert codec.opening(24, 80) == [resize]
        # The kubelet writes an empty message on a channel to show the stream open.
        assert codec.decode(b"\x01") == [] and codec.decode(b"\x03") == []


def test_kubernetes_base64_documented_frames() -> None:
    codec = k8s("base64.channel.k8s.io")
    # conn.go: READ "1Cg==" receives "\n" on channel '1' (STDOUT).
    assert codec.decode("1Cg==") == [Output(b"\n")]
    assert codec.encode_input(b"foo\n") == "0" + b64(b"foo\n")
    resize = codec.encode_resize(24, 80)
    assert isinstance(resize, str) and resize[0] == "4"
    assert json.loads(base64.b64decode(resize[1:])) == {"Width": 80, "Height": 24}
    assert k8s("v4.base64.channel.k8s.io").encode_input(b"x") == "0" + b64(b"x")
    assert codec.decode("1") == []


def test_kubernetes_status_channel() -> None:
    for variant in ("v5.channel.k8s.io", "v4.channel.k8s.io"):
        codec = k8s(variant)
        [ok] = codec.decode(b"\x03" + STATUS_SUCCESS)
        assert isinstance(ok, Exit) and ok.code == 0
        [failed] = codec.decode(b"\x03" + STATUS_EXIT_3)
        assert failed == Exit(3, json.loads(STATUS_EXIT_3)["message"])
        internal = Exit(None, 'container not found ("app")')
        assert codec.decode(b"\x03" + STATUS_INTERNAL) == [internal]
        # The same in base64 framing.
        assert k8s("v4.base64.channel.k8s.io").decode("3" + b64(STATUS_EXIT_3))[0] == failed
    # Before v4 the error channel is the error's text.
    for old in ("base64.channel.k8s.io", "channel.k8s.io", None):
        codec = k8s(old)
        message = "error executing command: exit status 3"
        frame: Frame = ("3" + b64(message.encode()) if old and "base64" in old
                        else b"\x03" + message.encode())
        assert codec.decode(frame) == [Exit(None, message)]
        success = Exit(0, "The command finished successfully")
        assert codec.decode(b"\x03" + STATUS_SUCCESS) == [success]


def test_kubernetes_v5_close_signal() -> None:
    codec = k8s("v5.channel.k8s.io")
    assert codec.decode(bytes([255, 1])) == []
    assert codec.decode(bytes([255, 2])) == []
    only_error(codec.decode(bytes([255])), "close signal")
    only_error(codec.decode(bytes([255, 1, 2])), "close signal")


def test_kubernetes_errors() -> None:
    codec = k8s("v4.channel.k8s.io")
    only_error(codec.decode(b""), "empty binary frame")
    only_error(codec.decode(""), "empty text frame")
    only_error(codec.decode("x" + b64(b"a")), "channel digit")
    only_error(codec.decode("1not base64!"), "not base64")
    only_error(codec.decode("1\u00e9"), "not base64")
    only_error(codec.decode(b"\x07data"), "channel 7")
    only_error(codec.decode(b"\x00echo"), "channel 0")
    only_error(codec.decode(b"\x04{}"), "channel 4")
    only_error(codec.decode("9" + b64(b"x")), "channel 9")
    only_error(codec.decode(b"\x03not json"), "not a JSON object")
    only_error(codec.decode(b"\x03[1]"), "not a JSON object")
    only_error(codec.decode(b'\x03{"status": "Pending"}'), "neither Success nor Failure")
    for causes in ([], [{"reason": "ExitCode", "message": "three"}],
                   [{"reason": "ExitCode", "message": "\u00b2"}], "nope",
                   [{"reason": "ExitCode", "message": "9" * 40}]):
        status = {"status": "Failure", "reason": "NonZeroExitCode", "message": "m",
                  "details": {"causes": causes}}
        events = codec.decode(b"\x03" + json.dumps(status).encode())
        assert isinstance(events[0], Error) and "ExitCode" in events[0].message
        assert events[1] == Exit(None, "m")
    assert codec.decode(b"\x01ok") == [Output(b"ok")]


# -- Backend.AI (docs/user-api/exec-stream.rst, "Terminal Emulation") ---------------------


def test_backendai_documented_frames() -> None:
    codec = BackendAICodec()
    assert codec.subprotocols == () and codec.keepalive_interval == 30
    assert json.loads(codec.encode_input(b"ls\r")) == {"type": "stdin", "chars": b64(b"ls\r")}
    assert json.loads(codec.encode_resize(25, 80)) == {"type": "resize", "rows": 25, "cols": 80}  # type: ignore[arg-type]
    assert [json.loads(f) for f in codec.opening(25, 80)] == [
        {"type": "resize", "rows": 25, "cols": 80}]
    assert json.loads(codec.keepalive()) == {"type": "ping"}  # type: ignore[arg-type]
    assert json.loads(codec.restart()) == {"type": "restart"}
    out = json.dumps({"type": "out", "data": b64(b"\x1b[38;5;208mhi")})
    assert codec.decode(out) == [Output(b"\x1b[38;5;208mhi")]
    assert codec.decode('{"type": "out", "data": ""}') == []
    only_error(codec.decode('{"type": "error", "data": "kernel not found"}'), "kernel not found")
    assert codec.decode('{"type": "pong"}') == []


def test_backendai_errors() -> None:
    codec = BackendAICodec()
    only_error(codec.decode(b'{"type": "out"}'), "binary")
    only_error(codec.decode("out"), "not JSON")
    only_error(codec.decode("[]"), "not an object with a type")
    only_error(codec.decode('{"data": "x"}'), "not an object with a type")
    only_error(codec.decode('{"type": "out"}'), "without base64 data")
    only_error(codec.decode('{"type": "out", "data": "%%%"}'), "not base64")
    only_error(codec.decode('{"type": "out", "data": "\\u00e9"}'), "not base64")
    only_error(codec.decode('{"type": "error", "data": {"code": 1}}'), '{"code": 1}')
    only_error(codec.decode('{"type": "meow"}'), "unknown message type 'meow'")
    assert codec.decode(json.dumps({"type": "out", "data": b64(b"ok")})) == [Output(b"ok")]


# -- output split into frames at every byte ------------------------------------------------

OUTPUT = "caf\u00e9 \u65e5\U0001f600\x1b[0m\r\n".encode()

#: How a server of each protocol sends a piece of output.
SERVER_FRAMES: dict[str, Callable[[bytes], Frame]] = {
    "raw": lambda b: b,
    "ttyd": lambda b: b"0" + b,
    "kubernetes": lambda b: b"\x01" + b,
    "kubernetes-base64": lambda b: "1" + b64(b),
    "backendai": lambda b: json.dumps({"type": "out", "data": b64(b)}),
}


@pytest.mark.parametrize("kind", sorted(SERVER_FRAMES))
def test_output_split_at_every_byte(kind: str) -> None:
    make = SERVER_FRAMES[kind]
    codec = k8s("base64.channel.k8s.io") if kind == "kubernetes-base64" else (
        PROTOCOLS[kind.split("-")[0]]())
    for i in range(len(OUTPUT) + 1):
        frames = [make(OUTPUT[:i]), make(OUTPUT[i:])]
        assert output_of([e for f in frames for e in codec.decode(f)]) == OUTPUT, f"at {i}"
    assert output_of([e for i in range(len(OUTPUT))
                      for e in codec.decode(make(OUTPUT[i:i + 1]))]) == OUTPUT


def test_terminado_output_split_at_every_character() -> None:
    text = OUTPUT.decode()
    codec = TerminadoCodec()
    for i in range(len(text) + 1):
        frames = [json.dumps(["stdout", part]) for part in (text[:i], text[i:])]
        assert output_of([e for f in frames for e in codec.decode(f)]) == OUTPUT


# -- arbitrary frames never raise ----------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12,
)
# Frames that get past the first checks: JSON in the shapes the protocols use, and their
# channel and command prefixes.
shaped = st.one_of(
    json_values.map(json.dumps),
    st.tuples(st.sampled_from(["stdout", "setup", "disconnect", "x"]), json_values).map(
        lambda t: json.dumps(list(t))),
    st.tuples(st.sampled_from(["out", "error", "pong", "x"]), json_values).map(
        lambda t: json.dumps({"type": t[0], "data": t[1]})),
    st.tuples(st.sampled_from(["Success", "Failure", 3]), st.sampled_from(
        ["NonZeroExitCode", "Other", None]), json_values).map(
        lambda t: b"\x03" + json.dumps({"status": t[0], "reason": t[1],
                                        "details": {"causes": [{"reason": "ExitCode",
                                                                "message": t[2]}]}}).encode()),
    st.tuples(st.integers(0, 255), st.binary(max_size=16)).map(lambda t: bytes([t[0]]) + t[1]),
    st.tuples(st.sampled_from("0123456789x"), st.text(max_size=16)).map("".join),
)
frames = st.one_of(st.text(), st.binary(), shaped)


def all_codecs() -> list[Codec]:
    made = [cls() for cls in PROTOCOLS.values()]
    return made + [k8s(v) for v in K8S_VARIANTS]


@given(frame=frames)
def test_arbitrary_frames_never_raise(frame: Frame) -> None:
    for codec in all_codecs():
        events = codec.decode(frame)
        assert isinstance(events, list)
        assert all(isinstance(e, Output | Title | Exit | Error) for e in events)


@given(data=st.binary())
def test_arbitrary_input_encodes(data: bytes) -> None:
    for codec in all_codecs():
        frame = codec.encode_input(data)
        assert isinstance(frame, str | bytes)
