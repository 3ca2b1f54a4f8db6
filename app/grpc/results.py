"""How calls end: :class:`CallResult`, made from a unary call's future, a stream's reader,
or the failure to look its method up."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import grpc

from app.client.errors import RequestError, UsageError

from ._reader import StreamReader, unreadable
from .messages import decode_status_details, metadata_pairs

if TYPE_CHECKING:
    from ._resolved import Resolved

__all__ = ["CallResult", "grpc_words", "learnt_result", "not_sent", "read_result",
           "result_of", "unary_result", "unreached"]


@dataclass
class CallResult:
    """How a call ended: ``code`` is the status name (``OK``, ``DEADLINE_EXCEEDED``...),
    ``details`` its message, ``error_details`` the decoded ``google.rpc.Status`` details,
    ``headers`` and ``trailers`` (name, value) pairs (binary values in base64)."""

    responses: list[dict[str, Any]] = field(default_factory=list)
    code: str = "OK"
    details: str = ""
    error_details: list[dict[str, Any]] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)
    trailers: list[tuple[str, str]] = field(default_factory=list)
    #: The oldest responses let go past a stream's ``keep_responses`` (``responses`` holds
    #: the last ones).
    responses_dropped: int = 0
    #: The size of every response received, on the wire (protobuf's encoding), in bytes.
    received_bytes: int = 0

    @property
    def ok(self) -> bool:
        return self.code == "OK"


def unary_result(future: Any, method: Resolved, unknown: set[str] | None = None) -> CallResult:
    """The result of a unary call that has ended (grpcio's future); a response protobuf
    cannot show as JSON makes it ``INTERNAL``. The types of ``Any`` s shown opaque (no
    pool knows them) go into ``unknown``."""
    code = future.code()
    return _made(future, method, code, future.result() if code == _OK else None, unknown)


def _made(future: Any, method: Resolved, code: grpc.StatusCode, response: Any,
          unknown: set[str] | None) -> CallResult:
    """:func:`unary_result` of a future whose ``code`` and (OK) ``response`` were read:
    each of the future's accessors takes its lock."""
    trailers = future.trailing_metadata() or ()
    result = CallResult(
        code=code.name,
        details=grpc_words(future.details() or ""),
        error_details=decode_status_details(trailers, method.pool, unknown)
        if response is None else [],
        headers=metadata_pairs(future.initial_metadata() or ()),
        trailers=metadata_pairs(trailers),
    )
    if response is not None:
        result.received_bytes = response.ByteSize()
        try:
            result.responses.append(method.json(response, unknown))
        except Exception as exc:  # protobuf's JSON refuses it
            result.code, result.details = "INTERNAL", unreadable(exc)
    return result


def learnt_result(future: Any, method: Resolved) -> CallResult:
    """:func:`unary_result`, made again once the types of its opaque ``Any`` s have been
    learnt from the server's reflection (:mod:`._learn`). Blocking: off any event loop."""
    unknown: set[str] | None = set() if method.learn is not None else None
    result = unary_result(future, method, unknown)
    if unknown and method.learn is not None and method.learn(unknown):
        result = unary_result(future, method)
    return result


async def result_of(future: Any, method: Resolved) -> CallResult:
    """The result of a unary call that has ended, awaited from a loop: a failure's, or a
    small response's, made there (15-40 µs: sooner than on another thread, then handed
    over); a large message's JSON, or one whose ``Any`` s want types learnt, on a worker
    thread (no work for a window's loop)."""
    code = future.code()
    response = future.result() if code == _OK else None
    if response is None or response.ByteSize() <= _SMALL_RESPONSE:
        unknown: set[str] | None = set() if method.learn is not None else None
        result = _made(future, method, code, response, unknown)
        if not unknown:
            return result
    return await asyncio.get_running_loop().run_in_executor(None, learnt_result, future,
                                                            method)


_OK = grpc.StatusCode.OK
#: A response up to this many bytes is made JSON on the caller's loop (see result_of).
_SMALL_RESPONSE = 16 << 10


def read_result(reader: StreamReader, pool: Any) -> CallResult:
    """The result of a server stream its reader has read to the end."""
    assert reader.outcome is not None, "the reader has not ended"
    code, details, headers, trailers = reader.outcome
    return CallResult(
        responses=list(reader.responses),
        responses_dropped=reader.dropped,
        received_bytes=reader.received_bytes,
        code=code.name,
        details=grpc_words(details),
        error_details=decode_status_details(trailers, pool) if code != grpc.StatusCode.OK
        else [],
        headers=metadata_pairs(headers),
        trailers=metadata_pairs(trailers),
    )


def unreached(exc: RequestError) -> CallResult:
    """The result of a call whose method could not be looked up on the target: the code of
    the reflection call that failed (``UNAVAILABLE`` for a target that cannot be reached).
    A server without reflection raises ``UsageError`` instead: no call was made, and its
    ``UNIMPLEMENTED`` is not the method's answer (.proto files are wanted)."""
    cause = exc.__cause__
    code = "UNAVAILABLE"
    if isinstance(cause, grpc.aio.AioRpcError):
        if cause.code() == grpc.StatusCode.UNIMPLEMENTED:
            raise UsageError(str(exc)) from exc
        code = cause.code().name
    return CallResult(code=code, details=str(exc))


#: How the details of a call that never reached its server begin: grpc's core could not
#: connect (refused, no route, a TLS handshake that failed, a name that does not resolve),
#: or :func:`unreached` (the lookup of its method, or of the server's certificate).
_NOT_SENT_PREFIXES = ("failed to connect to all addresses", "dns resolution failed",
                      "cannot reach ")
#: How :func:`unreached` ends the details of a lookup the target did not answer in time.
_NOT_SENT_ENDINGS = (" did not answer reflection in time", " did not answer in time")


def not_sent(result: CallResult) -> bool:
    """Whether ``result`` is of a call that never reached its server (see
    :func:`not_sent_details`)."""
    return result.code in ("UNAVAILABLE", "DEADLINE_EXCEEDED") and \
        not_sent_details(result.details)


def not_sent_details(details: str) -> bool:
    """Whether a status's ``details`` are those of a call that never reached its server:
    words grpc's core or :func:`unreached` begin with. A server's own status is not taken
    for one for a mention of a handshake or a connection (a proxy's UNAVAILABLE "upstream
    connect error: TLS error..." reached it)."""
    lowered = details.lower()
    return lowered.startswith(_NOT_SENT_PREFIXES) or lowered.endswith(_NOT_SENT_ENDINGS)


def grpc_words(details: str) -> str:
    """grpc's own words for a call that never reached its server, without the ": OK" its
    core appends to some ("... self signed certificate: OK"); a server's words as sent."""
    if details.endswith(": OK") and not_sent_details(details):
        return details[: -len(": OK")]
    return details
