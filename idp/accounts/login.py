"""The login steps behind the pages: password, then (when the person has one) a second factor.

Each step consults the lockout, writes the audit log and counts metrics;
the views only render what it decides. Every failure looks the same to the
browser; the private reason goes to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from .. import audit
from ..extensions import db
from ..ops import metrics
from ..storage.models import User
from . import lockout, passkeys, pending, totp
from .authenticate import check_credentials
from .users import record_login


@dataclass(frozen=True)
class Outcome:
    status: str  # ok | failed | locked | otp | enrol | passkey | expired
    user: User | None = None
    retry_after: int = 0
    pending: str | None = None
    interaction: str = ""


def password_step(email: str, password: str, ip: str | None, interaction: str = "") -> Outcome:
    """Check the password (unless locked out); say what the login needs next."""
    account, address = lockout.account(email), lockout.ip(ip)
    wait = lockout.locked_for(account, address) or lockout.begin_attempt(account)
    if wait:
        audit.record("login.locked", email=email, ip=ip, outcome="denied", reason="locked")
        metrics.count_login_failure("locked")
        return Outcome("locked", retry_after=wait)
    user, reason = check_credentials(email, password)
    if user is None:
        user_id = _user_id(email) if reason in ("bad_password", "disabled") else None
        _failure([(account, lockout.attempt_failed(account))], [address], "login.failed",
                 reason, email=email, ip=ip, user_id=user_id)
        return Outcome("failed")
    lockout.register_success(account)
    if not totp.has_totp(user.id) and totp.required_for(user.id) and passkeys.has_passkey(user.id):
        # Two-step verification required and the person's second factor is a passkey.
        audit.record("login.failed", user_id=user.id, email=email, ip=ip, outcome="failure",
                     reason="passkey_required")
        return Outcome("passkey", user)
    for purpose, needed in (("otp", totp.has_totp), ("enrol", totp.required_for)):
        if needed(user.id):
            return Outcome(purpose, user, pending=pending.begin(user.id, purpose, interaction))
    succeeded(user, ["pwd"], ip)
    return Outcome("ok", user, interaction=interaction)


def second_factor_step(token: str, code: str, ip: str | None) -> Outcome:
    """Check the code of a parked login; consume it on success."""
    state = pending.load(token, "otp")
    if state is None:
        return Outcome("expired")
    user = db.session.get(User, state["user_id"])
    if user is None or user.disabled:
        pending.discard(token)
        return Outcome("expired")
    account, address = lockout.account(user.email), lockout.ip(ip)
    wait = lockout.locked_for(account, address) or lockout.begin_attempt(account)
    if wait:
        audit.record("login.locked", user_id=user.id, ip=ip, outcome="denied", reason="locked")
        return Outcome("locked", retry_after=wait)
    # Counted before the check, like passwords: parallel guesses cannot exceed the limit.
    attempts, limit = pending.count_attempt(token), current_app.config["IDP"].totp_max_attempts
    if attempts > limit:
        return Outcome("expired")
    method = totp.verify(user.id, code)
    if method in (None, "replay"):
        _failure([(account, lockout.attempt_failed(account))], [address], "totp.failed",
                  method or "wrong_code", user_id=user.id, ip=ip)
        if attempts >= limit:
            pending.discard(token)
            return Outcome("expired")
        return Outcome("failed", user)
    lockout.register_success(account)
    if pending.take(token) is None:  # a parallel request finished this login first
        return Outcome("expired")
    audit.record("totp.used", user_id=user.id, ip=ip, outcome="success", detail={"method": method})
    succeeded(user, ["pwd", "otp"], ip)
    return Outcome("ok", user, interaction=state["interaction"])


def succeeded(user: User, amr: list[str], ip: str | None) -> None:
    """Stamp and audit a finished login (every factor given); ``detail.method`` names how."""
    record_login(user)
    audit.record("login.succeeded", user_id=user.id, email=user.email, ip=ip, outcome="success",
                 detail={"amr": amr, "method": sign_in_method(amr)})


def sign_in_method(amr: list[str]) -> str:
    """How a login was made, for the audit log: passkey, password+totp or password."""
    if {"hwk", "swk"} & set(amr):
        return "passkey"
    return "password+totp" if "otp" in amr else "password"


def _failure(locked: list, count: list, event: str, reason: str, **fields) -> None:
    """Audit and count a failure; ``locked`` holds locks already decided, ``count`` the
    subjects whose failure counters this failure still has to move."""
    audit.record(event, outcome="failure", reason=reason, **fields)
    metrics.count_login_failure(reason)
    for subject, seconds in [*locked, *lockout.register_failure(*count)]:
        if seconds:
            audit.record("account.locked" if subject.scope == "account" else "ip.locked",
                         outcome="locked", reason=f"{seconds}s", ip=fields.get("ip"),
                         user_id=fields.get("user_id"), email=fields.get("email"),
                         detail={"scope": subject.scope, "seconds": seconds})
            metrics.count_lockout(subject.scope)


def _user_id(email: str) -> int | None:
    from .users import find_by_email

    user = find_by_email(email)
    return user.id if user else None
