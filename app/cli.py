"""The command line: ``spyglass import``, ``spyglass export`` (SPEC §3) and ``spyglass run``
(SPEC §9, in :mod:`app.cli_run`).

::

    spyglass import SOURCE --workspace DIR    # SOURCE: a file, or - for standard input
    spyglass export DIR --format curl|har|postman [--include-secrets]
    spyglass run PATH [--env NAME] [--var NAME=VALUE]... [--data FILE] [--reporter junit]...

Secrets go to the OS keyring. An import that carries secrets when no keyring can keep them
stops before writing anything; one without secrets needs no keyring, and neither does a plain
export. Every failure is one line on standard error and a non-zero status (2 for a usage
error, 1 for the rest): never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from app.cli_run import add_run_parser, run_command
from app.interchange import (
    EXPORT_FORMATS,
    FORMATS,
    MAX_IMPORT_BYTES,
    InterchangeError,
    export_curl,
    export_har,
    export_postman,
    folders_from_workspace,
    import_into,
    import_text,
    secret_count,
)
from app.storage.secrets import KeyringSecrets, SecretStore, SecretsUnavailable
from app.storage.workspace import Workspace, WorkspaceError
from app.storage.yaml_load import (
    InputTooLarge,
    read_limited,
    read_stream_limited,
    size_text,
)

__all__ = ["main"]

PROG = "spyglass"


class _Failure(Exception):
    """A failure to report in one line, with the exit status."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Import requests into a Spyglass workspace, export them, or "
                               "run them with their asserts.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    imp = commands.add_parser(
        "import", help="import requests into a workspace",
        description="Import curl commands, a Postman collection v2.1, an OpenAPI 3 document "
                    "(JSON or YAML) or a HAR file into a workspace, as a new collection. "
                    "Secrets go to the OS keyring.")
    imp.add_argument("source", metavar="SOURCE", help="the file to import, or - for stdin")
    imp.add_argument("--workspace", "-w", metavar="DIR", required=True,
                     help="the workspace folder (created when missing)")
    imp.add_argument("--format", choices=FORMATS, default=None,
                     help="the format of SOURCE (default: detected)")
    imp.add_argument("--name", metavar="NAME", default=None,
                     help="the name of the new collection (default: the document's title)")
    exp = commands.add_parser(
        "export", help="export a workspace's requests to standard output",
        description="Write the requests of a workspace to standard output. Secrets are left "
                    "out (as {{placeholders}}) unless --include-secrets is given.")
    exp.add_argument("workspace", metavar="DIR", help="the workspace folder")
    exp.add_argument("--format", "-f", choices=EXPORT_FORMATS, required=True)
    exp.add_argument("--include-secrets", action="store_true",
                     help="write passwords, tokens and secret variables (from the keyring)")
    exp.add_argument("--collection", "-c", metavar="NAME", action="append", default=None,
                     help="export only this collection (or Shop/Orders folder); repeatable")
    add_run_parser(commands)
    return parser


def _read_source(source: str, stdin: TextIO | None) -> str:
    if source == "-":
        stream = stdin if stdin is not None else sys.stdin
        if stream is None:
            raise _Failure("cannot read standard input: there is none")
        buffer = getattr(stream, "buffer", None)
        try:
            # One past the limit, so an endless stream stops as one too large.
            text = (read_stream_limited(buffer, MAX_IMPORT_BYTES).decode("utf-8-sig")
                    if buffer is not None else stream.read(MAX_IMPORT_BYTES + 1))
        except UnicodeDecodeError as exc:
            raise _Failure(f"standard input is not UTF-8 text ({exc.reason} at byte "
                           f"{exc.start})") from None
        if len(text) > MAX_IMPORT_BYTES:
            raise _Failure(f"standard input is larger than {size_text(MAX_IMPORT_BYTES)}: "
                           "not read")
        return text
    path = Path(source)
    try:
        data = read_limited(path, MAX_IMPORT_BYTES)
    except InputTooLarge as exc:
        raise _Failure(str(exc)) from None
    except FileNotFoundError:
        raise _Failure(f"cannot read {source}: no such file") from None
    except IsADirectoryError:
        raise _Failure(f"cannot read {source}: it is a folder, not a file") from None
    except OSError as exc:
        raise _Failure(f"cannot read {source}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _Failure(f"{source} is not UTF-8 text ({exc.reason} at byte {exc.start})"
                       ) from None


def _workspace_dir(text: str, *, create: bool) -> Path:
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise _Failure(f"the workspace {text} is not a folder")
    if not path.exists():
        if not create:
            raise _Failure(f"the workspace {text} does not exist")
        try:
            path.mkdir(parents=True)
        except OSError as exc:
            raise _Failure(f"cannot create the workspace {text}: {exc.strerror or exc}"
                           ) from None
    return path


def _import(args: argparse.Namespace, secrets: SecretStore | None, stdin: TextIO | None,
            out: TextIO, err: TextIO) -> int:
    where = "standard input" if args.source == "-" else args.source
    text = _read_source(args.source, stdin)
    try:
        result = import_text(text, args.format, name=args.name)
    except InterchangeError as exc:
        raise _Failure(f"{where}: {exc}") from None
    if not result.request_count:
        raise _Failure(f"{where}: no requests to import")
    store = secrets if secrets is not None else KeyringSecrets()
    count = secret_count(result)
    if count:
        try:
            usable = store.available()
        except SecretsUnavailable:
            usable = False
        if not usable:
            raise _Failure(_no_keyring(where, count))
    existed = Path(args.workspace).exists()
    root = _workspace_dir(args.workspace, create=True)
    try:
        report = import_into(Workspace(root, store), result)
    except SecretsUnavailable as exc:
        _tidy(root, existed)
        raise _Failure(f"{_no_keyring(where, count)} ({exc})") from None
    except (WorkspaceError, OSError) as exc:
        _tidy(root, existed)
        raise _Failure(f"cannot write into {args.workspace}: {exc}") from None
    for warning in report.warnings:
        print(f"{PROG} import: warning: {warning}", file=err)
    print(report.summary(args.workspace), file=out)
    return 0


def _no_keyring(where: str, count: int) -> str:
    values = f"{count} value{'s' if count != 1 else ''}"
    return (f"{where}: no system keyring is available, and {values} of this import belong "
            "in it (auth passwords, tokens, API keys and secret variables): nothing was "
            "imported. Unlock or install a keyring (GNOME Keyring, KWallet, macOS Keychain) "
            "and try again")


def _tidy(root: Path, existed: bool) -> None:
    """Remove a workspace folder this import created, when it stayed empty."""
    if not existed:
        with contextlib.suppress(OSError):
            root.rmdir()


def _export(args: argparse.Namespace, secrets: SecretStore | None, out: TextIO) -> int:
    root = _workspace_dir(args.workspace, create=False)
    store = secrets if secrets is not None else KeyringSecrets()
    workspace = Workspace(root, store)
    try:
        folders = folders_from_workspace(workspace, include_secrets=args.include_secrets,
                                         collections=args.collection)
    except SecretsUnavailable as exc:
        raise _Failure(f"cannot read the secrets for --include-secrets: {exc}") from None
    except WorkspaceError as exc:
        raise _Failure(str(exc)) from None
    except OSError as exc:
        raise _Failure(f"cannot read {args.workspace}: {exc.strerror or exc}") from None
    if args.collection and not folders:
        raise _Failure(f"no collection {args.collection[0]!r} in {args.workspace}")
    if args.format == "curl":
        text = export_curl(folders, include_secrets=args.include_secrets)
    elif args.format == "har":
        text = export_har(folders, include_secrets=args.include_secrets)
    else:
        name = None if len(folders) == 1 else (root.resolve().name or "Spyglass export")
        text = export_postman(folders, name=name, include_secrets=args.include_secrets)
    _write(out, text)
    return 0


def _write(out: TextIO, text: str) -> None:
    """UTF-8 whatever the console's encoding (JSON and curl text may hold any character)."""
    buffer = getattr(out, "buffer", None)
    if buffer is not None:
        out.flush()
        buffer.write(text.encode("utf-8"))
        buffer.flush()
    else:
        out.write(text)
        out.flush()


def main(argv: Sequence[str] | None = None, *, secrets: SecretStore | None = None,
         stdin: TextIO | None = None, stdout: TextIO | None = None,
         stderr: TextIO | None = None) -> int:
    """Run ``spyglass import|export|run ...`` (``argv`` without the program name); the exit
    status. ``secrets`` replaces the OS keyring (tests use ``MemorySecrets``)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    parser = _parser()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(args_list)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed
        return exc.code if isinstance(exc.code, int) else 2
    try:
        if args.command == "import":
            return _import(args, secrets, stdin, out, err)
        if args.command == "run":
            return run_command(args, secrets if secrets is not None else KeyringSecrets(),
                               out, err)
        return _export(args, secrets, out)
    except _Failure as exc:
        print(f"{PROG} {args.command}: {exc}", file=err)
        return exc.status
    except BrokenPipeError:
        _quiet_stdout(out)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG} {args.command}: interrupted", file=err)
        return 130
    except Exception as exc:  # a bug: still one line, never a traceback in a terminal
        print(f"{PROG} {args.command}: unexpected error: {type(exc).__name__}: {exc}",
              file=err)
        return 1


def _quiet_stdout(out: TextIO) -> None:
    """After the reader of a pipe went away: point stdout at nothing, so that flushing it at
    exit does not raise again."""
    if out is sys.stdout:
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":
    sys.exit(main())
