"""A method resolved from its descriptors: what a call of it needs, from any thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.client.errors import UsageError

from .messages import decode_status_details, parse_message, to_json

__all__ = ["DEFAULT_LIMIT", "Resolved"]

#: The largest message by default (:attr:`~.client.GrpcSettings.max_message_bytes`).
DEFAULT_LIMIT = 64 << 20


@dataclass
class Resolved:
    """A method ready to call: its path, message classes and the pool its JSON uses."""

    path: str
    input: Any
    output: Any
    pool: Any
    client_streaming: bool
    server_streaming: bool
    limit: int = DEFAULT_LIMIT
    #: Learns the types of opaque ``Any`` s (blocking; :mod:`._learn`): reflection's.
    learn: Callable[[set[str]], bool] | None = None

    def parse(self, message: object) -> Any:
        """The message to send; ``UsageError`` when it does not fit its type or is larger
        than the client's limit (grpc would fail it with a bare "internal error")."""
        parsed = parse_message(self.input, message, self.pool)
        size = parsed.ByteSize()
        if size > self.limit:
            raise UsageError(f"The message is {size} bytes, more than the limit of "
                             f"{self.limit} (max_message_bytes)")
        return parsed

    def json(self, message: Any, unknown: set[str] | None = None) -> dict[str, Any]:
        """``message`` as JSON; the types of ``Any`` s shown opaque go into ``unknown``."""
        return to_json(message, self.pool, unknown)

    def learn_details(self, trailers: Any) -> None:
        """Learn the types of the error details in ``trailers`` that the pool lacks
        (blocking: a stream's reader thread), for their result to show them."""
        if self.learn is None:
            return
        unknown: set[str] = set()
        decode_status_details(trailers, self.pool, unknown)
        if unknown:
            self.learn(unknown)

    def learning_json(self, message: Any) -> dict[str, Any]:
        """:meth:`json`, shown again once opaque ``Any`` s' types are learnt (blocking: a
        stream's reader thread)."""
        unknown: set[str] | None = set() if self.learn is not None else None
        data = to_json(message, self.pool, unknown)
        if unknown and self.learn is not None and self.learn(unknown):
            data = to_json(message, self.pool)
        return data
