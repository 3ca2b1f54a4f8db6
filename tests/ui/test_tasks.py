"""ui.tasks.TaskRunner, without widgets: keyed ownership, replacement, stale results dropped,
and each task's own callbacks."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from ui.tasks import TaskRunner


async def _value(value: object, delay: float = 0.0) -> object:
    await asyncio.sleep(delay)
    return value


async def _fail(message: str, delay: float = 0.0) -> None:
    await asyncio.sleep(delay)
    raise ValueError(message)


def test_a_result_and_an_error_go_to_their_own_task(qtbot: QtBot, qt_loop: Any) -> None:
    runner = TaskRunner()
    results: list[object] = []
    errors: list[BaseException] = []
    runner.start("a", _value(1), on_result=results.append, on_error=errors.append)
    runner.start("b", _fail("boom"), on_result=results.append, on_error=errors.append)
    qtbot.waitUntil(lambda: len(results) + len(errors) == 2)
    assert results == [1]
    assert [str(e) for e in errors] == ["boom"]
    assert not runner.running("a") and not runner.running("b")


def test_starting_under_a_key_cancels_and_drops_what_ran_there(qtbot: QtBot,
                                                               qt_loop: Any) -> None:
    runner = TaskRunner()
    old: list[object] = []
    new: list[object] = []
    first = runner.start("k", _value("old", 0.05), on_result=old.append, on_error=old.append)
    assert runner.running("k")
    runner.start("k", _value("new", 0.01), on_result=new.append)
    qtbot.waitUntil(lambda: bool(new))
    qtbot.waitUntil(first.done)
    assert first.cancelled() and new == ["new"]
    qtbot.wait(80)
    assert old == []


def test_a_stale_result_that_finished_anyway_is_dropped(qtbot: QtBot,
                                                       run_async: Any) -> None:
    """Work replaced after it finished but before its callback ran still says nothing."""
    runner = TaskRunner()
    seen: list[object] = []

    async def quick() -> str:
        return "stale"

    async def replace_after_it_finished() -> asyncio.Task[Any]:
        first = runner.start("k", quick(), on_result=seen.append,
                             on_error=seen.append)
        await asyncio.sleep(0)  # the first task runs to its end; its callback is queued
        assert first.done() and not first.cancelled()
        runner.start("k", _value("current", 0.01), on_result=seen.append)
        return first

    first = run_async(replace_after_it_finished())
    qtbot.waitUntil(lambda: seen == ["current"])
    qtbot.wait(30)
    assert seen == ["current"] and first.result() == "stale"


def test_cancelling_says_nothing_and_reports_whether_there_was_work(qtbot: QtBot,
                                                                    qt_loop: Any) -> None:
    runner = TaskRunner()
    seen: list[object] = []
    task = runner.start("tab 1 / send", _value(1, 5), on_result=seen.append,
                        on_error=seen.append)
    runner.start("tab 1 / events", _value(2, 5), on_result=seen.append)
    runner.start("tab 2 / send", _value(3, 0.01), on_result=seen.append)
    assert runner.cancel("tab 1 / send") and not runner.cancel("tab 1 / send")
    runner.cancel_prefix("tab 1 ")
    assert not runner.running("tab 1 / events")
    qtbot.waitUntil(task.done)
    qtbot.waitUntil(lambda: seen == [3])
    assert task.cancelled()


def test_an_error_nobody_asked_for_is_logged(qtbot: QtBot, qt_loop: Any,
                                             caplog: pytest.LogCaptureFixture) -> None:
    runner = TaskRunner()
    with caplog.at_level(logging.ERROR, logger="ui.tasks"):
        task = runner.start("lonely", _fail("unheard"))
        qtbot.waitUntil(task.done)
        qtbot.wait(10)
    assert any(r.exc_info and str(r.exc_info[1]) == "unheard" for r in caplog.records)
    assert "lonely" in caplog.text
