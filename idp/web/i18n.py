"""The language of each page, and the switcher that changes it (docs/i18n.md).

Messages come from the gettext catalogues (idp/i18n.py, idp/translations/); this module
keeps the names pages import (``_``, ``gettext``, ``ngettext``, ``t``, ``locale``) and
chooses the language of a request, first that applies:

1. ``ui_locales`` of the authorization request (OIDC Core §3.1.2.1), for its whole
   interaction: /authorize itself, then login, TOTP, consent, picker and refusal, which
   find it in the stored interaction (its id in the URL, or this browser's current one).
2. The person's choice from the switcher: a cookie, and for a signed-in person their
   profile (``users.locale``, which reminder emails use too).
3. Accept-Language.
4. ``default_locale`` (IDP_DEFAULT_LOCALE, ``en``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, has_request_context, redirect, request, session
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from .. import i18n
from ..extensions import csrf, db
from ..i18n import N_, SUPPORTED, _, gettext, label, lazy_gettext, ngettext, translate  # noqa: F401
from ..oidc import interaction
from ..storage.store import StoreUnavailable

COOKIE = "idp_lang"
COOKIE_AGE = 365 * 24 * 3600

bp = Blueprint("i18n", __name__)

t = translate  # the older name templates and pages used


def locale() -> str:
    return i18n.locale()


def select_locale() -> str:
    """Flask-Babel's locale selector: the order above, computed once per request."""
    if not has_request_context():
        return i18n.default_locale()
    if "_idp_locale" not in g:
        g._idp_locale = _choose()
    return g._idp_locale


def _choose() -> str:
    # /authorize's own ui_locales; on any other page a link's ?ui_locales= (the plan
    # catalogue linked from a product app) holds for that page.
    found = i18n.negotiate(_value("ui_locales"))
    if found:
        return found
    found = _interaction_locale()
    if found:
        return found
    found = i18n.negotiate(request.cookies.get(COOKIE))
    if found:
        return found
    found = _profile_locale()
    if found:
        return found
    return request.accept_languages.best_match(SUPPORTED) or _accept_primary() \
        or i18n.default_locale()


def _accept_primary() -> str | None:
    """``id-ID`` when only regional tags are sent (best_match already handles most)."""
    for tag, _quality in request.accept_languages:
        found = i18n.negotiate(tag)
        if found:
            return found
    return None


def _interaction_id() -> str | None:
    """The interaction this page serves: named in the URL or form, else this browser's."""
    return _value("interaction") or session.get(interaction.CURRENT_KEY) or None


def _value(name: str) -> str | None:
    """A query parameter, or a form field when the view has already read the form: choosing
    the language never parses a body itself (an oversized one is a 413 page, not a 500)."""
    found = request.args.get(name)
    if found is None and "form" in request.__dict__:
        found = request.form.get(name)
    return found


def _interaction_locale() -> str | None:
    """The ``locale`` the interaction of this page was started with (or switched to)."""
    try:
        data = interaction.load_any((_interaction_id() or "")[:64])
    except (StoreUnavailable, ValueError):  # the page still renders (its error page, say)
        return None
    return i18n.negotiate((data or {}).get("locale"))


def _profile_locale() -> str | None:
    if "_login_user" in g and not getattr(g._login_user, "is_authenticated", False):
        return None  # error pages set an anonymous user; never load one there
    if not session.get("sid"):
        return None
    try:
        user = current_user._get_current_object()
        return i18n.negotiate(user.locale) if user.is_authenticated else None
    except (StoreUnavailable, SQLAlchemyError):  # the page still renders, in another language
        return None


def context() -> dict:
    """Every page's ``lang`` (the <html lang>) and the switcher's choices."""
    current = locale()
    return {"lang": current, "languages": [(code, i18n.NAMES[code]) for code in SUPPORTED],
            "switch_next": _here()}


def _here() -> str:
    """Where the switcher sends the person back to: this page (a GET) or its form's page."""
    if not has_request_context():
        return "/"
    if request.method == "GET":
        return request.full_path.rstrip("?")
    wanted = _value("interaction")
    return request.path + (f"?interaction={wanted[:64]}" if wanted else "")


def _safe_next(target: str | None) -> str:
    """A path on this site only (no scheme, no host, no //evil): no open redirect."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/signed-in"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target or any(ord(c) < 32 for c in target):
        return "/signed-in"
    return target[:2000]


@bp.route("/language", methods=["POST"])
@csrf.exempt
def switch():
    """The switcher: remember the choice (cookie, profile, this interaction), go back.

    No CSRF token, so that public pages (the plan catalogue) set no session cookie for
    it: a cross-site POST carries no session (the cookie is SameSite=Lax), so the most
    another site can do is set this browser's language cookie. Only a same-origin POST
    (Origin, when sent, is ours) changes the signed-in person's profile.
    """
    chosen = i18n.negotiate(request.form.get("lang"))
    target = _safe_next(request.form.get("next"))
    if chosen is None:
        return redirect(target, 303)
    _remember_in_interaction(chosen)
    if current_user.is_authenticated and session.get("sid") and _same_origin():
        current_user.locale = chosen
        db.session.commit()
    response = redirect(target, 303)
    https = current_app.config["IDP"].issuer.startswith("https://")
    response.set_cookie(COOKIE, chosen, max_age=COOKIE_AGE, httponly=True, samesite="Lax",
                        secure=https)
    return response


def _same_origin() -> bool:
    origin = request.headers.get("Origin")
    return origin is None or origin == request.host_url.rstrip("/") or \
        origin == current_app.config["IDP"].issuer


def _remember_in_interaction(chosen: str) -> None:
    """A switch during an authorization changes its language for the pages that follow."""
    interaction_id = session.get(interaction.CURRENT_KEY)
    next_query = urlsplit(request.form.get("next") or "").query
    for pair in next_query.split("&"):
        if pair.startswith("interaction="):
            interaction_id = pair.split("=", 1)[1][:64]
    try:
        data = interaction.load(interaction_id)
    except interaction.ForeignInteraction:
        return
    if data is not None and data.get("locale") and data.get("locale") != chosen:
        interaction.update(interaction_id, dict(data, locale=chosen))


def init_app(app) -> None:
    i18n.init_app(app, select_locale)
    app.context_processor(context)
    app.register_blueprint(bp)
