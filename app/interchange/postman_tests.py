"""Postman test scripts (``event[listen=test].script.exec``) as asserts and captures.

Postman checks responses with JavaScript; Spyglass with declarative asserts (SPEC §9). Most
collections use a handful of fixed forms, and these are translated::

    pm.response.to.have.status(200)                   -> status eq 200
    pm.expect(pm.response.code).to.eql(200)           -> status eq 200
    var jsonData = pm.response.json();
    pm.expect(jsonData.a.b).to.eql("x")               -> body.$.a.b eq "x"
    pm.expect(pm.response.json().a.b).to.eql("x")     -> the same
    pm.response.to.have.header("X-Id")                -> header.X-Id exists
    pm.expect(pm.response.responseTime).to.be.below(200)  -> time_ms lt 200
    pm.environment.set("token", jsonData.token)       -> capture token from body.$.token
    pm.collectionVariables.set("id", jsonData.id)     -> capture id from body.$.id

with the neighbouring Chai words that mean the same to an assert (``equal``/``eql``,
``not``, ``above``/``at.least``/``at.most``, ``include``, ``lengthOf``, ``exist``,
``a("string")``, ``true``/``false``/``null``, ``oneOf``, ``match(/re/)``), the subjects
``pm.response.headers.get("X")``, ``pm.response.text()`` and ``pm.response.responseSize``,
and ``pm.environment.get("x")`` as a value (``"{{x}}"``).

This is not a JavaScript parser, and needs none: the forms are fixed, so the script is cut
into statements (a small scanner that knows strings, comments and brackets) and each one is
matched whole with regular expressions. A ``pm.test`` block is translated only when every
statement in it is (a block half translated would check less than its name says);
anything else, ``if`` blocks, loops, helper functions, is kept as it was written, in
:attr:`ScriptTranslation.kept`, for the import to list and to keep in the request's notes.

Captures whose names look like credentials (``token``, ``secret``, ``password``, ``key``,
``session``) are marked secret, so that their values stay out of reports.

Pure: text in, models out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from app.model.checks import (
    AssertModel,
    AssertOp,
    CaptureModel,
    CheckError,
    check_value,
    parse_target,
)

__all__ = ["MAX_SCRIPT_CHARS", "ScriptTranslation", "script_text", "translate_tests"]

#: The longest test script read; a longer one is kept whole, untranslated (the matching is
#: linear, but nobody's 100,000-character script is made of the fixed forms).
MAX_SCRIPT_CHARS = 100_000


@dataclass
class ScriptTranslation:
    """What a test script became."""

    asserts: list[AssertModel] = field(default_factory=list)
    captures: list[CaptureModel] = field(default_factory=list)
    #: The statements (a whole ``pm.test`` block each) left as they were written.
    kept: list[str] = field(default_factory=list)
    #: How many ``pm.test`` blocks were translated.
    tests: int = 0


def script_text(exec_: object) -> str:
    """The text of a Postman ``script.exec`` (a list of lines, or one string)."""
    if isinstance(exec_, str):
        return exec_
    if isinstance(exec_, list):
        return "\n".join(line for line in exec_ if isinstance(line, str))
    return ""


# -- cutting a script into statements ------------------------------------------------------


@dataclass
class _Statement:
    source: str  # as written, for what is kept
    code: str  # comments out, whitespace runs as one space: what the patterns see


def _string_end(text: str, start: int) -> int:
    """The index just after the string literal opening at ``start`` (the end of the text
    when it never closes)."""
    quote, i = text[start], start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == quote:
            return i + 1
        if text[i] == "\n" and quote != "`":
            return i
        i += 1
    return len(text)


_CONTINUES_AFTER = frozenset("=,+-*&|?:(.[{!<>")
_NEXT_LINE_CHAINS = re.compile(r"\s*\.")


def _statements(text: str) -> list[_Statement]:
    """``text`` cut at ``;`` and at line ends outside brackets (a line end inside a chain,
    ``pm.expect(x)`` then ``.to.eql(1)`` on the next line, does not end it). The code keeps
    the line ends inside a statement (a ``pm.test`` body is cut again) and one space for any
    other run of blanks; strings are kept exactly."""
    out: list[_Statement] = []
    code: list[str] = []
    start, depth, i, n = 0, 0, 0, len(text)
    last = ""  # the last character of code that is not blank, for continued lines

    def flush(end: int) -> None:
        nonlocal code, start, last
        joined = "".join(code).strip()
        if joined:
            out.append(_Statement(text[start:end].strip(), joined))
        code, start, last = [], end + 1, ""

    while i < n:
        c = text[i]
        if c in "\"'`":
            end = _string_end(text, i)
            code.append(text[i:end])
            last, i = c, end
            continue
        if text.startswith("//", i):
            i = n if (end := text.find("\n", i)) < 0 else end
            continue
        if text.startswith("/*", i):  # a blank, as far as the code goes
            if code and code[-1] not in (" ", "\n"):
                code.append(" ")
            i = n if (end := text.find("*/", i + 2)) < 0 else end + 2
            continue
        ends_line = c == "\n" and not (_NEXT_LINE_CHAINS.match(text, i + 1)
                                       or last in _CONTINUES_AFTER)
        if depth == 0 and (c == ";" or ends_line):
            flush(i)
        elif c.isspace():
            if code and code[-1] not in (" ", "\n"):
                code.append(" ")
            if c == "\n":
                if code and code[-1] == " ":
                    code.pop()
                code.append("\n")
        else:
            if c in "([{":
                depth += 1
            elif c in ")]}":
                depth = max(0, depth - 1)
            code.append(c)
            last = c
        i += 1
    flush(n)
    return out


def _closing(text: str, open_at: int) -> int:
    """The index of the bracket closing the one at ``open_at`` (-1 when none does)."""
    depth, i = 0, open_at
    while i < len(text):
        c = text[i]
        if c in "\"'`":
            i = _string_end(text, i)
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


# -- values, subjects and paths --------------------------------------------------------------

_STRING = r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
_IDENT = r"[A-Za-z_$][\w$]*"
_PATH_PART = re.compile(r"\.(" + _IDENT + r")|\[\s*(\d+)\s*\]|\[\s*(" + _STRING + r")\s*\]")
_JSON_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_VARIABLE_GET = re.compile(
    r"pm\.(?:environment|collectionVariables|globals|variables|iterationData)\.get\(\s*("
    + _STRING + r")\s*\)")


class _NotTranslated(Exception):
    """A statement none of the forms matches."""


def _string(literal: str) -> str:
    """A JavaScript string literal's value (single or double quoted)."""
    inner = literal[1:-1]
    if literal[0] == "'":
        # As a JSON string: \' is a plain quote there, and a bare " needs escaping.
        inner = re.sub(r"\\(.)|\"", lambda m: ("\\\"" if m.group(0) == '"' else
                                             "'" if m.group(1) == "'" else m.group(0)),
                       inner)
    try:
        value = json.loads('"' + inner + '"')
    except ValueError:
        raise _NotTranslated from None
    if not isinstance(value, str):  # pragma: no cover - a JSON string is a str
        raise _NotTranslated
    return value


def _value(text: str) -> Any:
    """A literal value: a string, number, true/false/null, a JSON array or object, or a
    variable read (``pm.environment.get("x")`` -> ``"{{x}}"``)."""
    text = text.strip()
    if re.fullmatch(_STRING, text):
        return _string(text)
    variable = _VARIABLE_GET.fullmatch(text)
    if variable:
        return "{{" + _string(variable.group(1)) + "}}"
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise _NotTranslated from None


def _json_path(text: str) -> str:
    """``.a.b[0]["c d"]`` as RFC 9535 JSONPath segments (``.a.b[0]['c d']``)."""
    out, i = [], 0
    while i < len(text):
        part = _PATH_PART.match(text, i)
        if part is None:
            raise _NotTranslated
        name, index, quoted = part.groups()
        if index is not None:
            out.append(f"[{int(index)}]")
        else:
            key = name if name is not None else _string(quoted)
            # RFC 9535's double-quoted names escape as JSON strings do.
            out.append(f".{key}" if _JSON_NAME.fullmatch(key) else
                       f"[{json.dumps(key, ensure_ascii=False)}]")
        i = part.end()
    return "".join(out)


_JSON_SOURCES = (r"pm\.response\.json\(\s*\)", r"JSON\.parse\(\s*responseBody\s*\)")
_PLAIN_SUBJECTS = {
    "pm.response.code": "status",
    "responseCode.code": "status",
    "pm.response.responseTime": "time_ms",
    "responseTime": "time_ms",
    "pm.response.responseSize": "size",
    "pm.response.text()": "body",
    "responseBody": "body",
}


def _subject(text: str, aliases: dict[str, str]) -> tuple[str, bool]:
    """The target ``text`` reads, and whether it ends in ``.length``."""
    text = text.strip()
    if text in _PLAIN_SUBJECTS:
        return _PLAIN_SUBJECTS[text], False
    header = re.fullmatch(r"pm\.response\.headers\.get\(\s*(" + _STRING + r")\s*\)", text)
    if header:
        return "header." + _string(header.group(1)), False
    length = text.endswith(".length")
    if length:
        text = text[: -len(".length")]
    for source in (*_JSON_SOURCES, *(re.escape(a) for a in aliases)):
        found = re.match(source, text)
        if found is None:
            continue
        name = text[: found.end()]
        rest = text[found.end():]
        if name in aliases:
            if rest[:1].isalnum() or rest[:1] in "_$":
                continue  # a longer name that begins with the alias
            base = aliases[name]
        else:
            base = "$"
        return "body." + base + _json_path(rest), length
    raise _NotTranslated


# -- statements -----------------------------------------------------------------------------

_ALIAS = re.compile(r"(?:var|let|const)\s+(" + _IDENT + r")\s*=\s*(.+?)\s*;?")
_STATUS = re.compile(r"pm\.response\.to\.(?:have\.|be\.)?status\(\s*(\d{3})\s*\)")
_HEADER = re.compile(r"pm\.response\.to\.(?:have\.|be\.)?header\(\s*(" + _STRING
                     + r")\s*(?:,\s*(.+))?\)")
_SET = re.compile(r"(?:pm\.(?:environment|collectionVariables|globals|variables)\.set|"
                  r"postman\.set(?:Environment|Global)Variable)\(\s*(" + _STRING
                  + r")\s*,\s*(.+)\)")
_EXPECT = re.compile(r"pm\.expect\(")
_CHAIN = re.compile(r"((?:\.(?:to|be|been|is|that|which|and|has|have|with|at|of|same|but|"
                    r"does|still|also|deep|not))*)\.(\w+)(?:\((.*)\))?")
_TEST = re.compile(r"pm\.test\(\s*(" + _STRING + r")\s*,\s*(?:function\s*\w*\s*\(\s*\)|"
                   r"\(\s*\)\s*=>|async\s+function\s*\(\s*\))\s*(.*)\)", re.DOTALL)
_SECRET_NAME = re.compile(r"token|secret|passw|api[-_]?key|session|cookie|credential",
                          re.IGNORECASE)

_OPS = {
    **dict.fromkeys(("equal", "equals", "eq", "eql", "eqls"), AssertOp.EQ),
    **dict.fromkeys(("above", "gt", "greaterThan"), AssertOp.GT),
    **dict.fromkeys(("least", "gte", "greaterThanOrEqual"), AssertOp.GTE),
    **dict.fromkeys(("below", "lt", "lessThan"), AssertOp.LT),
    **dict.fromkeys(("most", "lte", "lessThanOrEqual"), AssertOp.LTE),
    **dict.fromkeys(("include", "includes", "contain", "contains"), AssertOp.CONTAINS),
    **dict.fromkeys(("lengthOf",), AssertOp.LENGTH),
    **dict.fromkeys(("oneOf",), AssertOp.IN),
    **dict.fromkeys(("match", "matches"), AssertOp.MATCHES),
    **dict.fromkeys(("a", "an"), AssertOp.TYPE),
}
_TYPES = {"string": "string", "number": "number", "boolean": "boolean", "array": "array",
          "object": "object", "null": "null"}


def _checked(target: str, op: AssertOp, value: Any) -> AssertModel:
    try:
        parse_target(target)
        check_value(op, value)
    except CheckError:
        raise _NotTranslated from None
    return AssertModel(target, op, value)


def _expectation(code: str, aliases: dict[str, str]) -> AssertModel:
    """``pm.expect(SUBJECT).CHAIN`` as an assert."""
    opened = code.index("(")
    close = _closing(code, opened)
    if close < 0:
        raise _NotTranslated
    target, length = _subject(code[opened + 1:close], aliases)
    chain = _CHAIN.fullmatch(code[close + 1:].strip())
    if chain is None:
        raise _NotTranslated
    words, method, args = chain.group(1).split("."), chain.group(2), chain.group(3)
    negated = "not" in words
    if args is None:  # a property: .to.exist, .to.be.true
        if method == "exist" and not length:
            return _checked(target, AssertOp.EXISTS, False if negated else None)
        if method in ("true", "false", "null") and not length:
            return _checked(target, AssertOp.NEQ if negated else AssertOp.EQ,
                            json.loads(method))
        raise _NotTranslated
    op = _OPS.get(method)
    if op is None or (negated and op is not AssertOp.EQ):
        raise _NotTranslated  # only eq has a negation among the ops
    if op is AssertOp.MATCHES:
        regex = re.fullmatch(r"/((?:[^/\\\n]|\\.)+)/", args.strip())
        if regex is None:
            raise _NotTranslated  # flags, or not a literal
        value: Any = regex.group(1)
    elif op is AssertOp.TYPE:
        name = _value(args)
        if name not in _TYPES:
            raise _NotTranslated
        value = _TYPES[name]
    else:
        value = _value(args)
    if length:
        if op is not AssertOp.EQ:
            raise _NotTranslated  # the length op is an equality
        op = AssertOp.LENGTH
    elif negated:
        op = AssertOp.NEQ
    return _checked(target, op, value)


def _capture(code: str, aliases: dict[str, str]) -> CaptureModel:
    found = _SET.fullmatch(code)
    if found is None:  # pragma: no cover - called only on a match
        raise _NotTranslated
    name = _string(found.group(1))
    target, length = _subject(found.group(2), aliases)
    if length or not re.fullmatch(r"[^{}\s]+", name):
        raise _NotTranslated
    try:
        parse_target(target)
    except CheckError:
        raise _NotTranslated from None
    return CaptureModel(name, target, secret=_SECRET_NAME.search(name) is not None)


def _simple(code: str, aliases: dict[str, str], out: ScriptTranslation) -> None:
    """One statement that is not a ``pm.test`` block, into ``out`` (or ``_NotTranslated``)."""
    code = code.replace("\n", " ").rstrip(";").strip()
    alias = _ALIAS.fullmatch(code)
    if alias:
        name, value = alias.groups()
        for source in _JSON_SOURCES:
            found = re.match(source, value)
            if found:
                aliases[name] = "$" + _json_path(value[found.end():])
                return
        raise _NotTranslated
    if status := _STATUS.fullmatch(code):
        out.asserts.append(_checked("status", AssertOp.EQ, int(status.group(1))))
    elif header := _HEADER.fullmatch(code):
        target = "header." + _string(header.group(1))
        if header.group(2) is None:
            out.asserts.append(_checked(target, AssertOp.EXISTS, None))
        else:
            out.asserts.append(_checked(target, AssertOp.EQ, _value(header.group(2))))
    elif _SET.fullmatch(code):
        out.captures.append(_capture(code, aliases))
    elif _EXPECT.match(code):
        out.asserts.append(_expectation(code, aliases))
    else:
        raise _NotTranslated


def _block_body(rest: str) -> list[str] | None:
    """The statements of a ``pm.test`` callback: ``{ ... }`` or one arrow expression."""
    rest = rest.strip()
    if rest.startswith("{"):
        close = _closing(rest, 0)
        if close < 0 or rest[close + 1:].strip():
            return None
        return [s.code for s in _statements(rest[1:close])]
    return [rest] if rest and not rest.startswith("}") else None


def translate_tests(script: str | Sequence[str], *,
                    max_chars: int = MAX_SCRIPT_CHARS) -> ScriptTranslation:
    """The asserts and captures ``script`` (a test script's text, or its ``exec`` lines)
    makes, and the statements kept as they were."""
    text = script if isinstance(script, str) else script_text(list(script))
    out = ScriptTranslation()
    if len(text) > max_chars:
        out.kept.append(text.strip())
        return out
    aliases: dict[str, str] = {}
    for statement in _statements(text):
        code = statement.code.rstrip(";").strip()
        test = _TEST.fullmatch(code)
        if test is not None:
            body = _block_body(test.group(2))
            block = ScriptTranslation()
            try:
                if body is None:
                    raise _NotTranslated
                inner = dict(aliases)  # a var inside the callback is the callback's own
                for line in body:
                    _simple(line, inner, block)
            except _NotTranslated:
                out.kept.append(statement.source)
                continue
            out.asserts += block.asserts
            out.captures += block.captures
            out.tests += 1
            continue
        try:
            _simple(code, aliases, out)
        except _NotTranslated:
            out.kept.append(statement.source)
    return out
