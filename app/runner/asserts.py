"""Evaluating asserts against a response (SPEC §9): pure, no I/O.

A :class:`ResponseFacts` is what a run keeps of a response once its body has streamed past:
the status, the elapsed time, the size, the headers, and the body itself only when a check
needs it (and only up to a limit). :func:`evaluate` checks one
:class:`~app.model.checks.AssertModel` against it and says why it failed, with the actual
value shown; it never raises for anything a response or a value can hold.

Comparisons are forgiving about how a file writes a value, strict about what it means:
``eq 200`` and ``eq "200"`` both match a status of 200, a header ``Content-Length: 12``
is ``gt 10``, ``true`` matches a JSON true, but ``"abc"`` never equals 1. A gRPC call's
status is its numeric code, and a status code's name (``OK``, ``NOT_FOUND``) compares as
that code: ``status eq OK`` is ``status eq 0``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.model.checks import (
    AssertModel,
    AssertOp,
    CheckError,
    Target,
    TargetKind,
    check_value,
    parse_target,
)
from app.model.http import decode_text, is_json_media
from app.model.templating import VARIABLE

__all__ = [
    "ACTUAL_LIMIT",
    "AssertResult",
    "NotAvailable",
    "ResponseFacts",
    "evaluate",
    "json_type",
    "shown",
    "substitute_value",
    "target_value",
]

#: How many characters of an actual value a result shows (a whole body would swamp a report).
ACTUAL_LIMIT = 300

_MISSING = object()


class NotAvailable(Exception):
    """A target that cannot be read from this response (a body that is not JSON, a body
    larger than the run keeps); the message says why."""


@dataclass
class ResponseFacts:
    """What a check can look at. ``body`` is None when no check needed it kept, or when it
    was larger than the limit (``body_dropped`` then says so)."""

    status: int
    time_ms: float
    size: int
    headers: Mapping[str, str] = field(default_factory=dict)
    #: Every value of each header, for a header sent more than once (lower-case names).
    header_lists: Mapping[str, list[str]] = field(default_factory=dict)
    body: bytes | None = None
    charset: str | None = None
    content_type: str = ""
    #: Why the body is not here although a check needs it ("" when it is, or is not needed).
    body_dropped: str = ""
    #: A gRPC call's status code name (``status`` is then the code's number); "" for HTTP.
    status_name: str = ""
    _text: str | None = field(default=None, repr=False)
    _json: Any = field(default=_MISSING, repr=False)
    _json_error: str = field(default="", repr=False)

    def text(self) -> str:
        if self.body is None:
            raise NotAvailable(self.body_dropped or "the body was not kept")
        if self._text is None:
            self._text = decode_text(self.body, self.charset)
        return self._text

    def json(self) -> Any:
        """The body as JSON (parsed once); :class:`NotAvailable` when it is not JSON."""
        if self._json is _MISSING and not self._json_error:
            text = self.text()
            try:
                self._json = json.loads(text)
            except (ValueError, RecursionError) as exc:
                kind = self.content_type or "no Content-Type"
                hint = "" if is_json_media(self.content_type) else f" ({kind})"
                self._json_error = f"the body is not JSON{hint}: {exc}"
        if self._json_error:
            raise NotAvailable(self._json_error)
        return self._json


@dataclass
class AssertResult:
    """One assert checked: whether it passed, the actual value as shown (``""`` when
    there was none) and, when it failed, why."""

    assertion: AssertModel
    passed: bool
    actual: str = ""
    message: str = ""
    #: The value compared with, variables substituted (as shown).
    expected: str = ""


def shown(value: Any, limit: int = ACTUAL_LIMIT) -> str:
    """``value`` as a report shows it: text as it is, anything else as JSON; cut at
    ``limit`` characters."""
    if isinstance(value, str):
        text = value
    elif value is _MISSING:
        text = "(none)"
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=str)
        except (ValueError, RecursionError):
            text = repr(value)
    if len(text) > limit:
        text = text[:limit] + f"… ({len(text):,} characters)"
    return text


def target_value(target: Target, facts: ResponseFacts) -> tuple[bool, Any]:
    """``(found, value)`` of ``target`` in ``facts``: a header not sent, or a JSONPath that
    selects nothing, is ``(False, None)``. Several nodes selected give the list of their
    values. :class:`NotAvailable` when the body cannot be looked at."""
    kind = target.kind
    if kind is TargetKind.STATUS:
        return True, facts.status
    if kind is TargetKind.TIME_MS:
        return True, facts.time_ms
    if kind is TargetKind.SIZE:
        return True, facts.size
    if kind is TargetKind.HEADER:
        listed = facts.header_lists.get(target.header.lower())
        if listed is None:
            value = _header(facts.headers, target.header)
            return (value is not None), value
        return True, ", ".join(listed)
    if kind is TargetKind.BODY:
        # A gRPC call's body is JSON it made itself: the response (or array), not text.
        return True, facts.json() if facts.status_name else facts.text()
    assert target.query is not None
    document = facts.json()
    try:
        nodes = target.query.find(document)
    except (RecursionError, ValueError, TypeError) as exc:
        raise NotAvailable(f"{target.text}: cannot be evaluated: {exc}") from None
    values = nodes.values()
    if not values:
        return False, None
    # A singular query ($.a.b[0]) names one value; any other selects a list of them.
    return True, values[0] if target.query.singular_query() else values


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lower = name.lower()
    for key, value in headers.items():
        if key.lower() == lower:
            return value
    return None


def substitute_value(value: Any, variables: Mapping[str, str]) -> Any:
    """``value`` with ``{{names}}`` in its strings replaced; :class:`CheckError` naming
    a variable that ``variables`` does not define."""
    if isinstance(value, str):
        missing = [m.group(1) for m in VARIABLE.finditer(value) if m.group(1) not in variables]
        if missing:
            raise CheckError(f"unresolved variable {{{{{missing[0]}}}}} in the value")
        return VARIABLE.sub(lambda m: variables[m.group(1)], value)
    if isinstance(value, list):
        return [substitute_value(item, variables) for item in value]
    return value


def json_type(value: Any) -> str:
    """The JSON type name of ``value`` (``integer`` for a whole int)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _same(actual: Any, expected: Any) -> bool:
    """Equal as a file means it: numbers by value, text that spells a number, a boolean or
    null against that value, JSON values structurally."""
    if isinstance(actual, bool) or isinstance(expected, bool):
        if isinstance(actual, bool) and isinstance(expected, bool):
            return actual is expected
        other = expected if isinstance(actual, bool) else actual
        flag = actual if isinstance(actual, bool) else expected
        return isinstance(other, str) and other.strip().lower() == str(flag).lower()
    if actual is None or expected is None:
        if actual is None and expected is None:
            return True
        other = expected if actual is None else actual
        return isinstance(other, str) and other.strip() == "null"
    a_num, e_num = _number(actual), _number(expected)
    if (isinstance(actual, int | float) or isinstance(expected, int | float)) \
            and a_num is not None and e_num is not None:
        return a_num == e_num
    if isinstance(actual, str) and isinstance(expected, str):
        return actual == expected
    if isinstance(actual, list) and isinstance(expected, list):
        return len(actual) == len(expected) and all(map(_same, actual, expected))
    if isinstance(actual, dict) and isinstance(expected, dict):
        return actual.keys() == expected.keys() and all(
            _same(actual[k], expected[k]) for k in actual)
    if isinstance(actual, list | dict) and isinstance(expected, str):
        try:
            return _same(actual, json.loads(expected))  # {{a variable}} holding JSON
        except (ValueError, RecursionError):
            return False
    return bool(actual == expected)


def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(actual, str):
        return shown(expected, limit=1 << 30) in actual
    if isinstance(actual, list):
        return any(_same(item, expected) for item in actual)
    if isinstance(actual, dict):
        return str(expected) in actual
    return shown(expected, limit=1 << 30) in shown(actual, limit=1 << 30)


def _choices(expected: Any) -> list[Any]:
    if isinstance(expected, list):
        return expected
    return [part.strip() for part in str(expected).split(",")]


def _compare(op: AssertOp, actual: Any, expected: Any) -> tuple[bool, str]:
    """(passed, why not) for every op but ``exists``, on a value that was found."""
    if op is AssertOp.EQ:
        return _same(actual, expected), "not equal"
    if op is AssertOp.NEQ:
        return not _same(actual, expected), "equal"
    if op in (AssertOp.GT, AssertOp.GTE, AssertOp.LT, AssertOp.LTE):
        a_num, e_num = _number(actual), _number(expected)
        if a_num is None:
            return False, "the actual value is not a number"
        if e_num is None:
            return False, "the value is not a number"
        passed = {AssertOp.GT: a_num > e_num, AssertOp.GTE: a_num >= e_num,
                  AssertOp.LT: a_num < e_num, AssertOp.LTE: a_num <= e_num}[op]
        return passed, f"not {op.value} {shown(expected)}"
    if op is AssertOp.IN:
        return any(_same(actual, c) for c in _choices(expected)), "not one of the values"
    if op is AssertOp.CONTAINS:
        return _contains(actual, expected), f"does not contain {shown(expected)}"
    if op is AssertOp.MATCHES:
        text = actual if isinstance(actual, str) else shown(actual, limit=1 << 30)
        try:
            found = re.search(str(expected), text) is not None
        except (re.error, RecursionError, OverflowError) as exc:
            return False, f"{expected!r} is not a regular expression: {exc}"
        return found, f"does not match {expected!r}"
    if op is AssertOp.TYPE:
        kind = json_type(actual)
        passed = kind == expected or (expected == "number" and kind == "integer")
        return passed, f"is {'an' if kind[0] in 'aeiou' else 'a'} {kind}"
    if op is AssertOp.LENGTH:
        if not isinstance(actual, str | list | dict):
            return False, f"a {json_type(actual)} has no length"
        length = len(actual)
        return _same(length, expected), f"its length is {length}"
    raise AssertionError(op)  # pragma: no cover - every op is handled above


def _grpc_status(expected: Any, op: AssertOp) -> Any:
    """``expected`` with gRPC status code names made the codes' numbers (in a list, or in
    the comma-separated text of an ``in``)."""
    from app.model.compose_grpc import GRPC_STATUS_CODES

    def number(value: Any) -> Any:
        if isinstance(value, str):
            return GRPC_STATUS_CODES.get(value.strip().upper(), value)
        return value

    if isinstance(expected, list):
        return [number(item) for item in expected]
    if op is AssertOp.IN and isinstance(expected, str):
        return [number(item) for item in _choices(expected)]
    return number(expected)


def evaluate(assertion: AssertModel, facts: ResponseFacts,
             variables: Mapping[str, str] | None = None) -> AssertResult:
    """Check ``assertion`` against ``facts``, its value's ``{{variables}}`` substituted
    from ``variables``. Never raises for what a response or a value holds: a problem is a
    failed result that says what it is."""
    op = assertion.op
    try:
        target = parse_target(assertion.target)
        expected = substitute_value(assertion.value, variables or {})
        if expected is not assertion.value:
            check_value(op, expected)
    except CheckError as exc:
        return AssertResult(assertion, False, message=str(exc))
    expected_text = "" if expected is None else shown(expected)
    try:
        found, actual = target_value(target, facts)
    except NotAvailable as exc:
        return AssertResult(assertion, False, message=str(exc), expected=expected_text)
    actual_text = shown(actual) if found else ""
    if target.kind is TargetKind.STATUS and facts.status_name:
        if op in (AssertOp.EQ, AssertOp.NEQ, AssertOp.IN):
            expected = _grpc_status(expected, op)
        actual_text = f"{actual} {facts.status_name}"
    if op is AssertOp.EXISTS:
        want = True if expected is None else bool(expected)
        passed = found is want
        why = ("" if passed else
               (f"{target.text} is absent" if want else f"{target.text} is present"))
        return AssertResult(assertion, passed, actual_text, why, expected_text)
    if not found:
        return AssertResult(assertion, False, "", f"{target.text} is absent", expected_text)
    passed, why = _compare(op, actual, expected)
    message = "" if passed else f"{target.text} {why}"
    return AssertResult(assertion, passed, actual_text, message, expected_text)
