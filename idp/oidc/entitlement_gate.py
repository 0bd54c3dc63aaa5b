"""The glue between the authorization server and the entitlements part (DESIGN "Entitlement gate").

The OIDC part asks here and ``idp.orgs.entitlements`` answers: which organisation an
authorization is for, whether the gate lets it through, what the tokens then carry
(plan claims, audiences, an ``exp`` cap) and the audit trail of both outcomes. The
gate runs on every authorization (SSO and prompt=none included), at code redemption
and on every refresh; nothing is cached here beyond the entitlement cache itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from .. import audit
from ..ops import metrics
from ..orgs import entitlements, selection
from .errors import InvalidGrantError, InvalidTargetError
from .interaction import decision

PICK = "pick"  # the person must choose an organisation (the picker page)


def organization_for(user_id: int, hint, stored: dict | None):
    """The organisation id of this authorization, None (no membership) or PICK.

    An organisation chosen on the picker counts only for the person who chose it.
    """
    chosen = decision(stored, "organization", user_id)
    if chosen:
        return int(chosen)
    hint = str(hint)[:200] if hint else None
    chosen = selection.default_organization(user_id, hint)
    if chosen is None and selection.organizations_for(user_id):
        return PICK
    return chosen


def check(user_id: int, client, organization_id: int | None,
          version: int | None = None) -> entitlements.Decision:
    """Run the gate; a refusal is audited and counted before it is returned.

    ``version``: the organisation's entitlement version when already read (entitlements.resolve).
    """
    decision = entitlements.gate(user_id, client, organization_id, version=version)
    if not decision.allowed:
        record_denial(user_id, client, decision)
    return decision


@dataclass(frozen=True)
class Issue:
    """What tokens minted after a passed gate carry."""

    organization_id: int | None
    entitlement: entitlements.Entitlement | None
    audiences: list[str]
    exp_cap: int | None

    def context(self) -> dict:
        """Keys the token modules read (access_tokens.mint, id_tokens.mint)."""
        return {"organization_id": self.organization_id, "entitlement": self.entitlement,
                "audiences": self.audiences, "exp_cap": self.exp_cap}


def available_audiences(client, entitlement) -> list[str]:
    """Product clients: the entitled products' audiences; otherwise the issuer.

    A product-less client (the account portal) or a person with no organisation gets
    tokens for the IdP itself only: they encode no product, so no product API should
    accept them (least privilege). Userinfo ignores ``aud``; introspection lets the
    client a token was issued to, and the clients of its audiences' products, read it.
    """
    if getattr(client, "product", None) is None or entitlement is None:
        return [current_app.config["IDP"].issuer]
    return entitlements.product_audiences(entitlement)


def audiences(client, entitlement, resources=None, granted=None) -> list[str]:
    """``aud``: the available audiences, narrowed by RFC 8707 ``resource`` values.

    ``granted`` are the resources sent at /authorize (kept with the code): the token
    request may narrow them further, never widen them (RFC 8707 §2.2).
    """
    available = available_audiences(client, entitlement)
    wanted = list(dict.fromkeys(r for r in (resources or ()) if isinstance(r, str)))
    if granted:
        if any(r not in granted for r in wanted):
            raise InvalidTargetError("The resource was not requested in the authorization.")
        wanted = wanted or list(granted)
    if not wanted:
        return available
    if any(r not in available for r in wanted):
        raise InvalidTargetError("The requested resource is not covered by the plan.")
    return wanted


def for_tokens(client, user_id: int, organization_id, resources=None, granted=None,
               version: int | None = None) -> Issue:
    """Re-run the gate at the token endpoint; raise invalid_grant with the reason when refused."""
    decision = check(user_id, client, organization_id, version)
    if not decision.allowed:
        raise InvalidGrantError(decision.description)
    entitlement = decision.entitlement
    return Issue(organization_id, entitlement, audiences(client, entitlement, resources, granted),
                 entitlements.token_expiry_cap(entitlement))


def issue_if_allowed(client, user_id: int, organization_id, version: int,
                     cached: str | None) -> Issue | None:
    """``for_tokens`` without a ``resource`` and with the entitlement snapshot in hand
    (``cached``, under ``version``): no database, no store (the event loop's refresh,
    oidc/loop_endpoints.py). None when the gate refuses: the caller lets ``for_tokens``
    refuse it, audited and counted."""
    decision = entitlements.gate(user_id, client, organization_id, version=version,
                                 cached=cached)
    if not decision.allowed:
        return None
    entitlement = decision.entitlement
    return Issue(organization_id, entitlement, audiences(client, entitlement),
                 entitlements.token_expiry_cap(entitlement))


def snapshot(entitlement) -> dict | None:
    """What the audit log keeps of an entitlement (no personal data beyond ids)."""
    if entitlement is None:
        return None
    end = entitlement.period_end
    return {"organization_id": entitlement.organization_id,
            "organization_name": entitlement.organization_name,
            "plan": entitlement.plan_code, "status": entitlement.status,
            "products": sorted(entitlement.products),
            "period_end": int(end.timestamp()) if end else None}


def record_denial(user_id: int, client, decision) -> None:
    audit.record("entitlement.denied", user_id=user_id, client_id=client.client_id,
                 outcome="failure", reason=decision.reason,
                 detail={"product": decision.product, "entitlement": snapshot(decision.entitlement)})
    metrics.count_entitlement_denial(decision.reason or "unknown")


def record_issued(grant_type: str, client, user_id: int, issue: Issue) -> None:
    """The one "token.issued" audit record of the code and refresh grants.

    Staged in the caller's transaction (the one that writes the token rows): it is
    committed with them or not at all.
    """
    audit.stage("token.issued", user_id=user_id, client_id=client.client_id, outcome="success",
                 reason=grant_type, detail={"grant_type": grant_type, "aud": issue.audiences,
                                            "entitlement": snapshot(issue.entitlement)})
