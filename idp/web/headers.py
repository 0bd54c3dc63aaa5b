"""Security headers on every response (OWASP Secure Headers; CSP Level 3).

A header the view set itself wins (the form_post page has its own CSP). The
response's header names are read once per request, and the headers to add are
fixed when the app is built: this hook runs on every response.
"""

from flask import request

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self' *; "
       "frame-ancestors 'none'; base-uri 'none'")
ALWAYS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"))
HTML = (("Content-Security-Policy", CSP), ("X-Frame-Options", "DENY"),
        ("Cache-Control", "no-store"))
HSTS = (("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),)


def _missing(headers, wanted):
    present = {name.lower() for name, _ in headers}
    return [(name, value) for name, value in wanted if name.lower() not in present]


def plain_headers(app) -> tuple:
    """The security headers of a response that is not HTML."""
    return ALWAYS + (HSTS if app.config["IDP"].issuer.startswith("https://") else ())


def register_security_headers(app) -> None:
    https = app.config["IDP"].issuer.startswith("https://")
    plain, html = ALWAYS + (HSTS if https else ()), ALWAYS + HTML + (HSTS if https else ())

    @app.after_request
    def add_headers(response):
        h = response.headers
        content_type = h.get("Content-Type", "")
        wanted = html if content_type.startswith("text/html") else plain
        for name, value in _missing(h, wanted):
            h.add(name, value)
        if request.path.startswith("/static/"):
            h["Cache-Control"] = "public, max-age=3600"
        return response
