"""Messages at the edges of protobuf's JSON mapping: proto2 required fields and explicit
defaults, an Any holding a well-known type, wrappers at the top of a request, bytes in
base64, templates of recursive proto2 types. Each bad message is a ``UsageError`` naming
the field, never protobuf's or Python's own error."""

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
import "google/protobuf/struct.proto";
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

message Tree {
  required string name = 1;
  optional Tree parent = 2;
  repeated Tree children = 3;
  map<string, Tree> named = 4;
}

message L1 { required int32 v = 1; required L2 next = 2; }
message L2 { required int32 v = 1; required L3 next = 2; }
message L3 { required int32 v = 1; required L4 next = 2; }
message L4 { required int32 v = 1; required L5 next = 2; }
message L5 { required int32 v = 1; required L6 next = 2; }
message L6 { required int32 v = 1; required L7 next = 2; }
message L7 { required int32 v = 1; required L8 next = 2; }
message L8 { required int32 v = 1; }

message Blob {
  optional bytes data = 1;
  repeated bytes parts = 2;
  map<string, bytes> named = 3;
  optional google.protobuf.BytesValue wrapped = 4;
  optional Blob inner = 5;
  optional google.protobuf.Struct extra = 6;
  repeated google.protobuf.Value values = 7;
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


def test_a_template_of_a_recursive_type_with_required_fields_can_be_sent(pool: Any) -> None:
    # Where the cycle is cut, an empty Tree would lack its required name: the template
    # leaves such a field out (an empty list, an empty map) rather than put one in.
    tree = message_class(pool, "edge.Tree")
    template = template_for(tree.DESCRIPTOR)
    assert template == {"name": "", "children": [], "named": {}}
    assert parse_message(tree, template, pool).name == ""


def test_a_chain_of_required_messages_deeper_than_the_template_depth_is_filled(
    pool: Any,
) -> None:
    first = message_class(pool, "edge.L1")
    template = template_for(first.DESCRIPTOR, depth=3)
    level, depth = template, 1
    while "next" in level:
        level, depth = level["next"], depth + 1
    assert depth == 8 and level == {"v": 0}
    parse_message(first, template, pool)  # nothing missing


@pytest.mark.parametrize(("value", "where"), [
    ({"data": "!!!"}, "data"),
    ({"data": "ab=c"}, "data"),
    ({"data": "%%%%"}, "data"),
    ({"parts": ["aGk=", "aGk=="]}, "parts[1]"),
    ({"named": {"k": "a b c ?"}}, "named[k]"),
    ({"wrapped": "*"}, "wrapped"),
    ({"inner": {"inner": {"data": "@@@@"}}}, "inner.inner.data"),
])
def test_bytes_that_are_not_base64_are_refused_naming_the_field(
    pool: Any, value: dict[str, Any], where: str,
) -> None:
    # protobuf reads bytes leniently: "!!!" would have gone as no bytes at all.
    assert _usage(message_class(pool, "edge.Blob"), value, pool) == (
        f"The message does not fit edge.Blob: {where} is not base64 (a bytes field is "
        "written in base64)")


@pytest.mark.parametrize(("value", "where"), [
    ({"extra": {"a": [1, float("nan")]}}, "extra.a[1]"),
    ({"values": [1.5, {"b": float("inf")}]}, "values[1].b"),
    ({"inner": {"extra": {"c": float("-inf")}}}, "inner.extra.c"),
])
def test_nan_or_an_infinity_in_a_struct_is_refused_naming_the_field(
    pool: Any, value: dict[str, Any], where: str,
) -> None:
    # Sent, an answer holding it could not be read back: JSON has neither.
    assert _usage(message_class(pool, "edge.Blob"), value, pool) == (
        f"The message does not fit edge.Blob: {where} is NaN or an infinity, which a Struct "
        "or Value cannot hold (JSON has neither)")
    finite = parse_message(message_class(pool, "edge.Blob"),
                           {"extra": {"a": [1, 2.5e300]}, "values": [None, "x"]}, pool)
    assert finite.extra["a"][1] == 2.5e300


def test_base64_in_either_alphabet_padded_or_not_is_taken(pool: Any) -> None:
    blob = message_class(pool, "edge.Blob")
    message = parse_message(blob, {"data": "aGk=", "parts": ["aGk", "-_8", "+/8=", ""],
                                   "named": {"k": "aGVs\nbG8="}, "wrapped": "aGk"}, pool)
    assert message.data == b"hi"
    assert list(message.parts) == [b"hi", b"\xfb\xff", b"\xfb\xff", b""]
    assert message.named["k"] == b"hello" and message.wrapped.value == b"hi"


ANY_ONLY_PROTO = """
syntax = "proto3";
package anyonly;
import "google/protobuf/any.proto";
message Box { google.protobuf.Any a = 1; }
"""


@pytest.mark.parametrize("inner", [
    {"@type": "type.googleapis.com/google.protobuf.Timestamp", "value": "2024-01-01T00:00:00Z"},
    {"@type": "type.googleapis.com/google.protobuf.Duration", "value": "2s"},
    {"@type": "type.googleapis.com/google.protobuf.Struct", "value": {"k": [1, "a"]}},
    {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "R", "domain": "d"},
])
def test_an_any_holds_a_well_known_type_its_file_does_not_import(
    tmp_path: Path, inner: dict[str, Any],
) -> None:
    from app.grpc.messages import to_json

    proto = tmp_path / "box.proto"
    proto.write_text(ANY_ONLY_PROTO, encoding="utf-8")
    pool = compile_protos([proto], [tmp_path]).pool
    box = message_class(pool, "anyonly.Box")
    message = parse_message(box, {"a": inner}, pool)
    assert dict(to_json(message, pool)["a"]) == inner


def test_reflection_without_the_well_known_files_still_links() -> None:
    # A server's reflection may answer only for its own files. Run in a fresh interpreter:
    # the default pool there holds only what has been imported.
    import subprocess
    import sys

    script = (
        "from google.protobuf import descriptor_pb2\n"
        "from app.grpc.descriptors import pool_from_files\n"
        "f = descriptor_pb2.FileDescriptorProto(name='t.proto', package='t', syntax='proto3',"
        " dependency=['google/protobuf/timestamp.proto', 'google/protobuf/struct.proto'])\n"
        "m = f.message_type.add(name='M')\n"
        "m.field.add(name='at', number=1, type=11, label=1,"
        " type_name='.google.protobuf.Timestamp')\n"
        "print(pool_from_files([f]).FindMessageTypeByName('t.M').fields[0].message_type"
        ".full_name)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2], timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "google.protobuf.Timestamp"


def test_an_any_of_a_type_no_pool_knows_is_shown_opaque_not_failed(pool: Any) -> None:
    # Its type may be in a file the server's reflection did not give, or a .proto file not
    # given: the response stands, that Any shown as grpcurl shows it.
    from google.protobuf import timestamp_pb2

    from app.grpc.messages import to_json

    def unknown(into: Any) -> None:
        into.type_url, into.value = "type.googleapis.com/nowhere.Thing", b"\n\x02hi"

    message = message_class(pool, "edge.Holder")(name={"value": "n"})
    unknown(message.any)
    message.children.add().any.Pack(timestamp_pb2.Timestamp(seconds=1))
    unknown(message.children.add().any)
    unknown(message.children.add().children.add().any)
    opaque = {"@type": "type.googleapis.com/nowhere.Thing", "value": "CgJoaQ=="}
    assert to_json(message, pool) == {
        "any": opaque,
        "name": "n",
        "children": [
            {"any": {"@type": "type.googleapis.com/google.protobuf.Timestamp",
                     "value": "1970-01-01T00:00:01Z"}},
            {"any": opaque},
            {"children": [{"any": opaque}]},
        ],
    }
    assert message.any.value == b"\n\x02hi"  # the message itself is left as it was


def test_an_unknown_key_lists_the_fields_by_their_original_names(pool: Any) -> None:
    # protobuf lists them by their JSON names ("traceId"); templates and responses use
    # the original ones ("trace_id").
    blob = message_class(pool, "edge.Blob")
    assert _usage(blob, {"nope": 1}, pool) == (
        'The message does not fit edge.Blob: edge.Blob has no field "nope"; its fields: '
        "data, parts, named, wrapped, inner, extra, values")
    said = _usage(message_class(pool, "edge.Holder"), {"children": [{}, {"base": {"x": 1}}]},
                  pool)
    assert ('edge.Base has no field "x" at children[1].base; its fields: id, n, s, c, b, f, '
            "big, raw, inf, plain, first, many, colors") in said


@pytest.mark.parametrize(("value", "said"), [
    ({"id": 5}, "id: expected a string, not a number (5)"),
    ({"id": "a", "n": "abc"}, 'n: expected an integer, not a string ("abc")'),
    ({"id": "a", "n": 1.5}, "n: expected an integer, not a number (1.5)"),
    ({"id": "a", "b": "yes"}, 'b: expected true or false, not a string ("yes")'),
    ({"id": "a", "many": 3}, "many: expected an array, not a number (3)"),
    ({"id": "a", "many": [1, "x"]}, 'many[1]: expected an integer, not a string ("x")'),
    ({"id": "a", "f": {}}, "f: expected a number, not an object ({})"),
    ({"id": "a", "c": [1]}, "c: expected one of RED, GREEN, BLUE (or its number), not an "
                            "array ([1])"),
    ({"id": "a", "raw": 5}, "raw: expected a base64 string, not a number (5)"),
])
def test_a_value_of_the_wrong_kind_is_said_in_words(
    pool: Any, value: dict[str, Any], said: str,
) -> None:
    # protobuf says these in Python's words ("expected string or bytes-like object, got
    # 'int'", "invalid literal for int() with base 10").
    assert _usage(message_class(pool, "edge.Base"), value, pool) == (
        f"The message does not fit edge.Base: {said}")


def test_a_wrong_kind_deep_inside_is_named_by_its_path(pool: Any) -> None:
    holder = message_class(pool, "edge.Holder")
    assert _usage(holder, {"children": [{}, {"bases": [{"id": []}]}]}, pool) == (
        "The message does not fit edge.Holder: children[1].bases[0].id: expected a string, "
        "not an array ([])")
    assert _usage(holder, {"base": "x"}, pool) == (
        'The message does not fit edge.Holder: base: expected an object, not a string ("x")')
    blob = message_class(pool, "edge.Blob")
    assert _usage(blob, {"named": {"k": 1}}, pool) == (
        "The message does not fit edge.Blob: named[k]: expected a base64 string, not a "
        "number (1)")
    # What protobuf takes in another form is taken: integers and floats as strings.
    base = parse_message(message_class(pool, "edge.Base"),
                         {"id": "a", "n": "12", "big": "9007199254740993", "f": "1.5",
                          "c": "GREEN", "many": [1, 2.0]}, pool)
    assert (base.n, base.big, base.f, list(base.many)) == (12, 9007199254740993, 1.5, [1, 2])
