"""A small streaming multipart parser for ``/echo``.

Parts are hashed as their bytes arrive and never held in memory (apart from a short
preview of small text fields). Header parameters such as ``filename`` are reported
exactly as sent: the text between the quotes, with no percent-decoding and no
backslash unescaping, so a client's own encoding of the name can be inspected.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass, field
from typing import Any

#: Largest header block accepted for one part.
MAX_PART_HEADER_BYTES = 16 * 1024
#: Most parts reported for one body.
MAX_PARTS = 10_000
#: Text fields (parts without a filename) up to this size have their value reported.
MAX_VALUE_PREVIEW = 64 * 1024


class MultipartError(ValueError):
    """The body is not valid multipart."""


def parse_header_params(value: str) -> tuple[str, list[tuple[str, str]]]:
    """Split ``main; a=1; b="x y"`` into the main value and its parameters.

    Parameter names are lower-cased; values are returned raw: quoted values lose their
    surrounding quotes and nothing else (a backslash only keeps a following quote from
    ending the string).
    """
    main, sep, rest = value.partition(";")
    params: list[tuple[str, str]] = []
    if not sep:
        return main.strip(), params
    i, n = 0, len(rest)
    while i < n:
        while i < n and rest[i] in " \t;":
            i += 1
        if i >= n:
            break
        start = i
        while i < n and rest[i] not in "=;":
            i += 1
        name = rest[start:i].strip().lower()
        if i >= n or rest[i] == ";":
            if name:
                params.append((name, ""))
            continue
        i += 1  # skip "="
        while i < n and rest[i] in " \t":
            i += 1
        if i < n and rest[i] == '"':
            i += 1
            start = i
            while i < n and rest[i] != '"':
                i += 2 if rest[i] == "\\" else 1
            param_value = rest[start : min(i, n)]
            i += 1  # closing quote
            while i < n and rest[i] != ";":
                i += 1
        else:
            start = i
            while i < n and rest[i] != ";":
                i += 1
            param_value = rest[start:i].strip()
        if name:
            params.append((name, param_value))
    return main.strip(), params


def get_param(params: list[tuple[str, str]], name: str) -> str | None:
    for key, value in params:
        if key == name:
            return value
    return None


def _decode_header(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


@dataclass
class Part:
    headers: list[tuple[str, str]]
    size: int = 0
    _hash: Any = field(default_factory=hashlib.sha256)
    _preview: bytearray | None = field(default_factory=bytearray)

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        self.size += len(data)
        self._hash.update(data)
        if self._preview is not None:
            if self.size <= MAX_VALUE_PREVIEW:
                self._preview += data
            else:
                self._preview = None

    def describe(self) -> dict[str, Any]:
        disposition = self.header("Content-Disposition")
        params: list[tuple[str, str]] = []
        if disposition is not None:
            _, params = parse_header_params(disposition)
        filename = get_param(params, "filename")
        info: dict[str, Any] = {
            "name": get_param(params, "name"),
            "filename": filename,
            "content_type": self.header("Content-Type"),
            "size": self.size,
            "sha256": self._hash.hexdigest(),
            "headers": [[k, v] for k, v in self.headers],
            "content_disposition": disposition,
        }
        filename_star = get_param(params, "filename*")
        if filename_star is not None:
            info["filename_star"] = filename_star
        if filename is None and filename_star is None and self._preview is not None:
            with contextlib.suppress(UnicodeDecodeError):
                info["value"] = bytes(self._preview).decode("utf-8")
        return info


class MultipartParser:
    """Incremental parser: ``feed()`` chunks of any size, then ``finish()``."""

    def __init__(self, boundary: str) -> None:
        if not boundary or len(boundary) > 200:
            raise MultipartError("multipart boundary must be 1 to 200 characters")
        try:
            encoded = boundary.encode("ascii")
        except UnicodeEncodeError:
            raise MultipartError("multipart boundary must be ASCII") from None
        self._delimiter = b"\r\n--" + encoded
        # Prefix CRLF so that a delimiter at the very start of the body matches too.
        self._buf = bytearray(b"\r\n")
        self._state = "preamble"
        self._part: Part | None = None
        self.parts: list[Part] = []

    @property
    def complete(self) -> bool:
        return self._state == "epilogue"

    def feed(self, data: bytes) -> None:
        if self._state == "epilogue":
            return
        self._buf += data
        while self._step():
            pass

    def finish(self) -> None:
        if self._state != "epilogue":
            raise MultipartError("body ended before the closing multipart boundary")

    def _step(self) -> bool:
        """Advance as far as the buffered bytes allow; True when progress was made."""
        buf = self._buf
        delim = self._delimiter
        keep = len(delim) + 1
        if self._state in ("preamble", "body"):
            idx = buf.find(delim)
            if idx < 0:
                if len(buf) > keep:
                    cut = len(buf) - keep
                    if self._part is not None:
                        self._part.feed(buf[:cut])
                    del buf[:cut]
                return False
            if self._part is not None:
                self._part.feed(buf[:idx])
                self._part = None
            del buf[: idx + len(delim)]
            self._state = "after-delimiter"
            return True
        if self._state == "after-delimiter":
            if len(buf) < 2:
                return False
            if buf[:2] == b"--":
                self._state = "epilogue"
                buf.clear()
                return False
            eol = buf.find(b"\r\n")
            if eol < 0:
                if len(buf) > 256:
                    raise MultipartError("garbage after a multipart boundary")
                return False
            if buf[:eol].strip(b" \t"):
                raise MultipartError("garbage after a multipart boundary")
            del buf[: eol + 2]
            self._state = "headers"
            return True
        if self._state == "headers":
            if buf[:2] == b"\r\n":
                header_block = b""
                del buf[:2]
            else:
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    if len(buf) > MAX_PART_HEADER_BYTES:
                        raise MultipartError("multipart part headers are too large")
                    return False
                if end > MAX_PART_HEADER_BYTES:
                    raise MultipartError("multipart part headers are too large")
                header_block = bytes(buf[:end])
                del buf[: end + 4]
            if len(self.parts) >= MAX_PARTS:
                raise MultipartError(f"more than {MAX_PARTS} multipart parts")
            self._part = Part(headers=_parse_headers(header_block))
            self.parts.append(self._part)
            # The delimiter search expects a CRLF before it; the part body starts here.
            self._state = "body"
            return True
        return False


def _parse_headers(block: bytes) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    for raw_line in block.split(b"\r\n"):
        if not raw_line:
            continue
        if raw_line[:1] in (b" ", b"\t") and headers:  # obsolete line folding
            previous_name, previous_value = headers[-1]
            folded = previous_value + " " + _decode_header(raw_line).strip()
            headers[-1] = (previous_name, folded)
            continue
        name, sep, value = raw_line.partition(b":")
        if not sep:
            raise MultipartError(f"malformed multipart header line {_decode_header(raw_line)!r}")
        headers.append((_decode_header(name).strip(), _decode_header(value).strip()))
    return headers
