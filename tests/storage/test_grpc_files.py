"""gRPC requests in workspace files (their .proto paths relative to the workspace when inside
it) and in the history (method, target, status code name, time)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.model.request import GrpcModel, KeyValue, RequestMode, RequestModel
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
    root, outside = tmp_path / "ws", tmp_path / "elsewhere"
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
