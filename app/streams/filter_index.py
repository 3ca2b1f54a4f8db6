"""Which records of a stream log a filter accepts, found a budget at a time across memory and
disk (see :class:`FilterIndex`)."""

from __future__ import annotations

import bisect
from array import array
from typing import Any, Generic

from app.streams.spill_log import C, Select, SpillLog

__all__ = ["FilterIndex"]


class FilterIndex(Generic[C]):
    """The records of a log a filter accepts, as positions ``start .. end - 1``.

    ``select`` (None: every record) looks at a span of records at a time; ``needs_columns``
    says whether it reads more than tags. With no filter a position is the record's index;
    otherwise positions index a list of matching indices that ``advance`` extends a budget at
    a time. ``start`` moves forward when the cap drops records; ``trim`` forgets positions the
    caller no longer needs.
    """

    def __init__(self, log: SpillLog[C, Any], select: Select[C] | None = None, *,
                 needs_columns: bool = True) -> None:
        self.log = log
        self._select = select
        self._all = select is None
        self._needs_columns = needs_columns
        self._indices = array("Q")
        self._offset = 0  # positions trimmed off the front of _indices
        self._scanned = log.first  # records of the log looked at

    @property
    def start(self) -> int:
        """The first position whose record is still in the log."""
        if self._all:
            return self.log.first
        k = bisect.bisect_left(self._indices, self.log.first)
        return self._offset + k

    @property
    def end(self) -> int:
        """One past the last position found so far."""
        return self.log.total if self._all else self._offset + len(self._indices)

    @property
    def complete(self) -> bool:
        """Whether every record of the log has been looked at."""
        return self._all or self._scanned >= self.log.total

    @property
    def scanned(self) -> int:
        return self.log.total if self._all else self._scanned

    def index(self, position: int) -> int:
        """The log index of the record at ``position``."""
        return position if self._all else self._indices[position - self._offset]

    def position_of(self, index: int) -> int | None:
        """The position of the record at log ``index``, or None when the filter hides it."""
        if self._all:
            return index if self.log.first <= index < self.log.total else None
        k = bisect.bisect_left(self._indices, index)
        if k < len(self._indices) and self._indices[k] == index:
            return self._offset + k
        return None

    def trim(self, position: int) -> None:
        """Forget the positions before ``position`` (the others keep their numbers). It is
        done once they are half the list, so that calling it often costs O(1) amortized."""
        k = position - self._offset
        if not self._all and k >= 1024 and 2 * k >= len(self._indices):
            del self._indices[:k]
            self._offset = position

    def advance(self, budget: int = 20_000) -> int:
        """Look at up to ``budget`` more records; return how many matched."""
        select = self._select
        if select is None:
            return 0
        log = self.log
        start = max(self._scanned, log.first)
        stop = min(log.total, start + budget)
        self._scanned = max(self._scanned, start)
        if start >= stop:
            return 0
        found = self._indices
        before = len(found)
        for first, tags, columns, offset in log.spans(start, stop,
                                                      columns=self._needs_columns):
            select(first, tags, columns, offset, found)
        self._scanned = stop
        return len(found) - before
