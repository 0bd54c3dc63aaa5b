"""Security headers on every response (OWASP Secure Headers; CSP Level 3)."""

from flask import request

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self' *; "
       "frame-ancestors 'none'; base-uri 'none'")


def register_security_headers(app) -> None:
    https = app.config["IDP"].issuer.startswith("https://")

    @app.after_request
    def add_headers(response):
        h = response.headers
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "no-referrer")
        if response.mimetype == "text/html":
            h.setdefault("Content-Security-Policy", CSP)
            h.setdefault("X-Frame-Options", "DENY")
            h.setdefault("Cache-Control", "no-store")
        if https:
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.path.startswith("/static/"):
            h["Cache-Control"] = "public, max-age=3600"
        return response
