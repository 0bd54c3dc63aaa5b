"""A relying party's JWKS cache: keep the IdP's keys, refetch on an unknown kid.

What every Tomps app (and any RP) should do with the IdP's JWKS (OIDC Core
§10.1.1): cache it for its Cache-Control max-age; when a token names a kid the
cache does not hold, refetch once — the IdP published that key before it
signed with it — but at most once a minute, so forged kids cannot turn the RP
into a load generator against the IdP.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

ALGS = ("RS256", "PS256", "ES256", "EdDSA")
REFETCH_INTERVAL = 60.0


class TokenRejected(Exception):
    """The token is not signed by a key the IdP publishes."""


def http_fetcher(jwks_uri: str, timeout: float = 5.0) -> Callable[[], dict]:
    """A fetch function reading ``jwks_uri`` (the discovery document's jwks_uri)."""
    if not jwks_uri.startswith(("https://", "http://")):
        raise ValueError("jwks_uri must be an http(s) URL")

    def fetch() -> dict:
        with urllib.request.urlopen(jwks_uri, timeout=timeout) as response:
            return json.load(response)

    return fetch


class _Registry(JWSRegistry):
    # "EdDSA" is kept on purpose (RFC 8037; deprecated by RFC 9864 but what
    # OIDC deployments use): validate it without joserfc's SecurityWarning.
    def get_alg(self, name):
        if name == "EdDSA" and name in (self.allowed or ()):
            return self.algorithms[name]
        return super().get_alg(name)


class JWKSCache:
    """Hold the JWKS; ``decode(token)`` verifies, refetching on an unknown kid."""

    def __init__(self, fetch: Callable[[], dict], max_age: float = 600.0,
                 refetch_interval: float = REFETCH_INTERVAL, now: Callable[[], float] = time.monotonic):
        self.fetch, self.max_age, self.refetch_interval, self.now = fetch, max_age, refetch_interval, now
        self.lock = threading.Lock()
        self.keys: KeySet | None = None
        self.kids: set[str] = set()
        self.fetched_at: float | None = None
        self.fetches = 0

    def _refresh(self) -> None:
        document = self.fetch()
        self.keys = KeySet.import_key_set(document)
        self.kids = {k.get("kid") for k in document.get("keys", [])}
        self.fetched_at = self.now()
        self.fetches += 1

    def _ensure(self, kid: str) -> None:
        with self.lock:
            age = None if self.fetched_at is None else self.now() - self.fetched_at
            if age is None or age >= self.max_age:
                self._refresh()
            elif kid not in self.kids and age >= self.refetch_interval:
                self._refresh()  # a rotation: the IdP published this kid before using it

    def decode(self, token: str):
        """Return the verified token (header, claims); the caller checks iss, aud, exp."""
        try:
            header = json.loads(_b64(token.split(".")[0]))
            kid = header["kid"]
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            raise TokenRejected("malformed token") from None
        self._ensure(kid)
        if kid not in self.kids:
            raise TokenRejected(f"unknown kid {str(kid)[:64]!r}")
        try:
            return jwt.decode(token, self.keys, algorithms=list(ALGS), registry=_Registry(algorithms=ALGS))
        except (JoseError, ValueError) as exc:
            raise TokenRejected(str(exc)[:200]) from None


def _b64(segment: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
