"""The index's quick read of a request file agrees with the full YAML parser whenever it
answers, and answers for the files Spyglass writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from app.model.request import AuthKind, AuthModel, BodyKind, BodyModel, KeyValue, RequestModel
from app.storage.index import WorkspaceIndex, quick_fields
from app.storage.secrets import MemorySecrets
from app.storage.workspace import Workspace

FIELDS = ("name", "method", "mode", "url")


def full_fields(text: str) -> dict[str, Any] | None:
    """The fields as the full parser reads them; None when it fails or finds no mapping."""
    try:
        data = yaml.load(text, Loader=yaml.CSafeLoader)
    except (yaml.YAMLError, ValueError):
        return None
    if data is None:
        return {}
    if not isinstance(data, dict):
        return None
    return {k: data[k] for k in FIELDS if k in data}


TRICKY = [
    "name: a\nmethod: GET\n", "name: 'it''s'\nurl: '{{base}}/x?a=1'\n", 'name: "q"\n',
    'name: "a\\"b"\n', "url: 'x\nname: y'\n", "a: [\nname: x]\n", "name: x\n  - y\n",
    "---\nname: 1\n---\nb: 2\n", "name: 123\n", "name: true\n", "name: null\n", "name: ~\n",
    "name:\n", "name: x # c\n", "name: a#b\n", "  name: x\n  method: y\n",
    "name: &a 'x\nmethod: y'\n", 'name: "abc\\\nmethod: z"\n', "x: !!str 'a\nname: b'\n",
    "name: 2024-01-01\n", "name: x\nname: y\n", "name: |\n  block\n",
    "method: GET\nparams: []\nheaders: {}\n", 'name: "x" # c\n', "\ufeffname: x\n",
    "name: x\r\nmethod: y\r\n", "- a\n- b\n", "just text\n", "name: 0x10\n", "name: .inf\n",
    "name: x\n\n  continued\n", "# comment\nname: x\n", "name: x\nbody:\n  text: 'a\nname: z'\n",
    "name: x\nh: !!binary aGk=\n", "name: x\na: *nope\n", "name: x\nb:\n  <<: 1\n",
    "name: x\nb: =\n", "name: x\nb:\n  ? - a\n  : c\n", "name: x\nbody: |\n  {'a\nurl: y'\n",
    "name: x\nb:\n  - |\n    [x\n  - 'y\nurl: z'\n", "name: x\nb:\n- k: |\n  url: 'z\n",
    "name: x\nb:\n  - k: |\n    url: 'z\nmethod: y'\n", "name: x\n\tmethod: y\n",
]


@pytest.mark.parametrize("text", TRICKY)
def test_a_quick_answer_is_the_full_parsers(text: str) -> None:
    quick = quick_fields(text)
    assert quick is None or quick == full_fields(text)


LINES = st.sampled_from([
    "name: a", "name: 'b c'", 'url: "x"', "method: GET", "mode: sse", "url: '{{b}}/x?a=1'",
    "body: |", "  text", "  'open", "  - |", "    [x", "  - 'y", "b:", "  - k: |", "    v: 'w",
    "url: 'open", "close'", "name: true", "name: 12", "  k: v", "- item", "# note", "",
    "name: x # y", "h: [a,", "b]", "k: &a v", "r: *a", "---", "name: \"a\\\"", "q: 'it''s'",
])


@settings(max_examples=400, deadline=None)
@given(st.lists(LINES, max_size=12))
def test_any_arrangement_of_lines_is_read_right_or_left_to_the_parser(lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    quick = quick_fields(text)
    assert quick is None or quick == full_fields(text)


def test_the_files_spyglass_writes_are_read_quickly(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, MemorySecrets())
    model = RequestModel(
        name="List: 'all' items #1", method="PATCH", url="{{base}}/items?page=1&q=a b",
        params=[KeyValue("page", "1")], headers=[KeyValue("Accept", "application/json")],
        body=BodyModel(kind=BodyKind.JSON, text='{\n  "a": [1, {"b": "c"}]\n}\n'),
        auth=AuthModel(kind=AuthKind.BEARER, token="t"))
    path = ws.save_request("Shop", model, "list")
    text = path.read_text()
    assert quick_fields(text) == full_fields(text)
    (entry,) = WorkspaceIndex(ws).scan()[0].requests
    assert (entry.name, entry.method, entry.url) == (model.name, "PATCH", model.url)


@settings(max_examples=150, deadline=None)
@given(name=st.text(max_size=40), url=st.text(max_size=60), method=st.text(min_size=1, max_size=8),
       body=st.text(max_size=80))
def test_whatever_a_request_holds_its_file_is_read_as_the_full_parser_reads_it(
        tmp_path_factory: pytest.TempPathFactory, name: str, url: str, method: str,
        body: str) -> None:
    ws = Workspace(tmp_path_factory.mktemp("ws"), MemorySecrets())
    model = RequestModel(name=name, method=method, url=url,
                         body=BodyModel(kind=BodyKind.TEXT, text=body))
    text = ws.save_request("C", model, "r").read_text(encoding="utf-8")
    quick = quick_fields(text)
    assert quick is None or quick == full_fields(text)


def test_a_trailing_no_break_space_is_kept_as_yaml_keeps_it() -> None:
    # Found by the property above: YAML trims spaces and tabs, not every Unicode space.
    text = "name: ''\nmethod: ;\xa0\nbody:\n  kind: text\n"
    assert quick_fields(text) == full_fields(text) == {"name": "", "method": ";\xa0"}
