"""Fault cases: hostile or broken files given to an import (the CLI, the importer API, the
window's reading), each ending in one clear line, quickly, with nothing written."""

from __future__ import annotations

import errno
import io
import json
import os
from pathlib import Path

import pytest

from app.cli import main
from app.interchange import (
    InterchangeError,
    import_into,
    import_openapi,
    import_postman,
    import_text,
    read_import,
)
from app.interchange.document import check_size
from app.model.request import RequestModel
from app.storage.secrets import MemorySecrets
from app.storage.workspace import Workspace
from tests.faults.samples import (
    FANOUT_OPENAPI,
    SELF_REFERENCE,
    yaml_bomb_openapi,
    yaml_bomb_postman,
)
from tests.faults.table import Witness, fault, files_holding


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), secrets=MemorySecrets(), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


@fault("Imports", "YAML alias bomb in a Postman collection (783 bytes; hung before)",
       sees="YAML aliases (&anchor/*alias) expand to more than 1,000,000 extra nodes",
       kept="nothing written to the workspace; under 1 s and 64 MiB")
def test_yaml_alias_bomb_in_a_postman_collection(witness: Witness, tmp_path: Path) -> None:
    source = tmp_path / "laughs.yaml"
    source.write_text(yaml_bomb_postman())
    assert source.stat().st_size < 800
    with witness.bounded(seconds=1, mib=64):
        status, out, err = cli("import", str(source), "--workspace", str(tmp_path / "ws"))
    assert status == 1 and out == "" and err.count("\n") == 1
    assert f"{source}: Invalid YAML at line 9" in err
    witness.saw(err)
    assert not (tmp_path / "ws").exists()
    with pytest.raises(InterchangeError):
        import_postman(yaml_bomb_postman())


@fault("Imports", "YAML alias bomb as an OpenAPI example (MemoryError after 17 s before)",
       sees="YAML aliases (&anchor/*alias) expand to more than",
       kept="no request made; under 1 s and 64 MiB")
def test_yaml_alias_bomb_as_an_openapi_example(witness: Witness) -> None:
    with witness.bounded(seconds=1, mib=64), pytest.raises(InterchangeError) as caught:
        import_text(yaml_bomb_openapi())
    witness.saw(str(caught.value))
    with pytest.raises(InterchangeError):
        import_openapi(yaml_bomb_openapi())


@fault("Imports", "Self-referential YAML (&a [*a]; RecursionError before)",
       sees="is used by an alias (*alias) inside itself",
       kept="names the anchor's line; nothing written")
def test_self_referential_yaml(witness: Witness) -> None:
    with witness.bounded(seconds=1, mib=16), pytest.raises(InterchangeError) as caught:
        import_text(SELF_REFERENCE)
    assert "line 2" in str(caught.value)
    witness.saw(str(caught.value))


@fault("Imports", "A parsed document that holds itself, given to the importer API",
       sees="Not imported: the input nests too deeply or refers to itself",
       kept="the importer's one error type (InterchangeError), never RecursionError")
def test_a_document_that_holds_itself(witness: Witness) -> None:
    items: list[object] = []
    items.append({"name": "loop", "item": items})
    doc = {"info": {"name": "Loop"}, "item": items}
    with pytest.raises(InterchangeError) as caught:
        import_postman(doc)
    witness.saw(str(caught.value))


@fault("Imports", "JSON nested 100,000 levels deep",
       sees="Invalid JSON: nested too deeply", kept="no RecursionError reaches the user")
def test_json_nested_too_deeply(witness: Witness) -> None:
    with pytest.raises(InterchangeError) as caught:
        import_text("[" * 100_000 + "]" * 100_000)
    witness.saw(str(caught.value))


@fault("Imports", "YAML nested 100,000 levels deep",
       sees="Invalid YAML: nested too deeply", kept="no RecursionError reaches the user")
def test_yaml_nested_too_deeply(witness: Witness) -> None:
    with pytest.raises(InterchangeError) as caught:
        import_text("info: " + "[" * 100_000 + "]" * 100_000)
    witness.saw(str(caught.value))


@fault("Imports", "Honest YAML anchors and merge keys (not a fault: still imported)",
       sees="Imported 2 requests", kept="shared header blocks arrive in both requests")
def test_honest_anchors_still_import(witness: Witness, tmp_path: Path) -> None:
    source = tmp_path / "shared.yaml"
    source.write_text(
        "info: {name: Shared, schema: "
        "'https://schema.getpostman.com/json/collection/v2.1.0/collection.json'}\n"
        "x-common: &common\n  method: GET\n  header: [{key: Accept, value: text/plain}]\n"
        "item:\n"
        "  - {name: one, request: {<<: *common, url: 'http://127.0.0.1/1'}}\n"
        "  - {name: two, request: {<<: *common, url: 'http://127.0.0.1/2'}}\n")
    status, out, err = cli("import", str(source), "--workspace", str(tmp_path / "ws"))
    assert status == 0, err
    witness.saw(out)
    workspace = Workspace(tmp_path / "ws")
    ((_, files),) = workspace.walk()
    assert [workspace.load_request(f).headers[0].value for f in files] == ["text/plain"] * 2


@fault("Imports", "Importing /dev/zero (read until MemoryError before)",
       sees="is larger than 64 MiB: not read",
       kept="at most 64 MiB + 1 byte read; nothing written")
def test_importing_dev_zero(witness: Witness, tmp_path: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    status, out, err = cli("import", "/dev/zero", "--workspace", str(tmp_path / "ws"))
    assert status == 1 and out == ""
    witness.saw(err)
    assert not (tmp_path / "ws").exists()
    with pytest.raises(InterchangeError, match="larger than 1 MiB"):
        read_import("/dev/zero", 1024 * 1024)


@fault("Imports", "A pasted text over the input cap",
       sees="The input is larger than 1 MiB: not imported",
       kept="refused before it is parsed")
def test_pasted_text_over_the_cap(witness: Witness) -> None:
    with pytest.raises(InterchangeError) as caught:
        check_size("x" * (1024 * 1024 + 1), 1024 * 1024)
    witness.saw(str(caught.value))
    check_size("é" * (512 * 1024), 1024 * 1024)  # exactly the cap in UTF-8 bytes


@fault("Imports", "An import file that is missing", sees="no such file",
       kept="nothing written, no workspace folder created")
def test_a_missing_import_file(witness: Witness, tmp_path: Path) -> None:
    status, _, err = cli("import", str(tmp_path / "gone.json"), "--workspace",
                         str(tmp_path / "ws"))
    assert status == 1
    witness.saw(err)
    assert not (tmp_path / "ws").exists()
    with pytest.raises(InterchangeError, match="Cannot read"):
        read_import(tmp_path / "gone.json")


@fault("Imports", "An import file that cannot be read (mode 000)", sees="Permission denied",
       kept="nothing written")
def test_an_unreadable_import_file(witness: Witness, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    source = tmp_path / "locked.json"
    source.write_text("{}")
    source.chmod(0)
    status, _, err = cli("import", str(source), "--workspace", str(tmp_path / "ws"))
    assert status == 1
    witness.saw(err)


@fault("Imports", "An import file that is not UTF-8", sees="is not UTF-8 text",
       kept="the byte offset named; nothing written")
def test_an_import_file_that_is_not_utf8(witness: Witness, tmp_path: Path) -> None:
    source = tmp_path / "latin1.json"
    source.write_bytes(b'{"info": {"name": "Caf\xe9"}, "item": []}')
    status, _, err = cli("import", str(source), "--workspace", str(tmp_path / "ws"))
    assert status == 1 and "at byte 22" in err
    witness.saw(err)
    with pytest.raises(InterchangeError) as caught:
        read_import(source)
    witness.saw(str(caught.value))


@fault("Imports", "OpenAPI schema fanning out without a cycle (3 KB spec, 8^8 strings)",
       sees="was cut short: its schema expands past 10,000 values",
       kept="an example of about 1 MiB at most; under 1 s")
def test_openapi_fan_out(witness: Witness) -> None:
    assert len(FANOUT_OPENAPI) < 3500
    with witness.bounded(seconds=1, mib=64):
        result = import_text(FANOUT_OPENAPI)
    (model,) = result.collections[0].requests
    assert 1000 < len(model.body.text) < 1.2 * 1024 * 1024
    json.loads(model.body.text)  # cut short, still JSON
    (warning,) = [w for w in result.warnings if "cut short" in w]
    witness.saw(warning)


@fault("Imports", "A collection named CON with a folder of 100 emoji (ENAMETOOLONG before)",
       sees="Imported 1 request into 2 folders",
       kept="folders CON_ and 25 emoji (100 bytes): the import no longer aborts")
def test_unsafe_names_from_an_import(witness: Witness, tmp_path: Path) -> None:
    doc = {"info": {"name": "CON"}, "item": [
        {"name": "😀" * 100, "item": [{"name": "r", "request": {"url": "http://127.0.0.1/"}}]}]}
    workspace = Workspace(tmp_path, MemorySecrets())
    report = import_into(workspace, import_postman(doc))
    witness.saw(report.summary(str(tmp_path)))
    assert report.collections == ["CON_"]
    (inner,) = [d for d in (tmp_path / "CON_").iterdir() if d.is_dir()]
    assert inner.name == "😀" * 25 and len(inner.name.encode()) == 100


@fault("Imports", "The disk fills up half-way through an import (ENOSPC from the 4th fsync on)",
       sees="No space left on device",
       kept="what the import wrote is taken away again, its secrets too; nothing else touched")
def test_disk_full_half_way_through_an_import(witness: Witness, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "ws"
    secrets = _Recording()
    Workspace(root, secrets).save_request("Mine", RequestModel(name="keep"))
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    source = tmp_path / "many.sh"
    source.write_text("".join(f"curl -H 'X-Api-Key: key-{i}' http://127.0.0.1/{i}\n"
                              for i in range(6)))
    real_fsync, calls = os.fsync, []

    def fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) >= 4:  # and on: the disk stays full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    err = io.StringIO()
    status = main(["import", str(source), "--workspace", str(root)], secrets=secrets,
                  stdout=io.StringIO(), stderr=err)
    monkeypatch.undo()
    assert status == 1 and len(calls) >= 4
    witness.saw(err.getvalue())
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before
    assert files_holding([root], ["key-0"]) == []
    assert secrets.written > 0  # the import had stored its keys...
    assert not any(v.startswith("key-") for v in secrets.live.values())  # ...and took them back


class _Recording(MemorySecrets):
    """A store that also keeps what it holds where a test can see it."""

    def __init__(self) -> None:
        super().__init__()
        self.live: dict[str, str] = {}
        self.written = 0

    def set(self, ref: str, value: str) -> None:
        super().set(ref, value)
        self.live[ref] = value
        self.written += 1

    def delete(self, ref: str) -> None:
        super().delete(ref)
        self.live.pop(ref, None)
