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
from .auth import (
    APIKeyAuth,
    AWSSigV4Auth,
    BackendAIAuth,
    BasicAuth,
    BearerAuth,
    DigestAuth,
    OAuth2AuthorizationCode,
    OAuth2ClientCredentials,
    OAuth2DeviceCode,
    OAuth2Password,
)
from .content import AttachedFile
from .cookies import Cookie, Cookies
from .errors import (
    APIError,
    CertificateError,
    ClientError,
    ErrorKind,
    RequestError,
    RequestTimeout,
    StreamError,
    UsageError,
)
from .events import SSEContextManager, SSEResponse
from .limits import Limits
from .request import FetchContextManager, Request
from .response import AsyncResponse, Response
from .session import AsyncSession, Timeout
from .sse import SSEEvent, SSEParser
from .sync_session import Session
from .timings import Timings
from .tls import ClientCertificate
from .websocket import (
    WebSocketContextManager,
    WebSocketMessage,
    WebSocketMessageType,
    WebSocketResponse,
)

__all__ = [
    "APIError",
    "APIKeyAuth",
    "AWSSigV4Auth",
    "AsyncResponse",
    "AsyncSession",
    "AttachedFile",
    "BackendAIAuth",
    "BasicAuth",
    "BearerAuth",
    "CertificateError",
    "ClientCertificate",
    "ClientError",
    "Cookie",
    "Cookies",
    "DigestAuth",
    "ErrorKind",
    "FetchContextManager",
    "Limits",
    "OAuth2AuthorizationCode",
    "OAuth2ClientCredentials",
    "OAuth2DeviceCode",
    "OAuth2Password",
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
    "WebSocketMessage",
    "WebSocketMessageType",
    "WebSocketResponse",
    "auth",
    "errors",
]
