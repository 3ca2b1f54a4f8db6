"""Postman test scripts translated into asserts and captures: each form, the Chai words
around them, and what is kept (and listed) when a script is not one of them."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.interchange import import_text
from app.interchange.postman import postman_collection
from app.interchange.postman_tests import translate_tests
from app.model.checks import AssertModel, AssertOp, CaptureModel

EQ, NEQ, LT, GT, GTE, LTE = (AssertOp.EQ, AssertOp.NEQ, AssertOp.LT, AssertOp.GT,
                             AssertOp.GTE, AssertOp.LTE)


def one(script: str) -> AssertModel:
    found = translate_tests(script)
    assert found.kept == [], found.kept
    assert len(found.asserts) == 1, found.asserts
    return found.asserts[0]


@pytest.mark.parametrize(("script", "expected"), [
    ('pm.test("ok", function () { pm.response.to.have.status(200); });',
     AssertModel("status", EQ, 200)),
    ("pm.test('ok', () => { pm.expect(pm.response.code).to.eql(201) })",
     AssertModel("status", EQ, 201)),
    ('pm.test("ok", () => pm.expect(pm.response.code).to.equal(204));',
     AssertModel("status", EQ, 204)),
    ("pm.response.to.have.status(404);", AssertModel("status", EQ, 404)),
    ('var jsonData = pm.response.json();\n'
     'pm.test("v", function () { pm.expect(jsonData.a.b).to.eql("x"); });',
     AssertModel("body.$.a.b", EQ, "x")),
    ('pm.test("v", function () {\n  const data = JSON.parse(responseBody);\n'
     '  pm.expect(data.items[0].id).to.eql(7);\n});',
     AssertModel("body.$.items[0].id", EQ, 7)),
    ('pm.test("v", function () { pm.expect(pm.response.json().a.b).to.eql(true) })',
     AssertModel("body.$.a.b", EQ, True)),
    ("""pm.test("v", () => { pm.expect(pm.response.json()["first name"])"""
     """.to.eql('Ann \\'A\\'') })""",
     AssertModel('body.$["first name"]', EQ, "Ann 'A'")),
    ('pm.test("h", function () { pm.response.to.have.header("Content-Type"); });',
     AssertModel("header.Content-Type", AssertOp.EXISTS, None)),
    ('pm.test("h", function () { pm.response.to.have.header("X-Id", "7"); });',
     AssertModel("header.X-Id", EQ, "7")),
    ('pm.test("t", function () { pm.expect(pm.response.responseTime).to.be.below(200); });',
     AssertModel("time_ms", LT, 200)),
    ("pm.expect(pm.response.responseTime).to.be.lessThan(300)",
     AssertModel("time_ms", LT, 300)),
    ("pm.expect(pm.response.responseSize).to.be.above(10)", AssertModel("size", GT, 10)),
    ("pm.expect(pm.response.code).to.be.at.least(200)", AssertModel("status", GTE, 200)),
    ("pm.expect(pm.response.code).to.be.at.most(299)", AssertModel("status", LTE, 299)),
    ("pm.expect(pm.response.code).to.not.eql(500)", AssertModel("status", NEQ, 500)),
    ('pm.expect(pm.response.text()).to.include("ok")',
     AssertModel("body", AssertOp.CONTAINS, "ok")),
    ('pm.expect(pm.response.headers.get("Server")).to.eql("x")',
     AssertModel("header.Server", EQ, "x")),
    ("pm.expect(pm.response.json().items).to.have.lengthOf(3)",
     AssertModel("body.$.items", AssertOp.LENGTH, 3)),
    ("pm.expect(pm.response.json().items.length).to.eql(2)",
     AssertModel("body.$.items", AssertOp.LENGTH, 2)),
    ("pm.expect(pm.response.json().id).to.exist", AssertModel("body.$.id", AssertOp.EXISTS, None)),
    ("pm.expect(pm.response.json().gone).to.not.exist",
     AssertModel("body.$.gone", AssertOp.EXISTS, False)),
    ('pm.expect(pm.response.json().name).to.be.a("string")',
     AssertModel("body.$.name", AssertOp.TYPE, "string")),
    ("pm.expect(pm.response.json().ok).to.be.true", AssertModel("body.$.ok", EQ, True)),
    ("pm.expect(pm.response.code).to.be.oneOf([200, 201])",
     AssertModel("status", AssertOp.IN, [200, 201])),
    ("pm.expect(pm.response.json().name).to.match(/^La/)",
     AssertModel("body.$.name", AssertOp.MATCHES, "^La")),
    ('pm.expect(pm.response.json().user).to.eql(pm.environment.get("user"))',
     AssertModel("body.$.user", EQ, "{{user}}")),
    ('pm.expect(pm.response.json().tags).to.eql(["a", "b"])',
     AssertModel("body.$.tags", EQ, ["a", "b"])),
])
def test_each_form_becomes_its_assert(script: str, expected: AssertModel) -> None:
    assert one(script) == expected


def test_a_chain_split_over_lines_comments_and_an_alias_with_a_path() -> None:
    found = translate_tests([
        "// checks on the answer",
        "var data = pm.response.json().data; /* the payload */",
        'pm.test("chained", function () {',
        "    pm.expect(data.user.id)",
        "        .to.eql(3)",
        "    pm.expect(data.user.name).to.eql('x')  // no semicolons",
        "});",
    ])
    assert found.kept == []
    assert found.tests == 1
    assert found.asserts == [AssertModel("body.$.data.user.id", EQ, 3),
                             AssertModel("body.$.data.user.name", EQ, "x")]


def test_captures_from_environment_and_collection_variables() -> None:
    found = translate_tests(
        "var jsonData = pm.response.json();\n"
        'pm.environment.set("token", jsonData.token);\n'
        "pm.collectionVariables.set('itemId', jsonData.item.id);\n"
        'pm.globals.set("server", pm.response.headers.get("Server"));\n'
        'postman.setEnvironmentVariable("code", pm.response.code);\n')
    assert found.kept == []
    assert found.captures == [
        CaptureModel("token", "body.$.token", secret=True),
        CaptureModel("itemId", "body.$.item.id"),
        CaptureModel("server", "header.Server"),
        CaptureModel("code", "status"),
    ]


UNTRANSLATED = [
    'if (pm.response.code === 200) { pm.environment.set("a", 1); }',
    'pm.test("custom", function () { pm.expect(pm.response.json().a).to.satisfy(f); })',
    'pm.test("x", function () { pm.expect(pm.response.json().a).to.be.below("z"); })',
    'pm.test("no body")',
    "console.log(pm.response.json())",
    'pm.environment.set("n", jsonData.value)',  # no alias named jsonData
    "pm.expect(pm.response.json().a).to.not.be.below(3)",
    "pm.expect(pm.response.json().a).to.match(/x/i)",
    'pm.expect(pm.response.json().a).to.be.a("undefined")',
    "pm.expect(pm.response.json().a.length).to.be.below(3)",
    "pm.expect(pm.response.json().a).to.eql(undefined)",
    "var x = 1",
    "function helper() { return 1; }",
]


@pytest.mark.parametrize("script", UNTRANSLATED)
def test_what_is_not_a_known_form_is_kept_as_written(script: str) -> None:
    found = translate_tests(script)
    assert found.asserts == [] and found.captures == []
    assert found.kept == [script.rstrip(";")]


def test_a_block_half_translatable_is_kept_whole() -> None:
    script = ('pm.test("two", function () {\n    pm.response.to.have.status(200);\n'
              '    pm.expect(tv4.validate(pm.response.json(), schema)).to.be.true;\n});\n'
              'pm.test("one", function () { pm.response.to.have.status(200); });')
    found = translate_tests(script)
    assert found.asserts == [AssertModel("status", EQ, 200)]
    assert found.tests == 1
    assert found.kept == [script.split(";\npm.test(\"one\"")[0]]


def test_an_overlong_script_is_kept_whole() -> None:
    script = "pm.response.to.have.status(200);\n" * 10
    found = translate_tests(script, max_chars=100)
    assert found.asserts == [] and found.kept == [script.strip()]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("pm.test(\"'`{}[]);/\\*\n =>ajx0.")), max_size=80))
def test_any_text_is_translated_or_kept_never_a_crash(script: str) -> None:
    found = translate_tests(script)
    for assertion in found.asserts:
        assertion.parsed_target()


def collection(events: list[dict[str, object]]) -> str:
    return json.dumps({
        "info": {"name": "Scripts", "schema": "https://schema.getpostman.com/json/collection/"
                                              "v2.1.0/collection.json"},
        "event": [{"listen": "test", "script": {"exec": ["pm.test('all')"]}}],
        "item": [{"name": "Get", "request": {"method": "GET", "url": "https://x.test/a"},
                  "event": events}],
    })


def test_import_translates_lists_and_keeps_the_rest_in_the_notes() -> None:
    result = import_text(collection([
        {"listen": "prerequest", "script": {"exec": ["pm.variables.set('t', Date.now());"]}},
        {"listen": "test", "script": {"exec": [
            'pm.test("ok", function () { pm.response.to.have.status(200); });',
            "var jsonData = pm.response.json();",
            'pm.environment.set("token", jsonData.token);',
            "if (jsonData.more) { postman.setNextRequest('Get'); }",
        ]}},
    ]))
    model = result.collections[0].requests[0]
    assert model.asserts == [AssertModel("status", EQ, 200)]
    assert model.captures == [CaptureModel("token", "body.$.token", secret=True)]
    assert model.notes == (
        "// Postman prerequest script: Spyglass runs no scripts\n"
        "pm.variables.set('t', Date.now());\n\n"
        "// Postman test script: not translated into asserts\n"
        "if (jsonData.more) { postman.setNextRequest('Get'); }")
    assert ("'Get': test script not translated, kept in its notes: if (jsonData.more) "
            "{ postman.setNextRequest('Get'); }") in result.warnings
    assert any(w.startswith("Postman prerequest scripts were not run or translated")
               for w in result.warnings)
    assert "Collection scripts were left out" in result.warnings
    # Exported, the kept scripts are scripts again; imported once more, the same notes.
    doc = postman_collection(result.collections)
    events = doc["item"][0]["event"]
    assert [e["listen"] for e in events] == ["prerequest", "test"]
    again = import_text(json.dumps(doc)).collections[0].requests[0]
    assert again.notes == model.notes


def test_notes_are_written_to_the_request_file_only_when_there_are_some(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from app.model.request import RequestModel
    from app.storage.workspace import MemorySecrets, Workspace, dump_request

    assert b"notes" not in dump_request(RequestModel(), MemorySecrets())
    ws = Workspace(tmp_path, MemorySecrets())
    ws.create_collection("C")
    path = ws.new_request("C", RequestModel(name="N", notes="// kept\nif (a) { b(); }"))
    assert "notes: |-\n  // kept\n  if (a) { b(); }\n" in path.read_text()
    assert ws.load_request(path).notes == "// kept\nif (a) { b(); }"
