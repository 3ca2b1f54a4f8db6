"""The run's reports (SPEC §9): ``cli`` (a line a request and a summary), ``json``, ``junit``
(one ``testsuite`` a folder, one ``testcase`` a request, a ``failure`` per failed assert, in
the shape of the common Jenkins/Ant JUnit XML schema) and ``html`` (one self-contained file,
every text escaped). Pure text from a :class:`~app.runner.results.RunReport`; only
:func:`write_reports` touches the disk. Secrets were masked by the engine already.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from app.runner.reports_html import html_report
from app.runner.results import Outcome, RequestResult, RunReport
from app.storage.atomic import write_atomic

__all__ = ["REPORTERS", "REPORT_FILES", "cli_line", "cli_summary", "html_report",
           "json_report", "junit_report", "write_reports"]

REPORTERS = ("cli", "json", "junit", "html")
#: The file each file reporter writes in the output folder.
REPORT_FILES = {"json": "spyglass-report.json", "junit": "spyglass-report.xml",
                "html": "spyglass-report.html"}

_MARKS = {Outcome.PASSED: "PASS", Outcome.FAILED: "FAIL", Outcome.ERROR: "ERROR",
          Outcome.SKIPPED: "SKIP"}


def _case_name(result: RequestResult, report: RunReport) -> str:
    return (f"{result.name} [iteration {result.iteration}]" if report.iterations > 1
            else result.name)


def cli_line(result: RequestResult) -> str:
    """One request, with a line under it per failure: ``PASS  GET Shop/Login  200 12 ms
    2/2 asserts``."""
    parts = [f"{_MARKS[result.outcome]:<5} {result.method} {result.label}"]
    if result.status is not None:
        # A gRPC status code says little as a number: its name (and message) with it.
        code = f" {result.reason}" if result.method == "GRPC" and result.reason else ""
        parts.append(f"{result.status}{code} {result.time_ms:.0f} ms")
    if result.asserts:
        passed = sum(1 for a in result.asserts if a.passed)
        parts.append(f"{passed}/{len(result.asserts)} asserts")
    if result.outcome is Outcome.SKIPPED:
        parts.append(f"({result.error})")
    lines = ["  ".join(parts)]
    lines += [f"        - {failure}" for failure in result.failures]
    return "\n".join(lines)


def cli_summary(report: RunReport) -> str:
    """The closing lines: requests by outcome, asserts, time, and how the run ended."""
    passed, failed = report.assert_counts
    counts = ", ".join(f"{report.count(o)} {o.value}" for o in Outcome if report.count(o))
    lines = [f"{len(report.results)} requests ({counts or 'none run'}); "
             f"{passed + failed} asserts, {failed} failed; {report.duration:.2f} s"]
    if report.interrupted:
        lines.append("interrupted: the report is partial")
    elif report.bailed:
        lines.append("stopped at the first failure (--bail)")
    return "\n".join(lines)


def _result_data(result: RequestResult) -> dict[str, Any]:
    return {
        "index": result.index,
        "iteration": result.iteration,
        "name": result.name,
        "folder": result.collection,
        "file": result.path,
        "method": result.method,
        "url": result.url,
        "outcome": result.outcome.value,
        "status": result.status,
        "reason": result.reason,
        "time_ms": result.time_ms,
        "size": result.size,
        "error": result.error,
        "started": _iso(result.started) if result.started else None,
        "asserts": [{"target": a.assertion.target, "op": a.assertion.op.value,
                     "value": a.expected, "passed": a.passed, "actual": a.actual,
                     "message": a.message} for a in result.asserts],
        "captures": [{"name": c.capture.name, "from": c.capture.source,
                      "secret": c.capture.secret, "ok": c.ok, "value": c.value,
                      "message": c.message} for c in result.captures],
    }


def _iso(when: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(when))


def json_report(report: RunReport) -> str:
    """The whole run as JSON: a summary, then every request with its asserts and
    captures."""
    passed, failed = report.assert_counts
    data = {
        "target": report.target,
        "environment": report.environment,
        "started": _iso(report.started) if report.started else None,
        "duration_s": round(report.duration, 3),
        "iterations": report.iterations,
        "interrupted": report.interrupted,
        "bailed": report.bailed,
        "summary": {"requests": len(report.results),
                    **{o.value: report.count(o) for o in Outcome},
                    "asserts": passed + failed, "asserts_failed": failed,
                    "exit_code": report.exit_code},
        "warnings": report.warnings,
        "results": [_result_data(r) for r in report.results],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _suites(report: RunReport) -> dict[str, list[RequestResult]]:
    suites: dict[str, list[RequestResult]] = {}
    for result in report.results:
        suites.setdefault(result.collection or "(workspace)", []).append(result)
    return suites


def _seconds(results: Iterable[RequestResult]) -> str:
    return f"{sum((r.time_ms or 0.0) for r in results) / 1000:.3f}"


def junit_report(report: RunReport) -> str:
    """JUnit XML: ``testsuites``, a ``testsuite`` a folder, a ``testcase`` a request (and
    iteration), a ``failure`` per failed assert or capture, an ``error`` for a request that
    could not be sent, ``skipped`` for one not run."""
    root = ET.Element("testsuites", name=f"spyglass run {report.target}")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    host = platform.node() or "localhost"
    for number, (name, results) in enumerate(_suites(report).items()):
        counts: dict[str, int] = {"tests": len(results),
                  "failures": sum(1 for r in results if r.outcome is Outcome.FAILED),
                  "errors": sum(1 for r in results if r.outcome is Outcome.ERROR),
                  "skipped": sum(1 for r in results if r.outcome is Outcome.SKIPPED)}
        first = min((r.started for r in results if r.started), default=report.started)
        suite = ET.SubElement(root, "testsuite", name=name, tests=str(counts["tests"]),
                              failures=str(counts["failures"]), errors=str(counts["errors"]),
                              skipped=str(counts["skipped"]), time=_seconds(results),
                              timestamp=_iso(first or time.time()), hostname=host,
                              id=str(number), package=name.replace("/", "."))
        for result in results:
            case = ET.SubElement(suite, "testcase", name=_case_name(result, report),
                                 classname=name.replace("/", "."),
                                 time=f"{(result.time_ms or 0.0) / 1000:.3f}",
                                 assertions=str(len(result.asserts)))
            if result.outcome is Outcome.SKIPPED:
                ET.SubElement(case, "skipped", message=result.error)
            if result.outcome is Outcome.ERROR:
                error = ET.SubElement(case, "error", message=result.error, type="RequestError")
                error.text = f"{result.method} {result.url}\n{result.error}"
            for a in result.asserts:
                if not a.passed:
                    failure = ET.SubElement(
                        case, "failure", type="AssertionError",
                        message=f"{a.assertion.target} {a.assertion.op.value} "
                                f"{a.expected}".rstrip() + f": {a.message}")
                    failure.text = f"actual: {a.actual}" if a.actual else a.message
            for c in result.captures:
                if not c.ok:
                    ET.SubElement(case, "failure", type="CaptureError", message=c.message)
            out = ET.SubElement(case, "system-out")
            out.text = (f"{result.method} {result.url} -> "
                        + (f"{result.status} {result.reason}" if result.status is not None
                           else "no response"))
        for key in totals:
            totals[key] += counts[key]
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{report.duration:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") \
        + "\n"


def write_reports(report: RunReport, reporters: Iterable[str], folder: Path) -> list[Path]:
    """Write the file reporters' files into ``folder`` (made when missing), each atomically;
    the paths written. ``cli`` writes no file."""
    writers = {"json": json_report, "junit": junit_report, "html": html_report}
    paths = []
    for name in dict.fromkeys(reporters):
        if name not in writers:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / REPORT_FILES[name]
        write_atomic(path, writers[name](report).encode("utf-8"))
        paths.append(path)
    return paths
