"""gRPC requests in the model: GrpcModel as files hold it, and grpc_call_of filling in a
request's target, method, message, metadata, paths and TLS options (or saying which field
is wrong)."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest

from app.client.tls import ClientCertificate
from app.model.compose_errors import ComposeError
from app.model.compose_grpc import GRPC_STATUS_CODES, GrpcCall, grpc_call_of, grpc_target
from app.model.network_settings import (
    HostCertificate,
    NetworkConfig,
    NetworkSecrets,
    NetworkSettings,
)
from app.model.request import (
    GrpcModel,
    KeyValue,
    RequestMode,
    RequestModel,
    RequestOptions,
)

METHOD = "spyglass.playground.Playground/Echo"


def _grpc(url: str = "grpc://{{host}}:50051", message: str = '{"text": "{{word}}"}',
          **kw: object) -> RequestModel:
    model = RequestModel(name="g", url=url, mode=RequestMode.GRPC,
                         grpc=GrpcModel("{{service}}/Echo", message))
    for key, value in kw.items():
        setattr(model, key, value)
    return model


VARIABLES = {"host": "127.0.0.1", "word": "hi", "service": "spyglass.playground.Playground",
             "token": "abc", "dir": "protos"}


def test_a_grpc_request_survives_to_dict_and_from_dict() -> None:
    model = _grpc(headers=[KeyValue("x-token", "{{token}}")])
    model.grpc = GrpcModel(METHOD, '[{"a": 1}]', ["a.proto", "/abs/b.proto"], ["inc"], 2.5)
    again = RequestModel.from_dict(model.to_dict())
    assert again == model and again.mode is RequestMode.GRPC
    assert again.grpc.deadline == 2.5


def test_positional_construction_of_a_request_is_unchanged() -> None:
    assert RequestModel("n", "POST", "http://x").grpc == GrpcModel()
    assert GrpcModel("a.B/C").message == "" and GrpcModel().deadline is None


@pytest.mark.parametrize(("data", "error"), [
    ({"method": 5}, "gRPC method must be text"),
    ({"message": ["x"]}, "gRPC message must be text"),
    ({"protos": "a.proto"}, "gRPC protos must be a list of paths"),
    ({"import_paths": [1]}, "gRPC import_paths must be a list of paths"),
    ({"deadline": 0}, "gRPC deadline must be a positive number"),
    ({"deadline": "5"}, "gRPC deadline must be a positive number"),
    ({"deadline": True}, "gRPC deadline must be a positive number"),
    ({"deadline": float("inf")}, "gRPC deadline must be a positive number"),
])
def test_grpc_values_of_the_wrong_kind_are_refused_naming_them(data: dict[str, object],
                                                               error: str) -> None:
    with pytest.raises(ValueError, match=error):
        GrpcModel.read(data)
    with pytest.raises(ValueError, match=error):
        RequestModel.from_dict({"mode": "grpc", "grpc": data})


def test_grpc_read_takes_whole_seconds_and_no_section() -> None:
    assert GrpcModel.read({"deadline": 3}).deadline == 3.0
    assert GrpcModel.read(None) == GrpcModel()


@pytest.mark.parametrize(("url", "expected"), [
    ("grpc://localhost:50051", ("localhost:50051", False)),
    ("grpcs://api.example.com:443", ("api.example.com:443", True)),
    ("GRPCS://h:1/", ("h:1", True)),
    ("127.0.0.1:9", ("127.0.0.1:9", False)),
    ("[::1]:9", ("[::1]:9", False)),
])
def test_targets(url: str, expected: tuple[str, bool]) -> None:
    assert grpc_target(url) == expected


@pytest.mark.parametrize(("url", "error"), [
    ("", "Enter the gRPC target"),
    ("http://h:1", "grpc:// or grpcs://, not http://"),
    ("grpc://h:1/pkg.S/M", "without a path"),
    ("grpc://h", "names no port"),
    ("grpc://h:99999", "Not a gRPC target"),
    ("grpc://user@h:1", "Not a gRPC target"),
])
def test_bad_targets_name_the_url(url: str, error: str) -> None:
    with pytest.raises(ComposeError, match=error) as caught:
        grpc_target(url)
    assert caught.value.field == "url"


def test_a_call_has_every_variable_filled_in(tmp_path: Path) -> None:
    model = _grpc(headers=[KeyValue("X-Token", "{{token}}"), KeyValue("off", "x", False),
                           KeyValue("", "no name")])
    model.grpc.protos = ["{{dir}}/a.proto", "/abs/b.proto"]
    model.grpc.import_paths = ["{{dir}}", ""]
    model.grpc.deadline = 1.5
    call = grpc_call_of(model, VARIABLES, workspace_root=tmp_path)
    assert call == GrpcCall(
        target="127.0.0.1:50051", tls=False, full_method=METHOD, messages=[{"text": "hi"}],
        protos=[str(tmp_path / "protos" / "a.proto"), "/abs/b.proto"],
        import_paths=[str(tmp_path / "protos")], metadata=[("x-token", "abc")],
        deadline=1.5)
    assert call.url == "grpc://127.0.0.1:50051"


def test_an_array_is_a_stream_of_messages_and_empty_text_one_empty_message() -> None:
    call = grpc_call_of(_grpc(message='[{"value": 1}, {"value": 2}]'), VARIABLES)
    assert call.messages == [{"value": 1}, {"value": 2}]
    assert grpc_call_of(_grpc(message="  "), VARIABLES).messages == [{}]


def test_an_empty_array_opens_a_stream_sending_nothing() -> None:
    # A client or bidi stream opened to send from the stream view; a unary or
    # server-streaming method refuses it once the method is known (app.grpc, the pane).
    assert grpc_call_of(_grpc(message="[]"), VARIABLES).messages == []
    assert grpc_call_of(_grpc(message=" [ ]\n"), VARIABLES).messages == []


def test_a_message_may_be_another_json_value_its_type_judges() -> None:
    # A method taking a well-known type (a Timestamp, a StringValue) takes its JSON form;
    # an ItemRequest given a string is refused by app.grpc, which knows the type.
    call = grpc_call_of(_grpc(message='"2024-01-01T00:00:00Z"'), VARIABLES)
    assert call.messages == ["2024-01-01T00:00:00Z"]
    assert grpc_call_of(_grpc(message='[{"a": 1}, "b"]'), VARIABLES).messages == [{"a": 1}, "b"]


@pytest.mark.parametrize(("message", "error"), [
    ('{"text": }', r"The message is not JSON: Expecting value \(line 1, column 10\)"),
    ('{\n  "a": 1,\n}', r"line 3, column 1"),
    # Refused as protobuf's json_format.Parse refuses it: not the last value kept.
    ('[{"a": {"b": 1, "b": 2}}]', r"'b' is given twice in one object"),
])
def test_a_message_that_cannot_be_sent_names_the_message(message: str, error: str) -> None:
    with pytest.raises(ComposeError, match=error) as caught:
        grpc_call_of(_grpc(message=message), VARIABLES)
    assert caught.value.field == "message"


@pytest.mark.parametrize(("change", "field", "error"), [
    ({"url": "grpc://{{nowhere}}:1"}, "url", r"Unresolved variable \{\{nowhere\}\} in the url"),
    ({"message": '{"a": "{{nope}}"}'}, "message", r"\{\{nope\}\} in the message"),
    ({"headers": [KeyValue("a", "{{nope}}")]}, "headers", r"\{\{nope\}\} in the metadata"),
    ({"headers": [KeyValue("bad name", "v")]}, "headers", "not a metadata name"),
    ({"headers": [KeyValue("a", "caf\u00e9")]}, "headers", "printable ASCII"),
    # Names grpcio would drop or replace without a word (app.grpc's own words).
    ({"headers": [KeyValue("Content-Type", "application/json")]}, "headers",
     "content-type cannot be sent: gRPC sends its own"),
    ({"headers": [KeyValue("grpc-timeout", "5S")]}, "headers", "set the deadline instead"),
    ({"headers": [KeyValue("te", "{{word}}")]}, "headers", "te cannot be sent"),
    ({"headers": [KeyValue(":path", "/x")]}, "headers", "pseudo-header"),
    ({"headers": [KeyValue("a/b", "v")]}, "headers", "Not a metadata name"),
    ({"headers": [KeyValue("grpc-encoding", "br")]}, "headers", "identity, deflate, gzip"),
])
def test_what_cannot_be_sent_names_its_field(change: dict[str, object], field: str,
                                             error: str) -> None:
    model = _grpc()
    for key, value in change.items():
        setattr(model.grpc if key == "message" else model, key, value)
    with pytest.raises(ComposeError, match=error) as caught:
        grpc_call_of(model, VARIABLES)
    assert caught.value.field == field


@pytest.mark.parametrize(("method", "called"), [
    ("pkg.Svc/Echo", "pkg.Svc/Echo"), ("/pkg.Svc/Echo", "pkg.Svc/Echo"),
    ("pkg.Svc.Echo", "pkg.Svc/Echo"), ("Svc.Echo", "Svc/Echo")])
def test_a_method_is_service_slash_method_or_as_grpcurl_takes_it(method: str,
                                                                  called: str) -> None:
    model = _grpc()
    model.grpc.method = method
    assert grpc_call_of(model, VARIABLES).full_method == called


@pytest.mark.parametrize("method", ["", "Echo", "a.B/", "/C", "a/b/c", "a.", "a b.C"])
def test_a_method_that_is_not_service_slash_method_is_refused(method: str) -> None:
    model = _grpc()
    model.grpc.method = method
    with pytest.raises(ComposeError, match="Choose the gRPC method") as caught:
        grpc_call_of(model, VARIABLES)
    assert caught.value.field == "method"


def test_an_unresolved_variable_in_the_method_or_a_path_is_an_error() -> None:
    model = _grpc()
    with pytest.raises(ComposeError, match=r"\{\{service\}\} in the method"):
        grpc_call_of(model, {"host": "h", "word": "w"})
    model.grpc.protos = ["{{nope}}.proto"]
    with pytest.raises(ComposeError, match=r"\{\{nope\}\} in the \.proto files") as caught:
        grpc_call_of(model, VARIABLES)
    assert caught.value.field == "protos"


def test_tls_options_go_with_grpcs_only(tmp_path: Path) -> None:
    options = RequestOptions(ca_file="ca.pem", client_cert_mode="files",
                             client_cert="{{dir}}/me.pem", client_key="")
    plain = grpc_call_of(_grpc(options=options), VARIABLES, workspace_root=tmp_path)
    assert (plain.tls, plain.ca_file, plain.client_cert) == (False, None, None)
    tls = grpc_call_of(_grpc(url="grpcs://h:443", options=options), VARIABLES,
                       workspace_root=tmp_path)
    assert tls.tls and tls.ca_file == str(tmp_path / "ca.pem")
    assert tls.client_cert == ClientCertificate(str(tmp_path / "protos" / "me.pem"))
    assert tls.url == "grpcs://h:443"


@pytest.mark.parametrize(("options", "error"), [
    (RequestOptions(client_cert_mode="files"), "Choose the client certificate file"),
    (RequestOptions(client_cert_mode="files", client_cert="c.pem",
                    client_cert_passphrase="typed"), r"passphrase as a \{\{variable\}\}"),
    (RequestOptions(client_cert_mode="files", client_cert="c.pem",
                    client_cert_passphrase="{{missing}}"), r"\{\{missing\}\}"),
])
def test_tls_options_grpc_cannot_honour_are_refused(options: RequestOptions,
                                                    error: str) -> None:
    with pytest.raises(ComposeError, match=error) as caught:
        grpc_call_of(_grpc(url="grpcs://h:1", options=options), {**VARIABLES, "pass": "x"})
    assert caught.value.field == "options"


def test_without_the_check_the_servers_certificate_is_trusted_not_a_ca() -> None:
    options = RequestOptions(verify_tls=False, ca_file="ca.pem")
    call = grpc_call_of(_grpc(url="grpcs://h:1", options=options), VARIABLES)
    assert (call.tls, call.verify, call.ca_file) == (True, False, None)
    # Plaintext has nothing to check.
    call = grpc_call_of(_grpc(url="grpc://h:1", options=options), VARIABLES)
    assert (call.tls, call.verify) == (False, True)


def test_a_passphrase_variable_goes_with_the_certificate() -> None:
    options = RequestOptions(client_cert_mode="files", client_cert="c.pem", client_key="k.pem",
                             client_cert_passphrase="{{pass}}")
    call = grpc_call_of(_grpc(url="grpcs://h:1", options=options), {**VARIABLES, "pass": "pw"})
    assert call.client_cert == ClientCertificate("c.pem", "k.pem", "pw")
    assert "pw" not in repr(call)
    # An empty one is no passphrase.
    call = grpc_call_of(_grpc(url="grpcs://h:1", options=options), {**VARIABLES, "pass": ""})
    assert call.client_cert == ClientCertificate("c.pem", "k.pem", None)


def test_the_windows_certificate_for_the_host_is_the_default() -> None:
    network = NetworkConfig(
        NetworkSettings(certificates=(HostCertificate("*.corp.test", "/certs/corp.p12"),
                                      HostCertificate("h:1", "/certs/h.pem", "/certs/h.key"))),
        NetworkSecrets(passphrases={"*.corp.test": "p12 password"}))
    default = RequestOptions()  # client_cert_mode="default"

    def cert_of(url: str, options: RequestOptions = default) -> ClientCertificate | None:
        return grpc_call_of(_grpc(url=url, options=options), VARIABLES,
                            network=network).client_cert

    assert cert_of("grpcs://api.corp.test:443") == ClientCertificate(
        "/certs/corp.p12", None, "p12 password")
    assert cert_of("grpcs://h:1") == ClientCertificate("/certs/h.pem", "/certs/h.key", None)
    assert cert_of("grpcs://h:2") is None  # the pattern names port 1
    assert cert_of("grpcs://other.test:1") is None
    assert cert_of("grpc://api.corp.test:443") is None  # plaintext presents none
    assert cert_of("grpcs://h:1", RequestOptions(client_cert_mode="none")) is None
    # Without the window's settings (the runner), "default" is none.
    assert grpc_call_of(_grpc(url="grpcs://h:1"), VARIABLES).client_cert is None


def test_the_status_code_table_is_grpcs() -> None:
    assert {code.name: code.value[0] for code in grpc.StatusCode} == GRPC_STATUS_CODES


def test_the_proxy_is_chosen_as_for_http() -> None:
    window = NetworkConfig(
        NetworkSettings(proxy_mode="manual", proxy_url="http://proxy.corp:3128",
                        proxy_user="me", no_proxy="localhost, 127.0.0.1"),
        NetworkSecrets(proxy_password="pw"))

    def call_to(url: str, options: RequestOptions | None = None,
                network: NetworkConfig = window) -> GrpcCall:
        return grpc_call_of(_grpc(url=url, options=options or RequestOptions()),
                            {**VARIABLES, "pp": "inline"}, network=network)

    through = call_to("grpcs://api.corp:443")
    assert (through.proxy, through.proxy_auth, through.trust_env) == (
        "http://proxy.corp:3128", ("me", "pw"), False)
    assert "pw" not in repr(through)
    assert call_to("grpc://127.0.0.1:50051").proxy is None  # NO_PROXY names it
    own = call_to("grpc://api.corp:1", RequestOptions(proxy_mode="url",
                                                        proxy_url="http://u:{{pp}}@p:8080"))
    assert (own.proxy, own.proxy_auth) == ("http://p:8080", ("u", "inline"))
    assert call_to("grpc://api.corp:1", RequestOptions(proxy_mode="none")).proxy is None
    system = call_to("grpc://api.corp:1", network=NetworkConfig(
        NetworkSettings(proxy_mode="system")))
    assert (system.proxy, system.trust_env) == (None, True)
    assert system.channel_keywords()["trust_env"] is True
    socks = NetworkConfig(NetworkSettings(proxy_mode="manual",
                                          proxy_url="socks5://127.0.0.2:1080"))
    with pytest.raises(ComposeError, match=r"HTTP proxies \(http://\) only, not socks5://"):
        call_to("grpc://api.corp:1", network=socks)


def test_names_a_channel_option_sends_are_kept_for_the_call() -> None:
    # app.grpc sends them by its channel's options (user agent, authority, compression).
    model = _grpc(headers=[KeyValue("User-Agent", "tool/{{word}}"), KeyValue("Host", "h.test"),
                           KeyValue(":authority", "h.test"), KeyValue("grpc-encoding", "gzip")])
    assert grpc_call_of(model, VARIABLES).metadata == [
        ("user-agent", "tool/hi"), ("host", "h.test"), (":authority", "h.test"),
        ("grpc-encoding", "gzip")]
