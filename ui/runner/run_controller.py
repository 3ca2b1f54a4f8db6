"""The view-model of the window's collection runner (SPEC §9): reads the run's plan off the UI
thread (``prepare_run`` reads files and the keyring), drives ``app.runner.Runner`` under one
task key, and narrates the run by signals. It builds no widget.

The same engine as ``spyglass run``: a run has its own sessions (its cookies are not the
window's), with the window's limits, closed when it ends. Cancel stops it at once: requests
in flight are abandoned and reported as interrupted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from app.storage.atomic import write_atomic
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from app.model.limit_settings import LimitSettings
    from app.model.request import RequestModel
    from app.runner import Runner, RunPlan, RunReport, RunSettings
    from app.storage.secrets import SecretStore

__all__ = ["REPORT_FORMATS", "RunController", "RunRequest", "write_report"]

log = logging.getLogger(__name__)

#: The report formats the runner saves, by name: (file filter, suffix).
REPORT_FORMATS = {"junit": ("JUnit XML (*.xml)", ".xml"), "json": ("JSON (*.json)", ".json"),
                  "html": ("HTML (*.html)", ".html")}


@dataclass(frozen=True)
class RunRequest:
    """What to run: a workspace, folder or request file, and how; or, with ``models``,
    requests held in memory (the Getting-started "Run me" folder, named ``collection``),
    their ``{{variables}}`` given by the controller's ``playground``."""

    path: Path
    environment: str | None = None
    data_file: Path | None = None
    models: tuple[RequestModel, ...] = ()
    collection: str = ""


def write_report(report: RunReport, fmt: str, path: Path) -> Path:
    """Write ``report`` as ``fmt`` (``junit``, ``json`` or ``html``) to ``path``, atomically
    (blocking: a worker thread's work); the path written."""
    from app.runner import html_report, json_report, junit_report

    writers = {"junit": junit_report, "json": json_report, "html": html_report}
    if fmt not in writers:
        raise ValueError(f"no report format {fmt!r} (one of {', '.join(writers)})")
    write_atomic(path, writers[fmt](report).encode("utf-8"))
    return path


class RunController(QObject):
    """One run at a time: :meth:`start`, :meth:`cancel`; see the module docstring."""

    #: The plan was read: how many requests the run sends (at most).
    started = Signal(int)
    #: One request done (an app.runner.RequestResult, secrets masked).
    result = Signal(object)
    #: The run ended, cancelled or not: its app.runner.RunReport.
    finished = Signal(object)
    #: The run could not start (a RunConfigError's message: the file, the column...).
    failed = Signal(str)
    #: A report was saved (its Path), or could not be (the message).
    saved = Signal(object)
    save_failed = Signal(str)

    KEY = "runner / run"

    def __init__(self, runner: TaskRunner, secrets: Callable[[], SecretStore],
                 limits: Callable[[], LimitSettings], parent: QObject | None = None, *,
                 playground: Callable[[RequestModel], Awaitable[Mapping[str, str]]]
                 | None = None) -> None:
        super().__init__(parent)
        #: The playground's variables for a request (starting it): what in-memory runs use.
        self._playground = playground
        self._tasks = runner
        self._secrets = secrets
        self._limits = limits
        #: The engine of the run under way (None while its plan is read, and after).
        self._active: Runner | None = None
        self.report: RunReport | None = None

    @property
    def busy(self) -> bool:
        return self._tasks.running(self.KEY)

    def start(self, request: RunRequest, settings: RunSettings) -> None:
        """Run ``request`` (replacing a run under way)."""
        if self._active is not None:
            self._active.cancel()
        self._tasks.cancel(self.KEY)
        self.report = None
        self._tasks.start(self.KEY, self._run(request, settings), on_error=self._on_error,
                          on_result=self._on_report)

    def cancel(self) -> bool:
        """Stop the run at once (its partial report still comes by :attr:`finished`);
        False when none was under way."""
        if self._active is not None:
            self._active.cancel()
            return True
        # Still reading the plan: nothing was sent, there is nothing to report.
        if self._tasks.cancel(self.KEY):
            self.failed.emit("Cancelled before any request was sent.")
            return True
        return False

    async def _run(self, request: RunRequest, settings: RunSettings) -> RunReport:
        from app.model.compose import SessionPool
        from app.model.request import RequestMode
        from app.runner import Runner, prepare_run

        if request.models:
            plan = await self._plan_of_models(request)
        else:
            plan = await asyncio.to_thread(prepare_run, request.path, self._secrets(),
                                           environment=request.environment,
                                           data_file=request.data_file)
        limits = self._limits()
        root = plan.workspace.root if plan.workspace is not None else None
        sessions = SessionPool(limits, workspace_root=lambda: root)
        if any(item.model.mode is RequestMode.GRPC for item in plan.items):
            import app.grpc  # (its first gRPC request would load it)

            # Its gRPC requests go through app.grpc's shared client: the window's limits.
            app.grpc.set_default_settings(limits.grpc_settings())
        runner = Runner(plan, settings, on_result=self.result.emit, sessions=sessions)
        runner.report.environment = request.environment
        self._active = runner
        self.started.emit(runner.total)
        try:
            return await runner.run()
        finally:
            if self._active is runner:  # (a newer run may have taken its place)
                self._active = None
            await sessions.close()

    async def _plan_of_models(self, request: RunRequest) -> RunPlan:
        from app.model.getting_started import PLAYGROUND_TOKEN_VARIABLE
        from app.runner import plan_of_models, read_data_file

        values: dict[str, str] = {}
        if self._playground is not None:
            for model in request.models:
                values.update(await self._playground(model))
        plan = plan_of_models(request.models, request.collection, variables=values,
                              secret_values=[values.get(PLAYGROUND_TOKEN_VARIABLE, "")])
        if request.data_file is not None:
            plan.data_file = request.data_file
            plan.rows = await asyncio.to_thread(read_data_file, request.data_file)
        return plan

    def _on_report(self, report: RunReport) -> None:
        self.report = report
        self.finished.emit(report)

    def _on_error(self, exc: BaseException) -> None:
        from app.runner import RunConfigError

        self._active = None
        if isinstance(exc, RunConfigError | ValueError | OSError):
            self.failed.emit(str(exc))
        else:
            log.error("the run failed", exc_info=exc)
            self.failed.emit(f"The run stopped: {type(exc).__name__}: {exc}")

    def save_report(self, fmt: str, path: Path) -> None:
        """Write the last run's report as ``fmt`` to ``path``, off the UI thread."""
        report = self.report
        if report is None:
            self.save_failed.emit("There is no report yet: run first.")
            return
        self._tasks.start("runner / save report", asyncio.to_thread(write_report, report,
                                                                    fmt, path),
                          on_result=self.saved.emit,
                          on_error=lambda exc: self.save_failed.emit(
                              f"The report was not saved: {exc}"))
