"""A relying party's JWKS cache: keep the IdP's keys, refetch on an unknown kid.

What every Tomps app (and any RP) should do with the IdP's JWKS (OIDC Core
§10.1.1): cache it for its Cache-Control max-age (the IdP publishes a key at
least that long before it signs with it); when a token names a kid the cache
does not hold, refetch once — the IdP published that key before it signed with
it — but at most once a minute, so forged kids cannot turn the RP into a load
generator against the IdP. When a refetch fails (the IdP is briefly away),
the keys in hand stay in use for ``STALE_FOR`` seconds past their max-age,
asked for again every ``RETRY_AFTER`` seconds, so a product's API keeps
validating offline while the IdP restarts.

``decode`` checks the JOSE layer only — compact form, ``alg`` on the allow-list
(never ``none``, never HMAC: RFC 8725 §3.1-3.2), a published ``kid``, the
signature — and raises a typed ``TokenRejected``; ``tokens.py`` checks the claims.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from .errors import (
    AlgorithmNotAllowed,
    DiscoveryError,
    InvalidSignature,
    MalformedToken,
    TokenRejected,
    UnknownKey,
)
from .http import Fetched, get_json, session

__all__ = ["ALGS", "JWKSCache", "TokenRejected", "http_fetcher"]

ALGS = ("RS256", "PS256", "ES256", "EdDSA")  # what the IdP signs with; all asymmetric
REFETCH_INTERVAL = 60.0
RETRY_AFTER = 30.0  # a failed refetch is tried again this much later
STALE_FOR = 600.0  # keys in hand stay usable this long past their max-age while the IdP is away
MAX_TOKEN = 16384


def http_fetcher(jwks_uri: str | Callable[[], str], timeout: float = 5.0,
                 http=None) -> Callable[[], Fetched]:
    """A fetch function reading the JWKS at ``jwks_uri`` (a URL, or a function giving it)."""
    if isinstance(jwks_uri, str) and not jwks_uri.startswith(("https://", "http://")):
        raise ValueError("jwks_uri must be an http(s) URL")
    http = http or session(keep_cookies=False)

    def fetch() -> Fetched:
        return get_json(http, jwks_uri() if callable(jwks_uri) else jwks_uri, timeout)

    return fetch


class _Registry(JWSRegistry):
    # "EdDSA" is kept on purpose (RFC 8037; deprecated by RFC 9864 but what
    # OIDC deployments use): validate it without joserfc's SecurityWarning.
    def get_alg(self, name):
        if name == "EdDSA" and name in (self.allowed or ()):
            return self.algorithms[name]
        return super().get_alg(name)


def _b64json(segment: str) -> dict:
    value = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    if not isinstance(value, dict):
        raise TypeError("not a JSON object")
    return value


def read_header(token) -> dict:
    """The protected header of a compact JWS; raise MalformedToken."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN or token.count(".") != 2:
        raise MalformedToken("not a compact signed JWT (three dot-separated parts)")
    try:
        return _b64json(token.split(".", 1)[0])
    except (ValueError, TypeError, RecursionError):  # [[[[… nested too deep: malformed too
        raise MalformedToken("the JOSE header is not base64url JSON") from None


class JWKSCache:
    """Hold the JWKS; ``decode(token)`` verifies, refetching on an unknown kid.

    ``fetch`` returns the JWKS document, either as a dict (cached ``max_age``
    seconds) or as ``http.Fetched`` (cached for its Cache-Control max-age).
    """

    def __init__(self, fetch: Callable[[], dict | Fetched], max_age: float = 600.0,
                 refetch_interval: float = REFETCH_INTERVAL, algorithms=ALGS,
                 now: Callable[[], float] = time.monotonic):
        self.fetch, self.max_age, self.refetch_interval, self.now = fetch, max_age, refetch_interval, now
        self.algorithms = tuple(a for a in algorithms if a in ALGS)  # no none, no HS*
        if not self.algorithms:
            raise ValueError(f"algorithms must include one of {', '.join(ALGS)}")
        self.lock = threading.Lock()
        self.keys: KeySet | None = None
        self.kids: set[str] = set()
        self.fetched_at: float | None = None
        self.lifetime = max_age
        self.stale_until = 0.0
        self.fetches = 0

    def _refresh(self) -> None:
        try:
            result = self.fetch()
        except DiscoveryError:
            now = self.now()
            if self.keys is None or now >= self.stale_until:
                raise
            # The IdP is briefly away: keep the keys in hand, ask again a little later.
            self.fetched_at, self.lifetime = now, min(RETRY_AFTER, self.stale_until - now)
            return
        document, lifetime = (result.document, result.max_age) if isinstance(result, Fetched) \
            else (result, self.max_age)
        try:
            keys = KeySet.import_key_set(document)
        except (JoseError, ValueError, KeyError, TypeError) as exc:
            raise TokenRejected(f"the IdP's JWKS cannot be read: {str(exc)[:100]}") from None
        self.keys, self.lifetime = keys, lifetime
        self.kids = {k.get("kid") for k in document.get("keys", []) if isinstance(k, dict)}
        self.fetched_at = self.now()
        self.stale_until = self.fetched_at + lifetime + STALE_FOR
        self.fetches += 1

    def _ensure(self, kid: str | None) -> None:
        with self.lock:
            age = None if self.fetched_at is None else self.now() - self.fetched_at
            if age is None or age >= self.lifetime:
                self._refresh()
            elif kid not in self.kids and age >= self.refetch_interval:
                self._refresh()  # a rotation: the IdP published this kid before using it

    def keyset(self) -> KeySet:
        """The current key set (fetched if none is held or it is stale)."""
        self._ensure(None)
        return self.keys

    def decode(self, token: str, algorithms=None):
        """Return the verified token (``.header``, ``.claims``); the caller checks the claims."""
        allowed = tuple(a for a in (algorithms or self.algorithms) if a in self.algorithms)
        header = read_header(token)
        alg = header.get("alg")
        if alg not in allowed:
            raise AlgorithmNotAllowed(f"alg {str(alg)[:20]!r} is not one of {', '.join(allowed)}")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise MalformedToken("the JOSE header has no kid")
        self._ensure(kid)
        if kid not in self.kids:
            raise UnknownKey(f"unknown kid {kid[:64]!r}")
        try:
            decoded = jwt.decode(token, self.keys, algorithms=list(allowed),
                                 registry=_Registry(algorithms=list(allowed)))
        except (JoseError, ValueError, KeyError, TypeError) as exc:
            raise InvalidSignature(f"signature: {str(exc)[:200]}") from None
        if not isinstance(decoded.claims, dict):
            raise MalformedToken("the claims are not a JSON object")
        return decoded
