"""``spyglass run`` as a user runs it: a child process, its exit statuses (0, 1, 2, 130),
its reports, SIGINT in the middle of a slow request."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from tests.runner.conftest import write_workspace
from tests.runner.test_engine import chain, request

ROOT = Path(__file__).resolve().parents[2]


def spyglass(*args: str, cwd: Path, env: dict[str, str] | None = None,
             timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def test_exit_0_when_every_assert_passes(pg: str, tmp_path: Path) -> None:
    write_workspace(tmp_path / "ws", chain(pg))
    done = spyglass("run", "ws", "--var", "user=zed", "-r", "cli", "-r", "junit", "-r", "json",
                    "-o", "reports", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("PASS  POST Shop/Log in  200")
    assert lines[-1].startswith("3 requests (3 passed); 5 asserts, 0 failed")
    data = json.loads((tmp_path / "reports" / "spyglass-report.json").read_text())
    assert data["summary"]["passed"] == 3 and data["summary"]["exit_code"] == 0
    suite = ET.parse(tmp_path / "reports" / "spyglass-report.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "3" and suite.get("failures") == "0"
    assert "Traceback" not in done.stderr


def test_exit_1_when_an_assert_fails_or_a_request_cannot_be_sent(
        pg: str, tmp_path: Path, closed_port: int) -> None:
    write_workspace(tmp_path / "ws", {
        "A/ok.yaml": request("Ok", f"{pg}/status/500",
                             asserts=[{"target": "status", "op": "eq", "value": 500}])})
    assert spyglass("run", "ws", cwd=tmp_path).returncode == 0  # a 500 is an answer
    write_workspace(tmp_path / "ws", {
        "A/ok.yaml": request("Ok", f"{pg}/status/500",
                             asserts=[{"target": "status", "op": "lt", "value": 500}])})
    done = spyglass("run", "ws", "-r", "junit", "-o", "out", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    root = ET.parse(tmp_path / "out" / "spyglass-report.xml").getroot()
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None and "status lt 500" in (failure.get("message") or "")
    assert failure.text == "actual: 500"
    write_workspace(tmp_path / "down", {
        "A/x.yaml": request("Down", f"http://127.0.0.1:{closed_port}/")})
    done = spyglass("run", "down", "--timeout", "5", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout.startswith("ERROR GET A/Down")


def test_exit_2_on_usage_and_config_errors_and_nothing_is_sent(tmp_path: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.setblocking(False)
    port = listener.getsockname()[1]
    try:
        write_workspace(tmp_path / "ws", {
            "A/1.yaml": request("First", f"http://127.0.0.1:{port}/"),
            "A/2.yaml": "name: Broken\nasserts:\n  - {target: status, op: eqq, value: 1}\n"})
        done = spyglass("run", "ws", cwd=tmp_path)
        assert done.returncode == 2
        assert f"{tmp_path / 'ws' / 'A' / '2.yaml'}:3" in done.stderr
        assert "unknown op 'eqq'" in done.stderr and "nothing was sent" in done.stderr
        with pytest.raises(BlockingIOError):
            listener.accept()  # no connection came
    finally:
        listener.close()
    (tmp_path / "ws" / "A" / "2.yaml").unlink()
    (tmp_path / "data.csv").write_text("other\n1\n")
    write_workspace(tmp_path / "ws2", {"A/u.yaml": request("U", "http://127.0.0.1:9/{{user}}")})
    for args, message in [
        (["ws2", "--data", "data.csv"], "data.csv: no column 'user'"),
        (["ws2", "--data", "missing.csv"], "missing.csv: cannot read"),
        (["ws2", "--env", "prod"], "no environment 'prod'"),
        (["nowhere"], "no such file"),
        (["ws2", "--var", "novalue"], "not NAME=VALUE"),
        (["ws2", "--iterations", "0"], "less than 1"),
        (["ws2", "--reporter", "xml"], "invalid choice"),
    ]:
        done = spyglass("run", *args, cwd=tmp_path)
        assert done.returncode == 2, (args, done.stderr)
        assert message in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr


def test_exit_130_on_sigint_with_the_partial_report(pg: str, tmp_path: Path) -> None:
    write_workspace(tmp_path / "ws", {
        "S/1.yaml": request("Quick", f"{pg}/status/200",
                            asserts=[{"target": "status", "op": "eq", "value": 200}]),
        "S/2.yaml": request("Slow", f"{pg}/delay/5"),
        "S/3.yaml": request("Never", f"{pg}/status/200")})
    child = subprocess.Popen(
        [sys.executable, "-m", "app", "run", "ws", "-r", "cli", "-r", "junit", "-r", "json",
         "-o", "out"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert child.stdout is not None
        first = child.stdout.readline()
        assert first.startswith("PASS  GET S/Quick")
        time.sleep(0.5)  # the slow one is in flight
        begun = time.monotonic()
        child.send_signal(signal.SIGINT)
        rest, err = child.communicate(timeout=10)
    finally:
        child.kill()
    assert child.returncode == 130, err
    assert time.monotonic() - begun < 3  # at once, not when the 5 s delay ends
    assert "interrupted: the report is partial" in rest
    data = json.loads((tmp_path / "out" / "spyglass-report.json").read_text())
    assert data["interrupted"] is True
    assert [(r["name"], r["outcome"]) for r in data["results"]] == [
        ("Quick", "passed"), ("Slow", "error")]
    root = ET.parse(tmp_path / "out" / "spyglass-report.xml").getroot()
    assert root.get("tests") == "2" and root.get("errors") == "1"


def test_spyglass_cli_entry_point_and_help(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", "import sys; from app.cli import main; "
                           "sys.exit(main(['run', '--help']))"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    for flag in ("--env", "--var", "--data", "--iterations", "--bail", "--delay", "--timeout",
                 "--insecure", "--reporter", "--output", "--filter", "--parallel"):
        assert flag in done.stdout
    assert "spyglass run PATH" in spyglass("--help", cwd=tmp_path).stdout
