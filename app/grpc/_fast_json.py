"""protobuf's JSON mapping in its plainest cases, done without ``json_format``.

``json_format`` is pure Python, and its generic walk costs what a unary call's own work does:
some 4 µs to parse a one-field request, 6-9 µs to show a small reply (``bench/grpc.py``
calls 2,000 of them; each is parsed and shown on the caller's loop). Here, for the plain
kinds of field only, what it would make is made directly:

- :func:`parse_plain`: a message type whose fields are all singular strings, bools and
  integers (no oneof, no extension, no proto2 ``required``, not one of protobuf's own
  types), from a JSON object whose keys are its fields' names and whose values are exactly
  those kinds (a ``str``, a ``bool``, an ``int`` in range). ``ParseDict`` sets each field as
  given and nothing else: the message made with those values as keyword arguments. Anything
  else (a name in its JSON form, a number written as a string, a null) goes to
  ``ParseDict``, which also says what does not fit.
- :func:`plain_json`: a message whose fields (any of them repeated) are strings, bools,
  integers, bytes, messages, and maps with string keys of those scalars: as
  ``MessageToDict`` walks ``ListFields()``, a 64-bit integer as text, bytes in base64, a
  nested message by the same rule, a Timestamp, Duration or FieldMask by its
  ``ToJsonString()`` (as ``MessageToDict`` does), and another (a wrapper, an ``Any``...)
  by ``MessageToDict`` itself. Enums, floats and other maps go to ``MessageToDict`` whole.

``tests/test_grpc_fast_json.py`` holds both to ``json_format``'s results (Hypothesis).
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable
from typing import Any

from google.protobuf import descriptor, json_format

from ._json_kinds import is_map, is_repeated, is_required

__all__ = ["parse_plain", "plain_json"]

_FD = descriptor.FieldDescriptor

_Kind = type | tuple[int, int]  # str or bool, or an integer's (low, high) bounds

_INT32 = (-(1 << 31), (1 << 31) - 1)
_UINT32 = (0, (1 << 32) - 1)
_INT64 = (-(1 << 63), (1 << 63) - 1)
_UINT64 = (0, (1 << 64) - 1)
_KINDS: dict[int, _Kind] = {
    _FD.TYPE_STRING: str, _FD.TYPE_BOOL: bool,
    _FD.TYPE_INT32: _INT32, _FD.TYPE_SINT32: _INT32, _FD.TYPE_SFIXED32: _INT32,
    _FD.TYPE_UINT32: _UINT32, _FD.TYPE_FIXED32: _UINT32,
    _FD.TYPE_INT64: _INT64, _FD.TYPE_SINT64: _INT64, _FD.TYPE_SFIXED64: _INT64,
    _FD.TYPE_UINT64: _UINT64, _FD.TYPE_FIXED64: _UINT64,
}


def _plain_type(message: Any) -> bool:
    return not (message.full_name.startswith("google.protobuf.") or message.extension_ranges)


@functools.lru_cache(maxsize=512)
def _parse_kinds(message: Any) -> dict[str, _Kind] | None:
    """Field name → ``str``, ``bool`` or an integer's bounds, for a message descriptor
    :func:`parse_plain` takes; None for any other."""
    if not _plain_type(message):
        return None
    kinds: dict[str, _Kind] = {}
    json_names = set()
    for field in message.fields:
        kind = _KINDS.get(field.type)
        if (kind is None or is_repeated(field) or is_required(field)
                or field.containing_oneof is not None):
            # (A proto3 ``optional`` is a oneof of its own: left to ParseDict too.)
            return None
        kinds[field.name] = kind
        json_names.add(field.json_name)
    if any(field.name in json_names and field.name != field.json_name
           for field in message.fields):
        return None  # a field's name is another's JSON name: ParseDict reads it as that one
    return kinds


def parse_plain(cls: Any, value: object) -> Any | None:
    """``value`` as a message of ``cls`` when both are as the module says, else None."""
    if type(value) is not dict:
        return None
    kinds = _parse_kinds(cls.DESCRIPTOR)
    if kinds is None:
        return None
    for key, item in value.items():
        kind = kinds.get(key)
        if isinstance(kind, tuple):
            if type(item) is not int or not kind[0] <= item <= kind[1]:
                return None
        elif kind is None or type(item) is not kind:
            return None
    try:
        return cls(**value)
    except (TypeError, ValueError):  # a string protobuf will not hold (a lone surrogate)
        return None


_Shown = Callable[[Any, Any], Any]  # (value, pool) → its JSON


def _same(value: Any, _pool: Any) -> Any:
    return value


def _text(value: Any, _pool: Any) -> Any:
    return str(value)


def _base64(value: Any, _pool: Any) -> Any:
    return base64.b64encode(value).decode("utf-8")


def _message(value: Any, pool: Any) -> Any:
    shown = plain_json(value, pool)
    if shown is None:
        shown = json_format.MessageToDict(value, preserving_proto_field_name=True,
                                          descriptor_pool=pool)
    return shown


def _json_string(value: Any, _pool: Any) -> Any:
    return value.ToJsonString()


#: The well-known types ``MessageToDict`` shows by their own ``ToJsonString()``.
_BY_JSON_STRING = {"google.protobuf.Timestamp", "google.protobuf.Duration",
                   "google.protobuf.FieldMask"}

#: How a scalar field's value is shown: a 64-bit integer as text, bytes in base64.
_SCALARS: dict[int, _Shown] = {kind: _same for kind in _KINDS}
_SCALARS.update(dict.fromkeys((_FD.TYPE_INT64, _FD.TYPE_SINT64, _FD.TYPE_SFIXED64,
                               _FD.TYPE_UINT64, _FD.TYPE_FIXED64), _text))
_SCALARS[_FD.TYPE_BYTES] = _base64


def _each(shown: _Shown) -> _Shown:
    return lambda values, pool: [shown(value, pool) for value in values]


def _keyed(shown: _Shown) -> _Shown:
    return lambda values, pool: {key: shown(value, pool) for key, value in values.items()}


@functools.lru_cache(maxsize=512)
def _json_plan(message: Any) -> dict[str, _Shown] | None:
    """Field name → how its value is shown, for a message descriptor :func:`plain_json`
    takes; None for any other."""
    if not _plain_type(message):
        return None
    plan: dict[str, _Shown] = {}
    for field in message.fields:
        if is_map(field):
            key, value = field.message_type.fields_by_name["key"], \
                field.message_type.fields_by_name["value"]
            shown = _SCALARS.get(value.type)
            if key.type != _FD.TYPE_STRING or shown is None:
                return None
            plan[field.name] = _keyed(shown)
            continue
        one: _Shown | None
        if field.type == _FD.TYPE_MESSAGE:
            one = (_json_string if field.message_type.full_name in _BY_JSON_STRING
                   else _message)
        else:
            one = _SCALARS.get(field.type)
        if one is None:
            return None
        plan[field.name] = _each(one) if is_repeated(field) else one
    return plan


def plain_json(message: Any, pool: Any) -> dict[str, Any] | None:
    """``MessageToDict(message, preserving_proto_field_name=True, descriptor_pool=pool)``
    for a message as the module says, else None. Raises what ``MessageToDict`` raises for
    a nested message it is given (an ``Any`` of a type ``pool`` lacks: ``TypeError``)."""
    plan = _json_plan(message.DESCRIPTOR)
    if plan is None:
        return None
    try:
        return {field.name: plan[field.name](value, pool)
                for field, value in message.ListFields()}
    except ValueError:  # a Timestamp out of range: MessageToDict says it in its words
        return None
