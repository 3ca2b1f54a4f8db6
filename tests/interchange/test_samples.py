"""Realistic documents the interchange tests import (and format detection over them).

The secrets in them are distinctive strings, so that a scan of files and exports can look for
them: see ``SECRETS``.
"""

from __future__ import annotations

import base64
import json

import pytest
import yaml

from app.interchange import InterchangeError, detect_format

#: Every secret value the samples carry (the secret scan looks for each).
BASIC_USER, BASIC_PASSWORD = "admin", "pa55-Basic-SECRET"
LOGIN_USER, LOGIN_PASSWORD = "shopper", "Login-SECRET-pw"
BEARER_TOKEN = "tok-Bearer-SECRET-123"
API_KEY = "key-ApiKey-SECRET-456"
SECRET_VARIABLE = "var-Secret-SECRET-789"
HAR_TOKEN = "har-Bearer-SECRET-000"
DIGEST_PASSWORD = "Digest-SECRET-pw"
SECRETS = [BASIC_PASSWORD, LOGIN_PASSWORD, BEARER_TOKEN, API_KEY, SECRET_VARIABLE, HAR_TOKEN,
           DIGEST_PASSWORD]


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _kv(**pairs: str) -> list[dict[str, str]]:
    return [{"key": k, "value": v, "type": "string"} for k, v in pairs.items()]


POSTMAN: dict = {
    "info": {
        "_postman_id": "7d2c3b9e-1111-4a4a-9b9b-0123456789ab",
        "name": "Shop",
        "description": "The shop's API",
        "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
    },
    "auth": {"type": "bearer", "bearer": _kv(token="{{apiToken}}")},
    "variable": [
        {"key": "baseUrl", "value": "https://shop.example.com/api", "type": "string"},
        {"key": "apiToken", "value": SECRET_VARIABLE, "type": "secret"},
        {"key": "old", "value": "x", "disabled": True},
        {"key": "retries", "value": 3, "type": "any"},
    ],
    "item": [
        {
            "name": "Catalog",
            "item": [
                {
                    "name": "List products",
                    "request": {
                        "method": "GET",
                        "header": [
                            {"key": "Accept", "value": "application/json"},
                            {"key": "X-Debug", "value": "1", "disabled": True},
                        ],
                        "url": {
                            "raw": "{{baseUrl}}/products?page=1&limit=20",
                            "host": ["{{baseUrl}}"],
                            "path": ["products"],
                            "query": [
                                {"key": "page", "value": "1"},
                                {"key": "limit", "value": "20"},
                                {"key": "sort", "value": "name", "disabled": True},
                            ],
                        },
                    },
                    "event": [{"listen": "test", "script": {"exec": ["pm.test('ok')"]}}],
                },
                {
                    "name": "Admin",
                    "auth": {"type": "basic",
                             "basic": _kv(username=BASIC_USER, password=BASIC_PASSWORD)},
                    "item": [
                        {
                            "name": "Create product",
                            "request": {
                                "method": "POST",
                                "header": [{"key": "Content-Type",
                                            "value": "application/json"}],
                                "body": {
                                    "mode": "raw",
                                    "raw": '{\n  "name": "Lamp",\n  "price": {{price}}\n}',
                                    "options": {"raw": {"language": "json"}},
                                },
                                "url": "{{baseUrl}}/products",
                            },
                        },
                        {
                            "name": "Upload image",
                            "request": {
                                "method": "POST",
                                "body": {
                                    "mode": "formdata",
                                    "formdata": [
                                        {"key": "caption", "value": "Front view",
                                         "type": "text"},
                                        {"key": "meta", "value": '{"w": 10}', "type": "text",
                                         "contentType": "application/json"},
                                        {"key": "image", "type": "file",
                                         "src": "/home/ada/lamp.png",
                                         "contentType": "image/png"},
                                        {"key": "draft", "value": "yes", "type": "text",
                                         "disabled": True},
                                    ],
                                },
                                "url": {"raw": "{{baseUrl}}/products/images",
                                        "host": ["{{baseUrl}}"],
                                        "path": ["products", "images"]},
                            },
                        },
                    ],
                },
            ],
        },
        {
            "name": "Orders",
            "variable": [{"key": "region", "value": "eu"}],
            "item": [
                {
                    "name": "Get order",
                    "request": {
                        "auth": {"type": "noauth"},
                        "method": "GET",
                        "url": {
                            "raw": "{{baseUrl}}/orders/:orderId",
                            "host": ["{{baseUrl}}"],
                            "path": ["orders", ":orderId"],
                            "variable": [{"key": "orderId", "value": "42"}],
                        },
                    },
                },
                {
                    "name": "Search orders",
                    "request": {
                        "method": "POST",
                        "body": {
                            "mode": "graphql",
                            "graphql": {
                                "query": "query ($q: String) { orders(q: $q) { id } }",
                                "variables": '{"q": "lamp"}',
                            },
                        },
                        "url": "{{baseUrl}}/graphql",
                    },
                },
                {
                    "name": "Cancel order",
                    "request": {
                        "method": "DELETE",
                        "auth": {"type": "apikey", "apikey": [
                            {"key": "key", "value": "api_key"},
                            {"key": "value", "value": API_KEY},
                            {"key": "in", "value": "query"},
                        ]},
                        "url": "{{baseUrl}}/orders/42?reason=late",
                    },
                },
            ],
        },
        {
            "name": "Login",
            "request": {
                "auth": {"type": "noauth"},
                "method": "POST",
                "header": [
                    {"key": "Authorization",
                     "value": "Basic " + b64(f"{LOGIN_USER}:{LOGIN_PASSWORD}")},
                    {"key": "Content-Type", "value": "application/x-www-form-urlencoded"},
                ],
                "body": {
                    "mode": "urlencoded",
                    "urlencoded": [
                        {"key": "remember", "value": "true", "type": "text"},
                        {"key": "debug", "value": "1", "type": "text", "disabled": True},
                    ],
                },
                "url": "{{baseUrl}}/login",
            },
        },
        {
            "name": "Import catalog",
            "request": {
                "method": "PUT",
                "body": {"mode": "file", "file": {"src": "/home/ada/catalog.csv"}},
                "url": "{{baseUrl}}/catalog",
            },
            "protocolProfileBehavior": {"followRedirects": False, "strictSSL": False},
        },
        {"name": "Ping", "request": "https://status.example.com/ping"},
        {
            "name": "Feed (XML)",
            "request": {
                "method": "POST",
                "body": {"mode": "raw", "raw": "<feed><item/></feed>",
                         "options": {"raw": {"language": "xml"}}},
                "url": "{{baseUrl}}/feed",
            },
        },
        {
            "name": "Notes",
            "request": {
                "method": "POST",
                "header": [{"key": "Content-Type", "value": "text/plain"}],
                "body": {"mode": "raw", "raw": "first line\nsecond line"},
                "url": "{{baseUrl}}/notes",
            },
        },
        {
            "name": "Digest area",
            "request": {
                "method": "GET",
                "auth": {"type": "digest",
                         "digest": _kv(username="dora", password=DIGEST_PASSWORD,
                                       realm="shop")},
                "url": "{{baseUrl}}/digest",
            },
        },
        {
            "name": "Partner API",
            "request": {
                "method": "GET",
                "auth": {"type": "oauth2", "oauth2": _kv(accessToken="{{partnerToken}}")},
                "url": "{{baseUrl}}/partner",
            },
        },
    ],
}

POSTMAN_JSON = json.dumps(POSTMAN, indent=2)


OPENAPI_YAML = """\
openapi: 3.0.3
info:
  title: Petstore
  version: 1.0.0
servers:
  - url: https://{region}.petstore.example.com/v1
    variables:
      region:
        default: eu
tags:
  - name: pets
  - name: store
security:
  - bearerAuth: []
paths:
  /pets:
    get:
      summary: List all pets
      operationId: listPets
      tags: [pets]
      parameters:
        - name: limit
          in: query
          required: false
          schema: {type: integer, format: int32, example: 10}
        - name: species
          in: query
          required: true
          schema: {type: string, enum: [cat, dog]}
        - $ref: '#/components/parameters/RequestId'
        - name: Accept
          in: header
          schema: {type: string}
    post:
      operationId: createPet
      tags: [pets]
      requestBody:
        $ref: '#/components/requestBodies/PetBody'
  /pets/{petId}:
    parameters:
      - name: petId
        in: path
        required: true
        schema: {type: integer}
        example: 7
    get:
      summary: Info for a specific pet
      tags: [pets]
    put:
      summary: Update a pet with form data
      tags: [pets]
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              properties:
                name: {type: string, example: Rex}
                status: {type: string, enum: [available, sold]}
    delete:
      tags: [pets]
      security:
        - basicAuth: []
  /pets/{petId}/photo:
    post:
      summary: Upload a photo
      tags: [pets]
      requestBody:
        content:
          multipart/form-data:
            schema:
              type: object
              properties:
                caption: {type: string, example: On the sofa}
                file: {type: string, format: binary}
            encoding:
              file:
                contentType: image/jpeg
  /store/inventory:
    get:
      summary: Inventory
      tags: [store]
      security:
        - api_key: []
  /store/orders:
    post:
      summary: Place an order
      tags: [store]
      requestBody:
        content:
          application/json:
            examples:
              small:
                $ref: '#/components/examples/SmallOrder'
          application/xml:
            example: <order/>
  /health:
    get:
      security: []
components:
  parameters:
    RequestId:
      name: X-Request-ID
      in: header
      required: true
      schema: {type: string, format: uuid}
  requestBodies:
    PetBody:
      required: true
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Pet'
  examples:
    SmallOrder:
      value: {petId: 7, quantity: 1, shipDate: 2024-05-01}
  schemas:
    Pet:
      allOf:
        - $ref: '#/components/schemas/NewPet'
        - type: object
          properties:
            id: {type: integer, format: int64, readOnly: true}
            parent:
              $ref: '#/components/schemas/Pet'
            children:
              type: array
              items:
                $ref: '#/components/schemas/Pet'
    NewPet:
      type: object
      required: [name]
      properties:
        name: {type: string, example: Rex}
        tag: {type: string}
        born: {type: string, format: date}
        vaccinated: {type: boolean}
        weight: {type: number}
  securitySchemes:
    bearerAuth:
      type: http
      scheme: bearer
    basicAuth:
      type: http
      scheme: basic
    api_key:
      type: apiKey
      name: X-API-Key
      in: header
"""

OPENAPI = yaml.safe_load(OPENAPI_YAML)
OPENAPI_JSON = json.dumps(OPENAPI, indent=2, default=str)

OPENAPI_31 = {
    "openapi": "3.1.0",
    "info": {"title": "Notes 3.1", "version": "1"},
    "servers": [{"url": "http://127.0.0.1:8000/"}],
    "paths": {
        "/notes": {
            "post": {
                "operationId": "addNote",
                "parameters": [{"name": "draft", "in": "query",
                                "schema": {"type": ["boolean", "null"], "examples": [True]}}],
                "requestBody": {"content": {"application/json": {"schema": {
                    "type": "object",
                    "properties": {
                        "text": {"type": ["string", "null"], "examples": ["hello"]},
                        "tags": {"type": "array", "items": {"type": "string"}},
                        "meta": {"const": {"v": 1}},
                    },
                }}}},
                "security": [{"key": []}],
            },
        },
    },
    "components": {"securitySchemes": {"key": {"type": "apiKey", "name": "token",
                                               "in": "query"}}},
}


def _header(name: str, value: str) -> dict[str, str]:
    return {"name": name, "value": value}


def _har_request(method: str, url: str, headers: list[dict[str, str]],
                 post: dict | None = None, query: list | None = None) -> dict:
    request = {
        "method": method, "url": url, "httpVersion": "h2",
        "headers": headers, "queryString": query or [], "cookies": [],
        "headersSize": -1, "bodySize": 0,
    }
    if post is not None:
        request["postData"] = post
    return request


def _har_entry(request: dict) -> dict:
    return {
        "pageref": "page_1", "startedDateTime": "2024-05-01T10:00:00.000Z", "time": 12.5,
        "request": request,
        "response": {"status": 200, "statusText": "", "httpVersion": "h2", "headers": [],
                     "cookies": [], "content": {"size": 2, "mimeType": "application/json",
                                                "text": "{}"},
                     "redirectURL": "", "headersSize": -1, "bodySize": -1},
        "cache": {}, "timings": {"blocked": 1, "dns": 0, "ssl": 0, "connect": 0, "send": 0,
                                 "wait": 10, "receive": 1.5},
        "_resourceType": "fetch",
    }


_BROWSER = [
    _header(":authority", "shop.example.com"),
    _header(":method", "GET"),
    _header(":path", "/api/products?page=2&q=red%20lamp"),
    _header(":scheme", "https"),
    _header("accept", "application/json"),
    _header("accept-language", "en-US,en;q=0.9"),
    _header("cookie", "session=abc123; theme=dark"),
    _header("user-agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/124.0"),
]

_BOUNDARY = "----WebKitFormBoundary7MA4YWxkTrZu0gW"

HAR: dict = {"log": {
    "version": "1.2",
    "creator": {"name": "WebInspector", "version": "537.36"},
    "pages": [{"startedDateTime": "2024-05-01T10:00:00.000Z", "id": "page_1",
               "title": "https://shop.example.com/", "pageTimings": {}}],
    "entries": [
        _har_entry(_har_request(
            "GET", "https://shop.example.com/api/products?page=2&q=red%20lamp", _BROWSER,
            query=[{"name": "page", "value": "2"}, {"name": "q", "value": "red lamp"}])),
        _har_entry(_har_request(
            "POST", "https://shop.example.com/api/cart",
            [*_BROWSER[4:], _header("authorization", f"Bearer {HAR_TOKEN}"),
             _header("content-type", "application/json"), _header("content-length", "27"),
             _header("origin", "https://shop.example.com")],
            post={"mimeType": "application/json", "text": '{"productId":7,"quantity":1}'})),
        _har_entry(_har_request(
            "POST", "https://shop.example.com/api/newsletter",
            [_header("Content-Type", "application/x-www-form-urlencoded"),
             _header("Connection", "keep-alive"), _header("Host", "shop.example.com")],
            post={"mimeType": "application/x-www-form-urlencoded",
                  "text": "email=ada%40example.com&lists=news+offers",
                  "params": [{"name": "email", "value": "ada%40example.com"},
                             {"name": "lists", "value": "news+offers"}]})),
        _har_entry(_har_request(
            "POST", "https://shop.example.com/api/avatar",
            [_header("content-type", f"multipart/form-data; boundary={_BOUNDARY}")],
            post={"mimeType": f"multipart/form-data; boundary={_BOUNDARY}",
                  "text": (f"--{_BOUNDARY}\r\n"
                           'Content-Disposition: form-data; name="nick"\r\n\r\n'
                           "ada\r\n"
                           f"--{_BOUNDARY}\r\n"
                           'Content-Disposition: form-data; name="avatar"; '
                           'filename="me.png"\r\n'
                           "Content-Type: image/png\r\n\r\n"
                           "\r\n"
                           f"--{_BOUNDARY}--\r\n")})),
        _har_entry(_har_request(
            "PUT", "https://shop.example.com/api/notes/1",
            [_header("Content-Type", "text/csv")],
            post={"mimeType": "text/csv", "text": "a,b\n1,2\n"})),
        _har_entry(_har_request("GET", "data:image/png;base64,iVBORw0KGgo=", [])),
        _har_entry(_har_request(
            "GET", "wss://shop.example.com/live",
            [_header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
             _header("Sec-WebSocket-Protocol", "chat, superchat"),
             _header("Upgrade", "websocket")])),
    ],
}}

HAR_JSON = json.dumps(HAR, indent=2)

CURL = f"""\
curl 'https://api.example.com/v1/users?active=true' \\
  -H 'Accept: application/json' \\
  -H 'Authorization: Bearer {BEARER_TOKEN}'

$ curl -X POST https://api.example.com/v1/users \\
    -u '{BASIC_USER}:{BASIC_PASSWORD}' \\
    -H 'Content-Type: application/json' \\
    --data-raw '{{
  "name": "Ada",
  "roles": ["admin"]
}}'
# Upload an avatar
curl -F 'avatar=@/home/ada/me.png;type=image/png' -F 'nick=ada' https://api.example.com/v1/me
curl https://api.example.com/v1/health -H 'Authorization: Basic {b64("probe:" + LOGIN_PASSWORD)}'
"""


@pytest.mark.parametrize(("text", "expected"), [
    (POSTMAN_JSON, "postman"),
    (OPENAPI_YAML, "openapi"),
    (OPENAPI_JSON, "openapi"),
    (json.dumps(OPENAPI_31), "openapi"),
    (HAR_JSON, "har"),
    (CURL, "curl"),
    ("# a comment first\n\ncurl https://x.example", "curl"),
    ("\ufeff" + POSTMAN_JSON, "postman"),
])
def test_detect_format(text: str, expected: str) -> None:
    assert detect_format(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("", "empty"),
    ("   \n", "empty"),
    ("hello world", "Not something Spyglass can import"),
    ('{"a": 1}', "Not something Spyglass can import"),
    ("[1, 2]", "Not something Spyglass can import"),
    ('{"swagger": "2.0", "paths": {}}', "Swagger 2.0 is not supported"),
    ('{"openapi": "2.5"}', "OpenAPI 2.5 is not supported"),
    ('{"info": {}, "requests": [], "order": []}', "Postman collection v1"),
    ('{\n  "info": {"name": "x"},\n  "item": [\n}', "Invalid JSON at line 4, column 1"),
    ("openapi: 3.0.0\ninfo: [unclosed\n", "Invalid YAML at line 3"),
    ("wget https://x.example", "Not something Spyglass can import"),
])
def test_unknown_or_broken_content_says_why(text: str, message: str) -> None:
    with pytest.raises(InterchangeError) as caught:
        detect_format(text)
    assert message in str(caught.value)
    assert isinstance(caught.value, ValueError)
