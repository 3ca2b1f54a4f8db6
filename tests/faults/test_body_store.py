"""Fault cases: a body the window keeps on disk that is made to blow up its line index."""

from __future__ import annotations

from app.body.store import INDEX_STEP, BodyStore
from tests.faults.table import Witness, fault

_CHUNK = b"\n" * (64 << 10)            # what the session hands over at a time
_CHUNKS = 64                            # 4 Mi empty lines
_BUDGET = 128 << 10                    # the index's budget here (8 MiB by default)


@fault("Responses", "A body of millions of empty lines (a gzip of newlines decoded to disk)",
       sees="line 4,194,305 of 4,194,305",
       kept="the line index within its budget; every line found again from the file")
def test_a_newline_body_keeps_the_line_index_within_budget(witness: Witness) -> None:
    # Before the budget, a 1 GiB body of newlines kept 16 Mi samples (128 MiB): here the
    # samples thin out (the step doubles) instead, and the Python heap stays flat.
    with witness.bounded(seconds=30, mib=8), BodyStore(index_budget=_BUDGET) as store:
        for _ in range(_CHUNKS):
            store.append(_CHUNK)
            assert store.index_size <= _BUDGET
        store.append(b"end")
        store.finish()
        last = store.line_count - 1
        assert store.index_step > INDEX_STEP
        assert store.line(last) == b"end" and store.line_offset(last) == last
        assert store.lines(2_000_000, 3) == [b"", b"", b""]
        assert store.line_at(3_654_321) == 3_654_321
        witness.saw(f"line {store.logical_line_number(last):,} of "
                    f"{store.logical_line_count:,}")
