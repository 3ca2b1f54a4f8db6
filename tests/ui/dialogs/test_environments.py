"""The environment switcher and editor, driven like a user does, against a real workspace."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QMenu, QMessageBox
from pytestqt.qtbot import QtBot
from shiboken6 import isValid

from app.model.variables import Variable
from app.storage.secrets import UNAVAILABLE_MESSAGE, MemorySecrets, SecretsUnavailable
from app.storage.workspace import Workspace, environment_name_problem
from tests.ui.helpers import cell_editor, type_into_cell
from ui.dialogs import environment_variables_pane
from ui.dialogs.environment_editor import EnvironmentEditor
from ui.dialogs.variables_model import MASK, NAME, SECRET, VALUE
from ui.request.secret_field import SecretField
from ui.sidebar.environment_bar import EnvironmentBar
from ui.tasks import TaskRunner
from ui.workspace_controller import WorkspaceController

Button = QMessageBox.StandardButton


class Prompts:
    """Stands in for QMessageBox.question: answers from a queue and records the questions."""

    def __init__(self) -> None:
        self.answers: list[Button] = []
        self.asked: list[str] = []

    def __call__(self, _parent: Any, title: str, text: str, *_args: Any) -> Button:
        self.asked.append(f"{title}: {text}")
        assert self.answers, f"unexpected question: {title}: {text}"
        return self.answers.pop(0)


@pytest.fixture
def prompts(monkeypatch: pytest.MonkeyPatch) -> Prompts:
    fake = Prompts()
    monkeypatch.setattr(QMessageBox, "question", staticmethod(fake))
    return fake


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "ws", secrets=MemorySecrets())


@pytest.fixture
def open_editor(qtbot: QtBot, qt_loop: Any) -> Iterator[Callable[..., EnvironmentEditor]]:
    """Opens editors; the ones a test leaves open are closed without their question."""
    runner = TaskRunner()
    editors: list[EnvironmentEditor] = []

    def make(workspace: Workspace, name: str | None = None) -> EnvironmentEditor:
        # Not qtbot.addWidget: the dialog deletes itself when closed.
        editor = EnvironmentEditor(WorkspaceController(runner, workspace), name)
        editors.append(editor)
        editor.show()
        qtbot.waitExposed(editor)
        idle(qtbot, editor)
        return editor

    yield make
    for editor in editors:
        if isValid(editor):
            idle(qtbot, editor)
            editor.discard_changes()  # closing must not ask (a real, modal question)
            editor.close()
            assert not editor.isVisible()
    qtbot.waitUntil(lambda: not any(isValid(e) for e in editors))
    runner.cancel_all()


def idle(qtbot: QtBot, editor: EnvironmentEditor) -> None:
    qtbot.waitUntil(lambda: not editor.is_busy(), timeout=5000)


def env_file(workspace: Workspace, name: str) -> Path:
    return workspace.root / "environments" / f"{name}.yaml"


# --- the switcher ----------------------------------------------------------------------------


def test_bar_lists_environments_and_reports_picks(qtbot: QtBot) -> None:
    bar = EnvironmentBar()
    qtbot.addWidget(bar)
    with qtbot.assertNotEmitted(bar.environment_changed):
        bar.set_environments(["Dev", "Prod"], "Prod")
    assert [bar.combo.itemText(i) for i in range(bar.combo.count())] == \
        ["No environment", "Dev", "Prod"]
    assert bar.current() == "Prod"
    with qtbot.waitSignal(bar.environment_changed) as picked:
        bar.combo.setCurrentIndex(1)
    assert picked.args == ["Dev"]
    with qtbot.waitSignal(bar.environment_changed) as picked:
        bar.combo.setCurrentIndex(0)
    assert picked.args == [None]
    assert bar.current() is None
    bar.set_environments(["Dev"], "Gone")  # a name no longer there: no environment
    assert bar.current() is None
    with qtbot.waitSignal(bar.manage_requested):
        qtbot.mouseClick(bar.manage_button, Qt.MouseButton.LeftButton)


# --- creating, editing and saving ------------------------------------------------------------


def test_create_edit_and_save_with_a_secret(qtbot: QtBot, workspace: Workspace,
                                            open_editor: Callable[..., EnvironmentEditor]
                                            ) -> None:
    editor = open_editor(workspace)
    assert editor.empty.isVisible()
    assert not editor.rename_button.isEnabled()

    qtbot.mouseClick(editor.new_button, Qt.MouseButton.LeftButton)
    assert editor.name_panel.isVisible()
    assert editor.name_message.text() == "Enter a name."
    assert not editor.name_ok.isEnabled()
    qtbot.keyClicks(editor.name_edit, "Dev")
    assert editor.name_ok.isEnabled()
    with qtbot.waitSignal(editor.environments_changed):
        qtbot.keyClick(editor.name_edit, Qt.Key.Key_Return)
    idle(qtbot, editor)
    assert editor.current_environment() == "Dev"
    assert editor.environment_names() == ["Dev"]
    assert env_file(workspace, "Dev").exists()
    assert editor.view.isEnabled()

    type_into_cell(qtbot, editor.view, 0, NAME, "HOST")
    type_into_cell(qtbot, editor.view, 0, VALUE, "localhost:8080")
    type_into_cell(qtbot, editor.view, 1, NAME, "TOKEN")
    editor.model.setData(editor.model.index(1, SECRET), Qt.CheckState.Checked.value,
                         Qt.ItemDataRole.CheckStateRole)
    type_into_cell(qtbot, editor.view, 1, VALUE, "s3cret-t0ken")
    assert editor.model.index(1, VALUE).data() == MASK
    assert editor.is_dirty()
    assert editor.hint.text() == "Unsaved changes"
    assert editor.save_button.isEnabled()

    with qtbot.waitSignal(editor.environments_changed):
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    idle(qtbot, editor)
    assert not editor.is_dirty()
    assert not editor.banner.isVisible()
    text = env_file(workspace, "Dev").read_text()
    assert "s3cret-t0ken" not in text
    assert "localhost:8080" in text
    assert workspace.load_environment_variables("Dev") == {
        "HOST": {"value": "localhost:8080", "secret": False},
        "TOKEN": {"value": "s3cret-t0ken", "secret": True},
    }


def test_names_are_checked_next_to_the_field(qtbot: QtBot, workspace: Workspace,
                                             open_editor: Callable[..., EnvironmentEditor]
                                             ) -> None:
    workspace.save_environment("Dev", {})
    editor = open_editor(workspace, "Dev")
    editor.begin_name("new")
    for typed, problem in (("", "Enter a name."), ("a/b", "cannot contain /"),
                           ("dev", "“Dev” already exists."), (".hidden", "start with a dot")):
        editor.name_edit.setText(typed)
        assert problem in editor.name_message.text()
        assert editor.name_message.isVisible()
        assert not editor.name_ok.isEnabled()
        editor.confirm_name()  # refused
        assert editor.name_panel.isVisible()
    editor.name_edit.setText("Staging")
    assert not editor.name_message.isVisible()
    qtbot.keyClick(editor.name_edit, Qt.Key.Key_Escape)  # cancels the name, not the dialog
    assert not editor.name_panel.isVisible()
    assert editor.isVisible()
    assert environment_name_problem("Dev", ["Dev"], allowed="Dev") == ""


def test_variables_that_cannot_be_saved_are_flagged(qtbot: QtBot, workspace: Workspace,
                                                    open_editor: Callable[..., EnvironmentEditor]
                                                    ) -> None:
    workspace.save_environment("Dev", {"A": "1"})
    editor = open_editor(workspace, "Dev")
    type_into_cell(qtbot, editor.view, 1, NAME, "A")
    editor.save()
    qtbot.waitUntil(editor.banner.isVisible)
    assert "“A” is defined twice" in editor.banner.text()
    assert editor.model.index(1, NAME).data(Qt.ItemDataRole.ForegroundRole) is not None
    assert editor.is_dirty()
    assert workspace.load_environment("Dev") == {"A": "1"}


# --- masking ---------------------------------------------------------------------------------


def test_secret_values_are_masked_until_shown(qtbot: QtBot, workspace: Workspace,
                                              monkeypatch: pytest.MonkeyPatch,
                                              open_editor: Callable[..., EnvironmentEditor]
                                              ) -> None:
    workspace.save_environment("Dev", {"HOST": "example.com",
                                       "TOKEN": {"value": "hunter2", "secret": True}})
    editor = open_editor(workspace, "Dev")
    model = editor.model
    assert model.index(0, VALUE).data() == "example.com"
    assert model.index(1, VALUE).data() == MASK
    assert model.index(1, VALUE).data(Qt.ItemDataRole.EditRole) == "hunter2"

    qtbot.mouseClick(editor.show_secrets, Qt.MouseButton.LeftButton)
    assert model.index(1, VALUE).data() == "hunter2"
    assert editor.show_secrets.text() == "Hide secrets"
    qtbot.mouseClick(editor.show_secrets, Qt.MouseButton.LeftButton)
    assert model.index(1, VALUE).data() == MASK

    picks = ["Show value"]

    class Menu(QMenu):  # picks from the row's context menu instead of showing it
        def exec(self, *args: Any) -> None:  # type: ignore[override]
            {a.text(): a for a in self.actions()}[picks.pop(0)].trigger()

    monkeypatch.setattr(environment_variables_pane, "QMenu", Menu)
    row = editor.view.visualRect(model.index(1, NAME)).center()
    editor.view.customContextMenuRequested.emit(row)  # one row only
    assert model.index(1, VALUE).data() == "hunter2"
    picks.append("Hide value")
    editor.view.customContextMenuRequested.emit(row)
    assert model.index(1, VALUE).data() == MASK
    assert not editor.is_dirty()  # showing is not an edit

    # Editing a masked value happens in a masked field.
    field = cell_editor(editor.view, 1, VALUE)
    assert isinstance(field, SecretField)
    assert field.echoMode() == QLineEdit.EchoMode.Password
    field.selectAll()
    qtbot.keyClicks(field, "correct horse")
    assert model.index(1, VALUE).data(Qt.ItemDataRole.EditRole) == "correct horse"
    assert model.index(1, VALUE).data() == MASK
    editor.view.setCurrentIndex(model.index(0, NAME))
    assert isinstance(cell_editor(editor.view, 0, VALUE), QLineEdit)
    assert not isinstance(cell_editor(editor.view, 0, VALUE), SecretField)
    assert editor.is_dirty()


# --- failures --------------------------------------------------------------------------------


def test_a_corrupt_file_shows_where_and_is_left_alone(qtbot: QtBot, workspace: Workspace,
                                                      open_editor: Callable[...,
                                                                            EnvironmentEditor]
                                                      ) -> None:
    path = env_file(workspace, "Broken")
    path.parent.mkdir(parents=True)
    original = b"variables:\n  HOST:\n    value: [unclosed\n  PORT: 1\n"
    path.write_bytes(original)
    editor = open_editor(workspace, "Broken")
    assert editor.banner.isVisible()
    banner = editor.banner.text()
    assert f"{path}:" in banner
    assert "line" in banner
    assert "Could not read “Broken”" in banner
    assert not editor.view.isEnabled()
    assert not editor.save_button.isEnabled()
    assert editor.reload_button.isVisible()
    editor.save()
    idle(qtbot, editor)
    assert path.read_bytes() == original

    path.write_bytes(b"variables:\n  HOST:\n    value: fixed\n")
    qtbot.mouseClick(editor.reload_button, Qt.MouseButton.LeftButton)
    idle(qtbot, editor)
    assert not editor.banner.isVisible()
    assert editor.model.index(0, VALUE).data() == "fixed"


class NoKeyring(MemorySecrets):
    """A keyring that is not there: nothing can be stored."""

    def set(self, ref: str, value: str) -> None:
        raise SecretsUnavailable(UNAVAILABLE_MESSAGE)


def test_no_keyring_fails_the_whole_save(qtbot: QtBot, tmp_path: Path,
                                         open_editor: Callable[..., EnvironmentEditor]) -> None:
    workspace = Workspace(tmp_path / "ws", secrets=NoKeyring())
    workspace.save_environment("Dev", {"HOST": "example.com"})
    path = env_file(workspace, "Dev")
    before = path.read_bytes()
    editor = open_editor(workspace, "Dev")
    type_into_cell(qtbot, editor.view, 1, NAME, "TOKEN")
    editor.model.set_secret(1, True)
    type_into_cell(qtbot, editor.view, 1, VALUE, "hunter2")
    type_into_cell(qtbot, editor.view, 0, VALUE, "changed.example")

    with qtbot.assertNotEmitted(editor.environments_changed):
        editor.save()
        qtbot.waitUntil(editor.banner.isVisible)
        idle(qtbot, editor)
    assert "secrets are not saved anywhere" in editor.banner.text()
    assert "Could not save “Dev”" in editor.banner.text()
    assert path.read_bytes() == before  # not even the plain value changed
    for file in tmp_path.rglob("*"):
        if file.is_file():
            assert b"hunter2" not in file.read_bytes(), file
    assert editor.is_dirty()  # nothing typed is lost
    assert Variable("TOKEN", "hunter2", True) in editor.model.variables()


def test_a_full_disk_keeps_the_edits(qtbot: QtBot, workspace: Workspace,
                                     monkeypatch: pytest.MonkeyPatch,
                                     open_editor: Callable[..., EnvironmentEditor]) -> None:
    workspace.save_environment("Dev", {"HOST": "example.com"})
    editor = open_editor(workspace, "Dev")
    type_into_cell(qtbot, editor.view, 0, VALUE, "other.example")

    def full(name: str, variables: object) -> None:
        raise OSError(28, "No space left on device", str(env_file(workspace, name)))

    monkeypatch.setattr(workspace, "save_environment", full)
    editor.save()
    qtbot.waitUntil(editor.banner.isVisible)
    idle(qtbot, editor)
    assert "No space left on device" in editor.banner.text()
    assert editor.is_dirty()
    assert editor.model.index(0, VALUE).data() == "other.example"
    assert workspace.load_environment("Dev") == {"HOST": "example.com"}


# --- unsaved changes -------------------------------------------------------------------------


def test_unsaved_changes_are_asked_about(qtbot: QtBot, workspace: Workspace, prompts: Prompts,
                                         open_editor: Callable[..., EnvironmentEditor]) -> None:
    workspace.save_environment("Dev", {"HOST": "dev.example"})
    workspace.save_environment("Prod", {"HOST": "prod.example"})
    editor = open_editor(workspace, "Dev")
    type_into_cell(qtbot, editor.view, 0, VALUE, "edited.example")

    prompts.answers = [Button.Cancel]
    editor.list.setCurrentRow(1)  # the user clicks Prod
    assert len(prompts.asked) == 1
    assert "Unsaved changes" in prompts.asked[0]
    assert editor.current_environment() == "Dev"
    assert editor.list.currentItem().text() == "Dev"
    assert editor.model.index(0, VALUE).data() == "edited.example"

    prompts.answers = [Button.Discard]
    editor.list.setCurrentRow(1)
    idle(qtbot, editor)
    assert editor.current_environment() == "Prod"
    assert editor.model.index(0, VALUE).data() == "prod.example"
    assert workspace.load_environment("Dev") == {"HOST": "dev.example"}

    type_into_cell(qtbot, editor.view, 0, VALUE, "new-prod.example")
    prompts.answers = [Button.Save]
    editor.list.setCurrentRow(0)  # saves Prod, then shows Dev
    qtbot.waitUntil(lambda: editor.current_environment() == "Dev")
    idle(qtbot, editor)
    assert workspace.load_environment("Prod") == {"HOST": "new-prod.example"}
    assert editor.list.currentItem().text() == "Dev"

    type_into_cell(qtbot, editor.view, 0, VALUE, "closing.example")
    prompts.answers = [Button.Cancel]
    editor.close()
    assert editor.isVisible()
    prompts.answers = [Button.Save]
    with qtbot.waitSignal(editor.finished):  # once saved
        editor.close()
    assert workspace.load_environment("Dev") == {"HOST": "closing.example"}
    assert len(prompts.asked) == 5


def test_closing_without_changes_asks_nothing(qtbot: QtBot, workspace: Workspace,
                                              prompts: Prompts,
                                              open_editor: Callable[..., EnvironmentEditor]
                                              ) -> None:
    workspace.save_environment("Dev", {"HOST": "dev.example"})
    editor = open_editor(workspace, "Dev")
    qtbot.mouseClick(editor.close_button, Qt.MouseButton.LeftButton)
    assert not editor.isVisible()
    assert prompts.asked == []
    qtbot.waitUntil(lambda: not isValid(editor))  # and deleted


# --- rename, duplicate, delete ---------------------------------------------------------------


def test_rename_duplicate_and_delete(qtbot: QtBot, workspace: Workspace, prompts: Prompts,
                                     open_editor: Callable[..., EnvironmentEditor]) -> None:
    secrets = workspace.secrets
    assert isinstance(secrets, MemorySecrets)
    workspace.save_environment("Dev", {"TOKEN": {"value": "t0k", "secret": True}})
    editor = open_editor(workspace, "Dev")

    qtbot.mouseClick(editor.rename_button, Qt.MouseButton.LeftButton)
    assert editor.name_edit.text() == "Dev"
    editor.name_edit.setText("Staging")
    with qtbot.waitSignal(editor.environments_changed):
        qtbot.mouseClick(editor.name_ok, Qt.MouseButton.LeftButton)
    idle(qtbot, editor)
    assert workspace.list_environments() == ["Staging"]
    assert editor.environment_names() == ["Staging"]
    assert editor.current_environment() == "Staging"
    assert workspace.load_environment("Staging") == {"TOKEN": "t0k"}

    editor.begin_name("rename")  # a change of case alone
    editor.name_edit.setText("staging")
    editor.confirm_name()
    idle(qtbot, editor)
    assert workspace.list_environments() == ["staging"]

    qtbot.mouseClick(editor.duplicate_button, Qt.MouseButton.LeftButton)
    assert editor.name_edit.text() == "staging copy"
    with qtbot.waitSignal(editor.environments_changed):
        editor.confirm_name()
    idle(qtbot, editor)
    assert editor.current_environment() == "staging copy"
    assert workspace.load_environment("staging copy") == {"TOKEN": "t0k"}
    assert len(secrets._values) == 2  # the copy has its own secret

    prompts.answers = [Button.Cancel]
    qtbot.mouseClick(editor.delete_button, Qt.MouseButton.LeftButton)
    assert env_file(workspace, "staging copy").exists()
    prompts.answers = [Button.Yes]
    with qtbot.waitSignal(editor.environments_changed):
        qtbot.mouseClick(editor.delete_button, Qt.MouseButton.LeftButton)
    idle(qtbot, editor)
    assert "Delete the environment “staging copy”" in prompts.asked[-1]
    assert workspace.list_environments() == ["staging"]
    assert editor.current_environment() == "staging"
    assert len(secrets._values) == 1
