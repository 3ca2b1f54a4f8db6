"""Copy as Python for a gRPC request: a runnable script that makes the call with
``app.grpc.call`` (grpcio underneath; the types by reflection, or from the .proto files the
request names) and prints how it ended and every response as JSON.

``{{variables}}`` are replaced by the values given; any left unresolved stay in the text (and
a comment at the top lists them), as in :mod:`app.interchange.python_code`. Relative paths
(.proto files, import paths, certificates) are made absolute under the workspace's folder,
as the call takes them: the script runs from any folder.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

from app.interchange.python_common import Values, python_literal, script, script_doc
from app.model.compose_errors import ComposeError
from app.model.compose_grpc import exported_paths, grpc_target
from app.model.request import RequestModel

__all__ = ["to_python_grpc"]


def _messages(text: str, v: Values) -> str:
    """The expression of the messages: the typed JSON read by ``json.loads`` (one object
    in a list; an array as it is)."""
    filled = v(text)
    if not filled.strip():
        return "[{}]"
    try:
        is_array = isinstance(json.loads(filled), list)
    except (ValueError, RecursionError):
        is_array = False  # the script's json.loads says what is wrong with it
    loads = f"json.loads({python_literal(filled, 12)})"
    return loads if is_array else f"[{loads}]"


def _client_cert(cert: str, key: str, passphrase: str, v: Values) -> str:
    """The ``client_cert=`` of a certificate file, its key file ("" when the certificate
    file holds it: a PEM with its key, or a PKCS#12 file) and passphrase (of an encrypted
    key, or of the PKCS#12 file), as the request's call is given them."""
    secret = passphrase.strip()
    if key:
        parts = [python_literal(cert), python_literal(key)]
        if secret:
            parts.append(python_literal(v(secret)))
        return f"({', '.join(parts)})"
    if secret:  # a (cert, key, ...) tuple wants a key file: this form takes none
        return f"ClientCertificate({python_literal(cert)}, password={python_literal(v(secret))})"
    return python_literal(cert)


def to_python_grpc(model: RequestModel, variables: Mapping[str, str] | None = None, *,
                   include_secrets: bool = True,
                   workspace_root: str | os.PathLike[str] | None = None) -> str:
    """A script that makes the gRPC call of ``model`` and prints the status, the headers and
    trailers, the error details and each response. Metadata values are written as they are
    (``include_secrets`` has no auth to hold back: a gRPC request sends none); relative
    paths under ``workspace_root`` (as typed without it)."""
    del include_secrets  # the same signature as the other Copy-as-Python writers
    v = Values(variables, True)

    def paths(texts: list[str]) -> list[str]:
        return exported_paths([v(text) for text in texts], workspace_root)

    def path(text: str) -> str:  # "" for none
        return next(iter(paths([text])), "")

    grpc = model.grpc
    url = v(model.url.strip())
    try:
        target, tls = grpc_target(url)
    except ComposeError:
        target, tls = url.partition("://")[2] or url, url.lower().startswith("grpcs://")
    options = model.options
    method = v(grpc.method.strip()).lstrip("/")
    args = [python_literal(target), python_literal(method), _messages(grpc.message, v)]
    keywords: list[str] = []
    protos = paths(grpc.protos)
    if protos:
        keywords.append(f"protos={protos!r}")
        places = paths(grpc.import_paths)
        if places:
            keywords.append(f"import_paths={places!r}")
    metadata = [(v(r.name.strip()).lower(), v(r.value)) for r in model.headers
                if r.enabled and r.name.strip()]
    if metadata:
        keywords.append(f"metadata={metadata!r}")
    if grpc.deadline is not None:
        keywords.append(f"deadline={grpc.deadline!r}")
    if tls:
        keywords.append("tls=True")
        if not options.verify_tls:
            keywords.append("verify=False")
        elif ca := path(options.ca_file):
            keywords.append(f"ca_file={python_literal(ca)}")
        if options.client_cert_mode == "files" and (cert := path(options.client_cert)):
            chosen = _client_cert(cert, path(options.client_key),
                                  options.client_cert_passphrase, v)
            keywords.append(f"client_cert={chosen}")
    if options.proxy_mode == "url" and options.proxy_url.strip():
        # The request's own (the window's proxy is not the request's, as in Copy as curl).
        keywords.append(f"proxy={python_literal(v(options.proxy_url.strip()))}")
    call = ",\n            ".join([*args, *keywords])
    body = [
        "async def main() -> None:",
        "    try:",
        "        result = await app.grpc.call(",
        f"            {call})",
        "    finally:",
        "        app.grpc.close()",
        "    print(result.code, result.details)",
        "    for name, value in result.headers:",
        "        print(f'{name}: {value}')",
        "    for detail in result.error_details:",
        "        print(json.dumps(detail, indent=2))",
        "    for response in result.responses:",
        "        print(json.dumps(response, indent=2, ensure_ascii=False))",
        "    for name, value in result.trailers:",
        "        print(f'{name}: {value}')",
        "",
        "",
        "asyncio.run(main())",
    ]
    imports = ["import asyncio", "import json", "", "import app.grpc", ""]
    if any(keyword.startswith("client_cert=ClientCertificate(") for keyword in keywords):
        imports[-1:] = ["from app.client.tls import ClientCertificate", ""]
    return script(script_doc(model, "app.grpc"), imports, body, v)
