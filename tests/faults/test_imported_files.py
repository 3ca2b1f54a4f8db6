"""Fault cases: a shared collection whose requests send local files (a Postman formdata
``src``, a binary body's ``file.src``): the first send asks, once. The window's side (the
question from the event loop, Send / Cancel) is tested in tests/ui/test_imported_files.py."""

from __future__ import annotations

import json
from pathlib import Path

from app.interchange import import_into, import_postman
from app.model.imported_files import send_question
from app.model.request import BodyKind
from app.storage.secrets import MemorySecrets
from app.storage.workspace import Workspace
from tests.faults.table import Witness, fault

DOC = {"info": {"name": "Shared"}, "item": [
    {"name": "up", "request": {"method": "POST", "url": "http://127.0.0.1:1/", "body": {
        "mode": "formdata", "formdata": [
            {"key": "f", "type": "file", "src": "/etc/hostname"},
            {"key": "g", "type": "file", "src": "/etc/hostname"},
            {"key": "note", "type": "text", "value": "/etc/passwd"}]}}},
    {"name": "raw", "request": {"method": "PUT", "url": "http://127.0.0.1:1/", "body": {
        "mode": "file", "file": {"src": "/home/ada/.ssh/id_rsa"}}}}]}


@fault("Shared collections", "The first send of a file a shared collection names "
       "(/etc/hostname went out on Send before)",
       sees="This request sends the local file /etc/hostname, named by an import "
            "(collection “Shared”). Send it?",
       kept="asked before any byte goes out, each file once; a text part holding a path is "
            "not asked about; the answer (Send) is saved with the request")
def test_the_first_send_of_an_imported_file_asks_once(witness: Witness,
                                                      tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws", MemorySecrets())
    import_into(workspace, import_postman(json.loads(json.dumps(DOC))))
    ((collection, paths),) = workspace.walk()
    models = {m.name: (m, p) for p, m in ((p, workspace.load_request(p)) for p in paths)}
    up, up_path = models["up"]
    raw, _ = models["raw"]
    assert up.body.imported_files() == ["/etc/hostname"]           # the same file once
    assert raw.body.kind is BodyKind.BINARY
    assert raw.body.imported_files() == ["/home/ada/.ssh/id_rsa"]
    witness.saw(send_question(up.body.imported_files(), collection))
    assert send_question(["/a", "/b"], None) == (
        "This request sends these local files:\n\n/a\n/b, named by an import. Send it?")

    up.body.clear_import_marks()                                   # the answer: Send
    workspace.store_request(collection, up, up_path.stem)
    assert workspace.load_request(up_path).body.imported_files() == []
