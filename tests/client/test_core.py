"""The pure core: URL joining, methods, params, headers and redirect decisions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from app.client import AsyncSession, Request, RequestError, UsageError
from app.client._models import (
    PreparedRequest,
    ResponseInfo,
    host_header,
    join_url,
    merge_headers,
    merge_params,
    normalize_method,
    redirect_request,
)
from app.client.content import BytesBody


@pytest.mark.parametrize(
    ("endpoint", "path", "expected"),
    [
        ("http://h/api", "/v1/x", "http://h/api/v1/x"),
        ("http://h/api/", "v1/x", "http://h/api/v1/x"),
        ("http://h/api/", "/v1/x", "http://h/api/v1/x"),
        ("http://h", "x", "http://h/x"),
        ("http://h:8080/a/b/", "c?d=1", "http://h:8080/a/b/c?d=1"),
        ("http://h/api", "", "http://h/api/"),
        ("http://h/api", "https://other/y", "https://other/y"),
        ("http://h/api", "wss://other/ws", "wss://other/ws"),
    ],
)
def test_join_url_follows_the_seed(endpoint: str, path: str, expected: str) -> None:
    assert str(join_url(URL(endpoint), path)) == expected


def test_join_url_without_endpoint_needs_an_absolute_path() -> None:
    assert str(join_url(None, "http://h/x")) == "http://h/x"
    with pytest.raises(UsageError, match="not an absolute URL"):
        join_url(None, "/x")


@pytest.mark.parametrize(
    ("given", "sent"),
    [("get", "GET"), ("Post", "POST"), ("delete", "DELETE"), ("connect", "CONNECT"),
     ("PURGE", "PURGE"), ("purge", "purge"), ("M-SEARCH", "M-SEARCH"), ("x.y~z!", "x.y~z!")],
)
def test_methods(given: str, sent: str) -> None:
    assert normalize_method(given) == sent


@pytest.mark.parametrize("bad", ["", "GE T", "GET\r\n", "GET/", "(x)", "ü", "a,b"])
def test_bad_methods_raise_value_error(bad: str) -> None:
    with pytest.raises(ValueError, match="not a valid HTTP method"):
        normalize_method(bad)


@given(st.text(alphabet="!#$%&'*+-.^_`|~0123456789abcdefXYZ", min_size=1, max_size=20))
def test_any_token_is_a_method(token: str) -> None:
    method = normalize_method(token)
    assert method.upper() == token.upper()


def test_params_merge_after_the_path_query() -> None:
    url = merge_params(URL("http://h/p?a=1"), {"b": [2, 3], "c": "x y", "d": None, "e": True})
    assert url.raw_query_string == "a=1&b=2&b=3&c=x+y&e=true"
    url = merge_params(URL("http://h/p"), [("k", "1"), ("k", "2")])
    assert url.query.getall("k") == ["1", "2"]


def test_request_headers_override_session_headers_case_insensitively() -> None:
    merged = merge_headers({"X-A": "session", "X-B": "keep"}, {"x-a": "request"})
    assert merged.getall("X-A") == ["request"]
    assert merged["x-b"] == "keep"


@pytest.mark.parametrize(
    ("url", "host"),
    [("http://example.com:80/x", "example.com"), ("https://example.com:443/", "example.com"),
     ("http://example.com:8080/", "example.com:8080"), ("https://h:80/", "h:80"),
     ("ws://h:80/", "h"), ("http://[::1]:81/", "[::1]:81")],
)
def test_host_header_has_no_default_port(url: str, host: str) -> None:
    assert host_header(URL(url)) == host


def _prepared(method: str = "POST", url: str = "http://a.test/x") -> PreparedRequest:
    headers = CIMultiDict({"Content-Type": "application/json", "Authorization": "Bearer t",
                           "X-Keep": "1"})
    return PreparedRequest(method, URL(url), headers, BytesBody(b"{}", "application/json"))


def _response(status: int, location: str) -> ResponseInfo:
    return ResponseInfo(status, CIMultiDictProxy(CIMultiDict({"Location": location})),
                        URL("http://a.test/x"))


@pytest.mark.parametrize("status", [301, 302, 303])
def test_post_redirected_by_301_302_303_becomes_get_without_body(status: int) -> None:
    nxt = redirect_request(_prepared(), _response(status, "/y"))
    assert nxt is not None
    assert (nxt.method, str(nxt.url), nxt.body) == ("GET", "http://a.test/y", None)
    assert "Content-Type" not in nxt.headers
    assert nxt.headers["Authorization"] == "Bearer t"


@pytest.mark.parametrize("status", [307, 308])
def test_307_308_keep_method_and_body(status: int) -> None:
    req = _prepared()
    nxt = redirect_request(req, _response(status, "/y"))
    assert nxt is not None
    assert (nxt.method, nxt.body) == ("POST", req.body)
    assert nxt.headers["Content-Type"] == "application/json"


def test_303_turns_put_into_get_but_302_keeps_put() -> None:
    assert redirect_request(_prepared("PUT"), _response(303, "/y")).method == "GET"  # type: ignore[union-attr]
    assert redirect_request(_prepared("PUT"), _response(302, "/y")).method == "PUT"  # type: ignore[union-attr]
    assert redirect_request(_prepared("HEAD"), _response(303, "/y")).method == "HEAD"  # type: ignore[union-attr]


def test_other_origin_drops_credentials_and_same_origin_back_is_trusted() -> None:
    nxt = redirect_request(_prepared(), _response(307, "http://b.test/z"))
    assert nxt is not None and nxt.cross_origin
    assert "Authorization" not in nxt.headers and nxt.headers["X-Keep"] == "1"
    back = redirect_request(nxt, _response(307, "http://a.test/again"))
    assert back is not None and not back.cross_origin
    # Scheme and port are part of the origin too.
    assert redirect_request(_prepared(), _response(307, "https://a.test/x")).cross_origin  # type: ignore[union-attr]
    assert redirect_request(_prepared(), _response(307, "http://a.test:81/x")).cross_origin  # type: ignore[union-attr]


def test_not_a_redirect_and_bad_locations() -> None:
    assert redirect_request(_prepared(), _response(200, "/y")) is None
    assert redirect_request(_prepared(), _response(304, "/y")) is None
    with pytest.raises(RequestError, match="unsupported URL"):
        redirect_request(_prepared(), _response(302, "ftp://x/y"))


def test_request_builds_url_and_headers_without_sending() -> None:
    session = AsyncSession("http://h/api", headers={"X-S": "s", "Content-Type": "text/x"})
    rqst = Request(session, "post", "/items?a=1", "hello", params={"b": 2})
    rqst.headers["X-R"] = "r"
    prepared = rqst.prepare()
    assert str(prepared.url) == "http://h/api/items?a=1&b=2"
    assert prepared.method == "POST"
    assert prepared.headers["Content-Type"] == "text/plain"
    assert prepared.headers["X-S"] == "s" and prepared.headers["X-R"] == "r"
    rqst.headers["content-type"] = "text/markdown"
    assert rqst.prepare().headers.getall("Content-Type") == ["text/markdown"]
