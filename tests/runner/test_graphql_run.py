"""GraphQL requests in a run: queries and mutations are sent (asserts read ``body.data``,
captures chain into the next one's variables), a subscription is skipped saying why, and the
playground's getting-started GraphQL entries pass through ``spyglass run``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.model.request import BodyKind
from app.runner import Outcome, Runner, RunSettings, prepare_run
from app.storage.secrets import MemorySecrets
from tests.runner.conftest import write_workspace

ROOT = Path(__file__).resolve().parents[2]

ADD = """\
name: Add a post
method: POST
url: '{{pg}}/graphql'
body:
  kind: graphql
  text: |
    query Unused { hello }
    mutation Add($author: ID!, $post: PostInput!) {
      addPost(authorId: $author, post: $post) { id title author { name } }
    }
  graphql_variables: |
    {"author": "{{author}}", "post": {"title": "Run {{n}}"}}
  graphql_operation: Add
asserts:
- {target: status, op: eq, value: 200}
- {target: body.data.addPost.title, op: eq, value: 'Run {{n}}'}
- {target: body.errors, op: exists, value: false}
captures:
- {name: post_id, from: body.data.addPost.id}
"""
READ = """\
name: Read it back
method: GET
url: '{{pg}}/graphql'
body:
  kind: graphql
  text: 'query Node($id: ID!) { node(id: $id) { id ... on Post { title } } }'
  graphql_variables: '{"id": "{{post_id}}"}'
asserts:
- {target: body.data.node.id, op: eq, value: '{{post_id}}'}
- {target: body.data.node.title, op: eq, value: 'Run {{n}}'}
"""
TICKS = """\
name: Ticks
method: POST
url: '{{pg}}/graphql'
body:
  kind: graphql
  text: 'subscription { tick(count: 2, interval: 0.01) { n } }'
"""
BROKEN = """\
name: Bad variables
method: POST
url: '{{pg}}/graphql'
body:
  kind: graphql
  text: '{ hello }'
  graphql_variables: '{"a": 1,,}'
"""


async def test_a_run_sends_graphql_and_checks_its_data(pg: str, tmp_path: Path) -> None:
    write_workspace(tmp_path, {"G/1-add.yaml": ADD, "G/2-read.yaml": READ,
                               "G/3-ticks.yaml": TICKS, "G/4-broken.yaml": BROKEN})
    plan = prepare_run(tmp_path, MemorySecrets())
    assert plan.items[0].model.body.kind is BodyKind.GRAPHQL
    settings = RunSettings(variables={"pg": pg, "author": "1", "n": "7"})
    report = await Runner(plan, settings).run()
    add, read, ticks, broken = report.results
    assert add.outcome is Outcome.PASSED, add.failures()
    assert [a.passed for a in add.asserts] == [True, True, True]
    assert read.outcome is Outcome.PASSED, read.failures()
    assert "query=query+Node" in read.url or "query=query%20Node" in read.url
    assert ticks.outcome is Outcome.SKIPPED
    assert ticks.error == ("a GraphQL subscription: the runner sends queries and mutations "
                           "only (open it in the window to watch its events)")
    assert broken.outcome is Outcome.ERROR
    assert broken.error is not None and "(line 1, column 9)" in broken.error
    assert "GraphQL variables are not valid JSON" in broken.error


def test_spyglass_run_reports_the_skip(pg: str, tmp_path: Path) -> None:
    write_workspace(tmp_path / "ws", {"G/1-add.yaml": ADD, "G/2-ticks.yaml": TICKS})
    done = subprocess.run(
        [sys.executable, "-m", "app", "run", "ws", "--var", f"pg={pg}", "--var", "author=2",
         "--var", "n=1"], cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASS  POST G/Add a post  200" in done.stdout
    assert "GraphQL subscription" in done.stdout
