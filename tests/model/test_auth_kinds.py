"""OAuth 2.0 and AWS SigV4 in the request model: round trips through dicts and workspace
files, the secrets scanned for in every file, history database and export, and compose
against a real authorization server (tests/client/oauth_server.py, authlib's)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app.client.auth import (
    AWSSigV4Auth,
    OAuth2AuthorizationCode,
    OAuth2ClientCredentials,
    OAuth2DeviceCode,
    OAuth2Password,
)
from app.interchange import export, to_python_aiohttp, to_python_client
from app.model.compose import ComposeError, SessionPool, compose
from app.model.compose_auth import AuthCache
from app.model.request import AuthKind, AuthModel, RequestModel
from app.storage.history import History, Outcome, entry_for
from app.storage.secrets import MemorySecrets, SecretStore, SecretsUnavailable
from app.storage.token_store import KeyringTokenStore, token_ref
from app.storage.workspace import Workspace
from tests.client.test_oauth2 import Provider
from tests.client.test_oauth2 import provider as provider  # the fixture, for these tests

CLIENT_SECRET = "cs-Zq81xWm4"
SESSION_TOKEN = "st-Pp40yKd2"
SECRET_KEY = "sk-Hv73nRt9"
PASSWORD = "pw-Lc56aEu1"
SECRETS = (CLIENT_SECRET, SESSION_TOKEN, SECRET_KEY, PASSWORD)


def oauth_model(grant: str = "password") -> RequestModel:
    return RequestModel(name=f"OAuth {grant}", url="https://api.example.test/me",
                        auth=AuthModel(AuthKind.OAUTH2, grant=grant,
                                       token_url="https://id.example.test/token",
                                       authorize_url="https://id.example.test/authorize",
                                       client_id="app", client_secret=CLIENT_SECRET,
                                       scope="read write", username="ada", password=PASSWORD,
                                       client_auth="body", pkce=False))


def aws_model() -> RequestModel:
    return RequestModel(name="AWS", url="https://s3.eu-west-3.amazonaws.com/bucket",
                        auth=AuthModel(AuthKind.AWS_SIGV4, access_key="AKIDEXAMPLE",
                                       secret_key=SECRET_KEY, region="eu-west-3",
                                       service="s3", session_token=SESSION_TOKEN))


def all_bytes(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


# -- the model and its files --------------------------------------------------------------

@pytest.mark.parametrize("model", [oauth_model(), aws_model()], ids=["oauth2", "aws"])
def test_round_trip_through_a_dict(model: RequestModel) -> None:
    assert RequestModel.from_dict(model.to_dict()) == model


def test_workspace_files_hold_no_secret_and_only_what_differs(tmp_path: Path) -> None:
    secrets = MemorySecrets()
    workspace = Workspace(tmp_path / "ws", secrets)
    workspace.create_collection("Auth")
    models = [oauth_model(), aws_model()]
    paths = [workspace.save_request("Auth", m) for m in models]
    raw = all_bytes(tmp_path / "ws")
    for secret in SECRETS:
        assert secret.encode() not in raw
    assert set(secrets._values.values()) == set(SECRETS)
    again = Workspace(tmp_path / "ws", secrets)
    assert [again.load_request(p) for p in paths] == models
    text = paths[1].read_text()
    assert "region: eu-west-3" in text and "service: s3" in text
    # Defaults are not written: a diff shows only what the user set.
    assert "grant:" not in text and "pkce" not in text and "client_auth" not in text
    assert "pkce: false" in paths[0].read_text()


def test_history_holds_no_auth_secret(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with History(path) as history:
        for model in (oauth_model(), aws_model()):
            own = model.auth.secret_values()
            entry = entry_for(model, Outcome(time.time(), 0.1, 500,
                                             error="refused " + " ".join(own)))
            stored = history.get(history.add(entry))
            assert stored is not None and stored.error is not None
            assert own and not any(secret in stored.error for secret in own)
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("history.sqlite3*"))
    for secret in SECRETS:
        assert secret.encode() not in raw and secret.encode("utf-16-le") not in raw


def test_exports_leave_the_secrets_out_unless_asked() -> None:
    models = [oauth_model(g) for g in ("client_credentials", "password",
                                       "authorization_code", "device_code")] + [aws_model()]
    texts = [export(models, fmt) for fmt in ("curl", "har", "postman")]
    texts += [to_python_client(m, include_secrets=False) for m in models]
    texts += [to_python_aiohttp(m, include_secrets=False) for m in models]
    for text in texts:
        for secret in SECRETS:
            assert secret not in text
    with_secrets = export(models, "postman", include_secrets=True)
    assert CLIENT_SECRET in with_secrets and SESSION_TOKEN in with_secrets


# -- compose --------------------------------------------------------------------------------

VARIABLES = {"id": "https://id.example.test", "client": "app", "secret": "s3",
             "scope": "read", "aud": "api", "user": "ada", "pass": "pw", "region": "eu-west-3",
             "svc": "s3", "ak": "AKID", "sk": "sk", "st": "tok"}


def templated() -> AuthModel:
    return AuthModel(AuthKind.OAUTH2, token_url="{{id}}/token",
                     authorize_url="{{id}}/authorize", device_url="{{id}}/device",
                     client_id="{{client}}", client_secret="{{secret}}", scope="{{scope}}",
                     audience="{{aud}}", username="{{user}}", password="{{pass}}",
                     access_key="{{ak}}", secret_key="{{sk}}", region="{{region}}",
                     service="{{svc}}", session_token="{{st}}")


async def _auth_for(auth: AuthModel, cache: AuthCache | None = None) -> object:
    pool = SessionPool(auth_cache=cache)
    try:
        model = RequestModel(url="http://127.0.0.1:1/x", auth=auth)
        composed = compose(pool.get(model.options), model, VARIABLES,
                           auth_cache=pool.auth_cache)
        composed.close()
        return composed.request.auth
    finally:
        await pool.close()


async def test_variables_are_substituted_in_every_new_field() -> None:
    auth = templated()
    credentials = await _auth_for(auth)
    assert isinstance(credentials, OAuth2ClientCredentials)
    assert (credentials.token_url, credentials.client_id, credentials.client_secret,
            credentials.scope, credentials.audience) == (
        "https://id.example.test/token", "app", "s3", "read", "api")
    auth.grant = "password"
    password = await _auth_for(auth)
    assert isinstance(password, OAuth2Password)
    assert (password.username, password.password) == ("ada", "pw")
    auth.grant = "authorization_code"
    code = await _auth_for(auth)
    assert isinstance(code, OAuth2AuthorizationCode)
    assert code.authorize_url == "https://id.example.test/authorize" and code.pkce
    auth.grant = "device_code"
    device = await _auth_for(auth)
    assert isinstance(device, OAuth2DeviceCode)
    assert device.device_url == "https://id.example.test/device"
    auth.kind = AuthKind.AWS_SIGV4
    aws = await _auth_for(auth)
    assert isinstance(aws, AWSSigV4Auth)
    assert (aws.access_key, aws.secret_key, aws.region, aws.service, aws.session_token) == (
        "AKID", "sk", "eu-west-3", "s3", "tok")


@pytest.mark.parametrize(("auth", "message"), [
    (AuthModel(AuthKind.OAUTH2, client_id="a", client_secret="s"), "token URL"),
    (AuthModel(AuthKind.OAUTH2, token_url="http://x/t", client_secret="s"), "client ID"),
    (AuthModel(AuthKind.OAUTH2, token_url="http://x/t", client_id="a"), "client secret"),
    (AuthModel(AuthKind.OAUTH2, token_url="ftp://x/t", client_id="a", client_secret="s"),
     "absolute http"),
    (AuthModel(AuthKind.OAUTH2, grant="implicit", token_url="http://x/t", client_id="a"),
     "Unknown OAuth 2.0 grant 'implicit'"),
    (AuthModel(AuthKind.OAUTH2, grant="password", token_url="http://x/t", client_id="a"),
     "user name"),
    (AuthModel(AuthKind.OAUTH2, grant="authorization_code", token_url="http://x/t",
               client_id="a"), "authorization URL"),
    (AuthModel(AuthKind.OAUTH2, grant="device_code", token_url="http://x/t", client_id="a"),
     "device authorization URL"),
    (AuthModel(AuthKind.OAUTH2, token_url="{{nope}}", client_id="a"), r"\{\{nope\}\}"),
    (AuthModel(AuthKind.AWS_SIGV4, access_key="AK", secret_key="SK"), "a region, a service"),
    (AuthModel(AuthKind.AWS_SIGV4, access_key="AK", secret_key="SK", region="r",
               service="s", session_token="a\nb"), "session token"),
])
async def test_bad_auth_settings_are_a_field_problem(auth: AuthModel, message: str) -> None:
    with pytest.raises(ComposeError, match=message) as info:
        await _auth_for(auth)
    assert info.value.field == "auth"


async def test_aws_sigv4_signs_what_reaches_the_server(base_url: str) -> None:
    model = aws_model()
    model.url = base_url + "/echo"
    pool = SessionPool()
    try:
        composed = compose(pool.get(model.options), model, auth_cache=pool.auth_cache)
        async with composed.request.fetch() as response:
            headers = dict((await response.json())["headers"])
    finally:
        await pool.close()
    assert headers["Authorization"].startswith(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-3/s3/aws4_request" in headers["Authorization"]
    assert headers["X-Amz-Security-Token"] == SESSION_TOKEN


def client_credentials(provider: Provider) -> RequestModel:
    return RequestModel(url="{{base}}/me", auth=AuthModel(
        AuthKind.OAUTH2, token_url="{{base}}/token", client_id="svc",
        client_secret="{{secret}}", scope="read"))


async def _send(pool: SessionPool, model: RequestModel, variables: dict[str, str]) -> object:
    composed = compose(pool.get(model.options), model, variables, auth_cache=pool.auth_cache)
    try:
        async with composed.request.fetch() as response:
            return await response.json()
    finally:
        composed.close()


async def test_client_credentials_through_a_real_send_reuse_the_token_and_keep_it_in_the_keyring(
    provider: Provider, tmp_path: Path
) -> None:
    secrets = MemorySecrets()
    variables = {"base": provider.url, "secret": "svc sécret/+"}
    model = client_credentials(provider)
    pool = SessionPool(auth_cache=AuthCache(KeyringTokenStore(secrets)))
    try:
        assert await _send(pool, model, variables) == {
            "user": None, "client": "svc", "scope": "read", "body": ""}
        await _send(pool, model, variables)
    finally:
        await pool.close()
    assert provider.state.grants == {"client_credentials": 1}  # reused, not fetched again
    first, second = provider.state.seen["/me"]
    assert first == second
    [stored] = secrets._values.values()
    assert first.removeprefix("Bearer ") in stored
    # A new run (a new pool and cache over the same keyring) uses the stored token.
    pool = SessionPool(auth_cache=AuthCache(KeyringTokenStore(secrets)))
    try:
        await _send(pool, model, variables)
    finally:
        await pool.close()
    assert provider.state.grants == {"client_credentials": 1}
    assert provider.state.seen["/me"][-1] == first
    # Nothing of it in a workspace file.
    workspace = Workspace(tmp_path / "ws", MemorySecrets())
    workspace.create_collection("c")
    workspace.save_request("c", model)
    assert first.removeprefix("Bearer ").encode() not in all_bytes(tmp_path / "ws")


async def test_without_a_cache_each_send_fetches_its_own_token(provider: Provider) -> None:
    variables = {"base": provider.url, "secret": "svc sécret/+"}
    model = client_credentials(provider)
    pool = SessionPool()
    try:
        for _ in range(2):
            composed = compose(pool.get(model.options), model, variables)
            async with composed.request.fetch():
                pass
    finally:
        await pool.close()
    assert provider.state.grants == {"client_credentials": 2}


def test_the_cache_is_bounded_and_keeps_the_most_recent() -> None:
    cache = AuthCache(max_cached=2)
    made = [OAuth2ClientCredentials(f"http://x/{i}", "a", "s") for i in range(3)]
    for i, auth in enumerate(made):
        assert cache.get(("k", i), lambda auth=auth: auth) is auth  # type: ignore[misc]
    assert cache.get(("k", 2), lambda: made[0]) is made[2]
    assert cache.get(("k", 0), lambda: made[1]) is made[1]  # 0 was dropped: built anew


# -- the keyring-backed token store ---------------------------------------------------------

class Locked(SecretStore):
    def get(self, ref: str) -> str | None:
        raise SecretsUnavailable("the keyring is locked")

    def set(self, ref: str, value: str) -> None:
        raise SecretsUnavailable("the keyring is locked")

    def delete(self, ref: str) -> None:
        raise SecretsUnavailable("the keyring is locked")

    def available(self) -> bool:
        return False


def test_token_store_over_the_keyring() -> None:
    secrets = MemorySecrets()
    store = KeyringTokenStore(secrets)
    store["oauth2 password http://x/t app"] = '{"access_token": "a"}'
    assert secrets.get(token_ref("oauth2 password http://x/t app")) == '{"access_token": "a"}'
    assert store["oauth2 password http://x/t app"] == '{"access_token": "a"}'
    assert list(store) == ["oauth2 password http://x/t app"] and len(store) == 1
    assert store.get("other") is None
    del store["oauth2 password http://x/t app"]
    assert secrets._values == {} and len(store) == 0
    with pytest.raises(KeyError):
        del store["oauth2 password http://x/t app"]
    assert store.problem is None


def test_a_keyring_that_refuses_keeps_tokens_in_memory_and_says_why() -> None:
    store = KeyringTokenStore(Locked())
    assert store.get("k") is None and store.problem == "the keyring is locked"
    store["k"] = "v"
    assert store["k"] == "v" and list(store) == ["k"]
    store.pop("k")
    assert "k" not in store
