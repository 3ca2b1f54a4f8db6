"""Captures: values taken from a response into variables for the requests that follow
(SPEC §9). Pure, like :mod:`app.runner.asserts`, whose targets they share."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from app.model.checks import CaptureModel, CheckError, parse_target
from app.runner.asserts import NotAvailable, ResponseFacts, target_value

__all__ = ["CaptureResult", "take", "variable_text"]


@dataclass
class CaptureResult:
    """One capture done: the variable's new value when ``ok``, else why not. A secret
    capture's value is for the run's variables only: reports show it masked."""

    capture: CaptureModel
    ok: bool
    value: str = ""
    message: str = ""


def variable_text(value: Any) -> str:
    """A captured value as a variable holds it: text as it is, anything else as JSON
    (``42``, ``true``, ``{"a": 1}``), so that it can go into a URL or a JSON body."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def take(capture: CaptureModel, facts: ResponseFacts) -> CaptureResult:
    """Read ``capture`` from ``facts``; a target that is absent or cannot be read is a
    result that says so, never an exception."""
    try:
        target = parse_target(capture.source)
        found, value = target_value(target, facts)
    except (CheckError, NotAvailable) as exc:
        return CaptureResult(capture, False, message=f"capture {capture.name}: {exc}")
    if not found:
        return CaptureResult(capture, False,
                             message=f"capture {capture.name}: {capture.source} is absent")
    return CaptureResult(capture, True, variable_text(value))
