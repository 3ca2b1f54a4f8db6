"""The asserts and captures of request files: read, written back unchanged, and refused with
the file and the line when they cannot be used; any text at all gives the project's own
error, never another."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.model.checks import (
    AssertModel,
    AssertOp,
    CaptureModel,
    CheckError,
    TargetKind,
    parse_asserts,
    parse_captures,
    parse_target,
)
from app.model.request import RequestModel
from app.storage.secrets import MemorySecrets
from app.storage.workspace import Workspace, WorkspaceError


def test_targets() -> None:
    assert parse_target("status").kind is TargetKind.STATUS
    assert parse_target("time_ms").kind is TargetKind.TIME_MS
    assert parse_target("size").kind is TargetKind.SIZE
    assert parse_target("body").kind is TargetKind.BODY
    header = parse_target("header.X-Request-Id")
    assert header.kind is TargetKind.HEADER and header.header == "X-Request-Id"
    for text in ("body.a.b", "body.$.a.b", "body[0]", "body$.a", "body.$..id",
                 "body.items[?@.price < 10].name", "body.$['a b']"):
        target = parse_target(text)
        assert target.kind is TargetKind.JSON and target.query is not None, text


@pytest.mark.parametrize("text", ["", "  ", "stat", "header.", "header.a b", "bodyx",
                                  "body.$.[", "body.a[?@.x ==]", "body.$$", "time", 7, None,
                                  "body." + "[" * 3000])
def test_bad_targets_are_refused(text: object) -> None:
    with pytest.raises(CheckError):
        parse_target(text)


def test_parse_asserts_and_captures() -> None:
    asserts = parse_asserts([{"target": "status", "op": "eq", "value": 200},
                             {"target": "body.id", "op": "exists"},
                             {"target": "time_ms", "op": "lt", "value": "{{limit}}",
                              "enabled": False}])
    assert asserts == [AssertModel("status", AssertOp.EQ, 200),
                       AssertModel("body.id", AssertOp.EXISTS),
                       AssertModel("time_ms", AssertOp.LT, "{{limit}}", False)]
    captures = parse_captures([{"name": "token", "from": "body.token", "secret": True}])
    assert captures == [CaptureModel("token", "body.token", True)]


@pytest.mark.parametrize(("data", "where"), [
    ([{"target": "status", "op": "equals", "value": 1}], ("asserts", 0, "op")),
    ([{"target": "status"}], ("asserts", 0, "target")),
    ([{"target": "nope", "op": "eq"}], ("asserts", 0, "target")),
    ([{"target": "status", "op": "gt", "value": "ten"}], ("asserts", 0, "value")),
    ([{"target": "status", "op": "gt"}], ("asserts", 0, "op")),
    ([{"target": "status", "op": "length", "value": -1}], ("asserts", 0, "value")),
    ([{"target": "status", "op": "type", "value": "float"}], ("asserts", 0, "value")),
    ([{"target": "body", "op": "matches", "value": "("}], ("asserts", 0, "value")),
    ([{"target": "status", "op": "exists", "value": "yes"}], ("asserts", 0, "value")),
    ([{"target": "status", "op": "in", "value": 3}], ("asserts", 0, "value")),
    ([{"target": "status", "op": "eq", "colour": 1}], ("asserts", 0, "colour")),
    ([{"target": "status", "op": "eq", "enabled": "no"}], ("asserts", 0, "enabled")),
    ("status eq 200", ("asserts",)),
    (["status"], ("asserts", 0)),
])
def test_bad_asserts_say_where(data: object, where: tuple[object, ...]) -> None:
    with pytest.raises(CheckError) as caught:
        parse_asserts(data)
    assert caught.value.where == where


def test_bad_captures_say_where() -> None:
    for data, where in [([{"name": "a b", "from": "body"}], ("captures", 0, "name")),
                        ([{"name": "a", "from": "body.["}], ("captures", 0, "from")),
                        ([{"name": "a", "from": "status", "secret": 1}],
                         ("captures", 0, "secret"))]:
        with pytest.raises(CheckError) as caught:
            parse_captures(data)
        assert caught.value.where == where


def test_a_workspace_round_trips_checks_and_writes_them_only_when_present(
        tmp_path: Path) -> None:
    workspace = Workspace(tmp_path, MemorySecrets())
    plain = workspace.save_request("API", RequestModel(name="Plain", url="http://x"))
    assert "asserts" not in plain.read_text() and "captures" not in plain.read_text()
    model = RequestModel(name="Checked", url="http://x", asserts=[
        AssertModel("status", AssertOp.IN, [200, 201]),
        AssertModel("body.$.a[0]", AssertOp.EXISTS),
        AssertModel("header.ETag", AssertOp.MATCHES, '^"', enabled=False)],
        captures=[CaptureModel("token", "body.token", secret=True),
                  CaptureModel("etag", "header.ETag")])
    path = workspace.save_request("API", model)
    assert workspace.load_request(path) == model
    before = path.read_bytes()
    workspace.save_request("API", workspace.load_request(path))
    assert path.read_bytes() == before  # an unchanged request rewrites nothing
    text = path.read_text()
    assert "from: body.token" in text and "secret: true" in text
    assert RequestModel.from_dict(model.to_dict()) == model


BAD_FILE = """\
name: Login
url: http://127.0.0.1/login
asserts:
  - target: status
    op: eq
    value: 200
  - target: body.token
    op: equal
    value: x
"""


@pytest.mark.parametrize(("old", "new", "line"), [
    ("op: equal", "op: equal", 8),
    ("op: equal", "op: eq\n  - target: body.$.[\n    op: exists", 9),
    ("op: equal\n    value: x", "op: gt\n    value: ten", 9),
])
def test_a_bad_check_names_the_file_and_line(tmp_path: Path, old: str, new: str,
                                             line: int) -> None:
    path = tmp_path / "API" / "login.yaml"
    path.parent.mkdir()
    path.write_text(BAD_FILE.replace(old, new))
    with pytest.raises(WorkspaceError) as caught:
        Workspace(tmp_path, MemorySecrets()).load_request(path)
    assert str(caught.value).startswith(f"{path}:{line}: "), str(caught.value)


def test_bad_captures_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("name: A\nurl: http://x\ncaptures:\n  - name: t\n    from: status\n"
                    "  - {name: u, from: 'hdr.X'}\n")
    with pytest.raises(WorkspaceError, match=rf"^{path}:6: .*unknown target 'hdr.X'"):
        Workspace(tmp_path, MemorySecrets()).load_request(path)


_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                     st.text(max_size=30))
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
_ops = st.sampled_from([o.value for o in AssertOp]) | st.text(max_size=8)
_targets = (st.sampled_from(["status", "time_ms", "size", "body", "header.X"])
            | st.text(max_size=30).map(lambda t: "body." + t) | st.text(max_size=30))
_assert_items = st.fixed_dictionaries({"target": _targets, "op": _ops},
                                      optional={"value": _values, "enabled": _values})
_capture_items = st.fixed_dictionaries({"name": st.text(max_size=10), "from": _targets},
                                       optional={"secret": _values})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_values, st.lists(_assert_items | _values, max_size=5)),
       st.one_of(_values, st.lists(_capture_items | _values, max_size=5)))
def test_any_data_gives_checks_or_a_check_error(asserts: object, captures: object) -> None:
    for parse, data in ((parse_asserts, asserts), (parse_captures, captures)):
        with contextlib.suppress(CheckError):  # any other exception fails the test
            parse(data)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_target_text_parses_or_is_a_check_error(text: str) -> None:
    for candidate in (text, "body." + text, "body" + text, "header." + text):
        with contextlib.suppress(CheckError):
            parse_target(candidate)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=200))
def test_any_request_file_text_reads_or_is_a_workspace_error(tmp_path: Path,
                                                             text: str) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("name: R\nurl: http://x\nasserts:\n" + text, encoding="utf-8")
    with contextlib.suppress(WorkspaceError):
        Workspace(tmp_path, MemorySecrets()).load_request(path)
