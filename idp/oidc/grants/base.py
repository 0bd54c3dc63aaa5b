"""What every grant shares: building the token response from our token modules.

Authlib's server-level token generator only sees (client, grant_type, user,
scope); our tokens also need the authentication context (sid, auth_time,
amr, acr), so each grant overrides ``generate_token`` and calls ``mint``.
"""

from __future__ import annotations

import base64
import json

from sqlalchemy import select

from ...extensions import db
from ...storage.hot import hot_sql
from ...storage.models import Organization, User
from .. import access_tokens, refresh
from ..person import Person

TOKEN_METHODS = ["client_secret_basic", "client_secret_post", "none"]


def kid_of(jwt: str) -> str | None:
    head = jwt.split(".", 1)[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))).get("kid")


def load_user(user_id) -> User | None:
    user = db.session.get(User, user_id) if user_id is not None else None
    return user if user is not None and not user.disabled else None


def load_user_and_version(user_id, organization_id) -> tuple[User | None, int | None]:
    """``load_user``, and in the same SELECT the organisation's entitlement version (the
    one the entitlement cache is checked against, orgs/cache.py; None without one)."""
    if not _valid_id(user_id):
        return None, None
    query = select(User).where(User.id == user_id)
    if _valid_id(organization_id):
        query = query.add_columns(select(Organization.entitlement_version)
                                  .where(Organization.id == organization_id).scalar_subquery())
    found = db.session.execute(query).first()
    if found is None or found[0].disabled:
        return None, None
    return found[0], (found[1] if len(found) > 1 else None)


# One round trip: the person and the organisation's entitlement version (storage/hot.py).
PERSON_AND_VERSION = (
    "SELECT u.id, u.email, u.given_name, u.family_name, u.locale, u.email_verified,"
    " u.updated_at, (SELECT o.entitlement_version FROM organizations o WHERE o.id = %s)"
    " FROM users u WHERE u.id = %s AND NOT u.disabled")


def read_person_and_version(user_id, organization_id):
    """``load_user_and_version`` for reading claims only: a ``Person``, not a mapped User;
    on Postgres one prepared SELECT outside any ORM session."""
    pool = hot_sql()
    if pool is None:
        return load_user_and_version(user_id, organization_id)
    if not _valid_id(user_id):
        return None, None
    org = organization_id if _valid_id(organization_id) else None
    row = pool.fetchone(PERSON_AND_VERSION, (org, user_id))
    return (None, None) if row is None else (Person(*row[:7]), row[7])


def _valid_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


def wants_refresh_token(client, scope: str) -> bool:
    """First-party clients get one; third parties only with offline_access (OIDC Core §11)."""
    if not client.check_grant_type("refresh_token"):
        return False
    return client.first_party or "offline_access" in (scope or "").split()


def mint(client, user, scope: str, context: dict, *, with_refresh: bool,
         family_id: str | None = None, parent_id: int | None = None) -> tuple[dict, dict]:
    """Return the token response and what was issued {jti, exp, family_id}."""
    access, claims = access_tokens.mint(client, user, scope, context)
    token = {"access_token": access, "token_type": "Bearer",
             "expires_in": claims["exp"] - claims["iat"], "scope": scope or ""}
    issued = {"jti": claims["jti"], "exp": claims["exp"], "family_id": None}
    if with_refresh and user is not None:
        offline = "offline_access" in (scope or "").split()
        # A new family's id is chosen here, so no SELECT is needed to learn it afterwards.
        family_id = family_id or refresh.new_family_id()
        token["refresh_token"] = refresh.issue(
            client, user.id, scope, context, offline=offline, kid=kid_of(access),
            family_id=family_id, parent_id=parent_id)
        issued["family_id"] = family_id
    return token, issued
