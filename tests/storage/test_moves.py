"""Moving and deleting what the collection tree drags or selects, several items at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.model.request import AuthKind, AuthModel, RequestModel
from app.storage.workspace import MemorySecrets, Workspace, WorkspaceError


@pytest.fixture
def secrets() -> MemorySecrets:
    return MemorySecrets()


@pytest.fixture
def ws(tmp_path: Path, secrets: MemorySecrets) -> Workspace:
    workspace = Workspace(tmp_path / "ws", secrets)
    for name in ("List products", "Create product"):
        workspace.new_request("Shop", RequestModel(name=name))
    workspace.new_request("Users", RequestModel(
        name="Delete user", auth=AuthModel(kind=AuthKind.BEARER, token="t-SECRET")))
    workspace.new_request("Users/Admin", RequestModel(name="Ban"))
    workspace.create_collection("Orders")
    return workspace


def names(ws: Workspace, collection: str) -> list[str]:
    return [p.name for p in ws.list_requests(collection)]


def test_requests_move_to_a_place_among_the_requests(ws: Workspace) -> None:
    source = ws.root / "Users" / "delete-user.yaml"
    moved = ws.move_items([("request", str(source))], "Shop", 1)
    target = ws.root / "Shop" / "delete-user.yaml"
    assert moved.requests == [(source, target)] and moved.collections == []
    assert names(ws, "Shop") == ["list-products.yaml", "delete-user.yaml",
                                 "create-product.yaml"]
    assert names(ws, "Users") == [] and ws.load_request(target).auth.token == "t-SECRET"
    ws.move_items([("request", str(target))], "Orders")  # -1: at the end
    assert names(ws, "Orders") == ["delete-user.yaml"]


def test_collections_move_into_another_and_back_to_the_top(ws: Workspace) -> None:
    moved = ws.move_items([("folder", "Orders")], "Users")
    assert moved.collections == [("Orders", "Users/Orders")]
    assert ws.list_collections("Users") == ["Users/Admin", "Users/Orders"]
    ws.move_items([("folder", "Users/Orders")], "")
    assert ws.list_collections() == ["Orders", "Shop", "Users"]


def test_moves_that_cannot_be(ws: Workspace) -> None:
    with pytest.raises(WorkspaceError, match="into itself"):
        ws.move_items([("folder", "Users")], "Users/Admin")
    with pytest.raises(WorkspaceError, match="drop them on a folder"):
        ws.move_items([("request", str(ws.root / "Shop" / "list-products.yaml"))], "")
    assert ws.list_collections("Users") == ["Users/Admin"]
    assert names(ws, "Shop") == ["list-products.yaml", "create-product.yaml"]


def test_delete_items_once_each_with_their_secrets(ws: Workspace,
                                                 secrets: MemorySecrets) -> None:
    assert secrets._values
    ws.delete_items([ws.root / "Users" / "delete-user.yaml",
                     str(ws.root / "Shop" / "list-products.yaml")],
                    ["Users/Admin", "Users"])
    assert ws.list_collections() == ["Orders", "Shop"]
    assert names(ws, "Shop") == ["create-product.yaml"]
    assert secrets._values == {}
