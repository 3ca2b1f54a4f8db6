"""The one table that turns an exception into words for the tab that failed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, assert_never

if TYPE_CHECKING:
    from app.client.errors import ErrorKind

__all__ = ["ErrorText", "describe_error"]


@dataclass(frozen=True)
class ErrorText:
    """What the window says about a failure: a title, what to try, and the details."""

    title: str
    hint: str
    detail: str
    field: str = ""
    #: Nothing expected raised it: a bug in Spyglass, worth its traceback in the log.
    unexpected: bool = False


def _words_for(kind: ErrorKind) -> tuple[str, str]:
    """The title and what to try for each :class:`ErrorKind` (mypy checks every kind has
    its words: a kind added without them fails ``assert_never``)."""
    # Imported here: the library brings aiohttp, which the window loads only when it sends.
    from app.client.errors import ErrorKind as Kind

    match kind:
        case Kind.TIMEOUT:
            return ("Timed out", "The server did not answer in time. Check that it is up, or "
                                 "raise the timeout in the Options tab.")
        case Kind.DNS:
            return ("Host not found", "The host name could not be resolved. Check the URL for "
                                      "typos, or your network and DNS settings.")
        case Kind.CONNECT:
            return ("Could not connect", "Nothing answered at this address and port. Is the "
                                         "server running, and is the port right?")
        case Kind.CERTIFICATE:
            return ("Certificate not trusted", "The server's TLS certificate could not be "
                    "verified. Add its CA file in Options, or turn verification off there if "
                    "you trust this network.")
        case Kind.TLS:
            return ("TLS handshake failed", "The secure connection could not be set up. Does "
                                            "the server speak HTTPS on this port?")
        case Kind.PROXY:
            return ("Proxy failed", "The proxy could not be reached or refused the request.")
        case Kind.DISCONNECTED:
            return ("Server disconnected", "The server closed the connection without "
                    "answering. It may have crashed, or it wants HTTPS, or a client "
                    "certificate.")
        case Kind.RESET:
            return ("Connection reset", "The connection was cut while talking to the server.")
        case Kind.TRUNCATED:
            return ("Response cut short", "The server stopped sending before the body was "
                                          "complete. What arrived is shown below.")
        case Kind.PROTOCOL:
            return ("Invalid response", "The server answered with something that is not "
                                        "valid HTTP.")
        case Kind.INVALID_URL:
            return ("Invalid URL", "Check the URL.")
        case Kind.BODY:
            return ("Could not send the body", "Reading the request body failed; a file may "
                                               "have changed or vanished.")
        case Kind.REDIRECT:
            return ("Redirect failed", "A redirect could not be followed. Turn redirects off "
                                       "in Options to see the redirect itself.")
        case Kind.TOO_LARGE:
            return ("Response too large", "What the server sent passed a safety limit (a "
                    "body's size in memory, how far it expands when decompressed, or the size "
                    "of one WebSocket message); the details say which. Tools ▸ Limits… "
                    "changes the limits.")
        case Kind.CONNECTION:
            return ("Connection failed", "The connection to the server failed.")
        case Kind.OTHER:
            return ("Request failed", "The request could not be completed.")
    assert_never(kind)


def describe_error(exc: BaseException) -> ErrorText:
    """Title, hint and detail for ``exc``, whatever raised it."""
    from app.client import (
        APIError,
        ClientError,
        ErrorKind,
        RequestError,
        StreamError,
        UsageError,
    )
    from app.model.compose import ComposeError

    detail = str(exc) or type(exc).__name__
    if isinstance(exc, ComposeError):
        return ErrorText("Cannot send this request", "Fix the highlighted field and send again.",
                         detail, exc.field)
    if isinstance(exc, RequestError):
        title, hint = _words_for(exc.kind)
        return ErrorText(title, hint, detail)
    if isinstance(exc, APIError):
        return ErrorText(f"Refused: HTTP {exc.status} {exc.reason}".strip(),
                         "The server answered with an error instead of opening the stream.",
                         detail)
    if isinstance(exc, StreamError) and exc.kind is ErrorKind.TOO_LARGE:
        # One message of an open stream passed a limit: the kind's hint, a message's title.
        return ErrorText("Message too large", _words_for(exc.kind)[1], detail)
    if isinstance(exc, StreamError):
        return ErrorText("Stream failed", "The stream broke, or the server answered with "
                         "something that is not a stream of this kind.", detail)
    if isinstance(exc, UsageError):
        return ErrorText("Cannot send this request", "", detail)
    if isinstance(exc, ClientError):
        return ErrorText("Request failed", "", detail)
    if isinstance(exc, OSError):
        return ErrorText("System error", "A file or the network could not be used.", detail)
    return ErrorText("Unexpected error", "This is a bug in Spyglass; the details are in the log.",
                     f"{type(exc).__name__}: {detail}", unexpected=True)
