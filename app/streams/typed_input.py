"""What the user typed in the WebSocket console, turned into what to send.

Pure functions, no log and no Qt: the console's composer checks its text with them before
anything is queued, and the terminal pane will read hex the same way.
"""

from __future__ import annotations

import json

__all__ = ["InputError", "encode_outgoing", "parse_hex"]


class InputError(ValueError):
    """Typed input that cannot be sent; the message says why, for the user."""


_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def parse_hex(text: str) -> bytes:
    """``"de ad be ef"`` -> ``b"\\xde\\xad\\xbe\\xef"``; spaces and line breaks anywhere."""
    digits = []
    for position, char in enumerate(text):
        if char in _HEX_DIGITS:
            digits.append(char)
        elif not char.isspace():
            raise InputError(f"{char!r} at position {position + 1} is not a hex digit "
                             "(0-9, a-f)")
    if len(digits) % 2:
        raise InputError(f"{len(digits)} hex digits: bytes take two each")
    return bytes.fromhex("".join(digits))


def encode_outgoing(mode: str, text: str) -> str | bytes:
    """What to send for ``text`` typed in ``mode`` (``text``, ``json`` or ``binary``): JSON is
    checked and sent as typed; binary is parsed from hex."""
    if mode == "text":
        return text
    if mode == "json":
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"Not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
                             ) from None
        return text
    if mode == "binary":
        return parse_hex(text)
    raise ValueError(f"unknown input mode {mode!r}")
