"""Errors of the federation part: bad operator/owner input, and a failed upstream sign-in."""

from __future__ import annotations

from ..errors import IdPError


class FederationError(IdPError):
    """Bad input for a federation setting (CLI, account page); the message is safe to show."""


class FederationFailure(IdPError):
    """A federated sign-in that cannot finish; ``kind`` names what happened for the page.

    Kinds: ``cancelled`` (the person said no upstream), ``upstream_down`` (we could not
    reach it or it answered with an error), ``invalid_token`` (its ID token failed
    validation), ``email_domain`` (the email is not in a domain of the organisation),
    ``email_unverified``, ``state`` (unknown, expired, replayed or another browser's),
    ``no_seat``, ``elsewhere`` (the email belongs to a person of another organisation),
    ``disabled``, ``not_configured``.
    """

    status = 400
    error = "access_denied"
    title = "Sign-in with your organisation did not finish"

    def __init__(self, kind: str, detail: str | None = None, status: int | None = None):
        super().__init__(kind, detail)
        self.kind = kind
        if status:
            self.status = status
