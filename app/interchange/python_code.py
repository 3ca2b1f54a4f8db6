"""Copy as Python: a request as a runnable script, using ``app.client`` or plain aiohttp.

``{{variables}}`` are replaced by the values given; any left unresolved stay in the text (and
a comment at the top lists them). Secrets are written into the script by default (it is the
user's own copy to run); with ``include_secrets=False`` each one is read from an environment
variable instead (``SPYGLASS_PASSWORD``, ``SPYGLASS_TOKEN``, ...).
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Mapping

from app.interchange.python_common import Values as _Values
from app.interchange.python_common import python_literal as _lit
from app.interchange.python_common import script as _script
from app.interchange.python_common import script_doc as _doc
from app.interchange.python_grpc import to_python_grpc
from app.model.graphql_body import operation_kind
from app.model.request import (
    BODY_CONTENT_TYPES,
    AuthKind,
    AuthModel,
    BodyKind,
    RequestMode,
    RequestModel,
)

__all__ = ["to_python_aiohttp", "to_python_client"]

def _url(model: RequestModel, values: _Values) -> str:
    url = values(model.url.strip())
    return url if "://" in url else "http://" + url


def _content_type(model: RequestModel, values: _Values) -> str | None:
    found = [values(h.value) for h in model.headers
             if h.enabled and h.name.strip().lower() == "content-type"]
    return found[-1] if found else None


def _file_type(path: str, content_type: str) -> str:
    return content_type or mimetypes.guess_type(path)[0] or "application/octet-stream"


def _open(path: str, values: _Values) -> str:
    return f"files.enter_context(open({values.lit(path)}, 'rb'))"


def _has_files(model: RequestModel) -> bool:
    body = model.body
    return body.kind is BodyKind.BINARY or (
        body.kind is BodyKind.MULTIPART and any(p.enabled and p.is_file and p.name
                                                for p in body.multipart))


def _oauth2_call(auth: AuthModel, v: _Values) -> tuple[str, str]:
    """The class and the constructor call of an OAuth 2.0 auth (its token is fetched by the
    script: none is written into it)."""
    secret = v.secret("client_secret", auth.client_secret) if auth.client_secret else None
    scope = f", scope={v.lit(auth.scope)}" if auth.scope.strip() else ""
    token_url, client_id = v.lit(auth.token_url.strip()), v.lit(auth.client_id.strip())
    client_secret = f", client_secret={secret}" if secret else ""
    if auth.grant == "password":
        return "OAuth2Password", (
            f"OAuth2Password({token_url}, {client_id}, {v.lit(auth.username)}, "
            f"{v.secret('password', auth.password)}{client_secret}{scope})")
    if auth.grant == "authorization_code":
        pkce = "" if auth.pkce else ", pkce=False"
        return "OAuth2AuthorizationCode", (
            f"OAuth2AuthorizationCode({v.lit(auth.authorize_url.strip())}, {token_url}, "
            f"{client_id}{client_secret}{scope}{pkce})")
    if auth.grant == "device_code":
        return "OAuth2DeviceCode", (
            f"OAuth2DeviceCode({v.lit(auth.device_url.strip())}, {token_url}, {client_id}"
            f"{scope})")
    audience = f", audience={v.lit(auth.audience)}" if auth.audience.strip() else ""
    where = ", client_auth='body'" if auth.client_auth == "body" else ""
    return "OAuth2ClientCredentials", (
        f"OAuth2ClientCredentials({token_url}, {client_id}, {secret or repr('')}"
        f"{scope}{audience}{where})")


def _auth_lines(auth: AuthModel, v: _Values, names: set[str]) -> list[str]:
    """The line that sets the request's auth (none without one), indented by 4; the
    ``app.client`` names it uses are added to ``names``."""
    lines: list[str] = []
    add = lines.append
    if auth.kind in (AuthKind.BASIC, AuthKind.DIGEST):
        cls = "BasicAuth" if auth.kind is AuthKind.BASIC else "DigestAuth"
        names.add(cls)
        add(f"request.auth = {cls}({v.lit(auth.username)}, "
            f"{v.secret('password', auth.password)})")
    elif auth.kind is AuthKind.BEARER:
        names.add("BearerAuth")
        add(f"request.auth = BearerAuth({v.secret('token', auth.token.strip())})")
    elif auth.kind is AuthKind.API_KEY:
        names.add("APIKeyAuth")
        add(f"request.auth = APIKeyAuth({v.lit(auth.key_name.strip())}, "
            f"{v.secret('key_value', auth.key_value)}, {auth.key_location!r})")
    elif auth.kind is AuthKind.BACKENDAI:
        names.add("BackendAIAuth")
        add(f"request.auth = BackendAIAuth({v.lit(auth.access_key)}, "
            f"{v.secret('secret_key', auth.secret_key)}, api_version={v.lit(auth.api_version)}, "
            f"hash_type={auth.hash_type!r}, domain={v.lit(auth.domain)})")
    elif auth.kind is AuthKind.AWS_SIGV4:
        names.add("AWSSigV4Auth")
        token = (f", session_token={v.secret('session_token', auth.session_token)}"
                 if auth.session_token else "")
        add(f"request.auth = AWSSigV4Auth({v.lit(auth.access_key)}, "
            f"{v.secret('secret_key', auth.secret_key)}, {v.lit(auth.region)}, "
            f"{v.lit(auth.service)}{token})")
    elif auth.kind is AuthKind.OAUTH2:
        name, call = _oauth2_call(auth, v)
        names.add(name)
        add(f"request.auth = {call}")
    return ["    " + line for line in lines]


def _session_args(model: RequestModel, v: _Values) -> list[str]:
    options = model.options
    args = []
    if options.timeout is not None and options.timeout > 0:
        args.append(f"timeout={options.timeout!r}")
    if not options.verify_tls:
        args.append("verify=False")
    if options.ca_file:
        args.append(f"ca_file={v.lit(options.ca_file)}")
    if not options.follow_redirects:
        args.append("follow_redirects=False")
    return args


def _graphql_client(model: RequestModel, v: _Values, include_secrets: bool) -> str:
    """The script of a GraphQL body: ``execute`` (a POST, whatever the request's method), or
    ``subscribe`` for a subscription, printing each result as JSON."""
    body = model.body
    subscription = operation_kind(body) == "subscription"
    names = {"AsyncSession", "Request"}
    lines = [f"QUERY = {v.lit(body.text)}"]
    variables = v(body.graphql_variables).strip()
    lines.append(f"VARIABLES = json.loads({_lit(variables)})" if variables
                 else "VARIABLES = None")
    lines.append(f"OPERATION = {v.lit(body.graphql_operation) if body.graphql_operation else None}")
    lines += ["", "", "async def main() -> None:"]
    add = lines.append
    add(f"    async with AsyncSession({', '.join(_session_args(model, v))}) as session:")
    if model.method.strip().upper() not in ("POST", ""):
        add(f"        # execute() sends a POST: the request's method ({model.method.strip()}) "
            "is not used.")
    add(f"        request = Request(session, 'POST', {_lit(_url(model, v), 8)})")
    for row in model.headers:
        if row.enabled and row.name.strip():
            add(f"        request.headers.add({v.lit(row.name.strip())}, {v.lit(row.value)})")
    lines += ["    " + line for line in _auth_lines(model.auth, v, names)]
    if subscription:
        add("        async with subscribe(request, QUERY, VARIABLES, OPERATION) as results:")
        add("            async for result in results:")
        add("                print(json.dumps(result, indent=2))")
    else:
        add("        answer = await execute(request, QUERY, VARIABLES, OPERATION)")
        add("        print(json.dumps(answer, indent=2))")
    lines += ["", "", "asyncio.run(main())"]
    imports = ["import asyncio", "import json"]
    if not include_secrets and v.environment:
        imports.append("import os")
    imports += ["", f"from app.client import {', '.join(sorted(names))}",
                f"from app.graphql import {'subscribe' if subscription else 'execute'}"]
    return _script(_doc(model, "app.client and app.graphql"), imports, lines, v)


def to_python_client(model: RequestModel, variables: Mapping[str, str] | None = None, *,
                     include_secrets: bool = True) -> str:
    """A script that sends ``model`` with ``app.client`` (a synchronous ``Session``) and
    prints the status and body; for a GraphQL body, an asynchronous script that runs it with
    ``app.graphql.execute`` (``subscribe`` for a subscription) and prints each result."""
    if model.mode is RequestMode.GRPC:
        return to_python_grpc(model, variables, include_secrets=include_secrets)
    v = _Values(variables, include_secrets)
    if model.body.kind is BodyKind.GRAPHQL:
        return _graphql_client(model, v, include_secrets)
    names = {"Request", "Session"}
    files = _has_files(model)
    opening = f"with Session({', '.join(_session_args(model, v))}) as session"
    lines = [opening + (", ExitStack() as files:" if files else ":")]
    add = lines.append
    add(f"    request = Request(session, {model.method.strip() or 'GET'!r}, "
        f"{_lit(_url(model, v))})")
    for row in model.headers:
        if row.enabled and row.name.strip():
            add(f"    request.headers.add({v.lit(row.name.strip())}, {v.lit(row.value)})")
    lines += _auth_lines(model.auth, v, names)
    body = model.body
    explicit = _content_type(model, v)
    if body.kind in BODY_CONTENT_TYPES:
        content_type = explicit or BODY_CONTENT_TYPES[body.kind]
        add(f"    request.set_content({v.lit(body.text, 4)}, content_type={content_type!r})")
    elif body.kind is BodyKind.FORM:
        add("    request.set_form([")
        for row in body.form:
            if row.enabled and row.name:
                add(f"        ({v.lit(row.name)}, {v.lit(row.value, 8)}),")
        add("    ])")
    elif body.kind is BodyKind.MULTIPART:
        add("    request.set_multipart([")
        for part in body.multipart:
            if not part.enabled or not part.name:
                continue
            if part.is_file:
                names.add("AttachedFile")
                path = v(part.value)
                add(f"        ({v.lit(part.name)}, AttachedFile("
                    f"{os.path.basename(path)!r}, {_open(part.value, v)}, "
                    f"{_file_type(path, part.content_type)!r})),")
            else:
                add(f"        ({v.lit(part.name)}, {v.lit(part.value, 8)}),")
        add("    ])")
    elif body.kind is BodyKind.BINARY:
        content_type = explicit or _file_type(v(body.file_path), "")
        add(f"    request.set_content({_open(body.file_path, v)}, "
            f"content_type={content_type!r})")
    add("    with request.fetch(check_status=False) as response:")
    add("        print(response.status, response.reason)")
    add("        print(response.text())")
    imports = []
    if files:
        imports.append("from contextlib import ExitStack")
    if not include_secrets and v.environment:
        imports.insert(0, "import os")
    if imports:
        imports.append("")
    imports.append(f"from app.client import {', '.join(sorted(names))}")
    return _script(_doc(model, "app.client"), imports, lines, v)


def to_python_aiohttp(model: RequestModel, variables: Mapping[str, str] | None = None, *,
                      include_secrets: bool = True) -> str:
    """A script that sends ``model`` with plain aiohttp and prints the status and body.
    Backend.AI and AWS SigV4 signing and OAuth 2.0 need ``app.client``: those auths are left
    out here (a comment says so). A gRPC request is a script on ``app.grpc`` (aiohttp does
    not speak gRPC)."""
    if model.mode is RequestMode.GRPC:
        return to_python_grpc(model, variables, include_secrets=include_secrets)
    v = _Values(variables, include_secrets)
    options = model.options
    files = _has_files(model)
    headers = [(v.lit(h.name.strip()), v.lit(h.value)) for h in model.headers
               if h.enabled and h.name.strip()]
    session_args: list[str] = []
    request_args: list[str] = []
    notes: list[str] = []
    auth = model.auth
    if auth.kind is AuthKind.BASIC:
        # UTF-8, as app.client sends it (aiohttp's default is Latin-1)
        request_args.append(f"auth=aiohttp.BasicAuth({v.lit(auth.username)}, "
                            f"{v.secret('password', auth.password)}, encoding='utf-8')")
    elif auth.kind is AuthKind.DIGEST:
        session_args.append(f"middlewares=(aiohttp.DigestAuthMiddleware({v.lit(auth.username)}, "
                            f"{v.secret('password', auth.password)}),)")
    elif auth.kind is AuthKind.BEARER:
        headers.append(("'Authorization'",
                        f"'Bearer ' + {v.secret('token', auth.token.strip())}"))
    elif auth.kind is AuthKind.API_KEY:
        pair = (v.lit(auth.key_name.strip()), v.secret("key_value", auth.key_value))
        if auth.key_location == "query":
            request_args.append(f"params=[({pair[0]}, {pair[1]})]")
        else:
            headers.append(pair)
    elif auth.kind in (AuthKind.BACKENDAI, AuthKind.AWS_SIGV4, AuthKind.OAUTH2):
        what = {AuthKind.BACKENDAI: "Backend.AI signing", AuthKind.AWS_SIGV4: "AWS SigV4 signing",
                AuthKind.OAUTH2: "OAuth 2.0"}[auth.kind]
        notes.append(f"            # {what} is left out: use Copy as Python "
                     "(app.client) for it.")
    body = model.body
    explicit = _content_type(model, v)
    data: list[str] = []
    if body.kind in BODY_CONTENT_TYPES:
        if explicit is None:
            headers.append(("'Content-Type'", repr(BODY_CONTENT_TYPES[body.kind])))
        data = [f"data={v.lit(body.text, 12)}.encode()"]
    elif body.kind is BodyKind.FORM:
        rows = [f"({v.lit(r.name)}, {v.lit(r.value)})" for r in body.form
                if r.enabled and r.name]
        data = [f"data=aiohttp.FormData([{', '.join(rows)}])"]
    elif body.kind is BodyKind.MULTIPART:
        data = ["data=form"]
    elif body.kind is BodyKind.BINARY:
        if explicit is None:
            headers.append(("'Content-Type'", repr(_file_type(v(body.file_path), ""))))
        data = [f"data={_open(body.file_path, v)}"]
    timeout = options.timeout if options.timeout is not None and options.timeout > 0 else None
    lines = ["async def main() -> None:"]
    add = lines.append
    add(f"    timeout = aiohttp.ClientTimeout(total=None, sock_connect={timeout!r}, "
        f"sock_read={timeout!r})")
    if options.ca_file:
        add(f"    ssl_context = ssl.create_default_context(cafile={v.lit(options.ca_file)})")
    opening = ("    async with aiohttp.ClientSession("
               + ", ".join(["timeout=timeout", *session_args]) + ") as session")
    add(opening + (", AsyncExitStack() as files:" if files else ":"))
    if body.kind is BodyKind.MULTIPART:
        add("        form = aiohttp.FormData(default_to_multipart=True)")
        for part in body.multipart:
            if not part.enabled or not part.name:
                continue
            if part.is_file:
                path = v(part.value)
                add(f"        form.add_field({v.lit(part.name)}, {_open(part.value, v)}, "
                    f"filename={os.path.basename(path)!r}, "
                    f"content_type={_file_type(path, part.content_type)!r})")
            else:
                extra = f", content_type={part.content_type!r}" if part.content_type else ""
                add(f"        form.add_field({v.lit(part.name)}, {v.lit(part.value, 8)}{extra})")
    add("        async with session.request(")
    add(f"            {model.method.strip() or 'GET'!r},")
    add(f"            {_lit(_url(model, v), 12)},")
    if headers:
        add("            headers=[")
        for name, value in headers:
            add(f"                ({name}, {value}),")
        add("            ],")
    for arg in [*data, *request_args]:
        add(f"            {arg},")
    if not options.follow_redirects:
        add("            allow_redirects=False,")
    if not options.verify_tls:
        add("            ssl=False,")
    elif options.ca_file:
        add("            ssl=ssl_context,")
    lines += notes
    add("        ) as response:")
    add("            print(response.status, response.reason)")
    add("            print(await response.text())")
    add("")
    add("")
    add("asyncio.run(main())")
    imports = ["import asyncio"]
    if not include_secrets and v.environment:
        imports.append("import os")
    if options.ca_file and options.verify_tls:
        imports.append("import ssl")
    if files:
        imports.append("from contextlib import AsyncExitStack")
    imports += ["", "import aiohttp", ""]
    return _script(_doc(model, "aiohttp"), imports, lines, v)
