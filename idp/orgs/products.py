"""The products the suite sells and their resource audiences (RFC 8707 / RFC 9068 ``aud``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select

from ..extensions import db
from ..storage.models import Product
from ..storage.transaction import transaction
from .errors import OrgError


def list_products() -> list[Product]:
    return list(db.session.scalars(select(Product).order_by(Product.code)))


def get_product(code: str) -> Product:
    product = db.session.get(Product, code) if isinstance(code, str) and len(code) <= 32 else None
    if product is None:
        raise OrgError(f"no product {str(code)[:40]!r}")
    return product


def audience_of(code) -> str | None:
    """The resource audience of product ``code``; None for no product or an unknown one."""
    if not isinstance(code, str) or not code or len(code) > 32:
        return None
    product = db.session.get(Product, code)
    return product.audience if product is not None else None


def validate_audience(uri: str) -> str:
    """An absolute https URL with a host, no query, fragment or credentials (RFC 8707 §2)."""
    if not isinstance(uri, str) or not uri or len(uri) > 500 or uri != uri.strip():
        raise OrgError("audience must be an absolute https URL of at most 500 characters")
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in uri):
        raise OrgError("audience must not contain spaces or control characters")
    try:
        parts = urlsplit(uri)
        host = parts.hostname
        parts.port  # noqa: B018 — raises on a malformed port
    except ValueError:
        raise OrgError(f"audience is not a valid URL: {uri[:80]!r}") from None
    if parts.scheme != "https" or not host:
        raise OrgError(f"audience must be an absolute https URL: {uri[:80]!r}")
    if parts.fragment or "#" in uri or parts.query or "?" in uri:
        raise OrgError("audience must not contain a query or fragment (RFC 8707 §2)")
    if parts.username or parts.password:
        raise OrgError("audience must not contain credentials")
    return uri


def set_audience(code: str, uri: str) -> Product:
    """Change a product's audience (every organisation's entitlement version moves with it)."""
    product = get_product(code)
    uri = validate_audience(uri)
    other = db.session.scalar(select(Product).where(Product.audience == uri))
    if other is not None and other.code != product.code:
        raise OrgError(f"audience {uri!r} already belongs to product {other.code}")
    with transaction():
        product.audience = uri
    return product


def describe(product: Product) -> dict:
    return {"code": product.code, "name": product.name, "audience": product.audience}
