"""Curl command lines: one or several in a text, and a folder tree back to commands.

Commands are separated by blank lines or simply start on a new line; a ``# Shop/Orders / Name``
comment line before a command (what :func:`export_curl` writes) puts it in that collection
folder under that name. A plain ``# text`` comment names the command that follows it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.interchange.common import (
    comment_text,
    folder_name,
    make_safe,
    request_name,
    withhold_secrets,
)
from app.interchange.curl import curl_notes, is_curl_command, parse_curl, to_curl
from app.interchange.document import MAX_IMPORT_BYTES, within_bounds
from app.interchange.model import Folder, ImportResult, InterchangeError
from app.interchange.shell_words import QuoteTracker
from app.model.request import RequestModel

__all__ = ["export_curl", "import_curl", "split_commands"]

DEFAULT_COLLECTION = "curl import"


_WINDOWS = re.compile(r'^\s*curl(?:\.exe)?\s+\^"', re.IGNORECASE)


def _continues(line: str, marks: str = "\\^") -> bool:
    """Whether ``line`` ends with a line continuation (bash's ``\\``, cmd.exe's ``^``)."""
    stripped = line.rstrip()
    return bool(stripped) and stripped[-1] in marks


def _open_quote(lines: list[str], quotes: QuoteTracker) -> bool:
    """Whether the command in ``lines`` (which ``quotes`` has read) still has a quote open."""
    if _WINDOWS.match(lines[0]) or _continues(lines[0], "^"):
        # cmd.exe quoting (Chrome's ^" and carets): rare, and short; ask the parser itself
        try:
            parse_curl("\n".join(lines))
        except ValueError as exc:
            return "unclosed quote" in str(exc)
        return False
    return quotes.state != ""


def split_commands(text: str) -> list[tuple[str, int, str]]:
    """The curl commands in ``text``: ``(comment before it, first line number, command)``."""
    out: list[tuple[str, int, str]] = []
    # Only "\n" ends a line: a body may hold "\r", "\x0c" or "\u2028", which splitlines()
    # would take for line ends.
    lines = text.lstrip("\ufeff").split("\n")
    comment = ""
    current: list[str] = []
    quotes = QuoteTracker()
    start = 0
    for number, line in enumerate(lines, start=1):
        if current:
            if _continues(current[-1]) or _open_quote(current, quotes):
                current.append(line)
                quotes.feed(line)
                continue
            out.append((comment, start, "\n".join(current)))
            current, comment = [], ""
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            comment = stripped.lstrip("#").strip()
            continue
        if not is_curl_command(line):
            raise InterchangeError(f"Line {number} is not a curl command: "
                                   f"{stripped[:40]!r}")
        current, start = [line], number
        quotes = QuoteTracker()
        quotes.feed(line)
    if current:
        out.append((comment, start, "\n".join(current)))
    return out


def _child(parent: Folder, name: str) -> Folder:
    for folder in parent.folders:
        if folder.name == name:
            return folder
    folder = Folder(name)
    parent.folders.append(folder)
    return folder


@within_bounds
def import_curl(text: str, *, name: str | None = None, limit: int = MAX_IMPORT_BYTES
                ) -> ImportResult:
    """The requests of the curl commands in ``text``, in one collection (``name``, or the
    collections their ``# collection / name`` comments say); ``text`` over ``limit`` bytes
    is refused (by :func:`~app.interchange.document.within_bounds`)."""
    commands = split_commands(text)
    if not commands:
        raise InterchangeError("No curl command found")
    result = ImportResult("curl", title=name or "")
    tops: dict[str, Folder] = {}
    default = folder_name(name or DEFAULT_COLLECTION)
    for comment, line, command in commands:
        try:
            model = parse_curl(command)
        except ValueError as exc:
            raise InterchangeError(f"The curl command on line {line}: {exc}") from None
        result.warnings += [f"The curl command on line {line}: {note}"
                            for note in curl_notes(command)]
        path, sep, title = comment.partition(" / ")
        if not sep:
            path, title = "", comment
        model.name = title.strip() or request_name(model.method, model.url)
        parts = [folder_name(p) for p in path.split("/") if p.strip()] or [default]
        top = tops.get(parts[0])
        if top is None:
            top = tops[parts[0]] = Folder(parts[0])
            result.collections.append(top)
        folder = top
        for part in parts[1:]:
            folder = _child(folder, part)
        folder.requests.append(model)
    make_safe(result)
    return result


def export_curl(folders: Iterable[Folder], *, include_secrets: bool = False) -> str:
    """Every request as a curl command after a ``# collection / name`` comment line, the
    commands separated by blank lines. Without ``include_secrets`` the auth secrets are
    ``{{placeholders}}``."""
    chunks: list[str] = []
    for top in folders:
        for path, model in top.all_requests():
            chunks.append(_command(path, model, include_secrets))
    return "\n\n".join(chunks) + ("\n" if chunks else "")


def _command(path: str, model: RequestModel, include_secrets: bool) -> str:
    if not include_secrets:
        model = withhold_secrets(model)
    # Names echoed in a comment stay on its line: a folder named "x\ntouch PWNED" must not
    # become a second command of the script.
    return f"# {comment_text(path)} / {comment_text(model.name)}\n{to_curl(model)}"
