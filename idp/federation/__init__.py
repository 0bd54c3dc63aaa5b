"""Per-organisation upstream sign-in (OIDC federation): an organisation's people sign in
with their company's own OpenID Connect provider.

- ``config.py``: the connection (issuer, client id, sealed secret, domains, enforce), set
  by the operator or requested by an owner and approved by the operator.
- ``upstream.py``: the upstream's discovery document and JWKS (cached, refetch on an
  unknown kid, rate-limited) and the code exchange at its token endpoint.
- ``signin.py``: home-realm discovery, the authorization request (PKCE S256, state,
  nonce, login_hint), the callback (ID token validated fully) and the person: matched by
  (issuer, sub), linked by verified email within the organisation, or created just in time.
- ``logout.py``: Back-Channel Logout 1.0 *from* the upstream ends our sessions.

The pages (web/federated.py) render what these decide; docs/federation.md tells operators.
"""

from .errors import FederationError, FederationFailure

__all__ = ["FederationError", "FederationFailure"]
