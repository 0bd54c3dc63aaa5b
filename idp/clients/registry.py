"""The client registry: create, update, rotate secrets, delete. Shared by CLI and admin."""

from __future__ import annotations

import secrets
import string

from sqlalchemy import select

from .. import audit
from ..crypto.hashing import hash_password
from ..errors import IdPError
from ..extensions import db
from ..storage.models import Client
from ..storage.transaction import transaction
from . import cache as client_cache
from .secrets import generate_secret
from .uris import InvalidURI, validate_uri

AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")
PRODUCTS = ("building", "project", "asset")
# No implicit, hybrid or password grants (RFC 9700 §2.1.2, §2.4).
GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")
DEFAULT_SCOPE = "openid profile email offline_access plan"
SIGNING_ALGS = ("RS256", "PS256", "ES256", "EdDSA")


class ClientError(IdPError):
    """Bad input for a client operation; the message is safe to show."""


CLIENT_ID_ALPHABET = string.ascii_letters + string.digits


def new_client_id() -> str:
    """A random client_id of 24 letters and digits (~143 bits).

    Alphanumeric only: an id starting with "-" would read as an option on the
    `idp clients` command line, and ids travel in URLs and Basic credentials.
    """
    return "".join(secrets.choice(CLIENT_ID_ALPHABET) for _ in range(24))


def get_client(client_id: str) -> Client:
    client = find_client(client_id)
    if client is None:
        raise ClientError(f"no client {client_id!r}")
    return client


def find_client(client_id) -> Client | None:
    if not isinstance(client_id, str) or not client_id or len(client_id) > 64:
        return None
    return db.session.scalar(select(Client).where(Client.client_id == client_id))


def list_clients() -> list[Client]:
    return list(db.session.scalars(select(Client).order_by(Client.id)))


def _uris(values, what) -> list[str]:
    try:
        return list(dict.fromkeys(validate_uri(v, what) for v in values or ()))
    except InvalidURI as exc:
        raise ClientError(str(exc)) from None


def _check(fields: dict) -> None:
    method = fields.get("token_endpoint_auth_method")
    if method is not None and method not in AUTH_METHODS:
        raise ClientError(f"auth method must be one of {', '.join(AUTH_METHODS)}")
    product = fields.get("product")
    if product not in (None, *PRODUCTS):
        raise ClientError(f"product must be one of {', '.join(PRODUCTS)}")
    for grant in fields.get("grant_types") or ():
        if grant not in GRANT_TYPES:
            raise ClientError(f"grant type must be one of {', '.join(GRANT_TYPES)}")
    alg = fields.get("id_token_signed_response_alg")
    if alg not in (None, *SIGNING_ALGS):
        raise ClientError(f"signing alg must be one of {', '.join(SIGNING_ALGS)}")


def create_client(name: str, redirect_uris: list[str], *, public: bool = False,
                  first_party: bool = False, product: str | None = None,
                  auth_method: str | None = None, post_logout_redirect_uris=(),
                  backchannel_logout_uri: str | None = None, grant_types=None,
                  scope: str = DEFAULT_SCOPE, id_token_signed_response_alg=None,
                  client_id: str | None = None) -> tuple[Client, str | None]:
    """Register a client; return it and its secret (shown once; None for public clients)."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ClientError("name must be 1 to 200 characters")
    method = auth_method or ("none" if public else "client_secret_basic")
    if public and method != "none":
        raise ClientError("a public client authenticates with 'none'")
    if not public and method == "none":
        raise ClientError("a confidential client needs client_secret_basic or client_secret_post")
    grants = list(grant_types or ["authorization_code", "refresh_token"])
    fields = {"token_endpoint_auth_method": method, "product": product, "grant_types": grants,
              "id_token_signed_response_alg": id_token_signed_response_alg}
    _check(fields)
    if public and "client_credentials" in grants:
        raise ClientError("a public client cannot use client_credentials")
    redirects = _uris(redirect_uris, "redirect URI")
    if "authorization_code" in grants and not redirects:
        raise ClientError("at least one redirect URI is required")
    logout_uris = _uris(post_logout_redirect_uris, "post-logout redirect URI")
    backchannel = _uris([backchannel_logout_uri], "back-channel logout URI")[0] \
        if backchannel_logout_uri else None
    client_id = client_id or new_client_id()
    if find_client(client_id):
        raise ClientError(f"client {client_id!r} already exists")
    secret = None if public else generate_secret()
    client = Client(client_id=client_id, name=name, confidential=not public,
                    first_party=first_party, redirect_uris=redirects,
                    post_logout_redirect_uris=logout_uris, backchannel_logout_uri=backchannel,
                    secret_hash=hash_password(secret) if secret else None, scope=scope, **fields)
    with transaction() as session:
        session.add(client)
    client_cache.invalidate(client.client_id)  # a reused id must not meet an old snapshot
    _ensure_alg(id_token_signed_response_alg)
    audit.record("client.created", client_id=client.client_id, outcome="success",
                 detail={"name": name, "public": public, "first_party": first_party,
                         "product": product, "redirect_uris": redirects})
    return client, secret


def _ensure_alg(alg: str | None) -> None:
    """A client registered for an algorithm gets an active key for it now, not mid-request."""
    if alg:
        from ..keystore.rotation import ensure_signing_alg

        ensure_signing_alg(alg)


def update_client(client_id: str, **changes) -> Client:
    """Change a client's registration; URIs are validated like at creation."""
    client = get_client(client_id)
    for key in ("redirect_uris", "post_logout_redirect_uris"):
        if changes.get(key) is not None:
            changes[key] = _uris(changes[key], key.replace("_", " ")[:-1])
    if changes.get("backchannel_logout_uri"):
        changes["backchannel_logout_uri"] = _uris([changes["backchannel_logout_uri"]],
                                                  "back-channel logout URI")[0]
    if changes.get("name") is not None and not (0 < len(changes["name"].strip()) <= 200):
        raise ClientError("name must be 1 to 200 characters")
    _check(changes)
    method = changes.get("token_endpoint_auth_method")
    if method is not None and (method == "none") != client.is_public:
        raise ClientError("auth method 'none' is only for public clients")
    with transaction():
        for key, value in changes.items():
            if value is not None:
                setattr(client, key, value)
    client_cache.invalidate(client_id)
    _ensure_alg(changes.get("id_token_signed_response_alg"))
    audit.record("client.updated", client_id=client_id, outcome="success",
                 detail={k: v for k, v in changes.items() if v is not None})
    return client


def rotate_secret(client_id: str) -> tuple[Client, str]:
    client = get_client(client_id)
    if client.is_public:
        raise ClientError("a public client has no secret")
    secret = generate_secret()
    with transaction():
        client.secret_hash = hash_password(secret)
    client_cache.invalidate(client_id)  # the old secret stops working in every process
    audit.record("client.secret_rotated", client_id=client_id, outcome="success")
    return client, secret


def delete_client(client_id: str) -> None:
    client = get_client(client_id)
    with transaction() as session:
        session.delete(client)
    client_cache.invalidate(client_id)
    audit.record("client.deleted", client_id=client_id, outcome="success")


def describe(client: Client) -> dict:
    """The client as scripts see it (never the secret hash)."""
    return {
        "client_id": client.client_id, "name": client.name, "public": client.is_public,
        "first_party": client.first_party, "product": client.product,
        "redirect_uris": client.redirect_uris,
        "post_logout_redirect_uris": client.post_logout_redirect_uris,
        "backchannel_logout_uri": client.backchannel_logout_uri,
        "grant_types": client.grant_types, "scope": client.scope,
        "token_endpoint_auth_method": client.token_endpoint_auth_method,
        "id_token_signed_response_alg": client.id_token_signed_response_alg or "RS256",
        "created_at": client.created_at.isoformat(),
    }
