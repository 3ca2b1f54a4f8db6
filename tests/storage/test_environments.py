"""Environment operations of the workspace: create, rename, duplicate, and the name check, with
their failure paths (nothing written when they fail)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.storage.secrets import UNAVAILABLE_MESSAGE, MemorySecrets, SecretsUnavailable
from app.storage.workspace import Workspace, WorkspaceError, check_name, name_problem


class NoKeyring(MemorySecrets):
    """A keyring that is not there: secrets can be neither read nor stored."""

    def get(self, ref: str) -> str | None:
        raise SecretsUnavailable(UNAVAILABLE_MESSAGE)

    def set(self, ref: str, value: str) -> None:
        raise SecretsUnavailable(UNAVAILABLE_MESSAGE)


@pytest.fixture
def secrets() -> MemorySecrets:
    return MemorySecrets()


@pytest.fixture
def ws(tmp_path: Path, secrets: MemorySecrets) -> Workspace:
    workspace = Workspace(tmp_path / "ws", secrets)
    workspace.save_environment("Dev", {"HOST": "dev.example",
                                       "TOKEN": {"value": "dev-SECRET", "secret": True}})
    workspace.save_environment("Prod", {"HOST": "prod.example"})
    return workspace


def files(ws: Workspace) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((ws.root / "environments").iterdir())}


@pytest.mark.parametrize(("name", "problem"), [
    ("", "Enter a name."), ("  ", "Enter a name."), (" dev", "start or end with a space"),
    (".hidden", "start with a dot"), ("..", "start with a dot"), ("a/b", "cannot contain /"),
    ('a:b*"', "cannot contain : * \""), ("nul\0", "cannot contain NUL"),
])
def test_bad_names_are_told_apart(name: str, problem: str) -> None:
    assert problem in name_problem(name)
    with pytest.raises(WorkspaceError, match="not a valid environment name"):
        check_name(name, "environment")


def test_good_names_pass() -> None:
    for name in ("Dev", "staging 2", "ünïcode", "a.b"):
        assert name_problem(name) == ""
        assert check_name(name, "environment") == name


def test_create_refuses_an_existing_name_ignoring_case(ws: Workspace) -> None:
    path = ws.create_environment("Staging")
    assert path == ws.root / "environments" / "Staging.yaml"
    assert ws.load_environment("Staging") == {}
    before = files(ws)
    for taken in ("Dev", "dev", "STAGING"):
        with pytest.raises(WorkspaceError, match="already exists"):
            ws.create_environment(taken)
    with pytest.raises(WorkspaceError, match="not a valid"):
        ws.create_environment("a/b")
    assert files(ws) == before


def test_rename_moves_the_file_and_keeps_the_secrets(ws: Workspace,
                                                     secrets: MemorySecrets) -> None:
    stored = dict(secrets._values)
    before = (ws.root / "environments" / "Dev.yaml").read_bytes()
    path = ws.rename_environment("Dev", "Development")
    assert path == ws.root / "environments" / "Development.yaml"
    assert path.read_bytes() == before  # the same references: no keyring call was needed
    assert ws.list_environments() == ["Development", "Prod"]
    assert ws.load_environment("Development") == {"HOST": "dev.example", "TOKEN": "dev-SECRET"}
    assert secrets._values == stored


def test_rename_by_case_alone(ws: Workspace) -> None:
    ws.rename_environment("Dev", "DEV")
    assert ws.list_environments() == ["DEV", "Prod"]
    assert ws.load_environment("DEV")["TOKEN"] == "dev-SECRET"
    assert [p.name for p in (ws.root / "environments").iterdir() if p.name.startswith(".")] == []
    assert ws.rename_environment("DEV", "DEV") == ws.root / "environments" / "DEV.yaml"


def test_rename_failures_change_nothing(ws: Workspace) -> None:
    before = files(ws)
    with pytest.raises(WorkspaceError, match="“Prod” already exists"):
        ws.rename_environment("Dev", "prod")
    with pytest.raises(WorkspaceError, match="not a valid"):
        ws.rename_environment("Dev", ".dev")
    with pytest.raises(WorkspaceError, match="'Gone' does not exist"):
        ws.rename_environment("Gone", "Other")
    assert files(ws) == before


def test_duplicate_copies_the_secrets_under_new_references(ws: Workspace) -> None:
    path = ws.duplicate_environment("Dev", "Dev copy")
    assert ws.load_environment("Dev copy") == ws.load_environment("Dev")
    assert b"dev-SECRET" not in path.read_bytes()
    assert path.read_bytes() != (ws.root / "environments" / "Dev.yaml").read_bytes()
    ws.save_environment("Dev copy", {"TOKEN": {"value": "changed", "secret": True}})
    assert ws.load_environment("Dev")["TOKEN"] == "dev-SECRET"  # its own secret
    ws.delete_environment("Dev copy")
    assert ws.load_environment("Dev")["TOKEN"] == "dev-SECRET"


def test_duplicate_failures_write_nothing(ws: Workspace) -> None:
    before = files(ws)
    with pytest.raises(WorkspaceError, match="already exists"):
        ws.duplicate_environment("Dev", "PROD")
    with pytest.raises(WorkspaceError, match="not a valid"):
        ws.duplicate_environment("Dev", "a|b")
    with pytest.raises(WorkspaceError, match="does not exist"):
        ws.duplicate_environment("Gone", "Other")
    assert files(ws) == before


def test_duplicate_without_a_keyring_writes_no_file(ws: Workspace) -> None:
    before = files(ws)
    broken = Workspace(ws.root, NoKeyring())
    with pytest.raises(SecretsUnavailable):
        broken.duplicate_environment("Dev", "Dev copy")
    assert files(ws) == before
    # Without secrets, a copy goes through.
    broken.duplicate_environment("Prod", "Prod copy")
    assert broken.load_environment("Prod copy") == {"HOST": "prod.example"}


def test_variables_read_and_save_as_variable_objects(ws: Workspace) -> None:
    from app.model.variables import Variable

    assert ws.read_environment("Dev") == [
        Variable("HOST", "dev.example", False, "environment Dev"),
        Variable("TOKEN", "dev-SECRET", True, "environment Dev")]
    before = (ws.root / "environments" / "Dev.yaml").read_bytes()
    ws.save_environment("Dev", ws.read_environment("Dev"))  # the same file, byte for byte
    assert (ws.root / "environments" / "Dev.yaml").read_bytes() == before
    ws.save_collection_variables("Shop/Orders", [Variable("region", "eu"),
                                                 Variable("key", "k-SECRET", True)])
    assert ws.read_collection_variables("Shop/Orders") == [
        Variable("region", "eu", False, "collection Shop / Orders"),
        Variable("key", "k-SECRET", True, "collection Shop / Orders")]
    assert b"k-SECRET" not in (ws.root / "Shop" / "Orders" / "collection.yaml").read_bytes()
