"""GraphQL on graphql-core (SPEC 8.1): schemas by introspection or SDL, validation, completion,
queries and mutations over HTTP, and subscriptions over WebSocket. Free of Qt: the window is
one client of it, a script another.

::

    async with AsyncSession() as session:
        schema = await introspect(session, "http://127.0.0.1:8000/graphql")
        problems = validate(schema, "{ user(id: 1) { name } }")
        suggestions = complete(schema, "{ user(id: 1) { na } }", 1, 20)
        answer = await execute(Request(session, path=url), "{ user(id: 1) { name } }")
"""

from .analysis import Analysis, analyse
from .analysis_worker import AnalysisError, AnalysisWorker
from .completion import Suggestion, SuggestionKind, complete, word_before
from .execution import execute, graphql_body
from .schema import (
    INTROSPECTION_QUERY,
    CachedSchema,
    SchemaCache,
    introspect,
    schema_from_introspection,
    schema_from_sdl,
)
from .subscriptions import GRAPHQL_TRANSPORT_WS, GRAPHQL_WS, Subscription, subscribe
from .validation import Problem, validate
from .variables import VariableProblem, check_variables

__all__ = [
    "GRAPHQL_TRANSPORT_WS",
    "GRAPHQL_WS",
    "INTROSPECTION_QUERY",
    "Analysis",
    "AnalysisError",
    "AnalysisWorker",
    "CachedSchema",
    "Problem",
    "SchemaCache",
    "Subscription",
    "Suggestion",
    "SuggestionKind",
    "VariableProblem",
    "analyse",
    "check_variables",
    "complete",
    "execute",
    "graphql_body",
    "introspect",
    "schema_from_introspection",
    "schema_from_sdl",
    "subscribe",
    "validate",
    "word_before",
]
