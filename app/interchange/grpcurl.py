"""Copy as grpcurl: a gRPC request as a `grpcurl <https://github.com/fullstorydev/grpcurl>`_
command, one option per line with `` \\`` continuations, every word shell-quoted.

``-plaintext`` for a ``grpc://`` (or bare ``host:port``) target, the TLS flags for
``grpcs://`` (``-cacert``, ``-cert``/``-key``, ``-insecure`` when the certificate is not
checked), ``-H`` for each metadata row, ``-import-path`` and ``-proto`` for .proto files
(without them grpcurl uses reflection, as Spyglass does), ``-max-time`` for the deadline,
``-d`` for the message (an array's objects one after another: how grpcurl streams them), then
the target and the method; the request's own proxy goes before it as ``HTTPS_PROXY=...``
(grpcurl has no option for one), ``NO_PROXY='*'`` when it has none. ``{{variables}}`` are
filled in from the values given; any left stay as they are. Relative paths (.proto files,
import paths, certificates) are made absolute under the workspace's folder, as the call takes
them: the command runs from any folder. What grpcurl cannot take (a PKCS#12 certificate, an
encrypted key) is said in comment lines before the command.
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Mapping

from app.model.compose_errors import ComposeError
from app.model.compose_grpc import exported_paths, grpc_target
from app.model.request import RequestModel, RequestOptions
from app.model.templating import VARIABLE

__all__ = ["to_grpcurl"]


def _fill(text: str, variables: Mapping[str, str]) -> str:
    return VARIABLE.sub(lambda m: variables.get(m.group(1), m.group(0)), text)


def _data(text: str) -> str:
    """The ``-d`` text: the message as typed, an array's objects one per line ("" for
    ``[]``, which sends none); ``{}`` for no message, which Spyglass sends as one empty
    message (grpcurl without ``-d`` sends none on a client stream)."""
    if not text.strip():
        return "{}"
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return text  # as typed: grpcurl says what is wrong with it
    if isinstance(value, list):
        return "\n".join(json.dumps(item, ensure_ascii=False) for item in value)
    return text.strip()


def _inside(path: str, folder: str) -> bool:
    """Whether the absolute ``path`` is under ``folder`` (False for a relative one)."""
    if not os.path.isabs(folder):
        return False
    folder = os.path.normpath(folder)
    return os.path.commonpath([os.path.normpath(path), folder]) == folder


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def to_grpcurl(model: RequestModel, variables: Mapping[str, str] | None = None, *,
               workspace_root: str | os.PathLike[str] | None = None) -> str:
    """``model`` (a gRPC request) as a grpcurl command; relative paths under
    ``workspace_root`` (as typed without it)."""
    values = dict(variables or {})

    def paths(texts: list[str]) -> list[str]:
        return exported_paths([_fill(text, values) for text in texts], workspace_root)

    def path(text: str) -> str:  # "" for none
        return next(iter(paths([text])), "")

    grpc = model.grpc
    url = _fill(model.url.strip(), values)
    try:
        target, tls = grpc_target(url)
    except ComposeError:
        # Not host:port (yet): written as typed, without a scheme grpcurl would not take.
        target, tls = url.partition("://")[2] or url, url.lower().startswith("grpcs://")
    lines: list[list[str]] = []
    #: What grpcurl cannot do that the request does, as comment lines before the command.
    notes: list[str] = []
    options = model.options
    if not tls:
        lines.append(["-plaintext"])
    else:
        if not options.verify_tls:
            lines.append(["-insecure"])
        if ca := path(options.ca_file):
            lines.append(["-cacert", ca])
        if options.client_cert_mode == "files" and (cert := path(options.client_cert)):
            key = path(options.client_key) or cert
            lines.append(["-cert", cert, "-key", key])
            notes.extend(_certificate_notes(cert, path(options.client_key),
                                            bool(options.client_cert_passphrase.strip())))
    for row in model.headers:
        if row.enabled and row.name.strip():
            name, value = _fill(row.name.strip(), values).lower(), _fill(row.value, values)
            # The headers gRPC sets itself go by grpcurl's own flags, as Spyglass sends them
            # by the channel's options (grpc-go drops a user-agent given with -H, and sends
            # a host one beside its :authority).
            if name == "user-agent":
                lines.append(["-user-agent", value])
            elif name in ("host", ":authority"):
                lines.append(["-authority", value])
            else:
                lines.append(["-H", f"{name}: {value}"])
    imports = paths(grpc.import_paths)
    protos = paths(grpc.protos)
    for proto in protos:
        # grpcurl wants an absolute .proto inside an import path (and one at least, when a
        # path is absolute): its folder, as Spyglass itself adds it (app.grpc.descriptors).
        if os.path.isabs(proto) and not any(_inside(proto, place) for place in imports):
            imports.append(os.path.dirname(proto))
    if protos:  # (grpcurl ignores import paths without .proto files, and says so)
        lines.extend(["-import-path", place] for place in imports)
        lines.extend(["-proto", proto] for proto in protos)
    if grpc.deadline is not None:
        lines.append(["-max-time", _seconds(grpc.deadline)])
    lines.append(["-d", _data(_fill(grpc.message, values))])
    method = _fill(grpc.method.strip(), values).lstrip("/")
    lines.append([target, method])
    first = " ".join([*_proxy_environment(options, values), "grpcurl"])
    command = " \\\n  ".join([first, *(" ".join(shlex.quote(w) for w in line) for line in lines)])
    return "".join(f"# {note}\n" for note in notes) + command


def _certificate_notes(cert: str, key: str, passphrase: bool) -> list[str]:
    """What grpcurl cannot take of a client certificate: it reads PEM files only, with a
    key that is not encrypted."""
    if not key and cert.lower().endswith((".p12", ".pfx")):
        return ["grpcurl reads PEM files only: convert the PKCS#12 file first (openssl pkcs12 "
                "-in FILE -out FILE.pem -nodes) and give that as -cert and -key"]
    if passphrase:
        return ["grpcurl cannot decrypt a key: give it one that is not encrypted (openssl pkey "
                "-in KEY -out KEY.plain)"]
    return []


def _proxy_environment(options: RequestOptions, values: Mapping[str, str]) -> list[str]:
    """The request's own proxy as grpcurl takes one (it has no option: Go's gRPC reads
    ``HTTPS_PROXY`` for every target, credentials in the URL), or none; the window's proxy
    is not the request's and stays out, as in Copy as curl."""
    if options.proxy_mode == "url" and options.proxy_url.strip():
        return [f"HTTPS_PROXY={shlex.quote(_fill(options.proxy_url.strip(), values))}"]
    if options.proxy_mode == "none":
        return ["NO_PROXY='*'"]
    return []
