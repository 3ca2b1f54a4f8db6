"""The ``html`` report: one file, its style inline, nothing fetched, every text escaped
(names, URLs, values and messages come from files and servers nobody vouched for)."""

from __future__ import annotations

import html
import time

from app.runner.results import Outcome, RequestResult, RunReport

__all__ = ["html_report"]

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em}table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
.passed{color:#16794c}.failed,.error{color:#b42318}.skipped{color:#777}
code{font-family:ui-monospace,monospace;word-break:break-all}ul{margin:2px 0 2px 1em;padding:0}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _row(result: RequestResult) -> str:
    cls = result.outcome.value
    status = "" if result.status is None else f"{result.status} {_e(result.reason)}"
    time_ms = "" if result.time_ms is None else f"{result.time_ms:.0f} ms"
    details = []
    for a in result.asserts:
        mark = "passed" if a.passed else "failed"
        actual = f" (actual: <code>{_e(a.actual)}</code>)" if a.actual else ""
        why = f": {_e(a.message)}" if a.message else ""
        details.append(f'<li class="{mark}"><code>{_e(a.assertion.target)} '
                       f"{_e(a.assertion.op.value)} {_e(a.expected)}</code>{why}{actual}</li>")
    for c in result.captures:
        mark = "passed" if c.ok else "failed"
        what = (f"{_e(c.capture.name)} = <code>{_e(c.value)}</code>" if c.ok
                else _e(c.message))
        details.append(f'<li class="{mark}">capture {what}</li>')
    if result.error:
        details.append(f'<li class="{cls}">{_e(result.error)}</li>')
    checks = f"<ul>{''.join(details)}</ul>" if details else ""
    return (f'<tr><td class="{cls}">{_e(cls)}</td><td>{result.iteration}</td>'
            f"<td>{_e(result.label)}</td><td><code>{_e(result.method)} {_e(result.url)}"
            f"</code></td><td>{status}</td><td>{time_ms}</td><td>{checks}</td></tr>")


def html_report(report: RunReport) -> str:
    """A page with the summary and a table of every request and its checks."""
    passed, failed = report.assert_counts
    counts = ", ".join(f"{report.count(o)} {o.value}" for o in Outcome)
    started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(report.started or time.time()))
    state = (" — interrupted, partial" if report.interrupted
             else " — stopped at the first failure" if report.bailed else "")
    rows = "\n".join(_row(r) for r in report.results)
    env = f", environment {_e(report.environment)}" if report.environment else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Spyglass run: {_e(report.target)}</title><style>{_STYLE}</style></head>
<body><h1>Spyglass run: {_e(report.target)}</h1>
<p>{_e(started)}{env}; {len(report.results)} requests ({_e(counts)}); {passed + failed}
asserts, {failed} failed; {report.duration:.2f} s{_e(state)}</p>
<table><thead><tr><th>Result</th><th>#</th><th>Request</th><th>Sent</th><th>Status</th>
<th>Time</th><th>Checks</th></tr></thead>
<tbody>
{rows}
</tbody></table></body></html>
"""
