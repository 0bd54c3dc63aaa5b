"""Userinfo and introspection on the event loop, when everything they need is at hand.

Relying parties call these two endpoints on every API request they serve. Through
Flask each call cost a thread hop, a request context, the URL map, the session and
CSRF machinery and the per-request hooks, and it held a pool thread while it waited on
Postgres and Redis (docs/performance.md). Here the same steps run on the ASGI front's
event loop (web/asgi.py), with the loop's own connections (storage/hot_async.py):

- userinfo (OIDC Core §5.3, a Bearer token in the Authorization header, RFC 6750 §2.1):
  the token's signature, typ, iss and exp (endpoints/userinfo.py ``presented``), then
  ONE prepared SELECT: the person, the organisation's entitlement version and whether
  the token or its key is revoked (Postgres holds every revocation: no cache to trust).
  The entitlement snapshot under that version comes from this process's copy
  (orgs/cache.py ``held``), else from Redis; the claims by the same ``answer`` as the
  Flask path.
- introspection (RFC 7662 §2.1, ``client_secret_basic``): the client from the process's
  client cache and its secret from this process's memory of verified secrets, the
  token (an access token issued to that client), then the client's allowance counted
  and the revocation marks read in one Redis round trip; the answer as the Flask path's.

Only the ordinary case is answered here. Whenever anything is not at hand or not
ordinary — the signer's key set due for its reload, a client or a secret not in this
process's memory, a refresh token, another client's token, client_secret_post, a
repeated parameter, a revoked or unknown person, an error of any kind, the snapshot
not cached, the revocation cache without its sentinel, Postgres or Redis failing — the
handler returns None and Flask serves the request as before, with every fallback and
every error rendering it has. So the guarantees are the Flask path's: revocation is seen
at once (the same marks, read on every request), a plan change shows at once (the
version is read before the snapshot), a disabled person is refused (the SELECT reads
only enabled people), the allowance counts every answered request.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from .. import clock
from ..clients.cache import peek
from ..orgs import cache as entitlement_cache
from ..clients.secrets import remembered_secret
from ..keystore.signer import revoked_key
from ..ratelimit import client_counter
from ..storage.hot_async import LoopStore, LoopUnavailable
from . import throttle
from .client_auth import basic_credentials
from .endpoints import userinfo as userinfo_endpoint
from .errors import OAuth2Error
from .claims import wants_plan_claims
from .grants.base import _valid_id
from .person import Person
from .revocations import LOADED, jti_key

FORM = b"application/x-www-form-urlencoded"
# Userinfo's one round trip: the person (enabled only), the organisation's entitlement
# version, and whether the token or its signing key is revoked — in Postgres, where every
# revocation is committed before its Redis mark is set (oidc/revocations.py,
# keystore/revocation.py), so this reads the truth itself, not a cache of it.
PERSON_VERSION_REVOKED = (
    "SELECT u.id, u.email, u.given_name, u.family_name, u.locale, u.email_verified,"
    " u.updated_at, (SELECT o.entitlement_version FROM organizations o WHERE o.id = %s),"
    " EXISTS (SELECT 1 FROM revoked_tokens r WHERE r.jti = %s AND r.expires_at > %s),"
    " EXISTS (SELECT 1 FROM signing_keys k WHERE k.kid = %s AND k.state = 'revoked')"
    " FROM users u WHERE u.id = %s AND NOT u.disabled")


def _keyset(app):
    """The signer's published keys while its cache is fresh; None when they are due for
    a reload (the thread path reloads them from the database)."""
    cache = app.extensions["idp.signer_cache"]
    return None if cache.public is None or cache.stale() else cache.public


async def userinfo(app, store: LoopStore, method: str, headers: dict, body: bytes,
                   address: str = ""):
    """The userinfo claims (a dict) for an ordinary request, else None (Flask serves it)."""
    if body or method not in ("GET", "POST"):
        return None  # a token in the form body (RFC 6750 §2.2): the thread path
    scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    with app.app_context():
        keyset = _keyset(app)
        if keyset is None:
            return None
        try:
            presented = userinfo_endpoint.presented(token, keyset)
        except OAuth2Error:
            return None
        client = userinfo_endpoint.plan_client(presented, lambda cid: peek(app, cid))
    if presented.user_id is None or (presented.org_id is not None and client is None):
        return None  # not openid, or the client is not cached in this process
    org = presented.org_id if _valid_id(presented.org_id) else None
    if not _valid_id(presented.user_id):
        return None
    try:
        row = await store.fetchone(PERSON_VERSION_REVOKED, (
            org, presented.jti[:200], clock.now(), presented.kid[:200], presented.user_id))
        if row is None or row[8] or row[9]:
            return None  # gone, disabled or revoked: the thread path says so (401)
        user, version = Person(*row[:7]), row[7]
        key = userinfo_endpoint.snapshot_key(presented, user, version, client)
        cached = entitlement_cache.held(key) if key else None
        if key and cached is None:
            cached = (await store.mget(key))[0]
            if cached is not None:
                entitlement_cache.hold(key, cached)
    except LoopUnavailable:
        return None
    if client is not None and wants_plan_claims(client, presented.scope) and cached is None:
        return None  # the entitlement must be read from Postgres (and cached)
    with app.app_context():
        try:
            return userinfo_endpoint.answer(presented, user, version, client, False, cached)
        except OAuth2Error:
            return None


async def introspection(app, store: LoopStore, method: str, headers: dict, body: bytes,
                        address: str):
    """The introspection answer (a dict) for an ordinary request, else None."""
    if method != "POST" or headers.get(b"content-type", b"").split(b";")[0].strip() != FORM:
        return None
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True,
                          max_num_fields=16)
    except (UnicodeDecodeError, ValueError):
        return None
    form = dict(pairs)
    if len(form) != len(pairs) or "client_id" in form or "client_secret" in form:
        return None  # repeated parameters (RFC 6749 §3.2), client_secret_post: thread path
    token = form.get("token", "")
    if token.count(".") != 2:
        return None  # no token, or a refresh token (in Postgres): the thread path
    with app.app_context():
        client_id, secret = basic_credentials(
            {"Authorization": headers.get(b"authorization", b"").decode("latin-1")})
        client = peek(app, client_id) if client_id else None
        if client is None or client.is_public or \
                client.token_endpoint_auth_method != "client_secret_basic" or \
                not client.secret_hash or not remembered_secret(client.secret_hash, secret):
            return None
        keyset = _keyset(app)
        if keyset is None:
            return None
        try:
            presented = userinfo_endpoint.presented(token, keyset)
        except OAuth2Error:
            return None  # expired, foreign, malformed: the thread path answers
        if presented.claims.get("client_id") != client.client_id:
            return None  # another client's token: the audience rule (endpoints/introspection.py)
        counter, limit, ttl = client_counter(
            throttle.allowance_bucket(client, "introspection", address))
    try:
        count, (key_mark, jti_mark, loaded) = await store.incr_and_mget(
            counter, ttl, revoked_key(presented.kid), jti_key(presented.jti), LOADED)
    except LoopUnavailable:
        return None
    if count > limit or loaded is None:
        return None  # 429, or the revocation cache must be reloaded: the thread path
    if key_mark is not None or jti_mark is not None:
        return {"active": False}  # RFC 7662 §2.2: a revoked token is inactive
    # endpoints/introspection.py introspect_token, then Authlib's "active" (RFC 7662 §2.2).
    return {**presented.claims, "token_type": "Bearer", "active": True}
