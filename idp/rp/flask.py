"""The Flask integration: sign-in, sessions, sign-out and API protection for a product app.

``rp = RelyingParty(app)`` reads ``RP_*`` settings from ``app.config`` and adds
five routes under ``RP_BASE_URL`` (register their URLs with the IdP:
``registration_uris(base_url)``)::

    GET  /login               → the IdP (code flow, PKCE S256, state, nonce)
    GET  /callback            → checks the response, redeems the code, starts the session
    GET  /logout              → ends the local session, then RP-Initiated Logout at the IdP
    GET  /signed-out          → where the IdP sends the browser back (template rp/signed_out.html)
    POST /backchannel-logout  → the IdP's logout token ends the sessions of that sid/sub

Decorators: ``@rp.login_required`` (a signed-in person, tokens refreshed
``RP_REFRESH_MARGIN`` seconds before they expire), ``@rp.product_required``
(also: the plan includes ``RP_PRODUCT`` now, else ``NotEntitled`` → 403) and
``@rp.bearer_required`` for a product API (an access token whose ``aud``
contains ``RP_AUDIENCE`` and whose plan includes ``RP_PRODUCT``; RFC 6750
errors otherwise). ``rp.current`` is the signed-in person (``SignedIn``),
``rp.bearer`` the claims of the API call's token.

Sessions live server-side in ``store`` (default ``MemorySessionStore``: one
process; pass a ``RedisSessionStore`` when the product runs several
instances); the browser holds only a random id in an HttpOnly, SameSite=Lax
cookie. Pages the kit renders use the app's templates ``rp/signed_out.html``,
``rp/refused.html`` (``error``: NotEntitled) and ``rp/error.html``
(``error``, ``title``) when it has them, else a plain built-in page.

Settings: ``RP_ISSUER``, ``RP_CLIENT_ID``, ``RP_CLIENT_SECRET``, ``RP_BASE_URL``
(required, but the secret for a public client); ``RP_PRODUCT``, ``RP_AUDIENCE``,
``RP_SCOPE``, ``RP_COOKIE_NAME``, ``RP_SESSION_LIFETIME`` (s), ``RP_REFRESH_MARGIN``
(s), ``RP_LEEWAY`` (s, at most 300).
"""

from __future__ import annotations

import functools
import threading
import time
import zlib
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Blueprint, g, jsonify, redirect, request

from .client import DEFAULT_SCOPE, OIDCClient
from .errors import (
    DiscoveryError,
    LoginError,
    NotEntitled,
    TokenEndpointError,
    TokenRejected,
)
from .flask_views import RouteViews
from .plan import Plan
from .resource import BearerError, ResourceServer
from .sessions import MemorySessionStore

__all__ = ["NotEntitled", "RelyingParty", "SignedIn", "registration_uris"]

PATHS = {"login": "/login", "callback": "/callback", "logout": "/logout",
         "signed_out": "/signed-out", "backchannel": "/backchannel-logout"}
DEFAULTS = {"RP_CLIENT_SECRET": None, "RP_PRODUCT": None, "RP_AUDIENCE": None,
            "RP_SCOPE": DEFAULT_SCOPE, "RP_COOKIE_NAME": None, "RP_SESSION_LIFETIME": 8 * 3600,
            "RP_REFRESH_MARGIN": 60, "RP_LEEWAY": 30}
REQUIRED = ("RP_ISSUER", "RP_CLIENT_ID", "RP_BASE_URL")


def registration_uris(base_url: str) -> dict:
    """The URIs to register for this app at the IdP (``idp clients create``)."""
    return {"redirect_uri": base_url + PATHS["callback"],
            "post_logout_redirect_uri": base_url + PATHS["signed_out"],
            "backchannel_logout_uri": base_url + PATHS["backchannel"]}


@dataclass(frozen=True)
class SignedIn:
    """The signed-in person of this request: ID-token claims, plan, tokens."""

    session_id: str
    data: dict

    @property
    def claims(self) -> dict:
        return self.data["claims"]

    @property
    def sub(self) -> str:
        return self.data["sub"]

    @property
    def name(self) -> str:
        c = self.claims
        full = c.get("name") or " ".join(p for p in (c.get("given_name"), c.get("family_name")) if p)
        return full or c.get("email") or self.sub

    @property
    def email(self) -> str | None:
        return self.claims.get("email")

    @property
    def plan(self) -> Plan:
        return Plan.from_claims(self.claims)

    @property
    def access_token(self) -> str:
        """For calls to product APIs (``Authorization: Bearer``); opaque to this app."""
        return self.data["access_token"]

    @property
    def expires_at(self) -> int:
        return self.data["expires_at"]


class RelyingParty(RouteViews):
    """One product app's OpenID Connect integration (bound to one Flask app)."""

    def __init__(self, app=None, *, store=None, http=None):
        self.store = store or MemorySessionStore()
        self._http = http
        self._locks = [threading.Lock() for _ in range(64)]
        if app is not None:
            self.init_app(app)

    # --- set-up ---------------------------------------------------------------------------

    def init_app(self, app) -> None:
        settings = {**DEFAULTS, **{k: v for k, v in app.config.items() if k.startswith("RP_")}}
        missing = [name for name in REQUIRED if not settings.get(name)]
        if missing:
            raise ValueError(f"RelyingParty needs {', '.join(missing)} in app.config")
        self.base_url = settings["RP_BASE_URL"].rstrip("/")
        self.product, self.audience = settings["RP_PRODUCT"], settings["RP_AUDIENCE"]
        self.lifetime, self.margin = settings["RP_SESSION_LIFETIME"], settings["RP_REFRESH_MARGIN"]
        self.secure = self.base_url.startswith("https://")
        self.cookie_name = settings["RP_COOKIE_NAME"] or \
            ("__Host-rp" if self.secure else f"{self.product or 'rp'}_session")
        self.uris = registration_uris(self.base_url)
        self.client = OIDCClient(settings["RP_ISSUER"], settings["RP_CLIENT_ID"],
                                 settings["RP_CLIENT_SECRET"], self.uris["redirect_uri"],
                                 scope=settings["RP_SCOPE"], leeway=settings["RP_LEEWAY"],
                                 http=self._http)
        self.http = self.client.http  # for calls to other products' APIs
        self.resource = ResourceServer(settings["RP_ISSUER"], self.audience, self.product,
                                       jwks=self.client.jwks, leeway=settings["RP_LEEWAY"]) \
            if self.audience else None
        app.register_blueprint(self._blueprint())
        self._register_error_pages(app)
        app.extensions["idp.rp"] = self

    def _blueprint(self) -> Blueprint:
        bp = Blueprint("rp", __name__)
        bp.add_url_rule(PATHS["login"], "login", self._login)
        bp.add_url_rule(PATHS["callback"], "callback", self._callback)
        bp.add_url_rule(PATHS["logout"], "logout", self._logout)
        bp.add_url_rule(PATHS["signed_out"], "signed_out", self._signed_out)
        bp.add_url_rule(PATHS["backchannel"], "backchannel_logout", self._backchannel,
                        methods=["POST"])
        return bp

    def _register_error_pages(self, app) -> None:
        app.register_error_handler(NotEntitled, lambda e: self._page(
            "rp/refused.html", 403, error=e, title="Not included in your plan"))
        for kind in (LoginError, TokenEndpointError, TokenRejected):
            app.register_error_handler(kind, lambda e: self._page(
                "rp/error.html", 400, error=e, title="Sign-in did not complete"))
        app.register_error_handler(DiscoveryError, lambda e: self._page(
            "rp/error.html", 503, error=e, title="Sign-in is unavailable"))
        csrf = app.extensions.get("csrf")  # Flask-WTF: the IdP's POST carries no CSRF token
        if csrf is not None and hasattr(csrf, "exempt"):
            csrf.exempt("rp.backchannel_logout")

    # --- the signed-in person ---------------------------------------------------------------

    @property
    def current(self) -> SignedIn | None:
        """The signed-in person of this request (tokens refreshed if due), or None."""
        if "rp_current" not in g:
            g.rp_current = self._load()
        return g.rp_current

    @property
    def bearer(self) -> dict | None:
        """The claims of this API request's access token (inside ``bearer_required``)."""
        return g.get("rp_bearer")

    def _load(self) -> SignedIn | None:
        session_id = request.cookies.get(self.cookie_name)
        if not session_id or len(session_id) > 128:
            return None
        data = self.store.load(session_id)
        if data is not None and data["expires_at"] - time.time() <= self.margin:
            data = self._refresh(session_id)
        return SignedIn(session_id, data) if data is not None else None

    def _refresh(self, session_id: str) -> dict | None:
        """Refresh the session's tokens once, even when several requests find them due."""
        with self._locks[zlib.crc32(session_id.encode()) % len(self._locks)]:
            data = self.store.load(session_id)
            now = time.time()
            if data is None or data["expires_at"] - now > self.margin:
                return data  # ended meanwhile, or another request refreshed it
            try:
                tokens = self.client.refresh(data["refresh_token"], previous_sub=data["sub"]) \
                    if data.get("refresh_token") else None
            except TokenEndpointError as exc:
                if exc.error == "unreachable" and data["expires_at"] > now:
                    return data  # the IdP is briefly away; the token still works
                tokens = None
            except (TokenRejected, LoginError, DiscoveryError):
                tokens = None
            if tokens is None or data["ends_at"] <= now:
                # invalid_grant: the IdP ended the session or the plan no longer covers it.
                self.store.delete(session_id)
                return None
            data.update(tokens)
            self.store.save(session_id, data, max(1, int(data["ends_at"] - now)))
            return data

    # --- decorators -------------------------------------------------------------------------

    def login_required(self, view):
        """Let the view run for a signed-in person; send anyone else to sign in."""

        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if self.current is None:
                return self._to_login()
            return view(*args, **kwargs)

        return wrapper

    def product_required(self, view=None, *, product: str | None = None):
        """``login_required`` plus: the plan includes ``product`` (default RP_PRODUCT) now."""
        if isinstance(view, str):
            product, view = view, None
        if view is None:
            return lambda actual: self.product_required(actual, product=product)
        wanted = product or self.product
        if not wanted:
            raise ValueError("product_required needs RP_PRODUCT or a product")

        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if self.current is None:
                return self._to_login()
            self.current.plan.require_product(wanted)  # NotEntitled → the 403 page
            return view(*args, **kwargs)

        return wrapper

    def bearer_required(self, view):
        """Protect an API view: a valid access token for RP_AUDIENCE whose plan has RP_PRODUCT."""
        if self.resource is None:
            raise ValueError("bearer_required needs RP_AUDIENCE")

        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            try:
                g.rp_bearer = self.resource.authenticate(request.headers.get("Authorization"))
            except BearerError as exc:
                body = {"error": exc.error or "invalid_request", "error_description": exc.description}
                response = jsonify(body)
                response.status_code = exc.status
                if exc.status in (401, 403):
                    response.headers["WWW-Authenticate"] = exc.www_authenticate(self.base_url)
                response.headers["Cache-Control"] = "no-store"
                return response
            return view(*args, **kwargs)

        return wrapper

    def _to_login(self):
        query = request.query_string.decode("latin-1")
        target = request.path + ("?" + query if query else "")
        return redirect(self.base_url + PATHS["login"] + "?" + urlencode({"next": target}))
