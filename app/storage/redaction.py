"""Masking secrets in what a send leaves behind, by the structure they were sent in.

A secret is not only sent as the text the user typed: the URL composer and ``yarl``
percent-encode it (with different safe sets in the path, the query and a form body, ``+`` or
``%20`` for a space, upper- or lower-case hex), Basic auth sends it base64-encoded after
``user:``, and a JSON body or an error's ``repr`` escapes it. A :class:`Redactor` masks each
secret in every one of those forms, and mixtures of them, by matching it character by
character: each character matches itself, its percent-encoded UTF-8 bytes, ``+`` for a space,
and its JSON and Python escapes; letters, digits and ``-._`` only themselves, since no encoder
changes them, which lets a plain substring search find the candidates. A secret inside base64
is found at each of the three byte alignments, so the user name in front of it does not
matter. On top of the values:

* sensitive headers (``Authorization``, ``Cookie``, API-key and ``*-Token`` headers, and the
  header an API key auth sends) are masked by name, whatever their value;
* the query parameter an API key is sent in is masked by name, whatever its value.

The history (``app.storage.history`` and ``history_entry``) is the one user of this module:
``entry_for`` builds the redactor from a request model and ``History.add`` applies it, so a
secret never reaches the database file.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, unquote_plus

if TYPE_CHECKING:
    from app.model.request import AuthModel

__all__ = ["REDACTED", "SENSITIVE_HEADERS", "Redactor", "is_secret_header"]

REDACTED = "•••"
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})

#: Header names that carry a credential by convention (besides SENSITIVE_HEADERS).
_SECRET_HEADER = re.compile(r"(?:x-)?api[-_]?key|.*[-_]token", re.IGNORECASE)

_UNRESERVED = re.compile(r"[A-Za-z0-9._-]")
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_UNRESERVED_RUN = re.compile(r"[A-Za-z0-9._-]+")
#: The longest form of one character: "%F0%9F%98%80" or "\\ud83d\\ude00".
_WIDEST = 12
#: A shorter anchor is found so often that one regular expression over the text is faster.
_MIN_ANCHOR = 3
#: A decoded form shorter than this is too common a text to mask.
_MIN_DECODED = 4
#: A base64 core shorter than this could match ordinary text by chance.
_MIN_BASE64_CORE = 6

_JSON_SHORT = {'"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n",
               "\r": "\\r", "\t": "\\t"}
_PY_SHORT = {"'": "\\'", "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def is_secret_header(name: str) -> bool:
    """Whether a header named ``name`` carries a credential (``Authorization``, ``Cookie``,
    ``X-Api-Key``, ``Api-Key``, ``*-Token``...), so its value is masked whatever it is."""
    name = name.strip()
    return name.lower() in SENSITIVE_HEADERS or _SECRET_HEADER.fullmatch(name) is not None


def _hex(value: int, width: int) -> str:
    # Hex digits in either case: encoders differ (yarl upper, some servers lower).
    return "".join(f"[{d}{d.lower()}]" if d.isalpha() else d for d in f"{value:0{width}X}")


def _char(char: str) -> str:
    """A pattern matching ``char`` in any form it can be sent or quoted in. An unreserved
    ASCII character (letters, digits, ``-._``) is sent as itself by every encoder (RFC 3986
    says not to percent-encode it, JSON and ``repr`` leave it alone), so it matches only
    itself: that is what lets :class:`Redactor` find candidates with a plain substring
    search."""
    if _UNRESERVED.fullmatch(char):
        return re.escape(char)
    forms = [re.escape(char)]
    forms.append("".join(f"%{_hex(b, 2)}" for b in char.encode("utf-8", "surrogatepass")))
    if char == " ":
        forms.append(r"\+")
    code = ord(char)
    if code > 0xFFFF:
        high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
        forms.append(rf"\\u{_hex(high, 4)}\\u{_hex(low, 4)}")
        forms.append(rf"\\U{_hex(code, 8)}")
    else:
        forms.append(rf"\\u{_hex(code, 4)}")
    if code < 0x100:
        forms.append(rf"\\x{_hex(code, 2)}")
    for table in (_JSON_SHORT, _PY_SHORT):
        if char in table:
            forms.append(re.escape(table[char]))
    return "(?:" + "|".join(dict.fromkeys(forms)) + ")"


def _any_form(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        if _ESCAPE.match(text, i):
            # A "%aa" typed in a secret is a valid escape: yarl sends it as "%AA", or decoded
            # ("%41" as "A").
            digits = "".join(f"[{d.lower()}{d.upper()}]" if d.isalpha() else d
                             for d in text[i + 1:i + 3])
            forms = [f"(?:%|%25){digits}"]
            code = int(text[i + 1:i + 3], 16)
            if code < 0x80:
                forms.append(_char(chr(code)))
            out.append("(?:" + "|".join(forms) + ")")
            i += 3
        else:
            out.append(_char(text[i]))
            i += 1
    return "".join(out)


@dataclass(frozen=True)
class _Finder:
    """One text to mask in any form, and how to find its candidates fast: ``anchor`` is its
    longest run of unreserved characters (the same in every form), ``before`` and ``after``
    how far from an occurrence of it a match can reach. No anchor (none long enough): one
    scan of the whole text."""

    regex: re.Pattern[str]
    anchor: str
    before: int
    after: int

    @classmethod
    def of(cls, text: str) -> _Finder:
        # The hex digits of a "%aa" may change case on the way: not part of an anchor.
        shape = _ESCAPE.sub("%%%", text)
        runs = list(_UNRESERVED_RUN.finditer(shape))
        best = max(runs, key=lambda m: len(m.group()), default=None)
        if best is None or len(best.group()) < _MIN_ANCHOR:
            return cls(re.compile(_any_form(text)), "", 0, 0)
        return cls(re.compile(_any_form(text)), best.group(), best.start() * _WIDEST,
                   (len(text) - best.end()) * _WIDEST)

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        if not self.anchor:
            yield from (m.span() for m in self.regex.finditer(text))
            return
        at = text.find(self.anchor)
        while at >= 0:
            low = max(0, at - self.before)
            high = min(len(text), at + len(self.anchor) + self.after)
            for match in self.regex.finditer(text, low, high):
                yield match.span()
            at = text.find(self.anchor, at + 1)


def _base64_cores(secret: str) -> list[str]:
    """The base64 characters that depend on ``secret``'s bytes alone, at each of the three
    alignments it can have in an encoded stream, in the standard and URL-safe alphabets."""
    data = secret.encode("utf-8", "surrogatepass")
    cores: list[str] = []
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + data).decode("ascii")
        first = -(-8 * shift // 6)  # the first character made of the secret's bits only
        last = (8 * shift + 8 * len(data)) // 6  # one past the last such character
        core = encoded[first:last]
        if len(core) >= _MIN_BASE64_CORE:
            cores += [core, core.replace("+", "-").replace("/", "_")]
    return cores


class Redactor:
    """Masks ``secrets`` in every form (see the module docstring), the values of the
    ``query_params`` in URLs, and the headers named ``headers`` or :func:`is_secret_header`.
    """

    def __init__(self, secrets: Iterable[str] = (), *, query_params: Iterable[str] = (),
                 headers: Iterable[str] = (), credentials: Iterable[str] = ()) -> None:
        given = {s for s in secrets if s}
        # A "%41" typed inside a secret may be sent decoded (yarl reads it as an escape).
        decoded = {form for s in given if "%" in s or "+" in s
                   for form in (unquote(s), unquote_plus(s)) if len(form) >= _MIN_DECODED}
        values = given | decoded
        values |= {base64.b64encode(c.encode("utf-8", "surrogatepass")).decode()
                   for c in credentials if c}
        # Base64 may itself be percent-encoded (a "+" or "/" of it in a URL).
        values |= {core for s in given | decoded for core in _base64_cores(s)}
        self._finders = [_Finder.of(v) for v in sorted(values)]
        names = [_any_form(n) for n in sorted({n for n in query_params if n}, key=len,
                                              reverse=True)]
        self._param_anchors = [_Finder.of(n).anchor for n in query_params if n]
        self._param_names = re.compile("|".join(names)) if names else None
        self._params = (re.compile(r"(?<=[?&;])((?:" + "|".join(names) + r")=)[^&#\s\"'<>]*")
                        if names else None)
        self._headers = frozenset(h.strip().lower() for h in headers if h.strip())

    @classmethod
    def for_auth(cls, auth: AuthModel, secrets: Iterable[str] = ()) -> Redactor:
        """The redactor of a send with ``auth``: its secret fields, ``secrets`` (the secret
        variable values substituted), the API key's query parameter or header, and the
        ``user:password`` a Basic auth encodes."""
        from app.model.request import AuthKind

        params: list[str] = []
        headers: list[str] = []
        credentials: list[str] = []
        if auth.kind is AuthKind.API_KEY and auth.key_name.strip():
            (params if auth.key_location == "query" else headers).append(auth.key_name.strip())
        if auth.kind is AuthKind.BASIC and auth.password:
            credentials.append(f"{auth.username}:{auth.password}")
        return cls([*auth.secret_values(), *secrets], query_params=params, headers=headers,
                   credentials=credentials)

    def secret_header(self, name: str) -> bool:
        """Whether the value of a header named ``name`` is masked whatever it is."""
        return name.strip().lower() in self._headers or is_secret_header(name)

    def text(self, text: str) -> str:
        """``text`` with every form of every secret, and the API key parameter, masked."""
        spans = sorted(span for finder in self._finders for span in finder.spans(text))
        if spans:
            # Overlapping matches (a secret inside another) are masked as one.
            pieces, done = [], 0
            for start, end in spans:
                if start >= done:
                    pieces += [text[done:start], REDACTED]
                    done = end
                elif end > done:
                    done = end
            text = "".join(pieces) + text[done:]
        if self._params is not None and any(a in text for a in self._param_anchors):
            text = self._params.sub(lambda m: m.group(1) + REDACTED, text)
        return text

    def value(self, value: Any) -> Any:
        """A copy of JSON-like ``value`` with secrets masked in every string, and the value
        of every secret header (as a mapping key, a ``{"name", "value"}`` row or a
        ``[name, value]`` pair) and API key parameter row masked whole."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            name = value.get("name")
            if (isinstance(name, str) and isinstance(value.get("value"), str)
                    and (self.secret_header(name) or self._is_param(name))):
                # A header or parameter as a table row: {"name": "Cookie", "value": ...}.
                return {**self.value({k: v for k, v in value.items() if k != "value"}),
                        "value": REDACTED}
            out: dict[str, Any] = {}
            for key, item in value.items():
                text = str(key)
                sensitive = self.secret_header(text) and isinstance(item, str | list)
                out[self.text(text)] = REDACTED if sensitive else self.value(item)
            return out
        if isinstance(value, list | tuple):
            items = list(value)
            # A header as a [name, value] pair.
            if len(items) == 2 and isinstance(items[0], str) and self.secret_header(items[0]):
                return [items[0], REDACTED]
            return [self.value(item) for item in items]
        return value

    def _is_param(self, name: str) -> bool:
        return self._param_names is not None and self._param_names.fullmatch(name) is not None
