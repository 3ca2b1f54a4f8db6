"""``spyglass run`` (SPEC §9): run a workspace, a folder or a request file and check its
asserts, for CI.

::

    spyglass run PATH [--env NAME] [--var NAME=VALUE]... [--data FILE] [--iterations N]
        [--bail] [--delay MS] [--timeout S] [--insecure] [--reporter cli|json|junit|html]...
        [--output DIR] [--filter TEXT] [--parallel N]

Exit status: 0 every assert passed; 1 an assert or capture failed or a request could not be
sent (a 4xx or 5xx is an answer: it fails only by an assert); 2 a usage or configuration
error (a request file that cannot be read, an unknown environment, a data file that cannot
be read or lacks a column): nothing is sent; 130 interrupted (SIGINT), after the partial
report is written. The ``cli`` reporter writes to standard output; the others write files
into ``--output`` (default: the current folder), named in ``app.runner.reports``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import threading
from pathlib import Path
from typing import Any, TextIO

from app.runner import (
    REPORTERS,
    RequestResult,
    RunConfigError,
    Runner,
    RunReport,
    RunSettings,
    cli_line,
    cli_summary,
    prepare_run,
    write_reports,
)
from app.runner.results import EXIT_USAGE
from app.storage.secrets import SecretStore

__all__ = ["add_run_parser", "run_command"]

PROG = "spyglass run"


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is less than 1")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text} is not a number of seconds above 0")
    return value


def _assignment(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE")
    return name.strip(), value


def add_run_parser(commands: Any) -> argparse.ArgumentParser:
    """Add ``run`` to the ``spyglass`` command line's subparsers."""
    run: argparse.ArgumentParser = commands.add_parser(
        "run", help="run requests and check their asserts (for CI)",
        description="Send the requests of a workspace, a folder or a request file in order, "
                    "check their asserts and pass their captures on. Exit status: 0 all "
                    "passed, 1 a check failed or a request could not be sent, 2 a usage or "
                    "configuration error (nothing sent), 130 interrupted.")
    run.add_argument("path", metavar="PATH", help="a workspace, a folder in one, or a request file")
    run.add_argument("--env", "-e", metavar="NAME", default=None,
                     help="the environment whose variables to use")
    run.add_argument("--var", metavar="NAME=VALUE", action="append", type=_assignment,
                     default=[], help="a variable, above the environment and data; repeatable")
    run.add_argument("--data", "-d", metavar="FILE", default=None,
                     help="a CSV or JSON data file: one iteration a row, columns are variables")
    run.add_argument("--iterations", "-n", metavar="N", type=_positive_int, default=None,
                     help="how many times to run (default: once a data row, or once)")
    run.add_argument("--bail", action="store_true", help="stop at the first failure")
    run.add_argument("--delay", metavar="MS", type=_non_negative_int, default=0,
                     help="milliseconds to wait between requests")
    run.add_argument("--timeout", metavar="S", type=_seconds, default=None,
                     help="seconds each request may take, the whole exchange")
    run.add_argument("--insecure", "-k", action="store_true",
                     help="do not check TLS certificates")
    run.add_argument("--reporter", "-r", choices=REPORTERS, action="append", default=None,
                     help="cli (standard output), json, junit or html; repeatable "
                          "(default: cli)")
    run.add_argument("--output", "-o", metavar="DIR", default=None,
                     help="the folder for report files (default: the current folder)")
    run.add_argument("--filter", metavar="TEXT", default="",
                     help="run only the requests whose folder/name or file name holds TEXT")
    run.add_argument("--parallel", metavar="N", type=_positive_int, default=1,
                     help="requests in flight at once (default 1; the report keeps order)")
    return run


def _print(out: TextIO, text: str) -> None:
    print(text, file=out, flush=True)


async def _run(runner: Runner) -> RunReport:
    """The run, SIGINT stopping it the way the window's Stop does: the requests in flight
    are abandoned and the partial report comes back."""
    loop = asyncio.get_running_loop()
    installed = False
    if threading.current_thread() is threading.main_thread():
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGINT, runner.cancel)
            installed = True
    try:
        return await runner.run()
    finally:
        if installed:
            loop.remove_signal_handler(signal.SIGINT)


def _previous_sigint() -> Any:
    with contextlib.suppress(ValueError):  # not the main thread
        return signal.getsignal(signal.SIGINT)
    return None


def run_command(args: argparse.Namespace, secrets: SecretStore, out: TextIO,
                err: TextIO) -> int:
    """``spyglass run`` with parsed ``args``; the exit status."""
    reporters = args.reporter or ["cli"]
    try:
        plan = prepare_run(args.path, secrets, environment=args.env, variables=dict(args.var),
                           data_file=args.data, text_filter=args.filter)
        settings = RunSettings(variables=dict(args.var), iterations=args.iterations,
                               delay_ms=args.delay, bail=args.bail, timeout=args.timeout,
                               insecure=args.insecure, parallel=args.parallel)
    except (RunConfigError, ValueError) as exc:
        _print(err, f"{PROG}: {exc}")
        return EXIT_USAGE
    for warning in plan.warnings:
        _print(err, f"{PROG}: warning: {warning}")

    def show(result: RequestResult) -> None:
        if "cli" in reporters:
            _print(out, cli_line(result))

    runner = Runner(plan, settings, on_result=show)
    runner.report.environment = args.env
    runner.report.target = args.path
    previous = _previous_sigint()
    try:
        report = asyncio.run(_run(runner))
    except KeyboardInterrupt:  # a SIGINT before the handler was in place
        report = runner.report
        report.interrupted = True
    finally:
        if previous is not None:
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(signal.SIGINT, previous)
    if "cli" in reporters:
        _print(out, cli_summary(report))
    folder = Path(args.output) if args.output else Path.cwd()
    try:
        for path in write_reports(report, reporters, folder):
            _print(err, f"{PROG}: report written to {path}")
    except OSError as exc:
        _print(err, f"{PROG}: cannot write the report into {folder}: {exc.strerror or exc}")
        return max(report.exit_code, 1) if not report.interrupted else report.exit_code
    return report.exit_code
