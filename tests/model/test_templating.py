"""Properties of ``{{name}}`` templating (app.model.compose.substitute and unresolved).

What the code does, and these tests hold it to:

* A reference is ``{{`` + optional whitespace + a name + optional whitespace + ``}}``; a name
  is one or more characters that are neither braces nor whitespace (Unicode whitespace, as
  ``str.isspace``). ``{{ name }}`` is ``{{name}}``; ``{{a b}}``, ``{{}}`` and ``{{ }}`` are not
  references: they stay as text and are not reported.
* Substitution is one pass over the text: a value is inserted as it is, and ``{{...}}`` inside
  a value is neither expanded nor reported, so no set of values can make it loop. Nested
  variables (``base = {{host}}/api``) are resolved beforehand by ``resolve_nested``, as
  Postman does, in a bounded number of rounds; ``compose`` does both.
* ``unresolved`` lists the names of references that ``variables`` does not define, in order,
  once per occurrence; ``substitute`` raises ``ComposeError`` (field ``where``) naming each
  of them once, exactly when that list is not empty.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.model.compose import ComposeError, substitute, unresolved

# --- strategies ------------------------------------------------------------------------------

#: Whitespace the pattern's ``\s`` accepts around a name, ASCII and not.
SPACES = st.text(alphabet=st.sampled_from(" \t\n\r\x0b\x0c\xa0\u2003\u3000"), max_size=3)


def _is_name(text: str) -> bool:
    return bool(text) and not any(c in "{}" or c.isspace() for c in text)


NAMES = st.one_of(
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_.\-]{0,11}", fullmatch=True),
    st.text(min_size=1, max_size=8).filter(_is_name),  # any other character: $, é, 😀, ...
)
#: Text with no braces at all.
PLAIN = st.text(max_size=12).filter(lambda t: "{" not in t and "}" not in t)
#: Values may hold anything: references, braces, regex replacement syntax.
VALUES = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["{{a}}", "{{ b }}", "{{", "}}", r"\1", r"\g<0>", "\\", "$1", "{{{{x}}}}"]),
)
#: Text made mostly of braces, to reach the odd cases (``{{{a}}}``, ``{{{{``, ``}}{{``).
BRACEY = st.lists(st.sampled_from(["{", "}", "{{", "}}", " ", "a", "b", "é", "\n"]),
                  max_size=20).map("".join)


@dataclass(frozen=True)
class Ref:
    """One ``{{name}}`` in a template, with the whitespace written inside the braces."""

    name: str
    left: str = ""
    right: str = ""

    def __str__(self) -> str:
        return "{{" + self.left + self.name + self.right + "}}"


def refs(names: st.SearchStrategy[str] = NAMES) -> st.SearchStrategy[Ref]:
    return st.builds(Ref, names, SPACES, SPACES)


#: A template as parts: plain text and references, in any order.
TEMPLATES = st.lists(st.one_of(PLAIN, refs()), max_size=8)


def render(parts: list[str | Ref]) -> str:
    return "".join(str(part) for part in parts)


def expand(parts: list[str | Ref], variables: dict[str, str]) -> str:
    return "".join(variables[p.name] if isinstance(p, Ref) else p for p in parts)


def names_in(parts: list[str | Ref]) -> list[str]:
    return [p.name for p in parts if isinstance(p, Ref)]


def scan(text: str) -> list[tuple[int, int, str]]:
    """The references in ``text`` as (start, end, name), found by hand from the rule in the
    module docstring, leftmost first and not overlapping: an oracle independent of the regex."""
    found = []
    i = 0
    while i < len(text):
        if text.startswith("{{", i):
            j = i + 2
            while j < len(text) and text[j].isspace():
                j += 1
            k = j
            while k < len(text) and text[k] not in "{}" and not text[k].isspace():
                k += 1
            end = k
            while end < len(text) and text[end].isspace():
                end += 1
            if k > j and text.startswith("}}", end):
                found.append((i, end + 2, text[j:k]))
                i = end + 2
                continue
        i += 1
    return found


# --- substituting ----------------------------------------------------------------------------


@given(parts=TEMPLATES, values=st.data())
def test_each_reference_becomes_its_value_as_it_is(parts: list[str | Ref],
                                                   values: st.DataObject) -> None:
    variables = {name: values.draw(VALUES, label=name) for name in names_in(parts)}
    text = render(parts)
    assert unresolved(text, variables) == []
    # Values are inserted literally: their {{...}}, backslashes and $ are not interpreted.
    assert substitute(text, variables, "url") == expand(parts, variables)


@given(parts=TEMPLATES, values=st.data())
def test_with_every_name_known_no_reference_is_left(parts: list[str | Ref],
                                                    values: st.DataObject) -> None:
    variables = {name: values.draw(PLAIN, label=name) for name in names_in(parts)}
    result = substitute(render(parts), variables, "body")
    assert scan(result) == []
    assert not any(str(Ref(name)) in result for name in variables)


@given(text=st.text(max_size=40), variables=st.dictionaries(NAMES, VALUES, max_size=4))
def test_text_without_double_braces_is_unchanged(text: str, variables: dict[str, str]) -> None:
    text = text.replace("{{", "{")
    assert unresolved(text, variables) == []
    assert substitute(text, variables, "headers") == text


@given(text=PLAIN, variables=st.dictionaries(NAMES, VALUES, max_size=4))
def test_text_without_braces_is_unchanged(text: str, variables: dict[str, str]) -> None:
    assert substitute(text, variables, "url") == text


@given(text=BRACEY, known=st.sets(st.sampled_from(["a", "b", "é", "a b"])),
       value=VALUES)
@settings(max_examples=300)
def test_odd_braces_follow_the_rule(text: str, known: set[str], value: str) -> None:
    variables = dict.fromkeys(known, value)
    found = scan(text)
    assert unresolved(text, variables) == [name for _, _, name in found if name not in known]
    if any(name not in known for _, _, name in found):
        with pytest.raises(ComposeError):
            substitute(text, variables, "body")
        return
    expected, last = [], 0
    for start, end, name in found:
        expected += [text[last:start], variables[name]]
        last = end
    assert substitute(text, variables, "body") == "".join([*expected, text[last:]])


def test_a_json_body_with_references_next_to_its_braces() -> None:
    text = '{"id": {{id}}, "user": {"name": {{name}}, "tags": [{{tag}}]}, "n": {{ n }}}'
    variables = {"id": "7", "name": '"Zoë"', "tag": '"x"', "n": '{"deep": {"a": 1}}'}
    assert json.loads(substitute(text, variables, "body")) == {
        "id": 7, "user": {"name": "Zoë", "tags": ["x"]}, "n": {"deep": {"a": 1}}}


@given(pairs=st.lists(st.tuples(st.text(alphabet="abcxyz", min_size=1, max_size=4),
                                st.integers(-10**6, 10**6) | st.text(max_size=8) | st.booleans()),
                      max_size=5, unique_by=lambda p: p[0]))
def test_json_values_substituted_into_a_nested_body_parse_back(
        pairs: list[tuple[str, int | str | bool]]) -> None:
    # Each value sits just before closing braces ("{{v0}}}}"), as in real JSON bodies.
    text, expected, variables = "", {}, {}
    for i, (key, value) in enumerate(pairs):
        variables[f"v{i}"] = json.dumps(value)
        text += f'"{key}": {{"inner": {{{{v{i}}}}}}}, '
        expected[key] = {"inner": value}
    text = "{" + text.rstrip(", ") + "}"
    assert json.loads(substitute(text, variables, "body")) == expected


# --- values are not expanded again -----------------------------------------------------------


@pytest.mark.parametrize(("variables", "expected"), [
    ({"a": "{{a}}"}, "{{a}}"),                              # a value naming itself
    ({"a": "{{b}}", "b": "{{a}}"}, "{{b}}"),                # a cycle
    ({"a": "{{b}}", "b": "x"}, "{{b}}"),                    # nested: not resolved (Postman does)
    ({"a": "{{missing}}"}, "{{missing}}"),                  # and not reported either
    ({"a": "{{a}}{{a}}" * 50}, "{{a}}{{a}}" * 50),          # no blow-up
])
def test_a_value_is_inserted_once_and_never_expanded(variables: dict[str, str],
                                                     expected: str) -> None:
    assert substitute("{{a}}", variables, "url") == expected
    assert unresolved("{{a}}", variables) == []


# --- what is missing -------------------------------------------------------------------------


@given(parts=st.lists(st.one_of(PLAIN, refs(st.sampled_from(["a", "b", "c", "$x", "é"]))),
                      max_size=10),
       known=st.sets(st.sampled_from(["a", "b", "c", "$x", "é", "other"])),
       where=st.sampled_from(["url", "headers", "body", "auth"]))
def test_unresolved_lists_exactly_the_missing_names(parts: list[str | Ref], known: set[str],
                                                   where: str) -> None:
    variables = {name: f"<{name}>" for name in known}
    text = render(parts)
    missing = [name for name in names_in(parts) if name not in known]
    assert unresolved(text, variables) == missing  # in order, once per occurrence
    if not missing:
        assert substitute(text, variables, where) == expand(parts, variables)
        return
    with pytest.raises(ComposeError) as caught:
        substitute(text, variables, where)
    assert caught.value.field == where
    each_once = ", ".join("{{" + name + "}}" for name in dict.fromkeys(missing))
    assert str(caught.value) == f"Unresolved variable {each_once} in the {where}"


def test_unresolved_accepts_any_container_of_names() -> None:
    assert unresolved("{{a}} {{b}} {{a}}", {"b"}) == ["a", "a"]
    assert unresolved("{{a}} {{b}}", {}) == ["a", "b"]


# --- whitespace inside the braces ------------------------------------------------------------


@given(name=NAMES, left=SPACES, right=SPACES, value=st.text(max_size=8))
def test_whitespace_around_the_name_is_ignored(name: str, left: str, right: str,
                                               value: str) -> None:
    text = "{{" + left + name + right + "}}"
    assert unresolved(text, {}) == [name]
    assert substitute(text, {name: value}, "url") == value


@pytest.mark.parametrize("text", [
    "{{a b}}",     # whitespace inside a name: not a reference
    "{{}}",
    "{{ }}",
    "{{\n}}",
    "{a}",
    "{ {a} }",
    "{{a}",
    "{a}}",
    "{{a{b}}",     # no brace in a name; "{b}}" alone is no reference either
])
def test_what_is_not_a_reference_stays_as_text(text: str) -> None:
    variables = {"a": "A", "b": "B", "a b": "AB", "": "E"}
    assert unresolved(text, {}) == []
    assert substitute(text, variables, "url") == text


@pytest.mark.parametrize(("text", "expected"), [
    ("{{{a}}}", "{A}"),            # the innermost pair is the reference
    ("{{{{a}}}}", "{{A}}"),
    ("{{a}}}", "A}"),
    ("{{a}}{{b}}", "AB"),
    ("{{ a }}{{\tb\n}}", "AB"),
    ("{{a}} {{a b}} {{b}}", "A {{a b}} B"),
])
def test_references_among_extra_braces(text: str, expected: str) -> None:
    assert substitute(text, {"a": "A", "b": "B"}, "url") == expected


def test_nested_variables_are_resolved_before_substitution_as_postman_does() -> None:
    from app.model.templating import resolve_nested

    values = resolve_nested({"base": "https://{{host}}/api", "host": "{{sub}}.example.com",
                             "sub": "eu", "loop": "{{loop}}!", "a": "{{b}}", "b": "{{a}}",
                             "open": "{{nothing}}"})
    assert values["base"] == "https://eu.example.com/api"
    assert values["loop"] == "{{loop}}!"
    assert values["open"] == "{{nothing}}"
    assert "{{" in values["a"] and "{{" in values["b"]  # a cycle ends, it does not hang
    assert substitute("{{base}}/x", values, "url") == "https://eu.example.com/api/x"
