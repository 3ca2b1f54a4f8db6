"""Messages as JSON (protobuf's JSON mapping, original field names), templates, metadata and
the rich error details of a status (``google.rpc.Status`` in ``grpc-status-details-bin``).
Pure: no I/O."""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf import descriptor, descriptor_pool, json_format, message_factory
from google.protobuf.message import DecodeError
from google.rpc import error_details_pb2, status_pb2

from app.client.errors import UsageError

from ._fast_json import parse_plain, plain_json
from ._json_kinds import field_values, is_map, is_repeated, is_required, kind_problem
from .descriptors import Service

__all__ = [
    "COMPRESSIONS",
    "STATUS_DETAILS_KEY",
    "TEMPLATE_DEPTH",
    "ChannelHeaders",
    "check_initialized",
    "decode_status_details",
    "message_class",
    "metadata_pairs",
    "parse_message",
    "split_metadata",
    "template",
    "template_for",
    "to_json",
]

#: How deep a template fills nested messages; below it (or in a type that contains
#: itself) a message is an empty object, but a required field (proto2) is filled on, and
#: an optional one whose type has required fields is left out.
TEMPLATE_DEPTH = 6
#: The trailer holding a serialized ``google.rpc.Status`` with the error's details.
STATUS_DETAILS_KEY = "grpc-status-details-bin"

# The standard error details are known wherever a pool lacks them (importing the module
# registers them in protobuf's default pool).
_STANDARD_DETAILS = error_details_pb2.DESCRIPTOR.package

_FD = descriptor.FieldDescriptor

_WELL_KNOWN: dict[str, Any] = {
    "google.protobuf.Timestamp": "1970-01-01T00:00:00Z",
    "google.protobuf.Duration": "0s",
    "google.protobuf.FieldMask": "",
    "google.protobuf.Struct": {},
    "google.protobuf.Value": None,
    "google.protobuf.ListValue": [],
    "google.protobuf.Empty": {},
    "google.protobuf.Any": {},
    "google.protobuf.DoubleValue": 0.0,
    "google.protobuf.FloatValue": 0.0,
    "google.protobuf.Int64Value": "0",
    "google.protobuf.UInt64Value": "0",
    "google.protobuf.Int32Value": 0,
    "google.protobuf.UInt32Value": 0,
    "google.protobuf.BoolValue": False,
    "google.protobuf.StringValue": "",
    "google.protobuf.BytesValue": "",
}

_INT64 = {_FD.TYPE_INT64, _FD.TYPE_UINT64, _FD.TYPE_SINT64, _FD.TYPE_FIXED64,
          _FD.TYPE_SFIXED64}
_FLOATS = {_FD.TYPE_DOUBLE, _FD.TYPE_FLOAT}


def message_class(pool: Any, name: str) -> Any:
    """The message class of the full type ``name`` in ``pool`` (``UsageError`` if none)."""
    try:
        return message_factory.GetMessageClass(pool.FindMessageTypeByName(name))
    except KeyError:
        raise UsageError(f"No message type {name!r} is known here") from None


def parse_message(cls: Any, value: object, pool: Any) -> Any:
    """``value`` (a JSON object) as a message of ``cls``; one that does not fit (a wrong
    value, or a proto2 required field missing) raises ``UsageError`` naming the field."""
    plain = parse_plain(cls, value)
    if plain is not None:
        return plain
    name = cls.DESCRIPTOR.full_name
    if not isinstance(value, dict) and isinstance(_WELL_KNOWN.get(name, {}), dict):
        # (A well-known type whose JSON form is not an object takes that form.)
        raise UsageError(f"A {name} message is a JSON object, not {type(value).__name__}")
    try:
        message = json_format.ParseDict(value, cls(), descriptor_pool=pool)
    except json_format.ParseError as exc:
        said = kind_problem(cls.DESCRIPTOR, value) or _original_names(str(exc), pool)
        raise UsageError(f"The message does not fit {name}: {said}") from None
    except RecursionError:
        raise UsageError(f"The message does not fit {name}: it is nested too deeply") from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        # ParseDict wraps most mistakes in ParseError, but not all: a well-known type at
        # the top (a StringValue given an object) or an Any of one without its "value"
        # escapes as Python's own error, which names no field; find the field here.
        problem = kind_problem(cls.DESCRIPTOR, value)
        if problem:
            raise UsageError(f"The message does not fit {name}: {problem}") from None
        where = _failing_field(cls, value, pool, "")
        said = f"{exc} is missing" if isinstance(exc, KeyError) else str(exc)
        raise UsageError(f"The message does not fit {name}: "
                         f"{f'{where}: ' if where else ''}{said}") from None
    bad = _bad_value(cls.DESCRIPTOR, value, "")
    if bad is not None:
        raise UsageError(f"The message does not fit {name}: {bad[0]} {bad[1]}")
    check_initialized(message)
    return message


#: protobuf's words for a key no field has, which list the fields by their JSON names.
_UNKNOWN_FIELD = re.compile(
    r'Message type "(?P<type>[^"]+)" has no field named "(?P<field>[^"]*)" at "(?P<at>[^"]*)"'
    r'\.\s*Available Fields\(except extensions\): "\[[^\]]*\]"\.?')


def _original_names(said: str, pool: Any) -> str:
    """protobuf's ``ParseError`` text, an unknown key's fields listed by the names the
    templates and responses use (``trace_id``, not ``traceId``)."""

    def named(match: re.Match[str]) -> str:
        try:
            fields = pool.FindMessageTypeByName(match["type"]).fields
        except KeyError:
            return match[0]
        at = match["at"].partition(".")[2]
        where = f" at {at}" if at else ""
        names = ", ".join(field.name for field in fields) or "none"
        return f'{match["type"]} has no field "{match["field"]}"{where}; its fields: {names}'

    return _UNKNOWN_FIELD.sub(named, said)


#: Base64 as protobuf's JSON reads it: either alphabet, padded or not (whitespace aside).
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]*={0,2}")
_SPACE = re.compile(r"\s+")
#: Types whose JSON is any JSON value: their numbers are a double that JSON must write.
_JSON_VALUES = ("google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue")


def _is_base64(text: str) -> bool:
    text = _SPACE.sub("", text)
    bare = text.rstrip("=")
    return (_BASE64.fullmatch(text) is not None and len(bare) % 4 != 1
            and (bare == text or len(text) % 4 == 0))


def _bad_value(message: Any, value: object, path: str) -> tuple[str, str] | None:
    """(path, why) of the first value of ``value`` (the JSON of a ``message`` descriptor)
    that protobuf would take but not as written, None when there is none:
    - bytes that are not base64: protobuf decodes them leniently, dropping what is not
      base64 ("!!!" would go as no bytes at all);
    - NaN or an infinity in a Struct or Value: sent, the answer holding it could not be
      read back (JSON has neither).
    """
    if not _checked(message, set()):
        return None
    for field, where, one, spread in field_values(message, value, path):
        if not spread and is_repeated(field):  # (a map is one too)
            continue  # not an array or an object: protobuf says so
        nested = field.message_type
        kind = nested.full_name if nested is not None else ""
        if field.type == _FD.TYPE_BYTES or kind == "google.protobuf.BytesValue":
            if isinstance(one, str) and not _is_base64(one):
                return where, "is not base64 (a bytes field is written in base64)"
        elif kind in _JSON_VALUES:
            found = _non_finite(one, where)
            if found:
                return found, ("is NaN or an infinity, which a Struct or Value cannot hold "
                               "(JSON has neither)")
        elif nested is not None and kind not in _WELL_KNOWN:
            # (A well-known type has a JSON form of its own: an Any's "value" is not its
            # bytes.)
            bad = _bad_value(nested, one, where)
            if bad is not None:
                return bad
    return None


def _non_finite(value: object, path: str) -> str:
    """The path of the first float of a JSON value that is NaN or infinite; "" if none."""
    if isinstance(value, float) and not math.isfinite(value):
        return path
    items = value.items() if isinstance(value, dict) else (
        enumerate(value) if isinstance(value, list) else ())
    for key, item in items:
        found = _non_finite(item, f"{path}.{key}" if isinstance(key, str) else f"{path}[{key}]")
        if found:
            return found
    return ""


def _checked(message: Any, seen: set[str]) -> bool:
    """Whether a message of this descriptor can hold, at any depth, a value _bad_value
    looks at (a walk of its types: a few microseconds for most, and no cache to go
    stale)."""
    if message.full_name in seen or message.full_name in _WELL_KNOWN:
        return False
    seen.add(message.full_name)
    for field in message.fields:
        nested = field.message_type
        if field.type == _FD.TYPE_BYTES or (nested is not None and (
                nested.full_name == "google.protobuf.BytesValue"
                or nested.full_name in _JSON_VALUES or _checked(nested, seen))):
            return True
    return False


def check_initialized(message: Any) -> None:
    """``UsageError`` naming the required fields (proto2) ``message`` lacks: grpc would fail
    to serialize it with a bare ``EncodeError``, and the server could not read it."""
    missing = message.FindInitializationErrors()
    if not missing:
        return
    fields = ", ".join(missing)
    verb = "field {} is" if len(missing) == 1 else "fields {} are"
    raise UsageError(f"The message does not fit {message.DESCRIPTOR.full_name}: "
                     f"required {verb.format(fields)} missing")


def _failing_field(cls: Any, value: object, pool: Any, path: str) -> str:
    """The path (``a.b[2].c``) of the field of ``value`` that makes ``ParseDict`` fail with
    other than ``ParseError``, found by parsing one field at a time; ``path`` if none."""
    if not isinstance(value, dict):
        return path
    by_json = {field.json_name: field for field in cls.DESCRIPTOR.fields}
    for key, item in value.items():
        if not _fails(cls, {key: item}, pool):
            continue
        inner = f"{path}.{key}" if path else str(key)
        field = cls.DESCRIPTOR.fields_by_name.get(key) or by_json.get(key)
        nested = None if field is None else field.message_type
        # Well-known types and maps have JSON forms of their own: name the field itself.
        if (nested is None or nested.GetOptions().map_entry
                or nested.full_name.startswith("google.protobuf.")):
            return inner
        sub = message_factory.GetMessageClass(nested)
        if is_repeated(field) and isinstance(item, list):
            index = next((i for i, one in enumerate(item) if _fails(sub, one, pool)), None)
            if index is None:
                return inner
            return _failing_field(sub, item[index], pool, f"{inner}[{index}]")
        return _failing_field(sub, item, pool, inner)
    return path


def _fails(cls: Any, value: object, pool: Any) -> bool:
    """Whether ``value`` makes ``ParseDict`` raise other than ``ParseError``."""
    try:
        json_format.ParseDict(value, cls(), descriptor_pool=pool)
    except json_format.ParseError:
        return False
    except Exception:  # the kinds parse_message catches, whichever this one is
        return True
    return False


def to_json(message: Any, pool: Any, unknown: set[str] | None = None) -> dict[str, Any]:
    """``message`` in protobuf's JSON mapping with its original field names. An ``Any``
    whose type ``pool`` does not know (a type the server's reflection did not describe, a
    .proto file not given) is shown as ``{"@type": ..., "value": <base64>}``, as grpcurl
    and the error details do, rather than the whole message failing; its type's full name
    goes into ``unknown`` (to be looked up, and the message shown again)."""
    try:
        plain = plain_json(message, pool)
        data: dict[str, Any] = plain if plain is not None else json_format.MessageToDict(
            message, preserving_proto_field_name=True, descriptor_pool=pool)
    except TypeError:  # "Can not find message descriptor by type_url"
        opaque: list[tuple[tuple[str | int, ...], dict[str, str]]] = []
        copy = type(message)()
        copy.CopyFrom(message)
        _take_unknown_anys(copy, (), pool, opaque)
        if not opaque:
            raise
        if unknown is not None:
            unknown.update(shown["@type"].rpartition("/")[2] for _path, shown in opaque)
        data = json_format.MessageToDict(
            copy, preserving_proto_field_name=True, descriptor_pool=pool)
        for path, shown in opaque:
            place: Any = data
            for step in path[:-1]:
                place = place.setdefault(step, {}) if isinstance(step, str) else place[step]
            place[path[-1]] = shown
    return data


def _take_unknown_anys(message: Any, path: tuple[str | int, ...], pool: Any,
                       opaque: list[tuple[tuple[str | int, ...], dict[str, str]]]) -> None:
    """Empty each ``Any`` of ``message`` (at any depth) that cannot be shown as JSON with
    ``pool``, noting its path and its opaque form in ``opaque``."""
    for field, value in message.ListFields():
        nested = field.message_type
        if nested is None:
            continue
        if is_map(field):
            value_field = nested.fields_by_name["value"]
            if value_field.message_type is None:
                continue
            items: list[tuple[str | int | None, Any]] = [
                (_map_key(key), value[key]) for key in list(value.keys())]
        elif is_repeated(field):
            items = list(enumerate(value))
        else:
            items = [(None, value)]
        for step, item in items:
            where = (*path, field.name) if step is None else (*path, field.name, step)
            if item.DESCRIPTOR.full_name == "google.protobuf.Any":
                try:
                    json_format.MessageToDict(item, descriptor_pool=pool)
                except TypeError:
                    if not _take_inside_any(item, where, pool, opaque):
                        opaque.append((where, {"@type": item.type_url, "value": base64.b64encode(
                            item.value).decode("ascii")}))
                        item.Clear()
            elif item.DESCRIPTOR.full_name not in _WELL_KNOWN:
                _take_unknown_anys(item, where, pool, opaque)


def _take_inside_any(item: Any, path: tuple[str | int, ...], pool: Any,
                     opaque: list[tuple[tuple[str | int, ...], dict[str, str]]]) -> bool:
    """For an ``Any`` of a type ``pool`` knows that holds one it does not (at any depth):
    empty those inside it, as :func:`_take_unknown_anys` does (its JSON is an object of the
    type's own fields beside ``@type``), and True; False for any other."""
    try:
        inner = message_factory.GetMessageClass(
            pool.FindMessageTypeByName(item.type_url.rpartition("/")[2]))()
        inner.ParseFromString(item.value)
    except (KeyError, DecodeError):  # a type not known, bytes that are not one
        return False
    if inner.DESCRIPTOR.full_name in _WELL_KNOWN:
        return False  # (its JSON is {"@type", "value"}: shown opaque whole)
    found = len(opaque)
    _take_unknown_anys(inner, path, pool, opaque)
    if len(opaque) == found:
        return False
    item.value = inner.SerializeToString()
    return True


def _map_key(key: object) -> str:
    """A map key as protobuf's JSON writes it."""
    return str(key).lower() if isinstance(key, bool) else str(key)


def template(services: Sequence[Service], message_type: str) -> Any:
    """A JSON object of the type ``message_type`` (a full name, of a type ``services``
    use): every field at its default, one element in each repeated field and map, nested
    messages filled; ``UsageError`` for a type none of them knows. (A well-known type whose
    JSON form is not an object, a method taking a ``google.protobuf.StringValue`` say, has
    that form: ``""``.)"""
    for service in services:
        if service.pool is None:
            continue
        try:
            found = service.pool.FindMessageTypeByName(message_type.lstrip("."))
        except KeyError:
            continue
        return template_for(found)
    raise UsageError(f"No message type {message_type!r} in these services")


def template_for(message: Any, depth: int = TEMPLATE_DEPTH) -> Any:
    """The template of a message descriptor (see :func:`template`)."""
    return _message_value(message, depth, ())


def _message_value(message: Any, depth: int, seen: tuple[str, ...]) -> Any:
    if message.full_name in _WELL_KNOWN:
        known = _WELL_KNOWN[message.full_name]
        return dict(known) if isinstance(known, dict) else (
            list(known) if isinstance(known, list) else known)
    if depth <= 0 or message.full_name in seen:
        return {}
    seen = (*seen, message.full_name)
    result: dict[str, Any] = {}
    oneofs_done: set[str] = set()
    for field in message.fields:
        oneof = field.containing_oneof
        # Two members of one oneof may not both be set: the first stands for it.
        if oneof is not None and oneof.full_name in oneofs_done:
            continue
        value = _field_value(field, depth, seen)
        if value is _LEFT_OUT:
            continue  # (a oneof's next member may stand for it)
        if oneof is not None:
            oneofs_done.add(oneof.full_name)
        result[field.name] = value
    return result


#: A field the template leaves out: a message cut off by the depth or a cycle whose type
#: has required fields (proto2), where ``{}`` would not be sent.
_LEFT_OUT = object()


def _field_value(field: Any, depth: int, seen: tuple[str, ...]) -> Any:
    if is_map(field):
        key_field = field.message_type.fields_by_name["key"]
        value_field = field.message_type.fields_by_name["value"]
        key = _scalar(key_field)
        key_text = str(key).lower() if isinstance(key, bool) else str(key)
        value = _single(value_field, depth, seen)
        return {} if value is _LEFT_OUT else {key_text: value}
    single = _single(field, depth, seen)
    if is_repeated(field):
        return [] if single is _LEFT_OUT else [single]
    return single


def _single(field: Any, depth: int, seen: tuple[str, ...]) -> Any:
    nested = field.message_type
    if nested is None:
        return _scalar(field)
    if nested.full_name not in _WELL_KNOWN and (depth <= 1 or nested.full_name in seen):
        # Cut off here. A required field goes on past the depth (its chain ends: a cycle
        # of required fields has no message at all); an optional one whose type has
        # required fields is left out rather than sent incomplete.
        if is_required(field) and nested.full_name not in seen:
            return _message_value(nested, 1, seen)
        if any(is_required(inner) for inner in nested.fields):
            return _LEFT_OUT
    return _message_value(nested, depth - 1, seen)


def _scalar(field: Any) -> Any:
    """The JSON of a scalar field's default: a proto2 field's explicit ``[default = ...]``,
    else the type's zero (an enum's first value)."""
    kind = field.type
    # Only a singular proto2 field has one (a repeated field's ``default_value`` is []).
    explicit = bool(field.has_default_value)
    default: Any = field.default_value if explicit else None
    if kind == _FD.TYPE_ENUM:
        value = field.enum_type.values_by_number.get(default) if explicit else None
        return (value or field.enum_type.values[0]).name
    if kind == _FD.TYPE_BOOL:
        return bool(default)
    if kind == _FD.TYPE_STRING:
        return str(default) if explicit else ""
    if kind == _FD.TYPE_BYTES:
        return base64.b64encode(default).decode("ascii") if explicit else ""
    if kind in _INT64:
        return str(int(default)) if explicit else "0"
    if kind in _FLOATS:
        number = float(default) if explicit else 0.0
        # JSON has no infinities or NaN: protobuf's JSON mapping writes them as text.
        if math.isnan(number):
            return "NaN"
        if math.isinf(number):
            return "Infinity" if number > 0 else "-Infinity"
        return number
    return int(default) if explicit else 0


#: A metadata name as gRPC's HTTP/2 mapping has it (lowercase once read).
_METADATA_NAME = re.compile(r"[0-9a-z_.-]+")

#: Names grpcio never sends as given (a real grpcio server and the bytes on the wire say so,
#: tests/grpc/test_metadata_names.py), and what to do instead. Those a channel option
#: honours are not here: see :class:`ChannelHeaders`.
_REFUSED = {
    "grpc-timeout": "it is the call's deadline: set the deadline instead (grpcio replaces "
                    "this one with the deadline's, or takes it as the deadline when none is "
                    "set)",
    "content-type": "gRPC sends its own (application/grpc); grpcio drops this one",
    "te": "gRPC sends its own (te: trailers, the only value HTTP/2 allows); grpcio drops "
          "this one",
    "grpc-accept-encoding": "grpcio sends the encodings it can read (identity, deflate, "
                            "gzip) and drops this one",
    "lb-cost-bin": "grpcio reads it as a load balancer's cost (an 8-byte number, then a "
                   "name) and sends a cost of 0 for a value it cannot read",
}
#: Connection-specific headers: HTTP/2 makes a request with one malformed (RFC 9113,
#: 8.2.2), though grpcio sends them.
_CONNECTION_HEADERS = frozenset({"connection", "keep-alive", "proxy-connection",
                                 "transfer-encoding", "upgrade"})
#: ``grpc-encoding`` values: grpcio's compression algorithms.
COMPRESSIONS = ("identity", "deflate", "gzip")


@dataclass(frozen=True)
class ChannelHeaders:
    """What metadata asks of headers grpcio sets itself on every call, honoured by the
    options of the channel the call goes on (so each is part of its key,
    :class:`~.client.Endpoint`):

    - ``user_agent`` (``user-agent``): ``grpc.primary_user_agent``, sent ahead of grpcio's
      own (``my-tool/1.0 grpc-python/...``): grpcio has no way to replace it;
    - ``authority`` (``:authority`` or ``host``): ``grpc.default_authority``, the
      ``:authority`` of every call in place of the target (grpcio refuses ``:authority`` as
      metadata, and sends ``host`` as a second header beside it). Over TLS the server's
      certificate is checked against this name, as grpcurl's ``-authority`` does;
    - ``compression`` (``grpc-encoding``): ``grpc.default_compression_algorithm``, the
      messages sent compressed (as metadata grpcio sends the header, or ``identity`` for a
      name it does not know, and the messages uncompressed)."""

    user_agent: str | None = None
    authority: str | None = None
    compression: str | None = None


_NO_HEADERS = ChannelHeaders()


def split_metadata(
    metadata: Mapping[str, str | bytes] | Sequence[tuple[str, str | bytes]] | None,
) -> tuple[tuple[tuple[str, str | bytes], ...] | None, ChannelHeaders]:
    """Metadata to send, checked, and what of it the channel sets (:class:`ChannelHeaders`):
    lowercase ASCII keys, bytes (or base64 text) for ``-bin`` keys, printable ASCII text for
    the others. ``UsageError`` naming the key, before anything is sent, for a name grpcio
    would drop or replace without a word (``content-type``, ``te``, names starting
    ``grpc-``...), a pseudo-header other than ``:authority``, and a connection-specific
    header HTTP/2 forbids."""
    if not metadata:
        return None, _NO_HEADERS
    pairs = metadata.items() if isinstance(metadata, Mapping) else metadata
    checked: list[tuple[str, str | bytes]] = []
    asked: dict[str, str] = {}
    for pair in pairs:
        try:
            key, value = pair
        except (TypeError, ValueError):
            raise UsageError(f"Metadata is name/value pairs, not {pair!r}") from None
        if not isinstance(key, str) or not key.strip():
            raise UsageError(f"A metadata name is text, not {key!r}")
        key = key.strip().lower()
        value = _checked_value(key, value)
        field = _channel_field(key, value)
        if field is None:
            checked.append((key, value))
            continue
        text = str(value)
        if asked.setdefault(field, text) != text:
            raise UsageError(f"The metadata {key} is given twice, with different values")
    headers = ChannelHeaders(**asked)
    return (tuple(checked) or None), headers


def _checked_value(key: str, value: object) -> str | bytes:
    """``value`` as it is sent; ``UsageError`` for a name that cannot be sent."""
    if key == ":authority":
        pass  # a pseudo-header, but the one a channel option sets (ChannelHeaders)
    elif key.startswith(":"):
        raise UsageError(f"Not a metadata name: {key!r} (an HTTP/2 pseudo-header gRPC sets "
                         "itself; of them only :authority may be given)")
    elif not _METADATA_NAME.fullmatch(key):  # grpc refused it with a bare ExecuteBatchError
        raise UsageError(f"Not a metadata name: {key!r} (letters, digits, '-', '_' and "
                         "'.' only)")
    elif key in _REFUSED:
        raise UsageError(f"The metadata {key} cannot be sent: {_REFUSED[key]}")
    elif key in _CONNECTION_HEADERS:
        raise UsageError(f"The metadata {key} cannot be sent: HTTP/2 forbids connection "
                         "headers (RFC 9113, 8.2.2), and a strict server or proxy refuses "
                         "the call")
    elif key.startswith("grpc-") and key != "grpc-encoding":
        raise UsageError(f"The metadata {key} cannot be sent: names starting grpc- are "
                         "gRPC's own (grpcio drops or replaces those it knows)")
    if key.endswith("-bin"):
        if isinstance(value, str):
            try:  # padded or not, as gRPC's own -bin values are sent
                text = value.strip()
                return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
            except (binascii.Error, ValueError):  # ValueError: not ASCII
                raise UsageError(f"The binary metadata {key} wants base64 text") from None
        if not isinstance(value, bytes):
            raise UsageError(f"The metadata {key} is bytes or base64 text")
        return value
    if not isinstance(value, str) or not value.isascii() or not value.isprintable():
        raise UsageError(f"The metadata {key} is printable ASCII text, not {value!r}")
    return value


def _channel_field(key: str, value: str | bytes) -> str | None:
    """The :class:`ChannelHeaders` field ``key`` sets (its value checked), None for one sent
    as it is."""
    if key == "user-agent":
        return "user_agent"
    if key in (":authority", "host"):
        if not str(value).strip() or any(c.isspace() or c in "/@" for c in str(value)):
            raise UsageError(f"The metadata {key} is a host name (and port), not {value!r}")
        return "authority"
    if key == "grpc-encoding":
        if value not in COMPRESSIONS:
            raise UsageError(f"The metadata grpc-encoding is one of {', '.join(COMPRESSIONS)} "
                             f"(what grpcio can compress with), not {value!r}")
        return "compression"
    return None


def metadata_pairs(metadata: Any) -> list[tuple[str, str]]:
    """Received metadata as (name, text) pairs; binary values as base64."""
    if not metadata:
        return []
    pairs = []
    for key, value in metadata:
        if isinstance(value, bytes):
            value = base64.b64encode(value).decode("ascii")
        pairs.append((str(key), str(value)))
    return pairs


def decode_status_details(trailers: Any, pool: Any,
                          unknown: set[str] | None = None) -> list[dict[str, Any]]:
    """The details of the ``google.rpc.Status`` in the trailers, each as JSON with its
    ``@type``: decoded where the type is known (the call's pool, the standard
    ``google.rpc`` details), else ``{"@type": ..., "value": <base64>}`` (its type's name
    noted in ``unknown``, as :func:`to_json` notes them)."""
    data = next((value for key, value in trailers or () if key == STATUS_DETAILS_KEY), None)
    if not isinstance(data, bytes):
        return []
    try:
        status = status_pb2.Status.FromString(data)
    except Exception:  # protobuf's DecodeError: a trailer that is not a Status
        return [{"@type": "", "value": base64.b64encode(data).decode("ascii")}]
    details = []
    for any_detail in status.details:
        name = any_detail.type_url.rpartition("/")[2]
        decoded = None
        for source in (pool, descriptor_pool.Default()):
            if source is None:
                continue
            try:
                cls = message_factory.GetMessageClass(source.FindMessageTypeByName(name))
                message = cls.FromString(any_detail.value)
                decoded = {"@type": any_detail.type_url, **to_json(message, source, unknown)}
                break
            except Exception:  # KeyError (unknown type) or a DecodeError
                continue
        if decoded is None:
            if unknown is not None:
                unknown.add(name)
            decoded = {"@type": any_detail.type_url,
                       "value": base64.b64encode(any_detail.value).decode("ascii")}
        details.append(decoded)
    return details
