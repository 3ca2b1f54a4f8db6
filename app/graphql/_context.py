"""What the cursor of a GraphQL document may be followed by: the completion context.

It is found by walking graphql-core's tokens (:mod:`app.graphql._tokens`) with a stack of
frames, one per bracket still open around the cursor, from the start of the top-level
definition holding it. A walk over tokens rather than a parse with ``TypeInfo``: a document
being typed rarely parses, and the walk gives the same answer whether it does or not. Groups
of brackets closed before the cursor (a finished sub-selection, arguments, a list value) are
stepped over whole, so the walk costs the tokens of the levels around the cursor, not the
document's size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from graphql import (
    GraphQLArgument,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputType,
    GraphQLNamedType,
    GraphQLSchema,
    get_named_type,
    is_input_object_type,
    is_input_type,
    is_interface_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
    parse_type,
    type_from_ast,
)
from graphql.error import GraphQLError
from graphql.language import DirectiveLocation, TokenKind
from graphql.type import SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef

from ._tokens import TokenStream

__all__ = ["Context", "Want", "context_at", "field_of"]

_NAME, _DOLLAR, _AT, _COLON = TokenKind.NAME, TokenKind.DOLLAR, TokenKind.AT, TokenKind.COLON
_BRACE_L, _PAREN_L, _BRACKET_L = TokenKind.BRACE_L, TokenKind.PAREN_L, TokenKind.BRACKET_L
_LITERALS = frozenset((TokenKind.INT, TokenKind.FLOAT, TokenKind.STRING,
                       TokenKind.BLOCK_STRING))
_OPERATIONS = {"query": DirectiveLocation.QUERY, "mutation": DirectiveLocation.MUTATION,
               "subscription": DirectiveLocation.SUBSCRIPTION}


class Want(Enum):
    """What may be typed at the cursor."""

    NOTHING = "nothing"
    FIELDS = "fields"
    ARGUMENTS = "arguments"
    OBJECT_FIELDS = "object_fields"
    VALUE = "value"
    VARIABLE = "variable"
    FRAGMENT_SPREAD = "fragment_spread"
    DIRECTIVE = "directive"
    TYPE_CONDITION = "type_condition"
    FRAGMENT_TYPE = "fragment_type"
    VARIABLE_TYPE = "variable_type"


@dataclass
class Context:
    """The cursor's context: what is wanted, the word typed before the cursor (a name; for a
    variable the name after ``$``) and what the suggestions depend on."""

    want: Want
    prefix: str = ""
    #: The selection set's type (FIELDS, FRAGMENT_SPREAD, TYPE_CONDITION).
    parent_type: GraphQLNamedType | None = None
    #: The arguments or input fields on offer (ARGUMENTS, OBJECT_FIELDS).
    arguments: dict[str, GraphQLArgument] | dict[str, GraphQLInputField] | None = None
    #: Those already given, not offered again.
    given: frozenset[str] = frozenset()
    #: The type a value must have (VALUE).
    input_type: GraphQLInputType | None = None
    directive_location: DirectiveLocation | None = None
    #: The operation's variables so far: name -> type as written.
    variables: dict[str, str] = field(default_factory=dict)


def field_of(schema: GraphQLSchema, parent: GraphQLNamedType | None,
             name: str) -> GraphQLField | None:
    """The field ``name`` of ``parent``, meta fields included, or None."""
    if parent is None:
        return None
    if name == "__typename":
        return TypeNameMetaFieldDef
    if parent is schema.query_type and name in ("__schema", "__type"):
        return SchemaMetaFieldDef if name == "__schema" else TypeMetaFieldDef
    if is_object_type(parent) or is_interface_type(parent):
        found: GraphQLField | None = parent.fields.get(name)
        return found
    return None


class _Frame:
    """One level of the walk. ``feed`` returns False when the token ends this frame (it is
    then given to the frame below)."""

    def feed(self, walk: _Walk, kind: TokenKind, value: str) -> bool:
        return True

    def group(self, walk: _Walk, kind: TokenKind, start: int, end: int) -> None:
        """A bracket group from ``start`` to ``end`` (its closer), closed before the cursor."""

    def context(self, walk: _Walk) -> Context | None:
        """The cursor's context here; None to ask the frame below."""
        return Context(Want.NOTHING)


class _Header(_Frame):
    """The start of a definition: ``query Name($v: T) @d {``, ``fragment F on T @d {``, ``{``."""

    def __init__(self) -> None:
        self.state = "start"
        self.type: GraphQLNamedType | None = None
        self.location = DirectiveLocation.QUERY

    def feed(self, walk: _Walk, kind: TokenKind, value: str) -> bool:
        state, schema = self.state, walk.schema
        if kind is _BRACE_L:
            walk.push(_Selection(self.type if state != "start" else schema.query_type))
        elif kind is _AT:
            walk.push(_Directive(self.location))
        elif kind is _PAREN_L and state == "op":
            walk.push(_VariableDefinitions())
        elif kind is not _NAME:
            self.state = "other"
        elif state == "start" and value in _OPERATIONS:
            self.state, self.location = "op", _OPERATIONS[value]
            self.type = {"query": schema.query_type, "mutation": schema.mutation_type,
                         "subscription": schema.subscription_type}[value]
        elif state == "start" and value == "fragment":
            self.state, self.location = "fragment", DirectiveLocation.FRAGMENT_DEFINITION
        elif state == "fragment":
            self.state = "fragment_named"
        elif state == "fragment_named" and value == "on":
            self.state = "fragment_on"
        elif state == "fragment_on":
            self.state = "fragment_typed"
            named = schema.get_type(value)
            self.type = named
        elif state != "op":
            self.state = "other"
        return True

    def group(self, walk: _Walk, kind: TokenKind, start: int, end: int) -> None:
        if kind is _PAREN_L and self.state == "op":
            walk.read_variable_definitions(start + 1, end)

    def context(self, walk: _Walk) -> Context | None:
        if self.state == "fragment_on":
            return Context(Want.FRAGMENT_TYPE)
        return Context(Want.NOTHING)


class _Directive(_Frame):
    """``@name`` and its arguments."""

    def __init__(self, location: DirectiveLocation) -> None:
        self.location = location
        self.named = False
        self.arguments: dict[str, GraphQLArgument] = {}

    def feed(self, walk: _Walk, kind: TokenKind, value: str) -> bool:
        if not self.named and kind is _NAME:
            self.named = True
            directive = walk.schema.get_directive(value)
            self.arguments = dict(directive.args) if directive is not None else {}
            return True
        if self.named and kind is _PAREN_L:
            walk.push(_Arguments(self.arguments, Want.ARGUMENTS))
            return True
        return False

    def group(self, walk: _Walk, kind: TokenKind, start: int, end: int) -> None:
        walk.pop()  # the directive is complete
        if kind is not _PAREN_L:
            walk.stack[-1].group(walk, kind, start, end)  # a group after it is the parent's

    def context(self, walk: _Walk) -> Context | None:
        return None if self.named else Context(Want.DIRECTIVE,
                                               directive_location=self.location)


class _Selection(_Frame):
    """A selection set of ``type``."""

    def __init__(self, type_: GraphQLNamedType | None) -> None:
        self.type = type_
        self.state = "start"
        self.field: GraphQLField | None = None
        self.inline_type: GraphQLNamedType | None = None

    def feed(self, walk: _Walk, kind: TokenKind, value: str) -> bool:
        state = self.state
        if kind is _NAME:
            if state == "spread":
                self.state = "on" if value == "on" else "spread_named"
            elif state == "on":
                self.state, self.inline_type = "inline", walk.schema.get_type(value)
            else:
                self.state, self.field = "field", field_of(walk.schema, self.type, value)
        elif kind is _COLON and state == "field":
            self.state = "alias"
        elif kind is TokenKind.SPREAD:
            self.state, self.inline_type = "spread", None
        elif kind is _AT:
            location = {"field": DirectiveLocation.FIELD,
                        "spread_named": DirectiveLocation.FRAGMENT_SPREAD}.get(
                state, DirectiveLocation.INLINE_FRAGMENT)
            walk.push(_Directive(location))
        elif kind is _PAREN_L:
            arguments = dict(self.field.args) if state == "field" and self.field else {}
            walk.push(_Arguments(arguments, Want.ARGUMENTS))
        elif kind is _BRACE_L:
            if state == "field":
                inner = get_named_type(self.field.type) if self.field is not None else None
            else:
                inner = self.inline_type or self.type
            self.state = "start"
            walk.push(_Selection(inner))
        return True

    def group(self, walk: _Walk, kind: TokenKind, start: int, end: int) -> None:
        if kind is _BRACE_L:
            self.state = "start"

    def context(self, walk: _Walk) -> Context | None:
        if self.state == "spread":
            return Context(Want.FRAGMENT_SPREAD, parent_type=self.type)
        if self.state == "on":
            return Context(Want.TYPE_CONDITION, parent_type=self.type)
        if self.state == "inline":
            return Context(Want.NOTHING)
        return Context(Want.FIELDS, parent_type=self.type)


def _input_of(type_: object) -> GraphQLInputType | None:
    return type_ if is_input_type(type_) else None


class _Arguments(_Frame):
    """``name: value`` pairs: the arguments of a field or directive (``want`` ARGUMENTS) or
    the fields of an input object value (OBJECT_FIELDS)."""

    def __init__(self, arguments: dict[str, GraphQLArgument] | dict[str, GraphQLInputField],
                 want: Want) -> None:
        self.arguments = arguments
        self.want = want
        self.state = "key"
        self.given: set[str] = set()
        self.type: GraphQLInputType | None = None

    def feed(self, walk: _Walk, kind: TokenKind, value: str) -> bool:
        state = self.state
        if state == "key" and kind is _NAME:
            self.given.add(value)
            argument = self.arguments.get(value)
            self.type = _input_of(argument.type) if argument is not None else None
            self.state = "colon"
        elif state == "colon" and kind is _COLON:
            self.state = "value"
        elif state == "value":
            walk.value_token(self, kind)
        elif state == "var":
            self.state = "key"
        return True

    def value_done(self) -> None:
        self.state = "key"

    def group(self, walk: _Walk, kind: TokenKind, start: int, end: int) -> None:
        self.state = "key"

    def context(self, walk: _Walk) -> Context | None:
        if self.state == "key":
            return Context(self.want, arguments=self.arguments, given=frozenset(self.given))
        if self.state == "value":
            return Context(Want.VALUE, input_type=self.type)
        if self.state == "var":
            return Context(Want.VARIABLE)
        return Context(Want.NOTHING)


class _List(_Frame):
    """A list value of ``item`` values."""

    def __init__(self, item: GraphQLInputType | None) -> None:
        self.type = item
        self.state = "value"

    def feed(self, walk: _Walk, kind: TokenKind, value: str) -> bool:
        if self.state == "var":
            self.state = "value"
        else:
            walk.value_token(self, kind)
        return True

    def value_done(self) -> None:
        self.state = "value"

    def context(self, walk: _Walk) -> Context | None:
        if self.state == "var":
            return Context(Want.VARIABLE)
        return Context(Want.VALUE, input_type=self.type)


class _VariableDefinitions(_Frame):
    """``($name: Type = default @directive, ...)`` while still open."""

    def __init__(self) -> None:
        self.state = "dollar"
        self.name = ""
        self.type_text = ""
        self.type: GraphQLInputType | None = None

    def feed(self, walk: _Walk, kind: TokenKind, value: str) -> bool:
        state = self.state
        if kind is _DOLLAR:
            self.state = "name"
        elif kind is _AT:
            walk.push(_Directive(DirectiveLocation.VARIABLE_DEFINITION))
        elif state == "name" and kind is _NAME:
            self.name, self.state = value, "colon"
        elif state == "colon" and kind is _COLON:
            self.state, self.type_text = "type", ""
        elif state == "type" and kind is _NAME:
            self.type_text, self.state = value, "typed"
            self.type = walk.define_variable(self.name, value)
        elif state == "type" and kind is _BRACKET_L:
            walk.push(_TypeList())
        elif state == "typed" and kind is TokenKind.BANG:
            self.type_text += "!"
            self.type = walk.define_variable(self.name, self.type_text)
        elif state == "typed" and kind is TokenKind.EQUALS:
            self.state = "default"
        elif state == "default":
            walk.value_token(self, kind)
        return True

    def value_done(self) -> None:
        self.state = "after"

    def group(self, walk: _Walk, kind: TokenKind, start: int, end: int) -> None:
        if self.state == "type" and kind is _BRACKET_L:
            self.type_text, self.state = walk.text_of(start, end + 1), "typed"
            self.type = walk.define_variable(self.name, self.type_text)
        elif self.state == "default":
            self.state = "after"

    def context(self, walk: _Walk) -> Context | None:
        if self.state == "type":
            return Context(Want.VARIABLE_TYPE)
        if self.state == "default":
            return Context(Want.VALUE, input_type=self.type)
        return Context(Want.NOTHING)


class _TypeList(_Frame):
    """``[`` of a list type in a variable definition, still open."""

    def context(self, walk: _Walk) -> Context | None:
        return Context(Want.VARIABLE_TYPE)


class _Walk:
    """The walk itself: its stack of frames, the schema and the operation's variables."""

    def __init__(self, schema: GraphQLSchema, stream: TokenStream) -> None:
        self.schema = schema
        self.stream = stream
        self.stack: list[_Frame] = [_Header()]
        self.variables: dict[str, str] = {}

    def push(self, frame: _Frame) -> None:
        self.stack.append(frame)

    def pop(self) -> None:
        if len(self.stack) > 1:
            self.stack.pop()

    def text_of(self, start: int, end: int) -> str:
        s = self.stream
        return "".join(s.values[i] if s.kinds[i] is _NAME else s.kinds[i].value
                       for i in range(start, end))

    def define_variable(self, name: str, type_text: str) -> GraphQLInputType | None:
        if name:
            self.variables[name] = type_text
        try:
            return _input_of(type_from_ast(self.schema, parse_type(type_text)))
        except GraphQLError:
            return None

    def read_variable_definitions(self, start: int, end: int) -> None:
        """The variables of a closed ``(...)`` of variable definitions."""
        kinds, values = self.stream.kinds, self.stream.values
        i = start
        while i < end:
            if (kinds[i] is _DOLLAR and i + 2 < end and kinds[i + 1] is _NAME
                    and kinds[i + 2] is _COLON):
                j = i + 3
                while j < end and kinds[j] in (_NAME, TokenKind.BANG, _BRACKET_L,
                                               TokenKind.BRACKET_R):
                    j += 1
                self.define_variable(values[i + 1], self.text_of(i + 3, j))
                i = j
            else:
                i += 1

    def value_token(self, frame: _Arguments | _List | _VariableDefinitions,
                    kind: TokenKind) -> None:
        """A token where ``frame`` expects a value of ``frame.type``."""
        if kind is _DOLLAR:
            frame.state = "var"
        elif kind is _BRACKET_L:
            item = frame.type
            while item is not None and is_non_null_type(item):
                item = item.of_type
            self.push(_List(item.of_type if item is not None and is_list_type(item) else item))
        elif kind is _BRACE_L:
            named = get_named_type(frame.type) if frame.type is not None else None
            fields = named.fields if is_input_object_type(named) else {}
            self.push(_Arguments(fields, Want.OBJECT_FIELDS))
        elif kind is _NAME or kind in _LITERALS:
            frame.value_done()

    def run(self, start: int, end: int) -> Context:
        s = self.stream
        kinds, values, closer = s.kinds, s.values, s.closer
        i = start
        while i < end:
            kind = kinds[i]
            close = closer[i]
            frame = self.stack[-1]
            if close != -1:
                frame.group(self, kind, i, close)
                i = close + 1
                continue
            while not frame.feed(self, kind, values[i]):
                self.stack.pop()
                frame = self.stack[-1]
            i += 1
        for frame in reversed(self.stack):
            found = frame.context(self)
            if found is not None:
                found.variables = self.variables
                return found
        return Context(Want.NOTHING)


def context_at(schema: GraphQLSchema, stream: TokenStream) -> Context:
    """The context at the end of ``stream`` (the document up to the cursor)."""
    kinds, n = stream.kinds, len(stream.kinds)
    if stream.in_literal:
        return Context(Want.NOTHING)
    prefix, end = "", n
    if n and kinds[-1] is _NAME and stream.ends[-1] == len(stream.text):
        prefix, end = stream.values[-1], n - 1
    if end == 0 or (kinds[end - 1] is TokenKind.BRACE_R and stream.parent[end - 1] == -1):
        return Context(Want.NOTHING, prefix=prefix)
    found = _Walk(schema, stream).run(stream.def_start[end - 1], end)
    found.prefix = prefix
    return found
