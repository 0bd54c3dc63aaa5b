"""Talking to an organisation's provider: its metadata, its keys, its token endpoint.

- Discovery (OIDC Discovery 1.0 §4): ``{issuer}/.well-known/openid-configuration``,
  cached per its Cache-Control (rp/http.py bounds it), and its ``issuer`` must equal
  the configured one exactly (§4.3) or nothing from it is used.
- Keys: one ``rp.jwks_cache.JWKSCache`` per issuer — cached, refetched on an unknown
  ``kid`` at most once a minute (a forged kid cannot make us hammer the upstream), the
  ``alg`` on an asymmetric allow-list (never ``none``, never HMAC: RFC 8725 §3.1-3.2).
- The code exchange (OIDC Core §3.1.3.1): ``client_secret_basic`` unless the upstream
  supports only ``client_secret_post``, with the PKCE verifier (RFC 7636 §4.5).

The caches live in this process only, keyed by issuer, with the short lifetimes above:
any instance builds its own on first use, nothing another instance needs is kept here.
Every failure to reach the upstream raises ``FederationFailure("upstream_down")``.
"""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import quote
from dataclasses import dataclass, field

import requests

from ..rp.errors import DiscoveryError
from ..rp.http import get_json, session
from ..rp.jwks_cache import JWKSCache
from .errors import FederationFailure

WELL_KNOWN = "/.well-known/openid-configuration"
REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
# What we accept from an upstream (RFC 8725 §3.1: an explicit allow-list, asymmetric only).
ALGORITHMS = ("RS256", "PS256", "ES256", "EdDSA")
TIMEOUT = 5.0
RETRY_AFTER = 30.0
MAX_TOKEN_RESPONSE = 256 * 1024

_lock = threading.Lock()
_sessions: list = []  # the one HTTP session of this process, made on first use


def _http():
    with _lock:
        if not _sessions:
            _sessions.append(session(keep_cookies=False))  # no cookie rides between people
        return _sessions[0]


@dataclass
class _Upstream:
    document: dict | None = None
    expires: float = 0.0
    failed_until: float = 0.0
    jwks: JWKSCache | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


_upstreams: dict[str, _Upstream] = {}


def _entry(issuer: str) -> _Upstream:
    with _lock:
        return _upstreams.setdefault(issuer, _Upstream())


def forget(issuer: str | None = None) -> None:
    """Drop the cached metadata and keys (of one issuer, or all): tests, `federation set`."""
    with _lock:
        if issuer is None:
            _upstreams.clear()
        else:
            _upstreams.pop(issuer, None)


def metadata(issuer: str) -> dict:
    """The upstream's discovery document (cached); raise FederationFailure when unreachable.

    When a refetch fails, the copy in hand is kept ``RETRY_AFTER`` seconds more; with no
    copy, the failure itself is remembered that long, so people typing their email while
    the upstream is down do not each wait for a connection timeout.
    """
    entry = _entry(issuer)
    with entry.lock:
        now = time.monotonic()
        if entry.document is not None and now < entry.expires:
            return entry.document
        if entry.document is None and now < entry.failed_until:
            raise FederationFailure("upstream_down", "discovery failed moments ago", status=502)
        try:
            entry.document = _discover(issuer)
        except FederationFailure:
            if entry.document is None:
                entry.failed_until = now + RETRY_AFTER
                raise
            entry.expires = now + RETRY_AFTER  # keep the copy in hand a little longer
            return entry.document
        return entry.document


def _discover(issuer: str) -> dict:
    entry = _entry(issuer)
    url = issuer.rstrip("/") + WELL_KNOWN
    try:
        fetched = get_json(_http(), url, TIMEOUT)
    except DiscoveryError as exc:
        raise FederationFailure("upstream_down", f"discovery: {exc}", status=502) from None
    document = fetched.document
    if document.get("issuer") != issuer:  # Discovery §4.3
        raise FederationFailure("upstream_down", "discovery names another issuer", 502)
    missing = [n for n in REQUIRED if not isinstance(document.get(n), str)]
    if missing:
        raise FederationFailure("upstream_down", f"discovery lacks {missing}", 502)
    entry.expires = time.monotonic() + fetched.max_age
    return document


def jwks(issuer: str) -> JWKSCache:
    """The upstream's key cache (refetch on unknown kid, at most once a minute)."""
    entry = _entry(issuer)
    with entry.lock:
        if entry.jwks is None:
            def fetch():
                try:
                    return get_json(_http(), metadata_uri(issuer, "jwks_uri"), TIMEOUT)
                except DiscoveryError as exc:
                    raise FederationFailure("upstream_down", f"jwks: {exc}", status=502) from None
            entry.jwks = JWKSCache(fetch, algorithms=ALGORITHMS)
        return entry.jwks


def metadata_uri(issuer: str, name: str) -> str:
    return metadata(issuer)[name]


def exchange_code(issuer: str, client_id: str, secret: str, code: str, redirect_uri: str,
                  verifier: str) -> dict:
    """Redeem ``code`` at the upstream's token endpoint; return its JSON answer."""
    meta = metadata(issuer)
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "code_verifier": verifier}
    methods = meta.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    auth = None
    if "client_secret_basic" in methods or "client_secret_post" not in methods:
        # RFC 6749 §2.3.1: form-urlencode the id and secret before Basic (requests does not).
        auth = (quote(client_id, safe=""), quote(secret, safe=""))
    else:
        data.update(client_id=client_id, client_secret=secret)
    try:
        with _http().post(meta["token_endpoint"], data=data, auth=auth, timeout=TIMEOUT,
                        allow_redirects=False, stream=True,
                        headers={"Accept": "application/json"}) as response:
            body = response.raw.read(MAX_TOKEN_RESPONSE + 1, decode_content=True)
            status = response.status_code
    except requests.RequestException as exc:
        raise FederationFailure("upstream_down", f"token endpoint: {type(exc).__name__}", 502) from None
    try:
        answer = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: [[[[… nested too deep
        answer = None
    if status != 200 or not isinstance(answer, dict):
        error = answer.get("error") if isinstance(answer, dict) else None
        raise FederationFailure("upstream_down", f"token endpoint answered {status} {str(error)[:60]}",
                                status=502)
    if not isinstance(answer.get("id_token"), str):
        raise FederationFailure("invalid_token", "the token response has no id_token", status=502)
    return answer
