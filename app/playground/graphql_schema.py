"""The playground's GraphQL schema and its data: users and posts, with interfaces, a union,
enums, input objects, a deprecated field and enum value, and a subscription that ticks.
Executed by graphql-core (:mod:`app.playground.graphql`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
)

__all__ = ["SDL", "Store", "make_schema"]

SDL = '''
"""Something with an id."""
interface Node {
  id: ID!
}

"""What a user may do."""
enum Role {
  ADMIN
  EDITOR
  VIEWER
  GUEST @deprecated(reason: "Use VIEWER.")
}

"""A person who writes posts."""
type User implements Node {
  id: ID!
  name: String!
  email: String
  role: Role!
  "The user's login name."
  username: String @deprecated(reason: "Use name.")
  posts: [Post!]!
}

"""Something a user wrote."""
type Post implements Node {
  id: ID!
  title: String!
  body: String
  author: User!
  tags: [String!]!
}

"""What a search finds."""
union SearchResult = User | Post

"""A new post."""
input PostInput {
  title: String!
  body: String
  tags: [String!] = []
}

"""Which users to list."""
input UserFilter {
  role: Role
  nameContains: String
}

"""One beat of the ticker."""
type Tick {
  n: Int!
  at: String!
}

type Query {
  "A greeting."
  hello(name: String = "world"): String!
  user(id: ID!): User
  users(filter: UserFilter, first: Int = 10): [User!]!
  node(id: ID!): Node
  search(text: String!): [SearchResult!]!
}

type Mutation {
  "Adds a post by an existing user."
  addPost(authorId: ID!, post: PostInput!): Post!
  setRole(userId: ID!, role: Role!): User
}

type Subscription {
  "count ticks (at most 1000), one every interval seconds (0.01 to 10)."
  tick(count: Int = 5, interval: Float = 1.0): Tick!
}
'''

Info = GraphQLResolveInfo[Any]

#: The most ticks one subscription sends.
MAX_TICKS = 1000


class Store:
    """The data one playground serves; mutations change it."""

    def __init__(self) -> None:
        self.users: dict[str, dict[str, Any]] = {
            "1": {"id": "1", "name": "Ada Lovelace", "email": "ada@example.com",
                  "role": "ADMIN", "username": "ada"},
            "2": {"id": "2", "name": "Alan Turing", "email": None, "role": "EDITOR",
                  "username": "alan"},
            "3": {"id": "3", "name": "Grace Hopper", "email": "grace@example.com",
                  "role": "VIEWER", "username": "grace"},
        }
        self.posts: dict[str, dict[str, Any]] = {
            "p1": {"id": "p1", "title": "Notes on the Analytical Engine", "body": "...",
                   "author_id": "1", "tags": ["history", "computing"]},
            "p2": {"id": "p2", "title": "Computing Machinery and Intelligence", "body": None,
                   "author_id": "2", "tags": ["ai"]},
        }

    def user(self, user_id: str) -> dict[str, Any] | None:
        found = self.users.get(user_id)
        if found is None:
            return None
        return {**found, "__typename": "User",
                "posts": [self.post(p) for p, v in self.posts.items()
                          if v["author_id"] == user_id]}

    def post(self, post_id: str) -> dict[str, Any] | None:
        found = self.posts.get(post_id)
        if found is None:
            return None
        return {**found, "__typename": "Post",
                "author": lambda info: self.user(found["author_id"])}


def _store(info: Info) -> Store:
    store: Store = info.context["store"]
    return store


def _users(root: Any, info: Info, filter: dict[str, Any] | None = None,
           first: int = 10) -> list[Any]:
    store, wanted = _store(info), filter or {}
    users = [store.user(u) for u in store.users]
    return [u for u in users if u is not None
            and (wanted.get("role") is None or u["role"] == wanted["role"])
            and wanted.get("nameContains", "").lower() in u["name"].lower()][:max(first, 0)]


def _node(root: Any, info: Info, id: str) -> Any:
    store = _store(info)
    return store.user(id) or store.post(id)


def _search(root: Any, info: Info, text: str) -> list[Any]:
    store, low = _store(info), text.lower()
    found: list[Any] = [store.user(u) for u, v in store.users.items()
                        if low in v["name"].lower()]
    found += [store.post(p) for p, v in store.posts.items() if low in v["title"].lower()]
    return found


def _add_post(root: Any, info: Info, authorId: str,
              post: dict[str, Any]) -> Any:
    store = _store(info)
    if authorId not in store.users:
        raise GraphQLError(f"No user with id {authorId}.")
    post_id = f"p{len(store.posts) + 1}"
    store.posts[post_id] = {"id": post_id, "title": post["title"], "body": post.get("body"),
                            "author_id": authorId, "tags": post.get("tags") or []}
    return store.post(post_id)


def _set_role(root: Any, info: Info, userId: str, role: str) -> Any:
    store = _store(info)
    if userId not in store.users:
        return None
    store.users[userId]["role"] = role
    return store.user(userId)


def _ticks(root: Any, info: Info, count: int = 5,
           interval: float = 1.0) -> AsyncIterator[dict[str, Any]]:
    # Checked before the stream starts, so that bad arguments are an error message.
    if not 0 <= count <= MAX_TICKS:
        raise GraphQLError(f"count must be between 0 and {MAX_TICKS}.")
    if not 0.01 <= interval <= 10:
        raise GraphQLError("interval must be between 0.01 and 10 seconds.")
    return _tick_stream(count, interval)


async def _tick_stream(count: int, interval: float) -> AsyncIterator[dict[str, Any]]:
    for n in range(1, count + 1):
        if n > 1:
            await asyncio.sleep(interval)
        yield {"tick": {"n": n, "at": datetime.now(UTC).isoformat(timespec="milliseconds")}}


def _type_of(value: Any, info: Info, abstract: Any) -> str | None:
    return value.get("__typename") if isinstance(value, dict) else None


def _object(schema: GraphQLSchema, name: str) -> GraphQLObjectType:
    found = schema.type_map[name]
    assert isinstance(found, GraphQLObjectType)
    return found


def make_schema() -> GraphQLSchema:
    """The schema with its resolvers attached."""
    schema = build_schema(SDL)
    resolvers = {
        ("Query", "hello"): lambda root, info, name="world": f"Hello, {name}!",
        ("Query", "user"): lambda root, info, id: _store(info).user(id),
        ("Query", "users"): _users,
        ("Query", "node"): _node,
        ("Query", "search"): _search,
        ("Mutation", "addPost"): _add_post,
        ("Mutation", "setRole"): _set_role,
    }
    for (type_name, field_name), resolver in resolvers.items():
        _object(schema, type_name).fields[field_name].resolve = resolver
    _object(schema, "Subscription").fields["tick"].subscribe = _ticks
    for name in ("Node", "SearchResult"):
        abstract = schema.type_map[name]
        assert isinstance(abstract, GraphQLInterfaceType | GraphQLUnionType)
        abstract.resolve_type = _type_of
    # A post's author is resolved lazily (it refers back to users).
    _object(schema, "Post").fields["author"].resolve = lambda post, info: post["author"](info)
    return schema
