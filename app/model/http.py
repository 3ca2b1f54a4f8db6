"""The small rules of HTTP's grammar, written once: tokens, standard methods, media types.

Pure and light (no aiohttp, no Qt), so that the request library, the importers, the composer
and the window can all share it without paying for one another's imports.
"""

from __future__ import annotations

import codecs
import re

__all__ = [
    "STANDARD_METHODS",
    "TOKEN_PATTERN",
    "canonical_method",
    "charset",
    "decode_text",
    "is_field_value",
    "is_json_media",
    "is_token",
    "media_parameter",
    "media_type",
]

#: An RFC 9110 token (``tchar+``): what a method or a header name may be.
TOKEN_PATTERN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_TOKEN = re.compile(TOKEN_PATTERN)

#: The methods RFC 9110 defines; SPEC 1.2 upper-cases them whatever the case typed.
STANDARD_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}
)


def is_token(text: str) -> bool:
    """Whether ``text`` is a whole RFC 9110 token (not empty)."""
    return _TOKEN.fullmatch(text) is not None


# RFC 9110 5.5: a field value is visible characters, spaces, tabs and obs-text; CR, LF, NUL
# and the other controls would end or corrupt the header.
_FIELD_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def is_field_value(text: str) -> bool:
    """Whether ``text`` may be sent as a header's value (no CR, LF, NUL or other control
    character but tab)."""
    return _FIELD_CONTROL.search(text) is None


def canonical_method(method: str) -> str:
    """A standard method upper-cased whatever its case; any other text exactly as given."""
    if method in STANDARD_METHODS:
        return method
    upper = method.upper()
    return upper if upper in STANDARD_METHODS else method


def media_type(content_type: str | None) -> str:
    """``"Application/JSON; charset=utf-8"`` -> ``"application/json"`` (``""`` for None)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def media_parameter(content_type: str | None, name: str) -> str | None:
    """The value of parameter ``name`` of a Content-Type (unquoted), or None when absent or
    empty. Parameter names are case-insensitive; the first occurrence wins."""
    wanted = name.lower()
    for param in (content_type or "").split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == wanted:
            return value.strip().strip('"') or None
    return None


def charset(content_type: str | None) -> str | None:
    """The declared ``charset`` of a Content-Type, or None."""
    return media_parameter(content_type, "charset")


def is_json_media(content_type: str | None) -> bool:
    """``application/json`` and the ``+json`` family, parameters ignored."""
    media = media_type(content_type)
    return media == "application/json" or media.endswith("+json")


def decode_text(body: bytes, declared: str | None) -> str:
    """Decode a body with its declared charset, falling back to UTF-8; bad bytes become
    U+FFFD, so this never raises."""
    try:
        codec = codecs.lookup(declared or "utf-8").name
    except LookupError:
        codec = "utf-8"
    return body.decode(codec, errors="replace")
