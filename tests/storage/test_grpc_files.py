"""gRPC requests in workspace files (their .proto paths relative to the workspace when inside
it or close by) and in the history (method, target, status code name, time)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.model.compose_grpc import resolve_paths
from app.model.request import GrpcModel, KeyValue, RequestMode, RequestModel
from app.storage.file_paths import grpc_for_file
from app.storage.history import History, HistoryEntry, Outcome, entry_for
from app.storage.secrets import MemorySecrets
from app.storage.workspace import Workspace, WorkspaceError


def _model(root: Path, outside: Path) -> RequestModel:
    return RequestModel(
        name="Echo", url="grpc://127.0.0.1:50051", mode=RequestMode.GRPC,
        headers=[KeyValue("x-demo", "1")],
        grpc=GrpcModel("pkg.Svc/Echo", '{\n  "text": "hi"\n}',
                       [str(root / "protos" / "svc.proto"), str(outside / "other.proto"),
                        "{{protos}}/v.proto"],
                       [str(root / "protos"), str(root), str(outside)], 2.5))


def test_proto_paths_inside_the_workspace_are_stored_relative(tmp_path: Path) -> None:
    # Outside: at the top of the filesystem (/opt/protos), far from the workspace.
    root, outside = tmp_path / "ws", Path(tmp_path.anchor, "opt", "protos")
    workspace = Workspace(root, MemorySecrets())
    model = _model(root, outside)
    path = workspace.save_request("API", model)
    text = path.read_text(encoding="utf-8")
    assert "mode: grpc" in text
    assert "    - protos/svc.proto\n" in text and f"    - {outside / 'other.proto'}\n" in text
    assert "    - '{{protos}}/v.proto'\n" in text
    assert "    - protos\n    - .\n" in text
    assert str(root) not in text
    assert workspace.load_request(path) == model


def test_a_workspace_opened_through_a_link_keeps_its_protos_relative(tmp_path: Path) -> None:
    # A file chooser that resolves links gives the .proto's real path: inside the
    # workspace all the same, kept relative (not ../../real/...), and found once moved.
    real = tmp_path / "data" / "real"
    (real / "protos").mkdir(parents=True)
    (tmp_path / "home").mkdir()
    linked = tmp_path / "home" / "ws"
    linked.symlink_to(real, target_is_directory=True)
    workspace = Workspace(linked, MemorySecrets())
    model = _model(linked, tmp_path / "far")
    model.grpc.protos = [str(real / "protos" / "svc.proto")]
    path = workspace.save_request("API", model)
    assert "    - protos/svc.proto\n" in path.read_text(encoding="utf-8")
    moved = tmp_path / "moved"
    real.rename(moved)
    loaded = Workspace(moved, MemorySecrets()).load_request(moved / path.relative_to(linked))
    assert loaded.grpc.protos == [str(moved / "protos" / "svc.proto")]


def test_a_moved_workspace_finds_its_protos(tmp_path: Path) -> None:
    root, outside = tmp_path / "ws", tmp_path / "elsewhere"
    path = Workspace(root, MemorySecrets()).save_request("API", _model(root, outside))
    moved = tmp_path / "moved"
    root.rename(moved)
    loaded = Workspace(moved, MemorySecrets()).load_request(moved / path.relative_to(root))
    assert loaded.grpc.protos[0] == str(moved / "protos" / "svc.proto")
    assert loaded.grpc.protos[1] == str(outside / "other.proto")
    assert loaded.grpc.import_paths[:2] == [str(moved / "protos"), str(moved)]


def test_relative_paths_typed_in_a_file_are_under_the_workspace(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    (root / "API").mkdir(parents=True)
    (root / "API" / "g.yaml").write_text(
        "name: g\nurl: localhost:1\nmode: grpc\ngrpc:\n  method: a.B/C\n"
        "  protos: [sub/a.proto]\n  import_paths: ['~/inc']\n", encoding="utf-8")
    model = Workspace(root, MemorySecrets()).load_request(root / "API" / "g.yaml")
    assert model.grpc.protos == [str(root / "sub" / "a.proto")]
    assert model.grpc.import_paths == ["~/inc"]  # expanded when sent
    assert model.grpc.deadline is None


def test_a_duplicate_and_a_rename_keep_relative_paths(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    workspace = Workspace(root, MemorySecrets())
    path = workspace.save_request("API", _model(root, tmp_path / "o"))
    copy = workspace.duplicate(path)
    renamed = workspace.rename(path, "Echo again")
    for each in (copy, renamed):
        assert "    - protos/svc.proto\n" in each.read_text(encoding="utf-8")


@pytest.mark.parametrize(("section", "error"), [
    ("  deadline: -1\n", "gRPC deadline must be a positive number of seconds"),
    ("  protos: a.proto\n", "gRPC protos must be a list of paths"),
])
def test_a_bad_grpc_section_names_the_file(tmp_path: Path, section: str, error: str) -> None:
    path = tmp_path / "API" / "g.yaml"
    path.parent.mkdir()
    path.write_text(f"name: g\nmode: grpc\ngrpc:\n{section}", encoding="utf-8")
    with pytest.raises(WorkspaceError, match=f"g.yaml: not a valid request: {error}"):
        Workspace(tmp_path, MemorySecrets()).load_request(path)


def test_a_history_entry_records_method_target_code_and_time(tmp_path: Path) -> None:
    model = RequestModel(name="Echo", url="grpc://{{host}}", mode=RequestMode.GRPC,
                         headers=[KeyValue("authorization", "Bearer s3cret")],
                         grpc=GrpcModel("pkg.Svc/Echo", '{"text": "s3cret"}'))
    outcome = Outcome(1000.0, 0.25, 5, url="grpc://127.0.0.1:9")
    entry = entry_for(model, outcome, ["s3cret"])
    assert (entry.method, entry.url, entry.status, entry.error) == (
        "GRPC", "grpc://127.0.0.1:9/pkg.Svc/Echo", 5, None)
    assert entry.request["grpc"] == {"method": "pkg.Svc/Echo", "target": "grpc://127.0.0.1:9",
                                     "code": "NOT_FOUND"}
    assert "s3cret" not in str(entry.request)
    with History(tmp_path / "h.db") as history:
        stored = history.get(history.add(entry))
        assert stored is not None and stored.time == 1000.0 and stored.duration == 0.25
        assert stored.request["grpc"]["code"] == "NOT_FOUND"
        assert stored.status_text == "NOT_FOUND"  # what the History page shows, not "5"
        assert [e.id for e in history.search("not_found")] == [stored.id]  # found by it too
        assert history.search("UNAVAILABLE") == []
    again = stored.request_model()
    assert again.mode is RequestMode.GRPC and again.grpc.method == "pkg.Svc/Echo"


def test_a_history_entry_of_a_call_not_made(tmp_path: Path) -> None:
    model = RequestModel(url="localhost:1", mode=RequestMode.GRPC,
                         grpc=GrpcModel("pkg.Svc/Echo"))
    entry = entry_for(model, Outcome(1.0, 0.0, None, "the message is not JSON", code=""))
    assert (entry.status, entry.error) == (None, "the message is not JSON")
    assert entry.url == "localhost:1/pkg.Svc/Echo" and entry.request["grpc"]["code"] == ""
    named = entry_for(model, Outcome(1.0, 0.0, 14, code="UNAVAILABLE"))
    assert named.request["grpc"]["code"] == "UNAVAILABLE"
    assert (entry.status_text, named.status_text) == ("", "UNAVAILABLE")
    unnamed = HistoryEntry(method="GRPC", url="x", status=4, request={"grpc": "?"})
    assert unnamed.status_text == "4"  # an entry edited by hand: its number
    assert HistoryEntry(method="GET", url="x", status=404).status_text == "404"


def _home(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))  # what Windows's expanduser reads


def test_a_proto_beside_the_workspace_keeps_its_relative_path(tmp_path: Path) -> None:
    # A repository whose protos sit beside its workspace folder: what the file said
    # (../protos) was written back as an absolute path at the next save, which a clone of
    # the repository elsewhere did not have.
    repo = tmp_path / "repo"
    root = repo / "api-workspace"
    (root / "API").mkdir(parents=True)
    path = root / "API" / "g.yaml"
    path.write_text(
        "name: g\nurl: localhost:1\nmode: grpc\ngrpc:\n  method: a.B/C\n"
        "  protos:\n    - ../protos/service.proto\n    - protos/local.proto\n"
        "  import_paths:\n    - ../protos\n", encoding="utf-8")
    workspace = Workspace(root, MemorySecrets())
    model = workspace.load_request(path)
    assert model.grpc.protos[0] == str(repo / "protos" / "service.proto")
    assert workspace.save_request("API", model) == path
    text = path.read_text(encoding="utf-8")
    assert "    - ../protos/service.proto\n    - protos/local.proto\n" in text
    assert "  import_paths:\n    - ../protos\n" in text
    assert str(repo) not in text
    clone = tmp_path / "elsewhere" / "clone"
    clone.parent.mkdir()
    repo.rename(clone)
    moved = Workspace(clone / "api-workspace", MemorySecrets()).load_request(
        clone / "api-workspace" / "API" / "g.yaml")
    assert moved.grpc.protos[0] == str(clone / "protos" / "service.proto")
    assert moved.grpc.import_paths == [str(clone / "protos")]


def test_which_paths_outside_the_workspace_are_stored_relative(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    _home(monkeypatch, home)
    root = home / "code" / "repo" / "ws"
    near = [home / "code" / "repo" / "protos" / "a.proto",  # beside, in the same repository
            home / "code" / "repo",  # the folder above the workspace's
            home / "code" / "shared" / "protos"]  # still below the home folder
    far = [home / "other.proto",  # shares only the home folder: ~/... elsewhere
           tmp_path / "shared" / "b.proto",  # shares a folder above the home folder
           Path(tmp_path.anchor, "usr", "include")]  # shares only the filesystem's root
    grpc = grpc_for_file(GrpcModel(protos=[str(p) for p in near + far]), root)
    assert grpc.protos == ["../protos/a.proto", "..", "../../shared/protos",
                           *(str(p) for p in far)]
    # Read back as a call finds them: relative to the workspace's folder.
    assert resolve_paths(grpc.protos, root) == [str(p) for p in near + far]


def test_a_workspace_outside_the_home_folder(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    _home(monkeypatch, tmp_path / "home")
    root = tmp_path / "srv" / "team" / "ws"
    grpc = grpc_for_file(GrpcModel(protos=[str(tmp_path / "srv" / "team" / "p.proto"),
                                           str(tmp_path / "home" / "p.proto")],
                                   import_paths=["../typed", "~/include"]), root)
    # Beside it below /srv: relative; in the home folder (a folder above it shared): not.
    assert grpc.protos == ["../p.proto", str(tmp_path / "home" / "p.proto")]
    assert grpc.import_paths == ["../typed", "~/include"]  # relative as typed: as they are


def test_certificate_paths_in_the_workspace_are_stored_relative(tmp_path: Path) -> None:
    # The CA file and the client certificate and key of any request, gRPC or HTTP, as the
    # .proto files: relative inside the workspace (or close by), found again once moved.
    from app.model.request import RequestOptions

    root = tmp_path / "ws"
    far = Path(tmp_path.anchor, "etc", "ssl", "ca.pem")
    workspace = Workspace(root, MemorySecrets())
    for mode, url in ((RequestMode.GRPC, "grpcs://h:1"), (RequestMode.HTTP, "https://h/")):
        options = RequestOptions(ca_file=str(root / "certs" / "ca.pem"),
                                 client_cert_mode="files",
                                 client_cert=str(tmp_path / "shared" / "me.pem"),
                                 client_key="{{keys}}/me.key")
        model = RequestModel(name=f"tls {mode.value}", url=url, mode=mode, options=options)
        path = workspace.save_request("API", model)
        text = path.read_text(encoding="utf-8")
        assert "ca_file: certs/ca.pem\n" in text and "client_cert: ../shared/me.pem\n" in text
        assert "client_key: '{{keys}}/me.key'\n" in text and str(tmp_path) not in text
        assert workspace.load_request(path) == model
        # One far away (the system's) stays absolute.
        model.options.ca_file = str(far)
        path = workspace.save_request("API", model)
        assert f"ca_file: {far}\n" in path.read_text(encoding="utf-8")
        assert workspace.load_request(path).options.ca_file == str(far)
    moved = tmp_path / "moved"
    moved.mkdir()
    root.rename(moved / "ws")
    loaded = Workspace(moved / "ws", MemorySecrets()).load_request(
        moved / path.relative_to(tmp_path))
    assert loaded.options.client_cert == str(moved / "shared" / "me.pem")
