"""The auth and options tabs."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from app.model.request import AuthKind, AuthModel, RequestOptions
from ui.request.auth_editor import AuthEditor
from ui.request.options_editor import TLS_WARNING, OptionsEditor
from ui.request.tones import WARNING

KIND_MODELS = [
    AuthModel(),
    AuthModel(AuthKind.BASIC, username="ada", password="pa:ss"),
    AuthModel(AuthKind.BEARER, token="eyJ.x.y"),
    AuthModel(AuthKind.API_KEY, key_name="X-Key", key_value="k1", key_location="query"),
    AuthModel(AuthKind.DIGEST, username="{{user}}", password="{{password}}"),
    AuthModel(AuthKind.BACKENDAI, access_key="AKIA", secret_key="s3cr3t",
              api_version="v8.20240915", hash_type="sha1", domain="research"),
]


@pytest.fixture
def auth(qtbot: QtBot) -> AuthEditor:
    widget = AuthEditor()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.mark.parametrize("model", KIND_MODELS, ids=[m.kind.value for m in KIND_MODELS])
def test_auth_round_trip(qtbot: QtBot, auth: AuthEditor, model: AuthModel) -> None:
    with qtbot.assertNotEmitted(auth.changed):
        auth.load_model(model)
    assert auth.to_model() == model
    assert auth.kind_box.currentText() in ("No auth", "Basic", "Bearer token", "API key",
                                           "Digest", "Backend.AI", "OAuth 2.0",
                                           "AWS Signature V4")


def test_each_kind_shows_only_its_fields(auth: AuthEditor) -> None:
    shown = {}
    for index in range(auth.kind_box.count()):
        auth.kind_box.setCurrentIndex(index)
        shown[auth.kind()] = {name for name in ("username", "password", "token", "key_name",
                                                "key_value", "key_location", "access_key",
                                                "secret_key", "api_version", "hash_type",
                                                "domain")
                              if getattr(auth, name).isVisibleTo(auth)}
    assert shown == {
        AuthKind.NONE: set(),
        AuthKind.BASIC: {"username", "password"},
        AuthKind.BEARER: {"token"},
        AuthKind.API_KEY: {"key_name", "key_value", "key_location"},
        AuthKind.DIGEST: {"username", "password"},
        AuthKind.BACKENDAI: {"access_key", "secret_key", "api_version", "hash_type", "domain"},
        AuthKind.OAUTH2: set(),  # its own page: tests/ui/request/test_oauth2_page.py
        AuthKind.AWS_SIGV4: {"access_key", "secret_key"},
    }


def test_typing_credentials_and_revealing_secrets(qtbot: QtBot, auth: AuthEditor) -> None:
    with qtbot.waitSignal(auth.changed):
        auth.kind_box.setCurrentIndex(auth.kind_box.findData(AuthKind.BASIC))
    qtbot.keyClicks(auth.username, "ada")
    qtbot.keyClicks(auth.password, "hunter2")
    assert auth.to_model() == AuthModel(AuthKind.BASIC, username="ada", password="hunter2")
    assert auth.password.echoMode() == QLineEdit.EchoMode.Password
    auth.password.reveal_action.trigger()
    assert auth.password.echoMode() == QLineEdit.EchoMode.Normal
    auth.password.reveal_action.trigger()
    assert auth.password.echoMode() == QLineEdit.EchoMode.Password
    for secret in (auth.token, auth.key_value, auth.secret_key):
        assert secret.echoMode() == QLineEdit.EchoMode.Password


def test_switching_kinds_keeps_what_was_typed(qtbot: QtBot, auth: AuthEditor) -> None:
    auth.kind_box.setCurrentIndex(auth.kind_box.findData(AuthKind.BEARER))
    qtbot.keyClicks(auth.token, "tok")
    auth.kind_box.setCurrentIndex(auth.kind_box.findData(AuthKind.DIGEST))
    qtbot.keyClicks(auth.username, "u")
    model = auth.to_model()
    assert (model.kind, model.token, model.username) == (AuthKind.DIGEST, "tok", "u")


@pytest.fixture
def options(qtbot: QtBot) -> OptionsEditor:
    widget = OptionsEditor()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_options_round_trip_and_no_timeout(options: OptionsEditor) -> None:
    assert options.to_model() == RequestOptions()
    assert options.timeout.text() == "30 s"
    model = RequestOptions(timeout=None, follow_redirects=False, verify_tls=True,
                           ca_file="/etc/ca.pem")
    options.load_model(model)
    assert options.to_model() == model
    assert options.timeout.text() == "No timeout"
    assert options.ca_status.text() == "File not found: /etc/ca.pem"
    options.load_model(RequestOptions(timeout=2.5))
    assert options.timeout.text() == "2.5 s"
    assert options.to_model().timeout == 2.5


def test_turning_tls_verification_off_shows_a_warning(qtbot: QtBot,
                                                      options: OptionsEditor) -> None:
    assert not options.tls_warning.isVisible()
    with qtbot.waitSignal(options.changed):
        qtbot.mouseClick(options.verify_tls, Qt.MouseButton.LeftButton)
    assert options.to_model().verify_tls is False
    assert options.tls_warning.isVisible()
    assert options.tls_warning_label.text() == TLS_WARNING
    assert WARNING.name() in options.tls_warning_label.styleSheet()
    qtbot.mouseClick(options.verify_tls, Qt.MouseButton.LeftButton)
    assert not options.tls_warning.isVisible()


def test_ca_file_picker(qtbot: QtBot, options: OptionsEditor, tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    options.pick_file = lambda _title: [str(bundle)]
    with qtbot.waitSignal(options.changed):
        qtbot.mouseClick(options.ca_choose_button, Qt.MouseButton.LeftButton)
    assert options.to_model().ca_file == str(bundle)
    assert not options.ca_status.isVisible()


def test_a_relative_ca_path_is_looked_for_under_the_workspace(
        options: OptionsEditor, tmp_path: Path) -> None:
    """As the request finds it when sent: a relative path under the tab's workspace, and
    one with a {{variable}} only then (it is not said missing as it is typed)."""
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    options.load_model(RequestOptions(ca_file="certs/ca.pem"))
    assert options.ca_status.text() == "File not found: certs/ca.pem"
    options.workspace_root = lambda: tmp_path
    options.load_model(RequestOptions(ca_file="certs/ca.pem"))
    assert not options.ca_status.isVisible()
    options.load_model(RequestOptions(ca_file="certs/other.pem"))
    assert options.ca_status.isVisible()
    options.load_model(RequestOptions(ca_file="{{certs}}/ca.pem"))
    assert not options.ca_status.isVisible() and options.ca_status.text() == ""


def test_total_deadline_is_on_by_default_and_round_trips(options: OptionsEditor) -> None:
    """The options tab shows the total deadline (on by default); 0 reads "No deadline"."""
    assert options.total_timeout.text() == "300 s"
    options.load_model(RequestOptions(total_timeout=None))
    assert options.total_timeout.text() == "No deadline"
    assert options.to_model().total_timeout is None
    assert not options.is_default()
    options.load_model(RequestOptions(total_timeout=12.5))
    assert options.to_model() == RequestOptions(total_timeout=12.5)
