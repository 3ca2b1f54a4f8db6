"""curl's ``--aws-sigv4`` both ways: ``--aws-sigv4 "aws:amz:REGION:SERVICE" --user AK:SK``.

curl's argument is ``provider1[:provider2[:region[:service]]]``; where the region or the
service is left out, curl takes it from an AWS host name (``SERVICE.REGION.amazonaws.com``),
and so does this. A session token travels as curl has it, in an ``X-Amz-Security-Token``
header, which becomes the auth's ``session_token`` (and back).
"""

from __future__ import annotations

import re

from app.model.request import AuthKind, AuthModel, KeyValue

__all__ = ["SECURITY_TOKEN", "aws_sigv4_args", "aws_sigv4_auth"]

SECURITY_TOKEN = "X-Amz-Security-Token"
#: ``service.region.amazonaws.com`` (``service.region.amazonaws.com.cn`` in China).
_AWS_HOST = re.compile(r"(?i)(?:[^.]+\.)*?([a-z0-9-]+)\.([a-z]{2}(?:-[a-z]+)+-\d+)"
                       r"\.amazonaws\.com(?:\.cn)?")


def _host(url: str) -> str:
    rest = url.split("://", 1)[-1]
    return re.split(r"[/?#]", rest, maxsplit=1)[0].rsplit("@", 1)[-1].split(":", 1)[0]


def aws_sigv4_auth(spec: str, user: str | None, url: str, headers: list[KeyValue]
                   ) -> AuthModel:
    """The auth ``--aws-sigv4 spec`` with ``--user user`` says for ``url``; an
    ``X-Amz-Security-Token`` row is taken out of ``headers`` into the session token."""
    parts = spec.split(":")
    if not parts[0]:
        raise ValueError("--aws-sigv4 needs a provider, as in aws:amz:us-east-1:s3")
    region = parts[2] if len(parts) > 2 else ""
    service = parts[3] if len(parts) > 3 else ""
    found = _AWS_HOST.fullmatch(_host(url))
    if found is not None:
        service = service or found.group(1)
        region = region or found.group(2)
    access_key, _, secret_key = (user or "").partition(":")
    token = ""
    for row in list(headers):
        if row.enabled and row.name.lower() == SECURITY_TOKEN.lower():
            token = row.value
            headers.remove(row)
    return AuthModel(AuthKind.AWS_SIGV4, access_key=access_key, secret_key=secret_key,
                     region=region, service=service, session_token=token)


def aws_sigv4_args(auth: AuthModel) -> list[list[str]]:
    """The curl options that sign as ``auth`` does."""
    args = [["--aws-sigv4", f"aws:amz:{auth.region}:{auth.service}"],
            ["--user", f"{auth.access_key}:{auth.secret_key}"]]
    if auth.session_token:
        args.append(["-H", f"{SECURITY_TOKEN}: {auth.session_token}"])
    return args
