"""curl's client certificate argument, and a request's own proxy and certificate as curl
options (``-x``/``-U``, ``--noproxy``, ``--cert``/``--key``/``--cert-type``); pure text."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from app.model.request import RequestOptions

__all__ = ["cert_arg", "network_args"]


def cert_arg(value: str) -> tuple[str, str]:
    """``--cert file[:passphrase]`` as curl splits it: at the first ``:`` not escaped with
    ``\\`` (a Windows drive letter ``C:\\`` is part of the file)."""
    if re.match(r"[A-Za-z]:[\\/]", value):
        drive, rest = value[:2], value[2:]
    else:
        drive, rest = "", value
    path: list[str] = []
    i = 0
    while i < len(rest):
        char = rest[i]
        if char == "\\" and i + 1 < len(rest) and rest[i + 1] == ":":
            path.append(":")
            i += 2
            continue
        if char == ":":
            return drive + "".join(path), rest[i + 1:]
        path.append(char)
        i += 1
    return drive + "".join(path), ""


def network_args(options: RequestOptions) -> list[list[str]]:
    """The request's own proxy and client certificate (the window's are not the request's:
    they stay out). A proxy password goes in ``-U``, a passphrase after the file, as curl
    takes them."""
    args: list[list[str]] = []
    if options.proxy_mode == "none":
        args.append(["--noproxy", "*"])
    elif options.proxy_mode == "url" and options.proxy_url.strip():
        url = options.proxy_url.strip()
        scheme, sep, rest = url.partition("://")
        credentials, at, host = rest.rpartition("@") if sep else url.rpartition("@")
        if at:
            try:
                parts = urlsplit(url if sep else "http://" + url)
                user, password = parts.username or "", parts.password
            except ValueError:
                user, password = credentials, None
            bare = f"{scheme}://{host}" if sep else host
            args.append(["-x", bare])
            pair = unquote(user) + (f":{unquote(password)}" if password is not None else "")
            args.append(["-U", pair])
        else:
            args.append(["-x", url])
    if options.client_cert_mode == "files" and options.client_cert:
        path = options.client_cert.replace(":", "\\:")
        phrase = options.client_cert_passphrase
        args.append(["--cert", f"{path}:{phrase}" if phrase else path])
        if options.client_key:
            args.append(["--key", options.client_key])
        elif options.client_cert.lower().endswith((".p12", ".pfx")):
            args.append(["--cert-type", "P12"])
    return args
