"""The project's one error type: a failure someone can act on, with a public and a private text.

``IdPError(public, detail=None)``: ``public`` (also ``str(error)``) is safe to show — on
a page, as a JSON ``error_description``, as the CLI's one line; ``detail`` is for the
log only. Each part subclasses it (``OrgError``, ``OrderError``, ``UserError``,
``ClientError``, ``KeystoreError``, ``GatewayError``...) and says how it is shown over
HTTP: ``status``, a spec-style ``error`` code and a page ``title``.

Anything that is *not* an IdPError is a bug, and looks like one: pages answer
``server_error`` (web/errors.py, the one renderer of error pages), the CLI prints a
traceback and exits with ``INTERNAL_ERROR`` (cli/output.py), never a one-line "bad
input" message.

OAuth 2.0 errors are a vocabulary of their own (Authlib's ``OAuth2Error``, with the
spec's ``error`` codes), rendered spec-shaped by oidc/render.py.
"""

from __future__ import annotations

from typing import ClassVar

from .i18n import N_

# sysexits.h EX_SOFTWARE: the CLI's exit status for a bug (bad input exits 1, usage 2).
INTERNAL_ERROR = 70


class IdPError(Exception):
    """A failure with a message safe to show (``public``) and one for the log (``detail``)."""

    status = 400
    error = "invalid_request"
    title = N_("This request cannot continue")
    headers: ClassVar[dict[str, str]] = {}

    def __init__(self, public: str = "", detail: str | None = None):
        super().__init__(public)
        self.public = public
        self.detail = detail
