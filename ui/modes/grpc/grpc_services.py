"""What the gRPC pane knows of the target's services: described by server reflection or from
the request's .proto files (``app.grpc.describe``, on the gRPC thread), and the typed message
checked against its method's input type off the UI thread. No widgets here.

Both are tasks of the tab's ``TaskRunner``: a new refresh replaces the one under way, and a
new check the one before it.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import json
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from ui.error_messages import describe_error

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from app.grpc import Method, Service
    from app.model.network_settings import NetworkConfig
    from app.model.request import RequestModel
    from ui.modes.base import VariablesSource
    from ui.tasks import TaskRunner

__all__ = ["GrpcServices", "check_message", "template_text"]

#: What the target of a describe from .proto files alone is (it is not used then): the
#: request's other fields are composed as for a call, which needs one.
_NO_TARGET = "localhost:1"
#: A stand-in method and message: a describe is composed as a call is, without them.
_PROBE_METHOD = "describe.Probe/Describe"


class GrpcServices(QObject):
    """The services of one tab's request, and checks of its message."""

    #: The services were described: a list of ``app.grpc.Service``.
    described = Signal(object)
    #: Describing failed: an ErrorText.
    describe_failed = Signal(object)
    #: The message was checked: None when it fits, else what is wrong (naming the field).
    checked = Signal(object)

    def __init__(self, runner: TaskRunner, key: str, parent: QObject | None = None,
                 network: Callable[[], NetworkConfig | None] | None = None,
                 workspace_root: Callable[[], Path | None] | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._network = network
        #: The window's workspace folder, which relative .proto and import paths are under.
        self._workspace_root = workspace_root
        self._describe_key = f"{key} / describe"
        self._check_key = f"{key} / check message"
        #: The services last described (empty: none yet).
        self.services: list[Service] = []
        self.describing = False

    def method(self, full_name: str) -> Method | None:
        """The described method ``pkg.Service/Method`` or ``pkg.Service.Method`` (None: not
        among them)."""
        from app.client.errors import UsageError
        from app.grpc.descriptors import split_method

        try:
            name = "/".join(split_method(full_name))
        except UsageError:
            return None
        for service in self.services:
            for method in service.methods:
                if method.full_name == name:
                    return method
        return None

    def refresh(self, model: RequestModel, variables: VariablesSource | None) -> None:
        """Describe the services of ``model``'s .proto files, else of its target by
        reflection."""
        self.describing = True
        self._runner.start(self._describe_key, self._describe(model, variables),
                           on_result=self._on_described, on_error=self._on_describe_failed)

    def check(self, text: str, method: Method | None, model: RequestModel,
              variables: VariablesSource | None) -> None:
        """Check ``text`` against the input type of ``method`` (``checked`` tells)."""
        if method is None or not text.strip():
            self._runner.cancel(self._check_key)
            self.checked.emit(None)
            return
        pool = next((s.pool for s in self.services if s.pool is not None
                     and any(m is method for m in s.methods)), None)
        if pool is None:
            self.checked.emit(None)
            return
        self._runner.start(self._check_key, self._check(text, method, pool, model, variables),
                           on_result=self.checked.emit,
                           on_error=lambda exc: self.checked.emit(describe_error(exc).detail))

    def forget(self) -> None:
        """Let the services described go (and a describe under way): they are another
        request's."""
        self._runner.cancel(self._describe_key)
        self.describing = False
        self.services = []

    def dispose(self) -> None:
        self._runner.cancel(self._describe_key)
        self._runner.cancel(self._check_key)

    async def _describe(self, model: RequestModel,
                        source: VariablesSource | None) -> list[Service]:
        import app.grpc
        from app.model.compose_grpc import grpc_call_of
        from app.model.request import RequestOptions

        values = dict((await source(model)).values) if source is not None else {}
        probe = copy.deepcopy(model)
        probe.grpc = dataclasses.replace(model.grpc, method=_PROBE_METHOD, message="{}")
        if model.grpc.protos:
            # .proto files need no target: a URL being typed, its metadata and TLS options
            # have no say (grpc_call_of would refuse "grpc://host" without its port).
            probe.url, probe.headers, probe.options = _NO_TARGET, [], RequestOptions()
        call = grpc_call_of(
            probe, values,
            workspace_root=self._workspace_root() if self._workspace_root is not None else None,
            network=self._network() if self._network is not None else None)
        return await app.grpc.describe(
            None if call.protos else call.target, protos=call.protos,
            import_paths=call.import_paths, metadata=call.metadata, **call.channel_keywords())

    def _on_described(self, services: list[Service]) -> None:
        self.describing = False
        self.services = services
        self.described.emit(services)

    def _on_describe_failed(self, exc: BaseException) -> None:
        self.describing = False
        from app.client.errors import UsageError
        from app.model.compose_errors import ComposeError

        if not isinstance(exc, ComposeError):
            # What was described before was another target's (or the files' before a
            # change), or the target's own answer has changed: its methods and types are
            # not offered now. A request whose own fields are wrong (a metadata row, a
            # variable) asked nothing of the target: what it described before stays.
            self.services = []
        text = describe_error(exc)
        if isinstance(exc, UsageError | ComposeError):
            # What keeps a request from being sent keeps its services from being described:
            # not a send.
            text = dataclasses.replace(text, title="Cannot describe the services")
        self.describe_failed.emit(text)

    async def _check(self, text: str, method: Method, pool: Any, model: RequestModel,
                     source: VariablesSource | None) -> str | None:
        from app.model.compose_errors import substitute
        from app.model.templating import unresolved

        if "{{" in text:
            values = dict((await source(model)).values) if source is not None else {}
            missing = unresolved(text, values)
            if missing:
                return f"Not checked: {{{{{missing[0]}}}}} is not defined"
            text = substitute(text, values, "message")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, check_message, text, method, pool)


def check_message(text: str, method: Method, pool: Any) -> str | None:
    """None when ``text`` is a message ``method`` takes as Call sends it (one JSON object,
    or an array of one; an array of any number for a client- or bidi-streaming method,
    none opening a stream that sends nothing yet), else what is wrong: the JSON's error and
    where, or the field that does not fit. Plain Python: run it off the UI thread."""
    from app.client.errors import UsageError
    from app.grpc.messages import message_class, parse_message
    from app.model.compose_grpc import KeyTwice, message_json

    try:
        value = message_json(text)
    except KeyTwice as exc:
        return str(exc)
    except json.JSONDecodeError as exc:
        return f"Not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
    except (ValueError, RecursionError) as exc:
        return f"Not JSON: {exc}"
    items = value if isinstance(value, list) else [value]
    if not method.client_streaming and len(items) != 1:  # the words of the call's refusal
        return f"{method.name} takes one message, not " + (
            f"{len(items)}: remove the array" if items else
            "an empty array: write one object (empty text sends {})")
    try:
        cls = message_class(pool, method.input_type)
        for index, item in enumerate(items):
            try:
                parse_message(cls, item, pool)
            except UsageError as exc:
                where = f"Message {index + 1}: " if len(items) > 1 else ""
                return f"{where}{exc}"
    except UsageError as exc:
        return str(exc)
    return None


def template_text(services: list[Service], method: Method) -> str:
    """The editor's text for a new message of ``method``: its input type's template (an
    array of one for a client- or bidi-streaming method, which may send several)."""
    import app.grpc

    body: Any = app.grpc.template(services, method.input_type)
    if method.client_streaming:
        body = [body]
    return json.dumps(body, indent=2, ensure_ascii=False)
