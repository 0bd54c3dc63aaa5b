"""The invitation email: who invites whom to which organisation, and the link.

Sent over the configured SMTP server (billing/notify.py, the reminders' sender). The
invitee's language is not known yet, so the email is in English and Bahasa Indonesia,
as the renewal reminders are. The link is the only secret in it; nothing logs it.
"""

from __future__ import annotations

from flask import current_app, url_for

from ..billing.notify import DeliveryError, send_email

__all__ = ["DeliveryError", "send_invitation"]


def link(token: str) -> str:
    """The absolute accept link (the issuer is the public origin of the IdP)."""
    return current_app.config["IDP"].issuer + url_for("invitations.accept", token=token)


def send_invitation(invitation, org, inviter, token: str) -> None:
    """Email the invitation; DeliveryError when SMTP is not configured or refuses it."""
    settings = current_app.config["IDP"]
    if not settings.smtp_host:
        raise DeliveryError("smtp_host is not configured")
    who = " ".join(filter(None, (inviter.given_name, inviter.family_name))) or inviter.email
    url, days = link(token), 7
    subject = f"{who} invites you to {org.name} on Tomps"
    body = (f"Hello,\n\n{who} ({inviter.email}) invites you to join {org.name} on Tomps "
            f"as {invitation.role}.\nAccept the invitation here (the link works once, for "
            f"{days} days):\n{url}\n\n"
            f"{who} ({inviter.email}) mengundang Anda bergabung dengan {org.name} di Tomps.\n"
            f"Terima undangan di sini (tautan berlaku sekali, selama {days} hari):\n{url}\n\n"
            "If you did not expect this email, ignore it. / Abaikan email ini jika Anda "
            "tidak mengharapkannya.\n\n— Tomps\n")
    send_email(settings, [invitation.email], subject, body)
