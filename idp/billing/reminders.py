"""Renewal reminders, ``reminder_days`` (7, 3, 1) days before a period ends.

Exactly once per (subscription, period end, days before): a worker claims a reminder by
inserting its row; the unique key lets one insert win however many workers run. Only the
latest reminder due is sent (a worker that was down does not send a burst); the earlier
ones are recorded as skipped. A failed delivery is retried with exponential backoff; a
reminder whose period was renewed meanwhile (the period end moved) is skipped.
A worker that dies between claim and send leaves the row "sending": at most once, by design.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from .. import i18n
from ..extensions import db
from ..i18n import gettext as _
from ..i18n import ngettext
from ..orgs.current import renewal_plan
from ..orgs.periods import RUNNING_STATUSES
from ..storage.models import Membership, Organization, Reminder, Subscription, User
from ..storage.models.orgs import ADMIN_ROLES
from .notify import DeliveryError, post_webhook, send_email
from .payments import insert_ignore

log = logging.getLogger("idp.billing")
DAY = timedelta(days=1)
_KEY = ["subscription_id", "period_end", "days_before"]


def send_due(now: datetime) -> dict:
    """Claim and send every reminder due at ``now``; return counts."""
    counts = {f"reminders_{s}": 0 for s in ("sent", "retry", "failed", "skipped")}
    for reminder_id in [*_claim_retries(now), *_claim_new(now)]:
        counts["reminders_" + _send(db.session.get(Reminder, reminder_id), now)] += 1
    return counts


def _claim_new(now: datetime) -> list[int]:
    days = sorted(set(current_app.config["IDP"].reminder_days))
    if not days:
        return []
    subs = db.session.execute(select(Subscription.id, Subscription.current_period_end).where(
        Subscription.status.in_(RUNNING_STATUSES),
        Subscription.current_period_end > now,
        Subscription.current_period_end <= now + days[-1] * DAY)).all()
    claimed = []
    for sub_id, period_end in subs:
        due = [d for d in days if period_end - d * DAY <= now]
        rid = insert_ignore(Reminder, {"subscription_id": sub_id, "period_end": period_end,
                                       "days_before": due[0], "status": "sending",
                                       "attempts": 0, "created_at": now}, _KEY)
        if rid is not None:
            for earlier in due[1:]:  # missed while no worker ran: recorded, not sent
                insert_ignore(Reminder, {"subscription_id": sub_id, "period_end": period_end,
                                         "days_before": earlier, "status": "skipped",
                                         "attempts": 0, "created_at": now}, _KEY)
            claimed.append(rid)
        db.session.commit()
    return claimed


def _claim_retries(now: datetime) -> list[int]:
    """Take the reminders whose retry is due (one conditional UPDATE: one worker each)."""
    rows = db.session.execute(
        update(Reminder).where(Reminder.status == "retry", Reminder.next_attempt_at <= now)
        .values(status="sending", next_attempt_at=None).returning(Reminder.id)).scalars().all()
    db.session.commit()
    return list(rows)


def _send(reminder: Reminder, now: datetime) -> str:
    sub = db.session.get(Subscription, reminder.subscription_id)
    if sub.status not in RUNNING_STATUSES or sub.current_period_end != reminder.period_end:
        return _finish(reminder, "skipped", "renewed or ended before sending")
    settings = current_app.config["IDP"]
    org = db.session.get(Organization, sub.organization_id)
    plan = renewal_plan(sub)  # the plan that ends: the last period's
    recipients = _recipients(org.id)
    try:
        _deliver(settings, org, plan, reminder, recipients)
    except DeliveryError as exc:
        return _retry(reminder, now, settings, str(exc))
    reminder.sent_at = now
    return _finish(reminder, "sent", None)


def _deliver(settings, org, plan, reminder: Reminder, recipients: list[str]) -> None:
    """Email first (when SMTP is configured), then the webhook; the first channel decides."""
    if not settings.smtp_host and not settings.notify_webhook_url:
        raise DeliveryError("neither smtp_host nor notify_webhook_url is configured")
    renew_url = f"{settings.issuer}/account/renew?org={org.id}"
    if settings.smtp_host:
        if not recipients:
            raise DeliveryError("the organisation has no owner or admin to email")
        # One email per language: each owner or admin reads it in their saved language.
        for language, emails in _by_language(recipients).items():
            with i18n.in_locale(language):
                subject, body = _email(org, plan, reminder, renew_url)
            send_email(settings, emails, subject, body)
    if settings.notify_webhook_url:
        payload = {"type": "renewal_reminder", "organization_id": org.id,
                   "organization": org.name, "plan": plan.code,
                   "period_end": reminder.period_end.isoformat(),
                   "days_before": reminder.days_before, "renew_url": renew_url}
        try:
            post_webhook(settings, payload)
        except DeliveryError:
            if not settings.smtp_host:
                raise
            log.warning("reminder %s: webhook failed (email was sent)", reminder.id)


def _email(org, plan, reminder: Reminder, renew_url: str) -> tuple[str, str]:
    """Subject and body in the current language (the caller chooses it: i18n.in_locale);
    the end is shown in the organisation's time zone."""
    end = i18n.datetime(reminder.period_end, org.timezone)
    days = reminder.days_before
    subject = ngettext("Your Tomps %(plan)s plan ends in %(num)s day",
                       "Your Tomps %(plan)s plan ends in %(num)s days", days, plan=plan.name)
    body = "\n\n".join([
        _("Hello,"),
        _("The %(plan)s plan of %(organisation)s ends on %(end)s.", plan=plan.name,
          organisation=org.name, end=end) + "\n" + _("Renew it here: %(url)s", url=renew_url),
        "— Tomps\n"])
    return subject, body


def _recipients(organization_id: int) -> list[tuple[str, str | None]]:
    """(email, saved language) of the organisation's owners and admins."""
    return [tuple(row) for row in db.session.execute(
        select(User.email, User.locale).join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == organization_id,
               Membership.role.in_(ADMIN_ROLES), User.disabled.is_(False))
        .order_by(User.email))]


def _by_language(recipients: list[tuple[str, str | None]]) -> dict[str, list[str]]:
    """Recipients grouped by the language of their profile (none saved: the default)."""
    groups: dict[str, list[str]] = {}
    for email, language in recipients:
        groups.setdefault(i18n.negotiate(language) or i18n.default_locale(), []).append(email)
    return groups


def _retry(reminder: Reminder, now: datetime, settings, error: str) -> str:
    reminder.attempts += 1
    log.warning("reminder %s: delivery failed (attempt %s): %s", reminder.id,
                reminder.attempts, error)
    if reminder.attempts >= settings.reminder_max_attempts:
        return _finish(reminder, "failed", error)
    delay = settings.reminder_retry_backoff * 2 ** (reminder.attempts - 1)
    reminder.next_attempt_at = now + timedelta(seconds=delay)
    return _finish(reminder, "retry", error)


def _finish(reminder: Reminder, status: str, error: str | None) -> str:
    if status == "sent":
        reminder.attempts += 1
    reminder.status, reminder.last_error = status, (error or None) and error[:200]
    db.session.commit()
    return status
