"""Outbound notices: email over SMTP and a signed JSON webhook operators bridge to push.

Webhook signature: ``X-Tomps-Signature: sha256=<hex HMAC-SHA256 of the raw body>`` under
``notify_webhook_secret`` (or ``secret_key`` when that is empty). Receivers recompute it
over the exact bytes received and compare in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import ssl
import urllib.request
from email.message import EmailMessage

SIGNATURE_HEADER = "X-Tomps-Signature"


class DeliveryError(Exception):
    """A notice could not be delivered (retried later); the message names no secret."""


def send_email(settings, recipients: list[str], subject: str, body: str) -> None:
    """Send one plain-text email to ``recipients`` through the configured SMTP server."""
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"smtp: {type(exc).__name__}: {str(exc)[:120]}") from None


def sign(body: bytes, secret: str) -> str:
    """The X-Tomps-Signature value of ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_webhook(settings, payload: dict) -> None:
    """POST ``payload`` as signed JSON to ``notify_webhook_url``."""
    url = settings.notify_webhook_url
    if not url.startswith(("https://", "http://")):
        raise DeliveryError("notify_webhook_url must be an http(s) URL")
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    secret = settings.notify_webhook_secret or settings.secret_key
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", SIGNATURE_HEADER: sign(body, secret)})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            response.read(1024)
    except OSError as exc:
        raise DeliveryError(f"webhook: {type(exc).__name__}") from None
