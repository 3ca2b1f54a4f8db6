"""app.model.request: the mode a file names, the secret auth fields in one place, and the
files an import named that a send would read."""

from __future__ import annotations

import json
import re

import pytest

from app.model.request import (
    SECRET_AUTH_FIELDS,
    AuthKind,
    AuthModel,
    BodyKind,
    BodyModel,
    MultipartField,
    RequestMode,
    RequestModel,
    TerminalModel,
)


@pytest.mark.parametrize("mode", list(RequestMode))
def test_a_mode_round_trips_through_the_file_form(mode: RequestMode) -> None:
    model = RequestModel(mode=mode)
    data = json.loads(json.dumps(model.to_dict()))
    assert data["mode"] == mode.value
    again = RequestModel.from_dict(data)
    assert again.mode is mode and again == model


def test_the_mode_values_are_what_workspace_files_hold() -> None:
    assert [m.value for m in RequestMode] == ["http", "sse", "websocket", "terminal", "grpc"]


def test_a_terminal_request_keeps_its_protocol_and_size() -> None:
    data = {"mode": "terminal", "terminal": {"protocol": "kubernetes", "rows": 40, "cols": 132}}
    model = RequestModel.from_dict(data)
    assert model.mode is RequestMode.TERMINAL
    assert model.terminal == TerminalModel("kubernetes", 40, 132)
    assert RequestModel.from_dict(model.to_dict()) == model
    assert RequestModel.from_dict({}).terminal == TerminalModel()


@pytest.mark.parametrize(("terminal", "says"), [
    ({"protocol": "telnet"}, "unknown terminal protocol 'telnet'"),
    ({"rows": 0}, "terminal rows must be a whole number from 1 to 1000, not 0"),
    ({"cols": "80"}, "terminal cols must be a whole number from 1 to 1000, not '80'"),
    ({"cols": True}, "not True"),
])
def test_a_bad_terminal_section_is_an_error_that_names_it(terminal: dict[str, object],
                                                           says: str) -> None:
    with pytest.raises(ValueError, match=re.escape(says)):
        RequestModel.from_dict({"terminal": terminal})


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


def test_imported_files_are_those_a_send_reads() -> None:
    parts = [MultipartField("a", "/etc/hostname", is_file=True, imported=True),
             MultipartField("b", "/etc/passwd", is_file=True, imported=True, enabled=False),
             MultipartField("", "/etc/group", is_file=True, imported=True),
             MultipartField("c", "/tmp/mine.txt", is_file=True),
             MultipartField("d", "/etc/hosts", imported=True),          # a text part
             MultipartField("e", "", is_file=True, imported=True),
             MultipartField("f", "/etc/hostname", is_file=True, imported=True)]
    body = BodyModel(BodyKind.MULTIPART, multipart=parts, file_path="/etc/shadow",
                     file_imported=True)
    assert body.imported_files() == ["/etc/hostname"]
    body.kind = BodyKind.BINARY
    assert body.imported_files() == ["/etc/shadow"]
    for kind in (BodyKind.NONE, BodyKind.JSON, BodyKind.FORM):
        body.kind = kind
        assert body.imported_files() == []
    body.kind = BodyKind.BINARY
    body.file_imported = False
    assert body.imported_files() == []


def test_clearing_the_marks_keeps_everything_else_and_reaches_the_file_form() -> None:
    body = BodyModel(BodyKind.MULTIPART, multipart=[
        MultipartField("a", "/etc/hostname", is_file=True, imported=True)],
        file_path="/etc/hosts", file_imported=True)
    model = RequestModel(body=body)
    assert RequestModel.from_dict(json.loads(json.dumps(model.to_dict()))) == model
    body.clear_import_marks()
    assert body == BodyModel(BodyKind.MULTIPART, multipart=[
        MultipartField("a", "/etc/hostname", is_file=True)], file_path="/etc/hosts")
    assert body.imported_files() == []
    assert RequestModel.from_dict(model.to_dict()).body.imported_files() == []


def test_the_label_a_list_shows_for_each_mode() -> None:
    from app.model.request import method_label

    assert method_label("POST", "http") == "POST"
    assert [method_label("GET", mode) for mode in ("websocket", "sse", "terminal", "grpc")] == [
        "WS", "SSE", "TERM", "gRPC"]
    assert method_label("GET", "no such mode") == "GET"
