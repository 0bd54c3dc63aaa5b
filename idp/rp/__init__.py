"""Helpers for relying parties: validate what the IdP sends them offline against its
JWKS (``jwks_cache.py``: a JWKS cache that refetches on an unknown kid;
``backchannel.py``: logout-token validation, Back-Channel Logout §2.6)."""
