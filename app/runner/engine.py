"""The collection runner's engine (SPEC §9): the same for ``spyglass run`` and the window.

::

    plan = prepare_run("workspace/Shop", secrets, environment="dev")   # blocking: files
    runner = Runner(plan, RunSettings(iterations=2, bail=True), on_result=table.add)
    report = await runner.run()          # runner.cancel() stops it at once, report partial

Requests run in workspace order, each iteration in turn; the values a request captures
become variables of the requests after it (the runtime scope: in memory only, never
written). A body streams past the checks: it is counted, and kept only when an assert or a
capture reads it, and only up to ``max_checked_body`` bytes, then dropped, so a long run
holds no more than one body at a time (``parallel`` at a time with ``parallel`` > 1).

With ``parallel`` > 1, up to that many requests are in flight at once; a request that uses
a variable an earlier one captures waits for that one to finish. The report keeps run
order, and ``on_result`` is called as each finishes (with its ``index`` in run order).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from app.client import ClientError
from app.model.checks import CaptureModel
from app.model.compose import ComposeError, SessionPool, compose
from app.model.graphql_body import operation_kind
from app.model.request import BodyKind, RequestMode, RequestModel
from app.runner.asserts import AssertResult, ResponseFacts, evaluate
from app.runner.captures import CaptureResult, take
from app.runner.grpc_run import grpc_exchange
from app.runner.plan import RunItem, RunPlan
from app.runner.results import Outcome, RequestResult, RunReport
from app.storage.redaction import REDACTED, Redactor

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_MAX_CHECKED_BODY", "RunSettings", "Runner", "check_response"]

#: The largest body kept for the checks that read it; past this, those checks fail saying
#: so (the body is still read to its end, and counted).
DEFAULT_MAX_CHECKED_BODY = 32 * 1024 * 1024
_CHUNK = 64 * 1024


@dataclass
class RunSettings:
    """How to run: ``spyglass run``'s flags, the window's runner dialog."""

    #: ``--var NAME=VALUE``: above the environment and the data row.
    variables: dict[str, str] = field(default_factory=dict)
    #: Iterations; None: one a data row, or one without a data file.
    iterations: int | None = None
    delay_ms: int = 0
    bail: bool = False
    #: Seconds for each request, the whole exchange (None: each request's own options).
    timeout: float | None = None
    insecure: bool = False
    parallel: int = 1
    max_checked_body: int = DEFAULT_MAX_CHECKED_BODY

    def __post_init__(self) -> None:
        if self.iterations is not None and self.iterations < 1:
            raise ValueError("iterations must be at least 1")
        if self.parallel < 1:
            raise ValueError("parallel must be at least 1")
        if self.delay_ms < 0:
            raise ValueError("delay must not be negative")
        if self.timeout is not None and self.timeout <= 0:
            raise ValueError("timeout must be more than 0 seconds")


def check_response(model: RequestModel, facts: ResponseFacts, variables: Mapping[str, str]
                   ) -> tuple[list[AssertResult], list[CaptureResult]]:
    """The enabled asserts and captures of ``model`` checked against ``facts`` (what the
    window's Tests tab shows after a send, too)."""
    asserts = [evaluate(a, facts, variables) for a in model.asserts if a.enabled]
    captures = [take(c, facts) for c in model.captures if c.enabled]
    return asserts, captures


def _needs_body(model: RequestModel) -> bool:
    from app.model.checks import CheckError, parse_target

    sources = [a.target for a in model.asserts if a.enabled]
    sources += [c.source for c in model.captures if c.enabled]
    for source in sources:
        try:
            if parse_target(source).needs_body:
                return True
        except CheckError:
            continue
    return False


@dataclass
class _Job:
    index: int
    iteration: int
    item: RunItem
    row: dict[str, str]
    #: The jobs whose captures this one uses (parallel runs wait for them).
    after: list[int] = field(default_factory=list)


class Runner:
    """Runs a :class:`~app.runner.plan.RunPlan`; see the module docstring. One run an
    object."""

    def __init__(self, plan: RunPlan, settings: RunSettings | None = None, *,
                 on_result: Callable[[RequestResult], None] | None = None,
                 sessions: SessionPool | None = None) -> None:
        self.plan = plan
        self.settings = settings or RunSettings()
        self._on_result = on_result
        self._own_sessions = sessions is None
        root = plan.workspace.root if plan.workspace is not None else None
        self._sessions = sessions or SessionPool(workspace_root=lambda: root)
        #: The runtime scope: values captured so far (never written anywhere).
        self.runtime: dict[str, str] = {}
        self._runtime_writer: dict[str, int] = {}
        self._secrets: set[str] = set(plan.secret_values)
        self._cancelled = False
        self._stop = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        iterations = self.settings.iterations or max(1, len(plan.rows))
        self.report = RunReport(target=plan.target, iterations=iterations,
                                warnings=list(plan.warnings))
        self._results: dict[int, RequestResult] = {}

    @property
    def total(self) -> int:
        """How many requests the run sends when nothing stops it."""
        return self.report.iterations * len(self.plan.items)

    def cancel(self) -> None:
        """Stop now: requests in flight are abandoned and reported as interrupted, the
        rest are not sent. Harmless when the run is over."""
        self._cancelled = True
        self._stop.set()
        for task in list(self._tasks):
            task.cancel()

    def _jobs(self) -> list[_Job]:
        jobs: list[_Job] = []
        last_capture: dict[str, int] = {}
        rows = self.plan.rows
        for iteration in range(1, self.report.iterations + 1):
            row = rows[(iteration - 1) % len(rows)] if rows else {}
            for item in self.plan.items:
                index = len(jobs)
                after = sorted({last_capture[n] for n in item.uses if n in last_capture})
                jobs.append(_Job(index, iteration, item, row, after))
                for name in item.captures:
                    last_capture[name] = index
        return jobs

    async def run(self) -> RunReport:
        """Run to the end (or the first failure with ``bail``, or :meth:`cancel`); the
        report, its results in run order."""
        self.report.started = time.time()
        jobs = self._jobs()
        done = {job.index: asyncio.Event() for job in jobs}
        slots = asyncio.Semaphore(self.settings.parallel)
        try:
            if self.settings.parallel == 1:
                for job in jobs:
                    if self._stop.is_set():
                        break
                    if job.index and self.settings.delay_ms:
                        await self._pause()
                    await self._tracked(self._one(job))
            else:
                await self._run_parallel(jobs, done, slots)
        finally:
            self.report.results = [self._results[i] for i in sorted(self._results)]
            self.report.interrupted = self._cancelled
            self.report.finished = time.time()
            if self._own_sessions:
                await self._sessions.close()
        return self.report

    async def _pause(self) -> None:
        with contextlib.suppress(TimeoutError):  # the delay ran out: no stop came
            await asyncio.wait_for(self._stop.wait(), self.settings.delay_ms / 1000)

    async def _tracked(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        try:
            await task
        except asyncio.CancelledError:
            if not self._cancelled:
                raise  # the caller's own cancellation: pass it on
        finally:
            self._tasks.discard(task)

    async def _run_parallel(self, jobs: list[_Job], done: dict[int, asyncio.Event],
                            slots: asyncio.Semaphore) -> None:
        async def worker(job: _Job) -> None:
            try:
                for before in job.after:
                    await done[before].wait()
                async with slots:
                    if self._stop.is_set():
                        return
                    await self._tracked(self._one(job))
                    if self.settings.delay_ms:
                        await self._pause()
            finally:
                done[job.index].set()

        workers = [asyncio.ensure_future(worker(job)) for job in jobs]
        try:
            await asyncio.gather(*workers)
        finally:
            for task in workers:
                task.cancel()

    async def _one(self, job: _Job) -> None:
        item = job.item
        model = item.model
        grpc = model.mode is RequestMode.GRPC
        method = "GRPC" if grpc else model.method.strip().upper() or "GET"
        result = RequestResult(job.index, job.iteration, model.name, item.collection,
                               str(item.path), method, model.url, Outcome.PASSED,
                               started=time.time())
        self._results[job.index] = result
        variables = {**item.collection_variables, **self.plan.environment,
                     **self.plan.from_process, **job.row, **self.settings.variables,
                     **self.runtime}
        try:
            if grpc:
                await self._grpc(job, model, variables, result)
            elif model.mode is not RequestMode.HTTP:
                result.outcome = Outcome.SKIPPED
                result.error = (f"a {model.mode.value} request: the runner sends HTTP and "
                                "gRPC only")
            elif (model.body.kind is BodyKind.GRAPHQL
                  and operation_kind(model.body) == "subscription"):
                result.outcome = Outcome.SKIPPED
                result.error = ("a GraphQL subscription: the runner sends queries and "
                                "mutations only (open it in the window to watch its events)")
            else:
                await self._exchange(job, model, variables, result)
        except asyncio.CancelledError:
            result.outcome = Outcome.ERROR
            result.error = "interrupted"
            self._mask(result, model)
            self._publish(result)
            raise
        except Exception as exc:
            # A fault of ours with one request is that request's error, not the run's end
            # without a report (the traceback goes to the log).
            log.exception("unexpected failure running %s", model.name or model.url)
            result.outcome = Outcome.ERROR
            result.error = f"unexpected error: {type(exc).__name__}: {exc}"
        self._mask(result, model)
        self._publish(result)
        if result.outcome in (Outcome.FAILED, Outcome.ERROR) and self.settings.bail:
            self.report.bailed = True
            self._stop.set()

    def _publish(self, result: RequestResult) -> None:
        if self._on_result is not None:
            self._on_result(result)

    def _options(self, model: RequestModel) -> RequestModel:
        settings = self.settings
        if settings.timeout is None and not settings.insecure:
            return model
        options = model.options
        if settings.timeout is not None:
            options = replace(options, timeout=settings.timeout,
                              total_timeout=settings.timeout)
        if settings.insecure:
            options = replace(options, verify_tls=False)
        return replace(model, options=options)

    async def _exchange(self, job: _Job, model: RequestModel, variables: dict[str, str],
                        result: RequestResult) -> None:
        model = self._options(model)
        keep = _needs_body(model)
        limit = self.settings.max_checked_body
        try:
            session = self._sessions.for_request(model, variables)
            composed = compose(session, model, variables)
        except ComposeError as exc:
            result.outcome, result.error = Outcome.ERROR, f"not sent: {exc}"
            return
        result.url = composed.url
        begun = time.perf_counter()
        try:
            async with composed.request.fetch(check_status=False,
                                              timeout=composed.timeout) as response:
                result.status, result.reason = response.status, response.reason
                body: bytearray | None = bytearray() if keep else None
                size = 0
                async for chunk in response.iter_chunks(_CHUNK):
                    size += len(chunk)
                    if body is not None:
                        if len(body) + len(chunk) > limit:
                            body = None  # past the limit: counted, no longer kept
                        else:
                            body += chunk
                elapsed = (time.perf_counter() - begun) * 1000
                lists: dict[str, list[str]] = {}
                for name, value in response.headers.items():
                    lists.setdefault(name.lower(), []).append(value)
                facts = ResponseFacts(
                    response.status, elapsed, size, response.headers, lists,
                    bytes(body) if body is not None else None, response.charset,
                    response.content_type,
                    body_dropped=(f"the body ({size:,} bytes) is larger than the "
                                  f"{limit:,} bytes a run keeps for checks"
                                  if keep and body is None else ""))
        except ClientError as exc:
            result.outcome, result.error = Outcome.ERROR, str(exc) or type(exc).__name__
            return
        finally:
            composed.close()
        result.time_ms, result.size = round(elapsed, 1), size
        self._check(job, model, variables, result, facts)

    async def _grpc(self, job: _Job, model: RequestModel, variables: dict[str, str],
                    result: RequestResult) -> None:
        """A gRPC call: its status code is the status; a failed code is an answer (but for
        those :mod:`app.runner.grpc_run` says are not). ``--insecure`` and ``--timeout``
        apply as to HTTP: the run's time limit (else the request's total timeout) bounds
        the call's deadline."""
        workspace = self.plan.workspace
        model = self._options(model)
        exchange = await grpc_exchange(
            model, variables, timeout=model.options.total_timeout,
            keep_body=_needs_body(model), max_body=self.settings.max_checked_body,
            workspace_root=workspace.root if workspace is not None else None)
        if exchange.call is not None:
            result.url = f"{exchange.call.url}/{exchange.call.full_method}"
        if exchange.facts is None:
            if exchange.result is not None:  # it ended, but not as an answer
                result.status, result.reason = exchange.status, exchange.reason
            result.outcome, result.error = Outcome.ERROR, exchange.error
            return
        facts, exchange.facts = exchange.facts, None
        result.status, result.reason = facts.status, exchange.reason
        result.time_ms, result.size = round(facts.time_ms, 1), facts.size
        self._check(job, model, variables, result, facts)

    def _check(self, job: _Job, model: RequestModel, variables: dict[str, str],
               result: RequestResult, facts: ResponseFacts) -> None:
        result.asserts, result.captures = check_response(model, facts, variables)
        del facts  # the body goes now, not at the next request
        for capture in result.captures:
            if capture.ok:
                self._store_capture(job.index, capture.capture, capture.value)
        if any(not a.passed for a in result.asserts) or any(not c.ok for c in result.captures):
            result.outcome = Outcome.FAILED

    def _store_capture(self, index: int, capture: CaptureModel, value: str) -> None:
        # With parallel > 1 a later request may finish first: its value stays.
        if self._runtime_writer.get(capture.name, -1) > index:
            return
        self._runtime_writer[capture.name] = index
        self.runtime[capture.name] = value
        if capture.secret and value:
            self._secrets.add(value)

    def _mask(self, result: RequestResult, model: RequestModel) -> None:
        """Every secret out of the result's texts: secret variables, secret captures, the
        request's auth secrets."""
        redactor = Redactor.for_auth(model.auth, self._secrets)
        result.url = redactor.text(result.url)
        result.error = redactor.text(result.error)
        for a in result.asserts:
            a.actual, a.message = redactor.text(a.actual), redactor.text(a.message)
            a.expected = redactor.text(a.expected)
        masked = []
        for c in result.captures:
            value = REDACTED if c.capture.secret and c.value else redactor.text(c.value)
            masked.append(replace(c, value=value, message=redactor.text(c.message)))
        result.captures = masked
