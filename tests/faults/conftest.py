"""The ``witness`` fixture of the fault table's cases (see table.py), and the library tests'
``kind`` fixture (one case under ``Session`` and ``AsyncSession``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.client.conftest import kind
from tests.faults.table import Fault, Witness

__all__ = ["kind", "witness"]


@pytest.fixture
def witness(request: pytest.FixtureRequest) -> Iterator[Witness]:
    """What the case saw; the case fails when it never recorded the user's message."""
    marker = request.node.get_closest_marker("fault")
    assert marker is not None, "the witness fixture is for tests marked with @fault(...)"
    case = marker.args[0]
    assert isinstance(case, Fault)
    seen = Witness(case)
    yield seen
    # Only a case that ran and passed must have said what the user sees (a skip in a
    # fixture, before the call, is no such case).
    call = getattr(request.node, "rep_call", None)
    if call is not None and call.passed:
        assert seen.messages, f"{case.test} never called witness.saw(...) with what the user sees"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Iterator[None]:
    """Keep each phase's report on the item, so the witness checks only passing cases."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fault(case): a case of the fault table (tests/faults)")
