"""Fault cases: workspace files that a cloned repository (or a careless edit) made hostile
or broken: the tree, a request and ``spyglass export`` each end in one clear line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from app.cli import main
from app.model.request import RequestModel
from app.storage.secrets import MemorySecrets
from app.storage.workspace import COLLECTION_FILE, Workspace, WorkspaceError
from app.storage.yaml_load import MAX_FILE_BYTES
from tests.faults.samples import laughs, yaml_bomb_collection_file
from tests.faults.table import Witness, fault


def export(root: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(["export", str(root), "--format", "curl"],
                  secrets=MemorySecrets(), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def shop(tmp_path: Path) -> Workspace:
    workspace = Workspace(tmp_path, MemorySecrets())
    workspace.save_request("Shop", RequestModel(name="List", url="http://127.0.0.1/"))
    return workspace


@fault("Workspace files", "YAML alias bomb in a collection.yaml (hung the tree before)",
       sees="collection.yaml:8: cannot parse (line 8, column 6): YAML aliases",
       kept="the request files untouched; under 1 s and 64 MiB")
def test_alias_bomb_in_collection_yaml(witness: Witness, shop: Workspace) -> None:
    bomb = shop.root / "Shop" / COLLECTION_FILE
    bomb.write_text(yaml_bomb_collection_file())
    request = shop.root / "Shop" / "list.yaml"
    before = request.read_bytes()
    with witness.bounded(seconds=1, mib=64), pytest.raises(WorkspaceError) as caught:
        shop.list_requests("Shop")
    witness.saw(str(caught.value))
    assert request.read_bytes() == before
    assert shop.load_request(request).name == "List"


@fault("Workspace files", "spyglass export over a collection.yaml bomb (MemoryError before)",
       sees="spyglass export: ", kept="exit status 1, one line naming the file and line")
def test_export_over_a_bomb(witness: Witness, shop: Workspace) -> None:
    (shop.root / "Shop" / COLLECTION_FILE).write_text(yaml_bomb_collection_file())
    with witness.bounded(seconds=1, mib=64):
        status, out, err = export(shop.root)
    assert status == 1 and out == "" and err.count("\n") == 1
    assert "collection.yaml:8" in err and "YAML aliases (&anchor/*alias)" in err
    witness.saw(err)


@fault("Workspace files", "YAML alias bomb in a request file",
       sees="YAML aliases (&anchor/*alias) expand to more than",
       kept="the other requests of the collection still open")
def test_alias_bomb_in_a_request_file(witness: Witness, shop: Workspace) -> None:
    bad = shop.root / "Shop" / "bomb.yaml"
    bad.write_text("\n".join([*laughs(), "name: *i"]) + "\n")
    with witness.bounded(seconds=1, mib=64), pytest.raises(WorkspaceError) as caught:
        shop.load_request(bad)
    assert str(bad) in str(caught.value)
    witness.saw(str(caught.value))
    assert shop.load_request(shop.root / "Shop" / "list.yaml").name == "List"


@fault("Workspace files", "A request file that holds itself (&a [*a])",
       sees="is used by an alias (*alias) inside itself",
       kept="no RecursionError; the file untouched")
def test_self_reference_in_a_request_file(witness: Witness, shop: Workspace) -> None:
    bad = shop.root / "Shop" / "loop.yaml"
    bad.write_text("name: loop\nheaders: &h [*h]\n")
    with pytest.raises(WorkspaceError) as caught:
        shop.load_request(bad)
    witness.saw(str(caught.value))


@fault("Workspace files", "A workspace file over 64 MiB (a sparse file, or a device)",
       sees="is larger than 64 MiB: not read", kept="at most 64 MiB + 1 byte read")
def test_a_workspace_file_too_large(witness: Witness, shop: Workspace) -> None:
    big = shop.root / "Shop" / "big.yaml"
    with big.open("wb") as stream:
        stream.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk used
    with pytest.raises(WorkspaceError) as caught:
        shop.load_request(big)
    witness.saw(str(caught.value))


@fault("Workspace files", "Honest anchors in a hand-written request file (not a fault)",
       sees="/shared", kept="the anchored value arrives where it is used")
def test_honest_anchors_in_a_request_file(witness: Witness, shop: Workspace) -> None:
    path = shop.root / "Shop" / "shared.yaml"
    path.write_text("name: &n /shared\nurl: *n\n")
    model = shop.load_request(path)
    assert model.name == model.url
    witness.saw(model.url)


@fault("Workspace files", "A name with a control character (a newline) typed or imported",
       sees="not a valid collection name", kept="nothing created on disk")
def test_control_characters_refused_in_names(witness: Witness, shop: Workspace) -> None:
    before = sorted(p.name for p in shop.root.iterdir())
    with pytest.raises(WorkspaceError) as caught:
        shop.create_collection("Shop\ntouch PWNED")
    witness.saw(str(caught.value))
    assert sorted(p.name for p in shop.root.iterdir()) == before
