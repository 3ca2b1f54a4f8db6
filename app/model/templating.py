"""The ``{{name}}`` grammar, in one place for everything that reads variables: composing a
request (``app.model.compose``), the workspace files (an auth field that only names a variable is
not a secret), the importers, and the window's highlighting (which must not import aiohttp
before its first frame, so this module imports nothing heavy).

A reference is ``{{`` + optional whitespace + a name + optional whitespace + ``}}``; a name is
one or more characters that are neither braces nor whitespace."""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["MAX_EXPANSION", "VARIABLE", "expanded_size", "names_a_variable", "resolve_nested",
           "unresolved"]

#: One ``{{name}}``; group 1 is the name.
VARIABLE = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")
#: A value that is, or would become, longer than this is not expanded by :func:`resolve_nested`.
_NESTED_LIMIT = 64 * 1024
#: How much one substitution may add to a text: a few KiB of references to a long variable in
#: a shared collection must not become gigabytes (2,000 references to 60 KB made 114 MiB).
MAX_EXPANSION = 16 * 1024 * 1024


def names_a_variable(value: str) -> bool:
    """Whether ``value`` is nothing but one ``{{variable}}`` (surrounding spaces allowed): it
    names a value, it does not hold one."""
    return VARIABLE.fullmatch(value.strip()) is not None


def unresolved(text: str, variables: Mapping[str, str]) -> list[str]:
    """The ``{{names}}`` in ``text`` that ``variables`` does not define."""
    return [m.group(1) for m in VARIABLE.finditer(text) if m.group(1) not in variables]


def expanded_size(text: str, variables: Mapping[str, str], *, skip: str = "") -> int:
    """The length ``text`` would have with each ``{{name}}`` that ``variables`` defines
    replaced (``skip`` names one left as it is), counted without building it."""
    if "{{" not in text:
        return len(text)
    size = len(text)
    for m in VARIABLE.finditer(text):
        name = m.group(1)
        if name in variables and name != skip:
            size += len(variables[name]) - len(m.group(0))
    return size


def resolve_nested(variables: Mapping[str, str], depth: int = 10) -> dict[str, str]:
    """``variables`` with ``{{names}}`` inside their values replaced by those variables'
    values, as Postman does (``base = {{host}}/api``). Names nothing defines stay as they are,
    and so do cycles once ``depth`` rounds have passed, and a value whose expansion would
    pass 64 KiB: ``app.model.compose.substitute`` itself stays a single literal pass."""
    resolved = dict(variables)
    for _ in range(depth):
        changed = False
        for name, value in resolved.items():
            if "{{" not in value or expanded_size(value, resolved, skip=name) > _NESTED_LIMIT:
                continue  # (values that refer to each other twice over grow exponentially)
            def inner(m: re.Match[str], own: str = name) -> str:
                found = m.group(1)
                return resolved[found] if found in resolved and found != own else m.group(0)

            new = VARIABLE.sub(inner, value)
            if new != value:
                resolved[name] = new
                changed = True
        if not changed:
            break
    return resolved
