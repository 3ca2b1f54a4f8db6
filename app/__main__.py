"""The Spyglass entry point: ``spyglass`` and ``python -m app`` open the window;
``spyglass import ...``, ``spyglass export ...`` and ``spyglass run ...`` run the command
line (``app.cli``).

The only module of ``app`` allowed to import the window (``ui``)."""

from __future__ import annotations

import sys

from app import __version__

PROBE_FLAG = "--keyring-probe"  # app.storage.secrets.PROBE_FLAG, without importing it
#: app.graphql.analysis_worker.WORKER_FLAG, without importing graphql-core for every start.
GRAPHQL_WORKER_FLAG = "--graphql-worker"

__all__ = ["main"]


USAGE = """usage: spyglass [--version] [--self-check] [Qt options]
       spyglass import SOURCE --workspace DIR
       spyglass export DIR --format curl|har|postman [--include-secrets]
       spyglass run PATH [--env NAME] [--var NAME=VALUE]... [--data FILE] [--reporter ...]

A native desktop API explorer: HTTP with upload progress, Server-Sent Events, WebSocket,
terminals over WebSocket, GraphQL and gRPC.

  --self-check  print versions, check keyring, TLS certificates, the playground and Qt's
                platform plugins; exit status 1 when a check fails
  import        import curl commands, a Postman collection, an OpenAPI 3 document or a HAR
                file into a workspace (spyglass import --help)
  export        write a workspace's requests as curl, HAR or Postman to standard output
                (spyglass export --help)
  run           send a workspace's, folder's or file's requests (HTTP, GraphQL, gRPC) and
                check their asserts; exit 1 when one fails (spyglass run --help)"""

#: The first arguments that run the command line instead of the window.
COMMANDS = ("import", "export", "run")


def main(argv: list[str] | None = None) -> int:
    # Parsed by hand: argparse costs the first frame a few milliseconds for two flags.
    args = sys.argv[1:] if argv is None else list(argv)
    if args and args[0] in COMMANDS:
        from app.cli import main as cli_main  # argparse and the importers load only here

        return cli_main(args)
    if args == [PROBE_FLAG]:
        # Internal: KeyringSecrets.probe asks this from a child process, so that the window
        # learns whether a keyring exists without loading one (app.storage.secrets).
        from app.storage.secrets import probe_main

        return probe_main()
    if args == [GRAPHQL_WORKER_FLAG]:
        # Internal: the window's GraphQL editor analyses documents in this child process
        # (app.graphql.analysis_worker), the bundle's executable or ``python -m app``.
        from app.graphql.analysis_worker import worker_main

        return worker_main()
    if "--version" in args:
        print(f"spyglass {__version__}")
        return 0
    if "-h" in args or "--help" in args:
        print(USAGE)
        return 0
    if "--self-check" in args:
        from app.self_check import run_self_check
        from ui.self_check import qt_checks

        return run_self_check(qt_checks)
    from ui.app import run

    return run([sys.argv[0], *args])


if __name__ == "__main__":
    sys.exit(main())
