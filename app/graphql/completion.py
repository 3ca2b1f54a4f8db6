"""Completion in a GraphQL document: what may be typed at the cursor, from the schema.

``complete(schema, query, line, column)`` finds the cursor's context with a walk over
graphql-core's tokens (:mod:`app.graphql._context`; tolerant: the document need not parse) and
offers what fits there: fields of the selection set's type (through fragments, inline
fragments, interfaces and unions, ``__typename`` everywhere), arguments of a field or
directive, input object fields, enum values and variables where a value goes, fragment
spreads of a matching type, directives valid at their location, and types after ``on`` and in
variable definitions. Suggestions are filtered by the word typed before the cursor (its start,
case-insensitively).

It is fast on big schemas: the suggestions of a schema are built once per type and kept while
the schema lives (:class:`SchemaTables`), and a document's tokens are kept between calls
(:mod:`app.graphql._tokens`), so a keystroke costs the lexing of what changed and the walk
over the levels around the cursor.
"""

from __future__ import annotations

import re
import threading
import weakref
from dataclasses import dataclass
from typing import Literal

from graphql import (
    GraphQLArgument,
    GraphQLCompositeType,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputField,
    GraphQLNamedType,
    GraphQLSchema,
    get_named_type,
    is_abstract_type,
    is_composite_type,
    is_enum_type,
    is_input_object_type,
    is_interface_type,
    is_object_type,
    is_scalar_type,
    is_union_type,
)
from graphql.language import DirectiveLocation
from graphql.type import SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef
from graphql.utilities import do_types_overlap

from ._context import Context, Want, context_at
from ._tokens import token_lock, tokens_before

__all__ = [
    "SchemaTables",
    "Suggestion",
    "SuggestionKind",
    "complete",
    "offset_of",
    "tables_for",
    "word_before",
]

SuggestionKind = Literal["field", "argument", "type", "enum", "variable", "fragment",
                         "directive"]


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One thing that may be inserted at the cursor.

    ``label`` is the text to insert (replacing :func:`word_before`); ``detail`` its type (a
    field's or argument's type, an enum value's enum, a fragment's type condition, a type's
    kind); ``documentation`` its description; ``deprecated`` is set on deprecated fields,
    arguments and enum values, which are offered after the others.
    """

    label: str
    kind: SuggestionKind
    detail: str = ""
    documentation: str = ""
    deprecated: bool = False


def _type_detail(named: GraphQLNamedType) -> str:
    """The type's kind as introspection names it (``OBJECT``, ``INPUT_OBJECT``...)."""
    name = type(named).__name__.removeprefix("GraphQL").removesuffix("Type")
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).upper()


def _ordered(items: list[Suggestion]) -> list[tuple[str, Suggestion]]:
    """With the lower-cased label for filtering; deprecated ones last, order kept otherwise."""
    items.sort(key=lambda s: s.deprecated)
    return [(s.label.lower(), s) for s in items]


def _input_value(name: str, value: GraphQLArgument | GraphQLInputField,
                 kind: SuggestionKind) -> Suggestion:
    reason = value.deprecation_reason
    doc = value.description or ""
    if reason:
        doc = f"{doc}\n\nDeprecated: {reason}".strip()
    return Suggestion(name, kind, str(value.type), doc, reason is not None)


class SchemaTables:
    """The suggestions a schema offers, built the first time each is asked for and kept."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self._schema = weakref.ref(schema)
        self._lock = threading.Lock()
        self._fields: dict[str, list[tuple[str, Suggestion]]] = {}
        self._enums: dict[str, list[tuple[str, Suggestion]]] = {}
        self._overlapping: dict[str, list[tuple[str, Suggestion]]] = {}
        self._directives: dict[DirectiveLocation, list[tuple[str, Suggestion]]] = {}
        types = [t for t in sorted(schema.type_map.values(), key=lambda t: t.name)
                 if not t.name.startswith("__")]
        self._composite_types: dict[str, GraphQLCompositeType] = {
            t.name: t for t in types if is_composite_type(t)}
        self._composite = _ordered([self._type(t) for t in self._composite_types.values()])
        self._input = _ordered([self._type(t) for t in types
                                if is_scalar_type(t) or is_enum_type(t) or is_input_object_type(t)])
        self._unions = [t for t in self._composite_types.values() if is_union_type(t)]

    @property
    def schema(self) -> GraphQLSchema:
        schema = self._schema()
        assert schema is not None, "the tables outlived their schema"
        return schema

    @staticmethod
    def _type(named: GraphQLNamedType) -> Suggestion:
        return Suggestion(named.name, "type", _type_detail(named), named.description or "")

    def fields(self, parent: GraphQLNamedType) -> list[tuple[str, Suggestion]]:
        """The fields of a composite type, ``__typename`` (and the query root's ``__schema``
        and ``__type``) included."""
        found = self._fields.get(parent.name)
        if found is None:
            items: list[Suggestion] = []
            fields: dict[str, GraphQLField] = (
                parent.fields if is_object_type(parent) or is_interface_type(parent)
                else {})
            for name, definition in fields.items():
                reason = definition.deprecation_reason
                doc = definition.description or ""
                if reason:
                    doc = f"{doc}\n\nDeprecated: {reason}".strip()
                items.append(Suggestion(name, "field", str(definition.type), doc,
                                        reason is not None))
            meta = [("__typename", TypeNameMetaFieldDef)]
            if parent is self.schema.query_type:
                meta += [("__schema", SchemaMetaFieldDef), ("__type", TypeMetaFieldDef)]
            items += [Suggestion(name, "field", str(d.type), d.description or "")
                      for name, d in meta]
            found = _ordered(items)
            with self._lock:
                self._fields[parent.name] = found
        return found

    def enum_values(self, enum: GraphQLEnumType) -> list[tuple[str, Suggestion]]:
        found = self._enums.get(enum.name)
        if found is None:
            found = _ordered([
                Suggestion(name, "enum", enum.name, value.description or "",
                           value.deprecation_reason is not None)
                for name, value in enum.values.items()])
            with self._lock:
                self._enums[enum.name] = found
        return found

    def composite_types(self) -> list[tuple[str, Suggestion]]:
        return self._composite

    def input_types(self) -> list[tuple[str, Suggestion]]:
        return self._input

    def overlapping(self, parent: GraphQLNamedType) -> list[tuple[str, Suggestion]]:
        """The types an inline fragment inside a selection of ``parent`` may name."""
        found = self._overlapping.get(parent.name)
        if found is None:
            schema = self.schema
            if not is_composite_type(parent):
                found = []
            elif is_abstract_type(parent):
                names = {t.name for t in schema.get_possible_types(parent)}
                names.add(parent.name)
                found = [(low, s) for low, s in self._composite
                         if s.label in names or (
                             is_abstract_type(self._composite_types[s.label])
                             and do_types_overlap(schema, parent,
                                                  self._composite_types[s.label]))]
            elif is_object_type(parent):
                # An object type: itself, and the interfaces and unions holding it.
                names = {parent.name, *(i.name for i in parent.interfaces)}
                names |= {t.name for t in self._unions if parent in t.types}
                found = [(low, s) for low, s in self._composite if s.label in names]
            else:
                found = []
            with self._lock:
                self._overlapping[parent.name] = found
        return found

    def directives(self, location: DirectiveLocation) -> list[tuple[str, Suggestion]]:
        found = self._directives.get(location)
        if found is None:
            found = _ordered([
                Suggestion(d.name, "directive",
                           "@" + d.name + ("(" + ", ".join(f"{n}: {a.type}"
                                                           for n, a in d.args.items()) + ")"
                                           if d.args else ""),
                           d.description or "")
                for d in self.schema.directives if location in d.locations])
            with self._lock:
                self._directives[location] = found
        return found


_tables: weakref.WeakKeyDictionary[GraphQLSchema, SchemaTables] = weakref.WeakKeyDictionary()
_tables_lock = threading.Lock()


def tables_for(schema: GraphQLSchema) -> SchemaTables:
    """The tables of ``schema``, built once and kept as long as the schema lives."""
    with _tables_lock:
        found = _tables.get(schema)
        if found is None:
            found = _tables[schema] = SchemaTables(schema)
        return found


_LINE_BREAK = re.compile(r"\r\n|[\n\r]")
_FRAGMENT = re.compile(r"\bfragment\s+([_A-Za-z][_0-9A-Za-z]*)\s+on\s+([_A-Za-z][_0-9A-Za-z]*)")
_WORD = re.compile(r"\$?[_A-Za-z][_0-9A-Za-z]*$")
_DEFINITION_LINE = re.compile(r"(?:query|mutation|subscription|fragment)\b")


def _definition_start(text: str, offset: int) -> int:
    """Where to start lexing for the cursor at ``offset``: the start of the nearest line
    before it that begins (at column 1) with an operation or fragment keyword, as definitions
    do in any formatted document; 0 where there is none. Lexing from there keeps the cost of
    a jump to another part of a long document to that definition's lines; a keyword at the
    start of a line inside a block string would only make the context unknown."""
    pos = offset
    while pos > 0:
        line_start = max(text.rfind("\n", 0, pos), text.rfind("\r", 0, pos)) + 1
        if _DEFINITION_LINE.match(text, line_start):
            return line_start
        pos = line_start - 1
    return 0


def offset_of(text: str, line: int, column: int) -> int:
    """The offset of 1-based ``line`` and ``column`` in ``text``, lines ending as graphql-core
    counts them (CR LF, LF or CR); clamped to the text."""
    if line < 1:
        return 0
    start = 0
    if "\r" not in text:
        for _ in range(line - 1):
            found = text.find("\n", start)
            if found == -1:
                return len(text)
            start = found + 1
    else:
        for number, match in enumerate(_LINE_BREAK.finditer(text), start=2):
            if number > line:
                break
            start = match.end()
        else:
            if line > 1 and start == 0:
                return len(text)
    end = _LINE_BREAK.search(text, start)
    line_end = end.start() if end is not None else len(text)
    return min(start + max(column, 1) - 1, line_end)


def word_before(query: str, line: int, column: int) -> tuple[int, str]:
    """The word a suggestion's label replaces: its 1-based start column and its text (a name,
    with its ``$`` for a variable; empty where none is typed)."""
    offset = offset_of(query, line, column)
    line_start = max(query.rfind("\n", 0, offset), query.rfind("\r", 0, offset)) + 1
    match = _WORD.search(query, line_start, offset)
    if match is None:
        return column, ""
    return match.start() - line_start + 1, match.group()


def _filtered(items: list[tuple[str, Suggestion]], prefix: str) -> list[Suggestion]:
    if not prefix:
        return [s for _, s in items]
    low = prefix.lower()
    return [s for label, s in items if label.startswith(low)]


def _value_suggestions(tables: SchemaTables, found: Context) -> list[Suggestion]:
    named = get_named_type(found.input_type) if found.input_type is not None else None
    out = []
    if named is not None and is_enum_type(named):
        out = _filtered(tables.enum_values(named), found.prefix)
    if not found.prefix:
        out += _variables(found, "")
    return out


def _variables(found: Context, prefix: str) -> list[Suggestion]:
    low = prefix.lower()
    return [Suggestion("$" + name, "variable", type_text)
            for name, type_text in found.variables.items() if name.lower().startswith(low)]


def _fragments(tables: SchemaTables, query: str, found: Context) -> list[Suggestion]:
    schema, parent = tables.schema, found.parent_type
    low = found.prefix.lower()
    out = []
    seen = set()
    for match in _FRAGMENT.finditer(query):
        name, on = match.group(1), match.group(2)
        if name in seen or not name.lower().startswith(low):
            continue
        seen.add(name)
        condition = schema.get_type(on)
        if (parent is not None and condition is not None and is_composite_type(condition)
                and is_composite_type(parent)
                and not do_types_overlap(schema, parent, condition)):
            continue
        out.append(Suggestion(name, "fragment", on))
    return out


def complete(schema: GraphQLSchema, query: str, line: int, column: int) -> list[Suggestion]:
    """What may be typed at the cursor (1-based ``line`` and ``column``), filtered by the word
    typed before it; an empty list where nothing fits (inside a string or comment, between
    definitions)."""
    offset = offset_of(query, line, column)
    tables = tables_for(schema)
    with token_lock:
        start = _definition_start(query, offset)
        found = context_at(schema, tokens_before(query[start:offset]))
    want, prefix = found.want, found.prefix
    if want is Want.FIELDS:
        parent = found.parent_type
        return _filtered(tables.fields(parent), prefix) if parent is not None else []
    if want in (Want.ARGUMENTS, Want.OBJECT_FIELDS):
        kind: SuggestionKind = "argument" if want is Want.ARGUMENTS else "field"
        low = prefix.lower()
        items = [_input_value(name, value, kind)
                 for name, value in (found.arguments or {}).items()
                 if name not in found.given and name.lower().startswith(low)]
        items.sort(key=lambda s: s.deprecated)
        return items
    if want is Want.VALUE:
        return _value_suggestions(tables, found)
    if want is Want.VARIABLE:
        return _variables(found, prefix)
    if want is Want.FRAGMENT_SPREAD:
        return _fragments(tables, query, found)
    if want is Want.DIRECTIVE and found.directive_location is not None:
        return _filtered(tables.directives(found.directive_location), prefix)
    if want is Want.TYPE_CONDITION:
        parent = found.parent_type
        return _filtered(tables.overlapping(parent), prefix) if parent is not None else []
    if want is Want.FRAGMENT_TYPE:
        return _filtered(tables.composite_types(), prefix)
    if want is Want.VARIABLE_TYPE:
        return _filtered(tables.input_types(), prefix)
    return []
