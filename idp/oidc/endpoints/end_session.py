"""The end_session_endpoint (/oauth2/logout): RP-Initiated Logout 1.0.

``parse`` turns the request parameters into a ``LogoutRequest`` or raises
``LogoutRequestError`` (an IdPError: a page for the person, never a redirect).
``needs_confirmation`` says whether the person must confirm first (no verified
id_token_hint names them, §2); ``end`` ends the browser's SSO session — its clients
hear of it by back-channel (sessions/service.py) — and returns where the browser goes:
the verified post_logout_redirect_uri with ``state`` (§3), or None.

The pages (the confirmation form, "you are signed out") are web/logout.py's: it parses
the HTTP request, calls these, and clears the browser's own session cookie.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit, urlunsplit

from flask import current_app

from ...clients.registry import find_client
from ...errors import IdPError
from ...i18n import N_
from ...keystore.jwks import InvalidJWT, verify
from ...sessions import service
from ...storage.models import Client

# Parameters of §2 and their size limits (anything longer is refused, not truncated).
LIMITS = {"id_token_hint": 16384, "client_id": 64, "post_logout_redirect_uri": 2000,
          "state": 2048, "logout_hint": 512, "ui_locales": 256}
CARRIED = ("id_token_hint", "client_id", "post_logout_redirect_uri", "state")
NOT_ID_TOKENS = ("logout+jwt", "at+jwt")


class LogoutRequestError(IdPError):
    """The logout request cannot be honoured as sent; the message is safe to show."""

    title = N_("Sign-out request not valid")


@dataclass
class LogoutRequest:
    client: Client | None = None
    redirect_uri: str | None = None  # verified: registered for ``client``, exact match
    redirect_refused: bool = False  # a post_logout_redirect_uri was given but not honoured
    state: str | None = None
    hint_sub: str | None = None
    hint_sid: str | None = None
    params: dict = field(default_factory=dict)  # what the confirmation page carries

    def proves_user(self, user_id) -> bool:
        """Whether a verified id_token_hint names this person (no confirmation needed)."""
        return self.hint_sub is not None and self.hint_sub == str(user_id)

    def redirect_target(self) -> str | None:
        """The post-logout redirect with ``state`` echoed (§3), or None."""
        if not self.redirect_uri:
            return None
        if self.state is None:
            return self.redirect_uri
        parts = urlsplit(self.redirect_uri)
        query = "&".join(q for q in (parts.query, urlencode({"state": self.state})) if q)
        return urlunsplit(parts._replace(query=query))


def _values(params) -> dict:
    values = {}
    for name, limit in LIMITS.items():
        value = params.get(name)
        if value in (None, ""):
            continue
        if not isinstance(value, str) or len(value) > limit:
            raise LogoutRequestError(f"The {name} parameter is too long.")
        values[name] = value
    return values


def _verify_hint(token: str) -> dict:
    """§2: the OP MUST validate it issued the hint; an expired one is accepted."""
    try:
        decoded = verify(token)
    except InvalidJWT:
        raise LogoutRequestError(N_("The sign-out request carries an ID token we cannot verify.")) \
            from None
    claims, typ = decoded.claims, decoded.header.get("typ")
    if not isinstance(claims, dict):
        raise LogoutRequestError(N_("The id_token_hint is not an ID token."))
    if typ in NOT_ID_TOKENS or "events" in claims:
        raise LogoutRequestError(N_("The id_token_hint is not an ID token."))
    if claims.get("iss") != current_app.config["IDP"].issuer:
        raise LogoutRequestError(N_("The id_token_hint was not issued by this server."))
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise LogoutRequestError(N_("The id_token_hint has no subject."))
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or not audiences or \
            not all(isinstance(a, str) for a in audiences):
        raise LogoutRequestError(N_("The id_token_hint has no audience."))
    claims["aud"] = audiences
    return claims


def _client_id(values: dict, hint: dict | None) -> str | None:
    """The client asking: client_id, which must agree with the hint's aud (§2)."""
    asked = values.get("client_id")
    if hint is None:
        return asked
    audiences = hint["aud"]
    if asked is not None:
        if asked not in audiences:
            raise LogoutRequestError(N_("The client_id does not match the id_token_hint."))
        return asked
    if len(audiences) == 1:
        return audiences[0]
    if hint.get("azp") in audiences:
        return hint["azp"]
    raise LogoutRequestError(N_("The id_token_hint names several clients; send client_id."))


def parse(params) -> LogoutRequest:
    """Validate a logout request (query or form parameters)."""
    values = _values(params)
    hint = _verify_hint(values["id_token_hint"]) if "id_token_hint" in values else None
    client = None
    client_id = _client_id(values, hint)
    if client_id is not None:
        client = find_client(client_id)
        if client is None:
            raise LogoutRequestError(N_("The application asking to sign you out is not known here."))
    wanted = values.get("post_logout_redirect_uri")
    # §3: redirect only to an exact registered match of a known client; otherwise no redirect.
    verified = wanted if client is not None and wanted in (client.post_logout_redirect_uris
                                                           or []) else None
    return LogoutRequest(
        client=client, redirect_uri=verified, redirect_refused=bool(wanted) and not verified,
        state=values.get("state"), hint_sub=hint["sub"] if hint else None,
        hint_sid=hint.get("sid") if hint else None,
        params={k: values[k] for k in CARRIED if k in values})


def needs_confirmation(logout: LogoutRequest, live) -> bool:
    """§2: without a verified id_token_hint naming the signed-in person, ask them first."""
    return live is not None and not logout.proves_user(live.user_id)


def end(logout: LogoutRequest, live) -> str | None:
    """End this browser's SSO session (if any); return the verified redirect, or None."""
    if live is not None:
        service.end_session(live.sid, reason=service.LOGOUT)
    return logout.redirect_target()
