"""Types an ``Any`` holds that no service names, learnt from the server's reflection.

Reflection describes the services and the files they import; a message packed in an
``Any`` (a response field, a ``google.rpc.Status`` detail of the server's own) is often of a
type none of them names, so its file never came. As grpcurl does, the type is asked for by
name (``file_containing_symbol``) once it is met, its files are added to the target's pool,
and the message is shown again, decoded. A type the server does not describe stays opaque
(``{"@type", "value": <base64>}``), and is not asked for again.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
from typing import TYPE_CHECKING, Any

from app.client.errors import UsageError

from ._reflection import files_for_types
from .descriptors import add_files, holds_file

if TYPE_CHECKING:
    from ._channels import Endpoint
    from .client import GrpcClient

__all__ = ["TypeLearner"]


class TypeLearner:
    """Called with the full names of types a pool did not know, blocking: True when any
    of them was learnt (the pool holds it now). Any thread but the gRPC thread, where it
    learns nothing (the call would wait for itself)."""

    def __init__(self, client: GrpcClient, endpoint: Endpoint, pool: Any, metadata: Any,
                 asked: set[str]) -> None:
        self._client = client
        self._endpoint = endpoint
        self._pool = pool
        self._metadata = metadata
        #: The names asked for already (the target's, shared by its methods).
        self._asked = asked

    def __call__(self, names: set[str]) -> bool:
        client = self._client
        names = names - self._asked
        if not names or client.thread.on_thread():
            return False
        self._asked.update(names)
        limit = client.settings.describe_timeout
        future = asyncio.run_coroutine_threadsafe(self._learn(names, limit),
                                                  client.thread.loop())
        try:
            return future.result(limit + 1.0)
        except (concurrent.futures.TimeoutError, concurrent.futures.CancelledError):
            future.cancel()
            return False

    async def _learn(self, names: set[str], limit: float) -> bool:
        """(On the gRPC thread.)"""
        pool = self._pool
        channel = self._client.channel(self._endpoint)
        channel.hold()  # reflection runs on its asyncio channel
        try:
            files = await files_for_types(channel.channel, names, self._metadata, limit,
                                          lambda name: holds_file(pool, name))
        finally:
            channel.release()
        if not files:
            return False
        with contextlib.suppress(KeyError, TypeError, ValueError, UsageError):
            add_files(pool, files)  # (one that does not link is left out: opaque)
            return True
        return False
