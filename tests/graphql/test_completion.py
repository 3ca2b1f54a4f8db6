"""Completion in every context, filtering, deprecation, literals, and the token cache's
incremental lexing (the same answers whatever the order of calls)."""

from __future__ import annotations

import pytest
from graphql import build_schema

from app.graphql import complete, word_before
from app.graphql._tokens import TokenStream, tokens_before

SCHEMA = build_schema('''
"Something with an id." interface Node { id: ID! }
enum Role { ADMIN USER GUEST @deprecated(reason: "gone") }
input Filter { role: Role, name: String, nested: Filter, roles: [Role!] }
type User implements Node {
  id: ID!
  "The name." name: String
  oldName: String @deprecated(reason: "use name")
  role: Role
  friends(first: Int, "Which ones." filter: Filter): [User!]!
}
type Post implements Node { id: ID! title: String }
union SearchResult = User | Post
type Query { user(id: ID!): User search(q: String!, filter: Filter, role: Role): [SearchResult!]!
             node(id: ID!): Node }
type Mutation { addUser(name: String!, role: Role = USER): User }
directive @cached(ttl: Int) on FIELD | QUERY
''')


def suggest(marked: str) -> list[tuple[str, str]]:
    """(label, kind) pairs at the ``|`` of ``marked``."""
    at = marked.index("|")
    text = marked.replace("|", "", 1)
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    return [(s.label, s.kind) for s in complete(SCHEMA, text, line, column)]


def labels(marked: str) -> list[str]:
    return [label for label, _ in suggest(marked)]


CASES = [
    # fields of the root, of a nested type, after an alias, in fragments and inline fragments
    ("{ |", ["user", "search", "node", "__typename", "__schema", "__type"]),
    ("{ user(id: 1) { na| } }", ["name"]),
    ("{ a: us|", ["user"]),
    ("{ user(id: 1) { name } us| }", ["user"]),
    ("fragment F on User { fr| }", ["friends"]),
    ('{ search(q: "x") { ... on User { i| } } }', ["id"]),
    ('{ search(q: "x") { __ty| } }', ["__typename"]),
    ("{ node(id: 1) { | } }", ["id", "__typename"]),
    ("mutation { addUser(name: \"a\") { ro|", ["role"]),
    ("{ user(id: 1) { friends(filter: {role: ADMIN}) { na| } } }", ["name"]),
    # arguments of fields and directives, those given left out
    ("{ user(|) }", ["id"]),
    ("{ user(id: 1) { friends(first: 2, |) { id } } }", ["filter"]),
    ("{ user(id: 1) @cached(|) }", ["ttl"]),
    # input object fields, nested
    ('{ search(q: "x", filter: { |}) }', ["role", "name", "nested", "roles"]),
    ('{ search(q: "x", filter: { name: "a", nested: { n| } }) }', ["name", "nested"]),
    # enum values where an enum goes, in lists, as defaults; variables where a value goes
    ('{ search(q: "x", role: A|) }', ["ADMIN"]),
    ('{ search(q: "x", filter: { roles: [ADMIN, U|', ["USER"]),
    ("query Q($r: Role = |", ["ADMIN", "USER", "GUEST", "$r"]),
    ('query Q($r: Role, $f: Filter) { search(q: "x", role: $|) }', ["$r", "$f"]),
    ('query Q($r: Role, $f: Filter) { search(q: "x", role: $f|) }', ["$f"]),
    ('query Q($ok: Role) { search(q: "x", filter: { role: |', ["ADMIN", "USER", "GUEST", "$ok"]),
    # fragment spreads of matching types, types after on and in variable definitions
    ('{ search(q: "x") { ...| } }\nfragment UF on User { id }\nfragment PF on Post { id }\n'
     "fragment QF on Query { user(id: 1) { id } }", ["UF", "PF"]),
    ('{ user(id: 1) { ...P| } }\nfragment UF on User { id }\nfragment PF on Post { id }', []),
    ("{ node(id: 1) { ... on |", ["Node", "Post", "SearchResult", "User"]),
    ("{ user(id: 1) { ... on |", ["Node", "SearchResult", "User"]),
    ("fragment F on S|", ["SearchResult"]),
    ("query Q($a: |", ["Boolean", "Filter", "ID", "Int", "Role", "String"]),
    ("query Q($a: [R|", ["Role"]),
    # directives at their location
    ("{ user(id: 1) @|", ["cached", "include", "skip"]),
    ("query Q @|", ["cached"]),
    ("{ user(id: 1) { ...UF @s| } }", ["skip"]),
    # nothing inside strings and comments, between definitions, after a number
    ('{ user(id: "abc|") }', []),
    ("{ user # comm|\n }", []),
    ("{ user }\n|", []),
    ("{ user(id: 12|", []),
]


@pytest.mark.parametrize(("marked", "expected"), CASES)
def test_completion_contexts(marked: str, expected: list[str]) -> None:
    assert labels(marked) == expected


def test_kinds_details_documentation_and_deprecation() -> None:
    found = {s.label: s for s in complete(SCHEMA, "{ user(id: 1) { } }", 1, 17)}
    assert found["name"].kind == "field" and found["name"].detail == "String"
    assert found["name"].documentation == "The name."
    assert found["oldName"].deprecated and "use name" in found["oldName"].documentation
    assert list(found)[-1] == "oldName"  # deprecated ones come last
    argument = complete(SCHEMA, "{ user(id: 1) { friends(f", 1, 26)
    assert [(s.label, s.kind, s.detail) for s in argument] == [
        ("first", "argument", "Int"), ("filter", "argument", "Filter")]
    assert argument[1].documentation == "Which ones."
    guest = [s for s in complete(SCHEMA, '{ search(q: "", role: G', 1, 24)]
    assert [(s.label, s.kind, s.detail, s.deprecated) for s in guest] == [
        ("GUEST", "enum", "Role", True)]
    kinds = dict(suggest("query Q($a: Int) @|"))
    assert kinds == {"cached": "directive"}
    assert dict(suggest("query Q($a: I|")) == {"ID": "type", "Int": "type"}
    spread = complete(SCHEMA, "{ user(id: 1) { ... } }\nfragment UF on User { id }", 1, 20)
    assert [(s.label, s.kind, s.detail) for s in spread] == [("UF", "fragment", "User")]
    assert dict(suggest("query Q($v: Int) { user(id: $|")) == {"$v": "variable"}


def test_filtering_is_by_the_start_of_the_word_and_case_blind() -> None:
    assert labels("{ user(id: 1) { NA| } }") == ["name"]
    assert labels("{ user(id: 1) { x| } }") == []


def test_positions_past_the_line_or_document_are_clamped() -> None:
    text = "{ user(id: 1) {\n  na\n} }"
    assert [s.label for s in complete(SCHEMA, text, 2, 99)] == ["name"]
    assert complete(SCHEMA, text, 99, 1) == []
    assert [s.label for s in complete(SCHEMA, "{ user(id: 1) {\r\n  na\r\n} }", 2, 5)] == ["name"]


def test_word_before_names_what_a_label_replaces() -> None:
    assert word_before("{ user(id: $ab", 1, 15) == (12, "$ab")
    assert word_before("{ user { na", 1, 12) == (10, "na")
    assert word_before("{ user { ", 1, 10) == (10, "")


def test_lexing_errors_are_skipped() -> None:
    assert labels("{ user(id: 1a) { na|") == ["name"]
    assert labels("{ user(id: 1) { ~ na|") == ["name"]


def test_the_token_cache_gives_the_same_tokens_as_a_fresh_lexing() -> None:
    base = ('query Q($a: Int) {\n  user(id: "x") { name friends(first: 2) { id } }\n'
            "  # a comment\n  search(q: \"\"\"block\"\"\") { __typename }\n}\n") * 5
    edits = [base, base[:200], base[:200] + "xyz", base[:120] + "}" + base[120:],
             base[:50] + '"unterminated' + base[50:], base, base[: len(base) // 2]]
    for text in edits:
        cached = tokens_before(text)
        got = (list(cached.kinds), list(cached.starts), list(cached.ends),
               list(cached.parent), list(cached.closer), list(cached.def_start),
               cached.in_literal)
        fresh = TokenStream(text=text)
        fresh.lex_from(0)
        assert got == (fresh.kinds, fresh.starts, fresh.ends, fresh.parent, fresh.closer,
                       fresh.def_start, fresh.in_literal)


def test_completion_at_every_position_of_a_document_never_raises() -> None:
    text = ('query Q($r: Role = ADMIN, $f: [Filter!]) @cached(ttl: 1) {\n'
            '  a: user(id: "1") { ...UF ... on Node { id } friends(filter: {roles: [USER]})'
            ' { name } }\n  search(q: """x""", role: $r) { ... on Post { title } }\n}\n'
            "fragment UF on User { role }\n")
    for at in range(len(text) + 1):
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        for s in complete(SCHEMA, text, line, column):
            assert s.label
