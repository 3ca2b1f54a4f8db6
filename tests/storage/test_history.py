"""app.storage.history: redaction down to the file bytes, search, caps, threads, corrupt files."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.storage.history import REDACTED, History, HistoryEntry, HistoryError, redact


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    with History(tmp_path / "history.sqlite3") as opened:
        yield opened


def _entry(url: str = "https://api.example.test/items", method: str = "GET",
           status: int | None = 200, when: float = 1.0, **extra: object) -> HistoryEntry:
    request = {"method": method, "url": url, "headers": [["Accept", "*/*"]], "body": ""}
    return HistoryEntry(method=method, url=url, status=status, time=when, duration=0.25,
                        response_size=42, request=request, **extra)  # type: ignore[arg-type]


def _file_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_round_trip_and_delete(history: History) -> None:
    entry = _entry(status=None, error="Connection refused")
    entry_id = history.add(entry)
    stored = history.get(entry_id)
    assert stored is not None
    assert stored.id == entry_id
    assert (stored.method, stored.url, stored.status, stored.error) == (
        "GET", entry.url, None, "Connection refused")
    assert (stored.time, stored.duration, stored.response_size) == (1.0, 0.25, 42)
    assert stored.request == entry.request
    history.delete(entry_id)
    assert history.get(entry_id) is None
    history.delete(entry_id)


def test_sensitive_headers_and_secret_values_never_reach_the_file(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    token = "tok-7f3a9c1e5b"
    basic = "Basic dXNlcjpodW50ZXIy"
    request = {
        "method": "POST",
        "url": f"https://api.example.test/x?api_key={token}",
        "headers": [["Authorization", basic], ["Cookie", "sid=cookie-abc123"],
                    ["X-Api-Key", token], ["Accept", "application/json"]],
        "response_headers": {"Set-Cookie": "sid=cookie-def456", "proxy-authorization": "pp-99"},
        "body": f'{{"token": "{token}", "nested": ["{token}x"]}}',
    }
    with History(path) as history:
        entry_id = history.add(
            HistoryEntry(method="POST", url=request["url"], status=None,  # type: ignore[arg-type]
                         error=f"server rejected {token}", request=request),
            secret_values={token, ""})
        stored = history.get(entry_id)
        assert stored is not None
        assert stored.url == f"https://api.example.test/x?api_key={REDACTED}"
        assert stored.error == f"server rejected {REDACTED}"
        headers = stored.request["headers"]
        assert headers[0] == ["Authorization", REDACTED]
        assert headers[1] == ["Cookie", REDACTED]
        assert headers[2] == ["X-Api-Key", REDACTED]
        assert headers[3] == ["Accept", "application/json"]
        assert stored.request["response_headers"] == {
            "Set-Cookie": REDACTED, "proxy-authorization": REDACTED}
        assert token not in stored.request["body"]
        raw = _file_bytes(path)
        assert raw  # the database and its WAL are really there
    raw = _file_bytes(path)
    for secret in (token, basic, "dXNlcjpodW50ZXIy", "cookie-abc123", "cookie-def456", "pp-99"):
        assert secret.encode() not in raw
        assert secret.encode("utf-16-le") not in raw


def test_redact_masks_the_longest_secret_whole() -> None:
    assert redact({"a": "abcdef"}, ["abc", "abcdef"]) == {"a": REDACTED}
    assert redact(["authorization", "x"]) == ["authorization", REDACTED]
    assert redact({"n": 3, "b": None}, ["3"]) == {"n": 3, "b": None}


def test_search_matches_url_method_status_newest_first(history: History) -> None:
    a = history.add(_entry("https://one.test/users", "GET", 200, when=1))
    b = history.add(_entry("https://two.test/orders", "POST", 201, when=2))
    c = history.add(_entry("https://one.test/orders", "DELETE", 404, when=3))
    d = history.add(_entry("https://three.test/", "GET", None, when=4,
                           error="Timed out"))
    assert [e.id for e in history.search("")] == [d, c, b, a]
    assert [e.id for e in history.search("orders")] == [c, b]
    assert [e.id for e in history.search("post")] == [b]
    assert [e.id for e in history.search("404")] == [c]
    assert [e.id for e in history.search("20")] == [b, a]
    assert [e.id for e in history.search("timed")] == [d]
    assert [e.id for e in history.search("one.test", limit=1)] == [c]
    assert history.search("100%_") == []


def test_clear(history: History) -> None:
    for i in range(3):
        history.add(_entry(when=i))
    history.clear()
    assert history.search("") == []
    assert len(history) == 0


def test_cap_by_count_prunes_the_oldest(tmp_path: Path) -> None:
    with History(tmp_path / "h.db", max_entries=5) as history:
        ids = [history.add(_entry(f"https://x.test/{i}", when=i)) for i in range(12)]
        assert len(history) == 5
        assert [e.id for e in history.search("")] == ids[:-6:-1]
        assert history.get(ids[0]) is None


def test_cap_by_bytes_prunes_the_oldest(tmp_path: Path) -> None:
    with History(tmp_path / "h.db", max_bytes=10_000) as history:
        ids = []
        for i in range(40):
            entry = _entry(f"https://x.test/{i}", when=i)
            entry.request["body"] = "x" * 1000  # type: ignore[index]
            ids.append(history.add(entry))
            assert history.total_bytes() <= 10_000
        kept = [e.id for e in history.search("")]
        assert 5 <= len(kept) < 10
        assert kept == ids[: -len(kept) - 1: -1]
        # An entry bigger than the whole cap is still kept, alone, as the newest.
        huge = _entry("https://x.test/huge", when=100)
        huge.request["body"] = "y" * 20_000  # type: ignore[index]
        huge_id = history.add(huge)
        assert [e.id for e in history.search("")] == [huge_id]


def test_database_file_shrinks_after_pruning(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    with History(path, max_bytes=50_000) as history:
        for i in range(200):
            entry = _entry(f"https://x.test/{i}", when=i)
            entry.request["body"] = "z" * 5000  # type: ignore[index]
            history.add(entry)
    # Closing checkpoints the WAL; freed pages were handed back by incremental vacuum.
    assert path.stat().st_size < 200_000


def test_concurrent_adds_from_threads(tmp_path: Path) -> None:
    with History(tmp_path / "h.db", max_entries=10_000) as history:
        errors: list[BaseException] = []
        ids: list[int] = []
        ids_lock = threading.Lock()

        def worker(n: int) -> None:
            try:
                for i in range(50):
                    new_id = history.add(_entry(f"https://t{n}.test/{i}", when=n * 100 + i))
                    with ids_lock:
                        ids.append(new_id)
            except BaseException as error:  # reported below, on the test thread
                errors.append(error)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        assert len(set(ids)) == 400
        assert len(history) == 400
        assert len(history.search("t3.test", limit=1000)) == 50


def test_reopen_keeps_entries(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    with History(path) as history:
        entry_id = history.add(_entry())
    with History(path) as history:
        assert history.get(entry_id) is not None


def test_corrupt_file_gives_history_error_with_path(tmp_path: Path) -> None:
    path = tmp_path / "broken history.sqlite3"
    path.write_bytes(b"this is not a database, just some text\n" * 200)
    with pytest.raises(HistoryError) as caught:
        History(path)
    assert str(path) in str(caught.value)
    assert isinstance(caught.value.__cause__, sqlite3.DatabaseError)
    assert path.read_bytes().startswith(b"this is not a database")  # left untouched


def test_caps_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="positive"):
        History(tmp_path / "h.db", max_entries=0)


def test_header_rows_of_a_request_model_are_redacted() -> None:
    from app.storage.history import REDACTED, redact

    rows = [{"name": "Cookie", "value": "session=abc", "enabled": True},
            {"name": "Accept", "value": "text/plain", "enabled": True}]
    assert redact({"headers": rows}) == {"headers": [
        {"name": "Cookie", "enabled": True, "value": REDACTED},
        {"name": "Accept", "value": "text/plain", "enabled": True}]}


def test_new_limits_apply_at_once(tmp_path: Path) -> None:
    from app.storage.history import History, HistoryEntry

    with History(tmp_path / "h.db", max_entries=10) as history:
        for i in range(8):
            history.add(HistoryEntry("GET", f"http://x/{i}", 200, time=1000.0 + i))
        history.set_limits(3, 10**6)
        assert [e.url for e in history.search()] == ["http://x/7", "http://x/6", "http://x/5"]
        with pytest.raises(ValueError):
            history.set_limits(0, 1)


def test_an_entry_opens_back_as_a_request_model(tmp_path: Path) -> None:
    from app.model.request import AuthKind, AuthModel, RequestModel

    sent = RequestModel(name="Login", method="POST", url="https://x.example/login",
                        auth=AuthModel(kind=AuthKind.BEARER, token="t0k-SECRET"))
    with History(tmp_path / "h.sqlite3") as history:
        entry_id = history.add(HistoryEntry("POST", sent.url, 200,
                                            request={"model": sent.to_dict()}), ["t0k-SECRET"])
        stored = history.get(entry_id)
    assert stored is not None
    model = stored.request_model()
    assert (model.name, model.method, model.url) == ("Login", "POST", sent.url)
    assert model.auth.token == REDACTED  # the secret never came back
    assert HistoryEntry("GET", "http://x/").request_model() == RequestModel()
    with pytest.raises(ValueError, match=r"\S"):
        HistoryEntry("GET", "http://x/", request={"model": {"method": 3, "body": "x"}}
                     ).request_model()
