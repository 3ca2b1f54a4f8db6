"""Messages at the edges of protobuf's JSON mapping: proto2 required fields and explicit
defaults, an Any holding a well-known type, wrappers at the top of a request. Each bad
message is a ``UsageError`` naming the field, never protobuf's or Python's own error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.client.errors import UsageError
from app.grpc.descriptors import compile_protos
from app.grpc.messages import check_initialized, message_class, parse_message, template_for

EDGE_PROTO = """
syntax = "proto2";
package edge;

import "google/protobuf/any.proto";
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";

enum Color { RED = 0; GREEN = 1; BLUE = 2; }

message Base {
  required string id = 1;
  optional int32 n = 2 [default = 7];
  optional string s = 3 [default = "hi"];
  optional Color c = 4 [default = BLUE];
  optional bool b = 5 [default = true];
  optional double f = 6 [default = 1.5];
  optional int64 big = 7 [default = 9000000000];
  optional bytes raw = 8 [default = "ab"];
  optional float inf = 9 [default = inf];
  optional int32 plain = 10;
  optional Color first = 11;
  repeated int32 many = 12;
  repeated Color colors = 13;
}

message Holder {
  optional google.protobuf.Any any = 1;
  optional google.protobuf.StringValue name = 2;
  optional Base base = 3;
  repeated Base bases = 4;
  repeated Holder children = 5;
  optional google.protobuf.Timestamp at = 6;
}
"""


@pytest.fixture
def pool(tmp_path: Path) -> Any:
    proto = tmp_path / "edge.proto"
    proto.write_text(EDGE_PROTO, encoding="utf-8")
    return compile_protos([proto], [tmp_path]).pool


def _usage(cls: Any, value: object, pool: Any) -> str:
    with pytest.raises(UsageError) as caught:
        parse_message(cls, value, pool)
    return str(caught.value)


def test_a_proto2_required_field_missing_is_refused_before_sending(pool: Any) -> None:
    base = message_class(pool, "edge.Base")
    assert _usage(base, {}, pool) == (
        "The message does not fit edge.Base: required field id is missing")
    assert parse_message(base, {"id": "a"}, pool).id == "a"


def test_a_required_field_missing_deep_inside_is_named_by_its_path(pool: Any) -> None:
    holder = message_class(pool, "edge.Holder")
    assert _usage(holder, {"base": {}}, pool).endswith("required field base.id is missing")
    said = _usage(holder, {"bases": [{"id": "a"}, {}], "children": [{"base": {}}]}, pool)
    assert said.endswith("required fields bases[1].id, children[0].base.id are missing")


def test_check_initialized_passes_a_complete_message(pool: Any) -> None:
    check_initialized(message_class(pool, "edge.Base")(id="x"))
    with pytest.raises(UsageError, match="required field id is missing"):
        check_initialized(message_class(pool, "edge.Base")())


def test_an_any_of_a_well_known_type_without_its_value_names_the_field(pool: Any) -> None:
    holder = message_class(pool, "edge.Holder")
    timestamp = {"@type": "type.googleapis.com/google.protobuf.Timestamp"}
    assert _usage(holder, {"any": timestamp}, pool) == (
        "The message does not fit edge.Holder: any: 'value' is missing")
    deep = {"children": [{}, {"children": [{"any": timestamp}]}]}
    assert _usage(holder, deep, pool) == (
        "The message does not fit edge.Holder: children[1].children[0].any: 'value' is missing")
    whole = {"any": {**timestamp, "value": "2024-01-02T03:04:05Z"}}
    assert parse_message(holder, whole, pool).any.type_url == timestamp["@type"]


@pytest.mark.parametrize("value", [{}, [], 5, None])
def test_a_wrapper_request_given_other_than_its_value_is_a_usage_error(
    pool: Any, value: object,
) -> None:
    # Protobuf's JSON for a wrapper is its bare value (a request takes that form too).
    string_value = message_class(pool, "google.protobuf.StringValue")
    said = _usage(string_value, value, pool)
    assert said.startswith("The message does not fit google.protobuf.StringValue: ")
    assert parse_message(string_value, "hi", pool).value == "hi"


def test_a_wrapper_field_given_an_object_names_the_field(pool: Any) -> None:
    holder = message_class(pool, "edge.Holder")
    assert "name" in _usage(holder, {"name": {}}, pool)
    assert parse_message(holder, {"name": "x"}, pool).name.value == "x"


def test_templates_show_proto2_explicit_defaults(pool: Any) -> None:
    base = pool.FindMessageTypeByName("edge.Base")
    assert template_for(base) == {
        "id": "", "n": 7, "s": "hi", "c": "BLUE", "b": True, "f": 1.5, "big": "9000000000",
        "raw": "YWI=", "inf": "Infinity", "plain": 0, "first": "RED", "many": [0],
        "colors": ["RED"],
    }


def test_a_template_parses_back_to_its_defaults(pool: Any) -> None:
    base = pool.FindMessageTypeByName("edge.Base")
    parsed = parse_message(message_class(pool, "edge.Base"), template_for(base), pool)
    assert (parsed.n, parsed.s, parsed.c, parsed.b, parsed.big, parsed.raw) == (
        7, "hi", 2, True, 9000000000, b"ab")
    assert parsed.inf == float("inf")
