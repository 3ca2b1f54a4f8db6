"""gRPC requests in a run (SPEC §9 over SPEC 8.2): the call made, and what the checks see.

The checks look at a call as at an HTTP response: ``status`` is the numeric status code (0
is OK; a code's name compares as its number, :mod:`app.runner.asserts`), ``body`` the one
response as a JSON object, or the array of responses of a server-streaming method,
``header.<name>`` the response headers, then the trailers, and ``time_ms`` the whole call.
A failed status is an answer, as an HTTP 4xx is: only the asserts fail the request. Two are
not answers, and make the request an error, as a refused connection or a timeout does over
HTTP: a call that never reached its server (unless the request checks its ``status``:
a check that a server is down), and a call the run's time limit ended.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from app.model.compose_errors import ComposeError
from app.model.compose_grpc import (
    GRPC_STATUS_CODES,
    GrpcCall,
    grpc_call_of,
    method_is_server_streaming,
    send,
)
from app.model.request import RequestModel
from app.runner.asserts import ResponseFacts

if TYPE_CHECKING:
    import os

    from app.grpc import CallResult

__all__ = ["GrpcExchange", "grpc_body", "grpc_exchange", "grpc_facts"]

_UNREACHED = ("UNAVAILABLE", "DEADLINE_EXCEEDED", "CANCELLED")


def grpc_body(result: CallResult, server_streaming: bool | None) -> Any:
    """What ``body`` means for a call: the array of responses of a server stream, else
    the one response (None when the call failed before one came). Without knowing the
    method's kind, several responses are an array."""
    if server_streaming or (server_streaming is None and len(result.responses) > 1):
        return list(result.responses)
    return result.responses[0] if result.responses else None


def grpc_facts(result: CallResult, elapsed_ms: float, server_streaming: bool | None = None,
               *, keep_body: bool = True, max_body: int | None = None) -> ResponseFacts:
    """The :class:`ResponseFacts` of a finished call: what the window's Tests tab and the
    runner check. ``max_body`` bounds the body kept (its JSON text, in bytes)."""
    document = grpc_body(result, server_streaming)
    large = result.received_bytes > _PIECE * max(1, len(result.responses))
    text = _json_text(document) if not large else _dumps_in_pieces(document, 2)
    raw = text.encode("utf-8")
    lists: dict[str, list[str]] = {}
    for name, value in result.headers:
        lists.setdefault(name.lower(), []).append(value)
    from_headers = set(lists)
    for name, value in result.trailers:
        if name.lower() not in from_headers:  # a header of the same name comes first
            lists.setdefault(name.lower(), []).append(value)
    dropped = ""
    body: bytes | None = raw if keep_body else None
    if keep_body and max_body is not None and len(raw) > max_body:
        body = None
        dropped = (f"the body ({len(raw):,} bytes of JSON) is larger than the "
                   f"{max_body:,} bytes a run keeps for checks")
    return ResponseFacts(  # its size: the answers' bytes on the wire, as History says
        GRPC_STATUS_CODES.get(result.code, GRPC_STATUS_CODES["UNKNOWN"]), elapsed_ms,
        result.received_bytes,
        {name: values[0] for name, values in lists.items()}, lists, body, "utf-8",
        "application/json", body_dropped=dropped, status_name=result.code)


def _json_text(body: Any) -> str:
    """``json.dumps(body)``; a stream's list a response at a time, as the same text: one call
    over 100,000 responses would hold the interpreter's lock for a tenth of a second, and
    the window checks a stream on a thread beside the one that draws it."""
    if not isinstance(body, list):
        return json.dumps(body, ensure_ascii=False)
    return "[" + ", ".join(json.dumps(item, ensure_ascii=False) for item in body) + "]"


#: The most characters of one string made JSON at once (see _dumps_in_pieces).
_PIECE = 1 << 20


def _dumps_in_pieces(value: Any, depth: int) -> str:
    """``json.dumps(value)`` of large responses (the same text), their objects and arrays
    ``depth`` levels down a member at a time and long strings a piece at a time: one call
    over a message with a 30 MB bytes field (40 MB of base64) holds the interpreter's lock
    for a tenth of a second, and the window's thread waits that long."""
    if isinstance(value, str) and len(value) > _PIECE:
        pieces = (json.dumps(value[start:start + _PIECE], ensure_ascii=False)[1:-1]
                  for start in range(0, len(value), _PIECE))
        return '"' + "".join(pieces) + '"'
    if depth and isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(key, ensure_ascii=False)}: "
                               f"{_dumps_in_pieces(item, depth - 1)}"
                               for key, item in value.items()) + "}"
    if depth and isinstance(value, list):
        return "[" + ", ".join(_dumps_in_pieces(item, depth - 1) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


@dataclass
class GrpcExchange:
    """One call of a run: the call as sent (None when it could not be composed) and how it
    ended; ``error`` says why it was not sent (then there are no ``facts``)."""

    call: GrpcCall | None
    error: str = ""
    result: CallResult | None = None
    facts: ResponseFacts | None = None

    @property
    def status(self) -> int | None:
        """The status code's number, once the call has ended."""
        if self.result is None:
            return None
        return GRPC_STATUS_CODES.get(self.result.code, GRPC_STATUS_CODES["UNKNOWN"])

    @property
    def reason(self) -> str:
        """The status code's name, with its message when the call failed."""
        if self.result is None:
            return ""
        details = f": {self.result.details}" if self.result.details and not self.result.ok \
            else ""
        return self.result.code + details


async def grpc_exchange(model: RequestModel, variables: Mapping[str, str], *,
                        timeout: float | None = None, keep_body: bool = True,
                        max_body: int | None = None,
                        workspace_root: str | os.PathLike[str] | None = None) -> GrpcExchange:
    """Make the call of ``model`` (in gRPC mode) with ``variables``; ``timeout`` (the run's
    ``--timeout``) bounds its deadline; a relative .proto, import, CA or certificate path
    (one a ``{{variable}}`` filled in, which the workspace file keeps as written) is under
    ``workspace_root``, not the process's folder. Never raises for what the request or the
    server does: a call that cannot be made is an :class:`GrpcExchange` with its ``error``."""
    from app.client.errors import ClientError

    try:
        call = grpc_call_of(model, variables, workspace_root=workspace_root)
    except ComposeError as exc:
        return GrpcExchange(None, f"not sent: {exc}")
    # The run's limit ends the call, not the request's own deadline: said as an error.
    by_the_run = timeout is not None and (call.deadline is None or call.deadline > timeout)
    if timeout is not None:
        call = replace(call, deadline=min(call.deadline or timeout, timeout))
    begun = time.perf_counter()
    try:
        result = await send(call)
    except (ClientError, OSError) as exc:
        # A message that does not fit its type, a method the server lacks, a bad file.
        return GrpcExchange(call, f"not sent: {exc}" if str(exc) else type(exc).__name__)
    elapsed = (time.perf_counter() - begun) * 1000
    from app.grpc.results import not_sent  # (loaded by the call: grpc is there by now)

    if by_the_run and result.code == "DEADLINE_EXCEEDED" and not not_sent(result):
        return GrpcExchange(call, f"no answer within {timeout:g} s, the run's time limit "
                            "(--timeout, else the request's total timeout)", result=result)
    if not_sent(result) and not any(check.enabled and check.target.strip() == "status"
                                    for check in model.asserts):
        return GrpcExchange(call, f"{result.code}: {result.details}", result=result)
    # The method's kind is known once the call has found it; a target that could not be
    # reached (or answered too late) is not asked again.
    streaming = None if result.code in _UNREACHED else await method_is_server_streaming(call)
    facts = grpc_facts(result, elapsed, streaming, keep_body=keep_body, max_body=max_body)
    return GrpcExchange(call, result=result, facts=facts)
