"""Spyglass's request library, shaped after the Backend.AI client SDK's Request API.

::

    with Session("http://127.0.0.1:8000") as session:
        request = Request(session, "POST", "/echo")
        request.set_json({"hello": "world"})
        with request.fetch() as response:
            print(response.status, response.json())

The same code under ``AsyncSession`` uses ``async with`` and awaits the reading methods.
"""

__version__ = "0.1.0"

from . import auth, errors  # noqa: E402
from .auth import APIKeyAuth, BackendAIAuth, BasicAuth, BearerAuth, DigestAuth  # noqa: E402
from .content import AttachedFile  # noqa: E402
from .errors import (  # noqa: E402
    APIError,
    ClientError,
    RequestError,
    RequestTimeout,
    StreamError,
    UsageError,
)
from .events import SSEContextManager, SSEResponse  # noqa: E402
from .request import FetchContextManager, Request  # noqa: E402
from .response import Response  # noqa: E402
from .session import AsyncSession, Session, Timeout  # noqa: E402
from .sse import SSEEvent, SSEParser  # noqa: E402
from .timings import Timings  # noqa: E402
from .websocket import WebSocketContextManager, WebSocketResponse  # noqa: E402

__all__ = [
    "APIError",
    "APIKeyAuth",
    "AsyncSession",
    "AttachedFile",
    "BackendAIAuth",
    "BasicAuth",
    "BearerAuth",
    "ClientError",
    "DigestAuth",
    "FetchContextManager",
    "Request",
    "RequestError",
    "RequestTimeout",
    "Response",
    "SSEContextManager",
    "SSEEvent",
    "SSEParser",
    "SSEResponse",
    "Session",
    "StreamError",
    "Timeout",
    "Timings",
    "UsageError",
    "WebSocketContextManager",
    "WebSocketResponse",
    "auth",
    "errors",
]
