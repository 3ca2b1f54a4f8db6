"""A small stateful API to chain requests against: log in for a token, then create, read,
update and delete items with it (the Getting-started "Run me" folder runs through it).

::

    POST   /demo/login        {"user": "ada", "password": "lovelace"} -> {"token": ...}
    GET    /demo/items        every item                   (Authorization: Bearer <token>)
    POST   /demo/items        {...} -> 201, the item with its "id", Location
    GET    /demo/items/{id}   the item
    PUT    /demo/items/{id}   {...} -> the item, replaced (its id kept)
    DELETE /demo/items/{id}   204

The state lives in the application: one playground run, gone when it stops. It is bounded
(:class:`DemoSettings`): a cap on items (507 beyond it), on an item's size (413), and on
live tokens (the oldest is forgotten when a login would pass the cap).
"""

from __future__ import annotations

import json
import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from aiohttp import hdrs, web

from ._common import KiB, PlaygroundError, json_response

__all__ = [
    "DEFAULT_MAX_ITEMS",
    "DEMO_PASSWORD",
    "DEMO_STATE",
    "DEMO_USER",
    "DemoSettings",
    "DemoState",
    "setup",
]

#: The one account the demo knows (it is a demo: the point is the token that follows).
DEMO_USER = "ada"
DEMO_PASSWORD = "lovelace"
DEFAULT_MAX_ITEMS = 1000
DEFAULT_MAX_TOKENS = 100
DEFAULT_MAX_ITEM_BYTES = 64 * KiB


@dataclass(frozen=True)
class DemoSettings:
    """The demo's bounds."""

    max_items: int = DEFAULT_MAX_ITEMS
    max_tokens: int = DEFAULT_MAX_TOKENS
    max_item_bytes: int = DEFAULT_MAX_ITEM_BYTES

    def __post_init__(self) -> None:
        for name in ("max_items", "max_tokens", "max_item_bytes"):
            if getattr(self, name) < 1:
                raise ValueError(f"the demo's {name} must be 1 or more")


@dataclass
class DemoState:
    """One playground run's tokens and items."""

    settings: DemoSettings = field(default_factory=DemoSettings)
    #: token -> user, oldest first.
    tokens: OrderedDict[str, str] = field(default_factory=OrderedDict)
    items: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_id: int = 1

    def log_in(self, user: str) -> str:
        token = secrets.token_urlsafe(24)
        self.tokens[token] = user
        while len(self.tokens) > self.settings.max_tokens:
            self.tokens.popitem(last=False)
        return token


DEMO_STATE: web.AppKey[DemoState] = web.AppKey("playground_demo_state", DemoState)

routes = web.RouteTableDef()


async def _json_object(request: web.Request, limit: int) -> dict[str, Any]:
    """The request's body, a JSON object of at most ``limit`` bytes (else a 400 or 413)."""
    if request.content_length is not None and request.content_length > limit:
        raise PlaygroundError(f"the body is over {limit} bytes", 413)
    body = await request.content.read(limit + 1)
    if len(body) > limit:
        raise PlaygroundError(f"the body is over {limit} bytes", 413)
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise PlaygroundError("the body must be a JSON object") from None
    if not isinstance(value, dict):
        raise PlaygroundError("the body must be a JSON object")
    return value


def _state(request: web.Request) -> DemoState:
    return request.app[DEMO_STATE]


def _authorized(request: web.Request) -> DemoState:
    """The state, for a request carrying a live token (else a 401 that says how)."""
    state = _state(request)
    scheme, _, token = request.headers.get(hdrs.AUTHORIZATION, "").strip().partition(" ")
    if scheme.lower() != "bearer" or token.strip() not in state.tokens:
        why = ("a token from POST /demo/login is needed: Authorization: Bearer <token>"
               if not token else "that token is not one this playground gave (or it expired)")
        raise web.HTTPUnauthorized(
            reason=why, headers={hdrs.WWW_AUTHENTICATE: 'Bearer realm="Spyglass demo"'})
    return state


def _item_id(request: web.Request, state: DemoState) -> int:
    text = request.match_info["id"]
    if not text.isdigit() or int(text) not in state.items:
        raise PlaygroundError(f"no item {text}", 404)
    return int(text)


@routes.post("/demo/login")
async def login(request: web.Request) -> web.StreamResponse:
    state = _state(request)
    data = await _json_object(request, state.settings.max_item_bytes)
    if data.get("user") != DEMO_USER or data.get("password") != DEMO_PASSWORD:
        return json_response({"error": "wrong user or password (the demo's: "
                                       f"{DEMO_USER} / {DEMO_PASSWORD})"}, status=401)
    return json_response({"token": state.log_in(DEMO_USER), "user": DEMO_USER})


@routes.get("/demo/items")
async def list_items(request: web.Request) -> web.StreamResponse:
    state = _authorized(request)
    return json_response({"items": list(state.items.values()), "count": len(state.items)})


@routes.post("/demo/items")
async def create_item(request: web.Request) -> web.StreamResponse:
    state = _authorized(request)
    data = await _json_object(request, state.settings.max_item_bytes)
    if len(state.items) >= state.settings.max_items:
        raise PlaygroundError(f"the demo holds at most {state.settings.max_items} items: "
                              "delete some first", 507)
    item = {**data, "id": state.next_id}
    state.items[state.next_id] = item
    state.next_id += 1
    return json_response(item, status=201,
                         headers={hdrs.LOCATION: f"/demo/items/{item['id']}"})


@routes.get("/demo/items/{id}")
async def read_item(request: web.Request) -> web.StreamResponse:
    state = _authorized(request)
    return json_response(state.items[_item_id(request, state)])


@routes.put("/demo/items/{id}")
async def replace_item(request: web.Request) -> web.StreamResponse:
    state = _authorized(request)
    item_id = _item_id(request, state)
    data = await _json_object(request, state.settings.max_item_bytes)
    state.items[item_id] = {**data, "id": item_id}
    return json_response(state.items[item_id])


@routes.delete("/demo/items/{id}")
async def delete_item(request: web.Request) -> web.StreamResponse:
    state = _authorized(request)
    del state.items[_item_id(request, state)]
    return web.Response(status=204)


def setup(app: web.Application, settings: DemoSettings | None = None) -> None:
    """Add the demo's routes and a fresh state to ``app``."""
    app[DEMO_STATE] = DemoState(settings or DemoSettings())
    app.add_routes(routes)
