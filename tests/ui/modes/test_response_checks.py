"""The pure parts of a tab's response checks: the JSON paths offered for completion."""

from __future__ import annotations

from ui.modes.http.checks import json_paths


def test_json_paths_breadth_first_and_capped() -> None:
    document = {"items": [{"id": 1, "tags": ["a"]}], "total": 2, "odd key": True}
    assert json_paths(document) == [
        "body.$.items", "body.$.total", "body.$['odd key']", "body.$.items[0]",
        "body.$.items[0].id", "body.$.items[0].tags", "body.$.items[0].tags[0]"]
    assert len(json_paths({str(i): i for i in range(500)}, limit=50)) == 50
    assert json_paths([]) == [] and json_paths("text") == []
