"""What a run will do, worked out before anything is sent (SPEC §9).

:func:`prepare_run` reads every request file the run covers, the environment and the data
file, and checks that every variable a request uses has a value in each data row. Any of
that going wrong is a :class:`RunConfigError` (``spyglass run`` exits 2) naming the file,
and nothing is sent. Blocking (files, the keyring): the window calls it off its thread.

Variables, from the weakest: the collection's (outer folders first), the environment's,
``SPYGLASS_VAR_<NAME>`` from the process environment (only for a name nothing above
defines, or a secret the keyring cannot give: CI machines have no keyring), the data row's
columns, ``--var``, and last the runtime scope of values captured during the run.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.model.request import RequestModel
from app.model.templating import VARIABLE
from app.storage.secrets import SecretStore, SecretsUnavailable
from app.storage.workspace import COLLECTION_FILE, REQUEST_SUFFIX, Workspace, WorkspaceError
from app.storage.yaml_load import InputTooLarge, read_limited

__all__ = [
    "ENV_PREFIX",
    "MAX_DATA_BYTES",
    "RunConfigError",
    "RunItem",
    "RunPlan",
    "RunSecrets",
    "environment_value",
    "find_workspace",
    "plan_of_models",
    "prepare_run",
    "read_data_file",
    "used_variables",
]

#: Process environment variables named ``SPYGLASS_VAR_<NAME>`` give ``{{NAME}}``.
ENV_PREFIX = "SPYGLASS_VAR_"
#: The largest data file read (it is read whole: one row an iteration).
MAX_DATA_BYTES = 64 * 1024 * 1024


class RunConfigError(Exception):
    """The run cannot start: a request file that cannot be read, an unknown environment, a
    data file that cannot be read or lacks a column. The message names the file."""


class RunSecrets(SecretStore):
    """The run's view of a secret store: it only reads, and a store that cannot be reached
    (no keyring on a CI machine) reads as holding nothing, once said in ``unavailable``."""

    def __init__(self, store: SecretStore) -> None:
        self._store = store
        #: Why the store could not be read ("" while it could).
        self.unavailable = ""

    def get(self, ref: str) -> str | None:
        if self.unavailable:
            return None
        try:
            return self._store.get(ref)
        except SecretsUnavailable as exc:
            self.unavailable = str(exc)
            return None

    def set(self, ref: str, value: str) -> None:
        raise SecretsUnavailable("a run writes no secrets")

    def delete(self, ref: str) -> None:
        raise SecretsUnavailable("a run deletes no secrets")

    def available(self) -> bool:
        return not self.unavailable


@dataclass
class RunItem:
    """One request of the run: its file, folder (``"Shop/Orders"``), model, and the
    variables its folders give it."""

    path: Path
    collection: str
    model: RequestModel
    collection_variables: dict[str, str] = field(default_factory=dict)
    #: The ``{{names}}`` the request uses anywhere (URL, headers, body, auth, assert values).
    uses: frozenset[str] = frozenset()

    @property
    def label(self) -> str:
        """``Shop/Orders/Get order``: the folder and the request's name."""
        return f"{self.collection}/{self.model.name}" if self.collection else self.model.name

    @property
    def captures(self) -> frozenset[str]:
        return frozenset(c.name for c in self.model.captures if c.enabled)


@dataclass
class RunPlan:
    """Everything a run needs, read and checked. ``workspace`` is None for requests that are
    not in one (:func:`plan_of_models`: the Getting-started "Run me" folder)."""

    workspace: Workspace | None
    items: list[RunItem]
    #: The environment's variables, secrets resolved where they could be.
    environment: dict[str, str] = field(default_factory=dict)
    #: The values of secret variables (masked in every report).
    secret_values: list[str] = field(default_factory=list)
    #: Variables from ``SPYGLASS_VAR_<NAME>``, for names the environment leaves without one.
    from_process: dict[str, str] = field(default_factory=dict)
    rows: list[dict[str, str]] = field(default_factory=list)
    data_file: Path | None = None
    warnings: list[str] = field(default_factory=list)
    #: What the report names as run (default: the workspace's folder).
    target: str = ""

    def __post_init__(self) -> None:
        if not self.target and self.workspace is not None:
            self.target = str(self.workspace.root)


def find_workspace(path: Path) -> tuple[Path, str | None, Path | None]:
    """``(root, collection, request file)`` for ``path``: a workspace folder, a collection
    folder in one (it holds ``collection.yaml``), or a request file. The root is the first
    folder above that is not a collection."""
    if not path.exists():
        raise RunConfigError(f"{path}: no such file or folder")
    file: Path | None = None
    folder = path.resolve()
    if folder.is_file():
        if folder.suffix != REQUEST_SUFFIX or folder.name == COLLECTION_FILE:
            raise RunConfigError(f"{path}: not a request file (a .yaml file in a collection)")
        file, folder = folder, folder.parent
    if not (folder / COLLECTION_FILE).exists() and file is None:
        return folder, None, None
    root = folder
    while (root / COLLECTION_FILE).exists() and root.parent != root:
        root = root.parent
    if root == folder:  # a request file whose folder has no collection.yaml
        root = folder.parent
    return root, folder.relative_to(root).as_posix(), file


def used_variables(model: RequestModel) -> frozenset[str]:
    """Every ``{{name}}`` ``model`` uses, anywhere it may be substituted."""
    text = json.dumps(model.to_dict(), ensure_ascii=False, default=str)
    return frozenset(m.group(1) for m in VARIABLE.finditer(text))


def environment_value(name: str, environ: Mapping[str, str]) -> str | None:
    """``SPYGLASS_VAR_<name>``, or with the name in capitals and anything but letters and
    digits as ``_`` (``api-key`` -> ``SPYGLASS_VAR_API_KEY``)."""
    exact = environ.get(ENV_PREFIX + name)
    if exact is not None:
        return exact
    shouted = "".join(c if c.isascii() and c.isalnum() else "_" for c in name).upper()
    return environ.get(ENV_PREFIX + shouted)


def _cell(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False)


def read_data_file(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file (a header line, then one row an iteration) or a JSON file
    (an array of objects); each row's columns are variables. :class:`RunConfigError` naming
    the file when it cannot be read or holds no rows."""
    try:
        raw = read_limited(path, MAX_DATA_BYTES)
        text = raw.decode("utf-8-sig")
    except InputTooLarge as exc:
        raise RunConfigError(f"data file {exc}") from None
    except UnicodeDecodeError as exc:
        raise RunConfigError(f"data file {path}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise RunConfigError(f"data file {path}: cannot read: {exc.strerror or exc}") from None
    if path.suffix.lower() == ".json" or text.lstrip().startswith(("[", "{")):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise RunConfigError(f"data file {path}: not JSON: {exc}") from None
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise RunConfigError(f"data file {path}: a JSON data file is an array of objects "
                                 "(one an iteration)")
        rows = [{str(k): _cell(v) for k, v in r.items()} for r in data]
    else:
        try:
            reader = csv.reader(io.StringIO(text, newline=""))
            lines = [line for line in reader if line]
        except csv.Error as exc:
            raise RunConfigError(f"data file {path}: not CSV: {exc}") from None
        if not lines:
            raise RunConfigError(f"data file {path}: empty (a header line, then a row an "
                                 "iteration)")
        header = [name.strip() for name in lines[0]]
        if any(not name for name in header) or len(set(header)) != len(header):
            raise RunConfigError(f"data file {path}: the header line needs a distinct name "
                                 "for every column")
        rows = []
        for number, line in enumerate(lines[1:], start=2):
            if len(line) != len(header):
                raise RunConfigError(f"data file {path}: line {number} has {len(line)} "
                                     f"values for {len(header)} columns")
            rows.append(dict(zip(header, line, strict=True)))
    if not rows:
        raise RunConfigError(f"data file {path}: no rows")
    return rows


def _items(workspace: Workspace, collection: str | None, file: Path | None,
           text_filter: str) -> list[RunItem]:
    if file is not None:
        entries = [(collection or "", [file])]
    else:
        try:
            walked = workspace.walk()
        except (WorkspaceError, OSError) as exc:
            raise RunConfigError(str(exc)) from None
        entries = [(c, paths) for c, paths in walked
                   if collection is None or c == collection or c.startswith(collection + "/")]
    items: list[RunItem] = []
    variables: dict[str, dict[str, str]] = {}
    needle = text_filter.casefold()
    for folder, paths in entries:
        for path in paths:
            try:
                model = workspace.load_request(path)
            except WorkspaceError as exc:
                raise RunConfigError(f"cannot read a request file: {exc}; nothing was sent"
                                     ) from None
            item = RunItem(path, folder, model)
            if needle and needle not in item.label.casefold() \
                    and needle not in path.name.casefold():
                continue
            if folder not in variables:
                try:
                    variables[folder] = workspace.collection_variables(folder) if folder else {}
                except (WorkspaceError, OSError) as exc:
                    raise RunConfigError(str(exc)) from None
            item.collection_variables = variables[folder]
            item.uses = used_variables(model)
            items.append(item)
    return items


def prepare_run(path: str | Path, secrets: SecretStore, *, environment: str | None = None,
                variables: Mapping[str, str] | None = None, data_file: str | Path | None = None,
                text_filter: str = "", environ: Mapping[str, str] | None = None) -> RunPlan:
    """Read and check everything a run of ``path`` needs; :class:`RunConfigError` when it
    cannot start."""
    environ = os.environ if environ is None else environ
    root, collection, file = find_workspace(Path(path))
    store = RunSecrets(secrets)
    workspace = Workspace(root, store)
    items = _items(workspace, collection, file, text_filter)
    if not items:
        what = f" matching {text_filter!r}" if text_filter else ""
        raise RunConfigError(f"{path}: no requests to run{what}")
    plan = RunPlan(workspace, items)
    if environment is not None:
        if environment not in workspace.list_environments():
            known = ", ".join(workspace.list_environments()) or "none"
            raise RunConfigError(f"no environment {environment!r} in {root} (known: {known})")
        try:
            specs = workspace.load_environment_variables(environment)
        except WorkspaceError as exc:
            raise RunConfigError(str(exc)) from None
        for name, spec in specs.items():
            value = str(spec["value"])
            if spec.get("missing") or (spec["secret"] and not value):
                given = environment_value(name, environ)
                if given is None:
                    plan.warnings.append(
                        f"the secret {name} of environment {environment} has no value here "
                        f"(set {ENV_PREFIX}{name} where there is no keyring)")
                value = given if given is not None else ""
            plan.environment[name] = value
            if spec["secret"] and value:
                plan.secret_values.append(value)
    used = frozenset().union(*(item.uses for item in items))
    for name in sorted(used - plan.environment.keys()):
        given = environment_value(name, environ)
        if given is not None:
            plan.from_process[name] = given
    if data_file is not None:
        plan.data_file = Path(data_file)
        plan.rows = read_data_file(plan.data_file)
        _check_columns(plan, variables or {})
    if store.unavailable:
        plan.warnings.append(f"the keyring cannot be read ({store.unavailable}): secrets read "
                             f"as empty unless {ENV_PREFIX}<NAME> gives them")
    return plan


def plan_of_models(models: Sequence[RequestModel], collection: str, *,
                   variables: Mapping[str, str] | None = None,
                   secret_values: Sequence[str] = (), target: str = "") -> RunPlan:
    """A plan for requests held in memory, not in a workspace (the window's Getting-started
    "Run me" folder), in the order given, with ``variables`` as their environment
    (``secret_values`` masked in every report); :class:`RunConfigError` when there are none."""
    items = [RunItem(Path(collection), collection, copy.deepcopy(model),
                     uses=used_variables(model)) for model in models]
    if not items:
        raise RunConfigError(f"{collection}: no requests to run")
    plan = RunPlan(None, items, dict(variables or {}), [v for v in secret_values if v],
                   target=target or collection)
    return plan


def _check_columns(plan: RunPlan, given: Mapping[str, str]) -> None:
    """Each row must give every variable a request uses that nothing else gives."""
    captured: set[str] = set()
    for item in plan.items:
        defined = (captured | item.collection_variables.keys() | plan.environment.keys()
                   | plan.from_process.keys() | given.keys())
        for name in sorted(item.uses - defined):
            lacking = [n for n, row in enumerate(plan.rows, start=1) if name not in row]
            if lacking:
                where = "" if len(lacking) == len(plan.rows) else f" in row {lacking[0]}"
                raise RunConfigError(f"data file {plan.data_file}: no column {name!r}{where}, "
                                     f"which {item.label} uses")
        captured |= item.captures
