"""The authorization server: clients, authorize, consent, token, userinfo,
discovery, JWKS, revocation, introspection, logout. Protocol rules live here;
views only parse, call these services and render."""
