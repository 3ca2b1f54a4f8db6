"""Fault cases: a secret the user clears (emptied, auth set to none, made a ``{{variable}}``,
a secret variable removed or made plain) is deleted from the keyring when the request or the
variables are saved; it was left there, orphaned, before. Each runs over the in-memory store
and the keyring over a test backend; one runs on the real Secret Service under
tests/keyring_session.sh (it skips without it).

What the user sees is the saved file as their editor or ``git diff`` shows it: what is kept,
and no reference to the cleared secret (a successful save shows no message of its own outside
the window's status bar)."""

from __future__ import annotations

import errno
import uuid
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
import yaml

from app.model.request import AuthKind, AuthModel, RequestModel
from app.storage.secrets import KeyringSecrets, MemorySecrets, SecretStore
from app.storage.workspace import Workspace
from tests.faults.table import Witness, fault
from tests.storage.keyrings import DictKeyring, secret_service, service_items

__all__ = ["secret_service"]  # a fixture, imported for pytest to find


@pytest.fixture(params=["memory", "keyring"])
def store(request: pytest.FixtureRequest) -> Iterator[SecretStore]:
    """Each store a workspace can use: in memory, and the keyring over a test backend."""
    if request.param == "memory":
        yield MemorySecrets()
        return
    previous = keyring.get_keyring()
    keyring.set_keyring(DictKeyring())
    try:
        yield KeyringSecrets(service="spyglass-test")
    finally:
        keyring.set_keyring(previous)


def _stored(store: SecretStore, refs: Iterator[str] | list[str]) -> dict[str, str | None]:
    return {ref: store.get(ref) for ref in refs}


def _auth_refs(path: Path) -> dict[str, str]:
    auth = yaml.safe_load(path.read_bytes()).get("auth") or {}
    return {k: v["secret"] for k, v in auth.items() if isinstance(v, dict) and "secret" in v}


@fault("Keyring", "A saved token cleared by the user (left orphaned in the keyring before)",
       sees="name: Me",
       kept="the token deleted from the keyring; the file names no secret")
@pytest.mark.parametrize("cleared", [
    AuthModel(kind=AuthKind.BEARER, token=""),
    AuthModel(),
    AuthModel(kind=AuthKind.BEARER, token="{{token}}"),
], ids=["emptied", "auth-none", "now-a-variable"])
def test_clearing_a_saved_token_deletes_it_from_the_store(
        witness: Witness, store: SecretStore, tmp_path: Path, cleared: AuthModel) -> None:
    """The user clears the field and saves; the secret is gone from the store, and the file
    holds no reference."""
    workspace = Workspace(tmp_path, secrets=store)
    model = RequestModel(name="Me", auth=AuthModel(kind=AuthKind.BEARER, token="tok-1"))
    path = workspace.save_request("Shop", model)
    (ref,) = _auth_refs(path).values()
    assert store.get(ref) == "tok-1"
    workspace.save_request("Shop", RequestModel(name="Me", auth=cleared))
    assert store.get(ref) is None
    assert _auth_refs(path) == {} and ref not in path.read_text()
    witness.saw(path.read_text())


def test_a_kept_secret_stays_and_only_the_cleared_one_goes(store: SecretStore,
                                                           tmp_path: Path) -> None:
    workspace = Workspace(tmp_path, secrets=store)
    both = AuthModel(kind=AuthKind.BACKENDAI, access_key="AK", secret_key="sk-1",
                     password="pw-1")
    path = workspace.save_request("Shop", RequestModel(name="Both", auth=both))
    refs = _auth_refs(path)
    assert set(refs) == {"secret_key", "password"}
    workspace.save_request("Shop", RequestModel(
        name="Both", auth=AuthModel(kind=AuthKind.BACKENDAI, access_key="AK",
                                    secret_key="sk-1")))
    assert _stored(store, [refs["secret_key"], refs["password"]]) == {
        refs["secret_key"]: "sk-1", refs["password"]: None}
    renamed = workspace.rename(path, "Renamed")
    assert _auth_refs(renamed) == {"secret_key": refs["secret_key"]}
    assert store.get(refs["secret_key"]) == "sk-1"


@fault("Keyring", "The disk is full when a cleared token is saved (ENOSPC at the write)",
       sees="No space left on device",
       kept="the old file and its token in the keyring, as they were")
def test_a_failed_save_keeps_the_old_secret(witness: Witness, store: SecretStore,
                                            tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The old secret goes only once the file no longer points at it: a save that fails
    (a full disk, injected at the write) leaves the file and its secret as they were."""
    import app.storage.workspace as workspace_module

    workspace = Workspace(tmp_path, secrets=store)
    path = workspace.save_request("Shop", RequestModel(
        name="Me", auth=AuthModel(kind=AuthKind.BEARER, token="tok-1")))
    (ref,) = _auth_refs(path).values()

    def full_disk(target: object, data: bytes, **_: object) -> bool:
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(workspace_module, "write_if_changed", full_disk)
    with pytest.raises(OSError) as caught:
        workspace.save_request("Shop", RequestModel(name="Me"))
    assert store.get(ref) == "tok-1" and _auth_refs(path) == {"token": ref}
    witness.saw(str(caught.value))


@fault("Keyring", "A secret variable cleared, removed or made plain (environment and "
       "collection)", sees="HOST:",
       kept="the old value deleted from the keyring; the other variables kept")
@pytest.mark.parametrize("change", ["cleared", "removed", "plain"])
def test_clearing_a_secret_variable_deletes_it_from_the_store(
        witness: Witness, store: SecretStore, tmp_path: Path, change: str) -> None:
    """An environment's (or a collection's) secret variable cleared, removed or made plain
    leaves the keyring too."""
    from app.model.variables import Variable

    workspace = Workspace(tmp_path, secrets=store)
    before = [Variable("TOKEN", "tok-1", secret=True), Variable("HOST", "h")]
    after = {"cleared": [Variable("TOKEN", "", secret=True), Variable("HOST", "h")],
             "removed": [Variable("HOST", "h")],
             "plain": [Variable("TOKEN", "visible", secret=False), Variable("HOST", "h")]}
    for save, path in ((workspace.save_environment, lambda: workspace._environment_path("dev")),
                       (workspace.save_collection_variables,
                        lambda: tmp_path / "dev" / "collection.yaml")):
        save("dev", before)
        spec = yaml.safe_load(path().read_bytes())["variables"]["TOKEN"]
        ref = spec["value"]["secret"]
        assert store.get(ref) == "tok-1"
        save("dev", after[change])
        assert store.get(ref) is None
        assert ref not in path().read_text()
        witness.saw(path().read_text())


@fault("Keyring", "A saved token cleared, on the real Secret Service (keyring_session.sh)",
       sees="kind: bearer", kept="no item left under the service")
def test_a_cleared_token_leaves_the_secret_service(witness: Witness,
                                                   secret_service: KeyringSecrets,
                                                   tmp_path: Path) -> None:
    """The same fault on the real Secret Service: nothing stays under the service."""
    workspace = Workspace(tmp_path, secrets=secret_service)
    path = workspace.save_request("Shop", RequestModel(
        name="Me", auth=AuthModel(kind=AuthKind.BEARER, token=f"tok-{uuid.uuid4().hex}")))
    assert len(service_items(secret_service.service)) == 1
    workspace.save_request("Shop", RequestModel(name="Me",
                                                auth=AuthModel(kind=AuthKind.BEARER)))
    assert service_items(secret_service.service) == []
    witness.saw(path.read_text())
