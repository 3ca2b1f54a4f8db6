"""validate: graphql-core's problems with their positions (1-based, as graphql-core counts)."""

from __future__ import annotations

import pytest
from graphql import build_schema

from app.graphql import Problem, validate

SCHEMA = build_schema("type Query { user(id: ID!): User } type User { id: ID! name: String }")


def test_a_valid_or_blank_document_has_no_problems() -> None:
    assert validate(SCHEMA, '{ user(id: "1") { id name } }') == []
    assert validate(SCHEMA, "  \n ") == []


def test_an_unknown_field_is_placed_on_its_name() -> None:
    assert validate(SCHEMA, '{ user(id: "1") {\n  id\n  nme\n} }') == [Problem(
        3, 3, "Cannot query field 'nme' on type 'User'. Did you mean 'name'?", 3, 6)]


def test_a_missing_argument_and_an_unused_variable_in_document_order() -> None:
    problems = validate(SCHEMA, "query Q($x: ID) {\n  user { id }\n}")
    assert [(p.line, p.column) for p in problems] == [(1, 9), (2, 3)]
    assert "Variable '$x' is never used" in problems[0].message
    assert "is required, but it was not provided" in problems[1].message
    assert (problems[1].end_line, problems[1].end_column) == (2, 7)


def test_a_syntax_error_is_one_problem_where_parsing_stopped() -> None:
    assert validate(SCHEMA, '{ user(id: "1") {\n  id\n') == [
        Problem(3, 1, "Syntax Error: Expected Name, found <EOF>.", 3, 2)]
    assert validate(SCHEMA, "{ user(id: 1\r\n  }")[0].line == 2


def test_crlf_lines_are_counted_as_graphql_core_counts_them() -> None:
    problems = validate(SCHEMA, '{\r\n  user(id: "1") { nope }\r\n}')
    assert [(p.line, p.column) for p in problems] == [(2, 19)]


def test_the_number_of_problems_is_capped() -> None:
    document = "{ " + " ".join(f"f{i}" for i in range(50)) + " }"
    assert len(validate(SCHEMA, document, max_problems=5)) == 5
    with pytest.raises(ValueError, match="max_problems"):
        validate(SCHEMA, document, max_problems=0)
