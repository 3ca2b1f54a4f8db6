"""app.storage.secrets: the in-memory store, the keyring store over a test backend, the fail
backend, and the real Secret Service (gnome-keyring on a private bus, set up by
tests/keyring_session.sh): a secret stored, read, replaced and deleted, and a workspace whose
bearer token lives there and never on disk."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.errors
import pytest
import yaml

from app.model.request import AuthKind, AuthModel, RequestModel
from app.storage.secrets import (
    UNAVAILABLE_MESSAGE,
    KeyringSecrets,
    MemorySecrets,
    SecretStore,
    SecretsUnavailable,
    new_ref,
)
from app.storage.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]


class DictKeyring(keyring.backend.KeyringBackend):
    """A keyring backend in a dict, standing in for the OS one."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.values[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError("not found") from None


class LockedKeyring(DictKeyring):
    """A backend whose every call fails the way a locked collection does."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("the collection is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("the collection is locked")


@pytest.fixture
def backend() -> Iterator[DictKeyring]:
    previous = keyring.get_keyring()
    fake = DictKeyring()
    keyring.set_keyring(fake)
    try:
        yield fake
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def use_backend() -> Iterator[None]:
    previous = keyring.get_keyring()
    try:
        yield
    finally:
        keyring.set_keyring(previous)


def _round_trip(store: SecretStore) -> None:
    ref = new_ref()
    assert store.available()
    assert store.get(ref) is None
    store.set(ref, "s3cret")
    assert store.get(ref) == "s3cret"
    store.set(ref, "other")
    assert store.get(ref) == "other"
    store.delete(ref)
    assert store.get(ref) is None
    store.delete(ref)  # deleting twice is not an error


def test_new_ref_is_opaque_and_unique() -> None:
    refs = {new_ref() for _ in range(1000)}
    assert len(refs) == 1000
    assert all(ref.startswith("secret-") and ref.isascii() for ref in refs)


def test_memory_secrets_round_trip() -> None:
    store = MemorySecrets()
    _round_trip(store)
    a, b = new_ref(), new_ref()
    store.set(a, "one")
    store.set(b, "two")
    assert (store.get(a), store.get(b)) == ("one", "two")
    assert MemorySecrets().get(a) is None  # stores do not share state


def test_keyring_secrets_round_trip_through_the_backend(backend: DictKeyring) -> None:
    store = KeyringSecrets()
    ref = new_ref()
    store.set(ref, "tok")
    assert backend.values == {("spyglass", ref): "tok"}
    _round_trip(store)
    _round_trip(KeyringSecrets(service="other"))
    assert backend.values == {("spyglass", ref): "tok"}


def test_keyring_secrets_services_are_separate(backend: DictKeyring) -> None:
    ref = new_ref()
    KeyringSecrets("a").set(ref, "1")
    assert KeyringSecrets("b").get(ref) is None
    assert KeyringSecrets("a").get(ref) == "1"


def test_fail_backend_is_unavailable_with_a_plain_message(use_backend: None) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    store = KeyringSecrets()
    assert not store.available()
    for call in (lambda: store.get("r"), lambda: store.set("r", "v"), lambda: store.delete("r")):
        with pytest.raises(SecretsUnavailable) as caught:
            call()
        assert str(caught.value) == UNAVAILABLE_MESSAGE
        assert str(caught.value).startswith(
            "No system keyring is available: secrets are not saved anywhere.")


def test_keyring_errors_become_secrets_unavailable(use_backend: None) -> None:
    keyring.set_keyring(LockedKeyring())
    store = KeyringSecrets()
    with pytest.raises(SecretsUnavailable, match=r"No system keyring is available.*locked"):
        store.get("r")
    with pytest.raises(SecretsUnavailable, match="No system keyring is available"):
        store.set("r", "v")


# --- the probe: is there a keyring, asked without loading one -------------------------------

_PROBE_CODE = """
import sys
from app.storage.secrets import KeyringSecrets
answer = KeyringSecrets().probe()
print(answer, "keyring" in sys.modules)
"""


@pytest.mark.parametrize(("backend", "expected"), [
    ("keyring.backends.fail.Keyring", "False"),
    ("keyring.backends.null.Keyring", "True"),
])
def test_probe_asks_a_child_and_loads_no_keyring_here(backend: str, expected: str) -> None:
    # A fresh interpreter, as the window is: keyring is not loaded there yet.
    env = dict(os.environ, PYTHON_KEYRING_BACKEND=backend)
    done = subprocess.run([sys.executable, "-c", _PROBE_CODE], capture_output=True, text=True,
                          timeout=60, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [expected, "False"]


@pytest.mark.parametrize(("backend", "status"), [
    ("keyring.backends.fail.Keyring", 3),
    ("keyring.backends.null.Keyring", 0),
])
def test_the_entry_point_answers_the_probe(backend: str, status: int) -> None:
    env = dict(os.environ, PYTHON_KEYRING_BACKEND=backend)
    done = subprocess.run([sys.executable, "-m", "app", "--keyring-probe"], capture_output=True,
                          text=True, timeout=60, cwd=ROOT, env=env)
    assert (done.returncode, done.stdout) == (status, "")


def test_probe_answers_here_once_keyring_is_loaded(backend: DictKeyring) -> None:
    # A backend chosen in this process (set_keyring) is one a child would not see.
    assert KeyringSecrets().probe() is True
    keyring.set_keyring(keyring.backends.fail.Keyring())
    assert KeyringSecrets().probe() is False
    assert MemorySecrets().probe() is True


def test_the_probe_flag_is_the_entry_points() -> None:
    import app.__main__
    import app.storage.secrets

    assert app.__main__.PROBE_FLAG == app.storage.secrets.PROBE_FLAG


# --- a real Secret Service -------------------------------------------------------------------
# tests/keyring_session.sh (which ./dev test wraps the non-UI tests in) starts a private D-Bus
# session with an unlocked gnome-keyring and sets SPYGLASS_REAL_KEYRING=1. Without it these
# tests skip; with it, a backend other than the Secret Service is a failure, not a skip.

REAL_KEYRING = os.environ.get("SPYGLASS_REAL_KEYRING") == "1"


@pytest.fixture
def secret_service() -> Iterator[KeyringSecrets]:
    """A KeyringSecrets on the real Secret Service, under a service name of its own; whatever
    is left under that name afterwards is deleted."""
    if not REAL_KEYRING:
        pytest.skip("needs a private Secret Service: run through tests/keyring_session.sh "
                    "(./dev test does)")
    import keyring.backends.SecretService

    # What keyring picks by itself, as the app would: in a fresh process, since in this one
    # the test backends above take part in keyring's choice.
    code = "import keyring; b = keyring.get_keyring(); print(type(b).__module__, type(b).__name__)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["keyring.backends.SecretService", "Keyring"], (
        f"SPYGLASS_REAL_KEYRING=1 but keyring chose {done.stdout.strip()}, not the Secret "
        "Service (see what tests/keyring_session.sh printed)")
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.SecretService.Keyring())
    service = f"spyglass-test-{uuid.uuid4().hex}"
    try:
        yield KeyringSecrets(service=service)
    finally:
        try:
            _forget_service(service)
        finally:
            keyring.set_keyring(previous)


def _service_items(service: str) -> list[dict[str, str]]:
    """The attributes of every item stored under ``service``, read by secretstorage directly."""
    import secretstorage

    connection = secretstorage.dbus_init()
    try:
        return [item.get_attributes() for item in
                secretstorage.search_items(connection, {"service": service})]
    finally:
        connection.close()


def _forget_service(service: str) -> None:
    import secretstorage

    connection = secretstorage.dbus_init()
    try:
        for item in secretstorage.search_items(connection, {"service": service}):
            item.delete()
    finally:
        connection.close()


def _read_elsewhere(service: str, ref: str) -> str | None:
    """The secret as another process sees it: it is in the Secret Service, not in our memory."""
    code = ("import sys, keyring; v = keyring.get_password(sys.argv[1], sys.argv[2]); "
            "print(repr(v))")
    done = subprocess.run([sys.executable, "-c", code, service, ref], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return ast.literal_eval(done.stdout.strip())  # type: ignore[no-any-return]


def test_secret_service_store_read_overwrite_delete(secret_service: KeyringSecrets) -> None:
    store, service = secret_service, secret_service.service
    ref = new_ref()
    assert store.available()
    assert store.get(ref) is None
    store.set(ref, "pässwörd ✓")
    assert store.get(ref) == "pässwörd ✓"
    assert _read_elsewhere(service, ref) == "pässwörd ✓"
    assert [item["username"] for item in _service_items(service)] == [ref]
    store.set(ref, "second")  # replaces, does not add an item
    assert store.get(ref) == "second"
    assert _read_elsewhere(service, ref) == "second"
    assert len(_service_items(service)) == 1
    store.delete(ref)
    assert store.get(ref) is None
    assert _service_items(service) == []
    store.delete(ref)  # deleting a missing secret is not an error


def test_workspace_keeps_a_bearer_token_in_the_secret_service(
        secret_service: KeyringSecrets, tmp_path: Path) -> None:
    token = f"tok-{uuid.uuid4().hex}"
    root = tmp_path / "workspace"
    model = RequestModel(name="Who am I", url="https://api.example.com/me",
                         auth=AuthModel(kind=AuthKind.BEARER, token=token))
    path = Workspace(root, secrets=secret_service).save_request("Shop", model)

    def files() -> dict[Path, bytes]:
        return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}

    written = files()
    assert path in written
    assert not any(token.encode() in data for data in written.values())
    ref = yaml.safe_load(written[path])["auth"]["token"]["secret"]
    assert _read_elsewhere(secret_service.service, ref) == token

    # A workspace opened afresh reads the token back from the keyring.
    again = Workspace(root, secrets=KeyringSecrets(service=secret_service.service))
    assert again.load_request(path) == model

    # A new token goes to the same keyring entry; the file stays as it was.
    changed = RequestModel(name="Who am I", url="https://api.example.com/me",
                           auth=AuthModel(kind=AuthKind.BEARER, token=token + "-2"))
    again.save_request("Shop", changed)
    assert files() == written
    assert secret_service.get(ref) == token + "-2"
    assert len(_service_items(secret_service.service)) == 1

    # Deleting the request forgets its secret.
    again.delete(path)
    assert secret_service.get(ref) is None
    assert _service_items(secret_service.service) == []


# -- a cleared secret leaves the store --------------------------------------------------------


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


@pytest.mark.parametrize("cleared", [
    AuthModel(kind=AuthKind.BEARER, token=""),
    AuthModel(),
    AuthModel(kind=AuthKind.BEARER, token="{{token}}"),
], ids=["emptied", "auth-none", "now-a-variable"])
def test_clearing_a_saved_token_deletes_it_from_the_store(
        store: SecretStore, tmp_path: Path, cleared: AuthModel) -> None:
    """Fault: saving a request whose token was cleared left the old token in the keyring,
    orphaned (no file pointed at it any more). The user clears the field and saves; the
    secret is gone from the store, and the file holds no reference."""
    workspace = Workspace(tmp_path, secrets=store)
    model = RequestModel(name="Me", auth=AuthModel(kind=AuthKind.BEARER, token="tok-1"))
    path = workspace.save_request("Shop", model)
    (ref,) = _auth_refs(path).values()
    assert store.get(ref) == "tok-1"
    workspace.save_request("Shop", RequestModel(name="Me", auth=cleared))
    assert store.get(ref) is None
    assert _auth_refs(path) == {}


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


def test_a_failed_save_keeps_the_old_secret(store: SecretStore, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The old secret goes only once the file no longer points at it: a save that fails
    (a full disk, injected at the write) leaves the file and its secret as they were."""
    import errno

    import app.storage.workspace as workspace_module

    workspace = Workspace(tmp_path, secrets=store)
    path = workspace.save_request("Shop", RequestModel(
        name="Me", auth=AuthModel(kind=AuthKind.BEARER, token="tok-1")))
    (ref,) = _auth_refs(path).values()

    def full_disk(target: object, data: bytes) -> bool:
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(workspace_module, "write_if_changed", full_disk)
    with pytest.raises(OSError):
        workspace.save_request("Shop", RequestModel(name="Me"))
    assert store.get(ref) == "tok-1" and _auth_refs(path) == {"token": ref}


@pytest.mark.parametrize("change", ["cleared", "removed", "plain"])
def test_clearing_a_secret_variable_deletes_it_from_the_store(
        store: SecretStore, tmp_path: Path, change: str) -> None:
    """Fault: an environment's (or a collection's) secret variable cleared, removed or made
    plain must leave the keyring too."""
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


def test_a_cleared_token_leaves_the_secret_service(secret_service: KeyringSecrets,
                                                   tmp_path: Path) -> None:
    """The same fault on the real Secret Service: nothing stays under the service."""
    workspace = Workspace(tmp_path, secrets=secret_service)
    workspace.save_request("Shop", RequestModel(
        name="Me", auth=AuthModel(kind=AuthKind.BEARER, token=f"tok-{uuid.uuid4().hex}")))
    assert len(_service_items(secret_service.service)) == 1
    workspace.save_request("Shop", RequestModel(name="Me",
                                                auth=AuthModel(kind=AuthKind.BEARER)))
    assert _service_items(secret_service.service) == []
