"""What ``compose`` raises and how it fills in ``{{variables}}``: in a module of their own so
that the helpers compose uses (``app.model.graphql_body``) raise the same error without
importing compose itself."""

from __future__ import annotations

from collections.abc import Mapping

from app.model.templating import MAX_EXPANSION, VARIABLE, expanded_size, unresolved

__all__ = ["ComposeError", "substitute"]


class ComposeError(ValueError):
    """A request that cannot be sent as composed; ``field`` is where the user should look."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


def substitute(text: str, variables: Mapping[str, str], where: str) -> str:
    """Replace ``{{name}}`` with its value; an unknown name is a :class:`ComposeError`."""
    missing = unresolved(text, variables)
    if missing:
        names = ", ".join(f"{{{{{n}}}}}" for n in dict.fromkeys(missing))
        raise ComposeError(where, f"Unresolved variable {names} in the {where}")
    if expanded_size(text, variables) > len(text) + MAX_EXPANSION:
        raise ComposeError(where, f"The variables in the {where} expand to more than "
                                  f"{MAX_EXPANSION >> 20} MiB: not sent")
    return VARIABLE.sub(lambda m: variables[m.group(1)], text)
