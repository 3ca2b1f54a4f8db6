"""File and folder names that work on every system Spyglass runs on.

A name an import brings (a Postman folder, an OpenAPI tag) becomes a folder on disk, and the
workspace may be cloned onto Windows: device names (``CON``, ``nul.txt``) and trailing dots
cannot exist there, and most file systems end a name at 255 bytes, not characters.
"""

from __future__ import annotations

import re

__all__ = ["truncate_utf8", "windows_safe"]

#: Names Windows keeps for devices, with or without an extension, in any case.
_WINDOWS_RESERVED = re.compile(
    r"(?i)(CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|COM[0-9¹²³]|LPT[0-9¹²³])(\..*)?")


def truncate_utf8(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` bytes of UTF-8, at a character boundary."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", "ignore")


def windows_safe(name: str) -> str:
    """``name`` with a ``_`` where Windows would not keep it: after a device name's stem
    (``CON`` -> ``CON_``, ``aux.txt`` -> ``aux_.txt``) and after a trailing dot or space."""
    match = _WINDOWS_RESERVED.fullmatch(name)
    if match:
        name = match.group(1) + "_" + (match.group(2) or "")
    if name.endswith((".", " ")):
        name += "_"
    return name
