"""The engine against the playground: captures chaining, data files, iterations, bail,
parallel runs in order, cancelling, environments and secrets, and the reports."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import yaml

from app.runner import (
    Outcome,
    RequestResult,
    RunConfigError,
    Runner,
    RunSettings,
    html_report,
    json_report,
    junit_report,
    prepare_run,
    write_reports,
)
from app.storage.secrets import MemorySecrets, SecretStore, SecretsUnavailable
from app.storage.workspace import Workspace
from tests.runner.conftest import write_workspace

TOKEN_PREFIX = "tok-7f3a"


def request(name: str, url: str, *, method: str = "GET", body: object = None,
            asserts: list[dict[str, object]] | None = None,
            captures: list[dict[str, object]] | None = None,
            headers: list[dict[str, str]] | None = None) -> str:
    data: dict[str, object] = {"name": name, "method": method, "url": url}
    if headers:
        data["headers"] = headers
    if body is not None:
        data["body"] = {"kind": "json", "text": json.dumps(body)}
    if asserts:
        data["asserts"] = asserts
    if captures:
        data["captures"] = captures
    return yaml.safe_dump(data, sort_keys=False)


def chain(pg: str) -> dict[str, str]:
    """Log in -> a token (secret) -> create with it -> read it back with the id."""
    return {
        "Shop/1-login.yaml": request(
            "Log in", f"{pg}/echo/login", method="POST",
            body={"token": f"{TOKEN_PREFIX}-{{{{user}}}}", "user": "{{user}}"},
            asserts=[{"target": "status", "op": "eq", "value": 200}],
            captures=[{"name": "token", "from": "body.json.token", "secret": True}]),
        "Shop/2-create.yaml": request(
            "Create", f"{pg}/echo/items", method="POST",
            headers=[{"name": "Authorization", "value": "Bearer {{token}}"}],
            body={"id": 41, "seen": "{{token}}"},
            asserts=[{"target": "body.json.seen", "op": "eq", "value": "{{token}}"}],
            captures=[{"name": "item", "from": "body.json.id"}]),
        "Shop/3-read.yaml": request(
            "Read", f"{pg}/echo/items/{{{{item}}}}?auth={{{{token}}}}",
            asserts=[{"target": "body.path", "op": "eq", "value": "/echo/items/41"},
                     {"target": "body.query[0][1]", "op": "eq", "value": "{{token}}"},
                     {"target": "body.query_dict.auth[0]", "op": "matches",
                      "value": f"^{TOKEN_PREFIX}"}]),
    }


async def test_captures_chain_through_three_requests(pg: str, tmp_path: Path) -> None:
    write_workspace(tmp_path, chain(pg))
    seen: list[RequestResult] = []
    plan = prepare_run(tmp_path, MemorySecrets())
    runner = Runner(plan, RunSettings(variables={"user": "ann"}), on_result=seen.append)
    report = await runner.run()
    assert [r.name for r in report.results] == ["Log in", "Create", "Read"]
    assert [r.outcome for r in report.results] == [Outcome.PASSED] * 3, \
        [r.failures for r in report.results]
    assert seen == report.results  # reported live, in order
    assert runner.runtime == {"token": f"{TOKEN_PREFIX}-ann", "item": "41"}
    assert report.results[0].captures[0].value == "•••"  # a secret capture, masked
    assert report.results[1].captures[0].value == "41"
    assert f"{TOKEN_PREFIX}-ann" not in report.results[2].url
    # Nothing written anywhere holds the secret: not the workspace, not a report.
    written = write_reports(report, ["json", "junit", "html"], tmp_path / "out")
    assert len(written) == 3
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert set(written) < set(files)
    for path in files:
        assert f"{TOKEN_PREFIX}-ann".encode() not in path.read_bytes(), path


async def test_a_chain_broken_by_a_missing_capture_fails_where_it_breaks(
        pg: str, tmp_path: Path) -> None:
    files = chain(pg)
    files["Shop/1-login.yaml"] = files["Shop/1-login.yaml"].replace("body.json.token",
                                                                      "body.json.nothing")
    write_workspace(tmp_path, files)
    report = await Runner(prepare_run(tmp_path, MemorySecrets()),
                          RunSettings(variables={"user": "x"})).run()
    login, create, _read = report.results
    assert login.outcome is Outcome.FAILED and "body.json.nothing is absent" in login.failures[0]
    assert create.outcome is Outcome.ERROR and "{{token}}" in create.error
    assert report.exit_code == 1


@pytest.mark.parametrize("kind", ["csv", "json"])
async def test_data_file_rows_are_iterations(pg: str, tmp_path: Path, kind: str) -> None:
    write_workspace(tmp_path / "ws", {"Users/hello.yaml": request(
        "Hello", f"{pg}/echo?user={{{{user}}}}",
        asserts=[{"target": "body.query_dict.user[0]", "op": "eq", "value": "{{user}}"},
                 {"target": "body.query_dict.user[0]", "op": "in", "value": ["ann", "bob"]}])})
    data = tmp_path / f"users.{kind}"
    if kind == "csv":
        data.write_text("user,age\nann,31\nbob,42\ncyd,7\n")
    else:
        data.write_text(json.dumps([{"user": "ann"}, {"user": "bob", "age": 3},
                                    {"user": "cyd"}]))
    plan = prepare_run(tmp_path / "ws", MemorySecrets(), data_file=data)
    report = await Runner(plan).run()
    assert report.iterations == 3
    assert [(r.iteration, r.outcome) for r in report.results] == [
        (1, Outcome.PASSED), (2, Outcome.PASSED), (3, Outcome.FAILED)]
    # --iterations beyond the rows cycles through them
    report = await Runner(prepare_run(tmp_path / "ws", MemorySecrets(), data_file=data),
                          RunSettings(iterations=4)).run()
    assert [r.outcome for r in report.results][-1] is Outcome.PASSED


def test_a_data_file_that_lacks_a_column_or_cannot_be_read_stops_the_run(
        pg: str, tmp_path: Path) -> None:
    write_workspace(tmp_path / "ws", {"U/a.yaml": request("A", f"{pg}/echo?u={{{{user}}}}")})
    cases = {"no-column.csv": ("name\nann\n", "no column 'user'"),
             "rows.json": ('[{"user": "a"}, {"name": "b"}]', "no column 'user' in row 2"),
             "broken.json": ("[{", "not JSON"),
             "scalars.json": ("[1, 2]", "array of objects"),
             "ragged.csv": ("user,b\nann\n", "line 2 has 1 values for 2 columns"),
             "empty.csv": ("", "empty"),
             "latin1.csv": (None, "not UTF-8")}
    for name, (text, message) in cases.items():
        data = tmp_path / name
        if text is None:
            data.write_bytes(b"user\n\xe9\xff\n")
        else:
            data.write_text(text)
        with pytest.raises(RunConfigError) as caught:
            prepare_run(tmp_path / "ws", MemorySecrets(), data_file=data)
        assert str(data) in str(caught.value) and message in str(caught.value), caught.value
    with pytest.raises(RunConfigError, match=r"missing\.csv: cannot read"):
        prepare_run(tmp_path / "ws", MemorySecrets(), data_file=tmp_path / "missing.csv")
    # a column that --var or the environment already gives is not needed
    (tmp_path / "other.csv").write_text("x\n1\n")
    prepare_run(tmp_path / "ws", MemorySecrets(), data_file=tmp_path / "other.csv",
                variables={"user": "v"})


async def test_bail_stops_at_the_first_failure(pg: str, tmp_path: Path) -> None:
    write_workspace(tmp_path, {
        "B/1.yaml": request("One", f"{pg}/status/200",
                            asserts=[{"target": "status", "op": "eq", "value": 200}]),
        "B/2.yaml": request("Two", f"{pg}/status/503",
                            asserts=[{"target": "status", "op": "lt", "value": 500}]),
        "B/3.yaml": request("Three", f"{pg}/status/200")})
    plan = prepare_run(tmp_path, MemorySecrets())
    report = await Runner(plan, RunSettings(bail=True, iterations=2)).run()
    assert [r.name for r in report.results] == ["One", "Two"]
    assert report.bailed and report.exit_code == 1
    report = await Runner(prepare_run(tmp_path, MemorySecrets()), RunSettings()).run()
    assert len(report.results) == 3 and not report.bailed


async def test_parallel_runs_at_once_and_keeps_order(pg: str, tmp_path: Path) -> None:
    files = {f"P/{i}.yaml": request(f"R{i}", f"{pg}/delay/0.4?i={i}",
                                    asserts=[{"target": "body.query[0][1]", "op": "eq",
                                              "value": str(i)}])
             for i in range(6)}
    write_workspace(tmp_path, files)
    finished: list[int] = []
    begun = time.perf_counter()
    report = await Runner(prepare_run(tmp_path, MemorySecrets()), RunSettings(parallel=6),
                          on_result=lambda r: finished.append(r.index)).run()
    elapsed = time.perf_counter() - begun
    assert elapsed < 6 * 0.4 / 2, elapsed
    assert [r.name for r in report.results] == [f"R{i}" for i in range(6)]
    assert all(r.outcome is Outcome.PASSED for r in report.results)
    assert sorted(finished) == list(range(6))


async def test_parallel_waits_for_the_captures_a_request_uses(pg: str,
                                                              tmp_path: Path) -> None:
    files = chain(pg)
    files["Shop/1-login.yaml"] = files["Shop/1-login.yaml"].replace("/echo/login",
                                                                      "/delay/0.3")
    write_workspace(tmp_path, files)
    report = await Runner(prepare_run(tmp_path, MemorySecrets()),
                          RunSettings(parallel=3, variables={"user": "p"})).run()
    assert [r.outcome for r in report.results] == [Outcome.PASSED] * 3, \
        [r.failures for r in report.results]


async def test_cancel_stops_at_once_with_a_partial_report(pg: str, tmp_path: Path) -> None:
    write_workspace(tmp_path, {"C/1.yaml": request("Quick", f"{pg}/status/200"),
                               "C/2.yaml": request("Slow", f"{pg}/delay/5"),
                               "C/3.yaml": request("Never", f"{pg}/status/200")})
    runner = Runner(prepare_run(tmp_path, MemorySecrets()))
    task = asyncio.ensure_future(runner.run())
    await asyncio.sleep(0.6)
    begun = time.perf_counter()
    runner.cancel()
    report = await asyncio.wait_for(task, 2)
    assert time.perf_counter() - begun < 1
    assert report.interrupted and report.exit_code == 130
    assert [(r.name, r.outcome) for r in report.results] == [
        ("Quick", Outcome.PASSED), ("Slow", Outcome.ERROR)]
    assert report.results[1].error == "interrupted"


async def test_delay_between_requests(pg: str, tmp_path: Path) -> None:
    write_workspace(tmp_path, {f"D/{i}.yaml": request(f"D{i}", f"{pg}/status/204")
                               for i in range(3)})
    begun = time.perf_counter()
    await Runner(prepare_run(tmp_path, MemorySecrets()), RunSettings(delay_ms=200)).run()
    assert time.perf_counter() - begun >= 0.4


async def test_a_request_that_cannot_be_sent_is_an_error(closed_port: int,
                                                         tmp_path: Path) -> None:
    write_workspace(tmp_path, {"E/a.yaml": request("Refused", f"http://127.0.0.1:{closed_port}/"),
                               "E/b.yaml": request("Unset", "http://{{host}}/")})
    report = await Runner(prepare_run(tmp_path, MemorySecrets()),
                          RunSettings(timeout=5)).run()
    assert [r.outcome for r in report.results] == [Outcome.ERROR, Outcome.ERROR]
    assert "{{host}}" in report.results[1].error
    assert report.exit_code == 1


async def test_a_fault_of_ours_with_one_request_is_its_error_not_the_runs_end(
        pg: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    # Such a fault (a gRPC response protobuf could not show once was one) stopped the run
    # with no report and the requests after it never sent.
    import app.runner.engine

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(app.runner.engine, "grpc_exchange", broken)
    write_workspace(tmp_path, {
        "F/a.yaml": yaml.safe_dump({"name": "Call", "url": "grpc://127.0.0.1:9", "mode": "grpc",
                                    "grpc": {"method": "pkg.Svc/Get", "message": "{}"}}),
        "F/b.yaml": request("After", f"{pg}/echo/after",
                            asserts=[{"target": "status", "op": "eq", "value": 200}])})
    report = await Runner(prepare_run(tmp_path, MemorySecrets()), RunSettings(timeout=5)).run()
    assert [r.outcome for r in report.results] == [Outcome.ERROR, Outcome.PASSED]
    assert report.results[0].error == "unexpected error: RuntimeError: boom"
    assert report.exit_code == 1
    assert "unexpected failure running Call" in caplog.text
    assert "boom" in junit_report(report)


async def test_large_bodies_are_counted_not_kept(pg: str, tmp_path: Path) -> None:
    write_workspace(tmp_path, {"L/a.yaml": request(
        "Big", f"{pg}/bytes/300000", asserts=[{"target": "size", "op": "eq", "value": 300000},
                                              {"target": "body", "op": "contains", "value": "x"}])})
    report = await Runner(prepare_run(tmp_path, MemorySecrets()),
                          RunSettings(max_checked_body=100_000)).run()
    size, body = report.results[0].asserts
    assert size.passed and not body.passed
    assert "larger than the 100,000 bytes" in body.message


class _NoKeyring(SecretStore):
    def get(self, ref: str) -> str | None:
        raise SecretsUnavailable("no keyring here")

    def set(self, ref: str, value: str) -> None:
        raise SecretsUnavailable("no keyring here")

    def delete(self, ref: str) -> None:
        raise SecretsUnavailable("no keyring here")

    def available(self) -> bool:
        return False


async def test_secrets_come_from_the_keyring_or_spyglass_var(pg: str, tmp_path: Path) -> None:
    store = MemorySecrets()
    Workspace(tmp_path, store).save_environment(
        "ci", {"base": pg, "api_key": {"value": "k-123-secret", "secret": True}})
    write_workspace(tmp_path, {"S/a.yaml": request(
        "Key", "{{base}}/echo?key={{api_key}}",
        asserts=[{"target": "body.query[0][1]", "op": "eq", "value": "k-123-secret"}])})
    report = await Runner(prepare_run(tmp_path, store, environment="ci")).run()
    assert report.results[0].outcome is Outcome.PASSED
    assert "k-123-secret" not in json_report(report) + junit_report(report) + html_report(report)
    # No keyring (a CI machine): SPYGLASS_VAR_API_KEY gives it, and a warning says why.
    plan = prepare_run(tmp_path, _NoKeyring(), environment="ci",
                       environ={"SPYGLASS_VAR_API_KEY": "k-123-secret"})
    report = await Runner(plan).run()
    assert report.results[0].outcome is Outcome.PASSED
    plan = prepare_run(tmp_path, _NoKeyring(), environment="ci", environ={})
    assert any("SPYGLASS_VAR_api_key" in w for w in plan.warnings)
    with pytest.raises(RunConfigError, match="no environment 'prod'"):
        prepare_run(tmp_path, store, environment="prod")


def test_an_unreadable_request_file_stops_everything(tmp_path: Path) -> None:
    write_workspace(tmp_path, {"A/good.yaml": request("Good", "http://127.0.0.1:9/"),
                               "A/bad.yaml": "name: Bad\nurl: [unclosed\n"})
    with pytest.raises(RunConfigError) as caught:
        prepare_run(tmp_path, MemorySecrets())
    assert f"{tmp_path / 'A' / 'bad.yaml'}:" in str(caught.value)


def test_paths_filter_and_workspace_order(tmp_path: Path) -> None:
    write_workspace(tmp_path, {"Shop/b.yaml": request("Beta", "http://x/"),
                               "Shop/a.yaml": request("Alpha", "http://x/"),
                               "Shop/Orders/o.yaml": request("Order", "http://x/"),
                               "Admin/u.yaml": request("Users", "http://x/")})
    def names(path: Path, text_filter: str = "") -> list[str]:
        return [i.label for i in prepare_run(path, MemorySecrets(),
                                             text_filter=text_filter).items]
    assert names(tmp_path) == ["Admin/Users", "Shop/Beta", "Shop/Alpha", "Shop/Orders/Order"]
    assert names(tmp_path / "Shop") == ["Shop/Beta", "Shop/Alpha", "Shop/Orders/Order"]
    assert names(tmp_path / "Shop" / "Orders") == ["Shop/Orders/Order"]
    assert names(tmp_path / "Shop" / "a.yaml") == ["Shop/Alpha"]
    assert names(tmp_path, "orders") == ["Shop/Orders/Order"]
    with pytest.raises(RunConfigError, match="no requests to run matching 'zzz'"):
        names(tmp_path, "zzz")
    with pytest.raises(RunConfigError, match="no such file"):
        names(tmp_path / "nope")


async def test_junit_report_shape(pg: str, tmp_path: Path) -> None:
    write_workspace(tmp_path, {
        "Shop/a.yaml": request("A <&>", f"{pg}/status/200", asserts=[
            {"target": "status", "op": "eq", "value": 201},
            {"target": "status", "op": "lt", "value": 100},
            {"target": "status", "op": "gt", "value": 100}]),
        "Shop/Orders/b.yaml": request("B", f"{pg}/status/200"),
        "Other/ws.yaml": "name: Socket\nmode: websocket\nurl: ws://127.0.0.1:9/\n"})
    report = await Runner(prepare_run(tmp_path, MemorySecrets())).run()
    root = ET.fromstring(junit_report(report))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("3", "1", "1")
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"Shop", "Shop/Orders", "Other"}
    (case,) = suites["Shop"].findall("testcase")
    assert case.get("name") == "A <&>" and case.get("classname") == "Shop"
    assert len(case.findall("failure")) == 2
    assert suites["Other"].find("testcase/skipped") is not None
    for suite in suites.values():
        for attribute in ("name", "tests", "failures", "errors", "skipped", "time",
                          "timestamp", "hostname", "id", "package"):
            assert suite.get(attribute) is not None
    page = html_report(report)
    assert "A &lt;&amp;&gt;" in page and "A <&>" not in page
    assert "<script" not in page and "http" not in page.split("<body>")[0].replace(
        "http-equiv", "")
