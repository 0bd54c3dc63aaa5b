"""Rotation: the clock-driven state machine of signing keys.

    next (published, not signing) → active (signing) → retired (published until
    every token it signed has expired) → removed (purged)
    any state → revoked (emergency: out of the JWKS and refused at once; revocation.py)

Every change is a conditional UPDATE (``WHERE state = <the state we saw>``)
inside one transaction, and the database allows one active key per alg (a
partial unique index), so two concurrent rotations cannot both win: the loser
rolls back and is told "already rotated" (dex server/rotation.go). After each
commit every instance drops its cached keys (``signer.invalidate``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..extensions import db
from ..storage.models import SigningKey
from ..storage.transaction import transaction
from .keys import KeystoreError, check_alg, ensure_active_key, get_key, keys_in, new_key
from .signer import CACHE_SECONDS, invalidate

# Time for a newly published key to reach every instance's JWKS (signer cache
# plus pub/sub), added to jwks_max_age before the key may sign.
PROPAGATION_SECONDS = int(CACHE_SECONDS) + 2
# Kept past the longest JWT lifetime before a retired key is dropped: instances
# that signed with it for a few seconds after rotation, clock skew between hosts,
# and the leeway relying parties allow on exp.
PURGE_MARGIN_SECONDS = 600


class RotationRefused(KeystoreError):
    """Activating now could hand a relying party a kid it never had the chance to fetch."""


class StateChanged(Exception):
    """A conditional update matched nothing: another run changed the keys first."""


@dataclass
class Outcome:
    """What `rotate` did: action is rotated, skipped or already_rotated."""

    action: str
    alg: str
    message: str
    activated: str | None = None
    retired: str | None = None
    generated: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def _settings():
    return current_app.config["IDP"]


def signs_from(row: SigningKey) -> datetime:
    """When a `next` key has been published long enough to sign (see jwks.py)."""
    wait = _settings().jwks_max_age + PROPAGATION_SECONDS
    return row.created_at + timedelta(seconds=wait)


def format_utc(moment: datetime) -> str:
    """Render a UTC moment as "2026-11-26 12:00:00Z"."""
    return moment.strftime("%Y-%m-%d %H:%M:%SZ")


def generate(alg: str | None = None) -> SigningKey:
    """Generate a key for ``alg`` as `next`: published now, signing after a rotation."""
    alg = check_alg(alg)
    with transaction():
        row = new_key(alg, state="next")
    invalidate()
    return row


def ensure_signing_alg(alg: str) -> SigningKey | None:
    """Activate a first key for ``alg`` when none is active (a client registered for it).

    Called when an operator registers a client with id_token_signed_response_alg
    ``alg``, never while issuing a token: a key appearing mid-request would
    reach relying parties unannounced. Activating at once is safe here because
    no token was ever signed with ``alg``, so nobody holds a JWKS it should
    already contain; the client's first token carries a new kid and its RP
    refetches once.
    """
    created = ensure_active_key(check_alg(alg))
    if created is not None:
        invalidate()
    return created


def rotate(alg: str | None = None, force: bool = False,
           if_older_than: int | None = None) -> Outcome:
    """next → active, active → retired, and publish a new next key."""
    alg = check_alg(alg)
    now = clock.now()
    active = next(iter(keys_in(alg, "active")), None)
    if if_older_than is not None and active is not None:
        age = (now - (active.activated_at or active.created_at)).total_seconds()
        if age < if_older_than:
            db.session.rollback()
            return Outcome("skipped", alg, f"active {alg} key {active.kid} is {human_age(age)} "
                           f"old, younger than {human_age(if_older_than)}: nothing to do")
    candidate = next(iter(keys_in(alg, "next")), None)
    if not force:
        _check_published_long_enough(alg, candidate, now)
    return _swap(alg, active, candidate, now)


def _check_published_long_enough(alg: str, candidate: SigningKey | None, now) -> None:
    if candidate is None:
        db.session.rollback()
        row = generate(alg)
        raise RotationRefused(
            f"no {alg} key was published yet: published {row.kid} now as next; it may sign from "
            f"{format_utc(signs_from(row))} (jwks_max_age {_settings().jwks_max_age}s): "
            "run rotate again then, or use --force")
    if signs_from(candidate) > now:
        db.session.rollback()
        raise RotationRefused(
            f"next {alg} key {candidate.kid} has been published for "
            f"{human_age((now - candidate.created_at).total_seconds())} only; it may sign from "
            f"{format_utc(signs_from(candidate))} (jwks_max_age {_settings().jwks_max_age}s): "
            "run rotate again then, or use --force")


def _swap(alg, active, candidate, now) -> Outcome:
    try:
        with transaction():
            if active is not None:
                transition(active.kid, "active", state="retired", retired_at=now)
            if candidate is None:  # forced, nothing published: an emergency key
                candidate = new_key(alg, state="next")
                db.session.flush()
            transition(candidate.kid, "next", state="active", activated_at=now)
            successor = new_key(alg, state="next")
            db.session.flush()  # the one-active-per-alg index decides a race here
            outcome = Outcome("rotated", alg, "", activated=candidate.kid,
                              retired=active.kid if active else None, generated=[successor.kid])
    except (StateChanged, IntegrityError):
        return Outcome("already_rotated", alg,
                       f"already rotated: another run changed the {alg} keys first")
    invalidate()
    outcome.message = (f"{alg}: {outcome.activated} is active now"
                       + (f", {outcome.retired} retired" if outcome.retired else "")
                       + f"; {outcome.generated[0]} published as next")
    return outcome


def transition(kid: str, expected: str, **values) -> None:
    """Move ``kid`` out of ``expected`` state, or raise StateChanged when it already left it."""
    result = db.session.execute(
        update(SigningKey).where(SigningKey.kid == kid, SigningKey.state == expected)
        .values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise StateChanged(kid)


def retire(kid: str) -> SigningKey:
    """Withdraw a `next` key before it signs: next → retired (an active key is rotated instead)."""
    row = get_key(kid)
    if row.state == "active":
        raise KeystoreError(f"key {row.kid} is active: use `idp keys rotate --alg {row.alg}` to "
                        "replace it (or `revoke` in an emergency)")
    if row.state != "next":
        raise KeystoreError(f"key {row.kid} is already {row.state}")
    try:
        with transaction():
            transition(row.kid, "next", state="retired", retired_at=clock.now())
    except StateChanged:
        raise KeystoreError(f"key {row.kid} changed meanwhile; run `idp keys list`") from None
    invalidate()
    db.session.refresh(row)
    return row


def purge_horizon() -> int:
    """Seconds a retired key stays published: the longest JWT lifetime plus a margin.

    Refresh tokens are opaque (not signed), so only ID and access tokens count.
    """
    settings = _settings()
    return max(settings.id_token_lifetime, settings.access_token_lifetime) + PURGE_MARGIN_SECONDS


def purge() -> list[str]:
    """Drop retired keys no token they signed can still be presented with; return their kids."""
    cutoff = clock.now() - timedelta(seconds=purge_horizon())
    with transaction():
        rows = db.session.execute(
            delete(SigningKey).where(SigningKey.state == "retired", SigningKey.retired_at <= cutoff)
            .returning(SigningKey.kid).execution_options(synchronize_session=False))
        kids = sorted(rows.scalars())
    if kids:
        invalidate()
    return kids


UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> int:
    """Parse "30d", "12h", "90m", "3600s" or "3600" into seconds; raise KeystoreError."""
    value = (text or "").strip().lower()
    number, unit = (value[:-1], value[-1]) if value[-1:] in UNITS else (value, "s")
    if not number.isdigit() or int(number) <= 0 or len(number) > 9:
        raise KeystoreError(f"bad duration {text!r}: expected a positive number with s, m, h, d or w "
                        "(e.g. 30d)")
    return int(number) * UNITS[unit]


def human_age(seconds: float) -> str:
    """Render seconds as "3d 4h", "5h 2m", "12m" or "40s"."""
    seconds = int(max(seconds, 0))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m" if minutes else f"{secs}s"
