"""Revoked access tokens: kept in Postgres until they expire, cached in Redis.

Every revocation (RFC 7009 at /oauth2/revoke, a replayed code revoking what it issued,
RFC 6749 §4.1.2) is written to ``revoked_tokens`` and committed *before* the store's
mark ``revoked:jti:<jti>`` is set, so the mark is only ever a copy of what Postgres
holds. A check reads, in the one round trip it always made, the jti's mark, the
signing key's revoked mark and ``revoked:loaded``: the sentinel saying the marks are
all there. A Redis that restarted empty, was flushed or evicted has no sentinel, and
the check reloads every live revocation (and every revoked key's mark) from Postgres
before it answers; the sentinel is written with them, in one MULTI, and expires after
``SENTINEL_SECONDS`` so that a mark a writer could not set (Redis failing between the
commit and the SET) is restored within that time. With Redis down, the check asks
Postgres. Either way "cannot check" is never "not revoked".
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import clock
from ..extensions import db
from ..keystore.signer import REVOKED_MARK_SECONDS, revoked_key
from ..storage.models import RevokedToken, SigningKey
from ..storage.store import StoreUnavailable, get_store
from ..storage.transaction import transaction

LOADED = "revoked:loaded"
SENTINEL_SECONDS = 300


def jti_key(jti: str) -> str:
    return f"revoked:jti:{jti}"


def revoke(jti: str, exp: int) -> None:
    """Revoke an access token until it expires (RFC 7009 §2): Postgres first, then the cache."""
    expires_at = datetime.fromtimestamp(int(exp), tz=UTC)
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    with transaction() as session:
        session.execute(insert(RevokedToken).values(jti=jti, expires_at=expires_at,
                                                    revoked_at=clock.now())
                        .on_conflict_do_nothing(index_elements=["jti"]))
    # Raises StoreUnavailable (503) when Redis fails: the caller retries; the row is kept.
    get_store().set(jti_key(jti), "1", ttl=max(int(exp) - clock.timestamp(), 1))


def is_revoked(kid: str, jti: str) -> bool:
    """Whether the key ``kid`` or the token ``jti`` was revoked (one store round trip)."""
    return is_revoked_and_read(kid, jti, None)[0]


def is_revoked_and_read(kid: str, jti: str, other: str | None) -> tuple[bool, str | None]:
    """``is_revoked``, and the store's value of the key ``other`` read in the same round
    trip (userinfo's entitlement snapshot); that value is None when it could not be read."""
    keys = (revoked_key(kid), jti_key(jti), LOADED) + ((other,) if other else ())
    try:
        key_mark, jti_mark, loaded, *rest = get_store().get_many(*keys)
    except StoreUnavailable:
        return _in_postgres(kid, jti), None
    if loaded is None:  # Redis lost its data: the marks that are missing are not news
        jtis, kids = reload()
        return kid in kids or jti in jtis, None
    return key_mark is not None or jti_mark is not None, (rest[0] if rest else None)


def _in_postgres(kid: str, jti: str) -> bool:
    key_revoked = exists().where(SigningKey.kid == kid, SigningKey.state == "revoked")
    token_revoked = exists().where(RevokedToken.jti == jti,
                                   RevokedToken.expires_at > clock.now())
    found = db.session.execute(select(key_revoked, token_revoked)).one()
    return bool(found[0] or found[1])


def reload() -> tuple[set[str], set[str]]:
    """Copy every live revocation and revoked key from Postgres to the store; return them."""
    now = clock.timestamp()
    rows = db.session.execute(select(RevokedToken.jti, RevokedToken.expires_at)
                              .where(RevokedToken.expires_at > clock.now())).all()
    kids = set(db.session.scalars(select(SigningKey.kid).where(SigningKey.state == "revoked")))
    marks = {jti_key(jti): ("1", max(int(exp.timestamp()) - now, 1)) for jti, exp in rows}
    marks.update({revoked_key(kid): ("1", REVOKED_MARK_SECONDS) for kid in kids})
    marks[LOADED] = ("1", SENTINEL_SECONDS)
    try:
        get_store().set_each(marks)  # all at once: never a sentinel without its marks
    except StoreUnavailable:
        pass  # the answer stands on Postgres; the next check loads the cache
    return {jti for jti, _ in rows}, kids


def prune() -> int:
    """Forget revocations of tokens that have expired anyway; return how many."""
    with transaction() as session:
        return session.execute(delete(RevokedToken)
                               .where(RevokedToken.expires_at <= clock.now())).rowcount
