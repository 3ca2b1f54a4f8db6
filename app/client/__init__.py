"""Spyglass's request library, shaped after the Backend.AI client SDK's Request API.

::

    with Session("http://127.0.0.1:8000") as session:
        request = Request(session, "POST", "/echo")
        request.set_json({"hello": "world"})
        with request.fetch() as response:
            print(response.status, response.json())

The same code under ``AsyncSession`` uses ``async with`` and awaits the reading methods.
"""

from app import __version__ as __version__

from . import auth, errors
from .auth import APIKeyAuth, BackendAIAuth, BasicAuth, BearerAuth, DigestAuth
from .content import AttachedFile
from .errors import (
    APIError,
    ClientError,
    RequestError,
    RequestTimeout,
    StreamError,
    UsageError,
)
from .events import SSEContextManager, SSEResponse
from .request import FetchContextManager, Request
from .response import Response
from .session import AsyncSession, Session, Timeout
from .sse import SSEEvent, SSEParser
from .timings import Timings
from .websocket import WebSocketContextManager, WebSocketResponse

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
