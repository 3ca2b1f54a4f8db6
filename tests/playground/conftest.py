"""Fixtures of the playground's tests: a playground whose terminals run a known shell."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.client import AsyncSession
from app.playground import RunningPlayground, start_playground
from tests.playground.terminal_clients import SHELL


@pytest.fixture
async def pg() -> AsyncIterator[RunningPlayground]:
    playground = await start_playground(access_log=False, terminal_command=SHELL)
    try:
        yield playground
    finally:
        await playground.stop()


@pytest.fixture
async def session(pg: RunningPlayground) -> AsyncIterator[AsyncSession]:
    async with AsyncSession(pg.url) as s:
        yield s
