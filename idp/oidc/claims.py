"""Which claims about a person a token or userinfo answer carries (OIDC Core §5.1, §5.4)."""

from __future__ import annotations

from authlib.oauth2.rfc6749.util import scope_to_list

# OIDC Core §5.4: the claims each standard scope requests (only those we hold).
SCOPE_CLAIMS = {
    "profile": ("name", "given_name", "family_name", "locale", "updated_at"),
    "email": ("email", "email_verified"),
}
SCOPES_SUPPORTED = ["openid", "profile", "email", "offline_access", "plan"]
# "0": a password, with or without TOTP (OIDC Core §2: "0" does not meet ISO/IEC 29115
# level 1); "phr": phishing-resistant authentication, a passkey (OpenID EAP ACR Values 1.0).
ACR_VALUES_SUPPORTED = ["0", "phr"]
CLAIMS_SUPPORTED = ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr",
                    "azp", "sid", "at_hash", "name", "given_name", "family_name", "locale",
                    "updated_at", "email", "email_verified",
                    # Plan claims (README "Plan claims"): first-party clients and the plan scope.
                    "org_id", "org_name", "org_role", "plan", "plan_name", "plan_tier",
                    "plan_status", "products", "limits", "plan_period_end"]


def _value(user, claim):
    if claim == "updated_at":
        return int(user.updated_at.timestamp()) if user.updated_at else None
    if claim == "email_verified":
        return bool(user.email_verified)
    return getattr(user, claim, None)


def user_claims(user, scope: str) -> dict:
    """The person's claims the granted ``scope`` covers, ``sub`` always (OIDC Core §5.3.2)."""
    claims = {"sub": user.subject}
    scopes = set(scope_to_list(scope) or ())
    for name, members in SCOPE_CLAIMS.items():
        if name in scopes:
            for claim in members:
                value = _value(user, claim)
                if value is not None:
                    claims[claim] = value
    return claims


def wants_plan_claims(client, scope: str) -> bool:
    """ID tokens and userinfo carry plan claims for first-party clients and the ``plan`` scope."""
    return bool(getattr(client, "first_party", False)) or "plan" in (scope_to_list(scope) or ())


def entitlement_claims(user, organization_id: int | None, entitlement=None) -> dict:
    """The plan claims of ``entitlement`` (resolved now when not given); {} without an org."""
    from ..orgs import entitlements

    if entitlement is None:
        if organization_id is None or user is None:
            return {}
        entitlement = entitlements.resolve(user.id, organization_id)
    return entitlements.plan_claims(entitlement)


def plan_claims(user, client, scope: str, organization_id: int | None = None,
                entitlement=None) -> dict:
    """The organisation and plan claims for ID tokens and userinfo (by the rule above)."""
    if not wants_plan_claims(client, scope):
        return {}
    return entitlement_claims(user, organization_id, entitlement)
