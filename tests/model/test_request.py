"""app.model.request: the mode a file names, and the secret auth fields in one place."""

from __future__ import annotations

import json

import pytest

from app.model.request import (
    SECRET_AUTH_FIELDS,
    AuthKind,
    AuthModel,
    RequestMode,
    RequestModel,
)


@pytest.mark.parametrize("mode", list(RequestMode))
def test_a_mode_round_trips_through_the_file_form(mode: RequestMode) -> None:
    model = RequestModel(mode=mode)
    data = json.loads(json.dumps(model.to_dict()))
    assert data["mode"] == mode.value
    again = RequestModel.from_dict(data)
    assert again.mode is mode and again == model


def test_the_mode_values_are_what_workspace_files_hold() -> None:
    assert [m.value for m in RequestMode] == ["http", "sse", "websocket"]


@pytest.mark.parametrize("value", ["graphql", "", None, 3])
def test_an_unknown_mode_opens_as_plain_http(value: object) -> None:
    assert RequestModel.from_dict({"mode": value}).mode is RequestMode.HTTP
    assert RequestModel.from_dict({}).mode is RequestMode.HTTP


def test_secret_values_are_the_non_empty_secret_fields() -> None:
    auth = AuthModel(kind=AuthKind.BASIC, username="ann", password="pw", token="",
                     key_value="k", secret_key="s")
    assert auth.secret_values() == ["pw", "k", "s"]
    assert AuthModel().secret_values() == []


def test_without_secrets_blanks_every_secret_field_and_keeps_the_rest() -> None:
    auth = AuthModel(kind=AuthKind.API_KEY, username="ann", password="pw", token="t",
                     key_name="X-Key", key_value="k", secret_key="s", access_key="a")
    blank = auth.without_secrets()
    assert all(getattr(blank, name) == "" for name in SECRET_AUTH_FIELDS)
    assert (blank.kind, blank.username, blank.key_name, blank.access_key) == (
        AuthKind.API_KEY, "ann", "X-Key", "a")
    assert auth.password == "pw"  # a copy: the original keeps its secrets
    assert blank.secret_values() == []
