"""The tokens of a document up to a cursor, lexed by graphql-core and kept between calls.

Completion runs on every keystroke, and a 2,000-line document is some 40,000 tokens: lexing it
all each time (graphql-core's lexer is pure Python, about 3 µs a token) would take over 100 ms.
So the tokens of the last few documents are kept, with the bracket structure the completion
context needs (for each token the innermost bracket still open around it, for each opening
bracket where it closes, and where the top-level definition holding it began), and a new text
is lexed again only from the first token its change touched.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from graphql.error import GraphQLSyntaxError
from graphql.language import Lexer, Source, TokenKind

__all__ = ["MAX_CACHED_DOCUMENTS", "TokenStream", "token_lock", "tokens_before"]

#: How many documents' tokens are kept (one per open editor is the common case).
MAX_CACHED_DOCUMENTS = 8

_OPENERS = {TokenKind.BRACE_L: TokenKind.BRACE_R, TokenKind.PAREN_L: TokenKind.PAREN_R,
            TokenKind.BRACKET_L: TokenKind.BRACKET_R}
_CLOSERS = frozenset(_OPENERS.values())


@dataclass
class TokenStream:
    """The tokens of ``text`` (a document's text up to a cursor), as parallel lists.

    ``parent[i]`` is the index of the innermost opening bracket still open at token ``i``
    (-1 at the top level); ``closer[i]`` the index of the bracket closing an opening bracket
    ``i`` (-1 while it is open); ``def_start[i]`` the first token of the top-level definition
    token ``i`` belongs to. ``error_at`` is the offset of the first character the lexer
    refused (it skips it and goes on), or -1.
    """

    text: str = ""
    kinds: list[TokenKind] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    parent: list[int] = field(default_factory=list)
    closer: list[int] = field(default_factory=list)
    def_start: list[int] = field(default_factory=list)
    #: Whether the cursor (the end of ``text``) is inside a string or a comment.
    in_literal: bool = False

    def truncate(self, keep: int) -> None:
        """Keep the first ``keep`` tokens; brackets they opened and later tokens closed are
        open again."""
        for lst in (self.kinds, self.starts, self.ends, self.values, self.parent,
                    self.closer, self.def_start):
            del lst[keep:]
        open_ = self.parent[keep - 1] if keep else -1
        if keep and self.kinds[keep - 1] in _OPENERS:
            open_ = keep - 1
        while open_ != -1:
            self.closer[open_] = -1
            open_ = self.parent[open_]

    def open_stack(self) -> list[int]:
        """The opening brackets still open after the last token, outermost first."""
        if not self.kinds:
            return []
        last = len(self.kinds) - 1
        top = last if self.kinds[last] in _OPENERS and self.closer[last] == -1 else (
            self.parent[last])
        stack = []
        while top != -1:
            stack.append(top)
            top = self.parent[top]
        stack.reverse()
        return stack

    def lex_from(self, offset: int) -> None:
        """Lex ``text[offset:]`` and append its tokens. A character the lexer refuses is
        skipped (a document being typed is often not valid), except an unterminated string
        or a comment reaching the end, which puts the cursor inside a literal."""
        text = self.text
        stack = self.open_stack()
        n = len(self.kinds)
        # A definition ends with the closing brace of its top-level selection set.
        def_start = self.def_start[-1] if n else 0
        ended = n == 0 or (self.kinds[-1] is TokenKind.BRACE_R and self.parent[-1] == -1)
        kinds, starts, ends, values = self.kinds, self.starts, self.ends, self.values
        parent, closer, def_starts = self.parent, self.closer, self.def_start
        self.in_literal = False
        while offset < len(text):
            lexer = Lexer(Source(text[offset:]))
            try:
                while True:
                    token = lexer.advance()
                    kind = token.kind
                    if kind is TokenKind.EOF:
                        break
                    if ended and not stack:
                        def_start, ended = len(kinds), False
                    kinds.append(kind)
                    starts.append(token.start + offset)
                    ends.append(token.end + offset)
                    values.append(token.value or "")
                    closer.append(-1)
                    def_starts.append(def_start)
                    if kind in _CLOSERS and stack:
                        # A closing bracket belongs to the level it returns to.
                        closer[stack.pop()] = len(kinds) - 1
                        if not stack and kind is TokenKind.BRACE_R:
                            ended = True
                    parent.append(stack[-1] if stack else -1)
                    if kind in _OPENERS:
                        stack.append(len(kinds) - 1)
                offset = len(text)
            except GraphQLSyntaxError as exc:
                at = offset + (next(iter(exc.positions)) if exc.positions else 0)
                if at >= len(text) and "Unterminated" in exc.message:
                    self.in_literal = True  # the cursor is inside a string
                    return
                offset = at + 1
        # Only commas, white space and comments follow the last token: the cursor is in a
        # comment when one starts on its own line.
        tail = text[ends[-1] if ends else 0:]
        self.in_literal = "#" in tail[max(tail.rfind("\n"), tail.rfind("\r")) + 1:]


#: Held while a stream is lexed and read: a stream is reused (and changed) by the next call.
token_lock = threading.RLock()
_cache: list[TokenStream] = []


def _common_prefix(a: str, b: str) -> int:
    """The length of the longest common prefix of ``a`` and ``b`` (binary search over slice
    comparisons, which run at memcmp speed)."""
    lo, hi = 0, min(len(a), len(b))
    if a[:hi] == b[:hi]:
        return hi
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def tokens_before(text: str) -> TokenStream:
    """The tokens of ``text`` (a document up to the cursor), reusing the tokens of the cached
    document sharing the longest prefix with it. Hold :data:`token_lock` while using the stream
(another call may change it)."""
    with token_lock:
        best, best_len = None, -1
        for cached in _cache:
            common = _common_prefix(cached.text, text)
            if common > best_len:
                best, best_len = cached, common
        if best is None or best_len < min(len(best.text), len(text)) // 2:
            best = TokenStream()
            best_len = 0
            _cache.append(best)
            del _cache[:-MAX_CACHED_DOCUMENTS]
        else:
            _cache.remove(best)
            _cache.append(best)
        stream = best
        # A token ending right at the change (or after it) may be longer or different now.
        keep = 0
        ends = stream.ends
        lo, hi = 0, len(ends)
        while lo < hi:
            mid = (lo + hi) // 2
            if ends[mid] < best_len:
                lo = mid + 1
            else:
                hi = mid
        keep = lo
        restart = stream.ends[keep - 1] if keep else 0
        stream.truncate(keep)
        stream.text = text
        stream.lex_from(restart)
        return stream
