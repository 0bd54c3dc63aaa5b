"""Helpers for relying parties: validate the IdP's tokens offline (``jwks_cache.py``)."""
