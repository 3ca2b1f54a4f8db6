"""Fault cases: a request file changed on disk (another window, an editor, a ``git pull``)
between the read and the save. The save refuses with ``ChangedOnDisk`` before it writes
anything, so the other writer's text is never lost; the caller's model is untouched and can
still be saved elsewhere or over the file on purpose.

What the user sees is the question the window asks then (Overwrite, Reload or Save as), in
the words of ``ui.dialogs.changed_on_disk_words`` (Qt-free). The window's side (the question
asked from the event loop, each answer, the banner of an open tab, the file watcher) is tested
in tests/ui/test_view_models.py and tests/ui/test_workspace_window.py, which run in the UI's
own pytest process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.model.request import AuthKind, AuthModel, RequestModel
from app.storage.fingerprint import Fingerprint
from app.storage.secrets import MemorySecrets
from app.storage.workspace import ChangedOnDisk, Workspace, WorkspaceError
from tests.faults.table import Witness, fault
from ui.dialogs.changed_on_disk_words import changed_on_disk_question

CHANGED = "was changed by something else since it was opened"
DELETED = "was deleted or moved since it was opened"


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "ws", MemorySecrets())


def _asked(refused: ChangedOnDisk, title: str) -> str:
    """The question the window asks about the tab titled ``title`` for this refusal."""
    return "\n".join(changed_on_disk_question(title, refused.deleted))


def test_fingerprint_is_of_the_bytes_not_the_time(tmp_path: Path) -> None:
    """A ``touch`` (or a checkout of the same text) is no change; any other byte is one, even
    within the file system's time granularity and at the same size."""
    path = tmp_path / "r.yaml"
    path.write_bytes(b"name: a\n")
    before = Fingerprint.of_file(path)
    assert before == Fingerprint.of(b"name: a\n")
    os.utime(path, (1, 1))
    assert Fingerprint.of_file(path) == before
    path.write_bytes(b"name: b\n")
    assert Fingerprint.of_file(path) != before
    path.unlink()
    assert Fingerprint.of_file(path) is None


@fault("Concurrent edits", "Two windows save the same request (the last writer won silently "
       "before)", sees=CHANGED,
       kept="the first window's file byte for byte; the second's request still in its tab")
def test_two_writers_the_second_is_refused_and_nothing_is_lost(witness: Witness,
                                                                ws: Workspace) -> None:
    """Two windows opened the same request; the first saves. The second one's save raises
    ChangedOnDisk (the window asks: Overwrite, Reload or Save as) and the file still holds
    the first window's text, byte for byte."""
    path = ws.save_request("Shop", RequestModel(name="List", url="http://a"))
    first, fp_first = ws.read_request(path)
    second, fp_second = ws.read_request(path)
    assert fp_first == fp_second is not None

    first.url = "http://first"
    stored = ws.store_request("Shop", first, path.stem, expected=fp_first)
    assert stored.path == path and stored.fingerprint == Fingerprint.of_file(path)
    on_disk = path.read_bytes()

    second.url = "http://second"
    with pytest.raises(ChangedOnDisk) as caught:
        ws.save_request("Shop", second, path.stem, expected=fp_second)
    assert isinstance(caught.value, WorkspaceError)
    assert caught.value.path == path and not caught.value.deleted
    assert "changed" in str(caught.value) and str(path) in str(caught.value)
    assert path.read_bytes() == on_disk
    assert second.url == "http://second"
    witness.saw(_asked(caught.value, second.name))
    assert ws.load_request(path).url == "http://first"

    # The first writer goes on saving with the fingerprint of what it wrote.
    first.url = "http://first-again"
    ws.save_request("Shop", first, path.stem, expected=stored.fingerprint)
    assert ws.load_request(path).url == "http://first-again"


@fault("Concurrent edits", "An editor changed the file; the user answers Overwrite",
       sees=CHANGED,
       kept="written only on the answer (a save without expected); a save of what was read "
            "goes through without a question")
def test_overwrite_on_purpose_and_unchanged_saves(witness: Witness, ws: Workspace) -> None:
    """Without ``expected`` (the user chose Overwrite) the save goes through; a save whose
    file holds what was read goes through without a question."""
    path = ws.save_request("Shop", RequestModel(name="List"))
    model, fp = ws.read_request(path)
    path.write_text(path.read_text() + "url: http://outside\n")
    model.url = "http://mine"
    with pytest.raises(ChangedOnDisk) as caught:
        ws.save_request("Shop", model, path.stem, expected=fp)
    assert "url: http://outside" in path.read_text()
    witness.saw(_asked(caught.value, model.name))
    ws.save_request("Shop", model, path.stem)
    assert ws.load_request(path).url == "http://mine"
    model2, fp2 = ws.read_request(path)
    model2.method = "POST"
    ws.save_request("Shop", model2, path.stem, expected=fp2)
    assert ws.load_request(path).method == "POST"


@fault("Concurrent edits", "A git pull deleted the file of an open request",
       sees=DELETED,
       kept="nothing written, no folder or order entry left; Overwrite creates it again")
def test_a_deleted_file_counts_as_changed(witness: Witness, ws: Workspace) -> None:
    """The file was deleted outside (a ``git pull`` removed it): the save refuses with
    ``deleted`` set, writes nothing and leaves no folder or order entry behind; the user can
    recreate it (a save without ``expected``)."""
    path = ws.save_request("Shop", RequestModel(name="List"))
    model, fp = ws.read_request(path)
    path.unlink()
    with pytest.raises(ChangedOnDisk) as caught:
        ws.save_request("Shop", model, path.stem, expected=fp)
    assert caught.value.deleted and "deleted" in str(caught.value)
    assert not path.exists()
    witness.saw(_asked(caught.value, model.name))
    ws.save_request("Shop", model, path.stem)
    assert ws.load_request(path).name == "List"
    assert ws.list_requests("Shop") == [path]


@fault("Concurrent edits", "Another writer saves while the keyring call blocks (an unlock "
       "prompt)", sees=CHANGED, kept="the other writer's text stays, byte for byte")
def test_a_change_during_the_keyring_call_is_seen(witness: Witness, tmp_path: Path) -> None:
    """The keyring blocked (an unlock prompt) while another writer saved: the check right
    before the write refuses, and the other writer's text stays."""
    path_holder: list[Path] = []

    class SlowKeyring(MemorySecrets):
        def set(self, ref: str, value: str) -> None:
            if path_holder:
                path_holder[0].write_text("name: written meanwhile\n")
            super().set(ref, value)

    ws = Workspace(tmp_path / "ws", SlowKeyring())
    path = ws.save_request("Shop", RequestModel(name="Keyed"))
    model, fp = ws.read_request(path)
    model.auth = AuthModel(kind=AuthKind.BEARER, token="tok-1")
    path_holder.append(path)
    with pytest.raises(ChangedOnDisk) as caught:
        ws.save_request("Shop", model, path.stem, expected=fp)
    assert path.read_text() == "name: written meanwhile\n"
    witness.saw(_asked(caught.value, model.name))


def test_a_new_request_reports_its_fingerprint(ws: Workspace) -> None:
    """A request saved as a new file can be saved again at once without a question."""
    stored = ws.store_new_request("Shop", RequestModel(name="List"))
    again = ws.store_new_request("Shop", RequestModel(name="List"))
    assert again.path != stored.path
    model, fp = ws.read_request(stored.path)
    assert fp == stored.fingerprint
    model.url = "http://x"
    ws.save_request("Shop", model, stored.path.stem, expected=stored.fingerprint)


@fault("Concurrent edits", "A deleted request kept in its tab, and a pull brings the file "
       "back before the save", sees=CHANGED, kept="the pulled file stays as pulled")
def test_expecting_no_file_creates_it_and_refuses_one_made_meanwhile(witness: Witness,
                                                                     ws: Workspace) -> None:
    """The user kept a request whose file was deleted (``expected=ABSENT``): the save creates
    it again; had a ``git pull`` brought a file back meanwhile, the save refuses and that
    file stays as pulled."""
    from app.storage.fingerprint import ABSENT

    path = ws.save_request("Shop", RequestModel(name="List"))
    path.unlink()
    ws.save_request("Shop", RequestModel(name="List", url="http://mine"), path.stem,
                    expected=ABSENT)
    assert ws.load_request(path).url == "http://mine"
    with pytest.raises(ChangedOnDisk) as caught:
        ws.save_request("Shop", RequestModel(name="List"), path.stem, expected=ABSENT)
    assert not caught.value.deleted and ws.load_request(path).url == "http://mine"
    witness.saw(_asked(caught.value, "List"))


@fault("Concurrent edits", "Another writer slips in while the save's bytes are being synced to "
       "disk", sees=CHANGED,
       kept="the other writer's file byte for byte; no temporary file left beside it")
def test_a_writer_during_the_fsync_is_seen_before_the_rename(
        witness: Witness, ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """The last check runs once the new bytes are on disk, right before the rename: a writer
    that changes the file while the save's fsync waits is still caught, and the save's
    temporary file goes away."""
    import app.storage.atomic as atomic

    path = ws.save_request("Shop", RequestModel(name="List", url="http://a"))
    mine, fingerprint = ws.read_request(path)
    real_fsync = atomic.os.fsync
    other = b"name: List\nurl: http://other\n"

    def fsync_while_another_writes(fd: int) -> None:
        real_fsync(fd)
        if path.read_bytes() != other:
            path.write_bytes(other)  # the other window's save, during ours

    monkeypatch.setattr(atomic.os, "fsync", fsync_while_another_writes)
    mine.url = "http://mine"
    with pytest.raises(ChangedOnDisk) as caught:
        ws.save_request("Shop", mine, path.stem, expected=fingerprint)
    witness.saw(_asked(caught.value, "List"))
    assert path.read_bytes() == other
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []
