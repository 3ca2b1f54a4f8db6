"""Fault cases: a shared collection that carries credentials, local file paths or names
made to break a script; what an import keeps and what an export lets out."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from app.cli import main
from app.interchange import (
    export,
    export_curl,
    import_curl,
    import_har,
    import_into,
    import_postman,
    to_python_client,
)
from app.interchange.model import Folder
from app.model.request import BodyKind, KeyValue, MultipartField, RequestModel
from app.storage.secrets import MemorySecrets
from app.storage.workspace import Workspace
from tests.faults.table import Witness, fault, files_holding

SESSION = "sid=s3cr3t-session"
TOKEN = "tok-0123456789"
API_KEY = "key-abcdef987"
CURL = (f"curl -H 'Cookie: {SESSION}' -H 'Authorization: Token {TOKEN}' "
        f"-H 'X-Api-Key: {API_KEY}' -H 'Accept: text/plain' http://127.0.0.1:1/items\n")


@fault("Shared collections", "Cookie, Authorization: Token and X-Api-Key in an imported curl",
       sees="Credentials in headers became secret variables, kept in the keyring",
       kept="no credential in any workspace file; all three in the keyring")
def test_credentials_in_curl_headers_go_to_the_keyring(witness: Witness,
                                                       tmp_path: Path) -> None:
    secrets = MemorySecrets()
    source = tmp_path / "capture.sh"
    source.write_text(CURL)
    err = io.StringIO()
    status = main(["import", str(source), "--workspace", str(tmp_path / "ws")],
                  secrets=secrets, stdout=io.StringIO(), stderr=err)
    assert status == 0
    witness.saw(err.getvalue())
    assert files_holding([tmp_path / "ws"], [SESSION, TOKEN, API_KEY]) == []
    workspace = Workspace(tmp_path / "ws", secrets)
    ((collection, (path,)),) = workspace.walk()
    headers = {h.name: h.value for h in workspace.load_request(path).headers}
    assert headers == {"Cookie": "{{Cookie}}", "Authorization": "Token {{Authorization}}",
                       "X-Api-Key": "{{X-Api-Key}}", "Accept": "text/plain"}
    # Read back through the store: the values live there and nowhere else.
    assert workspace.collection_variables(collection) == {
        "Cookie": SESSION, "Authorization": TOKEN, "X-Api-Key": API_KEY}


@fault("Shared collections", "Credential headers in HAR and Postman imports (*-Token, Api-Key)",
       sees="{{X-Auth-Token}}", kept="one secret variable per distinct value")
def test_credentials_in_har_and_postman_headers(witness: Witness) -> None:
    entries = [{"request": {"method": "GET", "url": f"http://127.0.0.1/{i}", "headers": [
        {"name": "X-Auth-Token", "value": TOKEN}, {"name": "api-key", "value": API_KEY}]}}
        for i in range(3)]
    (top,) = import_har({"log": {"entries": entries}}).collections
    assert {n: (v.value, v.secret) for n, v in top.variables.items()} == {
        "X-Auth-Token": (TOKEN, True), "api-key": (API_KEY, True)}
    witness.saw(top.requests[2].headers[0].value)
    doc = {"info": {"name": "P"}, "item": [{"name": "a", "request": {
        "url": "http://127.0.0.1/", "header": [
            {"key": "X-Session-Token", "value": TOKEN},
            {"key": "X-Api-Key", "value": "{{apiKey}}"}]}}]}
    (top,) = import_postman(doc).collections
    assert [h.value for h in top.requests[0].headers] == ["{{X-Session-Token}}", "{{apiKey}}"]


@fault("Shared collections", "Exports without secrets of requests holding credential headers",
       sees="{{Cookie}}", kept="curl, HAR and Postman exports hold none of the values")
def test_exports_withhold_credential_headers(witness: Witness, tmp_path: Path) -> None:
    workspace = Workspace(tmp_path, MemorySecrets())
    # Typed by hand (or imported by an older Spyglass): plain rows in the file itself.
    workspace.save_request("Shop", RequestModel(
        name="r", url="http://127.0.0.1/", headers=[
            KeyValue("Cookie", SESSION), KeyValue("Authorization", f"Token {TOKEN}"),
            KeyValue("X-Api-Key", API_KEY)]))
    texts = {fmt: export(workspace, fmt) for fmt in ("curl", "har", "postman")}
    for fmt, text in texts.items():
        for secret in (SESSION, TOKEN, API_KEY):
            assert secret not in text, f"{fmt} export holds {secret}"
    assert "Token {{Authorization}}" in texts["curl"]
    witness.saw(texts["curl"])
    assert API_KEY in export(workspace, "postman", include_secrets=True)


@fault("Shared collections", "A Postman formdata src of /etc/hostname (sent silently before)",
       sees="The requests send local files named by the import: '/etc/hostname'",
       kept="the part marked imported in the saved file, for the first send to ask")
def test_imported_file_paths_are_reported_and_marked(witness: Witness,
                                                     tmp_path: Path) -> None:
    doc = {"info": {"name": "Files"}, "item": [
        {"name": "up", "request": {"method": "POST", "url": "http://127.0.0.1/", "body": {
            "mode": "formdata", "formdata": [{"key": "f", "type": "file",
                                              "src": "/etc/hostname"}]}}},
        {"name": "raw", "request": {"method": "PUT", "url": "http://127.0.0.1/", "body": {
            "mode": "file", "file": {"src": "/home/ada/.ssh/id_rsa"}}}}]}
    source = tmp_path / "files.json"
    source.write_text(json.dumps(doc))
    out, err = io.StringIO(), io.StringIO()
    status = main(["import", str(source), "--workspace", str(tmp_path / "ws")],
                  secrets=MemorySecrets(), stdout=out, stderr=err)
    assert status == 0 and "'/home/ada/.ssh/id_rsa'" in err.getvalue()
    witness.saw(err.getvalue())
    workspace = Workspace(tmp_path / "ws")
    ((_, paths),) = workspace.walk()
    models = {m.name: m for m in map(workspace.load_request, paths)}
    assert models["up"].body.multipart == [
        MultipartField("f", "/etc/hostname", True, imported=True)]
    assert models["raw"].body.kind is BodyKind.BINARY and models["raw"].body.file_imported
    report = import_into(Workspace(tmp_path / "ws2"), import_postman(doc))
    assert report.files == ["/etc/hostname", "/home/ada/.ssh/id_rsa"]


@fault("Shared collections", "A folder named 'x<newline>touch PWNED' in export --format curl "
       "(ran the command before)", sees="# x touch PWNED / r",
       kept="the script, run with curl stubbed, creates no file")
def test_a_newline_in_a_name_does_not_inject_a_command(witness: Witness,
                                                       tmp_path: Path) -> None:
    model = RequestModel(name="r\nrm -rf ~", url="http://127.0.0.1:1/")
    script = export_curl([Folder("x\ntouch PWNED", requests=[model])])
    witness.saw(script)
    assert import_curl(script).request_count == 1  # every line is a comment or curl
    shell = shutil.which("sh")
    if shell is None:
        pytest.skip("no sh to run the script")
    (tmp_path / "export.sh").write_text(script)
    subprocess.run([shell, "-c", "curl() { :; }; . ./export.sh"], cwd=tmp_path, check=True,
                   timeout=30)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.sh"]


@fault("Shared collections", "A request name with NUL, quotes and a newline in Copy as Python",
       sees="generated by Spyglass", kept="the script compiles: nothing runs at import")
def test_python_export_comments_stay_comments(witness: Witness) -> None:
    model = RequestModel(name='a\x00b"""\nimport os; os.system("touch PWNED")\n"', mode="x\n",
                         url="http://127.0.0.1:1/")
    script = to_python_client(model, {"v\x00": "1"})
    compile(script, "<export>", "exec")
    docstring = script.split("\n", 1)[0]
    assert "os.system" in docstring and docstring.endswith('."""')
    witness.saw(docstring)


class _NoKeyring(MemorySecrets):
    def available(self) -> bool:
        return False

    def set(self, ref: str, value: str) -> None:
        raise AssertionError("a secret was written")


@fault("Shared collections", "A curl with a session cookie imported where no keyring works",
       sees="no system keyring is available, and 1 value of this import belong",
       kept="nothing imported, no workspace folder: the cookie is never written in clear")
def test_credential_headers_without_a_keyring(witness: Witness, tmp_path: Path) -> None:
    source = tmp_path / "capture.sh"
    source.write_text(f"curl -H 'Cookie: {SESSION}' http://127.0.0.1:1/\n")
    err = io.StringIO()
    status = main(["import", str(source), "--workspace", str(tmp_path / "ws")],
                  secrets=_NoKeyring(), stdout=io.StringIO(), stderr=err)
    assert status == 1
    witness.saw(err.getvalue())
    assert not (tmp_path / "ws").exists()
    assert files_holding([tmp_path], [SESSION]) == [source]
