"""Endpoints beyond authorize and token: discovery, JWKS, userinfo, revocation, introspection."""
