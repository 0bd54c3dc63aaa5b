"""Every failure the kit raises, typed, with a short reason safe to log and show.

``RPError`` is the base of all of them. Token failures are ``TokenRejected``
subclasses, one per rule, so a product can tell *why* a token was refused
(``except Expired``) or just refuse (``except TokenRejected``); ``reason`` is a
stable machine code and ``str(error)`` a sentence with the detail.
"""

from __future__ import annotations


class RPError(Exception):
    """Something the relying-party kit refused or could not do."""

    reason = "error"


class TokenRejected(RPError):
    """A token (ID, access or logout token) is not acceptable; never trust its claims."""

    reason = "invalid_token"


class MalformedToken(TokenRejected):
    """Not a compact JWS with a JSON header and claims (or a JWE: five parts)."""

    reason = "malformed"


class AlgorithmNotAllowed(TokenRejected):
    """The header's ``alg`` is outside the allow-list (``none`` and HS* always are)."""

    reason = "alg_not_allowed"


class UnknownKey(TokenRejected):
    """The ``kid`` is not in the IdP's JWKS, even after the refetch it allows."""

    reason = "unknown_kid"


class InvalidSignature(TokenRejected):
    """The signature does not verify under the published key of that ``kid``."""

    reason = "bad_signature"


class WrongType(TokenRejected):
    """The ``typ`` header names another kind of token (RFC 8725 §3.11 explicit typing)."""

    reason = "wrong_typ"


class WrongIssuer(TokenRejected):
    """``iss`` is not exactly the configured issuer."""

    reason = "wrong_iss"


class WrongAudience(TokenRejected):
    """``aud`` does not name this client (ID/logout token) or this product (access token)."""

    reason = "wrong_aud"


class WrongAuthorizedParty(TokenRejected):
    """``azp`` is present and is not this client, or is missing with several audiences."""

    reason = "wrong_azp"


class Expired(TokenRejected):
    """``exp`` has passed (beyond the leeway)."""

    reason = "expired"


class IssuedInFuture(TokenRejected):
    """``iat`` lies in the future (beyond the leeway): a clock problem or a forgery."""

    reason = "iat_in_future"


class NonceMismatch(TokenRejected):
    """The ID token's ``nonce`` is not the one this login sent (OIDC Core §3.1.3.7 step 11)."""

    reason = "wrong_nonce"


class MissingClaim(TokenRejected):
    """A claim the token type requires is absent or of the wrong type."""

    reason = "missing_claim"


class AtHashMismatch(TokenRejected):
    """The ID token's ``at_hash`` does not match the access token it came with (§3.1.3.8)."""

    reason = "wrong_at_hash"


class LogoutTokenError(TokenRejected):
    """A back-channel logout token is not valid; answer 400 and log nobody out (§2.8)."""

    reason = "invalid_logout_token"


class DiscoveryError(RPError):
    """The IdP's metadata or keys could not be fetched, or are not what was expected."""

    reason = "discovery"


class LoginError(RPError):
    """The sign-in round trip failed (state, ``iss``, an error from the IdP, the code)."""

    reason = "login_failed"

    def __init__(self, message: str, error: str = "login_failed"):
        super().__init__(message)
        self.error = error


class TokenEndpointError(RPError):
    """The token endpoint refused a code or refresh token (RFC 6749 §5.2 ``error``)."""

    reason = "token_endpoint"

    def __init__(self, error: str, description: str = "", status: int | None = None):
        super().__init__(f"{error}: {description}" if description else error)
        self.error, self.description, self.status = error, description, status


class NotEntitled(RPError):
    """The person's plan does not include this product (or its status grants nothing).

    ``product`` is the product code; ``description`` a sentence for people (the
    IdP's own when it refused the sign-in, RFC 6749 ``error_description``).
    """

    reason = "not_entitled"

    def __init__(self, product: str | None, description: str, status: str | None = None):
        super().__init__(description)
        self.product, self.description, self.status = product, description, status
