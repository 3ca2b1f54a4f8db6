"""The committed docs/faults.md is what the cases say."""

from __future__ import annotations

from tests.faults.make_table import TABLE, collect, render


def test_the_fault_table_is_up_to_date() -> None:
    cases = collect()
    assert len({c.test for c in cases}) == len(cases), "two cases share a test name"
    assert TABLE.read_text(encoding="utf-8") == render(cases), (
        "docs/faults.md is out of date: run python -m tests.faults.make_table")
