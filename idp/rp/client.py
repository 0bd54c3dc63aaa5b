"""The OpenID Connect client itself, free of any web framework.

``begin()`` builds the authorization request (code flow, PKCE S256, ``state``,
``nonce``: RFC 9700 §2.1.1, OIDC Core §3.1.2.1) and returns what must be kept
for the callback; ``finish(params, pending)`` checks the authorization response
(``state``; ``iss`` per RFC 9207 §2.4; an ``error``), redeems the code and
validates the ID token; ``refresh()`` uses a refresh token (the IdP rotates
it and re-checks the plan: OIDC Core §12); ``end_session_url()`` builds the
RP-initiated logout request; ``validate_logout_token()`` and
``validate_access_token()`` check what the IdP and other apps send.

The Flask integration (flask.py) is a thin layer over this class.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from urllib.parse import quote, urlencode

import requests

from .backchannel import validate_logout_token
from .discovery import Discovery
from .errors import LoginError, TokenEndpointError
from .http import session
from .jwks_cache import ALGS, JWKSCache, http_fetcher
from .tokens import DEFAULT_LEEWAY, validate_access_token, validate_id_token

# No offline_access: a product's refresh token must die with the person's IdP session
# (the IdP keeps offline_access tokens across logout, OIDC Core §11); first-party
# clients get a refresh token without it.
DEFAULT_SCOPE = "openid profile email plan"
TIMEOUT = 5.0


def pkce_pair() -> tuple[str, str]:
    """A code verifier (64 characters, RFC 7636 §4.1) and its S256 challenge (§4.2)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OIDCClient:
    """One relying party (a registered client) of one issuer."""

    def __init__(self, issuer: str, client_id: str, client_secret: str | None,
                 redirect_uri: str, *, scope: str = DEFAULT_SCOPE, algorithms=ALGS,
                 leeway: int = DEFAULT_LEEWAY, http=None):
        self.issuer, self.client_id, self.client_secret = issuer, client_id, client_secret
        self.redirect_uri, self.scope, self.leeway = redirect_uri, scope, leeway
        self.http = http or session(keep_cookies=False)
        self.discovery = Discovery(issuer, http=self.http)
        self.jwks = JWKSCache(http_fetcher(lambda: self.discovery["jwks_uri"], http=self.http),
                              algorithms=algorithms)

    # --- sign-in -------------------------------------------------------------------------

    def begin(self, **extra) -> tuple[str, dict]:
        """Return the authorization URL and the pending login to keep (state, nonce, verifier)."""
        verifier, challenge = pkce_pair()
        pending = {"state": secrets.token_urlsafe(32), "nonce": secrets.token_urlsafe(32),
                   "verifier": verifier}
        params = {"response_type": "code", "client_id": self.client_id,
                  "redirect_uri": self.redirect_uri, "scope": self.scope,
                  "state": pending["state"], "nonce": pending["nonce"],
                  "code_challenge": challenge, "code_challenge_method": "S256", **extra}
        return f"{self.discovery['authorization_endpoint']}?{urlencode(params)}", pending

    def finish(self, params, pending: dict) -> dict:
        """Check the authorization response, redeem the code; return the validated token set."""
        state = params.get("state")
        if not isinstance(state, str) or not hmac.compare_digest(state, pending["state"]):
            raise LoginError("the sign-in response does not belong to this browser's sign-in",
                             "state_mismatch")
        self._check_iss(params.get("iss"))
        if params.get("error"):
            raise LoginError(str(params.get("error_description") or params["error"])[:300],
                             str(params["error"])[:64])
        code = params.get("code")
        if not isinstance(code, str) or not code:
            raise LoginError("the sign-in response has no code", "invalid_request")
        token = self._token_request({"grant_type": "authorization_code", "code": code,
                                     "redirect_uri": self.redirect_uri,
                                     "code_verifier": pending["verifier"]})
        return self._token_set(token, nonce=pending["nonce"])

    def _check_iss(self, iss) -> None:
        # RFC 9207 §2.4: compare iss when present; when the IdP advertises it, require it
        # (a mix-up attack would deliver another IdP's response here).
        if iss is None and self.discovery.get("authorization_response_iss_parameter_supported"):
            raise LoginError("the sign-in response has no iss", "invalid_request")
        if iss is not None and iss != self.issuer:
            raise LoginError("the sign-in response comes from another issuer", "invalid_request")

    def refresh(self, refresh_token: str, previous_sub: str | None = None) -> dict:
        """Redeem a refresh token; return the new token set (its ID token checked per §12.2)."""
        token = self._token_request({"grant_type": "refresh_token",
                                     "refresh_token": refresh_token})
        tokens = self._token_set(token, nonce=None, refresh_token=refresh_token)
        if previous_sub is not None and tokens["claims"].get("sub") != previous_sub:
            raise LoginError("the refreshed ID token names another person", "invalid_grant")
        return tokens

    def _token_set(self, token: dict, nonce: str | None, refresh_token: str | None = None) -> dict:
        access = token.get("access_token")
        if not isinstance(access, str) or not access:
            raise TokenEndpointError("invalid_response", "no access_token in the response")
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise TokenEndpointError("invalid_response", "no id_token in the response")
        claims = validate_id_token(id_token, jwks=self.jwks, issuer=self.issuer,
                                   client_id=self.client_id, nonce=nonce, access_token=access,
                                   leeway=self.leeway)
        expires_in = token.get("expires_in")
        lifetime = expires_in if isinstance(expires_in, int) and expires_in > 0 else 300
        return {"access_token": access, "id_token": id_token, "claims": claims,
                "refresh_token": token.get("refresh_token") or refresh_token,
                "expires_at": int(time.time()) + lifetime}

    def _token_request(self, form: dict) -> dict:
        auth = None
        if self.client_secret:
            # RFC 6749 §2.3.1: id and secret are form-encoded before Basic encoding.
            auth = (quote(self.client_id, safe=""), quote(self.client_secret, safe=""))
        else:
            form = dict(form, client_id=self.client_id)
        try:
            response = self.http.post(self.discovery["token_endpoint"], data=form, auth=auth,
                                      timeout=TIMEOUT, allow_redirects=False,
                                      headers={"Accept": "application/json"})
            body = response.json()
        except (requests.RequestException, ValueError):
            raise TokenEndpointError("unreachable", "the token endpoint did not answer") from None
        if response.status_code != 200 or not isinstance(body, dict):
            body = body if isinstance(body, dict) else {}
            raise TokenEndpointError(str(body.get("error") or "invalid_response")[:64],
                                     str(body.get("error_description") or "")[:300],
                                     response.status_code)
        return body

    # --- sign-out and what other parties send ----------------------------------------------

    def end_session_url(self, id_token_hint: str | None, post_logout_redirect_uri: str | None,
                        state: str | None = None) -> str | None:
        """The RP-Initiated Logout 1.0 request (§2), or None when the IdP offers none."""
        endpoint = self.discovery.get("end_session_endpoint")
        if not endpoint:
            return None
        params = {"client_id": self.client_id}
        if id_token_hint:
            params["id_token_hint"] = id_token_hint
        if post_logout_redirect_uri:
            params["post_logout_redirect_uri"] = post_logout_redirect_uri
        if state:
            params["state"] = state
        return f"{endpoint}?{urlencode(params)}"

    def validate_logout_token(self, token: str, seen_jti=None) -> dict:
        """Claims of a valid back-channel logout token for this client; raise LogoutTokenError."""
        return validate_logout_token(token, jwks=self.jwks, issuer=self.issuer,
                                     client_id=self.client_id, seen_jti=seen_jti,
                                     leeway=self.leeway)

    def validate_access_token(self, token: str, audience: str) -> dict:
        """Claims of a valid RFC 9068 access token for ``audience``; raise TokenRejected."""
        return validate_access_token(token, jwks=self.jwks, issuer=self.issuer,
                                     audience=audience, leeway=self.leeway)
