"""Client authentication at the token, revocation and introspection endpoints (RFC 6749 §2.3).

Every client authentication of the authorization server goes through
``authenticate`` (``AuthorizationServer.authenticate_client`` calls it):

1. Failure limits first (``throttle``): when the source address or the client a
   request names is past its limit of failed authentications, the request gets
   no slow secret hash. It is served only when its credentials can be checked
   cheaply — a public client, or a secret this IdP has already verified
   (``passwords.known_secret``: a constant-time digest comparison). Anything else
   is refused with 429 before any hash. So a stranger cannot lock a real client
   out, and the argon2id hash cannot be used to burn CPU without limit.
2. The registered methods authenticate the client. ``client_secret_basic`` and
   ``client_secret_post`` are ours: both check the secret with ``secret_matches``
   (the remembered verifier, ``passwords.verify_secret``), and credentials that are
   not base64 of form-urlencoded UTF-8 (RFC 6749 §2.3.1, RFC 7617 §2.1) are a
   failed authentication, never an exception (``basic_credentials``).
3. A failure is counted for the address and the registered client; a success
   against the client's own allowance (``throttle.count_allowance``).

Parallel failures may pass the check together before any of them is counted:
a limit can be exceeded by the number of requests in flight, never more.
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import unquote

from flask import request as flask_request

from ..clients.cache import lookup
from ..clients.secrets import known_secret, verify_secret
from ..ratelimit import RateLimited
from . import throttle
from .errors import InvalidClientError

MAX_ID = 64


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _printable(value: str) -> bool:
    return _CONTROL.search(value) is None


def basic_credentials(headers) -> tuple[str | None, str | None]:
    """The (client_id, client_secret) of HTTP Basic; (None, None) when absent or malformed."""
    scheme, _, value = (headers.get("Authorization") or "").partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        raw = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        user, colon, password = raw.partition(":")
        # RFC 6749 §2.3.1: each part is form-urlencoded (UTF-8) before Basic encoding.
        client_id, secret = (unquote(part, errors="strict") for part in (user, password))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None, None
    if not colon or not _printable(client_id) or not _printable(secret):
        return None, None
    return client_id or None, secret or None


def claimed_client_id(request) -> str | None:
    """The client_id a request names (Basic user name, else the form), unverified."""
    if (request.headers.get("Authorization") or "")[:6].lower() == "basic ":
        return basic_credentials(request.headers)[0]
    value = request.form.get("client_id")
    return value if isinstance(value, str) and value else None


def plausible_id(client_id) -> bool:
    """Could ``client_id`` be registered? (Never sends a NUL or a 5 kB string to Postgres.)"""
    return isinstance(client_id, str) and 0 < len(client_id) <= MAX_ID and _printable(client_id)


def registered(client_id) -> bool:
    """Is ``client_id`` a client we know? (The process's client cache answers.)"""
    return plausible_id(client_id) and lookup(client_id) is not None


def secret_matches(client, secret) -> bool:
    """Does ``secret`` authenticate ``client``? (argon2id once, then the remembered verifier)"""
    return bool(client.secret_hash) and verify_secret(client.secret_hash, secret)


def _secret_client(query_client, client_id, secret):
    if not (client_id and secret):
        return None
    client = query_client(client_id)
    if client is None:
        raise InvalidClientError(status_code=401,
                                 description="The client does not exist on this server.")
    return client if secret_matches(client, secret) else None


def authenticate_client_secret_basic(query_client, request):
    """Authlib's ``client_secret_basic``, with credentials parsed by ``basic_credentials``."""
    return _secret_client(query_client, *basic_credentials(request.headers))


def authenticate_client_secret_post(query_client, request):
    """Authlib's ``client_secret_post`` (RFC 6749 §2.3.1), with the remembered verifier."""
    client_id, secret = request.form.get("client_id"), request.form.get("client_secret")
    if not isinstance(client_id, str) or not isinstance(secret, str):
        return None
    return _secret_client(query_client, client_id, secret)


def authenticate(authenticate_with, request, methods, endpoint):
    """Authenticate the client under the failure limits; count its allowance on success."""
    address = flask_request.remote_addr or "unknown"
    named = claimed_client_id(flask_request)
    known = named if registered(named) else None
    # Credentials verified without the slow hash are served past the limits anyway, so
    # their store read is skipped: one round trip less on every hot-path request.
    if not _cheaply_verified(known):
        wait = throttle.failures_reached(address, known)
        if wait:
            raise RateLimited(wait, "client_auth")
    try:
        client = authenticate_with(request, methods, endpoint)
    except InvalidClientError:
        throttle.count_failure(address, known)
        raise
    throttle.count_allowance(client, endpoint, address)
    return client


def _cheaply_verified(client_id: str | None) -> bool:
    """Do the credentials authenticate ``client_id``, as known without the slow hash?"""
    client = lookup(client_id) if client_id else None
    if client is None:
        return False
    basic_id, basic_secret = basic_credentials(flask_request.headers)
    secret = basic_secret if basic_id else flask_request.form.get("client_secret")
    if client.is_public:
        return not secret  # a public client proves nothing; its allowance is per address
    return bool(client.secret_hash) and known_secret(client.secret_hash, secret) is True
