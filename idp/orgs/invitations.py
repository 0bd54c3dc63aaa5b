"""Invitations: an owner or admin invites a person by email; the person joins by the link.

The link is ``/invitations/<token>``, ``token`` = ``{invitation id, nonce}`` signed with
the server's secret (itsdangerous, HMAC-SHA256 under a salt of its own): a tampered
link is refused before any lookup. The row keeps only the nonce's SHA-256, so a
database dump yields no usable link, and a resend draws a new nonce (the older email's
link then says it was replaced).

An invitation is pending until it is accepted, revoked or ``TTL`` (7 days) after it was
last sent. While pending it holds a seat (organizations.seats_taken): inviting and
every other seat check count it. Accepting is single-use: one conditional UPDATE
(``... WHERE accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now``) claims
it, in the same transaction that adds the membership under the organisation lock, so
two concurrent accepts make one member.

Who may invite with which role is people.py's (the same rules as role changes).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from .. import audit, clock, ratelimit
from ..accounts.users import UserError, find_by_email, normalise_email, validate_email
from ..errors import IdPError
from ..i18n import N_
from ..extensions import db
from ..storage.models import Invitation, Membership, Organization, User
from ..storage.transaction import transaction
from . import organizations, people
from .errors import OrgError

TTL = timedelta(days=7)
SALT = "tomps.invitation.v1"
# Invitation emails an organisation may send per hour (invites and resends): enough for
# onboarding a team, too few to use the IdP as a mail relay.
SENDS_PER_HOUR = 50


class InvitationInvalid(IdPError):
    """The link cannot be used: ``reason`` is invalid / used / revoked / expired / replaced."""

    status = 410
    error = "invalid_request"
    title = N_("Invitation not valid")

    def __init__(self, reason: str, public: str = ""):
        super().__init__(public or reason)
        self.reason = reason
        if reason == "invalid":
            self.status = 400


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=SALT)


def _digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def _fresh(invitation: Invitation) -> str:
    """Draw a new nonce for ``invitation``; return its link token."""
    nonce = secrets.token_urlsafe(24)
    invitation.token_digest = _digest(nonce)
    return nonce


def token_for(invitation_id: int, nonce: str) -> str:
    return _serializer().dumps({"i": invitation_id, "n": nonce})


def open_invitations(org: Organization) -> list[Invitation]:
    """Invitations not yet accepted or revoked (expired ones too: they can be resent)."""
    return list(db.session.scalars(select(Invitation).where(
        Invitation.organization_id == org.id, Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None)).order_by(Invitation.created_at, Invitation.id)))


def invite(org: Organization, email: str, role: str, actor_id: int) -> tuple[Invitation, str]:
    """Invite ``email`` to ``org`` as ``role``; return the invitation and its link token.

    An address with an open invitation gets that invitation again (a resend). Refused:
    not allowed (people.py), already a member, no free seat (pending invitations count).
    """
    actor_role = people.require_manager(org.id, actor_id, "invite")
    people.require_assignable(org.id, actor_id, actor_role, role, "invite")
    allowed, retry_after = ratelimit.hit(f"invitations:{org.id}", SENDS_PER_HOUR, 3600)
    if not allowed:
        raise ratelimit.RateLimited(retry_after, "invitations")
    try:
        email = validate_email((email or "").strip())
    except UserError:
        raise OrgError(N_("Enter a valid email address.")) from None
    key, now = normalise_email(email), clock.now()
    with transaction() as session:
        organizations.lock(session, org.id)
        if session.scalar(select(Membership.id).join(User, User.id == Membership.user_id).where(
                Membership.organization_id == org.id, User.email_key == key)):
            raise OrgError(N_("That person is already a member."))
        invitation = session.scalar(select(Invitation).where(
            Invitation.organization_id == org.id, Invitation.email_key == key,
            Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None)))
        if invitation is None or invitation.state(now) == "expired":
            organizations.check_seats(session, org)  # an expired one held no seat
        if invitation is None:
            invitation = Invitation(organization_id=org.id, email=email, email_key=key,
                                    role=role, invited_by_user_id=actor_id, send_count=0)
            session.add(invitation)
        invitation.role, invitation.sent_at = role, now
        invitation.expires_at, invitation.send_count = now + TTL, invitation.send_count + 1
        nonce = _fresh(invitation)
        session.flush()
        invitation_id = invitation.id
        audit.stage("invitation.sent", user_id=actor_id, outcome="success",
                    detail={"organization_id": org.id, "invitation_id": invitation_id,
                            "email": email, "role": role})
    return invitation, token_for(invitation_id, nonce)


def _own(org: Organization, invitation_id) -> Invitation:
    """An open invitation of ``org``; MemberNotFound otherwise (another org's id too)."""
    try:
        invitation_id = int(invitation_id)
    except (TypeError, ValueError):
        invitation_id = 0
    found = db.session.scalar(select(Invitation).where(
        Invitation.id == invitation_id, Invitation.organization_id == org.id,
        Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None)))
    if found is None:
        raise people.MemberNotFound(N_("There is no such open invitation in this organisation."))
    return found


def resend(org: Organization, invitation_id, actor_id: int) -> tuple[Invitation, str]:
    """Send an open invitation again: a new link, valid ``TTL`` from now."""
    found = _own(org, invitation_id)
    return invite(org, found.email, found.role, actor_id)


def revoke(org: Organization, invitation_id, actor_id: int) -> Invitation:
    """Withdraw an open invitation: its link stops working and its seat is free."""
    actor_role = people.require_manager(org.id, actor_id, "revoke_invitation")
    found = _own(org, invitation_id)
    people.require_assignable(org.id, actor_id, actor_role, found.role, "revoke_invitation")
    with transaction() as session:
        done = session.execute(update(Invitation).where(
            Invitation.id == found.id, Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None)).values(revoked_at=clock.now())
            .returning(Invitation.id)).scalar()
        if done is None:
            raise people.MemberNotFound(N_("There is no such open invitation in this organisation."))
        audit.stage("invitation.revoked", user_id=actor_id, outcome="success",
                    detail={"organization_id": org.id, "invitation_id": found.id,
                            "email": found.email})
    db.session.refresh(found)
    return found


MESSAGES = {
    "invalid": N_("This invitation link is not valid. Check that you copied the whole link "
               "from the email."),
    "used": N_("This invitation has already been used."),
    "revoked": N_("This invitation was withdrawn. Ask the person who invited you."),
    "expired": N_("This invitation has expired. Ask the person who invited you to send it again."),
    "replaced": N_("A newer invitation email replaced this one. Use the link in the latest email."),
}


def find(token: str) -> Invitation:
    """The invitation a link names, still usable; InvitationInvalid (with why) otherwise."""
    try:
        data = _serializer().loads(token or "") if len(token or "") <= 512 else None
    except BadData:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("i"), int) \
            or not isinstance(data.get("n"), str):
        raise InvitationInvalid("invalid", MESSAGES["invalid"])
    found = db.session.get(Invitation, data["i"])
    if found is None:
        raise InvitationInvalid("invalid", MESSAGES["invalid"])
    state = found.state(clock.now())
    if state != "pending":
        raise InvitationInvalid(state if state != "accepted" else "used",
                                MESSAGES[state if state != "accepted" else "used"])
    if not secrets.compare_digest(found.token_digest, _digest(data["n"])):
        raise InvitationInvalid("replaced", MESSAGES["replaced"])
    return found


def accept(token: str, user: User) -> Membership:
    """Join by the link, once: ``user`` must hold the invited address."""
    found = find(token)
    if normalise_email(user.email) != found.email_key:
        raise OrgError(N_("This invitation is for another email address."))
    return _claim(found, user)


def _claim(found: Invitation, user: User, new: bool = False) -> Membership:
    """In one transaction, under the organisation lock: claim the invitation (one
    conditional UPDATE), add the person when ``new``, and the membership."""
    org = db.session.get(Organization, found.organization_id)
    try:
        with transaction() as session:
            organizations.lock(session, org.id)
            claimed = session.execute(update(Invitation).where(
                Invitation.id == found.id, Invitation.token_digest == found.token_digest,
                Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
                Invitation.expires_at > clock.now())
                .values(accepted_at=clock.now())
                .returning(Invitation.role)).scalar()
            if claimed is None:
                raise InvitationInvalid("used", MESSAGES["used"])
            if new:
                session.add(user)
                session.flush()
            session.execute(update(Invitation).where(Invitation.id == found.id)
                            .values(accepted_user_id=user.id))
            membership = organizations.join(session, org, user, claimed)
            audit.stage("invitation.accepted", user_id=user.id, outcome="success",
                        detail={"organization_id": org.id, "invitation_id": found.id,
                                "role": claimed, "new_account": new})
    except IntegrityError:  # a concurrent accept joined the same person first
        raise InvitationInvalid("used", MESSAGES["used"]) from None
    return membership


def invited_user(invitation: Invitation) -> User | None:
    """The person who already holds the invited address, if any."""
    return find_by_email(invitation.email)


def sign_up(token: str, password: str, given_name: str, family_name: str) -> User:
    """A new person joins by the link: their account (the address is verified: the link
    reached it) and their membership are made in one transaction, or neither."""
    from ..accounts.users import new_user

    found = find(token)
    if find_by_email(found.email) is not None:
        raise OrgError(N_("An account with this email already exists: sign in to accept."))
    user = new_user(found.email, password, (given_name or "").strip()[:100] or None,
                    (family_name or "").strip()[:100] or None, email_verified=True)
    _claim(found, user, new=True)
    return user
