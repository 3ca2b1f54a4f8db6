"""The workspace on disk: YAML request files, atomic saves, secrets kept out of the files."""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.model.request import (
    TERMINAL_PROTOCOLS,
    AuthKind,
    AuthModel,
    BodyKind,
    BodyModel,
    KeyValue,
    MultipartField,
    RequestMode,
    RequestModel,
    RequestOptions,
    TerminalModel,
)
from app.storage.atomic import write_atomic, write_if_changed
from app.storage.file_paths import options_from_file
from app.storage.workspace import MemorySecrets, Workspace, WorkspaceError, slugify

JSON_BODY = '{\n  "user": "ada",\n  "tags": ["a", "b"]\n}\n'


def full_model(kind: BodyKind = BodyKind.JSON, auth: AuthKind = AuthKind.BASIC) -> RequestModel:
    return RequestModel(
        name="Create user",
        method="POST",
        url="https://api.example.com/users?page=2",
        params=[KeyValue("page", "2"), KeyValue("debug", "1", enabled=False)],
        headers=[KeyValue("Accept", "application/json"), KeyValue("X-Trace", "{{trace}}")],
        body=BodyModel(
            kind=kind,
            text=JSON_BODY if kind in (BodyKind.JSON, BodyKind.TEXT, BodyKind.XML) else "",
            form=[KeyValue("a", "1"), KeyValue("b", "2", False)] if kind is BodyKind.FORM else [],
            multipart=[MultipartField("note", "hello"),
                       MultipartField("file", "/tmp/photo.png", True, "image/png", False)]
            if kind is BodyKind.MULTIPART else [],
            file_path="/data/blob.bin" if kind is BodyKind.BINARY else "",
        ),
        auth=AuthModel(kind=auth, username="ada", password="pa55-word-SECRET",
                       token="tok-SECRET-123", key_name="X-Key", key_value="key-SECRET-456",
                       key_location="query", access_key="AK1", secret_key="sk-SECRET-789",
                       api_version="v8", hash_type="sha512", domain="lab"),
        options=RequestOptions(timeout=None, follow_redirects=False, verify_tls=False,
                               ca_file="/etc/ca.pem"),
        mode="http",
        ws_subprotocols=["chat", "json"],
        ws_saved=[{"name": "hello", "text": "hi\nthere"}],
        terminal=TerminalModel("kubernetes", 40, 80),
    )


SECRET_VALUES = ("pa55-word-SECRET", "tok-SECRET-123", "key-SECRET-456", "sk-SECRET-789")


def all_bytes(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "ws", MemorySecrets())


# --- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(BodyKind))
@pytest.mark.parametrize("auth", list(AuthKind))
def test_full_model_round_trips(ws: Workspace, kind: BodyKind, auth: AuthKind) -> None:
    model = full_model(kind, auth)
    path = ws.save_request("users", model)
    assert path == ws.root / "users" / "create-user.yaml"
    assert ws.load_request(path) == model
    # A second workspace over the same folder and secrets reads the same request.
    assert Workspace(ws.root, ws.secrets).load_request(path) == model


def test_default_model_writes_almost_nothing(ws: Workspace) -> None:
    path = ws.save_request("c", RequestModel(), name="blank")
    assert path.read_text(encoding="utf-8").strip() == "{}"
    assert ws.load_request(path) == RequestModel()
    path = ws.save_request("c", RequestModel(url="http://x/"), name="blank")
    assert yaml.safe_load(path.read_text(encoding="utf-8")) == {"url": "http://x/"}


texts = st.text(max_size=60)
rows = st.lists(st.builds(KeyValue, texts, texts, st.booleans()), max_size=3)
parts = st.lists(st.builds(MultipartField, texts, texts, st.booleans(), texts, st.booleans()),
                 max_size=2)
models = st.builds(
    RequestModel,
    name=texts, method=st.sampled_from(["GET", "POST", "PATCH", "get"]), url=texts,
    params=rows, headers=rows,
    body=st.builds(BodyModel, st.sampled_from(list(BodyKind)), texts, rows, parts, texts),
    auth=st.builds(AuthModel, st.sampled_from(list(AuthKind)), texts, texts, texts, texts,
                   texts, texts, texts, texts, texts, texts, texts),
    options=st.builds(RequestOptions,
                      st.none() | st.floats(0, 1e6, allow_nan=False) | st.integers(0, 999),
                      st.booleans(), st.booleans(), texts),
    mode=st.sampled_from(list(RequestMode)),
    ws_subprotocols=st.lists(texts, max_size=2),
    ws_saved=st.lists(st.dictionaries(texts, texts, max_size=2), max_size=2),
    terminal=st.builds(TerminalModel, st.sampled_from(TERMINAL_PROTOCOLS),
                       st.integers(1, 1000), st.integers(1, 1000)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model=models)
def test_any_model_round_trips_and_saves_once(model: RequestModel) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp), MemorySecrets())
        path = ws.save_request("c", model, name="r")
        data = path.read_bytes()
        # (A relative CA file is read as under the workspace's folder, as a call takes it.)
        read = dataclasses.replace(model, options=options_from_file(model.options, tmp))
        assert ws.load_request(path) == read
        ws.save_request("c", model, name="r")
        assert path.read_bytes() == data


# --- small diffs, readable text, no secrets -------------------------------------------------


def test_saving_unchanged_request_rewrites_nothing(ws: Workspace) -> None:
    model = full_model()
    path = ws.save_request("users", model)
    order_file = path.parent / "collection.yaml"
    past = time.time() - 1000
    os.utime(path, (past, past))
    os.utime(order_file, (past, past))
    before = (path.read_bytes(), path.stat().st_mtime_ns, order_file.stat().st_mtime_ns)
    files_before = sorted(p.name for p in path.parent.iterdir())
    again = ws.save_request("users", ws.load_request(path))
    assert again == path
    assert (path.read_bytes(), path.stat().st_mtime_ns, order_file.stat().st_mtime_ns) == before
    assert sorted(p.name for p in path.parent.iterdir()) == files_before
    # A real change rewrites it, and changes only the lines it must.
    model.url = "https://api.example.com/users?page=3"
    ws.save_request("users", model)
    old, new = before[0].decode().splitlines(), path.read_text(encoding="utf-8").splitlines()
    assert len(old) == len(new)
    assert [(a, b) for a, b in zip(old, new, strict=True) if a != b] == [
        ("url: https://api.example.com/users?page=2", "url: https://api.example.com/users?page=3")
    ]


def test_yaml_is_readable_and_keeps_a_fixed_key_order(ws: Workspace) -> None:
    path = ws.save_request("users", full_model())
    text = path.read_text(encoding="utf-8")
    assert "  text: |\n    {\n      \"user\": \"ada\",\n" in text
    top = [line.split(":")[0] for line in text.splitlines() if line and not line[0].isspace()]
    assert top == ["name", "method", "url", "params", "headers", "body", "auth", "options",
                   "ws_subprotocols", "ws_saved", "terminal"]
    assert "enabled: true" not in text  # defaults are left out
    assert "terminal:\n  protocol: kubernetes\n  rows: 40\n" in text  # cols 80 is the default
    assert "api_version: v8" in text


def test_no_secret_reaches_any_file(ws: Workspace) -> None:
    for auth in AuthKind:
        ws.save_request("c", full_model(auth=auth), name=f"r-{auth.value}")
    ws.save_environment("prod", {"base": "https://prod",
                                 "token": {"value": "env-SECRET-000", "secret": True}})
    everything = all_bytes(ws.root)
    for secret in (*SECRET_VALUES, "env-SECRET-000"):
        assert secret.encode() not in everything
    data = yaml.safe_load((ws.root / "c" / "r-basic.yaml").read_text(encoding="utf-8"))
    assert set(data["auth"]["password"]) == {"secret"}
    assert ws.secrets.get(data["auth"]["password"]["secret"]) == "pa55-word-SECRET"


def test_changing_a_secret_keeps_its_reference_and_the_file(ws: Workspace) -> None:
    model = full_model()
    path = ws.save_request("c", model)
    before = path.read_bytes()
    model.auth.password = "new-SECRET"
    ws.save_request("c", model)
    assert path.read_bytes() == before
    assert ws.load_request(path).auth.password == "new-SECRET"


# --- broken files ------------------------------------------------------------------------------


def test_corrupt_request_is_reported_with_path_and_line_and_left_alone(ws: Workspace) -> None:
    path = ws.save_request("c", full_model())
    broken = b"name: ok\nmethod: POST\nurl: [unclosed\nheaders:\n  - {\n"
    path.write_bytes(broken)
    with pytest.raises(WorkspaceError) as info:
        ws.load_request(path)
    message = str(info.value)
    assert str(path) in message
    assert "line " in message
    line = int(message.split(f"{path}:")[1].split(":")[0])
    assert 3 <= line <= 6
    with pytest.raises(WorkspaceError):
        ws.save_request("c", full_model())
    with pytest.raises(WorkspaceError):
        ws.rename(path, "Other")
    assert path.read_bytes() == broken


def test_corrupt_collection_order_is_reported_and_left_alone(ws: Workspace) -> None:
    ws.save_request("c", full_model())
    order = ws.root / "c" / "collection.yaml"
    order.write_bytes(b"order:\n  - a.yaml\n - : :\n")
    with pytest.raises(WorkspaceError, match=r"collection\.yaml:\d+"):
        ws.list_requests("c")
    with pytest.raises(WorkspaceError):
        ws.save_request("c", RequestModel(name="New one"))
    assert order.read_bytes() == b"order:\n  - a.yaml\n - : :\n"


def test_wrong_shapes_are_reported(ws: Workspace) -> None:
    path = ws.root / "c" / "bad.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(WorkspaceError, match=r"bad\.yaml"):
        ws.load_request(path)
    path.write_text("body: {kind: nonsense}\n", encoding="utf-8")
    with pytest.raises(WorkspaceError, match=r"bad\.yaml"):
        ws.load_request(path)


# --- collections and order ------------------------------------------------------------------


def test_collections_order_rename_move_delete(ws: Workspace) -> None:
    assert ws.list_collections() == []
    ws.create_collection("users")
    ws.create_collection("admin")
    (ws.root / "environments").mkdir()
    assert ws.list_collections() == ["admin", "users"]
    z = ws.save_request("users", RequestModel(name="Zebra"))
    a = ws.save_request("users", RequestModel(name="Alpha"))
    m = ws.save_request("users", RequestModel(name="Middle"))
    assert ws.list_requests("users") == [z, a, m]  # order kept, not alphabetical
    stray = ws.root / "users" / "stray.yaml"
    stray.write_text("name: Stray\n", encoding="utf-8")
    assert ws.list_requests("users") == [z, a, m, stray]

    renamed = ws.rename(a, "Beta test")
    assert renamed.name == "beta-test.yaml" and not a.exists()
    assert ws.load_request(renamed).name == "Beta test"
    assert ws.list_requests("users") == [z, renamed, m, stray]

    moved = ws.move(z, "admin")
    assert moved == ws.root / "admin" / "zebra.yaml" and not z.exists()
    assert ws.list_requests("users") == [renamed, m, stray]
    assert ws.list_requests("admin") == [moved]
    assert ws.load_request(moved).name == "Zebra"

    ws.delete(m)
    assert ws.list_requests("users") == [renamed, stray]
    with pytest.raises(WorkspaceError):
        ws.create_collection("../evil")
    with pytest.raises(WorkspaceError):
        ws.create_collection("environments")


def test_new_request_never_clobbers_and_move_avoids_clashes(ws: Workspace) -> None:
    first = ws.new_request("c", RequestModel(name="Same"))
    second = ws.new_request("c", RequestModel(name="Same", url="http://two/"))
    assert (first.name, second.name) == ("same.yaml", "same-2.yaml")
    other = ws.save_request("d", RequestModel(name="Same", url="http://three/"))
    moved = ws.move(other, "c")
    assert moved.name == "same-3.yaml"
    assert [ws.load_request(p).url for p in ws.list_requests("c")] == [
        "", "http://two/", "http://three/"]
    assert slugify("  Get user #1 ") == "get-user-1"
    assert slugify("???") == "request"


def test_secrets_follow_rename_and_move(ws: Workspace) -> None:
    path = ws.save_request("c", full_model())
    path = ws.rename(path, "Renamed")
    path = ws.move(path, "d")
    assert ws.load_request(path).auth.password == "pa55-word-SECRET"


# --- environments ----------------------------------------------------------------------------


def test_environments_round_trip_with_secrets(ws: Workspace) -> None:
    path = ws.save_environment("prod", {
        "base_url": "https://prod.example.com",
        "token": {"value": "env-SECRET-000", "secret": True},
        "multi": {"value": "a\nb\n", "secret": False},
    })
    assert path == ws.root / "environments" / "prod.yaml"
    assert ws.list_environments() == ["prod"]
    assert ws.list_collections() == []
    assert ws.load_environment("prod") == {
        "base_url": "https://prod.example.com", "token": "env-SECRET-000", "multi": "a\nb\n"}
    assert ws.load_environment_variables("prod")["token"]["secret"] is True
    assert b"env-SECRET-000" not in path.read_bytes()
    data = path.read_bytes()
    mtime = path.stat().st_mtime_ns
    ws.save_environment("prod", ws.load_environment_variables("prod"))
    assert (path.read_bytes(), path.stat().st_mtime_ns) == (data, mtime)
    path.write_text("variables:\n  a: {value: [\n", encoding="utf-8")
    with pytest.raises(WorkspaceError, match=r"prod\.yaml:\d+"):
        ws.load_environment("prod")


# --- atomic writes ----------------------------------------------------------------------------


def test_write_if_changed(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    assert write_if_changed(path, b"one") is True
    assert write_if_changed(path, b"one") is False
    assert write_if_changed(path, b"two") is True
    assert path.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["f.yaml"]


def test_read_only_folder_raises_oserror_and_keeps_the_old_file(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "r.yaml"
    write_atomic(path, b"old\n")
    folder.chmod(0o555)
    try:
        probe = folder / "probe"
        try:
            probe.touch()
        except PermissionError:
            pass
        else:
            probe.unlink()
            pytest.skip("running with privileges that ignore folder permissions")
        with pytest.raises(PermissionError) as info:
            write_atomic(path, b"new\n")
        assert str(path) in str(info.value)
        assert path.read_bytes() == b"old\n"
        assert [p.name for p in folder.iterdir()] == ["r.yaml"]
    finally:
        folder.chmod(0o755)


def test_missing_folder_error_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nope" / "r.yaml"
    with pytest.raises(FileNotFoundError, match="nope"):
        write_atomic(path, b"x")


def test_folders_inside_collections_and_collection_variables(ws: Workspace) -> None:
    a = ws.new_request("Shop", RequestModel(name="List"))
    b = ws.new_request("Shop/Orders", RequestModel(name="Create order", method="POST"))
    ws.new_request("Shop/Orders/Old", RequestModel(name="Legacy"))
    assert ws.list_collections() == ["Shop"]
    assert ws.list_collections("Shop") == ["Shop/Orders"]
    assert [c for c, _ in ws.walk()] == ["Shop", "Shop/Orders", "Shop/Orders/Old"]
    assert ws.collection_of(b) == "Shop/Orders"
    assert ws.collection_of(a) == "Shop"

    ws.save_collection_variables("Shop", {"base": "http://a",
                                          "token": {"value": "s3", "secret": True}})
    ws.save_collection_variables("Shop/Orders", {"base": "http://b"})
    assert ws.collection_variables("Shop/Orders") == {"base": "http://b", "token": "s3"}
    assert ws.collection_variables("Shop") == {"base": "http://a", "token": "s3"}
    text = (ws.root / "Shop" / "collection.yaml").read_text()
    assert "s3" not in text and "order:" in text

    dup = ws.duplicate(a)
    assert ws.load_request(dup).name == "List copy"
    assert [p.name for p in ws.list_requests("Shop")] == ["list.yaml", "list-copy.yaml"]

    moved = ws.move_collection("Shop/Orders", None)
    assert moved == "Orders" and ws.list_collections() == ["Orders", "Shop"]
    assert ws.load_request(ws.list_requests("Orders")[0]).name == "Create order"
    with pytest.raises(WorkspaceError):
        ws.move_collection("Orders", "Orders/Old")
    assert ws.rename_collection("Orders", "Sales") == "Sales"
    ws.delete_collection("Shop")
    assert ws.list_collections() == ["Sales"]


def test_deleting_forgets_the_secrets(ws: Workspace) -> None:
    model = RequestModel(name="x", auth=AuthModel(kind=AuthKind.BEARER, token="tok-123"))
    path = ws.new_request("C", model)
    secrets = ws.secrets
    assert isinstance(secrets, MemorySecrets)
    assert "tok-123" in secrets._values.values()
    ws.delete(path)
    assert "tok-123" not in secrets._values.values()
    ws.save_environment("dev", {"k": {"value": "v-secret", "secret": True}})
    ws.save_environment("dev", {"k": "plain"})
    assert "v-secret" not in secrets._values.values()


def test_an_auth_field_that_only_names_a_variable_stays_in_the_file(ws: Workspace) -> None:
    model = RequestModel(name="v", auth=AuthModel(kind=AuthKind.BEARER, token="{{token}}"))
    path = ws.new_request("C", model)
    assert "token: '{{token}}'" in path.read_text()
    assert ws.load_request(path).auth.token == "{{token}}"
    secrets = ws.secrets
    assert isinstance(secrets, MemorySecrets) and not secrets._values


def test_missing_secrets_are_named(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, MemorySecrets())
    path = ws.new_request("C", RequestModel(name="x", auth=AuthModel(
        kind=AuthKind.BASIC, username="u", password="pw")))
    assert ws.missing_secrets(path) == []
    elsewhere = Workspace(tmp_path, MemorySecrets())  # the same files, another keyring
    assert elsewhere.missing_secrets(path) == ["password"]
    assert elsewhere.load_request(path).auth.password == ""


def test_an_empty_secret_variable_needs_no_keyring(tmp_path: Path) -> None:
    secrets = MemorySecrets()
    ws = Workspace(tmp_path, secrets)
    ws.save_environment("dev", {"token": {"value": "", "secret": True}})
    assert not secrets._values
    assert ws.load_environment_variables("dev") == {"token": {"value": "", "secret": True}}
    ws.save_environment("dev", {"token": {"value": "now-set", "secret": True}})
    assert list(secrets._values.values()) == ["now-set"]
    ws.save_environment("dev", {"token": {"value": "", "secret": True}})
    assert not secrets._values  # emptied: the old secret is gone from the store


def test_a_broken_order_file_stops_new_saves_before_any_write(tmp_path: Path) -> None:
    secrets = MemorySecrets()
    ws = Workspace(tmp_path, secrets)
    first = ws.new_request("C", RequestModel(name="a"))
    (tmp_path / "C" / "collection.yaml").write_text("order: [unclosed\n")
    model = RequestModel(name="b", auth=AuthModel(kind=AuthKind.BEARER, token="t"))
    before = sorted(p.name for p in (tmp_path / "C").iterdir())
    with pytest.raises(WorkspaceError, match=r"collection\.yaml"):
        ws.new_request("C", model)
    with pytest.raises(WorkspaceError, match=r"collection\.yaml"):
        ws.duplicate(first)
    assert sorted(p.name for p in (tmp_path / "C").iterdir()) == before
    assert not secrets._values


def test_nested_resolution_stops_growing() -> None:
    from app.model.templating import resolve_nested

    values = resolve_nested({"a": "{{b}}{{b}}{{b}}", "b": "{{a}}{{a}}{{a}}"})
    assert max(len(v) for v in values.values()) < 1024 * 1024


def test_a_secret_variable_missing_from_the_keyring_is_marked(tmp_path: Path) -> None:
    Workspace(tmp_path, MemorySecrets()).save_environment(
        "dev", {"token": {"value": "t", "secret": True}, "base": "http://x"})
    elsewhere = Workspace(tmp_path, MemorySecrets())
    assert elsewhere.load_environment_variables("dev") == {
        "token": {"value": "", "secret": True, "missing": True},
        "base": {"value": "http://x", "secret": False}}


def test_total_deadline_is_written_only_when_changed(ws: Workspace) -> None:
    """A request keeps the default total deadline out of its file; a changed one (or none)
    is written and read back."""
    path = ws.save_request("c", RequestModel(name="r"))
    assert "total_timeout" not in path.read_text(encoding="utf-8")
    for total in (None, 12.5):
        model = RequestModel(name="r", options=RequestOptions(total_timeout=total))
        path = ws.save_request("c", model, name="r")
        assert "total_timeout" in path.read_text(encoding="utf-8")
        assert ws.load_request(path).options.total_timeout == total
