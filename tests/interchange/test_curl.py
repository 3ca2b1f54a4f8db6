"""Curl commands as browsers, Postman and API docs write them, and back to curl."""

from __future__ import annotations

import base64
import string
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.interchange.curl import is_curl_command, parse_curl, to_curl
from app.interchange.shell_words import QuoteTracker
from app.model.request import (
    AuthKind,
    AuthModel,
    BodyKind,
    BodyModel,
    KeyValue,
    MultipartField,
    RequestModel,
    RequestOptions,
    query_of,
    with_query,
)

# -- real-world commands -------------------------------------------------------------------

CHROME_BASH = r"""curl 'https://api.github.com/graphql?src=web' \
  -H 'accept: application/json' \
  -H 'accept-language: en-US,en;q=0.9,ko;q=0.8' \
  -H 'content-type: application/json' \
  -b '_octo=GH1.1.1; logged_in=yes' \
  -H 'origin: https://github.com' \
  -H 'priority: u=1, i' \
  -H 'sec-ch-ua: "Chromium";v="124", "Google Chrome";v="124"' \
  -H 'sec-fetch-mode: cors' \
  -H 'user-agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36' \
  --data-raw $'{"query":"query { viewer { login } }","note":"it\'s \\u00e9\\n"}'"""


def test_chrome_copy_as_curl_bash() -> None:
    model = parse_curl(CHROME_BASH)
    assert model.method == "POST"
    assert model.url == "https://api.github.com/graphql?src=web"
    assert model.params == [KeyValue("src", "web")]
    assert [(h.name, h.value) for h in model.headers] == [
        ("accept", "application/json"),
        ("accept-language", "en-US,en;q=0.9,ko;q=0.8"),
        ("Cookie", "_octo=GH1.1.1; logged_in=yes"),
        ("origin", "https://github.com"),
        ("priority", "u=1, i"),
        ("sec-ch-ua", '"Chromium";v="124", "Google Chrome";v="124"'),
        ("sec-fetch-mode", "cors"),
        ("user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"),
    ]
    assert model.body.kind is BodyKind.JSON
    # $'...' decodes \' and keeps \\u00e9 as the JSON escape it is.
    assert model.body.text == '{"query":"query { viewer { login } }","note":"it\'s \\u00e9\\n"}'
    assert model.options == RequestOptions(timeout=None, follow_redirects=False)


CHROME_CMD = r"""curl ^"https://example.com/api/items?page=2^" ^
  -H ^"accept: */*^" ^
  -H ^"content-type: application/json^" ^
  -H ^"user-agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)^" ^
  --data-raw ^"^{^\^"name^\^":^\^"50^%^ off^\^",^\^"tags^\^":^[^\^"a^\^"^]^}^" ^
  --compressed"""


def test_chrome_copy_as_curl_cmd() -> None:
    model = parse_curl(CHROME_CMD)
    assert model.method == "POST"
    assert model.url == "https://example.com/api/items?page=2"
    assert [(h.name, h.value) for h in model.headers] == [
        ("accept", "*/*"), ("user-agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)")]
    assert model.body == BodyModel(BodyKind.JSON, text='{"name":"50% off","tags":["a"]}')


def test_firefox_copy_as_curl_puts_the_method_after_the_url() -> None:
    model = parse_curl(
        "curl 'https://example.org/login' -X PUT -H 'User-Agent: Mozilla/5.0' "
        "-H 'Accept: */*' -H 'Content-Type: application/x-www-form-urlencoded' "
        "-H 'Connection: keep-alive' --data-raw 'user=ada&pass=s%26cret+1'")
    assert model.method == "PUT"
    assert model.body.kind is BodyKind.FORM
    assert model.body.form == [KeyValue("user", "ada"), KeyValue("pass", "s&cret 1")]
    assert [h.name for h in model.headers] == ["User-Agent", "Accept", "Connection"]


POSTMAN_JSON = """curl --location 'https://postman-echo.com/post?x={{var}}' \\
--header 'Content-Type: application/json' \\
--header 'Authorization: Bearer eyJhbGciOi.J9.sig' \\
--data '{
    "name": "Ada",
    "id": {{id}}
}'"""


def test_postman_export_with_a_json_body_and_bearer_token() -> None:
    model = parse_curl(POSTMAN_JSON)
    assert model.method == "POST"
    assert model.url == "https://postman-echo.com/post?x={{var}}"
    assert model.headers == []  # the type is the JSON body's; the token is the auth
    assert model.auth == AuthModel(AuthKind.BEARER, token="eyJhbGciOi.J9.sig")
    assert model.body.kind is BodyKind.JSON
    assert model.body.text == '{\n    "name": "Ada",\n    "id": {{id}}\n}'
    assert model.options.follow_redirects is True


def test_postman_export_of_form_data_with_quoted_file_paths() -> None:
    model = parse_curl("""curl --location 'https://httpbin.org/post' \\
--form 'avatar=@"/home/ada/My Pictures/me;1.png"' \\
--form 'caption="Me; at the beach"' \\
--form 'meta={"a": 1};type=application/json'""")
    assert model.method == "POST"
    assert model.body == BodyModel(BodyKind.MULTIPART, multipart=[
        MultipartField("avatar", "/home/ada/My Pictures/me;1.png", is_file=True),
        MultipartField("caption", "Me; at the beach"),
        MultipartField("meta", '{"a": 1}', content_type="application/json"),
    ])


def test_postman_export_of_an_urlencoded_body() -> None:
    model = parse_curl("""curl --location 'https://auth.example.com/token' \\
--header 'Content-Type: application/x-www-form-urlencoded' \\
--data-urlencode 'grant_type=client_credentials' \\
--data-urlencode 'scope=read write' \\
--data-urlencode 'redirect=https://a.example/cb?x=1&y=2'""")
    assert model.headers == []
    assert model.body.form == [
        KeyValue("grant_type", "client_credentials"),
        KeyValue("scope", "read write"),
        KeyValue("redirect", "https://a.example/cb?x=1&y=2"),
    ]


def test_stripe_docs_basic_auth_and_form_data() -> None:
    model = parse_curl("""curl https://api.stripe.com/v1/charges \\
  -u sk_test_4eC39HqLyjWDarjtT1zdp7dc: \\
  -d amount=2000 \\
  -d currency=usd \\
  -d "metadata[order_id]=6735" \\
  -d description="My First Test Charge (created for API docs)\"""")
    assert model.method == "POST"
    assert model.auth == AuthModel(AuthKind.BASIC, username="sk_test_4eC39HqLyjWDarjtT1zdp7dc")
    assert model.body.form == [
        KeyValue("amount", "2000"), KeyValue("currency", "usd"),
        KeyValue("metadata[order_id]", "6735"),
        KeyValue("description", "My First Test Charge (created for API docs)"),
    ]


def test_github_docs_json_data_without_a_content_type_stays_what_curl_sends() -> None:
    model = parse_curl("""curl -L \\
  -X POST \\
  -H "Accept: application/vnd.github+json" \\
  -H "Authorization: Bearer <YOUR-TOKEN>" \\
  -H "X-GitHub-Api-Version: 2022-11-28" \\
  https://api.github.com/repos/OWNER/REPO/issues \\
  -d '{"title":"Found a bug","labels":["bug"]}'""")
    assert model.method == "POST"
    assert model.url == "https://api.github.com/repos/OWNER/REPO/issues"
    assert model.auth.token == "<YOUR-TOKEN>"
    # curl sends such data as a form; the model says so rather than guess JSON.
    assert model.body == BodyModel(BodyKind.TEXT, text='{"title":"Found a bug","labels":["bug"]}')
    assert model.headers[-1] == KeyValue("Content-Type", "application/x-www-form-urlencoded")
    assert model.options.follow_redirects is True


def test_elasticsearch_docs_style() -> None:
    model = parse_curl("""curl -XPUT "localhost:9200/books/_doc/1?pretty" """
                       """-H 'Content-Type: application/json' -d'{"title": "Dune"}'""")
    assert model.method == "PUT"
    assert model.url == "http://localhost:9200/books/_doc/1?pretty"
    assert model.params == [KeyValue("pretty", "")]
    assert model.body == BodyModel(BodyKind.JSON, text='{"title": "Dune"}')


def test_windows_docs_with_caret_continuations_and_escaped_quotes() -> None:
    model = parse_curl('curl -X POST "https://api.example.com/v1/users" ^\r\n'
                       '  -H "Content-Type: application/json" ^\r\n'
                       '  -d "{\\"name\\": \\"Ada\\", \\"path\\": \\"C:\\\\temp\\"}"')
    assert model.url == "https://api.example.com/v1/users"
    # The C runtime keeps backslashes that do not precede a quote: JSON's own escape stays.
    assert model.body == BodyModel(BodyKind.JSON,
                                   text='{"name": "Ada", "path": "C:\\\\temp"}')


def test_get_with_data_moves_it_into_the_query() -> None:
    model = parse_curl('curl -sSL -G https://api.example.com/search?lang=en '
                       '--data-urlencode "q=hello world & more" -d limit=5')
    assert model.method == "GET"
    assert model.url == "https://api.example.com/search?lang=en&q=hello%20world%20%26%20more&limit=5"
    assert model.params == query_of(model.url)
    assert model.body.kind is BodyKind.NONE


def test_url_query_option() -> None:
    model = parse_curl("curl --url-query 'a=b c' --url-query '+raw=%41' https://x.example/p")
    assert model.url == "https://x.example/p?a=b%20c&raw=%41"


@pytest.mark.parametrize(("command", "method"), [
    ("curl -I https://example.com", "HEAD"),
    ("curl --head https://example.com", "HEAD"),
    ("curl https://example.com", "GET"),
    ("curl -d x=1 https://example.com", "POST"),
    ("curl -X post -d x=1 https://example.com", "POST"),
    ("curl --request PURGE https://example.com", "PURGE"),
    ("curl -X Search https://example.com", "Search"),
    ("curl -T ./photo.jpg https://example.com/upload", "PUT"),
    ("curl -G -d x=1 https://example.com", "GET"),
])
def test_method(command: str, method: str) -> None:
    assert parse_curl(command).method == method


def test_options() -> None:
    model = parse_curl("curl -k -L --max-time 12.5 --cacert /etc/ssl/corp.pem --compressed "
                       "--connect-timeout 3 --retry 2 -o out.json https://self-signed.local/")
    assert model.url == "https://self-signed.local/"
    assert model.options == RequestOptions(timeout=12.5, follow_redirects=True,
                                           verify_tls=False, ca_file="/etc/ssl/corp.pem")
    assert parse_curl("curl -m 0 https://x.example").options.timeout is None
    assert parse_curl("curl -kL --no-location https://x.example").options == RequestOptions(
        timeout=None, follow_redirects=False, verify_tls=False)


@pytest.mark.parametrize(("command", "auth"), [
    ("curl --digest -u admin:s3:cret https://x.example/digest",
     AuthModel(AuthKind.DIGEST, username="admin", password="s3:cret")),
    ("curl --user ada https://x.example", AuthModel(AuthKind.BASIC, username="ada")),
    ("curl --oauth2-bearer tok.en https://x.example", AuthModel(AuthKind.BEARER, token="tok.en")),
    ("curl -H 'Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l' https://x.example",
     AuthModel(AuthKind.BASIC, username="aladdin", password="opensesame")),
    ("curl -H 'authorization: bearer  abc def' https://x.example",
     AuthModel(AuthKind.BEARER, token="abc def")),
])
def test_auth(command: str, auth: AuthModel) -> None:
    model = parse_curl(command)
    assert model.auth == auth
    assert model.headers == []


def test_unknown_authorization_schemes_stay_headers() -> None:
    model = parse_curl("curl -H 'Authorization: Token abc' -H 'Authorization: Basic !!' "
                       "https://x.example")
    assert model.auth.kind is AuthKind.NONE
    assert [h.value for h in model.headers] == ["Token abc", "Basic !!"]


def test_json_option_sets_the_body_and_accept() -> None:
    model = parse_curl("""curl --json '{"a":' --json '1}' https://x.example""")
    assert model.method == "POST"
    assert model.body == BodyModel(BodyKind.JSON, text='{"a":1}')
    assert model.headers == [KeyValue("Accept", "application/json")]


def test_file_data_becomes_a_binary_body() -> None:
    model = parse_curl("curl --data-binary @payload.bin "
                       "-H 'Content-Type: application/octet-stream' https://x.example")
    assert model.body == BodyModel(BodyKind.BINARY, file_path="payload.bin")
    assert model.headers == []
    upload = parse_curl("curl -T ./photo.jpg https://x.example/upload")
    assert upload.body == BodyModel(BodyKind.BINARY, file_path="./photo.jpg")


def test_header_forms_user_agent_referer_and_cookies() -> None:
    model = parse_curl("curl -A 'MyAgent/1.0' -e 'https://ref.example/;auto' -b sid=1 "
                       "-b theme=dark -b cookies.txt -H 'X-Empty;' -H 'Host:' "
                       "-H 'X-Time: 12:30:00' https://x.example")
    assert model.headers == [
        KeyValue("User-Agent", "MyAgent/1.0"), KeyValue("Referer", "https://ref.example/"),
        KeyValue("Cookie", "sid=1; theme=dark"), KeyValue("X-Empty", ""),
        KeyValue("X-Time", "12:30:00"),
    ]


def test_multipart_types_and_literal_strings() -> None:
    model = parse_curl("curl -F 'file=@photo.jpg;type=image/jpeg;filename=x.jpg' "
                       "-F name=John --form-string 'at=@not-a-file' -F 'csv=<data.csv' "
                       "https://x.example/upload")
    assert model.body.multipart == [
        MultipartField("file", "photo.jpg", True, "image/jpeg"),
        MultipartField("name", "John"),
        MultipartField("at", "@not-a-file"),
        MultipartField("csv", "data.csv", True),
    ]


def test_text_and_xml_bodies() -> None:
    xml = parse_curl("curl -H 'Content-Type: text/xml' -d '<a>1</a>' https://x.example")
    assert xml.body == BodyModel(BodyKind.XML, text="<a>1</a>")
    assert xml.headers == [KeyValue("Content-Type", "text/xml")]  # not what XML implies
    plain = parse_curl("curl -XPOST -d 'a=1&b' -d 'c' http://x.example")
    assert plain.body == BodyModel(BodyKind.TEXT, text="a=1&b&c")
    assert plain.headers == [KeyValue("Content-Type", "application/x-www-form-urlencoded")]
    bad_escape = parse_curl("curl -d 'a=100%' http://x.example")
    assert bad_escape.body.kind is BodyKind.TEXT


def test_shell_details() -> None:
    # A prompt, CRLF continuations, a pipe, a comment, an attached -H value, `--`.
    model = parse_curl("$ curl -sS \\\r\n  -HX-A:1 \\\n  https://x.example/a?b=1&c=2 # note\n"
                       "| jq .")
    assert model.url == "https://x.example/a?b=1&c=2"
    assert model.headers == [KeyValue("X-A", "1")]
    assert parse_curl("curl -- -odd-but-a-url").url == "http://-odd-but-a-url"
    assert parse_curl('curl "https://x.example/$HOME\\"q"').url == 'https://x.example/$HOME"q'


@pytest.mark.parametrize(("text", "message"), [
    ("https://example.com", "Not a curl command"),
    ("wget https://example.com", "Not a curl command"),
    ("curl -H", "-H needs a value"),
    ("curl --header", "--header needs a value"),
    ("curl 'https://example.com", "unclosed quote"),
    ('curl "https://example.com', "unclosed quote"),
    ("curl -sS", "no URL"),
    ("curl -X 'BAD METHOD' https://x.example", "not a valid HTTP method"),
    ("curl -m soon https://x.example", "--max-time needs a number"),
    ("curl -d @- https://x.example", "stdin"),
    ("curl -d a=1 --data-binary @f.bin https://x.example", "mixes @file data"),
    ("curl -F a=1 -d b=2 https://x.example", "mixes -F"),
    ("curl -F novalue https://x.example", "has no '='"),
    ("curl --data-urlencode name@file.txt https://x.example", "reads a file"),
])
def test_what_is_not_a_request_says_why(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_curl(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("curl https://x", True),
    ("  CURL -I https://x", True),
    ("$ curl https://x", True),
    ("curl.exe -s https://x", True),
    ("curl", True),
    ("curling.example.com", False),
    ("https://example.com/curl", False),
    ("", False),
])
def test_is_curl_command(text: str, expected: bool) -> None:
    assert is_curl_command(text) is expected


# -- to_curl -------------------------------------------------------------------------------


def test_to_curl_writes_one_option_per_line() -> None:
    model = RequestModel(
        method="PUT", url="https://api.example.com/items/{{id}}?x=1",
        headers=[KeyValue("Accept", "application/json"), KeyValue("X-Off", "1", False),
                 KeyValue("X-Empty", "")],
        body=BodyModel(BodyKind.JSON, text='{"it\'s": 1}'),
        auth=AuthModel(AuthKind.BASIC, username="ada", password="p w"),
        options=RequestOptions(timeout=2.5, follow_redirects=True, verify_tls=False),
    )
    assert to_curl(model) == (
        "curl -X PUT -g 'https://api.example.com/items/{{id}}?x=1' \\\n"
        "  -H 'Accept: application/json' \\\n"
        "  -H 'X-Empty;' \\\n"
        "  -u 'ada:p w' \\\n"
        "  -H 'Content-Type: application/json' \\\n"
        "  --data-raw '{\"it'\"'\"'s\": 1}' \\\n"
        "  -L \\\n"
        "  -k \\\n"
        "  --max-time 2.5"
    )


def test_to_curl_api_key_and_backend_ai() -> None:
    query = RequestModel(url="https://x.example/a?b=1",
                         auth=AuthModel(AuthKind.API_KEY, key_name="api key",
                                        key_value="v&1", key_location="query"))
    assert "'https://x.example/a?b=1&api%20key=v%261'" in to_curl(query)
    header = RequestModel(url="https://x.example", auth=AuthModel(
        AuthKind.API_KEY, key_name="X-API-Key", key_value="k"))
    assert parse_curl(to_curl(header)).headers == [KeyValue("X-API-Key", "k")]
    signed = RequestModel(url="https://x.example", auth=AuthModel(
        AuthKind.BACKENDAI, access_key="ACCESS", secret_key="SECRET"))
    assert "ACCESS" not in to_curl(signed)
    assert "SECRET" not in to_curl(signed)


# -- the round trip ------------------------------------------------------------------------

_text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
                max_size=30)
_line = st.text(st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp")), max_size=20)
_stripped = _line.map(str.strip)
_token = st.text(string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~", min_size=1,
                 max_size=12)
_query_piece = st.text(string.ascii_letters + string.digits + "-._~%{}+", max_size=6)


@st.composite
def _urls(draw: st.DrawFn) -> str:
    url = draw(st.sampled_from(["http", "https"])) + "://" + draw(
        st.sampled_from(["example.com", "127.0.0.1:8080", "{{host}}", "api.x.io"]))
    url += "".join("/" + s for s in draw(st.lists(_query_piece, max_size=3)))
    pairs = draw(st.lists(st.tuples(_query_piece.filter(bool), _query_piece), max_size=3))
    if pairs:
        url += "?" + "&".join(f"{k}={v}" for k, v in pairs)
    return url


def _headers() -> st.SearchStrategy[list[KeyValue]]:
    name = _token.filter(lambda n: n.lower() not in ("content-type", "authorization"))
    return st.lists(st.builds(KeyValue, name, _stripped), max_size=4)


def _bodies() -> st.SearchStrategy[BodyModel]:
    text_kind = st.sampled_from([BodyKind.JSON, BodyKind.TEXT, BodyKind.XML])
    path = _stripped.filter(lambda p: p not in ("", "-"))
    content_type = st.sampled_from(["", "text/plain", "image/png", "application/json"])
    part_name = _line.filter(lambda n: n and "=" not in n)
    parts = st.lists(st.one_of(
        st.builds(MultipartField, part_name, _line, st.just(False), content_type),
        st.builds(MultipartField, part_name, path, st.just(True), content_type),
    ), min_size=1, max_size=3)
    return st.one_of(
        st.just(BodyModel()),
        st.builds(BodyModel, text_kind, text=_text),
        st.builds(BodyModel, st.just(BodyKind.FORM),
                  form=st.lists(st.builds(KeyValue, _line, _line), min_size=1, max_size=3)),
        st.builds(BodyModel, st.just(BodyKind.MULTIPART), multipart=parts),
        st.builds(BodyModel, st.just(BodyKind.BINARY), file_path=path),
    )


def _auths() -> st.SearchStrategy[AuthModel]:
    user = _line.filter(lambda u: ":" not in u)
    return st.one_of(
        st.just(AuthModel()),
        st.builds(AuthModel, st.sampled_from([AuthKind.BASIC, AuthKind.DIGEST]),
                  username=user, password=_line),
        st.builds(AuthModel, st.just(AuthKind.BEARER), token=_stripped.filter(bool)),
    )


_options = st.builds(
    RequestOptions,
    timeout=st.none() | st.floats(min_value=0.001, max_value=86_400),
    follow_redirects=st.booleans(), verify_tls=st.booleans(),
    ca_file=st.just("") | _stripped,
)


@st.composite
def _models(draw: st.DrawFn) -> RequestModel:
    url = draw(_urls())
    method = draw(st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD",
                                   "OPTIONS", "PURGE", "Search"]))
    return RequestModel(method=method, url=url, params=query_of(url), headers=draw(_headers()),
                        body=draw(_bodies()), auth=draw(_auths()), options=draw(_options))


@settings(max_examples=400)
@given(_models())
def test_round_trip(model: RequestModel) -> None:
    assert parse_curl(to_curl(model)) == model


@given(_models(), _line.filter(lambda u: ":" not in u), _line)
def test_basic_authorization_header_becomes_basic_auth(model: RequestModel, user: str,
                                                       password: str) -> None:
    model.auth = AuthModel()
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    command = to_curl(model).replace("curl ", f"curl -H 'Authorization: Basic {token}' ", 1)
    model.auth = AuthModel(AuthKind.BASIC, username=user, password=password)
    assert parse_curl(command) == model


@st.composite
def _any_models(draw: st.DrawFn) -> RequestModel:
    """Models with what curl cannot say too: names, modes, disabled rows, API-key and
    Backend.AI auth."""
    model = draw(_models())
    model.name = draw(_line)
    model.mode = draw(st.sampled_from(["http", "sse", "websocket"]))
    model.ws_subprotocols = draw(st.lists(_token, max_size=2))
    off = st.builds(KeyValue, _token, _stripped, st.just(False))
    for rows in (model.headers, model.params, model.body.form):
        for row in draw(st.lists(off, max_size=2)):
            rows.insert(draw(st.integers(0, len(rows))), row)
    if model.body.kind is BodyKind.MULTIPART:
        model.body.multipart.append(MultipartField("off", "x", enabled=False))
    name = _token.filter(lambda n: n.lower() not in ("content-type", "authorization"))
    model.auth = draw(st.one_of(
        st.just(model.auth),
        st.builds(AuthModel, st.just(AuthKind.API_KEY), key_name=name, key_value=_stripped,
                  key_location=st.sampled_from(["header", "query"])),
        st.builds(AuthModel, st.just(AuthKind.BACKENDAI), access_key=_token,
                  secret_key=_token),
    ))
    return model


def _carried(model: RequestModel) -> RequestModel:
    """What of ``model`` a curl command carries: enabled rows, no name or mode; an API key
    as the header or query parameter it is, Backend.AI auth not at all (it signs per send)."""
    url, headers, auth = model.url, [h for h in model.headers if h.enabled], model.auth
    if auth.kind is AuthKind.API_KEY:
        if auth.key_location == "header":
            headers.append(KeyValue(auth.key_name, auth.key_value))
        else:
            url = with_query(url, [*query_of(url), KeyValue(
                quote(auth.key_name, safe=""), quote(auth.key_value, safe=""))])
        auth = AuthModel()
    elif auth.kind is AuthKind.BACKENDAI:
        auth = AuthModel()
    body = BodyModel(model.body.kind, model.body.text,
                     [r for r in model.body.form if r.enabled],
                     [p for p in model.body.multipart if p.enabled], model.body.file_path)
    return RequestModel(method=model.method, url=url, params=query_of(url), headers=headers,
                        body=body, auth=auth, options=model.options)


@settings(max_examples=200)
@given(_any_models())
def test_round_trip_keeps_what_curl_carries(model: RequestModel) -> None:
    assert parse_curl(to_curl(model)) == _carried(model)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="ab '\"$\\#\n", max_size=12), min_size=1, max_size=6))
def test_the_quote_tracker_agrees_with_the_parser(pieces: list[str]) -> None:
    """Splitting a text of commands (line by line) and parsing one (whole) read quotes the
    same way: the tracker says a quote is open exactly when the parser finds one unclosed."""
    text = "curl http://h/ -d " + "".join(pieces)
    tracker = QuoteTracker()
    for line in text.split("\n"):
        tracker.feed(line)
    try:
        parse_curl(text)
        unclosed = False
    except ValueError as exc:
        unclosed = "unclosed quote" in str(exc)
    assert (tracker.state != "") == unclosed, text
