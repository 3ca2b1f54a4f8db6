"""A GraphQL body in a workspace file (plain, diff-friendly: the query as a block scalar) and
in the history."""

from __future__ import annotations

from pathlib import Path

from app.model.request import BodyKind, BodyModel, RequestModel
from app.storage.history import History, Outcome, entry_for
from app.storage.workspace import MemorySecrets, Workspace

QUERY = """\
query User($id: ID!) {
  user(id: $id) {
    name
  }
}

mutation Rename($id: ID!, $name: String!) {
  rename(id: $id, name: $name) { id }
}
"""
VARIABLES = '{\n  "id": "{{user_id}}",\n  "name": "Ada"\n}'


def _model() -> RequestModel:
    return RequestModel(name="Users", method="POST", url="{{base}}/graphql",
                        body=BodyModel(BodyKind.GRAPHQL, text=QUERY,
                                       graphql_variables=VARIABLES,
                                       graphql_operation="Rename"))


def test_the_file_holds_the_query_as_a_block_and_reads_back(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws", MemorySecrets())
    path = ws.save_request("api", _model())
    text = path.read_text("utf-8")
    assert """\
body:
  kind: graphql
  text: |
    query User($id: ID!) {
      user(id: $id) {
        name
      }
    }

    mutation Rename($id: ID!, $name: String!) {
      rename(id: $id, name: $name) { id }
    }
  graphql_variables: |-
    {
      "id": "{{user_id}}",
      "name": "Ada"
    }
  graphql_operation: Rename
""" in text
    assert ws.load_request(path) == _model()
    # Saving what was read rewrites nothing.
    before = path.stat().st_mtime_ns
    ws.save_request("api", ws.load_request(path))
    assert path.stat().st_mtime_ns == before and path.read_text("utf-8") == text


def test_a_file_without_the_graphql_fields_reads_them_empty(tmp_path: Path) -> None:
    folder = tmp_path / "ws" / "api"
    folder.mkdir(parents=True)
    (folder / "q.yaml").write_text("name: q\nmethod: POST\nurl: http://x/graphql\n"
                                   "body:\n  kind: graphql\n  text: '{ a }'\n", "utf-8")
    model = Workspace(tmp_path / "ws", MemorySecrets()).load_request(folder / "q.yaml")
    assert model.body == BodyModel(BodyKind.GRAPHQL, text="{ a }")


def test_the_history_keeps_the_graphql_body(tmp_path: Path) -> None:
    entry = entry_for(_model(), Outcome(started=1.0, duration=0.1, status=200))
    with History(tmp_path / "history.sqlite3") as history:
        stored = history.get(history.add(entry))
    assert stored is not None
    assert stored.request_model().body == _model().body
