"""Joining streamed tokens into text: the logic of the event-stream pane's "Merged text" view.

LLM APIs stream an answer one token per event, inside JSON (``choices[0].delta.content`` for
OpenAI-style APIs, ``delta.text`` for Anthropic's, ``token.text`` for Hugging Face TGI).
``TokenMerger`` takes each event's data and returns the text it adds: the value at a
``TokenPath`` the user named, or, in automatic mode, at the first known path that holds a
string (then kept for the rest of the stream). Data that is not JSON is text already and is
added as it is; JSON without the path adds nothing, and neither does the ``[DONE]`` sentinel.

Pure code (no Qt), so that it is tested on its own.
"""

from __future__ import annotations

import json
import re
from typing import NamedTuple

__all__ = ["AUTO_PATHS", "MISSING", "TokenMerger", "TokenPath"]

_PIECE = re.compile(r"([^\[\]]*)((?:\[-?\d+\])*)")
_INDEX = re.compile(r"\[(-?\d+)\]")
#: What ``TokenPath.find`` returns when the path is not in the value.
MISSING = object()


class TokenPath(NamedTuple):
    """A dotted path with ``[n]`` indices into JSON, such as ``choices[0].delta.content``."""

    text: str
    steps: tuple[str | int, ...]

    @classmethod
    def parse(cls, text: str) -> TokenPath:
        """Parse ``text``; a ``ValueError`` says what is wrong with it."""
        text = text.strip()
        if not text:
            raise ValueError("the path is empty")
        steps: list[str | int] = []
        for n, piece in enumerate(text.split(".")):
            match = _PIECE.fullmatch(piece.strip())
            if match is None:
                raise ValueError(f"cannot read {piece!r}: use names joined by dots, "
                                 "each with [n] indices if need be")
            name, indices = match.groups()
            if name:
                steps.append(name)
            elif n > 0 or not indices:
                raise ValueError(f"a name is missing in {text!r}")
            steps.extend(int(i) for i in _INDEX.findall(indices))
        return cls(text, tuple(steps))

    def find(self, value: object) -> object:
        """The value at the path in ``value``, or ``MISSING``."""
        for step in self.steps:
            if isinstance(step, int):
                if not isinstance(value, list) or not -len(value) <= step < len(value):
                    return MISSING
                value = value[step]
            elif isinstance(value, dict) and step in value:
                value = value[step]
            else:
                return MISSING
        return value


#: The paths automatic mode tries, most common first.
AUTO_PATHS = tuple(TokenPath.parse(p) for p in (
    "choices[0].delta.content",  # OpenAI chat completions and their many imitators
    "choices[0].text",           # OpenAI completions
    "delta.text",                # Anthropic messages
    "token.text",                # Hugging Face text-generation-inference
    "token",
    "message.content",           # Ollama chat
    "response",                  # Ollama generate
    "text",
    "content",
))


def _as_text(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


class TokenMerger:
    """Turns each event's data into the text it adds to the merged answer."""

    def __init__(self, path: TokenPath | None = None) -> None:
        self.path = path  # None: automatic
        self.detected: TokenPath | None = None
        self.merged = 0  # events that added text (or an empty token)
        self.skipped = 0  # events that added nothing

    @property
    def current(self) -> TokenPath | None:
        """The path in use: the one named, or the one automatic mode found (if any yet)."""
        return self.path or self.detected

    def add(self, data: str) -> str:
        """The text ``data`` adds ("" when it adds nothing)."""
        text = self._text_of(data)
        if text is None:
            self.skipped += 1
            return ""
        self.merged += 1
        return text

    def _text_of(self, data: str) -> str | None:
        if data.strip() == "[DONE]":
            return None
        if data.lstrip()[:1] not in ("{", "[", '"'):
            return data
        try:
            value = json.loads(data)
        except ValueError:
            return data
        if isinstance(value, str):
            return value
        path = self.current
        if path is not None:
            return _as_text(path.find(value))
        for candidate in AUTO_PATHS:
            text = _as_text(candidate.find(value))
            if text is not None:
                self.detected = candidate
                return text
        return None
