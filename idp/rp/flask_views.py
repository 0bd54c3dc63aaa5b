"""The five routes of the Flask integration, as a mixin of ``RelyingParty`` (flask.py).

Sign-in (``/login`` → the IdP → ``/callback``), sign-out (``/logout`` → the IdP →
``/signed-out``) and the back-channel logout receiver, with the pages and cookies
they need. The protocol itself is ``OIDCClient``'s (client.py).
"""

from __future__ import annotations

import hmac
import secrets
import time

from flask import Response, current_app, jsonify, redirect, render_template, request
from jinja2 import TemplateNotFound
from markupsafe import escape

from .errors import DiscoveryError, LoginError, LogoutTokenError, NotEntitled

LOGIN_TTL = 600  # seconds a sign-in round trip may take
JTI_TTL = 600  # logout-token ids remembered this long (longer than their lifetime)


def _local_path(value) -> str:
    """``value`` when it is a path on this site, else "/" (no open redirect)."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith(("//", "/\\")) \
            or len(value) > 2000 or any(ord(ch) < 0x20 for ch in value):
        return "/"
    return value


class RouteViews:
    """The views; ``RelyingParty`` provides client, store, uris, cookie_name, lifetime..."""

    def _login(self):
        url, pending = self.client.begin()
        pending["next"] = _local_path(request.args.get("next"))
        self.store.put("login:" + pending["state"], pending, LOGIN_TTL)
        response = redirect(url)
        # The state is bound to this browser (RFC 6749 §10.12): the callback must come back
        # to the browser that started the sign-in.
        self._cookie(response, self.cookie_name + "_login", pending["state"], LOGIN_TTL)
        return response

    def _callback(self):
        state = request.args.get("state") or ""
        bound = request.cookies.get(self.cookie_name + "_login") or ""
        if not state or not hmac.compare_digest(state.encode(), bound.encode()):
            raise LoginError("This sign-in was started in another browser or has expired.",
                             "state_mismatch")
        pending = self.store.take("login:" + state)
        if pending is None:
            raise LoginError("This sign-in has expired or was already used.", "state_mismatch")
        try:
            tokens = self.client.finish(request.args, pending)
        except LoginError as exc:
            if exc.error == "access_denied":  # the IdP's entitlement gate refused the product
                raise NotEntitled(self.product, str(exc)) from exc
            raise
        response = redirect(pending.get("next") or "/")
        self._start_session(response, tokens)
        response.delete_cookie(self.cookie_name + "_login", path="/")
        return response

    def _start_session(self, response, tokens: dict) -> None:
        now = int(time.time())
        claims = tokens["claims"]
        data = dict(tokens, sid=claims.get("sid"), sub=claims["sub"], created_at=now,
                    ends_at=now + self.lifetime)
        session_id = secrets.token_urlsafe(32)
        self.store.save(session_id, data, self.lifetime)
        # Did a back-channel logout for this sid arrive while the code was being redeemed?
        # The receiver marks the sid before ending its sessions, and this check runs after
        # the save: either the receiver's end() saw this session or this check sees the mark.
        if data["sid"] and self.store.get("ended:" + data["sid"]) is not None:
            self.store.delete(session_id)
            raise LoginError("You were signed out while signing in; please sign in again.",
                             "session_ended")
        self._cookie(response, self.cookie_name, session_id, self.lifetime)

    def _logout(self):
        signed = self.current
        if signed is not None:
            self.store.delete(signed.session_id)
        target = self.uris["post_logout_redirect_uri"]
        try:
            # RP-Initiated Logout §2: with our ID token as the hint the IdP ends its session
            # at once; without one (no local session) it asks the person first.
            target = self.client.end_session_url(
                signed.data.get("id_token") if signed else None,
                self.uris["post_logout_redirect_uri"], secrets.token_urlsafe(16)) or target
        except DiscoveryError:
            pass  # the IdP is away: at least this app's session has ended
        response = redirect(target)
        response.delete_cookie(self.cookie_name, path="/")
        return response

    def _signed_out(self):
        return self._page("rp/signed_out.html", 200, title="Signed out", error=None)

    def _backchannel(self):
        token = request.form.get("logout_token")
        try:
            claims = self.client.validate_logout_token(
                token, seen_jti=lambda jti: not self.store.first_use("jti:" + jti, JTI_TTL))
        except (LogoutTokenError, DiscoveryError) as exc:
            # Back-Channel Logout §2.8: 400 with an OAuth-style error body.
            body = {"error": "invalid_request", "error_description": str(exc)[:200]}
            return _no_store(jsonify(body), 400)
        if claims.get("sid"):
            # Remembered first, so a sign-in with this sid finishing meanwhile ends too.
            self.store.put("ended:" + claims["sid"], {"at": int(time.time())}, self.lifetime)
        ended = self.store.end(sid=claims.get("sid"), sub=None if claims.get("sid")
                               else claims.get("sub"))
        current_app.logger.info("back-channel logout: %d session(s) ended", ended)
        return _no_store(Response("", 200), 200)

    def _cookie(self, response, name: str, value: str, max_age: int) -> None:
        response.set_cookie(name, value, max_age=max_age, path="/", secure=self.secure,
                            httponly=True, samesite="Lax")

    def _page(self, template: str, status: int, **context):
        try:
            html = render_template(template, rp=self, **context)
        except TemplateNotFound:
            html = _builtin_page(context.get("title") or "", context.get("error"))
        return _no_store(Response(html, status, mimetype="text/html"), status)


def _no_store(response, status: int):
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _builtin_page(title: str, error) -> str:
    message = getattr(error, "description", None) or (str(error) if error else "")
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title></head><body><h1>{escape(title)}</h1>"
            f"<p>{escape(message)}</p><p><a href=\"/\">Continue</a></p></body></html>")
