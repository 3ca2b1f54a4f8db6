"""The HTTP grammar written once (``app/model/http.py``): tokens, methods, media types."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.model.http import (
    STANDARD_METHODS,
    canonical_method,
    charset,
    decode_text,
    is_json_media,
    is_token,
    media_parameter,
    media_type,
)

TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


@pytest.mark.parametrize("text", ["GET", "purge", "M-Search", "m.k~col", "X-Header_1", "!#$"])
def test_tokens(text: str) -> None:
    assert is_token(text)


@pytest.mark.parametrize("text", ["", "GE T", "GET\r\n", "GET\n", "G(ET", "GÉT", "a:b", "a/b"])
def test_not_tokens(text: str) -> None:
    assert not is_token(text)


@given(st.text(alphabet=TCHARS, min_size=1))
def test_every_string_of_tchars_is_a_token(text: str) -> None:
    assert is_token(text)


@pytest.mark.parametrize(("given_", "canonical"), [
    ("get", "GET"), ("pOsT", "POST"), ("connect", "CONNECT"), ("GET", "GET"),
    ("purge", "purge"), ("PURGE", "PURGE"), ("Frob-It", "Frob-It"),
])
def test_standard_methods_are_upper_cased_others_kept(given_: str, canonical: str) -> None:
    assert canonical_method(given_) == canonical


def test_the_standard_methods() -> None:
    assert sorted(STANDARD_METHODS) == ["CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH",
                                        "POST", "PUT", "TRACE"]


@pytest.mark.parametrize(("value", "media"), [
    ("application/json", "application/json"),
    ("Application/JSON; charset=UTF-8", "application/json"),
    ("  text/plain ;charset=utf-8", "text/plain"),
    ("", ""),
    (None, ""),
])
def test_media_type(value: str | None, media: str) -> None:
    assert media_type(value) == media


def test_parameters() -> None:
    value = 'multipart/form-data; Boundary="abc"; charset=latin-1; charset=utf-8'
    assert media_parameter(value, "boundary") == "abc"
    assert charset(value) == "latin-1"  # the first one wins
    assert charset("text/plain") is None
    assert charset("text/plain; charset=") is None
    assert charset(None) is None


@pytest.mark.parametrize(("value", "json"), [
    ("application/json", True), ("application/problem+json; charset=utf-8", True),
    ("APPLICATION/JSON", True), ("text/json", False), ("text/plain", False), (None, False),
])
def test_json_media(value: str | None, json: bool) -> None:
    assert is_json_media(value) is json


def test_decode_text_falls_back_and_never_raises() -> None:
    assert decode_text("é".encode("latin-1"), "latin-1") == "é"
    assert decode_text("é".encode(), None) == "é"
    assert decode_text("é".encode(), "no-such-codec") == "é"
    assert decode_text(b"\xff", "utf-8") == "\ufffd"
