"""The organisation an account page is for, and where a login goes back to.

A person in several organisations switches between them from the account pages (the
switcher in the navigation, ``POST /account/switch``). The choice is remembered in the
browser session (``session["account_org"]``); an explicit ``org`` (a link's ``?org=``
or a form's hidden field) wins and is remembered too. Every value is checked against
the person's memberships: an organisation they do not belong to is a 403, whatever
the session or the address says.

``safe_next``: the path a login returns to. Only a path of this site passes (RFC 3986
§4.2 "path-absolute"): no scheme, no authority (``//host``), no backslash (browsers read
``/\\host`` as ``//host``), no control character or space (browsers strip tabs and
newlines, turning ``/\\t/host`` into ``//host``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, g, make_response, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..orgs.people import can_manage
from ..storage.ids import row_id
from ..storage.models import Membership, Organization
from .errors import render_error
from .i18n import _

SESSION_KEY = "account_org"
MAX_NEXT = 2048


def safe_next(value) -> str | None:
    """``value`` when it is a path on this site, else None (no open redirect)."""
    if not isinstance(value, str) or not value or len(value) > MAX_NEXT:
        return None
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    return value


def login_redirect():
    """Send a signed-out person to the login page, coming back to this very page."""
    target = request.full_path if request.query_string else request.path
    return redirect(url_for("auth.login", next=safe_next(target)))


def memberships() -> list[tuple[Organization, str]]:
    """The signed-in person's organisations and roles, by name (the switcher's list)."""
    if not current_user.is_authenticated:
        return []
    return [(org, role) for org, role in db.session.execute(
        select(Organization, Membership.role)
        .join(Membership, Membership.organization_id == Organization.id)
        .where(Membership.user_id == current_user.id).order_by(Organization.name))]


def _membership(org_id: int) -> tuple[Organization, str] | None:
    row = db.session.execute(
        select(Organization, Membership.role)
        .join(Membership, Membership.organization_id == Organization.id)
        .where(Membership.user_id == current_user.id, Organization.id == org_id)).first()
    return (row[0], row[1]) if row else None


def _first() -> tuple[Organization, str] | None:
    """Without a choice: the first organisation the person administers, else the first one."""
    mine = memberships()
    return next(((o, r) for o, r in mine if can_manage(r)), mine[0] if mine else None)


def resolve(org_ref) -> tuple[Organization, str] | None:
    """(organisation, role) for ``org_ref`` (None: the remembered one, else the first);
    None when the person is not a member of what was asked for."""
    if org_ref not in (None, ""):
        found = row_id(str(org_ref))
        found = _membership(found) if found is not None else None
        if found is not None:
            session[SESSION_KEY] = found[0].id
        return found
    remembered = session.get(SESSION_KEY)
    if isinstance(remembered, int):
        found = _membership(remembered)
        if found is not None:
            return found
        session.pop(SESSION_KEY, None)  # no longer a member there
    return _first()


def account_org(org_ref=None, manage: bool = False) -> tuple[Organization, str]:
    """The organisation this account page is for, and the person's role in it.

    Signed out: the login page (coming back here). Not a member of what was asked for,
    or not an owner/admin when ``manage``: a 403 page that says why.
    """
    if not current_user.is_authenticated:
        abort(login_redirect())
    if org_ref is None:
        org_ref = request.values.get("org")
    found = resolve(org_ref)
    if found is None and org_ref in (None, ""):
        abort(forbidden(_("You do not belong to any organisation yet. Ask an owner of your "
                          "company to invite you.")))
    if found is None:
        abort(forbidden(_("You are not a member of that organisation.")))
    if manage and not can_manage(found[1]):
        abort(forbidden(_("Only owners and admins of %(org)s can do this.", org=found[0].name)))
    g.idp_timezone = found[0].timezone  # dates on this page in the organisation's zone (i18n)
    return found


def forbidden(message: str):
    """The 403 page of the account pages: why, and the way back to the account."""
    return make_response(render_error(403, "access_denied", _("Not allowed"), message,
                                      link=url_for("account.index"),
                                      link_text=_("Back to the account")))
