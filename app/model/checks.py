"""Asserts and captures: the checks a request file holds on its response (SPEC §9).

::

    asserts:
      - {target: status, op: eq, value: 200}
      - {target: body.$.items[0].id, op: exists}
      - {target: header.Content-Type, op: contains, value: json}
    captures:
      - {name: token, from: body.token, secret: true}

A target is ``status``, ``time_ms``, ``size``, ``header.<name>``, ``body`` or
``body.<JSONPath>``: RFC 9535 JSONPath, read by ``jsonpath-rfc9535``; ``body.token`` is
short for ``body.$.token`` and ``body[0]`` for ``body.$[0]``. Everything is checked when
the file is read: a bad op, target, path, pattern or type name is a :class:`CheckError`
that says where it is (``where``: the keys that lead to it in the file, from which the
workspace finds the line). Values may hold ``{{variables}}``; a value that does is checked
once it is substituted, when the request runs.

Pure: no I/O, nothing of the network. The evaluation against a response is
``app.runner.asserts``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from app.model.templating import VARIABLE

if TYPE_CHECKING:
    import jsonpath_rfc9535

__all__ = [
    "JSON_TYPES",
    "AssertModel",
    "AssertOp",
    "CaptureModel",
    "CheckError",
    "Target",
    "TargetKind",
    "check_assert",
    "check_capture",
    "check_value",
    "checks_problem",
    "parse_asserts",
    "parse_captures",
    "parse_target",
    "value_from_text",
    "value_text",
]


class CheckError(ValueError):
    """An assert or capture that cannot be used. ``where`` is the path of keys and indexes
    to it in the request file (``("asserts", 2, "op")``), for the caller to turn into a
    line."""

    def __init__(self, message: str, where: Sequence[str | int] = ()) -> None:
        super().__init__(message)
        self.where: tuple[str | int, ...] = tuple(where)


class AssertOp(StrEnum):
    EQ = "eq"
    NEQ = "neq"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    IN = "in"
    CONTAINS = "contains"
    MATCHES = "matches"
    EXISTS = "exists"
    TYPE = "type"
    LENGTH = "length"


class TargetKind(StrEnum):
    STATUS = "status"
    TIME_MS = "time_ms"
    SIZE = "size"
    HEADER = "header"
    BODY = "body"
    JSON = "json"  # body.<JSONPath>


#: The names the ``type`` op knows (JSON's types, with integer beside number).
JSON_TYPES = ("string", "number", "integer", "boolean", "null", "array", "object")

#: The plain targets, as written.
_PLAIN_TARGETS = {"status": TargetKind.STATUS, "time_ms": TargetKind.TIME_MS,
                  "size": TargetKind.SIZE, "body": TargetKind.BODY}
#: The longest target accepted: a JSONPath longer than this is a mistake, not a query.
MAX_TARGET_LENGTH = 4096


@dataclass(frozen=True)
class Target:
    """A parsed target: its kind, the header name or the JSONPath query."""

    text: str
    kind: TargetKind
    header: str = ""
    query: jsonpath_rfc9535.JSONPathQuery | None = field(default=None, compare=False)

    @property
    def needs_body(self) -> bool:
        """Whether evaluating it needs the body kept (not only counted)."""
        return self.kind in (TargetKind.BODY, TargetKind.JSON)


def parse_target(text: object, where: Sequence[str | int] = ()) -> Target:
    """The :class:`Target` ``text`` names; :class:`CheckError` when it names none."""
    if not isinstance(text, str) or not text.strip():
        raise CheckError("a target is needed: status, time_ms, size, header.<name>, body or "
                         "body.<JSONPath>", where)
    text = text.strip()
    if len(text) > MAX_TARGET_LENGTH:
        raise CheckError(f"the target is longer than {MAX_TARGET_LENGTH} characters", where)
    plain = _PLAIN_TARGETS.get(text)
    if plain is not None:
        return Target(text, plain)
    if text.startswith("header."):
        name = text[len("header."):]
        if not name or not re.fullmatch(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+", name):
            raise CheckError(f"{text!r}: header.<name> needs a header name", where)
        return Target(text, TargetKind.HEADER, header=name)
    if text.startswith(("body.", "body[", "body$")):
        rest = text[len("body"):]
        if rest.startswith("."):
            rest = rest[1:]
        path = rest if rest.startswith("$") else ("$" + rest if rest.startswith("[")
                                                  else "$." + rest)
        # Loaded with the first JSONPath target, not with the workspace: its parser and the
        # `regex` module are some 4 MiB an idle window without such asserts never uses.
        import jsonpath_rfc9535

        try:
            query = jsonpath_rfc9535.compile(path)
        except jsonpath_rfc9535.JSONPathError as exc:
            raise CheckError(f"{text!r}: not a JSONPath (RFC 9535): {_path_problem(exc)}",
                             where) from None
        except (RecursionError, ValueError, TypeError, IndexError) as exc:
            # The library's parser is recursive; a query nested thousands deep ends here.
            raise CheckError(f"{text!r}: not a JSONPath (RFC 9535): {exc}", where) from None
        return Target(text, TargetKind.JSON, query=query)
    raise CheckError(f"unknown target {text!r}: use status, time_ms, size, header.<name>, "
                     "body or body.<JSONPath>", where)


def _path_problem(exc: Exception) -> str:
    # The library appends ", line 1, column N" for the query it was given; keep it.
    return str(exc) or type(exc).__name__


def _has_variables(value: Any) -> bool:
    if isinstance(value, str):
        return VARIABLE.search(value) is not None
    if isinstance(value, list):
        return any(_has_variables(item) for item in value)
    return False


def check_value(op: AssertOp, value: Any, where: Sequence[str | int] = ()) -> None:
    """Refuse a value ``op`` cannot use (:class:`CheckError`). A value holding
    ``{{variables}}`` is checked again once substituted (``app.runner.asserts``)."""
    if _has_variables(value) and op is not AssertOp.IN:
        return
    if op in (AssertOp.GT, AssertOp.GTE, AssertOp.LT, AssertOp.LTE):
        if _number(value) is None:
            raise CheckError(f"{op.value} compares numbers: {value!r} is not one", where)
    elif op is AssertOp.LENGTH:
        number = _number(value)
        if number is None or number != int(number) or number < 0:
            raise CheckError(f"length needs a whole number, not {value!r}", where)
    elif op is AssertOp.TYPE:
        if value not in JSON_TYPES:
            raise CheckError(f"type needs one of {', '.join(JSON_TYPES)}, not {value!r}", where)
    elif op is AssertOp.MATCHES:
        if not isinstance(value, str):
            raise CheckError(f"matches needs a regular expression, not {value!r}", where)
        try:
            re.compile(value)
        except (re.error, RecursionError, OverflowError) as exc:
            raise CheckError(f"matches: {value!r} is not a regular expression: {exc}",
                             where) from None
    elif op is AssertOp.IN:
        if not isinstance(value, list) and not (isinstance(value, str) and value):
            raise CheckError(f"in needs a list of values, not {value!r}", where)
    elif op is AssertOp.EXISTS:
        if value is not None and not isinstance(value, bool):
            raise CheckError(f"exists takes true or false, not {value!r}", where)
    elif op in (AssertOp.EQ, AssertOp.NEQ, AssertOp.CONTAINS) and isinstance(value, dict):
        return  # a whole JSON object compared: fine


def _number(value: Any) -> float | None:
    """``value`` as a number: an int or float, or text that reads as one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


@dataclass
class AssertModel:
    """One check on a response: ``target`` ``op`` ``value`` (``value`` may be any YAML value,
    and its strings may hold ``{{variables}}``)."""

    target: str = "status"
    op: AssertOp = AssertOp.EQ
    value: Any = None
    enabled: bool = True

    def to_dict(self) -> dict[str, Any]:
        """The file form: ``value`` only where there is one, ``enabled`` only when false."""
        out: dict[str, Any] = {"target": self.target, "op": self.op.value}
        if self.value is not None:
            out["value"] = self.value
        if not self.enabled:
            out["enabled"] = False
        return out

    def parsed_target(self) -> Target:
        """The target, parsed (:class:`CheckError` when it cannot be)."""
        return parse_target(self.target)


@dataclass
class CaptureModel:
    """A value taken from a response into a variable for the requests that follow.
    ``source`` is a target (the file calls it ``from``); a ``secret`` one's value is kept
    out of every report and file."""

    name: str = ""
    source: str = ""
    secret: bool = False
    enabled: bool = True

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "from": self.source}
        if self.secret:
            out["secret"] = True
        if not self.enabled:
            out["enabled"] = False
        return out


#: The ops whose value may be left out (``exists`` means true; ``eq`` compares with null).
_OPTIONAL_VALUE = frozenset({AssertOp.EXISTS, AssertOp.EQ, AssertOp.NEQ})
_ASSERT_KEYS = frozenset({"target", "op", "value", "enabled"})
_CAPTURE_KEYS = frozenset({"name", "from", "secret", "enabled"})
_NAME = re.compile(r"[^{}\s]+")


def _items(data: object, key: str) -> list[dict[str, Any]]:
    if data is None:
        return []
    if not isinstance(data, list):
        raise CheckError(f"{key} must be a list of mappings", (key,))
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            raise CheckError(f"{key}[{index + 1}] must be a mapping", (key, index))
    return data


def _unknown_keys(item: dict[str, Any], allowed: frozenset[str], key: str,
                  index: int) -> None:
    extra = [str(k) for k in item if k not in allowed]
    if extra:
        raise CheckError(f"{key}[{index + 1}]: unknown key {extra[0]!r} (one of "
                         f"{', '.join(sorted(allowed))})", (key, index, extra[0]))


def _flag(item: dict[str, Any], name: str, key: str, index: int, default: bool) -> bool:
    value = item.get(name, default)
    if not isinstance(value, bool):
        raise CheckError(f"{key}[{index + 1}]: {name} must be true or false",
                         (key, index, name))
    return value


def parse_asserts(data: object) -> list[AssertModel]:
    """The ``asserts:`` list of a request file, checked (:class:`CheckError` names the
    first problem and where it is)."""
    out = []
    for index, item in enumerate(_items(data, "asserts")):
        _unknown_keys(item, _ASSERT_KEYS, "asserts", index)
        target = item.get("target")
        parse_target(target, ("asserts", index, "target"))
        op_text = item.get("op")
        try:
            op = AssertOp(str(op_text))
        except ValueError:
            raise CheckError(f"asserts[{index + 1}]: unknown op {op_text!r} (one of "
                             f"{', '.join(o.value for o in AssertOp)})",
                             ("asserts", index, "op" if "op" in item else "target")) from None
        value = item.get("value")
        if value is None and op not in _OPTIONAL_VALUE:
            raise CheckError(f"asserts[{index + 1}]: {op.value} needs a value",
                             ("asserts", index, "op"))
        check_value(op, value, ("asserts", index, "value"))
        enabled = _flag(item, "enabled", "asserts", index, True)
        out.append(AssertModel(str(target).strip(), op, value, enabled))
    return out


def parse_captures(data: object) -> list[CaptureModel]:
    """The ``captures:`` list of a request file, checked as :func:`parse_asserts`."""
    out = []
    for index, item in enumerate(_items(data, "captures")):
        _unknown_keys(item, _CAPTURE_KEYS, "captures", index)
        name = item.get("name")
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise CheckError(f"captures[{index + 1}]: name must be a variable name (no "
                             f"spaces or braces), not {name!r}", ("captures", index, "name"))
        parse_target(item.get("from"), ("captures", index, "from"))
        secret = _flag(item, "secret", "captures", index, False)
        enabled = _flag(item, "enabled", "captures", index, True)
        out.append(CaptureModel(name, str(item["from"]).strip(), secret, enabled))
    return out


def check_assert(assertion: AssertModel) -> None:
    """Refuse ``assertion`` as reading it from a file would (:class:`CheckError`, its
    ``where`` the field at fault: ``("target",)``, ``("op",)`` or ``("value",)``); the
    window's Tests tab marks a row with it."""
    parse_target(assertion.target, ("target",))
    if assertion.value is None and assertion.op not in _OPTIONAL_VALUE:
        raise CheckError(f"{assertion.op.value} needs a value", ("op",))
    check_value(assertion.op, assertion.value, ("value",))


def check_capture(capture: CaptureModel) -> None:
    """Refuse ``capture`` as reading it from a file would (:class:`CheckError`, its
    ``where`` ``("name",)`` or ``("from",)``)."""
    if not _NAME.fullmatch(capture.name):
        raise CheckError(f"a capture needs a variable name (no spaces or braces), not "
                         f"{capture.name!r}", ("name",))
    parse_target(capture.source, ("from",))


def checks_problem(asserts: Sequence[AssertModel], captures: Sequence[CaptureModel]
                   ) -> str | None:
    """The first of ``asserts`` and ``captures`` that a file could not hold, as
    ``asserts[2]: why`` (None: all can be saved and read back)."""
    try:
        for number, assertion in enumerate(asserts, start=1):
            where = f"asserts[{number}]"
            check_assert(assertion)
        for number, capture in enumerate(captures, start=1):
            where = f"captures[{number}]"
            check_capture(capture)
    except CheckError as exc:
        return f"{where}: {exc}"
    return None


def value_from_text(text: str) -> Any:
    """An assert's value as typed in a table cell: JSON where the text is JSON (``200``,
    ``true``, ``[200, 201]``, ``"200"``), the text itself otherwise, None when blank.
    :func:`value_text` writes it back the same way."""
    stripped = text.strip()
    if not stripped:
        return None
    try:
        return json.loads(stripped)
    except (ValueError, RecursionError):
        return text


def value_text(value: Any) -> str:
    """``value`` as a table cell shows it, so that :func:`value_from_text` reads it back
    equal: text as it is unless it would read as JSON of another kind (then quoted),
    anything else as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value if value_from_text(value) == value else json.dumps(value,
                                                                         ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False, default=str)
