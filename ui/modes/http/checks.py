"""The checks of a response sent from a tab (SPEC §9): once an HTTP response has been read to
its end, its request's asserts and captures are checked against it, as a run checks them
(``app.runner.check_response``).

The body is the one the response pane streamed to disk: read back from its body store on a
worker thread, only when a check needs it or to offer JSON paths for completion, and never
past a cap (the limit on a body read whole, Tools ▸ Limits…). The work is a task of the tab
(``tab 3 / checks``): a new send cancels it, and a store closed meanwhile reads as no body.

``app.runner`` is imported with the first response checked: it brings the report writers,
which an idle tab does without.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from app.model.checks import CheckError, parse_target
from app.model.http import charset, is_json_media, media_type
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from app.body.store import BodyStore
    from app.model.request import RequestModel
    from app.runner import AssertResult, CaptureResult, ResponseFacts
    from ui.modes.http.controller import ResponseSummary

__all__ = ["COMPLETION_BODY_BYTES", "MAX_PATHS", "CheckOutcome", "ResponseChecks",
           "json_paths", "response_facts"]

#: A JSON body up to this size is read for the paths the Tests tab completes, even when no
#: check needs it (past it, only a check that needs the body reads it).
COMPLETION_BODY_BYTES = 1024 * 1024
#: The most JSON paths offered for completion.
MAX_PATHS = 200


@dataclass
class CheckOutcome:
    """What the checks of one response came to, and what the Tests tab may complete."""

    asserts: list[AssertResult] = field(default_factory=list)
    captures: list[CaptureResult] = field(default_factory=list)
    header_names: list[str] = field(default_factory=list)
    json_paths: list[str] = field(default_factory=list)


def _needs_body(model: RequestModel) -> bool:
    sources = [a.target for a in model.asserts if a.enabled]
    sources += [c.source for c in model.captures if c.enabled]
    for source in sources:
        try:
            if parse_target(source).needs_body:
                return True
        except CheckError:
            continue  # a marked row: it fails saying why, without the body
    return False


def json_paths(document: Any, limit: int = MAX_PATHS) -> list[str]:
    """Targets for the values of a JSON ``document``, breadth first (``body.$.items``,
    ``body.$.items[0]``, ``body.$.items[0].id``...), at most ``limit``."""
    out: list[str] = []
    queue: list[tuple[str, Any]] = [("$", document)]
    while queue and len(out) < limit:
        path, value = queue.pop(0)
        for child, item in _children(path, value):
            out.append(f"body.{child}")
            queue.append((child, item))
            if len(out) >= limit:
                break
    return out


def _children(path: str, value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            name = str(key)
            simple = name.isidentifier() and name.isascii()
            yield (f"{path}.{name}" if simple else f"{path}['{name}']"), item
    elif isinstance(value, list) and value:
        yield f"{path}[0]", value[0]  # the first item stands for the others


def response_facts(summary: ResponseSummary, body: bytes | None, dropped: str = ""
                   ) -> ResponseFacts:
    """The facts a check looks at, from a tab's response and its body (None: not read)."""
    from app.runner import ResponseFacts

    head = summary.head
    lists: dict[str, list[str]] = {}
    for name, value in head.headers:
        lists.setdefault(name.lower(), []).append(value)
    elapsed = summary.timings.total or summary.elapsed
    return ResponseFacts(head.status, elapsed * 1000, summary.size, dict(head.headers), lists,
                         body, charset(head.content_type), media_type(head.content_type),
                         body_dropped=dropped)


def _read_body(store: BodyStore, size: int, cap: int) -> tuple[bytes | None, str]:
    """Up to ``cap`` bytes of the body (a worker thread's work): (body, why not)."""
    if size > cap:
        return None, (f"the body ({size:,} bytes) is larger than the {cap:,} bytes read for "
                      "checks (Tools ▸ Limits…: largest body read whole)")
    try:
        return store.read(0, size), ""
    except (ValueError, OSError) as exc:  # closed by a newer send, or the disk failed
        return None, f"the body cannot be read back: {exc}"


def _check(model: RequestModel, summary: ResponseSummary, body: bytes | None,
           dropped: str, variables: Mapping[str, str]) -> CheckOutcome:
    from app.runner import check_response
    from app.runner.asserts import NotAvailable

    facts = response_facts(summary, body, dropped)
    asserts, captures = check_response(model, facts, variables)
    paths: list[str] = []
    if body is not None and is_json_media(summary.head.content_type):
        try:
            paths = json_paths(facts.json())
        except NotAvailable:
            paths = []
    names = list(dict.fromkeys(name for name, _ in summary.head.headers))
    return CheckOutcome(asserts, captures, names, paths)


class ResponseChecks(QObject):
    """Checks each response of one tab; :attr:`checked` carries a :class:`CheckOutcome`."""

    checked = Signal(object)

    def __init__(self, runner: TaskRunner, key: str, max_body: Callable[[], int],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._key = key
        self._max_body = max_body

    def check(self, summary: ResponseSummary, store: BodyStore | None) -> None:
        """Check ``summary``'s request against it, its body read from ``store``."""
        model = summary.model
        if model is None:
            return
        self._runner.start(self._key, self._run(model, summary, store),
                           on_result=self.checked.emit)

    def cancel(self) -> None:
        """A new send: the last response's checks no longer matter."""
        self._runner.cancel(self._key)

    async def _run(self, model: RequestModel, summary: ResponseSummary,
                   store: BodyStore | None) -> CheckOutcome:
        needed = _needs_body(model)
        wanted = needed or (is_json_media(summary.head.content_type)
                            and summary.size <= COMPLETION_BODY_BYTES)
        cap = self._max_body() if needed else COMPLETION_BODY_BYTES

        def work() -> CheckOutcome:
            body: bytes | None = None
            dropped = ""
            if wanted and store is not None:
                body, dropped = _read_body(store, summary.size, cap)
            elif needed:
                dropped = "the body was not kept"
            return _check(model, summary, body, dropped, summary.variables)

        # JSONPath over a large body, or a regular expression over it, is no work for the
        # UI thread either.
        return await asyncio.to_thread(work)
