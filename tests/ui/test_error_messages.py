"""The one wording table (``ui/error_messages.py``): every error kind has its own words, and
only an exception nobody expected is marked as a bug."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.client import ErrorKind, RequestError, RequestTimeout, StreamError, UsageError
from app.model.compose import ComposeError
from ui.error_messages import ErrorText, describe_error

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("kind", list(ErrorKind))
def test_every_error_kind_has_its_own_words(kind: ErrorKind) -> None:
    text = describe_error(RequestError("it failed", kind=kind))
    assert text.title and text.hint and text.detail == "it failed"
    assert not text.unexpected
    others = {describe_error(RequestError("", kind=k)).title for k in ErrorKind if k != kind}
    assert text.title not in others


def test_a_timeout_reads_as_one() -> None:
    assert describe_error(RequestTimeout("slow")).title == "Timed out"


def test_a_stream_message_too_large_reads_as_one_and_says_where_to_change_it() -> None:
    text = describe_error(StreamError("a message larger than 4 MiB", kind=ErrorKind.TOO_LARGE))
    assert text.title == "Message too large"
    assert "WebSocket message" in text.hint and "Tools ▸ Limits…" in text.hint
    assert text.detail == "a message larger than 4 MiB" and not text.unexpected
    assert describe_error(StreamError("broke")).title == "Stream failed"


@pytest.mark.parametrize("exc", [
    StreamError("broke"), StreamError("big", kind=ErrorKind.TOO_LARGE), UsageError("wrong"),
    OSError(2, "No such file"),
    ComposeError("url", "empty"),
])
def test_expected_failures_are_not_bugs(exc: BaseException) -> None:
    assert not describe_error(exc).unexpected


def test_anything_else_is_a_bug() -> None:
    text = describe_error(ZeroDivisionError("division by zero"))
    assert text == ErrorText("Unexpected error",
                             "This is a bug in Spyglass; the details are in the log.",
                             "ZeroDivisionError: division by zero", unexpected=True)


def test_the_wording_table_type_checks() -> None:
    # A kind missing from the table fails assert_never; a misspelled kind is no attribute.
    cmd = [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
           "ui/error_messages.py"]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
