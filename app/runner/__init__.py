"""The collection runner (SPEC §9): asserts, captures, the engine and its reports. No Qt:
``spyglass run`` and the window's runner both drive :class:`Runner`.

::

    plan = prepare_run(path, secrets, environment="dev", data_file="users.csv")
    report = await Runner(plan, RunSettings(bail=True), on_result=print).run()
    write_reports(report, ["junit"], Path("reports"))
"""

from app.runner.asserts import AssertResult, ResponseFacts, evaluate
from app.runner.captures import CaptureResult, take
from app.runner.engine import DEFAULT_MAX_CHECKED_BODY, Runner, RunSettings, check_response
from app.runner.plan import (
    RunConfigError,
    RunItem,
    RunPlan,
    plan_of_models,
    prepare_run,
    read_data_file,
)
from app.runner.reports import (
    REPORTERS,
    cli_line,
    cli_summary,
    html_report,
    json_report,
    junit_report,
    write_reports,
)
from app.runner.results import Outcome, RequestResult, RunReport

__all__ = [
    "DEFAULT_MAX_CHECKED_BODY",
    "REPORTERS",
    "AssertResult",
    "CaptureResult",
    "Outcome",
    "RequestResult",
    "ResponseFacts",
    "RunConfigError",
    "RunItem",
    "RunPlan",
    "RunReport",
    "RunSettings",
    "Runner",
    "check_response",
    "cli_line",
    "cli_summary",
    "evaluate",
    "html_report",
    "json_report",
    "junit_report",
    "plan_of_models",
    "prepare_run",
    "read_data_file",
    "take",
    "write_reports",
]
