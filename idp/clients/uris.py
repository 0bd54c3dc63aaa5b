"""Validation of registered URIs (redirect, post-logout, back-channel logout).

https everywhere, except http on loopback hosts (RFC 8252 §7.3, RFC 6761):
127.0.0.1, [::1], localhost and *.localhost. Absolute, no fragment
(RFC 6749 §3.1.2), no userinfo.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ..errors import IdPError

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


class InvalidURI(IdPError):
    """A URI that cannot be registered; the message says why."""


def is_loopback(host: str | None) -> bool:
    host = (host or "").lower()
    return host in LOOPBACK_HOSTS or host.endswith(".localhost")


def validate_uri(uri: str, what: str = "redirect URI") -> str:
    """Return ``uri`` when acceptable for registration; raise InvalidURI saying why."""
    if not isinstance(uri, str) or not uri or len(uri) > 2000 or uri != uri.strip():
        raise InvalidURI(f"{what} must be a non-empty absolute URL")
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in uri):
        raise InvalidURI(f"{what} must not contain spaces or control characters: {uri!r}")
    try:
        parts = urlsplit(uri)
        host = parts.hostname
        parts.port  # noqa: B018 — raises on a malformed port
    except ValueError:
        raise InvalidURI(f"{what} is not a valid URL: {uri!r}") from None
    if parts.scheme not in ("https", "http") or not host:
        raise InvalidURI(f"{what} must be an absolute https URL: {uri!r}")
    if parts.fragment or "#" in uri:
        raise InvalidURI(f"{what} must not contain a fragment (RFC 6749 §3.1.2): {uri!r}")
    if parts.username or parts.password:
        raise InvalidURI(f"{what} must not contain credentials: {uri!r}")
    if parts.scheme == "http" and not is_loopback(host):
        raise InvalidURI(f"{what} must use https (http only on loopback hosts): {uri!r}")
    return uri
