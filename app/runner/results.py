"""What a run produces: one :class:`RequestResult` a request sent, and the
:class:`RunReport` the reporters write. Plain data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from app.runner.asserts import AssertResult
from app.runner.captures import CaptureResult

__all__ = ["EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "Outcome",
           "RequestResult", "RunReport"]

#: ``spyglass run``'s exit statuses (SPEC §9).
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class Outcome(StrEnum):
    PASSED = "passed"
    #: An assert or a capture failed.
    FAILED = "failed"
    #: The request could not be sent, or no answer came (a 4xx/5xx is an answer).
    ERROR = "error"
    #: Not an HTTP exchange (an event stream, a WebSocket, a terminal): not run.
    SKIPPED = "skipped"


@dataclass
class RequestResult:
    """One request of one iteration, as the reports and the window's live table show it.
    Every text in it has the run's secrets masked."""

    index: int
    iteration: int
    name: str
    collection: str
    path: str
    method: str
    url: str
    outcome: Outcome
    status: int | None = None
    reason: str = ""
    time_ms: float | None = None
    size: int | None = None
    asserts: list[AssertResult] = field(default_factory=list)
    captures: list[CaptureResult] = field(default_factory=list)
    #: Why it could not be sent, or why it was skipped.
    error: str = ""
    #: When it was sent (seconds since the epoch).
    started: float = 0.0

    @property
    def label(self) -> str:
        return f"{self.collection}/{self.name}" if self.collection else self.name

    @property
    def failures(self) -> list[str]:
        """Every reason it did not pass: failed asserts, failed captures, the error."""
        out = [_assert_failure(a) for a in self.asserts if not a.passed]
        out += [c.message for c in self.captures if not c.ok]
        if self.error and self.outcome is Outcome.ERROR:
            out.append(self.error)
        return out


def _assert_failure(result: AssertResult) -> str:
    a = result.assertion
    value = f" {result.expected}" if result.expected else ""
    actual = f" (actual: {result.actual})" if result.actual else ""
    return f"{a.target} {a.op.value}{value}: {result.message}{actual}"


@dataclass
class RunReport:
    """A whole run, its results in run order (whatever order they finished in)."""

    target: str
    environment: str | None = None
    started: float = 0.0
    finished: float = 0.0
    iterations: int = 1
    results: list[RequestResult] = field(default_factory=list)
    #: The run was stopped (SIGINT, the window's Stop) before its end.
    interrupted: bool = False
    #: The run stopped at the first failure (``--bail``).
    bailed: bool = False
    warnings: list[str] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome is outcome)

    @property
    def assert_counts(self) -> tuple[int, int]:
        """(passed, failed) over every assert checked."""
        passed = sum(1 for r in self.results for a in r.asserts if a.passed)
        failed = sum(1 for r in self.results for a in r.asserts if not a.passed)
        return passed, failed

    @property
    def ok(self) -> bool:
        return not any(r.outcome in (Outcome.FAILED, Outcome.ERROR) for r in self.results)

    @property
    def exit_code(self) -> int:
        """0 all passed, 1 a failure or an error, 130 interrupted."""
        if self.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_OK if self.ok else EXIT_FAILED

    @property
    def duration(self) -> float:
        return max(0.0, self.finished - self.started)
