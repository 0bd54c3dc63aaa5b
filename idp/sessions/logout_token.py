"""Logout tokens (OIDC Back-Channel Logout 1.0 §2.4): what the OP signs for each RP."""

from __future__ import annotations

import secrets

from flask import current_app

from .. import clock
from ..keystore import signer

EVENT = "http://schemas.openid.net/event/backchannel-logout"
TYP = "logout+jwt"  # §2.4: explicitly typed, so it cannot pass for an ID token


def mint(client, sid: str, sub: str) -> tuple[str, str]:
    """Return ``(token, jti)``: a fresh logout token for ``client`` about session ``sid``."""
    settings = current_app.config["IDP"]
    now = clock.timestamp()
    jti = secrets.token_urlsafe(16)
    # §2.4: iss, aud, iat, exp, jti, events, sid and sub; a nonce is prohibited.
    claims = {
        "iss": settings.issuer,
        "aud": client.client_id,
        "iat": now,
        "exp": now + settings.backchannel_token_lifetime,
        "jti": jti,
        "sub": sub,
        "sid": sid,
        "events": {EVENT: {}},
    }
    alg = client.id_token_signed_response_alg or "RS256"
    return signer.sign(claims, alg=alg, typ=TYP), jti
