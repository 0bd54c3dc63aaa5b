"""One module per grant type; ``idp.oidc.server`` registers them (no implicit, hybrid or
password grant: RFC 9700 §2.1.2, §2.4)."""
