"""The auth tab's OAuth 2.0 and AWS SigV4 pages, and "Get new token" against a real
authorization server (authlib's, tests/client/oauth_server.py)."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any
from urllib.error import URLError
from urllib.parse import parse_qs, urlsplit
from urllib.request import urlopen

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.model.compose import SessionPool, compose
from app.model.compose_auth import AuthCache
from app.model.request import OAUTH2_GRANTS, AuthKind, AuthModel, RequestModel
from app.storage.secrets import MemorySecrets
from app.storage.token_store import KeyringTokenStore
from tests.client.oauth_server import OAuthState, make_oauth_app
from tests.client.server import ServerThread
from ui.request.auth_editor import AuthEditor
from ui.request.oauth_tokens import OAuthTokens
from ui.tasks import TaskRunner

GRANT_FIELDS = {
    "client_credentials": {"token_url", "client_id", "client_secret", "scope", "audience",
                           "client_auth"},
    "password": {"token_url", "client_id", "client_secret", "username", "password", "scope"},
    "authorization_code": {"token_url", "authorize_url", "client_id", "client_secret",
                           "scope", "pkce"},
    "device_code": {"token_url", "device_url", "client_id", "scope"},
}
FIELDS = sorted(set().union(*GRANT_FIELDS.values()))

MODELS = [
    AuthModel(AuthKind.OAUTH2, grant="client_credentials", token_url="{{id}}/token",
              client_id="svc", client_secret="s3", scope="read", audience="api",
              client_auth="body"),
    AuthModel(AuthKind.OAUTH2, grant="password", token_url="https://id/t", client_id="pw",
              username="ada", password="pa:ss"),
    AuthModel(AuthKind.OAUTH2, grant="authorization_code", token_url="https://id/t",
              authorize_url="https://id/a", client_id="web", pkce=False),
    AuthModel(AuthKind.OAUTH2, grant="device_code", token_url="https://id/t",
              device_url="https://id/d", client_id="tv"),
    AuthModel(AuthKind.AWS_SIGV4, access_key="AKID", secret_key="sk", region="eu-west-3",
              service="s3", session_token="{{st}}"),
]


@pytest.fixture
def auth(qtbot: QtBot) -> AuthEditor:
    widget = AuthEditor()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.mark.parametrize("model", MODELS, ids=lambda m: f"{m.kind}-{m.grant}")
def test_round_trip(qtbot: QtBot, auth: AuthEditor, model: AuthModel) -> None:
    with qtbot.assertNotEmitted(auth.changed):
        auth.load_model(model)
    assert auth.to_model() == model


def test_choosing_a_grant_shows_only_its_fields(qtbot: QtBot, auth: AuthEditor) -> None:
    with qtbot.waitSignal(auth.changed):
        auth.kind_box.setCurrentIndex(auth.kind_box.findData(AuthKind.OAUTH2))
    page = auth.oauth2
    assert page.isVisibleTo(auth) and not auth.username.isVisibleTo(auth)
    for grant in (*OAUTH2_GRANTS[1:], OAUTH2_GRANTS[0]):  # each one a change
        with qtbot.waitSignal(auth.changed):
            page.grant_box.setCurrentIndex(page.grant_box.findData(grant))
        shown = {name for name in FIELDS if getattr(page, name).isVisibleTo(auth)}
        assert shown == GRANT_FIELDS[grant], grant
    auth.kind_box.setCurrentIndex(auth.kind_box.findData(AuthKind.AWS_SIGV4))
    assert not page.isVisibleTo(auth)
    assert {n for n in ("access_key", "secret_key", "region", "service", "session_token")
            if getattr(auth, n).isVisibleTo(auth)} == {"access_key", "secret_key", "region",
                                                        "service", "session_token"}
    assert not auth.api_version.isVisibleTo(auth)


def test_typing_the_sigv4_page(qtbot: QtBot, auth: AuthEditor) -> None:
    auth.kind_box.setCurrentIndex(auth.kind_box.findData(AuthKind.AWS_SIGV4))
    for name, text in (("access_key", "AKID"), ("secret_key", "sk"), ("region", "us-east-1"),
                       ("service", "execute-api"), ("session_token", "tok")):
        with qtbot.waitSignal(auth.changed):
            qtbot.keyClicks(getattr(auth, name), text)
    assert auth.to_model() == AuthModel(AuthKind.AWS_SIGV4, access_key="AKID",
                                        secret_key="sk", region="us-east-1",
                                        service="execute-api", session_token="tok")
    assert auth.session_token.echoMode() == auth.session_token.EchoMode.Password


def test_the_user_name_and_password_follow_between_basic_and_the_password_grant(
    qtbot: QtBot, auth: AuthEditor
) -> None:
    auth.kind_box.setCurrentIndex(auth.kind_box.findData(AuthKind.BASIC))
    qtbot.keyClicks(auth.username, "ada")
    qtbot.keyClicks(auth.password, "pw")
    auth.kind_box.setCurrentIndex(auth.kind_box.findData(AuthKind.OAUTH2))
    page = auth.oauth2
    page.grant_box.setCurrentIndex(page.grant_box.findData("password"))
    assert (page.username.text(), page.password.text()) == ("ada", "pw")
    page.username.setText("bob")
    assert auth.to_model().username == "bob"
    auth.kind_box.setCurrentIndex(auth.kind_box.findData(AuthKind.BASIC))
    assert auth.username.text() == "bob" and auth.to_model().username == "bob"


# -- the token panel, against a real server ---------------------------------------------------

class Provider:
    def __init__(self) -> None:
        self.state = OAuthState()
        self.server = ServerThread(lambda: make_oauth_app(self.state)).start()
        self.url = self.server.url


@pytest.fixture
def provider() -> Iterator[Provider]:
    p = Provider()
    yield p
    p.server.stop()


class Tab:
    """What a request tab gives the token panel: a runner, a pool, variables."""

    def __init__(self, qtbot: QtBot, provider: Provider, run_async: Any) -> None:
        self.secrets = MemorySecrets()
        self.pool = SessionPool(auth_cache=AuthCache(KeyringTokenStore(self.secrets)))
        self.runner = TaskRunner()
        self.editor = AuthEditor()
        qtbot.addWidget(self.editor)
        self.values = {"id": provider.url, "secret": "svc sécret/+"}

        async def variables(model: RequestModel) -> Any:
            from app.model.variables import Resolution
            return Resolution(dict(self.values), set())

        self.tokens = OAuthTokens(self.runner, "tab 1 / oauth2 token", lambda: self.pool,
                                  lambda: variables)
        self.tokens.attach(self.editor.oauth2, self.model)
        self.run_async = run_async

    def model(self) -> RequestModel:
        return RequestModel(url="{{id}}/me", auth=self.editor.to_model())

    def close(self) -> None:
        self.runner.cancel_all()
        self.run_async(self.pool.close())


@pytest.fixture
def tab(qtbot: QtBot, provider: Provider, run_async: Any) -> Iterator[Tab]:
    t = Tab(qtbot, provider, run_async)
    t.editor.load_model(AuthModel(AuthKind.OAUTH2, token_url="{{id}}/token", client_id="svc",
                                  client_secret="{{secret}}", scope="read"))
    yield t
    t.close()


def test_get_new_token_shows_expiry_and_scopes_and_clear_empties_it(
    qtbot: QtBot, tab: Tab, provider: Provider, run_async: Any
) -> None:
    page = tab.editor.oauth2
    assert page.expiry.text() == "no token" and not page.clear_button.isEnabled()
    with qtbot.waitSignal(tab.tokens.token, timeout=15000):
        page.get_button.click()
        assert not page.get_button.isEnabled()  # busy until the answer
    assert "(in 59 min)" in page.expiry.text() or "(in 60 min)" in page.expiry.text()
    assert page.scopes.text() == "read"
    assert page.clear_button.isEnabled() and page.get_button.isEnabled()
    assert provider.state.grants == {"client_credentials": 1}
    assert len(tab.secrets._values) == 1  # the token went to the keyring
    # The next send uses the token just got: no grant.
    model = tab.model()
    composed = compose(tab.pool.get(model.options), model, tab.values,
                       auth_cache=tab.pool.auth_cache)

    async def send() -> None:
        async with composed.request.fetch():
            pass

    run_async(send())
    assert provider.state.grants == {"client_credentials": 1}
    assert provider.state.hits["/me"] == 1
    with qtbot.waitSignal(tab.tokens.token, timeout=15000) as cleared:
        page.clear_button.click()
    assert cleared.args == [None]
    assert page.expiry.text() == "no token" and page.scopes.text() == ""
    assert tab.secrets._values == {}


def test_refresh_and_a_refusal(qtbot: QtBot, provider: Provider, run_async: Any) -> None:
    tab = Tab(qtbot, provider, run_async)
    try:
        tab.editor.load_model(AuthModel(AuthKind.OAUTH2, grant="password",
                                        token_url="{{id}}/token", client_id="pw-app",
                                        client_secret="pw-secret", username="alice",
                                        password="wonder land"))
        page = tab.editor.oauth2
        with qtbot.waitSignal(tab.tokens.token, timeout=15000):
            page.get_button.click()
        with qtbot.waitSignal(tab.tokens.token, timeout=15000):
            page.refresh_button.click()
        assert provider.state.grants == {"password": 1, "refresh_token": 1}
        page.password.setText("wrong")
        with qtbot.waitSignal(tab.tokens.failed, timeout=15000) as failed:
            page.get_button.click()
        # The server's own words reach the page.
        assert "Invalid 'username' or 'password'" in failed.args[0]
        assert page.status.text() == failed.args[0] and page.get_button.isEnabled()
        page.token_url.setText("")
        with qtbot.waitSignal(tab.tokens.failed, timeout=15000) as failed:
            page.get_button.click()
        assert failed.args == ["OAuth 2.0 needs a token URL"]
    finally:
        tab.close()


def test_show_reads_a_token_kept_from_an_earlier_run(qtbot: QtBot, tab: Tab) -> None:
    page = tab.editor.oauth2
    with qtbot.waitSignal(tab.tokens.token, timeout=15000):
        page.get_button.click()
    shown = page.expiry.text()
    # A new run: a new cache over the same keyring; the page starts empty.
    tab.pool.auth_cache = AuthCache(KeyringTokenStore(tab.secrets))
    page.show_token(None)
    with qtbot.waitSignal(tab.tokens.token, timeout=15000) as held:
        tab.tokens.show(tab.model())
    assert held.args[0] is not None and page.expiry.text() == shown
    # Settings that cannot be used yet show no token, and no error.
    page.client_id.setText("")
    with qtbot.waitSignal(tab.tokens.token, timeout=15000) as held:
        tab.tokens.show(tab.model())
    assert held.args == [None] and page.status.text() == ""


def test_a_sign_in_shows_its_address_and_can_be_cancelled(
        qtbot: QtBot, tab: Tab, provider: Provider) -> None:
    """No browser opened (as on a machine without one): the page shows the address to open,
    selectable and clickable, and Cancel stops the wait and its loopback listener."""
    seen: list[str] = []

    def no_browser(url: str) -> bool:
        seen.append(url)
        return True  # webbrowser says it opened one; nothing came

    tab.pool.auth_cache.open_browser = no_browser
    page = tab.editor.oauth2
    page.grant_box.setCurrentIndex(page.grant_box.findData("authorization_code"))
    page.authorize_url.setText("{{id}}/authorize")
    page.get_button.click()
    qtbot.waitUntil(lambda: bool(seen), timeout=15000)
    assert not page.cancel_button.isHidden() and not page.get_button.isEnabled()
    tab.tokens.sign_in_opened(seen[0])  # what the window does when the browser was given it
    assert page.status.textFormat() == Qt.TextFormat.RichText
    assert "if none opened" in page.status.text()
    assert f'href="{html.escape(seen[0], quote=True)}"' in page.status.text()
    assert page.status.toolTip() == seen[0]
    assert page.status.openExternalLinks()
    redirect = parse_qs(urlsplit(seen[0]).query)["redirect_uri"][0]
    with qtbot.waitSignal(tab.tokens.failed, timeout=15000) as failed:
        page.cancel_button.click()
    assert failed.args == ["Cancelled: no token was fetched"]
    assert page.get_button.isEnabled() and page.cancel_button.isHidden()
    # No token is held: nothing to refresh or clear.
    assert not page.refresh_button.isEnabled() and not page.clear_button.isEnabled()
    assert page.status.text() == "Cancelled: no token was fetched"

    def listener_gone() -> bool:
        try:
            urlopen(redirect + "?code=x&state=y", timeout=2)
        except URLError as exc:
            return isinstance(exc.reason, ConnectionRefusedError)
        except OSError:
            return False
        return False

    qtbot.waitUntil(listener_gone, timeout=10000)
    assert provider.state.grants == {}  # nothing reached the token endpoint
    # A device code for another tab's grant is not shown here.
    tab.tokens.device_code("http://x/device", "ABCD")
    assert "ABCD" not in page.status.text()
