"""Back-Channel Logout 1.0 *from* an organisation's provider: end our sessions too.

The upstream POSTs ``logout_token`` to ``/login/federated/backchannel-logout`` (the URI
`idp orgs federation show` prints). We find the connection by the token's ``iss`` and
``aud`` (one issuer may serve many organisations, each with its own client id), then
validate it as §2.6 requires (rp/backchannel.py): signature against the upstream's JWKS,
``iss``, ``aud``, ``iat``/``exp``, a ``jti`` never seen before (replay), the ``events``
member, no ``nonce``, and ``sid`` or ``sub``. Then (§2.7) a ``sid`` ends the sessions
that upstream session opened here; a ``sub`` alone ends every session of the person
linked to (issuer, sub). Ending goes through sessions.service.end_session, so our own
back-channel logout to the relying parties goes out as for any sign-out.
"""

from __future__ import annotations

import base64
import hashlib
import json

from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..ops import metrics
from ..rp.backchannel import validate_logout_token
from ..rp.errors import LogoutTokenError
from ..sessions.service import end_all_for_user, end_session
from ..storage.models import FederatedIdentity, OrgFederation
from ..storage.store import get_store
from . import upstream
from .errors import FederationFailure
from .signin import _sid_key

REASON = "upstream_logout"
JTI_TTL = 86400  # a logout token older than this is refused anyway (exp, iat)


def _unverified_claims(token) -> dict:
    """The payload, read only to pick the connection; nothing is trusted before validation."""
    if not isinstance(token, str) or token.count(".") != 2 or len(token) > 16384:
        raise LogoutTokenError("not a compact signed JWT")
    segment = token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, TypeError, RecursionError):  # RecursionError: [[[[… nested too deep
        raise LogoutTokenError("the payload is not base64url JSON") from None
    if not isinstance(claims, dict):
        raise LogoutTokenError("the payload is not a JSON object")
    return claims


def _connection(claims: dict) -> OrgFederation:
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    for fed in db.session.scalars(select(OrgFederation).where(
            OrgFederation.issuer == str(claims.get("iss"))[:500], OrgFederation.status == "active")):
        if fed.client_id in audiences:
            return fed
    raise LogoutTokenError("no connection for this iss and aud")


def _first_use(issuer: str, jti: str) -> bool:
    key = f"fed:jti:{hashlib.sha256(f'{issuer} {jti}'.encode()).hexdigest()}"
    return get_store().set(key, "1", ttl=JTI_TTL, nx=True)


def handle(token) -> int:
    """Validate the upstream's logout token and end the sessions it names; return how many.

    Raise LogoutTokenError (the endpoint answers 400, §2.8) when it is not valid.
    """
    try:
        fed = _connection(_unverified_claims(token))
        claims = validate_logout_token(token, jwks=upstream.jwks(fed.issuer), issuer=fed.issuer,
                                       client_id=fed.client_id, algorithms=upstream.ALGORITHMS,
                                       seen_jti=lambda jti: not _first_use(fed.issuer, jti))
    except (LogoutTokenError, FederationFailure) as exc:
        audit.record("federation.backchannel_logout", outcome="failure", reason=str(exc.detail
                     if isinstance(exc, FederationFailure) else exc)[:200])
        metrics.count_federation("backchannel_refused")
        raise LogoutTokenError(str(exc)) from None
    ended = _end(fed, claims)
    audit.record("federation.backchannel_logout", outcome="success",
                 detail={"organization_id": fed.organization_id, "issuer": fed.issuer,
                         "sessions": ended, "by": "sid" if claims.get("sid") else "sub"})
    metrics.count_federation("backchannel_logout")
    return ended


def _end(fed: OrgFederation, claims: dict) -> int:
    sid = claims.get("sid")
    if isinstance(sid, str) and sid:
        ours = get_store().smembers(_sid_key(fed.issuer, sid))
        get_store().delete(_sid_key(fed.issuer, sid))
        return sum(1 for our_sid in ours if end_session(our_sid, REASON))
    users = db.session.scalars(select(FederatedIdentity.user_id).where(
        FederatedIdentity.issuer == fed.issuer, FederatedIdentity.subject == claims["sub"],
        FederatedIdentity.organization_id == fed.organization_id)).all()
    return sum(end_all_for_user(user_id, REASON) for user_id in users)
