"""The window's log file (ui.log_file): made with the first record, owner-only, rotated, and
records dropped (never raised) when it cannot be made."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from ui.log_file import LogFile


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    log = logging.getLogger("spyglass.test_log_file")
    log.propagate = False
    log.setLevel(logging.INFO)
    yield log
    for handler in list(log.handlers):
        log.removeHandler(handler)
        handler.close()


def test_nothing_is_made_before_the_first_record(tmp_path: Path,
                                                 logger: logging.Logger) -> None:
    folder = tmp_path / "state" / "log"
    handler = LogFile(folder)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    assert not handler.opened
    assert not (tmp_path / "state").exists()
    logger.info("the first record")
    logger.error("the second")
    handler.flush()
    assert handler.opened
    assert (folder / "spyglass.log").read_text().splitlines() == [
        "INFO spyglass.test_log_file: the first record",
        "ERROR spyglass.test_log_file: the second"]
    if os.name == "posix":
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_the_file_is_rotated_and_the_formatter_follows(tmp_path: Path,
                                                       logger: logging.Logger) -> None:
    handler = LogFile(tmp_path, "app.log", max_bytes=200, backups=2)
    logger.addHandler(handler)
    logger.info("opened")
    handler.setFormatter(logging.Formatter("later: %(message)s"))  # after the file exists
    for i in range(40):
        logger.info("record %d %s", i, "x" * 40)
    handler.flush()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["app.log", "app.log.1", "app.log.2"]
    last = (tmp_path / "app.log").read_text().splitlines()[-1]
    assert last == f"later: record 39 {'x' * 40}"


def test_a_folder_that_cannot_be_made_drops_the_records(tmp_path: Path,
                                                        logger: logging.Logger) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the log's folder would go")
    handler = LogFile(blocker / "log")
    logger.addHandler(handler)
    logger.error("dropped, not raised")
    assert not handler.opened
    # Not tried again for each record: the next one is dropped too, even if it could be
    # made now.
    blocker.unlink()
    logger.error("dropped as well")
    assert not handler.opened
    assert not blocker.exists()
