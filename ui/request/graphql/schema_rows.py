"""What the schema explorer lists, from a schema: its types (searchable), each type's fields
with their arguments, types, descriptions and deprecations, and the text a click inserts.
Pure (no Qt): the explorer widget shows these rows."""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    is_composite_type,
    is_enum_type,
    is_input_object_type,
    is_interface_type,
    is_object_type,
    is_scalar_type,
    is_union_type,
)

__all__ = ["FieldRow", "TypeRow", "field_rows", "insertion_for", "type_rows"]


@dataclass(frozen=True, slots=True)
class TypeRow:
    """A named type: ``kind`` as introspection says it (OBJECT, ENUM...), ``root`` for the
    operation types (query, mutation, subscription) or empty."""

    name: str
    kind: str
    description: str
    root: str = ""


@dataclass(frozen=True, slots=True)
class FieldRow:
    """A field, input field or enum value of a type. ``arguments`` are ``name: Type``
    strings; ``composite`` says the field needs a selection set (``{ }`` on insertion)."""

    name: str
    type: str
    description: str
    arguments: tuple[str, ...] = ()
    deprecated: str | None = None  # the reason ("" when none was given)
    composite: bool = False

    @property
    def signature(self) -> str:
        """``name(arg: T, ...): Type`` as the explorer shows it."""
        args = f"({', '.join(self.arguments)})" if self.arguments else ""
        return f"{self.name}{args}: {self.type}" if self.type else self.name


def _kind(named: GraphQLNamedType) -> str:
    for test, kind in ((is_object_type, "OBJECT"), (is_interface_type, "INTERFACE"),
                       (is_union_type, "UNION"), (is_enum_type, "ENUM"),
                       (is_input_object_type, "INPUT_OBJECT"), (is_scalar_type, "SCALAR")):
        if test(named):
            return kind
    return ""


def type_rows(schema: GraphQLSchema, search: str = "") -> list[TypeRow]:
    """The schema's types whose name holds ``search`` (case-insensitively), the operation
    types first, then the others by name; introspection's own ``__`` types left out."""
    roots = {t.name: root for root, t in (("query", schema.query_type),
                                          ("mutation", schema.mutation_type),
                                          ("subscription", schema.subscription_type))
             if t is not None}
    needle = search.strip().lower()
    rows = [TypeRow(name, _kind(named), named.description or "", roots.get(name, ""))
            for name, named in schema.type_map.items()
            if not name.startswith("__") and needle in name.lower()]
    order = {"query": 0, "mutation": 1, "subscription": 2}
    rows.sort(key=lambda r: (order.get(r.root, 3), r.name.lower()))
    return rows


def field_rows(schema: GraphQLSchema, type_name: str) -> list[FieldRow]:
    """The fields (or input fields, or enum values) of ``type_name``; [] for a scalar, a
    union or a name the schema lacks."""
    named = schema.type_map.get(type_name)
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        return [FieldRow(name, str(f.type), f.description or "",
                         tuple(f"{a}: {arg.type}" for a, arg in f.args.items()),
                         f.deprecation_reason, is_composite_type(get_named_type(f.type)))
                for name, f in named.fields.items()]
    if isinstance(named, GraphQLInputObjectType):
        return [FieldRow(name, str(f.type), f.description or "")
                for name, f in named.fields.items()]
    if isinstance(named, GraphQLEnumType):
        return [FieldRow(name, "", v.description or "", deprecated=v.deprecation_reason)
                for name, v in named.values.items()]
    return []


def insertion_for(row: FieldRow, indent: str = "") -> str:
    """What clicking ``row`` inserts at the cursor: the field, its required arguments as
    ``name: `` to fill in, and ``{ }`` (opened on a new line) for an object type."""
    required = [a.split(":", 1)[0] for a in row.arguments if a.rstrip().endswith("!")]
    text = row.name
    if required:
        text += "(" + ", ".join(f"{name}: " for name in required).rstrip() + ")"
    if row.composite:
        text += " {\n" + indent + "  \n" + indent + "}"
    return text
