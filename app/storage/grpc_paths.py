"""The paths of a gRPC request's .proto files and import paths, as a workspace file keeps
them: relative to the workspace's folder when they are inside it (so that the workspace can
be moved, or cloned from git elsewhere), absolute otherwise; and back to absolute paths when
the file is read. A path that uses a ``{{variable}}`` is kept as it is, both ways."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path, PurePosixPath

from app.model.request import GrpcModel
from app.model.templating import VARIABLE

__all__ = ["grpc_for_file", "grpc_from_file"]


def _for_file(path: str, root: Path) -> str:
    if VARIABLE.search(path) or not os.path.isabs(path):
        return path
    try:
        inside = Path(os.path.normpath(path)).relative_to(os.path.abspath(root))
    except ValueError:
        return path  # outside the workspace: only an absolute path finds it again
    return PurePosixPath(*inside.parts).as_posix() if inside.parts else "."


def _from_file(path: str, root: Path) -> str:
    if VARIABLE.search(path) or not path or os.path.isabs(path) or path.startswith("~"):
        return path
    return os.path.normpath(os.path.join(os.path.abspath(root), *PurePosixPath(path).parts))


def grpc_for_file(grpc: GrpcModel, root: str | os.PathLike[str]) -> GrpcModel:
    """``grpc`` with its paths inside ``root`` made relative to it (``/``-separated)."""
    base = Path(root)
    return replace(grpc, protos=[_for_file(p, base) for p in grpc.protos],
                   import_paths=[_for_file(p, base) for p in grpc.import_paths])


def grpc_from_file(grpc: GrpcModel, root: str | os.PathLike[str]) -> GrpcModel:
    """``grpc`` as read from a file under ``root``: its relative paths made absolute."""
    base = Path(root)
    return replace(grpc, protos=[_from_file(p, base) for p in grpc.protos],
                   import_paths=[_from_file(p, base) for p in grpc.import_paths])
