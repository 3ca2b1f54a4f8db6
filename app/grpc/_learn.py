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
import threading
from typing import TYPE_CHECKING, Any

from app.client.errors import UsageError

from ._reflection import files_for_types
from .descriptors import add_files, holds_file, holds_type

if TYPE_CHECKING:
    from ._channels import Endpoint
    from .client import GrpcClient

__all__ = ["TypeLearner"]

#: Held while a learner looks up and notes what its target has asked.
_ASKING = threading.Lock()


class TypeLearner:
    """Called with the full names of types a pool did not know, blocking: True when any
    of them is known now (learnt by this call, or by another call of the target meanwhile,
    whose lookup it waits for). Any thread but the gRPC thread, where it learns nothing
    (the call would wait for itself)."""

    def __init__(self, client: GrpcClient, endpoint: Endpoint, pool: Any, metadata: Any,
                 asked: dict[str, concurrent.futures.Future[bool]]) -> None:
        self._client = client
        self._endpoint = endpoint
        self._pool = pool
        self._metadata = metadata
        #: The names asked for already, each with its lookup (the target's, shared by its
        #: methods).
        self._asked = asked

    def __call__(self, names: set[str]) -> bool:
        client = self._client
        if not names or client.thread.on_thread():
            return False
        limit = client.settings.describe_timeout
        mine = None
        with _ASKING:
            lookups = {self._asked[name] for name in names if name in self._asked}
            new = names - self._asked.keys()
            if new:
                mine = asyncio.run_coroutine_threadsafe(self._learn(new, limit),
                                                        client.thread.loop())
                self._asked.update(dict.fromkeys(new, mine))
                lookups.add(mine)
        for lookup in lookups:
            try:
                lookup.result(limit + 1.0)
            except (concurrent.futures.TimeoutError, concurrent.futures.CancelledError):
                if lookup is mine:  # (another call's is its own to give up)
                    lookup.cancel()
        return any(holds_type(self._pool, name) for name in names)

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
