"""Exporters (curl, HAR, Postman), round trips through them and through a workspace, writing
imports into a workspace, and a scan proving that secrets reach neither files nor exports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.interchange import (
    Folder,
    ImportResult,
    Variable,
    as_folders,
    export,
    export_curl,
    export_har,
    export_postman,
    folders_from_workspace,
    har_log,
    import_curl,
    import_into,
    import_text,
    postman_collection,
    secret_count,
)
from app.model.request import (
    AuthKind,
    AuthModel,
    BodyKind,
    BodyModel,
    KeyValue,
    MultipartField,
    RequestModel,
)
from app.storage.secrets import MemorySecrets, SecretStore, SecretsUnavailable
from app.storage.workspace import Workspace
from tests.interchange.test_curl import _models
from tests.interchange.test_samples import (
    BASIC_PASSWORD,
    BASIC_USER,
    CURL,
    HAR_JSON,
    LOGIN_PASSWORD,
    LOGIN_USER,
    OPENAPI_YAML,
    POSTMAN_JSON,
    SECRETS,
    b64,
)

SAMPLES = {"curl": CURL, "postman": POSTMAN_JSON, "har": HAR_JSON}
EXPORTERS = {"curl": export_curl, "postman": export_postman, "har": export_har}


def tree(folders: list[Folder]) -> dict[str, tuple[dict[str, Variable], list[RequestModel]]]:
    """Folders by path, with their variables and requests (a workspace lists folders by
    name, so their order is not compared; the order of requests is)."""
    return {path: (folder.variables, folder.requests)
            for top in folders for path, folder in top.walk()}


# -- round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["curl", "postman", "har"])
def test_import_export_import_gives_equal_models(fmt: str) -> None:
    first = import_text(SAMPLES[fmt])
    text = EXPORTERS[fmt](first.collections, include_secrets=True)
    second = import_text(text)
    assert second.format == fmt
    assert tree(second.collections) == tree(first.collections)


@pytest.mark.parametrize("fmt", ["curl", "postman", "har"])
def test_round_trip_through_a_workspace(fmt: str, tmp_path: Path) -> None:
    first = import_text(SAMPLES[fmt])
    workspace = Workspace(tmp_path, MemorySecrets())
    import_into(workspace, first)
    text = export(workspace, fmt, include_secrets=True)
    second = import_text(text)
    assert tree(second.collections) == tree(first.collections)


def test_openapi_import_survives_a_postman_round_trip(tmp_path: Path) -> None:
    first = import_text(OPENAPI_YAML)
    workspace = Workspace(tmp_path, MemorySecrets())
    import_into(workspace, first)
    second = import_text(export(workspace, "postman", include_secrets=True))
    assert tree(second.collections) == tree(first.collections)


_folder_names = st.sampled_from(["Shop", "Shop/Orders", "Shop/Orders/Old", "Other", "a b"])
_names = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 ._()#/-]{0,20}", fullmatch=True)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_folder_names, _names, _models()), min_size=1, max_size=4))
def test_curl_export_round_trip_keeps_folders_names_and_requests(
        entries: list[tuple[str, str, RequestModel]]) -> None:
    tops: dict[str, Folder] = {}
    for path, name, model in entries:
        model.name = " ".join(name.split())
        parts = path.split("/")
        folder = tops.setdefault(parts[0], Folder(parts[0]))
        for part in parts[1:]:
            folder = next((f for f in folder.folders if f.name == part), None) or \
                folder.folders.append(Folder(part)) or folder.folders[-1]
        folder.requests.append(model)
    text = export_curl(list(tops.values()), include_secrets=True)
    back = as_exported(import_curl(text))
    assert {p: r for p, (_, r) in tree(back.collections).items() if r} == \
        {p: r for p, (_, r) in tree(list(tops.values())).items() if r}


def as_exported(result: ImportResult) -> ImportResult:
    """``result`` with what an import adds for safety undone (issue 12): credential headers
    that became secret collection variables hold their values again, and files are no
    longer marked as imported. The fault table checks those additions themselves."""
    for top in result.collections:
        lifted = {name: var for name, var in top.variables.items() if var.secret}
        for _, model in top.all_requests():
            for row in model.headers:
                for name, var in lifted.items():
                    row.value = row.value.replace("{{" + name + "}}", var.value)
            model.body.file_imported = False
            for part in model.body.multipart:
                part.imported = False
        for name in lifted:
            del top.variables[name]
        result.files.clear()
    return result


# -- what each format writes ---------------------------------------------------------------


def _sample_models() -> list[RequestModel]:
    return [
        RequestModel(name="Create", method="POST", url="https://x.example/items?a=1",
                     params=[KeyValue("a", "1"), KeyValue("b", "2", enabled=False)],
                     headers=[KeyValue("Accept", "application/json"),
                              KeyValue("X-Off", "1", enabled=False)],
                     body=BodyModel(BodyKind.JSON, text='{"a": 1}'),
                     auth=AuthModel(AuthKind.BASIC, username="ada", password="pw-SECRET")),
        RequestModel(name="Upload", method="PUT", url="{{base}}/files",
                     body=BodyModel(BodyKind.MULTIPART, multipart=[
                         MultipartField("note", "hi"),
                         MultipartField("file", "/tmp/a.png", is_file=True,
                                        content_type="image/png")]),
                     auth=AuthModel(AuthKind.BEARER, token="{{token}}")),
        RequestModel(name="Key", url="https://x.example/k",
                     auth=AuthModel(AuthKind.API_KEY, key_name="api_key",
                                    key_value="key-SECRET", key_location="query")),
    ]


def test_curl_export_writes_a_comment_per_command_and_placeholders() -> None:
    text = export(_sample_models(), "curl")
    chunks = text.split("\n\n")
    assert [c.splitlines()[0] for c in chunks] == [
        "# Requests / Create", "# Requests / Upload", "# Requests / Key"]
    assert "-u 'ada:{{password}}'" in chunks[0]
    assert "Authorization: Bearer {{token}}" in chunks[1]  # a {{reference}} stays
    assert "api_key=%7B%7BapiKey%7D%7D" in chunks[2]
    assert "SECRET" not in text
    assert "pw-SECRET" in export(_sample_models(), "curl", include_secrets=True)


def test_har_export_has_what_har_12_requires() -> None:
    log = har_log(as_folders(_sample_models()))["log"]
    assert log["version"] == "1.2"
    assert log["creator"]["name"] == "Spyglass"
    assert [p["title"] for p in log["pages"]] == ["Requests"]
    for entry in log["entries"]:
        assert {"startedDateTime", "time", "request", "response", "cache", "timings"} <= \
            set(entry)
        assert {"method", "url", "httpVersion", "cookies", "headers", "queryString",
                "headersSize", "bodySize"} <= set(entry["request"])
        assert {"status", "statusText", "httpVersion", "cookies", "headers", "content",
                "redirectURL", "headersSize", "bodySize"} <= set(entry["response"])
        assert {"size", "mimeType"} <= set(entry["response"]["content"])
        assert {"send", "wait", "receive"} <= set(entry["timings"])
    create, upload, key = (e["request"] for e in log["entries"])
    assert {"name": "Authorization", "value": "Basic " + b64("ada:{{password}}")} in \
        create["headers"]
    assert {"name": "X-Off", "value": "1"} not in create["headers"]
    assert create["postData"] == {"mimeType": "application/json", "text": '{"a": 1}'}
    assert create["queryString"] == [{"name": "a", "value": "1"}]
    assert upload["postData"]["params"] == [
        {"name": "note", "value": "hi"},
        {"name": "file", "fileName": "/tmp/a.png", "contentType": "image/png"}]
    assert key["url"] == "https://x.example/k?api_key={{apiKey}}"


def test_postman_export_shape_and_secrets() -> None:
    shop = import_text(POSTMAN_JSON).collections
    doc = postman_collection(shop)
    assert doc["info"]["name"] == "Shop"
    assert doc["info"]["schema"].endswith("/v2.1.0/collection.json")
    variables = {v["key"]: v for v in doc["variable"]}
    assert variables["apiToken"] == {"key": "apiToken", "value": "", "type": "secret"}
    assert variables["baseUrl"]["value"] == "https://shop.example.com/api"
    catalog = next(i for i in doc["item"] if i["name"] == "Catalog")
    admin = next(i for i in catalog["item"] if i["name"] == "Admin")
    create = admin["item"][0]["request"]
    assert create["auth"] == {"type": "basic", "basic": [
        {"key": "username", "value": BASIC_USER, "type": "string"},
        {"key": "password", "value": "{{password}}", "type": "string"}]}
    assert create["body"]["options"] == {"raw": {"language": "json"}}
    listing = next(i for i in catalog["item"] if i["name"] == "List products")["request"]
    assert listing["url"]["query"][-1] == {"key": "sort", "value": "name", "disabled": True}
    assert listing["url"]["host"] == ["{{baseUrl}}"]
    assert listing["url"]["path"] == ["products"]
    several = postman_collection(shop + as_folders(_sample_models()), name="All")
    assert several["info"]["name"] == "All"
    assert [i["name"] for i in several["item"]] == ["Shop", "Requests"]


# -- writing imports into a workspace ------------------------------------------------------


def test_import_into_creates_folders_and_reports(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path, MemorySecrets())
    result = import_text(POSTMAN_JSON)
    report = import_into(workspace, result)
    assert report.collections == ["Shop"]
    assert (report.requests, report.folders) == (13, 4)
    assert report.variables == 5
    # Bearer tokens, basic and digest passwords, an API key, a secret variable; a field that
    # is only a "{{variable}}" stays in the file.
    assert report.secrets == secret_count(result) == 6
    assert report.summary("ws") == ("Imported 13 requests into 4 folders of ws from Postman "
                                    "collection 'Shop'")
    assert workspace.list_collections("Shop") == ["Shop/Catalog", "Shop/Orders"]
    assert len(workspace.list_requests("Shop/Catalog/Admin")) == 2
    assert workspace.collection_variables("Shop/Orders")["orderId"] == "42"
    assert all(p.exists() for p in report.paths)


def test_import_into_never_clobbers(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path, MemorySecrets())
    workspace.create_collection("shop")
    mine = workspace.new_request("shop", RequestModel(name="Mine"))
    before = mine.read_bytes()
    report = import_into(workspace, import_text(POSTMAN_JSON))
    assert report.collections == ["Shop 2"]
    assert report.summary("ws").endswith("from Postman collection 'Shop' (as 'Shop 2')")
    again = import_into(workspace, import_text(POSTMAN_JSON))
    assert again.collections == ["Shop 3"]
    assert mine.read_bytes() == before
    assert workspace.list_requests("shop") == [mine]
    inside = import_into(workspace, import_text(CURL), parent="shop")
    assert inside.collections == ["shop/curl import"]
    assert workspace.list_requests("shop") == [mine]


def test_import_into_duplicate_folder_names_and_reserved_names(tmp_path: Path) -> None:
    result = ImportResult("postman", collections=[Folder("environments", folders=[
        Folder("A", requests=[RequestModel(name="one")]),
        Folder("a", requests=[RequestModel(name="two")])])])
    workspace = Workspace(tmp_path, MemorySecrets())
    report = import_into(workspace, result)
    assert report.collections == ["environments 2"]
    assert workspace.list_collections("environments 2") == ["environments 2/A",
                                                           "environments 2/a 2"]


class _BrokenStore(MemorySecrets):
    """A keyring that locks half-way through an import."""

    def __init__(self, allowed: int) -> None:
        super().__init__()
        self.allowed = allowed

    def set(self, ref: str, value: str) -> None:
        if self.allowed <= 0:
            raise SecretsUnavailable("the keyring is locked")
        self.allowed -= 1
        super().set(ref, value)

    def delete(self, ref: str) -> None:
        raise SecretsUnavailable("the keyring is locked")


def test_a_failed_import_leaves_nothing_behind(tmp_path: Path) -> None:
    store = _BrokenStore(allowed=3)
    workspace = Workspace(tmp_path, store)
    with pytest.raises(SecretsUnavailable):
        import_into(workspace, import_text(POSTMAN_JSON))
    assert list(tmp_path.iterdir()) == []


# -- exports from a workspace --------------------------------------------------------------


class _Refusing(SecretStore):
    """A store that must not be asked: a plain export never reads secrets."""

    def get(self, ref: str) -> str | None:
        raise AssertionError("a plain export read a secret")

    def set(self, ref: str, value: str) -> None:
        raise AssertionError("an export wrote a secret")

    def delete(self, ref: str) -> None:
        raise AssertionError("an export deleted a secret")

    def available(self) -> bool:
        return False


def test_a_plain_export_never_reads_the_secret_store(tmp_path: Path) -> None:
    import_into(Workspace(tmp_path, MemorySecrets()), import_text(POSTMAN_JSON))
    locked = Workspace(tmp_path, _Refusing())
    folders = folders_from_workspace(locked)
    (shop,) = folders
    assert shop.variables["apiToken"] == Variable("apiToken", "", secret=True)
    admin = tree(folders)["Shop/Catalog/Admin"][1]
    assert admin[0].auth == AuthModel(AuthKind.BASIC, username=BASIC_USER,
                                      password="{{password}}")
    for fmt in ("curl", "har", "postman"):
        assert export(locked, fmt)


def test_export_of_some_collections(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path, MemorySecrets())
    import_into(workspace, import_text(POSTMAN_JSON))
    import_into(workspace, import_text(CURL))
    only = folders_from_workspace(workspace, collections=["Shop/Orders"])
    assert [f.name for f in only] == ["Orders"]
    assert len(folders_from_workspace(workspace)) == 2


# -- the secret scan -----------------------------------------------------------------------


def _needles() -> list[str]:
    return [*SECRETS, b64(f"{LOGIN_USER}:{LOGIN_PASSWORD}"), b64("probe:" + LOGIN_PASSWORD),
            b64(f"{BASIC_USER}:{BASIC_PASSWORD}")]


def _found(data: bytes | str) -> list[str]:
    raw = data if isinstance(data, bytes) else data.encode()
    return [n for n in _needles() if n.encode() in raw]


def test_secrets_reach_neither_workspace_files_nor_plain_exports(tmp_path: Path) -> None:
    store = MemorySecrets()
    workspace = Workspace(tmp_path / "ws", store)
    for text in (CURL, POSTMAN_JSON, HAR_JSON, OPENAPI_YAML):
        import_into(workspace, import_text(text))
    # the secrets are in the store...
    kept = set(store._values.values())
    assert set(SECRETS) <= kept
    # ...and in no file of the workspace
    files = [p for p in workspace.root.rglob("*") if p.is_file()]
    assert len(files) > 20
    for path in files:
        assert _found(path.read_bytes()) == [], path
    for fmt in ("curl", "har", "postman"):
        plain = export(workspace, fmt)
        assert _found(plain) == [], fmt
        # the scan would see them: with include_secrets they are there
        full = export(workspace, fmt, include_secrets=True)
        assert _found(full), fmt


def test_an_exported_har_or_postman_is_json() -> None:
    shop = import_text(POSTMAN_JSON).collections
    assert json.loads(export_har(shop))["log"]["entries"]
    assert json.loads(export_postman(shop))["item"]
