"""What the GraphQL page learns from a document, worked out off the UI thread: its problems
(``app.graphql.validate``, or the syntax alone without a schema), its operations (for the
picker) and what is wrong with the variables. graphql-core's validator walks the whole
document (hundreds of milliseconds on a big one), so :class:`BackgroundAnalysis` runs it on a
worker thread of its own, one document at a time, the newest one only. Qt-free."""

from __future__ import annotations

import asyncio
import gc
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ui.request.graphql.query_text import masked, outside_spans
from ui.request.graphql.variables_check import VariableProblem, check_variables, operation_list

if TYPE_CHECKING:
    from graphql import GraphQLSchema

    from app.graphql import Problem

__all__ = ["Analysis", "BackgroundAnalysis", "analyse", "keep_schema"]


@dataclass(frozen=True)
class Analysis:
    """The problems of a document's ``version``, its ``(name, kind)`` operations, and the
    variables' problems."""

    version: int
    problems: list[Problem] = field(default_factory=list)
    operations: list[tuple[str, str]] = field(default_factory=list)
    variable_problems: list[VariableProblem] = field(default_factory=list)


def _syntax_problems(text: str) -> list[Problem]:
    from graphql import GraphQLSyntaxError, parse

    from app.graphql import Problem

    # Without a schema only the syntax can be checked.
    try:
        parse(text, no_location=True)
    except GraphQLSyntaxError as error:
        at = error.locations[0] if error.locations else None
        line, column = (at.line, at.column) if at else (1, 1)
        return [Problem(line, column, error.message, line, column + 1)]
    return []


def analyse(version: int, schema: GraphQLSchema | None, query: str, operation: str,
            variables_text: str) -> Analysis:
    """Everything at once (on a worker thread): see the module docstring."""
    from app.graphql import validate

    text, spans = masked(query)
    if not text.strip():
        return Analysis(version)
    found = validate(schema, text) if schema is not None else _syntax_problems(text)
    return Analysis(version, outside_spans(found, text, spans), operation_list(text),
                    check_variables(schema, text, operation, variables_text))


#: The interpreter's switch interval while a document is analysed (Python's default: 5 ms).
SWITCH_INTERVAL_S = 0.001


def _analyse_uncollected(version: int, schema: GraphQLSchema | None, query: str,
                         operation: str, variables_text: str) -> Analysis:
    # The validator makes objects by the hundred thousand: left on, the cyclic collector
    # would run full collections from this thread, walking the whole heap (a big schema is
    # millions of objects) while holding the GIL, and the UI thread would stall for as long
    # (measured: 0.1-0.7 s). Its garbage is acyclic or collected young once it is back on.
    # And the UI thread, wanting the GIL back for each event it handles, waits at most the
    # switch interval each time: shortened while the validator runs.
    enabled = gc.isenabled()
    interval = sys.getswitchinterval()
    gc.disable()
    sys.setswitchinterval(min(interval, SWITCH_INTERVAL_S))
    try:
        return analyse(version, schema, query, operation, variables_text)
    finally:
        sys.setswitchinterval(interval)
        if enabled:
            gc.enable()


def keep_schema(schema: GraphQLSchema) -> None:
    """A schema now in use lives long: moved out of the cyclic collector's reach (with
    everything else alive now) so that no full collection walks it again, on any thread."""
    del schema  # what matters is that it is alive now
    gc.freeze()


class BackgroundAnalysis:
    """Runs :func:`analyse` on one worker thread shared by every GraphQL editor (they are
    typed in one at a time), under a key of the tab's task runner: a newer document cancels
    the older one's wait, and its result, if it still comes, is dropped."""

    _executor: ThreadPoolExecutor | None = None

    @classmethod
    def executor(cls) -> ThreadPoolExecutor:
        if cls._executor is None:
            cls._executor = ThreadPoolExecutor(1, thread_name_prefix="spyglass-graphql")
        return cls._executor

    async def run(self, version: int, schema: GraphQLSchema | None, query: str,
                  operation: str, variables_text: str) -> Analysis:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor(), _analyse_uncollected, version,
                                          schema, query, operation, variables_text)
