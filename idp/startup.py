"""Start-up checks shared by `idp serve` and the production WSGI entry point.

Before an instance takes traffic: the schema is current (the embedded default
migrates itself; a real database is migrated by `idp db upgrade`, never silently),
every stored signing key opens under the configured key-encryption key (a wrong
KEK stops start-up with one line), and a first signing key exists.
"""

from __future__ import annotations

from .crypto.envelope import EnvelopeError
from .errors import IdPError
from .keystore.keys import check_keys_open, ensure_active_key
from .storage import migrate


class StartupError(IdPError):
    """The instance must not serve; the message is one line for the operator."""


def check_ready(app, announce=print) -> None:
    """Raise StartupError unless the app can serve; create what the embedded default lacks."""
    settings = app.config["IDP"]
    with app.app_context():
        if settings.embedded_database:
            migrate.upgrade()
        elif migrate.current_revision() != migrate.head_revision():
            raise StartupError("the database schema is not current: run `idp db upgrade` first")
        try:
            check_keys_open()
        except EnvelopeError as exc:
            raise StartupError(str(exc)) from None
        created = ensure_active_key(settings.default_signing_alg)
        if created is not None:
            announce(f"created a first {created.alg} signing key {created.kid}")
