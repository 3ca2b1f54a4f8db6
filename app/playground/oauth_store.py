"""What the playground's OAuth 2.0 provider knows: its demo client and user, its settings,
and the codes and tokens it issued (in memory, bounded, gone when it stops).

The objects here are the ones authlib's server classes ask for (a client, a token, an
authorization code, a device credential); :mod:`app.playground.oauth` wires them to authlib.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oauth2.rfc8628 import DeviceCredentialDict

__all__ = [
    "DEMO_CLIENT_ID",
    "DEMO_CLIENT_SECRET",
    "DEMO_PASSWORD",
    "DEMO_SCOPES",
    "DEMO_USER",
    "AuthorizationCode",
    "DemoClient",
    "IssuedToken",
    "OAuthSettings",
    "OAuthStore",
]

#: The one client the provider knows. Demo credentials, shown on the index page: the
#: playground is a local toy, and the getting-started requests must work without setup.
DEMO_CLIENT_ID = "spyglass-demo"
DEMO_CLIENT_SECRET = "spyglass-demo-secret"
#: The one user (the password grant's, and the one an approval signs in as).
DEMO_USER = "ada"
DEMO_PASSWORD = "lovelace"
DEMO_SCOPES = ("read", "write", "profile")

#: Every grant the demo client may use.
GRANT_TYPES = (
    "client_credentials",
    "password",
    "authorization_code",
    "refresh_token",
    "urn:ietf:params:oauth:grant-type:device_code",
)
#: How the client may authenticate: its secret in Basic or in the body, or (a public client
#: such as a native app with PKCE, or a TV with a device code) its ID alone.
AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")


@dataclass(frozen=True)
class OAuthSettings:
    """The provider's limits and lifetimes (seconds unless said otherwise).

    ``expires_in`` is the access tokens' lifetime (``?expires_in=`` on a token request
    overrides it, up to ``max_expires_in``); ``device_interval`` the polling interval a device
    grant asks for (``?interval=`` on the device request overrides it); ``max_tokens`` and
    ``max_pending`` bound what is kept in memory (the oldest is forgotten first)."""

    expires_in: int = 3600
    max_expires_in: int = 30 * 86400
    device_interval: int = 5
    device_lifetime: int = 600
    code_lifetime: int = 600
    max_tokens: int = 10_000
    max_pending: int = 1_000

    def __post_init__(self) -> None:
        if not 1 <= self.expires_in <= self.max_expires_in:
            raise ValueError(
                f"the token lifetime must be 1 to {self.max_expires_in} seconds, "
                f"not {self.expires_in}"
            )
        if self.device_interval < 0:
            raise ValueError(f"the device interval must be 0 or more, not {self.device_interval}")
        for name in ("device_lifetime", "code_lifetime", "max_tokens", "max_pending"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be 1 or more, not {getattr(self, name)}")


class DemoClient(ClientMixin):  # type: ignore[misc]
    """The demo client as authlib sees it: any grant, any loopback redirect URI."""

    def __init__(self, client_id: str, secret: str) -> None:
        self.client_id = client_id
        self.secret = secret

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return " ".join(DEMO_SCOPES)
        return " ".join(s for s in scope.split() if s in DEMO_SCOPES)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # RFC 8252 7.3: a native app's loopback redirect may use any port.
        return redirect_uri.startswith(
            ("http://127.0.0.1:", "http://localhost:", "http://[::1]:")
        )

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret.encode(), self.secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in GRANT_TYPES


@dataclass
class IssuedToken:
    """An issued token set, as the resource and the refresh grant check it."""

    data: dict[str, Any]
    client_id: str
    user: str | None
    issued_at: float
    revoked: bool = False

    @property
    def access_token(self) -> str:
        return str(self.data["access_token"])

    @property
    def expires_at(self) -> float:
        return self.issued_at + float(self.data.get("expires_in", 0))

    def check_client(self, client: DemoClient) -> bool:
        return self.client_id == client.client_id

    def get_scope(self) -> str:
        return str(self.data.get("scope", ""))

    def is_expired(self) -> bool:
        return time.time() >= self.expires_at

    def is_revoked(self) -> bool:
        return self.revoked


@dataclass
class AuthorizationCode:
    """A code issued by the authorize page, with its PKCE challenge."""

    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: str
    code_challenge: str | None
    code_challenge_method: str | None
    expires_at: float

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


def _bounded_put(table: OrderedDict[str, Any], key: str, value: Any, limit: int) -> None:
    table[key] = value
    while len(table) > limit:
        table.popitem(last=False)


@dataclass
class OAuthStore:
    """Codes, device grants and tokens, in memory; each table forgets its oldest entry
    past its limit."""

    settings: OAuthSettings = field(default_factory=OAuthSettings)
    tokens: OrderedDict[str, IssuedToken] = field(default_factory=OrderedDict)
    #: The same tokens by their refresh token (a refresh finds its token at once).
    refreshable: OrderedDict[str, IssuedToken] = field(default_factory=OrderedDict)
    codes: OrderedDict[str, AuthorizationCode] = field(default_factory=OrderedDict)
    devices: OrderedDict[str, DeviceCredentialDict] = field(default_factory=OrderedDict)
    #: user_code -> True (approved) or False (denied).
    decisions: OrderedDict[str, bool] = field(default_factory=OrderedDict)
    #: device_code -> when it was last polled (the loop's clock is not needed: wall time).
    last_polls: OrderedDict[str, float] = field(default_factory=OrderedDict)

    def add_token(self, token: IssuedToken) -> None:
        _bounded_put(self.tokens, token.access_token, token, self.settings.max_tokens)
        refresh = token.data.get("refresh_token")
        if refresh:
            _bounded_put(self.refreshable, str(refresh), token, self.settings.max_tokens)

    def add_code(self, code: AuthorizationCode) -> None:
        _bounded_put(self.codes, code.code, code, self.settings.max_pending)

    def add_device(self, device: DeviceCredentialDict) -> None:
        _bounded_put(self.devices, str(device["device_code"]), device,
                     self.settings.max_pending)

    def decide(self, user_code: str, approved: bool) -> bool:
        """Approve or deny the device grant showing ``user_code``; False when no pending
        grant shows it."""
        user_code = user_code.strip().upper()
        for device in self.devices.values():
            if device["user_code"] == user_code and not device.is_expired():
                _bounded_put(self.decisions, user_code, approved, self.settings.max_pending)
                return True
        return False

    def polled_too_soon(self, device_code: str, interval: float) -> bool:
        """Whether a device grant is polled sooner than its interval allows (RFC 8628 3.5:
        ``slow_down``); a little slack for the clocks of client and server."""
        now = time.time()
        last = self.last_polls.get(device_code)
        _bounded_put(self.last_polls, device_code, now, self.settings.max_pending)
        return last is not None and now - last < interval - 0.25

    def bearer(self, access_token: str) -> IssuedToken | None:
        """The live token ``access_token`` names (None when unknown, expired or revoked)."""
        found = self.tokens.get(access_token)
        if found is None or found.revoked or found.is_expired():
            return None
        return found

    def by_refresh_token(self, refresh_token: str) -> IssuedToken | None:
        found = self.refreshable.get(refresh_token)
        return found if found is not None and not found.revoked else None
