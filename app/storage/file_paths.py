"""The paths a request names, as a workspace file keeps them: a gRPC request's .proto files
and import paths, and any request's CA file and client certificate and key (its options), so
that the workspace can be moved, or cloned from git elsewhere; and back to absolute paths when
the file is read. What is written:

- a path that uses a ``{{variable}}``, or one that is relative already (as typed:
  ``../protos``, ``~/include``), as it is;
- an absolute path inside the workspace's folder, relative to it (``protos/api.proto``);
- an absolute path outside it, relative too (``../protos/api.proto``) when it is close by:
  on the same drive, and the deepest folder it shares with the workspace's folder is below
  the filesystem's root and below the home folder (neither of them, nor a folder above the
  home folder). That is a repository whose protos sit beside its workspace folder, cloned
  elsewhere as a whole; and a ``../`` path the file held (read as an absolute one) is
  written back as it was;
- any other absolute path as it is: ``/usr/include``, another project under ``~``, another
  drive on Windows. Only an absolute path finds those again.

Written paths are ``/``-separated. Reading makes a relative path absolute under the
workspace's folder, ``..`` resolved by name (``os.path.normpath``), as a call resolves one
(:func:`app.model.compose_grpc.resolve_paths`), so what is written finds the same file.
(A gRPC call resolves a relative CA or certificate path typed in its options the same way;
an HTTP request still takes a typed relative CA path from the process's folder.)
Paths are compared by name; one not inside the workspace by name is compared again where
symbolic links lead (a workspace opened through a link, a .proto chosen by its real path),
and kept relative when it is inside there."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path, PurePath, PurePosixPath

from app.model.request import GrpcModel, RequestOptions
from app.model.templating import VARIABLE

__all__ = ["grpc_for_file", "grpc_from_file", "options_for_file", "options_from_file"]


def _for_file(path: str, root: Path) -> str:
    if VARIABLE.search(path) or not os.path.isabs(path):
        return path
    path, folder = os.path.normpath(path), os.path.abspath(root)
    try:
        inside = Path(path).relative_to(folder)
    except ValueError:
        try:
            inside = Path(os.path.realpath(path)).relative_to(os.path.realpath(folder))
        except ValueError:
            return _near(path, folder) or path
    return PurePosixPath(*inside.parts).as_posix() if inside.parts else "."


def _near(path: str, folder: str) -> str | None:
    """``path``, outside ``folder``, relative to it (``../...``) when it is close by (see the
    module's docstring), else None."""
    try:
        shared = os.path.commonpath([path, folder])
        relative = os.path.relpath(path, folder)
    except ValueError:  # another drive (Windows): no relative path leads there
        return None
    if shared == os.path.dirname(shared) or _holds_home(shared):
        return None  # the filesystem's root, or the home folder or above: elsewhere
    return PurePath(relative).as_posix()


def _holds_home(folder: str) -> bool:
    """Whether ``folder`` is the home folder or one above it."""
    home = os.path.expanduser("~")
    if not os.path.isabs(home):  # no home folder known
        return False
    try:
        above = os.path.commonpath([folder, os.path.normpath(home)])
    except ValueError:  # another drive
        return False
    return os.path.normcase(above) == os.path.normcase(folder)


def _from_file(path: str, root: Path) -> str:
    if VARIABLE.search(path) or not path or os.path.isabs(path) or path.startswith("~"):
        return path
    return os.path.normpath(os.path.join(os.path.abspath(root), *PurePosixPath(path).parts))


def grpc_for_file(grpc: GrpcModel, root: str | os.PathLike[str]) -> GrpcModel:
    """``grpc`` with its paths inside ``root``, or close by, made relative to it
    (``/``-separated)."""
    base = Path(root)
    return replace(grpc, protos=[_for_file(p, base) for p in grpc.protos],
                   import_paths=[_for_file(p, base) for p in grpc.import_paths])


def grpc_from_file(grpc: GrpcModel, root: str | os.PathLike[str]) -> GrpcModel:
    """``grpc`` as read from a file under ``root``: its relative paths made absolute."""
    base = Path(root)
    return replace(grpc, protos=[_from_file(p, base) for p in grpc.protos],
                   import_paths=[_from_file(p, base) for p in grpc.import_paths])


def options_for_file(options: RequestOptions, root: str | os.PathLike[str]) -> RequestOptions:
    """``options`` with the CA file and client certificate and key inside ``root``, or close
    by, made relative to it."""
    return _options_paths(options, lambda path: _for_file(path, Path(root)))


def options_from_file(options: RequestOptions,
                      root: str | os.PathLike[str]) -> RequestOptions:
    """``options`` as read from a file under ``root``: its relative paths made absolute."""
    return _options_paths(options, lambda path: _from_file(path, Path(root)))


def _options_paths(options: RequestOptions, change: Callable[[str], str]) -> RequestOptions:
    """``options`` with ``change`` made to each path they name."""
    return replace(options, ca_file=change(options.ca_file),
                   client_cert=change(options.client_cert),
                   client_key=change(options.client_key))
