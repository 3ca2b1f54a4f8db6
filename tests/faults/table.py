"""The fault table's registry: each case is a test marked with :func:`fault`.

A case says, besides what it tests, what a user meets when the fault happens and what shows
that nothing was lost or leaked::

    @fault("Imports", "YAML alias bomb in a Postman collection",
           sees="YAML aliases (&anchor/*alias) expand to more than",
           kept="no collection written; under 1 s and 64 MiB")
    def test_alias_bomb(witness: Witness) -> None:
        with witness.bounded(seconds=1, mib=64), pytest.raises(InterchangeError) as caught:
            import_text(BOMB)
        witness.saw(str(caught.value))

``witness`` (a fixture of ``tests/faults/conftest.py``) fails the test unless it called
:meth:`Witness.saw` with a message holding ``sees``: the table cannot drift from what the code
says. ``python -m tests.faults.make_table`` writes ``docs/faults.md`` from the cases, and
``test_table.py`` fails when the committed file is not what it would write.
"""

from __future__ import annotations

import contextlib
import time
import tracemalloc
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

__all__ = ["CASES", "Fault", "Witness", "fault", "files_holding", "shown"]

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Fault:
    """One row of the table."""

    #: The part of Spyglass it is about ("Imports", "Workspace files", "HTTP", ...).
    area: str
    #: What goes wrong, in a few words.
    title: str
    #: What the user sees: text the message shown must contain (checked by the test).
    sees: str
    #: What the test checks so that nothing is lost or leaked.
    kept: str
    #: ``module::function`` of the test, filled in by :func:`fault`.
    test: str = ""


#: Every case, in the order their modules were imported.
CASES: list[Fault] = []


def fault(area: str, title: str, *, sees: str, kept: str) -> Callable[[F], F]:
    """Mark a test as a case of the fault table (see the module docstring)."""

    def mark(test: F) -> F:
        case = Fault(area, title, sees, kept,
                     f"{test.__module__.rpartition('.')[2]}::{test.__name__}")
        CASES.append(case)
        marked: F = pytest.mark.fault(case)(test)
        return marked

    return mark


@dataclass
class Witness:
    """What a case saw: the message it showed the user, and how long and how much memory
    the faulty input took."""

    case: Fault
    messages: list[str] = field(default_factory=list)

    def saw(self, message: str) -> None:
        """Record ``message`` as what the user sees; it must hold the case's ``sees``."""
        assert self.case.sees in message, (
            f"the user sees {message!r}, the fault table says {self.case.sees!r}")
        assert "Traceback" not in message and "unexpected error" not in message.lower()
        self.messages.append(message)

    @contextlib.contextmanager
    def bounded(self, *, seconds: float, mib: float) -> Iterator[None]:
        """Fail unless the block ends within ``seconds`` and its Python allocations peak
        below ``mib`` MiB (``tracemalloc``: libyaml's own buffers are not counted, what it
        builds in Python is)."""
        started = not tracemalloc.is_tracing()
        if started:
            tracemalloc.start()
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        t0 = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - t0
            peak = (tracemalloc.get_traced_memory()[1] - before) / 2**20
            if started:
                tracemalloc.stop()
        assert elapsed < seconds, f"took {elapsed:.2f} s, the budget is {seconds} s"
        assert peak < mib, f"peaked at {peak:.1f} MiB, the budget is {mib} MiB"


def files_holding(roots: Iterable[Path], secrets: Iterable[str]) -> list[Path]:
    """The files under ``roots`` whose bytes hold any of ``secrets`` (as UTF-8): the check
    that no secret reached the disk."""
    needles = [s.encode() for s in secrets if s]
    found = []
    for root in roots:
        paths = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
        for path in paths:
            data = path.read_bytes()
            if any(n in data for n in needles):
                found.append(path)
    return found


def shown(exc: BaseException) -> str:
    """What the window shows for ``exc``: its title, hint and detail, a line each
    (``ui.error_messages``, which imports no Qt)."""
    from ui.error_messages import describe_error

    text = describe_error(exc)
    return "\n".join((text.title, text.hint, text.detail))
