"""create_app(): load settings → bind extensions → blueprints, errors, CLI. Nothing at import."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import resources
from .config import load_settings
from .extensions import csrf, db, login_manager

log = logging.getLogger("idp")


def create_app(overrides: dict | None = None, announce=None, environ: dict | None = None) -> Flask:
    """Build the IdP. ``overrides`` replace settings (tests); ``announce`` prints start-up
    lines; ``environ`` stands for os.environ (the IDP_* variables settings are read from)."""
    announce = announce or (lambda line: log.warning(line))
    settings = load_settings(overrides, environ)
    app = Flask("idp", template_folder=str(resources.path("templates")), static_folder=None,
                instance_path=str(Path(settings.instance_path).resolve()))
    app.config["IDP"] = settings
    if settings.trusted_proxy_count:
        # Only as many X-Forwarded-For hops as there are proxies we run (Werkzeug ProxyFix).
        n = settings.trusted_proxy_count
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)
    _configure(app, settings, announce)
    _init_extensions(app, settings, announce)
    _register_blueprints(app)
    return app


def _configure(app: Flask, settings, announce) -> None:
    from .ops.logging import configure_logging
    from .web.json_provider import JSONProvider
    from .web.session import BrowserSessionInterface

    configure_logging(settings)
    app.session_interface = BrowserSessionInterface()  # none on the machine endpoints
    app.json = JSONProvider(app)  # deep nesting is a 400, not a RecursionError
    logging.getLogger("alembic").setLevel(logging.WARNING)
    secret = settings.secret_key or _development_secret(app, announce)
    https = settings.issuer.startswith("https://")
    app.config.update(
        SECRET_KEY=secret,
        SQLALCHEMY_DATABASE_URI=settings.database_url or _embedded_database(app),
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings),
        SESSION_COOKIE_NAME="idp_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=https,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=settings.session_absolute_timeout,
        WTF_CSRF_TIME_LIMIT=settings.interaction_lifetime,
        WTF_CSRF_SSL_STRICT=False,
        MAX_CONTENT_LENGTH=1024 * 1024,
        PREFERRED_URL_SCHEME="https" if https else "http",
    )


def _development_secret(app: Flask, announce) -> str:
    """A per-instance secret kept under instance/ (development only; production refuses)."""
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
        announce(f"development: generated a session secret at {path}")
    return path.read_text().strip()


def _embedded_database(app: Flask) -> str:
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(app.instance_path) / 'idp.sqlite3'}"


def _engine_options(settings) -> dict:
    if settings.database_url.startswith("postgresql"):
        # pre_ping: a restarted Postgres costs one failed checkout, not a restart of the IdP.
        # hide_parameters: a database error logged never carries bound values (hashes, tokens).
        return {"pool_size": settings.database_pool_size, "max_overflow": 10,
                "pool_pre_ping": True, "pool_recycle": 1800, "hide_parameters": True}
    return {}


def _init_extensions(app: Flask, settings, announce) -> None:
    from . import sessions
    from .keystore.kek import load_kek
    from .keystore.signer import CHANNEL, _Cache
    from .storage import models  # noqa: F401  (registers every model)
    from .storage.store import create_store
    from .web.auth import load_user

    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    sessions.init_app(app)
    store = create_store(settings)
    app.extensions["idp.store"] = store
    app.extensions["idp.kek"] = load_kek(settings, announce)
    cache = _Cache()
    app.extensions["idp.signer_cache"] = cache
    # Another instance rotated keys: drop ours (every instance agrees within seconds).
    app.extensions["idp.unsubscribe"] = [store.subscribe(CHANNEL, lambda _m: setattr(cache, "loaded_at", 0.0))]
    from .clients import cache as client_cache

    client_cache.subscribe(app, store)  # the protocol endpoints' client lookups


def _register_blueprints(app: Flask) -> None:
    from .billing.notifications import bp as billing_notifications_bp
    from .oidc import server
    from .oidc.views import bp as oidc_bp
    from .ops.health import bp as ops_bp
    from .ops.logging import register_request_logging
    from .ops.metrics import bp as metrics_bp
    from .ops.metrics import register_metrics
    from .web.account import bp as account_bp
    from .web.auth import bp as auth_bp
    from .web.consent import bp as consent_bp
    from .web.errors import register_error_handlers
    from .web.federated import bp as federated_bp
    from .web.org_signin import bp as org_signin_bp
    from .web.headers import register_security_headers
    from .web.i18n import init_app as init_i18n
    from .web.logout import bp as logout_bp
    from .web.passkeys import bp as passkeys_bp
    from .web.members import accept_bp as invitations_bp
    from .web.members import bp as members_bp
    from .web.picker import bp as picker_bp
    from .web.plans import bp as billing_bp
    from .web.totp import bp as totp_bp

    register_request_logging(app)
    register_metrics(app)
    init_i18n(app)  # the catalogues, the language of each request, the switcher
    for blueprint in (
        ops_bp,
        metrics_bp,
        auth_bp,
        federated_bp,
        picker_bp,
        consent_bp,
        billing_notifications_bp,
        billing_bp,
        account_bp,
        org_signin_bp,
        members_bp,
        invitations_bp,
        oidc_bp,
        logout_bp,
        totp_bp,
        passkeys_bp,
    ):
        app.register_blueprint(blueprint)
    server.init_app(app)
    register_error_handlers(app)
    register_security_headers(app)
    _register_loop_routes(app)
    _subscribe_audit(app)


def _register_loop_routes(app: Flask) -> None:
    """Discovery and JWKS answered on the ASGI front's event loop (web/loop_routes.py), and
    userinfo, introspection and the refresh grant when everything they need is at hand
    (oidc/loop_endpoints.py)."""
    from .oidc import loop_endpoints
    from .oidc.endpoints import discovery, jwks
    from .web import loop_routes

    loop_routes.register(app, "/.well-known/openid-configuration", discovery.prepared)
    loop_routes.register(app, "/.well-known/jwks.json", jwks.prepared)
    loop_routes.register_handler(app, "/oauth2/userinfo", loop_endpoints.userinfo)
    loop_routes.register_handler(app, "/oauth2/introspect", loop_endpoints.introspection)
    loop_routes.register_handler(app, "/oauth2/token", loop_endpoints.refresh_grant)


def _subscribe_audit(app: Flask) -> None:
    from .audit import subscribe_signals

    subscribe_signals()
