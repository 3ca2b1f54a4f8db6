"""Every op on every target kind, against real answers of the playground: each assert is run
through the engine and its pass or fail compared with what it should be."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from app.model.checks import AssertModel, AssertOp
from app.runner import Outcome, Runner, RunSettings, prepare_run
from app.runner.asserts import ResponseFacts, evaluate
from app.storage.secrets import MemorySecrets
from tests.runner.conftest import write_workspace

CT = "application/json; charset=utf-8"
DOCUMENT = {"s": "abc", "n": 5, "f": 1.5, "b": True, "z": None, "a": [1, 2, 3],
            "o": {"k": "v"}, "u": "ünï"}

# (target, op, value, passes): a request POSTs DOCUMENT to /echo, which answers it back
# under "json" (with the method, path, query and headers).
ECHO_CASES: list[tuple[str, str, Any, bool]] = [
    # status
    ("status", "eq", 200, True), ("status", "eq", "200", True), ("status", "eq", 201, False),
    ("status", "neq", 404, True), ("status", "neq", 200, False),
    ("status", "gt", 199, True), ("status", "gt", 200, False),
    ("status", "gte", 200, True), ("status", "gte", 201, False),
    ("status", "lt", 300, True), ("status", "lt", 200, False),
    ("status", "lte", 200, True), ("status", "lte", 199, False),
    ("status", "in", [200, 201], True), ("status", "in", [404, 500], False),
    ("status", "in", "204, 200", True),
    ("status", "contains", 20, True), ("status", "contains", 4, False),
    ("status", "matches", r"^2\d\d$", True), ("status", "matches", "^4", False),
    ("status", "exists", None, True), ("status", "exists", False, False),
    ("status", "type", "integer", True), ("status", "type", "number", True),
    ("status", "type", "string", False),
    ("status", "length", 3, False),  # a number has no length
    # time_ms
    ("time_ms", "lt", 60000, True), ("time_ms", "gt", 60000, False),
    ("time_ms", "gte", 0, True), ("time_ms", "lte", 0.0001, False),
    ("time_ms", "type", "number", True), ("time_ms", "exists", True, True),
    ("time_ms", "eq", -1, False), ("time_ms", "neq", -1, True),
    ("time_ms", "in", [-1, -2], False), ("time_ms", "matches", r"^\d", True),
    ("time_ms", "contains", "x", False), ("time_ms", "length", 1, False),
    # size
    ("size", "gt", 100, True), ("size", "lt", 100, False), ("size", "neq", 0, True),
    ("size", "eq", 0, False), ("size", "type", "integer", True),
    ("size", "gte", 1, True), ("size", "lte", 1, False), ("size", "in", [0], False),
    ("size", "contains", "x", False), ("size", "matches", r"^\d+$", True),
    ("size", "exists", None, True), ("size", "length", 0, False),
    # header.<name>
    ("header.Content-Type", "eq", CT, True), ("header.content-type", "eq", CT, True),
    ("header.Content-Type", "neq", CT, False), ("header.Content-Type", "contains", "json", True),
    ("header.Content-Type", "contains", "html", False),
    ("header.Content-Type", "matches", "^application/json", True),
    ("header.Content-Type", "matches", "^text/", False),
    ("header.Content-Type", "in", [CT, "text/plain"], True),
    ("header.Content-Type", "in", ["text/plain"], False),
    ("header.Content-Type", "type", "string", True),
    ("header.Content-Type", "type", "object", False),
    ("header.Content-Type", "length", len(CT), True),
    ("header.Content-Type", "length", 1, False),
    ("header.Content-Length", "gt", 10, True), ("header.Content-Length", "lt", 10, False),
    ("header.Content-Length", "gte", 10, True), ("header.Content-Length", "lte", 10, False),
    ("header.X-Missing", "exists", False, True), ("header.X-Missing", "exists", True, False),
    ("header.X-Missing", "eq", "x", False), ("header.Content-Type", "exists", None, True),
    # body
    ("body", "contains", '"method": "POST"', True), ("body", "contains", "DELETE", False),
    ("body", "matches", r'"path":\s*"/echo"', True), ("body", "matches", "^<html", False),
    ("body", "type", "string", True), ("body", "type", "array", False),
    ("body", "exists", None, True), ("body", "eq", "", False), ("body", "neq", "", True),
    ("body", "length", 0, False), ("body", "in", ["a", "b"], False),
    ("body", "gt", 1, False), ("body", "gte", 1, False),  # text is not a number
    ("body", "lt", 1, False), ("body", "lte", 1, False),
    # body.<JSONPath>
    ("body.json.s", "eq", "abc", True), ("body.$.json.s", "eq", "abd", False),
    ("body.json.n", "eq", 5, True), ("body.json.n", "eq", "5", True),
    ("body.json.n", "eq", "five", False),
    ("body.json.n", "neq", 6, True), ("body.json.n", "neq", 5, False),
    ("body.json.n", "gt", 4, True), ("body.json.n", "gt", 5, False),
    ("body.json.f", "gte", 1.5, True), ("body.json.f", "lt", 2, True),
    ("body.json.f", "lte", 1.4, False), ("body.json.s", "gt", 1, False),
    ("body.json.b", "eq", True, True), ("body.json.b", "eq", "true", True),
    ("body.json.b", "eq", False, False), ("body.json.b", "type", "boolean", True),
    ("body.json.z", "eq", None, True), ("body.json.z", "type", "null", True),
    ("body.json.z", "exists", True, True),
    ("body.json.a", "contains", 2, True), ("body.json.a", "contains", 9, False),
    ("body.json.a", "length", 3, True), ("body.json.a", "length", 2, False),
    ("body.json.a", "eq", [1, 2, 3], True), ("body.json.a", "type", "array", True),
    ("body.json.a[*]", "eq", [1, 2, 3], True), ("body.json.a[?@ > 1]", "eq", [2, 3], True),
    ("body.json.a[-1]", "eq", 3, True),
    ("body.json.o", "contains", "k", True), ("body.json.o", "contains", "q", False),
    ("body.json.o", "eq", {"k": "v"}, True), ("body.json.o", "type", "object", True),
    ("body.json.o", "length", 1, True), ("body.json.o.k", "in", ["v", "w"], True),
    ("body.json.s", "in", ["x", "y"], False), ("body.json.s", "matches", "^a.c$", True),
    ("body.json.s", "matches", "^b", False), ("body.json.s", "length", 3, True),
    ("body.json.u", "eq", "ünï", True), ("body.json['u']", "length", 3, True),
    ("body.json.missing", "exists", False, True), ("body.json.missing", "exists", None, False),
    ("body.json.missing", "eq", 1, False), ("body.json.s", "type", "integer", False),
    ("body.method", "eq", "POST", True), ("body.json.n", "type", "number", True),
]


def _request(name: str, url: str, cases: list[tuple[str, str, Any, bool]],
             body: str | None = None) -> str:
    data: dict[str, Any] = {"name": name, "method": "POST" if body else "GET", "url": url}
    if body is not None:
        data["body"] = {"kind": "json", "text": body}
    data["asserts"] = [{"target": t, "op": op, **({} if v is None else {"value": v})}
                       for t, op, v, _ in cases]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


async def _run(tmp_path: Path, files: dict[str, str]) -> list[Any]:
    write_workspace(tmp_path, files)
    plan = prepare_run(tmp_path, MemorySecrets())
    report = await Runner(plan, RunSettings()).run()
    return report.results


def _mismatches(results: list[Any], cases: list[tuple[str, str, Any, bool]]) -> list[str]:
    assert len(results) == len(cases)
    return [f"{t} {op} {v!r}: passed={r.passed}, wanted {want} ({r.message}; actual {r.actual})"
            for (t, op, v, want), r in zip(cases, results, strict=True) if r.passed is not want]


async def test_every_op_on_every_target_kind(pg: str, tmp_path: Path) -> None:
    targets = {case[0].split(".")[0] for case in ECHO_CASES}
    assert targets == {"status", "time_ms", "size", "header", "body"}
    ops_by_kind: dict[str, set[str]] = {}
    for target, op, _, _ in ECHO_CASES:
        kind = "json" if target.startswith("body.") else target.split(".")[0]
        ops_by_kind.setdefault(kind, set()).add(op)
    every = {op.value for op in AssertOp}
    assert all(ops == every for ops in ops_by_kind.values()), ops_by_kind
    results = await _run(tmp_path, {
        "API/echo.yaml": _request("Echo", f"{pg}/echo", ECHO_CASES, json.dumps(DOCUMENT))})
    (result,) = results
    assert result.status == 200 and result.outcome is Outcome.FAILED
    assert _mismatches(result.asserts, ECHO_CASES) == []


async def test_size_of_a_binary_body_and_json_targets_on_it(pg: str, tmp_path: Path) -> None:
    cases: list[tuple[str, str, Any, bool]] = [
        ("size", "eq", 100, True), ("size", "in", [99, 100], True), ("size", "neq", 100, False),
        ("header.Content-Type", "eq", "application/octet-stream", True),
        ("body.x", "exists", None, False),  # not JSON: the assert says so, nothing raises
    ]
    (result,) = await _run(tmp_path, {"B/bytes.yaml": _request("Bytes", f"{pg}/bytes/100",
                                                                 cases)})
    assert _mismatches(result.asserts, cases) == []
    assert "not JSON" in result.asserts[-1].message


async def test_a_4xx_is_an_answer_failed_only_by_its_asserts(pg: str, tmp_path: Path) -> None:
    passing = [("status", "eq", 404, True)]
    failing = [("status", "lt", 400, False)]
    results = await _run(tmp_path, {
        "S/ok.yaml": _request("Not found expected", f"{pg}/status/404", passing),
        "S/bad.yaml": _request("Not found unexpected", f"{pg}/status/500", failing)})
    assert [r.outcome for r in results] == [Outcome.PASSED, Outcome.FAILED]
    assert results[1].asserts[0].actual == "500"


async def test_values_take_variables_and_a_bad_one_fails_alone(pg: str, tmp_path: Path) -> None:
    text = yaml.safe_dump({"name": "V", "url": f"{pg}/status/{{{{code}}}}", "asserts": [
        {"target": "status", "op": "eq", "value": "{{code}}"},
        {"target": "status", "op": "gt", "value": "{{word}}"},
        {"target": "status", "op": "lt", "value": "{{nothing}}"}]})
    write_workspace(tmp_path, {"V/v.yaml": text})
    plan = prepare_run(tmp_path, MemorySecrets())
    report = await Runner(plan, RunSettings(variables={"code": "418", "word": "high"})).run()
    asserts = report.results[0].asserts
    assert [a.passed for a in asserts] == [True, False, False]
    assert "compares numbers" in asserts[1].message
    assert "unresolved variable {{nothing}}" in asserts[2].message


def test_evaluate_never_raises_on_odd_facts() -> None:
    facts = ResponseFacts(200, 1.0, 4, {"X": "1"}, body=b"\xff\xfe[1", charset="utf-8")
    for op in AssertOp:
        for target in ("body", "body.a", "body[0]", "header.X", "status"):
            for value in (None, 1, "x", [1], {"a": 1}, True, "(", 1.5):
                result = evaluate(AssertModel(target, op, value), facts)
                assert isinstance(result.passed, bool)
    dropped = ResponseFacts(200, 1.0, 10, body=None, body_dropped="too large")
    result = evaluate(AssertModel("body", AssertOp.EXISTS), dropped)
    assert not result.passed and result.message == "too large"
