"""YAML read within bounds: one loader for imports and workspace files alike.

PyYAML builds an alias as a shared reference, so a 783-byte "billion laughs" document loads
quickly; it is whoever walks the result (an importer turning a body into JSON, the workspace
reading ``order``) that then expands 10^9 nodes and hangs or dies of ``MemoryError``. A
self-referential document (``&a [*a]``) loads as a list that holds itself, and the walker
dies of ``RecursionError``.

Aliases are not refused outright: OpenAPI and Postman YAML written by hand does use anchors
and merge keys (``<<: *common``) to share a schema or a header block, and refusing them would
turn away honest files. Instead the node graph is measured before anything is built: the
document may hold as many nodes as it likes written out, but aliases may add at most
:data:`ALIAS_EXPANSION_BUDGET` more once expanded (generous reuse passes, a bomb stops at
once), and an alias may not contain itself. Both are refused with a
:class:`YAMLLimitError`, a ``yaml.MarkedYAMLError`` naming the line, so callers that already
report YAML errors with their line need nothing new.

The measuring costs one pass over the node graph (about as long as the parse), and only for
a document that may hold an anchor (a ``&`` at the start of a token): without one there can
be no alias, and the workspace's thousands of small request files take libyaml's fast path
as before, a ``&`` in a URL's query included.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import yaml

from app.storage.limited_read import (
    MAX_FILE_BYTES,
    InputTooLarge,
    read_limited,
    read_stream_limited,
    size_text,
)

__all__ = [
    "ALIAS_EXPANSION_BUDGET",
    "MAX_FILE_BYTES",
    "FastLoader",
    "InputTooLarge",
    "YAMLLimitError",
    "line_of",
    "load_yaml",
    "read_limited",
    "read_stream_limited",
    "size_text",
]

#: How many nodes aliases may add to a document once expanded. A shared schema used in a
#: few hundred places stays far below; the smallest billion-laughs bomb is far above. It is
#: about what a plain file of 10 MiB holds, so aliases let through nothing that the size cap
#: (:data:`MAX_FILE_BYTES`) would not let through written out.
ALIAS_EXPANSION_BUDGET = 1_000_000

#: Where an anchor can begin: at the start of a token (after a space, a line break, a flow
#: bracket, a comma, a colon or a byte-order mark). A ``&`` inside a word, as in a URL's
#: query, cannot be one.
_ANCHOR = re.compile(r"(?:^|[\s\[\{,:\ufeff])&")
_ANCHOR_BYTES = re.compile(rb"(?:^|[\s\[\{,:\xbf])&")

#: libyaml's safe loader when PyYAML was built with it (about 10 times faster), else PyYAML's.
FastLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YAMLLimitError(yaml.MarkedYAMLError):
    """A document beyond the bounds: aliases that expand too far or contain themselves, or
    nesting deeper than the parser's stack. ``problem_mark`` is where (``None`` when no line
    can be named)."""

    def __init__(self, problem: str, mark: yaml.Mark | None = None) -> None:
        super().__init__(problem=problem, problem_mark=mark)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _measure(root: yaml.Node, budget: int) -> None:
    """Raise :class:`YAMLLimitError` when ``root`` expands past its own node count plus
    ``budget`` or holds itself. Iterative and memoised by node: linear in the nodes written,
    however far they would expand."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    distinct = 0
    # (node, finished): a node is pushed once to open it and once to add up its size.
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        children = _children(node)
        if finished:
            open_nodes.discard(key)
            size = 1 + sum(sizes[id(child)] for child in children)
            sizes[key] = size
            if size - distinct > budget:
                raise YAMLLimitError(
                    f"YAML aliases (&anchor/*alias) expand to more than {budget:,} extra "
                    "nodes: refused as a likely alias bomb", node.start_mark)
            continue
        if key in sizes:
            continue
        distinct += 1
        open_nodes.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in open_nodes:
                # The node's mark is its anchor's: an alias keeps no place of its own.
                raise YAMLLimitError("the YAML anchor (&anchor) here is used by an alias "
                                     "(*alias) inside itself: the document would be endless",
                                     child.start_mark)
            if id(child) not in sizes:
                stack.append((child, False))


def load_yaml(text: str | bytes, loader: type[yaml.SafeLoader] = FastLoader, *,
              budget: int = ALIAS_EXPANSION_BUDGET) -> Any:
    """The YAML document in ``text``, read with ``loader`` (a safe loader class); raises
    ``yaml.YAMLError`` for text that is not YAML and :class:`YAMLLimitError` for a document
    beyond the bounds (see the module docstring)."""
    if isinstance(text, str):
        has_anchor = "&" in text and _ANCHOR.search(text) is not None
    else:
        has_anchor = b"&" in text and _ANCHOR_BYTES.search(text) is not None
    reader = loader(text)
    try:
        if not has_anchor:
            return reader.get_single_data()
        node = reader.get_single_node()
        if node is None:
            return None
        _measure(node, budget)
        return reader.construct_document(node)
    except RecursionError:
        # The pure-Python parser recurses per level (libyaml stops at 1,000 levels itself).
        raise YAMLLimitError("nested too deeply") from None
    finally:
        reader.dispose()


def line_of(text: str | bytes, keys: Sequence[str | int]) -> int | None:
    """The line (from 1) of the node that ``keys`` lead to in the YAML document ``text``
    (mapping keys and sequence indexes), or of the deepest one found on the way; None when
    the text cannot be read as YAML at all. For error messages: the node graph is built
    only here, never on the path of a file that reads well."""
    try:
        node = yaml.compose(text, Loader=FastLoader)
    except (yaml.YAMLError, RecursionError):
        return None
    if node is None:
        return None
    line = node.start_mark.line + 1
    for key in keys:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(key):
                    child = value_node
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) \
                and 0 <= key < len(node.value):
            child = node.value[key]
        if child is None:
            break
        node = child
        line = node.start_mark.line + 1
    return line
