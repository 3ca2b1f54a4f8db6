"""The Tests tab's title, from a request's checks: what the editor shows before the tab is
built (``ui.request.tests_editor`` and its tables come when it is first opened)."""

from __future__ import annotations

from collections.abc import Iterable

from app.model.checks import AssertModel, CaptureModel, CheckError, check_assert, check_capture

__all__ = ["checks_problems", "tests_title"]


def tests_title(rows: int, problems: int, counts: tuple[int, int] | None = None) -> str:
    """The Tests tab's title: ``Tests 3/4`` after a send (``counts``: passed, checked),
    ``Tests (n)`` before, and a warning sign while one of the ``rows`` is marked."""
    if counts is not None:
        title = f"Tests {counts[0]}/{counts[1]}"
    else:
        title = f"Tests ({rows})" if rows else "Tests"
    return title + " ⚠" if problems else title


def checks_problems(asserts: Iterable[AssertModel], captures: Iterable[CaptureModel]) -> int:
    """How many of these rows a file could not hold (what the tables would mark)."""
    count = 0
    for row in asserts:
        try:
            check_assert(row)
        except CheckError:
            count += 1
    for capture in captures:
        try:
            check_capture(capture)
        except CheckError:
            count += 1
    return count
