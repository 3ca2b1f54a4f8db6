"""Importers: Postman v2.1, OpenAPI 3, HAR 1.2 and curl text into folders of requests."""

from __future__ import annotations

import json

import pytest

from app.interchange import (
    Folder,
    ImportResult,
    InterchangeError,
    Variable,
    example_from_schema,
    import_curl,
    import_har,
    import_openapi,
    import_postman,
    import_text,
)
from app.model.request import (
    AuthKind,
    AuthModel,
    BodyKind,
    BodyModel,
    KeyValue,
    MultipartField,
    RequestModel,
    RequestOptions,
)
from tests.interchange.test_samples import (
    API_KEY,
    BASIC_PASSWORD,
    BASIC_USER,
    BEARER_TOKEN,
    CURL,
    DIGEST_PASSWORD,
    HAR,
    HAR_JSON,
    HAR_TOKEN,
    LOGIN_PASSWORD,
    LOGIN_USER,
    OPENAPI,
    OPENAPI_31,
    OPENAPI_JSON,
    OPENAPI_YAML,
    POSTMAN,
    POSTMAN_JSON,
    SECRET_VARIABLE,
    b64,
)


def folders(result: ImportResult) -> dict[str, Folder]:
    return {path: folder for top in result.collections for path, folder in top.walk()}


def by_name(folder: Folder) -> dict[str, RequestModel]:
    return {m.name: m for m in folder.requests}


# -- Postman -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shop() -> ImportResult:
    return import_text(POSTMAN_JSON)


def test_postman_folders_and_variables(shop: ImportResult) -> None:
    assert shop.format == "postman"
    assert shop.title == "Shop"
    assert shop.describe() == "Postman collection 'Shop'"
    tree = folders(shop)
    assert list(tree) == ["Shop", "Shop/Catalog", "Shop/Catalog/Admin", "Shop/Orders"]
    assert tree["Shop"].variables == {
        "baseUrl": Variable("baseUrl", "https://shop.example.com/api"),
        "apiToken": Variable("apiToken", SECRET_VARIABLE, secret=True),
        "retries": Variable("retries", "3"),
    }
    # a path variable (:orderId) joins its folder's variables
    assert tree["Shop/Orders"].variables == {"region": Variable("region", "eu"),
                                             "orderId": Variable("orderId", "42")}
    assert shop.request_count == 13
    assert shop.folder_count == 4


def test_postman_url_object_query_and_disabled_rows(shop: ImportResult) -> None:
    model = by_name(folders(shop)["Shop/Catalog"])["List products"]
    assert model.method == "GET"
    assert model.url == "{{baseUrl}}/products?page=1&limit=20"
    assert model.params == [KeyValue("page", "1"), KeyValue("limit", "20"),
                            KeyValue("sort", "name", enabled=False)]
    assert model.headers == [KeyValue("Accept", "application/json"),
                             KeyValue("X-Debug", "1", enabled=False)]
    # inherited from the collection
    assert model.auth == AuthModel(AuthKind.BEARER, token="{{apiToken}}")


def test_postman_auth_inherits_from_the_nearest_folder(shop: ImportResult) -> None:
    admin = by_name(folders(shop)["Shop/Catalog/Admin"])
    for model in admin.values():
        assert model.auth == AuthModel(AuthKind.BASIC, username=BASIC_USER,
                                       password=BASIC_PASSWORD)
    top = by_name(folders(shop)["Shop"])
    assert top["Digest area"].auth == AuthModel(AuthKind.DIGEST, username="dora",
                                                password=DIGEST_PASSWORD)
    orders = by_name(folders(shop)["Shop/Orders"])
    assert orders["Get order"].auth == AuthModel()  # noauth
    assert orders["Search orders"].auth.kind is AuthKind.BEARER  # inherit, two levels up
    assert orders["Cancel order"].auth == AuthModel(AuthKind.API_KEY, key_name="api_key",
                                                    key_value=API_KEY, key_location="query")


def test_postman_bodies(shop: ImportResult) -> None:
    admin = by_name(folders(shop)["Shop/Catalog/Admin"])
    create = admin["Create product"]
    assert create.body == BodyModel(BodyKind.JSON,
                                    text='{\n  "name": "Lamp",\n  "price": {{price}}\n}')
    assert create.headers == []  # the JSON body says application/json already
    assert admin["Upload image"].body == BodyModel(BodyKind.MULTIPART, multipart=[
        MultipartField("caption", "Front view"),
        MultipartField("meta", '{"w": 10}', content_type="application/json"),
        MultipartField("image", "/home/ada/lamp.png", is_file=True, content_type="image/png",
                       imported=True),
        MultipartField("draft", "yes", enabled=False),
    ])
    top = by_name(folders(shop)["Shop"])
    assert top["Login"].body == BodyModel(BodyKind.FORM, form=[
        KeyValue("remember", "true"), KeyValue("debug", "1", enabled=False)])
    assert top["Import catalog"].body == BodyModel(BodyKind.BINARY,
                                                   file_path="/home/ada/catalog.csv",
                                                   file_imported=True)
    assert sorted(shop.files) == ["/home/ada/catalog.csv", "/home/ada/lamp.png"]
    assert top["Feed (XML)"].body == BodyModel(BodyKind.XML, text="<feed><item/></feed>")
    notes = top["Notes"]
    assert notes.body == BodyModel(BodyKind.TEXT, text="first line\nsecond line")
    assert notes.headers == [KeyValue("Content-Type", "text/plain")]
    graphql = by_name(folders(shop)["Shop/Orders"])["Search orders"]
    assert graphql.body == BodyModel(BodyKind.GRAPHQL,
                                     text="query ($q: String) { orders(q: $q) { id } }",
                                     graphql_variables='{"q": "lamp"}')


def test_postman_authorization_header_becomes_basic_auth(shop: ImportResult) -> None:
    login = by_name(folders(shop)["Shop"])["Login"]
    assert login.auth == AuthModel(AuthKind.BASIC, username=LOGIN_USER, password=LOGIN_PASSWORD)
    assert all(h.name.lower() != "authorization" for h in login.headers)


def test_postman_path_variables_string_urls_and_options(shop: ImportResult) -> None:
    assert by_name(folders(shop)["Shop/Orders"])["Get order"].url == \
        "{{baseUrl}}/orders/{{orderId}}"
    top = by_name(folders(shop)["Shop"])
    assert top["Ping"].url == "https://status.example.com/ping"
    assert top["Ping"].method == "GET"
    assert top["Import catalog"].options == RequestOptions(follow_redirects=False,
                                                           verify_tls=False)


def test_postman_says_what_it_left_out(shop: ImportResult) -> None:
    assert ("'List products': test script not translated, kept in its notes: pm.test('ok')"
            in shop.warnings)
    assert by_name(folders(shop)["Shop/Catalog"])["List products"].notes == \
        "// Postman test script: not translated into asserts\npm.test('ok')"
    # An OAuth 2.0 auth with only the token Postman held is that token, sent as Bearer.
    assert not any("auth is not supported" in w for w in shop.warnings)
    assert by_name(folders(shop)["Shop"])["Partner API"].auth == AuthModel(
        AuthKind.BEARER, token="{{partnerToken}}")


def test_postman_v20_shapes_and_edge_cases() -> None:
    doc = {
        "info": {"name": "Old", "schema":
                 "https://schema.getpostman.com/json/collection/v2.0.0/collection.json"},
        "item": [
            {"name": "a", "request": {
                "method": "post",
                "header": "X-One: 1\nX-Two: 2",
                "auth": {"type": "basic", "basic": {"username": "u", "password": "p"}},
                "url": {"protocol": "https", "host": ["api", "example", "com"], "port": "8443",
                        "path": ["v1", "items"],
                        "query": [{"key": "q", "value": "x"},
                                  {"key": "off", "value": "1", "disabled": True}]},
                "body": {"mode": "graphql", "graphql": {"query": "{ a }",
                                                        "variables": "{{vars}}"}}}},
            {"name": "empty raw", "request": {"method": "GET", "url": "http://x.example",
                                              "body": {"mode": "raw", "raw": ""}}},
            "not an item",
            {"name": "neither"},
        ],
    }
    result = import_postman(doc)
    a, empty = result.collections[0].requests
    assert a.method == "POST"
    assert a.url == "https://api.example.com:8443/v1/items?q=x"
    assert a.params == [KeyValue("q", "x"), KeyValue("off", "1", enabled=False)]
    assert a.headers == [KeyValue("X-One", "1"), KeyValue("X-Two", "2")]
    assert a.auth == AuthModel(AuthKind.BASIC, username="u", password="p")
    assert a.body == BodyModel(BodyKind.GRAPHQL, text="{ a }", graphql_variables="{{vars}}")
    assert empty.body == BodyModel()
    assert len(result.warnings) == 2


@pytest.mark.parametrize(("doc", "message"), [
    ({"info": {"name": "x", "schema": "https://schema.getpostman.com/json/collection/v1.0.0/"},
      "item": []}, "v1 is not supported"),
    ({"info": {"name": "x"}, "item": {}}, "'item' is not a list"),
])
def test_postman_errors(doc: dict, message: str) -> None:
    with pytest.raises(InterchangeError, match=message):
        import_postman(doc)


# -- OpenAPI -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def petstore() -> ImportResult:
    return import_text(OPENAPI_YAML)


def test_openapi_yaml_and_json_give_the_same_requests(petstore: ImportResult) -> None:
    assert import_text(OPENAPI_JSON) == petstore
    assert import_openapi(OPENAPI) == petstore


def test_openapi_folders_by_tag_names_and_base_url(petstore: ImportResult) -> None:
    assert petstore.format == "openapi"
    assert petstore.describe() == "OpenAPI document 'Petstore'"
    tree = folders(petstore)
    assert list(tree) == ["Petstore", "Petstore/pets", "Petstore/store"]
    assert tree["Petstore"].variables["baseUrl"] == Variable("baseUrl", "https://eu.petstore.example.com/v1")
    assert [m.name for m in tree["Petstore/pets"].requests] == [
        "List all pets", "createPet", "Info for a specific pet", "Update a pet with form data",
        "DELETE /pets/{petId}", "Upload a photo"]
    assert [m.name for m in tree["Petstore"].requests] == ["GET /health"]
    assert petstore.warnings == []


def test_openapi_parameters(petstore: ImportResult) -> None:
    pets = by_name(folders(petstore)["Petstore/pets"])
    listing = pets["List all pets"]
    assert listing.url == "{{baseUrl}}/pets?species=cat"
    assert listing.params == [KeyValue("limit", "10", enabled=False),
                              KeyValue("species", "cat")]
    # a $ref'd header parameter; Accept is ignored as OpenAPI says
    assert listing.headers == [KeyValue("X-Request-ID", "")]
    one = pets["Info for a specific pet"]
    assert one.url == "{{baseUrl}}/pets/{{petId}}"
    assert folders(petstore)["Petstore/pets"].variables == {"petId": Variable("petId", "7")}


def test_openapi_bodies(petstore: ImportResult) -> None:
    pets = by_name(folders(petstore)["Petstore/pets"])
    created = json.loads(pets["createPet"].body.text)
    # allOf merged, readOnly id left out, the recursive parent cut off, children empty
    assert created == {"name": "Rex", "tag": "string", "born": "2024-01-01",
                       "vaccinated": False, "weight": 0, "children": []}
    assert pets["Update a pet with form data"].body == BodyModel(BodyKind.FORM, form=[
        KeyValue("name", "Rex"), KeyValue("status", "available")])
    assert pets["Upload a photo"].body == BodyModel(BodyKind.MULTIPART, multipart=[
        MultipartField("caption", "On the sofa"),
        MultipartField("file", "", is_file=True, content_type="image/jpeg")])
    order = by_name(folders(petstore)["Petstore/store"])["Place an order"]
    assert order.body.kind is BodyKind.JSON  # JSON preferred over XML
    assert json.loads(order.body.text) == {"petId": 7, "quantity": 1, "shipDate": "2024-05-01"}


def test_openapi_security_schemes_become_auth_with_placeholders(petstore: ImportResult) -> None:
    tree = folders(petstore)
    pets = by_name(tree["Petstore/pets"])
    assert pets["List all pets"].auth == AuthModel(AuthKind.BEARER, token="{{bearerAuth}}")
    assert pets["DELETE /pets/{petId}"].auth == AuthModel(
        AuthKind.BASIC, username="{{username}}", password="{{password}}")
    inventory = by_name(tree["Petstore/store"])["Inventory"]
    assert inventory.auth == AuthModel(AuthKind.API_KEY, key_name="X-API-Key",
                                       key_value="{{api_key}}")
    assert by_name(tree["Petstore"])["GET /health"].auth == AuthModel()  # security: []
    variables = tree["Petstore"].variables
    assert variables["bearerAuth"] == Variable("bearerAuth", "", secret=True)
    assert variables["password"] == Variable("password", "", secret=True)
    assert variables["username"] == Variable("username", "", secret=False)


def test_openapi_31_types_lists_examples_and_const() -> None:
    result = import_openapi(OPENAPI_31)
    (model,) = result.collections[0].requests
    assert model.name == "addNote"
    assert result.collections[0].variables["baseUrl"] == Variable("baseUrl", "http://127.0.0.1:8000")
    assert model.params == [KeyValue("draft", "true", enabled=False)]
    assert json.loads(model.body.text) == {"text": "hello", "tags": ["string"],
                                           "meta": {"v": 1}}
    assert model.auth == AuthModel(AuthKind.API_KEY, key_name="token", key_value="{{key}}",
                                   key_location="query")


def test_example_from_schema_guards_against_recursion() -> None:
    doc = {"components": {"schemas": {
        "Node": {"type": "object", "properties": {
            "value": {"type": "string", "format": "email"},
            "next": {"$ref": "#/components/schemas/Node"},
            "all": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
            "either": {"oneOf": [{"$ref": "#/components/schemas/Node"}, {"type": "string"}]},
        }},
        "A": {"$ref": "#/components/schemas/B"},
        "B": {"$ref": "#/components/schemas/A"},
    }}}
    node = example_from_schema({"$ref": "#/components/schemas/Node"}, doc)
    assert node == {"value": "user@example.com", "all": []}
    assert example_from_schema({"$ref": "#/components/schemas/A"}, doc) is None
    assert example_from_schema({"$ref": "#/components/schemas/Missing"}, doc) is None


def test_openapi_without_servers_and_external_refs_warns() -> None:
    doc = {"openapi": "3.0.0", "info": {"title": "T", "version": "1"}, "paths": {
        "/a": {"post": {"requestBody": {"content": {"application/json": {
            "schema": {"$ref": "other.yaml#/Thing"}}}}}}}}
    result = import_openapi(doc)
    assert result.collections[0].variables["baseUrl"] == Variable("baseUrl", "")
    assert any("no server" in w for w in result.warnings)
    assert any("other.yaml#/Thing" in w for w in result.warnings)
    with pytest.raises(InterchangeError, match="OpenAPI 3"):
        import_openapi({"swagger": "2.0"})


# -- HAR -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def capture() -> ImportResult:
    return import_text(HAR_JSON)


def test_har_one_collection_named_after_the_site(capture: ImportResult) -> None:
    assert capture.format == "har"
    assert [top.name for top in capture.collections] == ["shop.example.com"]
    assert [m.name for m in capture.collections[0].requests] == [
        "GET /api/products", "POST /api/cart", "POST /api/newsletter", "POST /api/avatar",
        "PUT /api/notes/1", "GET /live"]
    assert any("Cookie headers were left out of 2 requests" in w for w in capture.warnings)
    assert any("1 entry that is not an HTTP request" in w for w in capture.warnings)


def test_har_headers_without_pseudo_hop_by_hop_and_cookies(capture: ImportResult) -> None:
    get, cart, newsletter = capture.collections[0].requests[:3]
    assert get.url == "https://shop.example.com/api/products?page=2&q=red%20lamp"
    assert get.params == [KeyValue("page", "2"), KeyValue("q", "red%20lamp")]
    assert get.headers == [
        KeyValue("accept", "application/json"),
        KeyValue("accept-language", "en-US,en;q=0.9"),
        KeyValue("user-agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/124.0"),
    ]
    assert cart.auth == AuthModel(AuthKind.BEARER, token=HAR_TOKEN)
    assert [h.name for h in cart.headers] == ["accept", "accept-language", "user-agent",
                                              "origin"]
    assert newsletter.headers == []


def test_har_bodies(capture: ImportResult) -> None:
    _, cart, newsletter, avatar, notes, live = capture.collections[0].requests
    assert cart.body == BodyModel(BodyKind.JSON, text='{"productId":7,"quantity":1}')
    assert newsletter.body == BodyModel(BodyKind.FORM, form=[
        KeyValue("email", "ada@example.com"), KeyValue("lists", "news offers")])
    assert avatar.body == BodyModel(BodyKind.MULTIPART, multipart=[
        MultipartField("nick", "ada"),
        MultipartField("avatar", "me.png", is_file=True, content_type="image/png",
                       imported=True)])
    assert avatar.headers == []  # the captured boundary is not ours to send
    assert notes.body == BodyModel(BodyKind.TEXT, text="a,b\n1,2\n")
    assert notes.headers == [KeyValue("Content-Type", "text/csv")]
    assert live.mode == "websocket"
    assert live.ws_subprotocols == ["chat", "superchat"]
    assert live.headers == []


def test_har_params_only_and_query_string_only() -> None:
    har = {"log": {"version": "1.2", "entries": [{"request": {
        "method": "POST", "url": "http://x.example/form",
        "queryString": [{"name": "a b", "value": "{{v}}"}],
        "headers": [],
        "postData": {"mimeType": "multipart/form-data",
                     "params": [{"name": "f", "fileName": "a.txt", "contentType": "text/plain"},
                                {"name": "t", "value": "v"}]}}}]}}
    (model,) = import_har(har).collections[0].requests
    assert model.url == "http://x.example/form?a%20b={{v}}"
    assert model.body.multipart == [MultipartField("f", "a.txt", True, "text/plain",
                                                   imported=True),
                                    MultipartField("t", "v")]


def test_har_errors() -> None:
    with pytest.raises(InterchangeError, match="no HTTP requests"):
        import_har({"log": {"entries": []}})
    with pytest.raises(InterchangeError, match=r"log\.entries"):
        import_har({"log": {}})
    assert HAR["log"]["entries"]  # the sample is untouched by imports


# -- curl ----------------------------------------------------------------------------------


def test_curl_several_commands_with_comments_and_multi_line_bodies() -> None:
    result = import_text(CURL)
    assert result.format == "curl"
    assert result.describe() == "4 curl commands"
    (top,) = result.collections
    assert top.name == "curl import"
    users, create, avatar, health = top.requests
    assert users.name == "GET /v1/users"
    assert users.auth == AuthModel(AuthKind.BEARER, token=BEARER_TOKEN)
    assert create.auth == AuthModel(AuthKind.BASIC, username=BASIC_USER, password=BASIC_PASSWORD)
    assert create.body.text == '{\n  "name": "Ada",\n  "roles": ["admin"]\n}'
    assert avatar.name == "Upload an avatar"
    assert avatar.body.multipart[0] == MultipartField("avatar", "/home/ada/me.png", True,
                                                      "image/png", imported=True)
    assert health.auth == AuthModel(AuthKind.BASIC, username="probe", password=LOGIN_PASSWORD)


def test_curl_collection_comments_make_folders() -> None:
    text = ("# Shop/Orders / List orders\ncurl https://x.example/orders\n\n"
            "# Shop / Home\ncurl https://x.example/\n"
            "# Other / Thing / with / slashes\ncurl https://y.example\n")
    result = import_curl(text, name="ignored when comments say")
    tree = folders(result)
    assert list(tree) == ["Shop", "Shop/Orders", "Other"]
    assert [m.name for m in tree["Shop/Orders"].requests] == ["List orders"]
    assert [m.name for m in tree["Shop"].requests] == ["Home"]
    assert [m.name for m in tree["Other"].requests] == ["Thing / with / slashes"]


@pytest.mark.parametrize(("text", "message"), [
    ("curl https://x.example\nwget https://y.example", "Line 2 is not a curl command"),
    ("curl https://x.example\ncurl -X 'bad method' https://y", "on line 2"),
    ("# only a comment\n", "No curl command"),
])
def test_curl_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(InterchangeError, match=message):
        import_curl(text)


def test_an_authorization_header_of_another_scheme_stays_a_header() -> None:
    har = {"log": {"entries": [{"request": {
        "method": "GET", "url": "http://x.example/",
        "headers": [{"name": "Authorization", "value": "Token abc"}]}}]}}
    (top,) = import_har(har).collections
    (model,) = top.requests
    assert model.auth == AuthModel()
    # Still a header, its scheme visible; the credential is a secret variable (issue 12).
    assert model.headers == [KeyValue("Authorization", "Token {{Authorization}}")]
    assert top.variables["Authorization"] == Variable("Authorization", "abc", True)
    b = "Basic " + b64("u:p")
    assert import_curl(f"curl -H 'Authorization: {b}' x.example").collections[0].requests[
        0].auth == AuthModel(AuthKind.BASIC, username="u", password="p")


def test_import_text_with_a_forced_format() -> None:
    assert import_text(POSTMAN_JSON, "postman", name="Renamed").collections[0].name == "Renamed"
    with pytest.raises(InterchangeError, match="Unknown import format"):
        import_text(POSTMAN_JSON, "soap")
    assert POSTMAN["info"]["name"] == "Shop"


def test_curl_bodies_over_several_lines_with_quotes_escaped_and_in_comments() -> None:
    text = ("curl https://x.example -d $'it\\'s\nstill' # it's\n"
            'curl https://y.example -H "X: \\"q" \\\n  -d "a\n# not a comment\nb"\n'
            "curl ^\"https://w.example^\" ^\n  -H ^\"a: b^\"\n"
            "curl z.example\n")
    models = import_curl(text).collections[0].requests
    assert [(m.url, m.body.text) for m in models] == [
        ("https://x.example", "it's\nstill"),
        ("https://y.example", "a\n# not a comment\nb"),
        ("https://w.example", ""),
        ("http://z.example", ""),
    ]
    assert models[1].headers[0] == KeyValue("X", '"q')


def test_a_long_multi_line_body_is_read_in_one_pass() -> None:
    body = "\n".join(f'  "k{i}": "v{i}",' for i in range(50_000))
    text = f"curl https://x.example --data-raw '{{\n{body}\n}}'\ncurl https://y.example\n"
    first, second = import_curl(text).collections[0].requests
    assert first.body.text.count("\n") == 50_001
    assert second.url == "https://y.example"


def test_openapi_examples_stay_within_their_byte_budget() -> None:
    big = {"type": "string", "example": "x" * 100_000}
    doc = {"openapi": "3.0.0", "info": {"title": "Big"}, "paths": {"/p": {"post": {
        "requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "properties": {f"f{i}": big for i in range(40)}}}}}}}}}
    result = import_openapi(doc)
    (model,) = result.collections[0].requests
    fields = json.loads(model.body.text)
    assert 8 <= len(fields) <= 11  # about 1 MiB of 100 KB values, then cut
    assert any("POST /p was cut short" in w for w in result.warnings)
    assert example_from_schema({"type": "array", "items": big})[0] == "x" * 100_000
