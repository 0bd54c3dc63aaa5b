"""The browser session cookie, opened only where a browser session can matter.

Flask opens the signed session cookie on every request (an itsdangerous
serializer, an HMAC check, JSON) and, once anything reads it, adds
``Vary: Cookie`` to the response. The machine endpoints never use the browser
session: clients authenticate themselves (RFC 6749 §2.3), bearer tokens carry
their own proof (RFC 6750), discovery and the JWKS are public. For those paths
the session is a read-only empty one, so a cookie sent to them is not even
decoded, no user is loaded from it, and they can never set one. Elsewhere the
cookie's serializer is built once per secret, not twice per request.
"""

from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface

# Exact paths and prefixes of endpoints that never see the browser session.
MACHINE_PATHS = frozenset({"/oauth2/token", "/oauth2/userinfo", "/oauth2/introspect",
                           "/oauth2/revoke", "/healthz", "/readyz", "/metrics"})
MACHINE_PREFIXES = ("/.well-known/",)


def is_machine_path(path: str) -> bool:
    return path in MACHINE_PATHS or path.startswith(MACHINE_PREFIXES)


class BrowserSessionInterface(SecureCookieSessionInterface):
    """The signed-cookie session, except on machine paths (a null, never-saved session)."""

    def __init__(self):
        self._serializer = (None, None)  # (the keys it was built for, the serializer)

    def open_session(self, app, request):
        if is_machine_path(request.path):
            return self.make_null_session(app)
        return super().open_session(app, request)

    def get_signing_serializer(self, app):
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        held_keys, serializer = self._serializer
        if held_keys != keys:
            serializer = super().get_signing_serializer(app)
            self._serializer = (keys, serializer)
        return serializer
