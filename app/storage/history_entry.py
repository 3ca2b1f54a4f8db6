"""What one send leaves in the history: :class:`Outcome` (how it went, as its mode's
controller saw it) and :class:`HistoryEntry` (what is stored), built and redacted by
:func:`entry_for`.

Apart from the database (``app.storage.history``, which re-exports these): the controllers
that report outcomes are loaded with the window, and SQLite is not needed before the History
page is shown or a send is recorded (bench/idle.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.model.request import RequestModel

__all__ = ["HistoryEntry", "Outcome", "entry_for", "redact"]


@dataclass(frozen=True)
class HistoryEntry:
    """One sent request: ``status`` is ``None`` when it failed, and ``error`` says why.

    ``request`` is JSON-compatible (method, URL, headers as a mapping or ``[name, value]``
    pairs, body, ...). ``id`` is ``None`` until the entry is stored.
    """

    method: str
    url: str
    status: int | None = None
    error: str | None = None
    duration: float = 0.0
    response_size: int = 0
    request: Mapping[str, Any] = field(default_factory=dict)
    time: float = field(default_factory=time.time)
    id: int | None = None

    @property
    def status_text(self) -> str:
        """The status as shown: an HTTP status number, or a gRPC call's code name (``OK``,
        ``NOT_FOUND``..., its number when the entry does not name it); empty when it
        failed."""
        if self.status is None:
            return ""
        if self.method == "GRPC":
            record = self.request.get("grpc")
            code = record.get("code") if isinstance(record, Mapping) else None
            if isinstance(code, str) and code:
                return code
        return str(self.status)

    def request_model(self) -> RequestModel:
        """The request as it was sent (secrets redacted), to open again in a tab.

        Raises ``ValueError`` saying why when the entry holds no request that can be read
        back (an entry from an older version, or one edited by hand)."""
        from app.model.request import RequestModel

        try:
            return RequestModel.from_dict(dict(self.request.get("model") or {}))
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise ValueError(str(exc) or type(exc).__name__) from exc


@dataclass(frozen=True)
class Outcome:
    """How one send went, as its mode's controller saw it: ``status`` is ``None`` when it
    failed, and ``error`` says why; ``url`` is where it ended (empty: the request's own URL).

    A session (a terminal) also says how it ended (``ended``: "closed by the server: 1000",
    "closed by you"...) and the program's ``exit_code`` when the protocol told it; never
    what was on its screen.

    A gRPC call's ``status`` is its numeric status code (0 is OK; a failed code is an answer,
    not an ``error``), ``code`` the code's name (empty: named after ``status``) and
    ``method`` the method called, its variables filled in (empty: the request's as typed)."""

    started: float
    duration: float
    status: int | None = None
    error: str | None = None
    url: str = ""
    size: int = 0
    ended: str = ""
    exit_code: int | None = None
    code: str = ""
    method: str = ""


def entry_for(model: RequestModel, outcome: Outcome, secrets: Iterable[str] = (), *,
              origin: str = "") -> HistoryEntry:
    """The history entry of ``model`` sent with ``outcome``, already redacted: the secret
    auth fields are blank, and the auth secrets, ``secrets`` (the secret variable values
    the send substituted), the API key's parameter and the sensitive headers are masked in
    every form they were sent in (:class:`~app.storage.redaction.Redactor`).

    A gRPC call is listed as method ``GRPC`` and URL ``<target>/<pkg.Service/Method>``; its
    request also records ``grpc``: the full method, the target and the status code's name."""
    from app.model.request import RequestMode
    from app.storage.redaction import Redactor  # with the first send (its patterns)

    redactor = Redactor.for_auth(model.auth, secrets)
    data = replace(model, auth=model.auth.without_secrets(),
                   options=model.options.without_secrets()).to_dict()
    headers = [[h.name, h.value] for h in model.headers if h.enabled]
    request: dict[str, Any] = {"model": data, "headers": headers, "origin": origin}
    if outcome.ended or outcome.exit_code is not None:
        request["session"] = {"ended": outcome.ended, "exit_code": outcome.exit_code}
    method, url = model.method, outcome.url or model.url
    if model.mode is RequestMode.GRPC:
        called = (outcome.method or model.grpc.method).strip().lstrip("/")
        method, request["grpc"] = "GRPC", _grpc_record(called, outcome, url)
        url = f"{url.rstrip('/')}/{called}"
    error = None if outcome.error is None else redactor.text(outcome.error)
    return HistoryEntry(method=method, url=redactor.text(url),
                        status=outcome.status, error=error, duration=outcome.duration,
                        response_size=outcome.size, request=redactor.value(request),
                        time=outcome.started)


def _grpc_record(called: str, outcome: Outcome, target: str) -> dict[str, Any]:
    from app.model.compose_grpc import GRPC_STATUS_CODES

    code = outcome.code
    if not code and outcome.status is not None:
        names = {number: name for name, number in GRPC_STATUS_CODES.items()}
        code = names.get(outcome.status, "")
    return {"method": called, "target": target, "code": code}


def redact(value: Any, secret_values: Iterable[str] = ()) -> Any:
    """Return a copy of JSON-like ``value`` with sensitive headers and secret values masked."""
    from app.storage.redaction import Redactor

    return Redactor(secret_values).value(value)
