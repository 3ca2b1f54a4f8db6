"""From a request model to a request on the wire, and the errors that stop it before."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from app.client import AsyncSession, Timeout
from app.model.compose import ComposeError, SessionPool, compose, substitute, unresolved
from app.model.request import (
    AuthKind,
    AuthModel,
    BodyKind,
    BodyModel,
    KeyValue,
    MultipartField,
    RequestModel,
    RequestOptions,
)


async def _send(model: RequestModel, variables: dict[str, str] | None = None) -> dict:  # type: ignore[type-arg]
    async with AsyncSession() as session:
        composed = compose(session, model, variables)
        try:
            async with composed.request.fetch(check_status=False) as resp:
                return await resp.json()  # type: ignore[no-any-return]
        finally:
            composed.close()


def test_variables() -> None:
    assert substitute("{{a}}/x/{{ b }}", {"a": "1", "b": "2"}, "url") == "1/x/2"
    assert unresolved("{{a}} {{c}} {{c}}", {"a": "1"}) == ["c", "c"]
    with pytest.raises(ComposeError, match=r"Unresolved variable \{\{c\}\} in the url") as info:
        substitute("{{c}}", {}, "url")
    assert info.value.field == "url"


async def test_json_body_headers_and_variables(base_url: str) -> None:
    model = RequestModel(
        method="patch", url="{{base}}/echo?x={{x}}",
        headers=[KeyValue("X-On", "{{x}}"), KeyValue("X-Off", "no", enabled=False)],
        body=BodyModel(kind=BodyKind.JSON, text='{"a": 1}'),
    )
    data = await _send(model, {"base": base_url, "x": "42"})
    headers = dict(data["headers"])
    assert data["method"] == "PATCH" and data["path_qs"] == "/echo?x=42"
    assert headers["X-On"] == "42" and "X-Off" not in headers
    assert data["content_type"] == "application/json"
    assert base64.b64decode(data["body"]) == b'{"a": 1}'


async def test_an_explicit_content_type_header_wins(base_url: str) -> None:
    model = RequestModel(method="POST", url=base_url + "/echo",
                         headers=[KeyValue("content-type", "application/vnd.api+json")],
                         body=BodyModel(kind=BodyKind.JSON, text="{}"))
    data = await _send(model)
    assert [v for k, v in data["headers"] if k.lower() == "content-type"] == [
        "application/vnd.api+json"]


async def test_form_multipart_and_binary(base_url: str, tmp_path: Path) -> None:
    f = tmp_path / "photo.png"
    f.write_bytes(b"\x89PNG" + b"\x00" * 100)
    form = RequestModel(method="POST", url=base_url + "/echo", body=BodyModel(
        kind=BodyKind.FORM, form=[KeyValue("a", "1"), KeyValue("b", "x", False)]))
    assert base64.b64decode((await _send(form))["body"]) == b"a=1"
    multi = RequestModel(method="POST", url=base_url + "/echo", body=BodyModel(
        kind=BodyKind.MULTIPART,
        multipart=[MultipartField("t", "text"), MultipartField("f", str(f), is_file=True)]))
    parts = (await _send(multi))["parts"]
    assert [(p["name"], p["filename"], p["content_type"], p["size"]) for p in parts] == [
        ("t", None, "text/plain; charset=utf-8", 4), ("f", "photo.png", "image/png", 104)]
    binary = RequestModel(method="PUT", url=base_url + "/echo",
                          body=BodyModel(kind=BodyKind.BINARY, file_path=str(f)))
    data = await _send(binary)
    assert data["length"] == 104 and data["content_type"] == "image/png"


async def test_auth_kinds_reach_the_server(base_url: str) -> None:
    model = RequestModel(url=base_url + "/echo",
                         auth=AuthModel(kind=AuthKind.BEARER, token="{{t}}"))
    data = await _send(model, {"t": "tok"})
    assert dict(data["headers"])["Authorization"] == "Bearer tok"
    model.auth = AuthModel(kind=AuthKind.API_KEY, key_name="k", key_value="v",
                           key_location="query")
    assert (await _send(model))["query"] == [["k", "v"]]


@pytest.mark.parametrize(
    ("model", "field", "message"),
    [
        (RequestModel(url=""), "url", "Enter a URL"),
        (RequestModel(url="ftp://x/y"), "url", "Unsupported URL scheme"),
        (RequestModel(url="http:///nohost"), "url", "has no host"),
        (RequestModel(url="http://h/{{nope}}"), "url", "Unresolved variable"),
        (RequestModel(method="GE T", url="http://h/"), "method", "not a valid HTTP method"),
        (RequestModel(url="http://h/", headers=[KeyValue("Bad Name", "v")]), "headers",
         "not a valid header name"),
        (RequestModel(url="http://h/", headers=[KeyValue("X", "a\nb")]), "headers",
         "line break"),
        (RequestModel(url="http://h/", body=BodyModel(kind=BodyKind.BINARY,
                                                       file_path="/no/such/file")),
         "body", "File not found: /no/such/file"),
        (RequestModel(url="http://h/", body=BodyModel(kind=BodyKind.BINARY)), "body",
         "Choose a file"),
        (RequestModel(url="http://h/", auth=AuthModel(kind=AuthKind.BEARER)), "auth",
         "token is empty"),
    ],
)
async def test_bad_input_is_refused_before_sending(model: RequestModel, field: str,
                                                   message: str) -> None:
    async with AsyncSession() as session:
        with pytest.raises(ComposeError, match=message) as info:
            compose(session, model)
    assert info.value.field == field


async def test_session_pool_shares_by_options(tmp_path: Path) -> None:
    pool = SessionPool()
    a = pool.get(RequestOptions())
    assert pool.get(RequestOptions(timeout=5)) is a
    b = pool.get(RequestOptions(verify_tls=False))
    assert b is not a
    with pytest.raises(ComposeError, match="CA file not found"):
        pool.get(RequestOptions(ca_file=str(tmp_path / "missing.pem")))
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate")
    with pytest.raises(ComposeError, match="Cannot use the CA file"):
        pool.get(RequestOptions(ca_file=str(bad)))
    await pool.close()
    assert a.closed and b.closed


def test_model_round_trips_through_a_dict() -> None:
    model = RequestModel(name="n", method="POST", url="http://h/?a=1",
                         params=[KeyValue("a", "1"), KeyValue("b", "2", False)],
                         body=BodyModel(kind=BodyKind.MULTIPART,
                                        multipart=[MultipartField("f", "/x", True)]),
                         auth=AuthModel(kind=AuthKind.DIGEST, username="u"),
                         options=RequestOptions(timeout=None, verify_tls=False))
    assert RequestModel.from_dict(json.loads(json.dumps(model.to_dict()))) == model


async def test_websocket_urls_only_when_asked(base_url: str) -> None:
    ws_base = "ws://" + base_url.removeprefix("http://")
    async with AsyncSession() as session:
        for url in (ws_base + "/ws/echo", "wss://h/x"):
            with pytest.raises(ComposeError, match="use http or https"):
                compose(session, RequestModel(url=url))
            assert compose(session, RequestModel(url=url), websocket=True).url == url
        assert compose(session, RequestModel(url="h/x"), websocket=True).url == "ws://h/x"
        assert compose(session, RequestModel(url="h/x")).url == "http://h/x"
        assert compose(session, RequestModel(url="https://h/x"), websocket=True).url \
            == "https://h/x"
        with pytest.raises(ComposeError, match="use ws, wss, http or https"):
            compose(session, RequestModel(url="ftp://h/x"), websocket=True)

        model = RequestModel(url="{{base}}/ws/echo", headers=[KeyValue("X-Test", "{{x}}")],
                             auth=AuthModel(kind=AuthKind.BEARER, token="tok"))
        composed = compose(session, model, {"base": ws_base, "x": "42"}, websocket=True)
        async with composed.request.connect_websocket() as ws:
            greeting = await ws.receive_json(timeout=5)
    assert greeting["x_test"] == "42" and greeting["authorization"] == "Bearer tok"


# -- hostile input stopped before the wire (issue 12) -----------------------------------------


def test_options_give_a_total_deadline_by_default() -> None:
    """The window bounds the whole exchange (body included) by default: a server trickling a
    byte at a time cannot hold a request for ever. 0 or None turns it off."""
    from app.model.compose import timeout_of
    from app.model.request import DEFAULT_TOTAL_TIMEOUT

    timeout = timeout_of(RequestOptions())
    assert (timeout.connect, timeout.read, timeout.total) == (30.0, 30.0, DEFAULT_TOTAL_TIMEOUT)
    assert timeout_of(RequestOptions(timeout=None, total_timeout=0)).total is None
    assert timeout_of(RequestOptions(timeout=0, total_timeout=2.5)) == Timeout(total=2.5)


@pytest.mark.parametrize("auth", [
    AuthModel(kind=AuthKind.BEARER, token="abc\r\nX-Evil: 1"),
    AuthModel(kind=AuthKind.API_KEY, key_name="X-Key", key_value="v\x00"),
    AuthModel(kind=AuthKind.API_KEY, key_name="X Key", key_value="v"),
    AuthModel(kind=AuthKind.BACKENDAI, access_key="AK\n", secret_key="s"),
])
async def test_a_credential_that_would_break_a_header_is_a_field_problem(auth: AuthModel) -> None:
    """CR, LF or NUL in a token or an API key (a pasted value, a variable) is refused as a
    problem of the auth field, which the window shows as such, not as a bug."""
    from ui.error_messages import describe_error

    model = RequestModel(url="http://127.0.0.1:9/x", auth=auth)
    async with AsyncSession() as session:
        with pytest.raises(ComposeError) as caught:
            compose(session, model, {})
    assert caught.value.field == "auth"
    text = describe_error(caught.value)
    assert not text.unexpected and text.field == "auth"


async def test_a_header_value_with_a_control_character_is_a_field_problem() -> None:
    model = RequestModel(url="http://127.0.0.1:9/x", headers=[KeyValue("X-A", "a\x00b", True)])
    async with AsyncSession() as session:
        with pytest.raises(ComposeError, match="control character") as caught:
            compose(session, model, {})
    assert caught.value.field == "headers"
