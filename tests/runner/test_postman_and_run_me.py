"""End to end against the playground: a Postman collection with ``pm.test`` scripts,
imported and run, passes and fails as its scripts say; the Getting-started "Run me" folder
passes under ``spyglass run``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app.interchange import import_text
from app.interchange.model import Folder, ImportResult
from app.interchange.workspace_io import import_into
from app.model.getting_started import RUN_ME_FOLDER, run_me
from app.runner import (
    Outcome,
    RunConfigError,
    Runner,
    RunSettings,
    plan_of_models,
    prepare_run,
)
from app.storage.secrets import MemorySecrets
from app.storage.workspace import Workspace
from tests.runner.test_cli_run import spyglass


def _test(name: str, *lines: str) -> str:
    return f"pm.test({json.dumps(name)}, function () {{\n" + "\n".join(
        "    " + line for line in lines) + "\n});"


def _item(name: str, method: str, path: str, script: list[str], *,
          body: object = None, bearer: bool = True) -> dict[str, object]:
    request: dict[str, object] = {"method": method, "url": "{{playground}}" + path}
    if bearer:
        request["auth"] = {"type": "bearer",
                           "bearer": [{"key": "token", "value": "{{token}}"}]}
    if body is not None:
        request["body"] = {"mode": "raw", "raw": json.dumps(body),
                           "options": {"raw": {"language": "json"}}}
    return {"name": name, "request": request,
            "event": [{"listen": "test", "script": {"type": "text/javascript",
                                                    "exec": script}}]}


#: Each pm.test states in its name whether it passes against the playground's demo API.
COLLECTION = {
    "info": {"name": "Demo", "schema": "https://schema.getpostman.com/json/collection/"
                                       "v2.1.0/collection.json"},
    "item": [
        _item("Log in", "POST", "/demo/login", [
            "var jsonData = pm.response.json();",
            _test("PASS status", "pm.response.to.have.status(200);"),
            _test("PASS user", "pm.expect(jsonData.user).to.eql('ada');"),
            _test("FAIL user", 'pm.expect(jsonData.user).to.eql("bob");'),
            'pm.environment.set("token", jsonData.token);',
        ], body={"user": "ada", "password": "lovelace"}, bearer=False),
        _item("Create", "POST", "/demo/items", [
            _test("PASS created", "pm.expect(pm.response.code).to.eql(201);"),
            _test("PASS location", 'pm.response.to.have.header("Location");'),
            _test("FAIL missing header", 'pm.response.to.have.header("X-Nope");'),
            _test("PASS fast", "pm.expect(pm.response.responseTime).to.be.below(5000);"),
            "pm.collectionVariables.set('itemId', pm.response.json().id);",
        ], body={"name": "Lamp", "tags": ["a", "b"]}),
        _item("Read", "GET", "/demo/items/{{itemId}}", [
            "const item = pm.response.json();",
            _test("PASS name", "pm.expect(item.name).to.eql('Lamp');"),
            _test("PASS second tag", "pm.expect(pm.response.json().tags[1]).to.eql('b');"),
            _test("FAIL status", "pm.response.to.have.status(404);"),
            _test("PASS tag count", "pm.expect(item.tags).to.have.lengthOf(2);"),
            # Not translated: kept in the notes, and counted by neither side.
            "if (item.name) { console.log(item.name); }",
        ]),
    ],
}


def _stated(doc: dict[str, object]) -> tuple[int, int]:
    names = [line for item in doc["item"]  # type: ignore[attr-defined]
             for line in item["event"][0]["script"]["exec"] if line.startswith("pm.test(")]
    return (sum('"PASS' in n for n in names), sum('"FAIL' in n for n in names))


async def test_an_imported_collection_passes_and_fails_as_its_scripts_say(
        pg: str, tmp_path: Path) -> None:
    result = import_text(json.dumps(COLLECTION))
    assert any("'Read': test script not translated" in w for w in result.warnings)
    store = MemorySecrets()
    import_into(Workspace(tmp_path, store), result)
    plan = prepare_run(tmp_path, store)
    report = await Runner(plan, RunSettings(variables={"playground": pg})).run()
    assert [r.name for r in report.results] == ["Log in", "Create", "Read"]
    assert all(not r.error for r in report.results), [r.error for r in report.results]
    asserts = [a for r in report.results for a in r.asserts]
    passed = sum(a.passed for a in asserts)
    assert (passed, len(asserts) - passed) == _stated(COLLECTION) == (8, 3)
    assert [r.outcome for r in report.results] == [Outcome.FAILED] * 3
    # The captures chained: the token (secret, masked) and the id reached the next requests.
    assert report.results[2].url.endswith("/demo/items/1")
    assert [(c.capture.name, c.capture.secret, c.ok) for r in report.results
            for c in r.captures] == [("token", True, True), ("itemId", False, True)]
    read = Workspace(tmp_path, store).load_request(plan.items[2].path)
    assert "if (item.name) { console.log(item.name); }" in read.notes


def _run_me_workspace(root: Path) -> Path:
    store = MemorySecrets()
    folder = Folder(RUN_ME_FOLDER, requests=run_me())
    import_into(Workspace(root, store), ImportResult("spyglass", collections=[folder]))
    return root / RUN_ME_FOLDER


def test_run_me_passes_under_spyglass_run(pg: str, tmp_path: Path) -> None:
    folder = _run_me_workspace(tmp_path / "ws")
    done = spyglass("run", str(folder), "--var", f"playground={pg}", "-r", "cli", "-r", "json",
                    "-o", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines[:7]] == ["PASS"] * 7
    assert lines[-1].startswith("7 requests (7 passed)")
    report = (tmp_path / "out" / "spyglass-report.json").read_text()
    data = json.loads(report)
    assert data["summary"]["exit_code"] == 0
    # The token is a secret capture: masked wherever the report would show it.
    (capture,) = data["results"][0]["captures"]
    assert capture["name"] == "demo_token" and capture["ok"] and capture["secret"]
    assert capture["value"] == "\u2022" * 3
    assert data["results"][0]["asserts"][1]["actual"] == "\u2022" * 3
    # The captured id went into the URLs that follow.
    assert re.fullmatch(re.escape(pg) + r"/demo/items/\d+", data["results"][2]["url"])


def test_run_me_fails_without_the_playground_variable(tmp_path: Path) -> None:
    folder = _run_me_workspace(tmp_path / "ws")
    done = spyglass("run", str(folder), cwd=tmp_path)
    assert done.returncode == 1  # nothing could be sent
    assert "not sent: Unresolved variable {{playground}} in the url" in done.stdout
    assert done.stdout.splitlines()[-1].startswith("7 requests (7 error)")


async def test_run_me_runs_from_memory_with_its_variables_masked(pg: str) -> None:
    """The window runs the folder without a workspace (``plan_of_models``): the chain passes,
    a secret value the requests use is masked in every result (here the playground's port,
    which every URL holds), and an empty folder cannot start."""
    port = pg.rsplit(":", 1)[1]
    plan = plan_of_models(run_me(), RUN_ME_FOLDER, variables={"playground": pg},
                          secret_values=[port, ""])
    assert plan.workspace is None and plan.secret_values == [port]
    report = await Runner(plan, RunSettings()).run()
    assert report.target == RUN_ME_FOLDER
    assert [r.outcome for r in report.results] == [Outcome.PASSED] * 7
    assert all(r.url.startswith("http://127.0.0.1:•••/demo/") for r in report.results)
    assert port not in json.dumps([r.__dict__ for r in report.results], default=str)
    with pytest.raises(RunConfigError, match="Run me: no requests to run"):
        plan_of_models([], RUN_ME_FOLDER)
