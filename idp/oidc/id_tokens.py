"""ID tokens (OIDC Core §2, §3.1.3.6), signed by the keystore."""

from __future__ import annotations

import base64
import hashlib

from flask import current_app

from .. import clock
from ..keystore import signer
from .access_tokens import capped
from .claims import plan_claims, user_claims


def alg_for(client) -> str:
    return client.id_token_signed_response_alg or "RS256"


def half_hash(value: str, alg: str) -> str:
    """at_hash: left half of the hash the alg uses, base64url (OIDC Core §3.1.3.6)."""
    digest = (hashlib.sha512 if alg == "EdDSA" else hashlib.sha256)(value.encode()).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


def mint(client, user, scope: str, context: dict, access_token: str | None = None,
         nonce: str | None = None) -> str:
    """Sign an ID token for ``user`` and ``client``; ``context`` holds sid/auth_time/amr/acr."""
    settings = current_app.config["IDP"]
    alg = alg_for(client)
    now = clock.timestamp()
    claims = {"iss": settings.issuer, "aud": client.client_id, "iat": now,
              "exp": capped(now + settings.id_token_lifetime, context.get("exp_cap")),
              "auth_time": context.get("auth_time") or now}
    # Profile and email claims also ride in the ID token (DESIGN "Tokens"): OIDC Core §2
    # allows other claims, and the product apps then need no userinfo round-trip.
    claims.update(user_claims(user, scope))
    claims.update(plan_claims(user, client, scope, context.get("organization_id"),
                              context.get("entitlement")))
    for key in ("sid", "acr", "amr"):
        if context.get(key):
            claims[key] = context[key]
    if nonce:
        claims["nonce"] = nonce
    if access_token:
        claims["at_hash"] = half_hash(access_token, alg)
    return signer.sign(claims, alg)
