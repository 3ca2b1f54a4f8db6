"""What kind of JSON value each field of a message takes, said in words when a message's
JSON has another kind: protobuf's JSON parser says it in Python's ("expected string or
bytes-like object, got 'int'", "invalid literal for int() with base 10"). Asked only once
protobuf has refused a message, to say why in a user's words: a message it takes never
pays for the walk. Pure."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from google.protobuf import descriptor

__all__ = ["field_values", "is_map", "is_repeated", "is_required", "kind_problem"]

_FD = descriptor.FieldDescriptor

_INTEGERS = {
    _FD.TYPE_INT32, _FD.TYPE_INT64, _FD.TYPE_UINT32, _FD.TYPE_UINT64, _FD.TYPE_SINT32,
    _FD.TYPE_SINT64, _FD.TYPE_FIXED32, _FD.TYPE_FIXED64, _FD.TYPE_SFIXED32, _FD.TYPE_SFIXED64,
}
_FLOATS = {_FD.TYPE_DOUBLE, _FD.TYPE_FLOAT}
#: An integer written as a string (protobuf's JSON form of a 64-bit one, taken for any).
_INTEGER_TEXT = re.compile(r"\s*-?\d+\s*")
#: A float written as a string.
_FLOAT_TEXT = re.compile(r"\s*(-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|NaN|-?Infinity)\s*")


def field_values(message: Any, value: object,
                 path: str = "") -> Iterator[tuple[Any, str, object, bool]]:
    """Each value the JSON object ``value`` (of a ``message`` descriptor) gives a field:
    ``(field, where, one, spread)``. A map's values and a repeated field's elements come one
    by one (``spread``, ``field`` the map's value field or the repeated field); any other
    value whole (``spread`` false, ``field`` the field itself: for a map or a repeated
    field, a value that is not an object or an array). Unknown keys are left out."""
    if not isinstance(value, dict):
        return
    by_json = {field.json_name: field for field in message.fields}
    for key, item in value.items():
        field = message.fields_by_name.get(key) or by_json.get(key)
        if field is None:
            continue
        where = f"{path}.{key}" if path else str(key)
        if is_map(field) and isinstance(item, dict):
            value_field = field.message_type.fields_by_name["value"]
            for name, one in item.items():
                yield value_field, f"{where}[{name}]", one, True
        elif is_repeated(field) and isinstance(item, list):
            for index, one in enumerate(item):
                yield field, f"{where}[{index}]", one, True
        else:
            yield field, where, item, False


def kind_problem(message: Any, value: object, path: str = "") -> str | None:
    """``path: expected <kind>, not <kind> (<value>)`` for the first field of ``value`` (the
    JSON of a ``message`` descriptor) whose value is of a kind the field does not take; None
    when every one is (what else is wrong, protobuf says). Well-known types have JSON forms
    of their own: protobuf checks those."""
    for field, where, one, spread in field_values(message, value, path):
        if one is None:
            continue
        if not spread and is_map(field):
            return _said(where, "an object", one)
        if not spread and is_repeated(field):
            return _said(where, "an array", one)
        found = _value_problem(field, one, where)
        if found:
            return found
    return None


def _value_problem(field: Any, value: object, where: str) -> str | None:
    if value is None:
        return None
    nested = field.message_type
    if nested is not None:
        if nested.full_name.startswith("google.protobuf."):
            return None
        if not isinstance(value, dict):
            return _said(where, "an object", value)
        return kind_problem(nested, value, where)
    kind = field.type
    number = isinstance(value, int | float) and not isinstance(value, bool)
    whole = isinstance(value, int | float) and number and float(value).is_integer()
    if kind in (_FD.TYPE_STRING, _FD.TYPE_BYTES):
        ok, wanted = isinstance(value, str), ("a string" if kind == _FD.TYPE_STRING
                                              else "a base64 string")
    elif kind == _FD.TYPE_BOOL:
        ok, wanted = isinstance(value, bool), "true or false"
    elif kind in _INTEGERS:
        ok = whole or (
            isinstance(value, str) and _INTEGER_TEXT.fullmatch(value) is not None)
        wanted = "an integer"
    elif kind in _FLOATS:
        ok = number or (isinstance(value, str) and _FLOAT_TEXT.fullmatch(value) is not None)
        wanted = "a number"
    elif kind == _FD.TYPE_ENUM:
        names = ", ".join(v.name for v in field.enum_type.values)
        ok, wanted = isinstance(value, str) or whole, \
            f"one of {names} (or its number)"
    else:
        return None
    return None if ok else _said(where, wanted, value)


def _said(where: str, wanted: str, value: object) -> str:
    shown = json.dumps(value, ensure_ascii=False)
    shown = shown if len(shown) <= 40 else shown[:39] + "…"
    return f"{where}: expected {wanted}, not {_kind(value)} ({shown})"


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "null"


def is_map(field: Any) -> bool:
    entry = field.message_type
    return entry is not None and bool(entry.GetOptions().map_entry)


def is_repeated(field: Any) -> bool:
    is_repeated = getattr(field, "is_repeated", None)
    if is_repeated is not None:
        return bool(is_repeated)
    return bool(field.label == _FD.LABEL_REPEATED)


def is_required(field: Any) -> bool:
    is_required = getattr(field, "is_required", None)
    if is_required is not None:
        return bool(is_required)
    return bool(field.label == _FD.LABEL_REQUIRED)
