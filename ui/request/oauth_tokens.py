"""The work behind the OAuth 2.0 page's buttons: get, refresh, show and clear a request's token.

A view-model (no widgets): each action resolves the request's ``{{variables}}``, finds the
OAuth 2.0 auth of those settings in the window's ``SessionPool`` (the very object sends use,
so a token got here is the one the next send reuses), and runs under the tab's
:class:`~ui.tasks.TaskRunner` key. Reading or clearing the token store is a keyring call: it
runs on a worker thread, never on the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from app.model.request import AuthModel, RequestModel

if TYPE_CHECKING:
    from app.client.oauth2 import OAuth2Auth, TokenSet
    from app.model.compose import SessionPool
    from ui.modes.base import VariablesSource
    from ui.request.oauth2_page import OAuth2Page
    from ui.tasks import TaskRunner

__all__ = ["OAuthTokens"]


class OAuthTokens(QObject):
    """Gets, refreshes, shows and clears the token of a request's OAuth 2.0 settings.

    :attr:`token` carries the token set held afterwards (or None), :attr:`failed` a message
    for the user, :attr:`busy` what is being done."""

    token = Signal(object)
    failed = Signal(str)
    busy = Signal(str)

    def __init__(self, runner: TaskRunner, key: str, sessions: Callable[[], SessionPool],
                 variables: Callable[[], VariablesSource | None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.key = key
        self.sessions = sessions
        self.variables = variables
        #: The grant whose sign-in this is waiting for ("": none).
        self._waiting_for = ""
        self._page: OAuth2Page | None = None

    def fetch(self, model: RequestModel, *, refresh: bool = False) -> None:
        """Run the grant now ("Get new token"), or refresh the token held ("Refresh")."""
        what = "Refreshing the token…" if refresh else "Getting a new token…"
        if model.auth.grant == "authorization_code" and not refresh:
            what = "Sign in in the browser window just opened…"
        self._waiting_for = model.auth.grant if not refresh else ""
        self.busy.emit(what)
        self._start(self._fetch(model, refresh))

    def show(self, model: RequestModel) -> None:
        """Emit the token held for ``model``'s settings (read from the keyring once); settings
        not complete yet show no token, and no error (the user has not asked for anything)."""
        self.runner.start(self.key, self._held(model), on_result=self.token.emit,
                          on_error=lambda _error: self.token.emit(None))

    def attach(self, page: OAuth2Page, current: Callable[[], RequestModel]) -> None:
        """Connect ``page``'s buttons to this, for the request ``current()`` gives."""
        page.token_requested.connect(lambda refresh: self.fetch(current(), refresh=refresh))
        page.clear_requested.connect(lambda: self.clear(current()))
        self.token.connect(page.show_token)
        self.failed.connect(page.show_error)
        self.busy.connect(lambda text: page.set_busy(True, text))
        page.cancel_requested.connect(self.cancel)
        self._page = page

    def sign_in_opened(self, url: str) -> None:
        """The authorization page was given to the browser: if this is waiting for that
        sign-in, show the address too (no browser may have opened)."""
        if self._waiting_for == "authorization_code" and self._page is not None:
            self._page.show_sign_in("Sign in in your browser; if none opened, open", url)

    def device_code(self, uri: str, code: str) -> None:
        """A device grant's code: shown on the page of the grant waiting for it."""
        if self._waiting_for == "device_code" and self._page is not None:
            self._page.show_sign_in(f"Enter the code {code} at", uri)

    def clear(self, model: RequestModel) -> None:
        """Forget the token, in memory and in the keyring."""
        self._start(self._clear(model))

    def cancel(self) -> None:
        """Stop the grant being run (its loopback listener or polling ends with it)."""
        running = self.runner.cancel(self.key)
        self._waiting_for = ""
        if running:
            self.failed.emit("Cancelled: no token was fetched")

    # -- the work ---------------------------------------------------------------------------

    def _start(self, coro: Any) -> None:
        self.runner.start(self.key, coro, on_result=self._done, on_error=self._on_error)

    def _done(self, token: TokenSet | None) -> None:
        self._waiting_for = ""
        self.token.emit(token)

    async def _auth(self, model: RequestModel) -> OAuth2Auth:
        from app.model.compose import substitute
        from app.model.compose_auth import AuthProblem, oauth2_of

        values: dict[str, str] = {}
        source = self.variables()
        if source is not None:
            values = dict((await source(model)).values)
        pool = self.sessions()
        auth: AuthModel = model.auth
        try:
            return oauth2_of(auth, values, pool.auth_cache,
                             lambda text: substitute(text, values, "auth"))
        except AuthProblem as exc:
            raise ValueError(str(exc)) from exc

    async def _fetch(self, model: RequestModel, refresh: bool) -> TokenSet:
        auth = await self._auth(model)
        session = self.sessions().get(model.options)
        timeout = model.options.timeout if model.options.timeout else None
        return await auth.fetch_token(session, refresh=refresh, timeout=timeout)

    async def _held(self, model: RequestModel) -> TokenSet | None:
        import asyncio

        auth = await self._auth(model)
        return await asyncio.to_thread(lambda: auth.token)

    async def _clear(self, model: RequestModel) -> None:
        import asyncio

        auth = await self._auth(model)
        await asyncio.to_thread(auth.clear)
        return None  # no token held: what the page shows

    def _on_error(self, error: BaseException) -> None:
        self._waiting_for = ""
        from app.client.errors import ClientError
        from app.storage.secrets import SecretsUnavailable

        if isinstance(error, ClientError | ValueError | SecretsUnavailable | OSError):
            self.failed.emit(str(error))
        else:
            self.failed.emit(f"{type(error).__name__}: {error}")
