"""The view-model behind the schema explorer: fetches a request's schema by introspection
through the request's own URL, headers and auth (composed as a send composes them), or from an
SDL file, keeps it in a :class:`~app.graphql.SchemaCache` per URL and environment, and says
what came of it by signals. No widgets here; the work runs under one key of the tab's
:class:`~ui.tasks.TaskRunner`, and everything slow (building a 5 MB schema, reading a file)
off the UI thread."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from graphql import GraphQLSchema

    from app.graphql import CachedSchema, SchemaCache
    from app.model.compose import SessionPool
    from app.model.request import RequestModel
    from ui.modes.base import VariablesSource
    from ui.tasks import TaskRunner

__all__ = ["DEFAULT_SDL_MAX_BYTES", "SchemaService", "environment_of"]

#: An SDL file larger than this is refused (a setting: ``SchemaService.sdl_max_bytes``).
DEFAULT_SDL_MAX_BYTES = 32 * 1024 * 1024


def environment_of(lookup: Callable[[], dict[str, Any]] | None) -> str:
    """The environments the variables in scope come from ("environment dev"): half of the
    cache key, since one URL may be two servers in two environments."""
    if lookup is None:
        return ""
    sources = {getattr(v, "source", "") for v in lookup().values()}
    return ", ".join(sorted(s for s in sources if s.startswith("environment")))


class SchemaService(QObject):
    """One tab's GraphQL schema.

    ``loaded`` carries ``(schema, note)`` (the note says where it came from and when);
    ``failed`` carries a message (the explorer shows it, with "Load SDL file…" at hand);
    ``loading`` says a fetch began."""

    loading = Signal()
    loaded = Signal(object, str)
    failed = Signal(str)

    def __init__(self, runner: TaskRunner, key: str, sessions: Callable[[], SessionPool],
                 variables: Callable[[], VariablesSource | None],
                 to_model: Callable[[], RequestModel], *, cache: SchemaCache | None = None,
                 lookup: Callable[[], Callable[[], dict[str, Any]] | None] = lambda: None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        from app.graphql import SchemaCache

        self._runner = runner
        self.key = f"{key} / graphql schema"
        self._sessions = sessions
        self._variables = variables
        self._to_model = to_model
        self._lookup = lookup
        self.cache = cache if cache is not None else SchemaCache()
        self.sdl_max_bytes = DEFAULT_SDL_MAX_BYTES
        self.schema: GraphQLSchema | None = None

    def load(self, refresh: bool = False) -> None:
        """Show the request URL's schema: the cached one, or introspected (always when
        ``refresh``: the Refresh button)."""
        self.loading.emit()
        self._runner.start(self.key, self._introspect(refresh), on_result=self._on_loaded,
                           on_error=self._on_failed)

    def load_sdl(self, path: str) -> None:
        """Use the SDL file at ``path`` as the request URL's schema (a server refusing
        introspection)."""
        self.loading.emit()
        self._runner.start(self.key, self._read_sdl(path), on_result=self._on_loaded,
                           on_error=self._on_failed)

    def cancel(self) -> None:
        self._runner.cancel(self.key)

    async def _where(self) -> tuple[Any, str, str]:
        """The request composed as a send would (its URL, headers and auth), and the cache
        key's URL and environment."""
        import dataclasses

        from app.model.compose import compose
        from app.model.request import BodyModel

        # The query being edited is not sent (nor need its {{variables}} be defined yet).
        model = dataclasses.replace(self._to_model(), body=BodyModel())
        values: dict[str, str] = {}
        source = self._variables()
        if source is not None:
            values = dict((await source(model)).values)
        pool = self._sessions()
        composed = compose(pool.for_request(model, values), model, values,
                           auth_cache=pool.auth_cache)
        return composed, composed.url, environment_of(self._lookup())

    async def _introspect(self, refresh: bool) -> tuple[GraphQLSchema, str]:
        from app.graphql import INTROSPECTION_QUERY, execute, schema_from_introspection

        composed, url, environment = await self._where()
        try:
            cached = None if refresh else self.cache.get(url, environment)
            if cached is None:
                answer = await execute(composed.request, INTROSPECTION_QUERY,
                                       operation_name="IntrospectionQuery")
                schema = await asyncio.to_thread(schema_from_introspection, answer, url)
                cached = self.cache.put(url, environment, schema, source="introspection")
        finally:
            composed.close()
        return cached.schema, _note(cached, url)

    async def _read_sdl(self, path: str) -> tuple[GraphQLSchema, str]:
        from app.graphql import schema_from_sdl

        def read() -> GraphQLSchema:
            file = Path(path)
            size = file.stat().st_size
            if size > self.sdl_max_bytes:
                raise ValueError(f"{file.name} is {size:,} bytes; SDL files over "
                                 f"{self.sdl_max_bytes:,} bytes are not read")
            return schema_from_sdl(file.read_text(encoding="utf-8"))

        schema = await asyncio.to_thread(read)
        try:
            composed, url, environment = await self._where()
            composed.close()
        except ValueError:  # a URL that cannot be composed yet: keyed as typed
            url, environment = self._to_model().url, ""
        self.cache.put(url, environment, schema, source="sdl")
        return schema, f"From {Path(path).name} (SDL) for {url}"

    def _on_loaded(self, result: tuple[GraphQLSchema, str]) -> None:
        self.schema, note = result
        self.loaded.emit(self.schema, note)

    def _on_failed(self, exc: BaseException) -> None:
        from app.client import ClientError, StreamError
        from ui.error_messages import describe_error

        if isinstance(exc, OSError):
            message = f"Could not read the file: {exc.strerror or exc}"
        elif isinstance(exc, StreamError) or not isinstance(exc, ClientError):
            # Refused or no schema (StreamError: its message says which, with the server's
            # words), not SDL, not composable: the message is the whole story.
            message = str(exc)
        else:
            text = describe_error(exc)
            message = f"{text.title}: {text.detail}" if text.detail else text.title
        self.failed.emit(message)


def _note(cached: CachedSchema, url: str) -> str:
    import time

    when = time.strftime("%H:%M:%S", time.localtime(cached.loaded_at))
    how = "Introspected" if cached.source == "introspection" else "From an SDL file"
    return f"{how} at {when} from {url}"
