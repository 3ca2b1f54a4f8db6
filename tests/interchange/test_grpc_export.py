"""Copy as grpcurl and Copy as Python for gRPC requests; the Python script run in a child
process against the playground's gRPC server."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.interchange import to_python_aiohttp, to_python_client
from app.interchange.grpcurl import to_grpcurl
from app.interchange.shell_words import posix_words
from app.model.getting_started import PLAYGROUND_GRPC_VARIABLE, getting_started
from app.model.request import GrpcModel, KeyValue, RequestMode, RequestModel, RequestOptions
from app.playground.background import BackgroundPlayground

ROOT = Path(__file__).resolve().parents[2]


def _model(**kw: object) -> RequestModel:
    model = RequestModel(name="Echo", url="grpc://{{host}}:50051", mode=RequestMode.GRPC,
                         headers=[KeyValue("X-Token", "{{token}}"), KeyValue("off", "1", False)],
                         grpc=GrpcModel("pkg.Svc/Echo", '{"text": "it\'s {{word}}"}'))
    for key, value in kw.items():
        setattr(model, key, value)
    return model


def test_grpcurl_plaintext_with_metadata_message_and_the_method() -> None:
    text = to_grpcurl(_model(), {"host": "h", "token": "t 1", "word": "me"})
    assert text == (
        "grpcurl \\\n  -plaintext \\\n  -H 'x-token: t 1' \\\n"
        "  -d '{\"text\": \"it'\"'\"'s me\"}' \\\n  h:50051 pkg.Svc/Echo")
    assert posix_words(text.replace("\\\n", "")) == [
        "grpcurl", "-plaintext", "-H", "x-token: t 1", "-d", '{"text": "it\'s me"}',
        "h:50051", "pkg.Svc/Echo"]


def test_grpcurl_takes_the_user_agent_and_authority_by_its_own_flags() -> None:
    """As Spyglass sends them by its channel's options: grpc-go drops a user-agent given
    with -H, and sends a host one beside its own :authority."""
    headers = [KeyValue("User-Agent", "tool/{{v}}"), KeyValue("Host", "api.example"),
               KeyValue("x-a", "1")]
    words = posix_words(to_grpcurl(_model(headers=headers), {"v": "2"}).replace("\\\n", ""))
    assert words[:8] == ["grpcurl", "-plaintext", "-user-agent", "tool/2", "-authority",
                         "api.example", "-H", "x-a: 1"]
    authority = [KeyValue(":authority", "b.example")]
    assert "-authority b.example" in to_grpcurl(_model(headers=authority))


def test_grpcurl_tls_protos_deadline_and_a_stream() -> None:
    model = _model(url="grpcs://api.example.com:443", options=RequestOptions(
        verify_tls=False, ca_file="/etc/ca.pem", client_cert_mode="files",
        client_cert="/me.pem", client_key="/me.key"))
    model.grpc = GrpcModel("/pkg.Svc/Sum", '[{"value": 1}, {"value": 2}]',
                           ["svc.proto", " "], ["/protos", "/more protos"], 2.5)
    words = shlex.split(to_grpcurl(model).replace("\\\n", ""))
    assert words == [
        "grpcurl", "-insecure", "-cacert", "/etc/ca.pem", "-cert", "/me.pem", "-key", "/me.key",
        "-H", "x-token: {{token}}", "-import-path", "/protos", "-import-path", "/more protos",
        "-proto", "svc.proto", "-max-time", "2.5", "-d", '{"value": 1}\n{"value": 2}',
        "api.example.com:443", "pkg.Svc/Sum"]


def test_grpcurl_gets_the_folder_of_an_absolute_proto_as_an_import_path() -> None:
    # grpcurl refuses an absolute -proto with no -import-path, or outside every one
    # ("must specify at least one import path if any absolute file paths are given").
    model = _model(headers=[])
    model.grpc = GrpcModel("pkg.Svc/Echo", "{}", ["/w/protos/api/a.proto", "/w/other/b.proto"],
                           ["/w/protos", "inc"])
    words = shlex.split(to_grpcurl(model, {"host": "h"}).replace("\\\n", ""))
    assert words == [
        "grpcurl", "-plaintext", "-import-path", "/w/protos", "-import-path", "inc",
        "-import-path", "/w/other", "-proto", "/w/protos/api/a.proto",
        "-proto", "/w/other/b.proto", "-d", "{}", "h:50051", "pkg.Svc/Echo"]
    model.grpc.import_paths = []
    words = shlex.split(to_grpcurl(model, {"host": "h"}).replace("\\\n", ""))
    assert words[2:6] == ["-import-path", "/w/protos/api", "-import-path", "/w/other"]
    # Without .proto files (reflection) grpcurl ignores import paths, and warns: none.
    model.grpc.protos, model.grpc.import_paths = [], ["/w/protos"]
    assert "-import-path" not in to_grpcurl(model, {"host": "h"})


def test_grpcurl_without_a_message_or_a_valid_target_writes_what_is_there() -> None:
    model = _model(url="{{host}}", headers=[])
    model.grpc = GrpcModel("pkg.Svc/Echo", "", deadline=3.0)
    # No message is one empty message, as Spyglass sends it (grpcurl sends none without
    # -d on a client stream).
    assert shlex.split(to_grpcurl(model).replace("\\\n", "")) == [
        "grpcurl", "-plaintext", "-max-time", "3", "-d", "{}", "{{host}}", "pkg.Svc/Echo"]
    model.grpc.message = "[]"  # a stream opened with none
    assert "-d ''" in to_grpcurl(model)
    model.grpc.message = "{not json"
    assert "-d '{not json'" in to_grpcurl(model)


def test_the_requests_own_proxy_and_passphrase_go_along() -> None:
    # grpcurl has no proxy option (Go's gRPC reads HTTPS_PROXY) nor one for an encrypted
    # key; app.grpc.call takes both.
    model = _model(url="grpc://h:1", headers=[], options=RequestOptions(
        proxy_mode="url", proxy_url="http://u:{{pw}}@proxy:3128"))
    text = to_grpcurl(model, {"pw": "p", "word": "w"})
    assert text.startswith("HTTPS_PROXY=http://u:p@proxy:3128 grpcurl \\\n")
    assert posix_words(text.replace("\\\n", ""))[:3] == [
        "HTTPS_PROXY=http://u:p@proxy:3128", "grpcurl", "-plaintext"]
    script = to_python_client(model, {"pw": "p", "word": "w"})
    assert "proxy='http://u:p@proxy:3128')" in script
    model.options = RequestOptions(proxy_mode="none")
    assert to_grpcurl(model, {}).startswith("NO_PROXY='*' grpcurl")
    assert "proxy=" not in to_python_client(model, {})
    model.options = RequestOptions()  # the window's proxy is not the request's
    assert to_grpcurl(model, {}).startswith("grpcurl")
    model.url = "grpcs://h:1"
    model.options = RequestOptions(client_cert_mode="files", client_cert="me.pem",
                                   client_key="me.key", client_cert_passphrase="{{pass}}")
    script = to_python_client(model, {"pass": "s3"})
    assert "client_cert=('me.pem', 'me.key', 's3')" in script
    command = to_grpcurl(model, {"pass": "s3"})
    assert "-cert me.pem -key me.key" in command
    assert command.startswith("# grpcurl cannot decrypt a key: give it one that is not "
                              "encrypted (openssl pkey -in KEY -out KEY.plain)\ngrpcurl")
    # A PKCS#12 file holds its own key: no key file, its passphrase in the certificate's
    # form; grpcurl takes PEM only, which the command says.
    model.options.client_cert, model.options.client_key = "me.p12", ""
    script = to_python_client(model, {"pass": "s3"})
    assert "from app.client.tls import ClientCertificate" in script
    assert "client_cert=ClientCertificate('me.p12', password='s3'))" in script
    compile(script, "grpc_call.py", "exec")
    assert to_grpcurl(model, {"pass": "s3"}).startswith(
        "# grpcurl reads PEM files only: convert the PKCS#12 file first")


def test_copy_as_python_for_grpc_is_a_script_on_app_grpc() -> None:
    model = _model(url="grpcs://h:1", options=RequestOptions(
        ca_file="ca.pem", client_cert_mode="files", client_cert="me.pem"))
    model.grpc.protos, model.grpc.import_paths = ["a.proto"], ["inc"]
    model.grpc.deadline = 4.0
    script = to_python_client(model, {"token": "t", "word": "w"})
    assert script == to_python_aiohttp(model, {"token": "t", "word": "w"})
    compile(script, "grpc_call.py", "exec")
    assert "import app.grpc" in script and "(sent as plain HTTP" not in script
    for piece in ("'h:1',", "'pkg.Svc/Echo',", "protos=['a.proto'],", "import_paths=['inc'],",
                  "metadata=[('x-token', 't')],", "deadline=4.0,", "tls=True,",
                  "ca_file='ca.pem',", "client_cert='me.pem')"):
        assert piece in script, piece
    assert "Unresolved variables, sent as they are: {{host}}" not in script
    assert "verify" not in script
    model.options.verify_tls = False
    script = to_python_client(model, {})
    assert "verify=False" in script and "ca_file" not in script


def test_an_unresolved_variable_is_listed_at_the_top() -> None:
    script = to_python_client(_model(), {"token": "t", "word": "w"})
    assert "# Unresolved variables, sent as they are: {{host}}" in script


@pytest.fixture(scope="module")
def grpc_target() -> Iterator[str]:
    playground = BackgroundPlayground()
    playground.start()
    assert playground.grpc_target is not None
    yield playground.grpc_target
    playground.stop()


@pytest.mark.parametrize("name", ["gRPC unary Echo", "gRPC client stream Sum",
                                  "gRPC error with details"])
def test_the_python_script_runs_against_the_playground(grpc_target: str, tmp_path: Path,
                                                       name: str) -> None:
    model = next(m for m in getting_started() if m.name.startswith(name))
    path = tmp_path / "grpc_call.py"
    path.write_text(to_python_client(model, {PLAYGROUND_GRPC_VARIABLE: grpc_target}),
                    encoding="utf-8")
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    first, _, rest = done.stdout.partition("\n")
    if "Echo" in name:
        assert first == "OK " and "x-playground-method: Echo" in rest
        assert '"text": "hellohello"' in rest and '"x-demo": "spyglass"' in rest
        assert rest.rstrip().endswith("x-playground-trailer: done")
    elif "Sum" in name:
        assert first == "OK " and json.loads(rest) == {"sum": "6", "count": 3}
    else:
        assert first == "INVALID_ARGUMENT email: not an address"
        assert '"@type": "type.googleapis.com/google.rpc.BadRequest"' in rest


def test_the_python_script_goes_through_the_requests_proxy(grpc_target: str,
                                                            tmp_path: Path) -> None:
    from tests.proxy_peers import http_proxy

    model = next(m for m in getting_started() if m.name.startswith("gRPC unary Echo"))
    model.options = RequestOptions(proxy_mode="url",
                                   proxy_url="http://ann:{{pw}}@127.0.0.1:{{port}}")
    peer = http_proxy(tmp_path, "ann", "s3cret")
    try:
        path = tmp_path / "grpc_call.py"
        path.write_text(to_python_client(model, {PLAYGROUND_GRPC_VARIABLE: grpc_target,
                                                 "pw": "s3cret", "port": str(peer.port)}),
                        encoding="utf-8")
        environment = {name: value for name, value in os.environ.items()
                       if not name.lower().endswith("_proxy")}
        done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                              timeout=60, cwd=tmp_path,
                              env={**environment, "PYTHONPATH": str(ROOT)})
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("OK \n")
        assert "CONNECT" in (tmp_path / "proxy.log").read_text()  # it went through
        path.write_text(path.read_text().replace(":s3cret@", ":wrong@"))
        refused = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                                 timeout=60, cwd=tmp_path,
                                 env={**environment, "PYTHONPATH": str(ROOT)})
        assert refused.stdout.startswith("UNAVAILABLE")
    finally:
        peer.stop()


def test_relative_paths_are_written_under_the_workspace(tmp_path: Path) -> None:
    # A request keeps its paths relative to the workspace; the copied command or script runs
    # from any folder, so it gets them as the call takes them: absolute.
    model = _model(url="grpcs://h:1", options=RequestOptions(
        ca_file="certs/ca.pem", client_cert_mode="files", client_cert="certs/me.pem",
        client_key="{{keys}}/me.key"))
    model.grpc.protos = ["protos/api/a.proto", "/elsewhere/b.proto", "{{more}}/c.proto"]
    model.grpc.import_paths = ["protos"]
    values = {"token": "t", "word": "w", "more": "extra"}
    words = posix_words(to_grpcurl(model, values, workspace_root=tmp_path))
    assert words[words.index("-cacert") + 1] == str(tmp_path / "certs/ca.pem")
    assert words[words.index("-cert") + 1] == str(tmp_path / "certs/me.pem")
    assert words[words.index("-key") + 1] == "{{keys}}/me.key"  # left to fill: as typed
    assert [words[i + 1] for i, w in enumerate(words) if w == "-proto"] == [
        str(tmp_path / "protos/api/a.proto"), "/elsewhere/b.proto",
        str(tmp_path / "extra/c.proto")]
    assert [words[i + 1] for i, w in enumerate(words) if w == "-import-path"] == [
        str(tmp_path / "protos"), "/elsewhere", str(tmp_path / "extra")]
    script = to_python_client(model, values)
    assert "protos=['protos/api/a.proto'" in script  # without a workspace: as typed
    from app.interchange.python_grpc import to_python_grpc

    script = to_python_grpc(model, values, workspace_root=tmp_path)
    protos = [str(tmp_path / "protos/api/a.proto"), "/elsewhere/b.proto",
              str(tmp_path / "extra/c.proto")]
    assert f"protos={protos!r}" in script
    assert f"import_paths={[str(tmp_path / 'protos')]!r}" in script
    assert f"ca_file={str(tmp_path / 'certs/ca.pem')!r}" in script
    assert f"client_cert=({str(tmp_path / 'certs/me.pem')!r}, '{{{{keys}}}}/me.key')" in script
    # A path whose variable fills it with nothing (or blanks) is left out, as the call does.
    model.grpc.import_paths = ["{{blank}}", "protos"]
    model.options.ca_file = "{{none}}"
    values = {**values, "blank": "  ", "none": ""}
    words = posix_words(to_grpcurl(model, values, workspace_root=tmp_path))
    assert "-cacert" not in words and "" not in words
    assert [words[i + 1] for i, w in enumerate(words) if w == "-import-path"] == [
        str(tmp_path / "protos"), "/elsewhere", str(tmp_path / "extra")]
    script = to_python_grpc(model, values, workspace_root=tmp_path)
    assert "ca_file" not in script
    assert f"import_paths={[str(tmp_path / 'protos')]!r}" in script


def test_the_python_script_of_a_workspace_request_runs_from_another_folder(
        grpc_target: str, tmp_path: Path) -> None:
    from app.interchange.python_grpc import to_python_grpc
    from app.playground.grpc_server import PROTO

    workspace, elsewhere = tmp_path / "workspace", tmp_path / "elsewhere"
    (workspace / "protos").mkdir(parents=True)
    elsewhere.mkdir()
    (workspace / "protos" / "playground.proto").write_bytes(Path(PROTO).read_bytes())
    model = next(m for m in getting_started() if m.name.startswith("gRPC unary Echo"))
    model.grpc.protos = ["protos/playground.proto"]
    path = elsewhere / "grpc_call.py"
    path.write_text(to_python_grpc(model, {PLAYGROUND_GRPC_VARIABLE: grpc_target},
                                   workspace_root=workspace), encoding="utf-8")
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                          timeout=60, cwd=elsewhere, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("OK \n") and '"text": "hellohello"' in done.stdout
