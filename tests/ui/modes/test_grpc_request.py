"""The request side of the gRPC mode against the playground's gRPC server: the mode chosen by
grpc:// URLs, the method picker filled by reflection and from .proto files (with import
paths across folders), the method's kind, the template put in the editor, a bad message shown
before sending (naming the field), and the request's gRPC fields kept in the model."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.model.request import RequestMode, RequestModel
from app.playground.grpc_server import PROTO
from tests.ui.modes.conftest import SERVICE, call_and_wait, pane_of
from ui.modes.grpc.grpc_pane import GrpcPane
from ui.modes.registry import MODES
from ui.request_tab import RequestTab

MakeTab = Callable[..., RequestTab]


def methods(pane: GrpcPane) -> list[str]:
    box = pane.request.method_box
    return [box.itemText(i) for i in range(box.count())]


def _type_url(tab: RequestTab, text: str) -> None:
    """``text`` in the URL bar as typed (an edit, not a load)."""
    tab.editor.url_bar.setText(text)
    tab.editor.url_bar.textEdited.emit(text)


def test_registered_and_chosen_by_grpc_urls(grpc_tab: MakeTab) -> None:
    spec = MODES.get(RequestMode.GRPC)
    assert spec.label == "gRPC" and spec.fields == ("grpc",)
    tab = grpc_tab("")
    tab.set_mode(RequestMode.HTTP)
    tab.editor.url_bar.setText("grpcs://example.test:443")
    assert tab.mode == RequestMode.GRPC
    tab.editor.url_bar.setText("http://example.test/")
    assert tab.mode == RequestMode.HTTP
    tab.editor.url_bar.setText("grpc://example.test:50051")
    assert tab.mode == RequestMode.GRPC


def test_the_headers_page_says_nothing_of_a_body_in_grpc_mode(grpc_tab: MakeTab) -> None:
    tab = grpc_tab("")
    tab.set_mode(RequestMode.HTTP)
    headers = tab.editor.headers  # built while the mode has a body
    assert "Content-Type" in headers._note.text()
    tab.editor.url_bar.setText("grpc://example.test:50051")
    assert headers._note.text() == "Headers sent with this request"
    tab.editor.url_bar.setText("http://example.test/")
    assert "Content-Type" in headers._note.text()


def test_picker_filled_by_reflection_with_kinds_and_template(
        grpc_tab: MakeTab, grpc_target: str, qtbot: QtBot) -> None:
    tab = grpc_tab(f"grpc://{grpc_target}")
    pane = pane_of(tab)
    qtbot.waitUntil(lambda: pane.services.services != [], timeout=15000)
    assert f"{SERVICE}/Echo" in methods(pane)
    assert f"{SERVICE}/Chat" in methods(pane)
    assert pane.request.status.text() == "1 service, 7 methods"
    kinds = {}
    for name in ("Echo", "Count", "Sum", "Chat"):
        pane.request.method_box.setEditText(f"{SERVICE}/{name}")
        kinds[name] = pane.request.kind_label.text()
    assert kinds == {"Echo": "unary", "Count": "server streaming",
                     "Sum": "client streaming", "Chat": "bidi streaming"}
    # The editor still held the previous template: each method's replaced it.
    assert json.loads(pane.request.editor.toPlainText()) == [
        {"user": "", "text": "", "sequence": 0}]
    pane.request.method_box.setEditText(f"{SERVICE}/Count")
    assert json.loads(pane.request.editor.toPlainText()) == {"count": 0, "interval": "0s"}
    # Once edited, the message stays when another method is chosen.
    pane.request.editor.setPlainText('{"count": 3}')
    pane.request.method_box.setEditText(f"{SERVICE}/Echo")
    assert pane.request.editor.toPlainText() == '{"count": 3}'


def test_picker_from_proto_files_and_import_paths(
        grpc_tab: MakeTab, tmp_path: Path, qtbot: QtBot) -> None:
    shared = tmp_path / "include" / "shared"
    shared.mkdir(parents=True)
    (shared / "common.proto").write_text(
        'syntax = "proto3";\npackage shared;\nmessage Ping { string note = 1; '
        'repeated int32 numbers = 2; }\n')
    main = tmp_path / "protos" / "main.proto"
    main.parent.mkdir()
    main.write_text('syntax = "proto3";\npackage demo;\nimport "shared/common.proto";\n'
                    'service Pinger { rpc Ping (shared.Ping) returns (stream shared.Ping); }\n')
    tab = grpc_tab("")  # no target: the .proto files describe the services
    pane = pane_of(tab)
    assert pane.request.import_paths.start_folder() == ""  # nothing chosen yet: Qt's default
    pane.request.protos.add_paths([str(main)])
    # The folder chooser opens by the .proto file just chosen, where its imports are near.
    assert pane.request.import_paths.start_folder() == str(main.parent)
    qtbot.waitUntil(lambda: pane.request.describe_error.isVisibleTo(pane), timeout=15000)
    banner = pane.request.describe_error.text()
    assert "common.proto" in banner  # the import is not found
    # Nothing was sent; protoc's errors one a line.
    assert banner.startswith("<b>Cannot describe the services</b>: <br>The .proto files do "
                             "not compile:<br>"), banner
    assert banner.count("<br>") >= 3
    pane.request.import_paths.add_paths([str(tmp_path / "include")])
    assert pane.request.import_paths.start_folder() == str(tmp_path / "include")
    qtbot.waitUntil(lambda: methods(pane) == ["demo.Pinger/Ping"], timeout=15000)
    assert not pane.request.describe_error.isVisibleTo(pane)
    assert pane.request.kind_label.text() == "server streaming"
    assert json.loads(pane.request.editor.toPlainText()) == {"note": "", "numbers": [0]}
    model = tab.to_model()
    assert model.grpc.protos == [str(main)]
    assert model.grpc.import_paths == [str(tmp_path / "include")]
    assert model.grpc.method == "demo.Pinger/Ping"


def test_the_playground_proto_describes_without_reflection(
        grpc_tab: MakeTab, qtbot: QtBot) -> None:
    tab = grpc_tab("grpc://127.0.0.1:9", protos=[str(PROTO)])  # nothing listens there
    pane = pane_of(tab)
    qtbot.waitUntil(lambda: f"{SERVICE}/Fail" in methods(pane), timeout=15000)


def test_proto_paths_through_a_variable_are_under_the_workspace(
        grpc_tab: MakeTab, grpc_target: str, qtbot: QtBot, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A workspace file keeps a path that uses a {{variable}} as written: once filled in, a
    # relative one is the window's workspace's, whatever the process's folder.
    root = tmp_path / "ws"
    (root / "protos").mkdir(parents=True)
    (root / "protos" / "playground.proto").write_bytes(PROTO.read_bytes())
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    tab = grpc_tab(f"grpc://{grpc_target}", f"{SERVICE}/Echo", '{"text": "hi"}',
                   variables={"pdir": "protos"}, workspace_root=root,
                   protos=["{{pdir}}/playground.proto"], import_paths=["{{pdir}}"])
    pane = pane_of(tab)
    qtbot.waitUntil(lambda: f"{SERVICE}/Fail" in methods(pane), timeout=15000)
    pane = call_and_wait(tab, qtbot)
    assert pane.controller.result is not None, pane.controller.error
    assert pane.controller.result.responses[0]["text"] == "hi"


def test_bad_message_shown_before_sending_naming_the_field(
        grpc_tab: MakeTab, grpc_target: str, qtbot: QtBot) -> None:
    tab = grpc_tab(f"grpc://{grpc_target}", f"{SERVICE}/Echo", '{"text": "hi"}')
    pane = pane_of(tab)
    qtbot.waitUntil(lambda: pane.services.services != [], timeout=15000)
    problem = pane.request.check_label
    pane.request.editor.setPlainText('{"text": "hi", "repeat": "many"}')
    qtbot.waitUntil(lambda: problem.isVisibleTo(pane), timeout=5000)
    assert "repeat" in problem.text()
    pane.request.editor.setPlainText('{"text": "hi", "colour": 1}')
    qtbot.waitUntil(lambda: "colour" in problem.text(), timeout=5000)
    pane.request.editor.setPlainText('{"text": ')
    qtbot.waitUntil(lambda: problem.text().startswith("Not JSON"), timeout=5000)
    pane.request.editor.setPlainText('[{"text": "a"}, {"text": "b"}]')
    qtbot.waitUntil(lambda: "takes one message" in problem.text(), timeout=5000)
    pane.request.editor.setPlainText('{"text": "a", "text": "b"}')
    qtbot.waitUntil(lambda: "is given twice" in problem.text(), timeout=5000)
    pane.request.editor.setPlainText('{"text": "{{who}}"}')
    qtbot.waitUntil(lambda: "{{who}} is not defined" in problem.text(), timeout=5000)
    pane.request.editor.setPlainText('{"text": "fine", "repeat": 2}')
    qtbot.waitUntil(lambda: not problem.isVisibleTo(pane), timeout=5000)
    # A method typed halfway (none of the described ones): no type, so no problem shown.
    pane.request.editor.setPlainText('{"repeat": "many"}')
    qtbot.waitUntil(lambda: problem.isVisibleTo(pane), timeout=5000)
    pane.request.method_box.setEditText(f"{SERVICE}/Ech")
    qtbot.waitUntil(lambda: not problem.isVisibleTo(pane), timeout=5000)
    pane.request.method_box.setEditText(f"{SERVICE}/Echo")
    qtbot.waitUntil(lambda: problem.isVisibleTo(pane), timeout=5000)
    # Sent anyway, a bad message fails before anything goes, naming the field.
    pane.request.editor.setPlainText('{"repeat": "many"}')
    tab.send()
    qtbot.waitUntil(lambda: pane.controller.error is not None, timeout=15000)
    assert "repeat" in pane.controller.error.detail
    assert pane.controller.log.sent == 0
    assert pane.stream.error.isVisibleTo(pane)


def test_variables_in_the_message_are_checked_with_their_values(
        grpc_tab: MakeTab, grpc_target: str, qtbot: QtBot) -> None:
    tab = grpc_tab("grpc://{{host}}", f"{SERVICE}/Echo", '{"repeat": {{times}}}',
                   variables={"host": grpc_target, "times": "oops"})
    pane = pane_of(tab)
    qtbot.waitUntil(lambda: pane.services.services != [], timeout=15000)
    pane.check_message()
    qtbot.waitUntil(lambda: pane.request.check_label.isVisibleTo(pane), timeout=5000)


def test_fields_round_trip_and_edits_mark_the_tab(grpc_tab: MakeTab, qtbot: QtBot,
                                                   tmp_path: Path) -> None:
    tab = grpc_tab("grpc://127.0.0.1:9", "pkg.S/M", '{"a": 1}', deadline=2.5,
                   protos=[str(tmp_path / "x.proto")], import_paths=[str(tmp_path)])
    model = tab.to_model()
    assert (model.grpc.method, model.grpc.message, model.grpc.deadline) == \
        ("pkg.S/M", '{"a": 1}', 2.5)
    assert model.grpc.protos == [str(tmp_path / "x.proto")]
    tab.mark_saved(model)
    assert not tab.modified
    pane = pane_of(tab)
    pane.request.deadline.setValue(0)
    qtbot.waitUntil(lambda: tab.modified, timeout=3000)
    assert tab.to_model().grpc.deadline is None
    other = RequestModel(url="grpc://h:1", mode=RequestMode.GRPC)
    other.grpc.method = "x.Y/Z"
    tab.load_model(other)
    assert tab.to_model().grpc.method == "x.Y/Z"
    assert tab.to_model().grpc.message == ""


def test_a_target_being_typed_is_described_when_the_picker_opens(
        grpc_tab: MakeTab, grpc_target: str, qtbot: QtBot) -> None:
    tab = grpc_tab("")
    tab.set_mode(RequestMode.HTTP)
    tab.editor.url_bar.setText("grpc://")  # the mode follows the scheme, the host is to come
    assert tab.mode == RequestMode.GRPC
    pane = pane_of(tab)
    qtbot.wait(50)
    assert not pane.services.describing  # nothing to describe yet: no error either
    assert not pane.request.describe_error.isVisibleTo(pane)
    assert pane.request.status.text() == ""
    # A host without its port, typing paused: what it lacks, where the picker is.
    host = grpc_target.rsplit(":", 1)[0]
    _type_url(tab, f"grpc://{host}")
    qtbot.waitUntil(lambda: "names no port" in pane.request.status.text(), timeout=5000)
    assert not pane.services.describing
    tab.editor.url_bar.setText(f"grpc://{grpc_target}")
    pane.request.method_box.showPopup()
    qtbot.waitUntil(lambda: f"{SERVICE}/Echo" in methods(pane), timeout=15000)
    pane.request.method_box.hidePopup()
    # A method typed by hand that the server does not offer says so.
    pane.request.method_box.setEditText(f"{SERVICE}/echo")
    assert pane.request.kind_label.text() == "not among the described methods"
    pane.request.method_box.setEditText(f"{SERVICE}/Echo")
    assert pane.request.kind_label.text() == "unary"
    pane.request.method_box.setEditText(f"{SERVICE}.Count")  # as grpcurl writes it
    assert pane.request.kind_label.text() == "server streaming"


def test_a_bad_metadata_row_says_so_and_keeps_the_targets_methods(
        grpc_tab: MakeTab, grpc_target: str, qtbot: QtBot) -> None:
    from app.model.request import KeyValue

    tab = grpc_tab(f"grpc://{grpc_target}", method=f"{SERVICE}/Echo", message='{"text": 5}')
    pane = pane_of(tab)
    qtbot.waitUntil(lambda: f"{SERVICE}/Echo" in methods(pane), timeout=15000)
    qtbot.waitUntil(lambda: "expected a string" in pane.request.check_label.text(),
                    timeout=5000)
    model = tab.to_model()
    model.headers = [KeyValue("x y", "1")]
    tab.load_model(model)
    error = pane.request.describe_error
    qtbot.waitUntil(lambda: error.isVisibleTo(pane), timeout=5000)
    assert "&#x27;x y&#x27; is not a metadata name" in error.text()
    # The target was asked nothing: its methods, the kind and the check stay.
    assert f"{SERVICE}/Echo" in methods(pane)
    assert pane.request.kind_label.text() == "unary"
    assert "expected a string" in pane.request.check_label.text()
    # Only the metadata edited: the methods stay while the target is described again.
    model.headers = [KeyValue("x-ok", "1")]
    tab.load_model(model)
    assert f"{SERVICE}/Echo" in methods(pane)
    qtbot.waitUntil(lambda: not error.isVisibleTo(pane), timeout=5000)
    assert pane.request.kind_label.text() == "unary"


def test_refresh_on_an_unreachable_target_says_so(grpc_tab: MakeTab, qtbot: QtBot) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    tab = grpc_tab(f"grpc://127.0.0.1:{port}")
    pane = pane_of(tab)
    qtbot.waitUntil(lambda: pane.request.describe_error.isVisibleTo(pane), timeout=30000)
    assert methods(pane) == []


def test_a_failed_refresh_drops_the_last_targets_methods(
        grpc_tab: MakeTab, grpc_target: str, qtbot: QtBot) -> None:
    import socket

    tab = grpc_tab(f"grpc://{grpc_target}", f"{SERVICE}/Echo", '{"repeat": "many"}')
    pane = pane_of(tab)
    qtbot.waitUntil(lambda: f"{SERVICE}/Echo" in methods(pane), timeout=15000)
    qtbot.waitUntil(lambda: pane.request.check_label.isVisibleTo(pane), timeout=5000)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    tab.editor.url_bar.setText(f"grpc://127.0.0.1:{port}")
    pane.refresh()
    qtbot.waitUntil(lambda: pane.request.describe_error.isVisibleTo(pane), timeout=30000)
    # Not the other server's methods, nor its types checking the message.
    assert methods(pane) == [] and pane.services.services == []
    assert pane.request.method_name() == f"{SERVICE}/Echo"  # what was typed stays
    qtbot.waitUntil(lambda: not pane.request.check_label.isVisibleTo(pane), timeout=5000)
    assert pane.request.kind_label.text() == ""


def test_undefined_variables_are_found_in_the_grpc_fields() -> None:
    # The tab's "not defined" warning: a gRPC call's method, message and paths (it said
    # nothing of {{svc}} until the call failed), and not the HTTP body it never sends.
    from app.model.request import BodyModel, GrpcModel, KeyValue, RequestModel
    from ui.request_tab import unresolved_names

    model = RequestModel(url="grpc://{{host}}", mode=RequestMode.GRPC,
                         headers=[KeyValue("{{hv}}", "1")],
                         body=BodyModel(kind="json", text='{"{{unsent}}": 1}'),
                         grpc=GrpcModel("{{svc}}/Echo", '{"text": "{{word}}"}',
                                        ["{{dir}}/a.proto"], ["{{inc}}"]))
    found = dict(unresolved_names(model, {"host": "h"}))
    assert found == {"hv": "headers", "svc": "method", "word": "message",
                     "dir": ".proto files", "inc": "import paths"}


def test_a_reloaded_request_keeps_its_message_as_saved(
        grpc_tab: MakeTab, grpc_target: str, qtbot: QtBot) -> None:
    # A file changed on disk (git pull) is loaded into its tab quietly: its message stays as
    # saved, an empty one too, and the tab is not modified by a template put in its place
    # once the services are described. Another method chosen then gets its own template
    # (not the last method's kept as "the template").
    import copy

    tab = grpc_tab(f"grpc://{grpc_target}", method=f"{SERVICE}/Echo", message='{"text": "a"}')
    pane = pane_of(tab)
    qtbot.waitUntil(lambda: pane.services.services != [], timeout=15000)
    disk = tab.to_model()
    disk.grpc.method, disk.grpc.message = f"{SERVICE}/Count", ""
    tab.load_model(copy.deepcopy(disk))
    tab.mark_saved(disk)
    qtbot.waitUntil(lambda: not pane.services.describing, timeout=15000)
    qtbot.wait(100)
    assert pane.request.editor.toPlainText() == "" and not tab.modified
    pane.request.method_box.setEditText(f"{SERVICE}/Echo")
    assert json.loads(pane.request.editor.toPlainText()) == {"text": "", "repeat": 0}
    pane.request.method_box.setEditText(f"{SERVICE}/Count")  # the untouched template goes
    assert json.loads(pane.request.editor.toPlainText()) == {"count": 0, "interval": "0s"}


def test_another_target_is_described_in_place_of_the_last(
        grpc_tab: MakeTab, grpc_target: str, qtbot: QtBot) -> None:
    # The picker, the kind and the as-you-type check follow the target: once typing pauses
    # the last target's services go (a URL not whole yet: none), and a whole one's come.
    from tests.grpc.servers import InventoryServer

    inventory = InventoryServer()
    try:
        tab = grpc_tab(f"grpc://{grpc_target}", method=f"{SERVICE}/Echo",
                       message='{"text": "a"}')
        pane = pane_of(tab)
        qtbot.waitUntil(lambda: f"{SERVICE}/Echo" in methods(pane), timeout=15000)
        assert pane.request.kind_label.text() == "unary"
        _type_url(tab, "grpc://myhost")  # being typed: no port yet
        qtbot.waitUntil(lambda: methods(pane) == [], timeout=5000)
        assert pane.services.services == [] and pane.request.kind_label.text() == ""
        assert pane.request.method_name() == f"{SERVICE}/Echo"  # what was typed stays
        assert pane.request.editor.toPlainText() == '{"text": "a"}'
        _type_url(tab, f"grpc://{inventory.target}")
        qtbot.waitUntil(lambda: "test.inventory.Inventory/GetItem" in methods(pane),
                        timeout=15000)
        assert f"{SERVICE}/Echo" not in methods(pane)
        # Echo is not this server's.
        assert pane.request.kind_label.text() == "not among the described methods"
        # Editing the message alone describes nothing again.
        described = pane.services.services
        pane.request.editor.setPlainText('{"text": "b"}')
        qtbot.wait(800)
        assert pane.services.services is described and not pane.services.describing
    finally:
        inventory.stop()


@pytest.mark.parametrize("url", ["grpc://myhost", "{{host}}", "https://api.example.test"])
def test_proto_files_are_described_whatever_the_url_says(
        grpc_tab: MakeTab, qtbot: QtBot, url: str) -> None:
    # .proto files need no target: a URL being typed (no port, an undefined variable,
    # another scheme) does not stop the picker being filled from them.
    tab = grpc_tab(url, protos=[str(PROTO)])
    pane = pane_of(tab)
    qtbot.waitUntil(lambda: f"{SERVICE}/Echo" in methods(pane), timeout=15000)
    assert not pane.request.describe_error.isVisible()


@pytest.mark.parametrize(("deadline", "shown"), [
    (0.0004, "0.001 s"), (1.2345, "1.234 s"), (5e6, "5000000.000 s"), (2.5, "2.500 s")])
def test_a_deadline_stays_as_the_file_has_it(grpc_tab: MakeTab, qtbot: QtBot,
                                            deadline: float, shown: str) -> None:
    # The box shows milliseconds; the request keeps the file's value until it is edited
    # (it read "none" for 0.4 ms, and cut 5,000,000 s to 1,000,000).
    from app.grpc.client import MAX_DEADLINE
    from ui.modes.grpc import grpc_request

    assert grpc_request.MAX_DEADLINE == MAX_DEADLINE  # the box's is the library's
    tab = grpc_tab("", deadline=deadline)
    pane = pane_of(tab)
    tab.mark_saved(tab.to_model())
    assert pane.request.deadline.text() == shown
    assert tab.to_model().grpc.deadline == deadline
    pane.request.deadline.setValue(3)
    assert tab.to_model().grpc.deadline == 3
    pane.request.deadline.setValue(0)
    assert tab.to_model().grpc.deadline is None


def test_a_target_typed_in_a_new_tab_is_described_once_whole(
        grpc_tab: MakeTab, grpc_target: str, qtbot: QtBot) -> None:
    tab = grpc_tab("grpc://")
    pane = pane_of(tab)
    _type_url(tab, "grpc://127.0.0.1")  # no port yet: nothing to describe
    qtbot.wait(900)
    assert methods(pane) == [] and not pane.services.describing
    _type_url(tab, f"grpc://{grpc_target}")
    qtbot.waitUntil(lambda: f"{SERVICE}/Echo" in methods(pane), timeout=15000)


def test_the_message_check_takes_what_call_sends() -> None:
    # Call sends a one-object array to a unary method, and opens a client stream given []
    # sending nothing yet: the check as you type says no different.
    from app.grpc.descriptors import compile_protos
    from app.playground.grpc_server import PROTO
    from ui.modes.grpc.grpc_services import check_message

    compiled = compile_protos([PROTO], [])
    methods = {m.name: m for s in compiled.services for m in s.methods}
    echo, total = methods["Echo"], methods["Sum"]
    assert check_message('[{"text": "a"}]', echo, compiled.pool) is None
    assert check_message("[]", total, compiled.pool) is None
    assert check_message('[{"value": 1}, {"value": 2}]', total, compiled.pool) is None
    assert check_message("[]", echo, compiled.pool) == (
        "Echo takes one message, not an empty array: write one object (empty text sends {})")
    assert check_message('[{}, {}]', echo, compiled.pool) == (
        "Echo takes one message, not 2: remove the array")
    assert check_message('{"text": 5}', echo, compiled.pool) == (
        "The message does not fit spyglass.playground.EchoRequest: text: expected a string, "
        "not a number (5)")
