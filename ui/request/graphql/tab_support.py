"""Ties a tab's GraphQL body page to the tab's services: its task runner (the page's analysis
and the schema's fetch run under the tab's keys), and a :class:`SchemaService` that fetches
the schema through the tab's request (URL, headers, auth, variables) for the explorer."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer

if TYPE_CHECKING:
    from app.graphql import SchemaCache
    from app.model.compose import SessionPool
    from app.model.request import RequestModel
    from ui.modes.base import VariablesSource
    from ui.request.body_editor import BodyEditor
    from ui.request.graphql.graphql_page import GraphQLBodyPage
    from ui.request.graphql.schema_service import SchemaService
    from ui.tasks import TaskRunner

__all__ = ["GraphQLSupport"]


class GraphQLSupport(QObject):
    """The tab's side of GraphQL editing; the schema service is made with the page (an idle
    tab loads no GraphQL)."""

    def __init__(self, runner: TaskRunner, key: str, sessions: Callable[[], SessionPool],
                 variables: Callable[[], VariablesSource | None],
                 to_model: Callable[[], RequestModel],
                 lookup: Callable[[], Callable[[], dict[str, Any]] | None],
                 parent: QObject | None = None, *, cache: SchemaCache | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._key = key
        self._sessions = sessions
        self._variables = variables
        self._to_model = to_model
        self._lookup = lookup
        self._cache = cache
        self.service: SchemaService | None = None
        self.page: GraphQLBodyPage | None = None

    def attach(self, body: BodyEditor) -> None:
        """Serve ``body``'s GraphQL page, now or when it is built."""
        if body.graphql_built():
            self._serve(body.graphql)
        body.graphql_page_built.connect(self._serve)

    def _serve(self, page: GraphQLBodyPage) -> None:
        from ui.request.graphql.schema_service import SchemaService

        self.page = page
        service = self.service = SchemaService(
            self._runner, self._key, self._sessions, self._variables, self._to_model,
            cache=self._cache, lookup=self._lookup, parent=self)
        page.attach(self._runner, self._key)
        explorer = page.explorer
        service.loading.connect(explorer.show_loading)
        service.loaded.connect(page.set_schema)
        service.failed.connect(explorer.show_error)
        explorer.refresh_requested.connect(lambda: service.load(refresh=True))
        explorer.sdl_file_chosen.connect(service.load_sdl)
        # The cached schema, or a first introspection, once the model is loaded whole.
        QTimer.singleShot(0, self._first_load)

    def _first_load(self) -> None:
        if self.service is not None and self._to_model().url.strip():
            self.service.load()
