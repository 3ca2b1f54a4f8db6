"""AWS SigV4 and OAuth 2.0 through curl (``--aws-sigv4``), Postman (``awsv4``, ``oauth2``)
and Copy as Python, both ways where the format can say it."""

from __future__ import annotations

import json

import pytest

from app.interchange import import_postman, to_python_client
from app.interchange.curl import parse_curl, to_curl
from app.interchange.model import Folder
from app.interchange.postman import postman_collection
from app.model.request import AuthKind, AuthModel, KeyValue, RequestModel

AWS = AuthModel(AuthKind.AWS_SIGV4, access_key="AKID", secret_key="se/cret+1",
                region="us-east-2", service="es")


@pytest.mark.parametrize(("command", "auth", "headers"), [
    ('curl --aws-sigv4 "aws:amz:us-east-2:es" --user "AKID:se/cret+1" https://example.com/x',
     AWS, []),
    # Region and service left out: taken from the AWS host name, as curl does.
    ("curl --aws-sigv4 aws:amz -u AKID:se/cret+1 https://es.us-east-2.amazonaws.com/x",
     AWS, []),
    ("curl --aws-sigv4 aws:amz:eu-west-1 -u AKID:se/cret+1 https://s3.eu-west-1.amazonaws.com/",
     AuthModel(AuthKind.AWS_SIGV4, access_key="AKID", secret_key="se/cret+1",
               region="eu-west-1", service="s3"), []),
    ("curl --aws-sigv4 aws:amz:us-east-2:es -u AKID:se/cret+1 -H 'X-Amz-Security-Token: st1' "
     "-H 'Accept: */*' https://example.com/x",
     AuthModel(AuthKind.AWS_SIGV4, access_key="AKID", secret_key="se/cret+1",
               region="us-east-2", service="es", session_token="st1"),
     [KeyValue("Accept", "*/*")]),
    # Nothing to learn the region from: left for the user to fill in.
    ("curl --aws-sigv4 aws:amz -u AKID:se/cret+1 https://example.com/x",
     AuthModel(AuthKind.AWS_SIGV4, access_key="AKID", secret_key="se/cret+1"), []),
])
def test_curl_aws_sigv4_import(command: str, auth: AuthModel, headers: list[KeyValue]) -> None:
    model = parse_curl(command)
    assert model.auth == auth
    assert model.headers == headers


def test_curl_aws_sigv4_needs_a_provider() -> None:
    with pytest.raises(ValueError, match="needs a provider"):
        parse_curl("curl --aws-sigv4 :amz -u a:b https://example.com")


@pytest.mark.parametrize("token", ["", "st-1/2"])
def test_curl_aws_sigv4_round_trip(token: str) -> None:
    auth = AuthModel(**{**vars(AWS), "session_token": token})
    model = RequestModel(url="https://example.com/x", auth=auth)
    command = to_curl(model)
    assert "--aws-sigv4 aws:amz:us-east-2:es" in command
    assert "--user AKID:se/cret+1" in command
    assert ("X-Amz-Security-Token: st-1/2" in command) == bool(token)
    back = parse_curl(command)
    assert back.auth == auth and back.headers == []


def test_copy_as_curl_leaves_oauth2_out() -> None:
    model = RequestModel(url="https://example.com/x", auth=AuthModel(
        AuthKind.OAUTH2, token_url="https://id/t", client_id="c", client_secret="s"))
    assert "Authorization" not in to_curl(model) and "-u" not in to_curl(model)


def _kv(**pairs: str) -> list[dict[str, str]]:
    return [{"key": k, "value": v, "type": "string"} for k, v in pairs.items()]


def _postman(*auths: dict[str, object]) -> dict[str, object]:
    return {
        "info": {"name": "Auth", "schema": "https://schema.getpostman.com/json/collection/"
                                           "v2.1.0/collection.json"},
        "item": [{"name": f"r{i}", "request": {"method": "GET", "url": "https://x.test/",
                                               "auth": auth}}
                 for i, auth in enumerate(auths)],
    }


def test_postman_oauth2_and_awsv4_import() -> None:
    result = import_postman(_postman(
        {"type": "oauth2", "oauth2": _kv(grant_type="client_credentials",
                                         accessTokenUrl="https://id.test/token",
                                         clientId="svc", clientSecret="{{secret}}",
                                         scope="read write", client_authentication="body",
                                         accessToken="stale-token")},
        {"type": "oauth2", "oauth2": _kv(grant_type="password_credentials",
                                         accessTokenUrl="https://id.test/token",
                                         clientId="pw", username="ada", password="pw1")},
        {"type": "oauth2", "oauth2": _kv(grant_type="authorization_code_with_pkce",
                                         accessTokenUrl="https://id.test/token",
                                         authUrl="https://id.test/authorize", clientId="web")},
        {"type": "oauth2", "oauth2": _kv(grant_type="authorization_code",
                                         accessTokenUrl="https://id.test/token",
                                         authUrl="https://id.test/authorize", clientId="old")},
        {"type": "oauth2", "oauth2": _kv(grant_type="implicit",
                                         authUrl="https://id.test/authorize", clientId="x")},
        {"type": "awsv4", "awsv4": _kv(accessKey="AKID", secretKey="sk", region="eu-west-3",
                                       service="execute-api", sessionToken="st")},
    ))
    auths = [r.auth for r in result.collections[0].requests]
    assert auths[0] == AuthModel(AuthKind.OAUTH2, grant="client_credentials",
                                 token_url="https://id.test/token", client_id="svc",
                                 client_secret="{{secret}}", scope="read write",
                                 client_auth="body")
    assert auths[1] == AuthModel(AuthKind.OAUTH2, grant="password",
                                 token_url="https://id.test/token", client_id="pw",
                                 username="ada", password="pw1")
    assert auths[2].grant == "authorization_code" and auths[2].pkce
    assert auths[2].authorize_url == "https://id.test/authorize"
    assert auths[3].grant == "authorization_code" and not auths[3].pkce
    assert auths[4] == AuthModel()
    assert any("grant 'implicit' is not supported" in w for w in result.warnings)
    assert auths[5] == AuthModel(AuthKind.AWS_SIGV4, access_key="AKID", secret_key="sk",
                                 region="eu-west-3", service="execute-api", session_token="st")


@pytest.mark.parametrize("auth", [
    AWS,
    AuthModel(AuthKind.OAUTH2, grant="client_credentials", token_url="https://id/t",
              client_id="c", client_secret="s", scope="a b", client_auth="body"),
    AuthModel(AuthKind.OAUTH2, grant="password", token_url="https://id/t", client_id="c",
              username="u", password="p"),
    AuthModel(AuthKind.OAUTH2, grant="authorization_code", token_url="https://id/t",
              authorize_url="https://id/a", client_id="c", pkce=False),
    AuthModel(AuthKind.OAUTH2, grant="device_code", token_url="https://id/t",
              device_url="https://id/d", client_id="c"),
], ids=["aws", "client_credentials", "password", "authorization_code", "device_code"])
def test_postman_export_round_trip(auth: AuthModel) -> None:
    model = RequestModel(name="r", url="https://x.test/", auth=auth)
    doc = postman_collection([Folder("Auth", [model])], include_secrets=True)
    back = import_postman(json.loads(json.dumps(doc)))
    assert back.collections[0].requests[0].auth == auth


def test_copy_as_python_signs_and_fetches_tokens() -> None:
    aws = to_python_client(RequestModel(url="https://x.test/", auth=AuthModel(
        **{**vars(AWS), "session_token": "st"})), include_secrets=False)
    assert ("request.auth = AWSSigV4Auth('AKID', os.environ.get('SPYGLASS_SECRET_KEY', ''), "
            "'us-east-2', 'es', session_token=os.environ.get('SPYGLASS_SESSION_TOKEN', ''))"
            ) in aws
    oauth = to_python_client(RequestModel(url="https://x.test/", auth=AuthModel(
        AuthKind.OAUTH2, token_url="{{id}}/t", client_id="c", client_secret="s",
        scope="read")), {"id": "https://id.test"})
    assert ("request.auth = OAuth2ClientCredentials('https://id.test/t', 'c', 's', "
            "scope='read')") in oauth
    assert "OAuth2ClientCredentials, Request, Session" in oauth
    compile(aws, "aws.py", "exec")
    compile(oauth, "oauth.py", "exec")
