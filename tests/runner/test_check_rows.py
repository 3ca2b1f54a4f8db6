"""The row-level checks the Tests tab uses (``check_assert``, ``check_capture``,
``checks_problem``) and how a typed value reads (``value_from_text`` / ``value_text``)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.model.checks import (
    AssertModel,
    AssertOp,
    CaptureModel,
    CheckError,
    check_assert,
    check_capture,
    checks_problem,
    parse_asserts,
    value_from_text,
    value_text,
)

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=10)


@given(_JSON)
def test_a_value_shown_in_a_cell_reads_back_equal(value: Any) -> None:
    assert value_from_text(value_text(value)) == value


@pytest.mark.parametrize(("text", "value"), [
    ("200", 200), ("[200, 201]", [200, 201]), ('"200"', "200"), ("json", "json"),
    ("true", True), ("", None), ("  ", None), ("{{id}}", "{{id}}"), ("1.5", 1.5)])
def test_typed_values(text: str, value: Any) -> None:
    assert value_from_text(text) == value


@pytest.mark.parametrize(("assertion", "field", "words"), [
    (AssertModel("bogus"), "target", "unknown target"),
    (AssertModel("body.$["), "target", "not a JSONPath"),
    (AssertModel("body", AssertOp.MATCHES, "("), "value", "not a regular expression"),
    (AssertModel("status", AssertOp.GT), "op", "gt needs a value"),
    (AssertModel("status", AssertOp.GT, "many"), "value", "compares numbers"),
    (AssertModel("body.$.a", AssertOp.TYPE, "text"), "value", "type needs one of"),
])
def test_a_bad_assert_names_its_field(assertion: AssertModel, field: str, words: str) -> None:
    with pytest.raises(CheckError) as caught:
        check_assert(assertion)
    assert caught.value.where == (field,) and words in str(caught.value)
    # The file reader refuses it too: what the tab marks is what a file could not hold.
    with pytest.raises(CheckError):
        parse_asserts([assertion.to_dict()])


def test_good_rows_pass_and_the_first_problem_is_named() -> None:
    check_assert(AssertModel("status", AssertOp.EQ, 200))
    check_assert(AssertModel("body.$.id", AssertOp.EXISTS))
    check_assert(AssertModel("time_ms", AssertOp.LT, "{{limit}}"))
    check_capture(CaptureModel("token", "body.token"))
    with pytest.raises(CheckError) as caught:
        check_capture(CaptureModel("a b", "status"))
    assert caught.value.where == ("name",)
    with pytest.raises(CheckError) as caught:
        check_capture(CaptureModel("ok", "nowhere"))
    assert caught.value.where == ("from",)
    assert checks_problem([AssertModel("status", AssertOp.EQ, 200)], []) is None
    problem = checks_problem([AssertModel("status", AssertOp.EQ, 200), AssertModel("x")],
                             [CaptureModel("", "status")])
    assert problem is not None and problem.startswith("asserts[2]: unknown target 'x'")
    assert checks_problem([], [CaptureModel("", "status")]) == \
        "captures[1]: a capture needs a variable name (no spaces or braces), not ''"
