"""Postman's auth objects (collection v2.1) to :class:`~app.model.request.AuthModel` and back.

A Postman auth is ``{"type": KIND, KIND: [{"key": ..., "value": ...}, ...]}``. Basic, Digest,
Bearer, API key, OAuth 2.0 (``grant_type`` ``client_credentials``, ``password_credentials``,
``authorization_code`` and ``authorization_code_with_pkce``; the token endpoint in
``accessTokenUrl``, the sign-in page in ``authUrl``, the client secret sent as
``client_authentication`` ``header`` (Basic) or ``body``) and AWS Signature V4 (``awsv4``:
``accessKey``, ``secretKey``, ``region``, ``service``, ``sessionToken``) map both ways. A token
Postman kept (``accessToken``) is not imported, as the grant fetches its own, except from an
OAuth 2.0 auth with no token URL: that token is all it has, and it becomes a Bearer token.
"""

from __future__ import annotations

from typing import Any

from app.model.request import AuthKind, AuthModel

__all__ = ["auth_from_postman", "auth_to_postman"]

#: Postman's grant names and Spyglass's, with whether the grant uses PKCE.
_GRANTS_IN = {
    "client_credentials": ("client_credentials", True),
    "password_credentials": ("password", True),
    "password": ("password", True),
    "authorization_code": ("authorization_code", False),
    "authorization_code_with_pkce": ("authorization_code", True),
    "device_code": ("device_code", True),
}


def auth_from_postman(kind: str, params: dict[str, str]) -> AuthModel | str:
    """The auth a Postman auth of type ``kind`` with ``params`` says, or why it cannot be
    imported (a message for the import's report)."""
    if kind in ("basic", "digest"):
        return AuthModel(AuthKind.BASIC if kind == "basic" else AuthKind.DIGEST,
                         username=params.get("username", ""),
                         password=params.get("password", ""))
    if kind == "bearer":
        return AuthModel(AuthKind.BEARER, token=params.get("token", ""))
    if kind == "apikey":
        location = "query" if params.get("in", "header").lower() == "query" else "header"
        return AuthModel(AuthKind.API_KEY, key_name=params.get("key", "") or "X-API-Key",
                         key_value=params.get("value", ""), key_location=location)
    if kind == "awsv4":
        return AuthModel(AuthKind.AWS_SIGV4, access_key=params.get("accessKey", ""),
                         secret_key=params.get("secretKey", ""),
                         region=params.get("region", ""), service=params.get("service", ""),
                         session_token=params.get("sessionToken", ""))
    if kind == "oauth2":
        if not params.get("accessTokenUrl") and params.get("accessToken"):
            return AuthModel(AuthKind.BEARER, token=params["accessToken"])
        postman_grant = params.get("grant_type", "authorization_code")
        if postman_grant not in _GRANTS_IN:
            return f"Postman OAuth 2.0 grant {postman_grant!r} is not supported"
        grant, pkce = _GRANTS_IN[postman_grant]
        where = params.get("client_authentication", "header").lower()
        return AuthModel(
            AuthKind.OAUTH2, grant=grant, token_url=params.get("accessTokenUrl", ""),
            authorize_url=params.get("authUrl", ""),
            device_url=params.get("deviceAuthorizationUrl", ""),
            client_id=params.get("clientId", ""), client_secret=params.get("clientSecret", ""),
            scope=params.get("scope", ""), audience=params.get("audience", ""),
            client_auth="body" if where == "body" else "basic", pkce=pkce,
            username=params.get("username", ""), password=params.get("password", ""),
        )
    return f"Postman {kind!r} auth is not supported"


def _pairs(params: dict[str, str]) -> list[dict[str, str]]:
    return [{"key": k, "value": v, "type": "string"} for k, v in params.items()]


def _oauth2_out(auth: AuthModel) -> dict[str, str]:
    grant = {"password": "password_credentials",
             "authorization_code": "authorization_code_with_pkce" if auth.pkce
             else "authorization_code"}.get(auth.grant, auth.grant)
    params = {"grant_type": grant, "accessTokenUrl": auth.token_url,
              "clientId": auth.client_id, "clientSecret": auth.client_secret,
              "scope": auth.scope,
              "client_authentication": "body" if auth.client_auth == "body" else "header"}
    if auth.grant == "authorization_code":
        params["authUrl"] = auth.authorize_url
    elif auth.grant == "device_code":
        params["deviceAuthorizationUrl"] = auth.device_url
    elif auth.grant == "password":
        params.update(username=auth.username, password=auth.password)
    elif auth.audience:
        params["audience"] = auth.audience
    return params


def auth_to_postman(auth: AuthModel) -> dict[str, Any]:
    """``auth`` as a Postman auth object (Backend.AI, which Postman lacks, as ``noauth``)."""
    if auth.kind in (AuthKind.BASIC, AuthKind.DIGEST):
        kind = auth.kind.value
        return {"type": kind, kind: _pairs({"username": auth.username,
                                            "password": auth.password})}
    if auth.kind is AuthKind.BEARER:
        return {"type": "bearer", "bearer": _pairs({"token": auth.token})}
    if auth.kind is AuthKind.API_KEY:
        return {"type": "apikey", "apikey": _pairs({"key": auth.key_name,
                                                    "value": auth.key_value,
                                                    "in": auth.key_location})}
    if auth.kind is AuthKind.AWS_SIGV4:
        params = {"accessKey": auth.access_key, "secretKey": auth.secret_key,
                  "region": auth.region, "service": auth.service}
        if auth.session_token:
            params["sessionToken"] = auth.session_token
        return {"type": "awsv4", "awsv4": _pairs(params)}
    if auth.kind is AuthKind.OAUTH2:
        return {"type": "oauth2", "oauth2": _pairs(_oauth2_out(auth))}
    return {"type": "noauth"}
