"""Keeps the params table and the URL's query in step, both ways, without feedback loops."""

from __future__ import annotations

from PySide6.QtCore import QObject

from app.model.request import KeyValue, query_of, with_query
from ui.request.key_value_table import KeyValueTable
from ui.request.url_bar import UrlBar

__all__ = ["ParamsSync", "merge_query"]


def merge_query(rows: list[KeyValue], query: list[KeyValue]) -> list[KeyValue]:
    """The table after the URL's query became ``query``: its rows, with the disabled rows of
    ``rows`` kept at their places (the URL cannot show them, so typing must not drop them)."""
    merged = list(query)
    for position, row in enumerate(rows):
        if not row.enabled:
            merged.insert(min(position, len(merged)), row)
    return merged


class ParamsSync(QObject):
    """Typing in the URL refills the table; editing the table rewrites the URL's query.

    The URL bar is only rewritten for table edits, so the cursor never jumps while the URL is
    typed; rewriting keeps the cursor where it was.
    """

    def __init__(self, url_bar: UrlBar, table: KeyValueTable,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._url_bar = url_bar
        self._table = table
        self._busy = False
        url_bar.textChanged.connect(self._url_changed)
        table.changed.connect(self._table_changed)

    def _url_changed(self, text: str) -> None:
        if self._busy:
            return
        query = query_of(text)
        rows = self._table.rows()
        if [r for r in rows if r.enabled and (r.name or r.value)] == query:
            return  # e.g. a blank row being typed into: nothing to take from the URL
        self._busy = True
        try:
            self._table.set_rows(merge_query(rows, query))
        finally:
            self._busy = False

    def _table_changed(self) -> None:
        if self._busy:
            return
        text = self._url_bar.text()
        url = with_query(text, self._table.rows())
        if url == text:
            return
        self._busy = True
        try:
            cursor = self._url_bar.cursorPosition()
            self._url_bar.setText(url)
            self._url_bar.setCursorPosition(min(cursor, len(url)))
        finally:
            self._busy = False
