"""Helpers for relying parties: validating what the IdP sends them (logout tokens,
offline against the IdP's JWKS). Demo apps and the suite's receivers use them."""
