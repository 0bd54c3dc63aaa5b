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

from authlib.oauth2.rfc6749.util import scope_to_list

from .. import clock
from ..clients.cache import peek
from ..clients.secrets import remembered_secret
from ..keystore import signer
from ..keystore.signer import revoked_key, signing_kid
from ..ops.metrics import count_token
from ..orgs import cache as entitlement_cache
from ..ratelimit import client_counter
from ..storage import hot
from ..storage.hot_async import LoopStore, LoopUnavailable
from . import access_tokens, id_tokens, refresh, throttle
from . import entitlement_gate as gating
from .claims import wants_plan_claims
from .client_auth import basic_credentials
from .endpoints import userinfo as userinfo_endpoint
from .errors import OAuth2Error
from .grants.base import _valid_id
from .grants.refresh_token import successor
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


def _presented(app, token: str):
    """The verified access token (endpoints/userinfo.py ``presented``) with the signer's
    cached keys; None when they are due for a reload or the token does not verify."""
    keyset = _keyset(app)
    if keyset is None:
        return None
    try:
        return userinfo_endpoint.presented(token, keyset)
    except OAuth2Error:
        return None


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
        presented = _presented(app, token)
        if presented is None:
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


def _form(method: str, headers: dict, body: bytes) -> dict | None:
    """The form of a POST (RFC 6749 §3.2), each parameter once; None otherwise."""
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
    return form


def _basic_client(app, headers: dict):
    """The confidential client of ``client_secret_basic`` credentials this process has
    verified before (memory only); None for anything else."""
    client_id, secret = basic_credentials(
        {"Authorization": headers.get(b"authorization", b"").decode("latin-1")})
    client = peek(app, client_id) if client_id else None
    if client is None or client.is_public or \
            client.token_endpoint_auth_method != "client_secret_basic" or \
            not client.secret_hash or not remembered_secret(client.secret_hash, secret):
        return None
    return client


async def introspection(app, store: LoopStore, method: str, headers: dict, body: bytes,
                        address: str):
    """The introspection answer (a dict) for an ordinary request, else None."""
    form = _form(method, headers, body)
    if form is None:
        return None
    token = form.get("token", "")
    if token.count(".") != 2:
        return None  # no token, or a refresh token (in Postgres): the thread path
    with app.app_context():
        client = _basic_client(app, headers)
        presented = _presented(app, token) if client is not None else None
        if presented is None:
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


async def refresh_grant(app, store: LoopStore, method: str, headers: dict, body: bytes,
                        address: str):
    """The refresh grant's token response (RFC 6749 §6) for an ordinary request, else None.

    The steps of grants/refresh_token.py, each with the same rule: the token, its person
    and the organisation's version in one prepared SELECT (refresh.FIND_WITH_PERSON); the
    client's allowance counted and the signing keys' revoked marks (and the entitlement
    snapshot when this process holds no copy) read in one Redis round trip; the gate
    (entitlement_gate.issue_if_allowed); the successor minted, the old token claimed with
    the sealed response and the audit row staged (``successor``), all sent as the ONE
    rotation statement (refresh.ROTATE): one transaction. A request that loses the claim,
    or whose write fails (committed or not), is left to the thread path: it finds the
    token rotated and answers with the kept response within the grace window.
    """
    form = _form(method, headers, body)
    if form is None or form.get("grant_type") != "refresh_token" or \
            set(form) - {"grant_type", "refresh_token", "scope"}:
        return None  # another grant, or RFC 8707 resource: the thread path
    presented = form.get("refresh_token", "")
    with app.app_context():
        client = _basic_client(app, headers)
        if client is None or not client.check_grant_type("refresh_token") or \
                _keyset(app) is None or not refresh._valid(presented):
            return None
        kids = {signing_kid(access_tokens.alg_for(client)), signing_kid(id_tokens.alg_for(client))}
        if None in kids:
            return None
        token_hash = refresh.digest(presented)
        counter, limit, ttl = client_counter(throttle.allowance_bucket(client, "token", address))
    try:
        found = await store.fetchone(refresh.FIND_WITH_PERSON, (token_hash,))
    except LoopUnavailable:
        return None
    if found is None or found[14] is None or found[21]:
        return None  # unknown token, or its person gone or disabled: the thread path
    row, person, version = refresh.TokenRow(*found[:14]), Person(*found[14:21]), found[22]
    if row.revoked_at is not None or row.rotated_at is not None or \
            row.expires_at <= clock.now() or not row.check_client(client):
        return None  # reuse, grace, expiry, another client's token: the thread path
    asked = form.get("scope")
    if asked and not (row.scope and set(scope_to_list(row.scope)) >= set(scope_to_list(asked))):
        return None  # RFC 6749 §6: may only narrow (invalid_scope by the thread path)
    org = row.organization_id
    key = entitlement_cache.key(org, version, person.id) \
        if org is not None and version is not None else None
    if org is not None and key is None:
        return None
    cached = entitlement_cache.held(key) if key else None
    marks = [revoked_key(kid) for kid in sorted(kids)]
    try:
        count, values = await store.incr_and_mget(
            counter, ttl, *marks, *((key,) if key and cached is None else ()))
    except LoopUnavailable:
        return None
    if count > limit or any(v is not None for v in values[:len(marks)]):
        return None  # 429, or a key revoked a moment ago: the thread path
    if key and cached is None:
        cached = values[-1]
        if cached is None:
            return None  # the entitlement must be read from Postgres (and cached)
        entitlement_cache.hold(key, cached)
    with app.app_context():
        issue = gating.issue_if_allowed(client, person.id, org, version, cached)
        if issue is None:
            return None  # refused: the thread path refuses it, audited
        scope = asked or row.scope
        with signer.checked(kids), hot.gathering() as statement:
            token = successor(client, person, row, scope, issue)
        statement.parts["audit"]["ip"] = address[:64] or None
        params = refresh.rotate_params(statement)
    try:
        won = await store.write(refresh.ROTATE, params)
    except LoopUnavailable:
        return None
    if not won or won[0] != 1:
        return None  # lost the claim: the winner's kept response, by the thread path
    count_token("refresh_token")
    return token
