"""A Tomps product app built on the kit — Building, Project and Asset are three of these.

``create_product_app`` is, line for line, the integration docs/rp-kit.md shows
(tests/demo/test_docs_snippet.py keeps the two identical); ``demo_app`` adds
only what the demo shows on top: calls to the other products' APIs, security
headers, a health check.
"""

from __future__ import annotations

from datetime import UTC, datetime

import requests
from flask import Flask, render_template

from idp.rp import limit
from idp.rp.flask import RelyingParty

# Content-Security-Policy of every demo page: nothing inline, nothing from elsewhere.
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
NAMES = {"building": "Tomps Building", "project": "Tomps Project", "asset": "Tomps Asset"}


# --- integration: begin ---
def create_product_app(config: dict) -> Flask:
    app = Flask(__name__)
    app.config.update(config)  # RP_ISSUER, RP_CLIENT_ID, RP_CLIENT_SECRET, RP_BASE_URL,
    #                            RP_PRODUCT ("project"), RP_AUDIENCE (this product's API)
    rp = RelyingParty(app)  # /login /callback /logout /signed-out /backchannel-logout

    @app.get("/")
    @rp.product_required  # signed in, and the plan includes RP_PRODUCT now
    def home():
        return render_template("home.html", person=rp.current, plan=rp.current.plan)

    @app.get("/api/summary")
    @rp.bearer_required  # an access token whose aud holds RP_AUDIENCE, plan has RP_PRODUCT
    def summary():
        return {"product": rp.product, "organisation": rp.bearer["org_name"],
                "plan": rp.bearer["plan"], "projects_limit": limit("projects", rp.bearer)}

    return app
# --- integration: end ---


def demo_app(config: dict, peers: dict[str, str]) -> Flask:
    """The product app plus the demo's extras; ``peers`` maps the other products to URLs."""
    app = create_product_app(config)
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 3600  # the stylesheet and icons
    rp = app.extensions["idp.rp"]

    @app.context_processor
    def demo_context():
        return {"product": rp.product, "product_name": NAMES[rp.product], "names": NAMES,
                "peers": peers, "issuer": rp.client.issuer,
                "api_calls": lambda: [_call(rp, p, url) for p, url in peers.items()]}

    @app.template_filter("day")
    def day(epoch):
        return datetime.fromtimestamp(epoch, UTC).strftime("%d %B %Y") if epoch else "—"

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    return app


def _call(rp, product: str, base_url: str) -> dict:
    """GET the other product's API with this person's access token; say what it answered."""
    url = f"{base_url}/api/summary"
    try:
        response = rp.http.get(url, timeout=3, allow_redirects=False,
                               headers={"Authorization": f"Bearer {rp.current.access_token}"})
        body = response.json()
    except (requests.RequestException, ValueError):
        return {"product": product, "url": url, "status": None, "accepted": False,
                "detail": "no answer"}
    accepted = response.status_code == 200
    detail = body if accepted else body.get("error_description") or body.get("error")
    return {"product": product, "url": url, "status": response.status_code,
            "accepted": accepted, "detail": detail, "error": None if accepted else body.get("error")}
