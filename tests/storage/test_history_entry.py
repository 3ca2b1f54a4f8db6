"""app.storage.history.entry_for: a send's history entry, built from (model, outcome) and
redacted in that one place."""

from __future__ import annotations

import json
from pathlib import Path

from app.model.request import AuthKind, AuthModel, KeyValue, RequestMode, RequestModel
from app.storage.history import REDACTED, History, Outcome, entry_for

TOKEN = "tok-SECRET-123"


def _model() -> RequestModel:
    return RequestModel(
        method="POST", url="https://api.example.test/items?q={{q}}",
        headers=[KeyValue("Cookie", "session=abc"), KeyValue("X-Env", "{{env}}"),
                 KeyValue("X-Off", "no", enabled=False)],
        auth=AuthModel(kind=AuthKind.BEARER, token=TOKEN), mode=RequestMode.SSE)


def test_a_response_gives_its_status_url_size_and_times() -> None:
    outcome = Outcome(started=1000.0, duration=0.5, status=201,
                      url="https://api.example.test/items?q=1", size=42)
    entry = entry_for(_model(), outcome, origin="/ws/items.json")
    assert (entry.method, entry.url, entry.status, entry.error) == (
        "POST", "https://api.example.test/items?q=1", 201, None)
    assert (entry.time, entry.duration, entry.response_size) == (1000.0, 0.5, 42)
    assert entry.request["origin"] == "/ws/items.json"
    assert entry.request["model"]["mode"] == "sse"
    assert entry.request["headers"] == [["Cookie", REDACTED], ["X-Env", "{{env}}"]]


def test_without_a_final_url_the_request_url_is_kept() -> None:
    entry = entry_for(_model(), Outcome(started=1.0, duration=0.1, error="Refused"))
    assert entry.url == "https://api.example.test/items?q={{q}}"
    assert entry.status is None and entry.error == "Refused"


def test_auth_secrets_and_substituted_secrets_are_masked_everywhere() -> None:
    outcome = Outcome(started=1.0, duration=0.1, url="https://api.example.test/items?q=hush",
                      error=f"Server said: bad token {TOKEN} for hush")
    entry = entry_for(_model(), outcome, ["hush", ""])
    text = json.dumps([entry.url, entry.error, entry.request])
    assert TOKEN not in text and "hush" not in text and "abc" not in text
    assert entry.url == f"https://api.example.test/items?q={REDACTED}"
    assert entry.request["model"]["auth"]["token"] == ""
    assert entry.request["model"]["auth"]["kind"] == "bearer"


def test_the_entry_stores_as_it_is(tmp_path: Path) -> None:
    entry = entry_for(_model(), Outcome(started=5.0, duration=0.2, status=200), ["hush"])
    with History(tmp_path / "history.sqlite3") as history:
        stored = history.get(history.add(entry))
    assert stored is not None
    assert (stored.url, stored.status, stored.time) == (entry.url, 200, 5.0)
    assert stored.request == json.loads(json.dumps(entry.request))
