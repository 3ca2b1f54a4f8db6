"""What the user types in the WebSocket console: text, JSON checked first, bytes in hex."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.streams.typed_input import InputError, encode_outgoing, parse_hex


@given(st.binary(max_size=64), st.sampled_from(["", " ", "\n", " \t "]))
def test_hex_round_trips_with_any_spacing(data: bytes, sep: str) -> None:
    assert parse_hex(sep.join(f"{b:02x}" for b in data)) == data
    assert parse_hex(data.hex().upper()) == data


@pytest.mark.parametrize(("text", "message"), [
    ("de ad b", "5 hex digits"),
    ("0x41", "'x' at position 2"),
    ("zz", "'z' at position 1"),
])
def test_bad_hex_says_why(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_hex(text)


def test_outgoing_input_is_checked() -> None:
    assert encode_outgoing("text", "{nope") == "{nope"
    assert encode_outgoing("json", ' {"a": 1} ') == ' {"a": 1} '
    assert encode_outgoing("binary", "41 42") == b"AB"
    assert encode_outgoing("text", "") == "" and encode_outgoing("binary", " \n") == b""
    with pytest.raises(InputError, match=r"Not JSON: .*line 1, column 2"):
        encode_outgoing("json", "{nope")
    with pytest.raises(InputError, match="'g' at position 2"):
        encode_outgoing("binary", "0g")
    with pytest.raises(ValueError, match="unknown input mode"):
        encode_outgoing("morse", "...")
