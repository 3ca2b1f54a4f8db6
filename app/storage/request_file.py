"""The request file's format: one request as human-readable YAML (block scalars, a stable key
order, only what differs from the defaults), and back; its secrets as ``{secret: <ref>}``
references into a ``Secrets`` store. :mod:`app.storage.workspace` lays the files out.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from typing import Any

from app.model.checks import CheckError
from app.model.request import SECRET_AUTH_FIELDS, KeyValue, MultipartField, RequestModel
from app.model.templating import names_a_variable
from app.storage.file_paths import (
    grpc_for_file,
    grpc_from_file,
    options_for_file,
    options_from_file,
)
from app.storage.limited_read import InputTooLarge, read_limited
from app.storage.secrets import SecretStore

__all__ = ["ChangedOnDisk", "Secrets", "WorkspaceError", "dump_request"]


#: The order fields are written in (readable, stable, not alphabetical).
_REQUEST_ORDER = ("name", "method", "url", "mode", "params", "headers", "body", "auth",
                  "options", "ws_subprotocols", "ws_saved", "terminal", "grpc", "asserts",
                  "captures", "notes")
_BODY_ORDER = ("kind", "text", "graphql_variables", "graphql_operation", "file_path",
               "file_imported", "form", "multipart")
#: Characters YAML folds into a plain newline inside a block scalar: such text stays quoted.
_BLOCK_UNSAFE = re.compile("[\r\x85\u2028\u2029]")


class WorkspaceError(Exception):
    """A workspace file that cannot be read or understood (the message names the file)."""


class ChangedOnDisk(WorkspaceError):
    """A save refused: the request file is not what was read from it (another window, an
    editor or a ``git pull`` changed it), or it is gone (``deleted``). Nothing was written."""

    def __init__(self, path: Path, deleted: bool) -> None:
        what = "was deleted" if deleted else "was changed by something else"
        super().__init__(f"{path} {what} since it was opened; nothing was saved over it")
        self.path = path
        self.deleted = deleted


#: Where secret values live (the OS keyring, or memory in tests); the files keep the reference.
Secrets = SecretStore


def _random_hex() -> str:
    """32 random hex digits: a secret's reference, a temporary name."""
    import uuid  # at the first use: it loads `platform`, which an idle window never needs

    return uuid.uuid4().hex


# --- YAML text ---------------------------------------------------------------------------------
# PyYAML is loaded at the first file read or written (some 1.7 MiB): a window over an empty
# workspace never needs it.


@functools.cache
def _dumper() -> Any:
    """The dumper: block style, sequences indented under their key, multi-line text as ``|``
    scalars."""
    import yaml

    class Dumper(yaml.SafeDumper):
        def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
            super().increase_indent(flow, False)

    def represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
        if _BLOCK_UNSAFE.search(data):
            # Only a double-quoted scalar keeps these exactly (it escapes them).
            return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"')
        if "\n" in data:
            # The emitter falls back to a quoted scalar by itself when a block cannot hold
            # the text exactly (e.g. trailing spaces on a line).
            return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
        return dumper.represent_scalar("tag:yaml.org,2002:str", data)

    Dumper.add_representer(str, represent_str)
    return Dumper


def _dump(data: Any) -> bytes:
    import yaml

    text = yaml.dump(data, Dumper=_dumper(), sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=100)
    return text.encode("utf-8")


def _parse(path: Path, text: bytes | None = None) -> Any:
    """The YAML in ``path``; ``WorkspaceError`` with path and line when it cannot be parsed."""
    import yaml

    from app.storage.yaml_load import load_yaml

    try:
        raw = read_limited(path) if text is None else text
        # Bounded: aliases may not expand into a bomb (a cloned repository can hold one).
        return load_yaml(raw.decode("utf-8"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = exc.problem or exc.context or "invalid YAML"
        column = f", column {mark.column + 1}" if mark is not None else ""
        line = f" (line {mark.line + 1}{column})" if mark is not None else ""
        raise WorkspaceError(f"{where}: cannot parse{line}: {problem}") from exc
    except yaml.YAMLError as exc:
        raise WorkspaceError(f"{path}: cannot parse: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise WorkspaceError(f"{path}: not UTF-8 text: {exc}") from exc
    except InputTooLarge as exc:
        raise WorkspaceError(str(exc)) from exc
    except OSError as exc:
        raise WorkspaceError(f"{path}: cannot read: {exc.strerror or exc}") from exc


def _mapping(path: Path, data: Any) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise WorkspaceError(f"{path}: expected a mapping at the top, found {type(data).__name__}")
    return data


# --- request <-> file dict -------------------------------------------------------------------


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _row(item: KeyValue | MultipartField) -> dict[str, Any]:
    """A table row: name and value always, the other fields only when not the default."""
    default = type(item)()
    out: dict[str, Any] = {"name": item.name, "value": item.value}
    for key, value in vars(item).items():
        if key not in out and value != getattr(default, key):
            out[key] = value
    return out


def _secret_ref(value: Any) -> str | None:
    if isinstance(value, dict) and "secret" in value:
        return str(value["secret"])
    return None


def dump_request(model: RequestModel, secrets: Secrets,
                 old_refs: Mapping[str, str] | None = None,
                 root: str | Path | None = None) -> bytes:
    """The file text of ``model``; secret auth fields are stored in ``secrets`` (reusing
    ``old_refs`` so that an unchanged request gives the same bytes). An old reference the
    text no longer uses is left in ``secrets``: the caller deletes it once the file is
    written (:func:`_stale_refs`), so a failed write loses no secret. A gRPC request's
    paths inside ``root`` (the workspace's folder) are written relative to it."""
    return _dump(_request_data(model, secrets, old_refs or {}, root))


def _stale_refs(old_refs: Mapping[str, str], data: Mapping[str, Any]) -> set[str]:
    """The references in ``old_refs`` that the request ``data`` no longer holds (a token
    cleared, or turned into a ``{{variable}}``): their secrets are orphans."""
    return set(old_refs.values()) - set(_secret_refs(data).values())


def _request_data(model: RequestModel, secrets: Secrets, old_refs: Mapping[str, str],
                  root: str | Path | None = None) -> dict[str, Any]:
    default = RequestModel()
    out: dict[str, Any] = {}
    for key in _REQUEST_ORDER:
        value = getattr(model, key)
        if value == getattr(default, key):
            continue
        if key in ("params", "headers"):
            out[key] = [_row(kv) for kv in value]
        elif key == "body":
            body: dict[str, Any] = {}
            for sub in _BODY_ORDER:
                v = getattr(value, sub)
                if v == getattr(default.body, sub):
                    continue
                body[sub] = [_row(r) for r in v] if sub in ("form", "multipart") else _plain(v)
            out[key] = body
        elif key == "auth":
            auth: dict[str, Any] = {}
            for sub, v in vars(value).items():
                if v == getattr(default.auth, sub):
                    continue
                if sub in SECRET_AUTH_FIELDS and names_a_variable(v):
                    auth[sub] = v  # only names a variable (whose value may be secret)
                elif sub in SECRET_AUTH_FIELDS:
                    ref = old_refs.get(sub) or _random_hex()
                    if secrets.get(ref) != v:
                        secrets.set(ref, v)
                    auth[sub] = {"secret": ref}
                else:
                    auth[sub] = _plain(v)
            out[key] = auth
        elif key in ("options", "terminal", "grpc"):
            defaults = getattr(default, key)
            if key == "options":
                value = value.without_secrets()  # a typed passphrase stays out of the file
                if root is not None:
                    value = options_for_file(value, root)
            elif key == "grpc" and root is not None:
                value = grpc_for_file(value, root)
            out[key] = {sub: v for sub, v in vars(value).items()
                        if v != getattr(defaults, sub)}
        elif key == "ws_subprotocols":
            out[key] = list(value)
        elif key == "ws_saved":
            out[key] = [dict(m) for m in value]
        elif key in ("asserts", "captures"):
            out[key] = [item.to_dict() for item in value]
        else:
            out[key] = _plain(value)
    return out


def _where(path: Path, keys: tuple[str | int, ...]) -> str:
    """``path:line`` of the node ``keys`` lead to (read again: only a file with a bad
    check pays for the marks)."""
    from app.storage.yaml_load import line_of

    try:
        line = line_of(read_limited(path), keys)
    except (OSError, InputTooLarge):
        line = None
    return f"{path}:{line}" if line is not None else str(path)


def _secret_refs(data: Mapping[str, Any]) -> dict[str, str]:
    auth = data.get("auth")
    refs: dict[str, str] = {}
    if isinstance(auth, dict):
        for key in SECRET_AUTH_FIELDS:
            ref = _secret_ref(auth.get(key))
            if ref is not None:
                refs[key] = ref
    return refs


def _request_from(path: Path, data: dict[str, Any], secrets: Secrets,
                  root: Path | None = None) -> RequestModel:
    data = dict(data)
    auth = data.get("auth")
    if isinstance(auth, dict):
        auth = dict(auth)
        for key in SECRET_AUTH_FIELDS:
            ref = _secret_ref(auth.get(key))
            if ref is not None:
                auth[key] = secrets.get(ref) or ""
        data["auth"] = auth
    try:
        model = RequestModel.from_dict(data)
    except CheckError as exc:
        raise WorkspaceError(f"{_where(path, exc.where)}: {exc}") from exc
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise WorkspaceError(f"{path}: not a valid request: {exc}") from exc
    if root is not None:
        model.grpc = grpc_from_file(model.grpc, root)
        model.options = options_from_file(model.options, root)
    return model
