"""Misuses of the library that ``mypy --strict`` must reject, each on a line marked with the
error code expected there (checked by ``test_typing.py``, never run)."""

from __future__ import annotations

from app.client import AsyncSession, Request, Session


async def awaiting_a_sync_read(session: Session) -> None:
    with Request(session).fetch() as response:
        await response.read()  # expect: misc


async def using_an_async_read_as_bytes(session: AsyncSession) -> None:
    async with Request(session).fetch() as response:
        print((await response.read()).foo)  # expect: attr-defined
        response.read().decode()  # expect: attr-defined


def plain_iteration_of_an_async_body(session: AsyncSession) -> None:
    with Request(session).fetch() as response:  # expect: misc
        for _ in response.iter_chunks():
            pass


async def async_with_on_a_sync_session(session: Session) -> None:
    async with Request(session).fetch():  # expect: misc
        pass
