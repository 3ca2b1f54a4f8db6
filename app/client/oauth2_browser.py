"""The OAuth 2.0 authorization code grant, with S256 PKCE and a loopback redirect (RFC 8252).

The flow opens the authorization page in the user's browser (``open_browser``, run on a worker
thread since ``webbrowser.open`` blocks), and a listener bound to 127.0.0.1 only, on a random
port unless one is given, waits for the browser to be redirected back. It takes exactly one
redirect: it checks ``state`` (a wrong or missing one fails at once with a
:class:`~app.client.errors.RequestError`), answers the browser with a page saying it may be
closed, and stops. The code is then exchanged at the token endpoint like any other grant.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import html
import secrets
import socket
import webbrowser
from collections.abc import Callable, MutableMapping, Sequence
from typing import Any

from aiohttp import web
from yarl import URL

from .auth_base import AuthWait
from .errors import ErrorKind, RequestError, RequestTimeout
from .oauth2 import OAuth2Auth, Steps

__all__ = ["LoopbackRedirect", "OAuth2AuthorizationCode", "pkce_pair"]

_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Spyglass</title></head>
<body style="font-family: sans-serif; margin: 3em"><h1>{title}</h1><p>{text}</p></body></html>
"""


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(48)  # 64 characters of the unreserved set
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class LoopbackRedirect:
    """A one-shot HTTP listener on 127.0.0.1 that receives the authorization redirect."""

    def __init__(self, state: str, *, port: int = 0, path: str = "/callback") -> None:
        self.state = state
        self.port = port
        self.path = path
        self._result: asyncio.Future[str] | None = None
        self._runner: web.ServerRunner | None = None

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    async def start(self) -> str:
        """Listen; the redirect URI to give the authorization server."""
        self._result = asyncio.get_running_loop().create_future()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind(("127.0.0.1", self.port))
        except OSError as exc:
            sock.close()
            raise RequestError(
                f"Could not listen for the sign-in redirect on 127.0.0.1:{self.port}: "
                f"{exc.strerror or exc}", kind=ErrorKind.CONNECT,
            ) from exc
        self.port = sock.getsockname()[1]
        self._runner = web.ServerRunner(web.Server(self._handle), access_log=None,
                                        shutdown_timeout=1.0)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()
        return self.redirect_uri

    async def code(self) -> str:
        """The authorization code the redirect brought (raises what the redirect was)."""
        assert self._result is not None, "start() first"
        return await asyncio.shield(self._result)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        if self._result is not None and not self._result.done():
            self._result.cancel()

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        result = self._result
        if request.path != self.path or result is None or result.done():
            # Only the first redirect counts; a favicon or a second visit changes nothing.
            return web.Response(status=404, text="Not found")
        query = request.query
        state = query.get("state")
        failure: Exception | None = None
        if state is None or not hmac.compare_digest(state.encode(), self.state.encode()):
            failure = RequestError(
                "The sign-in redirect came back with a missing or wrong state (the sign-in was "
                "not the one started here), so its code was not used", url=self.redirect_uri,
            )
        elif "error" in query:
            words = query.get("error_description", "")
            failure = RequestError(
                f"The authorization server refused the sign-in: {query['error']}"
                + (f": {words}" if words else ""), url=self.redirect_uri,
            )
        elif not query.get("code"):
            failure = RequestError("The sign-in redirect brought no authorization code",
                                   url=self.redirect_uri)
        if failure is None:
            page = _PAGE.format(title="Signed in",
                                text="Spyglass has the authorization. You may close this window.")
        else:
            page = _PAGE.format(title="Sign-in failed",
                                text=html.escape(str(failure)) + " You may close this window.")
        response = web.Response(text=page, content_type="text/html",
                                headers={"Connection": "close", "Cache-Control": "no-store"})
        # Written out before the flow goes on and stops the listener.
        await response.prepare(request)
        await response.write_eof()
        if failure is None:
            result.set_result(query["code"])
        else:
            result.set_exception(failure)
        return response


class OAuth2AuthorizationCode(OAuth2Auth):
    """The authorization code grant: the user signs in in a browser; S256 PKCE unless
    ``pkce=False``; ``login_timeout`` seconds to do it (5 minutes by default)."""

    grant_type = "authorization_code"

    def __init__(
        self,
        authorize_url: str,
        token_url: str,
        client_id: str,
        *,
        client_secret: str | None = None,
        scope: str | Sequence[str] | None = None,
        pkce: bool = True,
        redirect_port: int = 0,
        open_browser: Callable[[str], object] = webbrowser.open,
        token_store: MutableMapping[str, str] | None = None,
        login_timeout: float = 300.0,
        **settings: Any,
    ) -> None:
        super().__init__(token_url, client_id, client_secret=client_secret, scope=scope,
                         token_store=token_store, **settings)
        if not 0 <= redirect_port < 65536:
            raise ValueError(f"redirect_port must be a port number or 0, not {redirect_port!r}")
        self.authorize_url = authorize_url
        self.pkce = pkce
        self.redirect_port = redirect_port
        self.open_browser = open_browser
        self.login_timeout = login_timeout

    def _grant(self) -> Steps:
        verifier, challenge = pkce_pair() if self.pkce else ("", "")
        state = secrets.token_urlsafe(24)
        login = AuthWait(lambda: self._sign_in(state, challenge))
        yield login
        code, redirect_uri = login.result
        fields = {"grant_type": "authorization_code", "code": code,
                  "redirect_uri": redirect_uri}
        if self.pkce:
            fields["code_verifier"] = verifier
        return (yield from self._exchange(fields))

    async def _sign_in(self, state: str, challenge: str) -> tuple[str, str]:
        """Open the authorization page and wait for its one redirect: (code, redirect URI)."""
        listener = LoopbackRedirect(state, port=self.redirect_port)
        redirect_uri = await listener.start()
        try:
            params = {"response_type": "code", "client_id": self.client_id,
                      "redirect_uri": redirect_uri, "state": state}
            if self.scope:
                params["scope"] = self.scope
            if self.pkce:
                params.update(code_challenge=challenge, code_challenge_method="S256")
            url = str(URL(self.authorize_url).update_query(params))
            opened = await asyncio.to_thread(self.open_browser, url)
            if opened is False:  # webbrowser.open's way of saying there is no browser
                raise RequestError(f"Could not open a browser for the sign-in page: {url}",
                                   url=self.authorize_url)
            try:
                code = await asyncio.wait_for(listener.code(), self.login_timeout)
            except TimeoutError:
                raise RequestTimeout(
                    f"The sign-in was not completed within {self.login_timeout:g} seconds",
                    url=self.authorize_url,
                ) from None
            return code, redirect_uri
        finally:
            await listener.stop()
