"""app.grpc._fast_json against protobuf's own json_format: the same messages and the same JSON
for what it takes, and None (json_format's turn) for what it does not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.client.errors import UsageError
from app.grpc._fast_json import parse_plain, plain_json
from app.grpc.descriptors import compile_protos
from app.grpc.messages import message_class, parse_message, to_json

PLAIN_PROTO = """
syntax = "proto3";
package fast;

import "google/protobuf/any.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/field_mask.proto";
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";

message Flat {
  string s = 1;
  bool b = 2;
  int32 i = 3;
  sint32 si = 4;
  sfixed32 sf = 5;
  uint32 u = 6;
  fixed32 f = 7;
  int64 l = 8;
  uint64 ul = 9;
  sint64 sl = 10;
  fixed64 fl = 11;
  sfixed64 sfl = 12;
  string snake_name = 13;
}

message Shown {
  Flat flat = 1;
  repeated Flat flats = 2;
  repeated string names = 3;
  repeated int64 bigs = 4;
  bytes data = 5;
  repeated bytes blobs = 6;
  map<string, string> tags = 7;
  map<string, int64> counts = 8;
  map<string, bytes> blobs_by_name = 9;
  google.protobuf.Timestamp at = 10;
  google.protobuf.Duration took = 11;
  google.protobuf.FieldMask mask = 12;
  google.protobuf.StringValue wrapped = 13;
  google.protobuf.Any any = 14;
  oneof choice {
    string left = 15;
    int32 right = 16;
  }
  optional string maybe = 17;
  repeated uint32 small = 18;
}

enum Color { RED = 0; GREEN = 1; }
message WithEnum { Color color = 1; }
message WithFloat { float ratio = 1; }
message WithIntKeys { map<int32, string> names = 1; }
message WithMessageMap { map<string, Flat> flats = 1; }
message WithOneof { oneof pick { string a = 1; string b = 2; } }
message WithOptional { optional string maybe = 1; }
message WithRepeated { repeated string names = 1; }
"""

OLD_PROTO = """
syntax = "proto2";
package fast;

message Old {
  optional string s = 1;
  optional int32 d = 2 [default = 5];
}

message OldRequired {
  required int32 r = 1;
}
"""

INT32 = (-(1 << 31), (1 << 31) - 1)
UINT32 = (0, (1 << 32) - 1)
INT64 = (-(1 << 63), (1 << 63) - 1)
UINT64 = (0, (1 << 64) - 1)
FLAT_BOUNDS = {"i": INT32, "si": INT32, "sf": INT32, "u": UINT32, "f": UINT32, "l": INT64,
               "ul": UINT64, "sl": INT64, "fl": UINT64, "sfl": INT64}


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder: Path = tmp_path_factory.mktemp("fast")
    (folder / "plain.proto").write_text(PLAIN_PROTO, encoding="utf-8")
    (folder / "old.proto").write_text(OLD_PROTO, encoding="utf-8")
    return compile_protos([folder / "plain.proto", folder / "old.proto"], [folder]).pool


def _class(pool: Any, name: str) -> Any:
    return message_class(pool, f"fast.{name}")


def _parse_dict(cls: Any, value: object, pool: Any) -> Any:
    return json_format.ParseDict(value, cls(), descriptor_pool=pool)


def _to_dict(message: Any, pool: Any) -> Any:
    return json_format.MessageToDict(message, preserving_proto_field_name=True,
                                     descriptor_pool=pool)


def _integer(bounds: tuple[int, int]) -> st.SearchStrategy[int]:
    low, high = bounds
    return st.one_of(st.integers(low, high), st.sampled_from([low, high, 0]))


# Values ParseDict takes as they are, and some it takes otherwise or not at all.
_FLAT_VALUES: dict[str, st.SearchStrategy[object]] = {
    "s": st.text(), "snake_name": st.text(), "b": st.booleans(),
    **{name: _integer(bounds) for name, bounds in FLAT_BOUNDS.items()},
}
_ODD_VALUES = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False),
                        st.integers().map(str), st.integers(min_value=1 << 64),
                        st.booleans(), st.lists(st.integers(), max_size=2))


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.fixed_dictionaries({}, optional=_FLAT_VALUES))
def test_a_flat_request_is_the_message_parse_dict_makes(pool: Any, value: dict[str, Any]) -> None:
    flat = _class(pool, "Flat")
    made = parse_plain(flat, value)
    assert made is not None  # every value here is of its field's kind: not handed on
    assert made == _parse_dict(flat, value, pool)
    assert parse_message(flat, value, pool) == made


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.dictionaries(st.sampled_from([*_FLAT_VALUES, "snakeName", "nope"]),
                             st.one_of(_ODD_VALUES, *_FLAT_VALUES.values()), max_size=5))
def test_what_it_takes_of_any_object_is_what_parse_dict_makes(
        pool: Any, value: dict[str, Any]) -> None:
    flat = _class(pool, "Flat")
    try:
        expected = _parse_dict(flat, value, pool)
    except (json_format.ParseError, TypeError, ValueError):
        expected = None
    made = parse_plain(flat, value)
    if made is not None:
        assert made == expected
    elif expected is None:  # what ParseDict refuses is refused, naming the field
        with pytest.raises(UsageError, match=r"does not fit fast\.Flat"):
            parse_message(flat, value, pool)


@pytest.mark.parametrize("value", [
    {"snakeName": "x"},  # the JSON name: ParseDict's to read
    {"i": "5"},  # a number as text
    {"i": 1 << 31},  # out of range: ParseDict says so
    {"i": True},  # a bool is not a number here
    {"s": None},  # null: ParseDict clears it
    {"s": "\ud800"},  # a lone surrogate: protobuf will not hold it
    {"nope": 1},
    [],
])
def test_anything_else_is_handed_to_parse_dict(pool: Any, value: object) -> None:
    assert parse_plain(_class(pool, "Flat"), value) is None


@pytest.mark.parametrize(("name", "value"), [
    ("WithOneof", {"a": "x"}),
    ("WithOptional", {"maybe": ""}),
    ("WithRepeated", {"names": ["x"]}),
    ("OldRequired", {"r": 1}),
    ("Shown", {}),
])
def test_types_with_more_than_plain_fields_are_parse_dicts(
        pool: Any, name: str, value: dict[str, Any]) -> None:
    cls = _class(pool, name)
    assert parse_plain(cls, value) is None
    assert parse_message(cls, value, pool) == _parse_dict(cls, value, pool)


def test_a_proto2_field_set_to_its_default_stays_set(pool: Any) -> None:
    old = _class(pool, "Old")
    made = parse_plain(old, {"d": 5, "s": ""})
    assert made is not None and made.HasField("d") and made.HasField("s")
    assert made == _parse_dict(old, {"d": 5, "s": ""}, pool)
    assert plain_json(made, pool) == _to_dict(made, pool) == {"s": "", "d": 5}


_BYTES = st.binary(max_size=12)
_KEYS = st.text(max_size=6)
_SHOWN_VALUES: dict[str, st.SearchStrategy[object]] = {
    "flat": st.fixed_dictionaries({}, optional=_FLAT_VALUES),
    "flats": st.lists(st.fixed_dictionaries({}, optional=_FLAT_VALUES), max_size=3),
    "names": st.lists(st.text(max_size=5), max_size=3),
    "bigs": st.lists(_integer(INT64), max_size=3),
    "small": st.lists(_integer(UINT32), max_size=3),
    "data": _BYTES,
    "blobs": st.lists(_BYTES, max_size=3),
    "tags": st.dictionaries(_KEYS, st.text(max_size=5), max_size=3),
    "counts": st.dictionaries(_KEYS, _integer(INT64), max_size=3),
    "blobs_by_name": st.dictionaries(_KEYS, _BYTES, max_size=3),
    "at": st.tuples(st.integers(0, 253402300799), st.integers(0, 999_999_999)),
    "took": st.tuples(st.integers(0, 315576000000), st.integers(0, 999_999_999)),
    "mask": st.lists(st.from_regex(r"[a-z]{1,4}(\.[a-z]{1,4})?", fullmatch=True), max_size=3),
    "wrapped": st.text(max_size=5),
    "left": st.text(max_size=5),
    "right": _integer(INT32),
    "maybe": st.text(max_size=5),
}


def _shown(pool: Any, values: dict[str, Any]) -> Any:
    message = _class(pool, "Shown")()
    flat = _class(pool, "Flat")
    for name, value in values.items():
        if name == "flat":
            message.flat.CopyFrom(flat(**value))
        elif name == "flats":
            message.flats.extend(flat(**one) for one in value)
        elif name in ("at", "took"):
            getattr(message, name).seconds, getattr(message, name).nanos = value
        elif name == "mask":
            message.mask.paths.extend(value)
        elif name == "wrapped":
            message.wrapped.value = value
        elif name in ("tags", "counts", "blobs_by_name"):
            getattr(message, name).update(value)
        elif isinstance(value, list):
            getattr(message, name).extend(value)
        else:
            setattr(message, name, value)
    return message


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.fixed_dictionaries({}, optional=_SHOWN_VALUES))
def test_a_reply_shows_as_message_to_dict_shows_it(pool: Any, values: dict[str, Any]) -> None:
    message = _shown(pool, values)
    shown = plain_json(message, pool)
    assert shown is not None
    assert shown == _to_dict(message, pool)
    assert to_json(message, pool) == shown


@pytest.mark.parametrize(("name", "value"), [
    ("WithEnum", {"color": "GREEN"}),
    ("WithFloat", {"ratio": 0.1}),
    ("WithIntKeys", {"names": {"1": "one"}}),
    ("WithMessageMap", {"flats": {"a": {"s": "x"}}}),
])
def test_types_with_other_fields_are_shown_by_message_to_dict(
        pool: Any, name: str, value: dict[str, Any]) -> None:
    message = _parse_dict(_class(pool, name), value, pool)
    assert plain_json(message, pool) is None
    assert to_json(message, pool) == _to_dict(message, pool) == value


def test_a_nested_any_is_shown_by_message_to_dict(pool: Any) -> None:
    message = _class(pool, "Shown")()
    message.any.Pack(_class(pool, "Flat")(s="inside", l=7))
    assert plain_json(message, pool) == _to_dict(message, pool) == {
        "any": {"@type": "type.googleapis.com/fast.Flat", "s": "inside", "l": "7"}}


def test_an_any_of_a_type_no_pool_knows_is_still_shown_opaque(pool: Any) -> None:
    message = _class(pool, "Shown")(left="x")
    message.any.type_url = "type.googleapis.com/elsewhere.Unknown"
    message.any.value = b"\x08\x01"
    with pytest.raises(TypeError):
        plain_json(message, pool)
    unknown: set[str] = set()
    assert to_json(message, pool, unknown) == {
        "any": {"@type": "type.googleapis.com/elsewhere.Unknown", "value": "CAE="},
        "left": "x"}
    assert unknown == {"elsewhere.Unknown"}


def test_a_value_message_to_dict_refuses_is_refused_in_its_words(pool: Any) -> None:
    message = _class(pool, "Shown")()
    message.at.seconds = 253402300800  # the year 10000
    assert plain_json(message, pool) is None
    with pytest.raises(json_format.SerializeToJsonError) as expected:
        _to_dict(message, pool)
    with pytest.raises(json_format.SerializeToJsonError) as caught:
        to_json(message, pool)
    assert str(caught.value) == str(expected.value)


def test_an_unknown_any_inside_a_known_one_is_the_only_one_opaque(pool: Any) -> None:
    shown = _class(pool, "Shown")
    inner = shown(left="x", names=["a"])
    inner.any.type_url = "type.googleapis.com/elsewhere.Deep"
    inner.any.value = b"\x08\x01"
    message = shown()
    message.flats.add(s="top")
    message.any.Pack(inner)
    unknown: set[str] = set()
    assert to_json(message, pool, unknown) == {
        "flats": [{"s": "top"}],
        "any": {"@type": "type.googleapis.com/fast.Shown", "names": ["a"], "left": "x",
                "any": {"@type": "type.googleapis.com/elsewhere.Deep", "value": "CAE="}}}
    assert unknown == {"elsewhere.Deep"}
