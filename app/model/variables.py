"""The vocabulary of ``{{variables}}``: one named value, and what a send substitutes.

A variable has one representation everywhere: in a workspace file's scope, in an import, in
the environment editor and in the hover preview.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Resolution", "Variable"]


@dataclass(frozen=True, slots=True)
class Variable:
    """A named value; a secret one's value belongs in the keyring, never in a file.

    ``source`` says where it was defined ("environment dev", "collection shop"), for the
    hover preview; it is empty where that does not matter.
    """

    name: str
    value: str = ""
    secret: bool = False
    source: str = ""


@dataclass(frozen=True, slots=True)
class Resolution:
    """What one send substitutes for its ``{{names}}``, and which of those values are secret
    (for redacting what the send leaves behind: its history entry, its error text)."""

    values: Mapping[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()
