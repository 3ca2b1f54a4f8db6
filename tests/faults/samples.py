"""Hostile inputs, small enough to read: shared by the fault cases and bench/hostile.py."""

from __future__ import annotations

import itertools
import json

__all__ = [
    "FANOUT_OPENAPI",
    "SELF_REFERENCE",
    "laughs",
    "yaml_bomb_collection_file",
    "yaml_bomb_openapi",
    "yaml_bomb_postman",
]


def laughs(levels: int = 9, width: int = 9) -> list[str]:
    """The lines of a "billion laughs": ``a`` to the last anchor, each ``width`` aliases of
    the one before, so the last expands to ``width ** levels`` strings."""
    names = "abcdefghijklmnopqrstuvwxyz"[:levels]
    lines = [f"{names[0]}: &{names[0]} [" + ",".join(['"lol"'] * width) + "]"]
    for before, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{before}"] * width) + "]")
    return lines


def yaml_bomb_postman() -> str:
    """A Postman collection in YAML, under 800 bytes, whose raw body is 9**9 strings: today's
    importer turns it into JSON text and hangs."""
    return "\n".join([
        "info: {name: Laughs, schema: "
        "'https://schema.getpostman.com/json/collection/v2.1.0/collection.json'}",
        "x-lol:", *("  " + line for line in laughs()),
        "item:",
        "  - name: Boom",
        "    request: {method: POST, url: 'http://127.0.0.1/',",
        "              body: {mode: raw, raw: *i}}",
    ]) + "\n"


def yaml_bomb_openapi() -> str:
    """An OpenAPI document whose request body ``example`` is the same bomb."""
    return "\n".join([
        "openapi: 3.0.0",
        "info: {title: Laughs, version: '1'}",
        "x-lol:", *("  " + line for line in laughs()),
        "paths:",
        "  /boom:",
        "    post:",
        "      requestBody:",
        "        content:",
        "          application/json: {example: *i}",
    ]) + "\n"


def yaml_bomb_collection_file() -> str:
    """A workspace ``collection.yaml`` whose ``order`` is the bomb (a cloned repository can
    hold one)."""
    return "\n".join(["x-lol:", *("  " + line for line in laughs()), "order: *i"]) + "\n"


#: A list that holds itself: today's importers die of RecursionError on it.
SELF_REFERENCE = ("info: {name: Loop, schema: "
                  "'https://schema.getpostman.com/json/collection/v2.1.0/collection.json'}\n"
                  "item: &loop\n  - name: inner\n    item: *loop\n")


def _fanout(levels: int = 8, width: int = 8) -> str:
    schemas = {}
    for level in range(levels):
        below = ({"$ref": f"#/components/schemas/L{level + 1}"} if level < levels - 1
                 else {"type": "string"})
        schemas[f"L{level}"] = {"type": "object",
                                "properties": {f"p{i}": below for i in range(width)}}
    return json.dumps({
        "openapi": "3.0.3", "info": {"title": "Fan-out", "version": "1"},
        "servers": [{"url": "http://127.0.0.1"}],
        "paths": {"/fan": {"post": {"requestBody": {"content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/L0"}}}}}}},
        "components": {"schemas": schemas}}, separators=(",", ":"))


#: An OpenAPI document of about 3.4 KB whose schema fans out without a cycle: 8 ** 8 strings
#: in a generated example, 26 MiB and 6 s before the budget.
FANOUT_OPENAPI = _fanout()
