"""gRPC requests in a run, against the playground's gRPC server: the status is the code
(a name compares as its number), the body the response or the stream's array, headers then
trailers; a failed code is an answer that only asserts fail; ``spyglass run``'s exit codes
over a gRPC collection; the getting-started gRPC entries sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import app.grpc
import app.playground
from app.grpc import CallResult
from app.model.checks import AssertModel, AssertOp
from app.model.getting_started import PLAYGROUND_GRPC_VARIABLE, getting_started
from app.model.request import RequestMode
from app.playground.background import BackgroundPlayground
from app.runner import Outcome, Runner, RunSettings, cli_line, plan_of_models, prepare_run
from app.runner.asserts import evaluate
from app.runner.grpc_run import grpc_body, grpc_facts
from app.storage.secrets import MemorySecrets
from tests.runner.conftest import write_workspace
from tests.runner.test_cli_run import spyglass

SERVICE = "spyglass.playground.Playground"


@pytest.fixture(scope="module")
def target() -> Iterator[str]:
    """The playground's gRPC ``host:port``."""
    playground = BackgroundPlayground()
    playground.start()
    assert playground.grpc_target is not None
    yield playground.grpc_target
    app.grpc.close()
    playground.stop()


def call(name: str, url: str, method: str, message: object, *,
         asserts: list[dict[str, object]] | None = None, deadline: float | None = None,
         headers: list[dict[str, str]] | None = None) -> str:
    grpc: dict[str, object] = {"method": f"{SERVICE}/{method}",
                               "message": json.dumps(message)}
    if deadline is not None:
        grpc["deadline"] = deadline
    data: dict[str, object] = {"name": name, "url": url, "mode": "grpc", "grpc": grpc}
    if headers:
        data["headers"] = headers
    if asserts:
        data["asserts"] = asserts
    return yaml.safe_dump(data, sort_keys=False)


def _with_protos(text: str) -> str:
    """A request's file, its method found in the playground's .proto (no reflection)."""
    from app.playground.grpc_server import PROTO

    data = yaml.safe_load(text)
    data["grpc"]["protos"] = [str(PROTO)]
    return yaml.safe_dump(data, sort_keys=False)


def check(target: str, op: str, value: object = None) -> dict[str, object]:
    return {"target": target, "op": op, "value": value}


def collection(url: str) -> dict[str, str]:
    return {
        "G/1-echo.yaml": call(
            "Echo", url, "Echo", {"text": "hi", "repeat": 3},
            headers=[{"name": "X-Who", "value": "{{who}}"}],
            asserts=[check("status", "eq", 0), check("status", "eq", "OK"),
                     check("status", "in", "OK, NOT_FOUND"), check("body.text", "eq", "hihihi"),
                     check("body.metadata['x-who']", "eq", "{{who}}"),
                     check("header.x-playground-method", "eq", "Echo"),
                     check("header.x-playground-trailer", "eq", "done"),
                     check("time_ms", "lt", 10000), check("body", "type", "object")]),
        "G/2-count.yaml": call(
            "Count", url, "Count", {"count": 3},
            asserts=[check("body", "length", 3), check("body[2].total", "eq", "6")]),
        "G/3-sum.yaml": call("Sum", url, "Sum", [{"value": 2}, {"value": 5}],
                             asserts=[check("body.sum", "eq", "7"), check("body.count", "eq", 2)]),
        "G/4-fail.yaml": call("Fail", url, "Fail", {"field": "email"},
                              asserts=[check("status", "eq", "INVALID_ARGUMENT"),
                                       check("status", "neq", 0), check("body", "eq", None)]),
    }


async def test_grpc_requests_run_with_their_asserts(target: str, tmp_path: Path) -> None:
    write_workspace(tmp_path, collection(f"grpc://{target}"))
    seen = []
    report = await Runner(prepare_run(tmp_path, MemorySecrets()),
                          RunSettings(variables={"who": "ada"}), on_result=seen.append).run()
    assert [r.outcome for r in report.results] == [Outcome.PASSED] * 4, [
        r.failures for r in report.results]
    echo, count, _, fail = report.results
    assert (echo.method, echo.url, echo.status, echo.reason) == (
        "GRPC", f"grpc://{target}/{SERVICE}/Echo", 0, "OK")
    assert echo.asserts[1].actual == "0 OK" and echo.size and echo.time_ms is not None
    assert count.asserts[0].actual.startswith("[{\"number\": 1")
    assert (fail.status, fail.reason) == (3, "INVALID_ARGUMENT: text: this field is wrong "
                                             "(on purpose)".replace("text", "email", 1))
    assert report.exit_code == 0 and len(seen) == 4
    assert cli_line(fail).startswith("PASS  GRPC G/Fail  3 INVALID_ARGUMENT: email: ")


async def test_a_failed_code_fails_only_through_asserts(target: str, tmp_path: Path) -> None:
    write_workspace(tmp_path, {
        "G/fail.yaml": call("Fail", target, "Fail", {},
                            asserts=[check("status", "eq", "OK"), check("status", "eq", 0),
                                     check("status", "in", ["OK", "NOT_FOUND"])]),
        "G/slow.yaml": call("Slow", target, "Slow", {"delay": "5s"}, deadline=0.3,
                            asserts=[check("status", "eq", "DEADLINE_EXCEEDED")]),
        "G/no-asserts.yaml": call("Fail quietly", target, "Fail", {})})
    report = await Runner(prepare_run(tmp_path, MemorySecrets())).run()
    fail, slow, quiet = report.results
    assert fail.outcome is Outcome.FAILED and not any(a.passed for a in fail.asserts)
    assert fail.asserts[0].actual == "3 INVALID_ARGUMENT"
    assert "status eq OK: status not equal (actual: 3 INVALID_ARGUMENT)" in fail.failures
    assert slow.outcome is Outcome.PASSED and slow.time_ms is not None and slow.time_ms < 3000
    assert quiet.outcome is Outcome.PASSED and quiet.status == 3
    assert report.exit_code == 1


async def test_the_runs_timeout_bounds_the_deadline(target: str, tmp_path: Path) -> None:
    write_workspace(tmp_path, {"G/slow.yaml": call("Slow", target, "Slow", {"delay": "5s"},
                                                   deadline=30)})
    report = await Runner(prepare_run(tmp_path, MemorySecrets()),
                          RunSettings(timeout=0.3)).run()
    # Not the server's answer, nor the request's deadline: the run's limit, an error as a
    # timeout over HTTP is.
    slow = report.results[0]
    assert slow.outcome is Outcome.ERROR and slow.status == 4
    assert slow.reason == "DEADLINE_EXCEEDED: Deadline Exceeded"
    assert slow.error == ("no answer within 0.3 s, the run's time limit (--timeout, else the "
                          "request's total timeout)")
    assert report.exit_code == 1


async def test_a_request_without_a_deadline_is_bounded_by_its_total_timeout(
    target: str, tmp_path: Path,
) -> None:
    # No deadline and no --timeout: a server that never answers would hold a CI job for
    # good; the request's total timeout (300 s unless set) bounds it as over HTTP.
    text = call("Slow", target, "Slow", {"delay": "5s"})
    write_workspace(tmp_path, {"G/slow.yaml": text.replace(
        "mode: grpc", "mode: grpc\noptions:\n  total_timeout: 0.3")})
    report = await Runner(prepare_run(tmp_path, MemorySecrets())).run()
    slow = report.results[0]
    assert slow.outcome is Outcome.ERROR and slow.error.startswith("no answer within 0.3 s")


async def test_calls_that_cannot_be_made_are_errors(target: str, tmp_path: Path,
                                                     closed_port: int) -> None:
    write_workspace(tmp_path, {
        "G/1-bad-json.yaml": call("Bad JSON", target, "Echo", {}).replace(
            "message: '{}", "message: '{nope"),
        "G/2-bad-field.yaml": call("Bad field", target, "Echo", {"nope": 1}),
        "G/3-no-method.yaml": call("No method", target, "Nope", {}),
        "G/4-unreachable.yaml": call("Unreachable", f"127.0.0.1:{closed_port}", "Echo", {},
                                     asserts=[check("status", "eq", "UNAVAILABLE")]),
        "G/5-http-scheme.yaml": call("HTTP", f"http://{target}", "Echo", {}),
        "G/6-down.yaml": call("Down", f"127.0.0.1:{closed_port}", "Echo", {}),
        "G/7-down-by-file.yaml": _with_protos(call("Down, .proto", f"127.0.0.1:{closed_port}",
                                                   "Echo", {})),
    })
    report = await Runner(prepare_run(tmp_path, MemorySecrets())).run()
    bad_json, bad_field, no_method, unreachable, http, down, down_by_file = report.results
    assert bad_json.outcome is Outcome.ERROR and bad_json.error.startswith(
        "not sent: The message is not JSON")
    assert bad_field.outcome is Outcome.ERROR and "nope" in bad_field.error
    assert no_method.outcome is Outcome.ERROR and f"No method {SERVICE}/Nope" in no_method.error
    # A server that is down is no answer, unless the request checks for it.
    assert unreachable.outcome is Outcome.PASSED and unreachable.status == 14
    assert http.outcome is Outcome.ERROR and "grpc:// or grpcs://" in http.error
    assert down.outcome is Outcome.ERROR and down.status == 14
    assert down.error.startswith(f"UNAVAILABLE: Cannot reach 127.0.0.1:{closed_port}")
    assert down_by_file.outcome is Outcome.ERROR, down_by_file
    assert report.exit_code == 1


async def test_insecure_calls_a_server_whose_certificate_is_not_trusted(
    tmp_path: Path,
) -> None:
    import grpc
    import trustme

    from tests.grpc.servers import SERVICE as INVENTORY
    from tests.grpc.servers import InventoryServer

    cert = trustme.CA().issue_cert("127.0.0.1")
    server = InventoryServer(credentials=grpc.ssl_server_credentials(
        [(cert.private_key_pem.bytes(), cert.cert_chain_pems[0].bytes())]))
    try:
        item = {"name": "Item", "url": f"grpcs://{server.target}", "mode": "grpc",
                "grpc": {"method": f"{INVENTORY}/GetItem", "message": '{"sku": "a"}'}}
        write_workspace(tmp_path, {"G/item.yaml": yaml.safe_dump(item)})
        checked = (await Runner(prepare_run(tmp_path, MemorySecrets())).run()).results[0]
        assert checked.outcome is Outcome.ERROR and "certificate" in checked.error.lower()
        report = await Runner(prepare_run(tmp_path, MemorySecrets()),
                              RunSettings(insecure=True)).run()
        assert report.results[0].outcome is Outcome.PASSED, report.results[0]
        assert report.results[0].status == 0
    finally:
        server.stop()


async def test_proto_paths_through_a_variable_are_under_the_workspace(
    target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The file keeps a path that uses a {{variable}} as written: once filled in, a relative
    # one is the workspace's, wherever the run was started.
    root = tmp_path / "ws"
    (root / "protos").mkdir(parents=True)
    proto = Path(app.playground.__file__).with_name("playground.proto")
    (root / "protos" / "playground.proto").write_bytes(proto.read_bytes())
    request = yaml.safe_load(call("Echo", target, "Echo", {"text": "x"},
                                  asserts=[check("body.text", "eq", "x")]))
    request["grpc"].update(protos=["{{pdir}}/playground.proto"], import_paths=["{{pdir}}"])
    write_workspace(root, {"G/echo.yaml": yaml.safe_dump(request, sort_keys=False)})
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    report = await Runner(prepare_run(root, MemorySecrets()),
                          RunSettings(variables={"pdir": "protos"})).run()
    [echo] = report.results
    assert echo.outcome is Outcome.PASSED, echo.error or echo.failures


def test_body_and_headers_of_a_result() -> None:
    result = CallResult(responses=[{"a": 1}], headers=[("x-a", "h")],
                        trailers=[("x-a", "t"), ("x-b", "t2")])
    assert grpc_body(result, False) == {"a": 1} and grpc_body(result, True) == [{"a": 1}]
    assert grpc_body(result, None) == {"a": 1}
    assert grpc_body(CallResult(responses=[{}, {}]), None) == [{}, {}]
    assert grpc_body(CallResult(code="INTERNAL"), False) is None
    assert grpc_body(CallResult(code="INTERNAL"), True) == []
    facts = grpc_facts(result, 12.0, False)
    assert facts.header_lists == {"x-a": ["h"], "x-b": ["t2"]}
    # Its size is the answers' on the wire (as History gives it), not their JSON's length.
    assert facts.size == 0 and grpc_facts(
        CallResult(responses=[{"a": 1}], received_bytes=2), 1.0).size == 2
    assert facts.json() == {"a": 1} and facts.status == 0 and facts.status_name == "OK"
    dropped = grpc_facts(CallResult(responses=[{"a": "x" * 100}]), 1.0, max_body=50)
    assert dropped.body is None and "larger than the 50 bytes" in dropped.body_dropped
    unknown = grpc_facts(CallResult(code="WHATEVER"), 1.0)
    assert unknown.status == 2
    # A stream's body is the same text json.dumps gives, made a response at a time.
    stream = CallResult(responses=[{"n": n, "s": "é €", "l": [n, {"k": None}]} for n in range(3)])
    body = grpc_facts(stream, 1.0, True).body
    assert body == json.dumps(stream.responses, ensure_ascii=False).encode()
    assert grpc_facts(CallResult(), 1.0, True).body == b"[]"


@pytest.mark.parametrize(("op", "value", "passed"), [
    ("eq", "NOT_FOUND", True), ("eq", "not_found", True), ("eq", 5, True), ("eq", "OK", False),
    ("neq", "OK", True), ("in", "OK, NOT_FOUND", True), ("in", ["ABORTED", 5], True),
    ("in", "OK, ABORTED", False), ("gt", 4, True), ("matches", "^5$", True),
])
def test_status_names_compare_as_their_codes(op: str, value: object, passed: bool) -> None:
    facts = grpc_facts(CallResult(code="NOT_FOUND"), 1.0, False)
    result = evaluate(AssertModel("status", AssertOp(op), value), facts)
    assert result.passed is passed, result.message
    assert result.actual == "5 NOT_FOUND"


def test_exit_codes_of_spyglass_run_on_grpc(target: str, tmp_path: Path) -> None:
    write_workspace(tmp_path / "ws", {
        "G/echo.yaml": call("Echo", "grpc://{{g}}", "Echo", {"text": "x"},
                            asserts=[check("status", "eq", "OK"), check("body.text", "eq", "x")])})
    done = spyglass("run", "ws", "--var", f"g={target}", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[0].startswith("PASS  GRPC G/Echo  0 OK ")
    write_workspace(tmp_path / "ws", {
        "G/echo.yaml": call("Echo", "grpc://{{g}}", "Echo", {"text": "x"},
                            asserts=[check("body.text", "eq", "y")])})
    done = spyglass("run", "ws", "--var", f"g={target}", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "body.text eq y: body.text not equal (actual: x)" in done.stdout
    assert "Traceback" not in done.stderr


async def test_the_getting_started_grpc_entries(target: str) -> None:
    models = [m for m in getting_started() if m.mode is RequestMode.GRPC]
    assert [m.grpc.method.rpartition("/")[2] for m in models] == [
        "Echo", "Count", "Sum", "Chat", "Fail", "Slow", "Large"]
    plan = plan_of_models(models, "Getting started")
    report = await Runner(plan, RunSettings(
        variables={PLAYGROUND_GRPC_VARIABLE: target})).run()
    assert [r.outcome for r in report.results] == [Outcome.PASSED] * len(models), [
        (r.name, r.error, r.failures) for r in report.results]
    statuses = {r.name.split()[1]: r.status for r in report.results}
    assert statuses["unary"] == 0 and statuses["error"] == 3 and statuses["deadline"] == 4
    large = report.results[-1]
    assert large.size is not None and large.size > 1_000_000


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(body=_JSON)
def test_a_large_body_made_json_in_pieces_is_the_same_text(body: object) -> None:
    # Pieces of 3 characters, so that every string longer than that is cut.
    import app.runner.grpc_run as grpc_run

    piece = grpc_run._PIECE
    grpc_run._PIECE = 3
    try:
        assert grpc_run._dumps_in_pieces(body, 2) == json.dumps(body, ensure_ascii=False)
    finally:
        grpc_run._PIECE = piece


def test_the_facts_of_a_large_response_are_those_of_a_small_one() -> None:
    from app.runner.grpc_run import grpc_facts

    body = {"data": "QUJD" * 600_000, "received": "2400000"}
    large = grpc_facts(CallResult(responses=[body], received_bytes=1_800_010), 1.0, False)
    small = grpc_facts(CallResult(responses=[body], received_bytes=10), 1.0, False)
    assert large.body == small.body == json.dumps(body, ensure_ascii=False).encode()
