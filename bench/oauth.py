"""What a token refresh adds to a request, in token endpoint round trips.

Measured: the time of a ``GET /oauth/me`` whose OAuth 2.0 token has expired (the library
refreshes it with the refresh token, then sends the request), minus the time of the same
request with a valid token, divided by one bare round trip to the token endpoint (a plain
client credentials POST). Medians over ``--runs`` runs of each, interleaved so that outside
load lands on all three alike. Goal: ``refresh_vs_token_trip <= 2`` (the refresh costs about
one token trip: the flow adds no more than the exchange itself).

The server is the playground's OAuth 2.0 provider (app/playground/oauth.py, authlib's server
classes) in its own process, with its demo client and user. The token is made to look expired
by the auth's injectable clock; the server issues and checks real tokens.

The last line of stdout is ``refresh_vs_token_trip=R``.
Run: ``.venv/bin/python bench/oauth.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time

import _path  # noqa: F401  (first: this folder last on the path)

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from aiohttp import web

from app.client import AsyncSession, BasicAuth, Request
from app.client.auth import OAuth2Password
from app.playground import create_app
from app.playground.oauth_store import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_PASSWORD,
    DEMO_USER,
)
from bench._server import served


def make_app() -> web.Application:
    return create_app()


async def measure(url: str, runs: int) -> tuple[list[float], list[float], list[float]]:
    now = [time.time()]
    auth = OAuth2Password(url + "/oauth/token", DEMO_CLIENT_ID, DEMO_USER, DEMO_PASSWORD,
                          client_secret=DEMO_CLIENT_SECRET, _clock=lambda: now[0])
    valid: list[float] = []
    expired: list[float] = []
    bare: list[float] = []
    async with AsyncSession(url, auth=auth) as session, AsyncSession(url) as plain:

        async def me() -> float:
            started = time.perf_counter()
            async with Request(session, "GET", "/oauth/me").fetch() as response:
                await response.read()
            return time.perf_counter() - started

        async def token_trip() -> float:
            request = Request(plain, "POST", "/oauth/token")
            request.auth = BasicAuth(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
            request.set_form({"grant_type": "client_credentials"})
            started = time.perf_counter()
            async with request.fetch() as response:
                await response.read()
            return time.perf_counter() - started

        for _ in range(20):  # warm-up: connections open, code paths hot
            await me()
            await token_trip()
        for _ in range(runs):
            valid.append(await me())
            now[0] += 7200  # past the token's expiry: the next request refreshes first
            expired.append(await me())
            bare.append(await token_trip())
    return valid, expired, bare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with served(make_app) as url:
        valid, expired, bare = asyncio.run(measure(url, args.runs))
    v, e, b = (statistics.median(x) * 1000 for x in (valid, expired, bare))
    print(f"median ms: valid={v:.3f} expired={e:.3f} token_trip={b:.3f}")
    print(f"refresh_vs_token_trip={(e - v) / b:.2f}")


if __name__ == "__main__":
    main()
