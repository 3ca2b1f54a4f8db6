"""What every auth kind is made of: the :class:`Auth` base, its flow, and the steps a flow yields.

A flow is a generator (as in httpx): it yields the request to send and receives the
response's :class:`~app.client._models.ResponseInfo`. Besides the request the caller made, a
flow may yield two other kinds of step, which the session drives and never hands to the caller:

- an :class:`AuthRequest`, its own exchange with another endpoint (an OAuth 2.0 token
  endpoint): the session sends it through the same connections, cookies, proxy and TLS
  settings, reads its body (up to ``body_limit``) into ``ResponseInfo.body`` and sends that back;
- an :class:`AuthWait`, work that is not a request (waiting for a browser's redirect, the
  pause between two device-code polls, hashing a file off the loop): the session awaits it,
  stores its result on the step, and resumes the flow with ``next()``.

The flow itself stays free of I/O, so one flow serves ``Session`` and ``AsyncSession``, fetch,
event-stream reconnects and WebSocket handshakes alike.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any

from app.model.http import is_field_value

from ._models import PreparedRequest, ResponseInfo

__all__ = ["Auth", "AuthFlow", "AuthRequest", "AuthStep", "AuthWait", "header_safe"]


@dataclass
class AuthRequest(PreparedRequest):
    """A request an auth flow makes for itself (a token request): the session reads its body
    into ``ResponseInfo.body`` (at most ``body_limit`` bytes) instead of returning it."""

    body_limit: int = 1 << 20


class AuthWait:
    """A step of a flow that is not a request: the session awaits ``work()`` and keeps its
    result in :attr:`result` (an exception raised by the work ends the flow with it)."""

    def __init__(self, work: Callable[[], Awaitable[Any]]) -> None:
        self.work = work
        self.result: Any = None


AuthStep = PreparedRequest | AuthWait
AuthFlow = Generator[AuthStep, ResponseInfo, None]


def header_safe(value: str, what: str) -> str:
    """``value``, refused at once when it would break the header it goes into (a ValueError
    naming the field, as a bad method is refused)."""
    if not isinstance(value, str) or not is_field_value(value):
        raise ValueError(f"the {what} holds a line break, NUL or another control character, "
                         "which cannot be sent in a header")
    return value


class Auth:
    """The base of every auth kind. ``signs`` auths are re-applied on every hop and origin."""

    #: A signing auth derives a fresh signature per request and host; it is applied even after
    #: a redirect to another origin. Other credentials never leave the first origin.
    signs = False

    def auth_flow(self, request: PreparedRequest) -> AuthFlow:
        """Yield the request to send; receive its response; optionally yield a retry."""
        yield request
